/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the two HTTP senders (webhook alerts, OTLP export) share: the curl
 * handle's settings, the verdict on one attempt (sent, retry, give up) and
 * the monotonic clock their queues and deadlines run on.
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

#define HTTP_USER_AGENT "buildwarden/0.1"
#define HTTP_RETRY_AFTER_MAX_MS 30000 /* a server's Retry-After is honoured up to this */

enum http_outcome { HTTP_SENT, HTTP_RETRY, HTTP_GIVE_UP };

uint64_t http_now_ms(void); /* CLOCK_MONOTONIC, in ms */
struct timespec http_abs_mono(uint64_t ms);

/*
 * POST to url, never following redirects, http(s) only, no signals; the
 * response goes to write_fn, and progress_fn may abort a transfer. Headers
 * are the caller's. 0 or -EINVAL.
 */
int http_setup(CURL *c, const char *url, curl_write_callback write_fn,
	       curl_xferinfo_callback progress_fn, void *progress_data);

/*
 * The verdict on a finished curl_easy_perform: network errors worth another
 * try and 429/5xx retry (with the server's Retry-After in *retry_after_ms,
 * capped), other 4xx and 3xx give up. why says what went wrong ("" when
 * sent; "HTTP N" for a status, to which the caller may add the response).
 */
enum http_outcome http_classify(CURL *c, CURLcode rc, uint64_t *retry_after_ms, char *why,
				size_t size);

/*
 * A sender's queue lock, its condition variable (on CLOCK_MONOTONIC, for
 * deadlines) and its thread, started with every signal blocked: signals
 * stay with the event loop's signalfd. 0, or -errno with *failed naming the
 * step ("create the queue lock" ...) and nothing left behind.
 */
/*
 * A sender thread with its curl handle, its queue's lock and wakeup, and
 * its stop: what the webhook sender and the OTLP exporter share.
 */
struct http_worker {
	CURL *curl;                   /* the sender thread's */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;          /* new work, or finishing */
	bool finishing;
	uint64_t deadline_ms;         /* when finishing: give up at this time */
	_Atomic uint64_t abort_at_ms; /* an in-flight request stops here (0: no limit) */
};

/*
 * libcurl's global state, a handle set up by setup(arg) (which stores it
 * in w->curl), the lock, the condition variable (CLOCK_MONOTONIC) and the
 * thread running fn(arg) with every signal blocked. 0, or -errno after a
 * message that starts with what ("webhook"); nothing is left on error.
 */
int http_worker_open(struct http_worker *w, const char *what, int (*setup)(void *arg),
		     void *(*fn)(void *), void *arg);
/*
 * Tell the thread to finish by drain_ms from now (a request in flight at
 * that time is cut off), wait for it, and free what open made.
 */
void http_worker_close(struct http_worker *w, unsigned drain_ms);
/* *field += n under the worker's lock (the stats the caller's queue shares it with). */
void http_worker_count(struct http_worker *w, uint64_t *field, uint64_t n);

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
