// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The run socket's messages (lib/run_proto.c) over a socketpair and a real listener. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/run_proto.h"

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

/* Header, text and a descriptor arrive as sent; the descriptor is a working copy. */
static void test_roundtrip(void **state)
{
	struct runp_hdr h = { .type = RUNP_START, .root_pid = 4242, .value = -7 };
	static const char text[] = "p.yaml\0version: 1\n";
	struct runp_msg m;
	int sv[2], p[2];
	char c = 0;

	(void)state;
	pair(sv);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(runp_send(sv[0], &h, text, sizeof(text) - 1, &p[1], 1), 0);
	assert_int_equal(runp_recv(sv[1], &m), 0);
	assert_int_equal(m.h.type, RUNP_START);
	assert_int_equal(m.h.version, RUNP_VERSION);
	assert_int_equal(m.h.root_pid, 4242);
	assert_int_equal(m.h.value, -7);
	assert_int_equal(m.h.text_len, sizeof(text) - 1);
	assert_memory_equal(m.text, text, sizeof(text) - 1);
	assert_int_equal(m.text[m.h.text_len], '\0');
	assert_int_equal(m.n_fds, 1);
	assert_int_equal(write(m.fds[0], "x", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	assert_true(fcntl(m.fds[0], F_GETFD) & FD_CLOEXEC);
	runp_msg_free(&m);
	assert_int_equal(m.n_fds, 0);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

/* No text, no descriptor; then the peer's close is -ECONNRESET. */
static void test_empty_and_eof(void **state)
{
	struct runp_hdr h = { .type = RUNP_END, .value = 3 << 8 };
	struct runp_msg m;
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(runp_send(sv[0], &h, NULL, 0, NULL, 0), 0);
	close(sv[0]);
	assert_int_equal(runp_recv(sv[1], &m), 0);
	assert_int_equal(m.h.type, RUNP_END);
	assert_int_equal(m.h.value, 3 << 8);
	assert_int_equal(m.h.text_len, 0);
	assert_string_equal(m.text, "");
	runp_msg_free(&m);
	assert_int_equal(runp_recv(sv[1], &m), -ECONNRESET);
	close(sv[1]);
}

/* A short packet, a wrong version and a length that lies are refused. */
static void test_malformed(void **state)
{
	struct runp_hdr h = { .type = RUNP_START, .version = RUNP_VERSION, .text_len = 10 };
	struct runp_msg m;
	int sv[2];

	(void)state;
	pair(sv);
	assert_int_equal(send(sv[0], "abc", 3, 0), 3);
	assert_int_equal(runp_recv(sv[1], &m), -EPROTO);
	/* text_len says 10, none follows */
	assert_int_equal(send(sv[0], &h, sizeof(h), 0), (ssize_t)sizeof(h));
	assert_int_equal(runp_recv(sv[1], &m), -EPROTO);
	h.version = RUNP_VERSION + 1;
	h.text_len = 0;
	assert_int_equal(send(sv[0], &h, sizeof(h), 0), (ssize_t)sizeof(h));
	assert_int_equal(runp_recv(sv[1], &m), -EPROTO);
	close(sv[0]);
	close(sv[1]);
}

static void test_limits(void **state)
{
	struct runp_hdr h = { .type = RUNP_START };
	int sv[2], fds[RUNP_FDS_MAX + 1] = { 0, 1, 2 };
	char *big = calloc(1, RUNP_TEXT_MAX + 1);

	(void)state;
	assert_non_null(big);
	pair(sv);
	assert_int_equal(runp_send(sv[0], &h, big, RUNP_TEXT_MAX + 1, NULL, 0), -EMSGSIZE);
	assert_int_equal(runp_send(sv[0], &h, NULL, 0, fds, RUNP_FDS_MAX + 1), -EMSGSIZE);
	free(big);
	close(sv[0]);
	close(sv[1]);
}

/* The listener is root's alone, replaces a stale socket, refuses a live one. */
static void test_listen(void **state)
{
	char dir[] = "/tmp/bw-runp-XXXXXX", path[64];
	struct stat st;
	int l, c, again;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.sock", dir);
	assert_int_equal(runp_connect(path), -ENOENT);
	l = runp_listen(path);
	assert_true(l >= 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(runp_listen(path), -EADDRINUSE);
	c = runp_connect(path);
	assert_true(c >= 0);
	close(c);
	close(l); /* what a killed daemon leaves behind */
	assert_int_equal(runp_connect(path), -ECONNREFUSED);
	again = runp_listen(path);
	assert_true(again >= 0);
	close(again);
	unlink(path);
	/* not a socket: never removed */
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(runp_listen(path), -EEXIST);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_empty_and_eof),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
