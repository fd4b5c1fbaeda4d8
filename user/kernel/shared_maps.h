/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The maps every object shares with the process object (ring buffer, job
 * scope, counters, hook config, fail state): made by loader_prepare, given
 * to each object before its load by loader_share_maps (kernel/loader.h).
 */
#ifndef BW_SHARED_MAPS_H
#define BW_SHARED_MAPS_H

#include "kernel/loader.h"

/* The ring buffer's and the job scope's sizes o asks for, on an opened skel. */
int shared_maps_size(struct process_bpf *skel, const struct loader_opts *o);
/* Make them into a->shared_fds, all or none: 0 or -errno, having said which failed. */
int shared_maps_make(struct bw_agent *a, const struct loader_opts *o);
/* Close those made; -1 each after. */
void shared_maps_close(struct bw_agent *a);

#endif
