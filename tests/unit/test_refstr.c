// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Shared strings: copies, references, the last holder frees, and set. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/refstr.h"

static void test_new_ref_put(void **state)
{
	char buf[] = "/usr/bin/cc";
	char *a, *b;

	(void)state;
	assert_null(refstr_new(NULL));
	assert_null(refstr_ref(NULL));
	refstr_put(NULL);
	a = refstr_new(buf);
	assert_non_null(a);
	assert_ptr_not_equal(a, buf);
	buf[0] = 'x'; /* a copy, not the caller's bytes */
	assert_string_equal(a, "/usr/bin/cc");
	b = refstr_ref(a);
	assert_ptr_equal(a, b);
	refstr_put(a);
	assert_string_equal(b, "/usr/bin/cc"); /* one holder left: still there */
	refstr_put(b);
	a = refstr_new("");
	assert_string_equal(a, "");
	refstr_put(a);
}

static void test_set(void **state)
{
	char *p = refstr_new("/src"), *q = refstr_new("/src/lib");
	char *dst = NULL, *old;

	(void)state;
	/* equal to a candidate: that one, shared */
	assert_int_equal(refstr_set(&dst, "/src", (char *[]){ NULL, q, p }, 3), 0);
	assert_ptr_equal(dst, p);
	/* no candidate equal: a copy of its own */
	assert_int_equal(refstr_set(&dst, "/tmp", (char *[]){ p, q }, 2), 0);
	assert_ptr_not_equal(dst, p);
	assert_ptr_not_equal(dst, q);
	assert_string_equal(dst, "/tmp");
	/* the old value as a candidate: kept, though its holder drops it after */
	old = dst;
	assert_int_equal(refstr_set(&dst, "/tmp", &dst, 1), 0);
	assert_ptr_equal(dst, old);
	assert_string_equal(dst, "/tmp");
	/* NULL clears */
	assert_int_equal(refstr_set(&dst, NULL, (char *[]){ p }, 1), 0);
	assert_null(dst);
	refstr_put(p);
	refstr_put(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_ref_put),
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
