/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The syscalls the network, file and privilege hooks follow, for their
 * per-syscall attachment (docs/ARCHITECTURE.md, "Network, file and
 * privilege hooks"): the one list bpf/syscalls.bpf.c dispatches from and
 * user/kernel/loader_hooks.c attaches tracepoints from.
 *
 * X(name, handler, nargs, exit, hooks):
 *   name     the syscall: tracepoints syscalls:sys_enter_NAME / sys_exit_NAME
 *   handler  its entry handler in bpf/hooks/ (a BPF symbol; userspace
 *            never expands it)
 *   nargs    its argument count in the kernel (SYSCALL_DEFINEn): the
 *            kernel refuses a program that reads past the record's last
 *            argument, so the entry program attached reads exactly these
 *   exit     1 when its exit is followed too (bw_exit_kind() has a case)
 *   hooks    the BW_HOOK_* that need it; connect also marks a process as a
 *            network writer for the file hooks, and a socket connected to
 *            port 53 turns on the DNS checks of write and read
 */
#ifndef BW_SYSCALLS_H
#define BW_SYSCALLS_H

#define BW_SYSCALLS(X)                                                                  \
	X(read, handle_read_enter, 3, 1, BW_HOOK_DNS)                                  \
	X(write, handle_write_enter, 3, 0, BW_HOOK_DNS)                                \
	X(sendto, handle_sendto_enter, 6, 0, BW_HOOK_DNS)                              \
	X(sendmsg, handle_sendmsg_enter, 3, 0, BW_HOOK_DNS)                            \
	X(sendmmsg, handle_sendmmsg_enter, 4, 0, BW_HOOK_DNS)                          \
	X(recvfrom, handle_recvfrom_enter, 6, 1, BW_HOOK_DNS)                          \
	X(recvmsg, handle_recvmsg_enter, 3, 1, BW_HOOK_DNS)                            \
	X(connect, handle_connect_enter, 3, 1, BW_HOOK_CONNECT | BW_HOOK_FILE | BW_HOOK_DNS) \
	X(openat, handle_openat_enter, 4, 1, BW_HOOK_FILE)                             \
	X(openat2, handle_openat2_enter, 4, 1, BW_HOOK_FILE)                           \
	X(open, handle_open_enter, 3, 1, BW_HOOK_FILE)                                 \
	X(creat, handle_creat_enter, 2, 1, BW_HOOK_FILE)                               \
	X(renameat2, handle_renameat2_enter, 5, 1, BW_HOOK_FILE)                       \
	X(renameat, handle_renameat_enter, 4, 1, BW_HOOK_FILE)                         \
	X(rename, handle_rename_enter, 2, 1, BW_HOOK_FILE)                             \
	X(unlinkat, handle_unlinkat_enter, 3, 1, BW_HOOK_FILE)                         \
	X(unlink, handle_unlink_enter, 1, 1, BW_HOOK_FILE)                             \
	X(linkat, handle_linkat_enter, 5, 1, BW_HOOK_FILE)                             \
	X(link, handle_link_enter, 2, 1, BW_HOOK_FILE)                                 \
	X(symlinkat, handle_symlinkat_enter, 3, 1, BW_HOOK_FILE)                       \
	X(symlink, handle_symlink_enter, 2, 1, BW_HOOK_FILE)                           \
	X(chmod, handle_chmod_enter, 2, 1, BW_HOOK_FILE)                               \
	X(fchmod, handle_fchmod_enter, 2, 1, BW_HOOK_FILE)                             \
	X(fchmodat, handle_fchmodat_enter, 3, 1, BW_HOOK_FILE)                         \
	X(fchmodat2, handle_fchmodat_enter, 4, 1, BW_HOOK_FILE)                        \
	X(setxattr, handle_setxattr_enter, 5, 1, BW_HOOK_FILE)                         \
	X(lsetxattr, handle_setxattr_enter, 5, 1, BW_HOOK_FILE)                        \
	X(fsetxattr, handle_fsetxattr_enter, 5, 1, BW_HOOK_FILE)                       \
	X(setxattrat, handle_setxattrat_enter, 6, 1, BW_HOOK_FILE)                     \
	X(process_vm_readv, handle_process_vm_readv, 6, 0, BW_HOOK_PRIV)               \
	X(process_vm_writev, handle_process_vm_writev, 6, 0, BW_HOOK_PRIV)             \
	X(ptrace, handle_ptrace, 4, 0, BW_HOOK_PRIV)                                   \
	X(setuid, handle_setuid, 1, 0, BW_HOOK_PRIV)                                   \
	X(setreuid, handle_setreuid, 2, 0, BW_HOOK_PRIV)                               \
	X(setresuid, handle_setresuid, 3, 0, BW_HOOK_PRIV)                             \
	X(setfsuid, handle_setfsuid, 1, 0, BW_HOOK_PRIV)                               \
	X(setgid, handle_setgid, 1, 0, BW_HOOK_PRIV)                                   \
	X(setregid, handle_setregid, 2, 0, BW_HOOK_PRIV)                               \
	X(setresgid, handle_setresgid, 3, 0, BW_HOOK_PRIV)                             \
	X(setfsgid, handle_setfsgid, 1, 0, BW_HOOK_PRIV)                               \
	X(mount, handle_mount, 5, 0, BW_HOOK_PRIV)                                     \
	X(bpf, handle_bpf, 3, 0, BW_HOOK_PRIV)                                         \
	X(init_module, handle_init_module, 3, 0, BW_HOOK_PRIV)                         \
	X(finit_module, handle_finit_module, 3, 0, BW_HOOK_PRIV)                       \
	X(memfd_create, handle_memfd_create, 2, 0, BW_HOOK_PRIV)                       \
	X(kill, handle_kill, 2, 0, BW_HOOK_PRIV)                                       \
	X(tgkill, handle_tgkill, 3, 0, BW_HOOK_PRIV)                                   \
	X(tkill, handle_tkill, 2, 0, BW_HOOK_PRIV)

/* The most arguments a syscall has: one entry program per count up to it. */
#define BW_SYSCALL_MAX_ARGS 6

#define BW_SYSCALLS_ONE_(name, handler, nargs, exit, hooks) +1
enum { BW_SYSCALLS_N = 0 BW_SYSCALLS(BW_SYSCALLS_ONE_) };

#endif /* BW_SYSCALLS_H */
