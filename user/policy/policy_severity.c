// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Severity names read outside a policy file (run --fail-on). */
#include <errno.h>
#include <string.h>
#include "policy/policy.h"

int policy_severity_parse(const char *name, enum policy_severity *out)
{
	for (int s = POLICY_SEV_INFO; s <= POLICY_SEV_CRITICAL; s++) {
		if (!strcmp(name, policy_severity_name((enum policy_severity)s))) {
			*out = (enum policy_severity)s;
			return 0;
		}
	}
	return -EINVAL;
}
