// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A cgroup v2 id is its directory's inode number in cgroupfs (kernfs), and
 * cgroupfs hands out file handles of that id (FILEID_KERNFS), so
 * open_by_handle_at() opens the directory of a cgroup whose every process
 * has exited, as long as the directory exists: short-lived processes are
 * resolved as well as long-lived ones. Where that is refused (no
 * CAP_DAC_READ_SEARCH, an old kernel), /proc/PID/cgroup of the process
 * that exec'd is read instead, checked against the id by inode number.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "events/containers.h"
#include "kernel/doctor.h"
#include "lib/hash.h"
#include "lib/log.h"

#define FILEID_KERNFS 0xfe

struct containers_entry {
	uint64_t cgroup_id;
	struct containers_entry *next;
	bool in_container;
	char id[CONTAINER_ID_MAX + 1];
};

void containers_init(struct containers *c)
{
	char mnt[4096];
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->mnt_fd = -1;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	if (doctor_cgroup2_mount(f, mnt, sizeof(mnt)) == 0)
		c->mnt_fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fclose(f);
	if (c->mnt_fd < 0)
		bw_debug("no cgroup2 mount: execs are not attributed to containers");
}

static void clear(struct containers *c)
{
	struct containers_entry *e, *next;

	for (size_t i = 0; i < CONTAINERS_BUCKETS; i++) {
		for (e = c->buckets[i]; e; e = next) {
			next = e->next;
			free(e);
		}
		c->buckets[i] = NULL;
	}
	c->count = 0;
}

void containers_free(struct containers *c)
{
	clear(c);
	if (c->mnt_fd >= 0)
		close(c->mnt_fd);
	c->mnt_fd = -1;
}

/* The path of the open directory fd, below the cgroup2 mount or whole. */
static int fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

static int by_handle(struct containers *c, uint64_t cgroup_id, char *buf, size_t size)
{
	union {
		struct file_handle fh;
		char space[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h;
	int fd, err;

	h.fh.handle_bytes = sizeof(uint64_t);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &cgroup_id, sizeof(cgroup_id));
	fd = open_by_handle_at(c->mnt_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fd_path(fd, buf, size);
	close(fd);
	return err;
}

/* The "0::PATH" line of /proc/pid/cgroup, if its directory is cgroup_id. */
static int by_proc(struct containers *c, uint64_t cgroup_id, uint32_t pid, char *buf,
		   size_t size)
{
	char file[64], line[4096];
	struct stat st;
	int err = -ENOENT;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%u/cgroup", pid);
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* Relative to the mount; "/" is the mount itself. */
		if (fstatat(c->mnt_fd, line[3] == '/' && line[4] ? line + 4 : ".", &st, 0))
			err = -errno;
		else if ((uint64_t)st.st_ino != cgroup_id)
			err = -ESTALE; /* moved since its exec */
		else if ((size_t)snprintf(buf, size, "%s", line + 3) >= size)
			err = -ENAMETOOLONG;
		else
			err = 0;
		break;
	}
	fclose(f);
	return err;
}

const char *containers_lookup(struct containers *c, uint64_t cgroup_id, uint32_t pid)
{
	size_t b = hash_proc(0, cgroup_id) % CONTAINERS_BUCKETS;
	struct containers_entry *e;
	char path[4096];
	int err;

	if (c->mnt_fd < 0 || !cgroup_id)
		return NULL;
	for (e = c->buckets[b]; e; e = e->next)
		if (e->cgroup_id == cgroup_id)
			return e->in_container ? e->id : NULL;
	err = by_handle(c, cgroup_id, path, sizeof(path));
	if (err && err != -ESTALE)
		err = by_proc(c, cgroup_id, pid, path, sizeof(path));
	if (err) {
		/* Gone already, or moved: not cached, a later exec may tell. */
		bw_debug("cgroup %llu of pid %u: path unknown: %s", (unsigned long long)cgroup_id,
			 pid, strerror(-err));
		return NULL;
	}
	if (c->count >= CONTAINERS_MAX)
		clear(c);
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cgroup_id = cgroup_id;
	e->in_container = container_id_parse(path, e->id, sizeof(e->id));
	e->next = c->buckets[b];
	c->buckets[b] = e;
	c->count++;
	return e->in_container ? e->id : NULL;
}
