// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kernel/compat_probe.h"
#include "lib/log.h"

#if defined(__x86_64__)
/*
 * A child makes ia32's getpid (20) through int 0x80. Without IA32
 * emulation (CONFIG_IA32_EMULATION off, or ia32_emulation=false) the
 * kernel has no int 0x80 gate and the child dies of SIGSEGV; the same
 * switch also takes away sysenter, the 32-bit syscall instruction and
 * 32-bit programs. Any other end (it returned, or died otherwise) counts
 * as possible.
 *
 * vfork, not fork: the child shares our memory while we wait, where a
 * fork would write-protect every page of the heap warmed for the BPF load
 * and make each later write to one trap. The child only sets its own
 * SIGSEGV disposition (the handler table is a copy: a sanitizer's handler
 * would catch the fault) and leaves through the fault or _exit.
 */
static bool int80_works(void)
{
	int status;
	pid_t pid = vfork();

	if (pid == 0) {
		long ret = 20;

		signal(SIGSEGV, SIG_DFL);
		__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
		_exit(0);
	}
	if (pid < 0) {
		bw_debug("compat probe: vfork: %s; assuming 32-bit syscalls are possible",
			 strerror(errno));
		return true;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			bw_debug("compat probe: waitpid %d: %s; assuming 32-bit syscalls are possible",
				 (int)pid, strerror(errno));
			return true;
		}
	}
	return !(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}
#endif

bool compat_syscalls_possible(void)
{
#if defined(__x86_64__)
	return int80_works();
#else
	/* arm64: AArch32 at EL0 is the CPU's, with no cheap sure test. */
	return true;
#endif
}
