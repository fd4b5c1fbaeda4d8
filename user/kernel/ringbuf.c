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

struct bw_ringbuf {
	int fd;
	size_t page;
	size_t size;            /* data bytes, a power of two */
	unsigned long *consumer; /* page 0 of the map, ours to write */
	void *ro;               /* producer page, then the data once */
	const unsigned long *producer;
	const uint8_t *data;
	ring_buffer_sample_fn fn;
	void *ctx;
	uint8_t *wrap;          /* a record that crosses the end, made whole */
	size_t wrap_cap;
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
	rb->consumer = mmap(NULL, rb->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (rb->consumer == MAP_FAILED) {
		err = -errno;
		bw_err("ring buffer map (fd %d): cannot map its consumer page: %s", map_fd,
		       strerror(errno));
		goto free_rb;
	}
	/* The kernel would map the data twice over from here: we take it once. */
	rb->ro = mmap(NULL, rb->page + rb->size, PROT_READ, MAP_SHARED, map_fd, (off_t)rb->page);
	if (rb->ro == MAP_FAILED) {
		err = -errno;
		bw_err("ring buffer map (fd %d): cannot map %zu bytes of data: %s", map_fd, rb->size,
		       strerror(errno));
		goto unmap_consumer;
	}
	rb->producer = rb->ro;
	rb->data = (const uint8_t *)rb->ro + rb->page;
	*out = rb;
	return 0;
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

/* The record at off, len bytes: in place, or copied whole when it wraps. */
static void *record_at(struct bw_ringbuf *rb, size_t off, uint32_t len)
{
	size_t first = rb->size - off;

	if (len <= first)
		return (void *)(rb->data + off);
	if (len > rb->wrap_cap) {
		uint8_t *p = realloc(rb->wrap, len);

		if (!p)
			return NULL;
		rb->wrap = p;
		rb->wrap_cap = len;
	}
	memcpy(rb->wrap, rb->data + off, first);
	memcpy(rb->wrap + first, rb->data, len - first);
	return rb->wrap;
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
			/* Headers are 8-byte aligned in a ring of whole pages: never split. */
			const uint32_t *hdr = (const uint32_t *)(rb->data + (cons & mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			uint32_t size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			void *rec;

			if (len & BPF_RINGBUF_BUSY_BIT)
				return n; /* reserved, not yet committed: next time */
			rec = (len & BPF_RINGBUF_DISCARD_BIT) ? NULL :
				record_at(rb, ((cons & mask) + BPF_RINGBUF_HDR_SZ) & mask, size);
			cons += (BPF_RINGBUF_HDR_SZ + size + 7) & ~7ul;
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				err = rec ? rb->fn(rb->ctx, rec, size) : 0;
				if (!rec)
					bw_warn("ring buffer: no memory to copy a %u-byte record that "
						"wraps around its end; record skipped", size);
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
	munmap(rb->ro, rb->page + rb->size);
	munmap(rb->consumer, rb->page);
	free(rb->wrap);
	free(rb);
}
