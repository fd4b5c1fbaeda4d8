/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The consumer side of the BPF ring buffer, mapped once.
 *
 * libbpf's ring_buffer maps the data area twice in a row (the kernel
 * offers it so, so that a record crossing the end reads as one piece),
 * and every page of both mappings counts in the agent's RSS from mmap on:
 * a 4 MiB ring cost 8 MiB of RSS. Here the data is mapped once; the rare
 * record that wraps is copied into a buffer that grows to the largest
 * such record.
 */
#ifndef BW_RINGBUF_H
#define BW_RINGBUF_H

#include <stddef.h>
#include <bpf/libbpf.h>

struct bw_ringbuf;

/*
 * Map the ring buffer map map_fd; fn gets each committed record, as from
 * libbpf's ring_buffer. Returns 0 or -errno, having said why.
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
