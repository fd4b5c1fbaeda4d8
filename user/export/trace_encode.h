/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * OTLP trace messages in either encoding of OTLP/HTTP (docs/TRACES.md):
 * protobuf (opentelemetry/proto/trace/v1/trace.proto and
 * collector/trace/v1/trace_service.proto: ExportTraceServiceRequest ->
 * ResourceSpans -> ScopeSpans -> Span, Span.Event, Status, KeyValue,
 * AnyValue) or JSON (the OTLP JSON mapping: camelCase names, ids as hex,
 * 64-bit integers as decimal strings, enums as numbers). A span is encoded
 * once, when its process ends, into the bytes of one Span message (or one
 * JSON object); a request wraps a batch of them.
 */
#ifndef BW_TRACE_ENCODE_H
#define BW_TRACE_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "export/otlp_proto.h"
#include "lib/trace_context.h"

enum trace_attr_type { TRACE_ATTR_STR, TRACE_ATTR_INT, TRACE_ATTR_BOOL };

struct trace_attr {
	const char *key;
	enum trace_attr_type type;
	const char *s; /* TRACE_ATTR_STR: s[0..n), made valid UTF-8 */
	size_t n;
	int64_t i;     /* INT; BOOL: 0 or 1 */
};

/* Span.SpanKind and Status.StatusCode values used. */
#define TRACE_KIND_INTERNAL 1
enum trace_status { TRACE_STATUS_UNSET = 0, TRACE_STATUS_OK = 1, TRACE_STATUS_ERROR = 2 };

struct trace_event {
	uint64_t time_ns; /* Unix epoch */
	const char *name;
	const struct trace_attr *attrs;
	size_t n_attrs;
};

struct trace_span {
	uint8_t trace_id[TRACE_ID_LEN];
	uint8_t span_id[SPAN_ID_LEN];
	uint8_t parent_id[SPAN_ID_LEN];
	bool has_parent;
	const char *name;
	uint64_t start_ns, end_ns; /* Unix epoch */
	const struct trace_attr *attrs;
	size_t n_attrs;
	/* its events, already encoded by trace_encode_event in the same encoding */
	const uint8_t *events;
	size_t events_len;
	uint32_t dropped_events;
	enum trace_status status;
	const char *status_msg; /* NULL: none */
};

struct trace_resource {
	const char *service_name;
	const char *host_name;
	const char *instance_id; /* NULL: none */
	const char *scope_name, *scope_version;
};

/* A string value as OTLP JSON wants it: valid UTF-8 (an invalid byte becomes U+FFFD). */
struct jbuf;
void otlp_json_utf8(struct jbuf *jb, const char *key, const char *s, size_t n);
/* Append one event to b (JSON: a comma first when b is not empty). */
void trace_encode_event(struct pbuf *b, bool proto, const struct trace_event *ev);
/* Append one span (its Span message bytes, or its JSON object). */
void trace_encode_span(struct pbuf *b, bool proto, const struct trace_span *s);
/* The request for n encoded spans into b (reset first); false on ENOMEM. */
bool trace_encode_request(struct pbuf *b, bool proto, const struct trace_resource *res,
			  const uint8_t *const *spans, const size_t *lens, size_t n);

#endif /* BW_TRACE_ENCODE_H */
