/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The names records carry, one table per set: record types, verdict
 * actions, DNS record types, file operations, privilege operations and
 * socket protocols. The decoder writes them into events and alerts, the
 * metrics label series with them, and the policy accepts exactly these in
 * rules, so a name is spelled once for all.
 */
#ifndef BW_RECORD_NAMES_H
#define BW_RECORD_NAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h> /* the shared header includes nothing itself */

#include "buildwarden_events.h"

/* A name and the number it stands for; a table ends with a NULL name. */
struct record_name {
	const char *name;
	int64_t value;
};

/*
 * The name of a record type (BW_EV_*) as events and metrics give it
 * ("fork", "exec", "exec_failed", ... "privilege"), or "unknown".
 */
const char *record_type_name(uint32_t type);

/*
 * Verdict actions as rules and verdict records spell them ("log", "alert",
 * "kill-process", "kill-job", "deny"), in enum policy_action's order.
 */
#define VERDICT_ACTIONS 5
extern const char *const verdict_action_names[VERDICT_ACTIONS];

/* DNS RR types by IANA number, in number order ("A" 1 ... "CAA" 257). */
extern const struct record_name dns_type_names[];
/* "A", "AAAA", "TXT", ... for a known RR type, NULL otherwise. */
const char *dns_type_name(uint16_t type);

/* open-write is BW_FILE_OPEN with BW_FILE_WRITE: its value sets this bit too. */
#define FILE_OP_WRITE (1 << 16)
/* "open-write", "open-read", "rename", "unlink", "chmod", "setxattr": BW_FILE_* ops. */
extern const struct record_name file_op_names[];
/* The name of a file record's op and flags (BW_FILE_*), or "unknown". */
const char *file_op_name(uint32_t op, uint32_t flags);

/* "ptrace", "setuid", ... "signal-agent", "process-vm": BW_PRIV_* ops, in their order. */
extern const struct record_name priv_op_names[];
/* The name of a BW_PRIV_* op, or "unknown". */
const char *priv_op_name(uint32_t op);

/* "tcp", "udp", "other": by socket type (SOCK_STREAM, SOCK_DGRAM, anything else). */
extern const struct record_name sock_proto_names[];
/* The protocol of a socket type (SOCK_NONBLOCK and SOCK_CLOEXEC ignored). */
const char *sock_proto_name(uint32_t sock_type);

#endif /* BW_RECORD_NAMES_H */
