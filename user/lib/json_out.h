/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small streaming JSON writer into a growable buffer. Hand-rolled rather
 * than json-c because event strings are raw kernel bytes: invalid UTF-8 is
 * written losslessly as \udcXX (see docs/EVENTS.md), which json-c cannot
 * express, and the hot path must not allocate per event.
 */
#ifndef BW_JSON_OUT_H
#define BW_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct jbuf {
	char *buf;
	size_t len;
	size_t cap;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool oom; /* an allocation failed: contents are incomplete */
	/* Since the reset, a string was written other than as its bytes read
	 * back: a stray byte as \udcXX, or masked (lib/redact.h). */
	bool altered;
};

void jbuf_init(struct jbuf *jb);
void jbuf_reset(struct jbuf *jb);
void jbuf_free(struct jbuf *jb);

void json_obj_open(struct jbuf *jb);
void json_obj_close(struct jbuf *jb);
void json_arr_open(struct jbuf *jb, const char *key);
void json_arr_close(struct jbuf *jb);
void json_sub_open(struct jbuf *jb, const char *key); /* nested object */

/* Decimal digits of a uint64_t, at most. */
#define JSON_U64_DIGITS 20
/* v in decimal, written backwards to end at end (no NUL): where it starts. */
char *json_u64_digits(char *end, uint64_t v);

void json_kv_u64(struct jbuf *jb, const char *key, uint64_t v);
void json_kv_i64(struct jbuf *jb, const char *key, int64_t v);
void json_kv_bool(struct jbuf *jb, const char *key, bool v);
void json_kv_null(struct jbuf *jb, const char *key);
void json_kv_str(struct jbuf *jb, const char *key, const char *s);
void json_kv_strn(struct jbuf *jb, const char *key, const char *s, size_t n);
/* An array element (key NULL) or a member (key set). */
void json_val_strn(struct jbuf *jb, const char *s, size_t n);

/* A member whose value is already JSON text (trusted, produced by us). */
void json_kv_raw(struct jbuf *jb, const char *key, const char *json, size_t n);

/* jb's text and a newline to f: 0, -ENOMEM if jb is incomplete, -EIO. */
int jbuf_write_line(const struct jbuf *jb, FILE *f);

/* Append s[0..n) as a quoted, escaped JSON string. */
void json_escape(struct jbuf *jb, const char *s, size_t n);

#endif /* BW_JSON_OUT_H */
