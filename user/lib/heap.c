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
/*
 * Once the build runs: a heap reserve faulted in ahead, kept by the trim
 * threshold, and blocks up to 1 MiB (a job's provenance tables) taken
 * from it rather than from fresh mappings. The records' memory grows by
 * a few hundred pages over a build (zlib's: ~300); touched one by one,
 * each traps.
 */
#define RUN_RESERVE (4 << 20)
#define RUN_MMAP_THRESHOLD (1 << 20)

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
	/*
	 * One arena: the syscall object loads in a thread beside the process
	 * object (engine_start_hooks), and a thread's own arena would be fresh
	 * pages, each first touch a trap (the thread's BTF parse took 1,600 of
	 * them, 74 ms instead of 5). Kept for the run: the senders' threads
	 * allocate little, and each arena of theirs would be RSS of its own.
	 */
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, HOLD_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, HOLD_PAD);
	mallopt(M_TOP_PAD, HOLD_PAD);
	warm(HOLD_WARM);
}

void heap_release(void)
{
	/* Everything the load freed goes back, then the reserve is faulted in again. */
	malloc_trim(0);
	warm(RUN_RESERVE);
	mallopt(M_MMAP_THRESHOLD, RUN_MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, 2 * RUN_RESERVE);
	mallopt(M_TOP_PAD, RUN_RESERVE);
}
