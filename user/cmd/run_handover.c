// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cmd/run_handover.h"
#include "lib/clock.h"
#include "lib/exit_codes.h"
#include "lib/log.h"
#include "lib/run_proto.h"
#include "lib/safefile.h"
#include "lib/spawn.h"
#include "pipeline/engine.h"

/* The daemon answers a start at once; an end once the job's stream is complete. */
#define START_TIMEOUT_MS 5000
#define END_TIMEOUT_MS 30000
/* How often the report reads what the daemon wrote while the build runs. */
#define FOLLOW_PERIOD_MS 250

struct handover {
	const struct run_handover *h;
	int sock;
	int sigfd;
	sigset_t orig_mask;
	FILE *stream;
	char stream_path[64]; /* "/proc/self/fd/N": ours, on an offset of its own */
	bool followable;      /* a regular file: read while the daemon writes it */
	char *request; /* "POLICY_NAME\0POLICY_TEXT" */
	size_t request_len;
	struct spawn child;
	bool child_done;
	int child_status;
};

/* "NAME\0TEXT" of the policy file, or both empty for the embedded default. */
static int read_policy(struct handover *o)
{
	const char *path = o->h->policy_path;
	size_t name_len, n;
	FILE *f;

	if (!path) {
		o->request = calloc(1, 2);
		o->request_len = 1;
		return o->request ? 0 : -ENOMEM;
	}
	name_len = strlen(path);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	o->request = malloc(RUNP_TEXT_MAX + 1);
	n = o->request && name_len < RUNP_TEXT_MAX ?
		    fread(o->request + name_len + 1, 1, RUNP_TEXT_MAX - name_len, f) : 0;
	/* Too large for one message (or unreadable): run's own load says why. */
	if (!o->request || ferror(f) || !feof(f)) {
		fclose(f);
		return -EFBIG;
	}
	fclose(f);
	memcpy(o->request, path, name_len + 1);
	o->request_len = name_len + 1 + n;
	return 0;
}

static int open_stream(struct handover *o)
{
	struct stat st;

	o->stream = o->h->events_path ? safe_fopen_write(o->h->events_path, false) : tmpfile();
	if (!o->stream)
		return -errno;
	snprintf(o->stream_path, sizeof(o->stream_path), "/proc/self/fd/%d", fileno(o->stream));
	o->followable = !fstat(fileno(o->stream), &st) && S_ISREG(st.st_mode);
	return 0;
}

/* Nothing of ours may outlive a build that was not taken: the parked child neither. */
static void undo(struct handover *o)
{
	if (o->child.pid > 0 && !o->child_done) {
		kill(o->child.pid, SIGKILL);
		waitpid(o->child.pid, NULL, 0);
		o->child_done = true;
	}
	spawn_close(&o->child);
	if (o->sigfd >= 0) {
		close(o->sigfd);
		sigprocmask(SIG_SETMASK, &o->orig_mask, NULL);
	}
	o->sigfd = -1;
	if (o->sock >= 0)
		close(o->sock);
	o->sock = -1;
	if (o->stream)
		fclose(o->stream);
	o->stream = NULL;
	free(o->request);
	o->request = NULL;
}

/* One message within timeout_ms: 0, or -ETIMEDOUT, -ECONNRESET, -errno. */
static int recv_within(int sock, int timeout_ms, struct runp_msg *m)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (!n)
		return -ETIMEDOUT;
	return runp_recv(sock, m);
}

/* 0 once the daemon holds the parked root in a job; else why not (runp REFUSED: -value). */
static int hand_over(struct handover *o, struct runp_msg *reply)
{
	struct runp_hdr h = { .type = RUNP_START, .root_pid = (uint32_t)o->child.pid };
	int fd = fileno(o->stream), err;

	err = runp_send(o->sock, &h, o->request, o->request_len, &fd, 1);
	if (!err)
		err = recv_within(o->sock, START_TIMEOUT_MS, reply);
	if (err)
		return err;
	if (reply->h.type == RUNP_STARTED)
		return 0;
	return reply->h.type == RUNP_REFUSED && reply->h.value > 0 ? -reply->h.value : -EPROTO;
}

static void reap(struct handover *o)
{
	int st;

	if (waitpid(o->child.pid, &st, WNOHANG) == o->child.pid) {
		o->child_done = true;
		o->child_status = st;
	}
}

/* Until the root is reaped; signals are forwarded as standalone run does. */
static void wait_build(struct handover *o)
{
	struct pollfd p[2] = { { .fd = o->sigfd, .events = POLLIN },
			       { .fd = o->sock, .events = POLLIN } };
	struct signalfd_siginfo si;
	uint64_t next_follow = 0, now;

	while (!o->child_done) {
		if (poll(p, 2, o->followable ? FOLLOW_PERIOD_MS : -1) < 0 && errno != EINTR)
			break;
		now = clock_mono_ns();
		if (o->followable && now >= next_follow) {
			o->h->follow(o->h->arg, o->stream_path);
			next_follow = now + FOLLOW_PERIOD_MS * 1000000ull;
		}
		while (read(o->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				reap(o);
			else
				spawn_forward_signal(&o->child, &si, o->child_done);
		}
		/* POLLIN alone: the job ended first (a kill-job), its answer waits for finish(). */
		if (p[1].fd >= 0 && (p[1].revents & (POLLHUP | POLLERR)))
			bw_warn("the daemon at %s went away: the rest of the build is not watched",
				o->h->socket);
		if (p[1].revents)
			p[1].fd = -1; /* poll skips it from now on */
	}
	if (!o->child_done) {
		waitpid(o->child.pid, &o->child_status, 0);
		o->child_done = true;
	}
}

/* The job's end as the daemon saw it; the status run exits with. */
static int finish(struct handover *o)
{
	struct runp_hdr h = { .type = RUNP_END, .value = o->child_status };
	struct runp_msg m;
	int status = spawn_exit_status(o->child_status), err;

	err = runp_send(o->sock, &h, NULL, 0, NULL, 0);
	if (!err)
		err = recv_within(o->sock, END_TIMEOUT_MS, &m);
	if (!err && m.h.type != RUNP_ENDED) {
		runp_msg_free(&m);
		err = -EPROTO;
	}
	if (err) {
		bw_warn("the daemon at %s did not complete the job's record (%s): the report "
			"may lack its end", o->h->socket, strerror(-err));
		m = (struct runp_msg){ 0 };
	} else if (m.h.flags & RUNP_AGENT_STOPPED) {
		bw_warn("the daemon stopped while the build ran: the rest of it was not watched");
	}
	if (m.h.flags & RUNP_JOB_KILLED)
		status = BW_EXIT_JOB_KILLED;
	fflush(o->stream);
	if (!o->h->render(o->h->arg, o->stream_path) && m.text && (m.h.flags & RUNP_JOB_KILLED))
		fputs(m.text, stderr);
	if (!err)
		runp_msg_free(&m);
	return status;
}

/* Whether the daemon refusing with err means "go standalone" (else a final answer). */
static int refused(struct handover *o, int err, const struct runp_msg *reply)
{
	if (err == -EINVAL && reply->text && *reply->text) {
		/* The policy's FILE:LINE:COL errors, as a standalone load prints them. */
		fputs(reply->text, stderr);
		bw_err("policy %s: not valid; nothing was run", o->h->policy_path ?
		       o->h->policy_path : "(embedded)");
		return BW_EXIT_INVALID;
	}
	bw_info("the daemon at %s did not take the build (%s%s%s): running standalone",
		o->h->socket, strerror(-err), reply->text && *reply->text ? ": " : "",
		reply->text ? reply->text : "");
	return -EAGAIN;
}

int run_handover(const struct run_handover *h)
{
	struct handover o = { .h = h, .sock = -1, .sigfd = -1,
			      .child = { .pid = -1, .go_fd = -1, .err_fd = -1 } };
	struct runp_msg reply = { 0 };
	int err, status;

	o.sock = runp_connect(h->socket);
	if (o.sock < 0) {
		if (h->asked)
			bw_warn("cannot reach the daemon at %s (%s): running standalone", h->socket,
				strerror(-o.sock));
		return -EAGAIN;
	}
	if (read_policy(&o) || open_stream(&o)) {
		undo(&o);
		return -EAGAIN; /* run's own load says what is wrong with them */
	}
	o.sigfd = engine_signalfd(&o.orig_mask, true);
	err = o.sigfd < 0 ? o.sigfd : spawn_prepare(&o.child, h->exe, h->cmd, &o.orig_mask, h->user);
	if (!err)
		err = hand_over(&o, &reply);
	if (err) {
		status = refused(&o, err, &reply);
		runp_msg_free(&reply);
		undo(&o);
		return status;
	}
	bw_info("handed over to the daemon at %s (job %llu)", h->socket,
		(unsigned long long)reply.h.job_id);
	runp_msg_free(&reply);
	err = spawn_release(&o.child);
	if (err) {
		bw_err("cannot run '%s': %s", h->cmd[0], strerror(-err));
		waitpid(o.child.pid, &o.child_status, 0);
		o.child_done = true;
		finish(&o);
		undo(&o);
		return err == -ENOENT ? BW_EXIT_NOT_FOUND : BW_EXIT_CANNOT_EXEC;
	}
	wait_build(&o);
	status = finish(&o);
	undo(&o);
	return status;
}
