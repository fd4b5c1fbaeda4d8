// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "events/dns_tally.h"

/* FNV-1a, then a final mix so the low bits index the tables; never 0. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h ? h : 1;
}

static bool tally_ready(struct dns_tally *t)
{
	if (t->names && t->parents)
		return true;
	free(t->names);
	free(t->parents);
	t->names = calloc(DNS_TALLY_NAMES, sizeof(*t->names));
	t->parents = calloc(DNS_TALLY_PARENTS, sizeof(*t->parents));
	if (t->names && t->parents)
		return true;
	dns_tally_free(t);
	return false;
}

/* Whether h was new (and is now remembered, while there is room). */
static bool name_is_new(struct dns_tally *t, uint64_t h)
{
	size_t i = h % DNS_TALLY_NAMES;

	for (size_t probes = 0; probes < DNS_TALLY_NAMES; probes++) {
		if (t->names[i] == h)
			return false;
		if (!t->names[i]) {
			if (t->n_names + 1 >= DNS_TALLY_NAMES)
				return true; /* full: keep a free slot so lookups end */
			t->names[i] = h;
			t->n_names++;
			return true;
		}
		i = (i + 1) % DNS_TALLY_NAMES;
	}
	return true;
}

static struct dns_tally_parent *parent_slot(struct dns_tally *t, uint64_t h)
{
	size_t i = h % DNS_TALLY_PARENTS;

	for (size_t probes = 0; probes < DNS_TALLY_PARENTS; probes++) {
		struct dns_tally_parent *p = &t->parents[i];

		if (p->hash == h)
			return p;
		if (!p->hash) {
			if (t->n_parents + 1 >= DNS_TALLY_PARENTS)
				return NULL;
			p->hash = h;
			t->n_parents++;
			return p;
		}
		i = (i + 1) % DNS_TALLY_PARENTS;
	}
	return NULL;
}

uint32_t dns_tally_add(struct dns_tally *t, const char *name, const char *parent)
{
	struct dns_tally_parent *p;

	if (!name || !parent || !strcmp(name, parent) || !tally_ready(t))
		return 0;
	p = parent_slot(t, name_hash(parent));
	if (!p)
		return 0;
	if (name_is_new(t, name_hash(name)) && p->count < UINT32_MAX)
		p->count++;
	return p->count;
}

void dns_tally_free(struct dns_tally *t)
{
	free(t->names);
	free(t->parents);
	memset(t, 0, sizeof(*t));
}
