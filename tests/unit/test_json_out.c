// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON writer: structure, escaping, and lossless non-UTF-8 bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "lib/json_out.h"

static char *escaped(const char *s, size_t n)
{
	static char out[1024];
	struct jbuf jb;

	jbuf_init(&jb);
	json_escape(&jb, s, n);
	assert_false(jb.oom);
	assert_true(jb.len < sizeof(out));
	memcpy(out, jb.buf, jb.len + 1);
	jbuf_free(&jb);
	return out;
}

static void test_plain_and_controls(void **state)
{
	assert_string_equal(escaped("abc", 3), "\"abc\"");
	assert_string_equal(escaped("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	assert_string_equal(escaped("l1\nl2\tx\r", 8), "\"l1\\nl2\\tx\\r\"");
	assert_string_equal(escaped("\x01\x1b\x7f", 3), "\"\\u0001\\u001b\\u007f\"");
	assert_string_equal(escaped("", 0), "\"\"");
}

static void test_valid_utf8_passes(void **state)
{
	const char *s = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";

	assert_string_equal(escaped(s, strlen(s)), "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

static void test_invalid_bytes_become_surrogates(void **state)
{
	/* stray continuation, truncated sequence, overlong '/', encoded surrogate, > U+10FFFF */
	assert_string_equal(escaped("\xff\xfe", 2), "\"\\udcff\\udcfe\"");
	assert_string_equal(escaped("a\x80z", 3), "\"a\\udc80z\"");
	assert_string_equal(escaped("\xe2\x82", 2), "\"\\udce2\\udc82\"");
	assert_string_equal(escaped("\xc0\xaf", 2), "\"\\udcc0\\udcaf\"");
	assert_string_equal(escaped("\xed\xa0\x80", 3), "\"\\udced\\udca0\\udc80\"");
	assert_string_equal(escaped("\xf4\x90\x80\x80", 4), "\"\\udcf4\\udc90\\udc80\\udc80\"");
}

/* jbuf.altered: set by a stray byte only (escapes read back as the bytes), cleared by reset. */
static void test_altered(void **state)
{
	struct jbuf jb;

	(void)state;
	jbuf_init(&jb);
	json_escape(&jb, "a\"b\\c\n\x01 h\xc3\xa9", 12);
	assert_false(jb.altered);
	json_escape(&jb, "a\x80z", 3);
	assert_true(jb.altered);
	jbuf_reset(&jb);
	assert_false(jb.altered);
	jbuf_free(&jb);
}

/* Numbers as printf writes them, at each width and both ends of the range. */
static void test_numbers_exact(void **state)
{
	static const uint64_t u[] = { 0, 7, 9, 10, 99, 100, 101, 999, 1000, 65535,
				      1000000007ULL, 18446744073709551615ULL };
	static const int64_t i[] = { 0, -1, -9, -10, -100, 42, INT64_MAX, INT64_MIN };
	char want[32];
	struct jbuf jb;
	size_t k;

	(void)state;
	jbuf_init(&jb);
	for (k = 0; k < sizeof(u) / sizeof(u[0]); k++) {
		jbuf_reset(&jb);
		json_kv_u64(&jb, NULL, u[k]);
		snprintf(want, sizeof(want), "%" PRIu64, u[k]);
		assert_string_equal(jb.buf, want);
		jbuf_reset(&jb);
		json_kv_u64_str(&jb, NULL, u[k]);
		snprintf(want, sizeof(want), "\"%" PRIu64 "\"", u[k]);
		assert_string_equal(jb.buf, want);
	}
	for (k = 0; k < sizeof(i) / sizeof(i[0]); k++) {
		jbuf_reset(&jb);
		json_kv_i64(&jb, NULL, i[k]);
		snprintf(want, sizeof(want), "%" PRId64, i[k]);
		assert_string_equal(jb.buf, want);
	}
	jbuf_free(&jb);
}

static bool ref_plain(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

/*
 * json_plain_prefix against the rule (printable ASCII but '"' and '\\'):
 * every byte value at every offset of runs of 1 to 20 bytes, among
 * neighbours at the edges of the plain ranges, and a second offender
 * after the first. A faster scan must keep these answers.
 */
static void test_plain_prefix_every_byte(void **state)
{
	static const unsigned char fill[] = { 'a', 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7e };
	unsigned char buf[24];

	(void)state;
	for (size_t f = 0; f < sizeof(fill); f++) {
		for (unsigned b = 0; b < 256; b++) {
			for (size_t n = 1; n <= 20; n++) {
				for (size_t pos = 0; pos < n; pos++) {
					size_t want = ref_plain((unsigned char)b) ? n : pos;

					memset(buf, fill[f], sizeof(buf));
					buf[pos] = (unsigned char)b;
					if (json_plain_prefix((const char *)buf, n) != want)
						fail_msg("byte 0x%02x at %zu of %zu among 0x%02x: %zu, want %zu",
							 b, pos, n, fill[f],
							 json_plain_prefix((const char *)buf, n), want);
					if (pos + 3 < n) {
						buf[pos + 3] = 0x01;
						assert_int_equal(json_plain_prefix((const char *)buf, n),
								 ref_plain((unsigned char)b) ? pos + 3 : pos);
					}
				}
			}
		}
	}
	assert_int_equal(json_plain_prefix("", 0), 0);
}

/* Each byte that needs escaping, at every offset of the 8-byte runs that are copied whole. */
static void test_escape_at_every_offset(void **state)
{
	static const struct {
		const char *in, *out;
	} special[] = {
		{ "\"", "\\\"" }, { "\\", "\\\\" }, { "\n", "\\n" }, { "\x1f", "\\u001f" },
		{ "\x7f", "\\u007f" }, { "\x80", "\\udc80" }, { "\xc3\xa9", "\xc3\xa9" },
	};
	char in[64], want[80];
	struct jbuf jb;

	(void)state;
	jbuf_init(&jb);
	for (size_t k = 0; k < sizeof(special) / sizeof(special[0]); k++) {
		for (size_t pos = 0; pos < 24; pos++) {
			size_t sl = strlen(special[k].in);

			memset(in, 'a', sizeof(in));
			memcpy(in + pos, special[k].in, sl);
			snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", (int)pos, in, special[k].out,
				 (int)(24 - pos), in + pos + sl);
			jbuf_reset(&jb);
			json_escape(&jb, in, pos + sl + 24 - pos);
			assert_string_equal(jb.buf, want);
		}
	}
	jbuf_free(&jb);
}

static void test_object_parses_back(void **state)
{
	struct jbuf jb;
	struct json_object *o, *v;

	jbuf_init(&jb);
	json_obj_open(&jb);
	json_kv_u64(&jb, "seq", UINT64_MAX);
	json_kv_i64(&jb, "error", -2);
	json_kv_str(&jb, "s", "quote\" and \\ and \n");
	json_kv_str(&jb, "nul", NULL);
	json_kv_bool(&jb, "t", true);
	json_arr_open(&jb, "argv");
	json_val_strn(&jb, "a b", 3);
	json_val_strn(&jb, "", 0);
	json_arr_close(&jb);
	json_sub_open(&jb, "sub");
	json_kv_bool(&jb, "f", false);
	json_obj_close(&jb);
	json_obj_close(&jb);
	assert_int_equal(jb.depth, 0);

	o = json_tokener_parse(jb.buf);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "seq", &v));
	assert_int_equal(json_object_get_uint64(v), UINT64_MAX);
	assert_true(json_object_object_get_ex(o, "error", &v));
	assert_int_equal(json_object_get_int(v), -2);
	assert_true(json_object_object_get_ex(o, "s", &v));
	assert_string_equal(json_object_get_string(v), "quote\" and \\ and \n");
	assert_true(json_object_object_get_ex(o, "nul", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "argv", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), "");
	assert_true(json_object_object_get_ex(o, "sub", &v));
	json_object_put(o);
	jbuf_free(&jb);
}

static void test_reset_reuses_buffer(void **state)
{
	struct jbuf jb;

	jbuf_init(&jb);
	json_obj_open(&jb);
	json_kv_u64(&jb, "a", 1);
	json_obj_close(&jb);
	jbuf_reset(&jb);
	json_obj_open(&jb);
	json_kv_u64(&jb, "b", 2);
	json_obj_close(&jb);
	assert_string_equal(jb.buf, "{\"b\":2}");
	jbuf_free(&jb);
}

/*
 * Keys are copied in fixed-size pieces that overlap: every length of each
 * size class (1-3, 4-7, 8-15, 16 and more) comes out exactly, with the
 * separator, and a key in a block of its own size is never read past
 * (the sanitizer build would say).
 */
static void test_keys_every_length(void **state)
{
	char want[128], *k;
	struct jbuf jb;
	size_t n, i;

	for (n = 1; n <= 40; n++) {
		k = malloc(n);
		assert_non_null(k);
		for (i = 0; i < n; i++)
			k[i] = (char)('a' + (i * 7 + n) % 26);
		jbuf_init(&jb);
		json_obj_open(&jb);
		json_kv_u64(&jb, "x", 1);
		json_kv_u64_k(&jb, k, n, 2);
		json_obj_close(&jb);
		snprintf(want, sizeof(want), "{\"x\":1,\"%.*s\":2}", (int)n, k);
		assert_string_equal(jb.buf, want);
		jbuf_free(&jb);
		free(k);
	}
}

/*
 * Every kind of member, in an object and as array elements, with plain
 * strings and raw values of every length around the sizes the writer
 * copies differently (0, 1-3, 4-7, 8-15, 16 and up, over 64), and a
 * string that needs escaping only in its last byte.
 */
#define PLAIN_BYTES "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./:!#'{}"

static void test_members_every_kind_and_length(void **state)
{
	char s[100], want[1024], *w, last;
	struct jbuf jb;
	size_t n, i;

	(void)state;
	for (n = 0; n <= 90; n++) {
		for (i = 0; i < n; i++)
			s[i] = PLAIN_BYTES[(i * 7 + n) % (sizeof(PLAIN_BYTES) - 1)];
		s[n] = '\0';
		jbuf_init(&jb);
		json_obj_open(&jb);
		json_kv_strn(&jb, "s", s, n);
		json_kv_raw(&jb, "r", n ? s : "0", n ? n : 1);
		json_kv_bool(&jb, "t", true);
		json_kv_bool(&jb, "f", false);
		json_kv_null(&jb, "n");
		json_kv_i64(&jb, "i", -(int64_t)n);
		json_arr_open(&jb, "a");
		json_val_strn(&jb, s, n);
		json_kv_u64(&jb, NULL, n);
		json_kv_bool(&jb, NULL, n & 1);
		json_kv_null(&jb, NULL);
		json_arr_close(&jb);
		last = s[n ? n - 1 : 0];
		s[n ? n - 1 : 0] = '"';
		json_kv_strn(&jb, "q", s, n);
		s[n ? n - 1 : 0] = last;
		json_obj_close(&jb);
		w = want + snprintf(want, sizeof(want), "{\"s\":\"%.*s\",\"r\":%.*s,\"t\":true,"
				    "\"f\":false,\"n\":null,\"i\":%s%zu,\"a\":[\"%.*s\",%zu,%s,null],"
				    "\"q\":\"", (int)n, s, n ? (int)n : 1, n ? s : "0", n ? "-" : "",
				    n, (int)n, s, n, n & 1 ? "true" : "false");
		if (n)
			snprintf(w, sizeof(want) - (size_t)(w - want), "%.*s\\\"\"}", (int)n - 1, s);
		else
			snprintf(w, sizeof(want) - (size_t)(w - want), "\"}");
		assert_string_equal(jb.buf, want);
		assert_int_equal(jb.len, strlen(want));
		jbuf_free(&jb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_controls),
		cmocka_unit_test(test_valid_utf8_passes),
		cmocka_unit_test(test_invalid_bytes_become_surrogates),
		cmocka_unit_test(test_altered),
		cmocka_unit_test(test_numbers_exact),
		cmocka_unit_test(test_escape_at_every_offset),
		cmocka_unit_test(test_plain_prefix_every_byte),
		cmocka_unit_test(test_object_parses_back),
		cmocka_unit_test(test_reset_reuses_buffer),
		cmocka_unit_test(test_keys_every_length),
		cmocka_unit_test(test_members_every_kind_and_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
