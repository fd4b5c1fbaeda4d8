// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Markdown report (GitHub-flavoured, for $GITHUB_STEP_SUMMARY): title,
 * one summary line, verdicts, the flagged lineage as a Mermaid graph,
 * network destinations and counts. Every string that came from the build
 * is escaped for where it lands: a code span in a table cell, or a quoted
 * Mermaid label.
 */
#include <errno.h>
#include <string.h>
#include "report/report_internal.h"
#include "report/suggest.h"

#define MD_MAX_ROWS 50 /* verdict and destination rows shown */

/* s as a code span that survives a table cell: `…`, with | escaped. */
static void md_code(FILE *f, const char *s)
{
	size_t run = 0, longest = 0, i, n = strlen(s);
	bool pad;

	if (!n)
		return;
	for (i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	/* A fence longer than any backtick run inside; padded if s touches it. */
	pad = s[0] == '`' || s[n - 1] == '`';
	for (i = 0; i <= longest; i++)
		fputc('`', f);
	if (pad)
		fputc(' ', f);
	for (i = 0; i < n; i++) {
		if (s[i] == '|')
			fputs("\\|", f);
		else if (s[i] == '\n' || s[i] == '\r')
			fputc(' ', f);
		else
			fputc(s[i], f);
	}
	if (pad)
		fputc(' ', f);
	for (i = 0; i <= longest; i++)
		fputc('`', f);
}

/* Plain text: Markdown and HTML punctuation escaped. */
static void md_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else {
			if (strchr("\\`*_[]#!|~", *s))
				fputc('\\', f);
			fputc(*s, f);
		}
	}
}

/*
 * A Mermaid label inside ["…"]: quotes, entity starts, angle brackets and
 * backticks (markdown strings) become Mermaid's #code; entities.
 */
static void mermaid_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '"': fputs("#quot;", f); break;
		case '#': fputs("#35;", f); break;
		case '&': fputs("#amp;", f); break;
		case '<': fputs("#lt;", f); break;
		case '>': fputs("#gt;", f); break;
		case '`': fputs("#96;", f); break;
		case '|': fputs("#124;", f); break;
		case '[': fputs("#91;", f); break;
		case ']': fputs("#93;", f); break;
		case '{': fputs("#123;", f); break;
		case '}': fputs("#125;", f); break;
		case '\n': case '\r': fputc(' ', f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void title(FILE *f, const struct report *r)
{
	char cmd[REPORT_CMD_MAX + 8], head[256];

	report_command(r, cmd, sizeof(cmd));
	report_headline(r, head, sizeof(head));
	fputs("## buildwarden: ", f);
	md_code(f, cmd);
	fputs(" — ", f);
	md_text(f, head);
	fputs("\n\n", f);
}

static void summary_line(FILE *f, const struct report *r)
{
	uint64_t lost = report_lost(r);

	fprintf(f, "**%llu processes**, %llu execs, %llu failed execs · **%llu verdicts** "
		"(%llu blocked, %llu killed) · %llu lost events",
		(unsigned long long)r->processes, (unsigned long long)r->execs,
		(unsigned long long)report_exec_failed(r), (unsigned long long)r->verdicts,
		(unsigned long long)r->blocked, (unsigned long long)r->killed,
		(unsigned long long)lost);
	if (r->policy) {
		fputs(" · policy ", f);
		md_code(f, r->policy);
		if (r->mode)
			fprintf(f, " (%s)", r->mode);
	}
	if (r->duration_ns)
		fprintf(f, " · %.2f s", (double)r->duration_ns / 1e9);
	fputs("\n\n", f);
	if (r->cut_start || report_cut_end(r))
		fprintf(f, "> **Warning:** the log is cut: %s%s%s.\n\n",
			r->cut_start ? "it starts after the job began" : "",
			r->cut_start && report_cut_end(r) ? "; " : "",
			report_cut_end(r) ? "it ends before the job did" : "");
	if (lost || r->seq_gaps || r->untracked || r->calls_dropped || r->malformed)
		fprintf(f, "> **Warning:** the trace is incomplete: %llu events lost in the "
			"kernel, %llu processes untracked, %llu syscalls dropped in the kernel, "
			"%llu malformed records, %llu records missing from the log.\n\n",
			(unsigned long long)lost, (unsigned long long)r->untracked,
			(unsigned long long)r->calls_dropped, (unsigned long long)r->malformed,
			(unsigned long long)r->seq_gaps);
}

static void verdicts(FILE *f, const struct report *r)
{
	size_t i, n = r->n_rows < MD_MAX_ROWS ? r->n_rows : MD_MAX_ROWS;

	fputs("### Verdicts\n\n", f);
	if (!r->verdicts) {
		fputs("No policy rule matched.\n\n", f);
		return;
	}
	fputs("| Rule | Severity | Action | Blocked | PID | Command |\n"
	      "|---|---|---|---|---:|---|\n", f);
	for (i = 0; i < n; i++) {
		const struct report_verdict *v = &r->rows[i];

		fputs("| ", f);
		md_code(f, v->rule);
		fputs(" | ", f);
		md_text(f, v->severity);
		fputs(" | ", f);
		md_text(f, v->action);
		if (v->kill_error) {
			fputs(" (failed: ", f);
			md_text(f, v->kill_error);
			fputc(')', f);
		}
		fprintf(f, " | %s | %u | ", yes_no(v->blocked), v->pid);
		md_code(f, v->command);
		fputs(" |\n", f);
	}
	if (r->verdicts > n)
		fprintf(f, "\n… and %llu more verdicts (all are in the event log).\n",
			(unsigned long long)(r->verdicts - n));
	fputs("\n| Rule | Severity | Action | Hits | Blocked | Killed |\n"
	      "|---|---|---|---:|---:|---:|\n", f);
	for (i = 0; i < r->n_rules; i++) {
		const struct report_rule *rr = &r->rules[i];

		fputs("| ", f);
		md_code(f, rr->name);
		fputs(" | ", f);
		md_text(f, rr->severity);
		fputs(" | ", f);
		md_text(f, rr->rule_action);
		fprintf(f, " | %llu | %llu | %llu |\n", (unsigned long long)rr->hits,
			(unsigned long long)rr->blocked, (unsigned long long)rr->killed);
	}
	fputc('\n', f);
}

static void lineage(FILE *f, const struct report *r)
{
	int i;

	if (!r->n_nodes)
		return;
	fputs("### Flagged lineage\n\n```mermaid\ngraph TD\n", f);
	for (i = 0; i < r->n_nodes; i++) {
		const struct report_node *n = &r->nodes[i];

		fprintf(f, "  n%d[\"", i);
		mermaid_label(f, n->label);
		if (n->rule) {
			fputs("<br/>! ", f);
			mermaid_label(f, n->rule);
		}
		fputs("\"]\n", f);
	}
	for (i = 0; i < r->n_nodes; i++)
		if (r->nodes[i].parent >= 0)
			fprintf(f, "  n%d --> n%d\n", r->nodes[i].parent, i);
	fputs("  classDef flagged fill:#fdd,stroke:#c00,color:#600\n", f);
	for (i = 0; i < r->n_nodes; i++)
		if (r->nodes[i].rule)
			fprintf(f, "  class n%d flagged\n", i);
	fputs("```\n\n", f);
	if (r->graph_omitted)
		fprintf(f, "%llu more flagged processes are not drawn (the graph stops at %d "
			"processes).\n\n", (unsigned long long)r->graph_omitted, REPORT_GRAPH_MAX);
}

/* How the report names a DNS transport that is not port 53. */
static const char *dns_over_text(const char *over)
{
	return !strcmp(over, "tls") ? "TLS" : !strcmp(over, "quic") ? "QUIC"
		: !strcmp(over, "https") ? "HTTPS" : "another protocol";
}

/* The processes of a row, and the rule that flagged it. */
static void procs_cell(FILE *f, const struct report_procs *ps, const char *rule)
{
	char who[REPORT_PROCS_TEXT];

	report_procs_text(ps, who, sizeof(who));
	md_code(f, who);
	if (rule) {
		fputs(" ! ", f);
		md_code(f, rule);
	}
}

/* "… and N more what." when rows or records did not fit. */
static void md_more(FILE *f, uint64_t n, const char *what)
{
	if (n)
		fprintf(f, "\n… and %llu more %s.\n", (unsigned long long)n, what);
}

static void dns_names(FILE *f, const struct report *r)
{
	size_t i, n = r->n_names < MD_MAX_ROWS ? r->n_names : MD_MAX_ROWS;

	if (!r->n_names)
		return;
	fputs("### DNS names queried\n\n| Name | Queries | Resolver | Processes |\n"
	      "|---|---:|---|---|\n", f);
	for (i = 0; i < n; i++) {
		const struct report_name *d = &r->names[i];

		fputs("| ", f);
		md_code(f, d->name);
		if (d->dns_over)
			fprintf(f, " DNS over %s", dns_over_text(d->dns_over));
		fprintf(f, " | %llu | %s | ", (unsigned long long)d->queries,
			d->other ? (d->configured ? "configured and **other**" : "**other**")
				 : d->configured ? "configured" : "");
		procs_cell(f, &d->procs, d->rule);
		fputs(" |\n", f);
	}
	md_more(f, r->n_names - n, "names");
	md_more(f, r->names_other, "queries of other names");
	fputc('\n', f);
}

static void credential_reads(FILE *f, const struct report *r)
{
	size_t i, n = r->n_secrets < MD_MAX_ROWS ? r->n_secrets : MD_MAX_ROWS;

	if (!r->n_secrets)
		return;
	fputs("### Credential reads\n\n| File | Reads | Refused | Processes |\n"
	      "|---|---:|---:|---|\n", f);
	for (i = 0; i < n; i++) {
		const struct report_secret *s = &r->secrets[i];

		fputs("| ", f);
		md_code(f, s->path);
		fprintf(f, " | %llu | %llu | ", (unsigned long long)s->reads,
			(unsigned long long)s->refused);
		procs_cell(f, &s->procs, s->rule);
		fputs(" |\n", f);
	}
	md_more(f, r->n_secrets - n, "files read");
	md_more(f, r->secrets_other, "reads of other files");
	fputc('\n', f);
}

static void written(FILE *f, const struct report *r)
{
	size_t i;

	if (!r->n_writes)
		return;
	fputs("### Files written in the checkout\n\nUntracked files (a path ending in `/`: the "
	      "writes under that directory).\n\n| Path | Writes | Processes |\n|---|---:|---|\n", f);
	for (i = 0; i < r->n_writes; i++) {
		const struct report_write *w = &r->writes[i];

		fputs("| ", f);
		md_code(f, w->path);
		fprintf(f, " | %llu | ", (unsigned long long)w->writes);
		procs_cell(f, &w->procs, NULL);
		fputs(" |\n", f);
	}
	md_more(f, r->writes_outside, "writes outside the checkout (in the event log)");
	fputc('\n', f);
}

static void privileges(FILE *f, const struct report *r)
{
	size_t i, n = r->n_privs < MD_MAX_ROWS ? r->n_privs : MD_MAX_ROWS;

	if (!r->n_privs)
		return;
	fputs("### Privilege events\n\n| Call | Detail | Count | Processes |\n"
	      "|---|---|---:|---|\n", f);
	for (i = 0; i < n; i++) {
		const struct report_priv *p = &r->privs[i];

		fputs("| ", f);
		md_code(f, p->op);
		fputs(" | ", f);
		md_code(f, p->detail);
		fprintf(f, " | %llu | ", (unsigned long long)p->count);
		procs_cell(f, &p->procs, p->rule);
		fputs(" |\n", f);
	}
	md_more(f, r->n_privs - n, "kinds of privilege events");
	md_more(f, r->privs_other, "privilege events of other kinds");
	fputc('\n', f);
}

static void network(FILE *f, const struct report *r)
{
	size_t i, n = r->n_dests < MD_MAX_ROWS ? r->n_dests : MD_MAX_ROWS;
	uint64_t rest = r->dests_other;

	fputs("### Network destinations\n\n", f);
	if (!r->connects) {
		fputs("None recorded.\n\n", f);
		return;
	}
	fputs("| Destination | Port | Protocol | Name | Connections | Processes |\n"
	      "|---|---:|---|---|---:|---|\n", f);
	for (i = 0; i < n; i++) {
		const struct report_dest *d = &r->dests[i];

		fputs("| ", f);
		md_code(f, d->daddr);
		fprintf(f, " | %u | ", d->dport);
		if (d->proto)
			md_text(f, d->proto);
		fputs(" | ", f);
		if (d->dns_name)
			md_code(f, d->dns_name);
		if (d->dns_over)
			fprintf(f, "%sDNS over %s", d->dns_name ? " " : "", dns_over_text(d->dns_over));
		fprintf(f, " | %llu | ", (unsigned long long)d->count);
		procs_cell(f, &d->procs, d->rule);
		fputs(" |\n", f);
	}
	for (; i < r->n_dests; i++)
		rest += r->dests[i].count;
	if (rest)
		fprintf(f, "\n… and %llu more connections to other destinations.\n",
			(unsigned long long)rest);
	fputc('\n', f);
}

static void sources(FILE *f, const struct report *r)
{
	size_t i, n = r->n_sources < MD_MAX_ROWS ? r->n_sources : MD_MAX_ROWS;

	if (!r->n_sources)
		return; /* no checkout, or nothing changed: nothing to review */
	fputs("### Tracked files changed\n\n| File | Change | By | Changes |\n|---|---|---|---:|\n", f);
	for (i = 0; i < n; i++) {
		const struct report_source *s = &r->sources[i];

		fputs("| ", f);
		md_code(f, s->path);
		fputs(" | ", f);
		md_text(f, s->op);
		fputs(" | ", f);
		md_code(f, report_source_program(r, s));
		fprintf(f, " (pid %u) | %llu |\n", s->pid, (unsigned long long)s->count);
	}
	if (r->n_sources > n || r->sources_other)
		fprintf(f, "\n… and %zu more tracked files changed.\n",
			r->n_sources - n + (size_t)r->sources_other);
	fputc('\n', f);
}

static void counts(FILE *f, const struct report *r)
{
	fprintf(f,
		"### Counts\n\n"
		"| | |\n|---|---:|\n"
		"| Processes | %llu |\n| Execs | %llu |\n| Failed execs | %llu |\n"
		"| PATH lookups (not failures) | %llu |\n"
		"| Forks | %llu |\n| Exits | %llu |\n| Verdicts | %llu |\n"
		"| Blocked in the kernel | %llu |\n| Killed | %llu |\n"
		"| Network connections | %llu |\n| Lost events | %llu |\n",
		(unsigned long long)r->processes, (unsigned long long)r->execs,
		(unsigned long long)report_exec_failed(r),
		(unsigned long long)report_exec_path_misses(r), (unsigned long long)r->forks,
		(unsigned long long)r->exits, (unsigned long long)r->verdicts,
		(unsigned long long)r->blocked, (unsigned long long)r->killed,
		(unsigned long long)r->connects, (unsigned long long)report_lost(r));
	if (r->have_alerts)
		fprintf(f, "| Alerts sent | %llu |\n| Alerts dropped | %llu |\n"
			"| Alerts failed | %llu |\n",
			(unsigned long long)r->alerts_sent, (unsigned long long)r->alerts_dropped,
			(unsigned long long)r->alerts_failed);
	if (r->have_trace)
		fprintf(f, "| Trace | `%s` (%llu spans, %llu sent) |\n", r->trace_id,
			(unsigned long long)r->trace_spans, (unsigned long long)r->trace_sent);
	fputc('\n', f);
}

/* At most this many entries per list in the policy snippet. */
#define MD_POLICY_ENTRIES 25

/*
 * Last: the policy that would enforce what this run did (the generator of
 * `policy suggest`, mode enforce), folded away. Its YAML has no backticks
 * (report/suggest.c escapes them), so a plain fence holds it.
 */
static void policy_snippet(FILE *f, const struct report *r)
{
	const struct suggest_opts so = { .enforce = true, .max_entries = MD_POLICY_ENTRIES };

	if (!r->suggest)
		return;
	fputs("<details><summary>A policy that would enforce what this run did</summary>\n\n"
	      "Generated from this run's events, as `buildwarden policy suggest --enforce` "
	      "writes it (at most " , f);
	fprintf(f, "%d entries per list shown). Replay other runs with `buildwarden policy "
		"test` before enforcing it.\n\n```yaml\n", MD_POLICY_ENTRIES);
	suggest_write(f, r->suggest, &so);
	fputs("```\n\n</details>\n", f);
}

int report_write_markdown(FILE *f, const struct report *r)
{
	title(f, r);
	summary_line(f, r);
	verdicts(f, r);
	lineage(f, r);
	sources(f, r);
	written(f, r);
	credential_reads(f, r);
	privileges(f, r);
	dns_names(f, r);
	network(f, r);
	counts(f, r);
	policy_snippet(f, r);
	return ferror(f) ? -EIO : 0;
}
