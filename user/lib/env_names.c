// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/env_names.h"

bool env_name_chars_ok(const char *s, size_t n)
{
	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int env_name_check(const char *name, char *err, size_t errsz)
{
	size_t len = strlen(name);
	char why[96];

	if ((strncmp(name, "LD_", 3) || len == 3) && strcmp(name, "BASH_ENV") &&
	    strcmp(name, "NODE_OPTIONS"))
		snprintf(why, sizeof(why),
			 "only loader variables (LD_*, BASH_ENV, NODE_OPTIONS) are recorded");
	else if (len >= BW_ENV_NAME_LEN)
		snprintf(why, sizeof(why), "names are at most %d bytes", BW_ENV_NAME_LEN - 1);
	else if (!env_name_chars_ok(name, len))
		snprintf(why, sizeof(why), "a name is letters, digits and '_'");
	else
		return 0;
	if (err && errsz)
		snprintf(err, errsz, "environment variable '%s' cannot be recorded: %s", name, why);
	return -EINVAL;
}

int env_names_parse(const char *list, struct env_names *out, char *err, size_t errsz)
{
	char why[160], *save = NULL, *tok;

	out->n = 0;
	if (strlen(list) >= sizeof(out->buf)) {
		snprintf(err, errsz, "'%.64s...': too long (at most %d names)", list,
			 BW_ENV_NAMES);
		return -EINVAL;
	}
	strcpy(out->buf, list);
	if (!strcmp(out->buf, "none"))
		return 0;
	for (tok = strtok_r(out->buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (out->n == BW_ENV_NAMES) {
			snprintf(err, errsz, "'%s': more than %d names", list, BW_ENV_NAMES);
			return -EINVAL;
		}
		if (env_name_check(tok, why, sizeof(why))) {
			snprintf(err, errsz, "'%s': %s", list, why);
			return -EINVAL;
		}
		out->v[out->n++] = tok;
	}
	if (!out->n) {
		snprintf(err, errsz, "'%s': no name (write none to record none)", list);
		return -EINVAL;
	}
	return 0;
}
