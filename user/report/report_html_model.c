// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the HTML report draws, read in a second pass over the event log:
 * processes with their parents, times and exits, connections per process
 * and destination, verdict times. The first processes seen are kept, and
 * past that cap the flagged ones and their ancestors (the first pass marked
 * them), so a 100,000-process log still shows what matters; everything
 * else is counted, never dropped silently.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/redact.h"
#include "lib/utf8.h"
#include "report/report_html.h"

/* ---- json-c accessors: absent and mistyped read as absent ---- */

static struct json_object *field(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static bool get_u64(struct json_object *o, const char *k, uint64_t *out)
{
	struct json_object *v = field(o, k);

	if (!v || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

static const char *get_str(struct json_object *o, const char *k)
{
	struct json_object *v = field(o, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* ---- the index ---- */

static int index_init(struct html_index *x, size_t entries)
{
	size_t cap = 16, i;

	while (cap < 2 * entries)
		cap *= 2;
	x->keys_a = calloc(cap, sizeof(*x->keys_a));
	x->keys_b = calloc(cap, sizeof(*x->keys_b));
	x->vals = malloc(cap * sizeof(*x->vals));
	if (!x->keys_a || !x->keys_b || !x->vals)
		return -ENOMEM;
	for (i = 0; i < cap; i++)
		x->vals[i] = -1;
	x->cap = cap;
	return 0;
}

static void index_free(struct html_index *x)
{
	free(x->keys_a);
	free(x->keys_b);
	free(x->vals);
}

/* The slot of (a, b): its value, or -1 where it would go. */
static size_t index_slot(const struct html_index *x, uint64_t a, uint64_t b)
{
	size_t i = (size_t)hash_proc((uint32_t)a ^ (uint32_t)(a >> 32), b) & (x->cap - 1);

	while (x->vals[i] >= 0 && (x->keys_a[i] != a || x->keys_b[i] != b))
		i = (i + 1) & (x->cap - 1);
	return i;
}

static int index_find(const struct html_index *x, uint64_t a, uint64_t b)
{
	return x->vals[index_slot(x, a, b)];
}

/* The caller never adds more than the entries index_init was sized for. */
static void index_add(struct html_index *x, uint64_t a, uint64_t b, int val)
{
	size_t i = index_slot(x, a, b);

	x->keys_a[i] = a;
	x->keys_b[i] = b;
	x->vals[i] = val;
}

/* ---- processes ---- */

/* The process's index, adding it while the caps allow; -1 past them. */
static int proc_get(struct html_model *m, const struct report *r, uint32_t pid, uint64_t start_ns)
{
	int i = index_find(&m->proc_idx, pid, start_ns);
	struct html_proc *p;

	if (i >= 0)
		return i;
	if (m->n_procs >= HTML_MAX_PROCS) {
		if (m->n_flagged >= HTML_MAX_FLAGGED || !m->marked(r, pid, start_ns))
			return -1; /* counted by the first pass */
		m->n_flagged++;
	}
	i = m->n_procs++;
	p = &m->procs[i];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->start_ns = start_ns;
	p->parent = -1;
	p->exit_code = -1;
	p->signal = -1;
	index_add(&m->proc_idx, pid, start_ns, i);
	return i;
}

/*
 * The record's process: added for the records the first pass counts a
 * process by, only looked up for the others (a tamper record's pid is the
 * sender's, which may be no process of the job).
 */
static int proc_of(struct html_model *m, const struct report *r, struct json_object *o,
		   bool add)
{
	uint64_t pid, start_ns;

	if (!get_u64(o, "pid", &pid) || !get_u64(o, "start_ns", &start_ns))
		return -1;
	if (!add)
		return index_find(&m->proc_idx, pid, start_ns);
	return proc_get(m, r, (uint32_t)pid, start_ns);
}

static void set_parent(struct html_model *m, const struct report *r, int i, struct json_object *o,
		       const char *pid_key)
{
	uint64_t ppid, pstart;
	int pi;

	if (m->procs[i].parent >= 0 || !get_u64(o, pid_key, &ppid) ||
	    !get_u64(o, "parent_start_ns", &pstart))
		return;
	m->procs[i].ppid = (uint32_t)ppid;
	pi = index_find(&m->proc_idx, ppid, pstart);
	if (pi >= 0 && pi != i)
		m->procs[i].parent = pi;
}

/* argv joined by spaces, each element masked, cut on a UTF-8 boundary. */
static char *command_line(struct html_model *m, struct json_object *argv)
{
	size_t n, i, pos = 0, l;
	const char *prev = NULL, *a;
	char *buf = m->argbuf;

	if (!argv || !json_object_is_type(argv, json_type_array))
		return strdup("");
	n = json_object_array_length(argv);
	for (i = 0; i < n && pos < HTML_CMD_MAX; i++) {
		struct json_object *e = json_object_array_get_idx(argv, i);

		a = json_object_get_string(e);
		l = (size_t)json_object_get_string_len(e);
		if (i)
			buf[pos++] = ' ';
		pos += redact_copy(a ? a : "", l, prev, buf + pos, m->argcap - pos);
		if (pos >= m->argcap)
			pos = m->argcap - 1;
		prev = a;
	}
	buf[pos] = '\0';
	if (pos > HTML_CMD_MAX) {
		pos = utf8_cut(buf, HTML_CMD_MAX - 3);
		strcpy(buf + pos, "...");
	}
	return strdup(buf);
}

static int on_exec(struct html_model *m, const struct report *r, int i, struct json_object *o)
{
	struct html_proc *p = &m->procs[i];
	const char *comm = get_str(o, "comm");

	set_parent(m, r, i, o, "ppid");
	if (comm)
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	free(p->cmd);
	p->cmd = command_line(m, field(o, "argv"));
	return p->cmd ? 0 : -ENOMEM;
}

static void on_exit_record(struct html_model *m, int i, struct json_object *o)
{
	struct html_proc *p = &m->procs[i];
	uint64_t v;

	if (!get_u64(o, "ktime_ns", &p->end_ns) || !p->end_ns)
		p->end_ns = m->t_last ? m->t_last : 1;
	if (get_u64(o, "exit_code", &v))
		p->exit_code = (int64_t)v;
	if (get_u64(o, "signal", &v))
		p->signal = (int64_t)v;
}

static bool is_kill(const char *action)
{
	return !strcmp(action, "kill-process") || !strcmp(action, "kill-job") ||
	       !strcmp(action, "deny");
}

/* The rule's name as the first pass keeps it, so the model owns no copy. */
static const char *rule_name(const struct report *r, const char *name)
{
	for (size_t k = 0; k < r->n_rules; k++)
		if (!strcmp(r->rules[k].name, name))
			return r->rules[k].name;
	return "(unnamed)";
}

static void on_verdict(struct html_model *m, const struct report *r, int i, struct json_object *o)
{
	struct html_proc *p = &m->procs[i];
	const char *rule = rule_name(r, get_str(o, "rule") ?: "(unnamed)");
	const char *action = get_str(o, "action") ?: "";
	struct json_object *blocked = field(o, "blocked");

	if (!p->rule)
		p->rule = rule;
	if (!p->ended && blocked && json_object_get_boolean(blocked))
		p->ended = "blocked";
	else if (!p->ended && is_kill(action) && !field(o, "kill_error"))
		p->ended = "killed";
	if (m->n_marks >= HTML_MAX_MARKS) {
		m->marks_omitted++;
		return;
	}
	m->marks[m->n_marks++] = (struct html_mark){ .proc = i, .t_ns = m->t_last, .rule = rule };
}

/* ---- connections ---- */

static int dest_get(struct html_model *m, struct json_object *o)
{
	const char *addr = get_str(o, "address") ?: get_str(o, "daddr") ?: "?";
	const char *name = get_str(o, "dns_name"), *proto = get_str(o, "proto");
	uint64_t port = 0;
	char *label;
	int i;

	if (!get_u64(o, "port", &port))
		get_u64(o, "dport", &port);
	if (name ? asprintf(&label, "%s:%llu (%s)", name, (unsigned long long)port, addr) < 0 :
		   asprintf(&label, "%s%s%s:%llu", strchr(addr, ':') ? "[" : "", addr,
			    strchr(addr, ':') ? "]" : "", (unsigned long long)port) < 0)
		return -ENOMEM;
	for (i = 0; i < m->n_dests; i++) {
		if (!strcmp(m->dests[i].label, label) &&
		    !strcmp(m->dests[i].proto, proto ? proto : "")) {
			free(label);
			return i;
		}
	}
	if (m->n_dests >= HTML_MAX_DESTS) {
		free(label);
		return INT_MAX;
	}
	m->dests[i].label = label;
	m->dests[i].proto = strdup(proto ? proto : "");
	if (!m->dests[i].proto) {
		free(label);
		return -ENOMEM;
	}
	m->n_dests++;
	return i;
}

static int on_connect(struct html_model *m, int proc, struct json_object *o)
{
	int d = proc < 0 ? INT_MAX : dest_get(m, o), e;

	if (d < 0)
		return d;
	if (d == INT_MAX) {
		m->connects_omitted++;
		return 0;
	}
	m->dests[d].count++;
	e = index_find(&m->edge_idx, (uint64_t)proc, (uint64_t)d);
	if (e < 0) {
		if (m->n_edges >= HTML_MAX_EDGES) {
			m->connects_omitted++;
			return 0;
		}
		e = m->n_edges++;
		m->edges[e] = (struct html_edge){ .proc = proc, .dest = d };
		index_add(&m->edge_idx, (uint64_t)proc, (uint64_t)d, e);
	}
	m->edges[e].count++;
	return 0;
}

/* ---- the pass ---- */

static void note_time(struct html_model *m, struct json_object *o)
{
	const char *t = get_str(o, "time");
	uint64_t k;

	if (get_u64(o, "ktime_ns", &k) && k) {
		if (!m->t_first || k < m->t_first)
			m->t_first = k;
		if (k > m->t_last)
			m->t_last = k;
	}
	if (t) {
		if (!m->time_first[0])
			snprintf(m->time_first, sizeof(m->time_first), "%s", t);
		snprintf(m->time_last, sizeof(m->time_last), "%s", t);
	}
}

static int feed(struct html_model *m, const struct report *r, struct json_object *o)
{
	const char *type = get_str(o, "type");
	uint64_t pid, pstart;
	int i;

	if (!type)
		return 0;
	note_time(m, o);
	/* A fork names the parent first, so parents take their place first. */
	if (!strcmp(type, "fork") && get_u64(o, "parent_pid", &pid) &&
	    get_u64(o, "parent_start_ns", &pstart))
		proc_get(m, r, (uint32_t)pid, pstart);
	i = proc_of(m, r, o, !strcmp(type, "fork") || !strcmp(type, "exec") ||
		    !strcmp(type, "exec_failed") || !strcmp(type, "exit") ||
		    !strcmp(type, "verdict"));
	if (!strcmp(type, "connect"))
		return on_connect(m, i, o);
	if (i < 0)
		return 0;
	if (!strcmp(type, "fork"))
		set_parent(m, r, i, o, "parent_pid");
	else if (!strcmp(type, "exec"))
		return on_exec(m, r, i, o);
	else if (!strcmp(type, "exec_failed"))
		m->procs[i].failed_execs++;
	else if (!strcmp(type, "exit"))
		on_exit_record(m, i, o);
	else if (!strcmp(type, "verdict"))
		on_verdict(m, r, i, o);
	return 0;
}

static int model_alloc(struct html_model *m)
{
	memset(m, 0, sizeof(*m));
	m->procs = calloc(HTML_MAX_PROCS + HTML_MAX_FLAGGED, sizeof(*m->procs));
	m->edges = calloc(HTML_MAX_EDGES, sizeof(*m->edges));
	m->marks = calloc(HTML_MAX_MARKS, sizeof(*m->marks));
	m->argcap = HTML_CMD_MAX * 2 + 8;
	m->argbuf = malloc(m->argcap);
	m->tok = json_tokener_new();
	if (!m->procs || !m->edges || !m->marks || !m->argbuf || !m->tok ||
	    index_init(&m->edge_idx, HTML_MAX_EDGES))
		return -ENOMEM;
	return index_init(&m->proc_idx, HTML_MAX_PROCS + HTML_MAX_FLAGGED);
}

int html_model_build(struct html_model *m, const char *events_path, const struct report *r,
		     html_marked_fn marked)
{
	struct json_object *o;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *in;
	int err;

	err = model_alloc(m);
	if (err) {
		bw_err("HTML report: %s", strerror(-err));
		return err;
	}
	m->marked = marked;
	in = fopen(events_path, "r");
	if (!in) {
		err = -errno;
		bw_err("HTML report: cannot open %s: %s", events_path, strerror(errno));
		return err;
	}
	while (!err && (len = getline(&line, &cap, in)) >= 0) {
		if (len > INT_MAX)
			continue;
		json_tokener_reset(m->tok);
		o = json_tokener_parse_ex(m->tok, line, (int)len);
		if (!o)
			continue; /* the first pass judged the log; blank lines land here */
		if (json_object_is_type(o, json_type_object))
			err = feed(m, r, o);
		json_object_put(o);
	}
	if (!err && ferror(in))
		err = -EIO;
	if (err)
		bw_err("HTML report: cannot read %s: %s", events_path, strerror(-err));
	free(line);
	fclose(in);
	return err;
}

void html_model_free(struct html_model *m)
{
	int i;

	for (i = 0; m->procs && i < m->n_procs; i++)
		free(m->procs[i].cmd);
	for (i = 0; i < m->n_dests; i++) {
		free(m->dests[i].label);
		free(m->dests[i].proto);
	}
	free(m->procs);
	free(m->edges);
	free(m->marks);
	free(m->argbuf);
	if (m->tok)
		json_tokener_free(m->tok);
	index_free(&m->proc_idx);
	index_free(&m->edge_idx);
	memset(m, 0, sizeof(*m));
}
