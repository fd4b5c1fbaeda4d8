// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/regex.h"

/*
 * The last answers for short subjects. A build runs the same few programs
 * hundreds of times (sh, gcc, cc1, as, ld), so a policy's regexes on exe,
 * basename or a path see the same subjects again and again, and comparing
 * a few dozen bytes costs a tenth of entering the matcher.
 */
#define REGEX_MEMO_SLOTS 8
#define REGEX_MEMO_MAX 64

struct regex_memo {
	uint8_t len; /* 0: empty (the empty subject is not kept) */
	bool matched;
	char s[REGEX_MEMO_MAX];
};

struct regex {
	pcre2_code *code;
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	pcre2_jit_stack *jit_stack; /* only once the default one was too small */
	uint32_t min_len;           /* no shorter subject can match */
	/* Anchored patterns (every branch starts with ^ or \A): the byte every match
	 * starts with (first_unit, compared without case, -1 if none), or the set of
	 * them (first_map, 256 bits, NULL if none). */
	bool anchored;
	int first_unit;
	const uint8_t *first_map;
	bool jit;
	bool memo_off; /* REGEX_NO_MEMO */
	struct regex_memo memo[REGEX_MEMO_SLOTS];
	unsigned memo_next; /* the slot the next answer replaces */
};

/*
 * The pattern means what a Perl user reads, with two POSIX habits kept
 * because a command line may hold newlines an attacker put there: '.'
 * matches them, and '$' is not satisfied before a final one.
 */
#define REGEX_OPTIONS \
	(PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY | PCRE2_NO_AUTO_CAPTURE | PCRE2_NEVER_UTF | \
	 PCRE2_NEVER_BACKSLASH_C)

/* BW_REGEX_JIT=0: never try the JIT (a host that logs each refusal). */
static bool jit_off_by_env(void)
{
	const char *v = getenv("BW_REGEX_JIT");

	return v && !strcmp(v, "0");
}

static int compile_code(const char *pattern, pcre2_code **code, struct regex_error *err)
{
	pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
	size_t len = strlen(pattern);
	PCRE2_SIZE off = 0;
	int rc;

	if (!cctx)
		return -ENOMEM;
	pcre2_set_max_pattern_length(cctx, REGEX_MAX_PATTERN);
	pcre2_set_parens_nest_limit(cctx, REGEX_MAX_NEST);
	*code = pcre2_compile((PCRE2_SPTR)pattern, len, REGEX_OPTIONS, &rc, &off, cctx);
	pcre2_compile_context_free(cctx);
	if (*code)
		return 0;
	if (rc == PCRE2_ERROR_NOMEMORY)
		return -ENOMEM;
	if (err) {
		if (pcre2_get_error_message(rc, (PCRE2_UCHAR *)err->msg, sizeof(err->msg)) < 0)
			snprintf(err->msg, sizeof(err->msg), "PCRE2 error %d", rc);
		err->offset = off > len ? len : off;
	}
	return -EINVAL;
}

/*
 * What PCRE2 knows a match must start with and how long it is: most policy
 * regexes are tried on every exec and fail on the first byte (a basename
 * that is no interpreter's), and calling the matcher costs more than that.
 * Whatever is not known is left out: the matcher then decides.
 */
static void learn_start(struct regex *re)
{
	uint32_t opts = 0, type = 0, unit = 0;

	if (pcre2_pattern_info(re->code, PCRE2_INFO_MINLENGTH, &re->min_len))
		re->min_len = 0;
	re->first_unit = -1;
	if (pcre2_pattern_info(re->code, PCRE2_INFO_ALLOPTIONS, &opts) ||
	    !(opts & PCRE2_ANCHORED) || pcre2_pattern_info(re->code, PCRE2_INFO_FIRSTCODETYPE, &type))
		return;
	if (type == 1 && !pcre2_pattern_info(re->code, PCRE2_INFO_FIRSTCODEUNIT, &unit) &&
	    unit < 256) {
		re->first_unit = (int)unit;
		re->anchored = true;
	} else if (type == 0 &&
		   !pcre2_pattern_info(re->code, PCRE2_INFO_FIRSTBITMAP, &re->first_map) &&
		   re->first_map) {
		re->anchored = true;
	}
}

/* Whether a match of an anchored re may start with byte c. */
static bool may_start(const struct regex *re, unsigned char c)
{
	unsigned char u = (unsigned char)re->first_unit, lc = c | 0x20;

	/* PCRE2 does not say whether the first unit is caseless: a letter matches either case. */
	if (re->first_unit >= 0)
		return c == u || (lc == (u | 0x20) && lc >= 'a' && lc <= 'z');
	return re->first_map[c / 8] & (1u << (c % 8));
}

int regex_compile(const char *pattern, unsigned flags, struct regex **out,
		  struct regex_error *err)
{
	struct regex *re;
	int ret;

	*out = NULL;
	re = calloc(1, sizeof(*re));
	if (!re)
		return -ENOMEM;
	ret = compile_code(pattern, &re->code, err);
	if (ret)
		goto err_free;
	/* A JIT refused (no executable memory under SELinux or W^X, or no JIT
	 * for this CPU) leaves the interpreter, which gives the same answers. */
	if (!(flags & REGEX_NO_JIT) && !jit_off_by_env())
		re->jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
	ret = -ENOMEM;
	re->mctx = pcre2_match_context_create(NULL);
	re->md = pcre2_match_data_create(1, NULL);
	if (!re->mctx || !re->md)
		goto err_free;
	pcre2_set_match_limit(re->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, REGEX_HEAP_LIMIT_KIB);
	learn_start(re);
	re->memo_off = flags & REGEX_NO_MEMO;
	*out = re;
	return 0;
err_free:
	regex_free(re);
	return ret;
}

static bool is_limit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	       rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
	       rc == PCRE2_ERROR_NOMEMORY;
}

/* The JIT's default stack is 32 KiB of the caller's; a pattern that needs
 * more gets its own, once, up to REGEX_JIT_STACK_MAX. */
static bool grow_jit_stack(struct regex *re)
{
	if (re->jit_stack)
		return false;
	re->jit_stack = pcre2_jit_stack_create(64 * 1024, REGEX_JIT_STACK_MAX, NULL);
	if (!re->jit_stack)
		return false;
	pcre2_jit_stack_assign(re->mctx, NULL, re->jit_stack);
	return true;
}

/* The JIT's own entry when it compiled: pcre2_match's checks cost as much as a short match. */
static int match_once(struct regex *re, const char *s, size_t len)
{
	if (re->jit)
		return pcre2_jit_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, re->mctx);
	return pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, re->mctx);
}

static const struct regex_memo *memo_find(const struct regex *re, const char *s, size_t len)
{
	for (unsigned i = 0; i < REGEX_MEMO_SLOTS; i++) {
		const struct regex_memo *m = &re->memo[i];

		/* The ends first: arguments of one length mostly differ there. */
		if (m->len == len && m->s[len - 1] == s[len - 1] && m->s[0] == s[0] &&
		    !memcmp(m->s, s, len))
			return m;
	}
	return NULL;
}

static void memo_keep(struct regex *re, const char *s, size_t len, bool matched)
{
	struct regex_memo *m = &re->memo[re->memo_next];

	re->memo_next = (re->memo_next + 1) % REGEX_MEMO_SLOTS;
	memcpy(m->s, s, len);
	m->len = (uint8_t)len;
	m->matched = matched;
}

int regex_match(struct regex *re, const char *s, size_t len)
{
	const struct regex_memo *m = NULL;
	bool memo = !re->memo_off && len && len <= REGEX_MEMO_MAX;
	int rc;

	if (len < re->min_len || (len && re->anchored && !may_start(re, (unsigned char)s[0])))
		return 0;
	if (memo && (m = memo_find(re, s, len)))
		return m->matched;
	rc = match_once(re, s, len);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT && grow_jit_stack(re))
		rc = match_once(re, s, len);
	if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) {
		if (memo)
			memo_keep(re, s, len, rc >= 0);
		return rc >= 0;
	}
	return is_limit(rc) ? -E2BIG : -EINVAL;
}

bool regex_jitted(const struct regex *re)
{
	return re && re->jit;
}

size_t regex_size(const struct regex *re)
{
	size_t code = 0, jit = 0;

	pcre2_pattern_info(re->code, PCRE2_INFO_SIZE, &code);
	if (re->jit)
		pcre2_pattern_info(re->code, PCRE2_INFO_JITSIZE, &jit);
	return code + jit;
}

void regex_free(struct regex *re)
{
	if (!re)
		return;
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mctx);
	pcre2_jit_stack_free(re->jit_stack);
	pcre2_code_free(re->code);
	free(re);
}
