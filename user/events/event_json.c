// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include "events/event_json.h"
#include "lib/clock.h"
#include "lib/redact.h"

void clock_calibrate(struct bw_clock *c)
{
	uint64_t mono = clock_mono_ns(), rt = clock_real_ns();

	c->realtime_minus_mono_ns = (int64_t)(rt - mono);
}

/*
 * "YYYY-MM-DDTHH:MM:SS." of the last second formatted: records come in
 * bursts within one second, and gmtime_r plus snprintf per record was a
 * visible share of the agent's time per exec. Per thread: the webhook
 * and trace senders format times too.
 */
static __thread struct {
	int64_t sec;
	char prefix[48];
	size_t len;
	bool set;
} time_cache;

/*
 * Fills the cache for ktime_ns's second: whether its prefix is usable
 * (not before 1970, no year of more than 4 digits), and the nanoseconds.
 */
static bool time_of(uint64_t ktime_ns, const struct bw_clock *clk, int64_t *frac)
{
	int64_t ns, sec;
	time_t t;
	struct tm tm;
	int n;

	/* A time no clock reaches (a crafted record's): an odd one, not an overflow. */
	if (__builtin_add_overflow((int64_t)ktime_ns, clk->realtime_minus_mono_ns, &ns))
		ns = -1;
	sec = ns / 1000000000LL;
	t = (time_t)sec;
	*frac = ns % 1000000000LL;
	if (!time_cache.set || time_cache.sec != sec || ns < 0) {
		if (!gmtime_r(&t, &tm))
			memset(&tm, 0, sizeof(tm));
		n = snprintf(time_cache.prefix, sizeof(time_cache.prefix),
			     "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1,
			     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		time_cache.len = n > 0 && (size_t)n < sizeof(time_cache.prefix) ? (size_t)n : 0;
		time_cache.sec = sec;
		time_cache.set = ns >= 0 && time_cache.len;
	}
	return time_cache.set;
}

/* The cached second's prefix, frac's nine digits and 'Z' at d: the byte after. */
static char *put_time_text(char *d, int64_t frac)
{
	memcpy(d, time_cache.prefix, time_cache.len);
	d += time_cache.len;
	memset(d, '0', 9);
	json_u64_digits(d + 9, (uint64_t)frac);
	d[9] = 'Z';
	return d + 10;
}

static char *put_lit(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}

#define LIT(d, s) put_lit(d, s, sizeof(s) - 1)

/* The longest header: six numbers of 20 digits, a type, a time, the keys. */
#define HEAD_ROOM 320
#define HEAD_TYPE_MAX 32

/*
 * The members every record starts with, seq to job_id and, with h, the
 * process's ids, put in one reservation: records come by the thousand a
 * second, and these are a third of a fork's or an exit's bytes. false
 * (nothing written) where the generic writer must do it: an odd time, or
 * a type name that is not plain.
 */
static bool begin_fast(struct jbuf *jb, uint64_t seq, const char *type, uint64_t ktime_ns,
		       uint64_t job_id, const struct bw_clock *clk,
		       const struct bw_event_header *h)
{
	size_t tn = strlen(type);
	int64_t frac;
	char *d;

	if (tn > HEAD_TYPE_MAX || json_plain_prefix(type, tn) < tn || !time_of(ktime_ns, clk, &frac))
		return false;
	json_obj_open(jb);
	d = json_member_room(jb, HEAD_ROOM);
	if (!d)
		return true; /* out of memory: the record is marked incomplete */
	d = LIT(d, "\"seq\":");
	d = json_put_u64(d, seq);
	d = LIT(d, ",\"type\":\"");
	d = put_lit(d, type, tn);
	d = LIT(d, "\",\"time\":\"");
	d = put_time_text(d, frac);
	d = LIT(d, "\",\"job_id\":");
	d = json_put_u64(d, job_id);
	if (h) {
		d = LIT(d, ",\"ktime_ns\":");
		d = json_put_u64(d, h->ktime_ns);
		d = LIT(d, ",\"pid\":");
		d = json_put_u64(d, h->pid);
		d = LIT(d, ",\"tid\":");
		d = json_put_u64(d, h->tid);
		d = LIT(d, ",\"start_ns\":");
		d = json_put_u64(d, h->start_ns);
	}
	json_room_end(jb, d);
	return true;
}

static void begin_slow(struct jbuf *jb, uint64_t seq, const char *type, uint64_t ktime_ns,
		       uint64_t job_id, const struct bw_clock *clk,
		       const struct bw_event_header *h)
{
	char tmp[64];
	int64_t frac;

	json_obj_open(jb);
	json_kv_u64(jb, "seq", seq);
	json_kv_str(jb, "type", type);
	if (!time_of(ktime_ns, clk, &frac)) { /* before 1970, or a year of more than 4 digits */
		snprintf(tmp, sizeof(tmp), "%s%09lldZ", time_cache.prefix, (long long)frac);
		json_kv_str(jb, "time", tmp);
	} else {
		json_kv_strn(jb, "time", tmp, (size_t)(put_time_text(tmp, frac) - tmp));
	}
	json_kv_u64(jb, "job_id", job_id);
	if (h) {
		json_kv_u64(jb, "ktime_ns", h->ktime_ns);
		json_kv_u64(jb, "pid", h->pid);
		json_kv_u64(jb, "tid", h->tid);
		json_kv_u64(jb, "start_ns", h->start_ns);
	}
}

static void begin_any(struct jbuf *jb, uint64_t seq, const char *type, uint64_t ktime_ns,
		      uint64_t job_id, const struct bw_clock *clk, const struct bw_event_header *h)
{
	if (!begin_fast(jb, seq, type, ktime_ns, job_id, clk, h))
		begin_slow(jb, seq, type, ktime_ns, job_id, clk, h);
}

void event_json_begin(struct jbuf *jb, uint64_t seq, const char *type, uint64_t ktime_ns,
		      uint64_t job_id, const struct bw_clock *clk)
{
	begin_any(jb, seq, type, ktime_ns, job_id, clk, NULL);
}

static void comm(struct jbuf *jb, const char *c)
{
	json_kv_strn(jb, "comm", c, strnlen(c, BW_COMM_LEN));
}

static void event_json_wait_status(struct jbuf *jb, uint32_t status)
{
	int st = (int)status;

	if (WIFSIGNALED(st)) {
		json_kv_null(jb, "exit_code");
		json_kv_u64(jb, "signal", (uint64_t)WTERMSIG(st));
		json_kv_bool(jb, "core_dumped", WCOREDUMP(st));
	} else {
		json_kv_u64(jb, "exit_code", (uint64_t)WEXITSTATUS(st));
		json_kv_null(jb, "signal");
		json_kv_bool(jb, "core_dumped", false);
	}
}

static void render_fork(struct jbuf *jb, const struct bw_fork_event *e)
{
	json_kv_u64(jb, "parent_pid", e->parent_pid);
	json_kv_u64(jb, "parent_tid", e->parent_tid);
	json_kv_u64(jb, "parent_start_ns", e->parent_start_ns);
}

void event_json_argv(struct jbuf *jb, const char *args, uint32_t len)
{
	const char *prev = NULL;
	uint32_t i = 0, n;

	json_arr_open(jb, "argv");
	while (i < len) {
		n = (uint32_t)strnlen(args + i, len - i);
		redact_json_strn(jb, NULL, args + i, n, prev);
		prev = args + i;
		i += n + 1;
	}
	json_arr_close(jb);
}

const char *stdio_kind_name(uint16_t kind)
{
	static const char *const names[] = {
		[BW_STDIO_NONE] = "none",   [BW_STDIO_PIPE] = "pipe", [BW_STDIO_SOCKET] = "socket",
		[BW_STDIO_TTY] = "tty",     [BW_STDIO_NULL] = "null", [BW_STDIO_FILE] = "file",
		[BW_STDIO_OTHER] = "other",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "other";
}

static void socket_family(struct jbuf *jb, uint16_t family)
{
	char num[16];

	switch (family) {
	case AF_UNIX: json_kv_str(jb, "family", "unix"); break;
	case AF_INET: json_kv_str(jb, "family", "inet"); break;
	case AF_INET6: json_kv_str(jb, "family", "inet6"); break;
	case AF_NETLINK: json_kv_str(jb, "family", "netlink"); break;
	default:
		snprintf(num, sizeof(num), "%u", family);
		json_kv_str(jb, "family", num);
	}
}

/* "127.0.0.1:4444", "[::1]:4444"; null when not connected (port 0). */
static void socket_peer(struct jbuf *jb, const struct bw_stdio *sd)
{
	char addr[INET6_ADDRSTRLEN], peer[INET6_ADDRSTRLEN + 16];

	if (!sd->port || !inet_ntop(sd->family, sd->addr, addr, sizeof(addr))) {
		json_kv_null(jb, "peer");
		return;
	}
	snprintf(peer, sizeof(peer), sd->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, sd->port);
	json_kv_str(jb, "peer", peer);
}

/* "held": the hints for which the kernel stopped the exec until judged. */
static void render_held(struct jbuf *jb, uint32_t hints)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ BW_HINT_NAME, "name" },     { BW_HINT_LOADER, "loader" }, { BW_HINT_PATH, "path" },
		{ BW_HINT_SOCKET, "socket" }, { BW_HINT_INLINE, "inline" },
	};

	json_arr_open(jb, "held");
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (hints & names[i].bit)
			json_val_strn(jb, names[i].name, strlen(names[i].name));
	json_arr_close(jb);
}

/* "MAJOR:MINOR" of a kernel dev_t (20-bit minor), ending at end: where it starts. */
static const char *rdev_text(char *end, uint32_t rdev)
{
	char *p = json_u64_digits(end, rdev & 0xfffff);

	*--p = ':';
	return json_u64_digits(p, rdev >> 20);
}

/* What fd 0, 1 and 2 of the new program are (docs/EVENTS.md: exec). */
static void render_stdio(struct jbuf *jb, const struct bw_event_view *v)
{
	const struct bw_exec_event *e = v->exec;
	char rdev[2 * JSON_U64_DIGITS + 1];
	int fd;

	json_arr_open(jb, "stdio");
	for (fd = 0; fd < 3; fd++) {
		const struct bw_stdio *sd = &e->stdio[fd];

		json_obj_open(jb);
		json_kv_u64(jb, "fd", (uint64_t)fd);
		json_kv_str(jb, "kind", stdio_kind_name(sd->kind));
		if (sd->kind == BW_STDIO_NONE) {
			json_obj_close(jb);
			continue;
		}
		json_kv_u64(jb, "id", sd->id);
		json_kv_str(jb, "mode", (sd->mode & BW_STDIO_READ) && (sd->mode & BW_STDIO_WRITE) ? "rw"
				: sd->mode & BW_STDIO_READ ? "r" : sd->mode & BW_STDIO_WRITE ? "w" : "");
		if (sd->kind == BW_STDIO_SOCKET) {
			socket_family(jb, sd->family);
			if (sd->family == AF_INET || sd->family == AF_INET6)
				socket_peer(jb, sd);
		} else if (sd->kind == BW_STDIO_FILE) {
			redact_json_str(jb, "path", v->stdio_path[fd]);
		} else if (sd->rdev) {
			const char *r = rdev_text(rdev + sizeof(rdev), sd->rdev);

			json_kv_strn(jb, "rdev", r, (size_t)(rdev + sizeof(rdev) - r));
		}
		json_obj_close(jb);
	}
	json_arr_close(jb);
}

/*
 * The loader variables as an object, each name once with its last value:
 * the one the dynamic loader uses (getenv() would see the first).
 */
static void render_env(struct jbuf *jb, const struct bw_event_view *v)
{
	const char *s = v->env, *end = s ? s + v->env_len : NULL, *t, *value, *eq;
	char name[BW_ENV_NAME_LEN];
	size_t nlen;

	json_sub_open(jb, "env");
	for (; s && s < end; s += strlen(s) + 1) {
		eq = strchr(s, '=');
		nlen = eq ? (size_t)(eq - s) : sizeof(name);
		if (nlen >= sizeof(name))
			continue; /* no '=', or longer than any name the kernel is asked for */
		memcpy(name, s, nlen);
		name[nlen] = '\0';
		for (t = v->env; t < s; t += strlen(t) + 1)
			if (!strncmp(t, s, nlen + 1))
				break;
		if (t < s)
			continue; /* written already */
		value = events_env_get(v->env, v->env_len, name);
		redact_json_strn(jb, name, value, strlen(value), NULL);
	}
	json_obj_close(jb);
	json_kv_bool(jb, "env_truncated", v->exec->flags & BW_EXEC_ENV_TRUNCATED);
}

static void render_exec(struct jbuf *jb, const struct bw_event_view *v)
{
	const struct bw_exec_event *e = v->exec;

	json_kv_u64(jb, "ppid", e->ppid);
	json_kv_u64(jb, "parent_start_ns", e->parent_start_ns);
	json_kv_u64(jb, "old_tid", e->old_tid);
	json_kv_u64(jb, "uid", e->uid);
	json_kv_u64(jb, "euid", e->euid);
	json_kv_u64(jb, "gid", e->gid);
	json_kv_u64(jb, "egid", e->egid);
	json_kv_u64(jb, "cgroup_id", e->cgroup_id);
	comm(jb, e->comm);
	redact_json_str(jb, "filename", v->filename);
	json_kv_str(jb, "exe", v->exe);
	redact_json_str(jb, "cwd", v->cwd);
	json_kv_u64(jb, "argc", e->argc);
	event_json_argv(jb, v->args, v->args_len);
	json_kv_bool(jb, "argv_truncated", e->flags & BW_EXEC_ARGS_TRUNCATED);
	json_kv_bool(jb, "filename_truncated", e->flags & BW_EXEC_FILENAME_TRUNCATED);
	json_kv_bool(jb, "exe_truncated", e->flags & BW_EXEC_EXE_TRUNCATED);
	json_kv_bool(jb, "cwd_truncated", e->flags & BW_EXEC_CWD_TRUNCATED);
	if (e->flags & BW_EXEC_JOB_ROOT)
		json_kv_bool(jb, "job_root", true);
	render_stdio(jb, v);
	render_env(jb, v);
	if (e->flags & BW_EXEC_HELD)
		render_held(jb, e->hints);
}

static void render_exec_failed(struct jbuf *jb, const struct bw_event_view *v)
{
	const struct bw_exec_failed_event *e = v->exec_failed;
	const char *name = strerrorname_np(-e->error);

	json_kv_i64(jb, "error", e->error);
	json_kv_str(jb, "errno", name ? name : "unknown");
	redact_json_str(jb, "filename", v->filename);
	json_kv_bool(jb, "execveat", e->flags & BW_EXECFAIL_EXECVEAT);
	if (e->flags & BW_EXECFAIL_DENIED)
		json_kv_u64(jb, "deny_rule", e->deny_rule);
	comm(jb, e->comm);
}

static void render_exit(struct jbuf *jb, const struct bw_exit_event *e)
{
	json_kv_u64(jb, "ppid", e->ppid);
	json_kv_u64(jb, "parent_start_ns", e->parent_start_ns);
	comm(jb, e->comm);
	event_json_wait_status(jb, e->exit_status);
	if (e->stdout_pipe)
		json_kv_u64(jb, "stdout_pipe", e->stdout_pipe);
}

static void begin_record(struct jbuf *jb, const struct bw_event_header *h, uint64_t seq,
			 const struct bw_clock *clk)
{
	begin_any(jb, seq, record_type_name(h->type), h->ktime_ns, h->job_id, clk, h);
}

void event_json_begin_view(struct jbuf *jb, const struct bw_event_view *v, uint64_t seq,
			   const struct bw_clock *clk)
{
	begin_record(jb, v->hdr, seq, clk);
	if (v->container)
		json_kv_str(jb, "container", v->container);
}

void event_json_render(struct jbuf *jb, const struct bw_event_view *v, uint64_t seq,
		       const struct bw_clock *clk)
{
	const struct bw_event_header *h = v->hdr;

	event_json_begin_view(jb, v, seq, clk);
	switch (h->type) {
	case BW_EV_FORK:
		render_fork(jb, v->fork);
		break;
	case BW_EV_EXEC:
		render_exec(jb, v);
		break;
	case BW_EV_EXEC_FAILED:
		render_exec_failed(jb, v);
		break;
	case BW_EV_EXIT:
		render_exit(jb, v->exit);
		break;
	}
	json_obj_close(jb);
}
