/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * UTF-8 (RFC 3629): the one check, cut and clean-up that the JSON writer,
 * the report, the alerts, the OTLP export and the CI identity share.
 * Overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid.
 */
#ifndef BW_UTF8_H
#define BW_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid sequence at s (n >= 1 bytes left), or 0. */
size_t utf8_seq_len(const unsigned char *s, size_t n);

/* Is s[0..n) valid UTF-8 throughout? */
bool utf8_valid(const char *s, size_t n);

/*
 * Where to cut s at or before byte max without splitting a sequence: max
 * stepped back over continuation bytes. s must hold more than max bytes.
 */
size_t utf8_cut(const char *s, size_t max);

/*
 * A NUL-terminated copy of s[0..n) that is valid UTF-8 (each invalid byte
 * becomes U+FFFD) and at most max bytes: a longer one is cut on a
 * character boundary and ends with "…". NULL when out of memory.
 */
char *utf8_clean(const char *s, size_t n, size_t max);

#endif /* BW_UTF8_H */
