/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Is the current syscall a 32-bit compat one? Its number and argument
 * registers then follow the compat ABI, and its pointers are 32-bit.
 *
 * x86_64: the kernel sets TS_COMPAT in thread_info.status at every 32-bit
 * entry (int 0x80, sysenter, syscall from 32-bit code) and clears it on
 * the way back to user mode, so the flag is what in_ia32_syscall() and
 * syscall_get_arguments() themselves test (6.1 to 6.18). It marks the
 * syscall, not the binary: a 64-bit program that issues int 0x80 is a
 * compat caller for that syscall, as the kernel treats it.
 *
 * arm64: only an AArch32 task can make a compat syscall, and its saved
 * PSTATE says so (PSR_MODE32_BIT, nRW, an architectural bit), the test
 * compat_user_mode() makes; thread flag numbers are not stable enough.
 *
 * Both read the task through its BTF pointer, a plain load: the 64-bit
 * common path pays a helper call, one load and one branch.
 */
#ifndef BW_COMPAT_H
#define BW_COMPAT_H

#include "lib/bw_core_types.h"
#include <bpf/bpf_helpers.h>

#define BW_TS_COMPAT 0x0002
#define BW_PSR_MODE32_BIT 0x10

static __always_inline int bw_compat_syscall(void)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *t = bpf_get_current_task_btf();

	return t->thread_info.status & BW_TS_COMPAT;
#elif defined(__TARGET_ARCH_arm64)
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	return regs && (regs->user_regs.pstate & BW_PSR_MODE32_BIT);
#else
	return 0;
#endif
}

#endif /* BW_COMPAT_H */
