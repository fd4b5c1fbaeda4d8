// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's config file: the documented example with every field,
 * defaults, path resolution, every class of error with its position,
 * webhook URLs from the environment and from files, job rule matching,
 * the choice of policy per job, and the --record / record: kinds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/daemon_config.h"
#include "lib/record_kinds.h"

/* ---- helpers ---- */

static struct daemon_config *parse_ok_in(const char *yaml, const char *base)
{
	struct daemon_config *c = NULL;
	char *errs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&errs, &len);
	int err;

	assert_non_null(f);
	err = daemon_config_parse("c.yaml", yaml, strlen(yaml), base, &c, f);
	fclose(f);
	if (err)
		fail_msg("config failed to parse (%d):\n%s", err, errs);
	assert_string_equal(errs, "");
	free(errs);
	assert_non_null(c);
	return c;
}

static struct daemon_config *parse_ok(const char *yaml)
{
	return parse_ok_in(yaml, "/etc/bw");
}

/* Parses a config that must fail; returns its error text (caller frees). */
static char *parse_err(const char *yaml)
{
	struct daemon_config *c = (struct daemon_config *)1;
	char *errs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&errs, &len);
	int err;

	assert_non_null(f);
	err = daemon_config_parse("c.yaml", yaml, strlen(yaml), "/etc/bw", &c, f);
	fclose(f);
	assert_int_equal(err, -EINVAL);
	assert_ptr_equal(c, (struct daemon_config *)1); /* *out untouched */
	assert_non_null(errs);
	return errs;
}

/* One error line "c.yaml:L:C: error: ..." containing what. */
static void expect_error(const char *errs, const char *pos, const char *what)
{
	char prefix[64];
	const char *line = errs;

	snprintf(prefix, sizeof(prefix), "c.yaml:%s: error: ", pos);
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[1024];

		snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
		if (!strncmp(buf, prefix, strlen(prefix)) && strstr(buf, what))
			return;
		line = end ? end + 1 : NULL;
	}
	fail_msg("expected an error at %s containing \"%s\" in:\n%s", pos, what, errs);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The config must fail with exactly one error, at pos, containing what. */
static void expect_only_error(const char *yaml, const char *pos, const char *what)
{
	char *errs = parse_err(yaml);

	expect_error(errs, pos, what);
	if (count_lines(errs) != 1)
		fail_msg("expected one error line, got:\n%s", errs);
	free(errs);
}

#define HEAD "reports: r\njobs:\n  - match: {exe_basename: x}\n"

/* A temporary directory, removed with its files at the end of a test. */
struct tmp {
	char dir[32];
	char path[4][96];
	int n;
};

static void tmp_init(struct tmp *t)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->dir, "/tmp/bw-cfg-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
}

static const char *tmp_file(struct tmp *t, const char *name, const char *text, mode_t mode)
{
	char *p = t->path[t->n++];
	int fd;

	assert_true(strlen(t->dir) + 1 + strlen(name) < sizeof(t->path[0]));
	strcpy(p, t->dir);
	strcat(p, "/");
	strcat(p, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0); /* past the umask */
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return p;
}

static void tmp_done(struct tmp *t)
{
	for (int i = 0; i < t->n; i++)
		unlink(t->path[i]);
	rmdir(t->dir);
}

/* ---- the documented example ---- */

static const char example[] =
	"policy: /etc/buildwarden/policy.yaml\n"
	"reports: /var/lib/buildwarden/reports\n"
	"record: auto\n"
	"fail_closed: false\n"
	"ringbuf_mb: 16\n"
	"redact: true\n"
	"jobs:\n"
	"  - name: github-actions\n"
	"    match: {exe_basename: Runner.Worker}\n"
	"    labels: [linux, x64]\n"
	"  - name: gitlab-shell\n"
	"    match: {exe_basename: bash, parent_basename: gitlab-runner}\n"
	"    policy: gitlab-policy.yaml\n"
	"  - name: jenkins\n"
	"    match: {exe_basename: sh, args: \"*/durable-*/script.sh*\"}\n"
	"  - name: this-job\n"
	"    match: {pid: 4242}\n"
	"    id: \"run-123-1-build\"\n"
	"policies:\n"
	"  - match: {repository: \"acme/payments*\"}\n"
	"    policy: /etc/buildwarden/strict.yaml\n"
	"  - match: {label: gpu, job: github-actions}\n"
	"    policy: gpu.yaml\n"
	"status: {listen: \"127.0.0.1:9464\"}\n"
	"export:\n"
	"  jsonl: {path: /var/log/buildwarden/events.jsonl, max_bytes: 104857600, keep: 5}\n"
	"  otlp:\n"
	"    url: http://127.0.0.1:4318\n"
	"    headers: {Authorization: \"Bearer x\"}\n"
	"    batch_records: 512\n"
	"alerts: {webhook_env: BW_WEBHOOK, format: slack}\n";

static void check_example_rules(const struct daemon_config *c)
{
	const struct daemon_root_rule *r = c->roots;

	assert_int_equal(c->n_roots, 4);
	assert_string_equal(r[0].name, "github-actions");
	assert_string_equal(r[0].exe_basename, "Runner.Worker");
	assert_null(r[0].parent_basename);
	assert_null(r[0].args_glob);
	assert_int_equal(r[0].pid, 0);
	assert_null(r[0].id);
	assert_null(r[0].policy_path);
	assert_int_equal(r[0].n_labels, 2);
	assert_string_equal(r[0].labels[0], "linux");
	assert_string_equal(r[0].labels[1], "x64");
	assert_int_equal(r[0].line, 8);

	assert_string_equal(r[1].name, "gitlab-shell");
	assert_string_equal(r[1].exe_basename, "bash");
	assert_string_equal(r[1].parent_basename, "gitlab-runner");
	assert_string_equal(r[1].policy_path, "/etc/bw/gitlab-policy.yaml");
	assert_int_equal(r[1].n_labels, 0);
	assert_int_equal(r[1].line, 11);

	assert_string_equal(r[2].name, "jenkins");
	assert_string_equal(r[2].exe_basename, "sh");
	assert_string_equal(r[2].args_glob, "*/durable-*/script.sh*");
	assert_null(r[2].policy_path);

	assert_string_equal(r[3].name, "this-job");
	assert_null(r[3].exe_basename);
	assert_int_equal(r[3].pid, 4242);
	assert_string_equal(r[3].id, "run-123-1-build");
	assert_int_equal(r[3].line, 16);
}

static void check_example_overrides(const struct daemon_config *c)
{
	const struct daemon_policy_override *o = c->overrides;

	assert_int_equal(c->n_overrides, 2);
	assert_string_equal(o[0].repository, "acme/payments*");
	assert_null(o[0].label);
	assert_null(o[0].job);
	assert_string_equal(o[0].policy_path, "/etc/buildwarden/strict.yaml");
	assert_int_equal(o[0].line, 20);
	assert_null(o[1].repository);
	assert_string_equal(o[1].label, "gpu");
	assert_string_equal(o[1].job, "github-actions");
	assert_string_equal(o[1].policy_path, "/etc/bw/gpu.yaml");
	assert_int_equal(o[1].line, 22);
}

static void test_example(void **state)
{
	struct daemon_config *c;

	setenv("BW_WEBHOOK", "https://hooks.example/T0/B0/xyz", 1);
	c = parse_ok(example);
	assert_string_equal(c->path, "c.yaml");
	assert_string_equal(c->policy_path, "/etc/buildwarden/policy.yaml");
	assert_string_equal(c->reports_dir, "/var/lib/buildwarden/reports");
	assert_int_equal(c->hooks, BW_HOOK_ALL);
	assert_true(c->record_auto);
	assert_false(c->fail_closed);
	assert_int_equal(c->ringbuf_mb, 16);
	assert_true(c->redact);
	check_example_rules(c);
	check_example_overrides(c);
	assert_string_equal(c->status_listen, "127.0.0.1:9464");
	assert_string_equal(c->jsonl_path, "/var/log/buildwarden/events.jsonl");
	assert_int_equal(c->jsonl_max_bytes, 104857600);
	assert_int_equal(c->jsonl_keep, 5);
	assert_string_equal(c->otlp_url, "http://127.0.0.1:4318");
	assert_non_null(c->otlp_headers);
	assert_string_equal(c->otlp_headers[0], "Authorization: Bearer x");
	assert_null(c->otlp_headers[1]);
	assert_int_equal(c->otlp_batch_records, 512);
	assert_int_equal(c->otlp_flush_ms, 0);
	assert_int_equal(c->otlp_timeout_ms, 0);
	assert_int_equal(c->otlp_max_attempts, 0);
	assert_null(c->otlp_host_name);
	assert_false(c->otlp_traces); /* traces only when asked */
	assert_string_equal(c->webhook_url, "https://hooks.example/T0/B0/xyz");
	assert_int_equal(c->webhook_format, ALERT_FMT_SLACK);
	assert_null(c->webhook_secret_file);
	daemon_config_free(c);
	unsetenv("BW_WEBHOOK");
}

static void test_every_other_value(void **state)
{
	struct daemon_config *c = parse_ok(
		"reports: /r\n"
		"record: connect,file\n"
		"fail_closed: yes\n"
		"ringbuf_mb: 1024\n"
		"redact: no\n"
		"exec_env: LD_PRELOAD,LD_AUDIT\n"
		"jobs: [{match: {exe_basename: x}}]\n"
		"export:\n"
		"  jsonl: {path: ev.jsonl, max_bytes: 0, keep: 1000}\n"
		"  otlp:\n"
		"    url: https://otel.example:4318/v1/logs\n"
		"    headers: {X-Scope-OrgID: acme, api-key: \"k=1; v\"}\n"
		"    flush_ms: 250\n"
		"    timeout_ms: 3000\n"
		"    max_attempts: 2\n"
		"    host_name: runner-7\n"
		"    traces: yes\n"
		"    traces_protocol: json\n"
		"    service_name: ci\n"
		"alerts:\n"
		"  webhook: https://example.com/hook\n"
		"  format: generic\n"
		"  secret_file: hmac.key\n");

	assert_int_equal(c->hooks, BW_HOOK_CONNECT | BW_HOOK_FILE);
	assert_false(c->record_auto);
	assert_true(c->fail_closed);
	assert_int_equal(c->ringbuf_mb, 1024);
	assert_false(c->redact);
	assert_true(c->exec_env_set);
	assert_int_equal(c->exec_env.n, 2);
	assert_string_equal(c->exec_env.v[0], "LD_PRELOAD");
	assert_string_equal(c->exec_env.v[1], "LD_AUDIT");
	assert_string_equal(c->jsonl_path, "/etc/bw/ev.jsonl");
	assert_int_equal(c->jsonl_max_bytes, 0);
	assert_int_equal(c->jsonl_keep, 1000);
	assert_string_equal(c->otlp_url, "https://otel.example:4318/v1/logs");
	assert_string_equal(c->otlp_headers[0], "X-Scope-OrgID: acme");
	assert_string_equal(c->otlp_headers[1], "api-key: k=1; v");
	assert_null(c->otlp_headers[2]);
	assert_int_equal(c->otlp_batch_records, 0);
	assert_int_equal(c->otlp_flush_ms, 250);
	assert_int_equal(c->otlp_timeout_ms, 3000);
	assert_int_equal(c->otlp_max_attempts, 2);
	assert_string_equal(c->otlp_host_name, "runner-7");
	assert_true(c->otlp_traces);
	assert_true(c->otlp_traces_json);
	assert_null(c->otlp_traces_url);
	assert_string_equal(c->otlp_service_name, "ci");
	assert_string_equal(c->webhook_url, "https://example.com/hook");
	assert_int_equal(c->webhook_format, ALERT_FMT_GENERIC);
	assert_string_equal(c->webhook_secret_file, "/etc/bw/hmac.key");
	daemon_config_free(c);

	c = parse_ok("reports: /r\nrecord: exec\njobs: [{match: {exe_basename: x}}]\n"
		     "alerts: {webhook: 'http://h/', format: teams}\nfail_closed: TRUE\n");
	assert_int_equal(c->hooks, 0);
	assert_false(c->record_auto);
	assert_true(c->fail_closed);
	assert_int_equal(c->webhook_format, ALERT_FMT_TEAMS);
	daemon_config_free(c);
}

/* ---- defaults and paths ---- */

static void test_defaults(void **state)
{
	struct daemon_config *c = parse_ok(HEAD);

	assert_null(c->policy_path);
	assert_string_equal(c->reports_dir, "/etc/bw/r");
	assert_int_equal(c->n_roots, 1);
	assert_string_equal(c->roots[0].name, "job-1");
	assert_string_equal(c->roots[0].exe_basename, "x");
	assert_null(c->roots[0].labels == NULL ? NULL : c->roots[0].labels[0]);
	assert_int_equal(c->n_roots, 1);
	assert_int_equal(c->n_overrides, 0);
	assert_null(c->overrides);
	assert_int_equal(c->hooks, BW_HOOK_ALL);
	assert_true(c->record_auto);
	assert_false(c->fail_closed);
	assert_int_equal(c->ringbuf_mb, 16);
	assert_true(c->redact);
	assert_false(c->exec_env_set);
	assert_null(c->status_listen);
	assert_null(c->jsonl_path);
	assert_int_equal(c->jsonl_max_bytes, 100ull << 20);
	assert_int_equal(c->jsonl_keep, 5);
	assert_null(c->otlp_url);
	assert_non_null(c->otlp_headers);
	assert_null(c->otlp_headers[0]);
	assert_int_equal(c->otlp_batch_records + c->otlp_flush_ms + c->otlp_timeout_ms +
			 c->otlp_max_attempts, 0);
	assert_null(c->otlp_host_name);
	assert_null(c->webhook_url);
	assert_int_equal(c->webhook_format, ALERT_FMT_SLACK);
	assert_null(c->webhook_secret_file);
	daemon_config_free(c);

	/* unnamed rules are job-N by their place in the list; headers: {} is empty */
	c = parse_ok("reports: /r\njobs:\n  - {name: a, match: {exe_basename: x}}\n"
		     "  - match: {exe_basename: y}\n"
		     "export: {otlp: {url: 'http://o', headers: {}}}\n");
	assert_string_equal(c->roots[1].name, "job-2");
	assert_non_null(c->otlp_headers);
	assert_null(c->otlp_headers[0]);
	daemon_config_free(c);
}

/* exec_env: none records no variable; it is not the default list. */
static void test_exec_env_none(void **state)
{
	struct daemon_config *c = parse_ok(HEAD "exec_env: none\n");

	(void)state;
	assert_true(c->exec_env_set);
	assert_int_equal(c->exec_env.n, 0);
	daemon_config_free(c);
}

static const char all_paths[] =
	"policy: p.yaml\n"
	"reports: ../reports\n"
	"jobs:\n"
	"  - {name: a, match: {exe_basename: x}, policy: sub/a.yaml, labels: [l]}\n"
	"policies:\n"
	"  - {match: {label: l}, policy: o.yaml}\n"
	"export: {jsonl: {path: log/ev.jsonl}}\n"
	"alerts: {webhook: 'https://h', secret_file: key}\n";

static void test_relative_paths(void **state)
{
	struct daemon_config *c = parse_ok_in(all_paths, "/cfg");

	assert_string_equal(c->policy_path, "/cfg/p.yaml");
	assert_string_equal(c->reports_dir, "/cfg/../reports");
	assert_string_equal(c->roots[0].policy_path, "/cfg/sub/a.yaml");
	assert_string_equal(c->overrides[0].policy_path, "/cfg/o.yaml");
	assert_string_equal(c->jsonl_path, "/cfg/log/ev.jsonl");
	assert_string_equal(c->webhook_secret_file, "/cfg/key");
	daemon_config_free(c);

	c = parse_ok_in(all_paths, "/");
	assert_string_equal(c->policy_path, "/p.yaml");
	daemon_config_free(c);
	c = parse_ok_in(all_paths, "/cfg/");
	assert_string_equal(c->policy_path, "/cfg/p.yaml");
	daemon_config_free(c);

	/* no base: as written */
	c = parse_ok_in(all_paths, NULL);
	assert_string_equal(c->policy_path, "p.yaml");
	assert_string_equal(c->webhook_secret_file, "key");
	daemon_config_free(c);

	/* absolute paths are kept */
	c = parse_ok_in("reports: /var/r\npolicy: /p\njobs: [{match: {pid: 1}, policy: /q}]\n"
			"export: {jsonl: {path: /j}}\n", "/cfg");
	assert_string_equal(c->reports_dir, "/var/r");
	assert_string_equal(c->policy_path, "/p");
	assert_string_equal(c->roots[0].policy_path, "/q");
	assert_string_equal(c->jsonl_path, "/j");
	daemon_config_free(c);
}

static void test_load_file(void **state)
{
	struct daemon_config *c = NULL;
	char cwd[PATH_MAX], want[512], big_path[128];
	char *errs = NULL, *big;
	size_t len = 0;
	struct tmp t;
	FILE *f;

	tmp_init(&t);
	tmp_file(&t, "cfg.yaml", "reports: out\npolicy: /abs.yaml\njobs: [{match: {pid: 7}}]\n",
		 0644);
	assert_int_equal(daemon_config_load(t.path[0], &c, stderr), 0);
	assert_string_equal(c->path, t.path[0]);
	snprintf(want, sizeof(want), "%s/out", t.dir);
	assert_string_equal(c->reports_dir, want);
	assert_string_equal(c->policy_path, "/abs.yaml");
	daemon_config_free(c);

	/* a relative config path: its directory made absolute */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/tmp"), 0);
	snprintf(big_path, sizeof(big_path), "./%.26s/cfg.yaml", t.dir + strlen("/tmp/"));
	assert_int_equal(daemon_config_load(big_path, &c, stderr), 0);
	assert_string_equal(c->reports_dir, want);
	daemon_config_free(c);
	assert_int_equal(chdir(t.dir), 0);
	assert_int_equal(daemon_config_load("cfg.yaml", &c, stderr), 0);
	assert_string_equal(c->reports_dir, want);
	daemon_config_free(c);
	assert_int_equal(chdir(cwd), 0);

	/* unreadable: "FILE: cannot read: why" */
	snprintf(big_path, sizeof(big_path), "%s/missing.yaml", t.dir);
	f = open_memstream(&errs, &len);
	c = (struct daemon_config *)1;
	assert_int_equal(daemon_config_load(big_path, &c, f), -ENOENT);
	assert_int_equal(daemon_config_load(t.dir, &c, f), -EISDIR);
	fclose(f);
	assert_ptr_equal(c, (struct daemon_config *)1);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory\n"
		 "%s: cannot read: Is a directory\n", big_path, t.dir);
	assert_string_equal(errs, want);
	free(errs);

	/* larger than 1 MiB: refused; exactly 1 MiB of comment is read */
	big = malloc(DAEMON_CONFIG_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, '#', DAEMON_CONFIG_MAX_BYTES + 1);
	big[DAEMON_CONFIG_MAX_BYTES + 1] = '\0';
	tmp_file(&t, "big.yaml", big, 0644);
	assert_int_equal(daemon_config_load(t.path[1], &c, NULL), -EFBIG);
	big[DAEMON_CONFIG_MAX_BYTES] = '\0';
	tmp_file(&t, "max.yaml", big, 0644);
	errs = NULL;
	f = open_memstream(&errs, &len);
	assert_int_equal(daemon_config_load(t.path[2], &c, f), -EINVAL);
	fclose(f);
	assert_non_null(strstr(errs, "max.yaml:1:1: error: the config is empty"));
	free(errs);
	free(big);
	tmp_done(&t);
}

/* ---- errors, each with its position ---- */

static void test_error_document(void **state)
{
	expect_only_error("", "1:1", "the config is empty");
	expect_only_error("# only a comment\n", "1:1", "the config is empty");
	expect_only_error("- a\n- b\n", "1:1", "expected the config to be a mapping, got a list");
	expect_only_error("just text\n", "1:1", "expected the config to be a mapping, got a scalar");
	expect_only_error("~\n", "1:1", "got null");
	expect_only_error(HEAD "---\nreports: s\n", "5:1", "one YAML document; found another");
	expect_only_error("reports: [a\n", "2:1", "YAML syntax");
	expect_only_error("reports: r\n\tjobs: []\n", "2:1", "YAML syntax");
	expect_only_error("reports: \"\xff\"\n", "1:1", "invalid text");
}

static void test_error_keys(void **state)
{
	char *errs;

	expect_only_error(HEAD "bogus: 1\n", "4:1",
			  "unknown key 'bogus' at the top level; valid keys: policy, reports");
	expect_only_error(HEAD "reports: again\n", "4:1",
			  "duplicate key 'reports' (first at line 1)");
	expect_only_error("reports: r\njobs:\n  - match: {exe_basename: x, exe: y}\n", "3:30",
			  "unknown key 'exe' in a job rule's 'match'; valid keys: exe_basename, "
			  "parent_basename, args, pid");
	expect_only_error("reports: r\njobs:\n  - match: {exe_basename: x}\n    nmae: a\n", "4:5",
			  "unknown key 'nmae' in a job rule");
	expect_only_error(HEAD "policies: [{match: {repo: a}, policy: p}]\n", "4:21",
			  "unknown key 'repo' in a policy override's 'match'");
	expect_only_error(HEAD "status: {listen: a, port: 1}\n", "4:21", "unknown key 'port' in 'status'");
	expect_only_error(HEAD "export: {csv: {}}\n", "4:10", "unknown key 'csv' in 'export'");
	expect_only_error(HEAD "export: {jsonl: {path: p, rotate: 1}}\n", "4:27",
			  "unknown key 'rotate' in 'export: jsonl'");
	expect_only_error(HEAD "export: {otlp: {url: 'http://o', token: t}}\n", "4:34",
			  "unknown key 'token' in 'export: otlp'");
	expect_only_error(HEAD "alerts: {webhook: 'http://h', channel: c}\n", "4:31",
			  "unknown key 'channel' in 'alerts'");
	expect_only_error(HEAD "? [a]\n: b\n", "4:3", "expected a key to be a string, got a list");
	expect_only_error("reports: r\njobs:\n  - match: {exe_basename: x, exe_basename: y}\n",
			  "3:30", "duplicate key 'exe_basename' (first at line 3)");
	/* the duplicate is reported, the first value kept, and nothing else */
	errs = parse_err(HEAD "ringbuf_mb: 3\nringbuf_mb: 4\n");
	expect_error(errs, "4:13", "ringbuf_mb 3 is not a power of two");
	expect_error(errs, "5:1", "duplicate key 'ringbuf_mb' (first at line 4)");
	assert_int_equal(count_lines(errs), 2);
	free(errs);
}

static void test_error_types(void **state)
{
	expect_only_error(HEAD "policy: [a, b]\n", "4:9", "expected 'policy' to be a string, got a list");
	expect_only_error(HEAD "policy:\n", "4:8", "expected 'policy' to be a string, got null");
	/* YAML's null is "", ~, null, Null and NULL, as in the policy; other spellings are strings */
	expect_only_error(HEAD "policy: ~\n", "4:9", "expected 'policy' to be a string, got null");
	expect_only_error(HEAD "policy: Null\n", "4:9", "expected 'policy' to be a string, got null");
	expect_only_error(HEAD "policy: NULL\n", "4:9", "expected 'policy' to be a string, got null");
	expect_only_error(HEAD "policy: {a: b}\n", "4:9", "got a mapping");
	expect_only_error("reports: r\njobs: {match: {pid: 1}}\n", "2:7",
			  "expected 'jobs' to be a list of job rules, got a mapping");
	expect_only_error("reports: r\njobs: [x]\n", "2:8",
			  "expected a job rule (an entry of 'jobs') to be a mapping, got a scalar");
	expect_only_error("reports: r\njobs: [{match: [a]}]\n", "2:16",
			  "expected 'match' to be a mapping, got a list");
	expect_only_error("reports: r\njobs: [{match: {pid: 1}, labels: a}]\n", "2:34",
			  "expected 'labels' to be a list of strings, got a scalar");
	expect_only_error("reports: r\njobs: [{match: {pid: 1}, labels: [a, [b]]}]\n", "2:38",
			  "expected a label to be a string, got a list");
	expect_only_error(HEAD "policies: {match: {}}\n", "4:11",
			  "expected 'policies' to be a list of policy overrides, got a mapping");
	expect_only_error(HEAD "policies: [p]\n", "4:12", "expected a policy override");
	expect_only_error(HEAD "status: '127.0.0.1:9464'\n", "4:9",
			  "expected 'status' to be a mapping, got a scalar");
	expect_only_error(HEAD "export: {jsonl: ev.jsonl}\n", "4:17",
			  "expected 'jsonl' to be a mapping, got a scalar");
	expect_only_error(HEAD "export: {otlp: {url: 'http://o', headers: [a]}}\n", "4:43",
			  "expected 'headers' to be a mapping of header names to values, got a list");
	expect_only_error(HEAD "alerts: 'https://h'\n", "4:9", "expected 'alerts' to be a mapping");
	expect_only_error(HEAD "record: [dns]\n", "4:9", "expected 'record' to be a string, got a list");
	expect_only_error(HEAD "redact: {}\n", "4:9",
			  "expected 'redact' to be true or false, got a mapping");
	expect_only_error(HEAD "ringbuf_mb: [1]\n", "4:13",
			  "expected 'ringbuf_mb' to be an integer, got a list");
}

/* Only the core schema's spellings are null; anything else is a string. */
static void test_null_spellings(void **state)
{
	struct daemon_config *c = parse_ok(HEAD "policy: nULL\n");

	assert_string_equal(c->policy_path, "/etc/bw/nULL");
	daemon_config_free(c);
	c = parse_ok(HEAD "policy: 'null'\n");
	assert_string_equal(c->policy_path, "/etc/bw/null");
	daemon_config_free(c);
}

static void test_error_values(void **state)
{
	expect_only_error(HEAD "fail_closed: maybe\n", "4:14",
			  "expected true or false for 'fail_closed', got 'maybe'");
	expect_only_error(HEAD "redact: 1\n", "4:9", "expected true or false for 'redact'");
	expect_only_error(HEAD "ringbuf_mb: 12\n", "4:13", "ringbuf_mb 12 is not a power of two");
	expect_only_error(HEAD "exec_env: LD_PRELOAD,HOME\n", "4:11",
			  "exec_env 'LD_PRELOAD,HOME': environment variable 'HOME' cannot be "
			  "recorded: only loader variables (LD_*, BASH_ENV, NODE_OPTIONS) are "
			  "recorded");
	expect_only_error(HEAD "exec_env: LD_A,LD_B,LD_C,LD_D,LD_E,LD_F,LD_G\n", "4:11",
			  "more than 6 names");
	expect_only_error(HEAD "exec_env: ','\n", "4:11", "no name (write none to record none)");
	expect_only_error(HEAD "ringbuf_mb: 2048\n", "4:13",
			  "expected an integer from 1 to 1024 for 'ringbuf_mb', got '2048'");
	expect_only_error(HEAD "ringbuf_mb: 0\n", "4:13", "from 1 to 1024");
	expect_only_error(HEAD "ringbuf_mb: -16\n", "4:13", "got '-16'");
	expect_only_error(HEAD "ringbuf_mb: 16MB\n", "4:13", "got '16MB'");
	expect_only_error(HEAD "ringbuf_mb: ' 16'\n", "4:13", "got ' 16'");
	expect_only_error(HEAD "export: {jsonl: {path: p, keep: 1001}}\n", "4:33",
			  "expected an integer from 0 to 1000 for 'keep', got '1001'");
	expect_only_error(HEAD "export: {jsonl: {path: p, max_bytes: 99999999999999999999}}\n",
			  "4:38", "for 'max_bytes'");
	expect_only_error(HEAD "export: {otlp: {url: 'http://o', max_attempts: 1000}}\n", "4:48",
			  "from 0 to 100 for 'max_attempts'");
	expect_only_error(HEAD "record: connect,disk\n", "4:9",
			  "record 'connect,disk': unknown kind 'disk' (expected connect, dns, file, "
			  "privilege, all, exec or auto)");
	expect_only_error(HEAD "policy: ''\n", "4:9", "'policy' is empty");
	expect_only_error(HEAD "policy: \"a\\0b\"\n", "4:9", "'policy' contains a NUL byte");
	expect_only_error(HEAD "alerts: {webhook: 'https://h', format: discord}\n", "4:40",
			  "unknown alert format 'discord'; valid: slack, teams, generic");
	expect_only_error(HEAD "alerts: {webhook: 'https://h', secret_file: ''}\n", "4:45",
			  "'secret_file' is empty");
}

static void test_error_required(void **state)
{
	expect_only_error("jobs: [{match: {pid: 1}}]\n", "1:1",
			  "the config has no 'reports'");
	expect_only_error("reports: r\n", "1:1", "the config has no 'jobs'");
	expect_only_error("reports: r\njobs: []\n", "2:7", "'jobs' has 0 rules; it needs 1 to 1024");
	expect_only_error("reports: r\njobs:\n  - name: a\n", "3:5", "job rule 'a' has no 'match'");
	expect_only_error(HEAD "policies: [{policy: p}]\n", "4:12", "policy override has no 'match'");
	expect_only_error(HEAD "policies: [{match: {job: job-1}}]\n", "4:12",
			  "policy override has no 'policy'");
	expect_only_error(HEAD "policies: [{match: {}, policy: p}]\n", "4:20",
			  "'match' needs at least one of repository, label, job");
	expect_only_error(HEAD "status: {}\n", "4:9", "'status' has no 'listen'");
	expect_only_error(HEAD "export: {jsonl: {keep: 1}}\n", "4:17", "'jsonl' has no 'path'");
	expect_only_error(HEAD "export: {otlp: {batch_records: 1}}\n", "4:16", "'otlp' has no 'url'");
	expect_only_error(HEAD "alerts: {format: slack}\n", "4:9",
			  "'alerts' needs the webhook URL: webhook, webhook_env or webhook_file");
}

static void test_error_rules(void **state)
{
	expect_only_error("reports: r\njobs: [{match: {exe_basename: x, pid: 3}}]\n", "2:16",
			  "'match' has both exe_basename and pid");
	expect_only_error("reports: r\njobs: [{match: {parent_basename: x}}]\n", "2:16",
			  "'match' needs exe_basename");
	expect_only_error("reports: r\njobs: [{match: {exe_basename: /usr/bin/bash}}]\n", "2:31",
			  "'exe_basename' must be a file name without '/', got '/usr/bin/bash'");
	expect_only_error("reports: r\njobs: [{match: {exe_basename: a, parent_basename: b/c}}]\n",
			  "2:51", "'parent_basename' must be a file name");
	expect_only_error("reports: r\njobs: [{match: {exe_basename: ''}}]\n", "2:31",
			  "'exe_basename' is empty");
	expect_only_error("reports: r\njobs: [{match: {pid: 0}}]\n", "2:22",
			  "from 1 to 4194304 for 'pid'");
	expect_only_error("reports: r\njobs: [{match: {pid: 7, args: '*'}}]\n", "2:25",
			  "args applies to exe_basename rules, not to a pid rule");
	expect_only_error("reports: r\njobs: [{match: {pid: 7, parent_basename: a}}]\n", "2:25",
			  "parent_basename applies to exe_basename rules");
	expect_only_error("reports: r\njobs: [{match: {pid: 7}, id: a/b}]\n", "2:30",
			  "id 'a/b' is not usable in a file name");
	expect_only_error("reports: r\njobs: [{match: {pid: 7}, id: .hidden}]\n", "2:30",
			  "id '.hidden' is not usable");
	expect_only_error("reports: r\njobs: [{match: {pid: 7}, name: \"a\\tb\"}]\n", "2:32",
			  "'name' contains a control character");
	expect_only_error("reports: r\njobs:\n"
			  "  - {name: a, match: {pid: 1}}\n"
			  "  - {name: b, match: {pid: 2}}\n"
			  "  - {name: a, match: {pid: 3}}\n", "5:12",
			  "duplicate job rule name 'a' (first at line 3)");
	/* a generated name counts too */
	expect_only_error("reports: r\njobs:\n"
			  "  - {name: job-2, match: {pid: 1}}\n"
			  "  - {match: {pid: 2}}\n", "4:5",
			  "duplicate job rule name 'job-2' (first at line 3)");
	expect_only_error("reports: r\njobs:\n"
			  "  - {name: a, match: {pid: 1}, id: run-1}\n"
			  "  - {name: b, match: {pid: 2}, id: run-1}\n", "4:36",
			  "job rule 'b' has the same id 'run-1' as the rule at line 3");
	expect_only_error(HEAD "policies: [{match: {job: nosuch}, policy: p}]\n", "4:26",
			  "no job rule is named 'nosuch'");
}

static void test_error_export(void **state)
{
	expect_only_error(HEAD "export: {otlp: {url: 'ftp://o'}}\n", "4:22",
			  "the OTLP url must start with http:// or https://");
	expect_only_error(HEAD "export: {otlp: {url: 'http://'}}\n", "4:22", "OTLP url");
	expect_only_error(HEAD "export: {otlp: {url: 'http://a b'}}\n", "4:22", "OTLP url");
	expect_only_error(HEAD "export: {otlp: {url: 'http://o', headers: {'Bad Name': v}}}\n",
			  "4:44", "header name 'Bad Name' is not a valid HTTP header name");
	expect_only_error(HEAD "export: {otlp: {url: 'http://o', headers: {'a:b': v}}}\n",
			  "4:44", "header name 'a:b' is not a valid");
	expect_only_error(HEAD "export: {otlp: {url: 'http://o', headers: {A: \"x\\r\\nB: y\"}}}\n",
			  "4:47", "the value of header 'A' contains a line break");
	expect_only_error(HEAD "export: {otlp: {url: 'http://o', headers: {A: [x]}}}\n", "4:47",
			  "expected a header value to be a string, got a list");
	expect_only_error(HEAD "export: {otlp: {url: 'http://o', headers: {Auth: a, auth: b}}}\n",
			  "4:53", "duplicate header 'auth' (first at line 4)");
	expect_only_error(HEAD "export: {otlp: {url: 'http://o', headers: {"
			  "a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1, j: 1, k: 1, l: 1, "
			  "m: 1, n: 1, o: 1, p: 1, q: 1}}}\n", "4:43",
			  "'headers' has 17 entries; at most 16");
}

/* Every mistake in one pass, none hiding another. */
static void test_error_all_collected(void **state)
{
	char *errs = parse_err(
		"reprots: r\n"
		"ringbuf_mb: 3\n"
		"jobs:\n"
		"  - match: {exe_basename: a/b}\n"
		"  - match: {pid: x}\n"
		"status: {listen: ''}\n"
		"alerts: {webhook: 'gopher://h', format: x}\n");

	expect_error(errs, "1:1", "unknown key 'reprots'");
	expect_error(errs, "2:13", "not a power of two");
	expect_error(errs, "4:27", "must be a file name");
	expect_error(errs, "5:18", "'pid'");
	expect_error(errs, "6:18", "'listen' is empty");
	expect_error(errs, "7:19", "must start with http:// or https://");
	expect_error(errs, "7:41", "unknown alert format 'x'");
	expect_error(errs, "1:1", "the config has no 'reports'");
	assert_int_equal(count_lines(errs), 8);
	/* the URL is never shown: it may hold a token */
	assert_null(strstr(errs, "gopher"));
	free(errs);
}

static void test_bad_args(void **state)
{
	struct daemon_config *c = (struct daemon_config *)1;

	assert_int_equal(daemon_config_parse("x", NULL, 1, NULL, &c, NULL), -EINVAL);
	assert_int_equal(daemon_config_parse("x", HEAD, strlen(HEAD), NULL, NULL, NULL), -EINVAL);
	assert_int_equal(daemon_config_load(NULL, &c, NULL), -EINVAL);
	/* errs NULL: still fails, silently */
	assert_int_equal(daemon_config_parse("x", "a: b\n", 5, NULL, &c, NULL), -EINVAL);
	assert_ptr_equal(c, (struct daemon_config *)1);
	/* NULL name, text without a NUL after len */
	c = NULL;
	assert_int_equal(daemon_config_parse(NULL, HEAD "xx", strlen(HEAD), NULL, &c, NULL), 0);
	assert_string_equal(c->path, "<config>");
	daemon_config_free(c);
	daemon_config_free(NULL);
}

/* ---- webhook URLs from the environment and from files ---- */

static void test_webhook_env(void **state)
{
	struct daemon_config *c;
	char *errs;

	setenv("BW_TEST_HOOK", "https://hooks.slack.com/services/T/B/secret", 1);
	c = parse_ok(HEAD "alerts: {webhook_env: BW_TEST_HOOK}\n");
	assert_string_equal(c->webhook_url, "https://hooks.slack.com/services/T/B/secret");
	daemon_config_free(c);

	unsetenv("BW_TEST_HOOK");
	expect_only_error(HEAD "alerts: {webhook_env: BW_TEST_HOOK}\n", "4:23",
			  "environment variable BW_TEST_HOOK (webhook_env) is not set");
	setenv("BW_TEST_HOOK", "", 1);
	expect_only_error(HEAD "alerts: {webhook_env: BW_TEST_HOOK}\n", "4:23",
			  "environment variable BW_TEST_HOOK (webhook_env) is empty");
	setenv("BW_TEST_HOOK", "hooks.example/secret-token", 1);
	errs = parse_err(HEAD "alerts: {webhook_env: BW_TEST_HOOK}\n");
	expect_error(errs, "4:23", "the webhook URL (from webhook_env) must start with http://");
	assert_null(strstr(errs, "secret-token"));
	free(errs);
	unsetenv("BW_TEST_HOOK");

	expect_only_error(HEAD "alerts: {webhook: 'https://a', webhook_env: X}\n", "4:32",
			  "'webhook' and 'webhook_env' both set the webhook URL; use one");
}

static void test_webhook_file(void **state)
{
	struct daemon_config *c = NULL;
	char yaml[512], want[512];
	char *errs;
	struct tmp t;

	tmp_init(&t);
	tmp_file(&t, "open.url", "https://hooks.example/open\n", 0644);
	tmp_file(&t, "hook.url", "https://hooks.example/T/B/tok \t\r\nsecond line\n", 0600);
	tmp_file(&t, "blank.url", "   \n", 0600);
	tmp_file(&t, "bad.url", "hooks.example/tok\n", 0600);

	/* readable by others: refused, and the message says how to fix it */
	snprintf(yaml, sizeof(yaml), HEAD "alerts: {webhook_file: open.url}\n");
	c = (struct daemon_config *)1;
	errs = NULL;
	{
		size_t len = 0;
		FILE *f = open_memstream(&errs, &len);

		assert_int_equal(daemon_config_parse("c.yaml", yaml, strlen(yaml), t.dir, &c, f),
				 -EINVAL);
		fclose(f);
	}
	snprintf(want, sizeof(want), "webhook_file %s is readable by other users; refusing it "
		 "(chmod 600 %s)", t.path[0], t.path[0]);
	expect_error(errs, "4:24", want);
	assert_null(strstr(errs, "hooks.example"));
	free(errs);

	/* 0600: accepted, the first line without its trailing blanks */
	c = parse_ok_in(HEAD "alerts: {webhook_file: hook.url, format: teams}\n", t.dir);
	assert_string_equal(c->webhook_url, "https://hooks.example/T/B/tok");
	assert_int_equal(c->webhook_format, ALERT_FMT_TEAMS);
	daemon_config_free(c);
	/* absolute path */
	snprintf(yaml, sizeof(yaml), HEAD "alerts: {webhook_file: '%s'}\n", t.path[1]);
	c = parse_ok_in(yaml, "/nonexistent");
	assert_string_equal(c->webhook_url, "https://hooks.example/T/B/tok");
	daemon_config_free(c);

	snprintf(yaml, sizeof(yaml), HEAD "alerts: {webhook_file: '%s'}\n", t.path[2]);
	expect_only_error(yaml, "4:24", "holds only blanks");
	snprintf(yaml, sizeof(yaml), HEAD "alerts: {webhook_file: '%s'}\n", t.path[3]);
	errs = parse_err(yaml);
	expect_error(errs, "4:24", "the webhook URL (from webhook_file) must start with http://");
	assert_null(strstr(errs, "tok"));
	free(errs);
	snprintf(yaml, sizeof(yaml), HEAD "alerts: {webhook_file: '%s/none'}\n", t.dir);
	expect_only_error(yaml, "4:24", "/none: cannot read: No such file or directory");
	tmp_done(&t);
}

/* ---- matching ---- */

static void test_rule_matches(void **state)
{
	struct daemon_config *c = parse_ok(
		"reports: r\n"
		"jobs:\n"
		"  - match: {exe_basename: Runner.Worker}\n"
		"  - match: {exe_basename: bash, parent_basename: gitlab-runner}\n"
		"  - match: {exe_basename: sh, args: \"*/durable-*/script.sh*\"}\n"
		"  - match: {pid: 4242}\n");
	const struct daemon_root_rule *r = c->roots;

	assert_true(daemon_rule_matches(&r[0], "Runner.Worker", NULL, NULL));
	assert_true(daemon_rule_matches(&r[0], "Runner.Worker", "Runner.Listener", "x y"));
	assert_false(daemon_rule_matches(&r[0], "Runner.Work", NULL, NULL)); /* full names */
	assert_false(daemon_rule_matches(&r[0], "runner.worker", NULL, NULL));
	assert_false(daemon_rule_matches(&r[0], NULL, NULL, NULL));

	assert_true(daemon_rule_matches(&r[1], "bash", "gitlab-runner", "bash -l"));
	assert_false(daemon_rule_matches(&r[1], "bash", "sshd", "bash -l"));
	assert_false(daemon_rule_matches(&r[1], "bash", NULL, "bash -l"));
	assert_false(daemon_rule_matches(&r[1], "sh", "gitlab-runner", NULL));

	assert_true(daemon_rule_matches(&r[2], "sh", NULL,
					"sh -xe /w/job@tmp/durable-1a2b/script.sh"));
	assert_true(daemon_rule_matches(&r[2], "sh", "java",
					"sh -c /w/durable-1/script.sh.copy extra"));
	assert_false(daemon_rule_matches(&r[2], "sh", NULL, "sh -c make"));
	assert_false(daemon_rule_matches(&r[2], "sh", NULL, NULL));
	assert_false(daemon_rule_matches(&r[2], "bash", NULL, "sh /durable-1/script.sh"));

	/* a pid rule adopts one process; it never matches by name */
	assert_false(daemon_rule_matches(&r[3], "4242", NULL, NULL));
	assert_false(daemon_rule_matches(&r[3], "bash", "gitlab-runner", "bash"));
	assert_false(daemon_rule_matches(NULL, "bash", NULL, NULL));
	daemon_config_free(c);
}

static void test_policy_for(void **state)
{
	struct daemon_config *c = parse_ok(
		"policy: /default.yaml\n"
		"reports: r\n"
		"jobs:\n"
		"  - {name: gha, match: {exe_basename: w}, labels: [linux, gpu]}\n"
		"  - {name: gl, match: {exe_basename: bash}, policy: /gl.yaml, labels: [linux]}\n"
		"  - {name: plain, match: {exe_basename: sh}}\n"
		"policies:\n"
		"  - {match: {repository: 'acme/payments*'}, policy: /strict.yaml}\n"
		"  - {match: {label: gpu, job: gha}, policy: /gpu.yaml}\n"
		"  - {match: {label: linux, repository: 'acme/*'}, policy: /acme-linux.yaml}\n"
		"  - {match: {job: gl}, policy: /gl-override.yaml}\n");
	const struct daemon_root_rule *gha = &c->roots[0], *gl = &c->roots[1], *plain = &c->roots[2];

	/* the first override whose every field matches wins */
	assert_string_equal(daemon_policy_for(c, gha, "acme/payments-api"), "/strict.yaml");
	assert_string_equal(daemon_policy_for(c, gl, "acme/payments"), "/strict.yaml");
	assert_string_equal(daemon_policy_for(c, gha, "acme/web"), "/gpu.yaml");
	assert_string_equal(daemon_policy_for(c, gha, NULL), "/gpu.yaml");
	assert_string_equal(daemon_policy_for(c, gl, "acme/web"), "/acme-linux.yaml");
	/* a repository pattern never matches an unknown repository */
	assert_string_equal(daemon_policy_for(c, gl, NULL), "/gl-override.yaml");
	assert_string_equal(daemon_policy_for(c, gl, "other/x"), "/gl-override.yaml");
	/* then the rule's policy, then the config's */
	assert_string_equal(daemon_policy_for(c, plain, "other/x"), "/default.yaml");
	assert_string_equal(daemon_policy_for(c, plain, "acme/payments"), "/strict.yaml");
	assert_string_equal(daemon_policy_for(c, NULL, "x/y"), "/default.yaml");
	assert_null(daemon_policy_for(NULL, plain, NULL));
	daemon_config_free(c);

	c = parse_ok("reports: r\njobs:\n"
		     "  - {name: a, match: {exe_basename: a}, policy: /a.yaml}\n"
		     "  - {name: b, match: {exe_basename: b}}\n");
	assert_string_equal(daemon_policy_for(c, &c->roots[0], "o/r"), "/a.yaml");
	assert_null(daemon_policy_for(c, &c->roots[1], "o/r")); /* the embedded policy */
	daemon_config_free(c);
}

/* ---- record kinds ---- */

static void test_record_kinds(void **state)
{
	uint32_t hooks = 99;
	bool is_auto = true;
	char err[256];

	assert_int_equal(record_kinds_parse("auto", &hooks, &is_auto, err, sizeof(err)), 0);
	assert_int_equal(hooks, BW_HOOK_ALL);
	assert_true(is_auto);
	assert_int_equal(record_kinds_parse("all", &hooks, &is_auto, err, sizeof(err)), 0);
	assert_int_equal(hooks, BW_HOOK_ALL);
	assert_false(is_auto);
	assert_int_equal(record_kinds_parse("exec", &hooks, &is_auto, err, sizeof(err)), 0);
	assert_int_equal(hooks, 0);
	assert_int_equal(record_kinds_parse("connect", &hooks, &is_auto, err, sizeof(err)), 0);
	assert_int_equal(hooks, BW_HOOK_CONNECT);
	assert_int_equal(record_kinds_parse("dns,privilege", &hooks, &is_auto, NULL, 0), 0);
	assert_int_equal(hooks, BW_HOOK_DNS | BW_HOOK_PRIV);
	assert_int_equal(record_kinds_parse("exec,file,,connect,", &hooks, &is_auto, err,
					    sizeof(err)), 0);
	assert_int_equal(hooks, BW_HOOK_FILE | BW_HOOK_CONNECT);
	assert_int_equal(record_kinds_parse("file,all", &hooks, &is_auto, err, sizeof(err)), 0);
	assert_int_equal(hooks, BW_HOOK_ALL);
	assert_false(is_auto);

	hooks = 99;
	is_auto = true;
	assert_int_equal(record_kinds_parse("dns,bogus,file", &hooks, &is_auto, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "'dns,bogus,file': unknown kind 'bogus' (expected connect, dns, "
			    "file, privilege, all, exec or auto)");
	assert_int_equal(hooks, 99); /* untouched on error */
	assert_true(is_auto);
	/* auto is a value of its own, not a list item; matching is exact */
	assert_int_equal(record_kinds_parse("auto,dns", &hooks, &is_auto, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown kind 'auto'"));
	assert_int_equal(record_kinds_parse("DNS", &hooks, &is_auto, err, sizeof(err)), -EINVAL);
	assert_int_equal(record_kinds_parse("dn", &hooks, &is_auto, err, sizeof(err)), -EINVAL);
	assert_int_equal(record_kinds_parse("dnsx", &hooks, &is_auto, NULL, 0), -EINVAL);
	assert_int_equal(record_kinds_parse("x", &hooks, &is_auto, err, 8), -EINVAL);
	assert_string_equal(err, "'x': un"); /* cut to errsz */
	assert_int_equal(record_kinds_parse(NULL, &hooks, &is_auto, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_every_other_value),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_exec_env_none),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_error_document),
		cmocka_unit_test(test_error_keys),
		cmocka_unit_test(test_error_types),
		cmocka_unit_test(test_null_spellings),
		cmocka_unit_test(test_error_values),
		cmocka_unit_test(test_error_required),
		cmocka_unit_test(test_error_rules),
		cmocka_unit_test(test_error_export),
		cmocka_unit_test(test_error_all_collected),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_webhook_env),
		cmocka_unit_test(test_webhook_file),
		cmocka_unit_test(test_rule_matches),
		cmocka_unit_test(test_policy_for),
		cmocka_unit_test(test_record_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
