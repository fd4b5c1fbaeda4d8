// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The maps every BPF object shares with the process object, made before
 * any object loads, so that the objects may load side by side.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/loader.h"
#include "kernel/shared_maps.h"
#include "lib/log.h"
#include "process.skel.h"

int shared_maps_size(struct process_bpf *skel, const struct loader_opts *o)
{
	int err = bpf_map__set_max_entries(skel->maps.events, o->ringbuf_bytes);

	return err ? err : bpf_map__set_max_entries(skel->maps.job_procs, o->max_procs);
}

/* Maps every object shares with the process object, in shared_fds' order. */
static const char *const shared_maps[LOADER_SHARED_MAPS] = {
	"events", "job_procs", "counters", "hook_config", "fail_state",
};

int loader_share_maps(struct bw_agent *a, struct bpf_object *obj)
{
	for (size_t i = 0; i < LOADER_SHARED_MAPS; i++) {
		struct bpf_map *mine = bpf_object__find_map_by_name(obj, shared_maps[i]);
		int err;

		if (!mine || a->shared_fds[i] < 0)
			continue;
		err = bpf_map__reuse_fd(mine, a->shared_fds[i]);
		if (err)
			return err;
	}
	return 0;
}

/* m as its object defines it, made now: fd or -errno. */
static int make_map(const struct bpf_map *m)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = bpf_map__map_flags(m),
		    .map_extra = bpf_map__map_extra(m), .numa_node = bpf_map__numa_node(m));
	int fd = bpf_map_create(bpf_map__type(m), bpf_map__name(m), bpf_map__key_size(m),
				bpf_map__value_size(m), bpf_map__max_entries(m), &opts);

	return fd < 0 ? -errno : fd;
}

void shared_maps_close(struct bw_agent *a)
{
	for (size_t i = 0; i < LOADER_SHARED_MAPS; i++) {
		if (a->shared_fds[i] >= 0)
			close(a->shared_fds[i]);
		a->shared_fds[i] = -1;
	}
}

/* From an opened (not loaded) process object sized by o: its definitions. */
int shared_maps_make(struct bw_agent *a, const struct loader_opts *o)
{
	struct process_bpf *skel = process_bpf__open();
	const struct bpf_map *m;
	int err = skel ? shared_maps_size(skel, o) : -errno;

	for (size_t i = 0; !err && i < LOADER_SHARED_MAPS; i++) {
		m = bpf_object__find_map_by_name(skel->obj, shared_maps[i]);
		if (!m)
			continue;
		a->shared_fds[i] = make_map(m);
		if (a->shared_fds[i] < 0) {
			err = a->shared_fds[i];
			bw_err("cannot create the BPF map '%s': %s", shared_maps[i], strerror(-err));
		}
	}
	process_bpf__destroy(skel);
	if (err)
		shared_maps_close(a);
	return err;
}
