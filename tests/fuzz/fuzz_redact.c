// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the secret scanner (user/redact.c) on any argv bytes.
 * Input: prev_arg, a NUL, then the argument up to the next NUL, as argv
 * elements come (no NUL at all: prev_arg absent).
 * Invariants, from redact.h and docs/REDACTION.md: redact_copy returns the
 * whole masked length and writes a NUL-terminated prefix of the whole
 * output into any buffer size; a string that needs nothing is copied
 * unchanged; the JSON form is one JSON string; with BW_FUZZ_STRICT set,
 * masking is a fixed point (a saved log redacts to itself).
 */
#include "fuzz_common.h"
#include "lib/redact.h"

static int strict;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	strict = getenv("BW_FUZZ_STRICT") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	char *prev = nul ? fuzz_dup(data, (size_t)(nul - data), 1) : NULL;
	size_t off = nul ? (size_t)(nul - data) + 1 : 0;
	const uint8_t *end = memchr(data + off, 0, size - off);
	size_t n = end ? (size_t)(end - data) - off : size - off, len, cut;
	char *s = fuzz_dup(data + off, n, 0);
	char *out, *again, small[17];
	bool needed = redact_needed(s, n, prev);
	struct jbuf jb;

	len = redact_copy(s, n, prev, NULL, 0);
	out = malloc(len + 1);
	if (!out)
		abort();
	FUZZ_CHECK(redact_copy(s, n, prev, out, len + 1) == len, "length differs");
	FUZZ_CHECK(out[len] == '\0', "not terminated");
	if (!needed)
		FUZZ_CHECK(len == n && !memcmp(out, s, n), "clean string changed");
	/* Every cut is a prefix of the whole. */
	cut = n % sizeof(small);
	FUZZ_CHECK(redact_copy(s, n, prev, small, cut + 1) == len, "length differs when cut");
	FUZZ_CHECK(strlen(small) == (len < cut ? len : cut) && !memcmp(small, out, strlen(small)),
		   "cut output is not a prefix");
	/*
	 * Masked output masks to itself. Off unless BW_FUZZ_STRICT is set: a
	 * token glued to an assignment (xoxp-ab--npm_apikey=x) is masked as
	 * the token, and the assignment's value only on a second pass
	 * (tests/fuzz/redact/known-token-glued-to-assignment.txt,
	 * docs/SECURITY.md).
	 */
	again = malloc(len * 2 + 64);
	if (!again)
		abort();
	redact_copy(out, len, prev, again, len * 2 + 64);
	if (strict)
		FUZZ_CHECK(!strcmp(again, out), "not a fixed point: '%s' -> '%s'", out, again);
	jbuf_init(&jb);
	redact_json_strn(&jb, NULL, s, n, prev);
	FUZZ_CHECK(!jb.oom && fuzz_json_is(jb.buf, jb.len, json_type_string), "%.*s",
		   (int)jb.len, jb.buf);
	jbuf_free(&jb);
	free(again);
	free(out);
	free(s);
	free(prev);
	return 0;
}
