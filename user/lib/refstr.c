// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/refstr.h"

struct refstr {
	uint32_t refs;
	char s[];
};

static struct refstr *holder(char *r)
{
	return (struct refstr *)(r - offsetof(struct refstr, s));
}

char *refstr_new(const char *s)
{
	struct refstr *h;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	h = malloc(sizeof(*h) + n + 1);
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->refs = 1;
	memcpy(h->s, s, n + 1);
	return h->s;
}

char *refstr_ref(char *r)
{
	if (r)
		holder(r)->refs++;
	return r;
}

void refstr_put(char *r)
{
	struct refstr *h;

	if (!r)
		return;
	h = holder(r);
	if (!--h->refs)
		free(h);
}

int refstr_set(char **dst, const char *s, char *const *cands, unsigned n)
{
	char *old = *dst, *r = NULL;
	unsigned i;

	for (i = 0; s && i < n && !r; i++)
		if (cands[i] && (cands[i] == s || !strcmp(cands[i], s)))
			r = refstr_ref(cands[i]);
	if (s && !r && !(r = refstr_new(s)))
		return -ENOMEM;
	*dst = r;
	refstr_put(old);
	return 0;
}
