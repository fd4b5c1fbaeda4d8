// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <dirent.h>
#include <bpf/bpf.h>
#include "kernel/jobctl.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "process.skel.h"

/* The cgroup v2 mount point: /sys/fs/cgroup, or .../unified on hybrid hosts. */
static int cgroup2_root(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mnt[PATH_MAX], fstype[64];
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		if (!strcmp(fstype, "cgroup2") && (size_t)snprintf(buf, size, "%s", mnt) < size)
			found = 0;
	}
	fclose(f);
	return found;
}

/* Our own cgroup v2 path, from the "0::" line of /proc/self/cgroup. */
static int own_cgroup(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if ((size_t)snprintf(buf, size, "%s", line + 3) < size)
			found = 0;
	}
	fclose(f);
	return found;
}

static int write_file(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* A job's daemons can outlive it and its cgroup; clear the empty ones. */
static void remove_stale(const char *parent)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(parent);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "buildwarden-job-", 16))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", parent, de->d_name) < sizeof(path))
			rmdir(path);
	}
	closedir(d);
}

void jobctl_setup(struct jobctl *j, pid_t pid)
{
	char root[PATH_MAX], self[PATH_MAX], dir[PATH_MAX * 2 + 64], val[32];
	int n;

	j->cgroup_dir = NULL;
	if (cgroup2_root(root, sizeof(root)) || own_cgroup(self, sizeof(self)))
		return;
	n = snprintf(dir, sizeof(dir), "%s%s", root, strcmp(self, "/") ? self : "");
	if (n < 0 || (size_t)n >= sizeof(dir))
		return;
	remove_stale(dir);
	n = snprintf(dir + n, sizeof(dir) - (size_t)n, "/buildwarden-job-%d", pid);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return;
	if (mkdir(dir, 0755)) {
		bw_debug("no job cgroup (mkdir %s: %s); kill-job uses the process table", dir,
			 strerror(errno));
		return;
	}
	snprintf(val, sizeof(val), "%d", pid);
	if (write_file(dir, "cgroup.procs", val)) {
		bw_debug("no job cgroup (moving pid %d into %s: %s)", pid, dir, strerror(errno));
		rmdir(dir);
		return;
	}
	j->cgroup_dir = strdup(dir);
}

static void forget_killed(struct jobctl *j)
{
	while (j->n_killed)
		close(j->killed_fd[--j->n_killed]);
}

void jobctl_cleanup(struct jobctl *j)
{
	forget_killed(j);
	if (!j->cgroup_dir)
		return;
	/* Fails with EBUSY while daemons of the job live on: leave it then. */
	if (rmdir(j->cgroup_dir) && errno != EBUSY)
		bw_debug("cannot remove %s: %s", j->cgroup_dir, strerror(errno));
	free(j->cgroup_dir);
	j->cgroup_dir = NULL;
}

static bool same_process(struct bw_agent *a, uint32_t pid, uint64_t start_ns)
{
	struct bw_proc_state st;

	if (bpf_map_lookup_elem(bpf_map__fd(a->skel->maps.job_procs), &pid, &st))
		return false;
	return !st.start_ns || !start_ns || st.start_ns == start_ns;
}

bool jobctl_process_alive(struct bw_agent *a, uint32_t pid, uint64_t start_ns)
{
	struct bw_proc_state st;

	if (bpf_map_lookup_elem(bpf_map__fd(a->skel->maps.job_procs), &pid, &st))
		return false;
	return !st.start_ns || st.start_ns == start_ns;
}

/* Keeps the pidfd of a process kill-job signalled, once per pid, while there is room. */
static bool keep_killed(struct jobctl *j, uint32_t pid, int pidfd)
{
	unsigned int i;

	if (!j || j->n_killed >= JOBCTL_WAIT_MAX)
		return false;
	for (i = 0; i < j->n_killed; i++)
		if (j->killed_pid[i] == pid)
			return false;
	j->killed_pid[j->n_killed] = pid;
	j->killed_fd[j->n_killed++] = pidfd;
	return true;
}

/*
 * a NULL: no identity check (see jobctl_resume_process). keep non-NULL:
 * a signalled process's pidfd is kept there for jobctl_wait_killed.
 */
static int signal_process(struct bw_agent *a, uint32_t pid, uint64_t start_ns, int sig,
			  struct jobctl *keep)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), err = 0;

	if (pidfd < 0)
		return -errno;
	/* The pidfd pins the process: if it matches now, the signal hits it. */
	if (a && !same_process(a, pid, start_ns))
		err = -ESRCH;
	else if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0))
		err = -errno;
	if (err || !keep_killed(keep, pid, pidfd))
		close(pidfd);
	return err;
}

int jobctl_kill_process(struct bw_agent *a, uint32_t pid, uint64_t start_ns)
{
	return signal_process(a, pid, start_ns, SIGKILL, NULL);
}

/*
 * A held process cannot exit by itself, so its pid is still its own; and
 * it must never stay stopped because a job-scope entry is missing.
 */
int jobctl_resume_process(uint32_t pid)
{
	return signal_process(NULL, pid, 0, SIGCONT, NULL);
}

/*
 * The job-scope entries of job_id, collected before acting on them: a
 * hash map's cursor restarts from the top when its current key is deleted.
 * Returns how many (at most max) were stored in keys and states.
 */
static size_t scope_entries(struct bw_agent *a, uint64_t job_id, uint32_t skip_flags,
			    __u32 *keys, struct bw_proc_state *states, size_t max)
{
	int fd = bpf_map__fd(a->skel->maps.job_procs);
	__u32 key, next, *prev = NULL;
	size_t n = 0;

	while (n < max && bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &states[n]) || states[n].job_id != job_id ||
		    (skip_flags && (states[n].flags & skip_flags) == skip_flags))
			continue;
		keys[n++] = key;
	}
	return n;
}

#define SCOPE_BATCH 1024

/* j non-NULL: the pidfds of the processes op KILL signalled are kept in it. */
static int scope_apply(struct bw_agent *a, struct jobctl *j, uint64_t job_id,
		       enum jobctl_scope_op op, uint32_t flags)
{
	int fd = bpf_map__fd(a->skel->maps.job_procs), done = 0, rounds = 0;
	struct bw_proc_state *st = calloc(SCOPE_BATCH, sizeof(*st));
	__u32 *keys = calloc(SCOPE_BATCH, sizeof(*keys));
	size_t n, i;

	if (!st || !keys) {
		done = -ENOMEM;
		goto cleanup;
	}
again:
	n = scope_entries(a, job_id, op == JOBCTL_SCOPE_FLAGS ? flags : 0, keys, st, SCOPE_BATCH);
	for (i = 0; i < n; i++) {
		if (op == JOBCTL_SCOPE_KILL) {
			done += !signal_process(a, keys[i], st[i].start_ns, SIGKILL, j);
			continue;
		}
		if (op == JOBCTL_SCOPE_FORGET) {
			done += !bpf_map_delete_elem(fd, &keys[i]);
			continue;
		}
		st[i].flags |= flags;
		/* BPF_EXIST: an entry whose process exited meanwhile stays gone. */
		done += !bpf_map_update_elem(fd, &keys[i], &st[i], BPF_EXIST);
	}
	/* Forgotten and flagged entries are skipped by the next scan; killed ones are not. */
	if (n == SCOPE_BATCH && op != JOBCTL_SCOPE_KILL && ++rounds < 64)
		goto again;
cleanup:
	free(st);
	free(keys);
	return done;
}

int jobctl_scope_update(struct bw_agent *a, uint64_t job_id, enum jobctl_scope_op op,
			uint32_t flags)
{
	return scope_apply(a, NULL, job_id, op, flags);
}

/* From now on every syscall of a doomed job's process is its last. */
static void doom_job(struct bw_agent *a, uint64_t job_id)
{
	struct bw_fail_state fs = { 0 };
	__u32 zero = 0;
	int fd = bpf_map__fd(a->skel->maps.fail_state);

	if (bpf_map_lookup_elem(fd, &zero, &fs))
		return;
	fs.doomed = 1;
	if (bpf_map_update_elem(fd, &zero, &fs, BPF_ANY))
		return;
	jobctl_scope_update(a, job_id, JOBCTL_SCOPE_FLAGS, BW_PROC_DOOMED);
}

int jobctl_kill_job(struct bw_agent *a, struct jobctl *j, uint64_t job_id)
{
	int total = 0, n, pass;

	if (j->cgroup_dir && write_file(j->cgroup_dir, "cgroup.kill", "1"))
		bw_debug("cgroup.kill in %s failed: %s", j->cgroup_dir, strerror(errno));
	/*
	 * Everyone is signalled before the job is doomed: a doomed process
	 * dies only at its next hooked syscall, fork or exec, so its children
	 * would die at their exec while it (a shell in wait4, say) went on to
	 * exit with its own status before the sweep reached it. The doom then
	 * stops what forks in the meantime, and a process forking while we
	 * sweep can add a child behind the cursor: sweep until a pass finds
	 * nobody left. SIGKILLed processes leave the map when their last
	 * thread exits.
	 */
	for (pass = 0; pass < 50; pass++) {
		n = scope_apply(a, j, job_id, JOBCTL_SCOPE_KILL, 0);
		if (n < 0)
			n = 0;
		total += n;
		if (!pass)
			doom_job(a, job_id);
		else if (!n)
			break;
		usleep(2000);
	}
	return total;
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC ns), 0 once it passed. */
static int ms_left(uint64_t deadline)
{
	uint64_t now = clock_mono_ns();

	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/* A pidfd polls readable once its process has exited (a zombie or reaped). */
static void wait_pidfds(struct jobctl *j, uint64_t deadline)
{
	struct pollfd pfd[JOBCTL_WAIT_MAX];
	unsigned int i, kept;
	int n;

	while (j->n_killed) {
		for (i = 0; i < j->n_killed; i++)
			pfd[i] = (struct pollfd){ .fd = j->killed_fd[i], .events = POLLIN };
		n = poll(pfd, j->n_killed, ms_left(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		for (i = kept = 0; i < j->n_killed; i++) {
			if (pfd[i].revents) {
				close(j->killed_fd[i]);
				continue;
			}
			j->killed_fd[kept] = j->killed_fd[i];
			j->killed_pid[kept++] = j->killed_pid[i];
		}
		j->n_killed = kept;
	}
}

/* "populated 0" in cgroup.events: no process of the job's cgroup is left. */
static bool cgroup_populated(const char *dir)
{
	char path[PATH_MAX], line[64];
	bool populated = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "populated ", 10))
			populated = line[10] != '0';
	fclose(f);
	return populated;
}

int jobctl_wait_killed(struct jobctl *j, int timeout_ms)
{
	uint64_t deadline = clock_mono_ns() + (uint64_t)timeout_ms * 1000000ULL;
	bool populated;

	wait_pidfds(j, deadline);
	while ((populated = j->cgroup_dir && cgroup_populated(j->cgroup_dir)) && ms_left(deadline))
		usleep(1000);
	return (int)j->n_killed + populated;
}
