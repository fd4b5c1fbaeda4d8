/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's status endpoint (docs/DAEMON.md, "Metrics"): counters and
 * gauges the agent updates from any thread with relaxed atomics, served in
 * the Prometheus text format (version 0.0.4) by a small HTTP/1.0 server in
 * its own thread, on a loopback port or a unix socket.
 */
#ifndef BW_METRICS_H
#define BW_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* One time series each; the comment gives its family and label. */
enum metric {
	METRIC_EVENTS_FORK,          /* buildwarden_events_total{type="fork"} */
	METRIC_EVENTS_EXEC,          /* {type="exec"} */
	METRIC_EVENTS_EXEC_FAILED,   /* {type="exec_failed"} */
	METRIC_EVENTS_EXIT,          /* {type="exit"} */
	METRIC_EVENTS_CONNECT,       /* {type="connect"} */
	METRIC_EVENTS_DNS,           /* {type="dns"} */
	METRIC_EVENTS_FILE,          /* {type="file"} */
	METRIC_EVENTS_PRIVILEGE,     /* {type="privilege"} */
	METRIC_LOST_EVENTS,          /* buildwarden_lost_events_total */
	METRIC_VERDICTS_LOG,         /* buildwarden_verdicts_total{action="log"} */
	METRIC_VERDICTS_ALERT,       /* {action="alert"} */
	METRIC_VERDICTS_KILL_PROCESS,/* {action="kill-process"} */
	METRIC_VERDICTS_KILL_JOB,    /* {action="kill-job"} */
	METRIC_VERDICTS_DENY,        /* {action="deny"} */
	METRIC_ALERTS_SENT,          /* buildwarden_alerts_sent_total */
	METRIC_ALERTS_FAILED,        /* buildwarden_alerts_failed_total */
	METRIC_ALERTS_DROPPED,       /* buildwarden_alerts_dropped_total */
	METRIC_JOBS_ACTIVE,          /* buildwarden_jobs_active (gauge) */
	METRIC_JOBS,                 /* buildwarden_jobs_total */
	METRIC_PROCTAB_ENTRIES,      /* buildwarden_process_table_entries (gauge) */
	METRIC_START_TIME_MS,        /* buildwarden_start_time_seconds (gauge, set in ms) */
	METRIC__COUNT,
};

/* Bounds of what the endpoint accepts and sends. */
#define METRICS_REQUEST_MAX 4096    /* request line and headers, bytes */
#define METRICS_CONN_TIMEOUT_MS 2000 /* one connection, read and write */
#define METRICS_RENDER_MAX 8192     /* the whole exposition */

struct metrics;

/*
 * Create the counters (all 0, the start time set to now) and, when listen
 * is not NULL, serve them on it:
 *   "ADDR:PORT"    a TCP address, literal: "127.0.0.1:9464", "[::1]:9464",
 *                  "0.0.0.0:9464"; "localhost" means 127.0.0.1 (no name
 *                  is looked up); port 0 picks a free one (metrics_address)
 *   "unix:PATH"    a unix socket, created mode 0660; a stale socket at
 *                  PATH is replaced, any other file there is an error
 * All signals are blocked in the server thread. 0 or -errno (each failure
 * said on stderr); on error nothing is left running or bound.
 */
int metrics_start(struct metrics **out, const char *listen);
/* Stop serving, remove the unix socket, free. NULL-safe. */
void metrics_stop(struct metrics *m);

/*
 * Thread-safe, lock-free, never block; NULL m is a no-op. Counters only
 * go up: add to them, or set them from another component's own running
 * total (alerts_stats), never lower.
 */
void metrics_add(struct metrics *m, enum metric id, uint64_t n);
void metrics_set(struct metrics *m, enum metric id, uint64_t v);
uint64_t metrics_get(struct metrics *m, enum metric id);

/*
 * The series for a record's "type" (docs/EVENTS.md: "exec", ...) or a
 * verdict's "action" ("kill-job", ...): its id, or -1 for one without a
 * series (verdict, lost, summary, an unknown name).
 */
int metrics_event_series(const char *type);
int metrics_verdict_series(const char *action);

/*
 * The exposition into buf: its length, or -ENOSPC when size is too small
 * (METRICS_RENDER_MAX always suffices). NUL-terminated when it fits.
 */
int metrics_render(struct metrics *m, char *buf, size_t size);

/* Where it listens: "127.0.0.1:41234", "[::1]:9464", "unix:/run/x.sock", or "" when not. */
const char *metrics_address(const struct metrics *m);

#endif /* BW_METRICS_H */
