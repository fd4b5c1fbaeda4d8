/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Syscall numbers the dispatcher needs, per target architecture: NR_* of
 * the native 64-bit ABI (a negative number marks a syscall the
 * architecture does not have), NR32_* of its 32-bit compat ABI (ia32 on
 * x86_64, arm EABI on arm64), which bpf/hooks/bw_compat.bpf.h maps onto
 * the native ones.
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
#define NR_creat 85
#define NR_link 86
#define NR_symlink 88
#define NR_linkat 265
#define NR_symlinkat 266

/* ia32: arch/x86/entry/syscalls/syscall_32.tbl */
#define NR32_socketcall 102
#define NR32_tgkill 270
#define NR32_openat 295
#define NR32_unlinkat 301
#define NR32_renameat 302
#define NR32_linkat 303
#define NR32_symlinkat 304
#define NR32_fchmodat 306
#define NR32_sendmmsg 345
#define NR32_process_vm_readv 347
#define NR32_process_vm_writev 348
#define NR32_finit_module 350
#define NR32_renameat2 353
#define NR32_memfd_create 356
#define NR32_bpf 357
#define NR32_connect 362
#define NR32_sendto 369
#define NR32_sendmsg 370
#define NR32_recvfrom 371
#define NR32_recvmsg 372
#define NR32_send -100 /* arm EABI only */
#define NR32_recv -101
#elif defined(__TARGET_ARCH_arm64)
/* asm-generic/unistd.h: no open, rename, unlink, chmod, creat, link or symlink */
#define NR_open -2
#define NR_rename -3
#define NR_unlink -4
#define NR_chmod -5
#define NR_creat -6
#define NR_link -7
#define NR_symlink -8
#define NR_symlinkat 36
#define NR_linkat 37
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

/*
 * arm EABI (arch/arm/tools/syscall.tbl), the only compat ABI arm64 runs:
 * no socketcall (arm64 wires it to sys_ni_syscall), but send and recv.
 */
#define NR32_socketcall -100 /* ia32 only */
#define NR32_tgkill 268
#define NR32_connect 283
#define NR32_send 289
#define NR32_sendto 290
#define NR32_recv 291
#define NR32_recvfrom 292
#define NR32_sendmsg 296
#define NR32_recvmsg 297
#define NR32_openat 322
#define NR32_unlinkat 328
#define NR32_renameat 329
#define NR32_linkat 330
#define NR32_symlinkat 331
#define NR32_fchmodat 333
#define NR32_sendmmsg 374
#define NR32_process_vm_readv 376
#define NR32_process_vm_writev 377
#define NR32_finit_module 379
#define NR32_renameat2 382
#define NR32_memfd_create 385
#define NR32_bpf 386
#else
#error "buildwarden's syscall table knows x86 and arm64; set __TARGET_ARCH_x86 or _arm64"
#endif

/*
 * Numbered alike in ia32 and arm EABI, which both kept i386's old table
 * (arch/x86/entry/syscalls/syscall_32.tbl, arch/arm/tools/syscall.tbl).
 */
#define NR32_read 3
#define NR32_write 4
#define NR32_open 5
#define NR32_creat 8
#define NR32_link 9
#define NR32_unlink 10
#define NR32_chmod 15
#define NR32_mount 21
#define NR32_setuid16 23
#define NR32_ptrace 26
#define NR32_kill 37
#define NR32_rename 38
#define NR32_setgid16 46
#define NR32_setreuid16 70
#define NR32_setregid16 71
#define NR32_symlink 83
#define NR32_fchmod 94
#define NR32_init_module 128
#define NR32_setfsuid16 138
#define NR32_setfsgid16 139
#define NR32_setresuid16 164
#define NR32_setresgid16 170
#define NR32_setreuid 203
#define NR32_setregid 204
#define NR32_setresuid 208
#define NR32_setresgid 210
#define NR32_setuid 213
#define NR32_setgid 214
#define NR32_setfsuid 215
#define NR32_setfsgid 216
#define NR32_setxattr 226
#define NR32_lsetxattr 227
#define NR32_fsetxattr 228
#define NR32_tkill 238

/* Numbered alike in every ABI since 4.18's unified table. */
#define NR32_openat2 437
#define NR32_fchmodat2 452
#define NR32_setxattrat 463

#endif /* BW_SYSCALL_NR_H */
