// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/heap.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels say EINVAL */
#endif

/*
 * 32 MiB is glibc's largest mmap threshold on 64-bit: a parse's blocks
 * (the 5 MB raw BTF included) come from the heap, and 64 MiB of top pad
 * and trim threshold keep them there once freed.
 */
#define HOLD_MMAP_THRESHOLD (32 << 20)
#define HOLD_PAD (64 << 20)
/* Somewhat more than one parse and the objects take at their peak. */
#define HOLD_WARM (16 << 20)
/* glibc's documented defaults (mallopt(3)). */
#define DEFAULT_MMAP_THRESHOLD (128 << 10)
#define DEFAULT_TRIM_THRESHOLD (128 << 10)
#define DEFAULT_TOP_PAD (128 << 10)

/*
 * Fault in the first bytes of the heap's top in one call. Touching pages
 * one by one costs a trap each (16 us on this VM, 2,800 for one parse of
 * the kernel's BTF); MADV_POPULATE_WRITE allocates them all in the kernel,
 * 12 MiB in about 3 ms. Freed at once: the block joins the top, which the
 * trim threshold keeps, and the parses then reuse its pages.
 */
static void warm(size_t bytes)
{
	char *p = malloc(bytes);
	long pagesize = sysconf(_SC_PAGESIZE);
	uintptr_t page = pagesize > 0 ? (uintptr_t)pagesize : 4096, lo, hi;

	if (!p)
		return;
	lo = ((uintptr_t)p + page - 1) & ~(page - 1);
	hi = ((uintptr_t)p + bytes) & ~(page - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE); /* a hint only */
	free(p);
}

void heap_hold(void)
{
	mallopt(M_MMAP_THRESHOLD, HOLD_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, HOLD_PAD);
	mallopt(M_TOP_PAD, HOLD_PAD);
	warm(HOLD_WARM);
}

void heap_release(void)
{
	mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD);
	mallopt(M_TOP_PAD, DEFAULT_TOP_PAD);
	malloc_trim(0);
}
