// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kernel/failclosed.h"
#include "kernel/lsm_probe.h"
#include "lib/log.h"
#include "lib/safefile.h"

/* Does the running kernel have BPF LSM active ("bpf" in the LSM list)? */
static bool bpf_lsm_listed(void)
{
	char buf[512];
	FILE *f = fopen("/sys/kernel/security/lsm", "re");
	bool found = false;
	char *tok, *save = NULL;

	/* securityfs is often not mounted; the list is only there when it is. */
	if (!f && errno == ENOENT &&
	    mount("securityfs", "/sys/kernel/security", "securityfs",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
		f = fopen("/sys/kernel/security/lsm", "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f))
		for (tok = strtok_r(buf, ",\n", &save); tok && !found; tok = strtok_r(NULL, ",\n", &save))
			found = !strcmp(tok, "bpf");
	fclose(f);
	return found;
}

static bool boot_id(char *out, size_t n)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	bool ok = f && fgets(out, (int)n, f);

	if (f)
		fclose(f);
	return ok;
}

/* Only root's own note counts: anyone else could have written one to turn BPF LSM off. */
static bool noted_this_boot(void)
{
	char want[64], got[64] = "";
	struct stat st;
	int fd = safe_open_regular(LSM_PROBE_NOTE, O_RDONLY, 0, &st);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	if (n <= 0 || st.st_uid != 0 || (st.st_mode & 022) || !boot_id(want, sizeof(want)))
		return false;
	got[n] = '\0';
	return !strcmp(got, want);
}

bool lsm_probe_worth_trying(void)
{
	if (!bpf_lsm_listed())
		return false;
	if (noted_this_boot()) {
		bw_debug("BPF LSM programs were refused earlier this boot (%s): not trying again",
			 LSM_PROBE_NOTE);
		return false;
	}
	return true;
}

void lsm_probe_note_refused(void)
{
	char id[64], tmp[sizeof(LSM_PROBE_NOTE) + 16];
	bool bad;
	FILE *f;

	if (!boot_id(id, sizeof(id)))
		return;
	if (mkdir(FAILCLOSED_RUN_DIR, 0700) && errno != EEXIST)
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d", LSM_PROBE_NOTE, (int)getpid());
	f = safe_fopen_write(tmp, false);
	if (!f)
		return;
	/* Written whole, then renamed: a concurrent reader sees the old note or this one. */
	bad = fputs(id, f) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, LSM_PROBE_NOTE)) {
		bw_debug("cannot note %s: %s", LSM_PROBE_NOTE, strerror(errno));
		unlink(tmp);
	}
}
