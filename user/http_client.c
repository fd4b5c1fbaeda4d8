// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include "http_client.h"

uint64_t http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct timespec http_abs_mono(uint64_t ms)
{
	return (struct timespec){ .tv_sec = (time_t)(ms / 1000),
				  .tv_nsec = (long)(ms % 1000) * 1000000 };
}

int http_setup(CURL *c, const char *url, curl_write_callback write_fn,
	       curl_xferinfo_callback progress_fn, void *progress_data)
{
	if (curl_easy_setopt(c, CURLOPT_URL, url) ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, HTTP_USER_AGENT) ||
	    curl_easy_setopt(c, CURLOPT_POST, 1L) ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_fn) ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_fn) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, progress_data) ||
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") ||
#endif
	    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L))
		return -EINVAL;
	return 0;
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

enum http_outcome http_classify(CURL *c, CURLcode rc, uint64_t *retry_after_ms, char *why,
				size_t size)
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

int http_worker_start(pthread_mutex_t *lock, pthread_cond_t *wake, pthread_t *thread,
		      void *(*fn)(void *), void *arg, const char **failed)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int err;

	err = -pthread_mutex_init(lock, NULL);
	if (err) {
		*failed = "create the queue lock";
		return err;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = -pthread_cond_init(wake, &ca);
	pthread_condattr_destroy(&ca);
	if (err) {
		*failed = "create the queue condition variable";
		goto err_mutex;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		*failed = "start the sender thread";
		pthread_cond_destroy(wake);
		goto err_mutex;
	}
	return 0;
err_mutex:
	pthread_mutex_destroy(lock);
	return err;
}
