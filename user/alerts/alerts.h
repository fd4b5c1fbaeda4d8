/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Chat webhooks for verdicts (docs/ALERTS.md). alerts_submit() copies an
 * alert into a bounded queue and returns at once; a sender thread formats
 * it (Slack blocks, a Teams Adaptive Card, or the verdict record as JSON)
 * and POSTs it with libcurl, with timeouts, retries and a dedup window.
 * The webhook URL and secret are never written to any log or message.
 */
#ifndef BW_ALERTS_H
#define BW_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/ci_env.h"
#include "lib/http_queue.h" /* struct http_stats */

enum alert_format { ALERT_FMT_SLACK, ALERT_FMT_TEAMS, ALERT_FMT_GENERIC };

#define ALERTS_DEFAULT_TIMEOUT_MS 5000
#define ALERTS_DEFAULT_MAX_ATTEMPTS 4
#define ALERTS_DEFAULT_QUEUE_LEN 256
#define ALERTS_DEFAULT_DEDUP_WINDOW_MS 60000
#define ALERTS_DEFAULT_DRAIN_MS 10000

/* Zero in any numeric field means its default. */
struct alert_config {
	const char *url;          /* http:// or https:// */
	enum alert_format format;
	const char *secret;       /* generic only: HMAC-SHA256 key; NULL for none */
	unsigned timeout_ms;      /* per request, connect included */
	unsigned max_attempts;    /* first try included */
	unsigned queue_len;       /* alerts waiting to be sent */
	unsigned dedup_window_ms; /* same (rule, exe) within it: one alert + a count */
};

/* Everything is copied by alerts_submit: the caller's memory may go away. */
struct alert {
	const char *rule, *severity, *description, *action;
	bool blocked;
	const char *cmdline;           /* already redacted by the caller */
	const char *const *ancestry;   /* "PID CMDLINE" lines, job root first */
	size_t n_ancestry;
	const char *exe;
	uint32_t pid;
	const char *verdict_json;      /* the verdict record (one JSON object), for generic */
	uint64_t time_ns_realtime;     /* CLOCK_REALTIME of the verdict; 0: now */
	const struct ci_job *job;      /* the CI job it happened in; NULL: the sender's (alerts_start) */
};

/*
 * submitted = merged + queued + dropped at submit. Messages (alerts and
 * "and N more" summaries) end as sent, failed, or dropped (still waiting
 * when the drain time ran out).
 */
struct alerts;

/* "slack", "teams", "generic" -> *out; -EINVAL otherwise. */
int alerts_parse_format(const char *s, enum alert_format *out);
const char *alerts_format_name(enum alert_format f);
/*
 * Read a secret from a file: the first line, without its line ending.
 * Errors name the file, never its contents. *out is freed by the caller
 * (it is zeroed first by alerts_secret_free).
 */
int alerts_load_secret(const char *path, char **out);
void alerts_secret_free(char *secret);
/*
 * Validate cfg, copy it and *job, and start the sender thread (all signals
 * blocked in it). 0 or -errno; on error nothing is left running.
 */
int alerts_start(struct alerts **out, const struct alert_config *cfg, const struct ci_job *job);
/* Never blocks on the network: copies *al into the queue (full: dropped++). */
void alerts_submit(struct alerts *a, const struct alert *al);
/* A snapshot of the counters, any time. */
void alerts_stats(struct alerts *a, struct http_stats *st);
/*
 * Send pending dedup summaries and what is queued for at most drain_ms
 * (an in-flight request is cut off at that deadline), then stop the
 * thread and free everything. st (may be NULL) gets the final counts.
 * NULL-safe.
 */
void alerts_finish(struct alerts *a, unsigned drain_ms, struct http_stats *st);

#endif /* BW_ALERTS_H */
