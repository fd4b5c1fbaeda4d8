// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Libraries opened on first use (lib/lazy_lib.h): found and called; a
 * missing library or function said once, with the library, what needs it
 * and why; libcurl and libcrypto reached through the shims as they are in
 * the agent, and neither linked into it.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include "lib/lazy_lib.h"

#ifdef BW_LAZY_LIBS
/* Everything the calls in fn write to stderr, as one string (caller frees). */
static char *stderr_of(void (*fn)(void *), void *arg)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *out = calloc(1, 4096);

	assert_non_null(f);
	assert_non_null(out);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	(void)!fread(out, 1, 4095, f);
	fclose(f);
	return out;
}

static void load_twice(void *arg)
{
	struct lazy_lib *l = arg;

	assert_false(lazy_lib_load(l));
	assert_false(lazy_lib_load(l));
}

static void test_found_and_called(void **state)
{
	static const char *const names[] = { "cos", "sqrt" };
	static struct {
		double (*cos)(double);
		double (*sqrt)(double);
	} fn;
	static struct lazy_lib l = LAZY_LIB_INIT("libm.so.6", "the test", names, &fn);

	assert_true(lazy_lib_load(&l));
	assert_true(lazy_lib_load(&l));
	assert_true(fn.cos(0.0) == 1.0);
	assert_true(fn.sqrt(16.0) == 4.0);
}

static void test_no_library(void **state)
{
	static const char *const names[] = { "f" };
	static void *syms[1];
	static struct lazy_lib l = LAZY_LIB_INIT("libbw-nonexistent.so.9", "the frobnicator", names, syms);
	char *err = stderr_of(load_twice, &l);

	assert_non_null(strstr(err, "cannot load libbw-nonexistent.so.9, which the frobnicator need: "));
	assert_non_null(strstr(err, "libbw-nonexistent.so.9: cannot open shared object file"));
	/* Said once, however often it is asked for. */
	assert_null(strstr(strstr(err, "cannot load") + 1, "cannot load"));
	free(err);
}

static void test_no_function(void **state)
{
	static const char *const names[] = { "cos", "bw_no_such_function" };
	static void *syms[2];
	static struct lazy_lib l = LAZY_LIB_INIT("libm.so.6", "the test", names, syms);
	char *err = stderr_of(load_twice, &l);

	assert_non_null(strstr(err, "libm.so.6 has no bw_no_such_function, which the test need: "));
	free(err);
}

/* The shims as the agent calls them: a URL parsed by libcurl, a digest by libcrypto. */
static void test_shims(void **state)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *host = NULL, b64[64];
	CURLU *u = curl_url();

	assert_non_null(u);
	assert_int_equal(curl_url_set(u, CURLUPART_URL, "https://chat.example:8443/hook?x=1", 0),
			 CURLUE_OK);
	assert_int_equal(curl_url_get(u, CURLUPART_HOST, &host, 0), CURLUE_OK);
	assert_string_equal(host, "chat.example");
	curl_free(host);
	curl_url_cleanup(u);
	assert_string_equal(curl_easy_strerror(CURLE_OK), "No error");
	assert_non_null(strstr(curl_version_info(CURLVERSION_NOW)->version, "."));

	assert_int_equal(EVP_Digest("abc", 3, md, &mdlen, EVP_sha256(), NULL), 1);
	assert_int_equal(mdlen, 32);
	assert_int_equal(EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen), 44);
	assert_string_equal(b64, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

/* Neither is a NEEDED entry of the agent: a start does not map them. */
static void test_not_linked(void **state)
{
	char cmd[4096], line[512];
	const char *build = getenv("BW_BUILD");
	FILE *p;
	int needed = 0;

	if (!build)
		skip();
	snprintf(cmd, sizeof(cmd), "readelf -d '%s/buildwarden' 2>&1", build);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		needed += strstr(line, "(NEEDED)") != NULL;
		assert_null(strstr(line, "libcurl"));
		assert_null(strstr(line, "libcrypto"));
	}
	assert_int_equal(pclose(p), 0);
	assert_true(needed > 0);
}
#endif

int main(void)
{
#ifdef BW_LAZY_LIBS
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_and_called),
		cmocka_unit_test(test_no_library),
		cmocka_unit_test(test_no_function),
		cmocka_unit_test(test_shims),
		cmocka_unit_test(test_not_linked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
#else
	puts("1..0 # SKIP static build: libcurl and libcrypto are linked, not opened on first use");
	return 0;
#endif
}
