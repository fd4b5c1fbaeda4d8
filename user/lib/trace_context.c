// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * W3C trace context and span ids (lib/trace_context.h). Span ids are a
 * keyed hash of (job, pid, start_ns) rather than counters: a child's exit
 * often reaches us before its parent's, and it must already name the
 * parent's span; the key keeps ids unguessable and unlinkable across jobs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "lib/trace_context.h"

/*
 * Where a job's environment carries the pipeline's context: TRACEPARENT is
 * the W3C name that the OpenTelemetry environment carrier, otel-cli, the
 * Jenkins OpenTelemetry plugin and the GitHub Actions tracing actions
 * set; the lower-case spelling is the header's own, which some wrappers
 * export unchanged.
 */
static const char *const carrier_names[] = { "TRACEPARENT", "traceparent", NULL };

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case is invalid in traceparent */
}

static bool hex_decode(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

int trace_context_parse(const char *s, struct trace_context *out)
{
	uint8_t ver, tid[TRACE_ID_LEN], sid[SPAN_ID_LEN], flags;
	size_t len;

	if (!s)
		return -EINVAL;
	len = strlen(s);
	/* 00-<32>-<16>-<2>: 55 characters */
	if (len < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-')
		return -EINVAL;
	if (!hex_decode(s, &ver, 1) || ver == 0xff)
		return -EINVAL;
	if (ver == 0 && len != 55)
		return -EINVAL;
	if (ver != 0 && len > 55 && s[55] != '-')
		return -EINVAL;
	if (!hex_decode(s + 3, tid, TRACE_ID_LEN) || !hex_decode(s + 36, sid, SPAN_ID_LEN) ||
	    !hex_decode(s + 53, &flags, 1))
		return -EINVAL;
	if (all_zero(tid, TRACE_ID_LEN) || all_zero(sid, SPAN_ID_LEN))
		return -EINVAL;
	memcpy(out->trace_id, tid, TRACE_ID_LEN);
	memcpy(out->parent_span, sid, SPAN_ID_LEN);
	out->flags = flags;
	out->joined = true;
	return 0;
}

static int fill_random(uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}

int trace_context_init(struct trace_context *tc, const char *(*get)(const char *name, void *arg),
		       void *arg)
{
	int err;

	memset(tc, 0, sizeof(*tc));
	err = fill_random(tc->key, sizeof(tc->key));
	if (err)
		return err;
	for (const char *const *n = carrier_names; get && *n; n++) {
		if (!trace_context_parse(get(*n, arg), tc)) {
			snprintf(tc->source, sizeof(tc->source), "%s", *n);
			return 0;
		}
	}
	tc->flags = 1; /* sampled: we record everything */
	do {
		err = fill_random(tc->trace_id, TRACE_ID_LEN);
	} while (!err && all_zero(tc->trace_id, TRACE_ID_LEN));
	return err;
}

const char *trace_context_getenv(const char *name, void *arg)
{
	(void)arg;
	return getenv(name);
}

const char *trace_context_env_block(const char *name, void *arg)
{
	const struct trace_env_block *e = arg;
	size_t nl = strlen(name), i = 0;

	while (e && i < e->len) {
		const char *s = e->block + i;
		size_t l = strnlen(s, e->len - i);

		if (l > nl && !memcmp(s, name, nl) && s[nl] == '=' && i + l < e->len)
			return s + nl + 1;
		i += l + 1;
	}
	return NULL;
}

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define SIPROUND(v0, v1, v2, v3)                                                  \
	do {                                                                      \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);         \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                            \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                            \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);         \
	} while (0)

uint64_t trace_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = load64(key), k1 = load64(key + 8), m, b = (uint64_t)len << 56;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = load64(in + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t k = 0; k < left; k++)
		b |= (uint64_t)in[i + k] << (8 * k);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

void trace_span_id(const struct trace_context *tc, uint64_t job_id, uint32_t pid,
		   uint64_t start_ns, uint8_t out[SPAN_ID_LEN])
{
	uint8_t msg[20];
	uint64_t h;

	for (int i = 0; i < 8; i++) {
		msg[i] = (uint8_t)(job_id >> (8 * i));
		msg[8 + i] = (uint8_t)(start_ns >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		msg[16 + i] = (uint8_t)(pid >> (8 * i));
	h = trace_siphash(tc->key, msg, sizeof(msg));
	if (!h)
		h = 1; /* an all-zero span id is invalid */
	for (int i = 0; i < SPAN_ID_LEN; i++)
		out[i] = (uint8_t)(h >> (56 - 8 * i));
}

void trace_hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}
