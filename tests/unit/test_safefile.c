// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Whole-file reads: the limit, the NUL at the end, and the errors; small files in one read. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/safefile.h"

static void write_file(const char *path, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fputc('a' + (int)(i % 26), f);
	assert_int_equal(fclose(f), 0);
}

static void test_limit(void **state)
{
	char dir[] = "/tmp/bw-safefile-XXXXXX", path[64], *buf = NULL;
	size_t len = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	/* exactly max bytes: read, NUL-terminated; one more: refused */
	write_file(path, 20000);
	assert_int_equal(safe_read_file(path, 20000, &buf, &len), 0);
	assert_int_equal(len, 20000);
	assert_int_equal(buf[19999], 'a' + 19999 % 26);
	assert_int_equal(buf[20000], '\0');
	free(buf);
	buf = NULL;
	assert_int_equal(safe_read_file(path, 19999, &buf, &len), -EFBIG);
	assert_null(buf);
	/* empty */
	write_file(path, 0);
	assert_int_equal(safe_read_file(path, 10, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	buf = NULL;
	/* what cannot be read says why */
	assert_int_equal(safe_read_file(dir, 10, &buf, &len), -EISDIR);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(safe_read_file(path, 10, &buf, &len), -ENOENT);
	assert_null(buf);
	assert_int_equal(rmdir(dir), 0);
}

static void test_stream_without_end(void **state)
{
	FILE *f = fopen("/dev/zero", "re");
	char *buf = NULL;
	size_t len = 0;

	assert_non_null(f);
	assert_int_equal(safe_read_stream(f, 1 << 20, &buf, &len), -EFBIG);
	assert_null(buf);
	fclose(f);
}

/* One read into the caller's buffer: cut to fit, NUL-terminated; empty and missing said. */
static void test_small(void **state)
{
	char dir[] = "/tmp/bw-safefile-XXXXXX", path[64], buf[8];
	int dirfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	write_file(path, 5);
	assert_int_equal(safe_read_small(AT_FDCWD, path, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "abcde");
	write_file(path, 20);
	assert_int_equal(safe_read_small(AT_FDCWD, path, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "abcdefg");
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);
	assert_int_equal(safe_read_small(dirfd, "f", buf, sizeof(buf)), 7);
	write_file(path, 0);
	assert_int_equal(safe_read_small(dirfd, "f", buf, sizeof(buf)), -ENODATA);
	assert_int_equal(safe_read_small(dirfd, "missing", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(safe_read_small(AT_FDCWD, dir, buf, sizeof(buf)), -EISDIR);
	close(dirfd);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	/* what it is for: a /proc file */
	assert_true(safe_read_small(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf)) == 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_stream_without_end),
		cmocka_unit_test(test_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
