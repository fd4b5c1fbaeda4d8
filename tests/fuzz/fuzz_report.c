// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the JSON-lines reader behind `buildwarden report`
 * (report_feed, line by line as report_render reads a file), then
 * report_finish and the text tree, Markdown and JSON writers when every
 * line was accepted. An events file is outside input: it may be copied
 * from a CI artifact a build could write. Invariants: a rejected line says why; the JSON report
 * is one JSON object; a line the reader's fast path takes is the object
 * json-c's tokener makes of it.
 */
#include <errno.h>
#include "fuzz_common.h"
#include "events/event_fastparse.h"
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
