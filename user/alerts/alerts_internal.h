/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The parts of the webhook sender that unit tests reach directly: the owned
 * copy of an alert, payload building, the signature, and the dedup table.
 * Nothing here is thread-safe; alerts.c holds its lock around the table.
 */
#ifndef BW_ALERTS_INTERNAL_H
#define BW_ALERTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "alerts/alerts.h"
#include "lib/ci_env.h"

/* Caps on what one queued alert may hold (bytes, before UTF-8 clean-up). */
#define ALERT_FIELD_MAX 1024
#define ALERT_CMDLINE_MAX 4096
#define ALERT_ANCESTRY_MAX 64
#define ALERT_ANCESTRY_LINE_MAX 1024
#define ALERT_VERDICT_MAX 65536

/* An alert copied for the queue: every string valid UTF-8 and never NULL. */
struct alert_msg {
	char *rule, *severity, *description, *action, *cmdline, *exe;
	char **ancestry;
	size_t n_ancestry;
	char *verdict_json;  /* the caller's record as is (checked, trimmed), or NULL */
	bool blocked;
	uint32_t pid;
	uint64_t time_ns;    /* CLOCK_REALTIME */
	uint64_t more;       /* 0: an alert; N > 0: a summary of N merged alerts */
	uint64_t window_ms;  /* for summaries: the dedup window */
	struct ci_job *job;  /* the alert's own CI job, or NULL: the sender's */
};

struct alert_msg *alert_msg_copy(const struct alert *al);
void alert_msg_free(struct alert_msg *m);

/* The request body for format f: a NUL-terminated string to free, or NULL (ENOMEM). */
char *alert_payload(enum alert_format f, const struct alert_msg *m, const struct ci_job *job);
/* Lowercase hex HMAC-SHA256 of data with key: 0 or -EIO. */
int alert_hmac_sha256_hex(const char *key, const void *data, size_t len, char out[65]);

/* The dedup table: (rule, exe) -> an open window. */
#define DEDUP_BUCKETS 256
#define DEDUP_MAX_ENTRIES 1024

struct dedup_entry {
	struct dedup_entry *next;
	uint64_t window_end_ms;
	uint64_t merged;         /* alerts folded in since the last message */
	struct alert_msg *last;  /* the latest of them, for the summary */
	char *rule, *exe;
};

struct dedup {
	struct dedup_entry *buckets[DEDUP_BUCKETS];
	size_t n;
	uint64_t window_ms;
};

void dedup_init(struct dedup *d, uint64_t window_ms);
void dedup_free(struct dedup *d);
/*
 * Alert (rule, exe) at now: true when a window is open for it, in which
 * case m is merged (kept as the latest, *m set to NULL) and counted.
 * An entry past its window with nothing merged is renewed from now, and
 * false is returned: the alert goes out on its own.
 */
bool dedup_merge(struct dedup *d, const char *rule, const char *exe, uint64_t now_ms,
		 struct alert_msg **m);
/* Open a window for (rule, exe) at now: 0, -ENOSPC (table full), -ENOMEM. */
int dedup_open(struct dedup *d, const char *rule, const char *exe, uint64_t now_ms);
/*
 * The next summary due at now (all: every pending one, at finish), as a
 * message with ->more set; the entry's window restarts from now. Entries
 * past their window with nothing merged are removed. NULL when none is due;
 * *next_ms (may be NULL) gets the earliest window end still open, or
 * UINT64_MAX.
 */
struct alert_msg *dedup_take_due(struct dedup *d, uint64_t now_ms, bool all, uint64_t *next_ms);
/* Summaries still pending (counted as dropped when time runs out). */
uint64_t dedup_pending(const struct dedup *d);

#endif /* BW_ALERTS_INTERNAL_H */
