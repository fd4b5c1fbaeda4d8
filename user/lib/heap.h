/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The heap while the BPF objects load. libbpf parses the kernel's BTF
 * (5 MB read, some 10 MB of tables) once per object, and frees it after
 * each; glibc returns such blocks to the kernel at once, so each parse
 * faults in fresh pages, which costs 50-150 ms on a VM where the host backs
 * guest pages lazily, against 5-10 ms on pages already touched. Holding
 * freed memory for the few hundred milliseconds of the load, then giving
 * it back, makes the second parse reuse the first one's pages,
 * and those pages are faulted in ahead, in one call (heap.c says why).
 * Nothing may fork between the two: a fork write-protects the held pages,
 * and each later write to one traps again.
 */
#ifndef BW_HEAP_H
#define BW_HEAP_H

/* Before the first load: freed memory stays in the heap, one arena for every thread. */
void heap_hold(void);
/*
 * After the last, off the critical path: what the load freed goes back to
 * the kernel, but for a 4 MiB reserve faulted in ahead, which the trim
 * threshold keeps, for what the job's records will need (heap.c).
 */
void heap_release(void);

#endif
