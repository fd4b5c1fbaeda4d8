// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Network, file and privilege syscalls of watched jobs, through the two
 * raw_syscalls tracepoints and a dispatch on the syscall number.
 *
 * One tracepoint per syscall would be simpler to read, but a host pays for
 * each attach and detach (a tracepoint unregistration waits for an RCU
 * grace period): 40 of them made every `buildwarden run` ~3 s slower, and
 * some sandboxes refuse single syscall tracepoints outright. Uninteresting
 * syscalls return at the switch after one array lookup (the fail-closed
 * flag); the rest cost the job-scope lookup, and more only for a watched
 * job with the hook on.
 *
 * A 32-bit compat syscall (bw_compat_syscall(): one load and one branch
 * for every other syscall) numbers its syscalls differently and may pack
 * them (ia32's socketcall): it is mapped to the native number with a copy
 * of its arguments (hooks/bw_compat.bpf.h) and dispatched by the same
 * handlers. The exit switch is there once (twice, the exit program
 * outgrew the verifier's 16-bit jump range); exits read only the return
 * value and what the entry kept.
 */
#include "hooks/bw_net.bpf.h"
#include "hooks/bw_file.bpf.h"
#include "hooks/bw_priv.bpf.h"
#include "hooks/bw_compat.bpf.h"
#include "lib/bw_compat.bpf.h"
#include "lib/bw_syscall_nr.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct bw_connect_event *bw_abi_connect __attribute__((unused));
struct bw_dns_event *bw_abi_dns __attribute__((unused));
struct bw_file_event *bw_abi_file __attribute__((unused));
struct bw_priv_event *bw_abi_priv __attribute__((unused));

static __always_inline int bw_enter_dispatch(struct bw_sys_enter_ctx *ctx, int nr)
{
	switch (nr) {
	case NR_write: return handle_write_enter(ctx);
	case NR_read: return handle_read_enter(ctx);
	case NR_connect: return handle_connect_enter(ctx);
	case NR_sendto: return handle_sendto_enter(ctx);
	case NR_sendmsg: return handle_sendmsg_enter(ctx);
	case NR_sendmmsg: return handle_sendmmsg_enter(ctx);
	case NR_recvfrom: return handle_recvfrom_enter(ctx);
	case NR_recvmsg: return handle_recvmsg_enter(ctx);
	case NR_openat: return handle_openat_enter(ctx);
	case NR_openat2: return handle_openat2_enter(ctx);
	case NR_open: return handle_open_enter(ctx);
	case NR_creat: return handle_creat_enter(ctx);
	case NR_renameat2: return handle_renameat2_enter(ctx);
	case NR_renameat: return handle_renameat_enter(ctx);
	case NR_rename: return handle_rename_enter(ctx);
	case NR_unlinkat: return handle_unlinkat_enter(ctx);
	case NR_unlink: return handle_unlink_enter(ctx);
	case NR_chmod: return handle_chmod_enter(ctx);
	case NR_fchmod: return handle_fchmod_enter(ctx);
	case NR_fchmodat:
	case NR_fchmodat2: return handle_fchmodat_enter(ctx);
	case NR_setxattr:
	case NR_lsetxattr: return handle_setxattr_enter(ctx);
	case NR_fsetxattr: return handle_fsetxattr_enter(ctx);
	case NR_setxattrat: return handle_setxattrat_enter(ctx);
	case NR_process_vm_readv: return handle_process_vm_readv(ctx);
	case NR_process_vm_writev: return handle_process_vm_writev(ctx);
	case NR_ptrace: return handle_ptrace(ctx);
	case NR_setuid: return handle_setuid(ctx);
	case NR_setreuid: return handle_setreuid(ctx);
	case NR_setresuid: return handle_setresuid(ctx);
	case NR_setfsuid: return handle_setfsuid(ctx);
	case NR_setgid: return handle_setgid(ctx);
	case NR_setregid: return handle_setregid(ctx);
	case NR_setresgid: return handle_setresgid(ctx);
	case NR_setfsgid: return handle_setfsgid(ctx);
	case NR_mount: return handle_mount(ctx);
	case NR_bpf: return handle_bpf(ctx);
	case NR_init_module: return handle_init_module(ctx);
	case NR_finit_module: return handle_finit_module(ctx);
	case NR_memfd_create: return handle_memfd_create(ctx);
	case NR_kill: return handle_kill(ctx);
	case NR_tgkill: return handle_tgkill(ctx);
	case NR_tkill: return handle_tkill(ctx);
	}
	return 0;
}

/*
 * A compat syscall's entry: the switch again, on a copy of the record made
 * to fit. A second copy of the switch, because one instruction may not
 * read both the tracepoint's record and the stack; a subprogram, so the
 * 64-bit path neither carries the copy nor pays for it.
 */
static __noinline int bw_compat_enter(struct bw_sys_enter_ctx *ctx)
{
	struct bw_sys_enter_ctx c;

	return bw_enter_dispatch(&c, bw_compat_enter_nr(ctx, &c));
}

SEC("tracepoint/raw_syscalls/sys_enter")
int handle_sys_enter(struct bw_sys_enter_ctx *ctx)
{
	if (bw_fail_closed_kill(bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (bw_compat_syscall())
		return bw_compat_enter(ctx);
	return bw_enter_dispatch(ctx, ctx->syscall_nr);
}

static __always_inline int bw_exit_dispatch(struct bw_sys_exit_ctx *ctx, int nr)
{
	switch (nr) {
	case NR_read: return handle_read_exit(ctx);
	case NR_connect: return handle_connect_exit(ctx);
	case NR_recvfrom: return handle_recvfrom_exit(ctx);
	case NR_recvmsg: return handle_recvmsg_exit(ctx);
	case NR_openat: return handle_openat_exit(ctx);
	case NR_openat2: return handle_openat2_exit(ctx);
	case NR_open: return handle_open_exit(ctx);
	case NR_creat: return handle_creat_exit(ctx);
	case NR_renameat2: return handle_renameat2_exit(ctx);
	case NR_renameat: return handle_renameat_exit(ctx);
	case NR_rename: return handle_rename_exit(ctx);
	case NR_unlinkat: return handle_unlinkat_exit(ctx);
	case NR_unlink: return handle_unlink_exit(ctx);
	case NR_chmod:
	case NR_fchmod:
	case NR_fchmodat:
	case NR_fchmodat2:
	case NR_setxattr:
	case NR_lsetxattr:
	case NR_fsetxattr:
	case NR_setxattrat: return handle_attr_exit(ctx);
	case BW_NR_NET_ANY: return handle_net_exit_any(ctx);
	}
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int handle_sys_exit(struct bw_sys_exit_ctx *ctx)
{
	int nr = ctx->syscall_nr;

	if (bw_compat_syscall())
		nr = bw_compat_exit_nr(nr);
	return bw_exit_dispatch(ctx, nr);
}
