// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* UTF-8: the sequence check, cutting on a boundary, and the clean copy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/utf8.h"

static void test_seq_len(void **state)
{
	assert_int_equal(utf8_seq_len((const unsigned char *)"a", 1), 1);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc3\xa9", 2), 2);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	/* cut short, overlong, surrogate, past U+10FFFF, stray continuation */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82", 2), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc0\xaf", 2), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe0\x80\xaf", 3), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\x80", 1), 0);
}

static void test_valid(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("h\xc3\xa9llo \xe2\x82\xac", 10));
	assert_false(utf8_valid("a\xff", 2));
	assert_false(utf8_valid("\xc3", 1));
}

static void test_cut(void **state)
{
	const char *s = "ab\xe2\x82\xac" "c";

	assert_int_equal(utf8_cut(s, 2), 2);
	assert_int_equal(utf8_cut(s, 3), 2); /* inside the euro sign: before it */
	assert_int_equal(utf8_cut(s, 4), 2);
	assert_int_equal(utf8_cut(s, 5), 5);
	assert_int_equal(utf8_cut("\x80\x80", 1), 0);
}

static void test_clean(void **state)
{
	char *s;

	s = utf8_clean("ok \xc3\xa9", 5, 100);
	assert_string_equal(s, "ok \xc3\xa9");
	free(s);
	s = utf8_clean("a\xff" "b\xed\xa0\x80", 6, 100);
	assert_string_equal(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	/* cut: never inside a character, ends with the ellipsis */
	s = utf8_clean("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8, 6);
	assert_string_equal(s, "\xc3\xa9\xe2\x80\xa6");
	free(s);
	s = utf8_clean("abcdef", 6, 6); /* fits exactly: no ellipsis */
	assert_string_equal(s, "abcdef");
	free(s);
	s = utf8_clean("\xff\xff", 2, SIZE_MAX); /* no limit */
	assert_string_equal(s, "\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = utf8_clean("", 0, 0);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_len),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
