// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What /proc says about other processes: stat lines, argv joined, DNS sockets. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

static void test_udp_dns_inode(void **state)
{
	(void)state;
	/* /proc/net/udp: remote 127.53.1.2:53 */
	assert_int_equal(procfs_udp_dns_inode("  211: 0100007F:D5A4 0201357F:0035 01 00000000:00000000 "
					      "00:00000000 00000000     0        0 98765 2 "
					      "0000000000000000 0"), 98765);
	/* udp6: [::1]:53 */
	assert_int_equal(procfs_udp_dns_inode("  7: 00000000000000000000000001000000:C2A1 "
					      "00000000000000000000000001000000:0035 01 "
					      "00000000:00000000 00:00000000 00000000     0        0 "
					      "4242 2 0000000000000000 0"), 4242);
	/* another remote port (443), a listening socket (0), the header, garbage */
	assert_int_equal(procfs_udp_dns_inode("  3: 0100007F:D5A4 0900007F:01BB 01 00000000:00000000 "
					      "00:00000000 00000000 0 0 555 2 0 0"), 0);
	assert_int_equal(procfs_udp_dns_inode("  4: 00000000:0035 00000000:0000 07 00000000:00000000 "
					      "00:00000000 00000000 0 0 556 2 0 0"), 0);
	assert_int_equal(procfs_udp_dns_inode("  sl  local_address rem_address   st tx_queue "
					      "rx_queue tr tm->when retrnsmt   uid  timeout inode ref "
					      "pointer drops"), 0);
	assert_int_equal(procfs_udp_dns_inode(""), 0);
	assert_int_equal(procfs_udp_dns_inode("  5: 0100007F:D5A4 0100007F:0035"), 0);
}

/* A UDP socket of ours connected to port 53 (nothing needs to listen there). */
static void test_has_dns_socket(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53) };
	uint32_t self = (uint32_t)getpid();
	int fd;

	(void)state;
	inet_pton(AF_INET, "127.53.200.201", &to.sin_addr);
	assert_false(procfs_has_dns_socket(self));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof(to)), 0);
	assert_true(procfs_has_dns_socket(self));
	close(fd);
	assert_false(procfs_has_dns_socket(self));
	assert_false(procfs_has_dns_socket(UINT32_MAX));
}

/* Among many sockets to other ports (more than the first list holds), the one to 53. */
static void test_dns_socket_among_others(void **state)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint32_t self = (uint32_t)getpid();
	int fds[12], i, dns;

	(void)state;
	inet_pton(AF_INET, "127.53.200.202", &to.sin_addr);
	for (i = 0; i < 12; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		assert_true(fds[i] >= 0);
		to.sin_port = htons((uint16_t)(5300 + i));
		assert_int_equal(connect(fds[i], (struct sockaddr *)&to, sizeof(to)), 0);
	}
	assert_false(procfs_has_dns_socket(self));
	dns = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(dns >= 0);
	{
		struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_port = htons(53),
					    .sin6_addr = IN6ADDR_LOOPBACK_INIT };

		assert_int_equal(connect(dns, (struct sockaddr *)&to6, sizeof(to6)), 0);
	}
	assert_true(procfs_has_dns_socket(self)); /* from udp6 */
	close(dns);
	for (i = 0; i < 12; i++)
		close(fds[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_args),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_read_stat),
		cmocka_unit_test(test_udp_dns_inode),
		cmocka_unit_test(test_has_dns_socket),
		cmocka_unit_test(test_dns_socket_among_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
