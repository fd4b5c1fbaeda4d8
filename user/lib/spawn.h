/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Starting the build so that no instruction of it runs before it is
 * watched: the child is forked stopped on a pipe, added to the job scope,
 * and only then released to exec.
 */
#ifndef BW_SPAWN_H
#define BW_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "lib/privdrop.h"

struct spawn {
	pid_t pid;
	int go_fd;  /* write end: releases the child */
	int err_fd; /* read end: errno if exec failed, EOF if it succeeded */
};

/* Resolve cmd like execvp would; 0 with *out set (caller frees) or -errno. */
int spawn_resolve(const char *cmd, char **out);
/* Fork the child, parked before exec with the signal mask restored to orig. */
int spawn_prepare(struct spawn *s, const char *path, char *const argv[], const sigset_t *orig,
		  const struct build_user *user);
/* Let it exec; returns 0, or the child's exec errno as -errno. */
int spawn_release(struct spawn *s);
void spawn_close(struct spawn *s);
/* A wait status as a shell reports it: the exit code, or 128+N after signal N. */
int spawn_exit_status(int wait_status);

struct signalfd_siginfo;
/*
 * A signal the agent received (not SIGCHLD): a terminal's ^C reaches the
 * whole foreground process group, the build included, so only signals
 * sent to the agent alone (kill, a CI runner) are forwarded to the build.
 */
void spawn_forward_signal(const struct spawn *s, const struct signalfd_siginfo *si,
			  bool child_done);

#endif /* BW_SPAWN_H */
