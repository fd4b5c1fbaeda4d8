// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON-lines event stream read back (events/event_read.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int event_read_file(const char *path, event_read_fn fn, void *arg)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *in = is_stdin ? stdin : fopen(path, "re");
	struct event_reader rd;
	struct json_object *o;
	const char *why = NULL;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int err;

	if (!in) {
		err = -errno;
		bw_err("cannot open %s: %s", path, strerror(errno));
		return err;
	}
	err = event_reader_init(&rd);
	if (err) {
		bw_err("cannot read %s: %s", path, strerror(-err));
		goto close_in;
	}
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		why = NULL;
		err = event_read_line(&rd, line, (size_t)len, &o, &why);
		if (!err && o) {
			err = fn(arg, o, lineno, &why);
			json_object_put(o);
		}
		if (err) {
			bw_err("%s:%zu: %s: %s", path, lineno,
			       err == -EINVAL ? "malformed record" : "cannot read record",
			       why ? why : strerror(-err));
			goto free_reader;
		}
	}
	if (ferror(in)) {
		err = -EIO;
		bw_err("cannot read %s: %s", path, strerror(EIO));
	}
free_reader:
	event_reader_free(&rd);
	free(line);
close_in:
	if (!is_stdin)
		fclose(in);
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
