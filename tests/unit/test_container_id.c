// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The container id a cgroup path names, on the path shapes engines write
 * into /proc/PID/cgroup (v2 "0::" lines and v1 hierarchies).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/container_id.h"

#define ID "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void expect_id(const char *path, const char *want)
{
	char id[CONTAINER_ID_MAX + 1] = "unchanged";

	if (!want) {
		if (container_id_parse(path, id, sizeof(id)))
			fail_msg("'%s' names no container, parsed '%s'", path, id);
		return;
	}
	if (!container_id_parse(path, id, sizeof(id)))
		fail_msg("'%s' names container %s, parsed none", path, want);
	assert_string_equal(id, want);
}

static void test_docker(void **state)
{
	expect_id("/system.slice/docker-" ID ".scope", ID);
	expect_id("/docker/" ID, ID);
	/* a process the engine moved below the scope (docker's init, systemd in a container) */
	expect_id("/system.slice/docker-" ID ".scope/init.scope", ID);
	/* --cgroup-parent: a bare id below the user's parent */
	expect_id("/actions_job/" ID, ID);
	/* docker in docker: the innermost */
	expect_id("/docker/" ID "/docker/" ID2, ID2);
	expect_id("/system.slice/docker.service", NULL);
	expect_id("/system.slice/docker-" ID "x.scope", NULL);
	expect_id("/system.slice/docker-" "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa0011223344556677889" ".scope",
		  NULL);
}

static void test_buildkit(void **state)
{
	expect_id("/system.slice/docker-buildkit-k1l2m3n4o5p6q7r8s9t0u1v2w.scope",
		  "k1l2m3n4o5p6q7r8s9t0u1v2w");
	expect_id("/docker/buildkit/k1l2m3n4o5p6q7r8s9t0u1v2w", "k1l2m3n4o5p6q7r8s9t0u1v2w");
	expect_id("/buildkit/abc123", "abc123");
	expect_id("/buildkit", NULL);
}

static void test_kubernetes(void **state)
{
	expect_id("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/cri-containerd-" ID ".scope",
		  ID);
	expect_id("/kubepods/besteffort/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/" ID, ID);
	expect_id("/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/crio-" ID, ID);
	expect_id("/kubepods.slice/kubepods-pod1a2b3c4d_5e6f.slice/crio-" ID ".scope", ID);
	/* the pod's own slice, and CRI-O's monitor, are not a container */
	expect_id("/kubepods/besteffort/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", NULL);
	expect_id("/kubepods.slice/crio-conmon-" ID ".scope", NULL);
}

static void test_podman_lxc(void **state)
{
	expect_id("/machine.slice/libpod-" ID ".scope", ID);
	expect_id("/machine.slice/libpod-" ID ".scope/container", ID);
	expect_id("/libpod_parent/libpod-" ID, ID);
	expect_id("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope",
		  ID);
	expect_id("/machine.slice/libpod-conmon-" ID ".scope", NULL);
	expect_id("/lxc.payload.builder", "builder");
	expect_id("/lxc/ci-runner-1", "ci-runner-1");
}

static void test_host(void **state)
{
	char small[8];

	expect_id("/", NULL);
	expect_id("", NULL);
	expect_id("/user.slice/user-0.slice/session-3.scope", NULL);
	expect_id("/process_api/4355ab0507707ef65720427d880efb69", NULL);
	expect_id("//docker//" ID "//", ID);
	assert_false(container_id_parse(NULL, small, sizeof(small)));
	/* no room for an id: refused rather than cut */
	assert_false(container_id_parse("/docker/" ID, small, sizeof(small)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),	    cmocka_unit_test(test_buildkit),
		cmocka_unit_test(test_kubernetes), cmocka_unit_test(test_podman_lxc),
		cmocka_unit_test(test_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
