/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Parsing what /proc says about other processes: bytes a build controls in part. */
#ifndef BW_PROCFS_H
#define BW_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A NUL-terminated /proc/PID/stat line: "PID (COMM) STATE PPID ...". A
 * process names itself (comm holds any bytes but NUL, ')' and spaces
 * included), so the last ')' ends it. comm gets at most comm_size-1 bytes.
 * 0, or -EINVAL for a line that is not one.
 */
int procfs_parse_stat(const char *line, uint32_t *ppid, char *comm, size_t comm_size);

#endif /* BW_PROCFS_H */
