// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `--record` and the daemon's `record:`: which optional hooks report. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/record_kinds.h"

static const struct {
	const char *name;
	uint32_t bits;
} kinds[] = {
	{ "all", BW_HOOK_ALL },
	{ "exec", 0 },
	{ "connect", BW_HOOK_CONNECT },
	{ "dns", BW_HOOK_DNS },
	{ "file", BW_HOOK_FILE },
	{ "privilege", BW_HOOK_PRIV },
};

#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The bits of tok[0..len), or -1 when it names no kind. */
static int64_t kind_bits(const char *tok, size_t len)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (strlen(kinds[i].name) == len && !memcmp(kinds[i].name, tok, len))
			return kinds[i].bits;
	return -1;
}

int record_kinds_parse(const char *arg, uint32_t *hooks, bool *is_auto, char *err,
		       size_t errsz)
{
	uint32_t bits = 0;
	const char *tok;

	if (err && errsz)
		err[0] = '\0';
	if (!arg || !hooks)
		return -EINVAL;
	if (!strcmp(arg, "auto")) {
		*hooks = BW_HOOK_ALL;
		if (is_auto)
			*is_auto = true;
		return 0;
	}
	for (tok = arg; *tok; ) {
		size_t len = strcspn(tok, ",");
		int64_t b = len ? kind_bits(tok, len) : 0;

		if (b < 0) {
			if (err && errsz)
				snprintf(err, errsz, "'%s': unknown kind '%.*s' (expected connect, "
					 "dns, file, privilege, all, exec or auto)", arg, (int)len, tok);
			return -EINVAL;
		}
		bits |= (uint32_t)b;
		tok += len;
		if (*tok == ',')
			tok++;
	}
	*hooks = bits;
	if (is_auto)
		*is_auto = false;
	return 0;
}
