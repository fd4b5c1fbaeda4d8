// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The run as JUnit XML, the shape GitLab's merge-request test widget reads
 * (testsuites > testsuite > testcase, a <failure> per failed case): one
 * failing case per verdict, and cases that pass when there is nothing to
 * say, so a clean run shows as passed rather than empty
 * (docs/REPORTS.md, "JUnit").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/utf8.h"
#include "report/report_ci.h"
#include "report/report_internal.h"

/* Text or an attribute value: valid UTF-8, no control characters XML 1.0 forbids. */
static void xml_text(FILE *f, const char *s)
{
	char *clean = utf8_clean(s, strlen(s), REPORT_CI_MESSAGE_MAX * 2);
	const char *p = clean ? clean : "?";

	for (; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\n': fputs("&#10;", f); break;
		case '\t': fputs("&#9;", f); break;
		default:
			fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
		}
	}
	free(clean);
}

static void case_open(FILE *f, const char *classname, const char *name, const char *file)
{
	fputs("    <testcase classname=\"", f);
	xml_text(f, classname);
	fputs("\" name=\"", f);
	xml_text(f, name);
	fputs("\" time=\"0\"", f);
	if (file) {
		fputs(" file=\"", f);
		xml_text(f, file);
		fputc('"', f);
	}
	fputs(">\n", f);
}

static void failure(FILE *f, const char *type, const char *message, const char *body)
{
	fputs("      <failure type=\"", f);
	xml_text(f, type);
	fputs("\" message=\"", f);
	xml_text(f, message);
	fputs("\">", f);
	xml_text(f, body);
	fputs("</failure>\n", f);
}

static void verdict_case(FILE *f, const struct report *r, const struct report_verdict *v)
{
	char cls[300], name[REPORT_CMD_MAX + 64], prog[REPORT_CMD_MAX + 1];
	char msg[REPORT_CI_MESSAGE_MAX], body[REPORT_CI_MESSAGE_MAX + 400];
	const char *file = report_ci_rel_file(r, v);

	snprintf(cls, sizeof(cls), "buildwarden.%s", v->rule);
	snprintf(name, sizeof(name), "%s %s (pid %u)", v->ci.on,
		 file ? file : v->ci.target ? v->ci.target : report_ci_program(v, prog, sizeof(prog)),
		 v->pid);
	report_ci_message(v, msg, sizeof(msg));
	snprintf(body, sizeof(body),
		 "rule: %s\nseverity: %s\nmode: %s\naction: %s%s\nprocess: pid %u, %s\n"
		 "command: %s\n%s%s%s",
		 v->rule, v->severity, v->mode, v->action, v->blocked ? " (blocked in the kernel)" : "",
		 v->pid, report_ci_program(v, prog, sizeof(prog)), v->command,
		 v->ci.target ? "target: " : "", v->ci.target ? v->ci.target : "",
		 v->ci.target ? "\n" : "");
	case_open(f, cls, name, file);
	failure(f, v->severity, msg, body);
	fputs("    </testcase>\n", f);
}

/* A case that passes, or fails with why. */
static void check_case(FILE *f, const char *name, const char *why)
{
	case_open(f, "buildwarden", name, NULL);
	if (why)
		failure(f, "buildwarden", why, why);
	fputs("    </testcase>\n", f);
}

int report_write_junit(FILE *f, const struct report *r)
{
	const struct report_verdict **rows = report_ci_sorted_rows(r);
	bool complete = r->have_summary && !report_lost(r) && !r->seq_gaps;
	uint64_t more = r->verdicts - r->n_rows;
	size_t tests = 2 + (r->verdicts ? r->n_rows + (more > 0) : 1);
	size_t failures = !complete + r->job_killed + r->n_rows + (more > 0);
	char why[200], policy[300];

	if (!rows)
		return -ENOMEM;
	snprintf(policy, sizeof(policy), "buildwarden policy %s", r->policy ? r->policy : "?");
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"buildwarden\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
		tests, failures);
	fputs("  <testsuite name=\"", f);
	xml_text(f, policy);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
		tests, failures, (double)r->duration_ns / 1e9);
	if (!r->verdicts)
		check_case(f, "no policy verdict", NULL);
	for (size_t i = 0; i < r->n_rows; i++)
		verdict_case(f, r, rows[i]);
	if (more) {
		snprintf(why, sizeof(why), "%llu more verdict(s) not listed; see the job's report",
			 (unsigned long long)more);
		check_case(f, "verdicts not listed", why);
	}
	snprintf(why, sizeof(why), "%s: %llu lost, %llu missing from the log",
		 r->have_summary ? "records missing" : "no summary record: the run did not finish",
		 (unsigned long long)report_lost(r), (unsigned long long)r->seq_gaps);
	check_case(f, "trace complete", complete ? NULL : why);
	check_case(f, "job not terminated by the policy",
		   r->job_killed ? "a kill-job rule terminated the job" : NULL);
	fputs("  </testsuite>\n</testsuites>\n", f);
	free(rows);
	return ferror(f) ? -EIO : 0;
}
