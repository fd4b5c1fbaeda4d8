/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A scripted HTTP/1.1 server on 127.0.0.1 for the unit tests of the HTTP
 * senders (webhook alerts, OTLP export). One thread, one connection at a
 * time, Connection: close. Each request gets the next status of the script
 * and is recorded (path, a few headers, body, arrival time) for the test to
 * check. What differs between the senders' tests (which header to record,
 * what the replies carry) is a profile fixed per test file.
 */
#ifndef BW_HTTP_TEST_SERVER_H
#define BW_HTTP_TEST_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#define HTTP_TEST_MAX 64          /* requests recorded; later ones overwrite the last */
#define HTTP_TEST_HANG (-1)       /* script entry: read the request, never answer */
#define HTTP_TEST_PARTIAL 299     /* script entry: answer 200 with the profile's partial_body */

/* What the server records and how it answers, the same for a whole test file. */
struct http_test_profile {
	const char *header;       /* request header kept in req[i].header, e.g. "X-Scope-OrgID" */
	const char *content_type; /* Content-Type of every reply, or NULL for none */
	const char *body;         /* body of every reply but HTTP_TEST_PARTIAL */
	const char *partial_body; /* body of HTTP_TEST_PARTIAL replies */
};

struct http_test_request {
	char path[128];
	char content_type[64];
	char user_agent[64];
	char header[80];          /* the profile's header; "" when absent */
	char *body;
	uint64_t at_ms;           /* CLOCK_MONOTONIC, in ms */
};

struct http_test_server {
	uint16_t port;
	int n;                    /* requests seen; http_test_server_count() while running */
	struct http_test_request req[HTTP_TEST_MAX];
	/* the server thread's */
	const struct http_test_profile *profile;
	int script[HTTP_TEST_MAX]; /* status per request in order; 0 past the end: 200 */
	const char *retry_after;  /* Retry-After value sent with 429 and 5xx, or NULL */
	int lfd, stop[2];
	pthread_t th;
	pthread_mutex_t mu;
};

/* Listen on a free loopback port (s->port) and serve until stopped; asserts on failure. */
void http_test_server_start(struct http_test_server *s, const struct http_test_profile *profile,
			    const int *script, size_t n, const char *retry_after);
/* Stop the thread and close the sockets; what was recorded stays readable. */
void http_test_server_stop(struct http_test_server *s);
/* Free what was recorded, after http_test_server_stop(). */
void http_test_server_free(struct http_test_server *s);
int http_test_server_count(struct http_test_server *s);
/* Whether n requests arrived within ms. */
bool http_test_server_wait(struct http_test_server *s, int n, unsigned ms);

#endif
