/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The job engine: kernel records in, per-job lineage, verdicts, actions
 * and event stream out. `run` drives it with one job; the daemon with one
 * per CI job it finds. Everything a job owns lives in struct bw_job, so a
 * job that ends frees its state without touching the others.
 */
#ifndef BW_ENGINE_H
#define BW_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "alerts/alerts.h"
#include "lib/clock.h"
#include "events/containers.h"
#include "events/event_json.h"
#include "kernel/jobctl.h"
#include "kernel/loader.h"
#include "events/netinfo.h"
#include "policy/policy.h"
#include "events/proctab.h"
#include "report/report.h"
#include "events/verdict.h"
#include "export/trace_spans.h"
#include "pipeline/checkout.h"
#include "pipeline/content_checks.h"
#include "pipeline/provenance.h"

struct bw_job {
	uint64_t id;            /* the kernel's job_id */
	char *name;             /* the daemon's job name; NULL under run */
	struct bw_policy *policy;
	uint64_t *rule_hits;
	struct bw_proctab procs;
	struct provenance prov;
	struct checkout checkout; /* root NULL: no checkout known */
	struct checkout_pending checkout_pending; /* job_checkout_start's child */
	const char *const *checkout_dirs;         /* its dirs; NULL: none pending */
	struct dns_job_state dns; /* names per domain, DNS servers (on: dns) */
	struct content_checks content; /* writes to read again (content: rules) */
	/* The last verdict line printed, and how many alerts like it followed. */
	struct {
		const struct bw_rule *rule;
		uint32_t pid;
		uint64_t start_ns;
		uint64_t repeats;
	} printed;
	/* The kernel's deny maps hold this job's policy: dropped-file deny
	 * rules may add paths to them. */
	bool kernel_deny;
	struct jobctl ctl;
	char *events_path;      /* NULL, "-" (stdout) or a file */
	FILE *events;
	FILE *spool;            /* the stream, for the report, when events go nowhere or to stdout */
	char *events_buf;       /* their stdio buffers (job_stream_buffer) */
	char *spool_buf;
	bool events_failed;
	struct report_live *report; /* built as the stream is written (job_start_report) */
	uint64_t seq;
	uint64_t n_type[BW_EV_TYPE_MAX];
	uint64_t n_verdicts;
	uint64_t n_blocked;
	uint64_t n_killed;
	uint64_t lost;          /* lost records reported into this stream */
	bool job_killed;
	char *job_killed_block; /* the report of the verdict that ended the job */
	size_t job_killed_len;
	struct alerts *alerts;  /* not owned; NULL: no webhook */
	struct http_stats alert_st; /* the sender's final counts, once alert_final */
	bool alert_final;
	uint64_t t_start_ns;
	uint64_t t_end_ns;
	uint32_t root_pid;      /* the job's root (run: the build's first process) */
	/* daemon */
	uint64_t root_start_ns;
	char *rule_name;        /* the job-root rule that found it */
	char *repository;
	struct ci_job *ci;      /* the CI job its alerts name; NULL: the sender's */
	bool root_exited;
	bool agent_stopped;     /* ended by the daemon stopping, not by its root */
	bool handed_over;       /* `run` handed it to the daemon: run renders its reports */
	int root_status;        /* wait status of the root */
	/* The job as a trace (docs/TRACES.md); NULL: not exported. */
	struct trace_job *trace;
	struct otlp *trace_out;     /* its sender (not owned) */
	struct http_stats trace_st; /* the sender's final counts, once trace_final */
	bool trace_final;
	struct bw_job *next;
};

struct bw_engine;

struct bw_engine_ops {
	/* The job a record belongs to, or NULL to drop it. */
	struct bw_job *(*job_for)(struct bw_engine *e, const struct bw_event_view *v);
	/* A line was added to j's stream (exports); jb holds it. */
	void (*on_line)(struct bw_engine *e, struct bw_job *j, const char *type, uint32_t pid,
			const struct verdict *v);
	/* An exit record of j was applied. */
	void (*on_exit)(struct bw_engine *e, struct bw_job *j, const struct bw_exit_event *x);
};

/*
 * What the live engine reads from the host (cgroups, /proc, the kernel's
 * maps, resolv.conf, the checkout's index) for one record, taken from the
 * saved record instead when a log is replayed (pipeline/replay.h).
 */
struct engine_replay {
	const char *container; /* exec: the container it ran in, or NULL */
	const char *resolver;  /* dns query: "configured", "other" or NULL */
	bool tracked;          /* file: changed a tracked file */
	bool target_in_job;    /* file: its /proc/PID target is in the job */
};

struct bw_engine {
	struct bw_agent agent;
	struct jbuf jb;
	struct jbuf jb_event; /* a non-exec verdict's event fields */
	struct jbuf jb_alert; /* the verdict record handed to the webhook */
	struct bw_clock clk;
	struct dns_cache dns;
	struct resolvers resolvers; /* the host's, read at start */
	struct netinfo ni;
	struct containers containers; /* cgroup id -> container id */
	uint64_t lost; /* the kernel's loss counter, as engine_new_losses last read it */
	uint64_t lost_reported;
	uint64_t malformed;
	uint64_t dropped;     /* records of no job (rejected job-root candidates) */
	struct bw_engine_ops ops;
	void *owner;
	bool quiet_verdicts;  /* no verdict line on stderr (the daemon logs its own) */
	/* Non-NULL: records come from a saved log, this one's facts. Nothing
	 * is done to processes (no kill, resume or deny map); verdicts say
	 * what would have been done. */
	const struct engine_replay *replay;
};

/* CLOCK_MONOTONIC in ns: job durations and record times. */
int engine_init(struct bw_engine *e);
void engine_free(struct bw_engine *e);
/* ring_buffer_sample_fn: ctx is the engine. */
int engine_on_event(void *ctx, void *data, size_t size);
/* One decoded record (engine_on_event's work after decoding): replay's seam. */
void engine_on_record(struct bw_engine *e, struct bw_job *j, struct bw_event_view *v);
/* New kernel losses since the last call (a syscall: call a few times a second). */
uint64_t engine_new_losses(struct bw_engine *e);

/* Block the stop signals (and SIGCHLD) and return a signalfd for them, or -errno. */
int engine_signalfd(sigset_t *orig, bool with_chld);

struct engine_loop_ops {
	bool (*done)(void *arg);
	void (*on_signal)(void *arg);   /* the signalfd is readable */
	void (*after_batch)(void *arg); /* after each wakeup; may be NULL */
	void (*tick)(void *arg);        /* a few times a second, and once at the end */
	void (*on_aux)(void *arg);      /* aux_fd is readable; NULL: no aux_fd */
	int aux_fd;
};

/* Consume records until done(); 0, or -errno when the loop itself broke. */
int engine_run_loop(struct bw_engine *e, int sigfd, const struct engine_loop_ops *ops, void *arg);

/* Job state: zeroed, then these. */
int job_init(struct bw_job *j, uint64_t id);
/* Takes ownership of policy (NULL: load_path or the embedded default). */
int job_set_policy(struct bw_job *j, struct bw_policy *policy);
int job_load_policy(struct bw_job *j, const char *path);
/* events_path NULL: a spool only; "-": stdout and a spool. */
int job_open_events(struct bw_job *j, const char *events_path);
/* f fully buffered in a buffer of its own, made into *buf: free it after fclose(f). */
void job_stream_buffer(FILE *f, char **buf);
/*
 * The job's root exited: judge each job process still running by the
 * rules on: leftover (persistence: a daemon, a detached payload). Call
 * after the last drain, so a process that exited is not taken for one.
 */
void engine_judge_leftovers(struct bw_engine *e, struct bw_job *j);
/* Know the tracked files of the work tree dir lies in (logged either way); 0 or -errno. */
int job_load_checkout(struct bw_job *j, const char *dir, const struct build_user *user);
/*
 * The same in a child (checkout_start), for the first of dirs in a work
 * tree; dirs must outlive job_checkout_finish, which waits for the answer
 * and says what it said of each dir. 0 or -errno, said.
 */
int job_checkout_start(struct bw_job *j, const char *const *dirs, size_t n_dirs,
		       const struct build_user *user);
int job_checkout_finish(struct bw_job *j);
bool job_recording(const struct bw_job *j);
/*
 * Export j as a trace to out (docs/TRACES.md): its context (trace id,
 * the pipeline's span) from the environment through get (NULL: none), ci
 * for the root span's cicd.* and vcs.* (NULL: none). 0 or -errno.
 */
int job_start_trace(struct bw_engine *e, struct bw_job *j, struct otlp *out,
		    const char *(*get)(const char *name, void *arg), void *arg,
		    const struct ci_job *ci);
/* The job ended: spans for what still runs (call after the last drain). */
void job_end_trace(struct bw_job *j);
/* Append the engine's jb to j's stream (never fails the build: says so once). */
void job_emit(struct bw_engine *e, struct bw_job *j);
/* The same for the line rendered from record v. */
void job_emit_record(struct bw_engine *e, struct bw_job *j, const struct bw_event_view *v);
/* The same for a network, DNS, file or privilege record, decoded as info. */
void job_emit_hook(struct bw_engine *e, struct bw_job *j, const struct bw_event_view *v,
		   const struct bw_event_info *info);
void job_emit_lost(struct bw_engine *e, struct bw_job *j, uint64_t count, uint64_t total);
/*
 * The summary record: extra() adds the caller's fields first (command and
 * exit status, or the daemon's job), then the counts.
 */
void job_write_summary(struct bw_engine *e, struct bw_job *j,
		       void (*extra)(struct jbuf *jb, struct bw_job *j, void *arg), void *arg);
/*
 * From now on j's report is built as its stream is written (call before
 * the first record): the end of the job then reads nothing back. 0 or
 * -errno (printed).
 */
int job_start_report(struct bw_job *j);
/* Render the reports from j's stream: 0, or -EIO when the stream is unusable. */
int job_render_reports(struct bw_job *j, const struct report_opts *ro);
/* Plain summary on stderr, when the stream cannot give a report. */
void job_print_counts(struct bw_engine *e, struct bw_job *j, int status, bool tree);
bool job_may_kill(const struct bw_job *j);
/*
 * The highest severity of j's verdicts (run --fail-on) and how many
 * verdicts reached at least `at`; -1 when j has none.
 */
int job_worst_severity(const struct bw_job *j, enum policy_severity at, uint64_t *n_at);
void job_free(struct bw_job *j);

#endif /* BW_ENGINE_H */
