// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/memstat.h"

static int read_status(struct memstat *m)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			m->rss_kib = strtoull(line + 6, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			m->rss_peak_kib = strtoull(line + 6, NULL, 10);
	}
	fclose(f);
	return 0;
}

/* map_id and memlock of one BPF map descriptor; false for any other fd. */
static bool map_fdinfo(const char *fd, uint32_t *id, uint64_t *memlock)
{
	char path[320], line[128];
	bool have_id = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	*memlock = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "map_id:", 7)) {
			*id = (uint32_t)strtoul(line + 7, NULL, 10);
			have_id = true;
		} else if (!strncmp(line, "memlock:", 8)) {
			*memlock = strtoull(line + 8, NULL, 10);
		}
	}
	fclose(f);
	return have_id;
}

static bool id_seen(const uint32_t *ids, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static int read_maps(struct memstat *m)
{
	DIR *d = opendir("/proc/self/fdinfo");
	uint32_t *ids = NULL, cap = 0, id;
	uint64_t memlock;
	struct dirent *de;
	int err = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !map_fdinfo(de->d_name, &id, &memlock) ||
		    id_seen(ids, m->bpf_maps, id))
			continue;
		if (m->bpf_maps == cap) {
			uint32_t *n = realloc(ids, (cap ? cap * 2 : 32) * sizeof(*ids));

			if (!n) {
				err = -ENOMEM;
				break;
			}
			ids = n;
			cap = cap ? cap * 2 : 32;
		}
		ids[m->bpf_maps++] = id;
		m->bpf_map_bytes += memlock;
	}
	closedir(d);
	free(ids);
	return err;
}

int memstat_read(struct memstat *m)
{
	int err;

	memset(m, 0, sizeof(*m));
	err = read_status(m);
	if (!err)
		err = read_maps(m);
	return err;
}
