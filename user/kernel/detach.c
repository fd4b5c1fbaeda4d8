// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "kernel/detach.h"
#include "lib/log.h"

/* BPF maps, programs and links, and the perf events tracepoint links hold. */
static bool is_bpf_object(int dirfd, const char *name)
{
	char target[64];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

	if (n < 0)
		return false;
	target[n] = '\0';
	return !strncmp(target, "anon_inode:bpf", 14) ||
	       !strcmp(target, "anon_inode:[perf_event]");
}

/*
 * Everything else is closed: a pipe the holder kept open (the agent's
 * output, one it inherited) would make its reader wait for the holder too.
 */
static void keep_only_bpf(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self;

	if (!d) {
		for (int fd = 0; fd < 3; fd++)
			close(fd);
		return;
	}
	self = dirfd(d);
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == self || fd == keep || is_bpf_object(self, de->d_name))
			continue;
		close(fd);
	}
	closedir(d);
}

/*
 * A pidfd polls readable once its process has exited, which is after the
 * process closed its descriptors: from then on the holder's are the last.
 */
static void hold_until_exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	prctl(PR_SET_NAME, "bw-detach");
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	keep_only_bpf(pidfd);
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	/* _exit: the agent's state (atexit, stdio) is not the holder's. */
	_exit(0);
}

bool detach_behind(void)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	pid_t pid;

	if (pidfd < 0) {
		bw_debug("pidfd_open: %s; detaching in place", strerror(errno));
		return false;
	}
	fflush(NULL); /* the holder must not write our buffered output again */
	pid = fork();
	if (pid == 0)
		hold_until_exited(pidfd);
	close(pidfd);
	if (pid < 0) {
		bw_debug("cannot fork the detach holder: %s; detaching in place", strerror(errno));
		return false;
	}
	return true;
}
