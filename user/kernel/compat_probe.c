// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kernel/compat_probe.h"
#include "lib/log.h"

#if defined(__x86_64__)
#define PROBE_STACK 16384

/* The child: ia32's getpid (20) through int 0x80, then gone. */
static int int80_child(void *arg)
{
	long ret = 20;

	(void)arg;
	signal(SIGSEGV, SIG_DFL); /* its own table: a sanitizer's handler would catch it */
	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	return 0;
}

/*
 * A child makes ia32's getpid through int 0x80. Without IA32 emulation
 * (CONFIG_IA32_EMULATION off, or ia32_emulation=false) the kernel has no
 * int 0x80 gate and the child dies of SIGSEGV; the same switch also takes
 * away sysenter, the 32-bit syscall instruction and 32-bit programs. Any
 * other end (it returned, or died otherwise) counts as possible.
 *
 * The child shares our memory (CLONE_VM, and we wait while it runs,
 * CLONE_VFORK) instead of being forked: a fork write-protects every page
 * of the heap warmed for the BPF load, and each later write to one then
 * traps. It touches nothing but its own stack; without CLONE_SIGHAND its
 * signal handlers are a copy, so it can set SIGSEGV's default for itself.
 */
static bool int80_works(void)
{
	char *stack = malloc(PROBE_STACK);
	int status;
	pid_t pid;

	if (!stack) {
		bw_debug("compat probe: out of memory; assuming 32-bit syscalls are possible");
		return true;
	}
	pid = clone(int80_child, stack + PROBE_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	if (pid < 0) {
		bw_debug("compat probe: clone: %s; assuming 32-bit syscalls are possible",
			 strerror(errno));
		free(stack);
		return true;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			bw_debug("compat probe: waitpid %d: %s; assuming 32-bit syscalls are possible",
				 (int)pid, strerror(errno));
			free(stack);
			return true;
		}
	}
	free(stack);
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
