/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `run` handing its build to a daemon on this host that already holds the
 * programs loaded and attached (lib/run_proto.h, docs/DAEMON.md "Runs
 * through the daemon"): no load, no attach, no detach of our own.
 */
#ifndef BW_RUN_HANDOVER_H
#define BW_RUN_HANDOVER_H

#include "lib/privdrop.h"

/* Where a daemon takes runs when neither --daemon-socket nor the variable names one. */
#define RUN_SOCKET_DEFAULT "/run/buildwarden/run.sock"
#define RUN_SOCKET_ENV "BUILDWARDEN_RUN_SOCKET"

struct run_handover {
	const char *socket;      /* the daemon's run socket */
	bool asked;              /* named on the command line: say why it was not used */
	const char *exe;         /* the command, resolved */
	char **cmd;
	const char *policy_path; /* NULL: the embedded default policy */
	const char *events_path; /* NULL: a temporary stream */
	const struct build_user *user;
	/* Reads what the stream at stream_path gained, now and then while the build runs. */
	void (*follow)(void *arg, const char *stream_path);
	/* Writes the reports from the finished stream at stream_path: 0 or -errno. */
	int (*render)(void *arg, const char *stream_path);
	void *arg;
};

/*
 * The build's exit status as run reports it, or -EAGAIN: nobody took the
 * build (no daemon, or it refused it) and nothing was started, so run
 * goes on standalone.
 */
int run_handover(const struct run_handover *h);

#endif /* BW_RUN_HANDOVER_H */
