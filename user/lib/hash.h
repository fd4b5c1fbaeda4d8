/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The hash of a process identity, for the tables keyed by it. */
#ifndef BW_HASH_H
#define BW_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * A process is (pid, start_ns), never a bare pid: the lineage table and the
 * report's marks hash it with this. Every bit is mixed, so a power-of-two
 * table takes the low bits.
 */
uint64_t hash_proc(uint32_t pid, uint64_t start_ns);

/* FNV-1a, 64 bits, over n bytes of p, continuing from h (start with
 * HASH_FNV1A_INIT): stable across runs and hosts, for fingerprints. */
#define HASH_FNV1A_INIT 0xcbf29ce484222325ULL
uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n);

#endif /* BW_HASH_H */
