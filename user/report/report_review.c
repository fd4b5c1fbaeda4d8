// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a reviewer asks of a build, gathered from its records: the DNS names
 * it queried and which processes asked, which processes connected where,
 * the credential files it read, the files it wrote in the checkout, its
 * privilege syscalls; execs that failed, not counting PATH lookups; and
 * how much of the job the log holds (docs/REPORTS.md).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "report/report_internal.h"

/* The process a record is about, into a row's process list. */
static void add_proc_of(struct report *r, struct report_procs *ps, uint32_t pid,
			uint64_t start_ns, const char *comm)
{
	const struct bw_proc *p;

	if (!comm && (p = proctab_find(&r->procs, pid, start_ns)))
		comm = p->comm; /* a record without one: the program of its last exec */
	report_procs_add(ps, pid, start_ns, comm);
}

static void add_proc(struct report *r, struct report_procs *ps, struct json_object *o)
{
	add_proc_of(r, ps, (uint32_t)rj_u64_or(o, "pid", 0), rj_u64_or(o, "start_ns", 0),
		    rj_get_str(o, "comm"));
}

static void last_row(struct report *r, enum report_row_kind kind, size_t row)
{
	r->last_kind = kind;
	r->last_row = row;
}

static struct report_name *name_find(struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n_names; i++)
		if (!strcmp(r->names[i].name, name))
			return &r->names[i];
	return NULL;
}

int review_connect(struct report *r, struct json_object *o, struct report_dest *d)
{
	const char *name = rj_get_str(o, "dns_name"), *over = rj_get_str(o, "dns_over");
	struct report_name *n;

	if (name && over && (n = name_find(r, name)) && !n->dns_over) {
		n->dns_over = strdup(over);
		if (!n->dns_over)
			return -ENOMEM;
	}
	if (!d)
		return 0;
	add_proc(r, &d->procs, o);
	last_row(r, ROW_DEST, (size_t)(d - r->dests));
	return 0;
}

int review_dns(struct report *r, struct json_object *o)
{
	const char *qname = rj_get_str(o, "qname"), *dir = rj_get_str(o, "direction");
	const char *resolver = rj_get_str(o, "resolver");
	struct report_name *n;
	int added;

	if (!qname || !dir || strcmp(dir, "query"))
		return 0;
	added = report_table_get(&r->names, &r->n_names, REPORT_MAX_NAMES, sizeof(*n),
				 &r->names_other, offsetof(struct report_name, name), qname,
				 (void **)&n);
	if (added <= 0)
		return added;
	n->queries++;
	if (resolver && !strcmp(resolver, "configured"))
		n->configured++;
	else if (resolver)
		n->other++;
	add_proc(r, &n->procs, o);
	last_row(r, ROW_NAME, (size_t)(n - r->names));
	return 0;
}

/* /proc/PID/... of the reader itself (or /proc/self): its own, not a secret. */
static bool own_proc_file(const char *path, const struct event_hookline *in)
{
	if (!strncmp(path, "/proc/self/", 11) || !strncmp(path, "/proc/thread-self/", 18))
		return true;
	return in->has_target && in->target_pid == in->pid;
}

static int secret_read(struct report *r, const struct event_hookline *in, const char *path)
{
	struct report_secret *s = NULL;
	int added;

	if (own_proc_file(path, in))
		return 0;
	added = report_table_get(&r->secrets, &r->n_secrets, REPORT_MAX_SECRETS, sizeof(*s),
				 &r->secrets_other, offsetof(struct report_secret, path), path,
				 (void **)&s);
	if (added <= 0)
		return added;
	s->reads++;
	s->refused += in->result < 0;
	add_proc_of(r, &s->procs, in->pid, in->start_ns, in->comm);
	last_row(r, ROW_SECRET, (size_t)(s - r->secrets));
	return 0;
}

/* Path components: "/a/b/c" and "/a/b/c/" have 3; "/" has 0. */
static size_t depth(const char *path)
{
	size_t n = 0;

	for (const char *p = path; *p; p++)
		n += *p == '/' && p[1] && p[1] != '/';
	return n;
}

/* A directory row holds path when it is a prefix of it. */
static bool under_dir(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return n && dir[n - 1] == '/' && !strncmp(dir, path, n);
}

static void merge_procs(struct report_procs *into, const struct report_procs *from)
{
	for (uint32_t i = 0; i < from->n; i++)
		report_procs_add(into, from->v[i].pid, from->v[i].start_ns, from->v[i].comm);
	into->other += from->other;
}

static int cmp_write(const void *pa, const void *pb)
{
	const struct report_write *a = pa, *b = pb;

	return strcmp(a->path, b->path);
}

/*
 * Rows equal to another, or under a directory row, join it. Sorted, a
 * directory's rows follow it in one block.
 */
static void writes_merge_all(struct report *r)
{
	struct report_write *w = r->writes;
	size_t i, out = 0;

	if (!r->n_writes)
		return;
	qsort(w, r->n_writes, sizeof(*w), cmp_write);
	for (i = 0; i < r->n_writes; i++) {
		if (out && (!strcmp(w[out - 1].path, w[i].path) ||
			    under_dir(w[out - 1].path, w[i].path))) {
			w[out - 1].writes += w[i].writes;
			merge_procs(&w[out - 1].procs, &w[i].procs);
			free(w[i].path);
			continue;
		}
		w[out++] = w[i];
	}
	r->n_writes = out;
}

/* The deepest rows become their directories, until at most max rows remain. */
static void writes_fold(struct report *r, size_t max)
{
	size_t i, deepest;
	char *slash;

	while (r->n_writes > max) {
		deepest = 0;
		for (i = 0; i < r->n_writes; i++)
			if (depth(r->writes[i].path) > deepest)
				deepest = depth(r->writes[i].path);
		if (!deepest)
			return; /* everything is "/" already */
		for (i = 0; i < r->n_writes; i++) {
			char *p = r->writes[i].path;
			size_t n = strlen(p);

			if (depth(p) != deepest)
				continue;
			if (n > 1 && p[n - 1] == '/')
				p[n - 1] = '\0';
			slash = strrchr(p, '/');
			if (slash)
				slash[1] = '\0';
		}
		writes_merge_all(r);
	}
}

static int file_written(struct report *r, const struct event_hookline *in, const char *path)
{
	struct report_write *w;
	size_t i;

	for (i = 0; i < r->n_writes; i++) {
		w = &r->writes[i];
		if (!strcmp(w->path, path) || under_dir(w->path, path))
			goto found;
	}
	if (r->n_writes == REPORT_MAX_WRITES) {
		writes_fold(r, REPORT_MAX_WRITES / 2);
		return file_written(r, in, path);
	}
	if (!r->writes && !(r->writes = calloc(REPORT_MAX_WRITES, sizeof(*r->writes))))
		return -ENOMEM;
	w = &r->writes[r->n_writes];
	memset(w, 0, sizeof(*w));
	w->path = strdup(path);
	if (!w->path)
		return -ENOMEM;
	r->n_writes++;
found:
	w->writes++;
	add_proc_of(r, &w->procs, in->pid, in->start_ns, in->comm);
	return 0;
}

void review_hook_read(struct json_object *o, struct event_hookline *in)
{
	struct json_object *args = rj_field(o, "args");
	size_t i, n;

	memset(in, 0, sizeof(*in));
	in->op = rj_get_str(o, "op");
	in->path = rj_get_str(o, "path");
	in->path2 = rj_get_str(o, "path2");
	in->string = rj_get_str(o, "string");
	in->comm = rj_get_str(o, "comm");
	in->pid = (uint32_t)rj_u64_or(o, "pid", 0);
	in->start_ns = rj_u64_or(o, "start_ns", 0);
	rj_get_i64(o, "result", &in->result);
	in->tracked = rj_get_bool(o, "tracked");
	in->has_target = rj_get_u64(o, "target_pid", &in->target_pid);
	in->has_target_in_job = rj_field(o, "target_in_job") != NULL;
	in->target_in_job = rj_get_bool(o, "target_in_job");
	if (!args || !json_object_is_type(args, json_type_array))
		return;
	in->has_args = true;
	n = json_object_array_length(args);
	for (i = 0; i < n && i < EVENT_HOOK_ARGS; i++)
		in->args[in->n_args++] = json_object_get_int64(json_object_array_get_idx(args, i));
}

int review_file(struct report *r, const struct event_hookline *in)
{
	const char *op = in->op, *path = in->path, *path2 = in->path2;

	if (!op || !path)
		return 0;
	if (!strcmp(op, "open-read"))
		return secret_read(r, in, path);
	if (in->result < 0 || path[0] != '/')
		return 0;
	if (!strcmp(op, "open-write"))
		return file_written(r, in, path);
	if (!strcmp(op, "rename") && path2 && path2[0] == '/')
		return file_written(r, in, path2);
	return 0;
}

/* What the privilege record is about, in a few words. */
static void priv_detail(const struct event_hookline *in, const char *op, char *buf, size_t size)
{
	size_t i, n, pos;

	buf[0] = '\0';
	if (in->string) {
		snprintf(buf, size, "%s", in->string);
	} else if (in->has_target) {
		snprintf(buf, size, "pid %llu%s", (unsigned long long)in->target_pid,
			 in->has_target_in_job && !in->target_in_job ? ", outside the job" : "");
	} else if ((!strcmp(op, "setuid") || !strcmp(op, "setgid") || !strcmp(op, "bpf")) &&
		   in->has_args) {
		n = in->n_args;
		if (!strcmp(op, "bpf") && n > 1)
			n = 1; /* the command; the rest are pointers */
		pos = (size_t)snprintf(buf, size, "%s", strcmp(op, "bpf") ? "ids" : "cmd");
		for (i = 0; i < n && pos < size; i++)
			pos += (size_t)snprintf(buf + pos, size - pos, " %lld", (long long)in->args[i]);
	}
}

int review_privilege(struct report *r, const struct event_hookline *in)
{
	const char *op = in->op ?: "?";
	struct report_priv *p = NULL;
	char detail[160];
	size_t i;
	int added;

	priv_detail(in, op, detail, sizeof(detail));
	for (i = 0; i < r->n_privs && !p; i++)
		if (!strcmp(r->privs[i].op, op) && !strcmp(r->privs[i].detail, detail))
			p = &r->privs[i];
	if (!p) {
		added = report_table_add(&r->privs, &r->n_privs, REPORT_MAX_PRIVS, sizeof(*p),
					 &r->privs_other, (void **)&p);
		if (added <= 0)
			return added;
		p->op = strdup(op);
		p->detail = strdup(detail);
		if (!p->op || !p->detail) {
			free(p->op);
			free(p->detail);
			r->n_privs--;
			return -ENOMEM;
		}
	}
	p->count++;
	add_proc_of(r, &p->procs, in->pid, in->start_ns, in->comm);
	last_row(r, ROW_PRIV, (size_t)(p - r->privs));
	return 0;
}

/* A verdict on the record just before it flags that record's row. */
void review_verdict(struct report *r, struct json_object *o, const char *rule)
{
	const char *on = rj_get_str(o, "on");
	const char **slot = NULL;

	if (!on)
		return;
	if (r->last_kind == ROW_DEST && !strcmp(on, "connect"))
		slot = &r->dests[r->last_row].rule;
	else if (r->last_kind == ROW_NAME && !strcmp(on, "dns"))
		slot = &r->names[r->last_row].rule;
	else if (r->last_kind == ROW_SECRET && !strcmp(on, "file"))
		slot = &r->secrets[r->last_row].rule;
	else if (r->last_kind == ROW_PRIV && !strcmp(on, "privilege"))
		slot = &r->privs[r->last_row].rule;
	if (slot && !*slot)
		*slot = rule;
}

/* ---- failed execs and PATH lookups ---- */

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* A search ends: its slot is free again. */
static void search_end(struct report *r, struct report_search *s)
{
	if (s->used)
		r->n_searches--;
	s->used = false;
}

static struct report_search *search_find(struct report *r, uint32_t pid, uint64_t start_ns)
{
	/* Every exec and exit asks; a PATH search is rarely under way. */
	if (!r->n_searches)
		return NULL;
	for (size_t i = 0; i < REPORT_MAX_SEARCHES; i++)
		if (r->searches[i].used && r->searches[i].pid == pid &&
		    r->searches[i].start_ns == start_ns)
			return &r->searches[i];
	return NULL;
}

/* The search found nothing: one failed exec, the other tries lookups. */
static void search_failed(struct report *r, struct report_search *s)
{
	r->exec_failed++;
	r->exec_path_misses += s->misses - 1;
	search_end(r, s);
}

static struct report_search *search_new(struct report *r)
{
	size_t i;

	for (i = 0; i < REPORT_MAX_SEARCHES; i++)
		if (!r->searches[i].used)
			return &r->searches[i];
	search_failed(r, &r->searches[0]); /* too many at once: the oldest slot gives up */
	return &r->searches[0];
}

/* An error execvp and shells move on to the next PATH entry after. */
static bool lookup_errno(const char *name)
{
	return name && (!strcmp(name, "ENOENT") || !strcmp(name, "EACCES") ||
			!strcmp(name, "ENOTDIR"));
}

void review_exec_failed(struct report *r, uint32_t pid, uint64_t start_ns, const char *file,
			const char *errno_name, bool denied)
{
	struct report_search *s = search_find(r, pid, start_ns);
	const char *base;

	if (!lookup_errno(errno_name) || !file || !strchr(file, '/') || !*(base = base_of(file)) ||
	    strlen(base) >= sizeof(s->base) || denied) {
		if (s)
			search_failed(r, s);
		r->exec_failed++;
		return;
	}
	if (s && !strcmp(s->base, base)) {
		s->misses++;
		return;
	}
	if (s)
		search_failed(r, s);
	else
		s = search_new(r);
	r->n_searches++; /* s is free: a new search, or the old one failed above */
	s->used = true;
	s->pid = pid;
	s->start_ns = start_ns;
	s->misses = 1;
	snprintf(s->base, sizeof(s->base), "%s", base);
}

static void root_exec(struct report *r, const struct review_exec_in *in)
{
	argv_free(&r->root_argv);
	free(r->root_cwd);
	r->root_pid = in->pid;
	r->root_start_ns = in->start_ns;
	r->root_exited = false;
	r->root_cwd = rj_dup_or_null(in->cwd);
	/* Out of memory: no command, as if the log had no root exec. */
	argv_split(in->args, in->args_len, &r->root_argv);
}

void review_exec(struct report *r, const struct review_exec_in *in)
{
	const char *file = in->filename;
	uint32_t pid = in->pid;
	uint64_t start_ns = in->start_ns;
	struct report_search *s = search_find(r, pid, start_ns);

	if (s && file && !strcmp(base_of(file), s->base)) {
		r->exec_path_misses += s->misses;
		search_end(r, s);
	} else if (s) {
		search_failed(r, s);
	}
	/* The root: the daemon marks it; otherwise the log's first record, an exec. */
	if (in->job_root || r->root_next)
		root_exec(r, in);
	r->root_next = false;
}

void review_exit(struct report *r, uint32_t pid, uint64_t start_ns)
{
	struct report_search *s = search_find(r, pid, start_ns);

	if (s)
		search_failed(r, s);
	if (r->root_argv.v && pid == r->root_pid && start_ns == r->root_start_ns)
		r->root_exited = true;
}

uint64_t report_exec_failed(const struct report *r)
{
	uint64_t n = r->exec_failed;

	for (size_t i = 0; i < REPORT_MAX_SEARCHES; i++)
		n += r->searches[i].used;
	return n;
}

uint64_t report_exec_path_misses(const struct report *r)
{
	uint64_t n = r->exec_path_misses;

	for (size_t i = 0; i < REPORT_MAX_SEARCHES; i++)
		if (r->searches[i].used)
			n += r->searches[i].misses - 1;
	return n;
}

/* ---- where the log starts and ends ---- */

static bool proc_record(const char *type)
{
	static const char *const types[] = { "fork", "exec", "exec_failed", "exit", "connect",
					     "dns", "file", "privilege" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i]))
			return true;
	return false;
}

void review_record(struct report *r, const char *type, uint64_t seq, bool has_seq)
{
	if (strcmp(type, "verdict"))
		r->last_kind = ROW_NONE;
	if (has_seq && !r->first_seq) {
		r->first_seq = seq;
		r->cut_start |= seq > 1;
	}
	if (!proc_record(type))
		return;
	/* The job's first record about a process is its root's exec. */
	if (!r->saw_proc_record) {
		if (strcmp(type, "exec"))
			r->cut_start = true;
		else
			r->root_next = !r->cut_start;
	}
	r->saw_proc_record = true;
}

int review_summary(struct report *r, struct json_object *o)
{
	const char *checkout = rj_get_str(o, "checkout"), *scope = rj_get_str(o, "scope");

	/* Present, even as null: the writer says how the root ended, or that it did not. */
	r->have_build_fields = json_object_object_get_ex(o, "build_exit_code", NULL) ||
			       json_object_object_get_ex(o, "build_signal", NULL);
	/* run --scope host: host processes' records may come before the root's exec. */
	if (scope && !strcmp(scope, "host"))
		r->cut_start = r->first_seq > 1;
	free(r->checkout);
	r->checkout = rj_dup_or_null(checkout);
	return checkout && !r->checkout ? -ENOMEM : 0;
}

void review_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->n_names; i++) {
		free(r->names[i].name);
		free(r->names[i].dns_over);
	}
	free(r->names);
	for (i = 0; i < r->n_secrets; i++)
		free(r->secrets[i].path);
	free(r->secrets);
	for (i = 0; i < r->n_privs; i++) {
		free(r->privs[i].op);
		free(r->privs[i].detail);
	}
	free(r->privs);
	for (i = 0; i < r->n_writes; i++)
		free(r->writes[i].path);
	free(r->writes);
	argv_free(&r->root_argv);
	free(r->root_cwd);
	free(r->checkout);
	free(r->written_base);
}

/* ---- order: what a reviewer looks at first ---- */

/* a before b when a has it and b has not: -1; 0 when both or neither. */
static int first_if(bool a, bool b)
{
	return (int)b - (int)a;
}

static int more_first(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b;
}

static int cmp_name(const void *pa, const void *pb)
{
	const struct report_name *a = pa, *b = pb;

	return first_if(a->rule, b->rule) ?: first_if(a->dns_over, b->dns_over)
		?: first_if(a->other, b->other) ?: more_first(a->queries, b->queries)
		?: strcmp(a->name, b->name);
}

/* A bare address: no name resolved it, and it is no DNS server's port. */
static bool unnamed(const struct report_dest *d)
{
	return !d->dns_name && d->dport != 53;
}

static int cmp_dest(const void *pa, const void *pb)
{
	const struct report_dest *a = pa, *b = pb;

	return first_if(a->rule, b->rule) ?: first_if(a->dns_over, b->dns_over)
		?: first_if(unnamed(a), unnamed(b)) ?: more_first(a->count, b->count)
		?: strcmp(a->daddr, b->daddr) ?: (a->dport > b->dport) - (a->dport < b->dport);
}

static int cmp_secret(const void *pa, const void *pb)
{
	const struct report_secret *a = pa, *b = pb;

	return first_if(a->rule, b->rule) ?: first_if(a->reads > a->refused, b->reads > b->refused)
		?: more_first(a->reads, b->reads) ?: strcmp(a->path, b->path);
}

/* Loading code into the kernel first; a memfd is the least telling. */
static int priv_rank(const char *op)
{
	static const char *const order[] = { "module", "bpf", "mount", "ptrace", "process-vm",
					     "signal-agent", "setuid", "setgid", "memfd" };
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (!strcmp(op, order[i]))
			break;
	return (int)i;
}

static int cmp_priv(const void *pa, const void *pb)
{
	const struct report_priv *a = pa, *b = pb;

	return first_if(a->rule, b->rule) ?: priv_rank(a->op) - priv_rank(b->op)
		?: more_first(a->count, b->count) ?: strcmp(a->op, b->op)
		?: strcmp(a->detail, b->detail);
}

/* path is base or below it, or a folded directory above base. */
static bool in_base(const char *path, const char *base)
{
	size_t n = strlen(base);

	while (n > 1 && base[n - 1] == '/')
		n--;
	if (!strncmp(path, base, n) && (path[n] == '/' || !path[n]))
		return true;
	return under_dir(path, base);
}

/* Only the writes under the checkout (or the root's cwd) are listed. */
static void writes_in_base(struct report *r)
{
	size_t i = 0;

	free(r->written_base);
	r->written_base = rj_dup_or_null(r->checkout ?: r->root_cwd);
	if (!r->written_base)
		return;
	while (i < r->n_writes) {
		if (in_base(r->writes[i].path, r->written_base)) {
			i++;
			continue;
		}
		r->writes_outside += r->writes[i].writes;
		free(r->writes[i].path);
		r->writes[i] = r->writes[--r->n_writes];
	}
}

int report_finish(struct report *r)
{
	if (r->n_names)
		qsort(r->names, r->n_names, sizeof(*r->names), cmp_name);
	if (r->n_dests)
		qsort(r->dests, r->n_dests, sizeof(*r->dests), cmp_dest);
	if (r->n_secrets)
		qsort(r->secrets, r->n_secrets, sizeof(*r->secrets), cmp_secret);
	if (r->n_privs)
		qsort(r->privs, r->n_privs, sizeof(*r->privs), cmp_priv);
	writes_in_base(r);
	writes_fold(r, REPORT_WRITES_SHOWN);
	writes_merge_all(r); /* sorted by path */
	r->last_kind = ROW_NONE;
	return (r->checkout || r->root_cwd) && !r->written_base ? -ENOMEM : 0;
}
