/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The local socket through which `run` hands its build to a daemon that
 * already holds the programs loaded and attached (docs/DAEMON.md, "Runs
 * through the daemon"). One SOCK_SEQPACKET message per step, a fixed
 * header, then text; descriptors travel as SCM_RIGHTS:
 *
 *   run -> daemon  START   root_pid (forked, parked before its exec);
 *                          text "POLICY_NAME\0POLICY_TEXT" (both empty:
 *                          the daemon's embedded default); fd: the stream
 *   daemon -> run  STARTED job_id: the root is in the job's scope
 *                  REFUSED value = errno; text says why (a policy's
 *                          FILE:LINE:COL messages when EINVAL)
 *   run -> daemon  END     value = the root's wait status (run reaped it)
 *   daemon -> run  ENDED   value = the job's exit status, flags RUNP_*;
 *                          text: the block that says why the job was killed
 */
#ifndef BW_RUN_PROTO_H
#define BW_RUN_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define RUNP_VERSION 1
/* Fits the default socket buffer (net.core.wmem_default is 208 KiB). */
#define RUNP_TEXT_MAX (160u * 1024u)
#define RUNP_FDS_MAX 2

enum runp_type {
	RUNP_START = 1,
	RUNP_STARTED,
	RUNP_REFUSED,
	RUNP_END,
	RUNP_ENDED,
};

#define RUNP_JOB_KILLED 0x1u    /* a kill-job verdict ended the job */
#define RUNP_AGENT_STOPPED 0x2u /* the daemon stopped before the root exited */

struct runp_hdr {
	uint32_t type;
	uint32_t version;
	uint32_t root_pid;
	int32_t value;
	uint32_t flags;
	uint32_t text_len;
	uint64_t job_id;
};

struct runp_msg {
	struct runp_hdr h;
	char *text;          /* NUL-terminated (h.text_len bytes before it); malloc'd */
	int fds[RUNP_FDS_MAX];
	unsigned int n_fds;
};

/* A listening socket at path, mode 0600; a stale socket file is replaced. -errno. */
int runp_listen(const char *path);
/* Connected to path, or -errno. */
int runp_connect(const char *path);
int runp_send(int fd, const struct runp_hdr *h, const char *text, size_t len, const int *fds,
	      unsigned int n_fds);
/*
 * One message into m (free it with runp_msg_free): 0, -ECONNRESET at the
 * peer's close, -EPROTO for a malformed one, or -errno.
 */
int runp_recv(int fd, struct runp_msg *m);
void runp_msg_free(struct runp_msg *m);

#endif /* BW_RUN_PROTO_H */
