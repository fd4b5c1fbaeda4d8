/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lineage table: every process of the watched jobs, keyed by
 * (pid, start_ns) so a recycled pid can never inherit an old ancestry.
 * Parents are linked from fork records (the real creator, not the reaper a
 * daemon was reparented to); exec and exit records fill in the rest.
 */
#ifndef BW_PROCTAB_H
#define BW_PROCTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "events/events.h"
#include "policy/exec_info.h"

struct bw_proc {
	uint32_t pid;
	uint64_t start_ns;
	uint64_t job_id;
	struct bw_proc *parent; /* NULL for a job root or an unknown parent */
	uint32_t ppid;          /* as last reported by the kernel */
	uint64_t fork_ns;
	uint64_t exit_ns;
	/* The strings below (filename, origin, exe, cwd, container,
	 * stdout_file and stdin_file) are refstrs (lib/refstr.h): shared
	 * with the parent and siblings that hold the same, read-only, set and
	 * dropped by this table only. */
	/* latest exec; NULL/empty until the process execs */
	char *filename;
	/* filename of the first exec after fork: `#!/usr/bin/env node` turns
	 * /usr/bin/npm into /usr/bin/node within one process, and lineage
	 * rules want the npm */
	char *origin;
	char *exe;
	char *cwd;
	struct bw_argv argv;
	uint32_t argc;
	bool argv_truncated;
	uint32_t n_execs;
	uint32_t uid;
	uint32_t euid;
	/* The container it runs in (events/containers.h), NULL on the host:
	 * from its latest exec's cgroup, a fork's from its parent. */
	char *container;
	char comm[16];
	bool exited;
	uint32_t exit_status; /* wait status */
	struct bw_proc *first_child;
	struct bw_proc *last_child;
	struct bw_proc *next_sibling;
	struct bw_proc *prev_sibling;
	struct bw_proc *hnext;      /* hash chain */
	struct bw_proc *prune_next; /* queue of exited leaves */
	bool queued;
	uint32_t pruned_children; /* finished children dropped to bound memory */
	/* Set when the policy ended this process: the rule's name (owned by
	 * the policy, which outlives the table) and whether the kernel
	 * blocked it before it ran. */
	const char *ended_by_rule;
	bool blocked;
	bool kept; /* proctab_keep(): never pruned */
	/* What the latest exec started with, for provenance. */
	struct bw_stdio stdio[3];
	char *stdout_file; /* stdio[1]'s path when it is a file opened for writing */
	char *stdin_file;  /* stdio[0]'s path when it is a file opened for reading */
	struct bw_argv env;     /* loader variables, NAME=VALUE */
	uint32_t exec_flags;    /* BW_EXEC_* */
	/* What provenance (pipeline/provenance.c) knows of this process's
	 * program: BW_PROV_NETWORK, _DECODER, _PACKAGE_MANAGER, _ENVIRONMENT,
	 * and the two BW_PROC_PROV_* bits below. */
	uint32_t prov;
	/* Rules that judge provenance already fired for this exec, so a
	 * late fact (a pipe's writer starting after its reader) adds only
	 * verdicts not yet given. */
	uint32_t *late_fired;
	uint32_t n_late_fired;
};

/*
 * bw_proc.prov bits about the process rather than its program: it talked
 * to the network (provenance sets CONNECTED at a connect), and it had
 * before its latest exec. An exec keeps that fact: the new program may
 * hold what was fetched, in its arguments, environment or descriptors.
 */
#define BW_PROC_PROV_CONNECTED (1u << 28)
#define BW_PROC_PROV_CONNECTED_BEFORE_EXEC (1u << 29)

/*
 * Memory bound: the table holds live processes, their ancestors, and at
 * most max_exited finished processes without children (the most recent:
 * provenance and late records look there); past that the oldest exit is
 * dropped and counted in its parent's pruned_children. So what it holds
 * follows how many processes run at once, never how many have finished.
 * Ancestors of live processes are never dropped, so lineage stays exact;
 * only finished leaves leave the tree.
 */
#define PROCTAB_DEFAULT_EXITED 1024

struct bw_proctab {
	struct bw_proc **buckets;
	size_t n_buckets;
	size_t count;
	size_t peak; /* the most count has been */
	size_t alive;
	size_t max_exited;
	size_t pruned;
	size_t n_queued; /* finished leaves waiting in the queue below */
	struct bw_proc *prune_head;
	struct bw_proc *prune_tail;
};

int proctab_init(struct bw_proctab *t);
void proctab_free(struct bw_proctab *t);
struct bw_proc *proctab_find(const struct bw_proctab *t, uint32_t pid, uint64_t start_ns);
/* A process of the table with this pid that was alive at at_ns (ktime), or NULL. */
struct bw_proc *proctab_find_live_pid(const struct bw_proctab *t, uint32_t pid, uint64_t at_ns);
/* Find or create; returns NULL only when out of memory. */
struct bw_proc *proctab_get(struct bw_proctab *t, uint32_t pid, uint64_t start_ns);
/* Apply one decoded kernel record. Returns 0 or -ENOMEM. */
int proctab_apply(struct bw_proctab *t, const struct bw_event_view *v);
/*
 * Ancestors' exe paths and origin filenames, nearest first (a fork that
 * never exec'd shows its parent's). Returns how many were stored, <= max.
 */
uint32_t proctab_ancestry(const struct bw_proc *p, const char **exes, const char **filenames,
			  uint32_t max);
/*
 * Exempt p from pruning (a flagged process a report must still show once it
 * has exited). Its ancestors stay too, as they keep a child. The caller
 * bounds how many it keeps.
 */
void proctab_keep(struct bw_proc *p);
/*
 * p as the policy sees it; anc and anc_files (BW_ANCESTRY_MAX entries)
 * receive its ancestry and must outlive e.
 */
void proctab_exec_info(const struct bw_proc *p, struct bw_exec_info *e, const char **anc,
		       const char **anc_files);
/* Visit every process without a known parent, in creation order. */
void proctab_roots(const struct bw_proctab *t, void (*fn)(struct bw_proc *, void *), void *arg);

#endif /* BW_PROCTAB_H */
