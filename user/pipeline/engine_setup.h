/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Hooks and webhook set-up shared by `run` and the daemon. */
#ifndef BW_ENGINE_SETUP_H
#define BW_ENGINE_SETUP_H

#include "pipeline/engine.h"

struct engine_hooks_opts {
	uint32_t hooks;   /* BW_HOOK_* wanted */
	bool record_auto; /* file hooks only when some policy has file rules */
	bool fail_closed;
	bool watch_cwd;   /* watch our working directory (run: the build's tree) */
};

/*
 * Start loading the syscall hooks o and the policies need in a thread,
 * beside the process object (after loader_prepare); engine_setup_hooks
 * then waits for them. Nothing started (no hook wanted, no thread): it
 * loads them itself.
 */
void engine_start_hooks(struct bw_engine *e, const struct engine_hooks_opts *o,
			const struct bw_policy *const *policies, size_t n_policies);
/* Load (or wait for) and configure the syscall hooks; watch the paths the policies test. */
int engine_setup_hooks(struct bw_engine *e, const struct engine_hooks_opts *o,
		       const struct bw_policy *const *policies, size_t n_policies);
/* Report writes under the checkout's root, so its tracked files are judged. */
void engine_watch_checkout(struct bw_engine *e, const struct checkout *c);
/*
 * The record types (BW_EV_BIT each) that may batch (hooks_set_lazy): all
 * but those a rule judges that acts from userspace in a way that cannot
 * wait: kill-process, kill-job, or deny (killed from here where the kernel
 * missed it). Alerts and logs can wait. A rule judged again on later
 * facts (policy_rule_is_late) makes every type urgent.
 */
uint32_t engine_policies_lazy_types(const struct bw_policy *const *policies, size_t n_policies);
/*
 * The kernel's wakeups for these policies: the types that may batch
 * (above), and when every rule that kills at exec names the exes it can
 * match, only execs of those wake the agent or are held
 * (policy_exec_wake_keys). policies NULL: every record wakes the agent,
 * as it does after a failure (said).
 */
void engine_set_wakeups(struct bw_engine *e, const struct bw_policy *const *policies,
			size_t n_policies);
/* *out stays NULL without a url. 0 or -errno, having said why. */
int engine_start_alerts(struct alerts **out, const char *url, enum alert_format format,
			const char *secret_file);

#endif /* BW_ENGINE_SETUP_H */
