/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a run or the daemon records besides execs: `--record` and the
 * daemon config's `record:` share one parser.
 */
#ifndef BW_RECORD_KINDS_H
#define BW_RECORD_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h> /* the shared header includes nothing itself */

#include "buildwarden_events.h"

/* Every optional hook (BW_HOOK_* from buildwarden_events.h). */
#define BW_HOOK_ALL (BW_HOOK_CONNECT | BW_HOOK_DNS | BW_HOOK_FILE | BW_HOOK_PRIV)

/*
 * "auto", or a comma list of connect, dns, file, privilege, all and exec
 * (exec alone: no optional hook), OR'ed together; empty items are skipped.
 * "auto" sets *is_auto and *hooks = BW_HOOK_ALL (the caller drops the file
 * hooks when the policy has no file rules). 0, or -EINVAL with
 * "'ARG': unknown kind 'TOK' (expected connect, dns, file, privilege, all,
 * exec or auto)" in err (errsz bytes; err may be NULL). *hooks and
 * *is_auto are only written on success.
 */
int record_kinds_parse(const char *arg, uint32_t *hooks, bool *is_auto, char *err,
		       size_t errsz);

#endif /* BW_RECORD_KINDS_H */
