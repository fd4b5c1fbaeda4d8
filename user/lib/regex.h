/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent's one regex engine: PCRE2 (8-bit code units, no UTF), compiled
 * to machine code by its JIT where the system allows it and interpreted
 * where it does not, matched under fixed limits. A policy may come from the
 * repository being built and a subject from the build itself, so neither a
 * pattern nor a subject may cost more than these limits, whatever they are.
 */
#ifndef BW_REGEX_H
#define BW_REGEX_H

#include <stdbool.h>
#include <stddef.h>

/* Longest pattern compiled, in bytes. */
#define REGEX_MAX_PATTERN 8192
/* Groups nested deeper are refused at compile time. */
#define REGEX_MAX_NEST 64
/*
 * Per match: backtracking steps (PCRE2's match limit: a few milliseconds
 * of CPU), the interpreter's backtracking depth, its heap (KiB), and the
 * JIT's stack when its default 32 KiB is not enough (bytes).
 */
#define REGEX_MATCH_LIMIT 200000
#define REGEX_DEPTH_LIMIT 50000
#define REGEX_HEAP_LIMIT_KIB 16384
#define REGEX_JIT_STACK_MAX (1024 * 1024)

/* regex_compile() flags; BW_REGEX_JIT=0 in the environment sets NO_JIT for all. */
#define REGEX_NO_JIT 1u  /* interpret even where the JIT works */
#define REGEX_NO_MEMO 2u /* keep no answers: every call runs the matcher (engine benchmarks) */

struct regex;

struct regex_error {
	char msg[160];
	size_t offset; /* byte of the pattern where PCRE2 stopped */
};

/*
 * Compile pattern: DOTALL ('.' matches a newline, as in POSIX), DOLLAR_ENDONLY
 * ('$' only at the very end, not before a final newline), NO_AUTO_CAPTURE
 * (only "does it match" is asked), NEVER_UTF (bytes; "(*UTF)" is refused).
 * 0 with *out set; -EINVAL with err filled; -ENOMEM.
 */
int regex_compile(const char *pattern, unsigned flags, struct regex **out,
		  struct regex_error *err);

/*
 * Whether re matches somewhere in s (len bytes): 1 yes, 0 no, -E2BIG when
 * a limit above stopped it first (neither answer is known), -EINVAL for
 * another failure. A compiled regex holds its own match state and its
 * last answers for short subjects (a limit is never kept as an answer):
 * one thread at a time per regex. Allocates nothing after the first call (the
 * interpreter keeps its frames, a grown JIT stack stays).
 */
int regex_match(struct regex *re, const char *s, size_t len);

/* Whether re runs as JIT code. */
bool regex_jitted(const struct regex *re);
/* Bytes re occupies compiled (JIT code included), for callers' budgets. */
size_t regex_size(const struct regex *re);
void regex_free(struct regex *re);

#endif /* BW_REGEX_H */
