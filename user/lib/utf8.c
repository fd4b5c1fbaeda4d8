// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/utf8.h"

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = utf8_seq_len(u + i, n - i);
		if (!k)
			return false;
	}
	return true;
}

size_t utf8_cut(const char *s, size_t max)
{
	while (max && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

char *utf8_clean(const char *s, size_t n, size_t max)
{
	static const char repl[] = "\xef\xbf\xbd", ell[] = "\xe2\x80\xa6";
	const unsigned char *u = (const unsigned char *)s;
	size_t i, len = 0, k, cut = 0;
	char *out;

	if (max < sizeof(ell) - 1)
		max = sizeof(ell) - 1;
	/* Each invalid byte grows to 3; a cut copy is shorter than the whole. */
	out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i += k) {
		k = utf8_seq_len(u + i, n - i);
		if (len + (k ? k : 3) <= max - (sizeof(ell) - 1))
			cut = len + (k ? k : 3); /* the last boundary that leaves room for "…" */
		if (k) {
			memcpy(out + len, s + i, k);
			len += k;
		} else {
			memcpy(out + len, repl, 3);
			len += 3;
			k = 1;
		}
	}
	if (len > max) {
		memcpy(out + cut, ell, sizeof(ell) - 1);
		len = cut + sizeof(ell) - 1;
	}
	out[len] = '\0';
	return out;
}
