// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the JSON-lines reader behind `buildwarden report`
 * (report_feed, line by line as report_render reads a file), then
 * report_finish and the text tree, Markdown and JSON writers when every
 * line was accepted. An events file is outside input: it may be copied
 * from a CI artifact a build could write. Invariants: a rejected line says why; the JSON report
 * is one JSON object; a line the reader's fast path takes is the object
 * json-c's tokener makes of it; a line read back without JSON (the
 * lineview) is one the JSON reader accepts, with the same record.
 */
#include <errno.h>
#include "fuzz_common.h"
#include "events/event_fastparse.h"
#include "events/event_lineview.h"
#include "events/event_read.h"
#include "report/report_internal.h"

static void check_fast_path(struct event_fastparse *fp, const char *line, size_t n)
{
	struct json_object *fast = event_fastparse(fp, line, n), *slow;
	struct json_tokener *tok;

	if (!fast)
		return;
	tok = json_tokener_new();
	if (!tok)
		abort();
	slow = json_tokener_parse_ex(tok, line, (int)n);
	FUZZ_CHECK(slow && json_object_equal(fast, slow), "fast path differs: %.*s", (int)n, line);
	json_object_put(slow);
	json_object_put(fast);
	json_tokener_free(tok);
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* What the report reads of an exec line, the same from both readers. */
static bool same_exec(struct json_object *o, const struct event_lineview *lv)
{
	struct json_object *argv = NULL;
	size_t i, pos = 0, len;
	const char *a;

	if (!same_str(event_str(o, "exe"), lv->v.exe) ||
	    !same_str(event_str(o, "filename"), lv->v.filename) ||
	    !same_str(event_str(o, "cwd"), lv->v.cwd) ||
	    !same_str(event_str(o, "container"), lv->v.container) ||
	    (uint32_t)event_u64_or(o, "ppid", 0) != lv->k.exec.ppid ||
	    !json_object_object_get_ex(o, "argv", &argv))
		return false;
	for (i = 0; i < json_object_array_length(argv); i++) {
		a = json_object_get_string(json_object_array_get_idx(argv, i));
		len = strlen(a);
		if (pos + len >= lv->v.args_len || memcmp(lv->v.args + pos, a, len + 1))
			return false;
		pos += len + 1;
	}
	return pos == lv->v.args_len;
}

/* What the review reads of a file or privilege line, the same from both readers. */
static bool same_hook(struct json_object *o, const struct event_lineview *lv)
{
	const struct event_hookline *h = &lv->hook;
	struct event_hookline in;

	review_hook_read(o, &in);
	if (!same_str(in.op, h->op) || !same_str(in.path, h->path) ||
	    !same_str(in.path2, h->path2) || !same_str(in.string, h->string) ||
	    !same_str(in.comm, h->comm) || in.pid != h->pid || in.start_ns != h->start_ns ||
	    in.result != h->result || in.tracked != h->tracked ||
	    in.has_target != h->has_target || in.target_pid != h->target_pid ||
	    in.has_target_in_job != h->has_target_in_job || in.target_in_job != h->target_in_job ||
	    in.has_args != h->has_args || in.n_args != h->n_args)
		return false;
	for (uint32_t i = 0; i < in.n_args; i++)
		if (in.args[i] != h->args[i])
			return false;
	return true;
}

static void check_lineview(const char *line, size_t n)
{
	struct event_lineview *lv = malloc(sizeof(*lv));
	struct json_object *o = NULL;
	struct event_reader rd;
	const char *why = NULL;

	if (!lv || event_reader_init(&rd))
		abort();
	if (event_lineview(line, n, lv)) {
		FUZZ_CHECK(!event_read_line(&rd, line, n, &o, &why) && o,
			   "taken without JSON, refused by the JSON reader: %.*s", (int)n, line);
		FUZZ_CHECK(event_u64_or(o, "seq", 0) == lv->seq &&
				   (uint32_t)event_u64_or(o, "pid", 0) == lv->v.hdr->pid &&
				   event_u64_or(o, "start_ns", 0) == lv->v.hdr->start_ns &&
				   event_u64_or(o, "job_id", 0) == lv->v.hdr->job_id,
			   "header differs: %.*s", (int)n, line);
		FUZZ_CHECK(lv->v.hdr->type != BW_EV_EXEC || same_exec(o, lv),
			   "exec differs: %.*s", (int)n, line);
		FUZZ_CHECK((lv->v.hdr->type != BW_EV_FILE && lv->v.hdr->type != BW_EV_PRIV) ||
				   same_hook(o, lv),
			   "file or privilege line differs: %.*s", (int)n, line);
		FUZZ_CHECK(lv->v.hdr->type != BW_EV_EXEC_FAILED ||
				   same_str(event_str(o, "filename"), lv->v.filename),
			   "failed exec differs: %.*s", (int)n, line);
		json_object_put(o);
	}
	event_reader_free(&rd);
	free(lv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_fastparse fp = { 0 };
	struct report r;
	const char *why;
	char *json = NULL;
	size_t json_len = 0;
	int err = 0;
	FILE *f;

	if (report_init(&r))
		abort();
	r.procs.max_exited = 16; /* prune often */
	while (size) {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t n = nl ? (size_t)(nl - data) + 1 : size;
		char *line = fuzz_dup(data, n, 0);

		check_fast_path(&fp, line, n);
		check_lineview(line, n);
		why = NULL;
		err = report_feed(&r, line, n, &why);
		free(line);
		if (err) {
			FUZZ_CHECK(err == -EINVAL || err == -ENOMEM, "err %d", err);
			FUZZ_CHECK(why && *why, "rejected without a reason");
			break;
		}
		data += n;
		size -= n;
	}
	if (!err)
		err = report_finish(&r);
	if (!err) {
		report_write_text(fuzz_devnull(), &r, true, true);
		report_write_markdown(fuzz_devnull(), &r);
		f = open_memstream(&json, &json_len);
		if (!f)
			abort();
		report_write_json(f, &r);
		fclose(f);
		while (json_len && json[json_len - 1] == '\n')
			json_len--;
		FUZZ_CHECK(fuzz_json_is(json, json_len, json_type_object), "%.*s",
			   (int)json_len, json);
		free(json);
	}
	report_free(&r);
	event_fastparse_free(&fp);
	return 0;
}
