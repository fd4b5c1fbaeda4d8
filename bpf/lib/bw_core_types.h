/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel types buildwarden's BPF programs read, and only those.
 *
 * Every struct carries preserve_access_index, so clang records each field
 * access as a CO-RE relocation and libbpf fixes the offsets against the
 * running kernel's BTF at load time. Field names must match the kernel's;
 * order and the absence of other fields do not matter. Why a hand-kept
 * header rather than a bpftool-generated vmlinux.h: docs/ARCHITECTURE.md.
 */
#ifndef BW_CORE_TYPES_H
#define BW_CORE_TYPES_H

#include <linux/types.h>
#include <linux/bpf.h>

typedef __u32 u32;
typedef __u64 u64;
typedef int pid_t;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	__u32 val;
} kuid_t;

typedef struct {
	__u32 val;
} kgid_t;

struct qstr {
	union {
		struct {
			__u32 hash;
			__u32 len;
		};
		__u64 hash_len;
	};
	const unsigned char *name;
};

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
};

struct vfsmount {
	struct dentry *mnt_root;
};

/* Private to fs/, but present in BTF; needed to cross mount points. */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	__u32 i_rdev; /* dev_t: (major << 20) | minor */
	union {
		const unsigned int i_nlink;
		unsigned int __i_nlink;
	};
};

struct file {
	struct path f_path;
	struct inode *f_inode;
	void *private_data;
	unsigned int f_mode; /* fmode_t: FMODE_READ 0x1, FMODE_WRITE 0x2 */
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
};

struct sock_common {
	__u32 skc_daddr;  /* network order */
	__u16 skc_dport; /* network order */
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
};

struct sock {
	struct sock_common __sk_common;
};

struct socket {
	short type;
	struct sock *sk;
};

struct fs_struct {
	struct path pwd;
};

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
};

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kgid_t egid;
};

struct signal_struct {
	atomic_t live;
};

/*
 * x86: status holds TS_COMPAT while the task is in a 32-bit syscall (int
 * 0x80, sysenter, a compat syscall instruction), whatever its binary.
 * arm64 has no such field; its compat syscalls come from AArch32 tasks,
 * told by the saved PSTATE (struct pt_regs below).
 */
#if defined(__TARGET_ARCH_x86)
struct thread_info {
	__u32 status;
};
#elif defined(__TARGET_ARCH_arm64)
struct user_pt_regs {
	__u64 regs[31];
	__u64 pstate;
};
#endif

/*
 * The registers a syscall entered with, as the raw sys_enter/sys_exit
 * tracepoints hand them over: the arguments (x86_64: di, si, dx, r10, r8,
 * r9; ia32: bx, cx, dx, si, di, bp; arm64 and AArch32: x0-x5, with x0 as
 * it was at entry in orig_x0, since the return value overwrites x0) and
 * the syscall's number for the exit (orig_ax, syscallno).
 */
#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long bp;
	unsigned long bx;
	unsigned long dx;
	unsigned long cx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
};
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
	struct user_pt_regs user_regs;
	__u64 orig_x0;
	__s32 syscallno;
};
#endif

struct task_struct {
#if defined(__TARGET_ARCH_x86)
	struct thread_info thread_info;
#endif
	pid_t pid;
	pid_t tgid;
	__u64 start_time;
	int exit_code;
	char comm[16];
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct mm_struct *mm;
	struct fs_struct *fs;
	struct files_struct *files;
	const struct cred *cred;
	struct signal_struct *signal;
	__u64 parent_exec_id;
	__u64 self_exec_id;
};

struct linux_binprm {
	struct file *file;
	const char *filename;
	const char *interp; /* != filename once a #! or binfmt_misc handler took over */
	int argc;
};

#pragma clang attribute pop

/* User ABI structs (stable, not CO-RE): what connect/sendmsg callers pass. */
struct bw_sockaddr {
	__u16 family;
	__u16 port; /* network order, for AF_INET and AF_INET6 */
	__u32 v4_or_flowinfo;
	__u8 v6[16];
	__u32 scope_id;
};

struct bw_iovec {
	__u64 base;
	__u64 len;
};

struct bw_msghdr {
	__u64 name;
	__u32 namelen;
	__u32 pad;
	__u64 iov;
	__u64 iovlen;
	__u64 control;
	__u64 controllen;
	__u32 flags;
	__u32 pad2;
};

/* What a 32-bit caller passes instead (compat_msghdr, compat_iovec): 32-bit pointers. */
struct bw_msghdr32 {
	__u32 name;
	__u32 namelen;
	__u32 iov;
	__u32 iovlen;
	__u32 control;
	__u32 controllen;
	__u32 flags;
};

struct bw_iovec32 {
	__u32 base;
	__u32 len;
};

/*
 * Syscall tracepoint records. These are not kernel structs but the stable
 * layout tracefs documents in events/syscalls/sys_{enter,exit}_execve/format:
 * 8 bytes of common fields, the syscall number, then one 8-byte slot per
 * argument (or the return value).
 *
 * compat is the upper half of the tracepoint's 8-byte syscall number: 0
 * for every syscall the dispatch handles. The compat dispatch hands the
 * handlers its own copy of the record (32-bit arguments, socketcall
 * unpacked) with compat set to 1, which is how they know.
 */
struct bw_sys_enter_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 compat;
	__u64 args[6];
};

struct bw_sys_exit_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__s64 ret;
};

#endif /* BW_CORE_TYPES_H */
