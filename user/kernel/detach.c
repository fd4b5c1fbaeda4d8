// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kernel/detach.h"
#include "lib/log.h"

/* The child runs on the caller's stack frame while the caller is suspended (CLONE_VFORK). */
#define HOLDER_STACK 32768

struct hold_plan {
	int pidfd;
	char pidfd_arg[16];
	int err; /* the child's -errno when it could not exec; shared memory, read after it left */
};

/*
 * Anonymous inodes carry no file type: BPF maps, programs, links and the
 * perf events tracepoint links hold are among them, and none keeps a pipe
 * or a file open. Only they cross the exec; everything else is closed by
 * it, so no pipe of the CI waits for the holder.
 */
static int mark_kept(int fd, int self)
{
	struct stat st;

	if (fd == self)
		return 0;
	if (fstat(fd, &st))
		return -errno;
	if (fcntl(fd, F_SETFD, (st.st_mode & S_IFMT) ? FD_CLOEXEC : 0))
		return -errno;
	return 0;
}

/* Runs in the vfork child: system calls only, no allocation, no stdio. */
static int keep_only_anon_inodes(void)
{
	_Alignas(8) char buf[2048];
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (dir < 0)
		return -errno;
	while (!err && (n = getdents64(dir, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n && !err;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);

			off += de->d_reclen;
			if (de->d_name[0] != '.')
				err = mark_kept(atoi(de->d_name), dir);
		}
	}
	if (!err && n < 0)
		err = -errno;
	close(dir);
	return err;
}

/*
 * The holder is a fresh image with an empty environment: the agent's
 * (a CI's secrets, the job's markers) is not in it for /proc/PID/environ
 * to show, and its memory is not a copy of the agent's to page-table copy.
 */
static int holder_child(void *arg)
{
	struct hold_plan *p = arg;
	char *argv[] = { "bw-detach", DETACH_HOLDER_COMMAND, p->pidfd_arg, NULL };
	char *envp[] = { NULL };
	int err = keep_only_anon_inodes();

	if (!err && fcntl(p->pidfd, F_SETFD, 0))
		err = -errno;
	if (!err) {
		execve("/proc/self/exe", argv, envp);
		err = -errno;
	}
	p->err = err ? err : -EINVAL;
	_exit(127);
}

bool detach_behind(void)
{
	_Alignas(16) char stack[HOLDER_STACK];
	struct hold_plan plan = { .pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0) };
	sigset_t all, old;
	pid_t pid;

	if (plan.pidfd < 0) {
		bw_debug("pidfd_open: %s; detaching in place", strerror(errno));
		return false;
	}
	snprintf(plan.pidfd_arg, sizeof(plan.pidfd_arg), "%d", plan.pidfd);
	fflush(NULL); /* nothing of ours is buffered once we leave */
	/* No handler of ours may run in the child, which shares our memory until its exec. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = clone(holder_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(plan.pidfd);
	if (pid < 0) {
		bw_debug("cannot start the detach holder: %s; detaching in place", strerror(errno));
		return false;
	}
	if (plan.err) {
		waitpid(pid, NULL, 0);
		bw_debug("the detach holder could not start: %s; detaching in place",
			 strerror(-plan.err));
		return false;
	}
	return true;
}

/*
 * A pidfd polls readable once its process has exited, which is after the
 * process closed its descriptors: from then on the holder's are the last.
 */
int detach_hold(int argc, char **argv)
{
	struct pollfd p = { .events = POLLIN };
	sigset_t none;
	char *end = NULL;
	long fd = -1;

	prctl(PR_SET_NAME, "bw-detach");
	/* Whoever ends the job's process group must not end the detaches' wait early. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL); /* the agent had them all blocked */
	if (argc == 2)
		fd = strtol(argv[1], &end, 10);
	if (fd < 0 || fd > INT_MAX || end == argv[1] || *end) {
		bw_err("%s: expects the descriptor of a pidfd (run starts it; not for use by hand)",
		       DETACH_HOLDER_COMMAND);
		return 2;
	}
	p.fd = (int)fd;
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	return 0;
}
