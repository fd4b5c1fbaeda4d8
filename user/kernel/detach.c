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
#include "lib/safefile.h"

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
static void keep_only_bpf(int keep, int keep2)
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

		if (de->d_name[0] == '.' || fd == self || fd == keep || fd == keep2 ||
		    is_bpf_object(self, de->d_name))
			continue;
		close(fd);
	}
	closedir(d);
}

/*
 * The holder outlives the agent by the detaches: its copy of the
 * environment (a CI's secrets, the job's markers) must not outlive it with
 * it. /proc/PID/environ reads the block at env_start..env_end (fields 50
 * and 51 of /proc/self/stat), which is ours to overwrite after the fork.
 */
static void scrub_environment(void)
{
	unsigned long start = 0, end = 0;
	char buf[2048], *p;
	int field;

	if (safe_read_small(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf)) < 0)
		return;
	/* Fields count from after the name, which may hold blanks and ')'. */
	p = strrchr(buf, ')');
	for (field = 2; p && field < 50; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %lu %lu", &start, &end) != 2 || !start || end <= start)
		return;
	memset((void *)start, 0, end - start);
	clearenv();
}

/*
 * A pidfd polls readable once its process has exited, which is after the
 * process closed its descriptors: from then on the holder's are the last.
 * One byte on ready says the holder let go of everything else.
 */
static void hold_until_exited(int pidfd, int ready)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	prctl(PR_SET_NAME, "bw-detach");
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	scrub_environment();
	keep_only_bpf(pidfd, ready);
	/* A failed write: the agent reads end of file at the close, the same. */
	(void)!write(ready, "", 1);
	close(ready);
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	/* _exit: the agent's state (atexit, stdio) is not the holder's. */
	_exit(0);
}

/* Until the holder let go of the environment and of every pipe the agent had. */
static void wait_ready(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
	close(fd);
}

bool detach_behind(void)
{
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0), ready[2];
	pid_t pid;

	if (pidfd < 0) {
		bw_debug("pidfd_open: %s; detaching in place", strerror(errno));
		return false;
	}
	if (pipe2(ready, O_CLOEXEC)) {
		bw_debug("pipe2: %s; detaching in place", strerror(errno));
		close(pidfd);
		return false;
	}
	fflush(NULL); /* the holder must not write our buffered output again */
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		hold_until_exited(pidfd, ready[1]);
	}
	close(pidfd);
	close(ready[1]);
	if (pid < 0) {
		close(ready[0]);
		bw_debug("cannot fork the detach holder: %s; detaching in place", strerror(errno));
		return false;
	}
	wait_ready(ready[0]);
	return true;
}
