/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the agent's own memory is, as the kernel counts it: resident pages
 * now and at their peak (/proc/self/status), and the BPF map memory of
 * the maps the caller names by descriptor (the memlock the kernel charges
 * each map, from /proc/self/fdinfo; a map reached by several descriptors
 * counts once).
 */
#ifndef BW_MEMSTAT_H
#define BW_MEMSTAT_H

#include <stddef.h>
#include <stdint.h>

struct memstat {
	uint64_t rss_kib;      /* VmRSS */
	uint64_t rss_peak_kib; /* VmHWM */
	uint64_t bpf_map_bytes;
	uint32_t bpf_maps;
};

/*
 * Fills m; a figure the kernel does not give stays 0, and a descriptor
 * that is no BPF map adds nothing. Returns 0 or -errno.
 */
int memstat_read(struct memstat *m, const int *map_fds, size_t n_fds);

/* The map part of memstat_read alone: *bytes and *maps of those fds. */
int memstat_maps(const int *fds, size_t n, uint64_t *bytes, uint32_t *maps);

#endif /* BW_MEMSTAT_H */
