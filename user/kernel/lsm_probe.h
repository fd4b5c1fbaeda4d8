/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Whether to try the BPF LSM programs at all. A kernel can list "bpf" among
 * its LSMs and still refuse their programs (a sandbox, a lockdown): finding
 * out costs a whole failed load of the object (its vmlinux BTF parse and
 * verification, 250-500 ms here), so the first agent of a boot that finds
 * out notes it for the others. What a kernel allows does not change
 * without a reboot, and the note names the boot.
 */
#ifndef BW_LSM_PROBE_H
#define BW_LSM_PROBE_H

#include <stdbool.h>

#define LSM_PROBE_NOTE "/run/buildwarden/bpf-lsm-refused"

/* "bpf" is an active LSM and no agent of this boot found its programs refused. */
bool lsm_probe_worth_trying(void);
/* The programs were refused: later agents of this boot need not try. */
void lsm_probe_note_refused(void);

#endif
