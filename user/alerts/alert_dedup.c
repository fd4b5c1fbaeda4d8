// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The webhook dedup window (docs/ALERTS.md): the first alert for a
 * (rule, executable) goes out at once and opens a window; alerts for the
 * same pair inside it are counted, and when it ends one summary ("… and N
 * more") goes out and a new window starts. A window that ends with nothing
 * counted is forgotten. So a storm costs two messages per window at most.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "alerts/alerts_internal.h"

static unsigned bucket_of(const char *rule, const char *exe)
{
	uint32_t h = 2166136261u; /* FNV-1a over rule, NUL, exe */
	const unsigned char *p;

	for (p = (const unsigned char *)rule; *p; p++)
		h = (h ^ *p) * 16777619u;
	h = (h ^ 0) * 16777619u;
	for (p = (const unsigned char *)exe; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % DEDUP_BUCKETS;
}

static struct dedup_entry **find(struct dedup *d, const char *rule, const char *exe)
{
	struct dedup_entry **pp = &d->buckets[bucket_of(rule, exe)];

	for (; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->rule, rule) && !strcmp((*pp)->exe, exe))
			return pp;
	return pp;
}

static void entry_free(struct dedup_entry *e)
{
	alert_msg_free(e->last);
	free(e->rule);
	free(e->exe);
	free(e);
}

void dedup_init(struct dedup *d, uint64_t window_ms)
{
	memset(d, 0, sizeof(*d));
	d->window_ms = window_ms;
}

void dedup_free(struct dedup *d)
{
	struct dedup_entry *e, *next;
	size_t i;

	for (i = 0; i < DEDUP_BUCKETS; i++) {
		for (e = d->buckets[i]; e; e = next) {
			next = e->next;
			entry_free(e);
		}
		d->buckets[i] = NULL;
	}
	d->n = 0;
}

bool dedup_merge(struct dedup *d, const char *rule, const char *exe, uint64_t now_ms,
		 struct alert_msg **m)
{
	struct dedup_entry *e = *find(d, rule, exe);

	if (!e || !d->window_ms)
		return false;
	/*
	 * Past its end but not yet summarised (the sender is busy): still
	 * open, the summary is about to go. Past its end with nothing to
	 * summarise: this alert goes out and the window starts again.
	 */
	if (now_ms >= e->window_end_ms && !e->merged) {
		e->window_end_ms = now_ms + d->window_ms;
		return false;
	}
	e->merged++;
	alert_msg_free(e->last);
	e->last = *m;
	*m = NULL;
	return true;
}

int dedup_open(struct dedup *d, const char *rule, const char *exe, uint64_t now_ms)
{
	struct dedup_entry **pp, *e;

	if (!d->window_ms)
		return 0;
	pp = find(d, rule, exe);
	if (*pp) {
		(*pp)->window_end_ms = now_ms + d->window_ms;
		return 0;
	}
	if (d->n >= DEDUP_MAX_ENTRIES)
		return -ENOSPC;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->rule = strdup(rule);
	e->exe = strdup(exe);
	if (!e->rule || !e->exe) {
		entry_free(e);
		return -ENOMEM;
	}
	e->window_end_ms = now_ms + d->window_ms;
	*pp = e;
	d->n++;
	return 0;
}

struct alert_msg *dedup_take_due(struct dedup *d, uint64_t now_ms, bool all, uint64_t *next_ms)
{
	struct dedup_entry **pp, *e;
	struct alert_msg *m;
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < DEDUP_BUCKETS; i++) {
		for (pp = &d->buckets[i]; (e = *pp);) {
			if (!all && now_ms < e->window_end_ms) {
				if (e->window_end_ms < next)
					next = e->window_end_ms;
				pp = &e->next;
				continue;
			}
			if (!e->merged) {
				*pp = e->next;
				entry_free(e);
				d->n--;
				continue;
			}
			m = e->last;
			m->more = e->merged;
			m->window_ms = d->window_ms;
			e->last = NULL;
			e->merged = 0;
			e->window_end_ms = now_ms + d->window_ms;
			if (next_ms)
				*next_ms = e->window_end_ms < next ? e->window_end_ms : next;
			return m;
		}
	}
	if (next_ms)
		*next_ms = next;
	return NULL;
}

uint64_t dedup_pending(const struct dedup *d)
{
	const struct dedup_entry *e;
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < DEDUP_BUCKETS; i++)
		for (e = d->buckets[i]; e; e = e->next)
			n += e->merged > 0;
	return n;
}
