/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The few protocol-buffers wire rules OTLP/HTTP protobuf needs, written by
 * hand rather than generated (no protobuf compiler or runtime in the
 * build): varints, tags, fixed64, length-delimited fields, and nested
 * messages whose length is known only once they are written.
 */
#ifndef BW_OTLP_PROTO_H
#define BW_OTLP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX_DEPTH 8

/* A growing byte buffer; oom: an allocation failed and the contents are incomplete. */
struct pbuf {
	uint8_t *buf;
	size_t len, cap;
	bool oom;
	unsigned depth;
	size_t open_at[PB_MAX_DEPTH]; /* where each open message's length goes */
};

void pb_init(struct pbuf *b);
void pb_reset(struct pbuf *b);
void pb_free(struct pbuf *b);
void pb_put(struct pbuf *b, const void *data, size_t n);
/* Field headers and whole fields; field is the proto field number. */
void pb_uint(struct pbuf *b, uint32_t field, uint64_t v);   /* varint: uint32/64, enum, int64 >= 0 */
void pb_int64(struct pbuf *b, uint32_t field, int64_t v);   /* varint, two's complement */
void pb_fixed64(struct pbuf *b, uint32_t field, uint64_t v);
void pb_bytes(struct pbuf *b, uint32_t field, const void *data, size_t n); /* also strings */
/* A nested message: open, write its fields, close (its length is filled in then). */
void pb_open(struct pbuf *b, uint32_t field);
void pb_close(struct pbuf *b);

#endif /* BW_OTLP_PROTO_H */
