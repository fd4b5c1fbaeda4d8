/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `policy test`: a saved event log replayed through the engine of a live
 * run. Each record of the log is turned back into the kernel's record,
 * decoded and validated as one from the ring buffer, and handed to
 * engine_on_record with one job: lineage, provenance, DNS names and
 * verdicts are the live engine's own. What only the kernel or the host
 * can do (kill, hold and resume, deny maps, cgroups, /proc) is not done;
 * the facts a live run reads from the host come from the record instead.
 */
#ifndef BW_REPLAY_H
#define BW_REPLAY_H

#include <stdint.h>
#include <stdio.h>
#include "policy/policy.h"

/*
 * Replays events_path under policy (taken over and freed; policy_name is
 * its file, for the output) and prints to out each verdict that would be
 * given: the log's line, the rule, what it would do, and the record.
 * *fired counts them. 0, or -errno (a malformed line printed as FILE:LINE).
 */
int replay_file(struct bw_policy *policy, const char *policy_name, const char *events_path,
		FILE *out, uint64_t *fired);

#endif /* BW_REPLAY_H */
