// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `buildwarden daemon --config FILE`: YAML text to a struct daemon_config.
 *
 * Each mapping is read against a table of its keys (struct cfg_keys):
 * unknown and duplicate keys are reported there, in file order, and the
 * value of each known key is then parsed by its own small function. Errors
 * are counted and printed as they are found and parsing goes on; any error
 * discards the whole struct, so a SIGHUP reload never half-applies a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "daemon/daemon_config.h"
#include "lib/yaml_doc.h"
#include "lib/record_kinds.h"
#include "lib/safefile.h"

#define CFG_KEYS_MAX 13
#define CFG_PID_MAX 4194304 /* PID_MAX_LIMIT */
#define CFG_ID_MAX 128      /* a job id becomes part of file names */
#define CFG_RINGBUF_MB_MAX 1024
#define CFG_JSONL_KEEP_MAX 1000

struct cfg_parser {
	const char *name;
	FILE *errs;
	yaml_document_t *doc;
	const char *base_dir; /* NULL: relative paths are kept as written */
	unsigned n_errors;
	bool oom;
};

/* The keys a mapping may hold; what/in name it in messages. */
struct cfg_keys {
	const char *what; /* "expected WHAT to be a mapping" */
	const char *in;   /* "unknown key 'x' IN" */
	const char *const *names;
	size_t n;
};

/* A mapping read against its keys: the first key and value node of each. */
struct cfg_map {
	const yaml_node_t *node;
	const yaml_node_t *key[CFG_KEYS_MAX];
	const yaml_node_t *val[CFG_KEYS_MAX];
};

#define KEYS(what, in, names) { what, in, names, sizeof(names) / sizeof(names[0]) }

/* ---- messages and scalars ---- */

__attribute__((format(printf, 3, 0)))
static void cfg_verror(struct cfg_parser *ps, yaml_mark_t at, const char *fmt, va_list ap)
{
	ps->n_errors++;
	if (!ps->errs)
		return;
	fprintf(ps->errs, "%s:%zu:%zu: error: ", ps->name, at.line + 1, at.column + 1);
	vfprintf(ps->errs, fmt, ap);
	fputc('\n', ps->errs);
}

/* "NAME:LINE:COL: error: ..." at a node (NULL: 1:1). */
__attribute__((format(printf, 3, 4)))
static void cfg_error(struct cfg_parser *ps, const yaml_node_t *at, const char *fmt, ...)
{
	yaml_mark_t mark = { 0 };
	va_list ap;

	if (at)
		mark = at->start_mark;
	va_start(ap, fmt);
	cfg_verror(ps, mark, fmt, ap);
	va_end(ap);
}

static const yaml_node_t *cfg_node(struct cfg_parser *ps, int id)
{
	return yaml_document_get_node(ps->doc, id);
}

/* The text of a scalar: non-empty, without NUL bytes; or NULL (reported). */
static const char *get_scalar(struct cfg_parser *ps, const yaml_node_t *n, const char *what,
			      const char *type)
{
	const char *v;
	int err = yaml_node_text(n, &v);

	if (err == -EILSEQ) {
		cfg_error(ps, n, "%s contains a NUL byte", what);
		return NULL;
	}
	if (err) {
		cfg_error(ps, n, "expected %s to be %s, got %s", what, type, yaml_node_kind(n));
		return NULL;
	}
	if (!*v) {
		cfg_error(ps, n, "%s is empty", what);
		return NULL;
	}
	return v;
}

static const char *get_str(struct cfg_parser *ps, const yaml_node_t *n, const char *what)
{
	return get_scalar(ps, n, what, "a string");
}

static char *xstrdup(struct cfg_parser *ps, const char *s)
{
	char *d = strdup(s);

	if (!d)
		ps->oom = true;
	return d;
}

static char *dup_str(struct cfg_parser *ps, const yaml_node_t *n, const char *what)
{
	const char *s = get_str(ps, n, what);

	return s ? xstrdup(ps, s) : NULL;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A name shown in messages and reports: no control characters. */
static char *dup_name(struct cfg_parser *ps, const yaml_node_t *n, const char *what)
{
	const char *s = get_str(ps, n, what);

	if (s && has_control(s)) {
		cfg_error(ps, n, "%s contains a control character", what);
		return NULL;
	}
	return s ? xstrdup(ps, s) : NULL;
}

/* A path: absolute ones as written, relative ones under the config's directory. */
static char *dup_path(struct cfg_parser *ps, const yaml_node_t *n, const char *what)
{
	const char *s = get_str(ps, n, what), *b = ps->base_dir;
	char *out;

	if (!s)
		return NULL;
	if (s[0] == '/' || !b || !*b)
		return xstrdup(ps, s);
	if (asprintf(&out, "%s%s%s", b, b[strlen(b) - 1] == '/' ? "" : "/", s) < 0) {
		ps->oom = true;
		return NULL;
	}
	return out;
}

static void get_bool(struct cfg_parser *ps, const yaml_node_t *n, const char *what, bool *out)
{
	const char *s = get_scalar(ps, n, what, "true or false");

	if (!s)
		return;
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no"))
		*out = false;
	else
		cfg_error(ps, n, "expected true or false for %s, got '%s'", what, s);
}

/* A decimal integer in [min, max]; 0 or -EINVAL (reported). */
static int get_uint(struct cfg_parser *ps, const yaml_node_t *n, const char *what, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	const char *s = get_scalar(ps, n, what, "an integer");
	unsigned long long x;
	char *end;

	if (!s)
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || x < min || x > max) {
		cfg_error(ps, n, "expected an integer from %" PRIu64 " to %" PRIu64 " for %s, "
			  "got '%s'", min, max, what, s);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static void get_unsigned(struct cfg_parser *ps, const yaml_node_t *n, const char *what,
			 uint64_t max, unsigned *out)
{
	uint64_t x;

	if (!get_uint(ps, n, what, 0, max, &x))
		*out = (unsigned)x;
}

/*
 * http:// or https://, something after it, no blanks or control characters.
 * The URL may hold a token: messages never show it.
 */
static bool url_ok(const char *u)
{
	size_t n = !strncmp(u, "http://", 7) ? 7 : !strncmp(u, "https://", 8) ? 8 : 0;

	if (!n || !u[n])
		return false;
	for (; *u; u++)
		if ((unsigned char)*u <= ' ' || *u == 0x7f)
			return false;
	return true;
}

/* ---- mappings ---- */

static int key_index(const struct cfg_keys *ks, const char *k)
{
	for (size_t i = 0; i < ks->n; i++)
		if (!strcmp(ks->names[i], k))
			return (int)i;
	return -1;
}

static void unknown_key(struct cfg_parser *ps, const yaml_node_t *kn, const char *k,
			const struct cfg_keys *ks)
{
	char valid[256] = "";
	size_t len = 0;

	for (size_t i = 0; i < ks->n && len < sizeof(valid); i++)
		len += snprintf(valid + len, sizeof(valid) - len, "%s%s", i ? ", " : "",
				ks->names[i]);
	cfg_error(ps, kn, "unknown key '%s' %s; valid keys: %s", k, ks->in, valid);
}

/* Fill m from a mapping node; false (reported) when n is no mapping. */
static bool map_read(struct cfg_parser *ps, const yaml_node_t *n, const struct cfg_keys *ks,
		     struct cfg_map *m)
{
	memset(m, 0, sizeof(*m));
	m->node = n;
	if (!n || n->type != YAML_MAPPING_NODE) {
		cfg_error(ps, n, "expected %s to be a mapping, got %s", ks->what, yaml_node_kind(n));
		return false;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *kn = cfg_node(ps, p->key);
		const char *k = get_str(ps, kn, "a key");
		int i;

		if (!k)
			continue;
		i = key_index(ks, k);
		if (i < 0)
			unknown_key(ps, kn, k, ks);
		else if (m->key[i])
			cfg_error(ps, kn, "duplicate key '%s' (first at line %zu)", k,
				  m->key[i]->start_mark.line + 1);
		else {
			m->key[i] = kn;
			m->val[i] = cfg_node(ps, p->value);
		}
	}
	return true;
}

static size_t seq_len(const yaml_node_t *n)
{
	return n->data.sequence.items.top - n->data.sequence.items.start;
}

/* ---- jobs: ---- */

static const char *const rule_keys[] = { "name", "match", "id", "policy", "labels" };
enum { RK_NAME, RK_MATCH, RK_ID, RK_POLICY, RK_LABELS };
static const struct cfg_keys rule_ks = KEYS("a job rule (an entry of 'jobs')", "in a job rule",
					    rule_keys);

static const char *const rmatch_keys[] = { "exe_basename", "parent_basename", "args", "pid" };
enum { RM_EXE, RM_PARENT, RM_ARGS, RM_PID };
static const struct cfg_keys rmatch_ks = KEYS("'match'", "in a job rule's 'match'", rmatch_keys);

static char *dup_basename(struct cfg_parser *ps, const yaml_node_t *n, const char *what)
{
	const char *s = get_str(ps, n, what);

	if (s && strchr(s, '/')) {
		cfg_error(ps, n, "%s must be a file name without '/', got '%s'", what, s);
		return NULL;
	}
	return s ? xstrdup(ps, s) : NULL;
}

static void parse_rule_match(struct cfg_parser *ps, const yaml_node_t *n,
			     struct daemon_root_rule *r)
{
	struct cfg_map m;
	uint64_t pid;

	if (!map_read(ps, n, &rmatch_ks, &m))
		return;
	if (m.key[RM_EXE] && m.key[RM_PID])
		cfg_error(ps, n, "'match' has both exe_basename and pid; a job rule matches by one");
	else if (!m.key[RM_EXE] && !m.key[RM_PID])
		cfg_error(ps, n, "'match' needs exe_basename (a program starting jobs) or pid "
			  "(one running process)");
	if (m.key[RM_EXE])
		r->exe_basename = dup_basename(ps, m.val[RM_EXE], "'exe_basename'");
	if (m.key[RM_PARENT])
		r->parent_basename = dup_basename(ps, m.val[RM_PARENT], "'parent_basename'");
	if (m.key[RM_ARGS])
		r->args_glob = dup_str(ps, m.val[RM_ARGS], "'args'");
	if (m.key[RM_PID] && !get_uint(ps, m.val[RM_PID], "'pid'", 1, CFG_PID_MAX, &pid))
		r->pid = (uint32_t)pid;
	if (!m.key[RM_PID] || m.key[RM_EXE])
		return;
	if (m.key[RM_PARENT])
		cfg_error(ps, m.key[RM_PARENT], "parent_basename applies to exe_basename rules, "
			  "not to a pid rule");
	if (m.key[RM_ARGS])
		cfg_error(ps, m.key[RM_ARGS], "args applies to exe_basename rules, not to a pid rule");
}

static void parse_rule_id(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_root_rule *r)
{
	const char *s = get_str(ps, n, "'id'");

	if (!s)
		return;
	if (strchr(s, '/') || s[0] == '.' || has_control(s) || strlen(s) > CFG_ID_MAX) {
		cfg_error(ps, n, "id '%s' is not usable in a file name: it must not contain '/' or "
			  "control characters, start with '.' or be longer than %d bytes", s,
			  CFG_ID_MAX);
		return;
	}
	r->id = xstrdup(ps, s);
}

static void parse_labels(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_root_rule *r)
{
	size_t count;

	if (!n || n->type != YAML_SEQUENCE_NODE) {
		cfg_error(ps, n, "expected 'labels' to be a list of strings, got %s", yaml_node_kind(n));
		return;
	}
	count = seq_len(n);
	if (count > DAEMON_CONFIG_MAX_LABELS) {
		cfg_error(ps, n, "'labels' has %zu entries; at most %d", count,
			  DAEMON_CONFIG_MAX_LABELS);
		return;
	}
	r->labels = calloc(count ? count : 1, sizeof(*r->labels));
	if (!r->labels) {
		ps->oom = true;
		return;
	}
	for (size_t i = 0; i < count; i++) {
		char *s = dup_name(ps, cfg_node(ps, n->data.sequence.items.start[i]), "a label");

		if (s)
			r->labels[r->n_labels++] = s;
	}
}

/* Where a rule's name (or the rule, for a generated name) and id are written. */
struct rule_at {
	const yaml_node_t *name, *id;
};

static void parse_rule(struct cfg_parser *ps, const yaml_node_t *n, size_t index,
		       struct daemon_root_rule *r, struct rule_at *at)
{
	struct cfg_map m;

	r->line = n ? n->start_mark.line + 1 : 1;
	if (!map_read(ps, n, &rule_ks, &m))
		return;
	at->name = m.key[RK_NAME] ? m.val[RK_NAME] : n;
	at->id = m.val[RK_ID];
	if (m.key[RK_NAME])
		r->name = dup_name(ps, m.val[RK_NAME], "'name'");
	else if (asprintf(&r->name, "job-%zu", index + 1) < 0) {
		r->name = NULL;
		ps->oom = true;
	}
	if (m.key[RK_MATCH])
		parse_rule_match(ps, m.val[RK_MATCH], r);
	else
		cfg_error(ps, n, "job rule '%s' has no 'match'", r->name ? r->name : "?");
	if (m.key[RK_ID])
		parse_rule_id(ps, m.val[RK_ID], r);
	if (m.key[RK_POLICY])
		r->policy_path = dup_path(ps, m.val[RK_POLICY], "'policy'");
	if (m.key[RK_LABELS])
		parse_labels(ps, m.val[RK_LABELS], r);
}

/* The rule before r (of c's) with the same name (ids: false) or id, or NULL. */
static const struct daemon_root_rule *same_before(const struct daemon_config *c,
						  const struct daemon_root_rule *r, bool ids)
{
	const char *v = ids ? r->id : r->name;

	for (const struct daemon_root_rule *q = c->roots; v && q < r; q++) {
		const char *w = ids ? q->id : q->name;

		if (w && !strcmp(v, w))
			return q;
	}
	return NULL;
}

/* Names and fixed ids name reports and policy overrides: each once. */
static void check_rules_unique(struct cfg_parser *ps, const struct daemon_config *c,
			       const struct rule_at *at)
{
	for (size_t i = 1; i < c->n_roots; i++) {
		const struct daemon_root_rule *r = &c->roots[i], *q;

		q = same_before(c, r, false);
		if (q)
			cfg_error(ps, at[i].name, "duplicate job rule name '%s' (first at line %u)",
				  r->name, q->line);
		q = same_before(c, r, true);
		if (q)
			cfg_error(ps, at[i].id, "job rule '%s' has the same id '%s' as the rule at "
				  "line %u", r->name ? r->name : "?", r->id, q->line);
	}
}

static void parse_jobs(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	struct rule_at *at;
	size_t count;

	if (!n || n->type != YAML_SEQUENCE_NODE) {
		cfg_error(ps, n, "expected 'jobs' to be a list of job rules, got %s", yaml_node_kind(n));
		return;
	}
	count = seq_len(n);
	if (!count || count > DAEMON_CONFIG_MAX_JOBS) {
		cfg_error(ps, n, "'jobs' has %zu rules; it needs 1 to %d", count,
			  DAEMON_CONFIG_MAX_JOBS);
		return;
	}
	c->roots = calloc(count, sizeof(*c->roots));
	at = calloc(count, sizeof(*at));
	if (!c->roots || !at) {
		ps->oom = true;
		goto out_free;
	}
	c->n_roots = count;
	for (size_t i = 0; i < count; i++)
		parse_rule(ps, cfg_node(ps, n->data.sequence.items.start[i]), i, &c->roots[i],
			   &at[i]);
	check_rules_unique(ps, c, at);
out_free:
	free(at);
}

/* ---- policies: ---- */

static const char *const over_keys[] = { "match", "policy" };
enum { OK_MATCH, OK_POLICY };
static const struct cfg_keys over_ks = KEYS("a policy override (an entry of 'policies')",
					    "in a policy override", over_keys);

static const char *const omatch_keys[] = { "repository", "label", "job" };
enum { OM_REPO, OM_LABEL, OM_JOB };
static const struct cfg_keys omatch_ks = KEYS("'match'", "in a policy override's 'match'",
					      omatch_keys);

static bool rule_has_label(const struct daemon_root_rule *r, const char *label)
{
	for (size_t i = 0; i < r->n_labels; i++)
		if (!strcmp(r->labels[i], label))
			return true;
	return false;
}

/*
 * An override naming a job no rule has never applies: a typo. (A label no
 * rule has yet is allowed: labels are a vocabulary shared by configs.)
 */
static void check_override_job(struct cfg_parser *ps, const yaml_node_t *at,
			       const struct daemon_policy_override *o,
			       const struct daemon_config *c)
{
	for (size_t i = 0; o->job && i < c->n_roots; i++)
		if (c->roots[i].name && !strcmp(c->roots[i].name, o->job))
			return;
	if (o->job)
		cfg_error(ps, at, "no job rule is named '%s'", o->job);
}

static void parse_override_match(struct cfg_parser *ps, const yaml_node_t *n,
				 struct daemon_policy_override *o, const struct daemon_config *c,
				 bool check_refs)
{
	struct cfg_map m;

	if (!map_read(ps, n, &omatch_ks, &m))
		return;
	if (n->data.mapping.pairs.start == n->data.mapping.pairs.top)
		cfg_error(ps, n, "'match' needs at least one of repository, label, job (for "
			  "every job, set the top-level 'policy')");
	if (m.key[OM_REPO])
		o->repository = dup_str(ps, m.val[OM_REPO], "'repository'");
	if (m.key[OM_LABEL])
		o->label = dup_name(ps, m.val[OM_LABEL], "'label'");
	if (m.key[OM_JOB])
		o->job = dup_name(ps, m.val[OM_JOB], "'job'");
	if (check_refs)
		check_override_job(ps, m.val[OM_JOB], o, c);
}

static void parse_override(struct cfg_parser *ps, const yaml_node_t *n,
			   struct daemon_policy_override *o, const struct daemon_config *c,
			   bool check_refs)
{
	struct cfg_map m;

	o->line = n ? n->start_mark.line + 1 : 1;
	if (!map_read(ps, n, &over_ks, &m))
		return;
	if (m.key[OK_MATCH])
		parse_override_match(ps, m.val[OK_MATCH], o, c, check_refs);
	else
		cfg_error(ps, n, "policy override has no 'match'");
	if (m.key[OK_POLICY])
		o->policy_path = dup_path(ps, m.val[OK_POLICY], "'policy'");
	else
		cfg_error(ps, n, "policy override has no 'policy'");
}

static void parse_overrides(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c,
			    bool check_refs)
{
	size_t count;

	if (!n || n->type != YAML_SEQUENCE_NODE) {
		cfg_error(ps, n, "expected 'policies' to be a list of policy overrides, got %s",
			  yaml_node_kind(n));
		return;
	}
	count = seq_len(n);
	if (count > DAEMON_CONFIG_MAX_OVERRIDES) {
		cfg_error(ps, n, "'policies' has %zu entries; at most %d", count,
			  DAEMON_CONFIG_MAX_OVERRIDES);
		return;
	}
	if (!count)
		return;
	c->overrides = calloc(count, sizeof(*c->overrides));
	if (!c->overrides) {
		ps->oom = true;
		return;
	}
	c->n_overrides = count;
	for (size_t i = 0; i < count; i++)
		parse_override(ps, cfg_node(ps, n->data.sequence.items.start[i]), &c->overrides[i],
			       c, check_refs);
}

/* ---- status:, export: ---- */

static const char *const status_keys[] = { "listen" };
static const struct cfg_keys status_ks = KEYS("'status'", "in 'status'", status_keys);

static void parse_status(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	struct cfg_map m;

	if (!map_read(ps, n, &status_ks, &m))
		return;
	if (m.key[0])
		c->status_listen = dup_str(ps, m.val[0], "'listen'");
	else
		cfg_error(ps, n, "'status' has no 'listen' (ADDR:PORT or unix:PATH)");
}

static const char *const jsonl_keys[] = { "path", "max_bytes", "keep" };
enum { JK_PATH, JK_MAX_BYTES, JK_KEEP };
static const struct cfg_keys jsonl_ks = KEYS("'jsonl'", "in 'export: jsonl'", jsonl_keys);

static void parse_jsonl(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	struct cfg_map m;

	if (!map_read(ps, n, &jsonl_ks, &m))
		return;
	if (m.key[JK_PATH])
		c->jsonl_path = dup_path(ps, m.val[JK_PATH], "'path'");
	else
		cfg_error(ps, n, "'jsonl' has no 'path'");
	if (m.key[JK_MAX_BYTES])
		get_uint(ps, m.val[JK_MAX_BYTES], "'max_bytes'", 0, INT64_MAX, &c->jsonl_max_bytes);
	if (m.key[JK_KEEP])
		get_unsigned(ps, m.val[JK_KEEP], "'keep'", CFG_JSONL_KEEP_MAX, &c->jsonl_keep);
}

/* RFC 9110 token: the characters of a header name. */
static bool http_token(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s)))
			return false;
	return true;
}

/* "Name: value" into *out; the value is never shown (it may be a token). */
static void parse_header(struct cfg_parser *ps, const yaml_node_t *map,
			 const yaml_node_pair_t *p, char **out)
{
	const yaml_node_t *kn = cfg_node(ps, p->key), *vn = cfg_node(ps, p->value), *first;
	const char *k = get_str(ps, kn, "a header name"), *v;

	if (k && !http_token(k)) {
		cfg_error(ps, kn, "header name '%s' is not a valid HTTP header name", k);
		k = NULL;
	}
	first = k ? yaml_map_earlier_key(ps->doc, map, p, true) : NULL;
	if (first) {
		cfg_error(ps, kn, "duplicate header '%s' (first at line %zu)", k,
			  first->start_mark.line + 1);
		k = NULL;
	}
	v = get_str(ps, vn, "a header value");
	if (v && strpbrk(v, "\r\n")) {
		cfg_error(ps, vn, "the value of header '%s' contains a line break", k ? k : "?");
		v = NULL;
	}
	if (k && v && asprintf(out, "%s: %s", k, v) < 0) {
		*out = NULL;
		ps->oom = true;
	}
}

static void parse_headers(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	size_t count, used = 0;
	char **h;

	if (!n || n->type != YAML_MAPPING_NODE) {
		cfg_error(ps, n, "expected 'headers' to be a mapping of header names to values, "
			  "got %s", yaml_node_kind(n));
		return;
	}
	count = n->data.mapping.pairs.top - n->data.mapping.pairs.start;
	if (count > DAEMON_CONFIG_MAX_HEADERS) {
		cfg_error(ps, n, "'headers' has %zu entries; at most %d", count,
			  DAEMON_CONFIG_MAX_HEADERS);
		return;
	}
	h = calloc(count + 1, sizeof(*h));
	if (!h) {
		ps->oom = true;
		return;
	}
	for (size_t i = 0; i < count; i++) {
		parse_header(ps, n, n->data.mapping.pairs.start + i, &h[used]);
		used += h[used] != NULL;
	}
	free(c->otlp_headers); /* the empty list made with the struct */
	c->otlp_headers = h;
}

static const char *const otlp_keys[] = { "url", "headers", "batch_records", "flush_ms",
					 "timeout_ms", "max_attempts", "host_name", "traces",
					 "traces_url", "traces_protocol", "service_name" };
enum { OT_URL, OT_HEADERS, OT_BATCH, OT_FLUSH, OT_TIMEOUT, OT_ATTEMPTS, OT_HOST, OT_TRACES,
       OT_TRACES_URL, OT_TRACES_PROTOCOL, OT_SERVICE };

/* The trace keys of 'export: otlp' (docs/TRACES.md). */
static void parse_otlp_traces(struct cfg_parser *ps, const struct cfg_map *m,
			      struct daemon_config *c)
{
	const char *v;

	if (m->key[OT_TRACES])
		get_bool(ps, m->val[OT_TRACES], "'traces'", &c->otlp_traces);
	if (m->key[OT_TRACES_URL]) {
		v = get_str(ps, m->val[OT_TRACES_URL], "'traces_url'");
		if (v && !url_ok(v))
			cfg_error(ps, m->val[OT_TRACES_URL], "the OTLP traces_url must start with "
				  "http:// or https:// and hold no blanks");
		else if (v)
			c->otlp_traces_url = xstrdup(ps, v);
	}
	if (m->key[OT_TRACES_PROTOCOL]) {
		v = get_str(ps, m->val[OT_TRACES_PROTOCOL], "'traces_protocol'");
		if (v && strcmp(v, "protobuf") && strcmp(v, "json"))
			cfg_error(ps, m->val[OT_TRACES_PROTOCOL], "expected 'traces_protocol' to be "
				  "protobuf or json, got '%s'", v);
		else if (v)
			c->otlp_traces_json = !strcmp(v, "json");
	}
	if (m->key[OT_SERVICE])
		c->otlp_service_name = dup_name(ps, m->val[OT_SERVICE], "'service_name'");
}
static const struct cfg_keys otlp_ks = KEYS("'otlp'", "in 'export: otlp'", otlp_keys);

static void parse_otlp(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	struct cfg_map m;
	const char *url;

	if (!map_read(ps, n, &otlp_ks, &m))
		return;
	url = m.key[OT_URL] ? get_str(ps, m.val[OT_URL], "'url'") : NULL;
	if (!m.key[OT_URL])
		cfg_error(ps, n, "'otlp' has no 'url'");
	else if (url && !url_ok(url))
		cfg_error(ps, m.val[OT_URL], "the OTLP url must start with http:// or https:// "
			  "and hold no blanks");
	else if (url)
		c->otlp_url = xstrdup(ps, url);
	if (m.key[OT_HEADERS])
		parse_headers(ps, m.val[OT_HEADERS], c);
	if (m.key[OT_BATCH])
		get_unsigned(ps, m.val[OT_BATCH], "'batch_records'", 65536, &c->otlp_batch_records);
	if (m.key[OT_FLUSH])
		get_unsigned(ps, m.val[OT_FLUSH], "'flush_ms'", 3600000, &c->otlp_flush_ms);
	if (m.key[OT_TIMEOUT])
		get_unsigned(ps, m.val[OT_TIMEOUT], "'timeout_ms'", 600000, &c->otlp_timeout_ms);
	if (m.key[OT_ATTEMPTS])
		get_unsigned(ps, m.val[OT_ATTEMPTS], "'max_attempts'", 100, &c->otlp_max_attempts);
	if (m.key[OT_HOST])
		c->otlp_host_name = dup_name(ps, m.val[OT_HOST], "'host_name'");
	parse_otlp_traces(ps, &m, c);
}

static const char *const export_keys[] = { "jsonl", "otlp" };
static const struct cfg_keys export_ks = KEYS("'export'", "in 'export'", export_keys);

static void parse_export(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	struct cfg_map m;

	if (!map_read(ps, n, &export_ks, &m))
		return;
	if (m.key[0])
		parse_jsonl(ps, m.val[0], c);
	if (m.key[1])
		parse_otlp(ps, m.val[1], c);
}

/* ---- alerts: ---- */

static const char *const alerts_keys[] = { "webhook", "webhook_env", "webhook_file", "format",
					   "secret_file" };
enum { AK_URL, AK_ENV, AK_FILE, AK_FORMAT, AK_SECRET };
static const struct cfg_keys alerts_ks = KEYS("'alerts'", "in 'alerts'", alerts_keys);

static char *webhook_from_env(struct cfg_parser *ps, const yaml_node_t *n)
{
	const char *var = get_str(ps, n, "'webhook_env'"), *v;

	if (!var)
		return NULL;
	v = getenv(var);
	if (!v || !*v) {
		cfg_error(ps, n, "environment variable %s (webhook_env) is %s", var,
			  v ? "empty" : "not set");
		return NULL;
	}
	return xstrdup(ps, v);
}

static void say_secret_error(struct cfg_parser *ps, const yaml_node_t *n, const char *path,
			     int err)
{
	if (err == -EPERM)
		cfg_error(ps, n, "webhook_file %s is readable by other users; refusing it "
			  "(chmod 600 %s)", path, path);
	else if (err == -EINVAL)
		cfg_error(ps, n, "webhook_file %s is not a regular file, or its first line is "
			  "empty or not text", path);
	else
		cfg_error(ps, n, "webhook_file %s: cannot read: %s", path, strerror(-err));
}

static char *webhook_from_file(struct cfg_parser *ps, const yaml_node_t *n)
{
	char *path = dup_path(ps, n, "'webhook_file'"), *url = NULL;
	size_t len;
	int err;

	if (!path)
		return NULL;
	err = alerts_load_secret(path, &url);
	if (err == -ENOMEM)
		ps->oom = true;
	else if (err)
		say_secret_error(ps, n, path, err);
	if (err)
		goto out_free;
	len = strlen(url);
	while (len && (url[len - 1] == ' ' || url[len - 1] == '\t'))
		url[--len] = '\0';
	if (!len) {
		cfg_error(ps, n, "webhook_file %s holds only blanks", path);
		alerts_secret_free(url);
		url = NULL;
	}
out_free:
	free(path);
	return url;
}

/* The one source of the URL given, or NULL (reported). */
static int webhook_source(struct cfg_parser *ps, const struct cfg_map *m)
{
	int src = -1;

	for (int i = AK_URL; i <= AK_FILE; i++) {
		if (!m->key[i])
			continue;
		if (src >= 0)
			cfg_error(ps, m->key[i], "'%s' and '%s' both set the webhook URL; use one",
				  alerts_keys[src], alerts_keys[i]);
		else
			src = i;
	}
	if (src < 0)
		cfg_error(ps, m->node, "'alerts' needs the webhook URL: webhook, webhook_env or "
			  "webhook_file");
	return src;
}

static void parse_alerts(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	struct cfg_map m;
	const char *s;
	int src;

	if (!map_read(ps, n, &alerts_ks, &m))
		return;
	src = webhook_source(ps, &m);
	if (src == AK_URL)
		c->webhook_url = dup_str(ps, m.val[AK_URL], "'webhook'");
	else if (src == AK_ENV)
		c->webhook_url = webhook_from_env(ps, m.val[AK_ENV]);
	else if (src == AK_FILE)
		c->webhook_url = webhook_from_file(ps, m.val[AK_FILE]);
	if (c->webhook_url && !url_ok(c->webhook_url))
		cfg_error(ps, m.val[src], "the webhook URL (from %s) must start with http:// or "
			  "https:// and hold no blanks", alerts_keys[src]);
	s = m.key[AK_FORMAT] ? get_str(ps, m.val[AK_FORMAT], "'format'") : NULL;
	if (s && alerts_parse_format(s, &c->webhook_format))
		cfg_error(ps, m.val[AK_FORMAT], "unknown alert format '%s'; valid: slack, teams, "
			  "generic", s);
	if (m.key[AK_SECRET])
		c->webhook_secret_file = dup_path(ps, m.val[AK_SECRET], "'secret_file'");
}

/* ---- the top level ---- */

static const char *const top_keys[] = { "policy", "reports", "record", "fail_closed",
					"ringbuf_mb", "redact", "jobs", "policies",
					"status", "export", "alerts", "exec_env", "run_socket" };
enum { TK_POLICY, TK_REPORTS, TK_RECORD, TK_FAIL_CLOSED, TK_RINGBUF, TK_REDACT, TK_JOBS,
       TK_POLICIES, TK_STATUS, TK_EXPORT, TK_ALERTS, TK_EXEC_ENV, TK_RUN_SOCKET };
static const struct cfg_keys top_ks = KEYS("the config", "at the top level", top_keys);

static void parse_record(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	const char *s = get_str(ps, n, "'record'");
	char err[256];

	if (s && record_kinds_parse(s, &c->hooks, &c->record_auto, err, sizeof(err)))
		cfg_error(ps, n, "record %s", err);
}

static void parse_exec_env(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	const char *s = get_str(ps, n, "'exec_env'");
	char err[320];

	if (!s)
		return;
	if (env_names_parse(s, &c->exec_env, err, sizeof(err)))
		cfg_error(ps, n, "exec_env %s", err);
	else
		c->exec_env_set = true;
}

static void parse_ringbuf(struct cfg_parser *ps, const yaml_node_t *n, struct daemon_config *c)
{
	uint64_t x;

	if (get_uint(ps, n, "'ringbuf_mb'", 1, CFG_RINGBUF_MB_MAX, &x))
		return;
	if (x & (x - 1))
		cfg_error(ps, n, "ringbuf_mb %" PRIu64 " is not a power of two (1, 2, 4 ... %d)", x,
			  CFG_RINGBUF_MB_MAX);
	else
		c->ringbuf_mb = (uint32_t)x;
}

/* Settings that stand alone, each one scalar. */
static void parse_scalars(struct cfg_parser *ps, const struct cfg_map *m, struct daemon_config *c)
{
	if (m->key[TK_POLICY])
		c->policy_path = dup_path(ps, m->val[TK_POLICY], "'policy'");
	if (m->key[TK_REPORTS])
		c->reports_dir = dup_path(ps, m->val[TK_REPORTS], "'reports'");
	if (m->key[TK_RECORD])
		parse_record(ps, m->val[TK_RECORD], c);
	if (m->key[TK_FAIL_CLOSED])
		get_bool(ps, m->val[TK_FAIL_CLOSED], "'fail_closed'", &c->fail_closed);
	if (m->key[TK_RINGBUF])
		parse_ringbuf(ps, m->val[TK_RINGBUF], c);
	if (m->key[TK_REDACT])
		get_bool(ps, m->val[TK_REDACT], "'redact'", &c->redact);
	if (m->key[TK_EXEC_ENV])
		parse_exec_env(ps, m->val[TK_EXEC_ENV], c);
	if (m->key[TK_RUN_SOCKET])
		c->run_socket = dup_path(ps, m->val[TK_RUN_SOCKET], "'run_socket'");
}

static void parse_top(struct cfg_parser *ps, const yaml_node_t *root, struct daemon_config *c)
{
	struct cfg_map m;
	unsigned errors;

	if (!root) {
		cfg_error(ps, NULL, "the config is empty: expected a mapping with 'reports' and 'jobs'");
		return;
	}
	if (!map_read(ps, root, &top_ks, &m))
		return;
	parse_scalars(ps, &m, c);
	errors = ps->n_errors;
	if (m.key[TK_JOBS])
		parse_jobs(ps, m.val[TK_JOBS], c);
	/* Overrides name rules: check the names only against a sound jobs list. */
	if (m.key[TK_POLICIES])
		parse_overrides(ps, m.val[TK_POLICIES], c, c->n_roots && ps->n_errors == errors);
	if (m.key[TK_STATUS])
		parse_status(ps, m.val[TK_STATUS], c);
	if (m.key[TK_EXPORT])
		parse_export(ps, m.val[TK_EXPORT], c);
	if (m.key[TK_ALERTS])
		parse_alerts(ps, m.val[TK_ALERTS], c);
	if (!m.key[TK_REPORTS])
		cfg_error(ps, root, "the config has no 'reports' (the directory for job reports)");
	if (!m.key[TK_JOBS])
		cfg_error(ps, root, "the config has no 'jobs' (how to recognise CI jobs)");
}

/* ---- documents ---- */

static struct daemon_config *config_new(const char *name)
{
	struct daemon_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->hooks = BW_HOOK_ALL;
	c->record_auto = true;
	c->ringbuf_mb = DAEMON_CONFIG_DEFAULT_RINGBUF_MB;
	c->redact = true;
	c->jsonl_max_bytes = DAEMON_CONFIG_DEFAULT_JSONL_MAX_BYTES;
	c->jsonl_keep = DAEMON_CONFIG_DEFAULT_JSONL_KEEP;
	c->webhook_format = ALERT_FMT_SLACK;
	c->path = strdup(name);
	c->otlp_headers = calloc(1, sizeof(*c->otlp_headers));
	if (!c->path || !c->otlp_headers) {
		daemon_config_free(c);
		return NULL;
	}
	return c;
}

/* The document in ps->doc to a config; 0, -EINVAL or -ENOMEM. */
static int build_config(struct cfg_parser *ps, struct daemon_config **out)
{
	struct daemon_config *c = config_new(ps->name);
	int err;

	if (!c)
		return -ENOMEM;
	parse_top(ps, yaml_document_get_root_node(ps->doc), c);
	err = ps->oom ? -ENOMEM : ps->n_errors ? -EINVAL : 0;
	if (err) {
		daemon_config_free(c);
		return err;
	}
	*out = c;
	return 0;
}

int daemon_config_parse(const char *name, const char *text, size_t len, const char *base_dir,
			struct daemon_config **out, FILE *errs)
{
	struct cfg_parser ps = { .name = name ? name : "<config>", .errs = errs,
				 .base_dir = base_dir };
	yaml_document_t doc;
	int err;

	if (!out || (!text && len))
		return -EINVAL;
	err = yaml_doc_load(ps.name, "a config", text, len, errs, &doc, &ps.n_errors);
	if (err)
		return err;
	ps.doc = &doc;
	err = build_config(&ps, out); /* fails on an error in an extra document too */
	yaml_document_delete(&doc);
	return err;
}

/* ---- files ---- */

/* FILE's directory, absolute when the working directory is known. */
static char *config_dir(const char *path)
{
	const char *slash;
	char *cwd, *dir = NULL;
	int n;

	while (path[0] == '.' && path[1] == '/') /* "./x" */
		for (path++; *path == '/'; path++)
			;
	slash = strrchr(path, '/');
	n = slash ? (int)(slash - path) : 0;
	if (path[0] == '/')
		return n ? strndup(path, n) : strdup("/");
	cwd = getcwd(NULL, 0);
	if (!cwd) /* the directory is gone: paths stay relative */
		return slash ? strndup(path, n) : strdup(".");
	if (!slash)
		return cwd;
	if (asprintf(&dir, "%s%s%.*s", cwd, cwd[1] ? "/" : "", n, path) < 0)
		dir = NULL;
	free(cwd);
	return dir;
}

int daemon_config_load(const char *path, struct daemon_config **out, FILE *errs)
{
	char *buf = NULL, *dir = NULL;
	size_t len = 0;
	int err;

	if (!path || !out)
		return -EINVAL;
	err = safe_read_file(path, DAEMON_CONFIG_MAX_BYTES, &buf, &len);
	if (err) {
		if (errs)
			fprintf(errs, "%s: cannot read: %s%s\n", path, strerror(-err),
				err == -EFBIG ? " (a config is at most 1 MiB)" : "");
		return err;
	}
	dir = config_dir(path);
	err = dir ? daemon_config_parse(path, buf, len, dir, out, errs) : -ENOMEM;
	free(dir);
	free(buf);
	return err;
}

/* ---- use ---- */

static void wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void rule_clear(struct daemon_root_rule *r)
{
	free(r->name);
	free(r->exe_basename);
	free(r->parent_basename);
	free(r->args_glob);
	free(r->id);
	free(r->policy_path);
	for (size_t i = 0; i < r->n_labels; i++)
		free(r->labels[i]);
	free(r->labels);
}

static void override_clear(struct daemon_policy_override *o)
{
	free(o->repository);
	free(o->label);
	free(o->job);
	free(o->policy_path);
}

void daemon_config_free(struct daemon_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_roots; i++)
		rule_clear(&c->roots[i]);
	free(c->roots);
	for (size_t i = 0; i < c->n_overrides; i++)
		override_clear(&c->overrides[i]);
	free(c->overrides);
	for (char **h = c->otlp_headers; h && *h; h++)
		wipe_free(*h);
	free(c->otlp_headers);
	wipe_free(c->otlp_url);
	wipe_free(c->webhook_url);
	free(c->otlp_host_name);
	wipe_free(c->otlp_traces_url);
	free(c->otlp_service_name);
	free(c->webhook_secret_file);
	free(c->status_listen);
	free(c->jsonl_path);
	free(c->reports_dir);
	free(c->run_socket);
	free(c->policy_path);
	free(c->path);
	free(c);
}

bool daemon_rule_matches(const struct daemon_root_rule *r, const char *exe, const char *parent,
			 const char *cmdline)
{
	if (!r || r->pid || !r->exe_basename || !exe || strcmp(exe, r->exe_basename))
		return false;
	if (r->parent_basename && (!parent || strcmp(parent, r->parent_basename)))
		return false;
	if (r->args_glob && (!cmdline || fnmatch(r->args_glob, cmdline, 0)))
		return false;
	return true;
}

static bool override_matches(const struct daemon_policy_override *o,
			     const struct daemon_root_rule *r, const char *repository)
{
	if (o->repository && (!repository || fnmatch(o->repository, repository, 0)))
		return false;
	if (o->label && (!r || !rule_has_label(r, o->label)))
		return false;
	if (o->job && (!r || !r->name || strcmp(r->name, o->job)))
		return false;
	return true;
}

const char *daemon_policy_for(const struct daemon_config *c, const struct daemon_root_rule *r,
			      const char *repository)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_overrides; i++)
		if (override_matches(&c->overrides[i], r, repository))
			return c->overrides[i].policy_path;
	return r && r->policy_path ? r->policy_path : c->policy_path;
}
