/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fail closed (`run --fail-closed`): the BPF links are pinned in bpffs, so
 * they outlive the agent; when the agent's process exits without disarming,
 * the exit program sets fail_state.agent_dead and every job process dies at
 * its next fork, exec or syscall. A clean exit unpins everything. A later
 * start removes the pins of a dead agent once its job has no process left,
 * so nothing stays attached forever.
 */
#ifndef BW_FAILCLOSED_H
#define BW_FAILCLOSED_H

#include <stdbool.h>
#include "kernel/loader.h"

#define FAILCLOSED_BPFFS "/sys/fs/bpf"

/* bpffs mounted on FAILCLOSED_BPFFS, mounting it if need be: 0 or -errno. */
int failclosed_bpffs(void);

/* Pin the links (and the job-scope map) under bpffs/buildwarden-PID. */
int failclosed_arm(struct bw_agent *a);
/* Unpin: the agent is leaving on purpose. Safe when not armed. */
void failclosed_disarm(struct bw_agent *a);
/* Remove what dead agents left pinned once their jobs are gone; report the rest. */
void failclosed_sweep(void);

/*
 * Every run, fail-closed or not, leaves a marker while it watches a job
 * (/run/buildwarden/agent-PID: when and what). A clean exit removes it; one
 * left by a dead agent is reported, and removed, by the next start.
 */
#define FAILCLOSED_RUN_DIR "/run/buildwarden"
void failclosed_mark(const char *what);
/*
 * Is pid alive? Looked up in /proc, not with kill(pid, 0): an agent
 * watching this one would record that as a signal aimed at it.
 */
bool failclosed_pid_alive(long pid);
void failclosed_unmark(void);

#endif /* BW_FAILCLOSED_H */
