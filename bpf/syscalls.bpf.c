// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Network, file and privilege syscalls of watched jobs: through the
 * kernel's tracepoint of each syscall the hooks need (variant 4, at the
 * end), or through the two raw_syscalls tracepoints (sys_enter, sys_exit)
 * and a dispatch on the syscall number.
 *
 * The per-syscall tracepoints run no program for the other syscalls (the
 * kernel tests one bit; the exec hooks already send every syscall through
 * the traced entry and exit paths), but they never fire for a 32-bit
 * compat syscall, and some sandboxes refuse them: where a compat syscall
 * can be made, and for fail-closed, the raw_syscalls programs below run.
 *
 * Those run on every syscall of every process on the host, so what a
 * process outside every job pays is the design's first constraint:
 * - They attach as raw tracepoints: tp_btf where the kernel takes it,
 *   raw_tp otherwise. Both get the saved registers and the number (or the
 *   return value), and copy nothing; the classic tracepoint (the loader's
 *   last fallback, same handlers) has the kernel copy every syscall's
 *   arguments into a record before its program runs.
 * - The early part is cheapest first: the fail-closed flag (an array
 *   lookup the verifier inlines: once the agent is dead, a job process
 *   dies at its next syscall, whatever the syscall), then the number
 *   (compares only; most syscalls, native or compat, return here), then
 *   the ABI (bw_compat_syscall(): a helper call and one load; the wanted
 *   compat numbers are common native ones, close, stat, fstat ...), then
 *   for read and write the DNS flag, then the job (one hash lookup by
 *   tgid). Only a job process's interesting syscall pays the argument
 *   reads and the handler.
 * - An exit returns at the number unless an entry handler could have kept
 *   something for it (opens, connects, receives, renames ...); those look
 *   up the call the entry kept: a file operation in the thread's task
 *   storage, a network one by tid (one hash lookup). The exit program
 *   itself cannot be skipped per syscall: sys_exit fires for all of them.
 *
 * A 32-bit compat syscall (bw_compat_syscall(), paid only for a number
 * wanted in either ABI) numbers its syscalls
 * differently and may pack them (ia32's socketcall): it is mapped to the
 * native number with a copy of its arguments cut to 32 bits (read from
 * ia32's bx, cx, dx, si, di, bp; AArch32's r0-r5) and dispatched by the
 * same handlers. Exits read only the return value and what the entry kept.
 */
#include "hooks/bw_net.bpf.h"
#include "hooks/bw_file.bpf.h"
#include "hooks/bw_priv.bpf.h"
#include "hooks/bw_compat.bpf.h"
#include "lib/bw_compat.bpf.h"
#include "lib/bw_syscall_nr.h"
#include "buildwarden_syscalls.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct bw_connect_event *bw_abi_connect __attribute__((unused));
struct bw_dns_event *bw_abi_dns __attribute__((unused));
struct bw_file_event *bw_abi_file __attribute__((unused));
struct bw_priv_event *bw_abi_priv __attribute__((unused));

/*
 * The entry handler of native syscall nr, run on ctx; with probe set (a
 * constant: the copy inlined for it keeps no handler), only whether there
 * is one. One list of cases serves the early filter and the dispatch.
 */
#define BW_RUN(handler) return probe ? 1 : handler(ctx)

static __always_inline int bw_enter_dispatch(struct bw_sys_enter_ctx *ctx, int nr, int probe)
{
	switch (nr) {
	case NR_write: BW_RUN(handle_write_enter);
	case NR_read: BW_RUN(handle_read_enter);
	case NR_connect: BW_RUN(handle_connect_enter);
	case NR_sendto: BW_RUN(handle_sendto_enter);
	case NR_sendmsg: BW_RUN(handle_sendmsg_enter);
	case NR_sendmmsg: BW_RUN(handle_sendmmsg_enter);
	case NR_recvfrom: BW_RUN(handle_recvfrom_enter);
	case NR_recvmsg: BW_RUN(handle_recvmsg_enter);
	case NR_openat: BW_RUN(handle_openat_enter);
	case NR_openat2: BW_RUN(handle_openat2_enter);
	case NR_open: BW_RUN(handle_open_enter);
	case NR_creat: BW_RUN(handle_creat_enter);
	case NR_renameat2: BW_RUN(handle_renameat2_enter);
	case NR_renameat: BW_RUN(handle_renameat_enter);
	case NR_rename: BW_RUN(handle_rename_enter);
	case NR_unlinkat: BW_RUN(handle_unlinkat_enter);
	case NR_unlink: BW_RUN(handle_unlink_enter);
	case NR_linkat: BW_RUN(handle_linkat_enter);
	case NR_link: BW_RUN(handle_link_enter);
	case NR_symlinkat: BW_RUN(handle_symlinkat_enter);
	case NR_symlink: BW_RUN(handle_symlink_enter);
	case NR_chmod: BW_RUN(handle_chmod_enter);
	case NR_fchmod: BW_RUN(handle_fchmod_enter);
	case NR_fchmodat:
	case NR_fchmodat2: BW_RUN(handle_fchmodat_enter);
	case NR_setxattr:
	case NR_lsetxattr: BW_RUN(handle_setxattr_enter);
	case NR_fsetxattr: BW_RUN(handle_fsetxattr_enter);
	case NR_setxattrat: BW_RUN(handle_setxattrat_enter);
	case NR_process_vm_readv: BW_RUN(handle_process_vm_readv);
	case NR_process_vm_writev: BW_RUN(handle_process_vm_writev);
	case NR_ptrace: BW_RUN(handle_ptrace);
	case NR_setuid: BW_RUN(handle_setuid);
	case NR_setreuid: BW_RUN(handle_setreuid);
	case NR_setresuid: BW_RUN(handle_setresuid);
	case NR_setfsuid: BW_RUN(handle_setfsuid);
	case NR_setgid: BW_RUN(handle_setgid);
	case NR_setregid: BW_RUN(handle_setregid);
	case NR_setresgid: BW_RUN(handle_setresgid);
	case NR_setfsgid: BW_RUN(handle_setfsgid);
	case NR_mount: BW_RUN(handle_mount);
	case NR_bpf: BW_RUN(handle_bpf);
	case NR_init_module: BW_RUN(handle_init_module);
	case NR_finit_module: BW_RUN(handle_finit_module);
	case NR_memfd_create: BW_RUN(handle_memfd_create);
	case NR_kill: BW_RUN(handle_kill);
	case NR_tgkill: BW_RUN(handle_tgkill);
	case NR_tkill: BW_RUN(handle_tkill);
	}
	return 0;
}

/*
 * The exit handler of the syscall an entry handler kept something for
 * (mapped from compat), by kind: every file operation ends in the same
 * place, and so the exit needs no more than these.
 */
enum { BW_X_NONE, BW_X_READ, BW_X_CONNECT, BW_X_RECVFROM, BW_X_RECVMSG, BW_X_FILE, BW_X_NET_ANY };

static __always_inline int bw_exit_kind(int nr)
{
	switch (nr) {
	case NR_read: return BW_X_READ;
	case NR_connect: return BW_X_CONNECT;
	case NR_recvfrom: return BW_X_RECVFROM;
	case NR_recvmsg: return BW_X_RECVMSG;
	case NR_openat:
	case NR_openat2:
	case NR_open:
	case NR_creat:
	case NR_renameat2:
	case NR_renameat:
	case NR_rename:
	case NR_unlinkat:
	case NR_unlink:
	case NR_linkat:
	case NR_link:
	case NR_symlinkat:
	case NR_symlink:
	case NR_chmod:
	case NR_fchmod:
	case NR_fchmodat:
	case NR_fchmodat2:
	case NR_setxattr:
	case NR_lsetxattr:
	case NR_fsetxattr:
	case NR_setxattrat: return BW_X_FILE;
	case BW_NR_NET_ANY: return BW_X_NET_ANY;
	}
	return BW_X_NONE;
}

static __always_inline int bw_exit_run(int kind, struct bw_sys_exit_ctx *ctx)
{
	switch (kind) {
	case BW_X_READ: return handle_read_exit(ctx);
	/* After the connect's record: the held files follow the network input. */
	case BW_X_CONNECT: return handle_connect_exit(ctx) ? bw_held_writes() : 0;
	case BW_X_RECVFROM: return handle_recvfrom_exit(ctx);
	case BW_X_RECVMSG: return handle_recvmsg_exit(ctx);
	case BW_X_FILE: return bw_file_exit(ctx->ret);
	case BW_X_NET_ANY: return handle_net_exit_any(ctx);
	}
	return 0;
}

/*
 * Kinds of the native and of the compat syscall this number stands for:
 * the number alone decides, before anything is read, whether the exit
 * does anything at all.
 */
static __always_inline int bw_exit_kinds(int nr, int *k32)
{
	*k32 = bw_exit_kind(bw_compat_exit_nr(nr));
	return bw_exit_kind(nr);
}

/*
 * Variant 1 and 2: the raw tracepoints (tp_btf where the kernel takes
 * it, raw_tp otherwise). They get the registers and the number or the
 * return value; nothing is copied for a syscall nobody wants. The early
 * part is the order above, cheapest first; the fail-closed flag must see
 * every syscall of a job process once the agent is dead.
 */
static __always_inline __u64 bw_reg(struct pt_regs *regs, int btf, int i, int compat)
{
#if defined(__TARGET_ARCH_x86)
	/* tp_btf's pointer is the kernel's own: a plain load. */
#define BW_REG(f) (btf ? regs->f : BPF_CORE_READ(regs, f))
	if (compat) {
		switch (i) {
		case 0: return BW_REG(bx);
		case 1: return BW_REG(cx);
		case 2: return BW_REG(dx);
		case 3: return BW_REG(si);
		case 4: return BW_REG(di);
		}
		return BW_REG(bp);
	}
	switch (i) {
	case 0: return BW_REG(di);
	case 1: return BW_REG(si);
	case 2: return BW_REG(dx);
	case 3: return BW_REG(r10);
	case 4: return BW_REG(r8);
	}
	return BW_REG(r9);
#undef BW_REG
#elif defined(__TARGET_ARCH_arm64)
	if (i == 0)
		return btf ? regs->orig_x0 : BPF_CORE_READ(regs, orig_x0);
	return btf ? regs->user_regs.regs[i & 7] : BPF_CORE_READ(regs, user_regs.regs[i & 7]);
#else
	return 0;
#endif
}

static __always_inline long bw_reg_nr(struct pt_regs *regs, int btf)
{
#if defined(__TARGET_ARCH_x86)
	return btf ? (long)regs->orig_ax : (long)BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return btf ? regs->syscallno : BPF_CORE_READ(regs, syscallno);
#else
	return -1;
#endif
}

/* read or write, in the ABI of this syscall: followed only for DNS. */
static __always_inline int bw_rw_nr(int nr, int compat)
{
	if (compat)
		return nr == NR32_read || nr == NR32_write;
	return nr == NR_read || nr == NR_write;
}

static __always_inline int bw_regs_enter(struct pt_regs *regs, long id, int btf)
{
	struct bw_sys_enter_ctx c; /* filled below: zeroing it first would cost every syscall */
	int nr = (int)id, compat, native, i;
	__u32 tgid;

	/* No helper call before the number check: most syscalls end there. */
	if (bw_fail_closed_pending() && bw_fail_closed_kill(bpf_get_current_pid_tgid() >> 32))
		return 0;
	native = bw_enter_dispatch(&c, nr, 1);
	if (!native && !bw_compat_enter_wanted(nr))
		return 0;
	/*
	 * The ABI before any map: compat numbers that are wanted are native
	 * ones that are not (ia32's read, write and open are close, stat and
	 * fstat), which would otherwise pay the job lookup on every host.
	 */
	compat = bw_compat_syscall();
	if (compat ? !bw_compat_enter_wanted(nr) : !native)
		return 0;
	if (bw_rw_nr(nr, compat) && !bw_dns_connected())
		return 0; /* the handlers' own first test, before the job lookup */
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&job_procs, &tgid))
		return 0;
	c.common = 0;
	c.syscall_nr = nr;
	c.compat = compat ? 1 : 0;
	for (i = 0; i < 6; i++)
		c.args[i] = compat ? (__u32)bw_reg(regs, btf, i, 1) : bw_reg(regs, btf, i, 0);
	if (compat)
		nr = bw_compat_map_enter(&c);
	return bw_enter_dispatch(&c, nr, 0);
}

static __always_inline int bw_regs_exit(struct pt_regs *regs, long ret, int btf)
{
	int nr = (int)bw_reg_nr(regs, btf), kind, k32;
	struct bw_sys_exit_ctx x = { .ret = ret };

	kind = bw_exit_kinds(nr, &k32);
	if (kind == BW_X_NONE && k32 == BW_X_NONE)
		return 0;
	if (bw_compat_syscall())
		kind = k32;
	x.syscall_nr = nr;
	return bw_exit_run(kind, &x);
}

SEC("tp_btf/sys_enter")
int handle_sys_enter_btf(__u64 *ctx)
{
	return bw_regs_enter((struct pt_regs *)ctx[0], (long)ctx[1], 1);
}

SEC("tp_btf/sys_exit")
int handle_sys_exit_btf(__u64 *ctx)
{
	return bw_regs_exit((struct pt_regs *)ctx[0], (long)ctx[1], 1);
}

SEC("raw_tp/sys_enter")
int handle_sys_enter_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return bw_regs_enter((struct pt_regs *)ctx->args[0], (long)ctx->args[1], 0);
}

SEC("raw_tp/sys_exit")
int handle_sys_exit_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return bw_regs_exit((struct pt_regs *)ctx->args[0], (long)ctx->args[1], 0);
}

/*
 * Variant 3, the fallback where raw tracepoints are refused: the classic
 * tracepoints, whose record (number and arguments, copied by the kernel
 * before the program runs) the handlers read in place. A compat
 * syscall's entry goes through a copy of the record made to fit: a second
 * copy of the switch, because one instruction may not read both the
 * record and the stack; a subprogram, so the 64-bit path neither carries
 * the copy nor pays for it.
 */
static __noinline int bw_compat_enter(struct bw_sys_enter_ctx *ctx)
{
	struct bw_sys_enter_ctx c;

	return bw_enter_dispatch(&c, bw_compat_enter_nr(ctx, &c), 0);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int handle_sys_enter(struct bw_sys_enter_ctx *ctx)
{
	int nr = ctx->syscall_nr;

	if (bw_fail_closed_pending() && bw_fail_closed_kill(bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (!bw_enter_dispatch(ctx, nr, 1) && !bw_compat_enter_wanted(nr))
		return 0;
	if (bw_compat_syscall())
		return bw_compat_enter(ctx);
	return bw_enter_dispatch(ctx, nr, 0);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int handle_sys_exit(struct bw_sys_exit_ctx *ctx)
{
	int kind, k32;

	kind = bw_exit_kinds(ctx->syscall_nr, &k32);
	if (kind == BW_X_NONE && k32 == BW_X_NONE)
		return 0;
	if (bw_compat_syscall())
		kind = k32;
	return bw_exit_run(kind, ctx);
}

/*
 * Variant 4: the kernel's tracepoint of each syscall the hooks need
 * (syscalls:sys_enter_NAME and sys_exit_NAME, include/buildwarden_syscalls.h),
 * attached by kernel/loader_hooks.c. Every other syscall of the host then
 * runs no program at all: the kernel tests one bit for it, which measured
 * ~0-30 ns against ~200 ns for a program on every syscall. The kernel
 * never fires these for a 32-bit compat syscall, so the loader takes this
 * variant only where none can be made (x86_64 without IA32 emulation:
 * kernel/compat_probe.c), and not for fail-closed, which must see every
 * syscall of a job process. A syscall's record holds its own arguments
 * only, and the kernel refuses a program that reads past them: one entry
 * program per argument count, each serving the syscalls of that count; a
 * single exit program reads only the return value.
 */
static __always_inline int bw_sc_job(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return bpf_map_lookup_elem(&job_procs, &tgid) != NULL;
}

/*
 * read and write, the hottest syscalls of any host, are followed only for
 * DNS on a connected socket: until a job process has connected a socket
 * to port 53 neither can carry it, and that flag, an array the verifier
 * inlines, is cheaper than the job's hash lookup. (sendto, sendmsg and
 * recvfrom carry DNS without a connect: they keep the job lookup.)
 */
static __always_inline int bw_sc_needs_dns_connected(long nr, const int n)
{
	return n == 3 && (nr == NR_read || nr == NR_write);
}

/* A case for each syscall of n arguments; the others' handlers fold away. */
#define BW_SC_CASE(name, handler, nargs, exit, hooks)                          \
	case NR_##name:                                                        \
		return (nargs) == n ? handler(c) : 0;

static __always_inline int bw_sc_dispatch(struct bw_sys_enter_ctx *c, const int n)
{
	switch (c->syscall_nr) {
		BW_SYSCALLS(BW_SC_CASE)
	}
	return 0;
}

#define BW_SC_ENTER(n)                                                         \
	SEC("tracepoint")                                                      \
	int sc_enter_##n(struct bw_sys_enter_ctx *ctx)                         \
	{                                                                      \
		struct bw_sys_enter_ctx c = {};                                \
		int i;                                                         \
                                                                               \
		if ((bw_sc_needs_dns_connected(ctx->syscall_nr, n) &&          \
		     !bw_dns_connected()) ||                                   \
		    !bw_sc_job())                                              \
			return 0;                                              \
		c.syscall_nr = ctx->syscall_nr;                                \
		_Pragma("clang loop unroll(full)")                             \
		for (i = 0; i < (n); i++)                                      \
			c.args[i] = ctx->args[i];                              \
		return bw_sc_dispatch(&c, n);                                  \
	}

BW_SC_ENTER(1)
BW_SC_ENTER(2)
BW_SC_ENTER(3)
BW_SC_ENTER(4)
BW_SC_ENTER(5)
BW_SC_ENTER(6)

SEC("tracepoint")
int sc_exit(struct bw_sys_exit_ctx *ctx)
{
	struct bw_sys_exit_ctx x = { .syscall_nr = ctx->syscall_nr, .ret = ctx->ret };

	return bw_exit_run(bw_exit_kind(x.syscall_nr), &x);
}
