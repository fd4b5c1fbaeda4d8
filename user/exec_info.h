/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One exec as the policy sees it: decoded from the kernel record and joined
 * with its lineage from the process table. Pointers are borrowed and valid
 * only for the duration of the call they are passed to.
 */
#ifndef BW_EXEC_INFO_H
#define BW_EXEC_INFO_H

#include <stdbool.h>
#include <stdint.h>

#define BW_ANCESTRY_MAX 64

struct bw_exec_info {
	uint32_t pid;
	uint64_t start_ns;
	const char *filename; /* as passed to exec, may be relative; never NULL */
	const char *exe;      /* resolved executable path, "" when unavailable */
	const char *cwd;      /* "" when unavailable */
	char *const *argv;    /* argv[0..argc_present-1], NUL-terminated strings */
	uint32_t argc_present;
	uint32_t argc;        /* kernel's count; > argc_present when truncated */
	bool argv_truncated;
	uint32_t uid;
	uint32_t euid;
	/*
	 * Ancestors' executable paths, nearest first: ancestors[0] is the
	 * parent. n_ancestors may be 0 (a job root has no watched parent).
	 */
	const char *const *ancestors;
	/* The same ancestors' filenames: the path each was first started as
	 * (a script's path, where ancestors[] holds its interpreter, also
	 * through `#!/usr/bin/env`); may be NULL. */
	const char *const *ancestor_filenames;
	uint32_t n_ancestors;
};

#endif /* BW_EXEC_INFO_H */
