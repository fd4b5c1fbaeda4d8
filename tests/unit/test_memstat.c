// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent's memory figures: RSS and its peak; BPF map memory of the
 * descriptors named, counted per map (not per descriptor), and nothing for
 * descriptors that are not maps.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include "lib/memstat.h"

/* An array map, by the syscall itself: libbpf's probes leave bytes valgrind calls unset. */
static int array_map(uint32_t value_size, uint32_t entries)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = value_size;
	a.max_entries = entries;
	return (int)syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

static void test_rss(void **state)
{
	struct memstat m;

	assert_int_equal(memstat_read(&m, NULL, 0), 0);
	assert_true(m.rss_kib > 0);
	assert_true(m.rss_kib <= m.rss_peak_kib);
	assert_int_equal(m.bpf_maps, 0);
	assert_int_equal(m.bpf_map_bytes, 0);
}

static void test_maps(void **state)
{
	struct memstat one, all;
	int map, other, pipefd[2];

	map = array_map(4096, 256);
	if (map < 0) {
		print_message("cannot create a BPF map (%s): needs root or CAP_BPF\n",
			      strerror(errno));
		skip();
	}
	other = array_map(8, 4);
	assert_true(other >= 0);
	assert_int_equal(pipe(pipefd), 0);
	{
		int fds[] = { map };

		assert_int_equal(memstat_read(&one, fds, 1), 0);
	}
	assert_int_equal(one.bpf_maps, 1);
	/* 256 values of 4 KiB: the kernel charges at least that. */
	assert_true(one.bpf_map_bytes >= 256 * 4096);
	{
		/* The same map twice, another map, descriptors that are no map or none at all. */
		int dup_fd = dup(map), fds[] = { map, pipefd[0], dup_fd, -1, other, 1 << 20 };

		assert_true(dup_fd >= 0);
		assert_int_equal(memstat_read(&all, fds, sizeof(fds) / sizeof(fds[0])), 0);
		close(dup_fd);
	}
	assert_int_equal(all.bpf_maps, 2);
	assert_true(all.bpf_map_bytes > one.bpf_map_bytes);
	close(other);
	close(map);
	close(pipefd[0]);
	close(pipefd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rss),
		cmocka_unit_test(test_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
