/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Compiles a policy's deny rules into the kernel's deny maps. Can be called
 * again with another policy at any time: maps are rewritten, the BPF
 * programs are not reloaded.
 */
#ifndef BW_DENY_MAPS_H
#define BW_DENY_MAPS_H

#include "kernel/loader.h"
#include "policy/policy.h"

/* 0, or -errno after printing which rule and value did not fit. */
int deny_maps_install(struct bw_agent *a, const struct bw_policy *p);
/*
 * Deny one more executable path for rule (1-based), the policy already
 * installed: a file a dropped-file deny rule flagged as it was written.
 * 0 or -errno.
 */
int deny_maps_add_path(struct bw_agent *a, const char *path, uint32_t rule);
/*
 * No exec is held for a verdict any more (hold_hints 0): for the agent's
 * last drain, after which nobody would resume it. 0 or -errno.
 */
int deny_maps_stop_holding(struct bw_agent *a);
/*
 * Only an exec whose exe matches one of keys (policy_exec_wake_keys) may
 * be held or wake the agent; keys NULL: every exec, as hook_config's
 * lazy_types says. 0 or -errno (every exec wakes the agent then).
 */
int deny_maps_set_wake_keys(struct bw_agent *a, const char *const *keys, size_t n);

#endif /* BW_DENY_MAPS_H */
