// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The event reader's fast path (events/event_fastparse.c): every line it
 * takes gives the very object json-c's tokener gives; every line outside
 * its subset is declined, so json-c decides (and words its errors).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "events/event_fastparse.h"
#include "events/event_read.h"

static struct json_object *tokener(const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	assert_non_null(tok);
	o = json_tokener_parse_ex(tok, line, (int)strlen(line));
	json_tokener_free(tok);
	return o;
}

/* Taken, and equal to json-c's object: types, values, key order. */
static void expect_same(struct event_fastparse *fp, const char *line)
{
	struct json_object *fast = event_fastparse(fp, line, strlen(line));
	struct json_object *slow = tokener(line);

	if (!fast)
		fail_msg("declined: %s", line);
	assert_non_null(slow);
	assert_true(json_object_equal(fast, slow));
	assert_string_equal(json_object_to_json_string_ext(fast, JSON_C_TO_STRING_PLAIN),
			    json_object_to_json_string_ext(slow, JSON_C_TO_STRING_PLAIN));
	json_object_put(fast);
	json_object_put(slow);
}

static void expect_declined(struct event_fastparse *fp, const char *line, size_t len)
{
	struct json_object *o = event_fastparse(fp, line, len);

	if (o)
		fail_msg("taken: %.*s", (int)len, line);
}

static void test_agent_lines(void **state)
{
	struct event_fastparse fp = { 0 };

	(void)state;
	expect_same(&fp, "{\"seq\":2,\"type\":\"fork\",\"time\":\"2026-12-04T12:13:06.956534307Z\","
			 "\"job_id\":1,\"ktime_ns\":48019986545621,\"pid\":29872,"
			 "\"parent_start_ns\":48019975071028}\n");
	expect_same(&fp, "{\"seq\":3,\"type\":\"exec\",\"cwd\":null,\"argc\":3,"
			 "\"argv\":[\"/bin/sh\",\"-c\",\"echo \\\"a\\\\b\\\" \\u001b[0m\\t/\\/\"],"
			 "\"argv_truncated\":false,\"job_root\":true,\"stdio\":[{\"fd\":0,"
			 "\"kind\":\"null\"},{\"fd\":1,\"kind\":\"pipe\",\"id\":2488599}],"
			 "\"env\":{},\"held\":[],\"error\":-2}");
	/* bytes beyond ASCII pass through as json-c leaves them */
	expect_same(&fp, "{\"type\":\"exec\",\"argv\":[\"h\xc3\xa9llo\",\"\xff\xfe\"]}");
	expect_same(&fp, "  { \"type\" : \"x\" , \"a\" : [ 1 , -7 , 0 , 999999999999999999 ] }\r\n");
	expect_same(&fp, "{\"type\":\"x\",\"\":\"empty key\",\"k\\n\":1}");
	/* past 18 digits: int64 to its limits, then uint64 (a daemon's job ids) */
	expect_same(&fp, "{\"type\":\"x\",\"a\":[1234567890123456789,-1234567890123456789,"
			 "9223372036854775807,-9223372036854775807,9223372036854775808,"
			 "9223372036854775809,18446744073709551615]}");
	event_fastparse_free(&fp);
}

/* More distinct keys than the parser keeps: the lines past them go to json-c. */
static void test_many_keys(void **state)
{
	struct event_fastparse fp = { 0 };
	struct json_object *o, *slow;
	int taken = 0;

	(void)state;
	for (int i = 0; i < 600; i++) {
		char line[96];

		snprintf(line, sizeof(line), "{\"type\":\"x\",\"key%d\":%d,\"other%d\":\"v\"}", i, i, i);
		o = event_fastparse(&fp, line, strlen(line));
		if (!o)
			continue;
		taken++;
		slow = tokener(line);
		assert_true(json_object_equal(o, slow));
		json_object_put(slow);
		json_object_put(o);
	}
	assert_in_range(taken, 100, EVENT_FASTPARSE_KEYS / 2);
	expect_same(&fp, "{\"type\":\"x\",\"key1\":1}"); /* keys it has still work */
	event_fastparse_free(&fp);
}

/* Left to json-c: what it would read differently, or refuse. */
static void test_declined(void **state)
{
	static const char *const lines[] = {
		"{\"type\":\"x\",\"a\":1,\"a\":2}",         /* duplicate key */
		"{\"type\":\"x\",\"a\":1.5}",              /* not an integer */
		"{\"type\":\"x\",\"a\":1e3}",
		"{\"type\":\"x\",\"a\":-0}",
		"{\"type\":\"x\",\"a\":012}",
		"{\"type\":\"x\",\"a\":18446744073709551616}", /* past UINT64_MAX */
		"{\"type\":\"x\",\"a\":184467440737095516150}",
		"{\"type\":\"x\",\"a\":-9223372036854775808}", /* left to json-c */
		"{\"type\":\"x\",\"a\":\"\\u00e9\"}",     /* \u beyond ASCII */
		"{\"type\":\"x\",\"a\":\"\\ud83d\\ude00\"}",
		"{\"type\":\"x\",\"a\":\"\\u0000\"}",
		"{\"type\":\"x\",\"a\":\"\\x\"}",
		"{\"type\":\"x\",\"a\":\"tab\there\"}",     /* raw control byte */
		"{\"type\":\"x\",\"a\":tru}",
		"{\"type\":\"x\",\"a\":NaN}",
		"{\"type\":\"x\",\"a\":[1,]}",
		"{\"type\":\"x\",}",
		"{'type':'x'}",
		"{\"type\":\"x\"} {}",                     /* a second value */
		"{\"type\":\"x\"",                         /* cut short */
		"[1,2]",                                   /* not an object */
		"",
		"{\"type\":\"x\",\"a\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}",
	};
	struct event_fastparse fp = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect_declined(&fp, lines[i], strlen(lines[i]));
	expect_declined(&fp, "{\"type\":\"x\",\"a\":\"nul\0byte\"}", 26);
	event_fastparse_free(&fp);
}

/* Through the reader: the same records and the same errors as before. */
static void test_reader(void **state)
{
	struct event_reader rd;
	struct json_object *o;
	const char *why = NULL;

	(void)state;
	assert_int_equal(event_reader_init(&rd), 0);
	assert_int_equal(event_read_line(&rd, "{\"type\":\"exit\",\"pid\":5}\n", 24, &o, &why), 0);
	assert_non_null(o);
	assert_string_equal(event_str(o, "type"), "exit");
	json_object_put(o);
	/* declined, then json-c: its duplicate rule (the last value wins) */
	assert_int_equal(event_read_line(&rd, "{\"type\":\"a\",\"type\":\"b\"}", 23, &o, &why), 0);
	assert_string_equal(event_str(o, "type"), "b");
	json_object_put(o);
	assert_int_equal(event_read_line(&rd, "{\"pid\":5}", 9, &o, &why), -EINVAL);
	assert_string_equal(why, "no \"type\" string");
	assert_int_equal(event_read_line(&rd, "{\"type\":\"x\"} 1", 14, &o, &why), -EINVAL);
	assert_string_equal(why, "more than one JSON value on the line");
	assert_int_equal(event_read_line(&rd, "{\"type\":", 8, &o, &why), -EINVAL);
	assert_string_equal(why, "the record is cut short");
	assert_int_equal(event_read_line(&rd, "{\"type\":x}", 10, &o, &why), -EINVAL);
	assert_non_null(strstr(why, "not valid JSON ("));
	event_reader_free(&rd);
}

/*
 * Members listed as unread are left out at the top level only; their
 * values are still checked (a malformed one declines the line), and the
 * rest is json-c's object without them.
 */
static void test_unread(void **state)
{
	static const char *const unread[] = { "stdio", "env", "n", NULL };
	static const char line[] =
		"{\"seq\":1,\"stdio\":[{\"fd\":0,\"kind\":\"null\",\"mode\":\"r\"},"
		"{\"fd\":1,\"kind\":\"pipe\",\"id\":7,\"peer\":{\"comm\":\"a\\\"b\"}}],\"n\":-3,"
		"\"argv\":[\"x\",\"y\"],\"env\":{},\"sub\":{\"env\":{\"A\":\"1\"}},\"type\":\"exec\"}";
	static const char want[] =
		"{\"seq\":1,\"argv\":[\"x\",\"y\"],\"sub\":{\"env\":{\"A\":\"1\"}},\"type\":\"exec\"}";
	static const char *const bad[] = {
		"{\"stdio\":[{\"fd\":0,}],\"type\":\"exec\"}",
		"{\"env\":{\"A\" 1},\"type\":\"exec\"}",
		"{\"env\":[1,2,\"type\":\"exec\"}",
		"{\"n\":01,\"type\":\"exec\"}",
	};
	struct event_fastparse fp = { .unread = unread };
	struct json_object *o;

	(void)state;
	o = event_fastparse(&fp, line, strlen(line));
	assert_non_null(o);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), want);
	json_object_put(o);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_declined(&fp, bad[i], strlen(bad[i]));
	event_fastparse_free(&fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_lines),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_declined),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_unread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
