// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The embedded default policy: what `buildwarden run` enforces when no
 * --policy is given, and what `buildwarden policy default` prints as a
 * starting point. It is YAML like any user policy, so it goes through the
 * same parser and checks (a unit test loads it).
 *
 * Every rule alerts and none kills: the default must never fail a healthy
 * build, and it must stay silent on ordinary ones (tests/unit/test_policy.c
 * replays a C build's execs against it). docs/POLICY.md gives the reasoning
 * behind each rule and what each one deliberately leaves out.
 */
#include "policy/policy.h"

/* user/policy/default_policy.yaml, as a C string (Makefile: embed-text). */
static const char default_policy[] =
#include "default_policy.inc"
	;

const char *policy_default_yaml(void)
{
	return default_policy;
}
