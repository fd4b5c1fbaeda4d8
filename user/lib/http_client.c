// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "lib/clock.h"
#include "lib/http_client.h"
#include "lib/log.h"
#include "lib/thread.h"

uint64_t http_now_ms(void)
{
	return clock_mono_ns() / 1000000;
}

static struct timespec http_abs_mono(uint64_t ms)
{
	return (struct timespec){ .tv_sec = (time_t)(ms / 1000),
				  .tv_nsec = (long)(ms % 1000) * 1000000 };
}

/* The deadline close() sets: a request in flight past it is cut off. */
static int deadline_check(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			  curl_off_t ulnow)
{
	struct http_worker *w = user;
	uint64_t at = atomic_load(&w->abort_at_ms);

	return at && http_now_ms() >= at; /* non-zero aborts the transfer */
}

/* POST to url, never following redirects, http(s) only, no signals: 0 or -ENOMEM/-EINVAL. */
static int curl_setup(struct http_worker *w, const char *url)
{
	CURL *c = curl_easy_init();

	if (!c)
		return -ENOMEM;
	w->curl = c;
	if (curl_easy_setopt(c, CURLOPT_URL, url) ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, HTTP_USER_AGENT) ||
	    curl_easy_setopt(c, CURLOPT_POST, 1L) ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, w->ops->write) ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, deadline_check) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, w) ||
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") ||
#endif
	    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L))
		return -EINVAL;
	return w->ops->setup ? w->ops->setup(w->arg) : 0;
}

int http_url_parse(const char *url, const char *what, char *host, size_t size, CURLU **out)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL;
	CURLUcode rc;
	int err = 0;

	*out = NULL;
	if (!u)
		return -ENOMEM;
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		bw_err("%s is not usable: %s", what, curl_url_strerror(rc));
		err = -EINVAL;
		goto out_free;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		bw_err("%s must start with http:// or https://", what);
		err = -EINVAL;
		goto out_free;
	}
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		bw_err("%s has no host", what);
		err = -EINVAL;
		goto out_free;
	}
	snprintf(host, size, "%s", h);
	*out = u;
	u = NULL;
out_free:
	curl_free(h);
	curl_free(scheme);
	curl_url_cleanup(u);
	return err;
}

/* Network errors worth another try; anything else will not get better. */
static bool curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/*
 * The verdict on a finished curl_easy_perform, and why ("" when sent; "HTTP N"
 * for a status, to which the caller may add the response).
 */
static enum http_outcome http_classify(CURL *c, CURLcode rc, uint64_t *retry_after_ms,
				       char *why, size_t size)
{
	curl_off_t retry_after = 0;
	long status = 0;

	*retry_after_ms = 0;
	why[0] = '\0';
	if (rc != CURLE_OK) {
		snprintf(why, size, "%s", rc == CURLE_ABORTED_BY_CALLBACK ?
			 "the drain time ran out" : curl_easy_strerror(rc));
		return curl_retryable(rc) ? HTTP_RETRY : HTTP_GIVE_UP;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return HTTP_SENT;
	snprintf(why, size, "HTTP %ld", status);
	if (status != 429 && status < 500)
		return HTTP_GIVE_UP; /* 4xx: the request is wrong, again would be too; 3xx: not followed */
	if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
		*retry_after_ms = retry_after > HTTP_RETRY_AFTER_MAX_MS / 1000 ?
			HTTP_RETRY_AFTER_MAX_MS : (uint64_t)retry_after * 1000;
	return HTTP_RETRY;
}

static void *worker_main(void *arg)
{
	struct http_worker *w = arg;
	struct timespec ts;
	uint64_t wake;
	void *work;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		if (w->finishing && http_now_ms() >= w->deadline_ms)
			break;
		work = w->ops->take(w->arg, &wake);
		if (work) {
			pthread_mutex_unlock(&w->lock);
			w->ops->deliver(w->arg, work);
			pthread_mutex_lock(&w->lock);
			continue;
		}
		if (w->finishing)
			break; /* all sent */
		if (wake == UINT64_MAX) {
			pthread_cond_wait(&w->wake, &w->lock);
		} else {
			ts = http_abs_mono(wake);
			pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		}
	}
	/* Out of time: what is left was never tried. */
	if (w->ops->stop)
		w->ops->stop(w->arg);
	http_queue_drop_all(&w->q, w->ops->free_item);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int worker_start(struct http_worker *w, const char **failed)
{
	pthread_condattr_t ca;
	int err;

	err = -pthread_mutex_init(&w->lock, NULL);
	if (err) {
		*failed = "create the queue lock";
		return err;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = -pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (err) {
		*failed = "create the queue condition variable";
		goto err_mutex;
	}
	err = thread_start(&w->thread, worker_main, w);
	if (err) {
		*failed = "start the sender thread";
		pthread_cond_destroy(&w->wake);
		goto err_mutex;
	}
	return 0;
err_mutex:
	pthread_mutex_destroy(&w->lock);
	return err;
}

int http_worker_open(struct http_worker *w, const char *what, const char *url,
		     unsigned queue_len, const struct http_sender_ops *ops, void *arg)
{
	const char *step;
	CURLcode crc;
	int err;

	w->ops = ops;
	w->arg = arg;
	crc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (crc != CURLE_OK) {
		bw_err("%s: cannot initialise libcurl: %s", what, curl_easy_strerror(crc));
		return -EIO;
	}
	err = curl_setup(w, url);
	if (err) {
		bw_err("%s: cannot set up the HTTP client (libcurl %s): %s", what,
		       curl_version_info(CURLVERSION_NOW)->version, strerror(-err));
		goto cleanup;
	}
	err = http_queue_init(&w->q, queue_len);
	if (err) {
		bw_err("%s: cannot allocate the sender's queue: %s", what, strerror(-err));
		goto cleanup;
	}
	err = worker_start(w, &step);
	if (err)
		bw_err("%s: cannot %s: %s", what, step, strerror(-err));
cleanup:
	if (err) {
		http_queue_free(&w->q);
		curl_easy_cleanup(w->curl);
		w->curl = NULL;
		curl_global_cleanup();
	}
	return err;
}

void http_worker_close(struct http_worker *w, unsigned drain_ms, struct http_stats *st)
{
	uint64_t deadline = http_now_ms() + drain_ms;

	if (!w) {
		if (st)
			memset(st, 0, sizeof(*st));
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->finishing = true;
	w->deadline_ms = deadline;
	atomic_store(&w->abort_at_ms, deadline);
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	http_queue_free(&w->q);
	curl_easy_cleanup(w->curl);
	w->curl = NULL;
	curl_global_cleanup();
	if (st)
		*st = w->q.st;
}

static bool http_worker_backoff(struct http_worker *w, uint64_t until)
{
	struct timespec ts = http_abs_mono(until);
	bool ok = true;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		/* Waiting past the deadline would be wasted: give up now. */
		if (w->finishing && w->deadline_ms <= until) {
			ok = false;
			break;
		}
		if (http_now_ms() >= until)
			break;
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static uint64_t http_worker_limit(struct http_worker *w, uint64_t timeout_ms)
{
	uint64_t limit = timeout_ms, now = http_now_ms();

	pthread_mutex_lock(&w->lock);
	if (w->finishing)
		limit = w->deadline_ms <= now ? 0 :
			(w->deadline_ms - now < limit ? w->deadline_ms - now : limit);
	pthread_mutex_unlock(&w->lock);
	return limit;
}

void http_worker_count(struct http_worker *w, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&w->lock);
	*field += n;
	pthread_mutex_unlock(&w->lock);
}

bool http_worker_admit(struct http_worker *w, const void *item)
{
	w->q.st.submitted++;
	if (item && !w->finishing)
		return true;
	w->q.st.dropped++;
	return false;
}

void http_worker_stats(struct http_worker *w, struct http_stats *st)
{
	if (!w) {
		memset(st, 0, sizeof(*st));
		return;
	}
	pthread_mutex_lock(&w->lock);
	*st = w->q.st;
	pthread_mutex_unlock(&w->lock);
}

void http_post(struct http_worker *w, const char *body, size_t len, uint64_t limit_ms,
	       void *write_data, struct http_attempt *r)
{
	CURL *c = w->curl;

	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)limit_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)limit_ms);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, write_data);
	r->out = http_classify(c, curl_easy_perform(c), &r->retry_after_ms, r->why,
			       sizeof(r->why));
}

void http_attempt_quote(struct http_attempt *r, const char *quote)
{
	size_t n = strlen(r->why);

	if (r->out != HTTP_SENT && *quote && !strncmp(r->why, "HTTP ", 5))
		snprintf(r->why + n, sizeof(r->why) - n, ": %s", quote);
}

static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s", s);
}

unsigned http_worker_retry(struct http_worker *w, const char *what, const char *host,
			   uint64_t timeout_ms, unsigned max_attempts, uint64_t *retries,
			   void (*post)(void *arg, uint64_t limit_ms, struct http_attempt *r),
			   void *arg, struct http_attempt *r)
{
	unsigned tries = 0;
	uint64_t limit, delay;

	for (;;) {
		limit = http_worker_limit(w, timeout_ms);
		if (!limit) {
			if (tries)
				append(r->why, sizeof(r->why), "; the drain time ran out");
			return tries;
		}
		if (tries)
			http_worker_count(w, retries, 1);
		post(arg, limit, r);
		tries++;
		if (r->out == HTTP_SENT || r->out == HTTP_GIVE_UP || tries >= max_attempts)
			return tries;
		delay = (uint64_t)HTTP_BACKOFF_BASE_MS << (tries < 7 ? tries - 1 : 6);
		if (delay > HTTP_BACKOFF_MAX_MS)
			delay = HTTP_BACKOFF_MAX_MS;
		if (r->retry_after_ms > delay)
			delay = r->retry_after_ms;
		log_msg(BW_LOG_DEBUG, "%s (%s): attempt %u failed (%s), retrying in %llu ms", what, host,
			tries, r->why, (unsigned long long)delay);
		if (!http_worker_backoff(w, http_now_ms() + delay)) {
			append(r->why, sizeof(r->why), "; no time left to retry before the drain deadline");
			return tries;
		}
	}
}
