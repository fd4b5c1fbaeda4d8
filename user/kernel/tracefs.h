/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Syscall tracepoints are attached by id, which libbpf reads from tracefs.
 * Hosts and containers often lack the mount; we add it when needed and
 * leave it: another agent on the host may be attaching through it at that
 * very moment, and unmounting under it made its load fail (ENOENT).
 */
#ifndef BW_TRACEFS_H
#define BW_TRACEFS_H

#include <stdbool.h>

#define BW_TRACEFS_DIR "/sys/kernel/tracing"

/* 0 when tracefs is usable; *mounted_here says whether we mounted it. */
int tracefs_ensure(bool *mounted_here);

#endif /* BW_TRACEFS_H */
