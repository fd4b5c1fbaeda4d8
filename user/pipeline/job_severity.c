// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* How severe a job's verdicts were: run --fail-on ends the job on it. */
#include "pipeline/engine.h"

int job_worst_severity(const struct bw_job *j, enum policy_severity at, uint64_t *n_at)
{
	size_t n = j->policy ? policy_rule_count(j->policy) : 0;
	int worst = -1;

	*n_at = 0;
	for (size_t i = 0; i < n; i++) {
		enum policy_severity s;

		if (!j->rule_hits[i])
			continue;
		s = policy_rule_severity(policy_rule(j->policy, i));
		if ((int)s > worst)
			worst = (int)s;
		if (s >= at)
			*n_at += j->rule_hits[i];
	}
	return worst;
}
