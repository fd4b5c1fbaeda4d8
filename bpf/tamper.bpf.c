// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Signals aimed at the agent: who sent them, kept in pinned maps that
 * outlive the agent (bpf/hooks/bw_tamper.bpf.h). A separate object, so it
 * can be loaded by `run` and the daemon alike and its maps pinned on
 * their own, sharing the process object's job scope.
 */
#include "hooks/bw_tamper.bpf.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct bw_tamper_record *bw_abi_tamper __attribute__((unused));

SEC("raw_tp/signal_generate")
int BPF_PROG(handle_signal_generate, int sig, void *info, struct task_struct *task, int group,
	     int result)
{
	if (!task || !bw_tamper_wanted(task, sig))
		return 0;
	bw_tamper_record(task, sig, bw_tamper_code((__u64)info), result, (__u32)group, 0);
	return 0;
}

/*
 * Where BPF LSM is active (loaded only then, user/kernel/tamper.c), a
 * job process cannot signal the agent at all: the kill fails with EPERM,
 * and the attempt is recorded like a delivered signal, marked denied.
 * A zero signal (a liveness probe) and harmless ones pass.
 */
SEC("lsm/task_kill")
int BPF_PROG(handle_task_kill, struct task_struct *p, void *info, int sig, const struct cred *cred,
	     int ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ret || !sig || !p || !bw_tamper_wanted(p, sig))
		return ret;
	if (!bpf_map_lookup_elem(&job_procs, &tgid))
		return 0;
	bw_tamper_record(p, sig, bw_tamper_code((__u64)info), 0, 0, BW_TAMPER_F_DENIED);
	return -1; /* -EPERM */
}
