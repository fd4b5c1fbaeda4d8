// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reports from a saved event stream: one pass over the JSON lines rebuilds
 * the lineage table exactly as the agent keeps it (the records are turned
 * back into the kernel's structs and go through proctab_apply, so pruning
 * and linking behave the same), counts everything, and remembers the
 * flagged processes; the text, Markdown and JSON writers then read that.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "policy/exec_info.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/record_names.h"
#include "report/report.h"
#include "lib/safefile.h"
#include "lib/utf8.h"
#include "report/report_internal.h"
#include "report/report_html.h"
#include "events/tree.h"
#include "events/event_lineview.h"
#include "events/event_read.h"
#include "report/suggest.h"

/* ---- json-c accessors (report_jsonget.c) under their short names ---- */

#define field rj_field
#define get_u64 rj_get_u64
#define u64_or rj_u64_or
#define get_i64 rj_get_i64
#define get_str rj_get_str
#define get_bool rj_get_bool
#define dup_or_null rj_dup_or_null

/* ---- lifecycle ---- */

int report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->build_exit_code = -1;
	r->build_signal = -1;
	if (event_reader_init(&r->rd))
		return -ENOMEM;
	if (proctab_init(&r->procs) || suggest_new(&r->suggest)) {
		proctab_free(&r->procs);
		event_reader_free(&r->rd);
		return -ENOMEM;
	}
	return 0;
}

void report_free(struct report *r)
{
	size_t i;

	proctab_free(&r->procs);
	event_reader_free(&r->rd);
	suggest_free(r->suggest);
	for (i = 0; r->command && r->command[i]; i++)
		free(r->command[i]);
	free(r->command);
	free(r->policy);
	free(r->mode);
	free(r->job_name);
	for (i = 0; i < r->n_rules; i++) {
		free(r->rules[i].name);
		free(r->rules[i].severity);
		free(r->rules[i].rule_action);
	}
	free(r->rules);
	for (i = 0; i < r->n_rows; i++) {
		free(r->rows[i].mode);
		free(r->rows[i].rule_action);
		free(r->rows[i].action);
		free(r->rows[i].kill_error);
		free(r->rows[i].command);
		report_ci_row_free(&r->rows[i].ci);
	}
	free(r->rows);
	for (i = 0; i < r->n_dests; i++) {
		free(r->dests[i].daddr);
		free(r->dests[i].dns_name);
		free(r->dests[i].proto);
		free(r->dests[i].dns_over);
	}
	free(r->dests);
	for (i = 0; i < r->n_sources; i++) {
		free(r->sources[i].path);
		free(r->sources[i].op);
	}
	free(r->sources);
	free(r->marks);
	free(r->argbuf);
	review_free(r);
	report_ci_free(&r->ci);
	memset(r, 0, sizeof(*r));
}

/* ---- flagged processes and their ancestors ---- */

static size_t mark_hash(uint32_t pid, uint64_t start_ns, size_t cap)
{
	return (size_t)hash_proc(pid, start_ns) & (cap - 1);
}

static struct report_mark *mark_slot(struct report_mark *marks, size_t cap, uint32_t pid,
				     uint64_t start_ns)
{
	size_t i = mark_hash(pid, start_ns, cap);

	while (marks[i].used && (marks[i].pid != pid || marks[i].start_ns != start_ns))
		i = (i + 1) & (cap - 1);
	return &marks[i];
}

static const struct report_mark *mark_find(const struct report *r, uint32_t pid,
					   uint64_t start_ns)
{
	const struct report_mark *m;

	if (!r->marks_cap)
		return NULL;
	m = mark_slot(r->marks, r->marks_cap, pid, start_ns);
	return m->used ? m : NULL;
}

static int marks_grow(struct report *r)
{
	size_t cap = r->marks_cap ? r->marks_cap * 2 : 256, i;
	struct report_mark *m = calloc(cap, sizeof(*m)), *slot;

	if (!m)
		return -ENOMEM;
	for (i = 0; i < r->marks_cap; i++) {
		if (!r->marks[i].used)
			continue;
		slot = mark_slot(m, cap, r->marks[i].pid, r->marks[i].start_ns);
		*slot = r->marks[i];
	}
	free(r->marks);
	r->marks = m;
	r->marks_cap = cap;
	return 0;
}

/* Returns the mark, *added when it is new; NULL when out of memory. */
static struct report_mark *mark_get(struct report *r, const struct bw_proc *p, bool *added)
{
	struct report_mark *m;

	if (2 * (r->marks_used + 1) > r->marks_cap && marks_grow(r))
		return NULL;
	m = mark_slot(r->marks, r->marks_cap, p->pid, p->start_ns);
	*added = !m->used;
	if (!m->used) {
		m->used = true;
		m->pid = p->pid;
		m->start_ns = p->start_ns;
		r->marks_used++;
	}
	return m;
}

static int mark_flagged(struct report *r, struct bw_proc *p, const char *rule)
{
	struct report_mark *m;
	bool added;

	if (r->marks_used >= REPORT_MAX_MARKS)
		return 0; /* past this, the tree just stops marking: counts stay exact */
	m = mark_get(r, p, &added);
	if (!m)
		return -ENOMEM;
	if (!m->rule)
		m->rule = rule;
	/* An ancestor already marked has its own ancestors marked too. */
	for (p = p->parent; p; p = p->parent) {
		if (!mark_get(r, p, &added))
			return -ENOMEM;
		if (!added)
			break;
	}
	return 0;
}

/* For the HTML report: is the process flagged, or an ancestor of one? */
static bool is_marked(const struct report *r, uint32_t pid, uint64_t start_ns)
{
	return mark_find(r, pid, start_ns) != NULL;
}

static enum tree_mark tree_mark_of(const struct bw_proc *p, void *arg, const char **rule)
{
	const struct report_mark *m = mark_find(arg, p->pid, p->start_ns);

	if (!m)
		return TREE_MARK_NONE;
	if (!m->rule)
		return TREE_MARK_BRANCH;
	*rule = m->rule;
	return TREE_MARK_FLAGGED;
}

/* ---- the flagged lineage graph ---- */

static int node_find(const struct report *r, const struct bw_proc *p)
{
	int i;

	for (i = 0; i < r->n_nodes; i++)
		if (r->nodes[i].pid == p->pid && r->nodes[i].start_ns == p->start_ns)
			return i;
	return -1;
}

/* s cut to at most max bytes on a UTF-8 boundary, with "..." when cut. */
static void cut_utf8(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max || max < 4)
		return;
	n = utf8_cut(s, max - 3);
	strcpy(s + n, "...");
}

static void graph_add(struct report *r, const struct bw_proc *p, const char *rule)
{
	const struct bw_proc *chain[BW_ANCESTRY_MAX], *q;
	char cmd[512];
	int n = 0, need = 0, i, idx, parent = -1;

	for (q = p; q && n < BW_ANCESTRY_MAX; q = q->parent)
		chain[n++] = q;
	for (i = 0; i < n; i++)
		need += node_find(r, chain[i]) < 0;
	if (r->n_nodes + need > REPORT_GRAPH_MAX) {
		r->graph_omitted++;
		return;
	}
	for (i = n - 1; i >= 0; i--) {
		idx = node_find(r, chain[i]);
		if (idx < 0) {
			struct report_node *nd = &r->nodes[r->n_nodes];

			idx = r->n_nodes++;
			nd->pid = chain[i]->pid;
			nd->start_ns = chain[i]->start_ns;
			nd->parent = parent;
			nd->rule = NULL;
			tree_cmdline(chain[i], cmd, sizeof(cmd));
			cut_utf8(cmd, REPORT_LABEL_MAX);
			snprintf(nd->label, sizeof(nd->label), "%u %.*s", nd->pid,
				 REPORT_LABEL_MAX, cmd);
		}
		parent = idx;
	}
	if (!r->nodes[parent].rule)
		r->nodes[parent].rule = rule;
}

/* ---- records ---- */

/* Counts a process the first time any record names it. */
static void seen(struct report *r, uint32_t pid, uint64_t start_ns)
{
	if (!proctab_find(&r->procs, pid, start_ns))
		r->processes++;
}

/* argv as the kernel lays it out: NUL-separated, in r->argbuf. */
static int join_argv(struct report *r, struct json_object *arr, uint32_t *len)
{
	size_t need = 0, n, i, pos = 0, l;
	struct json_object *e;
	char *buf;

	*len = 0;
	if (!arr || !json_object_is_type(arr, json_type_array))
		return 0;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		need += (size_t)json_object_get_string_len(e) + 1;
	}
	if (need > UINT32_MAX)
		return -E2BIG;
	if (need > r->argcap) {
		buf = realloc(r->argbuf, need);
		if (!buf)
			return -ENOMEM;
		r->argbuf = buf;
		r->argcap = need;
	}
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		l = (size_t)json_object_get_string_len(e);
		if (l)
			memcpy(r->argbuf + pos, json_object_get_string(e), l);
		pos += l;
		r->argbuf[pos++] = '\0';
	}
	*len = (uint32_t)pos;
	return 0;
}

static int fork_view(struct report *r, const struct bw_event_view *v)
{
	seen(r, v->fork->parent_pid, v->fork->parent_start_ns);
	seen(r, v->hdr->pid, v->hdr->start_ns);
	r->forks++;
	return proctab_apply(&r->procs, v);
}

static int on_fork(struct report *r, struct json_object *o, uint32_t pid, uint64_t start_ns,
		   const char **why)
{
	struct bw_fork_event e;
	struct bw_event_view v = { .hdr = &e.hdr };
	uint64_t ppid, pstart;

	if (!get_u64(o, "parent_pid", &ppid) || !get_u64(o, "parent_start_ns", &pstart)) {
		*why = "fork record without parent_pid/parent_start_ns";
		return -EINVAL;
	}
	memset(&e, 0, sizeof(e));
	event_read_header(&e.hdr, BW_EV_FORK, o);
	e.hdr.pid = pid;
	e.hdr.start_ns = start_ns;
	e.parent_pid = (uint32_t)ppid;
	e.parent_start_ns = pstart;
	v.fork = &e;
	return fork_view(r, &v);
}

/* Counts an exec in container id (NULL or invalid: on the host). */
static void count_container(struct report *r, const char *id)
{
	size_t i;

	if (!id || !*id || strlen(id) > CONTAINER_ID_MAX)
		return;
	for (i = 0; i < r->n_containers; i++)
		if (!strcmp(r->containers[i].id, id))
			break;
	if (i == REPORT_MAX_CONTAINERS) {
		r->containers_other++;
		return;
	}
	if (i == r->n_containers) {
		snprintf(r->containers[i].id, sizeof(r->containers[i].id), "%s", id);
		r->n_containers++;
	}
	r->containers[i].execs++;
}

/* An exec, from a view holding only what the agent's line carries. */
static int exec_view(struct report *r, struct bw_event_view *v, bool job_root)
{
	struct review_exec_in in = {
		.pid = v->hdr->pid, .start_ns = v->hdr->start_ns, .filename = v->filename,
		.cwd = v->cwd, .args = v->args, .args_len = v->args_len, .job_root = job_root,
	};

	if (v->container && strlen(v->container) > CONTAINER_ID_MAX)
		v->container = NULL; /* not one the agent wrote */
	count_container(r, v->container);
	seen(r, in.pid, in.start_ns);
	r->execs++;
	review_exec(r, &in);
	return proctab_apply(&r->procs, v);
}

static int on_exec(struct report *r, struct json_object *o, uint32_t pid, uint64_t start_ns)
{
	struct bw_exec_event e;
	struct bw_event_view v = { .hdr = &e.hdr };
	int err;

	memset(&e, 0, sizeof(e));
	event_read_header(&e.hdr, BW_EV_EXEC, o);
	e.ppid = (uint32_t)u64_or(o, "ppid", 0);
	e.parent_start_ns = u64_or(o, "parent_start_ns", 0);
	e.argc = (uint32_t)u64_or(o, "argc", 0);
	e.uid = (uint32_t)u64_or(o, "uid", 0);
	e.euid = (uint32_t)u64_or(o, "euid", 0);
	if (get_bool(o, "argv_truncated"))
		e.flags |= BW_EXEC_ARGS_TRUNCATED;
	event_read_comm(e.comm, o);
	err = join_argv(r, field(o, "argv"), &v.args_len);
	if (err)
		return err;
	v.exec = &e;
	v.args = r->argbuf ? r->argbuf : "";
	v.filename = get_str(o, "filename");
	v.exe = get_str(o, "exe");
	v.cwd = get_str(o, "cwd");
	v.container = get_str(o, "container");
	e.hdr.pid = pid;
	e.hdr.start_ns = start_ns;
	return exec_view(r, &v, get_bool(o, "job_root"));
}

static int exit_view(struct report *r, const struct bw_event_view *v)
{
	seen(r, v->hdr->pid, v->hdr->start_ns);
	r->exits++;
	review_exit(r, v->hdr->pid, v->hdr->start_ns);
	return proctab_apply(&r->procs, v);
}

static int on_proc_exit(struct report *r, struct json_object *o, uint32_t pid, uint64_t start_ns)
{
	struct bw_exit_event e;
	struct bw_event_view v = { .hdr = &e.hdr };
	uint64_t code, sig;

	memset(&e, 0, sizeof(e));
	event_read_header(&e.hdr, BW_EV_EXIT, o);
	e.ppid = (uint32_t)u64_or(o, "ppid", 0);
	e.parent_start_ns = u64_or(o, "parent_start_ns", 0);
	/* Back to a wait status: (code << 8), or signal | 0x80 for a core. */
	if (get_u64(o, "signal", &sig))
		e.exit_status = (uint32_t)(sig & 0x7f) | (get_bool(o, "core_dumped") ? 0x80 : 0);
	else if (get_u64(o, "exit_code", &code))
		e.exit_status = (uint32_t)(code & 0xff) << 8;
	event_read_comm(e.comm, o);
	e.hdr.pid = pid;
	e.hdr.start_ns = start_ns;
	v.exit = &e;
	return exit_view(r, &v);
}

static int exec_failed(struct report *r, uint32_t pid, uint64_t start_ns, const char *file,
		       const char *errno_name, bool denied)
{
	seen(r, pid, start_ns);
	review_exec_failed(r, pid, start_ns, file, errno_name, denied);
	return proctab_get(&r->procs, pid, start_ns) ? 0 : -ENOMEM;
}

static int on_exec_failed(struct report *r, struct json_object *o, uint32_t pid,
			  uint64_t start_ns)
{
	return exec_failed(r, pid, start_ns, get_str(o, "filename"), get_str(o, "errno"),
			   field(o, "deny_rule") != NULL);
}

static struct report_rule *rule_get(struct report *r, const char *name, const char *severity,
				    const char *rule_action)
{
	struct report_rule *rr;
	size_t i;

	for (i = 0; i < r->n_rules; i++)
		if (!strcmp(r->rules[i].name, name))
			return &r->rules[i];
	rr = realloc(r->rules, (r->n_rules + 1) * sizeof(*rr));
	if (!rr)
		return NULL;
	r->rules = rr;
	rr = &r->rules[r->n_rules];
	memset(rr, 0, sizeof(*rr));
	rr->name = strdup(name);
	rr->severity = strdup(severity);
	rr->rule_action = strdup(rule_action);
	if (!rr->name || !rr->severity || !rr->rule_action) {
		free(rr->name);
		free(rr->severity);
		free(rr->rule_action);
		return NULL;
	}
	r->n_rules++;
	return rr;
}

/* The verdict's own argv, as the tree shows a command line. */
static char *verdict_command(struct report *r, struct json_object *o)
{
	struct bw_proc tmp;
	char cmd[REPORT_CMD_MAX + 8];
	uint32_t len;

	memset(&tmp, 0, sizeof(tmp));
	if (join_argv(r, field(o, "argv"), &len) || argv_split(r->argbuf ? r->argbuf : "", len,
							       &tmp.argv))
		return NULL;
	tmp.n_execs = 1;
	tmp.filename = (char *)get_str(o, "filename");
	tree_cmdline(&tmp, cmd, sizeof(cmd));
	argv_free(&tmp.argv);
	cut_utf8(cmd, REPORT_CMD_MAX);
	return strdup(cmd);
}

static bool is_kill(const char *action)
{
	return !strcmp(action, "kill-process") || !strcmp(action, "kill-job") ||
	       !strcmp(action, "deny");
}

static int add_row(struct report *r, struct json_object *o, const struct report_rule *rr,
		   uint32_t pid, uint64_t start_ns)
{
	struct report_verdict *row;

	if (r->n_rows >= REPORT_MAX_VERDICT_ROWS)
		return 0;
	if (!r->rows) {
		r->rows = calloc(REPORT_MAX_VERDICT_ROWS, sizeof(*r->rows));
		if (!r->rows)
			return -ENOMEM;
	}
	row = &r->rows[r->n_rows++];
	row->seq = r->last_seq;
	row->rule = rr->name;
	row->severity = rr->severity;
	row->mode = strdup(get_str(o, "mode") ?: "");
	row->rule_action = strdup(get_str(o, "rule_action") ?: "");
	row->action = strdup(get_str(o, "action") ?: "");
	row->kill_error = dup_or_null(get_str(o, "kill_error"));
	row->blocked = get_bool(o, "blocked");
	row->kernel_missed = get_bool(o, "kernel_missed");
	row->pid = pid;
	row->start_ns = start_ns;
	row->command = verdict_command(r, o);
	if (!row->mode || !row->rule_action || !row->action || !row->command)
		return -ENOMEM;
	return report_ci_row_read(&row->ci, o);
}

static int on_verdict(struct report *r, struct json_object *o, uint32_t pid, uint64_t start_ns)
{
	const char *action = get_str(o, "action") ?: "";
	bool blocked = get_bool(o, "blocked"), killed;
	struct report_rule *rr;
	struct bw_proc *p;
	int err;

	rr = rule_get(r, get_str(o, "rule") ?: "(unnamed)", get_str(o, "severity") ?: "",
		      get_str(o, "rule_action") ?: action);
	if (!rr)
		return -ENOMEM;
	killed = !blocked && !field(o, "kill_error") && is_kill(action);
	review_verdict(r, o, rr->name);
	r->verdicts++;
	r->blocked += blocked;
	r->killed += killed;
	rr->hits++;
	rr->blocked += blocked;
	rr->killed += killed;
	err = add_row(r, o, rr, pid, start_ns);
	if (err)
		return err;
	seen(r, pid, start_ns);
	p = proctab_get(&r->procs, pid, start_ns);
	if (!p)
		return -ENOMEM;
	if ((blocked || killed) && !p->ended_by_rule) {
		p->ended_by_rule = rr->name;
		p->blocked = blocked;
	}
	if (r->kept < REPORT_MAX_KEPT && !p->kept) {
		proctab_keep(p);
		r->kept++;
	}
	graph_add(r, p, rr->name);
	return mark_flagged(r, p, rr->name);
}

/*
 * Field names as netinfo writes them (address, port, proto), or daddr and
 * dport; dns_name and proto may be absent or null.
 */
static int on_connect(struct report *r, struct json_object *o)
{
	const char *daddr = get_str(o, "address") ?: get_str(o, "daddr") ?: "?";
	const char *name = get_str(o, "dns_name"), *proto = get_str(o, "proto");
	const char *over = get_str(o, "dns_over");
	uint32_t dport = (uint32_t)u64_or(o, "port", u64_or(o, "dport", 0));
	struct report_dest *d;
	size_t i;
	int added;

	r->connects++;
	for (i = 0; i < r->n_dests; i++) {
		d = &r->dests[i];
		if (d->dport == dport && !strcmp(d->daddr, daddr) &&
		    !strcmp(d->proto ? d->proto : "", proto ? proto : "") &&
		    !strcmp(d->dns_name ? d->dns_name : "", name ? name : "")) {
			d->count++;
			return review_connect(r, o, d);
		}
	}
	added = report_table_add(&r->dests, &r->n_dests, REPORT_MAX_DESTS, sizeof(*d),
				 &r->dests_other, (void **)&d);
	if (added <= 0)
		return added ? added : review_connect(r, o, NULL);
	d->daddr = strdup(daddr);
	d->dns_name = dup_or_null(name);
	d->proto = dup_or_null(proto);
	d->dns_over = dup_or_null(over);
	if (!d->daddr || (name && !d->dns_name) || (proto && !d->proto) || (over && !d->dns_over)) {
		free(d->daddr);
		free(d->dns_name);
		free(d->proto);
		free(d->dns_over);
		memset(d, 0, sizeof(*d));
		r->n_dests--;
		return -ENOMEM;
	}
	d->dport = dport;
	d->first_pid = (uint32_t)u64_or(o, "pid", 0);
	d->count = 1;
	return review_connect(r, o, d);
}

/* A change of a tracked file: kept once per path, with its first writer. */
static int on_file(struct report *r, const struct event_hookline *in)
{
	const char *path = in->path ?: "?", *path2 = in->path2;
	const char *op = in->op ?: "?";
	struct report_source *s;
	char *shown = NULL;
	size_t i;
	int added;

	if (!in->tracked)
		return review_file(r, in);
	if (path2 ? asprintf(&shown, "%s -> %s", path, path2) < 0 : !(shown = strdup(path)))
		return -ENOMEM;
	for (i = 0; i < r->n_sources; i++) {
		if (!strcmp(r->sources[i].path, shown)) {
			r->sources[i].count++;
			free(shown);
			return 0;
		}
	}
	added = report_table_add(&r->sources, &r->n_sources, REPORT_MAX_SOURCES, sizeof(*s),
				 &r->sources_other, (void **)&s);
	if (added <= 0) {
		free(shown);
		return added;
	}
	s->op = strdup(op);
	if (!s->op) {
		free(shown);
		r->n_sources--;
		return -ENOMEM;
	}
	s->path = shown;
	s->pid = in->pid;
	s->start_ns = in->start_ns;
	s->count = 1;
	return 0;
}

/* Who signalled an agent: counted, the first kept in words for the text report. */
static int on_tamper(struct report *r, struct json_object *o)
{
	const char *sig = get_str(o, "signal"), *who = get_str(o, "sender"), *exe = get_str(o, "exe");

	if (!r->tamper++)
		snprintf(r->tamper_first, sizeof(r->tamper_first),
			 "%s%s to agent %llu by pid %llu (%s) %s", get_bool(o, "earlier_agent") ?
			 "before this run: " : "", sig ? sig : "a signal",
			 (unsigned long long)u64_or(o, "agent_pid", 0),
			 (unsigned long long)u64_or(o, "pid", 0), who ? who : "?", exe ? exe : "");
	return 0;
}
/* The summary's "trace" object: the job's trace id and what became of its spans. */
static void read_trace(struct report *r, struct json_object *t)
{
	const char *id;

	if (!t || !json_object_is_type(t, json_type_object))
		return;
	id = get_str(t, "trace_id");
	if (!id || strlen(id) != 32)
		return;
	snprintf(r->trace_id, sizeof(r->trace_id), "%s", id);
	r->have_trace = true;
	r->trace_joined = get_bool(t, "joined");
	r->trace_spans = u64_or(t, "spans", 0);
	r->trace_sent = u64_or(t, "sent", 0);
	r->trace_failed = u64_or(t, "failed", 0);
	r->trace_dropped = u64_or(t, "dropped", 0);
	r->trace_events_dropped = u64_or(t, "span_events_dropped", 0);
}


static int on_summary(struct report *r, struct json_object *o)
{
	struct json_object *cmd = field(o, "command"), *job;
	size_t n, i;

	r->have_summary = true;
	if (cmd && json_object_is_type(cmd, json_type_array) && !r->command) {
		n = json_object_array_length(cmd);
		r->command = calloc(n + 1, sizeof(*r->command));
		if (!r->command)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			const char *a = json_object_get_string(json_object_array_get_idx(cmd, i));

			r->command[i] = strdup(a ? a : "");
			if (!r->command[i])
				return -ENOMEM;
		}
	}
	get_i64(o, "exit_status", &r->exit_status);
	get_i64(o, "build_exit_code", &r->build_exit_code);
	get_i64(o, "build_signal", &r->build_signal);
	r->job_killed = get_bool(o, "job_killed");
	r->agent_stopped = get_bool(o, "agent_stopped");
	job = field(o, "job");
	if (job && json_object_is_type(job, json_type_object)) {
		free(r->job_name);
		r->job_name = dup_or_null(get_str(job, "name"));
	}
	free(r->policy);
	free(r->mode);
	r->policy = dup_or_null(get_str(o, "policy"));
	r->mode = dup_or_null(get_str(o, "mode"));
	r->duration_ns = u64_or(o, "duration_ns", 0);
	r->summary_lost = u64_or(o, "lost", 0);
	r->untracked = u64_or(o, "untracked", 0);
	r->calls_dropped = u64_or(o, "calls_dropped", 0);
	r->malformed = u64_or(o, "malformed", 0);
	/* webhook delivery, when the run reported it */
	r->have_alerts = get_u64(o, "alerts_sent", &r->alerts_sent);
	r->have_alerts |= get_u64(o, "alerts_dropped", &r->alerts_dropped);
	r->have_alerts |= get_u64(o, "alerts_failed", &r->alerts_failed);
	read_trace(r, field(o, "trace"));
	return report_ci_summary_read(&r->ci, o);
}

/* What any record counts for, before its kind's handler. */
static void count_record(struct report *r, const char *type, uint64_t seq, bool has_seq)
{
	r->records++;
	if (has_seq) {
		if (r->last_seq && seq > r->last_seq + 1)
			r->seq_gaps += seq - r->last_seq - 1;
		r->last_seq = seq;
	}
	review_record(r, type, seq, has_seq);
}

static int dispatch(struct report *r, struct json_object *o, const char *type, const char **why)
{
	struct event_hookline in;
	uint64_t pid, start_ns, seq = 0;
	bool has_proc, has_seq = get_u64(o, "seq", &seq);

	count_record(r, type, seq, has_seq);
	has_proc = get_u64(o, "pid", &pid) && get_u64(o, "start_ns", &start_ns);
	if (!strcmp(type, "fork") || !strcmp(type, "exec") || !strcmp(type, "exit") ||
	    !strcmp(type, "exec_failed") || !strcmp(type, "verdict")) {
		if (!has_proc) {
			*why = "process record without integer pid and start_ns";
			return -EINVAL;
		}
	}
	if (!strcmp(type, "fork"))
		return on_fork(r, o, (uint32_t)pid, start_ns, why);
	if (!strcmp(type, "exec"))
		return on_exec(r, o, (uint32_t)pid, start_ns);
	if (!strcmp(type, "exit"))
		return on_proc_exit(r, o, (uint32_t)pid, start_ns);
	if (!strcmp(type, "exec_failed"))
		return on_exec_failed(r, o, (uint32_t)pid, start_ns);
	if (!strcmp(type, "verdict"))
		return on_verdict(r, o, (uint32_t)pid, start_ns);
	if (!strcmp(type, "connect"))
		return on_connect(r, o);
	if (!strcmp(type, "file") || !strcmp(type, "privilege")) {
		review_hook_read(o, &in);
		return type[0] == 'f' ? on_file(r, &in) : review_privilege(r, &in);
	}
	if (!strcmp(type, "dns"))
		return review_dns(r, o);
	if (!strcmp(type, "lost")) {
		r->lost_sum += u64_or(o, "count", 0);
		if (u64_or(o, "total", 0) > r->lost_total)
			r->lost_total = u64_or(o, "total", 0);
		return 0;
	}
	if (!strcmp(type, "tamper"))
		return on_tamper(r, o);
	if (!strcmp(type, "summary"))
		return on_summary(r, o) ?: review_summary(r, o);
	return 0; /* unknown types are skipped, as docs/EVENTS.md asks */
}

/* One record: counted, read into the report and the suggested policy. */
static int feed_record(struct report *r, struct json_object *o, const char **why)
{
	int err;

	err = dispatch(r, o, event_str(o, "type"), why);
	/* Only what the report could read goes into the suggested policy. */
	if (!err)
		err = suggest_feed(r->suggest, o);
	if (err == -ENOMEM)
		*why = strerror(ENOMEM);
	return err;
}

/* An exec record as its line carries it: what the kernel's record holds, less the rest. */
static int exec_record(struct report *r, const struct bw_event_view *v)
{
	const struct bw_exec_event *k = v->exec;
	struct bw_exec_event e;
	struct bw_event_view w = {
		.hdr = &e.hdr, .exec = &e, .args = v->args, .args_len = v->args_len,
		.filename = v->filename, .exe = v->exe, .cwd = v->cwd, .container = v->container,
	};

	memset(&e, 0, sizeof(e));
	e.hdr = k->hdr;
	e.ppid = k->ppid;
	e.parent_start_ns = k->parent_start_ns;
	e.argc = k->argc;
	e.uid = k->uid;
	e.euid = k->euid;
	e.flags = k->flags & BW_EXEC_ARGS_TRUNCATED;
	memcpy(e.comm, k->comm, sizeof(e.comm));
	return exec_view(r, &w, k->flags & BW_EXEC_JOB_ROOT) ?:
	       suggest_feed_exec(r->suggest, v->exe, v->filename, v->cwd);
}

/*
 * A record the agent wrote as line seq, from the kernel's record it
 * rendered: what report_feed of that line does, without reading it back.
 * A fork or exit carries nothing the agent masks; an exec or a failed
 * exec only when its line holds its strings as they are (report.h).
 */
static int report_feed_view(struct report *r, uint64_t seq, const struct bw_event_view *v)
{
	uint32_t type = v->hdr->type;
	const char *name;

	count_record(r, record_type_name(type), seq, true);
	if (type == BW_EV_EXEC)
		return exec_record(r, v);
	suggest_count_record(r->suggest);
	switch (type) {
	case BW_EV_FORK: return fork_view(r, v);
	case BW_EV_EXIT: return exit_view(r, v);
	case BW_EV_EXEC_FAILED:
		name = strerrorname_np(-v->exec_failed->error);
		return exec_failed(r, v->hdr->pid, v->hdr->start_ns, v->filename,
				   name ? name : "unknown", v->exec_failed->flags & BW_EXECFAIL_DENIED);
	}
	return -EINVAL;
}

/* What review_hook_read would read of the line the agent rendered from v and info. */
static void hook_from_view(const struct bw_event_view *v, const struct bw_event_info *info,
			   char comm[BW_COMM_LEN + 1], struct event_hookline *in)
{
	const char *kcomm = v->hdr->type == BW_EV_FILE ? v->file->comm : v->priv->comm;
	size_t n = strnlen(kcomm, BW_COMM_LEN);

	memset(in, 0, sizeof(*in));
	memcpy(comm, kcomm, n);
	comm[n] = '\0';
	in->comm = comm;
	in->pid = v->hdr->pid;
	in->start_ns = v->hdr->start_ns;
	if (v->hdr->type == BW_EV_FILE) {
		in->op = info->file.op;
		in->path = info->file.path;
		in->path2 = info->file.path2;
		in->result = v->file->ret < 0 ? v->file->ret : 0;
		in->tracked = info->file.tracked;
		in->has_target = in->has_target_in_job = info->file.target_pid != 0;
		in->target_pid = info->file.target_pid;
		in->target_in_job = info->file.target_in_job;
		return;
	}
	in->op = info->priv.op;
	in->string = v->str;
	in->has_target = v->priv->target_pid != 0;
	in->target_pid = v->priv->target_pid;
	in->has_target_in_job = true;
	in->target_in_job = info->priv.target_in_job;
	in->has_args = true;
	/* Written unsigned, read back as json-c's int64: the large ones at its ceiling. */
	for (; in->n_args < 3; in->n_args++)
		in->args[in->n_args] = v->priv->args[in->n_args] > INT64_MAX ?
				       INT64_MAX : (int64_t)v->priv->args[in->n_args];
}

/*
 * A file or privilege record the agent wrote as line seq: what
 * report_feed of that line does, from the record and the agent's decoding.
 * Builds write and unlink files by the hundred; reading each line back
 * through json-c cost more than the rest of the report.
 */
static int hook_record(struct report *r, uint64_t seq, uint32_t type,
		       const struct event_hookline *in)
{
	int err;

	count_record(r, record_type_name(type), seq, true);
	if (type == BW_EV_FILE)
		return on_file(r, in) ?: suggest_feed_file(r->suggest, in->op, in->path, in->path2);
	err = review_privilege(r, in);
	if (!err)
		suggest_count_record(r->suggest);
	return err;
}

static int report_feed_hook(struct report *r, uint64_t seq, const struct bw_event_view *v,
			    const struct bw_event_info *info)
{
	struct event_hookline in;
	char comm[BW_COMM_LEN + 1];

	hook_from_view(v, info, comm, &in);
	return hook_record(r, seq, v->hdr->type, &in);
}

int report_feed(struct report *r, const char *line, size_t len, const char **why)
{
	struct json_object *o;
	int err;

	err = event_read_line(&r->rd, line, len, &o, why);
	if (err || !o)
		return err;
	err = feed_record(r, o, why);
	json_object_put(o);
	return err;
}

static int render_one(void *arg, struct json_object *o, size_t lineno, const char **why)
{
	(void)lineno;
	return feed_record(arg, o, why);
}

/* ---- text ---- */

/* At most this many changed tracked files in the end-of-run text. */
#define TEXT_MAX_SOURCES 10

static void text_sources(FILE *f, const struct report *r)
{
	size_t i, n = r->n_sources < TEXT_MAX_SOURCES ? r->n_sources : TEXT_MAX_SOURCES;

	for (i = 0; i < n; i++)
		fprintf(f, "buildwarden: tracked file changed: %s (%s by pid %u %s)\n",
			r->sources[i].path, r->sources[i].op, r->sources[i].pid,
			report_source_program(r, &r->sources[i]));
	if (r->n_sources > n || r->sources_other)
		fprintf(f, "buildwarden: ... and %zu more tracked files changed\n",
			r->n_sources - n + (size_t)r->sources_other);
}

static uint64_t still_running(const struct report *r)
{
	return r->processes > r->exits ? r->processes - r->exits : 0;
}

void report_write_text(FILE *f, struct report *r, bool tree, bool color)
{
	struct tree_opts t = {
		.width = 120, .max_lines = 400, .collapse_min = 4, .color = color,
		.fold_depth = 24, .fold_children = 12, .mark = tree_mark_of, .mark_arg = r,
	};
	uint64_t lost = report_lost(r);
	char head[256];
	size_t i;

	if (tree) {
		fputs("buildwarden: process tree\n", f);
		tree_print(f, &r->procs, &t);
	}
	fprintf(f, "buildwarden: %llu processes, %llu execs, %llu failed execs, "
		"%llu still running; lost events: %llu; ",
		(unsigned long long)r->processes, (unsigned long long)r->execs,
		(unsigned long long)report_exec_failed(r), (unsigned long long)still_running(r),
		(unsigned long long)lost);
	report_headline(r, head, sizeof(head));
	if (report_exit_known(r))
		fprintf(f, "%s, exit status %lld\n", report_status(r), (long long)r->exit_status);
	else if (r->have_summary)
		fprintf(f, "%s\n", head);
	else
		fputs("no summary record: the run did not finish\n", f);
	if (r->have_trace)
		fprintf(f, "buildwarden: trace %s%s: %llu spans, %llu sent, %llu failed, %llu dropped; "
			"%llu span events dropped over the caps\n", r->trace_id,
			r->trace_joined ? " (joined from TRACEPARENT)" : "",
			(unsigned long long)r->trace_spans, (unsigned long long)r->trace_sent,
			(unsigned long long)r->trace_failed, (unsigned long long)r->trace_dropped,
			(unsigned long long)r->trace_events_dropped);
	for (i = 0; i < r->n_rules; i++) {
		const struct report_rule *rr = &r->rules[i];

		fprintf(f, "buildwarden: rule '%s' (%s, %s): %llu hit%s, %llu blocked, "
			"%llu killed\n", rr->name, rr->severity, rr->rule_action,
			(unsigned long long)rr->hits, rr->hits == 1 ? "" : "s", (unsigned long long)rr->blocked,
			(unsigned long long)rr->killed);
	}
	text_sources(f, r);
	review_write_text(f, r);
	if (r->tamper)
		fprintf(f, "buildwarden: WARNING: %llu signal%s aimed at the agent (tamper "
			"records); the first: %s\n", (unsigned long long)r->tamper,
			r->tamper == 1 ? "" : "s", r->tamper_first);
	if (lost || r->seq_gaps || r->untracked || r->calls_dropped || r->malformed)
		fprintf(f, "buildwarden: WARNING: the trace is incomplete: %llu lost, "
			"%llu untracked, %llu syscalls dropped, %llu malformed, %llu records missing "
			"from the log\n",
			(unsigned long long)lost, (unsigned long long)r->untracked,
			(unsigned long long)r->calls_dropped, (unsigned long long)r->malformed,
			(unsigned long long)r->seq_gaps);
}

/* ---- the entry point ---- */

struct report_writer {
	int (*fn)(FILE *, const struct report *);
	const struct report *r;
};

static int call_writer(FILE *f, const void *arg)
{
	const struct report_writer *w = arg;

	return w->fn(f, w->r);
}

static int write_file(const char *path, bool append, int (*fn)(FILE *, const struct report *),
		      const struct report *r)
{
	struct report_writer w = { .fn = fn, .r = r };

	return safe_write_output(path, append, call_writer, &w);
}

/* What o asks for, from a finished report read from events_path. */
static int write_outputs(struct report *r, const char *events_path, const struct report_opts *o)
{
	int err = 0;

	if (o->tree_out) {
		report_write_text(o->tree_out, r, !o->no_tree, o->color);
		fflush(o->tree_out);
	}
	if (o->markdown_path)
		err = write_file(o->markdown_path, o->append, report_write_markdown, r);
	if (!err && o->json_path)
		err = write_file(o->json_path, false, report_write_json, r);
	r->ci.anchor = o->sarif_anchor;
	if (!err && o->sarif_path)
		err = write_file(o->sarif_path, false, report_write_sarif, r);
	if (!err && o->junit_path)
		err = write_file(o->junit_path, false, report_write_junit, r);
	if (!err && o->annotations_out)
		err = report_write_annotations(o->annotations_out, r);
	if (!err && o->html_path)
		err = report_write_html(o->html_path, events_path, r, is_marked);
	return err;
}

/*
 * Members of the agent's records that no part of the report reads: left
 * out of the parsed objects. An exec record's stdio and env are 20 of its
 * ~55 JSON values, and parsing was most of the report's cost. A reader
 * added for one of these keys must take it off this list.
 */
static const char *const report_unread[] = {
	"stdio", "env", "env_truncated", "old_tid", "gid", "egid",
	"filename_truncated", "exe_truncated", "cwd_truncated", NULL,
};

struct report_live {
	struct report r;
	char *path;             /* the stream: for messages, the HTML report, the suggestion */
	bool following;         /* read from path (report_live_poll); else fed by its writer */
	struct event_follow in; /* when following */
	size_t lines;           /* fed by the writer: the line number of the last */
	bool finished;
	int err; /* of reading or finishing: every render returns it */
};

int report_live_new(struct report_live **out, const char *events_path)
{
	struct report_live *l = calloc(1, sizeof(*l));
	int err = -ENOMEM;

	*out = NULL;
	if (!l || !(l->path = strdup(events_path)))
		goto fail;
	err = report_init(&l->r);
	if (err)
		goto fail;
	l->r.rd.fast.unread = report_unread;
	*out = l;
	return 0;
fail:
	bw_err("cannot read %s: %s", events_path, strerror(-err));
	if (l)
		free(l->path);
	free(l);
	return err;
}

/* A process, file or privilege line as the agent wrote it: fed without JSON. */
static int take_line(void *arg, const char *line, size_t len, const char **why)
{
	struct event_lineview lv;
	int err;

	if (!event_lineview(line, len, &lv))
		return 0;
	if (lv.v.hdr->type == BW_EV_FILE || lv.v.hdr->type == BW_EV_PRIV)
		err = hook_record(arg, lv.seq, lv.v.hdr->type, &lv.hook);
	else
		err = report_feed_view(arg, lv.seq, &lv.v);
	if (err == -ENOMEM)
		*why = strerror(ENOMEM);
	return err ? err : 1;
}

int report_live_open(struct report_live **out, const char *events_path)
{
	struct report_live *l;
	int err;

	*out = NULL;
	err = report_live_new(&l, events_path);
	if (err)
		return err;
	err = event_follow_open(&l->in, events_path);
	if (err) {
		report_live_free(l);
		return err;
	}
	l->in.rd.fast.unread = report_unread;
	l->in.take = take_line;
	l->following = true;
	*out = l;
	return 0;
}

int report_live_poll(struct report_live *l)
{
	if (!l->err && !l->finished && l->following)
		l->err = event_follow_read(&l->in, render_one, &l->r, false);
	return l->err;
}

/* A fed line's error, said as a read of the file would say it. */
static int fed(struct report_live *l, int err, const char *why)
{
	if (err) {
		event_read_error(l->path, l->lines, err, why);
		l->err = err;
	}
	return err;
}

int report_live_feed_line(struct report_live *l, const char *line, size_t len)
{
	const char *why = NULL;

	if (l->err || l->finished)
		return l->err;
	l->lines++;
	return fed(l, report_feed(&l->r, line, len, &why), why);
}

int report_live_feed_view(struct report_live *l, uint64_t seq, const struct bw_event_view *v)
{
	if (l->err || l->finished)
		return l->err;
	l->lines++;
	return fed(l, report_feed_view(&l->r, seq, v), NULL);
}

int report_live_feed_hook(struct report_live *l, uint64_t seq, const struct bw_event_view *v,
			  const struct bw_event_info *info)
{
	if (l->err || l->finished)
		return l->err;
	l->lines++;
	if (v->hdr->type != BW_EV_FILE && v->hdr->type != BW_EV_PRIV)
		return fed(l, -EINVAL, "not a file or privilege record");
	return fed(l, report_feed_hook(&l->r, seq, v, info), NULL);
}

/* The rest of the stream, read once its writer is done; then the whole run folded up. */
static int live_finish(struct report_live *l)
{
	const char *path = l->path;

	if (l->finished || l->err)
		return l->err;
	l->finished = true;
	if (l->following)
		l->err = event_follow_read(&l->in, render_one, &l->r, true);
	if (l->err)
		return l->err;
	/* The whole log is one run: its writes fold into prefixes now. */
	l->err = suggest_end_run(l->r.suggest, strncmp(path, "/proc/self/fd/", 14) ? path : NULL);
	if (!l->err)
		l->err = report_finish(&l->r);
	if (l->err)
		bw_err("cannot read %s: %s", path, strerror(-l->err));
	return l->err;
}

int report_live_render(struct report_live *l, const struct report_opts *o)
{
	return live_finish(l) ?: write_outputs(&l->r, l->path, o);
}

void report_live_free(struct report_live *l)
{
	if (!l)
		return;
	if (l->following)
		event_follow_close(&l->in);
	report_free(&l->r);
	free(l->path);
	free(l);
}

int report_render(const char *events_path, const struct report_opts *o)
{
	struct report_live *l;
	int err;

	err = report_live_open(&l, events_path);
	if (err)
		return err;
	err = report_live_render(l, o);
	report_live_free(l);
	return err;
}
