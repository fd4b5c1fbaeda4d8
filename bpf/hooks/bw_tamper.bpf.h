/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Signals aimed at the agent, written where they outlive it. The
 * privilege hook's ring-buffer record of kill() is lost when the signal
 * is SIGKILL: the agent is dead before it reads. Here the record goes to
 * an array map the agent pins in bpffs (user/kernel/tamper.c), so the
 * next agent or `buildwarden doctor` finds who did it.
 *
 * signal_generate fires in the sender's context for every signal the
 * kernel generates, whatever the path: kill, tkill, tgkill,
 * pidfd_send_signal, a process-group kill, the OOM killer, a terminal.
 */
#ifndef BW_TAMPER_BPF_H
#define BW_TAMPER_BPF_H

#include "lib/bw_maps.bpf.h"
#include "lib/bw_path.bpf.h"

/* Set by userspace before load: the agent these programs guard. */
const volatile __u32 tamper_agent_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BW_TAMPER_SLOTS);
	__type(key, __u32);
	__type(value, struct bw_tamper_record);
} tamper_log SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tamper_count SEC(".maps");

/* What the hand-kept core types leave out, matched by CO-RE all the same. */
struct mm_struct___bwt {
	struct file *exe_file;
	unsigned long arg_start;
	unsigned long arg_end;
} __attribute__((preserve_access_index));

struct kernel_siginfo___bwt {
	int si_code;
} __attribute__((preserve_access_index));

#define BW_SIGKILL 9
#define BW_SIGCHLD 17
#define BW_SIGCONT 18
#define BW_SIGURG 23
#define BW_SIGWINCH 28

/* Signals whose default action cannot end or stop a process are noise. */
static __always_inline int bw_tamper_harmless(int sig)
{
	return sig == BW_SIGCHLD || sig == BW_SIGCONT || sig == BW_SIGURG || sig == BW_SIGWINCH;
}

/*
 * What the agent sends itself is recorded only when it is fatal whatever
 * the agent's handlers (SIGKILL) or a fault or abort (SIGILL 4, SIGTRAP 5,
 * SIGABRT 6, SIGBUS 7, SIGFPE 8, SIGSEGV 11, SIGSYS 31): a crash.
 */
static __always_inline int bw_tamper_self_worth(int sig)
{
	return sig == BW_SIGKILL || (sig >= 4 && sig <= 8) || sig == 11 || sig == 31;
}

/* si_code as the tracepoint reports it: SEND_SIG_NOINFO (0) and _PRIV (1) are not pointers. */
static __always_inline int bw_tamper_code(__u64 info)
{
	if (info == 0)
		return 0; /* SI_USER */
	if (info == 1)
		return 0x80; /* SI_KERNEL */
	return BPF_CORE_READ((struct kernel_siginfo___bwt *)info, si_code);
}

static __always_inline void bw_tamper_lineage(struct bw_tamper_record *r, struct task_struct *task)
{
	struct task_struct *p = task;
	__u32 i;

	r->n_anc = 0;
	for (i = 0; i < BW_TAMPER_ANC; i++) {
		p = BPF_CORE_READ(p, real_parent);
		if (!p)
			break;
		r->anc[i].pid = BPF_CORE_READ(p, tgid);
		BPF_CORE_READ_STR_INTO(&r->anc[i].comm, p, comm);
		r->n_anc = i + 1;
		if (r->anc[i].pid <= 1)
			break;
	}
}

static __always_inline void bw_tamper_exe_argv(struct bw_tamper_record *r, struct task_struct *task)
{
	struct mm_struct___bwt *mm = (void *)BPF_CORE_READ(task, mm);
	struct file *exe;
	__u64 start, len;
	__u32 zero = 0, n;
	struct bw_pathbuf *pb;

	r->exe[0] = '\0';
	r->argv_len = 0;
	if (!mm)
		return; /* a kernel thread */
	exe = BPF_CORE_READ(mm, exe_file);
	n = exe ? bw_path_resolve((__u64)__builtin_preserve_access_index(&exe->f_path)) : 0;
	pb = bpf_map_lookup_elem(&path_scratch, &zero);
	if (pb && n > 1 && n <= BW_PATH_MAX) {
		n -= 1; /* without the NUL */
		if (n > BW_TAMPER_EXE - 1)
			n = BW_TAMPER_EXE - 1; /* cut: the head of the path stays */
		barrier_var(n);
		n &= BW_TAMPER_EXE - 1;
		bpf_probe_read_kernel(r->exe, n, pb->buf);
		r->exe[n & (BW_TAMPER_EXE - 1)] = '\0';
	}
	start = BPF_CORE_READ(mm, arg_start);
	len = BPF_CORE_READ(mm, arg_end) - start;
	if (len >= BW_TAMPER_ARGV) {
		len = BW_TAMPER_ARGV - 1;
		r->flags |= BW_TAMPER_F_ARGV_CUT;
	}
	barrier_var(len);
	len &= BW_TAMPER_ARGV - 1;
	/* The sender's own memory: it is current here. */
	if (len && !bpf_probe_read_user(r->argv, len, (void *)start))
		r->argv_len = (__u32)len;
}

/*
 * Record a signal sig sent by the current task to target, one of the
 * agent's threads. Slots are taken in order; past BW_TAMPER_SLOTS only
 * the count rises, so a flood cannot push out the first records.
 */
static __always_inline void bw_tamper_record(struct task_struct *target, int sig, int code,
					     int result, __u32 group, __u32 flags)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid(), *count, n;
	__u32 zero = 0, slot, tgid = id >> 32;
	struct bw_tamper_record *r;
	struct bw_proc_state *st;

	count = bpf_map_lookup_elem(&tamper_count, &zero);
	if (!count)
		return;
	n = __sync_fetch_and_add(count, 1);
	if (n >= BW_TAMPER_SLOTS)
		return;
	slot = (__u32)n;
	r = bpf_map_lookup_elem(&tamper_log, &slot);
	if (!r)
		return;
	r->ktime_ns = bpf_ktime_get_ns();
	r->sig = sig;
	r->code = code;
	r->result = result;
	r->group = group;
	r->agent_pid = BPF_CORE_READ(target, tgid);
	r->agent_start_ns = BPF_CORE_READ(target, group_leader, start_time);
	r->sender_pid = tgid;
	r->sender_tid = (__u32)id;
	r->sender_uid = (__u32)bpf_get_current_uid_gid();
	r->sender_start_ns = BPF_CORE_READ(cur, group_leader, start_time);
	r->sender_job = 0;
	st = bpf_map_lookup_elem(&job_procs, &tgid);
	if (st) {
		r->sender_job = st->job_id;
		flags |= BW_TAMPER_F_IN_JOB;
	}
	if (tgid == r->agent_pid)
		flags |= BW_TAMPER_F_SELF;
	else if ((__u32)BPF_CORE_READ(target, group_leader, real_parent, tgid) == tgid)
		flags |= BW_TAMPER_F_PARENT;
	r->flags = flags;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bw_tamper_lineage(r, cur);
	bw_tamper_exe_argv(r, cur);
	/* Last: a reader takes a slot whose seq is 0 as still being written. */
	barrier();
	r->seq = slot + 1;
}

/* Is this signal to target one to keep? */
static __always_inline int bw_tamper_wanted(struct task_struct *target, int sig)
{
	__u32 agent = tamper_agent_tgid;

	if (!agent || (__u32)BPF_CORE_READ(target, tgid) != agent || bw_tamper_harmless(sig))
		return 0;
	if ((bpf_get_current_pid_tgid() >> 32) == agent)
		return bw_tamper_self_worth(sig);
	return 1;
}

#endif /* BW_TAMPER_BPF_H */
