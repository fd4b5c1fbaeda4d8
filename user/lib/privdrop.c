// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/privdrop.h"

#define CAP_MAX_KNOWN 63

/*
 * What the agent uses after attaching: map access and ring buffer reads need
 * CAP_BPF/CAP_PERFMON on kernels that gate bpf() by capability; kill-process
 * and kill-job signal the build's processes (CAP_KILL); reports and events
 * are written where the user asked, which may be another user's directory
 * (CAP_DAC_OVERRIDE), and /proc of the build is read (CAP_DAC_READ_SEARCH).
 */
static const struct {
	int cap;
	const char *name;
} kept[] = {
	{ CAP_BPF, "bpf" },
	{ CAP_PERFMON, "perfmon" },
	{ CAP_KILL, "kill" },
	{ CAP_DAC_OVERRIDE, "dac_override" },
	{ CAP_DAC_READ_SEARCH, "dac_read_search" },
};

static int lookup(const char *name, struct build_user *u)
{
	struct passwd *pw;
	char *end;
	unsigned long id = strtoul(name, &end, 10);

	errno = 0;
	pw = *name && !*end ? getpwuid((uid_t)id) : getpwnam(name);
	if (!pw)
		return errno ? -errno : -ENOENT;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir);
	u->set = pw->pw_uid != 0 || geteuid() != 0;
	return 0;
}

int privdrop_user_of(uid_t uid, struct build_user *u)
{
	char name[32];

	memset(u, 0, sizeof(*u));
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	return lookup(name, u);
}

int privdrop_resolve(const char *user_opt, struct build_user *u)
{
	const char *sudo_uid = getenv("SUDO_UID");
	int err;

	memset(u, 0, sizeof(*u));
	if (user_opt) {
		if (geteuid() != 0) {
			bw_err("run: --user %s needs buildwarden to run as root", user_opt);
			return -EPERM;
		}
		err = lookup(user_opt, u);
		if (err)
			bw_err("run: --user %s: no such user (%s)", user_opt,
			       err == -ENOENT ? "not in the user database" : strerror(-err));
		return err;
	}
	/* Root reached through sudo: the build is the caller's, not root's. */
	if (geteuid() == 0 && sudo_uid && *sudo_uid && strcmp(sudo_uid, "0")) {
		err = lookup(sudo_uid, u);
		if (err) {
			bw_err("run: started through sudo by uid %s, who is not in the user database; "
			       "use --user NAME (or --user root)", sudo_uid);
			return err;
		}
		bw_info("started through sudo: the build runs as %s (uid %u); --user root keeps root",
			u->name, (unsigned)u->uid);
	}
	return 0;
}

int privdrop_become(const struct build_user *u)
{
	if (!u->set)
		return 0;
	if (initgroups(u->name, u->gid) || setgid(u->gid) || setuid(u->uid))
		return -errno;
	/* Refuse to continue if root could be regained. */
	if (u->uid != 0 && setuid(0) == 0)
		return -EPERM;
	setenv("HOME", u->home, 1);
	setenv("USER", u->name, 1);
	setenv("LOGNAME", u->name, 1);
	return 0;
}

static bool is_kept(int cap)
{
	size_t i;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (kept[i].cap == cap)
			return true;
	return false;
}

int privdrop_caps(uint64_t *effective)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d))
		return -errno;
	*effective = (uint64_t)d[1].effective << 32 | d[0].effective;
	return 0;
}

int privdrop_agent(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	char names[128] = "";
	size_t i, len = 0;
	int cap;

	for (cap = 0; cap <= CAP_MAX_KNOWN; cap++)
		if (!is_kept(cap) && prctl(PR_CAPBSET_DROP, cap) && errno != EINVAL)
			bw_debug("cannot drop capability %d from the bounding set: %s", cap,
				 strerror(errno));
	if (syscall(SYS_capget, &h, d))
		return -errno;
	for (i = 0; i < 2; i++) {
		__u32 mask = 0;

		for (cap = (int)i * 32; cap < (int)i * 32 + 32; cap++)
			if (is_kept(cap))
				mask |= 1u << (cap % 32);
		d[i].effective &= mask;
		d[i].permitted &= mask;
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d)) {
		int err = -errno;

		bw_warn("cannot drop the agent's capabilities: %s", strerror(errno));
		return err;
	}
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
					kept[i].name);
	bw_info("agent keeps only these capabilities: %s", names);
	return 0;
}
