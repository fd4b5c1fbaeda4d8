// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The CI outputs' pieces (docs/REPORTS.md, "CI outputs"): GitHub
 * workflow-command escaping of messages and properties, SARIF fingerprints
 * (stable across pids, times and digit runs; distinct per rule, program and
 * target), tracked files relative to the checkout, JUnit's XML escaping of
 * markup, control characters and invalid UTF-8, and the run's times.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "report/report.h"
#include "report/report_internal.h"

static void feed(struct report *r, const char *line)
{
	const char *why = NULL;
	int err = report_feed(r, line, strlen(line), &why);

	if (err)
		fail_msg("report_feed(%s): %d %s", line, err, why ? why : "");
}

/* One verdict record; desc and ev may be NULL. */
static void verdict(struct report *r, const char *rule, const char *sev, unsigned pid,
		    const char *argv_json, const char *exe, const char *on, const char *desc,
		    const char *ev)
{
	char line[2048];

	snprintf(line, sizeof(line),
		 "{\"type\":\"verdict\",\"job_id\":1,\"rule\":\"%s\",\"severity\":\"%s\","
		 "\"mode\":\"enforce\",\"rule_action\":\"alert\",\"action\":\"alert\","
		 "\"blocked\":false,\"kernel_missed\":false,\"pid\":%u,\"start_ns\":%u,"
		 "\"exe\":\"%s\",\"argv\":%s,\"ancestry\":[],\"on\":\"%s\"%s%s%s%s%s}",
		 rule, sev, pid, pid * 7, exe, argv_json, on, desc ? ",\"description\":\"" : "",
		 desc ? desc : "", desc ? "\"" : "", ev ? ",\"event\":" : "", ev ? ev : "");
	feed(r, line);
}

static void summary(struct report *r, const char *checkout, const char *time)
{
	char line[512];

	snprintf(line, sizeof(line),
		 "{\"type\":\"summary\",\"job_id\":1,\"time\":\"%s\",\"command\":[\"make\"],"
		 "\"exit_status\":0,\"lost\":0,\"duration_ns\":1500000000,\"checkout\":%s%s%s}",
		 time, checkout ? "\"" : "", checkout ? checkout : "null", checkout ? "\"" : "");
	feed(r, line);
}

/* What fn wrote for r, NUL-terminated; the caller frees it. */
static char *render(int (*fn)(FILE *, const struct report *), const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(f, r), 0);
	fclose(f);
	return buf;
}

static void test_annotation_escaping(void **state)
{
	struct report r;
	char *out;

	(void)state;
	assert_int_equal(report_init(&r), 0);
	verdict(&r, "a:b,c", "high", 10, "[\"x\"]", "/bin/x", "file", "100% bad\\r\\nnext line",
		"{\"op\":\"open-write\",\"path\":\"/co/dir/f,1:2%3.c\",\"tracked\":true}");
	summary(&r, "/co/", "2026-12-04T11:19:53Z");
	out = render(report_write_annotations, &r);
	/* A property escapes ':' and ','; the message %, CR and LF; both end one line. */
	assert_string_equal(out, "::error title=buildwarden%3A a%3Ab%2Cc (high),file=dir/f%2C1%3A2%253.c"
				 "::100%25 bad%0D%0Anext line (file /co/dir/f,1:2%253.c): x (pid 10, "
				 "action alert)\n");
	free(out);
	report_free(&r);
}

static void fingerprints(const char *argv_json, unsigned pid, const char *rule, const char *exe,
			 const char *on, const char *ev, char out[17])
{
	struct report r;

	assert_int_equal(report_init(&r), 0);
	verdict(&r, rule, "high", pid, argv_json, exe, on, NULL, ev);
	summary(&r, "/src", "2026-12-04T11:19:53Z");
	assert_int_equal(r.n_rows, 1);
	report_ci_fingerprint(&r, &r.rows[0], out);
	assert_int_equal(strlen(out), 16);
	report_free(&r);
}

static void test_fingerprints(void **state)
{
	char a[17], b[17], c[17];
	const char *gcc1 = "[\"gcc\",\"-o\",\"/tmp/cc12345.o\"]", *gcc2 = "[\"gcc\",\"-o\",\"/tmp/cc9.o\"]";
	const char *file = "{\"op\":\"unlink\",\"path\":\"/src/a.c\",\"tracked\":true}";

	(void)state;
	/* Another pid, start time and temp-file number: the same finding. */
	fingerprints(gcc1, 100, "r", "/usr/bin/gcc", "exec", NULL, a);
	fingerprints(gcc2, 4242, "r", "/usr/bin/gcc", "exec", NULL, b);
	assert_string_equal(a, b);
	/* Another rule, program or command: another finding. */
	fingerprints(gcc1, 100, "r2", "/usr/bin/gcc", "exec", NULL, c);
	assert_string_not_equal(a, c);
	fingerprints(gcc1, 100, "r", "/usr/bin/cc", "exec", NULL, c);
	assert_string_not_equal(a, c);
	fingerprints("[\"gcc\",\"-c\",\"/tmp/cc1.o\"]", 100, "r", "/usr/bin/gcc", "exec", NULL, c);
	assert_string_not_equal(a, c);
	/* A tracked file: the file, not the command, is the target. */
	fingerprints(gcc1, 1, "r", "/usr/bin/gcc", "file", file, a);
	fingerprints("[\"rm\",\"a.c\"]", 2, "r", "/usr/bin/gcc", "file", file, b);
	assert_string_equal(a, b);
	fingerprints(gcc1, 1, "r", "/usr/bin/gcc", "file",
		     "{\"op\":\"unlink\",\"path\":\"/src/b.c\",\"tracked\":true}", c);
	assert_string_not_equal(a, c);
}

static void test_rel_file(void **state)
{
	static const struct {
		const char *checkout, *path, *want;
	} cases[] = {
		{ "/src", "/src/a/b.c", "a/b.c" },
		{ "/src/", "/src/a/b.c", "a/b.c" },
		{ "/src", "/srcx/a.c", NULL }, /* a sibling with the same prefix */
		{ "/src", "/src/", NULL },
		{ NULL, "/src/a.c", NULL }, /* no checkout known */
	};
	char ev[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report r;
		const char *got;

		assert_int_equal(report_init(&r), 0);
		snprintf(ev, sizeof(ev), "{\"op\":\"rename\",\"path\":\"%s\",\"tracked\":true}",
			 cases[i].path);
		verdict(&r, "r", "low", 1, "[\"mv\"]", "/bin/mv", "file", NULL, ev);
		summary(&r, cases[i].checkout, "2026-12-04T11:19:53Z");
		got = report_ci_rel_file(&r, &r.rows[0]);
		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
		report_free(&r);
	}
}

static void test_junit_escaping(void **state)
{
	struct report r;
	char *out;

	(void)state;
	assert_int_equal(report_init(&r), 0);
	/* Markup, quotes, a control character and a byte that is not UTF-8. */
	verdict(&r, "r<&>", "critical", 3, "[\"sh\",\"-c\",\"a<b & \\\"c\\\" 'd'\\u0001\\udcff\"]",
		"/bin/sh", "exec", NULL, NULL);
	summary(&r, NULL, "2026-12-04T11:19:53Z");
	out = render(report_write_junit, &r);
	assert_non_null(strstr(out, "classname=\"buildwarden.r&lt;&amp;&gt;\""));
	assert_non_null(strstr(out, "a&lt;b &amp; &quot;c&quot; &apos;d&apos;"));
	assert_null(strchr(out, '\x01'));
	assert_null(strstr(out, "\xff"));
	assert_non_null(strstr(out, "tests=\"3\" failures=\"1\""));
	free(out);
	report_free(&r);
}

static void test_times(void **state)
{
	char start[48], end[48];
	struct report r;

	(void)state;
	assert_int_equal(report_init(&r), 0);
	assert_false(report_ci_times(&r, start, end, sizeof(start))); /* no summary */
	/* 1.5 s before 00:00:01.2: across a second and a day boundary. */
	summary(&r, NULL, "2027-01-01T00:00:01.200000000Z");
	assert_true(report_ci_times(&r, start, end, sizeof(start)));
	assert_string_equal(end, "2027-01-01T00:00:01.200Z");
	assert_string_equal(start, "2026-12-31T23:59:59.700Z");
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annotation_escaping),
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_rel_file),
		cmocka_unit_test(test_junit_escaping),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
