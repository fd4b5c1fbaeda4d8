// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Matching one exec against the compiled rules. Runs for every exec of
 * every job, so it allocates nothing: the basename is a pointer into the
 * path, and the joined command line is built at most once per call, on the
 * stack, and only when some rule asks for it.
 */
#include <fnmatch.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/path.h"
#include "policy/policy_internal.h"

/* Longest host name kept for matching; DNS names are at most 253 bytes. */
#define NAME_MAX_BYTES 512

struct match_ctx {
	const struct bw_exec_info *e;
	const struct bw_event_info *ev; /* NULL for an exec */
	const char *exe;  /* resolved exe, or the filename when unresolved */
	const char *base; /* points into exe */
	char *cmdline;    /* POLICY_CMDLINE_MAX bytes, filled on first use */
	bool cmdline_ready;
	const char *name; /* ev's host name folded (lower case, no final dot), or NULL */
	char name_buf[NAME_MAX_BYTES];
};

static bool test_str(const struct pol_test *t, const char *s)
{
	size_t n;

	switch (t->op) {
	case POL_EXACT: /* the first byte first: most names of a list differ there */
		return s[0] == t->text[0] && !strcmp(s, t->text);
	case POL_PREFIX:
		return !strncmp(s, t->text, t->len);
	case POL_SUFFIX:
		n = strlen(s);
		return n >= t->len && !memcmp(s + n - t->len, t->text, t->len);
	case POL_DOMAIN:
		return policy_domain_match(t->text, t->len, s);
	case POL_GLOB:
		return !fnmatch(t->text, s, 0);
	case POL_REGEX:
		return policy_regex_test(t, s);
	case POL_NOT:
		return !test_str(t->kids[0], s);
	case POL_ANY:
		/* Lists of names (basename: [...]) are most of a policy's tests: no call per name. */
		for (size_t i = 0; t->all_exact && i < t->n_kids; i++)
			if (s[0] == t->kids[i]->text[0] && !strcmp(s, t->kids[i]->text))
				return true;
		for (size_t i = 0; !t->all_exact && i < t->n_kids; i++)
			if (test_str(t->kids[i], s))
				return true;
		return false;
	case POL_ALL:
		for (size_t i = 0; i < t->n_kids; i++)
			if (!test_str(t->kids[i], s))
				return false;
		return true;
	default:
		return false;
	}
}

static bool test_num(const struct pol_test *t, int64_t v)
{
	switch (t->op) {
	case POL_EQ:
		return v == t->num;
	case POL_NE:
		return v != t->num;
	case POL_LT:
		return v < t->num;
	case POL_LE:
		return v <= t->num;
	case POL_GT:
		return v > t->num;
	case POL_GE:
		return v >= t->num;
	case POL_NOT:
		return !test_num(t->kids[0], v);
	case POL_ANY:
		for (size_t i = 0; i < t->n_kids; i++)
			if (test_num(t->kids[i], v))
				return true;
		return false;
	case POL_ALL:
		for (size_t i = 0; i < t->n_kids; i++)
			if (!test_num(t->kids[i], v))
				return false;
		return true;
	default:
		return false;
	}
}

static const char *arg_at(const struct bw_exec_info *e, uint32_t i)
{
	const char *a = e->argv ? e->argv[i] : NULL;

	return a ? a : "";
}

/* argv joined by single spaces, cut at POLICY_CMDLINE_MAX - 1 bytes. */
static const char *cmdline(struct match_ctx *m)
{
	size_t n = 0, len;

	if (m->cmdline_ready)
		return m->cmdline;
	for (uint32_t i = 0; i < m->e->argc_present; i++) {
		const char *a = arg_at(m->e, i);

		if (i && n < POLICY_CMDLINE_MAX - 1)
			m->cmdline[n++] = ' ';
		len = strlen(a);
		if (len > POLICY_CMDLINE_MAX - 1 - n)
			len = POLICY_CMDLINE_MAX - 1 - n;
		memcpy(m->cmdline + n, a, len);
		n += len;
	}
	m->cmdline[n] = '\0';
	m->cmdline_ready = true;
	return m->cmdline;
}

static bool any_arg(const struct pol_test *t, const struct bw_exec_info *e)
{
	for (uint32_t i = 0; i < e->argc_present; i++)
		if (test_str(t, arg_at(e, i)))
			return true;
	return false;
}

/* Some ancestor within depth generations passes every given test. */
static bool lineage(const struct pol_cond *c, const struct bw_exec_info *e)
{
	uint32_t n = e->n_ancestors < c->depth ? e->n_ancestors : c->depth;

	for (uint32_t i = 0; e->ancestors && i < n; i++) {
		const char *a = e->ancestors[i] ? e->ancestors[i] : "";
		const char *f = e->ancestor_filenames && e->ancestor_filenames[i]
					? e->ancestor_filenames[i] : "";

		if ((!c->lin_exe || test_str(c->lin_exe, a)) &&
		    (!c->lin_base || test_str(c->lin_base, path_basename(a))) &&
		    (!c->lin_file || test_str(c->lin_file, f)))
			return true;
	}
	return false;
}

static bool group_holds(const struct pol_group *g, struct match_ctx *m);

/* A set of named bits passes when one of its members does. */
static bool test_set(const struct pol_test *t, uint32_t bits, const char *(*name)(unsigned))
{
	const char *s;

	for (unsigned i = 0; bits >> i; i++)
		if ((bits & (1u << i)) && (s = name(i)) && test_str(t, s))
			return true;
	return false;
}

static uint32_t mode_bits(uint32_t mode)
{
	return (mode & 04000 ? 1u : 0) | (mode & 02000 ? 2u : 0) | (mode & 01000 ? 4u : 0) |
	       (mode & 0111 ? 8u : 0);
}

/* The exfiltration measures of a query (docs/POLICY.md). */
static bool dns_cond_holds(const struct pol_cond *c, const struct bw_event_info *ev)
{
	if (ev->kind != BW_ON_DNS)
		return false;
	switch (c->field) {
	case POL_F_LABEL_LENGTH:
		return test_num(c->test, ev->dns.label_len);
	case POL_F_LABEL_ENTROPY:
		return test_num(c->test, ev->dns.label_entropy);
	case POL_F_SUBDOMAINS:
		return test_num(c->test, ev->dns.subdomains);
	case POL_F_RESOLVER: /* not known: false either way */
		return ev->dns.resolver && test_str(c->test, ev->dns.resolver);
	default:
		return false;
	}
}

/* Longest line of a file's content tested; the rest of a longer line is not. */
#define CONTENT_LINE_MAX 1024

/* Some line of text passes t (lines end at '\n'; a '\r' before it is dropped). */
static bool some_line(const struct pol_test *t, const char *text)
{
	char line[CONTENT_LINE_MAX];

	while (text && *text) {
		size_t n = strcspn(text, "\n"), k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;

		memcpy(line, text, k);
		if (k && line[k - 1] == '\r')
			k--;
		line[k] = '\0';
		if (test_str(t, line))
			return true;
		text += n + (text[n] == '\n');
	}
	return false;
}

/* The event's fields; any field of another kind of event is false. */
static bool event_cond_holds(const struct pol_cond *c, struct match_ctx *m)
{
	const struct bw_event_info *ev = m->ev;

	if (!ev)
		return false;
	switch (c->field) {
	case POL_F_ADDRESS:
		return ev->kind == BW_ON_CONNECT &&
		       policy_cidrs_contain(c->cidrs, c->n_cidrs, ev->connect.family,
					    ev->connect.addr);
	case POL_F_PORT:
		return ev->kind == BW_ON_CONNECT && test_num(c->test, ev->connect.port);
	case POL_F_PROTO:
		return ev->kind == BW_ON_CONNECT &&
		       test_str(c->test, ev->connect.proto ? ev->connect.proto : "");
	case POL_F_RESULT:
		return ev->kind == BW_ON_CONNECT && test_num(c->test, -(int64_t)ev->connect.result);
	case POL_F_DOMAIN: /* a connect whose name is not known has no domain */
	case POL_F_QNAME:
		return m->name && test_str(c->test, m->name);
	case POL_F_QTYPE:
		return ev->kind == BW_ON_DNS && test_num(c->test, ev->dns.qtype);
	case POL_F_PATH: /* a rename is about both of its paths */
		return ev->kind == BW_ON_FILE &&
		       ((ev->file.path && test_str(c->test, ev->file.path)) ||
			(ev->file.path2 && test_str(c->test, ev->file.path2)));
	case POL_F_FILE_OP:
		return ev->kind == BW_ON_FILE && ev->file.op && test_str(c->test, ev->file.op);
	case POL_F_PRIV_OP:
		return ev->kind == BW_ON_PRIVILEGE && ev->priv.op &&
		       test_str(c->test, ev->priv.op);
	case POL_F_MODE:
		return ev->kind == BW_ON_FILE && ev->file.op && !strcmp(ev->file.op, "chmod") &&
		       test_set(c->test, mode_bits(ev->file.mode), policy_mode_bit_name);
	case POL_F_XATTR:
		return ev->kind == BW_ON_FILE && ev->file.xattr && test_str(c->test, ev->file.xattr);
	case POL_F_TARGET_IN_JOB: /* no target, no answer: false either way */
		if (ev->kind == BW_ON_FILE)
			return ev->file.target_pid && test_num(c->test, ev->file.target_in_job);
		return ev->kind == BW_ON_PRIVILEGE && ev->priv.target_pid &&
		       test_num(c->test, ev->priv.target_in_job);
	case POL_F_TRACKED:
		return ev->kind == BW_ON_FILE && test_num(c->test, ev->file.tracked);
	case POL_F_APPEND:
		return ev->kind == BW_ON_FILE && test_num(c->test, ev->file.append);
	case POL_F_REFUSED_PORTS:
		return ev->kind == BW_ON_CONNECT && test_num(c->test, ev->connect.refused_ports);
	case POL_F_CONTENT: /* unreadable: false either way */
		return ev->kind == BW_ON_FILE && ev->file.content &&
		       some_line(c->test, ev->file.content(ev->file.content_arg));
	case POL_F_DNS_OVER: /* plain port 53 and unknown endpoints have none */
		return ev->kind == BW_ON_CONNECT && ev->connect.dns_over &&
		       test_str(c->test, ev->connect.dns_over);
	default:
		return dns_cond_holds(c, ev);
	}
}

static bool cond_holds(const struct pol_cond *c, struct match_ctx *m)
{
	const struct bw_exec_info *e = m->e;

	switch (c->field) {
	case POL_F_EXE:
		return test_str(c->test, m->exe);
	case POL_F_FILENAME:
		return test_str(c->test, e->filename ? e->filename : "");
	case POL_F_BASENAME:
		return test_str(c->test, m->base);
	case POL_F_ARGV:
		return any_arg(c->test, e);
	case POL_F_ARG:
		return c->index < e->argc_present && test_str(c->test, arg_at(e, c->index));
	case POL_F_CMDLINE:
		return test_str(c->test, cmdline(m));
	case POL_F_ARGC:
		return test_num(c->test, e->argc);
	case POL_F_CWD:
		return test_str(c->test, e->cwd ? e->cwd : "");
	case POL_F_UID:
		return test_num(c->test, e->uid);
	case POL_F_EUID:
		return test_num(c->test, e->euid);
	case POL_F_PARENT:
	case POL_F_ANCESTOR:
		return lineage(c, e);
	case POL_F_STDIN:
		return test_set(c->test, e->stdin_prov, policy_prov_name);
	case POL_F_STDOUT:
		return test_set(c->test, e->stdout_prov, policy_prov_name);
	case POL_F_STDIO:
		return test_set(c->test, e->stdio_prov, policy_prov_name);
	case POL_F_PROGRAM_FROM:
		return test_set(c->test, e->program_from, policy_prog_name);
	case POL_F_SCRIPT_ORIGIN:
		return test_set(c->test, e->script_prov, policy_prov_name);
	case POL_F_EXE_ORIGIN:
		return test_set(c->test, e->exe_prov, policy_prov_name);
	case POL_F_SENDS:
		return test_set(c->test, e->sends_prov, policy_prov_name);
	case POL_F_ENV:
		for (uint32_t i = 0; e->env && i < e->n_env; i++)
			if (e->env[i] && test_str(c->test, e->env[i]))
				return true;
		return false;
	case POL_F_NAME_MISMATCH:
		return test_num(c->test, e->name_mismatch);
	case POL_F_FILELESS:
		return test_num(c->test, e->fileless);
	case POL_F_IN_CONTAINER:
		return test_num(c->test, e->container != NULL);
	case POL_F_CONTAINER:
		return e->container && test_str(c->test, e->container);
	case POL_F_NOT:
		return !group_holds(&c->groups[0], m);
	case POL_F_ANY:
		for (size_t i = 0; i < c->n_groups; i++)
			if (group_holds(&c->groups[i], m))
				return true;
		return false;
	default:
		return event_cond_holds(c, m);
	}
}

static bool group_holds(const struct pol_group *g, struct match_ctx *m)
{
	for (size_t i = 0; i < g->n_conds; i++)
		if (!cond_holds(&g->conds[i], m))
			return false;
	return true;
}

/*
 * Whether one allow: entry lets the event through. A connect needs its
 * destination (an address in cidrs, or a name in domains) and its port;
 * an entry without cidrs and domains allows every destination.
 */
static bool allow_entry(const struct pol_allow *a, const struct match_ctx *m)
{
	const struct bw_event_info *ev = m->ev;
	bool dest;

	if (ev->kind == BW_ON_DNS)
		return (a->domains && m->name && test_str(a->domains, m->name)) ||
		       (a->n_cidrs && policy_cidrs_contain(a->cidrs, a->n_cidrs,
							   ev->dns.server_family, ev->dns.server));
	dest = !a->domains && !a->n_cidrs;
	dest = dest || (a->n_cidrs && policy_cidrs_contain(a->cidrs, a->n_cidrs,
							   ev->connect.family, ev->connect.addr));
	dest = dest || (a->domains && m->name && test_str(a->domains, m->name));
	return dest && (!a->ports || test_num(a->ports, ev->connect.port));
}

static bool multi_call(const char *name)
{
	return !strcmp(name, "busybox") || !strcmp(name, "toybox");
}

/*
 * The program's name as rules know it: its executable's, but for a
 * multi-call binary (busybox, toybox: all of an Alpine image's tools)
 * the applet it runs: argv[0]'s name when started through a link (nc ->
 * busybox), else argv[1] (`busybox nc ...`).
 */
static const char *program_base(const struct bw_exec_info *e, const char *exe)
{
	const char *base = path_basename(exe), *a0;

	if (!multi_call(base) || !e->argv || !e->argc_present || !e->argv[0])
		return base;
	a0 = path_basename(e->argv[0]);
	if (*a0 && !multi_call(a0))
		return a0;
	if (e->argc_present > 1 && e->argv[1] && e->argv[1][0] && e->argv[1][0] != '-' &&
	    !strchr(e->argv[1], '/'))
		return e->argv[1];
	return base;
}

static bool allowed(const struct bw_rule *r, const struct match_ctx *m)
{
	for (size_t i = 0; i < r->n_allow; i++)
		if (allow_entry(&r->allow[i], m))
			return true;
	return false;
}

static size_t match_rules(const struct bw_policy *p, enum bw_event_kind kind,
			  struct match_ctx *m, const struct bw_rule **out,
			  size_t max_out)
{
	size_t n = 0;

	m->exe = m->e->exe && *m->e->exe ? m->e->exe : m->e->filename ? m->e->filename : "";
	m->base = program_base(m->e, m->exe);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct bw_rule *r = &p->rules[i];

		if (r->on != kind || !group_holds(&r->match, m))
			continue;
		if (r->n_allow && allowed(r, m))
			continue;
		if (out && n < max_out)
			out[n] = r;
		n++;
	}
	return n;
}

bool policy_rule_matches(const struct bw_rule *r, const struct bw_exec_info *e)
{
	char buf[POLICY_CMDLINE_MAX];
	struct match_ctx m = { .e = e, .cmdline = buf };

	m.exe = e->exe && *e->exe ? e->exe : e->filename ? e->filename : "";
	m.base = program_base(e, m.exe);
	return group_holds(&r->match, &m);
}

size_t policy_match(const struct bw_policy *p, const struct bw_exec_info *e,
		    const struct bw_rule **out, size_t max_out)
{
	char buf[POLICY_CMDLINE_MAX];
	struct match_ctx m = { .e = e, .cmdline = buf };

	if (!p || !e)
		return 0;
	return match_rules(p, BW_ON_EXEC, &m, out, max_out);
}

size_t policy_match_event(const struct bw_policy *p, const struct bw_event_info *e,
			  const struct bw_rule **out, size_t max_out)
{
	static const struct bw_exec_info unknown = { .filename = "", .exe = "", .cwd = "" };
	char buf[POLICY_CMDLINE_MAX];
	struct match_ctx m = { .e = e && e->proc ? e->proc : &unknown, .ev = e, .cmdline = buf };
	const char *name = NULL;

	if (!p || !e || e->kind == BW_ON_EXEC || !policy_has_rules_on(p, e->kind))
		return 0;
	if (e->kind == BW_ON_CONNECT)
		name = e->connect.dns_name;
	else if (e->kind == BW_ON_DNS)
		name = e->dns.qname;
	if (name && *name)
		m.name = policy_name_fold(name, m.name_buf, sizeof(m.name_buf));
	return match_rules(p, e->kind, &m, out, max_out);
}
