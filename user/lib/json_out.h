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
void json_arr_close(struct jbuf *jb);

/* Decimal digits of a uint64_t, at most. */
#define JSON_U64_DIGITS 20
/* v in decimal, written backwards to end at end (no NUL): where it starts. */
char *json_u64_digits(char *end, uint64_t v);

/*
 * The writers below take the key's length (the _k functions); the inline
 * wrappers compute it, at compile time where the key is a literal, as
 * nearly every key is: a record has dozens of them.
 */
#define JSON_KEY_LEN(k) ((k) ? __builtin_strlen(k) : 0)

void json_arr_open_k(struct jbuf *jb, const char *key, size_t key_len);
void json_sub_open_k(struct jbuf *jb, const char *key, size_t key_len);
void json_kv_u64_k(struct jbuf *jb, const char *key, size_t key_len, uint64_t v);
/* v in decimal as a JSON string: OTLP's JSON writes 64-bit integers so. */
void json_kv_u64_str_k(struct jbuf *jb, const char *key, size_t key_len, uint64_t v);
void json_kv_i64_k(struct jbuf *jb, const char *key, size_t key_len, int64_t v);
void json_kv_bool_k(struct jbuf *jb, const char *key, size_t key_len, bool v);
void json_kv_null_k(struct jbuf *jb, const char *key, size_t key_len);
void json_kv_strn_k(struct jbuf *jb, const char *key, size_t key_len, const char *s, size_t n);
void json_kv_raw_k(struct jbuf *jb, const char *key, size_t key_len, const char *json, size_t n);

static inline void json_arr_open(struct jbuf *jb, const char *key)
{
	json_arr_open_k(jb, key, JSON_KEY_LEN(key));
}

/* A nested object. */
static inline void json_sub_open(struct jbuf *jb, const char *key)
{
	json_sub_open_k(jb, key, JSON_KEY_LEN(key));
}

static inline void json_kv_u64(struct jbuf *jb, const char *key, uint64_t v)
{
	json_kv_u64_k(jb, key, JSON_KEY_LEN(key), v);
}

static inline void json_kv_u64_str(struct jbuf *jb, const char *key, uint64_t v)
{
	json_kv_u64_str_k(jb, key, JSON_KEY_LEN(key), v);
}

static inline void json_kv_i64(struct jbuf *jb, const char *key, int64_t v)
{
	json_kv_i64_k(jb, key, JSON_KEY_LEN(key), v);
}

static inline void json_kv_bool(struct jbuf *jb, const char *key, bool v)
{
	json_kv_bool_k(jb, key, JSON_KEY_LEN(key), v);
}

static inline void json_kv_null(struct jbuf *jb, const char *key)
{
	json_kv_null_k(jb, key, JSON_KEY_LEN(key));
}

static inline void json_kv_strn(struct jbuf *jb, const char *key, const char *s, size_t n)
{
	json_kv_strn_k(jb, key, JSON_KEY_LEN(key), s, n);
}

/* s NULL: null. */
static inline void json_kv_str(struct jbuf *jb, const char *key, const char *s)
{
	if (!s)
		json_kv_null(jb, key);
	else
		json_kv_strn(jb, key, s, __builtin_strlen(s));
}

/* An array element (key NULL) or a member (key set). */
void json_val_strn(struct jbuf *jb, const char *s, size_t n);

/* A member whose value is already JSON text (trusted, produced by us). */
static inline void json_kv_raw(struct jbuf *jb, const char *key, const char *json, size_t n)
{
	json_kv_raw_k(jb, key, JSON_KEY_LEN(key), json, n);
}

/* How many bytes of s, from its start, a JSON string holds as they are. */
size_t json_plain_prefix(const char *s, size_t n);

/*
 * Members a writer puts itself, for the header every record starts with
 * (a dozen small members cost more in bookkeeping than in bytes):
 * json_member_room() writes the separator a member needs and reserves n
 * bytes after it, and returns where they start (NULL: out of memory);
 * the caller puts "key":value members there, with commas between them
 * and nothing needing escaping, then json_room_end() at the byte after
 * the last: the next member gets its comma as after any other.
 */
char *json_member_room(struct jbuf *jb, size_t n);
void json_room_end(struct jbuf *jb, char *end);
/* v's digits at d: the byte after them. */
char *json_put_u64(char *d, uint64_t v);

/* jb's text and a newline to f: 0, -ENOMEM if jb is incomplete, -EIO. */
int jbuf_write_line(const struct jbuf *jb, FILE *f);

/* Append s[0..n) as a quoted, escaped JSON string. */
void json_escape(struct jbuf *jb, const char *s, size_t n);

#endif /* BW_JSON_OUT_H */
