/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `buildwarden daemon`: always attached, it finds CI jobs by their root
 * process (rules on exec, in the kernel), runs each through the job engine
 * with its own policy and stream, and writes its reports when the root
 * exits. docs/DAEMON.md.
 */
#ifndef BW_DAEMON_H
#define BW_DAEMON_H

#include <signal.h>
#include "daemon/daemon_config.h"
#include "kernel/tamper.h"
#include "pipeline/engine.h"

#define DAEMON_REJECTED_MAX 64
/* Distinct policy texts runs handed over, kept compiled (daemon_policies.c). */
#define DAEMON_RUN_POLICIES 4

struct metrics;
struct export_jsonl;
struct otlp;
struct daemon_run;

/* One policy file of a generation, kept as text so a job always gets the version that loaded. */
struct daemon_policy_text {
	char *path;
	char *text;
	size_t len;
	struct bw_policy *compiled; /* checked at load; for watch paths and kernel rules */
};

/* A policy text a run handed over, and what it compiled to. */
struct daemon_run_policy {
	char *path;
	char *text;
	size_t len;
	struct bw_policy *compiled; /* NULL: an empty slot */
};

/* A config and every policy it names, loaded and checked together. */
struct daemon_gen {
	struct daemon_config *cfg;
	struct daemon_policy_text *policies;
	size_t n_policies;
	struct bw_policy *embedded; /* when some job may use the embedded default */
};

struct daemon {
	const char *config_path;
	struct daemon_gen *gen;
	struct bw_engine eng;
	struct bw_job *jobs;
	size_t n_jobs;
	uint64_t next_adopted_id;
	/* Job-root candidates userspace turned down, newest last: their late records are dropped here. */
	uint64_t rejected[DAEMON_REJECTED_MAX];
	unsigned n_rejected;
	/* Runs' policies, compiled; the oldest is replaced next (run_policy_next). */
	struct daemon_run_policy run_policies[DAEMON_RUN_POLICIES];
	unsigned run_policy_next;
	/* The policy whose deny rules are in the kernel maps (its text), or NULL: the embedded one. */
	char *kernel_policy_text;
	bool kernel_loaded;
	bool fail_closed;  /* armed at start: disarmed at a clean stop */
	struct bw_tamper tamper; /* who signals the daemon: kept for its next start */
	struct metrics *metrics;
	struct export_jsonl *jsonl;
	struct otlp *otlp;
	struct otlp *traces; /* the jobs' traces (docs/TRACES.md), or NULL */
	struct alerts *alerts;
	struct http_stats alert_seen; /* alerts' counts already in the metrics */
	int sigfd;
	/* The run socket (daemon_runs.c): listening, its epoll set, the runs connected. */
	int run_fd, runs_ep;
	char *run_socket;
	struct daemon_run *runs;
	/* Called when a handed-over job ended (status: its exit status); set by daemon_runs_start. */
	void (*run_job_ended)(struct daemon *d, struct bw_job *j, int status);
	bool stopping;
	sigset_t orig_mask;
};

/* daemon_gen.c */
int daemon_gen_load(const char *config_path, struct daemon_gen **out);
void daemon_gen_free(struct daemon_gen *g);
/* The text entry for path, or NULL (path NULL: the embedded policy). */
const struct daemon_policy_text *daemon_gen_policy(const struct daemon_gen *g, const char *path);
/* Every compiled policy a job of g may use, for hooks and watch paths; *n set. */
const struct bw_policy **daemon_gen_all_policies(const struct daemon_gen *g, size_t *n);

/* daemon_policies.c */
/*
 * The compiled policy for text t (NULL: the embedded policy) into *out, a
 * reference of its own (policy_free drops it): compiled once and shared.
 * 0, or -errno after writing why to errs (-EINVAL: t has errors).
 */
int daemon_policy_get(struct daemon *d, const struct daemon_policy_text *t, FILE *errs,
		      struct bw_policy **out);
void daemon_policies_free(struct daemon *d);

/* daemon_jobs.c */
struct bw_job *daemon_job_for(struct bw_engine *e, const struct bw_event_view *v);
void daemon_on_exit(struct bw_engine *e, struct bw_job *j, const struct bw_exit_event *x);
/* Write reports and free every job whose root has exited (all of them when stopping). */
void daemon_end_jobs(struct daemon *d, bool all);
struct bw_job *daemon_job_start(struct daemon *d, const struct daemon_root_rule *r, uint64_t id,
				 uint32_t root_pid, uint64_t root_start_ns);
int daemon_run_job_start(struct daemon *d, uint64_t id, uint32_t root_pid,
			 const struct daemon_policy_text *t, int events_fd, FILE *errs,
			 struct bw_job **out);

/* daemon_runs.c: builds `run` hands over (docs/DAEMON.md). */
int daemon_runs_start(struct daemon *d);
void daemon_runs_io(void *arg);
void daemon_runs_stop(struct daemon *d);

/* The parent name to test r with: r's own when comm is its first 15 bytes. */
const char *daemon_parent_for(const struct daemon_root_rule *r, const char *comm);

/* daemon_adopt.c: jobs running before the daemon (re)started, and match: {pid: N} */
void daemon_adopt_running(struct daemon *d);
/* Load job-root rules into the kernel; mark jobs whose policy's deny rules are not the kernel's. */
int daemon_apply_kernel(struct daemon *d);

/* daemon_outputs.c: status endpoint, exports, webhook */
int daemon_outputs_start(struct daemon *d, const struct daemon_config *old);
void daemon_outputs_stop(struct daemon *d);
void daemon_on_line(struct bw_engine *e, struct bw_job *j, const char *type, uint32_t pid,
		    const struct verdict *v);
void daemon_outputs_tick(struct daemon *d);

int cmd_daemon(int argc, char **argv);

#endif /* BW_DAEMON_H */
