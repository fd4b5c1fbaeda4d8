// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * OTLP/HTTP JSON export: the request body parsed back with json-c
 * (resourceLogs[0].scopeLogs[0].logRecords[*], int64 as strings, valid
 * UTF-8), then the sender end to end against an HTTP server thread on
 * loopback: the URL path, headers, batching by count and by time, retry
 * on 500 and 429, no retry on 400, partial success, a receiver that is
 * down (queue full: dropped, counted, submit never blocks), one that
 * hangs (the drain deadline bounds finish), and the queue's byte bound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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
#include <json-c/json.h>
#include "export/export_otlp.h"
#include "http_test_server.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct json_object *get(struct json_object *o, const char *path)
{
	/* dotted path; numbers index arrays */
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(o, tok, &o))
			o = NULL;
	}
	if (!o)
		fail_msg("no %s in the payload", path);
	return o;
}

static const char *str_at(struct json_object *o, const char *path)
{
	struct json_object *v = get(o, path);

	if (!json_object_is_type(v, json_type_string))
		fail_msg("%s is not a string", path);
	return json_object_get_string(v);
}

/* The value object of attribute key in an attributes array, or NULL. */
static struct json_object *attr(struct json_object *attrs, const char *key)
{
	size_t i;

	for (i = 0; i < json_object_array_length(attrs); i++) {
		struct json_object *a = json_object_array_get_idx(attrs, i);

		if (!strcmp(str_at(a, "key"), key))
			return get(a, "value");
	}
	return NULL;
}

static const char *attr_str(struct json_object *attrs, const char *key, const char *kind)
{
	struct json_object *v = attr(attrs, key);

	if (!v)
		fail_msg("no attribute %s", key);
	return str_at(v, kind);
}

static struct json_object *records_of(struct json_object *root)
{
	struct json_object *recs = get(root, "resourceLogs.0.scopeLogs.0.logRecords");

	assert_int_equal(json_object_array_length(get(root, "resourceLogs")), 1);
	assert_int_equal(json_object_array_length(get(root, "resourceLogs.0.scopeLogs")), 1);
	assert_true(json_object_is_type(recs, json_type_array));
	return recs;
}

/* ---- the payload ---- */

#define EXEC_LINE "{\"seq\":1,\"type\":\"exec\",\"job_id\":12,\"pid\":4321,\"argv\":[\"a\\udc80b\",\"\\\"q\\\"\"]}\n"

static void test_payload_shape(void **state)
{
	const char verdict[] = "{\"seq\":2,\"type\":\"verdict\",\"rule\":\"r\",\"raw\":\"\xff\xc3\x28 \xe2\x82\xac\"}";
	struct otlp_record_in in[3] = {
		{ .line = EXEC_LINE, .len = strlen(EXEC_LINE), .type = "exec", .job_id = 12,
		  .pid = 4321, .time_ns = 1700000000123456789ULL, .sev = OTLP_SEV_INFO },
		{ .line = verdict, .len = strlen(verdict), .type = "verdict", .job_id = 12,
		  .pid = 4321, .time_ns = 1700000000999999999ULL, .sev = OTLP_SEV_ERROR },
		{ .line = "{\"type\":\"lost\"}", .len = 15, .type = "lost", .job_id = 0, .pid = 0,
		  .time_ns = 0, .sev = OTLP_SEV_WARN },
	};
	struct json_object *root, *recs, *r, *attrs, *v;
	char *body;
	uint64_t before = (uint64_t)time(NULL) * 1000000000ULL;

	body = otlp_payload(in, 3, "runner-7", "agent-1");
	assert_non_null(body);
	root = json_tokener_parse(body);
	assert_non_null(root);

	attrs = get(root, "resourceLogs.0.resource.attributes");
	assert_string_equal(attr_str(attrs, "service.name", "stringValue"), "buildwarden");
	assert_string_equal(attr_str(attrs, "host.name", "stringValue"), "runner-7");
	assert_string_equal(attr_str(attrs, "service.instance.id", "stringValue"), "agent-1");
	assert_string_equal(str_at(root, "resourceLogs.0.scopeLogs.0.scope.name"), "buildwarden");

	recs = records_of(root);
	assert_int_equal(json_object_array_length(recs), 3);

	r = json_object_array_get_idx(recs, 0);
	/* int64/fixed64 as decimal strings, enums as numbers */
	assert_string_equal(str_at(r, "timeUnixNano"), "1700000000123456789");
	assert_true(json_object_is_type(get(r, "observedTimeUnixNano"), json_type_string));
	assert_true(json_object_is_type(get(r, "severityNumber"), json_type_int));
	assert_int_equal(json_object_get_int(get(r, "severityNumber")), 9);
	assert_string_equal(str_at(r, "severityText"), "INFO");
	/* the body is the line, newline dropped, its escapes kept as text */
	assert_string_equal(str_at(r, "body.stringValue"),
			    "{\"seq\":1,\"type\":\"exec\",\"job_id\":12,\"pid\":4321,"
			    "\"argv\":[\"a\\udc80b\",\"\\\"q\\\"\"]}");
	attrs = get(r, "attributes");
	assert_string_equal(attr_str(attrs, "event.type", "stringValue"), "exec");
	assert_string_equal(attr_str(attrs, "job.id", "intValue"), "12");
	assert_string_equal(attr_str(attrs, "process.pid", "intValue"), "4321");
	/* and the body parses back to the record */
	v = json_tokener_parse(str_at(r, "body.stringValue"));
	assert_non_null(v);
	assert_int_equal(json_object_get_int(get(v, "pid")), 4321);
	json_object_put(v);

	r = json_object_array_get_idx(recs, 1);
	assert_int_equal(json_object_get_int(get(r, "severityNumber")), 17);
	assert_string_equal(str_at(r, "severityText"), "ERROR");
	/* bytes that are not UTF-8 become U+FFFD; valid ones stay */
	assert_non_null(strstr(str_at(r, "body.stringValue"),
			       "\"raw\":\"\xef\xbf\xbd\xef\xbf\xbd( \xe2\x82\xac\""));

	r = json_object_array_get_idx(recs, 2);
	assert_string_equal(str_at(r, "severityText"), "WARN");
	/* no time given: now; no job or pid: no attribute */
	assert_true(strtoull(str_at(r, "timeUnixNano"), NULL, 10) >= before);
	attrs = get(r, "attributes");
	assert_non_null(attr(attrs, "event.type"));
	assert_null(attr(attrs, "job.id"));
	assert_null(attr(attrs, "process.pid"));
	json_object_put(root);
	free(body);

	/* an empty batch is still a well-formed request */
	body = otlp_payload(NULL, 0, "h", NULL);
	assert_non_null(body);
	root = json_tokener_parse(body);
	assert_non_null(root);
	assert_int_equal(json_object_array_length(records_of(root)), 0);
	assert_null(attr(get(root, "resourceLogs.0.resource.attributes"), "service.instance.id"));
	json_object_put(root);
	free(body);
}

static void test_severity(void **state)
{
	assert_int_equal(otlp_severity_for_verdict("critical"), OTLP_SEV_ERROR);
	assert_int_equal(otlp_severity_for_verdict("high"), OTLP_SEV_ERROR);
	assert_int_equal(otlp_severity_for_verdict("medium"), OTLP_SEV_WARN);
	assert_int_equal(otlp_severity_for_verdict("low"), OTLP_SEV_WARN);
	assert_int_equal(otlp_severity_for_verdict("info"), OTLP_SEV_WARN);
	assert_int_equal(otlp_severity_for_verdict(NULL), OTLP_SEV_WARN);
}

/* ---- the sender, end to end against a loopback HTTP server ---- */

/* answers as an OTLP receiver does: JSON; PARTIAL is a 200 rejecting 2 records */
static const struct http_test_profile otlp_receiver = {
	.header = "X-Scope-OrgID",
	.content_type = "application/json",
	.body = "{}",
	.partial_body = "{\"partialSuccess\":{\"rejectedLogRecords\":\"2\","
			"\"errorMessage\":\"too old\"}}",
};

static struct otlp *start_at(const char *url, unsigned batch, unsigned flush_ms, unsigned queue_len)
{
	static const char *const headers[] = { "X-Scope-OrgID: tenant-7", NULL };
	struct otlp_config cfg = {
		.batch_records = batch, .flush_ms = flush_ms, .queue_len = queue_len,
		.timeout_ms = 1000, .max_attempts = 3, .host_name = "runner-7", .headers = headers,
	};
	struct otlp *o = NULL;

	assert_int_equal(otlp_start(&o, url, &cfg), 0);
	assert_non_null(o);
	return o;
}

static void submit_n(struct otlp *o, unsigned from, unsigned n)
{
	char line[128];
	int len;

	for (unsigned i = from; i < from + n; i++) {
		len = snprintf(line, sizeof(line), "{\"seq\":%u,\"type\":\"exec\",\"job_id\":3}\n", i);
		otlp_submit(o, line, (size_t)len, "exec", 3, 1000 + i, 1700000000000000000ULL + i,
			    OTLP_SEV_INFO);
	}
}

/* Records in request i, checking the shape; seqs appended to seq[] from *n. */
static size_t check_request(struct http_test_server *s, int i, unsigned *seq, size_t *n)
{
	struct json_object *root, *recs, *body;
	size_t k, count;

	assert_string_equal(s->req[i].content_type, "application/json");
	assert_string_equal(s->req[i].header, "tenant-7");
	root = json_tokener_parse(s->req[i].body);
	if (!root)
		fail_msg("request %d is not JSON: %.200s", i, s->req[i].body);
	assert_string_equal(attr_str(get(root, "resourceLogs.0.resource.attributes"),
				     "host.name", "stringValue"), "runner-7");
	recs = records_of(root);
	count = json_object_array_length(recs);
	for (k = 0; k < count; k++) {
		body = json_tokener_parse(str_at(json_object_array_get_idx(recs, k),
						 "body.stringValue"));
		assert_non_null(body);
		if (seq)
			seq[(*n)++] = (unsigned)json_object_get_int(get(body, "seq"));
		json_object_put(body);
	}
	json_object_put(root);
	return count;
}

static void test_url_paths(void **state)
{
	struct http_test_server s;
	struct otlp *o;
	struct http_stats st;
	char url[128];
	static const char *const forms[][2] = {
		{ "", "/v1/logs" },
		{ "/", "/v1/logs" },
		{ "/v1/logs", "/v1/logs" },
		{ "/otlp/tenant/v1/logs?x=1", "/otlp/tenant/v1/logs?x=1" },
	};

	http_test_server_start(&s, &otlp_receiver, NULL, 0, NULL);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s.port, forms[i][0]);
		o = start_at(url, 1, 60000, 16);
		submit_n(o, 0, 1);
		assert_true(http_test_server_wait(&s, (int)i + 1, 5000));
		otlp_finish(o, 2000, &st);
		assert_int_equal(st.sent, 1);
		assert_string_equal(s.req[i].path, forms[i][1]);
		assert_int_equal(check_request(&s, (int)i, NULL, NULL), 1);
	}
	http_test_server_stop(&s);
	http_test_server_free(&s);
}

static void test_bad_urls(void **state)
{
	static const char *const bad[] = { "", "ftp://127.0.0.1/v1/logs", "file:///etc/passwd",
					   "127.0.0.1:4318 x", NULL };
	static const char *const bad_hdr[] = { "no colon here", NULL };
	static const char *const crlf_hdr[] = { "X-A: b\r\nX-Injected: 1", NULL };
	struct otlp_config cfg = { .headers = bad_hdr };
	struct otlp *o;

	for (const char *const *b = bad; *b; b++) {
		o = (struct otlp *)1;
		if (otlp_start(&o, *b, NULL) == 0)
			fail_msg("'%s' was accepted", *b);
		assert_null(o);
	}
	assert_int_equal(otlp_start(&o, NULL, NULL), -EINVAL);
	assert_int_equal(otlp_start(&o, "http://127.0.0.1:1", &cfg), -EINVAL);
	cfg.headers = crlf_hdr;
	assert_int_equal(otlp_start(&o, "http://127.0.0.1:1", &cfg), -EINVAL);
	/* NULL-safe */
	otlp_submit(NULL, "{}", 2, "exec", 0, 0, 0, OTLP_SEV_INFO);
	otlp_finish(NULL, 0, NULL);
}

static void test_batching(void **state)
{
	struct http_test_server s;
	struct otlp *o;
	struct http_stats st;
	char url[64];
	unsigned seq[64];
	size_t n = 0;
	uint64_t t0;

	http_test_server_start(&s, &otlp_receiver, NULL, 0, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", s.port);
	/* by count: 12 records, batches of 5, a flush time far away */
	o = start_at(url, 5, 60000, 64);
	submit_n(o, 0, 12);
	assert_true(http_test_server_wait(&s, 2, 5000));
	poll(NULL, 0, 300);
	assert_int_equal(http_test_server_count(&s), 2); /* the last 2 wait for a full batch or the timer */
	otlp_stats(o, &st);
	assert_int_equal(st.submitted, 12);
	assert_int_equal(st.sent, 10);
	otlp_finish(o, 3000, &st); /* the rest goes at finish */
	assert_int_equal(http_test_server_count(&s), 3);
	assert_int_equal(check_request(&s, 0, seq, &n), 5);
	assert_int_equal(check_request(&s, 1, seq, &n), 5);
	assert_int_equal(check_request(&s, 2, seq, &n), 2);
	for (unsigned i = 0; i < 12; i++)
		assert_int_equal(seq[i], i); /* in order, none twice */
	assert_int_equal(st.sent, 12);
	assert_int_equal(st.batches, 3);
	assert_int_equal(st.failed + st.dropped + st.retries, 0);

	/* by time: 3 records, batches of 100, flushed 300 ms after the first */
	o = start_at(url, 100, 300, 64);
	t0 = mono_ms();
	submit_n(o, 100, 3);
	assert_true(http_test_server_wait(&s, 4, 5000));
	assert_true(s.req[3].at_ms - t0 >= 250);
	assert_true(s.req[3].at_ms - t0 < 2000);
	n = 0;
	assert_int_equal(check_request(&s, 3, seq, &n), 3);
	assert_int_equal(seq[0], 100);
	otlp_finish(o, 1000, &st);
	assert_int_equal(st.sent, 3);
	assert_int_equal(st.batches, 1);
	http_test_server_stop(&s);
	http_test_server_free(&s);
}

static void test_retry_500_and_429(void **state)
{
	static const int script[] = { 500, 200, 429, 200 };
	struct http_test_server s;
	struct otlp *o;
	struct http_stats st;
	char url[64];

	http_test_server_start(&s, &otlp_receiver, script, 4, "1");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/logs", s.port);
	o = start_at(url, 4, 60000, 64);
	submit_n(o, 0, 4);
	assert_true(http_test_server_wait(&s, 2, 5000));
	submit_n(o, 4, 4);
	assert_true(http_test_server_wait(&s, 4, 5000));
	otlp_finish(o, 3000, &st);
	assert_int_equal(http_test_server_count(&s), 4);
	/* the same batch again, after a backoff; Retry-After: 1 is honoured */
	assert_string_equal(s.req[0].body, s.req[1].body);
	assert_string_equal(s.req[2].body, s.req[3].body);
	assert_true(s.req[1].at_ms - s.req[0].at_ms >= 200);
	assert_true(s.req[3].at_ms - s.req[2].at_ms >= 950);
	assert_int_equal(st.submitted, 8);
	assert_int_equal(st.sent, 8);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.failed + st.dropped, 0);
	http_test_server_stop(&s);
	http_test_server_free(&s);
}

static void test_400_and_partial_success(void **state)
{
	static const int script[] = { 400, HTTP_TEST_PARTIAL };
	struct http_test_server s;
	struct otlp *o;
	struct http_stats st;
	char url[64];

	http_test_server_start(&s, &otlp_receiver, script, 2, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", s.port);
	o = start_at(url, 3, 60000, 64);
	submit_n(o, 0, 3);
	assert_true(http_test_server_wait(&s, 1, 5000));
	submit_n(o, 3, 3);
	assert_true(http_test_server_wait(&s, 2, 5000));
	otlp_finish(o, 2000, &st);
	assert_int_equal(http_test_server_count(&s), 2); /* 400: not retried */
	assert_int_equal(st.submitted, 6);
	assert_int_equal(st.failed, 3 + 2);
	assert_int_equal(st.sent, 1);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.retries + st.dropped, 0);
	http_test_server_stop(&s);
	http_test_server_free(&s);
}

static void test_receiver_down(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct otlp *o;
	struct http_stats st;
	char url[64];
	uint64_t t0, took;
	int fd;

	/* a port nothing listens on */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", ntohs(sa.sin_port));
	o = start_at(url, 2, 60000, 4);
	t0 = mono_ms();
	submit_n(o, 0, 200);
	took = mono_ms() - t0;
	assert_true(took < 200); /* the caller never waits for the network */
	poll(NULL, 0, 500);
	submit_n(o, 200, 10);
	otlp_finish(o, 1500, &st);
	assert_true(mono_ms() - t0 < 500 + 1500 + 1000);
	assert_int_equal(st.submitted, 210);
	assert_int_equal(st.sent, 0);
	assert_true(st.failed >= 2);        /* batches tried and given up on */
	assert_true(st.dropped >= 200);     /* the queue holds 4 */
	assert_true(st.retries >= 1);
	assert_int_equal(st.submitted, st.sent + st.failed + st.dropped);
}

static void test_hanging_receiver_bounded_by_drain(void **state)
{
	static const int script[] = { HTTP_TEST_HANG };
	struct http_test_server s;
	struct otlp *o;
	struct otlp_config cfg = { .batch_records = 2, .flush_ms = 60000, .timeout_ms = 30000,
				   .max_attempts = 5, .host_name = "h" };
	struct http_stats st;
	char url[64];
	uint64_t t0;

	http_test_server_start(&s, &otlp_receiver, script, 1, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", s.port);
	assert_int_equal(otlp_start(&o, url, &cfg), 0);
	submit_n(o, 0, 5);
	assert_true(http_test_server_wait(&s, 1, 5000));
	t0 = mono_ms();
	otlp_finish(o, 700, &st);
	assert_true(mono_ms() - t0 < 700 + 800);
	assert_int_equal(st.submitted, 5);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.failed, 2);   /* in flight when the deadline cut it */
	assert_int_equal(st.dropped, 3);  /* never tried */
	http_test_server_stop(&s);
	http_test_server_free(&s);
}

static void test_queue_byte_bound(void **state)
{
	struct http_test_server s;
	struct otlp *o;
	struct otlp_config cfg = { .batch_records = 100, .flush_ms = 60000, .queue_bytes = 100,
				   .host_name = "h" };
	struct http_stats st;
	char url[64], line[61];
	char *huge;

	memset(line, 'z', 60);
	line[60] = '\0';
	http_test_server_start(&s, &otlp_receiver, NULL, 0, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", s.port);
	assert_int_equal(otlp_start(&o, url, &cfg), 0);
	otlp_submit(o, line, 60, "exec", 1, 1, 0, OTLP_SEV_INFO);
	otlp_submit(o, line, 60, "exec", 1, 1, 0, OTLP_SEV_INFO);  /* 120 > 100 bytes */
	otlp_submit(o, line, 30, "exec", 1, 1, 0, OTLP_SEV_INFO);  /* 90: fits */
	huge = malloc(OTLP_RECORD_MAX + 1);
	assert_non_null(huge);
	memset(huge, 'h', OTLP_RECORD_MAX + 1);
	otlp_submit(o, huge, OTLP_RECORD_MAX + 1, "exec", 1, 1, 0, OTLP_SEV_INFO);
	free(huge);
	otlp_submit(o, NULL, 0, "exec", 1, 1, 0, OTLP_SEV_INFO);
	otlp_stats(o, &st);
	assert_int_equal(st.submitted, 5);
	assert_int_equal(st.dropped, 3);
	otlp_finish(o, 2000, &st);
	assert_int_equal(st.sent, 2);
	assert_int_equal(http_test_server_count(&s), 1);
	http_test_server_stop(&s);
	http_test_server_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_shape),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_url_paths),
		cmocka_unit_test(test_bad_urls),
		cmocka_unit_test(test_batching),
		cmocka_unit_test(test_retry_500_and_429),
		cmocka_unit_test(test_400_and_partial_success),
		cmocka_unit_test(test_receiver_down),
		cmocka_unit_test(test_hanging_receiver_bounded_by_drain),
		cmocka_unit_test(test_queue_byte_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
