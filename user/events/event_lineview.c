// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "events/event_lineview.h"

/* Nesting of the members checked and not kept (stdio's objects in their array). */
#define SKIP_MAX_DEPTH 3

struct scan {
	const char *p, *end;
};

/*
 * Word-at-a-time scans of the lines (eight bytes, little-endian order:
 * the first byte is the lowest). A borrow or carry only runs towards later
 * bytes, so each test is exact up to its first hit, which is all that is
 * read of it.
 */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t load8(const char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* The high bit set in each byte of w below n (n at most 128); after the first, others may be too. */
static inline uint64_t bytes_below(uint64_t w, unsigned n)
{
	return (w - ONES * n) & ~w & HIGHS;
}

/* Whether w holds a quote, a backslash or a control byte: where a string's plain run stops. */
static inline uint64_t stops_in(uint64_t w)
{
	return bytes_below(w ^ (ONES * '"'), 1) | bytes_below(w ^ (ONES * '\\'), 1) |
	       bytes_below(w, 0x20);
}

/* The bytes lit next: consumed, or false. */
static inline __attribute__((always_inline)) bool lit(struct scan *s, const char *lit, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n))
		return false;
	s->p += n;
	return true;
}
#define LIT(s, str) lit(s, str, sizeof(str) - 1)

/*
 * An integer as the agent writes one: digits, no sign, no leading zero,
 * no fraction or exponent, at most UINT64_MAX. json-c reads one past
 * INT64_MAX as an unsigned integer, and every member taken here is read
 * back as one (a daemon's job ids have the top bit set: every line of a
 * stream handed to a daemon). One pass that may wrap; only twenty digits
 * (past 19, no value can wrap) are read again with checks.
 */
static bool num(struct scan *s, uint64_t *v)
{
	const char *start = s->p, *p = s->p;
	uint64_t x = 0, d;

	/* No bound: the line's last byte is not a digit (event_lineview). */
	for (; (d = (uint64_t)((unsigned char)*p - '0')) < 10; p++)
		x = x * 10 + d;
	if (p == start || p - start > 20 || (*start == '0' && p - start > 1))
		return false;
	if (p < s->end && (*p == '.' || *p == 'e' || *p == 'E'))
		return false;
	if (p - start == 20) {
		x = 0;
		for (const char *q = start; q < p; q++)
			if (__builtin_mul_overflow(x, 10, &x) ||
			    __builtin_add_overflow(x, (uint64_t)(*q - '0'), &x))
				return false;
	}
	s->p = p;
	*v = x;
	return true;
}

/* A string without escapes or control bytes: its bytes in *str, *n. */
static bool str(struct scan *s, const char **str, size_t *n)
{
	const char *q;

	if (!LIT(s, "\""))
		return false;
	/* Eight bytes at a time while eight are left: the first stop in them is exact. */
	for (q = s->p; s->end - q >= 8; q += 8) {
		uint64_t stop = stops_in(load8(q));

		if (stop) {
			q += __builtin_ctzll(stop) / 8;
			goto stopped;
		}
	}
	while (q < s->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
stopped:
	if (q == s->end || *q != '"')
		return false;
	*str = s->p;
	*n = (size_t)(q - s->p);
	s->p = q + 1;
	return true;
}

static bool skip_str(struct scan *s)
{
	const char *v;
	size_t n;

	return str(s, &v, &n);
}

/* A string, copied NUL-terminated into o->text: *out the copy. */
static bool copy_str(struct scan *s, struct event_lineview *o, const char **out)
{
	const char *v;
	size_t n;

	if (!str(s, &v, &n) || n >= sizeof(o->text) - o->used)
		return false;
	memcpy(o->text + o->used, v, n);
	o->text[o->used + n] = '\0';
	*out = o->text + o->used;
	o->used += n + 1;
	return true;
}

/* A string as copy_str takes it, or null: *out NULL, as the JSON reader reads a null. */
static bool copy_str_or_null(struct scan *s, struct event_lineview *o, const char **out)
{
	*out = NULL;
	return LIT(s, "null") || copy_str(s, o, out);
}

/* comm as strncpy of the decoded string would leave it: a NUL cannot be in it unescaped. */
static bool comm(struct scan *s, char dst[BW_COMM_LEN])
{
	const char *c;
	size_t n;

	if (!LIT(s, ",\"comm\":") || !str(s, &c, &n))
		return false;
	memcpy(dst, c, n < BW_COMM_LEN - 1 ? n : BW_COMM_LEN - 1);
	return true;
}

/* Member key (its leading comma included) with true or false. */
static bool flag(struct scan *s, const char *key, size_t klen, bool *v)
{
	if (!lit(s, key, klen))
		return false;
	*v = LIT(s, "true");
	return *v || LIT(s, "false");
}
#define FLAG(s, key, v) flag(s, key, sizeof(key) - 1, v)

/* A member that may be absent, and is true or false when there: whichever, not kept. */
static bool opt_flag(struct scan *s, const char *key, size_t klen)
{
	return !lit(s, key, klen) || LIT(s, "true") || LIT(s, "false");
}
#define OPT_FLAG(s, key) opt_flag(s, key, sizeof(key) - 1)

/*
 * A value nobody reads back (exec's stdio, env, held), checked as JSON the
 * agent writes: objects, arrays, strings without escapes, integers that
 * num takes, true, false, null. Anything else is declined, so a line the
 * JSON reader would refuse is never taken here.
 */
static bool skip_value(struct scan *s, int depth)
{
	const char *close;
	uint64_t v;
	bool obj;

	if (s->p == s->end)
		return false;
	if (*s->p == '"')
		return skip_str(s);
	if (*s->p != '{' && *s->p != '[')
		return LIT(s, "true") || LIT(s, "false") || LIT(s, "null") || num(s, &v);
	obj = *s->p++ == '{';
	close = obj ? "}" : "]";
	if (lit(s, close, 1))
		return true;
	if (depth == SKIP_MAX_DEPTH)
		return false;
	do {
		if (obj && (!skip_str(s) || !LIT(s, ":")))
			return false;
		if (!skip_value(s, depth + 1))
			return false;
	} while (LIT(s, ","));
	return lit(s, close, 1);
}

/* What every record begins with, up to its own members; the type as given. */
static bool header(struct scan *s, const char *type, struct event_lineview *o,
		   struct bw_event_header *h, bool keep_container)
{
	uint64_t job_id, ktime, pid, tid, start;
	size_t tlen = strlen(type);

	if (!LIT(s, "{\"seq\":") || !num(s, &o->seq) || !LIT(s, ",\"type\":\"") ||
	    !lit(s, type, tlen) || !LIT(s, "\",\"time\":") || !skip_str(s) ||
	    !LIT(s, ",\"job_id\":") || !num(s, &job_id) || !LIT(s, ",\"ktime_ns\":") ||
	    !num(s, &ktime) || !LIT(s, ",\"pid\":") || !num(s, &pid) || !LIT(s, ",\"tid\":") ||
	    !num(s, &tid) || !LIT(s, ",\"start_ns\":") || !num(s, &start))
		return false;
	/* Only an exec's container is read back. */
	if (LIT(s, ",\"container\":") &&
	    !(keep_container ? copy_str(s, o, &o->v.container) : skip_str(s)))
		return false;
	h->job_id = job_id;
	h->ktime_ns = ktime;
	h->pid = (uint32_t)pid;
	h->tid = (uint32_t)tid;
	h->start_ns = start;
	return true;
}

/* The closing brace, then at most the newline. */
static bool end(struct scan *s)
{
	if (!LIT(s, "}"))
		return false;
	LIT(s, "\n");
	return s->p == s->end;
}

static bool fork_line(struct scan *s, struct event_lineview *o)
{
	struct bw_fork_event *e = &o->k.fork;
	uint64_t ppid, ptid, pstart;

	e->hdr.type = BW_EV_FORK;
	if (!header(s, "fork", o, &e->hdr, false) || !LIT(s, ",\"parent_pid\":") || !num(s, &ppid) ||
	    !LIT(s, ",\"parent_tid\":") || !num(s, &ptid) || !LIT(s, ",\"parent_start_ns\":") ||
	    !num(s, &pstart) || !end(s))
		return false;
	e->parent_pid = (uint32_t)ppid;
	e->parent_start_ns = pstart;
	o->v.fork = e;
	return true;
}

/* exit_code N with signal null, or exit_code null with signal N: the wait status. */
static bool wait_status(struct scan *s, uint32_t *status)
{
	uint64_t v;

	if (LIT(s, ",\"exit_code\":null,\"signal\":")) {
		if (!num(s, &v))
			return false;
		if (LIT(s, ",\"core_dumped\":true"))
			*status = (uint32_t)(v & 0x7f) | 0x80;
		else if (LIT(s, ",\"core_dumped\":false"))
			*status = (uint32_t)(v & 0x7f);
		else
			return false;
		return true;
	}
	if (!LIT(s, ",\"exit_code\":") || !num(s, &v) ||
	    !LIT(s, ",\"signal\":null,\"core_dumped\":false"))
		return false;
	*status = (uint32_t)(v & 0xff) << 8;
	return true;
}

static bool exit_line(struct scan *s, struct event_lineview *o)
{
	struct bw_exit_event *e = &o->k.exit;
	uint64_t ppid, pstart, pipe = 0;

	e->hdr.type = BW_EV_EXIT;
	if (!header(s, "exit", o, &e->hdr, false) || !LIT(s, ",\"ppid\":") || !num(s, &ppid) ||
	    !LIT(s, ",\"parent_start_ns\":") || !num(s, &pstart) || !comm(s, e->comm) ||
	    !wait_status(s, &e->exit_status))
		return false;
	if ((LIT(s, ",\"stdout_pipe\":") && !num(s, &pipe)) || !end(s))
		return false;
	e->stdout_pipe = pipe;
	e->ppid = (uint32_t)ppid;
	e->parent_start_ns = pstart;
	o->v.exit = e;
	return true;
}

/* argv's strings as the kernel lays them out, NUL-separated, in o->text. */
static bool argv(struct scan *s, struct event_lineview *o)
{
	size_t start = o->used;
	const char *a;

	if (!LIT(s, ",\"argv\":["))
		return false;
	if (!LIT(s, "]")) {
		do {
			if (!copy_str(s, o, &a))
				return false;
		} while (LIT(s, ","));
		if (!LIT(s, "]"))
			return false;
	}
	o->v.args = o->text + start;
	o->v.args_len = (uint32_t)(o->used - start);
	return true;
}

/* What the exec line holds after argv: the flags read back, and the members nobody reads. */
static bool exec_tail(struct scan *s, struct bw_exec_event *e)
{
	bool args_cut, cut;

	if (!FLAG(s, ",\"argv_truncated\":", &args_cut) ||
	    !FLAG(s, ",\"filename_truncated\":", &cut) || !FLAG(s, ",\"exe_truncated\":", &cut) ||
	    !FLAG(s, ",\"cwd_truncated\":", &cut))
		return false;
	if (args_cut)
		e->flags |= BW_EXEC_ARGS_TRUNCATED;
	if (LIT(s, ",\"job_root\":true"))
		e->flags |= BW_EXEC_JOB_ROOT;
	if (!LIT(s, ",\"stdio\":") || !skip_value(s, 0) || !LIT(s, ",\"env\":") ||
	    !skip_value(s, 0) || !FLAG(s, ",\"env_truncated\":", &cut))
		return false;
	if (LIT(s, ",\"held\":") && !skip_value(s, 0))
		return false;
	return end(s);
}

static bool exec_line(struct scan *s, struct event_lineview *o)
{
	struct bw_exec_event *e = &o->k.exec;
	struct bw_event_view *v = &o->v;
	uint64_t ppid, pstart, uid, euid, argc, unread;

	e->hdr.type = BW_EV_EXEC;
	if (!header(s, "exec", o, &e->hdr, true) || !LIT(s, ",\"ppid\":") || !num(s, &ppid) ||
	    !LIT(s, ",\"parent_start_ns\":") || !num(s, &pstart) || !LIT(s, ",\"old_tid\":") ||
	    !num(s, &unread) || !LIT(s, ",\"uid\":") || !num(s, &uid) || !LIT(s, ",\"euid\":") ||
	    !num(s, &euid) || !LIT(s, ",\"gid\":") || !num(s, &unread) ||
	    !LIT(s, ",\"egid\":") || !num(s, &unread) || !LIT(s, ",\"cgroup_id\":") ||
	    !num(s, &unread) || !comm(s, e->comm) || !LIT(s, ",\"filename\":") ||
	    !copy_str_or_null(s, o, &v->filename) || !LIT(s, ",\"exe\":") ||
	    !copy_str_or_null(s, o, &v->exe) || !LIT(s, ",\"cwd\":") ||
	    !copy_str_or_null(s, o, &v->cwd) || !LIT(s, ",\"argc\":") || !num(s, &argc) ||
	    !argv(s, o) || !exec_tail(s, e))
		return false;
	e->ppid = (uint32_t)ppid;
	e->parent_start_ns = pstart;
	e->uid = (uint32_t)uid;
	e->euid = (uint32_t)euid;
	e->argc = (uint32_t)argc;
	v->exec = e;
	return true;
}

/*
 * A failed exec's error: a negative errno as the agent writes it, the
 * name beside it the one the view's reader derives from it (so both
 * readers pass on the same name).
 */
static bool exec_error(struct scan *s, int32_t *error)
{
	const char *name, *want;
	uint64_t v;
	size_t n;

	if (!LIT(s, ",\"error\":-") || s->p == s->end || *s->p == '0' || !num(s, &v) ||
	    v > INT32_MAX || !LIT(s, ",\"errno\":") || !str(s, &name, &n))
		return false;
	*error = -(int32_t)v;
	want = strerrorname_np((int)v);
	if (!want)
		want = "unknown";
	return strlen(want) == n && !memcmp(want, name, n);
}

static bool exec_failed_line(struct scan *s, struct event_lineview *o)
{
	struct bw_exec_failed_event *e = &o->k.exec_failed;
	uint64_t rule;
	bool at;

	e->hdr.type = BW_EV_EXEC_FAILED;
	if (!header(s, "exec_failed", o, &e->hdr, false) || !exec_error(s, &e->error) ||
	    !LIT(s, ",\"filename\":") || !copy_str_or_null(s, o, &o->v.filename) ||
	    !FLAG(s, ",\"execveat\":", &at))
		return false;
	if (at)
		e->flags |= BW_EXECFAIL_EXECVEAT;
	if (LIT(s, ",\"deny_rule\":")) {
		if (!num(s, &rule))
			return false;
		e->flags |= BW_EXECFAIL_DENIED;
		e->deny_rule = (uint32_t)rule;
	}
	if (!comm(s, e->comm) || !end(s))
		return false;
	o->v.exec_failed = e;
	return true;
}

/* A signed integer as the agent writes one (json_kv_i64): -0 and leading zeros declined. */
static bool inum(struct scan *s, int64_t *v)
{
	bool neg = LIT(s, "-");
	uint64_t x;

	if ((neg && (s->p == s->end || *s->p == '0')) || !num(s, &x) ||
	    x > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return false;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return true;
}

/* Member key (its leading comma included) with a string or null, copied. */
static bool str_member(struct scan *s, const char *key, size_t klen, struct event_lineview *o,
		       const char **v)
{
	return lit(s, key, klen) && copy_str_or_null(s, o, v);
}
#define STR_MEMBER(s, key, o, v) str_member(s, key, sizeof(key) - 1, o, v)

static bool skip_str_or_null(struct scan *s)
{
	return LIT(s, "null") || skip_str(s);
}

/* The members after a file line's path2, up to its errno: only result is read. */
static bool file_middle(struct scan *s, struct event_hookline *h)
{
	uint64_t flags;
	int64_t dirfd;
	bool resolved;

	if ((LIT(s, ",\"mode\":") && !skip_str(s)) ||
	    (LIT(s, ",\"name\":") && !skip_str_or_null(s)) ||
	    (LIT(s, ",\"target\":") && !skip_str_or_null(s)))
		return false;
	if (!LIT(s, ",\"cwd\":") || !skip_str_or_null(s) || !FLAG(s, ",\"resolved\":", &resolved))
		return false;
	if (LIT(s, ",\"dirfd\":") &&
	    (!inum(s, &dirfd) || (LIT(s, ",\"dirfd_path\":") && !skip_str_or_null(s))))
		return false;
	return LIT(s, ",\"open_flags\":") && num(s, &flags) && LIT(s, ",\"result\":") &&
	       inum(s, &h->result) && LIT(s, ",\"errno\":") && skip_str_or_null(s);
}

/* The hook record, empty: only file and privilege lines fill it, so only they clear it. */
static struct event_hookline *hook_begin(struct event_lineview *o)
{
	memset(&o->hook, 0, sizeof(o->hook));
	return &o->hook;
}

/* The header's process, where the other readers of a hook line keep it. */
static bool hook_header(struct event_lineview *o)
{
	o->hook.pid = o->k.fork.hdr.pid;
	o->hook.start_ns = o->k.fork.hdr.start_ns;
	return true;
}

static bool file_line(struct scan *s, struct event_lineview *o)
{
	struct event_hookline *h = hook_begin(o);
	uint64_t fd;
	bool cut;

	o->k.fork.hdr.type = BW_EV_FILE;
	if (!header(s, "file", o, &o->k.fork.hdr, false) || !STR_MEMBER(s, ",\"op\":", o, &h->op) ||
	    !STR_MEMBER(s, ",\"path\":", o, &h->path) || !STR_MEMBER(s, ",\"path2\":", o, &h->path2) ||
	    !file_middle(s, h) || !FLAG(s, ",\"truncated\":", &cut))
		return false;
	h->tracked = LIT(s, ",\"tracked\":true");
	if (!OPT_FLAG(s, ",\"compat\":"))
		return false;
	if (LIT(s, ",\"held\":true") && !(LIT(s, ",\"fd\":") && num(s, &fd)))
		return false;
	if (LIT(s, ",\"target_pid\":")) {
		if (!num(s, &h->target_pid) || !FLAG(s, ",\"target_in_job\":", &h->target_in_job))
			return false;
		h->has_target = h->has_target_in_job = true;
	}
	return STR_MEMBER(s, ",\"comm\":", o, &h->comm) && end(s) && hook_header(o);
}

static bool priv_line(struct scan *s, struct event_lineview *o)
{
	struct event_hookline *h = hook_begin(o);
	uint64_t nr, arg;

	o->k.fork.hdr.type = BW_EV_PRIV;
	if (!header(s, "privilege", o, &o->k.fork.hdr, false) || !STR_MEMBER(s, ",\"op\":", o, &h->op) ||
	    !OPT_FLAG(s, ",\"write\":") || !LIT(s, ",\"syscall_nr\":") || !num(s, &nr) ||
	    !OPT_FLAG(s, ",\"compat\":") || !LIT(s, ",\"args\":["))
		return false;
	for (int i = 0; i < 3; i++) {
		if ((i && !LIT(s, ",")) || !num(s, &arg))
			return false;
		/* json-c reads one past INT64_MAX as unsigned, and gives INT64_MAX as a signed one. */
		h->args[i] = arg > INT64_MAX ? INT64_MAX : (int64_t)arg;
	}
	h->has_args = true;
	h->n_args = 3;
	if (!LIT(s, "],\"target_pid\":"))
		return false;
	if (!LIT(s, "null")) {
		if (!num(s, &h->target_pid))
			return false;
		h->has_target = true;
	}
	h->has_target_in_job = true;
	return FLAG(s, ",\"target_in_job\":", &h->target_in_job) &&
	       STR_MEMBER(s, ",\"string\":", o, &h->string) &&
	       STR_MEMBER(s, ",\"comm\":", o, &h->comm) && end(s) && hook_header(o);
}

bool event_lineview(const char *line, size_t len, struct event_lineview *out)
{
	/* "type" is the second member: look there first, then read it all. */
	static const char type_at[] = "\"type\":\"";
	static const struct {
		const char *name; /* with its closing quote */
		size_t len;
		bool (*read)(struct scan *, struct event_lineview *);
	} types[] = {
		{ "fork\"", 5, fork_line },
		{ "exit\"", 5, exit_line },
		{ "exec\"", 5, exec_line },
		{ "exec_failed\"", 12, exec_failed_line },
		{ "file\"", 5, file_line },
		{ "privilege\"", 10, priv_line },
	};
	const char *t = memchr(line, ',', len < 32 ? len : 32);
	struct scan s = { line, line + len };
	size_t left;

	/* Every line taken ends so (end()): num's digits then always stop inside it. */
	if (!t || (line[len - 1] != '}' && line[len - 1] != '\n') ||
	    (left = (size_t)(line + len - t - 1)) < sizeof(type_at) - 1 + 5 ||
	    memcmp(t + 1, type_at, sizeof(type_at) - 1))
		return false;
	t += sizeof(type_at);
	left -= sizeof(type_at) - 1;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (left < types[i].len || memcmp(t, types[i].name, types[i].len))
			continue;
		/* Not the text (each string read is copied in whole) nor the view's exe_buf. */
		out->seq = 0;
		out->used = 0;
		memset(&out->v, 0, offsetof(struct bw_event_view, exe_buf));
		memset(&out->k, 0, sizeof(out->k));
		out->v.hdr = &out->k.fork.hdr; /* the header leads every record */
		return types[i].read(&s, out);
	}
	return false;
}
