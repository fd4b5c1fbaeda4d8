// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/memstat.h"
#include "lib/safefile.h"

/* The value after "\nKEY" in a /proc text, or NULL. */
static const char *field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? p + strlen(key) : NULL;
}

/* The same as a number, 0 when it is not there. */
static uint64_t field_u64(const char *text, const char *key)
{
	const char *v = field(text, key);

	return v ? strtoull(v, NULL, 10) : 0;
}

static int read_status(struct memstat *m)
{
	char text[4096];
	ssize_t n = safe_read_small(AT_FDCWD, "/proc/self/status", text, sizeof(text));

	if (n < 0)
		return (int)n;
	m->rss_kib = field_u64(text, "\nVmRSS:");
	m->rss_peak_kib = field_u64(text, "\nVmHWM:");
	return 0;
}

/*
 * map_id and memlock of one BPF map descriptor; false for any other fd.
 * The caller names its maps: walking every descriptor of the agent (some
 * 200: programs, links, perf events) to find them cost 2-6 ms a summary.
 */
static bool map_fdinfo(int info_dir, int fd, uint32_t *id, uint64_t *memlock)
{
	char name[16], text[1024];
	const char *v;

	snprintf(name, sizeof(name), "%d", fd);
	if (safe_read_small(info_dir, name, text, sizeof(text)) < 0)
		return false;
	v = field(text, "\nmap_id:");
	if (!v)
		return false;
	*id = (uint32_t)strtoul(v, NULL, 10);
	*memlock = field_u64(text, "\nmemlock:");
	return true;
}

static bool id_seen(const uint32_t *ids, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int memstat_maps(const int *fds, size_t n, uint64_t *bytes, uint32_t *maps)
{
	uint32_t *ids = NULL, id;
	uint64_t memlock;
	int info_dir;
	size_t i;

	*bytes = 0;
	*maps = 0;
	if (!n)
		return 0;
	ids = calloc(n, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	info_dir = open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (info_dir < 0) {
		int err = -errno;

		free(ids);
		return err;
	}
	for (i = 0; i < n; i++) {
		if (fds[i] < 0 || !map_fdinfo(info_dir, fds[i], &id, &memlock) ||
		    id_seen(ids, *maps, id))
			continue;
		ids[(*maps)++] = id;
		*bytes += memlock;
	}
	close(info_dir);
	free(ids);
	return 0;
}

int memstat_read(struct memstat *m, const int *map_fds, size_t n_fds)
{
	int err;

	memset(m, 0, sizeof(*m));
	err = read_status(m);
	if (!err)
		err = memstat_maps(map_fds, n_fds, &m->bpf_map_bytes, &m->bpf_maps);
	return err;
}
