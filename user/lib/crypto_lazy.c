// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The libcrypto functions we call, opening libcrypto on first use
 * (lib/lazy_lib.h says why): the HTML report's script digest and the
 * generic webhook's HMAC. When the library cannot be loaded they fail as
 * OpenSSL reports failure: 0 or NULL, which their callers handle.
 */
#ifdef BW_LAZY_LIBS
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "lib/lazy_lib.h"

#if OPENSSL_VERSION_MAJOR != 3
#error "libcrypto.so.3 is OpenSSL 3's soname: check the one below"
#endif

#define CRYPTO_FUNCS(X) X(EVP_sha256) X(EVP_Digest) X(EVP_EncodeBlock) X(HMAC)

#define NAME(f) #f,
#define FIELD(f) __typeof__(f) *f;
static const char *const names[] = { CRYPTO_FUNCS(NAME) };
static struct {
	CRYPTO_FUNCS(FIELD)
} fn;
static struct lazy_lib lib = LAZY_LIB_INIT("libcrypto.so.3",
					   "the HTML report and signed webhook payloads", names, &fn);

const EVP_MD *EVP_sha256(void)
{
	return lazy_lib_load(&lib) ? fn.EVP_sha256() : NULL;
}

int EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size,
	       const EVP_MD *type, ENGINE *impl)
{
	return type && lazy_lib_load(&lib) ? fn.EVP_Digest(data, count, md, size, type, impl) : 0;
}

int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n)
{
	if (!lazy_lib_load(&lib)) {
		*t = '\0';
		return 0;
	}
	return fn.EVP_EncodeBlock(t, f, n);
}

unsigned char *HMAC(const EVP_MD *md, const void *key, int key_len, const unsigned char *d,
		    size_t n, unsigned char *out, unsigned int *out_len)
{
	return md && lazy_lib_load(&lib) ? fn.HMAC(md, key, key_len, d, n, out, out_len) : NULL;
}
#endif
