// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON-lines export: rotation exactly at the size boundary, lines never
 * split, numbered files shifted and the oldest dropped, keep 0, no limit,
 * continuing an existing file, long lines past the buffer, files 0600 and
 * never through a symlink, and a failed write cut back to whole lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "export/export_jsonl.h"

struct scratch {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/bw-jsonl-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->path, sizeof(s->path), "%s/events.jsonl", s->dir);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct scratch *s = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	if (system(cmd) != 0)
		return -1;
	free(s);
	return 0;
}

static const char *numbered(const struct scratch *s, unsigned n, char *buf, size_t size)
{
	if (n)
		snprintf(buf, size, "%s.%u", s->path, n);
	else
		snprintf(buf, size, "%s", s->path);
	return buf;
}

/* The contents of file n (0: the live one) into buf; -1 when missing. */
static long slurp(const struct scratch *s, unsigned n, char *buf, size_t size)
{
	char p[160];
	FILE *f = fopen(numbered(s, n, p, sizeof(p)), "r");
	size_t len;

	if (!f)
		return -1;
	len = fread(buf, 1, size - 1, f);
	buf[len] = '\0';
	fclose(f);
	return (long)len;
}

static bool exists(const struct scratch *s, unsigned n)
{
	char p[160];
	struct stat st;

	return lstat(numbered(s, n, p, sizeof(p)), &st) == 0;
}

static void mode_is_0600(const struct scratch *s, unsigned n)
{
	char p[160];
	struct stat st;

	assert_int_equal(lstat(numbered(s, n, p, sizeof(p)), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
}

/* A 10-byte record, newline included: {"n":NNN}\n ... "{"n":123}" is 9 */
static void rec10(char *buf, unsigned n)
{
	snprintf(buf, 16, "{\"n\":%03u}\n", n % 1000);
}

static void write10(struct export_jsonl *e, unsigned n, bool with_newline)
{
	char buf[16];

	rec10(buf, n);
	assert_int_equal(export_jsonl_write(e, buf, with_newline ? 10 : 9), 0);
}

static void test_rotation_boundary(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	struct export_jsonl_stats st;
	char buf[4096], want[4096] = "", r[16];
	unsigned i;
	mode_t old = umask(0); /* the 0600 must come from the code, not the umask */

	assert_int_equal(export_jsonl_open(&e, s->path, 100, 3), 0);
	umask(old);
	mode_is_0600(s, 0);
	/* ten 10-byte lines fill 100 bytes exactly: no rotation yet */
	for (i = 0; i < 10; i++) {
		write10(e, i, i % 2);
		rec10(r, i);
		strcat(want, r);
	}
	assert_int_equal(export_jsonl_flush(e), 0);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 100);
	assert_string_equal(buf, want);
	assert_false(exists(s, 1));
	/* the 11th would make 110: the full file moves to .1 first */
	write10(e, 10, true);
	assert_int_equal(export_jsonl_flush(e), 0);
	assert_int_equal(slurp(s, 1, buf, sizeof(buf)), 100);
	assert_string_equal(buf, want);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "{\"n\":010}\n");
	mode_is_0600(s, 0);
	mode_is_0600(s, 1);
	export_jsonl_stats(e, &st);
	assert_int_equal(st.lines, 11);
	assert_int_equal(st.bytes, 110);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.errors, 0);
	assert_int_equal(export_jsonl_close(e), 0);
}

static void test_keep_shifts_and_drops_oldest(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	char buf[4096];
	unsigned i;

	/* 20 bytes per file: two lines each; 11 lines -> 6 files' worth, keep 2 */
	assert_int_equal(export_jsonl_open(&e, s->path, 20, 2), 0);
	for (i = 0; i < 11; i++)
		write10(e, i, true);
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "{\"n\":010}\n");
	assert_int_equal(slurp(s, 1, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "{\"n\":008}\n{\"n\":009}\n");
	assert_int_equal(slurp(s, 2, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "{\"n\":006}\n{\"n\":007}\n");
	assert_false(exists(s, 3));
}

static void test_keep_zero_and_no_limit(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	struct export_jsonl_stats st;
	char buf[8192];
	unsigned i;

	assert_int_equal(export_jsonl_open(&e, s->path, 25, 0), 0);
	for (i = 0; i < 5; i++)
		write10(e, i, true);
	export_jsonl_stats(e, &st);
	assert_int_equal(st.rotations, 2);
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "{\"n\":004}\n");
	assert_false(exists(s, 1));
	unlink(s->path);

	/* max_bytes 0: one file for ever */
	assert_int_equal(export_jsonl_open(&e, s->path, 0, 5), 0);
	for (i = 0; i < 500; i++)
		write10(e, i, true);
	export_jsonl_stats(e, &st);
	assert_int_equal(st.rotations, 0);
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 5000);
	assert_false(exists(s, 1));
}

static void test_oversized_lines(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	char buf[256];
	char line[61];

	memset(line, 'x', 60);
	line[0] = '"';
	line[59] = '"';
	line[60] = '\0';
	assert_int_equal(export_jsonl_open(&e, s->path, 40, 3), 0);
	/* longer than max_bytes, into an empty file: it goes in alone, whole */
	assert_int_equal(export_jsonl_write(e, line, 60), 0);
	/* the next line rotates it out */
	write10(e, 1, true);
	/* exactly max_bytes does not fit behind that: rotated, then alone */
	assert_int_equal(export_jsonl_write(e, line, 39), 0); /* 39 + '\n' = 40 */
	write10(e, 2, true);
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(slurp(s, 3, buf, sizeof(buf)), 61);
	assert_int_equal(slurp(s, 2, buf, sizeof(buf)), 10);
	assert_int_equal(slurp(s, 1, buf, sizeof(buf)), 40);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 10);
}

static void test_continue_existing(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	char buf[256];
	int fd;

	fd = open(s->path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"old\":1}\n{\"old\":2}\n", 20), 20);
	close(fd);
	/* 20 bytes there already: the first 10-byte line fits (30), the next ones too (40) */
	assert_int_equal(export_jsonl_open(&e, s->path, 40, 1), 0);
	write10(e, 1, true);
	write10(e, 2, true);
	assert_false(exists(s, 1));
	write10(e, 3, true); /* 50 > 40 */
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(slurp(s, 1, buf, sizeof(buf)), 40);
	assert_string_equal(buf, "{\"old\":1}\n{\"old\":2}\n{\"n\":001}\n{\"n\":002}\n");
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 10);
}

static void test_long_line_keeps_order(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	size_t n = EXPORT_JSONL_BUF * 2 + 7;
	char *big = malloc(n), *back = malloc(n + 64);

	assert_non_null(big);
	assert_non_null(back);
	memset(big, 'y', n);
	assert_int_equal(export_jsonl_open(&e, s->path, 0, 0), 0);
	write10(e, 1, true);
	assert_int_equal(export_jsonl_write(e, big, n), 0);
	write10(e, 2, false);
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(slurp(s, 0, back, n + 64), (long)(n + 21));
	assert_memory_equal(back, "{\"n\":001}\n", 10);
	assert_memory_equal(back + 10, big, n);
	assert_memory_equal(back + 10 + n, "\n{\"n\":002}\n", 11);
	free(big);
	free(back);
}

static void test_buffered_until_flush(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	char buf[64];

	assert_int_equal(export_jsonl_open(&e, s->path, 1000, 1), 0);
	write10(e, 1, true);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 0);
	assert_int_equal(export_jsonl_flush(e), 0);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 10);
	assert_int_equal(export_jsonl_flush(e), 0); /* nothing buffered: nothing written */
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 10);
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(export_jsonl_close(NULL), 0);
}

static void test_bad_lines(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	struct export_jsonl_stats st;
	char buf[64];

	assert_int_equal(export_jsonl_open(&e, s->path, 100, 1), 0);
	assert_int_equal(export_jsonl_write(e, "", 0), -EINVAL);
	assert_int_equal(export_jsonl_write(e, "\n", 1), -EINVAL);
	assert_int_equal(export_jsonl_write(e, "{}\n{}\n", 6), -EINVAL);
	assert_int_equal(export_jsonl_write(e, "{}\n{}", 5), -EINVAL);
	assert_int_equal(export_jsonl_write(e, NULL, 3), -EINVAL);
	assert_int_equal(export_jsonl_write(NULL, "{}", 2), -EINVAL);
	export_jsonl_stats(e, &st);
	assert_int_equal(st.lines, 0);
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 0);
}

static void test_refuses_unsafe_paths(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	char target[160], p1[160], buf[64];
	struct stat st;

	/* a symlink at the path: not followed */
	snprintf(target, sizeof(target), "%s/target", s->dir);
	assert_int_equal(symlink(target, s->path), 0);
	assert_int_equal(export_jsonl_open(&e, s->path, 100, 1), -ELOOP);
	assert_null(e);
	assert_int_equal(lstat(target, &st), -1); /* nothing created through it */
	unlink(s->path);
	/* a FIFO: refused, and the open does not hang waiting for a reader */
	assert_int_equal(mkfifo(s->path, 0600), 0);
	assert_int_equal(export_jsonl_open(&e, s->path, 100, 1), -EINVAL);
	unlink(s->path);
	/* a directory */
	assert_int_equal(mkdir(s->path, 0700), 0);
	assert_true(export_jsonl_open(&e, s->path, 100, 1) < 0);
	rmdir(s->path);
	assert_int_equal(export_jsonl_open(&e, "", 100, 1), -EINVAL);
	assert_int_equal(export_jsonl_open(&e, s->path, 100, EXPORT_JSONL_KEEP_MAX + 1), -EINVAL);

	/* a symlink planted at PATH.1: rotation replaces the link, its target is untouched */
	assert_int_equal(symlink(target, numbered(s, 1, p1, sizeof(p1))), 0);
	assert_int_equal(export_jsonl_open(&e, s->path, 10, 1), 0);
	write10(e, 1, true);
	write10(e, 2, true);
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(lstat(p1, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(slurp(s, 1, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "{\"n\":001}\n");
}

static void test_failed_write_keeps_whole_lines(void **state)
{
	struct scratch *s = *state;
	struct export_jsonl *e;
	struct export_jsonl_stats st;
	struct rlimit old, lim;
	char buf[64];
	unsigned i;

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(export_jsonl_open(&e, s->path, 0, 0), 0);
	write10(e, 0, true);
	assert_int_equal(export_jsonl_flush(e), 0);
	/* files may not pass 25 bytes: 10 there, 30 more buffered -> 15 fit, then EFBIG */
	lim = old;
	lim.rlim_cur = 25;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (i = 1; i <= 3; i++)
		write10(e, i, true);
	assert_int_equal(export_jsonl_flush(e), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	/* the half-written line was cut back: a reader sees whole records only */
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "{\"n\":000}\n");
	/* and writing goes on once it can */
	write10(e, 4, true);
	assert_int_equal(export_jsonl_flush(e), 0);
	export_jsonl_stats(e, &st);
	assert_int_equal(st.errors, 1);
	assert_int_equal(export_jsonl_close(e), 0);
	assert_int_equal(slurp(s, 0, buf, sizeof(buf)), 20);
	assert_string_equal(buf, "{\"n\":000}\n{\"n\":004}\n");
	signal(SIGXFSZ, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rotation_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_shifts_and_drops_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_zero_and_no_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_continue_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line_keeps_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffered_until_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_unsafe_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_keeps_whole_lines, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
