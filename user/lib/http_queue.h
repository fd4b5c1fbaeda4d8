/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The bounded queue and the counts of the two HTTP senders (webhook
 * alerts, OTLP export): what is waiting to be sent, and what became of
 * everything submitted. The sender's lock guards both (lib/http_client.h).
 */
#ifndef BW_HTTP_QUEUE_H
#define BW_HTTP_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

struct http_stats {
	uint64_t submitted; /* submit calls */
	uint64_t sent;      /* accepted by the receiver (2xx): webhook messages, OTLP records */
	uint64_t failed;    /* given up on: 4xx, retries exhausted, or rejected in an OTLP partial success */
	uint64_t dropped;   /* queue full (or a record too long) at submit, or not sent before the drain deadline */
	uint64_t retries;   /* extra attempts made */
	uint64_t merged;    /* webhook: alerts folded into a summary by the dedup window */
	uint64_t batches;   /* OTLP: requests the collector accepted */
};

/* A ring of at most cap items, oldest first. */
struct http_queue {
	void **ring;
	unsigned cap, head, count;
	struct http_stats st;
};

/* An empty queue for cap items (at least 1): 0 or -ENOMEM. */
int http_queue_init(struct http_queue *q, unsigned cap);
/* Free the ring (empty it first: http_queue_drop_all); the counts stay. */
void http_queue_free(struct http_queue *q);
/* Append item: true, or false (counted dropped) when the queue is full. */
bool http_queue_push(struct http_queue *q, void *item);
/* The oldest item, or NULL. */
void *http_queue_peek(const struct http_queue *q);
/* Take the oldest item out, or NULL. */
void *http_queue_pop(struct http_queue *q);
/* Free every item with free_item, counted dropped (they were never tried). */
void http_queue_drop_all(struct http_queue *q, void (*free_item)(void *item));

#endif /* BW_HTTP_QUEUE_H */
