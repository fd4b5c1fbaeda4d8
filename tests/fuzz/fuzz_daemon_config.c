// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the daemon's config parser (daemon_config_parse) on
 * any bytes, and record_kinds_parse on the same bytes as one string. A
 * config that parses has its job rules matched and a policy chosen for a
 * few jobs. Invariants: a failed parse returns -EINVAL/-ENOMEM, leaves
 * *out alone and (for -EINVAL) prints at least one "fuzz.yaml:LINE:COL:
 * error:" line; a parsed config keeps every promise of daemon_config.h
 * (at least one rule, each matching by exe_basename or by pid, paths
 * resolved, limits kept, headers NULL-terminated).
 */
#include <errno.h>
#include "fuzz_common.h"
#include "daemon/daemon_config.h"
#include "lib/record_kinds.h"

#define BASE "/etc/bw"

static void check_path(const char *p, const char *what)
{
	if (p)
		FUZZ_CHECK(p[0] == '/', "%s not resolved: '%s'", what, p);
}

static void check_rule(const struct daemon_config *c, size_t i)
{
	const struct daemon_root_rule *r = &c->roots[i];

	FUZZ_CHECK(r->name && r->name[0], "rule %zu without a name", i);
	FUZZ_CHECK(!r->exe_basename != !r->pid, "rule %s: exe_basename xor pid", r->name);
	if (r->exe_basename)
		FUZZ_CHECK(r->exe_basename[0] && !strchr(r->exe_basename, '/'), "exe_basename");
	if (r->pid)
		FUZZ_CHECK(!r->parent_basename && !r->args_glob, "pid rule with exe conditions");
	if (r->id)
		FUZZ_CHECK(r->id[0] && r->id[0] != '.' && !strchr(r->id, '/'), "id '%s'", r->id);
	check_path(r->policy_path, "rule policy");
	FUZZ_CHECK(r->n_labels <= DAEMON_CONFIG_MAX_LABELS, "labels");
	for (size_t k = 0; k < r->n_labels; k++)
		FUZZ_CHECK(r->labels[k] && r->labels[k][0], "empty label");
	for (size_t j = 0; j < i; j++)
		FUZZ_CHECK(strcmp(r->name, c->roots[j].name), "duplicate name %s", r->name);
	/* a pid rule never matches by name; an exe rule matches its own name */
	if (r->pid)
		FUZZ_CHECK(!daemon_rule_matches(r, "x", "y", "x"), "pid rule %s matched", r->name);
	if (r->exe_basename && !r->args_glob)
		FUZZ_CHECK(daemon_rule_matches(r, r->exe_basename, r->parent_basename, "x"),
			   "rule %s does not match its own exe", r->name);
	daemon_rule_matches(r, "bash", "gitlab-runner", "bash -c ./build.sh --release");
}

static void check_config(const struct daemon_config *c)
{
	size_t n = 0;

	FUZZ_CHECK(!strcmp(c->path, "fuzz.yaml"), "path");
	FUZZ_CHECK(c->n_roots >= 1 && c->n_roots <= DAEMON_CONFIG_MAX_JOBS, "n_roots %zu",
		   c->n_roots);
	FUZZ_CHECK(c->reports_dir, "no reports");
	check_path(c->reports_dir, "reports");
	check_path(c->policy_path, "policy");
	check_path(c->jsonl_path, "jsonl path");
	check_path(c->webhook_secret_file, "secret_file");
	FUZZ_CHECK(c->ringbuf_mb >= 1 && c->ringbuf_mb <= 1024 &&
		   !(c->ringbuf_mb & (c->ringbuf_mb - 1)), "ringbuf_mb %u", c->ringbuf_mb);
	FUZZ_CHECK(c->jsonl_keep <= 1000, "keep %u", c->jsonl_keep);
	FUZZ_CHECK(!(c->hooks & ~BW_HOOK_ALL), "hooks %#x", c->hooks);
	FUZZ_CHECK(!c->record_auto || c->hooks == BW_HOOK_ALL, "auto hooks");
	FUZZ_CHECK(c->otlp_headers, "headers NULL");
	for (; c->otlp_headers[n]; n++)
		FUZZ_CHECK(strstr(c->otlp_headers[n], ": ") && !strpbrk(c->otlp_headers[n], "\r\n"),
			   "header %zu", n);
	FUZZ_CHECK(n <= DAEMON_CONFIG_MAX_HEADERS, "%zu headers", n);
	if (c->otlp_url)
		FUZZ_CHECK(!strncmp(c->otlp_url, "http://", 7) || !strncmp(c->otlp_url, "https://", 8),
			   "otlp url");
	if (c->webhook_url)
		FUZZ_CHECK(!strncmp(c->webhook_url, "http://", 7) ||
			   !strncmp(c->webhook_url, "https://", 8), "webhook url");
	for (size_t i = 0; i < c->n_roots; i++)
		check_rule(c, i);
	for (size_t i = 0; i < c->n_overrides; i++) {
		FUZZ_CHECK(c->overrides[i].policy_path, "override %zu without a policy", i);
		check_path(c->overrides[i].policy_path, "override policy");
	}
}

static void exercise(const struct daemon_config *c)
{
	static const char *const repos[] = { NULL, "acme/payments-api", "octo/x", "" };
	const char *p;

	for (size_t i = 0; i < c->n_roots; i++) {
		for (size_t k = 0; k < sizeof(repos) / sizeof(repos[0]); k++) {
			p = daemon_policy_for(c, &c->roots[i], repos[k]);
			if (p)
				FUZZ_CHECK(p[0] == '/', "policy for a job: '%s'", p);
		}
	}
	daemon_policy_for(c, NULL, "acme/x");
}

static void fuzz_record(const uint8_t *data, size_t size)
{
	char *s = fuzz_dup(data, size, 1), err[128];
	uint32_t hooks = 0xdead;
	bool is_auto = false;
	int rc;

	rc = record_kinds_parse(s, &hooks, &is_auto, err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL, "record rc %d", rc);
		FUZZ_CHECK(hooks == 0xdead, "hooks written on error");
		FUZZ_CHECK(err[0] == '\'', "record error '%s'", err);
	} else {
		FUZZ_CHECK(!(hooks & ~BW_HOOK_ALL), "hooks %#x", hooks);
		FUZZ_CHECK(!is_auto || !strcmp(s, "auto"), "auto");
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_config *c = (struct daemon_config *)1;
	char *errs = NULL, *buf = fuzz_dup(data, size, 0);
	size_t errs_len = 0;
	FILE *f = open_memstream(&errs, &errs_len);
	int err;

	if (!f)
		abort();
	err = daemon_config_parse("fuzz.yaml", buf, size, BASE, &c, f);
	fclose(f);
	if (err) {
		FUZZ_CHECK(err == -EINVAL || err == -ENOMEM, "err %d", err);
		FUZZ_CHECK(c == (struct daemon_config *)1, "a failed parse set *out");
		FUZZ_CHECK(err != -EINVAL || strstr(errs, "fuzz.yaml:"),
			   "-EINVAL without an error line: '%s'", errs);
	} else {
		FUZZ_CHECK(c && c != (struct daemon_config *)1, "success without a config");
		FUZZ_CHECK(errs_len == 0, "success with errors: '%s'", errs);
		check_config(c);
		exercise(c);
		daemon_config_free(c);
	}
	free(errs);
	free(buf);
	fuzz_record(data, size);
	return 0;
}
