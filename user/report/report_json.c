// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON summary of a run (docs/REPORTS.md), for machines. */
#include <errno.h>
#include <string.h>
#include "lib/json_out.h"
#include "lib/redact.h"
#include "report/report_internal.h"

static void counts(struct jbuf *jb, const struct report *r)
{
	json_sub_open(jb, "counts");
	json_kv_u64(jb, "processes", r->processes);
	json_kv_u64(jb, "execs", r->execs);
	json_kv_u64(jb, "exec_failed", report_exec_failed(r));
	json_kv_u64(jb, "exec_path_misses", report_exec_path_misses(r));
	json_kv_u64(jb, "forks", r->forks);
	json_kv_u64(jb, "exits", r->exits);
	json_kv_u64(jb, "verdicts", r->verdicts);
	json_kv_u64(jb, "blocked", r->blocked);
	json_kv_u64(jb, "killed", r->killed);
	json_kv_u64(jb, "connects", r->connects);
	json_kv_u64(jb, "lost", report_lost(r));
	json_kv_u64(jb, "untracked", r->untracked);
	json_kv_u64(jb, "calls_dropped", r->calls_dropped);
	json_kv_u64(jb, "malformed", r->malformed);
	json_kv_u64(jb, "missing_records", r->seq_gaps);
	if (r->have_alerts) {
		json_kv_u64(jb, "alerts_sent", r->alerts_sent);
		json_kv_u64(jb, "alerts_dropped", r->alerts_dropped);
		json_kv_u64(jb, "alerts_failed", r->alerts_failed);
	}
	if (r->have_trace) {
		json_kv_str(jb, "trace_id", r->trace_id);
		json_kv_u64(jb, "spans", r->trace_spans);
		json_kv_u64(jb, "spans_sent", r->trace_sent);
		json_kv_u64(jb, "spans_failed", r->trace_failed);
		json_kv_u64(jb, "spans_dropped", r->trace_dropped);
	}
	json_obj_close(jb);
}

static void rules(struct jbuf *jb, const struct report *r)
{
	size_t i;

	json_arr_open(jb, "rules");
	for (i = 0; i < r->n_rules; i++) {
		json_obj_open(jb);
		json_kv_str(jb, "rule", r->rules[i].name);
		json_kv_str(jb, "severity", r->rules[i].severity);
		json_kv_str(jb, "rule_action", r->rules[i].rule_action);
		json_kv_u64(jb, "hits", r->rules[i].hits);
		json_kv_u64(jb, "blocked", r->rules[i].blocked);
		json_kv_u64(jb, "killed", r->rules[i].killed);
		json_obj_close(jb);
	}
	json_arr_close(jb);
}

static void verdicts(struct jbuf *jb, const struct report *r)
{
	size_t i;

	json_arr_open(jb, "verdicts");
	for (i = 0; i < r->n_rows; i++) {
		const struct report_verdict *v = &r->rows[i];

		json_obj_open(jb);
		json_kv_u64(jb, "seq", v->seq);
		json_kv_str(jb, "rule", v->rule);
		json_kv_str(jb, "severity", v->severity);
		json_kv_str(jb, "mode", v->mode);
		json_kv_str(jb, "rule_action", v->rule_action);
		json_kv_str(jb, "action", v->action);
		json_kv_bool(jb, "blocked", v->blocked);
		json_kv_bool(jb, "kernel_missed", v->kernel_missed);
		if (v->kill_error)
			json_kv_str(jb, "kill_error", v->kill_error);
		json_kv_u64(jb, "pid", v->pid);
		json_kv_u64(jb, "start_ns", v->start_ns);
		json_kv_str(jb, "command", v->command);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_bool(jb, "verdicts_truncated", r->verdicts > r->n_rows);
}

/* "processes": [{pid, start_ns, comm}] and "processes_other". */
static void procs_json(struct jbuf *jb, const struct report_procs *ps)
{
	json_arr_open(jb, "processes");
	for (uint32_t i = 0; i < ps->n; i++) {
		json_obj_open(jb);
		json_kv_u64(jb, "pid", ps->v[i].pid);
		json_kv_u64(jb, "start_ns", ps->v[i].start_ns);
		json_kv_str(jb, "comm", ps->v[i].comm);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "processes_other", ps->other);
}

static void network(struct jbuf *jb, const struct report *r)
{
	size_t i;

	json_arr_open(jb, "network");
	for (i = 0; i < r->n_dests; i++) {
		const struct report_dest *d = &r->dests[i];

		json_obj_open(jb);
		json_kv_str(jb, "daddr", d->daddr);
		json_kv_u64(jb, "dport", d->dport);
		json_kv_str(jb, "proto", d->proto);
		json_kv_str(jb, "dns_name", d->dns_name);
		json_kv_str(jb, "dns_over", d->dns_over);
		json_kv_u64(jb, "count", d->count);
		json_kv_u64(jb, "first_pid", d->first_pid);
		procs_json(jb, &d->procs);
		json_kv_str(jb, "rule", d->rule);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "network_other", r->dests_other);
}

static void sources(struct jbuf *jb, const struct report *r)
{
	json_arr_open(jb, "tracked_changed");
	for (size_t i = 0; i < r->n_sources; i++) {
		const struct report_source *s = &r->sources[i];

		json_obj_open(jb);
		redact_json_str(jb, "path", s->path);
		json_kv_str(jb, "op", s->op);
		json_kv_u64(jb, "pid", s->pid);
		json_kv_u64(jb, "start_ns", s->start_ns);
		json_kv_str(jb, "comm", report_source_program(r, s));
		json_kv_u64(jb, "count", s->count);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "tracked_changed_other", r->sources_other);
}

static const char *resolver_of(const struct report_name *n)
{
	if (n->other)
		return n->configured ? "mixed" : "other";
	return n->configured ? "configured" : NULL;
}

static void dns_names(struct jbuf *jb, const struct report *r)
{
	json_arr_open(jb, "dns_names");
	for (size_t i = 0; i < r->n_names; i++) {
		const struct report_name *n = &r->names[i];

		json_obj_open(jb);
		json_kv_str(jb, "name", n->name);
		json_kv_u64(jb, "queries", n->queries);
		json_kv_str(jb, "resolver", resolver_of(n));
		json_kv_u64(jb, "other_resolver_queries", n->other);
		json_kv_str(jb, "dns_over", n->dns_over);
		procs_json(jb, &n->procs);
		json_kv_str(jb, "rule", n->rule);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "dns_names_other", r->names_other);
}

static void credential_reads(struct jbuf *jb, const struct report *r)
{
	json_arr_open(jb, "credential_reads");
	for (size_t i = 0; i < r->n_secrets; i++) {
		const struct report_secret *s = &r->secrets[i];

		json_obj_open(jb);
		redact_json_str(jb, "path", s->path);
		json_kv_u64(jb, "reads", s->reads);
		json_kv_u64(jb, "refused", s->refused);
		procs_json(jb, &s->procs);
		json_kv_str(jb, "rule", s->rule);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "credential_reads_other", r->secrets_other);
}

static void written(struct jbuf *jb, const struct report *r)
{
	json_kv_str(jb, "written_base", r->written_base);
	json_arr_open(jb, "written");
	for (size_t i = 0; i < r->n_writes; i++) {
		const struct report_write *w = &r->writes[i];
		size_t n = strlen(w->path);

		json_obj_open(jb);
		redact_json_str(jb, "path", w->path);
		json_kv_bool(jb, "directory", n && w->path[n - 1] == '/');
		json_kv_u64(jb, "writes", w->writes);
		procs_json(jb, &w->procs);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "written_outside", r->writes_outside);
}

static void privileges(struct jbuf *jb, const struct report *r)
{
	json_arr_open(jb, "privilege");
	for (size_t i = 0; i < r->n_privs; i++) {
		const struct report_priv *p = &r->privs[i];

		json_obj_open(jb);
		json_kv_str(jb, "op", p->op);
		redact_json_str(jb, "detail", p->detail);
		json_kv_u64(jb, "count", p->count);
		procs_json(jb, &p->procs);
		json_kv_str(jb, "rule", p->rule);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "privilege_other", r->privs_other);
}

static void containers(struct jbuf *jb, const struct report *r)
{
	json_arr_open(jb, "containers");
	for (size_t i = 0; i < r->n_containers; i++) {
		json_obj_open(jb);
		json_kv_str(jb, "id", r->containers[i].id);
		json_kv_u64(jb, "execs", r->containers[i].execs);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "containers_other_execs", r->containers_other);
}

int report_write_json(FILE *f, const struct report *r)
{
	char **cmd = r->command && r->command[0] ? r->command : r->root_argv.v;
	char head[256];
	struct jbuf jb;
	size_t i;
	int err = 0;

	jbuf_init(&jb);
	json_obj_open(&jb);
	json_kv_str(&jb, "status", report_status(r));
	json_kv_bool(&jb, "complete", r->have_summary && !report_lost(r) && !r->seq_gaps);
	if (r->have_summary)
		json_kv_i64(&jb, "exit_status", r->exit_status);
	else
		json_kv_null(&jb, "exit_status");
	json_kv_bool(&jb, "job_killed", r->job_killed);
	if (r->job_name)
		json_kv_str(&jb, "job", r->job_name);
	json_arr_open(&jb, "command");
	for (i = 0; cmd && cmd[i]; i++)
		redact_json_strn(&jb, NULL, cmd[i], strlen(cmd[i]), i ? cmd[i - 1] : NULL);
	json_arr_close(&jb);
	json_kv_str(&jb, "policy", r->policy);
	json_kv_str(&jb, "mode", r->mode);
	json_kv_u64(&jb, "duration_ns", r->duration_ns);
	json_kv_u64(&jb, "lost", report_lost(r));
	counts(&jb, r);
	rules(&jb, r);
	verdicts(&jb, r);
	network(&jb, r);
	sources(&jb, r);
	containers(&jb, r);
	report_headline(r, head, sizeof(head));
	json_kv_str(&jb, "headline", head);
	json_kv_bool(&jb, "exit_known", report_exit_known(r));
	json_kv_bool(&jb, "log_cut_start", r->cut_start);
	json_kv_bool(&jb, "log_cut_end", report_cut_end(r));
	dns_names(&jb, r);
	credential_reads(&jb, r);
	written(&jb, r);
	privileges(&jb, r);
	json_obj_close(&jb);
	err = jbuf_write_line(&jb, f);
	jbuf_free(&jb);
	return err;
}
