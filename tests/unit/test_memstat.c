// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The agent's memory figures: RSS and its peak; BPF map memory counted per
 * map (not per descriptor), and nothing for descriptors that are not maps.
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

	assert_int_equal(memstat_read(&m), 0);
	assert_true(m.rss_kib > 0);
	assert_true(m.rss_kib <= m.rss_peak_kib);
}

static void test_maps(void **state)
{
	struct memstat before, after;
	int map, dup_fd, pipefd[2];

	map = array_map(4096, 256);
	if (map < 0) {
		print_message("cannot create a BPF map (%s): needs root or CAP_BPF\n",
			      strerror(errno));
		skip();
	}
	assert_int_equal(memstat_read(&before), 0);
	/* Another descriptor of the same map, and descriptors that are no map. */
	dup_fd = dup(map);
	assert_true(dup_fd >= 0);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(memstat_read(&after), 0);
	assert_int_equal(after.bpf_maps, before.bpf_maps);
	assert_int_equal(after.bpf_map_bytes, before.bpf_map_bytes);
	close(dup_fd);
	close(map);
	assert_int_equal(memstat_read(&after), 0);
	assert_int_equal(after.bpf_maps, before.bpf_maps - 1);
	/* 256 values of 4 KiB: the kernel charges at least that. */
	assert_true(before.bpf_map_bytes - after.bpf_map_bytes >= 256 * 4096);
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
