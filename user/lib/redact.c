// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Secret redaction. One left-to-right scan finds "spans" (the bytes of a
 * secret value); each is replaced by REDACT_MASK. The rules, in the order
 * they are tried at a position, are listed in docs/REDACTION.md:
 *
 *   PEM private key blocks, long flags (`--password=x`, `--token x`),
 *   URL userinfo (`scheme://user:pass@`), token shapes (`ghp_…`, `AKIA…`),
 *   assignments (`FOO_TOKEN=x`, `?access_token=x`) and headers
 *   (`Authorization: Bearer x`, `X-API-Key: x`).
 *
 * Character classes are ASCII and locale-independent on purpose: the input
 * is raw kernel bytes, and a secret's shape does not depend on LC_CTYPE.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/redact.h"

static bool redact_on = true;

bool redact_enabled(void)
{
	return redact_on;
}

void redact_set_enabled(bool on)
{
	redact_on = on;
}

struct span {
	size_t start;
	size_t end;
};

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_quote(unsigned char c)
{
	return c == '"' || c == '\'';
}

static bool is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alpha(unsigned char c)
{
	return is_upper(c) || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

/* Characters of a variable, flag or header name. */
static bool is_name(unsigned char c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

/* Case-insensitive, with '-' and '_' alike; w is lower case with '_'. */
static bool name_eq(const char *s, const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '-')
			c = '_';
		else if (is_upper(c))
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)w[i])
			return false;
	}
	return true;
}

enum name_ctx {
	NAME_FLAG,   /* --NAME */
	NAME_ASSIGN, /* NAME=value, a shell or environment assignment */
	NAME_QUERY,  /* ?NAME=value or &NAME=value in a URL */
	NAME_HEADER, /* NAME: value */
};

struct secret_word {
	const char *word;
	size_t len;
	bool glued;    /* may end a name without a separator: PGPASSWORD */
	unsigned ctxs; /* bit per enum name_ctx where it counts */
};

#define ALL_CTX 0xfu
#define CTX(c) (1u << (c))
#define WORD(w, glued, ctxs) { w, sizeof(w) - 1, glued, ctxs }

static const struct secret_word secret_words[] = {
	WORD("password", true, ALL_CTX),
	WORD("passwd", true, ALL_CTX),
	WORD("passphrase", true, ALL_CTX),
	WORD("secret", true, ALL_CTX),
	WORD("token", false, ALL_CTX),
	WORD("apikey", true, ALL_CTX),
	WORD("api_key", false, ALL_CTX),
	WORD("access_key", false, ALL_CTX),
	WORD("private_key", false, ALL_CTX),
	WORD("secret_key", false, ALL_CTX),
	/* DB_PASS=; as a flag --pass is too often a number (x264 --pass 2) */
	WORD("pass", false, CTX(NAME_ASSIGN) | CTX(NAME_QUERY)),
	/* presigned URLs: X-Amz-Signature=, Azure SAS sig= */
	WORD("signature", false, CTX(NAME_QUERY)),
	WORD("sig", false, CTX(NAME_QUERY)),
	WORD("authorization", true, CTX(NAME_HEADER)),
};

/*
 * The last letters of the words above, either case: most names a build
 * assigns (CFLAGS, HAVE_CONFIG_H, PATH) end otherwise and are turned away
 * without comparing a word. Keep in step with secret_words (the unit test
 * masks a name ending in each word).
 */
static const bool word_end[256] = {
	['d'] = true, ['e'] = true, ['g'] = true, ['n'] = true, ['s'] = true, ['t'] = true,
	['y'] = true, ['D'] = true, ['E'] = true, ['G'] = true, ['N'] = true, ['S'] = true,
	['T'] = true, ['Y'] = true,
};

/*
 * A name is sensitive when it is one of the words or ends with one after a
 * '-' or '_' (DB_PASSWORD, --client-secret, X-API-Key): PASSWORD_LEN and
 * --token-file are not. A flag starting with no- (--no-password) is a
 * switch, not a value.
 */
static bool name_sensitive(const char *s, size_t len, enum name_ctx ctx)
{
	size_t i, wl;

	if (!len || !word_end[(unsigned char)s[len - 1]])
		return false;
	if (ctx == NAME_FLAG && len > 3 && name_eq(s, "no_", 3))
		return false;
	for (i = 0; i < sizeof(secret_words) / sizeof(secret_words[0]); i++) {
		const struct secret_word *w = &secret_words[i];

		if (!(w->ctxs & CTX(ctx)))
			continue;
		wl = w->len;
		if (len < wl || !name_eq(s + len - wl, w->word, wl))
			continue;
		if (len == wl || w->glued || s[len - wl - 1] == '-' || s[len - wl - 1] == '_')
			return true;
	}
	return false;
}

/*
 * An unquoted value runs to whitespace, or to the quote that opened the
 * word it is in ("--token=x" inside sh -c). In a URL query it also ends at
 * '&', '#' or any quote. Running on past shell punctuation (;, &&) masks a
 * little too much rather than leak the tail of a password containing it.
 */
static size_t value_end(const char *s, size_t n, size_t v, char quote, bool query)
{
	const char *close;

	for (; v < n; v++) {
		unsigned char c = (unsigned char)s[v];

		if (is_space(c) || (quote && c == (unsigned char)quote))
			break;
		if (query && (c == '&' || c == '#' || is_quote(c)))
			break;
		/* x'y z'w is one shell word: the value runs past the quoted part
		 * (and the masked value holds no quote that quote_open would
		 * count afterwards) */
		if (is_quote(c)) {
			close = memchr(s + v + 1, c, n - v - 1);
			if (!close)
				return n;
			v = (size_t)(close - s);
		}
	}
	return v;
}

/* The value starting at v; a quoted value is masked inside its quotes. */
static bool value_span(const char *s, size_t n, size_t v, char quote, bool query, struct span *sp)
{
	const char *close;

	if (v >= n)
		return false;
	if (!query && is_quote((unsigned char)s[v])) {
		close = memchr(s + v + 1, s[v], n - v - 1);
		sp->start = v + 1;
		sp->end = close ? (size_t)(close - s) : n;
	} else {
		sp->start = v;
		sp->end = value_end(s, n, v, quote, query);
	}
	return sp->end > sp->start;
}

/*
 * The quote still open at i, shell-style ('…' or "…", no escapes): inside
 * `sh -c 'tool --token=abc'` the value ends at the closing quote. Only
 * computed once a secret is found, so clean strings never pay for it.
 */
static char quote_open(const char *s, size_t i)
{
	char open = 0;
	size_t k;

	for (k = 0; k < i; k++) {
		if (!open && is_quote((unsigned char)s[k]))
			open = s[k];
		else if (s[k] == open)
			open = 0;
	}
	return open;
}

/* -----BEGIN … PRIVATE KEY----- … -----END: the body. */
static bool try_pem(const char *s, size_t n, size_t i, struct span *sp)
{
	static const char begin[] = "-----BEGIN ";
	const size_t bl = sizeof(begin) - 1;
	const char *nl, *dash, *end;
	size_t h;

	if (n - i < bl || memcmp(s + i, begin, bl))
		return false;
	nl = memchr(s + i + bl, '\n', n - i - bl);
	h = nl ? (size_t)(nl - s) : n;
	dash = memmem(s + i + bl, h - i - bl, "-----", 5);
	if (!dash || !memmem(s + i + bl, (size_t)(dash - s) - i - bl, "PRIVATE KEY", 11))
		return false;
	sp->start = (size_t)(dash - s) + 5;
	end = memmem(s + sp->start, n - sp->start, "-----END", 8);
	sp->end = end ? (size_t)(end - s) : n;
	return sp->end > sp->start;
}

/* --NAME=value, and --NAME value within one string. */
static bool try_flag(const char *s, size_t n, size_t i, struct span *sp)
{
	size_t a = i + 2, e = a, v;

	while (e < n && is_name((unsigned char)s[e]))
		e++;
	if (e == a || e >= n || !name_sensitive(s + a, e - a, NAME_FLAG))
		return false;
	if (s[e] == '=')
		return value_span(s, n, e + 1, quote_open(s, i), false, sp);
	if (!is_space((unsigned char)s[e]))
		return false;
	for (v = e; v < n && is_space((unsigned char)s[v]); v++)
		;
	return value_span(s, n, v, quote_open(s, i), false, sp);
}

/* scheme://user:password@host — the password; a user alone is kept. */
static bool try_url(const char *s, size_t n, size_t i, struct span *sp)
{
	size_t a = i + 3, e;
	const char *at = NULL, *colon;

	if (!i || !is_alpha((unsigned char)s[i - 1]) || n - i < 3 || s[i + 1] != '/' ||
	    s[i + 2] != '/')
		return false;
	for (e = a; e < n; e++) {
		unsigned char c = (unsigned char)s[e];

		if (c == '/' || c == '?' || c == '#' || c == '<' || c == '>' || is_space(c) ||
		    is_quote(c))
			break;
		if (c == '@')
			at = s + e;
	}
	if (!at)
		return false;
	colon = memchr(s + a, ':', (size_t)(at - s) - a);
	if (!colon)
		return false;
	sp->start = (size_t)(colon - s) + 1;
	sp->end = (size_t)(at - s);
	return sp->end > sp->start;
}

struct token_shape {
	const char *prefix;
	size_t len;        /* of prefix */
	size_t min;        /* characters after the prefix */
	const char *extra; /* allowed besides [A-Za-z0-9] */
};

#define SHAPE(p, m, x) { p, sizeof(p) - 1, m, x }

/*
 * Every prefix starts with gh, gi, gl, np, xo or AI (token_prefix_at()
 * and the prefilter's byte table know them, and AKIA and ASIA), and no
 * shape matches fewer than TOKEN_MIN_LEN bytes (xoxb- and 10): keep them
 * in step.
 */
static const struct token_shape token_shapes[] = {
	SHAPE("ghp_", 20, ""),   SHAPE("gho_", 20, ""),  SHAPE("ghu_", 20, ""),
	SHAPE("ghs_", 20, ""),   SHAPE("ghr_", 20, ""),  SHAPE("github_pat_", 20, "_"),
	SHAPE("glpat-", 20, "_-"), SHAPE("npm_", 30, ""), SHAPE("xoxa-", 10, "-"),
	SHAPE("xoxb-", 10, "-"), SHAPE("xoxp-", 10, "-"), SHAPE("xoxr-", 10, "-"),
	SHAPE("xoxs-", 10, "-"), SHAPE("AIza", 30, "_-"),
};

#define N_SHAPES (sizeof(token_shapes) / sizeof(token_shapes[0]))

/* The shortest string a token shape matches: xoxb- and 10 more. */
#define TOKEN_MIN_LEN 15

static bool aws_prefix(const char *s)
{
	return s[0] == 'A' && (s[1] == 'K' || s[1] == 'S') &&
	       (!memcmp(s, "AKIA", 4) || !memcmp(s, "ASIA", 4));
}

/*
 * Whether some token's prefix starts at i with room for its shortest
 * match: the cheap part of try_token, which paths full of g, n and x
 * (x86_64-linux-gnu) mostly fail at the second byte.
 */
static bool token_prefix_at(const char *s, size_t n, size_t i)
{
	size_t k;

	if (n - i < TOKEN_MIN_LEN)
		return false;
	switch (s[i]) { /* the prefixes' first two bytes: most g, n and x fail here */
	case 'g':
		if (s[i + 1] != 'h' && s[i + 1] != 'i' && s[i + 1] != 'l')
			return false;
		break;
	case 'n':
		if (s[i + 1] != 'p')
			return false;
		break;
	case 'x':
		if (s[i + 1] != 'o')
			return false;
		break;
	case 'A':
		if (n - i >= 20 && aws_prefix(s + i))
			return true;
		if (s[i + 1] != 'I')
			return false;
		break;
	default:
		return false;
	}
	for (k = 0; k < N_SHAPES; k++) {
		const struct token_shape *t = &token_shapes[k];

		if (s[i] == t->prefix[0] && n - i >= t->len + t->min && s[i + 1] == t->prefix[1] &&
		    !memcmp(s + i, t->prefix, t->len))
			return true;
	}
	return false;
}

static bool token_extra(const struct token_shape *t, unsigned char c)
{
	return c && strchr(t->extra, c);
}

/* Well-known token shapes: the type prefix is kept, the rest masked. */
static bool try_token(const char *s, size_t n, size_t i, struct span *sp)
{
	size_t k, e;

	/* Most words start with no token's first letter: the shapes are not even looked at. */
	if (!token_prefix_at(s, n, i))
		return false;
	/* AWS access key ids: AKIA or ASIA and exactly 16 of [A-Z0-9]. */
	if (n - i >= 20 && aws_prefix(s + i)) {
		for (e = i + 4; e < i + 20 && (is_upper((unsigned char)s[e]) ||
					       is_digit((unsigned char)s[e])); e++)
			;
		if (e == i + 20 && (e == n || !is_alnum((unsigned char)s[e]))) {
			sp->start = i + 4;
			sp->end = e;
			return true;
		}
	}
	for (k = 0; k < N_SHAPES; k++) {
		const struct token_shape *t = &token_shapes[k];

		if (s[i] != t->prefix[0] || n - i < t->len + t->min ||
		    memcmp(s + i, t->prefix, t->len))
			continue;
		for (e = i + t->len; e < n && (is_alnum((unsigned char)s[e]) ||
					       token_extra(t, (unsigned char)s[e])); e++)
			;
		if (e - i - t->len >= t->min) {
			sp->start = i + t->len;
			sp->end = e;
			return true;
		}
	}
	return false;
}

/* NAME: value, with "Authorization: SCHEME credentials" keeping SCHEME. */
static bool try_header(const char *s, size_t n, size_t i, size_t e, struct span *sp)
{
	char quote = quote_open(s, i);
	size_t v = e + 1, w1e, w2;

	if (!name_sensitive(s + i, e - i, NAME_HEADER))
		return false;
	while (v < n && (s[v] == ' ' || s[v] == '\t'))
		v++;
	w1e = value_end(s, n, v, quote, false);
	if (w1e == v)
		return false;
	if (e - i >= 13 && name_eq(s + e - 13, "authorization", 13)) {
		for (w2 = w1e; w2 < n && (s[w2] == ' ' || s[w2] == '\t'); w2++)
			;
		if (w2 > w1e && w2 < n && !is_space((unsigned char)s[w2]) && s[w2] != quote) {
			sp->start = w2;
			sp->end = value_end(s, n, w2, quote, false);
			return true;
		}
	}
	sp->start = v;
	sp->end = w1e;
	return true;
}

/* NAME=value (environment, shell, -Dkey.name=) or ?NAME= in a URL. */
static bool try_assign(const char *s, size_t n, size_t i, struct span *sp)
{
	char prev = i ? s[i - 1] : 0;
	size_t e = i;
	bool query;

	while (e < n && is_name((unsigned char)s[e]))
		e++;
	if (e >= n)
		return false;
	if (s[e] == ':' && e + 1 < n && (s[e + 1] == ' ' || s[e + 1] == '\t'))
		return try_header(s, n, i, e, sp);
	if (s[e] != '=')
		return false;
	query = prev == '?' || prev == '&';
	if (!name_sensitive(s + i, e - i, query ? NAME_QUERY : NAME_ASSIGN))
		return false;
	return value_span(s, n, e + 1, quote_open(s, i), query, sp);
}

/* The first secret at or after from. */
static bool next_span(const char *s, size_t n, size_t from, struct span *sp)
{
	size_t i;

	for (i = from; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned char p = i ? (unsigned char)s[i - 1] : ' ';

		if (c == '-') {
			if (try_pem(s, n, i, sp))
				return true;
			if (i + 1 < n && s[i + 1] == '-' && !is_name(p) && try_flag(s, n, i, sp))
				return true;
		} else if (c == ':') {
			if (try_url(s, n, i, sp))
				return true;
		} else if ((is_alnum(c) || c == '_') && !is_alnum(p) && p != '_') {
			if (try_token(s, n, i, sp))
				return true;
			if (p != '-' && try_assign(s, n, i, sp))
				return true;
			/* No word starts inside this one, nor is any of it '-' or ':': to its end. */
			while (i + 1 < n && (is_alnum((unsigned char)s[i + 1]) || s[i + 1] == '_'))
				i++;
		}
	}
	return false;
}

/* The element after a separate `--password` is the secret, whole. */
static bool prev_is_secret_flag(const char *prev)
{
	size_t len, i;

	if (!prev || prev[0] != '-' || prev[1] != '-')
		return false;
	len = strlen(prev + 2);
	for (i = 0; i < len; i++)
		if (!is_name((unsigned char)prev[2 + i]))
			return false;
	return len && name_sensitive(prev + 2, len, NAME_FLAG);
}

/*
 * Whether next_span could find anything in s, from what every rule needs:
 * an assignment or a --flag=value has '=', a URL or a header ':', a flag
 * with its value and a PEM block "--", a token one of the prefixes. Most
 * strings of a build (-O2, -Iinclude, /usr/lib/gcc/x86_64-linux-gnu/12/cc1)
 * have none, and one pass with a byte table is far cheaper than the scan,
 * which tries two rules at every word.
 */
enum { SB_HIT = 1, SB_DASH, SB_TOKEN };
static const unsigned char secret_byte[256] = {
	['='] = SB_HIT, [':'] = SB_HIT, ['-'] = SB_DASH,
	['g'] = SB_TOKEN, ['n'] = SB_TOKEN, ['x'] = SB_TOKEN, ['A'] = SB_TOKEN,
};

static bool may_hold_secret(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (secret_byte[(unsigned char)s[i]]) {
		case SB_HIT:
			return true;
		case SB_DASH:
			if (i + 1 < n && s[i + 1] == '-')
				return true;
			break;
		case SB_TOKEN:
			if (token_prefix_at(s, n, i))
				return true;
			break;
		}
	}
	return false;
}

bool redact_needed(const char *s, size_t n, const char *prev_arg)
{
	struct span sp;

	if (!redact_on || !s)
		return false;
	if (n && prev_is_secret_flag(prev_arg))
		return true;
	return may_hold_secret(s, n) && next_span(s, n, 0, &sp);
}

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void emit(struct out *o, const char *s, size_t n)
{
	size_t room;

	if (o->len + 1 < o->size) {
		room = o->size - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

size_t redact_copy(const char *s, size_t n, const char *prev_arg, char *out, size_t size)
{
	struct out o = { .buf = out, .size = size };
	struct span sp;
	size_t from = 0;

	if (!redact_on) {
		emit(&o, s, n);
	} else if (n && prev_is_secret_flag(prev_arg)) {
		emit(&o, REDACT_MASK, strlen(REDACT_MASK));
	} else {
		while (next_span(s, n, from, &sp)) {
			emit(&o, s + from, sp.start - from);
			emit(&o, REDACT_MASK, strlen(REDACT_MASK));
			from = sp.end;
		}
		emit(&o, s + from, n - from);
	}
	if (size)
		out[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

void redact_json_strn(struct jbuf *jb, const char *key, const char *s, size_t n,
		      const char *prev_arg)
{
	char stack[1024], *buf;
	size_t len;

	if (!redact_needed(s, n, prev_arg)) {
		json_kv_strn(jb, key, s, n);
		return;
	}
	jb->altered = true;
	len = redact_copy(s, n, prev_arg, NULL, 0);
	buf = len < sizeof(stack) ? stack : malloc(len + 1);
	if (!buf) {
		/* Never the raw string: all of it is masked instead. */
		json_kv_strn(jb, key, REDACT_MASK, strlen(REDACT_MASK));
		return;
	}
	redact_copy(s, n, prev_arg, buf, len + 1);
	json_kv_strn(jb, key, buf, len);
	if (buf != stack)
		free(buf);
}

void redact_json_str(struct jbuf *jb, const char *key, const char *s)
{
	if (!s)
		json_kv_null(jb, key);
	else
		redact_json_strn(jb, key, s, strlen(s), NULL);
}
