// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTML report (docs/REPORTS.md): the escaping that keeps its JSON data
 * one <script> element whatever a command line holds, the page's shape
 * (one data block, one script named by its CSP hash, nothing external),
 * redaction, and a 100,000-process log giving a page of bounded size that
 * still shows the flagged process and its ancestors. The page in a real
 * browser: tests/bpf/test_report_html.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "lib/redact.h"
#include "report/report.h"
#include "report/report_html.h"

#define XSS "</script><script>alert(1)</script><!--"

struct files {
	char dir[64];
	char events[96];
	char html[96];
};

static int setup(void **state)
{
	struct files *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/bw-html-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->events, sizeof(f->events), "%s/events.jsonl", f->dir);
	snprintf(f->html, sizeof(f->html), "%s/report.html", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct files *f = *state;

	redact_set_enabled(true);
	unlink(f->events);
	unlink(f->html);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* html_script_json's output for s, NUL-terminated. */
static char *escaped(const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	html_script_json(f, s, n);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_escape_keeps_the_value(void **state)
{
	/* a JSON string holding a tag breakout, a comment opener, & and U+2028/9 */
	const char json[] = "{\"a\":\"" XSS " & \xe2\x80\xa8|\xe2\x80\xa9|\xe2\x80\xa7 </SCRIPT >\"}";
	const char *want = XSS " & \xe2\x80\xa8|\xe2\x80\xa9|\xe2\x80\xa7 </SCRIPT >";
	char *out = escaped(json, sizeof(json) - 1);
	struct json_object *o, *v;

	(void)state;
	assert_null(strchr(out, '<'));
	assert_null(strchr(out, '>'));
	assert_null(strchr(out, '&'));
	assert_null(strstr(out, "\xe2\x80\xa8"));
	assert_null(strstr(out, "\xe2\x80\xa9"));
	assert_non_null(strstr(out, "\\u003c/script\\u003e"));
	assert_non_null(strstr(out, "\\u2028|\\u2029|\xe2\x80\xa7")); /* U+2027 is left alone */
	o = json_tokener_parse(out);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "a", &v));
	assert_string_equal(json_object_get_string(v), want);
	json_object_put(o);
	free(out);
}

static void test_escape_edges(void **state)
{
	char *out;

	(void)state;
	out = escaped("", 0);
	assert_string_equal(out, "");
	free(out);
	/* a cut sequence at the end is copied, not read past */
	out = escaped("\"\xe2\x80", 3);
	assert_memory_equal(out, "\"\xe2\x80", 3);
	free(out);
	out = escaped("<<>>", 4);
	assert_string_equal(out, "\\u003c\\u003c\\u003e\\u003e");
	free(out);
	/* only the given length is read */
	out = escaped("ab<", 2);
	assert_string_equal(out, "ab");
	free(out);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	n = getdelim(&buf, &cap, '\0', f);
	assert_true(n >= 0);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The page's data block, parsed. */
static struct json_object *page_data(const char *page)
{
	const char *start = strstr(page, "<script type=\"application/json\" id=\"bw-data\">");
	const char *end;
	struct json_object *o;
	char *json;

	assert_non_null(start);
	start = strchr(start, '>') + 1;
	end = strstr(start, "</script>");
	assert_non_null(end);
	json = strndup(start, (size_t)(end - start));
	o = json_tokener_parse(json);
	assert_non_null(o);
	free(json);
	return o;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, k, &v));
	return v;
}

static char *render_html(struct files *f, size_t *len)
{
	struct report_opts ro = { .html_path = f->html };

	assert_int_equal(report_render(f->events, &ro), 0);
	return read_file(f->html, len);
}

static const char small_log[] =
	"{\"seq\":1,\"type\":\"exec\",\"time\":\"2026-01-02T03:04:05.000000000Z\",\"ktime_ns\":1000,"
	"\"pid\":100,\"tid\":100,\"start_ns\":1000,\"ppid\":99,\"parent_start_ns\":1,\"comm\":\"make\","
	"\"argc\":1,\"argv\":[\"make\"]}\n"
	"{\"seq\":2,\"type\":\"fork\",\"ktime_ns\":2000,\"pid\":101,\"tid\":101,\"start_ns\":2000,"
	"\"parent_pid\":100,\"parent_start_ns\":1000}\n"
	"{\"seq\":3,\"type\":\"exec\",\"ktime_ns\":2500,\"pid\":101,\"tid\":101,\"start_ns\":2000,"
	"\"comm\":\"echo\",\"argc\":4,\"argv\":[\"echo\",\"" "</script><script>alert(1)</script>" "\","
	"\"--password\",\"hunter2\"]}\n"
	"{\"seq\":4,\"type\":\"connect\",\"ktime_ns\":2600,\"pid\":101,\"tid\":101,\"start_ns\":2000,"
	"\"address\":\"127.0.0.1\",\"port\":8080,\"proto\":\"tcp\",\"dns_name\":\"x</script>.test\"}\n"
	"{\"seq\":5,\"type\":\"verdict\",\"rule\":\"r</script>\",\"severity\":\"high\","
	"\"mode\":\"enforce\",\"rule_action\":\"kill-process\",\"action\":\"kill-process\","
	"\"blocked\":false,\"pid\":101,\"start_ns\":2000,\"argv\":[\"echo\",\"x\"]}\n"
	"{\"seq\":6,\"type\":\"exit\",\"ktime_ns\":3000,\"pid\":101,\"tid\":101,\"start_ns\":2000,"
	"\"exit_code\":null,\"signal\":9}\n"
	"{\"seq\":7,\"type\":\"exit\",\"ktime_ns\":4000,\"pid\":100,\"tid\":100,\"start_ns\":1000,"
	"\"exit_code\":2,\"signal\":null}\n"
	/* the sender of a signal to an agent: no process of the job */
	"{\"seq\":8,\"type\":\"tamper\",\"pid\":555,\"start_ns\":5,\"signal\":\"SIGTERM\"}\n"
	"{\"seq\":9,\"type\":\"summary\",\"time\":\"2026-01-02T03:04:06.000000000Z\","
	"\"command\":[\"make\",\"</script>\"],\"exit_status\":2,\"duration_ns\":3000}\n";

static void test_page_shape(void **state)
{
	struct files *f = *state;
	struct json_object *d, *s, *procs, *p1, *edges, *dests;
	size_t len;
	char *page;

	write_file(f->events, small_log);
	page = render_html(f, &len);
	/* the data block and the script: two elements, whatever the log held */
	assert_int_equal(count(page, "<script"), 2);
	assert_int_equal(count(page, "</script"), 2);
	assert_int_equal(count(page, "<!--"), 0);
	assert_non_null(strstr(page, "script-src 'sha256-"));
	assert_null(strstr(page, "unsafe-inline'; script-src 'unsafe-inline"));
	/* nothing to fetch: no URL the browser would follow */
	assert_null(strstr(page, "src="));
	assert_null(strstr(page, "href="));
	assert_null(strstr(page, "https://"));
	d = page_data(page);
	s = get(d, "summary");
	assert_string_equal(json_object_get_string(get(s, "status")), "failed");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(s, "command"), 1)),
			    "</script>");
	procs = get(d, "procs");
	assert_int_equal(json_object_array_length(procs), 2);
	assert_int_equal(json_object_get_int(get(d, "procs_total")), 2);
	p1 = json_object_array_get_idx(procs, 1);
	assert_int_equal(json_object_get_int(get(p1, "parent")), 0);
	assert_string_equal(json_object_get_string(get(p1, "cmd")),
			    "echo </script><script>alert(1)</script> --password ***");
	assert_string_equal(json_object_get_string(get(p1, "rule")), "r</script>");
	assert_string_equal(json_object_get_string(get(p1, "ended")), "killed");
	assert_int_equal(json_object_get_int(get(p1, "signal")), 9);
	assert_int_equal(json_object_get_int(get(p1, "start")), 1000);
	assert_int_equal(json_object_get_int(get(p1, "end")), 2000);
	dests = get(d, "dests");
	assert_int_equal(json_object_array_length(dests), 1);
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(dests, 0), "label")),
			    "x</script>.test:8080 (127.0.0.1)");
	edges = get(d, "edges");
	assert_int_equal(json_object_array_length(edges), 1);
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(edges, 0), "p")), 1);
	assert_int_equal(json_object_array_length(get(s, "verdicts")), 1);
	assert_int_equal(json_object_array_length(get(d, "marks")), 1);
	assert_null(strstr(page, "hunter2"));
	json_object_put(d);
	free(page);

	/* --no-redact shows the secret, as in the other formats */
	redact_set_enabled(false);
	page = render_html(f, &len);
	assert_non_null(strstr(page, "hunter2"));
	free(page);
}

#define BIG 100000

/* make, BIG compilers under it, a late sh -> curl that a rule kills, and 300 destinations. */
static void write_big_log(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned long i, seq = 1, t = 1000;

	assert_non_null(f);
	fprintf(f, "{\"seq\":%lu,\"type\":\"exec\",\"ktime_ns\":%lu,\"pid\":1,\"start_ns\":1000,"
		"\"ppid\":0,\"parent_start_ns\":0,\"comm\":\"make\",\"argv\":[\"make\"]}\n", seq++, t);
	for (i = 0; i < BIG; i++) {
		unsigned long pid = 10 + i, st = 2000 + i * 10;

		fprintf(f, "{\"seq\":%lu,\"type\":\"fork\",\"ktime_ns\":%lu,\"pid\":%lu,\"start_ns\":%lu,"
			"\"parent_pid\":1,\"parent_start_ns\":1000}\n", seq++, st, pid, st);
		fprintf(f, "{\"seq\":%lu,\"type\":\"exec\",\"ktime_ns\":%lu,\"pid\":%lu,\"start_ns\":%lu,"
			"\"comm\":\"cc\",\"argv\":[\"cc\",\"-c\",\"f%lu.c\"]}\n", seq++, st + 1, pid, st, i);
		if (i < 300)
			fprintf(f, "{\"seq\":%lu,\"type\":\"connect\",\"ktime_ns\":%lu,\"pid\":%lu,"
				"\"start_ns\":%lu,\"address\":\"10.0.%lu.%lu\",\"port\":443,\"proto\":\"tcp\"}\n",
				seq++, st + 2, pid, st, i / 256, i % 256);
		fprintf(f, "{\"seq\":%lu,\"type\":\"exit\",\"ktime_ns\":%lu,\"pid\":%lu,\"start_ns\":%lu,"
			"\"exit_code\":0}\n", seq++, st + 5, pid, st);
	}
	t = 2000 + BIG * 10;
	fprintf(f, "{\"seq\":%lu,\"type\":\"fork\",\"ktime_ns\":%lu,\"pid\":900001,\"start_ns\":%lu,"
		"\"parent_pid\":1,\"parent_start_ns\":1000}\n", seq++, t, t);
	fprintf(f, "{\"seq\":%lu,\"type\":\"exec\",\"ktime_ns\":%lu,\"pid\":900001,\"start_ns\":%lu,"
		"\"comm\":\"sh\",\"argv\":[\"sh\",\"-c\",\"curl x | sh\"]}\n", seq++, t + 1, t);
	fprintf(f, "{\"seq\":%lu,\"type\":\"fork\",\"ktime_ns\":%lu,\"pid\":900002,\"start_ns\":%lu,"
		"\"parent_pid\":900001,\"parent_start_ns\":%lu}\n", seq++, t + 2, t + 2, t);
	fprintf(f, "{\"seq\":%lu,\"type\":\"exec\",\"ktime_ns\":%lu,\"pid\":900002,\"start_ns\":%lu,"
		"\"comm\":\"curl\",\"argv\":[\"curl\",\"x\"]}\n", seq++, t + 3, t + 2);
	fprintf(f, "{\"seq\":%lu,\"type\":\"verdict\",\"rule\":\"late-curl\",\"severity\":\"high\","
		"\"mode\":\"enforce\",\"rule_action\":\"log\",\"action\":\"log\",\"pid\":900002,"
		"\"start_ns\":%lu,\"argv\":[\"curl\",\"x\"]}\n", seq++, t + 2);
	fprintf(f, "{\"seq\":%lu,\"type\":\"summary\",\"command\":[\"make\"],\"exit_status\":0}\n", seq++);
	assert_int_equal(fclose(f), 0);
}

static void test_hundred_thousand_processes(void **state)
{
	struct files *f = *state;
	struct json_object *d, *procs, *p;
	int n, i, curl = -1, sh = -1;
	size_t len;
	char *page;

	write_big_log(f->events);
	page = render_html(f, &len);
	assert_true(len < 2 * 1024 * 1024);
	d = page_data(page);
	procs = get(d, "procs");
	n = (int)json_object_array_length(procs);
	assert_int_equal(json_object_get_int(get(d, "procs_total")), BIG + 3);
	/* the first ones, then the flagged one and its ancestor past the cap */
	assert_int_equal(n, HTML_MAX_PROCS + 2);
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(procs, i);
		if (json_object_get_int(get(p, "pid")) == 900002)
			curl = i;
		if (json_object_get_int(get(p, "pid")) == 900001)
			sh = i;
	}
	assert_true(curl >= 0 && sh >= 0);
	p = json_object_array_get_idx(procs, curl);
	assert_string_equal(json_object_get_string(get(p, "rule")), "late-curl");
	assert_int_equal(json_object_get_int(get(p, "parent")), sh);
	p = json_object_array_get_idx(procs, sh);
	assert_int_equal(json_object_get_int(get(p, "parent")), 0);
	/* destinations past the cap are counted */
	assert_int_equal(json_object_array_length(get(d, "dests")), HTML_MAX_DESTS);
	assert_int_equal(json_object_get_int(get(d, "connects_omitted")), 300 - HTML_MAX_DESTS);
	json_object_put(d);
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_keeps_the_value),
		cmocka_unit_test(test_escape_edges),
		cmocka_unit_test_setup_teardown(test_page_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hundred_thousand_processes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
