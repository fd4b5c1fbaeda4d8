// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The build as a trace: W3C traceparent rules, span ids, the protobuf
 * wire bytes of OTLP messages against bytes worked out by hand from
 * trace.proto, the JSON mapping, the OpenTelemetry environment variables,
 * and a job's spans (parent links, times, status, event caps, processes
 * still running at the end) as the trace sender POSTs them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "events/proctab.h"
#include "lib/refstr.h"
#include "export/export_otlp.h"
#include "export/otel_env.h"
#include "export/otlp_proto.h"
#include "export/trace_encode.h"
#include "export/trace_spans.h"
#include "lib/trace_context.h"
#include "http_test_server.h"

/* ---- trace context ---- */

static void test_traceparent_valid(void **state)
{
	struct trace_context tc = { 0 };
	char hex[TRACE_ID_HEX];

	(void)state;
	assert_int_equal(trace_context_parse(
		"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", &tc), 0);
	trace_hex(tc.trace_id, TRACE_ID_LEN, hex);
	assert_string_equal(hex, "0af7651916cd43dd8448eb211c80319c");
	trace_hex(tc.parent_span, SPAN_ID_LEN, hex);
	assert_string_equal(hex, "b7ad6b7169203331");
	assert_int_equal(tc.flags, 1);
	assert_true(tc.joined);
	/* a later version: its first four fields, more after a dash */
	assert_int_equal(trace_context_parse(
		"cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-what-ever", &tc), 0);
	assert_int_equal(tc.flags, 0);
}

static void test_traceparent_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",
		"00-00000000000000000000000000000000-b7ad6b7169203331-01", /* zero trace id */
		"00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", /* zero parent */
		"00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01", /* upper case */
		"ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", /* version ff */
		"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x", /* 00 with more */
		"00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		"00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",
		NULL,
	};
	struct trace_context tc;

	(void)state;
	for (size_t i = 0; bad[i]; i++) {
		memset(&tc, 0, sizeof(tc));
		assert_int_equal(trace_context_parse(bad[i], &tc), -EINVAL);
		assert_false(tc.joined);
	}
	assert_int_equal(trace_context_parse(NULL, &tc), -EINVAL);
}

static const char *fake_env(const char *name, void *arg)
{
	const char *const *kv = arg;

	for (; kv[0]; kv += 2)
		if (!strcmp(kv[0], name))
			return kv[1];
	return NULL;
}

static void test_context_init(void **state)
{
	const char *joined[] = { "TRACEPARENT",
				 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", NULL };
	const char *broken[] = { "TRACEPARENT", "00-xyz", NULL };
	struct trace_context a, b;
	char hex[TRACE_ID_HEX];
	uint8_t zero[TRACE_ID_LEN] = { 0 };

	(void)state;
	assert_int_equal(trace_context_init(&a, fake_env, joined), 0);
	trace_hex(a.trace_id, TRACE_ID_LEN, hex);
	assert_string_equal(hex, "4bf92f3577b34da6a3ce929d0e0e4736");
	assert_string_equal(a.source, "TRACEPARENT");
	/* an invalid traceparent starts a trace of our own, random each time */
	assert_int_equal(trace_context_init(&a, fake_env, broken), 0);
	assert_false(a.joined);
	assert_int_equal(trace_context_init(&b, fake_env, broken), 0);
	assert_memory_not_equal(a.trace_id, b.trace_id, TRACE_ID_LEN);
	assert_memory_not_equal(a.trace_id, zero, TRACE_ID_LEN);
	assert_memory_not_equal(a.key, b.key, sizeof(a.key));
}

static void test_env_block(void **state)
{
	static const char block[] = "A=1\0TRACEPARENT=tp\0traceparentX=no\0";
	struct trace_env_block e = { block, sizeof(block) };

	(void)state;
	assert_string_equal(trace_context_env_block("TRACEPARENT", &e), "tp");
	assert_string_equal(trace_context_env_block("A", &e), "1");
	assert_null(trace_context_env_block("traceparent", &e));
	assert_null(trace_context_env_block("B", &e));
}

static void test_siphash_and_span_ids(void **state)
{
	uint8_t key[16], msg[15], a[SPAN_ID_LEN], b[SPAN_ID_LEN];
	struct trace_context tc = { 0 };

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	/* the reference vectors of the SipHash paper's implementation */
	assert_true(trace_siphash(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(trace_siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
	memcpy(tc.key, key, sizeof(key));
	trace_span_id(&tc, 7, 100, 5000, a);
	trace_span_id(&tc, 7, 100, 5000, b);
	assert_memory_equal(a, b, SPAN_ID_LEN); /* a parent's id is known to its child */
	trace_span_id(&tc, 7, 100, 5001, b);
	assert_memory_not_equal(a, b, SPAN_ID_LEN); /* a recycled pid is another span */
	trace_span_id(&tc, 8, 100, 5000, b);
	assert_memory_not_equal(a, b, SPAN_ID_LEN);
	tc.key[0] ^= 1;
	trace_span_id(&tc, 7, 100, 5000, b);
	assert_memory_not_equal(a, b, SPAN_ID_LEN);
}

/* ---- protobuf wire bytes ---- */

static void test_pb_primitives(void **state)
{
	static const uint8_t want[] = {
		0x30, 0x01,                                           /* 6: varint 1 */
		0x39, 0x01, 0, 0, 0, 0, 0, 0, 0,                      /* 7: fixed64 1 */
		0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, /* 3: int64 -1 */
		0x0a, 0x04, 0x0a, 0x02, 'a', 'b',                     /* 1: { 1: "ab" } */
		0x08, 0xac, 0x02,                                     /* 1: varint 300 */
	};
	struct pbuf b;

	(void)state;
	pb_init(&b);
	pb_uint(&b, 6, 1);
	pb_fixed64(&b, 7, 1);
	pb_int64(&b, 3, -1);
	pb_open(&b, 1);
	pb_bytes(&b, 1, "ab", 2);
	pb_close(&b);
	pb_uint(&b, 1, 300);
	assert_false(b.oom);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.buf, want, sizeof(want));
	pb_free(&b);
}

static void test_pb_long_nested(void **state)
{
	char body[200];
	struct pbuf b;

	(void)state;
	memset(body, 'x', sizeof(body));
	pb_init(&b);
	pb_open(&b, 2);
	pb_open(&b, 3);
	pb_bytes(&b, 4, body, sizeof(body)); /* 1 + 2 + 200 = 203 */
	pb_close(&b);                        /* 1 + 2 + 203 = 206 */
	pb_close(&b);
	assert_int_equal(b.len, 1 + 2 + 206);
	/* shortest lengths: 206 = 0xce 0x01, 203 = 0xcb 0x01, 200 = 0xc8 0x01 */
	static const uint8_t head[] = { 0x12, 0xce, 0x01, 0x1a, 0xcb, 0x01, 0x22, 0xc8, 0x01, 'x' };
	assert_memory_equal(b.buf, head, sizeof(head));
	pb_free(&b);
}

static void fill_span(struct trace_span *s, struct trace_attr *a)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < TRACE_ID_LEN; i++)
		s->trace_id[i] = (uint8_t)(i + 1);
	for (int i = 0; i < SPAN_ID_LEN; i++)
		s->span_id[i] = (uint8_t)(0x11 + i);
	s->name = "ls";
	s->start_ns = 1;
	s->end_ns = 2;
	a[0] = (struct trace_attr){ .key = "process.pid", .type = TRACE_ATTR_INT, .i = 7 };
	s->attrs = a;
	s->n_attrs = 1;
	s->status = TRACE_STATUS_ERROR;
	s->status_msg = "x";
}

static void test_pb_span_bytes(void **state)
{
	static const uint8_t want[] = {
		0x0a, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* trace_id */
		0x12, 0x08, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,     /* span_id */
		0x2a, 0x02, 'l', 's',                                           /* name */
		0x30, 0x01,                                                     /* kind INTERNAL */
		0x39, 1, 0, 0, 0, 0, 0, 0, 0,                                   /* start */
		0x41, 2, 0, 0, 0, 0, 0, 0, 0,                                   /* end */
		0x4a, 0x11, 0x0a, 0x0b, 'p', 'r', 'o', 'c', 'e', 's', 's', '.', 'p', 'i', 'd',
		0x12, 0x02, 0x18, 0x07,                                         /* attribute */
		0x5a, 0x0c, 0x09, 5, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x01, 'e',      /* event */
		0x60, 0x03,                                                     /* dropped events */
		0x7a, 0x05, 0x12, 0x01, 'x', 0x18, 0x02,                        /* status */
	};
	struct trace_attr a[1];
	struct trace_span s;
	struct trace_event ev = { .time_ns = 5, .name = "e" };
	struct pbuf evb, b;

	(void)state;
	fill_span(&s, a);
	pb_init(&evb);
	trace_encode_event(&evb, true, &ev);
	s.events = evb.buf;
	s.events_len = evb.len;
	s.dropped_events = 3;
	pb_init(&b);
	trace_encode_span(&b, true, &s);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.buf, want, sizeof(want));
	pb_free(&b);
	pb_free(&evb);
}

/* A program name that is not UTF-8 is sent with U+FFFD: a collector refuses invalid strings. */
static void test_pb_invalid_utf8(void **state)
{
	static const uint8_t want[] = { 0x2a, 0x05, 'a', 0xef, 0xbf, 0xbd, 'b' };
	struct trace_attr a[1];
	struct trace_span s;
	struct pbuf b;
	size_t i;

	(void)state;
	fill_span(&s, a);
	s.name = "a\xff" "b";
	pb_init(&b);
	trace_encode_span(&b, true, &s);
	for (i = 0; i + sizeof(want) <= b.len; i++)
		if (!memcmp(b.buf + i, want, sizeof(want)))
			break;
	assert_true(i + sizeof(want) <= b.len);
	pb_free(&b);
}

static void test_pb_request_bytes(void **state)
{
	static const uint8_t span[] = { 0x2a, 0x01, 'a' };
	const uint8_t *spans[] = { span };
	size_t lens[] = { sizeof(span) };
	struct trace_resource res = { .service_name = "svcnam", .host_name = "",
				      .scope_name = "s", .scope_version = "1" };
	struct pbuf b;

	(void)state;
	pb_init(&b);
	assert_true(trace_encode_request(&b, true, &res, spans, lens, 1));
	/* ExportTraceServiceRequest.resource_spans(1) { resource(1) {...} scope_spans(2) {
	 * scope(1) { name(1) "s" version(2) "1" } spans(2) { name "a" } } } */
	static const uint8_t tail[] = { 0x12, 0x0d, 0x0a, 0x06, 0x0a, 0x01, 's', 0x12, 0x01, '1',
					0x12, 0x03, 0x2a, 0x01, 'a' };
	assert_int_equal(b.buf[0], 0x0a);
	assert_int_equal(b.buf[1], b.len - 2);
	assert_int_equal(b.buf[2], 0x0a); /* resource */
	size_t rlen = b.buf[3];
	/* the resource holds two KeyValues: service.name and host.name */
	assert_int_equal(b.buf[4], 0x0a);
	assert_memory_equal(b.buf + 4 + 2 + 2, "service.name", 12);
	assert_int_equal(b.len, 4 + rlen + sizeof(tail));
	assert_memory_equal(b.buf + 4 + rlen, tail, sizeof(tail));
	pb_free(&b);
}

/* ---- JSON mapping ---- */

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no member %s", key);
	return v;
}

/* attributes[] entry key's value object, or NULL */
static struct json_object *attr_value(struct json_object *span, const char *key)
{
	struct json_object *attrs = member(span, "attributes");

	for (size_t i = 0; i < json_object_array_length(attrs); i++) {
		struct json_object *kv = json_object_array_get_idx(attrs, i);

		if (!strcmp(json_object_get_string(member(kv, "key")), key))
			return member(kv, "value");
	}
	return NULL;
}

static void test_json_span(void **state)
{
	struct trace_attr a[1];
	struct trace_span s;
	struct trace_event ev = { .time_ns = 5, .name = "e", .attrs = a, .n_attrs = 1 };
	struct pbuf evb, b;
	struct json_object *o;

	(void)state;
	fill_span(&s, a);
	pb_init(&evb);
	trace_encode_event(&evb, false, &ev);
	trace_encode_event(&evb, false, &ev);
	s.events = evb.buf;
	s.events_len = evb.len;
	s.has_parent = true;
	memset(s.parent_id, 0xab, SPAN_ID_LEN);
	s.start_ns = 1796395858673054949ULL; /* past 2^53: must stay exact as a string */
	pb_init(&b);
	trace_encode_span(&b, false, &s);
	pb_put(&b, "", 1);
	o = json_tokener_parse((const char *)b.buf);
	assert_non_null(o);
	assert_string_equal(json_object_get_string(member(o, "traceId")),
			    "0102030405060708090a0b0c0d0e0f10");
	assert_string_equal(json_object_get_string(member(o, "spanId")), "1112131415161718");
	assert_string_equal(json_object_get_string(member(o, "parentSpanId")), "abababababababab");
	assert_string_equal(json_object_get_string(member(o, "startTimeUnixNano")),
			    "1796395858673054949");
	assert_int_equal(json_object_get_int(member(o, "kind")), 1);
	assert_string_equal(json_object_get_string(member(attr_value(o, "process.pid"), "intValue")),
			    "7");
	assert_int_equal(json_object_array_length(member(o, "events")), 2);
	assert_string_equal(json_object_get_string(member(json_object_array_get_idx(
				    member(o, "events"), 1), "timeUnixNano")), "5");
	assert_int_equal(json_object_get_int(member(member(o, "status"), "code")), 2);
	assert_string_equal(json_object_get_string(member(member(o, "status"), "message")), "x");
	json_object_put(o);
	pb_free(&b);
	pb_free(&evb);
}

/* ---- OpenTelemetry variables ---- */

static void test_otel_env(void **state)
{
	const char *base[] = { "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/",
			       "OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b , x-tenant=t1",
			       "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json",
			       "OTEL_SERVICE_NAME", "ci-build", NULL };
	const char *traces[] = { "OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored:4318",
				 "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://t:4318/custom",
				 "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf",
				 "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", NULL };
	const char *grpc[] = { "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", NULL };
	const char *badhdr[] = { "OTEL_EXPORTER_OTLP_HEADERS", "novalue", NULL };
	const char *none[] = { NULL };
	struct otel_env e;
	char why[200];

	(void)state;
	assert_int_equal(otel_env_read(&e, fake_env, base, why, sizeof(why)), 0);
	assert_string_equal(e.url, "http://collector:4318/v1/traces");
	assert_false(e.protobuf);
	assert_string_equal(e.headers[0], "api-key: a b");
	assert_string_equal(e.headers[1], "x-tenant: t1");
	assert_null(e.headers[2]);
	assert_string_equal(e.service_name, "ci-build");
	otel_env_free(&e);
	assert_int_equal(otel_env_read(&e, fake_env, traces, why, sizeof(why)), 0);
	assert_string_equal(e.url, "https://t:4318/custom"); /* the signal's own: as given */
	assert_true(e.protobuf);
	otel_env_free(&e);
	assert_int_equal(otel_env_read(&e, fake_env, none, why, sizeof(why)), 0);
	assert_null(e.url);
	assert_true(e.protobuf); /* the collector's default */
	otel_env_free(&e);
	assert_int_equal(otel_env_read(&e, fake_env, grpc, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "gRPC"));
	otel_env_free(&e);
	assert_int_equal(otel_env_read(&e, fake_env, badhdr, why, sizeof(why)), -EINVAL);
	assert_null(strstr(why, "novalue")); /* a header's text is never said (tokens) */
	otel_env_free(&e);
}

/* ---- a job's spans, through the sender ---- */

static const struct http_test_profile profile = {
	.content_type = "application/json", .body = "{}", .partial_body = "{}",
};

static struct bw_proc *proc(struct bw_proctab *t, uint32_t pid, uint64_t start,
			    struct bw_proc *parent, const char *filename)
{
	struct bw_proc *p = proctab_get(t, pid, start);

	assert_non_null(p);
	p->parent = parent;
	p->fork_ns = parent ? start : 0;
	snprintf(p->comm, sizeof(p->comm), "%s", filename ? "x" : "cc1");
	if (filename) {
		p->filename = refstr_new(filename);
		p->n_execs = 1;
	}
	return p;
}

static void exit_of(struct trace_job *tj, struct bw_proc *p, uint64_t at, uint32_t status)
{
	struct bw_exit_event x = { .hdr = { .ktime_ns = at, .start_ns = p->start_ns,
					    .pid = p->pid, .type = BW_EV_EXIT },
				   .exit_status = status };

	p->exited = true;
	p->exit_status = status;
	p->exit_ns = at;
	trace_job_exit(tj, &x, p);
}

static struct json_object *span_named(struct json_object *spans, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(spans); i++) {
		struct json_object *sp = json_object_array_get_idx(spans, i);

		if (!strcmp(json_object_get_string(member(sp, "name")), name))
			return sp;
	}
	fail_msg("no span %s", name);
	return NULL;
}

/* Stop the sender and the server: everything went in one request to /v1/traces. */
static void finish_one_request(struct otlp *o, struct http_test_server *srv, uint64_t spans,
			       const char *content_type)
{
	struct http_stats st;

	otlp_finish(o, 2000, &st);
	http_test_server_stop(srv);
	assert_int_equal(st.submitted, spans);
	assert_int_equal(st.sent, spans);
	assert_int_equal(srv->n, 1);
	assert_string_equal(srv->req[0].path, "/v1/traces");
	assert_string_equal(srv->req[0].content_type, content_type);
}

static void test_job_spans(void **state)
{
	const char *env[] = { "TRACEPARENT",
			      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", NULL };
	struct http_test_server srv;
	struct bw_proctab tab;
	struct trace_context tc;
	struct trace_job *tj;
	struct trace_job_stats ts;
	struct otlp *o;
	struct otlp_config oc = { .signal = OTLP_SIGNAL_TRACES, .protobuf = false,
				  .service_name = "svc", .flush_ms = 600000 }; /* one batch at finish */
	struct trace_job_opts opts = { .job_id = 9, .ctx = &tc, .realtime_minus_mono_ns = 1000000 };
	struct bw_event_header h = { .pid = 101, .start_ns = 2000, .type = BW_EV_CONNECT };
	struct bw_connect_event ce = { .hdr = h };
	struct bw_event_view v = { .hdr = &ce.hdr, .connect = &ce };
	struct bw_event_info info = { .kind = BW_ON_CONNECT };
	struct json_object *root, *spans, *sp;
	struct bw_proc *sh, *mk, *cc;
	char url[64];

	(void)state;
	http_test_server_start(&srv, &profile, NULL, 0, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", srv.port);
	assert_int_equal(otlp_start(&o, url, &oc), 0);
	assert_int_equal(trace_context_init(&tc, fake_env, env), 0);
	opts.out = o;
	assert_int_equal(trace_job_new(&tj, &opts), 0);
	assert_int_equal(proctab_init(&tab), 0);
	sh = proc(&tab, 100, 1000, NULL, "/bin/sh");
	mk = proc(&tab, 101, 2000, sh, "/usr/bin/make");
	cc = proc(&tab, 102, 3000, mk, NULL);
	info.connect.family = AF_INET;
	memcpy(info.connect.addr, "\x7f\x00\x00\x01", 4);
	info.connect.port = 443;
	info.connect.proto = "tcp";
	for (int i = 0; i < TRACE_EVENTS_MAX + 2; i++) {
		ce.hdr.ktime_ns = 2500 + (uint64_t)i;
		trace_job_record(tj, &v, &info, mk);
	}
	/* no trace for a job: nothing happens, nothing breaks */
	trace_job_record(NULL, &v, &info, mk);
	trace_job_exit(NULL, &(struct bw_exit_event){ .hdr = h }, mk);
	trace_job_end(NULL, &tab, 1);
	exit_of(tj, cc, 4000, 9);          /* SIGKILL: before its parent */
	exit_of(tj, mk, 5000, 2 << 8);     /* exit code 2 */
	trace_job_end(tj, &tab, 6000);     /* sh still runs */
	trace_job_stats(tj, &ts);
	assert_int_equal(ts.spans, 3);
	assert_int_equal(ts.still_running, 1);
	assert_int_equal(ts.events, TRACE_EVENTS_MAX);
	assert_int_equal(ts.events_dropped, 2);
	finish_one_request(o, &srv, 3, "application/json");
	root = json_tokener_parse(srv.req[0].body);
	assert_non_null(root);
	spans = member(json_object_array_get_idx(member(json_object_array_get_idx(
		member(root, "resourceSpans"), 0), "scopeSpans"), 0), "spans");
	assert_int_equal(json_object_array_length(spans), 3);
	sp = span_named(spans, "sh");
	assert_string_equal(json_object_get_string(member(sp, "traceId")),
			    "0af7651916cd43dd8448eb211c80319c");
	/* the job's root hangs under the pipeline's span */
	assert_string_equal(json_object_get_string(member(sp, "parentSpanId")), "b7ad6b7169203331");
	assert_true(json_object_get_boolean(attr_value(sp, "buildwarden.still_running") ?
		member(attr_value(sp, "buildwarden.still_running"), "boolValue") : NULL));
	assert_string_equal(json_object_get_string(member(sp, "startTimeUnixNano")), "1001000");
	assert_string_equal(json_object_get_string(member(sp, "endTimeUnixNano")), "1006000");
	{
		const char *sh_id = json_object_get_string(member(sp, "spanId"));
		struct json_object *m = span_named(spans, "make"), *c = span_named(spans, "cc1");

		assert_string_equal(json_object_get_string(member(m, "parentSpanId")), sh_id);
		assert_string_equal(json_object_get_string(member(c, "parentSpanId")),
				    json_object_get_string(member(m, "spanId")));
		assert_int_equal(json_object_get_int(member(member(m, "status"), "code")), 2);
		assert_string_equal(json_object_get_string(member(member(m, "status"), "message")),
				    "exit code 2");
		assert_string_equal(json_object_get_string(member(attr_value(m, "process.exit.code"),
								  "intValue")), "2");
		assert_int_equal(json_object_array_length(member(m, "events")), TRACE_EVENTS_MAX);
		assert_int_equal(json_object_get_int(member(m, "droppedEventsCount")), 2);
		assert_string_equal(json_object_get_string(member(attr_value(
			m, "buildwarden.dropped_events"), "intValue")), "2");
		assert_string_equal(json_object_get_string(member(json_object_array_get_idx(
			member(m, "events"), 0), "name")), "connect");
		assert_string_equal(json_object_get_string(member(member(c, "status"), "message")),
				    "killed by signal 9");
		assert_string_equal(json_object_get_string(member(c, "startTimeUnixNano")), "1003000");
		assert_string_equal(json_object_get_string(member(c, "endTimeUnixNano")), "1004000");
	}
	json_object_put(root);
	http_test_server_free(&srv);
	trace_job_free(tj);
	proctab_free(&tab);
}

/* A protobuf sender says so in Content-Type and posts to /v1/traces. */
static void test_protobuf_sender(void **state)
{
	struct http_test_server srv;
	struct otlp *o;
	struct otlp_config oc = { .signal = OTLP_SIGNAL_TRACES, .protobuf = true, .flush_ms = 10 };
	static const uint8_t span[] = { 0x2a, 0x01, 'a' };
	char url[64];

	(void)state;
	http_test_server_start(&srv, &profile, NULL, 0, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", srv.port);
	assert_int_equal(otlp_start(&o, url, &oc), 0);
	assert_true(otlp_protobuf(o));
	otlp_submit_span(o, span, sizeof(span));
	finish_one_request(o, &srv, 1, "application/x-protobuf");
	http_test_server_free(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_traceparent_valid),
		cmocka_unit_test(test_traceparent_invalid),
		cmocka_unit_test(test_context_init),
		cmocka_unit_test(test_env_block),
		cmocka_unit_test(test_siphash_and_span_ids),
		cmocka_unit_test(test_pb_primitives),
		cmocka_unit_test(test_pb_long_nested),
		cmocka_unit_test(test_pb_span_bytes),
		cmocka_unit_test(test_pb_invalid_utf8),
		cmocka_unit_test(test_pb_request_bytes),
		cmocka_unit_test(test_json_span),
		cmocka_unit_test(test_otel_env),
		cmocka_unit_test(test_job_spans),
		cmocka_unit_test(test_protobuf_sender),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
