/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The consumer side of the BPF ring buffer, mapped once.
 *
 * libbpf's ring_buffer maps the whole data area, twice in a row (the
 * kernel offers it so, so that a record crossing the end reads as one
 * piece), and the kernel puts every page of both mappings in the agent's
 * RSS at mmap: a 4 MiB ring cost 8 MiB of RSS. Here only a 512 KiB window
 * around the consumer is mapped, moved on as it reads (ringbuf.c): the
 * ring keeps its size, and so its headroom against loss.
 */
#ifndef BW_RINGBUF_H
#define BW_RINGBUF_H

#include <stddef.h>
#include <bpf/libbpf.h>

struct bw_ringbuf;

/*
 * Map the ring buffer map map_fd's consumer and producer pages and a first
 * window; fn gets each committed record, as from libbpf's ring_buffer.
 * Returns 0 or -errno, having said why.
 */
int ringbuf_open(struct bw_ringbuf **out, int map_fd, ring_buffer_sample_fn fn, void *ctx);
/* Readable (EPOLLIN) when records wait: add it to an epoll set. */
int ringbuf_fd(const struct bw_ringbuf *rb);
/*
 * Hand every committed record to fn. Returns how many, or fn's negative
 * return (consumption stops after that record), as ring_buffer__consume.
 */
int ringbuf_consume(struct bw_ringbuf *rb);
void ringbuf_free(struct bw_ringbuf *rb);

#endif /* BW_RINGBUF_H */
