// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * OTLP trace messages, protobuf or JSON (export/trace_encode.h). Field
 * numbers are those of opentelemetry-proto v1 (trace.proto, common.proto,
 * resource.proto, trace_service.proto).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "export/trace_encode.h"
#include "lib/json_out.h"
#include "lib/utf8.h"

/* protobuf field numbers */
enum {
	REQ_RESOURCE_SPANS = 1,
	RS_RESOURCE = 1, RS_SCOPE_SPANS = 2,
	RES_ATTRIBUTES = 1,
	SS_SCOPE = 1, SS_SPANS = 2,
	SCOPE_NAME = 1, SCOPE_VERSION = 2,
	SPAN_TRACE_ID = 1, SPAN_SPAN_ID = 2, SPAN_PARENT_ID = 4, SPAN_NAME = 5, SPAN_KIND = 6,
	SPAN_START = 7, SPAN_END = 8, SPAN_ATTRIBUTES = 9, SPAN_EVENTS = 11,
	SPAN_DROPPED_EVENTS = 12, SPAN_STATUS = 15,
	EVENT_TIME = 1, EVENT_NAME = 2, EVENT_ATTRIBUTES = 3,
	STATUS_MESSAGE = 2, STATUS_CODE = 3,
	KV_KEY = 1, KV_VALUE = 2,
	ANY_STRING = 1, ANY_BOOL = 2, ANY_INT = 3,
};

/*
 * s[0..n) as valid UTF-8 (each invalid byte as U+FFFD): s itself, or a
 * copy in *owned (to free) with *n its length; NULL on ENOMEM.
 */
static const char *valid_utf8(const char *s, size_t *n, char **owned)
{
	*owned = NULL;
	if (utf8_valid(s, *n))
		return s;
	*owned = utf8_clean(s, *n, SIZE_MAX);
	if (*owned)
		*n = strlen(*owned);
	return *owned;
}

/* A JSON string of s[0..n), each byte that is not valid UTF-8 as U+FFFD. */
void otlp_json_utf8(struct jbuf *jb, const char *key, const char *s, size_t n)
{
	char *owned;
	const char *v = valid_utf8(s, &n, &owned);

	if (v)
		json_kv_strn(jb, key, v, n);
	else
		jb->oom = true;
	free(owned);
}

/* A protobuf string field: valid UTF-8, or the collector rejects the whole request. */
static void pb_str(struct pbuf *b, uint32_t field, const char *s, size_t n)
{
	char *owned;
	const char *v = valid_utf8(s, &n, &owned);

	if (v)
		pb_bytes(b, field, v, n);
	else
		b->oom = true;
	free(owned);
}

static void pb_attr(struct pbuf *b, uint32_t field, const struct trace_attr *a)
{
	pb_open(b, field);
	pb_bytes(b, KV_KEY, a->key, strlen(a->key));
	pb_open(b, KV_VALUE);
	switch (a->type) {
	case TRACE_ATTR_STR:
		pb_str(b, ANY_STRING, a->s, a->n);
		break;
	case TRACE_ATTR_INT: pb_int64(b, ANY_INT, a->i); break;
	case TRACE_ATTR_BOOL: pb_uint(b, ANY_BOOL, a->i ? 1 : 0); break;
	}
	pb_close(b);
	pb_close(b);
}

static void json_attr(struct jbuf *jb, const struct trace_attr *a)
{
	char tmp[24];

	json_obj_open(jb);
	json_kv_str(jb, "key", a->key);
	json_sub_open(jb, "value");
	switch (a->type) {
	case TRACE_ATTR_STR: otlp_json_utf8(jb, "stringValue", a->s, a->n); break;
	case TRACE_ATTR_INT:
		snprintf(tmp, sizeof(tmp), "%lld", (long long)a->i);
		json_kv_str(jb, "intValue", tmp);
		break;
	case TRACE_ATTR_BOOL: json_kv_bool(jb, "boolValue", a->i != 0); break;
	}
	json_obj_close(jb);
	json_obj_close(jb);
}

static void json_attrs(struct jbuf *jb, const struct trace_attr *attrs, size_t n)
{
	json_arr_open(jb, "attributes");
	for (size_t i = 0; i < n; i++)
		json_attr(jb, &attrs[i]);
	json_arr_close(jb);
}

static void json_id(struct jbuf *jb, const char *key, const uint8_t *id, size_t n)
{
	char hex[2 * TRACE_ID_LEN + 1];

	trace_hex(id, n, hex);
	json_kv_str(jb, key, hex);
}

/* The JSON writer's output appended to b, and jb freed. */
static void take_json(struct pbuf *b, struct jbuf *jb)
{
	if (jb->oom)
		b->oom = true;
	else
		pb_put(b, jb->buf, jb->len);
	jbuf_free(jb);
}

void trace_encode_event(struct pbuf *b, bool proto, const struct trace_event *ev)
{
	struct jbuf jb;

	if (proto) {
		pb_open(b, SPAN_EVENTS);
		pb_fixed64(b, EVENT_TIME, ev->time_ns);
		pb_str(b, EVENT_NAME, ev->name, strlen(ev->name));
		for (size_t i = 0; i < ev->n_attrs; i++)
			pb_attr(b, EVENT_ATTRIBUTES, &ev->attrs[i]);
		pb_close(b);
		return;
	}
	if (b->len)
		pb_put(b, ",", 1);
	jbuf_init(&jb);
	json_obj_open(&jb);
	json_kv_u64_str(&jb, "timeUnixNano", ev->time_ns);
	otlp_json_utf8(&jb, "name", ev->name, strlen(ev->name));
	json_attrs(&jb, ev->attrs, ev->n_attrs);
	json_obj_close(&jb);
	take_json(b, &jb);
}

static void span_proto(struct pbuf *b, const struct trace_span *s)
{
	pb_bytes(b, SPAN_TRACE_ID, s->trace_id, TRACE_ID_LEN);
	pb_bytes(b, SPAN_SPAN_ID, s->span_id, SPAN_ID_LEN);
	if (s->has_parent)
		pb_bytes(b, SPAN_PARENT_ID, s->parent_id, SPAN_ID_LEN);
	pb_str(b, SPAN_NAME, s->name, strlen(s->name));
	pb_uint(b, SPAN_KIND, TRACE_KIND_INTERNAL);
	pb_fixed64(b, SPAN_START, s->start_ns);
	pb_fixed64(b, SPAN_END, s->end_ns);
	for (size_t i = 0; i < s->n_attrs; i++)
		pb_attr(b, SPAN_ATTRIBUTES, &s->attrs[i]);
	pb_put(b, s->events, s->events_len);
	if (s->dropped_events)
		pb_uint(b, SPAN_DROPPED_EVENTS, s->dropped_events);
	if (s->status != TRACE_STATUS_UNSET) {
		pb_open(b, SPAN_STATUS);
		if (s->status_msg)
			pb_str(b, STATUS_MESSAGE, s->status_msg, strlen(s->status_msg));
		pb_uint(b, STATUS_CODE, s->status);
		pb_close(b);
	}
}

/* "events": the objects trace_encode_event wrote, in brackets. */
static void json_events(struct jbuf *jb, const uint8_t *events, size_t len)
{
	char *arr = malloc(len + 2);

	if (!arr) {
		jb->oom = true;
		return;
	}
	arr[0] = '[';
	if (len) /* a span without events has no buffer at all */
		memcpy(arr + 1, events, len);
	arr[len + 1] = ']';
	json_kv_raw(jb, "events", arr, len + 2);
	free(arr);
}

static void span_json(struct jbuf *jb, const struct trace_span *s)
{
	json_obj_open(jb);
	json_id(jb, "traceId", s->trace_id, TRACE_ID_LEN);
	json_id(jb, "spanId", s->span_id, SPAN_ID_LEN);
	if (s->has_parent)
		json_id(jb, "parentSpanId", s->parent_id, SPAN_ID_LEN);
	otlp_json_utf8(jb, "name", s->name, strlen(s->name));
	json_kv_u64(jb, "kind", TRACE_KIND_INTERNAL);
	json_kv_u64_str(jb, "startTimeUnixNano", s->start_ns);
	json_kv_u64_str(jb, "endTimeUnixNano", s->end_ns);
	json_attrs(jb, s->attrs, s->n_attrs);
	json_events(jb, s->events, s->events_len);
	if (s->dropped_events)
		json_kv_u64(jb, "droppedEventsCount", s->dropped_events);
	if (s->status != TRACE_STATUS_UNSET) {
		json_sub_open(jb, "status");
		json_kv_u64(jb, "code", s->status);
		if (s->status_msg)
			otlp_json_utf8(jb, "message", s->status_msg, strlen(s->status_msg));
		json_obj_close(jb);
	}
	json_obj_close(jb);
}

void trace_encode_span(struct pbuf *b, bool proto, const struct trace_span *s)
{
	struct jbuf jb;

	if (proto) {
		span_proto(b, s);
		return;
	}
	jbuf_init(&jb);
	span_json(&jb, s);
	take_json(b, &jb);
}

static void resource_attrs(const struct trace_resource *res, struct trace_attr *a, size_t *n)
{
	*n = 0;
	a[(*n)++] = (struct trace_attr){ .key = "service.name", .s = res->service_name,
					 .n = strlen(res->service_name) };
	a[(*n)++] = (struct trace_attr){ .key = "host.name", .s = res->host_name,
					 .n = strlen(res->host_name) };
	if (res->instance_id)
		a[(*n)++] = (struct trace_attr){ .key = "service.instance.id", .s = res->instance_id,
						 .n = strlen(res->instance_id) };
}

static void request_proto(struct pbuf *b, const struct trace_resource *res,
			  const struct trace_attr *ra, size_t nra, const uint8_t *const *spans,
			  const size_t *lens, size_t n)
{
	pb_open(b, REQ_RESOURCE_SPANS);
	pb_open(b, RS_RESOURCE);
	for (size_t i = 0; i < nra; i++)
		pb_attr(b, RES_ATTRIBUTES, &ra[i]);
	pb_close(b);
	pb_open(b, RS_SCOPE_SPANS);
	pb_open(b, SS_SCOPE);
	pb_bytes(b, SCOPE_NAME, res->scope_name, strlen(res->scope_name));
	pb_bytes(b, SCOPE_VERSION, res->scope_version, strlen(res->scope_version));
	pb_close(b);
	for (size_t i = 0; i < n; i++) {
		pb_bytes(b, SS_SPANS, spans[i], lens[i]);
	}
	pb_close(b);
	pb_close(b);
}

/* JSON: everything up to the spans' "[" from the writer, the spans, then the closing text. */
static void request_json(struct pbuf *b, const struct trace_resource *res,
			 const struct trace_attr *ra, size_t nra, const uint8_t *const *spans,
			 const size_t *lens, size_t n)
{
	static const char tail[] = "]}]}]}";
	struct jbuf jb;

	jbuf_init(&jb);
	json_obj_open(&jb);
	json_arr_open(&jb, "resourceSpans");
	json_obj_open(&jb);
	json_sub_open(&jb, "resource");
	json_attrs(&jb, ra, nra);
	json_obj_close(&jb);
	json_arr_open(&jb, "scopeSpans");
	json_obj_open(&jb);
	json_sub_open(&jb, "scope");
	json_kv_str(&jb, "name", res->scope_name);
	json_kv_str(&jb, "version", res->scope_version);
	json_obj_close(&jb);
	json_arr_open(&jb, "spans");
	take_json(b, &jb);
	for (size_t i = 0; i < n; i++) {
		if (i)
			pb_put(b, ",", 1);
		pb_put(b, spans[i], lens[i]);
	}
	pb_put(b, tail, sizeof(tail) - 1);
}

bool trace_encode_request(struct pbuf *b, bool proto, const struct trace_resource *res,
			  const uint8_t *const *spans, const size_t *lens, size_t n)
{
	struct trace_attr ra[3];
	size_t nra;

	pb_reset(b);
	resource_attrs(res, ra, &nra);
	if (proto)
		request_proto(b, res, ra, nra, spans, lens, n);
	else
		request_json(b, res, ra, nra, spans, lens, n);
	return !b->oom;
}
