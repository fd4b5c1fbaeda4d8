/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Syscall numbers the dispatcher needs, per target architecture (64-bit
 * ABIs only). A negative number marks a syscall the architecture does not have.
 */
#ifndef BW_SYSCALL_NR_H
#define BW_SYSCALL_NR_H

#if defined(__TARGET_ARCH_x86)
#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_kill 62
#define NR_rename 82
#define NR_unlink 87
#define NR_connect 42
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_ptrace 101
#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_setfsuid 122
#define NR_setfsgid 123
#define NR_mount 165
#define NR_init_module 175
#define NR_tkill 200
#define NR_tgkill 234
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_openat 257
#define NR_sendmmsg 307
#define NR_finit_module 313
#define NR_renameat2 316
#define NR_memfd_create 319
#define NR_bpf 321
#define NR_openat2 437
#define NR_chmod 90
#define NR_fchmod 91
#define NR_fchmodat 268
#define NR_setxattr 188
#define NR_lsetxattr 189
#define NR_fsetxattr 190
#define NR_process_vm_readv 310
#define NR_process_vm_writev 311
#define NR_fchmodat2 452  /* 6.6+ */
#define NR_setxattrat 463 /* 6.13+ */
#elif defined(__TARGET_ARCH_arm64)
/* asm-generic/unistd.h: no open, rename, unlink or chmod */
#define NR_open -2
#define NR_rename -3
#define NR_unlink -4
#define NR_chmod -5
#define NR_setxattr 5
#define NR_lsetxattr 6
#define NR_fsetxattr 7
#define NR_unlinkat 35
#define NR_renameat 38
#define NR_read 63
#define NR_write 64
#define NR_mount 40
#define NR_fchmod 52
#define NR_fchmodat 53
#define NR_openat 56
#define NR_init_module 105
#define NR_ptrace 117
#define NR_kill 129
#define NR_tkill 130
#define NR_tgkill 131
#define NR_setregid 143
#define NR_setgid 144
#define NR_setreuid 145
#define NR_setuid 146
#define NR_setresuid 147
#define NR_setresgid 149
#define NR_setfsuid 151
#define NR_setfsgid 152
#define NR_connect 203
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_sendmsg 211
#define NR_recvmsg 212
#define NR_sendmmsg 269
#define NR_process_vm_readv 270
#define NR_process_vm_writev 271
#define NR_finit_module 273
#define NR_renameat2 276
#define NR_memfd_create 279
#define NR_bpf 280
#define NR_openat2 437
#define NR_fchmodat2 452  /* 6.6+ */
#define NR_setxattrat 463 /* 6.13+ */
#else
#error "buildwarden's syscall table knows x86 and arm64; set __TARGET_ARCH_x86 or _arm64"
#endif

#endif /* BW_SYSCALL_NR_H */
