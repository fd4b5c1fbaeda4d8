// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Files read for content: rules, and the writes kept to read again. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "pipeline/content_checks.h"

static char dir[] = "/tmp/bw-content-XXXXXX";

static void path_in(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text, const char *mode)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Read once, on first use; the new name of a rename; nothing for a FIFO or a missing file. */
static void test_read(void **state)
{
	struct bw_file_info f = { .op = "open-write" };
	struct content_src s;
	char path[256], fifo[256];

	(void)state;
	path_in(path, sizeof(path), "env");
	write_file(path, "A=1\nLD_PRELOAD=/tmp/x.so\n", "w");
	content_src_init(&s, path);
	assert_false(s.read);
	assert_string_equal(content_src_read(&s), "A=1\nLD_PRELOAD=/tmp/x.so\n");
	assert_true(s.read);
	assert_true(s.st.st_ino != 0);
	write_file(path, "changed\n", "w");
	assert_string_equal(content_src_read(&s), "A=1\nLD_PRELOAD=/tmp/x.so\n"); /* once per judgement */
	content_src_free(&s);

	path_in(fifo, sizeof(fifo), "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	content_src_init(&s, fifo);
	assert_null(content_src_read(&s)); /* not opened for long, never waited on */
	assert_int_equal(s.st.st_ino, 0);
	content_src_free(&s);
	content_src_init(&s, "relative/name"); /* not the agent's cwd's */
	assert_null(content_src_read(&s));
	content_src_free(&s);
	content_src_init(&s, "/nonexistent/bw/x");
	assert_null(content_src_read(&s));
	assert_true(s.read);
	content_src_free(&s);

	f.path = "/tmp/a";
	assert_string_equal(content_path(&f), "/tmp/a");
	f.op = "rename";
	f.path2 = "/etc/hosts";
	assert_string_equal(content_path(&f), "/etc/hosts");
	f.op = "symlink"; /* the link's own name: read through it */
	assert_string_equal(content_path(&f), "/tmp/a");
}

/* A file longer than the bound is read to the bound, NUL-terminated. */
static void test_read_bound(void **state)
{
	struct content_src s;
	char path[256];
	FILE *f;

	(void)state;
	path_in(path, sizeof(path), "big");
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < CONTENT_READ_MAX / 8 + 100; i++)
		fputs("0123456\n", f);
	assert_int_equal(fclose(f), 0);
	content_src_init(&s, path);
	assert_int_equal(strlen(content_src_read(&s)), CONTENT_READ_MAX);
	content_src_free(&s);
}

/* One entry per writer and file; changes seen by size, time or inode; the oldest dropped. */
static void test_pending(void **state)
{
	struct content_checks c = { 0 };
	struct bw_file_info f = { .op = "open-write" };
	struct content_pending *dropped;
	struct content_src s;
	struct stat now;
	char path[256];

	(void)state;
	path_in(path, sizeof(path), "set_env_1");
	write_file(path, "", "w");
	f.path = path;
	content_src_init(&s, path);
	(void)content_src_read(&s);
	assert_null(content_checks_add(&c, 10, 100, 5, &f, &s.st, "{\"x\":1}", 7));
	content_src_free(&s);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.head->event_json, "{\"x\":1}");
	assert_string_equal(c.head->file.path, path);
	assert_true(c.head->file.path != path); /* owned */
	/* the same writer again: still one */
	assert_null(content_checks_add(&c, 10, 100, 6, &f, &c.head->seen, NULL, 0));
	assert_int_equal(c.n, 1);
	assert_false(content_pending_changed(c.head, &now));
	write_file(path, "LD_PRELOAD=/tmp/x.so\n", "a");
	assert_true(content_pending_changed(c.head, &now));
	c.head->seen = now;
	assert_false(content_pending_changed(c.head, &now));
	assert_int_equal(unlink(path), 0);
	assert_false(content_pending_changed(c.head, &now)); /* gone: nothing to read */

	/* a name the record could not place is not kept */
	f.path = "relative/set_env_1";
	assert_null(content_checks_add(&c, 10, 100, 6, &f, &now, NULL, 0));
	assert_int_equal(c.n, 1);
	f.path = path;
	/* another writer of it is another entry; past the bound the oldest goes */
	for (uint32_t pid = 11; pid < 11 + CONTENT_PENDING_MAX - 1; pid++)
		assert_null(content_checks_add(&c, pid, 100, 7, &f, &now, NULL, 0));
	assert_int_equal(c.n, CONTENT_PENDING_MAX);
	dropped = content_checks_add(&c, 999, 100, 8, &f, &now, NULL, 0);
	assert_non_null(dropped);
	assert_int_equal(dropped->pid, 10);
	assert_null(dropped->next);
	content_pending_free(dropped);
	assert_int_equal(c.n, CONTENT_PENDING_MAX);
	assert_int_equal(c.head->pid, 11);
	content_checks_free(&c);
	assert_null(c.head);
	assert_int_equal(c.n, 0);
}

/* A rule fires once per file and job. */
static void test_mark(void **state)
{
	struct content_checks c = { 0 };

	(void)state;
	assert_true(content_checks_mark(&c, 3, "/etc/hosts"));
	assert_false(content_checks_mark(&c, 3, "/etc/hosts"));
	assert_true(content_checks_mark(&c, 4, "/etc/hosts"));
	assert_true(content_checks_mark(&c, 3, "/etc/resolv.conf"));
	assert_false(content_checks_mark(&c, 4, "/etc/hosts"));
	content_checks_free(&c);
	assert_true(content_checks_mark(&c, 3, "/etc/hosts")); /* a new job */
	content_checks_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_bound),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_mark),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
