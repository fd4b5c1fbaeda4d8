// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Which records wake the agent at once (engine_policies_lazy_types): only
 * the types a rule judges that kills from userspace; alerts and logs wait
 * for a batch; a rule judged again on later facts keeps everything urgent;
 * several policies (the daemon's jobs) add up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <linux/types.h>
#include "buildwarden_events.h"
#include "pipeline/engine_setup.h"
#include "policy_load.h"

#define B(t) BW_EV_BIT(BW_EV_##t)
#define ALL (B(FORK) | B(EXEC) | B(EXEC_FAILED) | B(EXIT) | B(CONNECT) | B(DNS) | B(FILE) | B(PRIV))

static uint32_t lazy_of(const char *yaml)
{
	char *errs = NULL;
	struct bw_policy *p = load(yaml, &errs);
	uint32_t lazy;

	if (!p)
		fail_msg("policy did not load:\n%s", errs);
	free(errs);
	lazy = engine_policies_lazy_types((const struct bw_policy *const *)&p, 1);
	policy_free(p);
	return lazy;
}

static void test_alerts_wait(void **state)
{
	(void)state;
	assert_int_equal(lazy_of("rules:\n"
				 "  - {name: a, action: alert, match: {basename: x}}\n"
				 "  - {name: f, action: log, on: file, match: {op: chmod}}\n"),
			 ALL);
}

/* The default policy alerts and logs: every record batches. */
static void test_default_policy_waits(void **state)
{
	(void)state;
	assert_int_equal(lazy_of(policy_default_yaml()), ALL);
}

static void test_kills_wake_their_kind(void **state)
{
	(void)state;
	assert_int_equal(lazy_of("rules:\n"
				 "  - {name: k, action: kill-process, match: {basename: x}}\n"),
			 ALL & ~(B(EXEC) | B(EXEC_FAILED)));
	assert_int_equal(lazy_of("rules:\n"
				 "  - {name: f, action: kill-job, on: file, match: {op: chmod}}\n"
				 "  - {name: c, action: alert, on: connect, match: {port: 4444}}\n"),
			 ALL & ~B(FILE));
	assert_int_equal(lazy_of("rules:\n"
				 "  - {name: d, action: deny, match: {basename: x}}\n"
				 "  - {name: p, action: kill-process, on: privilege, match: {op: ptrace}}\n"),
			 ALL & ~(B(EXEC) | B(EXEC_FAILED) | B(PRIV)));
}

/* In audit mode nothing is killed: nothing is urgent. */
static void test_audit_waits(void **state)
{
	(void)state;
	assert_int_equal(lazy_of("mode: audit\nrules:\n"
				 "  - {name: k, action: kill-process, match: {basename: x}}\n"),
			 ALL);
}

/* stdin is judged again when a writer starts or connects: every record counts. */
static void test_late_rule_wakes_all(void **state)
{
	(void)state;
	assert_int_equal(lazy_of("rules:\n"
				 "  - {name: s, action: kill-process, match: {stdin: network}}\n"),
			 0);
}

static void test_policies_add_up(void **state)
{
	char *errs = NULL;
	struct bw_policy *p[2];

	(void)state;
	p[0] = load("rules:\n  - {name: k, action: kill-process, match: {basename: x}}\n", &errs);
	free(errs);
	p[1] = load("rules:\n  - {name: c, action: kill-job, on: connect, match: {port: 4444}}\n",
		    &errs);
	free(errs);
	assert_non_null(p[0]);
	assert_non_null(p[1]);
	assert_int_equal(engine_policies_lazy_types((const struct bw_policy *const *)p, 2),
			 ALL & ~(B(EXEC) | B(EXEC_FAILED) | B(CONNECT)));
	assert_int_equal(engine_policies_lazy_types(NULL, 0), ALL);
	policy_free(p[0]);
	policy_free(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alerts_wait),
		cmocka_unit_test(test_default_policy_waits),
		cmocka_unit_test(test_kills_wake_their_kind),
		cmocka_unit_test(test_audit_waits),
		cmocka_unit_test(test_late_rule_wakes_all),
		cmocka_unit_test(test_policies_add_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
