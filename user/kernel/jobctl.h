/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Acting on processes and whole jobs. A process is killed only if it is
 * still the one the policy judged: its pidfd is taken first, then its
 * (pid, start_ns) is checked against the kernel's job-scope map, so a
 * recycled pid is never hit. A job is ended through its cgroup's
 * cgroup.kill where we could give it one, and through the job-scope map
 * always, which also finds daemons that left the process group.
 */
#ifndef BW_JOBCTL_H
#define BW_JOBCTL_H

#include <stdint.h>
#include <sys/types.h>
#include "kernel/loader.h"

/* How many killed processes a job remembers by pidfd, to wait for their end. */
#define JOBCTL_WAIT_MAX 256

struct jobctl {
	char *cgroup_dir; /* the job's own cgroup v2 directory, or NULL */
	/* Processes kill-job signalled: a SIGKILLed process is still exiting
	 * (its mm, its files, its /proc entry) after its exit record. */
	int killed_fd[JOBCTL_WAIT_MAX];
	uint32_t killed_pid[JOBCTL_WAIT_MAX];
	unsigned int n_killed;
};

/*
 * Best effort: moves pid into a new cgroup below the agent's own, and
 * removes empty ones earlier runs had to leave behind (rmdir only ever
 * succeeds on an empty cgroup, so a live job is never touched).
 */
void jobctl_setup(struct jobctl *j, pid_t pid);
void jobctl_cleanup(struct jobctl *j);
/* 0 when killed, -ESRCH when it is gone or not the same process. */
int jobctl_kill_process(struct bw_agent *a, uint32_t pid, uint64_t start_ns);
/* The kernel's job scope still holds this process (it has not exited). */
bool jobctl_process_alive(struct bw_agent *a, uint32_t pid, uint64_t start_ns);
/* Lets a process the kernel held at its exec (BW_EXEC_HELD) run on. */
int jobctl_resume_process(uint32_t pid);
/* Kills every process of job_id; returns how many kill() calls were made. */
int jobctl_kill_job(struct bw_agent *a, struct jobctl *j, uint64_t job_id);
/*
 * Waits up to timeout_ms for what jobctl_kill_job killed to be gone: each
 * remembered process exited, and the job's cgroup empty. Returns how many
 * are still there (the cgroup counts as one).
 */
int jobctl_wait_killed(struct jobctl *j, int timeout_ms);

enum jobctl_scope_op {
	JOBCTL_SCOPE_KILL,   /* SIGKILL each process (pid and start time checked) */
	JOBCTL_SCOPE_FORGET, /* drop from the job scope: no longer watched */
	JOBCTL_SCOPE_FLAGS,  /* OR flags (BW_PROC_*) into each entry */
};

/* Applies op to every job-scope entry of job_id; returns how many it did, or -ENOMEM. */
int jobctl_scope_update(struct bw_agent *a, uint64_t job_id, enum jobctl_scope_op op,
			uint32_t flags);

#endif /* BW_JOBCTL_H */
