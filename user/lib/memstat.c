// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/memstat.h"
#include "lib/safefile.h"

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

/* The value after "\nKEY" in an fdinfo text, or NULL. */
static const char *field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? p + strlen(key) : NULL;
}

/*
 * map_id and memlock of one BPF map descriptor; false for any other fd.
 * Called for every descriptor of the agent (some 200: programs, links,
 * perf events, maps), so the link is looked at first and a map's fdinfo
 * read with one read into the stack: fopen's buffers cost more than the
 * reads, about 4 ms per summary.
 */
static bool map_fdinfo(int fd_dir, int info_dir, const char *fd, uint32_t *id, uint64_t *memlock)
{
	static const char map_link[] = "anon_inode:bpf-map";
	char text[1024];
	const char *v;
	ssize_t n;

	n = readlinkat(fd_dir, fd, text, sizeof(text) - 1);
	if (n != (ssize_t)sizeof(map_link) - 1 || memcmp(text, map_link, (size_t)n))
		return false;
	if (safe_read_small(info_dir, fd, text, sizeof(text)) < 0)
		return false;
	v = field(text, "\nmemlock:");
	*memlock = v ? strtoull(v, NULL, 10) : 0;
	v = field(text, "\nmap_id:");
	if (!v)
		return false;
	*id = (uint32_t)strtoul(v, NULL, 10);
	return true;
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
	int err = 0, fd_dir;

	if (!d)
		return -errno;
	fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0) {
		err = -errno;
		closedir(d);
		return err;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    !map_fdinfo(fd_dir, dirfd(d), de->d_name, &id, &memlock) ||
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
	close(fd_dir);
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
