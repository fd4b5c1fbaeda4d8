// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The run as a SARIF 2.1.0 log, for code-scanning dashboards
 * (docs/REPORTS.md, "SARIF"): one rule per policy rule that matched, one
 * result per verdict. A verdict on a tracked file of the checkout points at
 * that file; any other points at the process (a logical location).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_out.h"
#include "report/report_ci.h"
#include "report/report_internal.h"

#define SARIF_SCHEMA "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#define SARIF_SRCROOT "%SRCROOT%"

static const char *sarif_level(const char *severity)
{
	int rank = report_severity_rank(severity);

	return rank >= 3 ? "error" : rank == 0 ? "note" : "warning";
}

/* GitHub's scale: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low < 4.0. */
static const char *security_severity(const char *severity)
{
	static const char *const scores[] = { NULL, "2.0", "5.5", "8.0", "9.5" };
	int rank = report_severity_rank(severity);

	return rank < 0 ? NULL : scores[rank];
}

/* A path as a URI reference: everything but unreserved characters and '/' percent-encoded. */
static void kv_uri(struct jbuf *jb, const char *key, const char *prefix, const char *path,
		   bool dir)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), len = strlen(prefix), i;
	char *u = malloc(len + 3 * n + 2);

	if (!u) {
		jb->oom = true;
		return;
	}
	memcpy(u, prefix, len);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)path[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("-._~/", ch)) {
			u[len++] = (char)ch;
		} else {
			u[len++] = '%';
			u[len++] = hex[ch >> 4];
			u[len++] = hex[ch & 15];
		}
	}
	if (dir && (!len || u[len - 1] != '/'))
		u[len++] = '/';
	json_kv_strn(jb, key, u, len);
	free(u);
}

static void text(struct jbuf *jb, const char *key, const char *s)
{
	json_sub_open(jb, key);
	json_kv_str(jb, "text", s);
	json_obj_close(jb);
}

/* The first verdict row of a rule: its description and what it judged. */
static const struct report_verdict *first_row(const struct report *r, const char *rule)
{
	for (size_t i = 0; i < r->n_rows; i++)
		if (!strcmp(r->rows[i].rule, rule))
			return &r->rows[i];
	return NULL;
}

static void rule(struct jbuf *jb, const struct report *r, const struct report_rule *rr)
{
	const struct report_verdict *v = first_row(r, rr->name);
	const char *desc = v && *v->ci.description ? v->ci.description : rr->name;
	const char *score = security_severity(rr->severity);
	char help[512];

	snprintf(help, sizeof(help),
		 "buildwarden policy rule '%s' (severity %s, action %s) matched %s records of the "
		 "build. The rule and its conditions are in the policy (buildwarden policy check); "
		 "each result names the process and its command line.",
		 rr->name, rr->severity, rr->rule_action, v ? v->ci.on : "exec");
	json_obj_open(jb);
	json_kv_str(jb, "id", rr->name);
	json_kv_str(jb, "name", rr->name);
	text(jb, "shortDescription", desc);
	text(jb, "help", help);
	json_sub_open(jb, "defaultConfiguration");
	json_kv_str(jb, "level", sarif_level(rr->severity));
	json_obj_close(jb);
	json_sub_open(jb, "properties");
	if (score)
		json_kv_str(jb, "security-severity", score);
	json_kv_str(jb, "severity", rr->severity);
	json_kv_str(jb, "action", rr->rule_action);
	json_arr_open(jb, "tags");
	json_val_strn(jb, "security", 8);
	json_val_strn(jb, "supply-chain", 12);
	json_arr_close(jb);
	json_obj_close(jb);
	json_obj_close(jb);
}

static void driver(struct jbuf *jb, const struct report *r)
{
	json_sub_open(jb, "tool");
	json_sub_open(jb, "driver");
	json_kv_str(jb, "name", "buildwarden");
	json_arr_open(jb, "rules");
	for (size_t i = 0; i < r->n_rules; i++)
		rule(jb, r, &r->rules[i]);
	json_arr_close(jb);
	json_obj_close(jb);
	json_obj_close(jb);
}

static void location(struct jbuf *jb, const struct report *r, const struct report_verdict *v)
{
	const char *file = report_ci_rel_file(r, v) ?: r->ci.anchor;
	char buf[REPORT_CMD_MAX + 1], fq[REPORT_CMD_MAX + 32];
	const char *prog;

	json_arr_open(jb, "locations");
	json_obj_open(jb);
	if (file && *file) {
		json_sub_open(jb, "physicalLocation");
		json_sub_open(jb, "artifactLocation");
		kv_uri(jb, "uri", "", file, false);
		json_kv_str(jb, "uriBaseId", SARIF_SRCROOT);
		json_obj_close(jb);
		json_obj_close(jb);
	}
	/* The process: what a runtime finding is about, file or not. */
	prog = report_ci_program(v, buf, sizeof(buf));
	snprintf(fq, sizeof(fq), "%s[%u]", prog, v->pid);
	json_arr_open(jb, "logicalLocations");
	json_obj_open(jb);
	json_kv_str(jb, "name", prog);
	json_kv_str(jb, "fullyQualifiedName", fq);
	json_kv_str(jb, "kind", "process");
	json_obj_close(jb);
	json_arr_close(jb);
	json_obj_close(jb);
	json_arr_close(jb);
}

static void result(struct jbuf *jb, const struct report *r, const struct report_verdict *v,
		   size_t rule_index)
{
	char msg[REPORT_CI_MESSAGE_MAX], fp[17];

	report_ci_message(v, msg, sizeof(msg));
	report_ci_fingerprint(r, v, fp);
	json_obj_open(jb);
	json_kv_str(jb, "ruleId", v->rule);
	json_kv_u64(jb, "ruleIndex", rule_index);
	json_kv_str(jb, "level", sarif_level(v->severity));
	text(jb, "message", msg);
	location(jb, r, v);
	json_sub_open(jb, "partialFingerprints");
	json_kv_str(jb, "buildwarden/v1", fp);
	json_obj_close(jb);
	json_sub_open(jb, "properties");
	json_kv_str(jb, "severity", v->severity);
	json_kv_str(jb, "on", v->ci.on);
	json_kv_str(jb, "mode", v->mode);
	json_kv_str(jb, "action", v->action);
	json_kv_bool(jb, "blocked", v->blocked);
	json_kv_u64(jb, "pid", v->pid);
	json_kv_str(jb, "command", v->command);
	if (v->ci.container)
		json_kv_str(jb, "container", v->ci.container);
	json_obj_close(jb);
	json_obj_close(jb);
}

static size_t rule_index(const struct report *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_rules && strcmp(r->rules[i].name, name); i++)
		;
	return i;
}

static void invocation(struct jbuf *jb, const struct report *r)
{
	char start[48], end[48], cmd[1024], note[160];

	json_arr_open(jb, "invocations");
	json_obj_open(jb);
	json_kv_bool(jb, "executionSuccessful", r->have_summary && !report_lost(r));
	if (r->have_summary)
		json_kv_i64(jb, "exitCode", r->exit_status);
	if (report_ci_times(r, start, end, sizeof(start))) {
		json_kv_str(jb, "startTimeUtc", start);
		json_kv_str(jb, "endTimeUtc", end);
	}
	if (r->verdicts > r->n_rows || report_lost(r) || !r->have_summary) {
		if (!r->have_summary)
			snprintf(note, sizeof(note), "the log has no summary: the run did not finish");
		else if (report_lost(r))
			snprintf(note, sizeof(note), "%llu records were lost: results may be missing",
				 (unsigned long long)report_lost(r));
		else
			snprintf(note, sizeof(note), "%llu verdicts, the first %zu listed",
				 (unsigned long long)r->verdicts, r->n_rows);
		json_arr_open(jb, "toolExecutionNotifications");
		json_obj_open(jb);
		text(jb, "message", note);
		json_kv_str(jb, "level", "warning");
		json_obj_close(jb);
		json_arr_close(jb);
	}
	report_command(r, cmd, sizeof(cmd));
	json_sub_open(jb, "properties");
	json_kv_str(jb, "command", cmd);
	json_kv_str(jb, "status", report_status(r));
	json_kv_bool(jb, "job_killed", r->job_killed);
	json_kv_u64(jb, "verdicts", r->verdicts);
	json_obj_close(jb);
	json_obj_close(jb);
	json_arr_close(jb);
}

int report_write_sarif(FILE *f, const struct report *r)
{
	const struct report_verdict **rows = report_ci_sorted_rows(r);
	struct jbuf jb;
	int err = 0;

	if (!rows)
		return -ENOMEM;
	jbuf_init(&jb);
	json_obj_open(&jb);
	json_kv_str(&jb, "$schema", SARIF_SCHEMA);
	json_kv_str(&jb, "version", "2.1.0");
	json_arr_open(&jb, "runs");
	json_obj_open(&jb);
	driver(&jb, r);
	if (r->ci.checkout) {
		json_sub_open(&jb, "originalUriBaseIds");
		json_sub_open(&jb, SARIF_SRCROOT);
		kv_uri(&jb, "uri", "file://", r->ci.checkout, true);
		json_obj_close(&jb);
		json_obj_close(&jb);
	}
	invocation(&jb, r);
	json_arr_open(&jb, "results");
	for (size_t i = 0; i < r->n_rows; i++)
		result(&jb, r, rows[i], rule_index(r, rows[i]->rule));
	json_arr_close(&jb);
	json_obj_close(&jb);
	json_arr_close(&jb);
	json_obj_close(&jb);
	err = jbuf_write_line(&jb, f);
	jbuf_free(&jb);
	free(rows);
	return err;
}
