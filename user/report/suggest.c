// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The allowlist policy runs suggest (report/suggest.h). Everything is kept
 * as sorted sets of (key, port) with two counts: how often a record showed
 * it, and how often a verdict flagged such a record. An entry is allowed
 * only when some record showed it without a verdict, so a run's own
 * attack-looking events never become its allowlist, whatever the order of
 * records and verdicts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "events/event_read.h"
#include "lib/utf8.h"
#include "report/suggest.h"

#define RUN_RULES_MAX 8 /* rule names quoted per run in the header */

struct sg_entry {
	char *key;
	uint32_t port;
	uint64_t seen;
	uint64_t flagged;
};

struct sg_set {
	struct sg_entry *v;
	size_t n, cap;
};

struct sg_run {
	char *name;
	uint64_t records, execs, connects, queries, writes, verdicts, unnamed;
	char *rules[RUN_RULES_MAX];
	size_t n_rules;
};

struct suggest {
	struct sg_set execs;  /* executable paths */
	struct sg_set names;  /* connects: (host name, port) */
	struct sg_set addrs;  /* connects with no name: (address, port) */
	struct sg_set qnames; /* DNS queries */
	struct sg_set dirs;   /* this run's written directories (or files) */
	struct sg_set prefixes; /* file-write prefixes of every finished run */
	uint64_t unpathed;    /* execs of deleted or memory-only files */
	uint64_t not_utf8;    /* records whose path or name YAML cannot hold */
	struct sg_run *runs;
	size_t n_runs;
	struct sg_run cur;
	char *cwd;            /* this run's first exec's working directory */
	char *checkout;       /* this run's checkout (its summary) */
};

/* ---- sets ---- */

static int entry_cmp(const struct sg_entry *e, const char *key, uint32_t port)
{
	int c = strcmp(e->key, key);

	return c ? c : (e->port > port) - (e->port < port);
}

/* key's entry, or NULL with *at where it would go. */
static struct sg_entry *set_find(struct sg_set *s, const char *key, uint32_t port, size_t *at)
{
	size_t lo = 0, hi = s->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = entry_cmp(&s->v[mid], key, port);
		if (!c)
			return &s->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

/* A new entry for key at lo (set_find's answer), counted nowhere yet; NULL: out of memory. */
static struct sg_entry *set_insert(struct sg_set *s, const char *key, uint32_t port, size_t lo)
{
	struct sg_entry *v;
	char *dup;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;

		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	dup = strdup(key);
	if (!dup)
		return NULL;
	memmove(&s->v[lo + 1], &s->v[lo], (s->n - lo) * sizeof(*s->v));
	s->v[lo] = (struct sg_entry){ .key = dup, .port = port };
	s->n++;
	return &s->v[lo];
}

static struct sg_entry *set_get(struct sg_set *s, const char *key, uint32_t port)
{
	size_t lo;
	struct sg_entry *v = set_find(s, key, port, &lo);

	return v ? v : set_insert(s, key, port, lo);
}

static void entry_count(struct sg_entry *e, bool flag)
{
	if (flag)
		e->flagged++;
	else
		e->seen++;
}

/* Counts key as seen (flag false) or as flagged by a verdict. */
static int set_count(struct sg_set *s, const char *key, uint32_t port, bool flag)
{
	struct sg_entry *e = set_get(s, key, port);

	if (!e)
		return -ENOMEM;
	entry_count(e, flag);
	return 0;
}

static bool allowed(const struct sg_entry *e)
{
	return e->seen > e->flagged;
}

static void set_clear(struct sg_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	s->n = 0;
}

static void set_free(struct sg_set *s)
{
	set_clear(s);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- lifecycle ---- */

int suggest_new(struct suggest **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void run_free(struct sg_run *r)
{
	free(r->name);
	for (size_t i = 0; i < r->n_rules; i++)
		free(r->rules[i]);
	memset(r, 0, sizeof(*r));
}

void suggest_free(struct suggest *s)
{
	if (!s)
		return;
	set_free(&s->execs);
	set_free(&s->names);
	set_free(&s->addrs);
	set_free(&s->qnames);
	set_free(&s->dirs);
	set_free(&s->prefixes);
	for (size_t i = 0; i < s->n_runs; i++)
		run_free(&s->runs[i]);
	free(s->runs);
	run_free(&s->cur);
	free(s->cwd);
	free(s->checkout);
	free(s);
}

/* ---- records ---- */

/* What the policy language accepts as a host name (policy_net.c). */
static bool host_name(const char *n)
{
	return n && *n && *n != '.' && !strchr(n, '*') && !strstr(n, "..");
}

static bool has_path(const char *exe)
{
	size_t n = exe ? strlen(exe) : 0;
	static const char deleted[] = " (deleted)";

	return n && exe[0] == '/' && strncmp(exe, "/memfd:", 7) &&
	       !(n >= sizeof(deleted) - 1 && !strcmp(exe + n - (sizeof(deleted) - 1), deleted));
}

/* YAML holds only UTF-8: a key that is not is left out (and counted). */
static bool yaml_safe(struct suggest *s, const char *key, bool flag)
{
	if (utf8_valid(key, strlen(key)))
		return true;
	s->not_utf8 += !flag;
	return false;
}

/* An exec's program (exe, else filename) into the allowlist; flag: taken back out. */
static int exec_of(struct suggest *s, const char *exe, const char *filename, const char *cwd,
		   bool flag)
{
	struct sg_entry *e;
	size_t at;

	if (!exe)
		exe = filename;
	if (!flag && !s->cwd && cwd && !(s->cwd = strdup(cwd)))
		return -ENOMEM;
	if (!has_path(exe)) {
		s->unpathed += !flag;
		return 0;
	}
	/* A program counted before was checked then: most execs run one seen already. */
	e = set_find(&s->execs, exe, 0, &at);
	if (!e) {
		if (!yaml_safe(s, exe, flag))
			return 0;
		e = set_insert(&s->execs, exe, 0, at);
		if (!e)
			return -ENOMEM;
	}
	entry_count(e, flag);
	return 0;
}

static int on_exec(struct suggest *s, struct json_object *o, bool flag)
{
	return exec_of(s, event_str(o, "exe"), event_str(o, "filename"), event_str(o, "cwd"), flag);
}

static int on_connect(struct suggest *s, struct json_object *o, bool flag)
{
	const char *name = event_str(o, "dns_name"), *addr = event_str(o, "address");
	uint32_t port = (uint32_t)event_u64_or(o, "port", 0);

	if (host_name(name) && yaml_safe(s, name, flag))
		return set_count(&s->names, name, port, flag);
	if (!addr || !yaml_safe(s, addr, flag))
		return 0;
	s->cur.unnamed += !flag;
	return set_count(&s->addrs, addr, port, flag);
}

static int on_dns(struct suggest *s, struct json_object *o, bool flag)
{
	const char *dir = event_str(o, "direction"), *q = event_str(o, "qname");

	if ((dir && strcmp(dir, "query")) || !host_name(q) || !yaml_safe(s, q, flag))
		return 0;
	return set_count(&s->qnames, q, 0, flag);
}

/* Non-empty components of an absolute path: "/a/b/" has 2. */
static size_t components(const char *p)
{
	size_t n = 0;

	for (size_t i = 0; p[i]; i++)
		n += p[i] != '/' && (i == 0 || p[i - 1] == '/');
	return n;
}

/*
 * A written path's directory ("/a/b/" of "/a/b/c"), or the path itself
 * when that directory is one level deep ("/etc/hosts"): never "/etc/".
 */
static int count_dir(struct suggest *s, const char *path, bool flag)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	char *dir;
	int err;

	if (!slash || path[0] != '/' || !yaml_safe(s, path, flag))
		return 0;
	dir = strndup(path, (size_t)(slash - path) + 1);
	if (dir && components(dir) < 2) {
		free(dir);
		return set_count(&s->dirs, path, 0, flag);
	}
	if (!dir)
		return -ENOMEM;
	err = set_count(&s->dirs, dir, 0, flag);
	free(dir);
	return err;
}

static bool is_write(const char *op)
{
	return op && (!strcmp(op, "open-write") || !strcmp(op, "rename") || !strcmp(op, "unlink") ||
		      !strcmp(op, "link") || !strcmp(op, "symlink"));
}

static int file_of(struct suggest *s, const char *op, const char *path, const char *path2,
		   bool flag)
{
	int err;

	if (!is_write(op))
		return 0;
	s->cur.writes += !flag;
	/* a hard link's path is the file it names: only its new name is written */
	err = strcmp(op, "link") ? count_dir(s, path, flag) : 0;
	if (!err)
		err = count_dir(s, path2, flag);
	return err;
}

static int on_file(struct suggest *s, struct json_object *o, bool flag)
{
	return file_of(s, event_str(o, "op"), event_str(o, "path"), event_str(o, "path2"), flag);
}

static int note_rule(struct sg_run *r, const char *rule)
{
	size_t i;

	if (!rule)
		return 0;
	for (i = 0; i < r->n_rules; i++)
		if (!strcmp(r->rules[i], rule))
			return 0;
	if (i == RUN_RULES_MAX)
		return 0;
	r->rules[i] = strdup(rule);
	if (!r->rules[i])
		return -ENOMEM;
	r->n_rules++;
	return 0;
}

/* A verdict: the record it judged is taken back out of the allowlist. */
static int on_verdict(struct suggest *s, struct json_object *o)
{
	const char *on = event_str(o, "on");
	struct json_object *ev = event_member(o, "event", json_type_object);

	s->cur.verdicts++;
	if (note_rule(&s->cur, event_str(o, "rule")))
		return -ENOMEM;
	if (!on || !strcmp(on, "exec"))
		return on_exec(s, o, true);
	if (!ev)
		return 0;
	if (!strcmp(on, "connect"))
		return on_connect(s, ev, true);
	if (!strcmp(on, "dns"))
		return on_dns(s, ev, true);
	if (!strcmp(on, "file"))
		return on_file(s, ev, true);
	return 0; /* privilege, leftover: nothing of theirs is allowlisted */
}

void suggest_count_record(struct suggest *s)
{
	s->cur.records++;
}

int suggest_feed_exec(struct suggest *s, const char *exe, const char *filename, const char *cwd)
{
	s->cur.records++;
	s->cur.execs++;
	return exec_of(s, exe, filename, cwd, false);
}

int suggest_feed_file(struct suggest *s, const char *op, const char *path, const char *path2)
{
	s->cur.records++;
	return file_of(s, op, path, path2, false);
}

int suggest_feed(struct suggest *s, struct json_object *rec)
{
	const char *type = event_str(rec, "type"), *co;

	if (!type)
		return 0;
	s->cur.records++;
	if (!strcmp(type, "exec")) {
		s->cur.execs++;
		return on_exec(s, rec, false);
	}
	if (!strcmp(type, "connect")) {
		s->cur.connects++;
		return on_connect(s, rec, false);
	}
	if (!strcmp(type, "dns")) {
		s->cur.queries += !strcmp(event_str(rec, "direction") ?: "", "query");
		return on_dns(s, rec, false);
	}
	if (!strcmp(type, "file"))
		return on_file(s, rec, false);
	if (!strcmp(type, "verdict"))
		return on_verdict(s, rec);
	if (!strcmp(type, "summary") && (co = event_str(rec, "checkout")) && !s->checkout)
		return (s->checkout = strdup(co)) ? 0 : -ENOMEM;
	return 0;
}

/* ---- file-write prefixes ---- */

/* dir (with its '/') is at or under prefix, a directory ending in '/'. */
static bool under(const char *dir, const char *prefix)
{
	return !strncmp(dir, prefix, strlen(prefix));
}

/* "/x/y" or "/x/y/" as "/x/y/" in buf; false when it does not fit or is "/". */
static bool as_dir(const char *p, char *buf, size_t size)
{
	size_t n = p ? strlen(p) : 0;

	if (!n || p[0] != '/' || n + 2 > size)
		return false;
	memcpy(buf, p, n);
	if (buf[n - 1] != '/')
		buf[n++] = '/';
	buf[n] = '\0';
	return components(buf) >= 2;
}

/*
 * The anchor dir lies under: the run's working directory or checkout
 * (two components at least), a temporary directory, or a home's
 * dot-directory (~/.cache/, ~/.npm/). Written into buf; false: none.
 */
static bool anchor_of(const struct suggest *s, const char *dir, char *buf, size_t size)
{
	static const char *const tmp[] = { "/tmp/", "/var/tmp/", "/dev/shm/" };
	const char *home = NULL, *end;

	if ((as_dir(s->checkout, buf, size) && under(dir, buf)) ||
	    (as_dir(s->cwd, buf, size) && under(dir, buf)))
		return true;
	for (size_t i = 0; i < sizeof(tmp) / sizeof(tmp[0]); i++)
		if (under(dir, tmp[i]))
			return snprintf(buf, size, "%s", tmp[i]) < (int)size;
	if (!strncmp(dir, "/root/.", 7))
		home = dir + 6;
	else if (!strncmp(dir, "/home/", 6) && (end = strchr(dir + 6, '/')) && end[1] == '.')
		home = end + 1;
	if (!home || !(end = strchr(home, '/')) || (size_t)(end - dir) + 2 > size)
		return false;
	memcpy(buf, dir, (size_t)(end - dir) + 1);
	buf[end - dir + 1] = '\0';
	return true;
}

/* "/a/b/c/" -> "/a/b/" in buf; false when that would have under two components. */
static bool parent_of(const char *dir, char *buf, size_t size)
{
	size_t n = strlen(dir);

	if (n + 1 > size || n < 2)
		return false;
	memcpy(buf, dir, n + 1);
	buf[n - 1] = '\0';
	*(strrchr(buf, '/') + 1) = '\0';
	return components(buf) >= 2;
}

/*
 * Directories outside every anchor: while more than SUGGEST_MERGE_MIN of
 * them share a parent (of two components at least), they become it.
 */
static int merge_siblings(struct sg_set *rest)
{
	char parent[4096], other[4096];
	bool changed = true;
	size_t i, k, n;

	while (changed) {
		changed = false;
		for (i = 0; i < rest->n && !changed; i++) {
			if (!rest->v[i].seen || !parent_of(rest->v[i].key, parent, sizeof(parent)))
				continue;
			for (k = n = 0; k < rest->n; k++)
				n += rest->v[k].seen && parent_of(rest->v[k].key, other, sizeof(other)) &&
				     !strcmp(parent, other);
			if (n <= SUGGEST_MERGE_MIN)
				continue;
			for (k = 0; k < rest->n; k++)
				if (under(rest->v[k].key, parent))
					rest->v[k].seen = 0;
			if (set_count(rest, parent, 0, false))
				return -ENOMEM;
			changed = true;
		}
	}
	return 0;
}

/* Prefixes under another prefix of the set add nothing. */
static void covered_out(struct sg_set *p)
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t k = 0; k < p->n; k++)
			if (k != i && p->v[k].seen && p->v[i].seen &&
			    p->v[k].key[strlen(p->v[k].key) - 1] == '/' &&
			    under(p->v[i].key, p->v[k].key) && strcmp(p->v[i].key, p->v[k].key))
				p->v[i].seen = 0;
}

int suggest_end_run(struct suggest *s, const char *name)
{
	struct sg_set rest = { 0 };
	struct sg_run *runs;
	char buf[4096];
	int err = 0;

	for (size_t i = 0; i < s->dirs.n && !err; i++) {
		const struct sg_entry *d = &s->dirs.v[i];

		if (!allowed(d))
			continue;
		if (anchor_of(s, d->key, buf, sizeof(buf)))
			err = set_count(&s->prefixes, buf, 0, false);
		else
			err = set_count(&rest, d->key, 0, false);
	}
	if (!err)
		err = merge_siblings(&rest);
	for (size_t i = 0; i < rest.n && !err; i++)
		if (rest.v[i].seen)
			err = set_count(&s->prefixes, rest.v[i].key, 0, false);
	set_free(&rest);
	if (err)
		return err;
	covered_out(&s->prefixes);
	runs = realloc(s->runs, (s->n_runs + 1) * sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	s->runs = runs;
	s->cur.name = strdup(name ? name : "this run");
	if (!s->cur.name)
		return -ENOMEM;
	s->runs[s->n_runs++] = s->cur;
	memset(&s->cur, 0, sizeof(s->cur));
	set_clear(&s->dirs);
	free(s->cwd);
	free(s->checkout);
	s->cwd = s->checkout = NULL;
	return 0;
}

/* ---- YAML ---- */

/* A YAML double-quoted scalar; backticks escaped too, so it fits a Markdown fence. */
static void yq(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f || *p == '`')
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Text in a comment: one line, printable ASCII, no backticks. */
static void comment_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		fputc(*p < 0x20 || *p >= 0x7f || *p == '`' ? '?' : *p, f);
}

static void header(FILE *f, const struct suggest *s, const struct suggest_opts *o)
{
	fprintf(f, "# Learned by buildwarden policy suggest from %zu run%s (docs/POLICY.md,\n"
		"# \"Learn, then enforce\"):\n", s->n_runs, s->n_runs == 1 ? "" : "s");
	for (size_t i = 0; i < s->n_runs; i++) {
		const struct sg_run *r = &s->runs[i];

		fputs("#   ", f);
		comment_text(f, r->name);
		fprintf(f, ": %llu records (%llu execs, %llu connects, %llu DNS queries, "
			"%llu file writes)\n", (unsigned long long)r->records,
			(unsigned long long)r->execs, (unsigned long long)r->connects,
			(unsigned long long)r->queries, (unsigned long long)r->writes);
		if (!r->verdicts)
			continue;
		fprintf(f, "#     %llu verdict%s in that run: the records %s judged are not "
			"allowlisted (", (unsigned long long)r->verdicts,
			r->verdicts == 1 ? "" : "s", r->verdicts == 1 ? "it" : "they");
		for (size_t k = 0; k < r->n_rules; k++) {
			fputs(k ? ", " : "rules: ", f);
			comment_text(f, r->rules[k]);
		}
		fputs(")\n", f);
	}
	if (s->unpathed)
		fprintf(f, "# %llu execs of deleted or memory-only files cannot be allowed by path "
			"and are left out.\n", (unsigned long long)s->unpathed);
	if (s->not_utf8)
		fprintf(f, "# %llu records name a path or host that is not valid UTF-8, which YAML "
			"cannot hold: left out.\n", (unsigned long long)s->not_utf8);
	if (o->enforce)
		fputs("# Enforced: a program, host or name outside these lists ends the process or\n"
		      "# the job. Replay runs with buildwarden policy test before using it.\n", f);
	else
		fputs("# Audit mode: every rule only alerts. Replay more runs with buildwarden\n"
		      "# policy test POLICY EVENTS.jsonl, then set mode: enforce.\n", f);
	fprintf(f, "version: 1\nmode: %s\nrules:\n", o->enforce ? "enforce" : "audit");
}

static size_t count_allowed(const struct sg_set *set)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		n += allowed(&set->v[i]);
	return n;
}

/* The allowed keys of set as a block list at indent; capped. */
static void key_list(FILE *f, const struct sg_set *set, const char *indent, size_t cap)
{
	size_t shown = 0, total = count_allowed(set);

	for (size_t i = 0; i < set->n; i++) {
		if (!allowed(&set->v[i]) || (i && !strcmp(set->v[i].key, set->v[i - 1].key) &&
					     allowed(&set->v[i - 1])))
			continue;
		if (cap && shown == cap)
			break;
		fprintf(f, "%s- ", indent);
		yq(f, set->v[i].key);
		fputc('\n', f);
		shown++;
	}
	if (shown < total)
		fprintf(f, "%s# ... and %zu more left out (the whole list: buildwarden policy "
			"suggest)\n", indent, total - shown);
}

static void exec_rule(FILE *f, const struct suggest *s, const struct suggest_opts *o)
{
	fputs("  # Programs, by the executable the kernel ran (a script's interpreter);\n"
	      "  # arguments are not part of it.\n"
	      "  - name: exec-outside-allowlist\n"
	      "    description: A program none of the learned runs started.\n"
	      "    severity: high\n"
	      "    action: kill-process\n", f);
	if (!count_allowed(&s->execs)) {
		fputs("    # No exec was seen: every program matches.\n"
		      "    match:\n      argc: {ge: 0}\n", f);
		return;
	}
	fputs("    match:\n      not:\n        exe:\n", f);
	key_list(f, &s->execs, "          ", o->max_entries);
}

/* The ports a set allows for key, from index i on, as "80, 443". */
static void ports_of(const struct sg_set *set, size_t i, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = i; k < set->n && !strcmp(set->v[k].key, set->v[i].key); k++)
		if (allowed(&set->v[k]) && len < size)
			len += (size_t)snprintf(buf + len, size - len, "%s%u", len ? ", " : "",
						set->v[k].port);
}

/* Entries of set (names or addresses), one per distinct set of ports. */
static void egress_entries(FILE *f, const struct sg_set *set, const char *key,
			   const struct suggest_opts *o)
{
	char ports[512], other[512];
	size_t shown = 0, left = 0, i, k;
	bool *done = calloc(set->n + 1, sizeof(*done));

	if (!done)
		return;
	for (i = 0; i < set->n; i++) {
		if (done[i] || !allowed(&set->v[i]) || (i && !strcmp(set->v[i].key, set->v[i - 1].key)))
			continue;
		ports_of(set, i, ports, sizeof(ports));
		if (!*ports)
			continue;
		fprintf(f, "      - %s: [", key);
		for (k = i; k < set->n; k++) {
			if (done[k] || (k && k != i && !strcmp(set->v[k].key, set->v[k - 1].key)))
				continue;
			ports_of(set, k, other, sizeof(other));
			if (strcmp(ports, other))
				continue;
			done[k] = true;
			if (o->max_entries && shown >= o->max_entries) {
				left++;
				continue;
			}
			fputs(k == i ? "" : ", ", f);
			yq(f, set->v[k].key);
			shown++;
		}
		fprintf(f, "]\n        ports: [%s]\n", ports);
	}
	if (left)
		fprintf(f, "      # ... and %zu more left out (the whole list: buildwarden policy "
			"suggest)\n", left);
	free(done);
}

static void connect_rule(FILE *f, const struct suggest *s, const struct suggest_opts *o)
{
	fputs("  # Egress: host names (from the DNS answers the runs saw) and their ports.\n"
	      "  - name: connect-outside-allowlist\n"
	      "    description: A connection to a host or port none of the learned runs used.\n"
	      "    severity: high\n"
	      "    action: kill-job\n"
	      "    on: connect\n", f);
	if (!count_allowed(&s->names) && !count_allowed(&s->addrs)) {
		fputs("    # No connect was seen: every connect matches.\n"
		      "    match:\n      port: {ge: 0}\n", f);
		return;
	}
	fputs("    allow:\n", f);
	egress_entries(f, &s->names, "domains", o);
	if (count_allowed(&s->addrs)) {
		fputs("      # No DNS answer named these addresses (a resolver, loopback, a\n"
		      "      # hard-coded or cached address): allowed by address only.\n", f);
		egress_entries(f, &s->addrs, "cidrs", o);
	}
}

static void dns_rule(FILE *f, const struct suggest *s, const struct suggest_opts *o)
{
	fputs("  # DNS: the names the runs asked for.\n"
	      "  - name: dns-outside-allowlist\n"
	      "    description: A DNS query for a name none of the learned runs asked for.\n"
	      "    severity: high\n"
	      "    action: kill-job\n"
	      "    on: dns\n", f);
	if (!count_allowed(&s->qnames)) {
		fputs("    # No DNS query was seen: every query matches.\n"
		      "    match:\n      qtype: {ge: 0}\n", f);
		return;
	}
	fputs("    allow:\n      domains:\n", f);
	key_list(f, &s->qnames, "        ", o->max_entries);
}

static void file_rule(FILE *f, const struct suggest *s, const struct suggest_opts *o)
{
	fputs("  # File writes (open for writing, rename, unlink, link) of the paths buildwarden\n"
	      "  # records (docs/EVENTS.md, file), as prefixes: the working directory and\n"
	      "  # checkout, /tmp/, /var/tmp/, /dev/shm/ and a home's dot-directories\n"
	      "  # (~/.cache/) whole; elsewhere a file's directory, merged into its parent\n"
	      "  # when more than 4 share it (never above two levels, never /).\n"
	      "  - name: write-outside-allowlist\n"
	      "    description: A write where none of the learned runs wrote.\n"
	      "    severity: medium\n"
	      "    action: alert\n"
	      "    on: file\n"
	      "    match:\n"
	      "      op: [open-write, rename, unlink, link, symlink]\n", f);
	if (!count_allowed(&s->prefixes)) {
		fputs("      # No write was seen: every write matches.\n", f);
		return;
	}
	fputs("      not:\n        path:\n          prefix:\n", f);
	key_list(f, &s->prefixes, "            ", o->max_entries);
}

int suggest_write(FILE *f, const struct suggest *s, const struct suggest_opts *o)
{
	header(f, s, o);
	exec_rule(f, s, o);
	connect_rule(f, s, o);
	dns_rule(f, s, o);
	file_rule(f, s, o);
	return ferror(f) ? -EIO : 0;
}
