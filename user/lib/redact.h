/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Secret redaction for every string the agent writes: events, alerts,
 * reports. Policy matching and the process table keep the raw bytes; only
 * output goes through here. What is masked, and how, is in docs/REDACTION.md.
 *
 * A masked secret is replaced by "***"; what identifies it (the flag or
 * variable name, the URL's user, the Authorization scheme, a token's type
 * prefix such as "ghp_" or "AKIA") is kept. A clean string costs one scan
 * and no allocation.
 */
#ifndef BW_REDACT_H
#define BW_REDACT_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/json_out.h"

#define REDACT_MASK "***"

/*
 * On by default; `--no-redact` turns it off for debugging. One switch for
 * the process: set it before any thread that writes output starts.
 */
bool redact_enabled(void);
void redact_set_enabled(bool on);

/*
 * s[0..n) is one argv element (or a path: prev_arg NULL). prev_arg is the
 * element before it, NUL-terminated, so the value after a separate
 * `--password` is masked whole. Returns whether anything would be masked;
 * always false when redaction is off.
 */
bool redact_needed(const char *s, size_t n, const char *prev_arg);

/*
 * Writes s[0..n) with its secrets masked to out, cut to fit and always
 * NUL-terminated when size > 0. Returns the length of the whole masked
 * string, as snprintf does. Copies unchanged when redaction is off.
 */
size_t redact_copy(const char *s, size_t n, const char *prev_arg, char *out, size_t size);

/* JSON output: a member (key set) or array element (key NULL), masked. */
void redact_json_strn(struct jbuf *jb, const char *key, const char *s, size_t n,
		      const char *prev_arg);
/* The same for a NUL-terminated string; NULL is written as null. */
void redact_json_str(struct jbuf *jb, const char *key, const char *s);

#endif /* BW_REDACT_H */
