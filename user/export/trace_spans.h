/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A job as an OpenTelemetry trace (docs/TRACES.md): one span per process,
 * from its fork (or its start, for the job's root) to its exit, its parent
 * span its parent process's; connects, DNS queries, file and privilege
 * operations, later execs and verdicts as span events; error status for a
 * process that failed, was killed or was denied. A span is encoded and
 * queued on the trace sender when its process exits (children before
 * their parents: span ids are derived, lib/trace_context.h); what still
 * runs when the job ends is closed then and says so.
 *
 * Memory is bounded: at most TRACE_EVENTS_MAX events per span and
 * TRACE_PENDING_BYTES of events waiting for their processes to end per
 * job; the rest are counted (per span as droppedEventsCount and the
 * attribute buildwarden.dropped_events, per job in the summary). Spans
 * the sender's queue cannot take are counted by the sender.
 */
#ifndef BW_TRACE_SPANS_H
#define BW_TRACE_SPANS_H

#include <stdint.h>
#include "events/events.h"
#include "events/proctab.h"
#include "events/verdict.h"
#include "export/export_otlp.h"
#include "lib/ci_env.h"
#include "lib/trace_context.h"
#include "policy/exec_info.h"

#define TRACE_EVENTS_MAX 128
#define TRACE_PENDING_BYTES (16u << 20)
#define TRACE_CMDLINE_MAX 4096

struct trace_job_opts {
	uint64_t job_id;
	const struct trace_context *ctx;
	int64_t realtime_minus_mono_ns; /* record times (monotonic) to Unix time */
	const struct ci_job *ci;        /* cicd.* and vcs.* on the root span; NULL: none */
	struct otlp *out;               /* the trace sender (not owned) */
};

struct trace_job_stats {
	uint64_t spans;           /* encoded and handed to the sender */
	uint64_t still_running;   /* of them, closed at the job's end */
	uint64_t events;          /* span events recorded */
	uint64_t events_dropped;  /* span events over a cap, counted on their span */
	uint64_t spans_failed;    /* could not be encoded (out of memory) */
};

struct trace_job;

/* 0, or -ENOMEM (said on stderr). */
int trace_job_new(struct trace_job **out, const struct trace_job_opts *o);
void trace_job_free(struct trace_job *t); /* NULL-safe */
/* The trace id, 32 hex digits. */
const char *trace_job_trace_id(const struct trace_job *t);
/* Whether the trace continues the pipeline's (a traceparent in the environment). */
bool trace_job_joined(const struct trace_job *t);
/*
 * A record of the job, applied to its lineage already: exec and
 * exec_failed (p: the process), connect, DNS, file and privilege (info:
 * netinfo's decoding; p may be NULL), each a span event of its process.
 */
void trace_job_record(struct trace_job *t, const struct bw_event_view *v,
		      const struct bw_event_info *info, const struct bw_proc *p);
/* A verdict on a process: a span event (its status is set at exit from ended_by_rule). */
void trace_job_verdict(struct trace_job *t, const struct verdict *v);
/* The process of exit record x ended: its span goes (p NULL: the table no longer has it). */
void trace_job_exit(struct trace_job *t, const struct bw_exit_event *x, const struct bw_proc *p);
/* The job ended at end_ns (monotonic): spans for every process still running. */
void trace_job_end(struct trace_job *t, const struct bw_proctab *tab, uint64_t end_ns);
void trace_job_stats(const struct trace_job *t, struct trace_job_stats *st);
/*
 * The sender changed (the daemon reloaded; NULL: none now). Events waiting
 * in the other encoding are dropped and counted. NULL-safe.
 */
void trace_job_set_out(struct trace_job *t, struct otlp *out);

#endif /* BW_TRACE_SPANS_H */
