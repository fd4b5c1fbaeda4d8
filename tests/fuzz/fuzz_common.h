/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the libFuzzer targets in tests/fuzz/ (built by tests/fuzz.mk).
 * A target aborts when an output breaks a promise of the code under test,
 * besides the crashes, over-reads, leaks and undefined behaviour the
 * sanitizers catch.
 */
#ifndef BW_FUZZ_COMMON_H
#define BW_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                      \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "fuzz invariant broken: %s: ", #cond);     \
			fprintf(stderr, __VA_ARGS__);                              \
			fputc('\n', stderr);                                       \
			abort();                                                   \
		}                                                                  \
	} while (0)

/* A sink for output whose text does not matter, only that making it is safe. */
static inline FILE *fuzz_devnull(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "we");
	if (!f)
		abort();
	return f;
}

/*
 * The bytes in a heap block of exactly n bytes (n + 1 with a NUL when nul),
 * 8-byte aligned as the ring buffer's records are, so ASan sees any read past
 * the end and UBSan no misalignment the real input cannot have.
 */
static inline void *fuzz_dup(const uint8_t *data, size_t n, int nul)
{
	size_t len = n + (nul ? 1 : 0);
	char *p = malloc(len ? len : 1);

	if (!p)
		abort();
	if (n)
		memcpy(p, data, n);
	if (nul)
		p[n] = '\0';
	return p;
}

/* True when s[0..n) is exactly one JSON value of the given type. */
static inline int fuzz_json_is(const char *s, size_t n, json_type type)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *o;
	int ok;

	if (!tok)
		abort();
	o = json_tokener_parse_ex(tok, s, (int)n);
	ok = o && json_tokener_get_error(tok) == json_tokener_success &&
	     json_tokener_get_parse_end(tok) == n && json_object_is_type(o, type);
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

#endif /* BW_FUZZ_COMMON_H */
