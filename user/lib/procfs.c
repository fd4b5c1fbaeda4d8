// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/procfs.h"

size_t procfs_join_args(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i])
			s[i] = ' ';
	while (n && s[n - 1] == ' ')
		n--;
	s[n] = '\0';
	return n;
}

int procfs_parse_stat(const char *line, uint32_t *ppid, char *comm, size_t comm_size)
{
	const char *open_p = strchr(line, '('), *close_p = strrchr(line, ')');
	size_t len;

	if (!comm_size || !open_p || !close_p || close_p < open_p ||
	    sscanf(close_p + 1, " %*c %u", ppid) != 1)
		return -EINVAL;
	len = (size_t)(close_p - open_p - 1);
	if (len >= comm_size)
		len = comm_size - 1;
	memcpy(comm, open_p + 1, len);
	comm[len] = '\0';
	return 0;
}

int procfs_read_stat(uint32_t pid, uint32_t *ppid, char *comm, size_t comm_size)
{
	char path[64], buf[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return procfs_parse_stat(buf, ppid, comm, comm_size);
}

uint64_t procfs_udp_dns_inode(const char *line)
{
	unsigned int rport;
	unsigned long long inode;

	/* "sl: LOCAL:PORT REMOTE:PORT st tx:rx tr:when retrnsmt uid timeout inode ..." */
	if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%*x %*[0-9A-Fa-f]:%x %*x %*x:%*x %*x:%*x %*x %*u %*u %llu",
		   &rport, &inode) != 2)
		return 0;
	return rport == 53 ? (uint64_t)inode : 0;
}

/* The inodes of pid's sockets: *n of them in *out (the caller frees it); false if none. */
static bool socket_inodes(uint32_t pid, uint64_t **out, size_t *n)
{
	char path[sizeof("/proc/4294967295/fd")], target[48];
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	d = opendir(path);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		unsigned long long inode;
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (sscanf(target, "socket:[%llu]", &inode) != 1)
			continue;
		if (*n == cap) {
			uint64_t *grown = realloc(*out, (cap ? cap * 2 : 8) * sizeof(**out));

			if (!grown)
				break; /* the sockets found so far are still looked at */
			*out = grown;
			cap = cap ? cap * 2 : 8;
		}
		(*out)[(*n)++] = inode;
	}
	closedir(d);
	return *n > 0;
}

static bool in_set(const uint64_t *set, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == v)
			return true;
	return false;
}

/* pid's sockets are listed once; then its namespace's UDP tables are read. */
bool procfs_has_dns_socket(uint32_t pid)
{
	static const char *const tables[] = { "udp", "udp6" };
	char line[512], path[64];
	bool found = false;
	uint64_t *socks;
	size_t i, n;

	if (!socket_inodes(pid, &socks, &n))
		return false;
	for (i = 0; !found && i < sizeof(tables) / sizeof(tables[0]); i++) {
		FILE *f;

		/* The process's own network namespace's table. */
		snprintf(path, sizeof(path), "/proc/%u/net/%s", pid, tables[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f)) {
			uint64_t inode = procfs_udp_dns_inode(line);

			found = inode && in_set(socks, n, inode);
		}
		fclose(f);
	}
	free(socks);
	return found;
}
