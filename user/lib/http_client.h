/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the two HTTP senders (webhook alerts, OTLP export) share: the
 * sender thread with its queue and counts, the curl handle's settings, the
 * URL check, one request and the verdict on it (sent, retry, give up), the
 * retries, and the monotonic clock their queues and deadlines run on.
 */
#ifndef BW_HTTP_CLIENT_H
#define BW_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <curl/curl.h>
#include "lib/http_queue.h"

#define HTTP_USER_AGENT "buildwarden/0.1"
#define HTTP_RETRY_AFTER_MAX_MS 30000 /* a server's Retry-After is honoured up to this */

enum http_outcome { HTTP_SENT, HTTP_RETRY, HTTP_GIVE_UP };

uint64_t http_now_ms(void); /* CLOCK_MONOTONIC, in ms */

/*
 * A sender's URL: http(s), with a host, copied into host for messages (the
 * URL itself may hold a token and is never shown). 0 and *u (for
 * curl_url_cleanup), -ENOMEM, or -EINVAL after "WHAT is not usable: ...",
 * "WHAT must start with http:// or https://" or "WHAT has no host".
 */
int http_url_parse(const char *url, const char *what, char *host, size_t size, CURLU **u);

/* What a sender does on its thread, each with the arg given to open. */
struct http_sender_ops {
	curl_write_callback write;     /* the response, to the request's write_data */
	int (*setup)(void *arg);       /* more options on w->curl (may be NULL): 0 or -errno */
	/*
	 * Under the lock: the next work, or NULL and *wake_ms, when to look
	 * again (UINT64_MAX: when woken).
	 */
	void *(*take)(void *arg, uint64_t *wake_ms);
	void (*deliver)(void *arg, void *work); /* without the lock: send work and free it */
	void (*stop)(void *arg);       /* under the lock as the thread ends (may be NULL) */
	void (*free_item)(void *item); /* for what the queue holds */
};

/*
 * A sender thread with its curl handle, its queue and counts, the lock
 * that guards them, its wakeup and its stop.
 */
struct http_worker {
	CURL *curl;                   /* the sender thread's */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;          /* new work, or finishing */
	bool finishing;
	uint64_t deadline_ms;         /* when finishing: give up at this time */
	_Atomic uint64_t abort_at_ms; /* an in-flight request stops here (0: no limit) */
	struct http_queue q;          /* with the counts; under the lock */
	const struct http_sender_ops *ops;
	void *arg;
};

/*
 * libcurl's global state, a handle that POSTs to url (never following
 * redirects, http(s) only, no signals, cut off at the drain deadline) with
 * ops->setup's options, a queue of queue_len, the lock, the condition
 * variable (CLOCK_MONOTONIC) and the thread, started with every signal
 * blocked (signals stay with the event loop's signalfd). The thread takes
 * work with ops->take and sends it with ops->deliver until, finishing,
 * none is left, or until the drain deadline: then what is queued is
 * dropped. 0, or -errno after a message that starts with what
 * ("webhook"); nothing is left on error.
 */
int http_worker_open(struct http_worker *w, const char *what, const char *url,
		     unsigned queue_len, const struct http_sender_ops *ops, void *arg);
/*
 * Tell the thread to finish by drain_ms from now (a request in flight at
 * that time is cut off), wait for it, and free what open made. st (may be
 * NULL) gets the final counts; w NULL: zeros.
 */
void http_worker_close(struct http_worker *w, unsigned drain_ms, struct http_stats *st);
/*
 * Under the lock, at a submit: count it, and say whether item (NULL: the
 * caller could not copy it) may be queued; not once the worker is
 * finishing. false: counted dropped.
 */
bool http_worker_admit(struct http_worker *w, const void *item);
/* *field += n under the worker's lock (field: one of w->q.st's). */
void http_worker_count(struct http_worker *w, uint64_t *field, uint64_t n);
/* The counts now; w NULL: zeros. */
void http_worker_stats(struct http_worker *w, struct http_stats *st);

/* Backoff between attempts: doubling from the base, capped (a Retry-After may be longer). */
#define HTTP_BACKOFF_BASE_MS 250
#define HTTP_BACKOFF_MAX_MS 8000

/* One request's outcome, as a sender's post function fills it in. */
struct http_attempt {
	enum http_outcome out;
	char why[256];           /* for messages: the status and the start of the answer, or the error */
	uint64_t retry_after_ms;
	uint64_t rejected;       /* OTLP partial success: records the collector refused */
};

/*
 * POST body[0..len) within limit_ms (connect included), the response to
 * ops->write with write_data. r->out, why and retry_after_ms say how it
 * went: network errors worth another try and 429/5xx retry (after the
 * server's Retry-After, capped), other 4xx and 3xx give up; why is "" when
 * sent, "HTTP N" for a status, else the error.
 */
void http_post(struct http_worker *w, const char *body, size_t len, uint64_t limit_ms,
	       void *write_data, struct http_attempt *r);
/* After an HTTP error status, why ends in ": QUOTE" (the start of the answer; "": nothing). */
void http_attempt_quote(struct http_attempt *r, const char *quote);

/*
 * Make one request with post(arg, limit_ms, r), again after HTTP_RETRY
 * outcomes, up to max_attempts, waiting the backoff (or Retry-After)
 * between them, never past the drain deadline; *retries (under the lock)
 * counts the attempts after the first, what and host name the sender in
 * debug messages. Returns the requests made: 0 when the drain time had run
 * out before the first. r holds the last outcome; its why says so when
 * time ran out.
 */
unsigned http_worker_retry(struct http_worker *w, const char *what, const char *host,
			   uint64_t timeout_ms, unsigned max_attempts, uint64_t *retries,
			   void (*post)(void *arg, uint64_t limit_ms, struct http_attempt *r),
			   void *arg, struct http_attempt *r);

#endif /* BW_HTTP_CLIENT_H */
