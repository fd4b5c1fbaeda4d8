// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "events/proctab.h"
#include "lib/hash.h"
#include "lib/refstr.h"

static size_t hash_key(uint32_t pid, uint64_t start_ns, size_t n_buckets)
{
	return (size_t)hash_proc(pid, start_ns) & (n_buckets - 1);
}

int proctab_init(struct bw_proctab *t)
{
	memset(t, 0, sizeof(*t));
	t->n_buckets = 1024;
	t->max_exited = PROCTAB_DEFAULT_EXITED;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	return t->buckets ? 0 : -ENOMEM;
}

static void proc_free(struct bw_proc *p)
{
	refstr_put(p->filename);
	refstr_put(p->origin);
	refstr_put(p->exe);
	refstr_put(p->cwd);
	refstr_put(p->container);
	refstr_put(p->stdout_file);
	refstr_put(p->stdin_file);
	argv_free(&p->argv);
	argv_free(&p->env);
	free(p->late_fired);
	free(p);
}

void proctab_free(struct bw_proctab *t)
{
	struct bw_proc *p, *next;
	size_t i;

	for (i = 0; t->buckets && i < t->n_buckets; i++) {
		for (p = t->buckets[i]; p; p = next) {
			next = p->hnext;
			proc_free(p);
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

struct bw_proc *proctab_find(const struct bw_proctab *t, uint32_t pid, uint64_t start_ns)
{
	struct bw_proc *p = t->buckets[hash_key(pid, start_ns, t->n_buckets)];

	for (; p; p = p->hnext)
		if (p->pid == pid && p->start_ns == start_ns)
			return p;
	return NULL;
}

struct bw_proc *proctab_find_live_pid(const struct bw_proctab *t, uint32_t pid, uint64_t at_ns)
{
	struct bw_proc *p;
	size_t i;

	/* By pid alone the hash cannot help: rare callers (file and signal targets) scan. */
	for (i = 0; i < t->n_buckets; i++)
		for (p = t->buckets[i]; p; p = p->hnext)
			if (p->pid == pid && (!p->exited || p->exit_ns >= at_ns))
				return p;
	return NULL;
}

static void grow(struct bw_proctab *t)
{
	size_t n = t->n_buckets * 2, i, h;
	struct bw_proc **b = calloc(n, sizeof(*b));
	struct bw_proc *p, *next;

	if (!b)
		return; /* keep the longer chains; still correct */
	for (i = 0; i < t->n_buckets; i++) {
		for (p = t->buckets[i]; p; p = next) {
			next = p->hnext;
			h = hash_key(p->pid, p->start_ns, n);
			p->hnext = b[h];
			b[h] = p;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = n;
}

struct bw_proc *proctab_get(struct bw_proctab *t, uint32_t pid, uint64_t start_ns)
{
	struct bw_proc *p = proctab_find(t, pid, start_ns);
	size_t h;

	if (p)
		return p;
	/* malloc, not calloc: glibc's calloc skips the thread cache, and this runs per fork. */
	p = malloc(sizeof(*p));
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->start_ns = start_ns;
	h = hash_key(pid, start_ns, t->n_buckets);
	p->hnext = t->buckets[h];
	t->buckets[h] = p;
	t->count++;
	t->alive++;
	if (t->count > t->peak)
		t->peak = t->count;
	if (t->count > t->n_buckets * 2)
		grow(t);
	return p;
}

static void link_child(struct bw_proc *parent, struct bw_proc *child)
{
	if (child->parent || parent == child)
		return;
	child->parent = parent;
	child->prev_sibling = parent->last_child;
	if (parent->last_child)
		parent->last_child->next_sibling = child;
	else
		parent->first_child = child;
	parent->last_child = child;
}

static void unlink_child(struct bw_proc *child)
{
	struct bw_proc *parent = child->parent;

	if (!parent)
		return;
	if (child->prev_sibling)
		child->prev_sibling->next_sibling = child->next_sibling;
	else
		parent->first_child = child->next_sibling;
	if (child->next_sibling)
		child->next_sibling->prev_sibling = child->prev_sibling;
	else
		parent->last_child = child->prev_sibling;
	child->parent = child->next_sibling = child->prev_sibling = NULL;
}

static void unhash(struct bw_proctab *t, struct bw_proc *p)
{
	struct bw_proc **pp = &t->buckets[hash_key(p->pid, p->start_ns, t->n_buckets)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == p) {
			*pp = p->hnext;
			t->count--;
			return;
		}
	}
}

static void enqueue_if_leaf(struct bw_proctab *t, struct bw_proc *p)
{
	if (!p || !p->exited || p->first_child || p->queued || p->kept)
		return;
	p->queued = true;
	t->n_queued++;
	p->prune_next = NULL;
	if (t->prune_tail)
		t->prune_tail->prune_next = p;
	else
		t->prune_head = p;
	t->prune_tail = p;
}

static void prune(struct bw_proctab *t)
{
	struct bw_proc *p, *parent;

	while (t->n_queued > t->max_exited && (p = t->prune_head)) {
		t->prune_head = p->prune_next;
		if (!t->prune_head)
			t->prune_tail = NULL;
		p->queued = false;
		t->n_queued--;
		if (p->first_child || p->kept)
			continue; /* gained a child record after exiting, or kept */
		parent = p->parent;
		unlink_child(p);
		unhash(t, p);
		proc_free(p);
		t->pruned++;
		if (parent) {
			parent->pruned_children++;
			enqueue_if_leaf(t, parent);
		}
	}
}

static int apply_fork(struct bw_proctab *t, const struct bw_fork_event *e)
{
	struct bw_proc *parent, *child;

	parent = proctab_get(t, e->parent_pid, e->parent_start_ns);
	child = proctab_get(t, e->hdr.pid, e->hdr.start_ns);
	if (!parent || !child)
		return -ENOMEM;
	if (!parent->job_id)
		parent->job_id = e->hdr.job_id;
	child->job_id = e->hdr.job_id;
	child->ppid = e->parent_pid;
	child->fork_ns = e->hdr.ktime_ns;
	/* Until it execs, a child runs its parent's program. */
	memcpy(child->comm, parent->comm, sizeof(child->comm));
	if (!child->exe)
		child->exe = refstr_ref(parent->exe);
	if (!child->origin)
		child->origin = refstr_ref(parent->origin);
	if (!child->container)
		child->container = refstr_ref(parent->container);
	link_child(parent, child);
	return 0;
}

/*
 * The exec's strings, each shared with an equal one the process or its
 * parent already holds: a build's processes mostly run what their parent
 * runs, where it runs, and the exe is often the filename itself.
 */
static int exec_strings(struct bw_proc *p, const struct bw_event_view *v)
{
	const struct bw_exec_event *e = v->exec;
	const struct bw_proc *pp = p->parent;
	const char *out = e->stdio[1].kind == BW_STDIO_FILE && (e->stdio[1].mode & BW_STDIO_WRITE) ?
				  v->stdio_path[1] : NULL;
	const char *in = e->stdio[0].kind == BW_STDIO_FILE && (e->stdio[0].mode & BW_STDIO_READ) ?
				 v->stdio_path[0] : NULL;
	int err;

	err = refstr_set(&p->filename, v->filename,
			 (char *[]){ p->filename, p->origin, pp ? pp->filename : NULL }, 3);
	if (!err && (!p->n_execs || !p->origin))
		err = refstr_set(&p->origin, v->filename, &p->filename, 1);
	if (!err)
		err = refstr_set(&p->exe, v->exe,
				 (char *[]){ p->exe, p->filename, pp ? pp->exe : NULL }, 3);
	if (!err)
		err = refstr_set(&p->cwd, v->cwd, (char *[]){ p->cwd, pp ? pp->cwd : NULL }, 2);
	if (!err)
		err = refstr_set(&p->container, v->container,
				 (char *[]){ p->container, pp ? pp->container : NULL }, 2);
	if (!err)
		err = refstr_set(&p->stdout_file, out,
				 (char *[]){ p->stdout_file, pp ? pp->stdout_file : NULL }, 2);
	if (!err)
		err = refstr_set(&p->stdin_file, in,
				 (char *[]){ p->stdin_file, pp ? pp->stdin_file : NULL }, 2);
	return err;
}

static int apply_exec(struct bw_proctab *t, const struct bw_event_view *v)
{
	const struct bw_exec_event *e = v->exec;
	struct bw_proc *p = proctab_get(t, e->hdr.pid, e->hdr.start_ns);
	struct bw_argv argv;
	int err;

	if (!p)
		return -ENOMEM;
	err = argv_split(v->args, v->args_len, &argv);
	if (err)
		return err;
	argv_free(&p->argv);
	p->argv = argv;
	argv_free(&p->env);
	/* Most execs carry no loader variable: no allocation for those. */
	if (v->env_len && (err = argv_split(v->env, v->env_len, &p->env)))
		return err;
	err = exec_strings(p, v);
	if (err)
		return err;
	p->job_id = e->hdr.job_id;
	p->ppid = e->ppid;
	p->argc = e->argc;
	p->uid = e->uid;
	p->euid = e->euid;
	p->argv_truncated = e->flags & BW_EXEC_ARGS_TRUNCATED;
	p->exec_flags = e->flags;
	memcpy(p->stdio, e->stdio, sizeof(p->stdio));
	/* A new program: what was known of the old one no longer holds. */
	p->prov = p->prov & (BW_PROC_PROV_CONNECTED | BW_PROC_PROV_CONNECTED_BEFORE_EXEC) ?
			  BW_PROC_PROV_CONNECTED_BEFORE_EXEC : 0;
	free(p->late_fired);
	p->late_fired = NULL;
	p->n_late_fired = 0;
	p->n_execs++;
	memcpy(p->comm, e->comm, sizeof(p->comm));
	/* No fork record (a job root): fall back to the current parent. */
	if (!p->parent && !p->fork_ns) {
		struct bw_proc *parent = proctab_find(t, e->ppid, e->parent_start_ns);

		if (parent)
			link_child(parent, p);
	}
	return 0;
}

static int apply_exit(struct bw_proctab *t, const struct bw_exit_event *e)
{
	struct bw_proc *p = proctab_get(t, e->hdr.pid, e->hdr.start_ns);

	if (!p)
		return -ENOMEM;
	if (!p->exited && t->alive)
		t->alive--;
	p->exited = true;
	p->exit_status = e->exit_status;
	p->exit_ns = e->hdr.ktime_ns;
	if (!p->comm[0])
		memcpy(p->comm, e->comm, sizeof(p->comm));
	enqueue_if_leaf(t, p);
	prune(t);
	return 0;
}

void proctab_keep(struct bw_proc *p)
{
	p->kept = true;
}

uint32_t proctab_ancestry(const struct bw_proc *p, const char **exes, const char **filenames,
			  uint32_t max)
{
	uint32_t n = 0;

	for (p = p->parent; p && n < max; p = p->parent, n++) {
		exes[n] = p->exe ? p->exe : "";
		filenames[n] = p->origin ? p->origin : "";
	}
	return n;
}

int proctab_apply(struct bw_proctab *t, const struct bw_event_view *v)
{
	switch (v->hdr->type) {
	case BW_EV_FORK:
		return apply_fork(t, v->fork);
	case BW_EV_EXEC:
		return apply_exec(t, v);
	case BW_EV_EXIT:
		return apply_exit(t, v->exit);
	default:
		return 0;
	}
}

void proctab_exec_info(const struct bw_proc *p, struct bw_exec_info *e, const char **anc,
		       const char **anc_files)
{
	memset(e, 0, sizeof(*e));
	e->pid = p->pid;
	e->start_ns = p->start_ns;
	e->filename = p->filename ? p->filename : "";
	e->exe = p->exe ? p->exe : "";
	e->cwd = p->cwd ? p->cwd : "";
	e->argv = p->argv.v;
	e->argc_present = p->argv.n;
	e->argc = p->argc;
	e->argv_truncated = p->argv_truncated;
	e->uid = p->uid;
	e->container = p->container;
	e->euid = p->euid;
	e->ancestors = anc;
	e->ancestor_filenames = anc_files;
	e->env = p->env.v;
	e->n_env = p->env.n;
	e->fileless = p->exec_flags & (BW_EXEC_EXE_ANON | BW_EXEC_EXE_DELETED);
	e->n_ancestors = proctab_ancestry(p, anc, anc_files, BW_ANCESTRY_MAX);
}

static int cmp_start(const void *a, const void *b)
{
	const struct bw_proc *x = *(struct bw_proc *const *)a, *y = *(struct bw_proc *const *)b;

	return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
}

void proctab_roots(const struct bw_proctab *t, void (*fn)(struct bw_proc *, void *), void *arg)
{
	struct bw_proc **roots, *p;
	size_t i, n = 0;

	roots = calloc(t->count ? t->count : 1, sizeof(*roots));
	if (!roots)
		return;
	for (i = 0; i < t->n_buckets; i++)
		for (p = t->buckets[i]; p; p = p->hnext)
			if (!p->parent)
				roots[n++] = p;
	qsort(roots, n, sizeof(*roots), cmp_start);
	for (i = 0; i < n; i++)
		fn(roots[i], arg);
	free(roots);
}
