/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Whether a process on this host can make a 32-bit compat syscall (ia32's
 * int 0x80 and 32-bit programs on x86_64, AArch32 programs on arm64).
 * The kernel's per-syscall tracepoints never fire for those, so the
 * syscall hooks may attach through them only where this says no.
 */
#ifndef BW_COMPAT_PROBE_H
#define BW_COMPAT_PROBE_H

#include <stdbool.h>

/* false only when it was shown that no compat syscall can be made. */
bool compat_syscalls_possible(void);

#endif /* BW_COMPAT_PROBE_H */
