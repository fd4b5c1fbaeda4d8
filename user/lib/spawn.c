// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/spawn.h"

static int check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EACCES;
	if (access(path, X_OK))
		return -errno;
	return 0;
}

/*
 * Searching PATH here, not with execvp in the child, keeps the failed
 * probes of each PATH entry out of the job's exec_failed records.
 */
int spawn_resolve(const char *cmd, char **out)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	const char *p, *end;
	int err, first_err = -ENOENT;

	*out = NULL;
	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		err = check_exec(cmd);
		if (!err && !(*out = strdup(cmd)))
			return -ENOMEM;
		return err;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = end + 1) {
		int dlen;
		const char *dir;

		end = strchrnul(p, ':');
		dlen = (int)(end - p);
		dir = dlen ? p : "."; /* an empty PATH entry means the cwd */
		if (snprintf(buf, sizeof(buf), "%.*s/%s", dlen ? dlen : 1, dir, cmd) <
		    (int)sizeof(buf)) {
			err = check_exec(buf);
			if (!err) {
				*out = strdup(buf);
				return *out ? 0 : -ENOMEM;
			}
			if (err == -EACCES)
				first_err = err;
		}
		if (!*end)
			break;
	}
	return first_err;
}

static void child_main(int go_rd, int err_wr, const char *path, char *const argv[],
		       const sigset_t *orig, const struct build_user *user)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	char c = 0;
	int e;

	/* The agent blocks and catches signals; the build gets the defaults. */
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGHUP, &dfl, NULL);
	sigaction(SIGQUIT, &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	sigprocmask(SIG_SETMASK, orig, NULL);
	while (read(go_rd, &c, 1) < 0 && errno == EINTR)
		;
	if (c != 'g')
		_exit(127); /* the agent gave up before releasing us */
	e = -privdrop_become(user);
	if (!e) {
		execv(path, argv);
		e = errno;
	}
	if (write(err_wr, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
}

int spawn_prepare(struct spawn *s, const char *path, char *const argv[], const sigset_t *orig,
		  const struct build_user *user)
{
	int go[2] = { -1, -1 }, er[2] = { -1, -1 };
	int err;

	s->pid = -1;
	s->go_fd = s->err_fd = -1;
	if (pipe2(go, O_CLOEXEC) || pipe2(er, O_CLOEXEC)) {
		err = -errno;
		bw_err("cannot create pipes for the build: %s", strerror(errno));
		goto cleanup;
	}
	s->pid = fork();
	if (s->pid < 0) {
		err = -errno;
		bw_err("cannot fork the build: %s", strerror(errno));
		goto cleanup;
	}
	if (s->pid == 0) {
		close(go[1]);
		close(er[0]);
		child_main(go[0], er[1], path, argv, orig, user);
	}
	close(go[0]);
	close(er[1]);
	s->go_fd = go[1];
	s->err_fd = er[0];
	return 0;
cleanup:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (er[i] >= 0)
			close(er[i]);
	}
	return err;
}

int spawn_release(struct spawn *s)
{
	ssize_t n;
	int e = 0;

	if (write(s->go_fd, "g", 1) != 1) {
		int err = -errno;

		bw_err("cannot release the build (pid %d): %s", s->pid, strerror(errno));
		return err;
	}
	close(s->go_fd);
	s->go_fd = -1;
	do
		n = read(s->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(s->err_fd);
	s->err_fd = -1;
	return n == (ssize_t)sizeof(e) ? -e : 0;
}

/* Never leaves a parked child behind: closing go_fd makes it exit. */
void spawn_close(struct spawn *s)
{
	if (s->go_fd >= 0)
		close(s->go_fd);
	if (s->err_fd >= 0)
		close(s->err_fd);
	s->go_fd = s->err_fd = -1;
}

void spawn_forward_signal(const struct spawn *s, const struct signalfd_siginfo *si,
			  bool child_done)
{
	bool from_tty = si->ssi_code == SI_KERNEL && getpgid(s->pid) == getpgrp();
	const char *name = sigabbrev_np((int)si->ssi_signo);

	if (from_tty)
		bw_info("received SIG%s from the terminal", name ? name : "?");
	else
		bw_warn("received SIG%s from pid %u (uid %u), forwarding to the build",
			name ? name : "?", si->ssi_pid, si->ssi_uid);
	if (!from_tty && !child_done)
		kill(s->pid, (int)si->ssi_signo);
}

int spawn_exit_status(int wait_status)
{
	if (WIFSIGNALED(wait_status))
		return 128 + WTERMSIG(wait_status);
	return WEXITSTATUS(wait_status);
}
