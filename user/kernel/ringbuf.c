// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "kernel/ringbuf.h"
#include "lib/log.h"

/*
 * The data is read through a window of two chunks. A record starts in the
 * window's first chunk and, being smaller than a chunk, ends inside the
 * second; the kernel maps the data twice in a row, so a window may run
 * past the ring's end and a record that wraps still reads as one piece.
 * The window moves on when the next record starts past its first chunk:
 * one mmap per chunk of records.
 */
#define RINGBUF_CHUNK (256u << 10)

struct bw_ringbuf {
	int fd;
	size_t page;
	size_t size;            /* data bytes, a power of two */
	size_t chunk;           /* RINGBUF_CHUNK, or the whole ring when smaller */
	unsigned long *consumer; /* the map's first page, ours to write */
	const unsigned long *producer; /* its second page */
	const uint8_t *view;    /* data[base .. base + 2 * chunk) */
	size_t base;            /* a multiple of chunk below size */
	ring_buffer_sample_fn fn;
	void *ctx;
};

static int map_size(int fd, size_t *size)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	*size = info.max_entries;
	return 0;
}

/* Data offset base (a multiple of chunk) in view, replacing the old window. */
static int map_window(struct bw_ringbuf *rb, size_t base)
{
	/* Map offset: the consumer page, the producer page, then the data. */
	off_t off = (off_t)(2 * rb->page + base);
	void *addr = rb->view ? (void *)rb->view : NULL;
	void *v = mmap(addr, 2 * rb->chunk, PROT_READ, MAP_SHARED | (addr ? MAP_FIXED : 0),
		       rb->fd, off);

	if (v == MAP_FAILED) {
		int err = -errno;

		bw_err("ring buffer map (fd %d): cannot map %zu bytes of data at %zu: %s", rb->fd,
		       2 * rb->chunk, base, strerror(errno));
		if (addr) /* MAP_FIXED failing may have unmapped the old window */
			rb->view = NULL;
		return err;
	}
	rb->view = v;
	rb->base = base;
	return 0;
}

int ringbuf_open(struct bw_ringbuf **out, int map_fd, ring_buffer_sample_fn fn, void *ctx)
{
	struct bw_ringbuf *rb = calloc(1, sizeof(*rb));
	int err;

	*out = NULL;
	if (!rb)
		return -ENOMEM;
	rb->fd = map_fd;
	rb->fn = fn;
	rb->ctx = ctx;
	rb->page = (size_t)sysconf(_SC_PAGESIZE);
	err = map_size(map_fd, &rb->size);
	if (err) {
		bw_err("ring buffer map (fd %d): cannot read its size: %s", map_fd, strerror(-err));
		goto free_rb;
	}
	rb->chunk = rb->size < RINGBUF_CHUNK ? rb->size : RINGBUF_CHUNK;
	rb->consumer = mmap(NULL, rb->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (rb->consumer == MAP_FAILED) {
		err = -errno;
		bw_err("ring buffer map (fd %d): cannot map its consumer page: %s", map_fd,
		       strerror(errno));
		goto free_rb;
	}
	rb->producer = mmap(NULL, rb->page, PROT_READ, MAP_SHARED, map_fd, (off_t)rb->page);
	if (rb->producer == MAP_FAILED) {
		err = -errno;
		bw_err("ring buffer map (fd %d): cannot map its producer page: %s", map_fd,
		       strerror(errno));
		goto unmap_consumer;
	}
	err = map_window(rb, 0);
	if (err)
		goto unmap_producer;
	*out = rb;
	return 0;
unmap_producer:
	munmap((void *)rb->producer, rb->page);
unmap_consumer:
	munmap(rb->consumer, rb->page);
free_rb:
	free(rb);
	return err;
}

int ringbuf_fd(const struct bw_ringbuf *rb)
{
	return rb->fd;
}

/* The record whose header is at data offset off, in view (moved there if need be). */
static const uint32_t *header_at(struct bw_ringbuf *rb, size_t off)
{
	if (!rb->view || off < rb->base || off >= rb->base + rb->chunk) {
		if (map_window(rb, off & ~(rb->chunk - 1)))
			return NULL;
	}
	return (const uint32_t *)(rb->view + (off - rb->base));
}

int ringbuf_consume(struct bw_ringbuf *rb)
{
	unsigned long cons = __atomic_load_n(rb->consumer, __ATOMIC_ACQUIRE), prod;
	size_t mask = rb->size - 1;
	int n = 0, err;

	for (;;) {
		prod = __atomic_load_n(rb->producer, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			return n;
		while (cons < prod) {
			const uint32_t *hdr = header_at(rb, cons & mask);
			uint32_t len, size;

			if (!hdr)
				return n ? n : -ENOMEM; /* said why; the records wait for the next try */
			len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			if (len & BPF_RINGBUF_BUSY_BIT)
				return n; /* reserved, not yet committed: next time */
			size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			cons += (BPF_RINGBUF_HDR_SZ + size + 7) & ~7ul;
			if (BPF_RINGBUF_HDR_SZ + size > rb->chunk && rb->chunk < rb->size) {
				/* Larger than any record our programs write: not readable in the window. */
				bw_warn("ring buffer: a %u-byte record is larger than the %zu bytes "
					"read at once; skipped", size, rb->chunk);
			} else if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				err = rb->fn(rb->ctx, (void *)((const uint8_t *)hdr + BPF_RINGBUF_HDR_SZ),
					     size);
				if (err < 0) {
					__atomic_store_n(rb->consumer, cons, __ATOMIC_RELEASE);
					return err;
				}
				n++;
			}
			__atomic_store_n(rb->consumer, cons, __ATOMIC_RELEASE);
		}
	}
}

void ringbuf_free(struct bw_ringbuf *rb)
{
	if (!rb)
		return;
	if (rb->view)
		munmap((void *)rb->view, 2 * rb->chunk);
	munmap((void *)rb->producer, rb->page);
	munmap(rb->consumer, rb->page);
	free(rb);
}
