/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * 32-bit compat syscalls (ia32 on x86_64, arm EABI on arm64) mapped onto
 * the native handlers. The kernel has already put their arguments in the
 * tracepoint record in the compat calling order; what differs is the
 * number, the width of every argument (a compat syscall uses only the low
 * 32 bits of each register, so a 64-bit program issuing int 0x80 cannot
 * hide a pointer behind high bits), socketcall's packed arguments and the
 * 16-bit uid calls. The handlers get a copy of the record made to fit,
 * with compat set: they read 32-bit msghdr/iovec layouts from it and mark
 * their records.
 */
#ifndef BW_COMPAT_BPF_H
#define BW_COMPAT_BPF_H

#include "lib/bw_maps.bpf.h"
#include "lib/bw_syscall_nr.h"

/* The native number of a compat syscall whose arguments mean the same; -1: none. */
static __always_inline int bw_compat_nr(int nr)
{
	switch (nr) {
	case NR32_read: return NR_read;
	case NR32_write: return NR_write;
	case NR32_open: return NR_open;
	case NR32_creat: return NR_creat;
	case NR32_unlink: return NR_unlink;
	case NR32_unlinkat: return NR_unlinkat;
	case NR32_rename: return NR_rename;
	case NR32_renameat: return NR_renameat;
	case NR32_renameat2: return NR_renameat2;
	case NR32_link: return NR_link;
	case NR32_linkat: return NR_linkat;
	case NR32_symlink: return NR_symlink;
	case NR32_symlinkat: return NR_symlinkat;
	case NR32_openat: return NR_openat;
	case NR32_openat2: return NR_openat2;
	case NR32_chmod: return NR_chmod;
	case NR32_fchmod: return NR_fchmod;
	case NR32_fchmodat: return NR_fchmodat;
	case NR32_fchmodat2: return NR_fchmodat2;
	case NR32_setxattr: return NR_setxattr;
	case NR32_lsetxattr: return NR_lsetxattr;
	case NR32_fsetxattr: return NR_fsetxattr;
	case NR32_setxattrat: return NR_setxattrat;
	case NR32_connect: return NR_connect;
	case NR32_sendto: return NR_sendto;
	case NR32_sendmsg: return NR_sendmsg;
	case NR32_sendmmsg: return NR_sendmmsg;
	case NR32_recvfrom: return NR_recvfrom;
	case NR32_recvmsg: return NR_recvmsg;
	case NR32_ptrace: return NR_ptrace;
	case NR32_process_vm_readv: return NR_process_vm_readv;
	case NR32_process_vm_writev: return NR_process_vm_writev;
	case NR32_setuid: return NR_setuid;
	case NR32_setreuid: return NR_setreuid;
	case NR32_setresuid: return NR_setresuid;
	case NR32_setfsuid: return NR_setfsuid;
	case NR32_setgid: return NR_setgid;
	case NR32_setregid: return NR_setregid;
	case NR32_setresgid: return NR_setresgid;
	case NR32_setfsgid: return NR_setfsgid;
	case NR32_mount: return NR_mount;
	case NR32_bpf: return NR_bpf;
	case NR32_init_module: return NR_init_module;
	case NR32_finit_module: return NR_finit_module;
	case NR32_memfd_create: return NR_memfd_create;
	case NR32_kill: return NR_kill;
	case NR32_tkill: return NR_tkill;
	case NR32_tgkill: return NR_tgkill;
	}
	return -1;
}

/* The 16-bit uid calls (setuid, setresuid, ... of old): -1 stays -1, as in low2highuid(). */
static __always_inline int bw_compat_id16(struct bw_sys_enter_ctx *c, int nr)
{
	int i;

	for (i = 0; i < 3; i++)
		c->args[i] = c->args[i] == 0xffff ? 0xffffffffu : c->args[i] & 0xffff;
	return nr;
}

/* socketcall(2) call numbers (linux/net.h) */
#define BW_SYS_CONNECT 3
#define BW_SYS_SEND 9
#define BW_SYS_SENDTO 11
#define BW_SYS_RECV 10
#define BW_SYS_RECVFROM 12
#define BW_SYS_SENDMSG 16
#define BW_SYS_RECVMSG 17
#define BW_SYS_SENDMMSG 20

/*
 * ia32's socketcall(call, args): args points to the call's arguments, an
 * array of 32-bit values in the caller's memory (its stack, in practice:
 * resident). Only for watched processes: reading it costs a user copy.
 */
static __always_inline int bw_socketcall_unpack(struct bw_sys_enter_ctx *c)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, a[6] = {}, n;
	int nr, i;

	if (!bpf_map_lookup_elem(&job_procs, &tgid))
		return -1;
	switch (c->args[0]) {
	case BW_SYS_CONNECT: nr = NR_connect; n = 3; break;
	case BW_SYS_SEND: nr = NR_sendto; n = 4; break;
	case BW_SYS_SENDTO: nr = NR_sendto; n = 6; break;
	case BW_SYS_RECV: nr = NR_recvfrom; n = 4; break;
	case BW_SYS_RECVFROM: nr = NR_recvfrom; n = 6; break;
	case BW_SYS_SENDMSG: nr = NR_sendmsg; n = 3; break;
	case BW_SYS_RECVMSG: nr = NR_recvmsg; n = 3; break;
	case BW_SYS_SENDMMSG: nr = NR_sendmmsg; n = 4; break;
	default: return -1;
	}
	if (bpf_probe_read_user(a, n * sizeof(a[0]), (void *)c->args[1]))
		return -1;
	for (i = 0; i < 6; i++)
		c->args[i] = a[i];
	return nr;
}

/*
 * The compat syscalls whose entry is not a plain renumbering: packed
 * (socketcall), shortened (send, recv) or with 16-bit ids. BW_COMPAT_SPECIAL
 * (X) expands X(number, what to do with c) for each, so the test of the
 * number and the mapping cannot disagree.
 */
#define BW_COMPAT_SPECIAL(X)                                                   \
	X(NR32_socketcall, bw_socketcall_unpack(c))                            \
	X(NR32_send, (c->args[4] = c->args[5] = 0, NR_sendto))                 \
	X(NR32_recv, (c->args[4] = c->args[5] = 0, NR_recvfrom))               \
	X(NR32_setuid16, bw_compat_id16(c, NR_setuid))                         \
	X(NR32_setreuid16, bw_compat_id16(c, NR_setreuid))                     \
	X(NR32_setresuid16, bw_compat_id16(c, NR_setresuid))                   \
	X(NR32_setfsuid16, bw_compat_id16(c, NR_setfsuid))                     \
	X(NR32_setgid16, bw_compat_id16(c, NR_setgid))                         \
	X(NR32_setregid16, bw_compat_id16(c, NR_setregid))                     \
	X(NR32_setresgid16, bw_compat_id16(c, NR_setresgid))                   \
	X(NR32_setfsgid16, bw_compat_id16(c, NR_setfsgid))

/* Could this number be a compat syscall the handlers want? No memory read. */
static __always_inline int bw_compat_enter_wanted(int nr)
{
#define BW_X_WANTED(n, what) case n: return 1;
	switch (nr) {
	BW_COMPAT_SPECIAL(BW_X_WANTED)
	}
#undef BW_X_WANTED
	/* -1 only: arm64's native numbers of AArch32-only calls (creat ...) are negative. */
	return bw_compat_nr(nr) != -1;
}

/*
 * The native number to dispatch a compat syscall's entry as, with c's
 * 32-bit arguments already in place (compat set), unpacked or widened
 * where the call needs it; -1 when it is not watched.
 */
static __always_inline int bw_compat_map_enter(struct bw_sys_enter_ctx *c)
{
#define BW_X_MAP(n, what) case n: return what;
	switch (c->syscall_nr) {
	BW_COMPAT_SPECIAL(BW_X_MAP)
	}
#undef BW_X_MAP
	return bw_compat_nr(c->syscall_nr);
}

/*
 * The classic tracepoint's compat entry: c filled from its record (the
 * kernel put the arguments there in the compat calling order), then mapped.
 */
static __always_inline int bw_compat_enter_nr(struct bw_sys_enter_ctx *ctx,
					      struct bw_sys_enter_ctx *c)
{
	int i;

	c->common = 0; /* the trace header, unreadable here and unused */
	c->syscall_nr = ctx->syscall_nr;
	c->compat = 1;
	for (i = 0; i < 6; i++)
		c->args[i] = (__u32)ctx->args[i];
	return bw_compat_map_enter(c);
}

/* Exits: what the entry kept decides, so only the number is mapped. */
#define BW_NR_NET_ANY -1000 /* socketcall: the kind its entry recorded */

static __always_inline int bw_compat_exit_nr(int nr)
{
	switch (nr) {
	case NR32_socketcall: return BW_NR_NET_ANY;
	case NR32_recv: return NR_recvfrom;
	}
	return bw_compat_nr(nr);
}

#endif /* BW_COMPAT_BPF_H */
