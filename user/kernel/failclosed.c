// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/failclosed.h"
#include "lib/clock.h"
#include "lib/safefile.h"
#include "lib/log.h"
#include "process.skel.h"
#include "syscalls.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define PIN_PREFIX "buildwarden-"
#define DIR_MAX 128 /* "/sys/fs/bpf/buildwarden-PID" and room to spare */

int failclosed_bpffs(void)
{
	struct statfs st;

	if (statfs(FAILCLOSED_BPFFS, &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", FAILCLOSED_BPFFS, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700")) {
		int err = -errno;

		bw_err("pinning needs bpffs: cannot mount it on %s: %s", FAILCLOSED_BPFFS,
		       strerror(errno));
		return err;
	}
	return 0;
}

static void pin_dir(pid_t pid, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%d", FAILCLOSED_BPFFS, PIN_PREFIX, (int)pid);
}

/*
 * Programs that guard the agent's own pid (bpf/hooks/bw_tamper.bpf.h): once
 * it is dead the pid may be someone else's, so they go with the agent.
 */
static bool guards_agent(const char *prog)
{
	return !strcmp(prog, "handle_signal_generate") || !strcmp(prog, "handle_task_kill");
}

static int pin_links(struct bpf_object_skeleton *s, const char *dir)
{
	char path[DIR_MAX + 256];
	int i, err;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_link *link = *s->progs[i].link;

		if (!link || guards_agent(s->progs[i].name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, s->progs[i].name);
		err = bpf_link__pin(link, path);
		if (err)
			return err;
	}
	return 0;
}

static void unpin_links(struct bpf_object_skeleton *s)
{
	int i;

	for (i = 0; s && i < s->prog_cnt; i++)
		if (*s->progs[i].link)
			bpf_link__unpin(*s->progs[i].link);
}

int failclosed_arm(struct bw_agent *a)
{
	char dir[DIR_MAX], path[PATH_MAX];
	int err;

	err = failclosed_bpffs();
	if (err)
		return err;
	pin_dir(getpid(), dir, sizeof(dir));
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		bw_err("fail-closed: cannot create %s: %s", dir, strerror(errno));
		return err;
	}
	err = pin_links(a->skel->skeleton, dir);
	if (!err && a->sys)
		err = pin_links(a->sys->skeleton, dir);
	snprintf(path, sizeof(path), "%s/job_procs", dir);
	if (!err)
		err = bpf_obj_pin(bpf_map__fd(a->skel->maps.job_procs), path) ? -errno : 0;
	if (err) {
		bw_err("fail-closed: cannot pin the BPF links in %s: %s", dir, strerror(-err));
		failclosed_disarm(a);
		return err;
	}
	bw_info("fail-closed: links pinned in %s; if this agent dies, the job dies", dir);
	return 0;
}

static void remove_dir(const char *dir)
{
	char path[DIR_MAX + 256 + 2];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void failclosed_disarm(struct bw_agent *a)
{
	char dir[DIR_MAX], path[PATH_MAX];

	unpin_links(a->skel ? a->skel->skeleton : NULL);
	unpin_links(a->sys ? a->sys->skeleton : NULL);
	pin_dir(getpid(), dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/job_procs", dir);
	unlink(path);
	rmdir(dir);
}

/* How many processes a pinned job-scope map still holds, or -errno. */
static long job_procs_left(const char *dir)
{
	char path[DIR_MAX + 16];
	__u32 key, next, *prev = NULL;
	long n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/job_procs", dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	close(fd);
	return n;
}

bool failclosed_pid_alive(long pid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%ld", pid);
	return access(path, F_OK) == 0;
}

static void marker_path(pid_t pid, char *buf, size_t size)
{
	snprintf(buf, size, "%s/agent-%d", FAILCLOSED_RUN_DIR, (int)pid);
}

void failclosed_mark(const char *what)
{
	char path[DIR_MAX];
	time_t now = (time_t)(clock_real_ns() / 1000000000ULL);
	char when[32];
	FILE *f;

	if (mkdir(FAILCLOSED_RUN_DIR, 0700) && errno != EEXIST)
		return;
	marker_path(getpid(), path, sizeof(path));
	f = safe_fopen_write(path, false);
	if (!f)
		return;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	fprintf(f, "%s %s\n", when, what);
	fclose(f);
}

void failclosed_unmark(void)
{
	char path[DIR_MAX];

	marker_path(getpid(), path, sizeof(path));
	unlink(path);
}

/* Markers of agents that died without cleaning up: say so once, remove. */
static void sweep_markers(void)
{
	char path[DIR_MAX + 64], line[512];
	struct dirent *de;
	DIR *d = opendir(FAILCLOSED_RUN_DIR);

	if (!d)
		return;
	while ((de = readdir(d))) {
		long pid;
		char *end;
		FILE *f;

		if (strncmp(de->d_name, "agent-", 6))
			continue;
		pid = strtol(de->d_name + 6, &end, 10);
		if (*end || pid <= 0 || failclosed_pid_alive(pid))
			continue;
		snprintf(path, sizeof(path), "%s/%.64s", FAILCLOSED_RUN_DIR, de->d_name);
		line[0] = '\0';
		f = fopen(path, "re");
		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = '\0';
			fclose(f);
		}
		line[strcspn(line, "\n")] = '\0';
		bw_warn("agent %ld died while watching a job (started %s); that job ran on "
			"unwatched after its death", pid, line[0] ? line : "at an unknown time");
		unlink(path);
	}
	closedir(d);
}

void failclosed_sweep(void)
{
	char dir[DIR_MAX];
	struct dirent *de;
	struct statfs st;
	DIR *d;

	sweep_markers();
	if (statfs(FAILCLOSED_BPFFS, &st) || (unsigned long)st.f_type != BPF_FS_MAGIC)
		return;
	d = opendir(FAILCLOSED_BPFFS);
	if (!d)
		return;
	while ((de = readdir(d))) {
		long pid, left;
		char *end;

		if (strncmp(de->d_name, PIN_PREFIX, strlen(PIN_PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(PIN_PREFIX), &end, 10);
		if (*end || pid <= 0 || failclosed_pid_alive(pid))
			continue; /* malformed, or its agent is alive */
		if (strlen(de->d_name) > 64)
			continue;
		snprintf(dir, sizeof(dir), "%s/%.64s", FAILCLOSED_BPFFS, de->d_name);
		left = job_procs_left(dir);
		if (left > 0) {
			bw_warn("agent %ld died fail-closed; %ld process(es) of its job are still "
				"held (they die at their next syscall): %s kept", pid, left, dir);
			continue;
		}
		bw_warn("agent %ld died while watching a job (fail-closed); its job is gone, "
			"removing %s", pid, dir);
		remove_dir(dir);
	}
	closedir(d);
}
