// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The event ABI as the BPF object's BTF describes it must match what the
 * userspace compiler made of the same header: every member, same offset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include <linux/types.h>
#include "buildwarden_events.h"

_Static_assert(sizeof(struct bw_event_header) == 40, "header size");
_Static_assert(sizeof(struct bw_fork_event) == 56, "fork size");
_Static_assert(sizeof(struct bw_exec_event) == 248, "exec fixed size");
_Static_assert(sizeof(struct bw_stdio) == 40, "stdio size");
_Static_assert(sizeof(struct bw_env_name) == 40, "env name size");
_Static_assert(sizeof(struct bw_name_prefix) == 24, "name prefix size");
_Static_assert(sizeof(struct bw_exec_failed_event) == 72, "exec_failed fixed size");
_Static_assert(sizeof(struct bw_exit_event) == 80, "exit size");
_Static_assert(sizeof(struct bw_tamper_record) == 1056, "tamper record size");
_Static_assert(offsetof(struct bw_exec_event, data) % 8 == 0, "data aligned");
_Static_assert((BW_DATA_SLOT & (BW_DATA_SLOT - 1)) == 0, "slot is a power of two");
/* filename, exe, cwd, three stdio paths and the loader variables, ahead of argv */
_Static_assert(BW_FILENAME_MAX + 5 * BW_PATH_MAX + BW_ENV_MAX <= BW_DATA_SLOT,
	       "paths and variables fit the slot");

struct member {
	const char *name;
	size_t offset;
};

#define M(type, field) { #field, offsetof(type, field) }

static struct btf *btf;

/* The BTF of build/bpf/ARCH/OBJ, or NULL having said why. */
static struct btf *object_btf(const char *obj)
{
	const char *dir = getenv("BW_BUILD");
	struct btf *b;
	char path[4096];

	snprintf(path, sizeof(path), "%s/bpf/%s/%s", dir ? dir : "build",
#if defined(__x86_64__)
		 "x86"
#elif defined(__aarch64__)
		 "arm64"
#else
		 "unknown"
#endif
		 , obj);
	b = btf__parse_elf(path, NULL);
	if (!b)
		fprintf(stderr, "cannot read BTF from %s\n", path);
	return b;
}

static int setup(void **state)
{
	btf = object_btf("process.bpf.o");
	return btf ? 0 : -1;
}

static int teardown(void **state)
{
	btf__free(btf);
	return 0;
}

static void check_struct(const char *name, size_t size, const struct member *m, size_t n)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	const struct btf_type *t;
	const struct btf_member *bm;
	size_t i;
	int j;

	if (id < 0)
		fail_msg("struct %s not in the BPF object's BTF", name);
	t = btf__type_by_id(btf, id);
	assert_int_equal(t->size, size);
	for (i = 0; i < n; i++) {
		bm = btf_members(t);
		for (j = 0; j < btf_vlen(t); j++, bm++)
			if (!strcmp(btf__name_by_offset(btf, bm->name_off), m[i].name))
				break;
		if (j == btf_vlen(t))
			fail_msg("%s.%s missing in BTF", name, m[i].name);
		if (btf_member_bit_offset(t, j) != m[i].offset * 8)
			fail_msg("%s.%s: BPF offset %u bits, userspace %zu bytes", name, m[i].name,
				 btf_member_bit_offset(t, j), m[i].offset);
	}
	assert_int_equal(btf_vlen(t), n);
}

/* The signal records process.bpf.o writes into its pinned map. */
static void test_tamper(void **state)
{
	static const struct member r[] = {
		M(struct bw_tamper_record, ktime_ns),	     M(struct bw_tamper_record, sender_start_ns),
		M(struct bw_tamper_record, agent_start_ns), M(struct bw_tamper_record, sender_job),
		M(struct bw_tamper_record, seq),	     M(struct bw_tamper_record, agent_pid),
		M(struct bw_tamper_record, sender_pid),     M(struct bw_tamper_record, sender_tid),
		M(struct bw_tamper_record, sender_uid),     M(struct bw_tamper_record, sig),
		M(struct bw_tamper_record, code),	     M(struct bw_tamper_record, result),
		M(struct bw_tamper_record, group),	     M(struct bw_tamper_record, flags),
		M(struct bw_tamper_record, argv_len),	     M(struct bw_tamper_record, n_anc),
		M(struct bw_tamper_record, anc),	     M(struct bw_tamper_record, comm),
		M(struct bw_tamper_record, exe),	     M(struct bw_tamper_record, argv),
	};
	static const struct member a[] = {
		M(struct bw_tamper_anc, pid), M(struct bw_tamper_anc, pad), M(struct bw_tamper_anc, comm),
	};
	check_struct("bw_tamper_record", sizeof(struct bw_tamper_record), r, 20);
	check_struct("bw_tamper_anc", sizeof(struct bw_tamper_anc), a, 3);
}

static void test_header(void **state)
{
	static const struct member m[] = {
		M(struct bw_event_header, ktime_ns), M(struct bw_event_header, start_ns),
		M(struct bw_event_header, job_id),   M(struct bw_event_header, type),
		M(struct bw_event_header, size),     M(struct bw_event_header, pid),
		M(struct bw_event_header, tid),
	};

	check_struct("bw_event_header", sizeof(struct bw_event_header), m, 7);
}

static void test_exec(void **state)
{
	static const struct member m[] = {
		M(struct bw_exec_event, hdr),	       M(struct bw_exec_event, parent_start_ns),
		M(struct bw_exec_event, cgroup_id),    M(struct bw_exec_event, ppid),
		M(struct bw_exec_event, old_tid),      M(struct bw_exec_event, uid),
		M(struct bw_exec_event, euid),	       M(struct bw_exec_event, gid),
		M(struct bw_exec_event, egid),	       M(struct bw_exec_event, argc),
		M(struct bw_exec_event, flags),	       M(struct bw_exec_event, deny_rule),
		M(struct bw_exec_event, hints),	       M(struct bw_exec_event, filename_len),
		M(struct bw_exec_event, exe_len),      M(struct bw_exec_event, cwd_len),
		M(struct bw_exec_event, args_len),     M(struct bw_exec_event, env_len),
		M(struct bw_exec_event, pad1),	       M(struct bw_exec_event, stdio),
		M(struct bw_exec_event, comm),	       M(struct bw_exec_event, data),
	};

	check_struct("bw_exec_event", sizeof(struct bw_exec_event), m, 22);
}

static void test_stdio_env_name(void **state)
{
	static const struct member s[] = {
		M(struct bw_stdio, id),	    M(struct bw_stdio, addr), M(struct bw_stdio, rdev),
		M(struct bw_stdio, kind),   M(struct bw_stdio, family), M(struct bw_stdio, port),
		M(struct bw_stdio, mode),   M(struct bw_stdio, path_len), M(struct bw_stdio, pad),
	};
	static const struct member e[] = {
		M(struct bw_env_name, name),
		M(struct bw_env_name, len),
		M(struct bw_env_name, hint),
	};
	static const struct member np[] = {
		M(struct bw_name_prefix, name),
		M(struct bw_name_prefix, len),
		M(struct bw_name_prefix, pad),
	};

	check_struct("bw_stdio", sizeof(struct bw_stdio), s, 9);
	check_struct("bw_env_name", sizeof(struct bw_env_name), e, 3);
	check_struct("bw_name_prefix", sizeof(struct bw_name_prefix), np, 3);
}

static void test_fork_exit_failed(void **state)
{
	static const struct member f[] = {
		M(struct bw_fork_event, hdr),
		M(struct bw_fork_event, parent_start_ns),
		M(struct bw_fork_event, parent_pid),
		M(struct bw_fork_event, parent_tid),
	};
	static const struct member x[] = {
		M(struct bw_exit_event, hdr),  M(struct bw_exit_event, parent_start_ns),
		M(struct bw_exit_event, ppid), M(struct bw_exit_event, exit_status),
		M(struct bw_exit_event, stdout_pipe), M(struct bw_exit_event, comm),
	};
	static const struct member e[] = {
		M(struct bw_exec_failed_event, hdr),	      M(struct bw_exec_failed_event, error),
		M(struct bw_exec_failed_event, flags),	      M(struct bw_exec_failed_event, filename_len),
		M(struct bw_exec_failed_event, pad0),	      M(struct bw_exec_failed_event, deny_rule),
		M(struct bw_exec_failed_event, comm),
		M(struct bw_exec_failed_event, data),
	};

	check_struct("bw_fork_event", sizeof(struct bw_fork_event), f, 4);
	check_struct("bw_exit_event", sizeof(struct bw_exit_event), x, 6);
	check_struct("bw_exec_failed_event", sizeof(struct bw_exec_failed_event), e, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_stdio_env_name),
		cmocka_unit_test(test_fork_exit_failed),
		cmocka_unit_test(test_tamper),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
