/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The container a cgroup path says a process runs in: container engines
 * name the cgroup they create for a container after its id (Docker,
 * containerd, CRI-O, podman, BuildKit, LXC; Kubernetes pods below
 * kubepods). One parser, for the agent and its tests.
 */
#ifndef BW_CONTAINER_ID_H
#define BW_CONTAINER_ID_H

#include <stdbool.h>
#include <stddef.h>

/* Longest id kept: 64 hex digits for the engines above, names for LXC. */
#define CONTAINER_ID_MAX 64

/*
 * The id of the container the cgroup (v1 or v2) path names, the deepest
 * one when containers nest, copied to id (size > CONTAINER_ID_MAX).
 * False when the path names none: a host cgroup, a pod's own slice, a
 * container monitor's cgroup (conmon's libpod-conmon-ID runs on the host).
 */
bool container_id_parse(const char *path, char *id, size_t size);

#endif /* BW_CONTAINER_ID_H */
