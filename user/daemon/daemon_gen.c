// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A daemon generation: the config and every policy file it names, read
 * and compiled together. Start and SIGHUP load one; it replaces the
 * running one only when all of it loaded, so a broken or vanished file
 * leaves the daemon as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/daemon.h"
#include "lib/log.h"
#include "lib/safefile.h"

/* Adds path once; 0 or -errno after saying which file and why. */
static int add_policy(struct daemon_gen *g, const char *path, FILE *errs)
{
	struct daemon_policy_text *t, *grown;
	int err;

	if (!path || daemon_gen_policy(g, path))
		return 0;
	grown = realloc(g->policies, (g->n_policies + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	g->policies = grown;
	t = &g->policies[g->n_policies];
	memset(t, 0, sizeof(*t));
	t->path = strdup(path);
	if (!t->path)
		return -ENOMEM;
	g->n_policies++;
	err = safe_read_file(path, POLICY_MAX_BYTES, &t->text, &t->len);
	if (err) {
		fprintf(errs, "policy %s: cannot read: %s\n", path, strerror(-err));
		return err;
	}
	err = policy_load_buffer(path, t->text, t->len, &t->compiled, errs);
	if (err)
		fprintf(errs, "policy %s: %s\n", path,
			err == -EINVAL ? "it has errors (above)" : strerror(-err));
	return err;
}

/* Does some job fall back to the embedded policy? */
static bool needs_embedded(const struct daemon_config *c)
{
	size_t i;

	if (c->policy_path)
		return false;
	for (i = 0; i < c->n_roots; i++)
		if (!c->roots[i].policy_path)
			return true;
	return false;
}

/*
 * The parsers' "FILE:LINE:COL: error: ..." lines, passed on through the
 * log so that they carry its prefix (a journal priority under systemd).
 */
static void log_errors(char *text)
{
	char *line, *save = NULL;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		bw_err("%s", line);
}

static int load_all(struct daemon_gen *g, const char *config_path, FILE *errs)
{
	int err, first;
	size_t i;

	err = daemon_config_load(config_path, &g->cfg, errs);
	if (err)
		return err;
	/* Every file is tried, so one reload shows every broken policy. */
	first = add_policy(g, g->cfg->policy_path, errs);
	for (i = 0; i < g->cfg->n_roots; i++) {
		err = add_policy(g, g->cfg->roots[i].policy_path, errs);
		first = first ? first : err;
	}
	for (i = 0; i < g->cfg->n_overrides; i++) {
		err = add_policy(g, g->cfg->overrides[i].policy_path, errs);
		first = first ? first : err;
	}
	err = first;
	if (!err && needs_embedded(g->cfg))
		err = policy_load_default(&g->embedded, errs);
	return err;
}

int daemon_gen_load(const char *config_path, struct daemon_gen **out)
{
	struct daemon_gen *g = calloc(1, sizeof(*g));
	char *msgs = NULL;
	size_t msgs_len = 0;
	FILE *errs;
	int err;

	if (!g)
		return -ENOMEM;
	errs = open_memstream(&msgs, &msgs_len);
	err = load_all(g, config_path, errs ? errs : stderr);
	if (errs)
		fclose(errs);
	log_errors(msgs);
	free(msgs);
	if (err) {
		daemon_gen_free(g);
		return err;
	}
	*out = g;
	return 0;
}

void daemon_gen_free(struct daemon_gen *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->n_policies; i++) {
		free(g->policies[i].path);
		free(g->policies[i].text);
		policy_free(g->policies[i].compiled);
	}
	free(g->policies);
	policy_free(g->embedded);
	daemon_config_free(g->cfg);
	free(g);
}

const struct daemon_policy_text *daemon_gen_policy(const struct daemon_gen *g, const char *path)
{
	size_t i;

	for (i = 0; path && i < g->n_policies; i++)
		if (!strcmp(g->policies[i].path, path))
			return &g->policies[i];
	return NULL;
}

const struct bw_policy **daemon_gen_all_policies(const struct daemon_gen *g, size_t *n)
{
	const struct bw_policy **v = calloc(g->n_policies + 1, sizeof(*v));
	size_t i, k = 0;

	if (!v) {
		*n = 0;
		return NULL;
	}
	for (i = 0; i < g->n_policies; i++)
		if (g->policies[i].compiled)
			v[k++] = g->policies[i].compiled;
	if (g->embedded)
		v[k++] = g->embedded;
	*n = k;
	return v;
}
