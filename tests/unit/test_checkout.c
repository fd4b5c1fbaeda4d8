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
#include <sys/wait.h>
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

struct heard {
	size_t n;
	size_t dir[4];
	int err[4];
	char why[4][256];
};

static void hear(void *arg, size_t dir, int err, const char *why)
{
	struct heard *h = arg;

	assert_true(h->n < 4);
	h->dir[h->n] = dir;
	h->err[h->n] = err;
	snprintf(h->why[h->n], sizeof(h->why[0]), "%s", why);
	h->n++;
}

/* The same listing from a child, the first dir in a work tree winning. */
static void test_in_child(void **state)
{
	char repo[] = "/tmp/bw-checkout-XXXXXX", plain[] = "/tmp/bw-checkout-XXXXXX";
	char cmd[512], path[256], why[256];
	const char *dirs[3] = { plain, repo, "/never/asked" };
	struct build_user u = { .set = false };
	struct checkout_pending p;
	struct checkout c, direct;
	struct heard h = { 0 };

	assert_non_null(mkdtemp(repo));
	assert_non_null(mkdtemp(plain));
	snprintf(cmd, sizeof(cmd), "cd %s && git init -q && echo a > a.c && mkdir d && "
		 "echo b > d/b.h && git add -A", repo);
	if (sh(cmd)) {
		skip();
		return;
	}
	assert_int_equal(checkout_start(&p, dirs, 3, &u), 0);
	assert_int_equal(checkout_finish(&p, &c, hear, &h), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.dir[0], 0);
	assert_int_equal(h.err[0], -ENOENT);
	assert_non_null(strstr(h.why[0], "not in a git work tree"));
	assert_int_equal(h.dir[1], 1);
	assert_int_equal(h.err[1], 0);
	/* What checkout_load gives in this process. */
	assert_int_equal(checkout_load(&direct, repo, &u, why, sizeof(why)), 0);
	assert_string_equal(c.root, direct.root);
	assert_int_equal(c.n, direct.n);
	assert_int_equal(c.n, 2);
	for (size_t i = 0; i < c.n; i++)
		assert_string_equal(c.paths[i], direct.paths[i]);
	snprintf(path, sizeof(path), "%s/d/b.h", repo);
	assert_true(checkout_tracked(&c, path));
	checkout_free(&direct);
	checkout_free(&c);

	/* None in a work tree: each said, none loaded. */
	memset(&h, 0, sizeof(h));
	dirs[1] = "/nonexistent/dir";
	assert_int_equal(checkout_start(&p, dirs, 2, &u), 0);
	assert_int_equal(checkout_finish(&p, &c, hear, &h), -ENOENT);
	assert_int_equal(h.n, 2);
	assert_null(c.root);

	/* Not wanted after all: the child is reaped. */
	assert_int_equal(checkout_start(&p, dirs, 2, &u), 0);
	checkout_cancel(&p);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", repo, plain);
	assert_int_equal(sh(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_tracked),
		cmocka_unit_test(test_not_a_work_tree),
		cmocka_unit_test(test_in_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
