// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The end-of-run text lines of what a reviewer asks: DNS names, where
 * processes connected, credential reads, files written in the checkout,
 * privilege syscalls; the first few of each, the rest counted.
 */
#include <string.h>
#include "report/report_internal.h"

#define TEXT_MAX_ROWS 10 /* lines of each kind */

static void more(FILE *f, uint64_t n, const char *what)
{
	if (n)
		fprintf(f, "buildwarden: ... and %llu more %s\n", (unsigned long long)n, what);
}

static void flagged(FILE *f, const char *rule)
{
	if (rule)
		fprintf(f, "  <- rule '%s'", rule);
	fputc('\n', f);
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static void names(FILE *f, const struct report *r)
{
	size_t i, n = r->n_names < TEXT_MAX_ROWS ? r->n_names : TEXT_MAX_ROWS;
	char who[REPORT_PROCS_TEXT];

	for (i = 0; i < n; i++) {
		const struct report_name *d = &r->names[i];

		report_procs_text(&d->procs, who, sizeof(who));
		fprintf(f, "buildwarden: DNS name queried: %s (%llu quer%s", d->name,
			(unsigned long long)d->queries, d->queries == 1 ? "y" : "ies");
		if (d->other)
			fprintf(f, ", %llu to a resolver the host did not configure",
				(unsigned long long)d->other);
		if (d->dns_over)
			fprintf(f, ", DNS over %s", d->dns_over);
		fprintf(f, "; by %s)", who);
		flagged(f, d->rule);
	}
	more(f, r->n_names - n, "DNS names");
	more(f, r->names_other, "queries of other DNS names");
}

static void dests(FILE *f, const struct report *r)
{
	size_t i, n = r->n_dests < TEXT_MAX_ROWS ? r->n_dests : TEXT_MAX_ROWS;
	char who[REPORT_PROCS_TEXT];
	uint64_t rest = r->dests_other;

	for (i = 0; i < n; i++) {
		const struct report_dest *d = &r->dests[i];

		report_procs_text(&d->procs, who, sizeof(who));
		fprintf(f, "buildwarden: connected to %s%s%s:%u (%s%s%llu connection%s; by %s)",
			strchr(d->daddr, ':') ? "[" : "", d->daddr, strchr(d->daddr, ':') ? "]" : "",
			d->dport, d->dns_name ? d->dns_name : "", d->dns_name ? ", " : "",
			(unsigned long long)d->count, plural(d->count), who);
		flagged(f, d->rule);
	}
	for (; i < r->n_dests; i++)
		rest += r->dests[i].count;
	more(f, rest, "connections to other destinations");
}

static void secrets(FILE *f, const struct report *r)
{
	size_t i, n = r->n_secrets < TEXT_MAX_ROWS ? r->n_secrets : TEXT_MAX_ROWS;
	char who[REPORT_PROCS_TEXT];

	for (i = 0; i < n; i++) {
		const struct report_secret *s = &r->secrets[i];

		report_procs_text(&s->procs, who, sizeof(who));
		fprintf(f, "buildwarden: credential read: %s (%llu read%s, %llu refused; by %s)",
			s->path, (unsigned long long)s->reads, plural(s->reads),
			(unsigned long long)s->refused, who);
		flagged(f, s->rule);
	}
	more(f, r->n_secrets - n, "credential files read");
	more(f, r->secrets_other, "reads of other credential files");
}

static void writes(FILE *f, const struct report *r)
{
	size_t i, n = r->n_writes < TEXT_MAX_ROWS ? r->n_writes : TEXT_MAX_ROWS;
	char who[REPORT_PROCS_TEXT];

	for (i = 0; i < n; i++) {
		const struct report_write *w = &r->writes[i];

		report_procs_text(&w->procs, who, sizeof(who));
		fprintf(f, "buildwarden: written in the checkout: %s (%llu write%s; by %s)\n",
			w->path, (unsigned long long)w->writes, plural(w->writes), who);
	}
	more(f, r->n_writes - n, "paths written in the checkout");
}

static void privs(FILE *f, const struct report *r)
{
	size_t i, n = r->n_privs < TEXT_MAX_ROWS ? r->n_privs : TEXT_MAX_ROWS;
	char who[REPORT_PROCS_TEXT];

	for (i = 0; i < n; i++) {
		const struct report_priv *p = &r->privs[i];

		report_procs_text(&p->procs, who, sizeof(who));
		fprintf(f, "buildwarden: privilege: %s%s%s (%llu call%s; by %s)", p->op,
			*p->detail ? " " : "", p->detail, (unsigned long long)p->count,
			plural(p->count), who);
		flagged(f, p->rule);
	}
	more(f, r->n_privs - n, "kinds of privilege calls");
	more(f, r->privs_other, "privilege calls of other kinds");
}

void review_write_text(FILE *f, const struct report *r)
{
	privs(f, r);
	secrets(f, r);
	writes(f, r);
	names(f, r);
	dests(f, r);
	if (r->cut_start || report_cut_end(r))
		fprintf(f, "buildwarden: WARNING: the log is cut: %s%s%s\n",
			r->cut_start ? "it starts after the job began" : "",
			r->cut_start && report_cut_end(r) ? "; " : "",
			report_cut_end(r) ? "it ends before the job did" : "");
}
