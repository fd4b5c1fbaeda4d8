/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Parsing what /proc says about other processes: bytes a build controls in part. */
#ifndef BW_PROCFS_H
#define BW_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A NUL-terminated /proc/PID/stat line: "PID (COMM) STATE PPID ...". A
 * process names itself (comm holds any bytes but NUL, ')' and spaces
 * included), so the last ')' ends it. comm gets at most comm_size-1 bytes.
 * 0, or -EINVAL for a line that is not one.
 */
int procfs_parse_stat(const char *line, uint32_t *ppid, char *comm, size_t comm_size);

/* procfs_parse_stat of /proc/PID/stat: 0, -errno, or -EINVAL. */
int procfs_read_stat(uint32_t pid, uint32_t *ppid, char *comm, size_t comm_size);

/*
 * A NUL-separated argv in s[0..n) (as /proc/PID/cmdline and exec records
 * hold it) as one line, in place: each NUL becomes a space, trailing
 * spaces go, and a NUL ends it (s has room for n + 1 bytes). Its length.
 * Job rules' args: globs match this, at exec and for running processes.
 */
size_t procfs_join_args(char *s, size_t n);

/*
 * Whether process pid holds a UDP socket connected to port 53 (IPv4 or
 * IPv6): its /proc/PID/fd sockets against its /proc/PID/net/udp and udp6.
 * A program it starts inherits the socket, and may send DNS on it without
 * a connect of its own. false when /proc cannot tell.
 */
bool procfs_has_dns_socket(uint32_t pid);
/* A /proc/net/udp[6] line's inode when its remote port is 53, else 0. */
uint64_t procfs_udp_dns_inode(const char *line);

#endif /* BW_PROCFS_H */
