// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Engines' cgroup names, by the shape they give the container's own
 * directory (systemd driver: a scope unit; cgroupfs driver: a directory):
 *   docker-ID.scope, /docker/ID              Docker (ID: 64 hex digits)
 *   docker-buildkit-ID.scope, /buildkit/ID   BuildKit build steps (base36 ID)
 *   cri-containerd-ID.scope                  containerd's CRI (Kubernetes)
 *   crio-ID.scope, crio-ID                   CRI-O
 *   libpod-ID.scope, /libpod_parent/libpod-ID  podman
 *   /kubepods/QOS/podUID/ID                  Kubernetes with the cgroupfs driver
 *   lxc.payload.NAME, /lxc/NAME              LXC
 * A bare 64-hex-digit directory is a container whatever its parent, as
 * engines with a custom cgroup parent (docker --cgroup-parent) make them.
 */
#include <string.h>
#include "lib/container_id.h"

#define HEX_ID_LEN 64

static bool is_hex_id(const char *s, size_t n)
{
	if (n != HEX_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* BuildKit's ids are base36; LXC names are the user's, without '/'. */
static bool is_name_id(const char *s, size_t n)
{
	if (!n || n > CONTAINER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

static bool starts(const char *s, size_t n, const char *prefix, size_t *plen)
{
	*plen = strlen(prefix);
	return n > *plen && !memcmp(s, prefix, *plen);
}

/* The id in one component c (n bytes), given the component before it. */
static bool component_id(const char *c, size_t n, const char *prev, size_t prev_n,
			 const char **id, size_t *id_n)
{
	static const char *const hex_prefixes[] = { "docker-", "cri-containerd-", "crio-",
						    "libpod-" };
	size_t p, scope = 0;

	if (n > 6 && !memcmp(c + n - 6, ".scope", 6))
		scope = 6;
	if (starts(c, n - scope, "docker-buildkit-", &p) && scope &&
	    is_name_id(c + p, n - scope - p)) {
		*id = c + p;
		*id_n = n - scope - p;
		return true;
	}
	for (size_t i = 0; i < sizeof(hex_prefixes) / sizeof(hex_prefixes[0]); i++)
		if (starts(c, n - scope, hex_prefixes[i], &p) && is_hex_id(c + p, n - scope - p)) {
			*id = c + p;
			*id_n = HEX_ID_LEN;
			return true;
		}
	if (is_hex_id(c, n)) {
		*id = c;
		*id_n = n;
		return true;
	}
	if (starts(c, n, "lxc.payload.", &p) && is_name_id(c + p, n - p)) {
		*id = c + p;
		*id_n = n - p;
		return true;
	}
	if (((prev_n == 8 && !memcmp(prev, "buildkit", 8)) || (prev_n == 3 && !memcmp(prev, "lxc", 3))) &&
	    is_name_id(c, n)) {
		*id = c;
		*id_n = n;
		return true;
	}
	return false;
}

bool container_id_parse(const char *path, char *id, size_t size)
{
	const char *c = path, *prev = "", *found = NULL, *cid;
	size_t n, prev_n = 0, found_n = 0, cid_n;

	if (!path || size <= CONTAINER_ID_MAX)
		return false;
	while (*c) {
		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if (!n)
			break;
		if (component_id(c, n, prev, prev_n, &cid, &cid_n)) {
			found = cid;
			found_n = cid_n;
		}
		prev = c;
		prev_n = n;
		c += n;
	}
	if (!found)
		return false;
	memcpy(id, found, found_n);
	id[found_n] = '\0';
	return true;
}
