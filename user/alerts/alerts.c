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
	struct ci_job job;
	struct http_worker w;      /* the sender thread and queue; w.lock guards them and what follows */

	struct dedup dedup;
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

/* One alert's request: what http_worker_retry posts. */
struct post {
	struct alerts *a;
	const char *body;
	struct curl_slist *hdrs;
};

static void post_once(void *arg, uint64_t limit_ms, struct http_attempt *r)
{
	const struct post *p = arg;
	char snip[RESPONSE_SNIPPET + 1] = "";

	curl_easy_setopt(p->a->w.curl, CURLOPT_HTTPHEADER, p->hdrs);
	http_post(&p->a->w, p->body, strlen(p->body), limit_ms, snip, r);
	http_attempt_quote(r, snip);
}

static void report_failure(struct alerts *a, const struct alert_msg *m, unsigned attempts,
			   const char *why)
{
	unsigned n;

	pthread_mutex_lock(&a->w.lock);
	a->w.q.st.failed++;
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
				  &a->w.q.st.retries, post_once, &p, &r);
	if (!tries)
		http_worker_count(&a->w, &a->w.q.st.dropped, 1); /* never tried: not a failure */
	else if (r.out == HTTP_SENT)
		http_worker_count(&a->w, &a->w.q.st.sent, 1);
	else
		report_failure(a, m, tries, r.why);
out_free:
	curl_slist_free_all(p.hdrs);
	free(body);
}

/* Under the lock: the next message to send, or NULL (*next_ms: wake-up time). */
static void *take_work(void *arg, uint64_t *next_ms)
{
	struct alerts *a = arg;
	struct alert_msg *m = http_queue_pop(&a->w.q);

	*next_ms = UINT64_MAX;
	if (m)
		return m;
	return dedup_take_due(&a->dedup, http_now_ms(), a->w.finishing, next_ms);
}

static void deliver_work(void *arg, void *m)
{
	deliver(arg, m);
	alert_msg_free(m);
}

/* Out of time: the summaries still pending were never tried. */
static void stop_work(void *arg)
{
	struct alerts *a = arg;

	a->w.q.st.dropped += dedup_pending(&a->dedup);
}

static void free_msg(void *m)
{
	alert_msg_free(m);
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
	if (!http_worker_admit(&a->w, key ? m : NULL))
		goto out_unlock;
	now = http_now_ms();
	if (dedup_merge(&a->dedup, m->rule, key, now, &m)) {
		a->w.q.st.merged++;
		goto out_unlock;
	}
	if (!http_queue_push(&a->w.q, m))
		goto out_unlock;
	/* A full dedup table (-ENOSPC) only means this pair is not deduplicated. */
	dedup_open(&a->dedup, m->rule, key, now);
	m = NULL;
	pthread_cond_signal(&a->w.wake);
out_unlock:
	pthread_mutex_unlock(&a->w.lock);
	alert_msg_free(m);
	free(key);
}

void alerts_stats(struct alerts *a, struct http_stats *st)
{
	http_worker_stats(a ? &a->w : NULL, st);
}

/* ---- lifecycle ---- */

static void alerts_free(struct alerts *a)
{
	dedup_free(&a->dedup);
	free(a->url);
	alerts_secret_free(a->secret);
	free(a);
}

static const struct http_sender_ops sender_ops = {
	.write = discard_body,
	.take = take_work,
	.deliver = deliver_work,
	.stop = stop_work,
	.free_item = free_msg,
};

int alerts_start(struct alerts **out, const struct alert_config *cfg, const struct ci_job *job)
{
	struct alerts *a;
	CURLU *u;
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
	dedup_init(&a->dedup, cfg->dedup_window_ms ? cfg->dedup_window_ms
						   : ALERTS_DEFAULT_DEDUP_WINDOW_MS);
	a->job = *job;
	err = http_url_parse(cfg->url, "webhook URL", a->host, sizeof(a->host), &u);
	if (err)
		goto err_free;
	curl_url_cleanup(u);
	a->url = strdup(cfg->url);
	a->secret = cfg->secret ? strdup(cfg->secret) : NULL;
	if (!a->url || (cfg->secret && !a->secret)) {
		err = -ENOMEM;
		bw_err("webhook: cannot allocate the sender: %s", strerror(ENOMEM));
		goto err_free;
	}
	err = http_worker_open(&a->w, "webhook", a->url,
			       cfg->queue_len ? cfg->queue_len : ALERTS_DEFAULT_QUEUE_LEN,
			       &sender_ops, a);
	if (err)
		goto err_free;
	*out = a;
	return 0;

err_free:
	alerts_free(a);
	return err;
}

void alerts_finish(struct alerts *a, unsigned drain_ms, struct http_stats *st)
{
	http_worker_close(a ? &a->w : NULL, drain_ms, st);
	if (a)
		alerts_free(a);
}
