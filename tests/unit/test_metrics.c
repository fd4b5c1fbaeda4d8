// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metrics endpoint: the exposition format line by line, counters
 * under concurrent updates, and the HTTP server on a loopback port and on
 * a unix socket (200, HEAD, 404, 405, 400, 431, a stalled client, a prompt
 * stop). No root, no network beyond 127.0.0.1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "export/metrics.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char *render(struct metrics *m)
{
	char *buf = malloc(METRICS_RENDER_MAX);
	int n;

	assert_non_null(buf);
	n = metrics_render(m, buf, METRICS_RENDER_MAX);
	assert_true(n > 0);
	assert_int_equal(strlen(buf), (size_t)n);
	return buf;
}

/* The line of the exposition that starts with prefix (and a space), or fail. */
static const char *sample(const char *text, const char *series, char *out, size_t size)
{
	const char *p = text;
	size_t n = strlen(series);

	while (p && *p) {
		if (!strncmp(p, series, n) && p[n] == ' ') {
			snprintf(out, size, "%.*s", (int)strcspn(p + n + 1, "\n"), p + n + 1);
			return out;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	fail_msg("no sample %s in:\n%s", series, text);
	return NULL;
}

/* ---- the exposition ---- */

static void test_render_format(void **state)
{
	static const char *const families[][2] = {
		{ "buildwarden_events_total", "counter" },
		{ "buildwarden_lost_events_total", "counter" },
		{ "buildwarden_verdicts_total", "counter" },
		{ "buildwarden_alerts_sent_total", "counter" },
		{ "buildwarden_alerts_failed_total", "counter" },
		{ "buildwarden_alerts_dropped_total", "counter" },
		{ "buildwarden_jobs_active", "gauge" },
		{ "buildwarden_jobs_total", "counter" },
		{ "buildwarden_process_table_entries", "gauge" },
		{ "buildwarden_start_time_seconds", "gauge" },
	};
	struct metrics *m;
	regex_t help, type, smpl;
	char *text, *line, *save = NULL, current[64] = "", want[128];
	size_t samples = 0;
	int helps = 0, types = 0;
	regmatch_t mt[3];

	assert_int_equal(metrics_start(&m, NULL), 0);
	assert_string_equal(metrics_address(m), "");
	text = render(m);
	assert_int_equal(regcomp(&help, "^# HELP (buildwarden_[a-z_]+) [^\n]+$", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&type, "^# TYPE (buildwarden_[a-z_]+) (counter|gauge)$", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&smpl, "^(buildwarden_[a-z_]+)(\\{[a-z]+=\"[a-z_-]+\"\\})? "
				 "[0-9]+(\\.[0-9]{3})?$", REG_EXTENDED), 0);
	assert_true(text[strlen(text) - 1] == '\n'); /* the format wants a final newline */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!regexec(&help, line, 2, mt, 0)) {
			/* HELP then TYPE for each family, before its samples */
			snprintf(current, sizeof(current), "%.*s", (int)(mt[1].rm_eo - mt[1].rm_so),
				 line + mt[1].rm_so);
			assert_string_equal(current, families[helps][0]);
			helps++;
			continue;
		}
		if (!regexec(&type, line, 3, mt, 0)) {
			snprintf(want, sizeof(want), "# TYPE %s %s", families[types][0],
				 families[types][1]);
			assert_string_equal(line, want);
			assert_int_equal(types + 1, helps);
			types++;
			/* counters end in _total, gauges do not */
			assert_int_equal(!strcmp(families[types - 1][1], "counter"),
					 strstr(line, "_total ") != NULL);
			continue;
		}
		if (regexec(&smpl, line, 2, mt, 0))
			fail_msg("not a HELP, TYPE or sample line: '%s'", line);
		assert_int_equal((size_t)(mt[1].rm_eo - mt[1].rm_so), strlen(current));
		assert_memory_equal(line, current, strlen(current));
		samples++;
	}
	assert_int_equal(helps, 10);
	assert_int_equal(types, 10);
	assert_int_equal(samples, (size_t)METRIC__COUNT);
	regfree(&help);
	regfree(&type);
	regfree(&smpl);
	free(text);
	metrics_stop(m);
}

static void test_values_and_labels(void **state)
{
	struct metrics *m;
	char *text, v[64];
	struct timespec ts;
	double start;

	clock_gettime(CLOCK_REALTIME, &ts);
	assert_int_equal(metrics_start(&m, NULL), 0);
	metrics_add(m, METRIC_EVENTS_EXEC, 3);
	metrics_add(m, METRIC_EVENTS_EXEC, 4);
	metrics_add(m, METRIC_EVENTS_PRIVILEGE, 1);
	metrics_add(m, METRIC_LOST_EVENTS, 12);
	metrics_add(m, METRIC_VERDICTS_KILL_JOB, 2);
	metrics_set(m, METRIC_ALERTS_SENT, 5);
	metrics_set(m, METRIC_ALERTS_FAILED, 1);
	metrics_set(m, METRIC_ALERTS_DROPPED, 18446744073709551615ULL);
	metrics_set(m, METRIC_JOBS_ACTIVE, 2);
	metrics_add(m, METRIC_JOBS, 9);
	metrics_set(m, METRIC_PROCTAB_ENTRIES, 321);
	metrics_add(m, METRIC__COUNT, 1);        /* out of range: ignored */
	metrics_add(NULL, METRIC_JOBS, 1);       /* NULL: ignored */
	assert_int_equal(metrics_get(m, METRIC_EVENTS_EXEC), 7);
	assert_int_equal(metrics_get(NULL, METRIC_EVENTS_EXEC), 0);
	text = render(m);
	assert_string_equal(sample(text, "buildwarden_events_total{type=\"exec\"}", v, sizeof(v)), "7");
	assert_string_equal(sample(text, "buildwarden_events_total{type=\"fork\"}", v, sizeof(v)), "0");
	assert_string_equal(sample(text, "buildwarden_events_total{type=\"exec_failed\"}", v, sizeof(v)), "0");
	assert_string_equal(sample(text, "buildwarden_events_total{type=\"privilege\"}", v, sizeof(v)), "1");
	assert_string_equal(sample(text, "buildwarden_lost_events_total", v, sizeof(v)), "12");
	assert_string_equal(sample(text, "buildwarden_verdicts_total{action=\"kill-job\"}", v, sizeof(v)), "2");
	assert_string_equal(sample(text, "buildwarden_verdicts_total{action=\"kill-process\"}", v, sizeof(v)), "0");
	assert_string_equal(sample(text, "buildwarden_alerts_sent_total", v, sizeof(v)), "5");
	assert_string_equal(sample(text, "buildwarden_alerts_failed_total", v, sizeof(v)), "1");
	assert_string_equal(sample(text, "buildwarden_alerts_dropped_total", v, sizeof(v)),
			    "18446744073709551615");
	assert_string_equal(sample(text, "buildwarden_jobs_active", v, sizeof(v)), "2");
	assert_string_equal(sample(text, "buildwarden_jobs_total", v, sizeof(v)), "9");
	assert_string_equal(sample(text, "buildwarden_process_table_entries", v, sizeof(v)), "321");
	start = strtod(sample(text, "buildwarden_start_time_seconds", v, sizeof(v)), NULL);
	assert_true(start >= (double)ts.tv_sec && start < (double)ts.tv_sec + 60);
	free(text);

	/* the labels of docs/EVENTS.md and docs/POLICY.md map to their series */
	assert_int_equal(metrics_event_series("exec"), METRIC_EVENTS_EXEC);
	assert_int_equal(metrics_event_series("fork"), METRIC_EVENTS_FORK);
	assert_int_equal(metrics_event_series("exec_failed"), METRIC_EVENTS_EXEC_FAILED);
	assert_int_equal(metrics_event_series("privilege"), METRIC_EVENTS_PRIVILEGE);
	assert_int_equal(metrics_event_series("verdict"), -1);
	assert_int_equal(metrics_event_series("lost"), -1);
	assert_int_equal(metrics_event_series(NULL), -1);
	assert_int_equal(metrics_verdict_series("log"), METRIC_VERDICTS_LOG);
	assert_int_equal(metrics_verdict_series("deny"), METRIC_VERDICTS_DENY);
	assert_int_equal(metrics_verdict_series("kill-process"), METRIC_VERDICTS_KILL_PROCESS);
	assert_int_equal(metrics_verdict_series("exec"), -1);
	metrics_stop(m);
	metrics_stop(NULL);
}

static void test_render_too_small(void **state)
{
	struct metrics *m;
	char buf[64];

	assert_int_equal(metrics_start(&m, NULL), 0);
	assert_int_equal(metrics_render(m, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(metrics_render(m, buf, 0), -ENOSPC);
	metrics_stop(m);
}

#define ADDERS 4
#define ADDS 100000

static void *adder(void *arg)
{
	struct metrics *m = arg;

	for (int i = 0; i < ADDS; i++) {
		metrics_add(m, METRIC_EVENTS_FORK, 1);
		metrics_add(m, METRIC_EVENTS_EXIT, 2);
	}
	return NULL;
}

static void test_concurrent_adds(void **state)
{
	struct metrics *m;
	pthread_t th[ADDERS];
	char buf[METRICS_RENDER_MAX];
	int i;

	assert_int_equal(metrics_start(&m, NULL), 0);
	for (i = 0; i < ADDERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, adder, m), 0);
	for (i = 0; i < 50; i++) /* render while they count */
		assert_true(metrics_render(m, buf, sizeof(buf)) > 0);
	for (i = 0; i < ADDERS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(metrics_get(m, METRIC_EVENTS_FORK), (uint64_t)ADDERS * ADDS);
	assert_int_equal(metrics_get(m, METRIC_EVENTS_EXIT), (uint64_t)ADDERS * ADDS * 2);
	metrics_stop(m);
}

/* ---- the server ---- */

static int connect_to(const char *address)
{
	int fd;

	if (!strncmp(address, "unix:", 5)) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", address + 5);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fd >= 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		const char *colon = strrchr(address, ':');
		char host[64];

		assert_non_null(colon);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - address), address);
		assert_int_equal(inet_pton(AF_INET, host, &sa.sin_addr), 1);
		sa.sin_port = htons((uint16_t)atoi(colon + 1));
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(fd >= 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	return fd;
}

/* Send req (n bytes), read the whole answer (to EOF, within 5 s). */
static char *exchange(const char *address, const char *req, size_t n)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	struct pollfd p;
	ssize_t r;
	int fd = connect_to(address);

	assert_non_null(buf);
	if (n)
		assert_int_equal(send(fd, req, n, MSG_NOSIGNAL), (ssize_t)n);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		assert_true(poll(&p, 1, 5000) == 1);
		r = read(fd, buf + len, cap - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		assert_true(len < cap - 1);
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

static char *get(const char *address, const char *req)
{
	return exchange(address, req, strlen(req));
}

static void check_metrics_response(struct metrics *m, const char *resp, bool head)
{
	const char *body = strstr(resp, "\r\n\r\n");
	char want[METRICS_RENDER_MAX], cl[64];
	int n;

	assert_non_null(body);
	body += 4;
	assert_true(!strncmp(resp, "HTTP/1.0 200 OK\r\n", 17));
	assert_non_null(strstr(resp, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(resp, "\r\nConnection: close\r\n"));
	n = metrics_render(m, want, sizeof(want));
	assert_true(n > 0);
	snprintf(cl, sizeof(cl), "\r\nContent-Length: %d\r\n", n);
	assert_non_null(strstr(resp, cl));
	if (head)
		assert_string_equal(body, "");
	else
		assert_string_equal(body, want);
}

static void test_serve_tcp(void **state)
{
	struct metrics *m;
	char *r, big[METRICS_REQUEST_MAX + 64];
	const char *addr;

	assert_int_equal(metrics_start(&m, "127.0.0.1:0"), 0);
	addr = metrics_address(m);
	assert_true(!strncmp(addr, "127.0.0.1:", 10) && atoi(addr + 10) > 0);
	metrics_set(m, METRIC_JOBS_ACTIVE, 3);

	/* what Prometheus sends */
	r = get(addr, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Prometheus/2.42.0\r\n"
		      "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n"
		      "Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n");
	check_metrics_response(m, r, false);
	assert_non_null(strstr(r, "\nbuildwarden_jobs_active 3\n"));
	free(r);
	/* bare newlines, a query string, HTTP/1.0 */
	r = get(addr, "GET /metrics?name[]=x HTTP/1.0\n\n");
	check_metrics_response(m, r, false);
	free(r);
	r = get(addr, "HEAD /metrics HTTP/1.1\r\n\r\n");
	check_metrics_response(m, r, true);
	free(r);

	r = get(addr, "GET / HTTP/1.1\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.0 404 ", 13));
	free(r);
	r = get(addr, "GET /metrics/x HTTP/1.1\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.0 404 ", 13));
	free(r);
	r = get(addr, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.0 405 ", 13));
	assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
	free(r);
	r = get(addr, "GET /metrics\r\n\r\n"); /* HTTP/0.9 style: no version */
	assert_true(!strncmp(r, "HTTP/1.0 400 ", 13));
	free(r);
	r = get(addr, "GET /metrics SPDY/3\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.0 400 ", 13));
	free(r);
	r = exchange(addr, "GET /metrics HTTP/1.1\r\nX: \0\r\n\r\n", 30);
	assert_true(!strncmp(r, "HTTP/1.0 400 ", 13));
	free(r);

	/* a head past the limit is refused, not read forever */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\nX-Pad: ", 30);
	r = exchange(addr, big, sizeof(big));
	assert_true(!strncmp(r, "HTTP/1.0 431 ", 13));
	free(r);

	/* closing without a request costs nothing */
	r = exchange(addr, "", 0);
	free(r);
	close(connect_to(addr));
	r = get(addr, "GET /metrics HTTP/1.1\r\n\r\n");
	check_metrics_response(m, r, false);
	free(r);
	metrics_stop(m);
}

static void test_stalled_client(void **state)
{
	struct metrics *m;
	uint64_t t0;
	char *r;
	int idle;

	assert_int_equal(metrics_start(&m, "127.0.0.1:0"), 0);
	/* a client that sends half a request and waits is cut off at the timeout */
	idle = connect_to(metrics_address(m));
	assert_int_equal(send(idle, "GET /met", 8, MSG_NOSIGNAL), 8);
	t0 = mono_ms();
	r = get(metrics_address(m), "GET /metrics HTTP/1.1\r\n\r\n");
	check_metrics_response(m, r, false);
	free(r);
	assert_true(mono_ms() - t0 < METRICS_CONN_TIMEOUT_MS + 1500);
	close(idle);

	/* stop is prompt even with a client holding the server */
	idle = connect_to(metrics_address(m));
	assert_int_equal(send(idle, "GET /met", 8, MSG_NOSIGNAL), 8);
	poll(NULL, 0, 100);
	t0 = mono_ms();
	metrics_stop(m);
	assert_true(mono_ms() - t0 < 1000);
	close(idle);
}

static void test_serve_unix(void **state)
{
	char dir[] = "/tmp/bw-metrics-XXXXXX", path[100], listen_at[160];
	struct metrics *m, *m2;
	struct stat st;
	char *r;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/metrics.sock", dir);
	snprintf(listen_at, sizeof(listen_at), "unix:%s", path);

	assert_int_equal(metrics_start(&m, listen_at), 0);
	assert_string_equal(metrics_address(m), listen_at);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	metrics_add(m, METRIC_LOST_EVENTS, 42);
	r = get(listen_at, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
	check_metrics_response(m, r, false);
	assert_non_null(strstr(r, "\nbuildwarden_lost_events_total 42\n"));
	free(r);
	/* a second agent on the same live socket is refused */
	assert_int_equal(metrics_start(&m2, listen_at), -EADDRINUSE);
	assert_null(m2);
	metrics_stop(m);
	assert_int_equal(lstat(path, &st), -1); /* removed at stop */

	/* a stale socket (its agent gone) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	close(fd);
	assert_int_equal(metrics_start(&m, listen_at), 0);
	r = get(listen_at, "GET /metrics HTTP/1.0\r\n\r\n");
	check_metrics_response(m, r, false);
	free(r);
	metrics_stop(m);

	/* anything else at the path is left alone */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(metrics_start(&m, listen_at), -EEXIST);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(metrics_start(&m, listen_at), -EEXIST);
	unlink(path);
	rmdir(dir);
}

static void test_bad_listen(void **state)
{
	static const char *const bad[] = {
		"9464", ":9464", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:94x4",
		"[::1]9464", "[::1", "::1:9464", "unix:", "127.0.0.1:-1", "[]:9464",
		"example.com:9464", "127.1:9464x", "0x7f000001:80", "[127.0.0.1]:9464",
		"unix:/tmp/this-path-is-far-too-long-for-a-unix-socket-address-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock",
		NULL,
	};
	struct metrics *m, *m2;
	char taken[64];

	for (const char *const *b = bad; *b; b++) {
		m = (struct metrics *)1;
		if (metrics_start(&m, *b) == 0)
			fail_msg("'%s' was accepted", *b);
		assert_null(m);
	}
	/* a port in use */
	assert_int_equal(metrics_start(&m, "127.0.0.1:0"), 0);
	snprintf(taken, sizeof(taken), "%s", metrics_address(m));
	assert_int_equal(metrics_start(&m2, taken), -EADDRINUSE);
	metrics_stop(m);
	/* "localhost" is the IPv4 loopback, without a name lookup */
	assert_int_equal(metrics_start(&m, "localhost:0"), 0);
	assert_true(!strncmp(metrics_address(m), "127.0.0.1:", 10));
	metrics_stop(m);
	/* IPv6 loopback, when the host has it */
	if (metrics_start(&m, "[::1]:0") == 0) {
		assert_true(!strncmp(metrics_address(m), "[::1]:", 6));
		metrics_stop(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_format),
		cmocka_unit_test(test_values_and_labels),
		cmocka_unit_test(test_render_too_small),
		cmocka_unit_test(test_concurrent_adds),
		cmocka_unit_test(test_serve_tcp),
		cmocka_unit_test(test_stalled_client),
		cmocka_unit_test(test_serve_unix),
		cmocka_unit_test(test_bad_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
