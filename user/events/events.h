/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Decoding of ring-buffer records. Every record is validated before use:
 * sizes, lengths and NUL terminators are checked, so a malformed record is
 * rejected with -EINVAL rather than read out of bounds.
 */
#ifndef BW_EVENTS_H
#define BW_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "buildwarden_events.h"
#include "lib/record_names.h" /* record_type_name() */

#define EVENTS_DELETED_SUFFIX " (deleted)"

struct bw_event_view {
	const struct bw_event_header *hdr;
	union {
		const struct bw_fork_event *fork;
		const struct bw_exec_event *exec;
		const struct bw_exec_failed_event *exec_failed;
		const struct bw_exit_event *exit;
		const struct bw_connect_event *connect;
		const struct bw_dns_event *dns;
		const struct bw_file_event *file;
		const struct bw_priv_event *priv;
	};
	/* exec and exec_failed: NULL when the kernel supplied none. exec's exe
	 * ends in " (deleted)" when the file had no name left (BW_EXEC_EXE_DELETED),
	 * as /proc/PID/exe shows it. */
	const char *filename;
	const char *exe;
	const char *cwd;
	/* exec: args_len bytes of NUL-separated arguments */
	const char *args;
	uint32_t args_len;
	/* exec: the path of stdio[i] when it is a file, else NULL */
	const char *stdio_path[3];
	/* exec: env_len bytes of NUL-separated NAME=VALUE loader variables
	 * (each NUL-terminated, each with a non-empty NAME), NULL when none */
	const char *env;
	uint32_t env_len;
	/* file: path and rename's target (cwd above); priv: its string argument */
	const char *path;
	const char *path2;
	const char *str;
	/* The container the process runs in (events/containers.h), NULL on
	 * the host or when unknown: set by the engine, not decoded. */
	const char *container;
	/* dns: the captured payload */
	const uint8_t *payload;
	uint32_t payload_len;
	/* exec: where exe is "PATH (deleted)"; exe points here then. Last:
	 * events_decode zeroes the view up to here, and only its first byte. */
	char exe_buf[BW_PATH_MAX + sizeof(EVENTS_DELETED_SUFFIX)];
};

int events_decode(const void *data, size_t size, struct bw_event_view *out);
/*
 * The value of loader variable name in a decoded exec's env (v->env,
 * v->env_len), or NULL when it is not set. A name given twice yields the
 * last value: the one the dynamic loader uses (getenv() sees the first).
 */
const char *events_env_get(const char *env, uint32_t env_len, const char *name);

/* A record's argument bytes split into a NULL-terminated vector it owns. */
struct bw_argv {
	char *buf;
	char **v;
	uint32_t n;
};

int argv_split(const char *args, uint32_t len, struct bw_argv *out);
void argv_free(struct bw_argv *a);

#endif /* BW_EVENTS_H */
