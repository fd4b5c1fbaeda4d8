// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the JSON-lines reader behind `buildwarden report`
 * (report_feed, line by line as report_render reads a file), then
 * report_finish and the text tree, Markdown and JSON writers when every
 * line was accepted. An events file is outside input: it may be copied
 * from a CI artifact a build could write. Invariants: a rejected line says why; the JSON report
 * is one JSON object.
 */
#include <errno.h>
#include "fuzz_common.h"
#include "report/report_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
	return 0;
}
