/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who signalled the agent. bpf/process.bpf.c records every signal aimed at
 * the agent (sender, its executable, argv and parent chain) in two array
 * maps pinned under BW_TAMPER_PIN_DIR/PID, so a SIGKILL that leaves the
 * agent no chance to say anything still leaves its sender behind: the
 * next `run` or daemon start reports and clears it, `doctor` reports it.
 * Where BPF LSM is active, a job process's signal to the agent fails with
 * EPERM and is recorded as denied.
 */
#ifndef BW_TAMPER_H
#define BW_TAMPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/loader.h"

struct bpf_map;

struct bw_tamper {
	/* The process object's maps (bpf/process.bpf.c), borrowed: the loader owns them. */
	struct bpf_map *log;
	struct bpf_map *count;
	uint32_t next;  /* records already handed out by tamper_read_own */
	uint64_t total; /* signals sent to this agent, as last read */
	bool pinned;
	bool lsm;       /* lsm/task_kill attached: job processes get EPERM */
};

/*
 * Pin a's signal records for this process: the programs that write them
 * (raw_tp/signal_generate, lsm/task_kill where a loaded the BPF LSM
 * hooks) are the process object's, loaded with it. 0 or -errno, having
 * said why; the agent runs on without it.
 */
int tamper_arm(struct bw_tamper *t, struct bw_agent *a);
/* Leaving on purpose: unpin (loader_close unloads). Safe when not armed. */
void tamper_disarm(struct bw_tamper *t);
/*
 * Only unpin, for a process about to _exit whose descriptors a detach
 * holder keeps (kernel/detach.h).
 */
void tamper_unpin(struct bw_tamper *t);

/* One kept record; total is how many signals that agent was sent in all. */
typedef void (*tamper_fn)(const struct bw_tamper_record *r, uint64_t total, void *ctx);

/* Records this agent was sent since the last call, oldest first; t->total updated. */
int tamper_read_own(struct bw_tamper *t, tamper_fn fn, void *ctx);
/*
 * Records left by agents that are gone, each agent's oldest first; with
 * clear, removed once read. Returns how many dead agents left some, or
 * -errno when the directory cannot be read (not when it does not exist).
 */
int tamper_sweep(bool clear, tamper_fn fn, void *ctx);

/* "SIGKILL from pid 123 (uid 0, job 1, ...)": one line for people. */
void tamper_describe(const struct bw_tamper_record *r, char *buf, size_t size);
/*
 * Who sent it: "self" (the agent: a crash or abort), "job" (a process of a
 * watched job), "parent" (the agent's parent: a CI runner stopping it),
 * "kernel" (si_code SI_KERNEL: a terminal, the OOM killer) or "other".
 */
const char *tamper_sender_role(const struct bw_tamper_record *r);

#endif /* BW_TAMPER_H */
