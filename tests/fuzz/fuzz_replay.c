// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: `buildwarden policy test`'s replay (pipeline/replay.h)
 * of an events file under a small policy with a rule of each kind (the
 * default one takes too long to load per input): each JSON line turned back
 * into a kernel record (DNS payloads re-encoded), decoded and judged by
 * the live engine; and `policy suggest` on the same lines, whose YAML the
 * policy loader must accept. An events file is outside input (a CI
 * artifact a build could write). Invariants: a replay fails only with
 * -EINVAL or -ENOMEM; a suggestion always loads.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz_common.h"
#include "events/event_read.h"
#include "pipeline/replay.h"
#include "policy/policy.h"
#include "report/suggest.h"

static int feed(void *arg, struct json_object *rec, size_t lineno, const char **why)
{
	(void)lineno;
	(void)why;
	return suggest_feed(arg, rec);
}

/* The suggestion from path must be a policy the loader accepts. */
static void check_suggestion(const char *path)
{
	const struct suggest_opts o = { .enforce = true, .max_entries = 5 };
	struct bw_policy *p = NULL;
	struct suggest *s = NULL;
	char *yaml = NULL;
	size_t len = 0;
	FILE *f;

	if (suggest_new(&s))
		abort();
	if (event_read_file(path, feed, s) || suggest_end_run(s, path)) {
		suggest_free(s);
		return;
	}
	f = open_memstream(&yaml, &len);
	if (!f || suggest_write(f, s, &o))
		abort();
	fclose(f);
	f = fmemopen(yaml, len, "r");
	if (!f)
		abort();
	FUZZ_CHECK(!policy_load_stream("suggested", f, &p, fuzz_devnull()), "%s", yaml);
	fclose(f);
	policy_free(p);
	free(yaml);
	suggest_free(s);
}

static const char policy_yaml[] =
	"mode: enforce\n"
	"rules:\n"
	"  - {name: pipe-shell, action: kill-process, match: {stdin: network, program_from: stdin}}\n"
	"  - {name: no-nc, action: deny, match: {basename: [nc, ncat]}}\n"
	"  - {name: egress, action: kill-job, on: connect,\n"
	"     allow: [{domains: [deb.debian.org, '*.github.com'], ports: [443, 80]}, {cidrs: [127.0.0.0/8]}]}\n"
	"  - {name: dns, action: alert, on: dns, match: {resolver: other}}\n"
	"  - {name: writes, action: alert, on: file, match: {op: [open-write, rename], tracked: true}}\n"
	"  - {name: priv, action: log, on: privilege, match: {target_in_job: false}}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_policy *p = NULL;
	uint64_t fired = 0;
	char path[64];
	FILE *f;
	int fd = memfd_create("events", MFD_CLOEXEC), err;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	f = fmemopen((void *)policy_yaml, sizeof(policy_yaml) - 1, "r");
	if (!f || policy_load_stream("fuzz.yaml", f, &p, stderr))
		abort();
	fclose(f);
	err = replay_file(p, "fuzz.yaml", path, fuzz_devnull(), &fired);
	FUZZ_CHECK(!err || err == -EINVAL || err == -ENOMEM, "err %d", err);
	if (!err)
		check_suggestion(path);
	close(fd);
	return 0;
}
