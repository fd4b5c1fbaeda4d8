// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_out.h"
#include "lib/utf8.h"

void jbuf_init(struct jbuf *jb)
{
	memset(jb, 0, sizeof(*jb));
}

void jbuf_reset(struct jbuf *jb)
{
	jb->len = 0;
	jb->depth = 0;
	jb->need_comma[0] = false;
	jb->oom = false;
	jb->altered = false;
}

void jbuf_free(struct jbuf *jb)
{
	free(jb->buf);
	jbuf_init(jb);
}

static bool jbuf_grow(struct jbuf *jb, size_t extra)
{
	size_t cap;
	char *p;

	if (jb->oom)
		return false;
	cap = jb->cap ? jb->cap : 512;
	while (cap < jb->len + extra + 1)
		cap *= 2;
	p = realloc(jb->buf, cap);
	if (!p) {
		jb->oom = true;
		return false;
	}
	jb->buf = p;
	jb->cap = cap;
	return true;
}

/* Inlined where bytes are put, a few dozen times a record: only growing is a call. */
static inline bool jbuf_reserve(struct jbuf *jb, size_t extra)
{
	return (!jb->oom && jb->len + extra + 1 <= jb->cap) || jbuf_grow(jb, extra);
}

/* Inlined: a record is a few hundred of these, and a call cost more than the copy. */
static inline __attribute__((always_inline)) void put(struct jbuf *jb, const char *s, size_t n)
{
	if (!jbuf_reserve(jb, n))
		return;
	memcpy(jb->buf + jb->len, s, n);
	jb->len += n;
	jb->buf[jb->len] = '\0';
}

static inline __attribute__((always_inline)) void putc_(struct jbuf *jb, char c)
{
	if (!jbuf_reserve(jb, 1))
		return;
	jb->buf[jb->len++] = c;
	jb->buf[jb->len] = '\0';
}

static void escape_byte(struct jbuf *jb, unsigned char c)
{
	char tmp[8];

	switch (c) {
	case '"': put(jb, "\\\"", 2); return;
	case '\\': put(jb, "\\\\", 2); return;
	case '\n': put(jb, "\\n", 2); return;
	case '\r': put(jb, "\\r", 2); return;
	case '\t': put(jb, "\\t", 2); return;
	case '\b': put(jb, "\\b", 2); return;
	case '\f': put(jb, "\\f", 2); return;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(tmp, sizeof(tmp), "\\u%04x", c);
		put(jb, tmp, 6);
		return;
	}
	putc_(jb, (char)c);
}

/* Printable ASCII but '"' (0x22) and '\\' (0x5c): copied as it is. */
static const bool plain[256] = { [0x20 ... 0x21] = true, [0x23 ... 0x5b] = true,
				 [0x5d ... 0x7e] = true };

void json_escape(struct jbuf *jb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char tmp[8];
	size_t i = 0, len;

	putc_(jb, '"');
	while (i < n) {
		size_t run = i;

		/* Copy runs of plain printable ASCII in one go: most of argv is. */
		while (run < n && plain[s[run]])
			run++;
		if (run > i) {
			put(jb, (const char *)s + i, run - i);
			i = run;
			continue;
		}
		if (s[i] < 0x80) {
			escape_byte(jb, s[i++]);
			continue;
		}
		len = utf8_seq_len(s + i, n - i);
		if (len) {
			put(jb, (const char *)s + i, len);
			i += len;
			continue;
		}
		/* Lossless escape for a stray byte, as Python's surrogateescape. */
		jb->altered = true;
		snprintf(tmp, sizeof(tmp), "\\u%04x", 0xdc00 + s[i]);
		put(jb, tmp, 6);
		i++;
	}
	putc_(jb, '"');
}

/*
 * n bytes from s to d for the short strings keys are: two copies of a
 * fixed size that overlap in the middle, each a load and a store, rather
 * than a byte loop or a call (a key took ~70 instructions with the loop).
 */
static inline __attribute__((always_inline)) void copy_short(char *d, const char *s, size_t n)
{
	size_t i;

	if (n >= 16) {
		for (i = 0; i + 16 < n; i += 16)
			memcpy(d + i, s + i, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

/*
 * The separator and "k": (k NULL: the separator alone), with room for
 * extra more bytes: where the value goes, or NULL when out of memory.
 * The writers of numbers, literals and plain strings put their value
 * there and end with put_end(): one reservation a member, for the dozens
 * a record has. kn is k's length, which the header's wrappers compute
 * where the key is a literal: the compiler folds it.
 */
static inline __attribute__((always_inline)) char *key_room(struct jbuf *jb, const char *k,
							     size_t kn, size_t extra)
{
	bool comma = jb->need_comma[jb->depth];
	char *d;

	jb->need_comma[jb->depth] = true;
	if (!jbuf_reserve(jb, kn + 4 + extra))
		return NULL;
	d = jb->buf + jb->len;
	if (comma)
		*d++ = ',';
	if (k) {
		*d++ = '"';
		copy_short(d, k, kn); /* our own identifiers: no escaping */
		d += kn;
		*d++ = '"';
		*d++ = ':';
	}
	return d;
}

static inline __attribute__((always_inline)) void put_end(struct jbuf *jb, char *d)
{
	*d = '\0';
	jb->len = (size_t)(d - jb->buf);
}

static void key(struct jbuf *jb, const char *k, size_t kn)
{
	char *d = key_room(jb, k, kn, 0);

	if (d)
		put_end(jb, d);
}

char *json_member_room(struct jbuf *jb, size_t n)
{
	return key_room(jb, NULL, 0, n);
}

void json_room_end(struct jbuf *jb, char *end)
{
	put_end(jb, end);
}

char *json_put_u64(char *d, uint64_t v)
{
	char tmp[JSON_U64_DIGITS];
	const char *p = json_u64_digits(tmp + sizeof(tmp), v);
	size_t n = (size_t)(tmp + sizeof(tmp) - p);

	copy_short(d, p, n);
	return d + n;
}

/* A member whose value is n bytes of s, put as they are. */
static inline __attribute__((always_inline)) void member(struct jbuf *jb, const char *k,
							  size_t kn, const char *s, size_t n)
{
	char *d = key_room(jb, k, kn, n);

	if (!d)
		return;
	copy_short(d, s, n);
	put_end(jb, d + n);
}

static void push(struct jbuf *jb, char c)
{
	putc_(jb, c);
	if (jb->depth < JSON_MAX_DEPTH - 1)
		jb->depth++;
	jb->need_comma[jb->depth] = false;
}

static void pop(struct jbuf *jb, char c)
{
	putc_(jb, c);
	if (jb->depth > 0)
		jb->depth--;
}

void json_obj_open(struct jbuf *jb)
{
	key(jb, NULL, 0);
	push(jb, '{');
}

void json_obj_close(struct jbuf *jb)
{
	pop(jb, '}');
}

void json_sub_open_k(struct jbuf *jb, const char *k, size_t kn)
{
	key(jb, k, kn);
	push(jb, '{');
}

void json_arr_open_k(struct jbuf *jb, const char *k, size_t kn)
{
	key(jb, k, kn);
	push(jb, '[');
}

void json_arr_close(struct jbuf *jb)
{
	pop(jb, ']');
}

char *json_u64_digits(char *end, uint64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";

	/* By hand, two digits a division: snprintf was a visible share of the agent's time per event. */
	for (; v >= 100; v /= 100) {
		end -= 2;
		memcpy(end, pairs + 2 * (v % 100), 2);
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, pairs + 2 * v, 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

void json_kv_u64_k(struct jbuf *jb, const char *k, size_t kn, uint64_t v)
{
	char *d = key_room(jb, k, kn, JSON_U64_DIGITS);

	if (d)
		put_end(jb, json_put_u64(d, v));
}

void json_kv_u64_str_k(struct jbuf *jb, const char *k, size_t kn, uint64_t v)
{
	char tmp[JSON_U64_DIGITS];
	const char *p = json_u64_digits(tmp + sizeof(tmp), v);

	json_kv_strn_k(jb, k, kn, p, (size_t)(tmp + sizeof(tmp) - p));
}

void json_kv_i64_k(struct jbuf *jb, const char *k, size_t kn, int64_t v)
{
	char tmp[JSON_U64_DIGITS + 1];
	/* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
	char *p = json_u64_digits(tmp + sizeof(tmp), v < 0 ? 0 - (uint64_t)v : (uint64_t)v);

	if (v < 0)
		*--p = '-';
	member(jb, k, kn, p, (size_t)(tmp + sizeof(tmp) - p));
}

void json_kv_bool_k(struct jbuf *jb, const char *k, size_t kn, bool v)
{
	if (v)
		member(jb, k, kn, "true", 4);
	else
		member(jb, k, kn, "false", 5);
}

void json_kv_null_k(struct jbuf *jb, const char *k, size_t kn)
{
	member(jb, k, kn, "null", 4);
}

size_t json_plain_prefix(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n && plain[s[i]])
		i++;
	return i;
}

void json_kv_strn_k(struct jbuf *jb, const char *k, size_t kn, const char *s, size_t n)
{
	char *d;

	/* Nearly every string of a record is plain ASCII: the key, the quotes and
	 * the bytes in one reservation, and no second look at them. */
	if (json_plain_prefix(s, n) < n) {
		key(jb, k, kn);
		json_escape(jb, s, n);
		return;
	}
	d = key_room(jb, k, kn, n + 2);
	if (!d)
		return;
	*d++ = '"';
	if (n <= 64)
		copy_short(d, s, n);
	else
		memcpy(d, s, n);
	d += n;
	*d++ = '"';
	put_end(jb, d);
}

void json_kv_raw_k(struct jbuf *jb, const char *k, size_t kn, const char *json, size_t n)
{
	if (n <= 64) {
		member(jb, k, kn, json, n);
		return;
	}
	key(jb, k, kn);
	put(jb, json, n);
}

void json_val_strn(struct jbuf *jb, const char *s, size_t n)
{
	json_kv_strn(jb, NULL, s, n);
}

int jbuf_write_line(const struct jbuf *jb, FILE *f)
{
	if (jb->oom)
		return -ENOMEM;
	if (fwrite(jb->buf, 1, jb->len, f) != jb->len || fputc('\n', f) == EOF)
		return -EIO;
	return 0;
}
