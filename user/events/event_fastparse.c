// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lines the agent writes, parsed into json-c objects without json-c's
 * tokener (events/event_fastparse.h). The tokener walks a state machine a
 * byte at a time, copies every key and string through a print buffer and
 * looks every key up before adding it; rendering the end-of-run report
 * re-reads the whole stream, and that was most of the agent's CPU per
 * exec. This scanner builds the very same objects from the strict subset
 * of JSON the agent writes, and declines anything else (numbers that are
 * not small integers, \u escapes beyond ASCII, control bytes, duplicate
 * keys, deep nesting, anything after the value), which then goes through
 * json-c as before: the result, and every error message, are unchanged.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/linkhash.h>
#include "events/event_fastparse.h"

/* Far below json-c's default depth (32), far above what records nest. */
#define FAST_MAX_DEPTH 16
/* Digits of an integer taken here: UINT64_MAX has 20 (the daemon's job ids pass INT64_MAX). */
#define FAST_MAX_DIGITS 20
/* Members of one object checked for duplicate keys by hash. */
#define FAST_MAX_MEMBERS 128

struct fast {
	const char *p;
	const char *end;
	struct event_fastparse *fp;
	int depth;
};

static bool value(struct fast *f, struct json_object **out);

static void skip_ws(struct fast *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\r' || *f->p == '\n'))
		f->p++;
}

static bool literal(struct fast *f, const char *w, size_t n)
{
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, w, n))
		return false;
	f->p += n;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \u00XX with XX an ASCII byte other than NUL; -1 for anything else. */
static int ascii_escape(const char *p)
{
	int a = hexval(p[0]), b = hexval(p[1]), c = hexval(p[2]), d = hexval(p[3]);

	if (a != 0 || b != 0 || c < 0 || d < 0)
		return -1;
	return c * 16 + d >= 1 && c * 16 + d < 0x80 ? c * 16 + d : -1;
}

static bool buf_reserve(struct event_fastparse *fp, size_t n)
{
	size_t cap = fp->cap ? fp->cap : 256;
	char *b;

	if (n <= fp->cap)
		return true;
	while (cap < n)
		cap *= 2;
	b = realloc(fp->buf, cap);
	if (!b)
		return false;
	fp->buf = b;
	fp->cap = cap;
	return true;
}

/*
 * A string at f->p (its opening quote) into *s, *n: pointing into the
 * line when it has no escapes, else unescaped into f->buf.
 */
static bool string(struct fast *f, const char **s, size_t *n)
{
	const char *p = ++f->p, *run;
	size_t len = 0;
	int c;

	while (p < f->end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
		p++;
	if (p < f->end && *p == '"') {
		*s = f->p;
		*n = (size_t)(p - f->p);
		f->p = p + 1;
		return true;
	}
	if (!buf_reserve(f->fp, (size_t)(f->end - f->p)))
		return false;
	for (p = f->p; p < f->end && *p != '"';) {
		if ((unsigned char)*p < 0x20)
			return false;
		if (*p != '\\') {
			for (run = p; p < f->end && *p != '"' && *p != '\\' &&
				      (unsigned char)*p >= 0x20; p++)
				;
			memcpy(f->fp->buf + len, run, (size_t)(p - run));
			len += (size_t)(p - run);
			continue;
		}
		if (f->end - p < 2)
			return false;
		switch (p[1]) {
		case '"': c = '"'; break;
		case '\\': c = '\\'; break;
		case '/': c = '/'; break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if (f->end - p < 6 || (c = ascii_escape(p + 2)) < 0)
				return false;
			p += 4;
			break;
		default: return false;
		}
		f->fp->buf[len++] = (char)c;
		p += 2;
	}
	if (p >= f->end)
		return false;
	*s = f->fp->buf;
	*n = len;
	f->p = p + 1;
	return true;
}

/*
 * As json-c types them: int64 when it fits, else (not negative) uint64.
 * A negative beyond INT64_MAX's magnitude or anything past UINT64_MAX is
 * left to json-c.
 */
static struct json_object *number(struct fast *f)
{
	const char *p = f->p;
	bool neg = *p == '-';
	uint64_t v = 0, d;
	int digits = 0;

	if (neg)
		p++;
	/* "0" alone; no leading zero, no "-0" (json-c's own cases). */
	if (p < f->end && *p == '0' && (neg || (p + 1 < f->end && p[1] >= '0' && p[1] <= '9')))
		return NULL;
	for (; p < f->end && *p >= '0' && *p <= '9'; p++, digits++) {
		d = (uint64_t)(*p - '0');
		if (digits == FAST_MAX_DIGITS || v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	if (!digits || (p < f->end && (*p == '.' || *p == 'e' || *p == 'E')))
		return NULL;
	if (neg && v > (uint64_t)INT64_MAX)
		return NULL;
	f->p = p;
	if (neg)
		return json_object_new_int64(-(int64_t)v);
	return v <= (uint64_t)INT64_MAX ? json_object_new_int64((int64_t)v) : json_object_new_uint64(v);
}

static uint32_t key_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ^ (uint32_t)n;
}

static bool listed(const char *const *list, const char *k)
{
	for (; list && *list; list++)
		if (!strcmp(*list, k))
			return true;
	return false;
}

/*
 * Key k, as a string that lives as long as the reader: json-c then
 * neither copies nor frees it (JSON_C_OBJECT_ADD_CONSTANT_KEY). NULL when
 * the table is full: the line is then left to json-c.
 */
static const struct event_fastparse_key *intern(struct event_fastparse *fp, const char *k, size_t n,
					       uint32_t h)
{
	struct event_fastparse_key *e;
	size_t i = h & (EVENT_FASTPARSE_KEYS - 1);

	for (size_t probes = 0; probes < EVENT_FASTPARSE_KEYS; probes++) {
		e = &fp->keys[i];
		if (!e->s) {
			/* Not strndup: k need not be NUL-terminated, and may end where its buffer does. */
			if (fp->n_keys == EVENT_FASTPARSE_KEYS / 2 || !(e->s = malloc(n + 1)))
				return NULL;
			memcpy(e->s, k, n);
			e->s[n] = '\0';
			e->hash = h;
			e->len = n;
			e->unread = listed(fp->unread, e->s);
			fp->n_keys++;
			return e;
		}
		if (e->hash == h && e->len == n && !memcmp(e->s, k, n))
			return e;
		i = (i + 1) & (EVENT_FASTPARSE_KEYS - 1);
	}
	return NULL;
}

/*
 * May k (hash h) be a key already seen in this object? Exact: a bitmap of
 * hashes first, then the hashes themselves; a collision only declines.
 */
static bool maybe_dup(const uint32_t *hashes, size_t n, uint64_t seen[2], uint32_t h)
{
	uint64_t bit = 1ULL << (h & 63);
	uint64_t *w = &seen[(h >> 6) & 1];

	if (*w & bit) {
		for (size_t i = 0; i < n; i++)
			if (hashes[i] == h)
				return true;
	}
	*w |= bit;
	return false;
}

/* Past a container's opening byte: true when it closes at once (empty). */
static bool open_empty(struct fast *f, char close)
{
	f->p++;
	skip_ws(f);
	if (f->p < f->end && *f->p == close) {
		f->p++;
		return true;
	}
	return false;
}

/* After an item: 1 at a comma (more follow), 0 at close (done), -1 for anything else. */
static int after_item(struct fast *f, char close)
{
	skip_ws(f);
	if (f->p >= f->end || (*f->p != ',' && *f->p != close))
		return -1;
	return *f->p++ == ',';
}

struct member {
	const char *key; /* interned */
	struct json_object *v;
};

/*
 * The members into o. Not sized first: json-c's lh_table_resize would save
 * its table's regrowth (16, 32, 64 entries for an exec record), but it is
 * exported only as JSONC_PRIVATE, which a later json-c may drop.
 */
static bool fill(struct json_object *o, const struct member *m, size_t n, size_t *added)
{
	for (; *added < n; (*added)++)
		if (json_object_object_add_ex(o, m[*added].key, m[*added].v,
					      JSON_C_OBJECT_ADD_KEY_IS_NEW |
						      JSON_C_OBJECT_ADD_CONSTANT_KEY))
			return false;
	return true;
}

/* Past one value, built into nothing (a member nobody reads); false: declined. */
static bool skip_value(struct fast *f)
{
	struct json_object *v;
	const char *k;
	size_t n;
	char close;
	int next;
	bool ok;

	if (f->p >= f->end || (*f->p != '{' && *f->p != '[')) {
		ok = value(f, &v); /* a scalar: cheap next to a container's objects */
		json_object_put(v);
		return ok;
	}
	close = *f->p == '{' ? '}' : ']';
	if (open_empty(f, close))
		return true;
	if (f->depth == FAST_MAX_DEPTH)
		return false;
	f->depth++;
	do {
		skip_ws(f);
		if (close == '}') {
			if (f->p >= f->end || *f->p != '"' || !string(f, &k, &n))
				return false;
			skip_ws(f);
			if (f->p >= f->end || *f->p != ':')
				return false;
			f->p++;
			skip_ws(f);
		}
		if (!skip_value(f))
			return false;
		next = after_item(f, close);
	} while (next > 0);
	f->depth--;
	return next == 0;
}

static bool members(struct fast *f, struct member *m, size_t *n)
{
	uint32_t hashes[FAST_MAX_MEMBERS], h;
	uint64_t seen[2] = { 0, 0 };
	const struct event_fastparse_key *ke;
	const char *k;
	size_t klen;
	int next;

	if (open_empty(f, '}'))
		return true;
	for (;;) {
		skip_ws(f);
		if (f->p >= f->end || *f->p != '"' || *n == FAST_MAX_MEMBERS ||
		    !string(f, &k, &klen))
			return false;
		h = key_hash(k, klen);
		if (maybe_dup(hashes, *n, seen, h))
			return false; /* json-c's rules for duplicates apply */
		hashes[*n] = h;
		/* Interned before the value may unescape into the same buffer. */
		ke = intern(f->fp, k, klen, h);
		if (!ke)
			return false;
		m[*n].key = ke->s;
		skip_ws(f);
		if (f->p >= f->end || *f->p != ':')
			return false;
		f->p++;
		skip_ws(f);
		if (f->depth == 1 && ke->unread) {
			if (!skip_value(f))
				return false;
		} else {
			if (!value(f, &m[*n].v))
				return false;
			(*n)++;
		}
		next = after_item(f, '}');
		if (next <= 0)
			return next == 0;
	}
}

/* The members of the object at f->p into o. */
static bool object(struct fast *f, struct json_object *o)
{
	struct member m[FAST_MAX_MEMBERS];
	size_t n = 0, added = 0;
	bool ok = members(f, m, &n) && fill(o, m, n, &added);

	/* What o did not take is still ours. */
	for (size_t i = added; i < n; i++)
		json_object_put(m[i].v);
	return ok;
}

/* The elements of the array at f->p into a. */
static bool array(struct fast *f, struct json_object *a)
{
	struct json_object *v;
	int next;

	if (open_empty(f, ']'))
		return true;
	for (;;) {
		skip_ws(f);
		if (!value(f, &v))
			return false;
		if (json_object_array_add(a, v)) {
			json_object_put(v);
			return false;
		}
		next = after_item(f, ']');
		if (next <= 0)
			return next == 0;
	}
}

static bool container(struct fast *f, struct json_object **out, bool is_object)
{
	struct json_object *c = is_object ? json_object_new_object() : json_object_new_array();
	bool ok;

	if (!c || f->depth == FAST_MAX_DEPTH) {
		json_object_put(c);
		return false;
	}
	f->depth++;
	ok = is_object ? object(f, c) : array(f, c);
	f->depth--;
	if (!ok) {
		json_object_put(c);
		return false;
	}
	*out = c;
	return true;
}

/* One value at f->p into *out (NULL: a JSON null); false: declined. */
static bool value(struct fast *f, struct json_object **out)
{
	const char *s;
	size_t n;

	*out = NULL;
	if (f->p >= f->end)
		return false;
	switch (*f->p) {
	case '{': return container(f, out, true);
	case '[': return container(f, out, false);
	case '"':
		if (!string(f, &s, &n) || n > INT_MAX)
			return false;
		*out = json_object_new_string_len(s, (int)n);
		return *out != NULL;
	case 't':
		return literal(f, "true", 4) && (*out = json_object_new_boolean(1)) != NULL;
	case 'f':
		return literal(f, "false", 5) && (*out = json_object_new_boolean(0)) != NULL;
	case 'n':
		return literal(f, "null", 4);
	default:
		if (*f->p == '-' || (*f->p >= '0' && *f->p <= '9'))
			return (*out = number(f)) != NULL;
		return false;
	}
}

struct json_object *event_fastparse(struct event_fastparse *fp, const char *line, size_t len)
{
	struct fast f = { .p = line, .end = line + len, .fp = fp };
	struct json_object *o = NULL;

	skip_ws(&f);
	if (f.p < f.end && *f.p == '{' && !container(&f, &o, true))
		o = NULL;
	if (!o)
		return NULL;
	skip_ws(&f);
	if (f.p != f.end) { /* more after the object: json-c says what */
		json_object_put(o);
		return NULL;
	}
	return o;
}

void event_fastparse_free(struct event_fastparse *fp)
{
	for (size_t i = 0; i < EVENT_FASTPARSE_KEYS; i++)
		free(fp->keys[i].s);
	free(fp->buf);
	memset(fp, 0, sizeof(*fp));
}
