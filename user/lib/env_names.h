/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The environment variables an exec record may carry: loader variables
 * (LD_*) only, never another variable of a build, since they hold secrets.
 * `run --exec-env` and the daemon config's `exec_env:` share one parser;
 * the kernel map's writer checks each name again.
 */
#ifndef BW_ENV_NAMES_H
#define BW_ENV_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h> /* the shared header includes nothing itself */

#include "buildwarden_events.h"

struct env_names {
	char buf[BW_ENV_NAMES * BW_ENV_NAME_LEN + 8];
	const char *v[BW_ENV_NAMES]; /* into buf */
	size_t n;
};

/*
 * Whether the n bytes at s spell a variable name as the shell writes one:
 * letters, digits and '_', not starting with a digit (so a name is a
 * JSON key as it is).
 */
bool env_name_chars_ok(const char *s, size_t n);

/* 0 when name may be recorded; -EINVAL with the reason in err otherwise. */
int env_name_check(const char *name, char *err, size_t errsz);

/*
 * "none", or a comma list of 1 to BW_ENV_NAMES names (empty items are
 * skipped). 0, or -EINVAL with "'LIST': REASON" in err (errsz bytes).
 */
int env_names_parse(const char *list, struct env_names *out, char *err, size_t errsz);

#endif /* BW_ENV_NAMES_H */
