// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: what the daemon reads about processes a build runs,
 * in parts written by the build itself: a job root's environment (the CI
 * job its alerts name, user/ci_env.c), /proc/PID/stat lines whose comm
 * the process chose (user/procfs.c) and cgroup paths, whose names a build
 * with cgroupfs access chooses (user/lib/container_id.c). The same bytes go
 * to all.
 * Invariants: every ci_job field is a NUL-terminated string inside its
 * array; the provider is one of four; a link is empty or http(s); a stat
 * line parses to a comm that is a NUL-terminated prefix of its text; a
 * container id is a terminated, non-empty part of the path.
 */
#include "fuzz_common.h"
#include "lib/ci_env.h"
#include "lib/container_id.h"
#include "lib/procfs.h"

#define TERMINATED(a) (memchr((a), 0, sizeof(a)) != NULL)

static void check_ci(const uint8_t *data, size_t size)
{
	char *block = fuzz_dup(data, size, 1); /* what /proc gives ends in NUL */
	struct ci_job j;

	ci_env_detect_from(block, size + 1, &j);
	FUZZ_CHECK(TERMINATED(j.provider) && TERMINATED(j.repository) && TERMINATED(j.run_id) &&
		   TERMINATED(j.attempt) && TERMINATED(j.job) && TERMINATED(j.url) &&
		   TERMINATED(j.host), "a field is not terminated");
	FUZZ_CHECK(!strcmp(j.provider, "github") || !strcmp(j.provider, "gitlab") ||
		   !strcmp(j.provider, "jenkins") || !strcmp(j.provider, "local"),
		   "provider '%s'", j.provider);
	FUZZ_CHECK(!*j.url || !strncmp(j.url, "https://", 8) || !strncmp(j.url, "http://", 7),
		   "link '%s'", j.url);
	/* Without a terminating NUL the block is refused as a whole. */
	if (size && data[size - 1]) {
		ci_env_detect_from((const char *)data, size, &j);
		FUZZ_CHECK(!strcmp(j.provider, "local"), "an unterminated block was read");
	}
	free(block);
}

static void check_stat(const uint8_t *data, size_t size)
{
	char *line = fuzz_dup(data, size, 1), comm[16];
	uint32_t ppid;

	memset(comm, 'x', sizeof(comm));
	if (!procfs_parse_stat(line, &ppid, comm, sizeof(comm))) {
		FUZZ_CHECK(TERMINATED(comm), "comm not terminated");
		FUZZ_CHECK(strstr(line, comm) != NULL, "comm '%s' is not from the line", comm);
	}
	free(line);
}

static void check_cgroup_path(const uint8_t *data, size_t size)
{
	char *path = fuzz_dup(data, size, 1), id[CONTAINER_ID_MAX + 1];

	memset(id, 'x', sizeof(id));
	if (container_id_parse(path, id, sizeof(id))) {
		FUZZ_CHECK(TERMINATED(id) && *id, "id not terminated or empty");
		FUZZ_CHECK(strstr(path, id) != NULL, "id '%s' is not from the path", id);
	}
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_ci(data, size);
	check_stat(data, size);
	check_cgroup_path(data, size);
	return 0;
}
