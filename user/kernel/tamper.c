// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/failclosed.h"
#include "kernel/tamper.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "process.skel.h"

#define PIN_LOG "log"
#define PIN_COUNT "count"

static void agent_dir(long pid, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%ld", BW_TAMPER_PIN_DIR, pid);
}

static int pin_maps(struct bw_tamper *t)
{
	char dir[64], path[96];
	int err, tries;


	err = failclosed_bpffs();
	if (err)
		return err;
	agent_dir(getpid(), dir, sizeof(dir));
	/* Twice: an agent leaving may remove the shared directory in between. */
	for (tries = 0; tries < 2; tries++) {
		if (mkdir(BW_TAMPER_PIN_DIR, 0700) && errno != EEXIST)
			return -errno;
		if (!mkdir(dir, 0700) || errno == EEXIST)
			break;
		if (errno != ENOENT || tries)
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, PIN_LOG);
	err = bpf_obj_pin(bpf_map__fd(t->log), path) ? -errno : 0;
	snprintf(path, sizeof(path), "%s/%s", dir, PIN_COUNT);
	if (!err)
		err = bpf_obj_pin(bpf_map__fd(t->count), path) ? -errno : 0;
	return err;
}

int tamper_arm(struct bw_tamper *t, struct bw_agent *a)
{
	int err;

	memset(t, 0, sizeof(*t));
	if (!a->skel) {
		bw_warn("signals aimed at the agent cannot be recorded: its BPF programs are not "
			"loaded");
		return -ENOTSUP;
	}
	/* The process object's, loaded and attached with it (bpf/process.bpf.c). */
	t->log = a->skel->maps.tamper_log;
	t->count = a->skel->maps.tamper_count;
	t->lsm = a->lsm;
	err = pin_maps(t);
	if (err) {
		bw_warn("signals aimed at the agent are recorded but die with it: cannot pin "
			"them under %s: %s", BW_TAMPER_PIN_DIR, strerror(-err));
		return err;
	}
	t->pinned = true;
	return 0;
}

static void remove_agent_dir(const char *dir)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", dir, PIN_LOG);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, PIN_COUNT);
	unlink(path);
	rmdir(dir);
	rmdir(BW_TAMPER_PIN_DIR); /* only when no other agent has records there */
}

void tamper_unpin(struct bw_tamper *t)
{
	char dir[64];

	if (t->pinned) {
		agent_dir(getpid(), dir, sizeof(dir));
		remove_agent_dir(dir);
	}
	t->pinned = false;
}

void tamper_disarm(struct bw_tamper *t)
{
	tamper_unpin(t);
	memset(t, 0, sizeof(*t)); /* the maps are the process object's: loader_close frees them */
}

/* Records [*next, kept) of one agent's maps; *next moves past them. */
static int read_records(int log_fd, int count_fd, uint32_t *next, uint64_t *totalp,
			tamper_fn fn, void *ctx)
{
	struct bw_tamper_record r;
	__u64 total = 0;
	__u32 zero = 0, i;

	if (bpf_map_lookup_elem(count_fd, &zero, &total))
		return -errno;
	*totalp = total;
	for (i = *next; i < total && i < BW_TAMPER_SLOTS; i++) {
		if (bpf_map_lookup_elem(log_fd, &i, &r))
			return -errno;
		if (!r.seq)
			break; /* the sender is still writing it: next time */
		fn(&r, total, ctx);
		*next = i + 1;
	}
	return 0;
}

int tamper_read_own(struct bw_tamper *t, tamper_fn fn, void *ctx)
{
	if (!t->log || !t->count)
		return 0;
	return read_records(bpf_map__fd(t->log), bpf_map__fd(t->count), &t->next, &t->total, fn,
			    ctx);
}

/* One dead agent's pinned records; 1 if there were some. */
static int sweep_agent(const char *dir, bool clear, tamper_fn fn, void *ctx)
{
	char path[96];
	uint64_t total = 0;
	uint32_t next = 0;
	int log_fd, count_fd = -1, err;

	snprintf(path, sizeof(path), "%s/%s", dir, PIN_LOG);
	log_fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/%s", dir, PIN_COUNT);
	if (log_fd >= 0)
		count_fd = bpf_obj_get(path);
	err = log_fd < 0 || count_fd < 0 ? -errno : read_records(log_fd, count_fd, &next, &total,
										   fn, ctx);
	if (err)
		bw_warn("cannot read the signal records in %s: %s", dir, strerror(-err));
	if (log_fd >= 0)
		close(log_fd);
	if (count_fd >= 0)
		close(count_fd);
	if (clear && !err)
		remove_agent_dir(dir);
	return next > 0;
}

int tamper_sweep(bool clear, tamper_fn fn, void *ctx)
{
	char dir[64];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(BW_TAMPER_PIN_DIR);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || failclosed_pid_alive(pid))
			continue; /* malformed, or its agent is alive */
		agent_dir(pid, dir, sizeof(dir));
		n += sweep_agent(dir, clear, fn, ctx);
	}
	closedir(d);
	return n;
}

const char *tamper_sender_role(const struct bw_tamper_record *r)
{
	if (r->flags & BW_TAMPER_F_SELF)
		return "self";
	if (r->flags & BW_TAMPER_F_IN_JOB)
		return "job";
	if (r->flags & BW_TAMPER_F_PARENT)
		return "parent";
	if (r->code > 0)
		return "kernel"; /* SI_KERNEL: a terminal, the OOM killer */
	return "other";
}

static size_t put(char *buf, size_t size, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t put(char *buf, size_t size, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (off >= size)
		return off;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, size - off, fmt, ap);
	va_end(ap);
	return n < 0 ? off : off + (size_t)n;
}

/* argv as one line: NULs as spaces, control bytes as '?'. */
static size_t put_argv(char *buf, size_t size, size_t off, const struct bw_tamper_record *r)
{
	uint32_t i, n = r->argv_len < BW_TAMPER_ARGV ? r->argv_len : BW_TAMPER_ARGV;

	while (n && !r->argv[n - 1])
		n--;
	for (i = 0; i < n && off + 1 < size; i++) {
		unsigned char c = (unsigned char)r->argv[i];

		buf[off++] = c == 0 ? ' ' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[off < size ? off : size - 1] = '\0';
	return off;
}

void tamper_describe(const struct bw_tamper_record *r, char *buf, size_t size)
{
	int64_t ns = (int64_t)r->ktime_ns + (int64_t)(clock_real_ns() - clock_mono_ns());
	time_t sec = (time_t)(ns / 1000000000LL);
	const char *name = sigabbrev_np(r->sig);
	char when[32];
	size_t off = 0;
	uint32_t i;
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	off = put(buf, size, off, "agent %u was sent SIG%s (%d)%s at %s by pid %u (sender: %s, uid %u",
		  r->agent_pid, name ? name : "?", r->sig,
		  r->flags & BW_TAMPER_F_DENIED ? ", refused with EPERM," : "", when, r->sender_pid,
		  tamper_sender_role(r), r->sender_uid);
	if (r->sender_job)
		off = put(buf, size, off, ", job %llu", (unsigned long long)r->sender_job);
	off = put(buf, size, off, ") comm %.*s exe %s argv '", BW_COMM_LEN, r->comm,
		  r->exe[0] ? r->exe : "?");
	off = put_argv(buf, size, off, r);
	off = put(buf, size, off, "%s'; lineage:", r->flags & BW_TAMPER_F_ARGV_CUT ? "..." : "");
	for (i = 0; i < r->n_anc && i < BW_TAMPER_ANC; i++)
		off = put(buf, size, off, "%s %u %.*s", i ? " <" : "", r->anc[i].pid, BW_COMM_LEN,
			  r->anc[i].comm);
}
