/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Privilege and tampering syscalls of watched jobs: ptrace, the setuid and
 * setgid families, mount, bpf, module loading, memfd_create, signals
 * aimed at the agent, and reads or writes of another process's memory
 * (process_vm_readv/writev). Recorded at entry, with their arguments: the attempt
 * is what matters, whether or not the kernel then refuses it.
 */
#ifndef BW_PRIV_BPF_H
#define BW_PRIV_BPF_H

#include "lib/bw_maps.bpf.h"


#define BW_PRIV_DATA 256

struct bw_priv_scratch {
	char buf[sizeof(struct bw_priv_event) + BW_PRIV_DATA * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_priv_scratch);
} priv_scratch SEC(".maps");

/* str: a user string argument to capture (mount target, memfd name), or 0. */
static __always_inline int bw_priv(struct bw_sys_enter_ctx *ctx, __u32 op, __u64 a0, __u64 a1,
				   __u64 a2, __u32 target, __u64 str)
{
	struct bw_proc_state *st = bw_hook_job(BW_HOOK_PRIV);
	__u32 zero = 0, size;
	struct bw_priv_scratch *s;
	struct bw_priv_event *ev;
	long n = 0;

	if (!st)
		return 0;
	s = bpf_map_lookup_elem(&priv_scratch, &zero);
	if (!s)
		return 0;
	ev = (void *)s->buf;
	ev->args[0] = a0;
	ev->args[1] = a1;
	ev->args[2] = a2;
	ev->op = op;
	ev->syscall_nr = (__u32)ctx->syscall_nr;
	ev->target_pid = target;
	ev->flags = ctx->compat ? BW_PRIV_F_COMPAT : 0;
	if (target) {
		struct bw_proc_state *ts = bpf_map_lookup_elem(&job_procs, &target);

		if (ts && ts->job_id == st->job_id)
			ev->flags |= BW_PRIV_F_TARGET_IN_JOB;
	}
	if (str)
		n = bpf_probe_read_user_str(ev->data, BW_PRIV_DATA, (void *)str);
	ev->data_len = n > 0 ? n : 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	size = sizeof(*ev) + (ev->data_len & (BW_PRIV_DATA * 2 - 1));
	if (size > sizeof(*s))
		return 0;
	bw_fill_header(&ev->hdr, BW_EV_PRIV, size, (void *)bpf_get_current_task(), st->job_id);
	bw_submit(ev, size);
	return 0;
}

#define A(i) (ctx->args[i])

/* sys_enter_ptrace */
static __always_inline int handle_ptrace(struct bw_sys_enter_ctx *ctx)
{
	return bw_priv(ctx, BW_PRIV_PTRACE, A(0), 0, 0, (__u32)A(1), 0);
}

/* sys_enter_process_vm_readv / _writev: (pid, local iov, n, remote iov, n, flags) */
static __always_inline int handle_process_vm_readv(struct bw_sys_enter_ctx *ctx)
{
	return bw_priv(ctx, BW_PRIV_VM_ACCESS, 0, 0, 0, (__u32)A(0), 0);
}

static __always_inline int handle_process_vm_writev(struct bw_sys_enter_ctx *ctx)
{
	return bw_priv(ctx, BW_PRIV_VM_ACCESS, 1, 0, 0, (__u32)A(0), 0);
}

#define BW_PRIV_ID(name, op)                                                   \
	static __always_inline int handle_##name(struct bw_sys_enter_ctx *ctx)  \
	{                                                                      \
		return bw_priv(ctx, op, A(0), A(1), A(2), 0, 0);               \
	}

BW_PRIV_ID(setuid, BW_PRIV_SETUID)
BW_PRIV_ID(setreuid, BW_PRIV_SETUID)
BW_PRIV_ID(setresuid, BW_PRIV_SETUID)
BW_PRIV_ID(setfsuid, BW_PRIV_SETUID)
BW_PRIV_ID(setgid, BW_PRIV_SETGID)
BW_PRIV_ID(setregid, BW_PRIV_SETGID)
BW_PRIV_ID(setresgid, BW_PRIV_SETGID)
BW_PRIV_ID(setfsgid, BW_PRIV_SETGID)

/* sys_enter_mount */
static __always_inline int handle_mount(struct bw_sys_enter_ctx *ctx)
{
	return bw_priv(ctx, BW_PRIV_MOUNT, A(3), 0, 0, 0, A(1));
}

/* sys_enter_bpf */
static __always_inline int handle_bpf(struct bw_sys_enter_ctx *ctx)
{
	return bw_priv(ctx, BW_PRIV_BPF, A(0), 0, 0, 0, 0);
}

/* sys_enter_init_module */
static __always_inline int handle_init_module(struct bw_sys_enter_ctx *ctx)
{
	return bw_priv(ctx, BW_PRIV_MODULE, 0, 0, 0, 0, 0);
}

/* sys_enter_finit_module */
static __always_inline int handle_finit_module(struct bw_sys_enter_ctx *ctx)
{
	return bw_priv(ctx, BW_PRIV_MODULE, 1, A(0), 0, 0, 0);
}

/* sys_enter_memfd_create */
static __always_inline int handle_memfd_create(struct bw_sys_enter_ctx *ctx)
{
	return bw_priv(ctx, BW_PRIV_MEMFD, A(1), 0, 0, 0, A(0));
}

/* kill/tkill/tgkill aimed at the agent (pid or its process group). */
static __always_inline int bw_signal_agent(struct bw_sys_enter_ctx *ctx, __s64 target, __u64 sig)
{
	__u32 zero = 0;
	struct bw_hook_config *cfg = bpf_map_lookup_elem(&hook_config, &zero);
	__s64 agent;

	if (!cfg || !cfg->agent_tgid)
		return 0;
	agent = cfg->agent_tgid;
	if (target != agent && target != -agent)
		return 0;
	return bw_priv(ctx, BW_PRIV_SIGNAL_AGENT, sig, 0, 0, (__u32)cfg->agent_tgid, 0);
}

/* sys_enter_kill */
static __always_inline int handle_kill(struct bw_sys_enter_ctx *ctx)
{
	return bw_signal_agent(ctx, (__s64)(int)A(0), A(1));
}

/* sys_enter_tgkill */
static __always_inline int handle_tgkill(struct bw_sys_enter_ctx *ctx)
{
	return bw_signal_agent(ctx, (__s64)(int)A(0), A(2));
}

/* sys_enter_tkill */
static __always_inline int handle_tkill(struct bw_sys_enter_ctx *ctx)
{
	return bw_signal_agent(ctx, (__s64)(int)A(0), A(1));
}

#endif /* BW_PRIV_BPF_H */
