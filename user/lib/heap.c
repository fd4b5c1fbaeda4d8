// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <malloc.h>
#include "lib/heap.h"

/*
 * 32 MiB is glibc's largest mmap threshold on 64-bit: a parse's blocks
 * (the 5 MB raw BTF included) come from the heap, and 64 MiB of top pad
 * and trim threshold keep them there once freed.
 */
#define HOLD_MMAP_THRESHOLD (32 << 20)
#define HOLD_PAD (64 << 20)
/* glibc's documented defaults (mallopt(3)). */
#define DEFAULT_MMAP_THRESHOLD (128 << 10)
#define DEFAULT_TRIM_THRESHOLD (128 << 10)
#define DEFAULT_TOP_PAD (128 << 10)

void heap_hold(void)
{
	mallopt(M_MMAP_THRESHOLD, HOLD_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, HOLD_PAD);
	mallopt(M_TOP_PAD, HOLD_PAD);
}

void heap_release(void)
{
	mallopt(M_MMAP_THRESHOLD, DEFAULT_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD);
	mallopt(M_TOP_PAD, DEFAULT_TOP_PAD);
	malloc_trim(0);
}
