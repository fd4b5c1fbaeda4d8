// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The compiled policies a daemon's jobs share (daemon.h). A policy the
 * config names was compiled when its generation loaded; the embedded one
 * is compiled once; a text a run hands over, once while it is among the
 * last DAEMON_RUN_POLICIES distinct ones. Compiling the embedded policy
 * (its YAML, 74 regexes for PCRE2's JIT) is some 14 million instructions,
 * which every job, and every handed-over build before its first exec,
 * used to wait for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/daemon.h"
#include "policy/policy.h"

static bool same_text(const struct daemon_run_policy *c, const struct daemon_policy_text *t)
{
	return c->compiled && c->len == t->len && !strcmp(c->path, t->path ? t->path : "") &&
	       !memcmp(c->text, t->text, t->len);
}

static void run_policy_clear(struct daemon_run_policy *c)
{
	policy_free(c->compiled);
	free(c->path);
	free(c->text);
	memset(c, 0, sizeof(*c));
}

/* Kept in the oldest slot, with a reference of the cache's own; not kept without memory. */
static void run_policy_keep(struct daemon *d, const struct daemon_policy_text *t,
			    struct bw_policy *p)
{
	struct daemon_run_policy *c = &d->run_policies[d->run_policy_next];
	char *path = strdup(t->path ? t->path : ""), *text = malloc(t->len + 1);

	if (!path || !text) {
		free(path);
		free(text);
		return;
	}
	memcpy(text, t->text, t->len);
	text[t->len] = '\0';
	run_policy_clear(c);
	*c = (struct daemon_run_policy){ .path = path, .text = text, .len = t->len,
					 .compiled = policy_ref(p) };
	d->run_policy_next = (d->run_policy_next + 1) % DAEMON_RUN_POLICIES;
}

static int run_policy(struct daemon *d, const struct daemon_policy_text *t, FILE *errs,
		      struct bw_policy **out)
{
	int err;

	for (unsigned i = 0; i < DAEMON_RUN_POLICIES; i++) {
		if (same_text(&d->run_policies[i], t)) {
			*out = policy_ref(d->run_policies[i].compiled);
			return 0;
		}
	}
	err = policy_load_buffer(t->path, t->text, t->len, out, errs);
	if (!err)
		run_policy_keep(d, t, *out);
	return err;
}

int daemon_policy_get(struct daemon *d, const struct daemon_policy_text *t, FILE *errs,
		      struct bw_policy **out)
{
	int err;

	*out = NULL;
	if (t && t->compiled) {
		*out = policy_ref(t->compiled);
		return 0;
	}
	if (t)
		return run_policy(d, t, errs, out);
	if (!d->gen->embedded) {
		err = policy_load_default(&d->gen->embedded, errs);
		if (err)
			return err;
	}
	*out = policy_ref(d->gen->embedded);
	return 0;
}

void daemon_policies_free(struct daemon *d)
{
	for (unsigned i = 0; i < DAEMON_RUN_POLICIES; i++)
		run_policy_clear(&d->run_policies[i]);
}
