// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The suggested allowlist (report/suggest.h, docs/POLICY.md "Learn, then
 * enforce"): file writes collapsed to prefixes by the documented rule,
 * records with verdicts left out, runs merged, egress grouped by ports,
 * quoting, caps, and every output accepted by the policy loader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "policy/policy.h"
#include "lib/utf8.h"
#include "report/suggest.h"

static bool utf8_ok(const char *s)
{
	return utf8_valid(s, strlen(s));
}

/* Feeds each line of log (one JSON record a line) as one run named name. */
static void run(struct suggest *s, const char *name, const char *log)
{
	char *copy = strdup(log), *save = NULL;

	assert_non_null(copy);
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line);

		assert_non_null(o);
		assert_int_equal(suggest_feed(s, o), 0);
		json_object_put(o);
	}
	free(copy);
	assert_int_equal(suggest_end_run(s, name), 0);
}

/* The YAML of s; the policy loader must accept it. Caller frees. */
static char *yaml(const struct suggest *s, bool enforce, size_t cap)
{
	const struct suggest_opts o = { .enforce = enforce, .max_entries = cap };
	struct bw_policy *p = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(suggest_write(f, s, &o), 0);
	fclose(f);
	f = fmemopen(buf, len, "r");
	assert_non_null(f);
	if (policy_load_stream("suggested.yaml", f, &p, stderr)) {
		fprintf(stderr, "%s", buf);
		fail_msg("the suggested policy does not load");
	}
	fclose(f);
	assert_int_equal(policy_mode(p), enforce ? POLICY_MODE_ENFORCE : POLICY_MODE_AUDIT);
	policy_free(p);
	return buf;
}

#define EXEC(pid, exe, cwd)                                                               \
	"{\"type\":\"exec\",\"pid\":" #pid ",\"start_ns\":" #pid "0,\"exe\":\"" exe "\","     \
	"\"filename\":\"" exe "\",\"cwd\":\"" cwd "\",\"argv\":[\"x\"]}\n"
#define WRITE(path) "{\"type\":\"file\",\"pid\":1,\"start_ns\":10,\"op\":\"open-write\",\"path\":\"" path "\"}\n"

static void test_write_prefixes(void **state)
{
	struct suggest *s;
	char *y;

	(void)state;
	assert_int_equal(suggest_new(&s), 0);
	run(s, "a.jsonl",
	    EXEC(1, "/usr/bin/make", "/work/repo")
	    WRITE("/work/repo/src/a.o") WRITE("/work/repo/lib/deep/b.o")
	    WRITE("/tmp/cc123.s") WRITE("/var/tmp/x")
	    WRITE("/root/.cache/pip/http/abc") WRITE("/home/runner/.npm/_cacache/x")
	    /* five siblings under /opt/out/: merged; three under /srv/x/: kept */
	    WRITE("/opt/out/a/1") WRITE("/opt/out/b/1") WRITE("/opt/out/c/1")
	    WRITE("/opt/out/d/1") WRITE("/opt/out/e/1")
	    WRITE("/srv/x/a/1") WRITE("/srv/x/b/1") WRITE("/srv/x/c/1")
	    /* at the top: the file itself, never its directory "/" */
	    WRITE("/etc/hosts") WRITE("/top")
	    "{\"type\":\"file\",\"pid\":1,\"start_ns\":10,\"op\":\"open-read\",\"path\":\"/read/only/x\"}\n");
	y = yaml(s, false, 0);
	assert_non_null(strstr(y, "- \"/work/repo/\"\n"));
	assert_null(strstr(y, "\"/work/repo/src/"));
	assert_non_null(strstr(y, "- \"/tmp/\"\n"));
	assert_non_null(strstr(y, "- \"/var/tmp/\"\n"));
	assert_non_null(strstr(y, "- \"/root/.cache/\"\n"));
	assert_non_null(strstr(y, "- \"/home/runner/.npm/\"\n"));
	assert_non_null(strstr(y, "- \"/opt/out/\"\n"));
	assert_null(strstr(y, "\"/opt/out/a/\""));
	assert_non_null(strstr(y, "- \"/srv/x/a/\"\n"));
	assert_non_null(strstr(y, "- \"/srv/x/c/\"\n"));
	assert_null(strstr(y, "\"/srv/x/\"\n"));
	assert_non_null(strstr(y, "- \"/etc/hosts\"\n"));
	assert_non_null(strstr(y, "- \"/top\"\n"));
	assert_null(strstr(y, "- \"/\"\n"));
	assert_null(strstr(y, "- \"/etc/\"\n"));
	assert_null(strstr(y, "/read/"));
	assert_non_null(strstr(y, "mode: audit\n"));
	free(y);
	suggest_free(s);
}

static void test_verdicts_not_allowlisted(void **state)
{
	struct suggest *s;
	char *y;

	(void)state;
	assert_int_equal(suggest_new(&s), 0);
	run(s, "attacked.jsonl",
	    EXEC(1, "/usr/bin/bash", "/w/r") EXEC(2, "/usr/bin/bash", "/w/r")
	    EXEC(3, "/usr/bin/curl", "/w/r")
	    /* the verdict comes after the record it judged, as in a live stream */
	    "{\"type\":\"verdict\",\"rule\":\"curl-pipe-shell\",\"on\":\"exec\",\"pid\":3,"
	    "\"start_ns\":30,\"exe\":\"/usr/bin/curl\"}\n"
	    "{\"type\":\"verdict\",\"rule\":\"bash-odd\",\"pid\":2,\"start_ns\":20,"
	    "\"exe\":\"/usr/bin/bash\"}\n"
	    "{\"type\":\"connect\",\"pid\":3,\"start_ns\":30,\"address\":\"203.0.113.9\","
	    "\"port\":4444,\"dns_name\":\"evil.example\"}\n"
	    "{\"type\":\"verdict\",\"rule\":\"egress\",\"on\":\"connect\",\"pid\":3,\"start_ns\":30,"
	    "\"event\":{\"address\":\"203.0.113.9\",\"port\":4444,\"dns_name\":\"evil.example\"}}\n"
	    "{\"type\":\"dns\",\"pid\":3,\"start_ns\":30,\"direction\":\"query\",\"qname\":\"evil.example\"}\n"
	    "{\"type\":\"verdict\",\"rule\":\"dns-exfil\",\"on\":\"dns\",\"pid\":3,\"start_ns\":30,"
	    "\"event\":{\"direction\":\"query\",\"qname\":\"evil.example\"}}\n"
	    WRITE("/etc/cron.d/x")
	    "{\"type\":\"verdict\",\"rule\":\"persist\",\"on\":\"file\",\"pid\":1,\"start_ns\":10,"
	    "\"event\":{\"op\":\"open-write\",\"path\":\"/etc/cron.d/x\"}}\n");
	y = yaml(s, false, 0);
	assert_null(strstr(y, "/usr/bin/curl"));
	assert_null(strstr(y, "evil.example"));
	assert_null(strstr(y, "4444"));
	assert_null(strstr(y, "/etc/cron.d"));
	/* bash also ran clean once: still allowed */
	assert_non_null(strstr(y, "- \"/usr/bin/bash\"\n"));
	assert_non_null(strstr(y, "5 verdicts in that run"));
	assert_non_null(strstr(y, "rules: curl-pipe-shell, bash-odd, egress, dns-exfil, persist"));
	/* nothing left: the rules match everything of their kind */
	assert_non_null(strstr(y, "No connect was seen"));
	free(y);
	suggest_free(s);
}

static void test_runs_merged_and_egress(void **state)
{
	struct suggest *s;
	char *y;

	(void)state;
	assert_int_equal(suggest_new(&s), 0);
	run(s, "one.jsonl",
	    EXEC(1, "/usr/bin/make", "/a/one")
	    "{\"type\":\"connect\",\"address\":\"151.101.0.1\",\"port\":443,\"dns_name\":\"deb.debian.org\"}\n"
	    "{\"type\":\"connect\",\"address\":\"151.101.0.1\",\"port\":80,\"dns_name\":\"deb.debian.org\"}\n"
	    "{\"type\":\"connect\",\"address\":\"140.82.1.1\",\"port\":443,\"dns_name\":\"GitHub.com\"}\n"
	    "{\"type\":\"connect\",\"address\":\"10.0.0.53\",\"port\":53,\"dns_name\":null}\n"
	    "{\"type\":\"dns\",\"direction\":\"query\",\"qname\":\"deb.debian.org\"}\n"
	    "{\"type\":\"dns\",\"direction\":\"answer\",\"qname\":\"answer.only\"}\n"
	    WRITE("/a/one/x.o"));
	run(s, "two.jsonl",
	    EXEC(1, "/usr/bin/ninja", "/b/two")
	    "{\"type\":\"connect\",\"address\":\"::1\",\"port\":8080}\n"
	    "{\"type\":\"connect\",\"address\":\"140.82.1.2\",\"port\":443,\"dns_name\":\"api.github.com\"}\n"
	    "{\"type\":\"dns\",\"direction\":\"query\",\"qname\":\"*.bad\"}\n"
	    WRITE("/b/two/y.o") WRITE("/a/one/z.o"));
	y = yaml(s, true, 0);
	assert_non_null(strstr(y, "from 2 runs"));
	assert_non_null(strstr(y, "#   one.jsonl: 8 records (1 execs, 4 connects, 1 DNS queries, 1 file writes)"));
	assert_non_null(strstr(y, "#   two.jsonl:"));
	assert_non_null(strstr(y, "mode: enforce\n"));
	assert_non_null(strstr(y, "- \"/usr/bin/make\"\n"));
	assert_non_null(strstr(y, "- \"/usr/bin/ninja\"\n"));
	/* same ports, one entry; names in the order of the set */
	assert_non_null(strstr(y, "- domains: [\"GitHub.com\", \"api.github.com\"]\n        ports: [443]\n"));
	assert_non_null(strstr(y, "- domains: [\"deb.debian.org\"]\n        ports: [80, 443]\n"));
	assert_non_null(strstr(y, "allowed by address only"));
	assert_non_null(strstr(y, "- cidrs: [\"10.0.0.53\"]\n        ports: [53]\n"));
	assert_non_null(strstr(y, "- cidrs: [\"::1\"]\n        ports: [8080]\n"));
	assert_null(strstr(y, "answer.only"));
	assert_null(strstr(y, "*.bad"));
	/* each run's writes fold by its own working directory */
	assert_non_null(strstr(y, "- \"/a/one/\"\n"));
	assert_non_null(strstr(y, "- \"/b/two/\"\n"));
	free(y);
	suggest_free(s);
}

static void test_quoting_and_cap(void **state)
{
	struct suggest *s;
	char *y;

	(void)state;
	assert_int_equal(suggest_new(&s), 0);
	run(s, "odd\nname`.jsonl",
	    EXEC(1, "/opt/a\\\"b`c\\\\d", "/w/r") EXEC(2, "/usr/bin/a", "/w/r")
	    EXEC(3, "/usr/bin/b", "/w/r") EXEC(4, "/usr/bin/c", "/w/r")
	    EXEC(5, "/tmp/x (deleted)", "/w/r") EXEC(6, "/memfd:x (deleted)", "/w/r"));
	y = yaml(s, false, 2);
	assert_non_null(strstr(y, "- \"/opt/a\\\"b\\x60c\\\\d\"\n"));
	assert_null(strchr(y, '`')); /* the Markdown report fences it */
	assert_non_null(strstr(y, "#   odd?name?.jsonl:"));
	assert_non_null(strstr(y, "... and 2 more left out"));
	assert_non_null(strstr(y, "2 execs of deleted or memory-only files"));
	assert_null(strstr(y, "(deleted)\""));
	free(y);
	suggest_free(s);
}

static void test_not_utf8_left_out(void **state)
{
	struct suggest *s;
	char *y;

	(void)state;
	assert_int_equal(suggest_new(&s), 0);
	/* json-c hands over the bytes "\u00ff" decodes to as UTF-8; a raw
	 * invalid byte comes from a log written by something else. */
	run(s, "bytes.jsonl",
	    EXEC(1, "/usr/bin/ok", "/w/r")
	    "{\"type\":\"exec\",\"exe\":\"/opt/\xff\xfe\"}\n"
	    "{\"type\":\"connect\",\"address\":\"10.1.1.1\",\"port\":1,\"dns_name\":\"a\x80.example\"}\n"
	    "{\"type\":\"dns\",\"direction\":\"query\",\"qname\":\"b\xc3.example\"}\n"
	    "{\"type\":\"file\",\"op\":\"open-write\",\"path\":\"/srv/\xe2\x82/x\"}\n");
	y = yaml(s, false, 0);
	assert_non_null(strstr(y, "# 4 records name a path or host that is not valid UTF-8"));
	assert_non_null(strstr(y, "- \"/usr/bin/ok\"\n"));
	/* the connect still counts by its address */
	assert_non_null(strstr(y, "- cidrs: [\"10.1.1.1\"]\n"));
	assert_true(utf8_ok(y));
	free(y);
	suggest_free(s);
}

static void test_empty_run(void **state)
{
	struct suggest *s;
	char *y;

	(void)state;
	assert_int_equal(suggest_new(&s), 0);
	assert_int_equal(suggest_end_run(s, NULL), 0);
	y = yaml(s, false, 0);
	assert_non_null(strstr(y, "#   this run: 0 records"));
	assert_non_null(strstr(y, "No exec was seen"));
	assert_non_null(strstr(y, "No DNS query was seen"));
	assert_non_null(strstr(y, "No write was seen"));
	free(y);
	suggest_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_prefixes),
		cmocka_unit_test(test_verdicts_not_allowlisted),
		cmocka_unit_test(test_runs_merged_and_egress),
		cmocka_unit_test(test_quoting_and_cap),
		cmocka_unit_test(test_not_utf8_left_out),
		cmocka_unit_test(test_empty_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
