// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Builds that `buildwarden run` hands over through the run socket
 * (lib/run_proto.h): this daemon's programs are already loaded and
 * attached, so a handed-over build starts in milliseconds instead of
 * after a load. run forks the build parked before its exec and sends its
 * pid; the daemon puts it in a new job's scope and answers; run releases
 * it, reaps it, says so, and gets the job's status once its stream is
 * complete. docs/DAEMON.md, "Runs through the daemon".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "daemon/daemon.h"
#include "kernel/jobctl.h"
#include "kernel/ringbuf.h"
#include "lib/log.h"
#include "lib/procfs.h"
#include "lib/run_proto.h"

struct daemon_run {
	int fd;
	uint32_t peer_pid;
	struct bw_job *job; /* from START to ENDED */
	bool ended;         /* ENDED sent: the job may end before run has reaped its root */
	struct daemon_run *next;
};

/* j ended (status: the job's exit status): its run is told. */
static void job_ended(struct daemon *d, struct bw_job *j, int status)
{
	struct runp_hdr h = { .type = RUNP_ENDED, .value = status };
	struct daemon_run *r;

	for (r = d->runs; r && r->job != j; r = r->next)
		;
	if (!r)
		return;
	r->job = NULL;
	r->ended = true;
	h.flags = (j->job_killed ? RUNP_JOB_KILLED : 0) | (j->agent_stopped ? RUNP_AGENT_STOPPED : 0);
	if (runp_send(r->fd, &h, j->job_killed_block,
		      j->job_killed_block ? strnlen(j->job_killed_block, RUNP_TEXT_MAX) : 0, NULL,
		      0))
		bw_warn("job %s: run (pid %u) cannot be told it ended", j->name, r->peer_pid);
}

int daemon_runs_start(struct daemon *d)
{
	const char *path = d->gen->cfg->run_socket;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int err;

	d->run_fd = d->runs_ep = -1;
	if (!path)
		return 0;
	d->run_fd = runp_listen(path);
	if (d->run_fd < 0) {
		err = d->run_fd;
		bw_err("run_socket %s: cannot listen: %s", path,
		       err == -EADDRINUSE ? "another daemon answers on it" : strerror(-err));
		return err;
	}
	d->runs_ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->runs_ep < 0 || epoll_ctl(d->runs_ep, EPOLL_CTL_ADD, d->run_fd, &ev)) {
		err = -errno;
		bw_err("run_socket %s: epoll: %s", path, strerror(errno));
		return err;
	}
	d->run_socket = strdup(path);
	d->run_job_ended = job_ended;
	bw_info("builds run with `buildwarden run` are handed over at %s", path);
	return 0;
}

static void run_free(struct daemon *d, struct daemon_run *r)
{
	struct daemon_run **pp;

	for (pp = &d->runs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	close(r->fd); /* leaves the epoll set with it */
	free(r);
}

static void runs_accept(struct daemon *d)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct daemon_run *r;
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	while ((fd = accept4(d->run_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		/* The socket is root's alone; a peer that is not root got in some other way. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || cred.uid != 0) {
			bw_warn("run socket: refused a peer that is not root (pid %d, uid %u)",
				(int)cred.pid, (unsigned)cred.uid);
			close(fd);
			continue;
		}
		r = calloc(1, sizeof(*r));
		ev.data.ptr = r;
		if (!r || epoll_ctl(d->runs_ep, EPOLL_CTL_ADD, fd, &ev)) {
			bw_err("run socket: cannot take pid %d's connection: %s", (int)cred.pid,
			       strerror(r ? errno : ENOMEM));
			free(r);
			close(fd);
			continue;
		}
		r->fd = fd;
		r->peer_pid = (uint32_t)cred.pid;
		r->next = d->runs;
		d->runs = r;
	}
}

static void refuse(struct daemon_run *r, int err, const char *why)
{
	struct runp_hdr h = { .type = RUNP_REFUSED, .value = err };

	bw_info("run socket: pid %u's build not taken: %s", r->peer_pid, why);
	if (runp_send(r->fd, &h, why, strlen(why), NULL, 0))
		bw_debug("run socket: pid %u: cannot answer", r->peer_pid);
}

static bool parent_is(uint32_t pid, uint32_t parent)
{
	char comm[BW_COMM_LEN];
	uint32_t ppid = 0;

	return !procfs_read_stat(pid, &ppid, comm, sizeof(comm)) && ppid == parent;
}

/* Why the root r names cannot be taken (*err set), or NULL. */
static const char *root_problem(struct daemon *d, struct daemon_run *r, const struct runp_msg *m,
				int *err)
{
	*err = EPROTO;
	if (r->job || r->ended || m->n_fds != 1 || !m->h.root_pid)
		return "malformed request";
	*err = ESHUTDOWN;
	if (d->stopping)
		return "the daemon is stopping";
	*err = EPERM;
	if (!parent_is(m->h.root_pid, r->peer_pid))
		return "the build's root is not the caller's child";
	/* A run inside a job this daemon watches: the outer job keeps its process. */
	*err = EBUSY;
	if (loader_in_job(&d->eng.agent, m->h.root_pid))
		return "the caller is inside a job this daemon watches";
	return NULL;
}

static void on_start(struct daemon *d, struct daemon_run *r, struct runp_msg *m)
{
	size_t name_len = strnlen(m->text, m->h.text_len);
	struct daemon_policy_text t = { .path = m->text, .text = m->text + name_len + 1 };
	struct runp_hdr h = { .type = RUNP_STARTED };
	uint64_t id = (1ULL << 63) | ++d->next_adopted_id;
	char *errs = NULL;
	size_t errs_len = 0;
	FILE *ef;
	int err;
	const char *why = root_problem(d, r, m, &err);

	if (why) {
		refuse(r, err, why);
		return;
	}
	if (name_len < m->h.text_len)
		t.len = m->h.text_len - name_len - 1;
	err = loader_watch(&d->eng.agent, (pid_t)m->h.root_pid, id);
	if (err) {
		refuse(r, -err, "the build's root cannot be put in the kernel's scope");
		return;
	}
	/* The build inherits the root's sockets: a DNS one needs no connect of its own. */
	if (procfs_has_dns_socket(m->h.root_pid))
		hooks_assume_dns_connected(&d->eng.agent);
	ef = open_memstream(&errs, &errs_len);
	err = ef ? daemon_run_job_start(d, id, m->h.root_pid, name_len ? &t : NULL, m->fds[0],
					ef, &r->job) : -ENOMEM;
	if (ef)
		fclose(ef);
	if (err) {
		jobctl_scope_update(&d->eng.agent, id, JOBCTL_SCOPE_FORGET, 0);
		refuse(r, -err, errs && *errs ? errs : "cannot start a job");
		free(errs);
		return;
	}
	free(errs);
	m->n_fds = 0; /* the job's stream now */
	h.job_id = id;
	if (runp_send(r->fd, &h, NULL, 0, NULL, 0))
		bw_warn("job %s: run (pid %u) cannot be told it started", r->job->name, r->peer_pid);
}

/*
 * run reaped the root: its exit record is in the ring buffer already (the
 * kernel writes it before the parent can reap). The job ends after this
 * batch (daemon_end_jobs), which answers through daemon_runs_job_ended.
 */
static void on_end(struct daemon *d, struct daemon_run *r, const struct runp_msg *m)
{
	if (!r->job) {
		if (!r->ended)
			refuse(r, EPROTO, "END without a job");
		return;
	}
	ringbuf_consume(d->eng.agent.rb);
	if (!r->job->root_exited) {
		r->job->root_exited = true;
		r->job->root_status = m->h.value;
	}
}

static void on_message(struct daemon *d, struct daemon_run *r)
{
	struct runp_msg m;
	int err = runp_recv(r->fd, &m);

	if (err == -EAGAIN)
		return;
	if (err) {
		if (r->job)
			bw_info("job %s: run (pid %u) went away; the job is watched to its end",
				r->job->name, r->peer_pid);
		run_free(d, r);
		return;
	}
	if (m.h.type == RUNP_START)
		on_start(d, r, &m);
	else if (m.h.type == RUNP_END)
		on_end(d, r, &m);
	else
		refuse(r, EPROTO, "unknown request");
	runp_msg_free(&m);
}

void daemon_runs_io(void *arg)
{
	struct daemon *d = arg;
	struct epoll_event evs[8];
	int n, i;

	n = epoll_wait(d->runs_ep, evs, 8, 0);
	for (i = 0; i < n; i++) {
		if (!evs[i].data.ptr)
			runs_accept(d);
		else
			on_message(d, evs[i].data.ptr);
	}
}

void daemon_runs_stop(struct daemon *d)
{
	while (d->runs)
		run_free(d, d->runs);
	if (d->runs_ep >= 0)
		close(d->runs_ep);
	if (d->run_fd >= 0)
		close(d->run_fd);
	if (d->run_socket && unlink(d->run_socket) && errno != ENOENT)
		bw_warn("cannot remove the run socket %s: %s", d->run_socket, strerror(errno));
	free(d->run_socket);
	d->run_socket = NULL;
	d->runs_ep = d->run_fd = -1;
}
