// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON-lines event stream read back (events/event_read.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "events/event_read.h"
#include "lib/log.h"

int event_reader_init(struct event_reader *rd)
{
	memset(rd, 0, sizeof(*rd));
	rd->tok = json_tokener_new();
	return rd->tok ? 0 : -ENOMEM;
}

void event_reader_free(struct event_reader *rd)
{
	if (rd->tok)
		json_tokener_free(rd->tok);
	rd->tok = NULL;
	event_fastparse_free(&rd->fast);
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* The line through json-c's tokener: 0 with *out set, or -EINVAL with *why. */
static int tokener_parse(struct event_reader *rd, const char *line, size_t len,
			 struct json_object **out, const char **why)
{
	enum json_tokener_error jerr;
	struct json_object *o;
	size_t end;

	json_tokener_reset(rd->tok);
	o = json_tokener_parse_ex(rd->tok, line, (int)len);
	jerr = json_tokener_get_error(rd->tok);
	if (!o) {
		if (jerr == json_tokener_continue || jerr == json_tokener_success) {
			*why = "the record is cut short";
		} else {
			snprintf(rd->why, sizeof(rd->why), "not valid JSON (%s)",
				 json_tokener_error_desc(jerr));
			*why = rd->why;
		}
		return -EINVAL;
	}
	end = json_tokener_get_parse_end(rd->tok);
	if (!blank(line + end, len - end)) {
		*why = "more than one JSON value on the line";
		json_object_put(o);
		return -EINVAL;
	}
	*out = o;
	return 0;
}

int event_read_line(struct event_reader *rd, const char *line, size_t len,
		    struct json_object **out, const char **why)
{
	struct json_object *o;

	*out = NULL;
	if (blank(line, len))
		return 0;
	if (len > INT_MAX) {
		*why = "line too long";
		return -EINVAL;
	}
	/* The agent's own lines, most of any stream, skip the tokener. */
	o = event_fastparse(&rd->fast, line, len);
	if (!o && tokener_parse(rd, line, len, &o, why))
		return -EINVAL;
	if (!json_object_is_type(o, json_type_object))
		*why = "not a JSON object";
	else if (!event_str(o, "type"))
		*why = "no \"type\" string";
	else {
		*out = o;
		return 0;
	}
	json_object_put(o);
	return -EINVAL;
}

int event_follow_open(struct event_follow *f, const char *path)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->path = strdup(path);
	if (!f->path)
		return -ENOMEM;
	err = event_reader_init(&f->rd);
	if (err)
		goto free_path;
	if (!strcmp(path, "-")) {
		f->fd = STDIN_FILENO;
		return 0;
	}
	/* A description of our own: a stream someone else writes keeps its offset. */
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd >= 0)
		return 0;
	err = -errno;
	bw_err("cannot open %s: %s", path, strerror(errno));
	event_reader_free(&f->rd);
free_path:
	free(f->path);
	f->path = NULL;
	return err;
}

void event_follow_close(struct event_follow *f)
{
	if (f->fd > STDIN_FILENO)
		close(f->fd);
	f->fd = -1;
	event_reader_free(&f->rd);
	free(f->buf);
	free(f->path);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

void event_read_error(const char *path, size_t lineno, int err, const char *why)
{
	bw_err("%s:%zu: %s: %s", path, lineno,
	       err == -EINVAL ? "malformed record" : "cannot read record",
	       why ? why : strerror(-err));
}

/* One line (its newline, if any, included in len) to fn; errors as PATH:LINE: why. */
static int follow_line(struct event_follow *f, const char *line, size_t len, event_read_fn fn,
		       void *arg)
{
	struct json_object *o;
	const char *why = NULL;
	int err;

	f->lineno++;
	err = f->take ? f->take(arg, line, len, &why) : 0;
	if (err > 0)
		return 0;
	if (!err)
		err = event_read_line(&f->rd, line, len, &o, &why);
	if (!err && o) {
		err = fn(arg, o, f->lineno, &why);
		json_object_put(o);
	}
	if (err)
		event_read_error(f->path, f->lineno, err, why);
	return err;
}

/* Every complete line in the buffer to fn; what follows the last newline stays. */
static int follow_lines(struct event_follow *f, event_read_fn fn, void *arg)
{
	size_t pos = 0;
	char *nl;
	int err = 0;

	while (!err && (nl = memchr(f->buf + f->scan, '\n', f->len - f->scan))) {
		size_t end = (size_t)(nl - f->buf) + 1;

		err = follow_line(f, f->buf + pos, end - pos, fn, arg);
		pos = f->scan = end;
	}
	memmove(f->buf, f->buf + pos, f->len - pos);
	f->len -= pos;
	f->scan = f->len;
	return err;
}

/* Room for at least one more read into the buffer. */
static int follow_reserve(struct event_follow *f)
{
	size_t cap = f->cap ? f->cap : EVENT_FOLLOW_CHUNK;
	char *buf;

	while (cap - f->len < EVENT_FOLLOW_CHUNK / 2)
		cap *= 2;
	if (cap == f->cap)
		return 0;
	buf = realloc(f->buf, cap);
	if (!buf)
		return -ENOMEM;
	f->buf = buf;
	f->cap = cap;
	return 0;
}

int event_follow_read(struct event_follow *f, event_read_fn fn, void *arg, bool final)
{
	ssize_t n;
	int err;

	if (f->err)
		return f->err;
	for (;;) {
		err = follow_reserve(f);
		if (err) {
			bw_err("cannot read %s: %s", f->path, strerror(-err));
			goto fail;
		}
		n = read(f->fd, f->buf + f->len, f->cap - f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			bw_err("cannot read %s: %s", f->path, strerror(errno));
			goto fail;
		}
		if (!n)
			break;
		f->len += (size_t)n;
		err = follow_lines(f, fn, arg);
		if (err)
			goto fail;
	}
	/* The writer is done: a last line without its newline is still a line. */
	if (final && f->len) {
		err = follow_line(f, f->buf, f->len, fn, arg);
		f->len = f->scan = 0;
		if (err)
			goto fail;
	}
	return 0;
fail:
	f->err = err;
	return err;
}

int event_read_file(const char *path, event_read_fn fn, void *arg)
{
	struct event_follow f;
	int err;

	err = event_follow_open(&f, path);
	if (err)
		return err;
	err = event_follow_read(&f, fn, arg, true);
	event_follow_close(&f);
	return err;
}

struct json_object *event_member(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

const char *event_str(struct json_object *o, const char *key)
{
	struct json_object *v = event_member(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

bool event_u64(struct json_object *o, const char *key, uint64_t *out)
{
	struct json_object *v = event_member(o, key, json_type_int);

	if (v)
		*out = json_object_get_uint64(v);
	return v != NULL;
}

uint64_t event_u64_or(struct json_object *o, const char *key, uint64_t dflt)
{
	uint64_t v;

	return event_u64(o, key, &v) ? v : dflt;
}

bool event_true(struct json_object *o, const char *key)
{
	struct json_object *v = event_member(o, key, json_type_boolean);

	return v && json_object_get_boolean(v);
}

void event_read_header(struct bw_event_header *h, uint32_t type, struct json_object *o)
{
	h->type = type;
	h->pid = (uint32_t)event_u64_or(o, "pid", 0);
	h->tid = (uint32_t)event_u64_or(o, "tid", h->pid);
	h->start_ns = event_u64_or(o, "start_ns", 0);
	h->job_id = event_u64_or(o, "job_id", 0);
	h->ktime_ns = event_u64_or(o, "ktime_ns", 0);
}

void event_read_comm(char dst[BW_COMM_LEN], struct json_object *o)
{
	const char *c = event_str(o, "comm");

	if (c)
		strncpy(dst, c, BW_COMM_LEN - 1);
}
