// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "lib/log.h"
#include "kernel/tracefs.h"

#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif
#ifndef DEBUGFS_MAGIC
#define DEBUGFS_MAGIC 0x64626720
#endif

static bool is_fs(const char *path, long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (long)st.f_type == magic;
}

int tracefs_ensure(bool *mounted_here)
{
	*mounted_here = false;
	if (is_fs(BW_TRACEFS_DIR, TRACEFS_MAGIC))
		return 0;
	/* Old layout: tracefs automounted under debugfs. */
	if (is_fs("/sys/kernel/debug", DEBUGFS_MAGIC) && access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("tracefs", BW_TRACEFS_DIR, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		int err = -errno;

		bw_err("cannot mount tracefs on %s (needed for syscall tracepoints): %s",
		       BW_TRACEFS_DIR, strerror(errno));
		return err;
	}
	bw_debug("mounted tracefs on %s", BW_TRACEFS_DIR);
	*mounted_here = true;
	return 0;
}
