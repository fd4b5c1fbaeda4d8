/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which container an exec ran in, from the cgroup (v2) id the kernel put
 * in its record: the id is resolved to the cgroup's path once and the
 * container id the path names (lib/container_id.h) is cached, so an exec
 * costs one table lookup. Cgroup ids are never reused within a boot, so a
 * cached answer never goes stale.
 */
#ifndef BW_CONTAINERS_H
#define BW_CONTAINERS_H

#include <stdint.h>
#include "lib/container_id.h"

#define CONTAINERS_BUCKETS 256
/* Distinct cgroups remembered; past that the cache starts afresh. */
#define CONTAINERS_MAX 4096

struct containers_entry;

struct containers {
	int mnt_fd; /* the cgroup2 mount, -1 when there is none */
	struct containers_entry *buckets[CONTAINERS_BUCKETS];
	uint32_t count;
};

/* Never fails: without a cgroup2 mount every lookup answers NULL. */
void containers_init(struct containers *c);
void containers_free(struct containers *c);
/*
 * The id of the container whose cgroup is cgroup_id, or NULL when it is
 * none (or cannot be told). pid is a process that was in that cgroup, read
 * through /proc when the id cannot be opened by handle. The string lives
 * as long as the cache: copy it to keep it.
 */
const char *containers_lookup(struct containers *c, uint64_t cgroup_id, uint32_t pid);

#endif /* BW_CONTAINERS_H */
