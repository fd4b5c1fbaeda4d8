// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include "lib/http_queue.h"

int http_queue_init(struct http_queue *q, unsigned cap)
{
	q->cap = cap ? cap : 1;
	q->head = q->count = 0;
	q->ring = calloc(q->cap, sizeof(*q->ring));
	return q->ring ? 0 : -ENOMEM;
}

void http_queue_free(struct http_queue *q)
{
	free(q->ring);
	q->ring = NULL;
	q->cap = q->head = q->count = 0;
}

bool http_queue_push(struct http_queue *q, void *item)
{
	if (q->count == q->cap) {
		q->st.dropped++;
		return false;
	}
	q->ring[(q->head + q->count) % q->cap] = item;
	q->count++;
	return true;
}

void *http_queue_peek(const struct http_queue *q)
{
	return q->count ? q->ring[q->head] : NULL;
}

void *http_queue_pop(struct http_queue *q)
{
	void *item;

	if (!q->count)
		return NULL;
	item = q->ring[q->head];
	q->ring[q->head] = NULL;
	q->head = (q->head + 1) % q->cap;
	q->count--;
	return item;
}

void http_queue_drop_all(struct http_queue *q, void (*free_item)(void *item))
{
	void *item;

	while ((item = http_queue_pop(q))) {
		free_item(item);
		q->st.dropped++;
	}
}
