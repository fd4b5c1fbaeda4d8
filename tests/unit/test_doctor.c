// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * buildwarden doctor's rules, without touching the host: kernel release
 * parsing and the 5.8 floor, the LSM list, the cgroup v2 mount found in
 * mountinfo (unified and hybrid), the capability verdict, the exit verdict
 * (only essential failures stop the agent), and the line and JSON formats.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "kernel/doctor.h"
#include "lib/json_out.h"

static void version(const char *rel, int want_err, unsigned maj, unsigned min, unsigned patch)
{
	unsigned a, b, c;
	int err = doctor_parse_kernel_version(rel, &a, &b, &c);

	if (want_err) {
		if (!err)
			print_error("'%s' parsed as %u.%u.%u\n", rel, a, b, c);
		assert_int_not_equal(err, 0);
		return;
	}
	if (err)
		print_error("'%s' did not parse\n", rel);
	assert_int_equal(err, 0);
	assert_int_equal(a, maj);
	assert_int_equal(b, min);
	assert_int_equal(c, patch);
}

static void test_kernel_version_parse(void **state)
{
	version("6.18.44-fc-v669", 0, 6, 18, 44);
	version("6.1.0-18-amd64", 0, 6, 1, 0);
	version("5.8.0", 0, 5, 8, 0);
	version("5.8", 0, 5, 8, 0);
	version("5.8-rc1", 0, 5, 8, 0);
	version("4.18.0-513.el8.x86_64", 0, 4, 18, 0);
	version("5.15.0+", 0, 5, 15, 0);
	version("5.4.0_custom", 0, 5, 4, 0);
	version("6.2.0~rc3", 0, 6, 2, 0);
	version("", 1, 0, 0, 0);
	version("linux", 1, 0, 0, 0);
	version("6", 1, 0, 0, 0);
	version("6.", 1, 0, 0, 0);
	version("6.x", 1, 0, 0, 0);
	version("6.1rc", 1, 0, 0, 0);
	version("-6.1", 1, 0, 0, 0);
	version("99999999999999999999.1", 1, 0, 0, 0);
	version(NULL, 1, 0, 0, 0);
}

static void test_kernel_version_floor(void **state)
{
	assert_true(doctor_version_at_least(5, 8, 5, 8));
	assert_true(doctor_version_at_least(5, 10, 5, 8));
	assert_true(doctor_version_at_least(6, 0, 5, 8));
	assert_false(doctor_version_at_least(5, 7, 5, 8));
	assert_false(doctor_version_at_least(4, 19, 5, 8));
	/* 5.10 > 5.8 numerically, not as strings. */
	assert_true(doctor_version_at_least(5, 10, 5, 9));
}

static void test_lsm_list(void **state)
{
	assert_true(doctor_lsm_has("lockdown,capability,landlock,yama,apparmor,bpf", "bpf"));
	assert_true(doctor_lsm_has("bpf,capability\n", "bpf"));
	assert_true(doctor_lsm_has("capability,bpf\n", "bpf"));
	assert_true(doctor_lsm_has("bpf", "bpf"));
	assert_false(doctor_lsm_has("capability,yama,apparmor", "bpf"));
	assert_false(doctor_lsm_has("capability,bpffs,xbpf", "bpf"));
	assert_false(doctor_lsm_has("", "bpf"));
	assert_false(doctor_lsm_has(NULL, "bpf"));
	assert_false(doctor_lsm_has("bpf", ""));
	assert_true(doctor_lsm_has(" capability, bpf ", "bpf"));
}

static int cgroup2_of(const char *text, char *buf, size_t size)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err;

	assert_non_null(f);
	err = doctor_cgroup2_mount(f, buf, size);
	fclose(f);
	return err;
}

static void test_cgroup2_mount(void **state)
{
	static const char unified[] =
		"22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n"
		"30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:4 - cgroup2 cgroup2 "
		"rw,nsdelegate\n";
	static const char hybrid[] =
		"31 22 0:27 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
		"32 31 0:28 / /sys/fs/cgroup/unified rw,nosuid shared:5 - cgroup2 cgroup2 rw\n"
		"33 31 0:29 / /sys/fs/cgroup/systemd rw shared:6 - cgroup cgroup rw,name=systemd\n";
	static const char v1only[] =
		"33 31 0:29 / /sys/fs/cgroup/cpu rw shared:6 - cgroup cgroup rw,cpu\n"
		"garbage line without separator\n";
	/* Optional fields before " - " vary in number. */
	static const char optional[] =
		"30 22 0:26 / /run/cg rw shared:4 master:1 propagate_from:2 - cgroup2 none rw\n";
	char buf[64], tiny[8];

	assert_int_equal(cgroup2_of(unified, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup");
	assert_int_equal(cgroup2_of(hybrid, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/unified");
	assert_int_equal(cgroup2_of(optional, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/cg");
	assert_int_equal(cgroup2_of(v1only, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup2_of("", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup2_of(unified, tiny, sizeof(tiny)), -ENAMETOOLONG);
}

static void test_caps_verdict(void **state)
{
	struct doctor_check c = { .name = "capabilities" };
	const uint64_t all = DOCTOR_CAP_SYS_ADMIN | DOCTOR_CAP_BPF | DOCTOR_CAP_PERFMON |
			     DOCTOR_CAP_KILL;

	doctor_caps_verdict(&c, ~0ull, 0);
	assert_int_equal(c.status, DOCTOR_PASS);

	doctor_caps_verdict(&c, 0, 65534);
	assert_int_equal(c.status, DOCTOR_FAIL);
	assert_non_null(strstr(c.detail, "CAP_BPF"));
	assert_non_null(strstr(c.detail, "65534"));
	assert_non_null(strstr(c.hint, "root"));

	/* CAP_BPF alone is not enough: tracing programs need CAP_PERFMON. */
	doctor_caps_verdict(&c, DOCTOR_CAP_BPF, 1000);
	assert_int_equal(c.status, DOCTOR_FAIL);
	assert_null(strstr(c.detail, "CAP_BPF "));
	assert_non_null(strstr(c.detail, "CAP_PERFMON"));

	/* CAP_SYS_ADMIN alone loads BPF (kernels before 5.8 know nothing else). */
	doctor_caps_verdict(&c, DOCTOR_CAP_SYS_ADMIN | DOCTOR_CAP_KILL, 0);
	assert_int_equal(c.status, DOCTOR_PASS);

	/* Loads, but cannot mount tracefs nor kill other users' processes. */
	doctor_caps_verdict(&c, DOCTOR_CAP_BPF | DOCTOR_CAP_PERFMON, 0);
	assert_int_equal(c.status, DOCTOR_WARN);
	assert_non_null(strstr(c.detail, "CAP_SYS_ADMIN"));
	assert_non_null(strstr(c.detail, "CAP_KILL"));
	assert_null(strstr(c.detail, "DAC"));

	/* A non-root uid also needs to read root-only tracefs. */
	doctor_caps_verdict(&c, all, 998);
	assert_int_equal(c.status, DOCTOR_WARN);
	assert_non_null(strstr(c.detail, "CAP_DAC_READ_SEARCH"));
	doctor_caps_verdict(&c, all | DOCTOR_CAP_DAC_READ_SEARCH, 998);
	assert_int_equal(c.status, DOCTOR_PASS);
	/* No dangling separators when parts are left out. */
	doctor_caps_verdict(&c, DOCTOR_CAP_BPF | DOCTOR_CAP_PERFMON | DOCTOR_CAP_KILL, 0);
	assert_int_not_equal(c.detail[strlen(c.detail) - 1], ' ');
}

static void test_can_run(void **state)
{
	struct doctor_report r = {};
	struct doctor_check *c;

	assert_true(doctor_can_run(&r));
	doctor_set(doctor_add(&r, "kernel"), DOCTOR_PASS, "6.1");
	doctor_set(doctor_add(&r, "bpf_lsm"), DOCTOR_INFO, "not active");
	doctor_set(doctor_add(&r, "cgroup2"), DOCTOR_WARN, "none");
	doctor_set(doctor_add(&r, "exec_hook"), DOCTOR_SKIP, "not tried");
	assert_true(doctor_can_run(&r)); /* info, warn, skip never stop it */
	c = doctor_add(&r, "btf");
	doctor_set(c, DOCTOR_FAIL, "missing");
	assert_false(doctor_can_run(&r));

	/* The table is bounded. */
	while (r.n < DOCTOR_MAX_CHECKS)
		assert_non_null(doctor_add(&r, "x"));
	assert_null(doctor_add(&r, "one too many"));
}

static void test_format_line(void **state)
{
	struct doctor_check c = { .name = "btf" };
	char line[1024], small[12];
	size_t n;

	doctor_set(&c, DOCTOR_PASS, "/sys/kernel/btf/vmlinux (%d types)", 10);
	n = doctor_format_line(&c, line, sizeof(line));
	assert_string_equal(line, "[ ok ] btf           /sys/kernel/btf/vmlinux (10 types)");
	assert_int_equal(n, strlen(line));

	doctor_set(&c, DOCTOR_FAIL, "missing");
	doctor_hint(&c, "use a kernel with BTF");
	doctor_format_line(&c, line, sizeof(line));
	assert_string_equal(line, "[FAIL] btf           missing; fix: use a kernel with BTF");

	/* A hint is shown only when there is something to fix. */
	c.status = DOCTOR_PASS;
	doctor_format_line(&c, line, sizeof(line));
	assert_null(strstr(line, "fix:"));

	c.status = DOCTOR_WARN;
	doctor_format_line(&c, line, sizeof(line));
	assert_memory_equal(line, "[warn] ", 7);
	c.status = DOCTOR_INFO;
	doctor_format_line(&c, line, sizeof(line));
	assert_memory_equal(line, "[info] ", 7);
	c.status = DOCTOR_SKIP;
	doctor_format_line(&c, line, sizeof(line));
	assert_memory_equal(line, "[skip] ", 7);

	/* Truncation returns what was written. */
	n = doctor_format_line(&c, small, sizeof(small));
	assert_int_equal(n, sizeof(small) - 1);
	assert_int_equal(strlen(small), n);
}

static void test_print_marks_every_line(void **state)
{
	struct doctor_report r = { .exec_hook = "raw_tp" };
	char *text = NULL, *line, *save;
	size_t size = 0, lines = 0;
	FILE *f = open_memstream(&text, &size);

	doctor_set(doctor_add(&r, "kernel"), DOCTOR_PASS, "6.1");
	doctor_set(doctor_add(&r, "cgroup2"), DOCTOR_WARN, "none");
	doctor_print(&r, f);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		assert_true(!strncmp(line, "[ ok ] ", 7) || !strncmp(line, "[warn] ", 7));
	}
	assert_int_equal(lines, 3);
	free(text);

	/* A failure makes the summary a failure. */
	text = NULL;
	f = open_memstream(&text, &size);
	doctor_set(doctor_add(&r, "btf"), DOCTOR_FAIL, "missing");
	doctor_print(&r, f);
	fclose(f);
	assert_non_null(strstr(text, "[FAIL] summary       buildwarden cannot run here: 1 check "
				     "failed\n"));
	free(text);
}

static void test_json(void **state)
{
	struct doctor_report r = { .exec_hook = "tp_btf" };
	struct json_object *o, *checks, *c0, *v;
	struct jbuf jb;

	doctor_set(doctor_add(&r, "kernel"), DOCTOR_PASS, "6.1 \"quoted\"");
	doctor_set(doctor_add(&r, "tracefs"), DOCTOR_FAIL, "not mounted");
	doctor_hint(&r.checks[1], "mount -t tracefs tracefs /sys/kernel/tracing");
	jbuf_init(&jb);
	doctor_json(&r, &jb);
	assert_false(jb.oom);
	o = json_tokener_parse(jb.buf);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "exec_hook", &v));
	assert_string_equal(json_object_get_string(v), "tp_btf");
	assert_true(json_object_object_get_ex(o, "checks", &checks));
	assert_int_equal(json_object_array_length(checks), 2);
	c0 = json_object_array_get_idx(checks, 0);
	assert_true(json_object_object_get_ex(c0, "detail", &v));
	assert_string_equal(json_object_get_string(v), "6.1 \"quoted\"");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(checks, 1), "status", &v));
	assert_string_equal(json_object_get_string(v), "fail");
	assert_true(json_object_object_get_ex(json_object_array_get_idx(checks, 1), "hint", &v));
	assert_string_equal(json_object_get_string(v), "mount -t tracefs tracefs /sys/kernel/tracing");
	json_object_put(o);

	/* Nothing loaded: exec_hook is null, and passing checks make ok true. */
	r.exec_hook = NULL;
	r.checks[1].status = DOCTOR_WARN;
	jbuf_reset(&jb);
	doctor_json(&r, &jb);
	o = json_tokener_parse(jb.buf);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "exec_hook", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(o);
	jbuf_free(&jb);
}

static void test_status_names(void **state)
{
	assert_string_equal(doctor_status_name(DOCTOR_PASS), "pass");
	assert_string_equal(doctor_status_name(DOCTOR_WARN), "warn");
	assert_string_equal(doctor_status_name(DOCTOR_FAIL), "fail");
	assert_string_equal(doctor_status_name(DOCTOR_INFO), "info");
	assert_string_equal(doctor_status_name(DOCTOR_SKIP), "skip");
	/* Marks line up: every one is six columns. */
	assert_int_equal(strlen(doctor_status_mark(DOCTOR_PASS)), 6);
	assert_int_equal(strlen(doctor_status_mark(DOCTOR_FAIL)), 6);
	assert_int_equal(strlen(doctor_status_mark(DOCTOR_SKIP)), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_version_parse),
		cmocka_unit_test(test_kernel_version_floor),
		cmocka_unit_test(test_lsm_list),
		cmocka_unit_test(test_cgroup2_mount),
		cmocka_unit_test(test_caps_verdict),
		cmocka_unit_test(test_can_run),
		cmocka_unit_test(test_format_line),
		cmocka_unit_test(test_print_marks_every_line),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_status_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
