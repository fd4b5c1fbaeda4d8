// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "lib/path.h"

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

bool path_normalize(const char *path, char *buf, size_t size)
{
	size_t w = 0, seg;
	const char *p = path;

	if (path[0] != '/' || size < 2)
		return false;
	while (*p) {
		while (*p == '/')
			p++;
		seg = strcspn(p, "/");
		if (!seg)
			break;
		if (seg == 1 && p[0] == '.') {
			/* nothing */
		} else if (seg == 2 && p[0] == '.' && p[1] == '.') {
			while (w > 0 && buf[--w] != '/')
				;
		} else {
			if (w + 1 + seg >= size)
				return false;
			buf[w++] = '/';
			memcpy(buf + w, p, seg);
			w += seg;
		}
		p += seg;
	}
	if (!w)
		buf[w++] = '/';
	buf[w] = 0;
	return true;
}
