// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdint.h>
#include <string.h>
#include "events/event_lineview.h"

struct scan {
	const char *p, *end;
};

/* The bytes lit next: consumed, or false. */
static bool lit(struct scan *s, const char *lit, size_t n)
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
 * stream handed to a daemon).
 */
static bool num(struct scan *s, uint64_t *v)
{
	const char *start = s->p;
	uint64_t x = 0;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		uint64_t d = (uint64_t)(*s->p - '0');

		if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, d, &x))
			return false;
		s->p++;
	}
	if (s->p == start || (*start == '0' && s->p - start > 1))
		return false;
	if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
		return false;
	*v = x;
	return true;
}

/* A string without escapes or control bytes: its bytes in *str, *n. */
static bool str(struct scan *s, const char **str, size_t *n)
{
	const char *q;

	if (!LIT(s, "\""))
		return false;
	for (q = s->p; q < s->end && *q != '"'; q++)
		if (*q == '\\' || (unsigned char)*q < 0x20)
			return false;
	if (q == s->end)
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

/* What every record begins with, up to its own members; the type as given. */
static bool header(struct scan *s, const char *type, struct event_lineview *o,
		   struct bw_event_header *h)
{
	uint64_t job_id, ktime, pid, tid, start;
	size_t tlen = strlen(type);

	if (!LIT(s, "{\"seq\":") || !num(s, &o->seq) || !LIT(s, ",\"type\":\"") ||
	    !lit(s, type, tlen) || !LIT(s, "\",\"time\":") || !skip_str(s) ||
	    !LIT(s, ",\"job_id\":") || !num(s, &job_id) || !LIT(s, ",\"ktime_ns\":") ||
	    !num(s, &ktime) || !LIT(s, ",\"pid\":") || !num(s, &pid) || !LIT(s, ",\"tid\":") ||
	    !num(s, &tid) || !LIT(s, ",\"start_ns\":") || !num(s, &start))
		return false;
	/* Nobody reads a fork's or an exit's container back. */
	if (LIT(s, ",\"container\":") && !skip_str(s))
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
	if (!header(s, "fork", o, &e->hdr) || !LIT(s, ",\"parent_pid\":") || !num(s, &ppid) ||
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
	const char *comm;
	size_t n;

	e->hdr.type = BW_EV_EXIT;
	if (!header(s, "exit", o, &e->hdr) || !LIT(s, ",\"ppid\":") || !num(s, &ppid) ||
	    !LIT(s, ",\"parent_start_ns\":") || !num(s, &pstart) || !LIT(s, ",\"comm\":") ||
	    !str(s, &comm, &n) || !wait_status(s, &e->exit_status))
		return false;
	if ((LIT(s, ",\"stdout_pipe\":") && !num(s, &pipe)) || !end(s))
		return false;
	e->stdout_pipe = pipe;
	e->ppid = (uint32_t)ppid;
	e->parent_start_ns = pstart;
	/* As strncpy of the decoded string would: a NUL cannot be in it unescaped. */
	memcpy(e->comm, comm, n < BW_COMM_LEN - 1 ? n : BW_COMM_LEN - 1);
	o->v.exit = e;
	return true;
}

bool event_lineview(const char *line, size_t len, struct event_lineview *out)
{
	/* "type" is the second member: look there first, then read it all. */
	static const char fork_at[] = "\"type\":\"fork\"", exit_at[] = "\"type\":\"exit\"";
	const char *t = memchr(line, ',', len < 32 ? len : 32);
	struct scan s = { line, line + len };

	if (!t || (size_t)(line + len - t) < sizeof(fork_at))
		return false;
	memset(out, 0, sizeof(*out));
	out->v.hdr = &out->k.fork.hdr; /* the header leads both records */
	if (!memcmp(t + 1, fork_at, sizeof(fork_at) - 1))
		return fork_line(&s, out);
	if (!memcmp(t + 1, exit_at, sizeof(exit_at) - 1))
		return exit_line(&s, out);
	return false;
}
