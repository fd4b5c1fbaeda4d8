// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
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
