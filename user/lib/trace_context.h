/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * W3C trace context for a job's trace (docs/TRACES.md): the trace id and
 * parent span a CI pipeline hands its steps in TRACEPARENT (and the names
 * other tracing tools use), or a fresh random trace; and the span id of
 * each process, derived with a keyed hash from its identity, so a child
 * can name its parent's span before the parent has ended.
 */
#ifndef BW_TRACE_CONTEXT_H
#define BW_TRACE_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_ID_LEN 16
#define SPAN_ID_LEN 8
#define TRACE_ID_HEX (2 * TRACE_ID_LEN + 1)

struct trace_context {
	uint8_t trace_id[TRACE_ID_LEN];
	uint8_t parent_span[SPAN_ID_LEN]; /* the pipeline's span; valid when joined */
	uint8_t flags;                    /* W3C trace-flags (01: sampled) */
	bool joined;                      /* from the environment, not started here */
	char source[32];                  /* the variable it came from ("" when started here) */
	uint8_t key[16];                  /* span id key: random per job */
};

/*
 * Parse a W3C traceparent ("00-<32 hex>-<16 hex>-<2 hex>"): version 00
 * exactly (a higher version is read by its first four fields, as the
 * recommendation asks), lower-case hex, trace and parent ids not all zero.
 * 0, or -EINVAL.
 */
int trace_context_parse(const char *s, struct trace_context *out);
/*
 * The context a job starts with: the first valid traceparent among the
 * variables that carry one (TRACEPARENT, then the other tools' names),
 * looked up with get(name, arg); else a random trace id. The span key is
 * always random. 0, or -errno when the system has no randomness to give.
 */
int trace_context_init(struct trace_context *tc, const char *(*get)(const char *name, void *arg),
		       void *arg);
/* getenv for trace_context_init (arg unused). */
const char *trace_context_getenv(const char *name, void *arg);
/* A NUL-separated NAME=VALUE block (a process's environ) for trace_context_init. */
struct trace_env_block {
	const char *block;
	size_t len;
};
const char *trace_context_env_block(const char *name, void *arg);
/* The span id of process (pid, start_ns) of job job_id: never all zero. */
void trace_span_id(const struct trace_context *tc, uint64_t job_id, uint32_t pid,
		   uint64_t start_ns, uint8_t out[SPAN_ID_LEN]);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void trace_hex(const uint8_t *b, size_t n, char *out);
/* SipHash-2-4 of data with a 16-byte key (the keyed hash of span ids). */
uint64_t trace_siphash(const uint8_t key[16], const void *data, size_t len);

#endif /* BW_TRACE_CONTEXT_H */
