// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The scripted loopback HTTP server of the sender tests (http_test_server.h).
 * Requests are read whole (headers, then Content-Length bytes of body), up
 * to 1 MiB; a script entry of HTTP_TEST_HANG holds the connection open
 * without answering until the client gives up or the server is stopped.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "http_test_server.h"

#define REQUEST_MAX (1 << 20)

/* The clock the tests' own mono_ms() reads, so times compare. */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for fd (if >= 0) or the stop pipe; true when stopping. */
static bool wait_stop(struct http_test_server *s, int fd)
{
	struct pollfd p[2] = { { .fd = s->stop[0], .events = POLLIN }, { .fd = fd, .events = POLLIN } };

	return poll(p, fd >= 0 ? 2 : 1, -1) > 0 && (p[0].revents & POLLIN);
}

/* The value of header name (given as "\r\nName:") in req, or "". */
static void header_value(const char *req, const char *name, char *out, size_t size)
{
	const char *p = strcasestr(req, name);

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(name);
	while (*p == ' ')
		p++;
	snprintf(out, size, "%.*s", (int)strcspn(p, "\r\n"), p);
}

/* Read one request into req (NUL-terminated); the start of its body, or NULL. */
static char *read_request(int fd, char *req, size_t cap)
{
	size_t len = 0, want = 0;
	char *end = NULL, cl[32];
	ssize_t r;

	req[0] = '\0';
	while (len < cap - 1) {
		r = read(fd, req + len, cap - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		req[len] = '\0';
		if (!end && (end = strstr(req, "\r\n\r\n"))) {
			header_value(req, "\r\nContent-Length:", cl, sizeof(cl));
			want = (size_t)(end + 4 - req) + (size_t)atol(cl);
		}
		if (end && len >= want)
			break;
	}
	return end ? end + 4 : NULL;
}

/* Record request number s->n; its scripted status. */
static int record(struct http_test_server *s, const char *req, const char *body)
{
	struct http_test_request *rq;
	char name[128];
	int i, status;

	pthread_mutex_lock(&s->mu);
	i = s->n < HTTP_TEST_MAX ? s->n : HTTP_TEST_MAX - 1;
	s->n++;
	rq = &s->req[i];
	free(rq->body);
	rq->body = strdup(body ? body : "");
	rq->path[0] = '\0';
	sscanf(req, "POST %127s", rq->path);
	header_value(req, "\r\nContent-Type:", rq->content_type, sizeof(rq->content_type));
	header_value(req, "\r\nUser-Agent:", rq->user_agent, sizeof(rq->user_agent));
	rq->header[0] = '\0';
	if (s->profile->header) {
		snprintf(name, sizeof(name), "\r\n%s:", s->profile->header);
		header_value(req, name, rq->header, sizeof(rq->header));
	}
	rq->at_ms = now_ms();
	status = s->script[i] ? s->script[i] : 200;
	pthread_mutex_unlock(&s->mu);
	return status;
}

static void reply(struct http_test_server *s, int fd, int status)
{
	const struct http_test_profile *p = s->profile;
	const char *body = status == HTTP_TEST_PARTIAL ? p->partial_body : p->body;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f) {
		perror("test server reply");
		return;
	}
	if (!body)
		body = "";
	fprintf(f, "HTTP/1.1 %d X\r\n", status == HTTP_TEST_PARTIAL ? 200 : status);
	if (p->content_type)
		fprintf(f, "Content-Type: %s\r\n", p->content_type);
	fprintf(f, "Content-Length: %zu\r\n", strlen(body));
	if (s->retry_after && status >= 429)
		fprintf(f, "Retry-After: %s\r\n", s->retry_after);
	fprintf(f, "Connection: close\r\n\r\n%s", body);
	if (fclose(f) == 0 && write(fd, out, len) < 0)
		perror("test server write");
	free(out);
}

static void *server_main(void *arg)
{
	struct http_test_server *s = arg;
	char *req = malloc(REQUEST_MAX), *body;
	int fd, status;
	bool stop;

	if (!req) {
		perror("test server request buffer");
		return NULL;
	}
	for (;;) {
		if (wait_stop(s, s->lfd))
			break;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		body = read_request(fd, req, REQUEST_MAX);
		status = record(s, req, body);
		if (status == HTTP_TEST_HANG) {
			stop = wait_stop(s, fd); /* until the client gives up, or the end */
			close(fd);
			if (stop)
				break;
			continue;
		}
		reply(s, fd, status);
		close(fd);
	}
	free(req);
	return NULL;
}

void http_test_server_start(struct http_test_server *s, const struct http_test_profile *profile,
			    const int *script, size_t n, const char *retry_after)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	assert_true(n <= HTTP_TEST_MAX);
	memset(s, 0, sizeof(*s));
	s->profile = profile;
	if (n)
		memcpy(s->script, script, n * sizeof(*script));
	s->retry_after = retry_after;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 16), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &sl), 0);
	s->port = ntohs(sa.sin_port);
	assert_int_equal(pipe2(s->stop, O_CLOEXEC), 0);
	pthread_mutex_init(&s->mu, NULL);
	assert_int_equal(pthread_create(&s->th, NULL, server_main, s), 0);
}

void http_test_server_stop(struct http_test_server *s)
{
	assert_int_equal(write(s->stop[1], "x", 1), 1);
	pthread_join(s->th, NULL);
	close(s->lfd);
	close(s->stop[0]);
	close(s->stop[1]);
	pthread_mutex_destroy(&s->mu);
}

void http_test_server_free(struct http_test_server *s)
{
	for (int i = 0; i < HTTP_TEST_MAX; i++) {
		free(s->req[i].body);
		s->req[i].body = NULL;
	}
}

int http_test_server_count(struct http_test_server *s)
{
	int n;

	pthread_mutex_lock(&s->mu);
	n = s->n;
	pthread_mutex_unlock(&s->mu);
	return n;
}

bool http_test_server_wait(struct http_test_server *s, int n, unsigned ms)
{
	uint64_t t0 = now_ms();

	while (http_test_server_count(s) < n && now_ms() - t0 < ms)
		poll(NULL, 0, 10);
	return http_test_server_count(s) >= n;
}
