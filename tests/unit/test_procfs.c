// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What /proc says about other processes: stat lines and argv joined. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/procfs.h"

static void test_join_args(void **state)
{
	char a[] = "make\0-j8\0all\0", b[] = "sh\0\0-c\0", c[1] = "";

	assert_int_equal(procfs_join_args(a, sizeof(a) - 1), 12);
	assert_string_equal(a, "make -j8 all");
	assert_int_equal(procfs_join_args(b, sizeof(b) - 1), 6); /* an empty argument stays */
	assert_string_equal(b, "sh  -c");
	assert_int_equal(procfs_join_args(c, 0), 0);
	assert_string_equal(c, "");
}

static void test_parse_stat(void **state)
{
	char comm[16];
	uint32_t ppid = 0;

	assert_int_equal(procfs_parse_stat("42 (a) b) S 7 42", &ppid, comm, sizeof(comm)), 0);
	assert_int_equal(ppid, 7);
	assert_string_equal(comm, "a) b");
	assert_int_equal(procfs_parse_stat("42 no parens", &ppid, comm, sizeof(comm)), -EINVAL);
}

/* Our own entry, and a pid that cannot exist. */
static void test_read_stat(void **state)
{
	char comm[16];
	uint32_t ppid = 0;

	(void)state;
	assert_int_equal(procfs_read_stat((uint32_t)getpid(), &ppid, comm, sizeof(comm)), 0);
	assert_int_equal(ppid, (uint32_t)getppid());
	assert_true(comm[0] != '\0');
	assert_int_equal(procfs_read_stat(UINT32_MAX, &ppid, comm, sizeof(comm)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_args),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_read_stat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
