// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The checkout's tracked files, and paths resolved as text. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/path.h"
#include "pipeline/checkout.h"

static void expect_norm(const char *in, const char *want)
{
	char buf[64];

	assert_true(path_normalize(in, buf, sizeof(buf)));
	assert_string_equal(buf, want);
}

static void test_normalize(void **state)
{
	char small[8];

	expect_norm("/a/b/c", "/a/b/c");
	expect_norm("/tmp/../etc/cron.d/x", "/etc/cron.d/x");
	expect_norm("/w/sub/./../main.c", "/w/main.c");
	expect_norm("//a///b/", "/a/b");
	expect_norm("/..", "/");
	expect_norm("/../../etc/passwd", "/etc/passwd");
	expect_norm("/a/..", "/");
	expect_norm("/a/...b/..c", "/a/...b/..c"); /* only whole "." and ".." segments */
	assert_false(path_normalize("relative/x", small, sizeof(small)));
	assert_false(path_normalize("/a/very/long/path", small, sizeof(small)));
}

static int sh(const char *cmd)
{
	return system(cmd);
}

static void test_tracked(void **state)
{
	char dir[] = "/tmp/bw-checkout-XXXXXX", cmd[512], path[256], why[256];
	struct build_user nobody_set = { .set = false };
	struct checkout c;

	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && git init -q && mkdir -p src/deep && echo a > src/a.c && "
		 "echo b > 'src/deep/with space.h' && echo r > README && "
		 "git add -A && echo u > untracked.o", dir);
	if (sh(cmd)) {
		skip(); /* no git here: nothing to list */
		return;
	}
	snprintf(path, sizeof(path), "%s/src/deep", dir);
	/* From a subdirectory: the whole work tree, by its top. */
	assert_int_equal(checkout_load(&c, path, &nobody_set, why, sizeof(why)), 0);
	assert_int_equal(c.n, 3);
	snprintf(path, sizeof(path), "%s/src/a.c", dir);
	assert_true(checkout_tracked(&c, path));
	snprintf(path, sizeof(path), "%s/src/deep/../a.c", dir);
	assert_true(checkout_tracked(&c, path));
	snprintf(path, sizeof(path), "%s/src/deep/with space.h", dir);
	assert_true(checkout_tracked(&c, path));
	snprintf(path, sizeof(path), "%s/README", dir);
	assert_true(checkout_tracked(&c, path));
	snprintf(path, sizeof(path), "%s/untracked.o", dir);
	assert_false(checkout_tracked(&c, path));
	snprintf(path, sizeof(path), "%s/src", dir); /* a directory is no file */
	assert_false(checkout_tracked(&c, path));
	snprintf(path, sizeof(path), "%sX/README", dir); /* a sibling with the same prefix */
	assert_false(checkout_tracked(&c, path));
	assert_false(checkout_tracked(&c, "README"));
	assert_false(checkout_tracked(&c, NULL));
	assert_false(checkout_tracked(NULL, "/README"));
	checkout_free(&c);
	assert_false(checkout_tracked(&c, "/README"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(sh(cmd), 0);
}

static void test_not_a_work_tree(void **state)
{
	char dir[] = "/tmp/bw-checkout-XXXXXX", why[256];
	struct build_user u = { .set = false };
	struct checkout c;

	assert_non_null(mkdtemp(dir));
	why[0] = 0;
	assert_int_equal(checkout_load(&c, dir, &u, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "not in a git work tree"));
	assert_null(c.root);
	assert_false(checkout_tracked(&c, "/tmp/x"));
	assert_int_equal(checkout_load(&c, "/nonexistent/dir", &u, why, sizeof(why)), -ENOENT);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_tracked),
		cmocka_unit_test(test_not_a_work_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
