// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Protocol-buffers wire encoding (export/otlp_proto.h). A nested message
 * reserves the longest varint for its length and, when it closes, moves
 * its body back over the unused bytes: the output is canonical (shortest
 * lengths), which keeps the unit tests' known bytes those of protoc.
 */
#include <stdlib.h>
#include <string.h>
#include "export/otlp_proto.h"

#define VARINT32_MAX 5

void pb_init(struct pbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void pb_reset(struct pbuf *b)
{
	b->len = 0;
	b->oom = false;
	b->depth = 0;
}

void pb_free(struct pbuf *b)
{
	free(b->buf);
	pb_init(b);
}

static bool reserve(struct pbuf *b, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (b->oom)
		return false;
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	nb = realloc(b->buf, cap);
	if (!nb) {
		b->oom = true;
		return false;
	}
	b->buf = nb;
	b->cap = cap;
	return true;
}

void pb_put(struct pbuf *b, const void *data, size_t n)
{
	if (!n || !reserve(b, n))
		return;
	memcpy(b->buf + b->len, data, n);
	b->len += n;
}

static size_t varint_enc(uint64_t v, uint8_t *out)
{
	size_t n = 0;

	do {
		out[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			out[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

static void pb_varint(struct pbuf *b, uint64_t v)
{
	uint8_t tmp[10];

	pb_put(b, tmp, varint_enc(v, tmp));
}

static void pb_tag(struct pbuf *b, uint32_t field, unsigned wire_type)
{
	pb_varint(b, (uint64_t)field << 3 | wire_type);
}

void pb_uint(struct pbuf *b, uint32_t field, uint64_t v)
{
	pb_tag(b, field, 0);
	pb_varint(b, v);
}

void pb_int64(struct pbuf *b, uint32_t field, int64_t v)
{
	pb_uint(b, field, (uint64_t)v);
}

void pb_fixed64(struct pbuf *b, uint32_t field, uint64_t v)
{
	uint8_t le[8];

	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	pb_tag(b, field, 1);
	pb_put(b, le, sizeof(le));
}

void pb_bytes(struct pbuf *b, uint32_t field, const void *data, size_t n)
{
	pb_tag(b, field, 2);
	pb_varint(b, n);
	pb_put(b, data, n);
}

void pb_open(struct pbuf *b, uint32_t field)
{
	if (b->depth == PB_MAX_DEPTH) {
		b->oom = true; /* a programming error: say the output is unusable */
		return;
	}
	pb_tag(b, field, 2);
	if (!reserve(b, VARINT32_MAX))
		return;
	b->open_at[b->depth++] = b->len;
	b->len += VARINT32_MAX;
}

void pb_close(struct pbuf *b)
{
	uint8_t tmp[10];
	size_t at, body, n;

	if (!b->depth || b->oom)
		return;
	at = b->open_at[--b->depth];
	body = b->len - at - VARINT32_MAX;
	n = varint_enc(body, tmp);
	memmove(b->buf + at + n, b->buf + at + VARINT32_MAX, body);
	memcpy(b->buf + at, tmp, n);
	b->len = at + n + body;
}
