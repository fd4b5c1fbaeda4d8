/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Unit tests' policy from text: loaded as "t.yaml", errors into *errs. */
#ifndef BW_TEST_POLICY_LOAD_H
#define BW_TEST_POLICY_LOAD_H

#include <stdio.h>
#include <string.h>

#include "policy/policy.h"

/* The policy, or NULL; *errs holds what was printed (caller frees). */
static inline struct bw_policy *load(const char *yaml, char **errs)
{
	struct bw_policy *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(errs, &len);

	assert_non_null(f);
	policy_load_buffer("t.yaml", yaml, strlen(yaml), &p, f);
	fclose(f);
	return p;
}

#endif /* BW_TEST_POLICY_LOAD_H */
