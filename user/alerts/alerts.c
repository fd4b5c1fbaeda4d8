// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The webhook sender (docs/ALERTS.md). alerts_submit() runs on the event
 * loop: it copies the alert (no lock held), then under the lock either
 * merges it into an open dedup window or appends it to a bounded ring, and
 * signals the sender thread. The thread owns the curl handle; it holds the
 * lock only to take work and count, never across a request or a wait for
 * the network. The URL and the secret appear in no message: errors name
 * "webhook" and the receiver's host.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "alerts/alerts_internal.h"
#include "lib/http_client.h"
#include "lib/log.h"
#include "lib/safefile.h"

#define FAILURES_LOGGED 3
#define RESPONSE_SNIPPET 160

struct alerts {
	/* set at start, read-only afterwards */
	char *url;
	char *secret;
	char host[256];            /* for messages: the receiver's host, never the URL */
	enum alert_format format;
	unsigned timeout_ms;
	unsigned max_attempts;
	unsigned queue_len;
	struct ci_job job;
	struct http_worker w;      /* the sender thread; w.lock guards what follows */

	struct alert_msg **queue;  /* ring of queue_len */
	unsigned head, count;
	struct dedup dedup;
	struct alert_stats st;
	unsigned failures_logged;
};

int alerts_parse_format(const char *s, enum alert_format *out)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "slack"))
		*out = ALERT_FMT_SLACK;
	else if (!strcmp(s, "teams"))
		*out = ALERT_FMT_TEAMS;
	else if (!strcmp(s, "generic"))
		*out = ALERT_FMT_GENERIC;
	else
		return -EINVAL;
	return 0;
}

const char *alerts_format_name(enum alert_format f)
{
	switch (f) {
	case ALERT_FMT_SLACK: return "slack";
	case ALERT_FMT_TEAMS: return "teams";
	case ALERT_FMT_GENERIC: return "generic";
	}
	return "?";
}

void alerts_secret_free(char *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

int alerts_load_secret(const char *path, char **out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int err = 0;

	*out = NULL;
	err = safe_open_secret(path, &f);
	if (err) {
		if (err == -EPERM)
			bw_err("webhook secret file %s is readable by other users; refusing it "
			       "(chmod 600 %s)", path, path);
		else
			bw_err("cannot open webhook secret file %s: %s", path, strerror(-err));
		return err;
	}
	errno = 0;
	n = getline(&line, &cap, f);
	if (n < 0) {
		err = errno ? -errno : -EINVAL;
		bw_err("cannot read webhook secret file %s: %s", path,
		       errno ? strerror(errno) : "the file is empty");
		goto out_free;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n == 0 || strlen(line) != (size_t)n) {
		err = -EINVAL;
		bw_err("webhook secret file %s: the first line is %s", path,
		       n == 0 ? "empty" : "not text (it holds a NUL byte)");
		goto out_free;
	}
	*out = line;
	line = NULL;
out_free:
	if (line) {
		explicit_bzero(line, cap);
		free(line);
	}
	fclose(f);
	return err;
}

/* ---- the sender thread ---- */

static size_t discard_body(char *data, size_t size, size_t nmemb, void *user)
{
	char *snip = user;
	size_t have = strlen(snip), n = size * nmemb, i;

	/* keep the start of the response for the error message, printable only */
	for (i = 0; i < n && have < RESPONSE_SNIPPET; i++)
		snip[have++] = data[i] >= ' ' && data[i] < 0x7f ? data[i] : ' ';
	snip[have] = '\0';
	return n;
}

static int deadline_check(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			  curl_off_t ulnow)
{
	struct alerts *a = user;
	uint64_t at = atomic_load(&a->w.abort_at_ms);

	return at && http_now_ms() >= at; /* non-zero aborts the transfer */
}

/* One alert's request: what http_worker_retry posts. */
struct post {
	struct alerts *a;
	const char *body;
	struct curl_slist *hdrs;
};

static void post_once(void *arg, uint64_t limit_ms, struct http_attempt *r)
{
	const struct post *p = arg;
	const char *body = p->body;
	char snip[RESPONSE_SNIPPET + 1] = "";
	size_t n;
	CURL *c = p->a->w.curl;
	struct curl_slist *hdrs = p->hdrs;

	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)limit_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)limit_ms);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)snip);
	r->out = http_classify(c, curl_easy_perform(c), &r->retry_after_ms, r->why,
			       sizeof(r->why));
	n = strlen(r->why);
	if (r->out != HTTP_SENT && *snip && !strncmp(r->why, "HTTP ", 5))
		snprintf(r->why + n, sizeof(r->why) - n, ": %s", snip);
}

static void report_failure(struct alerts *a, const struct alert_msg *m, unsigned attempts,
			   const char *why)
{
	unsigned n;

	pthread_mutex_lock(&a->w.lock);
	a->st.failed++;
	n = ++a->failures_logged;
	pthread_mutex_unlock(&a->w.lock);
	if (n > FAILURES_LOGGED)
		return;
	if (attempts)
		log_msg(BW_LOG_WARN, "webhook (%s): %s for rule %s not delivered after %u attempt%s: %s%s",
			  a->host, m->more ? "summary" : "alert", m->rule, attempts,
			  attempts == 1 ? "" : "s", why, n == FAILURES_LOGGED ?
			  " (further webhook failures are only counted)" : "");
	else
		log_msg(BW_LOG_WARN, "webhook (%s): %s for rule %s not sent: %s%s", a->host,
			  m->more ? "summary" : "alert", m->rule, why, n == FAILURES_LOGGED ?
			  " (further webhook failures are only counted)" : "");
}

static struct curl_slist *headers_for(struct alerts *a, const char *body)
{
	struct curl_slist *h = NULL, *t;
	char sig[sizeof("X-Buildwarden-Signature: sha256=") + 64];
	char hex[65];
	static const char *const fixed[] = {
		"Content-Type: application/json; charset=utf-8",
		"Expect:", /* no 100-continue round trip for bodies over 1 KiB */
		NULL,
	};

	for (const char *const *p = fixed; *p; p++) {
		t = curl_slist_append(h, *p);
		if (!t)
			goto err_free;
		h = t;
	}
	if (a->format == ALERT_FMT_GENERIC && a->secret) {
		if (alert_hmac_sha256_hex(a->secret, body, strlen(body), hex))
			goto err_free;
		snprintf(sig, sizeof(sig), "X-Buildwarden-Signature: sha256=%s", hex);
		t = curl_slist_append(h, sig);
		if (!t)
			goto err_free;
		h = t;
	}
	return h;
err_free:
	curl_slist_free_all(h);
	return NULL;
}

static void deliver(struct alerts *a, const struct alert_msg *m)
{
	struct http_attempt r = { .out = HTTP_GIVE_UP };
	struct post p = { .a = a };
	char *body;
	unsigned tries;

	body = alert_payload(a->format, m, m->job ? m->job : &a->job);
	if (!body) {
		report_failure(a, m, 0, "out of memory building the payload");
		return;
	}
	p.body = body;
	p.hdrs = headers_for(a, body);
	if (!p.hdrs) {
		report_failure(a, m, 0, "cannot build the request headers (out of memory or HMAC failed)");
		goto out_free;
	}
	tries = http_worker_retry(&a->w, "webhook", a->host, a->timeout_ms, a->max_attempts,
				  &a->st.retries, post_once, &p, &r);
	if (!tries)
		http_worker_count(&a->w, &a->st.dropped, 1); /* never tried: not a failure */
	else if (r.out == HTTP_SENT)
		http_worker_count(&a->w, &a->st.sent, 1);
	else
		report_failure(a, m, tries, r.why);
out_free:
	curl_slist_free_all(p.hdrs);
	free(body);
}

/* Under the lock: the next message to send, or NULL (*next_ms: wake-up time). */
static struct alert_msg *take_work(struct alerts *a, uint64_t *next_ms)
{
	struct alert_msg *m;

	*next_ms = UINT64_MAX;
	if (a->count) {
		m = a->queue[a->head];
		a->queue[a->head] = NULL;
		a->head = (a->head + 1) % a->queue_len;
		a->count--;
		return m;
	}
	return dedup_take_due(&a->dedup, http_now_ms(), a->w.finishing, next_ms);
}

static void *sender_main(void *arg)
{
	struct alerts *a = arg;
	struct alert_msg *m;
	uint64_t next;
	struct timespec ts;

	pthread_mutex_lock(&a->w.lock);
	for (;;) {
		if (a->w.finishing && http_now_ms() >= a->w.deadline_ms)
			break;
		m = take_work(a, &next);
		if (m) {
			pthread_mutex_unlock(&a->w.lock);
			deliver(a, m);
			alert_msg_free(m);
			pthread_mutex_lock(&a->w.lock);
			continue;
		}
		if (a->w.finishing)
			break; /* all sent */
		if (next == UINT64_MAX) {
			pthread_cond_wait(&a->w.wake, &a->w.lock);
		} else {
			ts = http_abs_mono(next);
			pthread_cond_timedwait(&a->w.wake, &a->w.lock, &ts);
		}
	}
	/* Out of time: what is left was never tried. */
	a->st.dropped += a->count + dedup_pending(&a->dedup);
	while (a->count) {
		alert_msg_free(a->queue[a->head]);
		a->queue[a->head] = NULL;
		a->head = (a->head + 1) % a->queue_len;
		a->count--;
	}
	pthread_mutex_unlock(&a->w.lock);
	return NULL;
}

/* ---- the submitter's side ---- */

/*
 * What the dedup window folds together: one rule firing on one program.
 * Alerts that name their own CI job (the daemon's) are folded per job: two
 * jobs' alerts never become one summary.
 */
static char *dedup_key(const struct alert_msg *m)
{
	char *key = NULL;

	if (!m->job || !*m->job->job)
		return strdup(m->exe);
	if (asprintf(&key, "%s\x1f%s", m->exe, m->job->job) < 0)
		return NULL;
	return key;
}

void alerts_submit(struct alerts *a, const struct alert *al)
{
	struct alert_msg *m;
	char *key;
	uint64_t now;

	if (!a || !al)
		return;
	m = alert_msg_copy(al); /* allocation outside the lock */
	key = m ? dedup_key(m) : NULL;
	pthread_mutex_lock(&a->w.lock);
	a->st.submitted++;
	if (!m || !key || a->w.finishing) {
		a->st.dropped++;
		goto out_unlock;
	}
	now = http_now_ms();
	if (dedup_merge(&a->dedup, m->rule, key, now, &m)) {
		a->st.merged++;
		goto out_unlock;
	}
	if (a->count == a->queue_len) {
		a->st.dropped++;
		goto out_unlock;
	}
	/* A full dedup table (-ENOSPC) only means this pair is not deduplicated. */
	dedup_open(&a->dedup, m->rule, key, now);
	a->queue[(a->head + a->count) % a->queue_len] = m;
	a->count++;
	m = NULL;
	pthread_cond_signal(&a->w.wake);
out_unlock:
	pthread_mutex_unlock(&a->w.lock);
	alert_msg_free(m);
	free(key);
}

void alerts_stats(struct alerts *a, struct alert_stats *st)
{
	if (!a) {
		memset(st, 0, sizeof(*st));
		return;
	}
	pthread_mutex_lock(&a->w.lock);
	*st = a->st;
	pthread_mutex_unlock(&a->w.lock);
}

/* ---- lifecycle ---- */

static void alerts_free(struct alerts *a)
{
	if (a->w.curl)
		curl_easy_cleanup(a->w.curl);
	dedup_free(&a->dedup);
	free(a->queue);
	free(a->url);
	alerts_secret_free(a->secret);
	free(a);
}

/* The receiver's host for messages, and a check that the URL is usable. */
static int check_url(const char *url, char *host, size_t size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL;
	CURLUcode rc;
	int err = 0;

	if (!u)
		return -ENOMEM;
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		bw_err("webhook URL is not usable: %s", curl_url_strerror(rc));
		err = -EINVAL;
		goto out_free;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		bw_err("webhook URL must start with http:// or https://");
		err = -EINVAL;
		goto out_free;
	}
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		bw_err("webhook URL has no host");
		err = -EINVAL;
		goto out_free;
	}
	snprintf(host, size, "%s", h);
out_free:
	curl_free(h);
	curl_free(scheme);
	curl_url_cleanup(u);
	return err;
}

static int setup_curl(void *arg)
{
	struct alerts *a = arg;
	CURL *c = curl_easy_init();

	if (!c)
		return -ENOMEM;
	a->w.curl = c;
	return http_setup(c, a->url, discard_body, deadline_check, a);
}

int alerts_start(struct alerts **out, const struct alert_config *cfg, const struct ci_job *job)
{
	struct alerts *a;
	int err;

	*out = NULL;
	if (!cfg || !cfg->url || !job) {
		bw_err("webhook: no URL configured");
		return -EINVAL;
	}
	if (cfg->format > ALERT_FMT_GENERIC) {
		bw_err("webhook: unknown format %d", (int)cfg->format);
		return -EINVAL;
	}
	if (cfg->secret && cfg->format != ALERT_FMT_GENERIC)
		bw_warn("webhook: a secret is only used by the generic format; %s messages are not signed",
			alerts_format_name(cfg->format));
	a = calloc(1, sizeof(*a));
	if (!a) {
		bw_err("webhook: cannot allocate the sender: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	a->format = cfg->format;
	a->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : ALERTS_DEFAULT_TIMEOUT_MS;
	a->max_attempts = cfg->max_attempts ? cfg->max_attempts : ALERTS_DEFAULT_MAX_ATTEMPTS;
	a->queue_len = cfg->queue_len ? cfg->queue_len : ALERTS_DEFAULT_QUEUE_LEN;
	dedup_init(&a->dedup, cfg->dedup_window_ms ? cfg->dedup_window_ms
						   : ALERTS_DEFAULT_DEDUP_WINDOW_MS);
	a->job = *job;
	err = check_url(cfg->url, a->host, sizeof(a->host));
	if (err)
		goto err_free;
	a->url = strdup(cfg->url);
	a->secret = cfg->secret ? strdup(cfg->secret) : NULL;
	a->queue = calloc(a->queue_len, sizeof(*a->queue));
	if (!a->url || (cfg->secret && !a->secret) || !a->queue) {
		err = -ENOMEM;
		bw_err("webhook: cannot allocate the sender's queue: %s", strerror(ENOMEM));
		goto err_free;
	}
	err = http_worker_open(&a->w, "webhook", setup_curl, sender_main, a);
	if (err)
		goto err_free;
	*out = a;
	return 0;

err_free:
	alerts_free(a);
	return err;
}

void alerts_finish(struct alerts *a, unsigned drain_ms, struct alert_stats *st)
{
	if (!a) {
		if (st)
			memset(st, 0, sizeof(*st));
		return;
	}
	http_worker_close(&a->w, drain_ms);
	if (st)
		*st = a->st;
	alerts_free(a);
}
