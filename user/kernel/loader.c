// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include "kernel/loader.h"
#include "kernel/lsm_probe.h"
#include "kernel/shared_maps.h"
#include "lib/log.h"
#include "lib/memstat.h"
#include "lib/privdrop.h"
#include "process.skel.h"
#include "syscalls.skel.h"
#include "kernel/tracefs.h"

#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"

/* Root, or CAP_BPF + CAP_PERFMON (+ CAP_SYS_ADMIN for older kernels). */
static int check_privileges(void)
{
	uint64_t eff, bpf = PRIVDROP_CAP(CAP_BPF) | PRIVDROP_CAP(CAP_PERFMON);

	if (privdrop_caps(&eff))
		return geteuid() == 0 ? 0 : -EPERM;
	if ((eff & PRIVDROP_CAP(CAP_SYS_ADMIN)) || (eff & bpf) == bpf)
		return 0;
	bw_err("needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs; running as uid %u",
	       (unsigned)geteuid());
	return -EPERM;
}

static int check_btf(void)
{
	if (access(BTF_VMLINUX, R_OK) == 0)
		return 0;
	bw_err("kernel BTF not available (%s: %s); buildwarden needs a 5.17+ kernel built with "
	       "CONFIG_DEBUG_INFO_BTF=y",
	       BTF_VMLINUX, strerror(errno));
	return -ENOTSUP;
}

static int configure(struct bw_agent *a, struct process_bpf *skel, const struct loader_opts *o,
		     bool raw_tp, bool lsm)
{
	int err;

	err = shared_maps_size(skel, o);
	if (!err)
		err = loader_share_maps(a, skel->obj);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.handle_exec_btf, !raw_tp);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.handle_exec_raw, raw_tp);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.handle_bprm_check, lsm);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.handle_task_kill, lsm);
	skel->rodata->host_job = o->host_job;
	skel->rodata->host_agent_tgid = (__u32)getpid();
	skel->rodata->tamper_agent_tgid = (__u32)getpid();
	return err;
}

/* One attempt at open+configure+load+attach; leaves nothing behind on error. */
static int try_load(struct bw_agent *a, const struct loader_opts *o, bool raw_tp, bool lsm)
{
	const char *stage = "open";
	int err;

	a->skel = process_bpf__open();
	if (!a->skel) {
		err = -errno;
		goto fail;
	}
	stage = "configure";
	err = configure(a, a->skel, o, raw_tp, lsm);
	if (err)
		goto fail;
	stage = "load";
	err = process_bpf__load(a->skel);
	if (err)
		goto fail;
	stage = "attach";
	err = process_bpf__attach(a->skel);
	if (err)
		goto fail;
	a->raw_tp = raw_tp;
	a->lsm = lsm;
	return 0;
fail:
	bw_debug("%s BPF programs (%s exec hook%s) failed: %s", stage, raw_tp ? "raw_tp" : "tp_btf",
		 lsm ? ", BPF LSM deny" : "", strerror(-err));
	process_bpf__destroy(a->skel);
	a->skel = NULL;
	return err;
}

uint32_t loader_default_ringbuf_mb(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t mb = 4;

	while (mb < 16 && mb < (uint32_t)(cpus > 0 ? cpus : 1))
		mb <<= 1;
	return mb;
}

/* What exec records carry and whose writes are followed, until told otherwise. */
static int set_default_names(struct bw_agent *a)
{
	static const char *const env[] = HOOKS_DEFAULT_ENV_NAMES;
	static const char *const writers[] = HOOKS_DEFAULT_WRITER_NAMES;
	static const char *const interps[] = HOOKS_DEFAULT_INTERP_NAMES;
	int err;

	err = hooks_set_env_names(a, env, sizeof(env) / sizeof(env[0]));
	if (!err)
		err = hooks_set_writer_names(a, writers, sizeof(writers) / sizeof(writers[0]));
	if (!err)
		err = hooks_set_interp_names(a, interps, sizeof(interps) / sizeof(interps[0]));
	return err;
}

int loader_prepare(struct bw_agent *a, const struct loader_opts *o)
{
	int err;

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < LOADER_SHARED_MAPS; i++)
		a->shared_fds[i] = -1;
	log_hook_libbpf();
	err = check_privileges();
	if (!err)
		err = check_btf();
	if (!err)
		err = tracefs_ensure(&a->tracefs_mounted);
	if (!err)
		err = shared_maps_make(a, o);
	a->prepared = !err;
	return err;
}

int loader_open(struct bw_agent *a, const struct loader_opts *o, ring_buffer_sample_fn fn,
		void *ctx)
{
	bool lsm;
	int err = a->prepared ? 0 : loader_prepare(a, o);

	if (err)
		goto cleanup;

	/*
	 * Best first: tp_btf with the BPF LSM deny hook, then without it, then
	 * raw_tp. Each failed attempt leaves nothing loaded.
	 */
	lsm = !o->no_lsm && !o->force_raw_tp && lsm_probe_worth_trying();
	err = o->force_raw_tp ? -ENOTSUP : try_load(a, o, false, lsm);
	if (err && lsm) {
		bw_debug("BPF LSM deny hook unavailable: deny falls back to SIGKILL at exec");
		err = try_load(a, o, false, false);
		if (!err)
			lsm_probe_note_refused(); /* the LSM program, not the rest, was refused */
	}
	if (err) {
		bw_debug("falling back to raw_tp for sched_process_exec");
		err = try_load(a, o, true, false);
	}
	if (err) {
		bw_err("cannot load BPF programs: %s (run with -v for libbpf's log)", strerror(-err));
		goto cleanup;
	}

	err = set_default_names(a);
	if (err)
		goto cleanup;
	a->rb_fn = fn;
	a->rb_ctx = ctx;
	return 0;
cleanup:
	loader_close(a);
	return err;
}

int loader_map_ring(struct bw_agent *a)
{
	if (a->rb)
		return 0;
	return ringbuf_open(&a->rb, bpf_map__fd(a->skel->maps.events), a->rb_fn, a->rb_ctx);
}

int loader_watch(struct bw_agent *a, pid_t pid, uint64_t job_id)
{
	struct bw_proc_state st = { .job_id = job_id };
	__u32 key = (__u32)pid;

	if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.job_procs), &key, &st, BPF_ANY)) {
		int err = -errno;

		bw_err("cannot add pid %d to the job-scope map: %s", pid, strerror(errno));
		return err;
	}
	return 0;
}

bool loader_job_of(struct bw_agent *a, uint32_t tgid, uint64_t *job_id)
{
	struct bw_proc_state st;

	if (bpf_map_lookup_elem(bpf_map__fd(a->skel->maps.job_procs), &tgid, &st))
		return false;
	*job_id = st.job_id;
	return true;
}

bool loader_in_job(struct bw_agent *a, uint32_t tgid)
{
	struct bw_proc_state st;

	return bpf_map_lookup_elem(bpf_map__fd(a->skel->maps.job_procs), &tgid, &st) == 0;
}

int loader_counter(struct bw_agent *a, uint32_t idx, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd = bpf_map__fd(a->skel->maps.counters), c, err = 0;
	__u64 *vals;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &idx, vals)) {
		err = -errno;
		goto cleanup;
	}
	*out = 0;
	for (c = 0; c < ncpu; c++)
		*out += vals[c];
cleanup:
	free(vals);
	return err;
}

/*
 * Is the memory the kernel charges m fixed when m is made? Preallocated
 * maps: arrays, the ring buffer, LRU maps and hash maps without
 * BPF_F_NO_PREALLOC. The rest (task storage included: whether its
 * elements count is the kernel's choice) may grow with their entries.
 */
static bool map_size_fixed(const struct bpf_map *m)
{
	switch (bpf_map__type(m)) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return true;
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
		return !(bpf_map__map_flags(m) & BPF_F_NO_PREALLOC);
	default:
		return false;
	}
}

/* The descriptors of obj's maps that exist and are (or are not) fixed in size, at most max. */
static size_t object_map_fds(const struct bpf_object *obj, bool fixed, int *fds, size_t max)
{
	const struct bpf_map *m;
	size_t n = 0;

	bpf_object__for_each_map(m, obj) {
		if (n < max && bpf_map__fd(m) >= 0 && map_size_fixed(m) == fixed)
			fds[n++] = bpf_map__fd(m);
	}
	return n;
}

static size_t agent_map_fds(const struct bw_agent *a, bool fixed, int *fds, size_t max)
{
	size_t n = 0;

	if (a->skel)
		n = object_map_fds(a->skel->obj, fixed, fds, max);
	if (a->sys)
		n += object_map_fds(a->sys->obj, fixed, fds + n, max - n);
	return n;
}

int loader_read_fixed_maps(struct bw_agent *a)
{
	int fds[128];
	size_t n;
	int err;

	/*
	 * ~40 /proc/self/fdinfo files (a proc inode made for each): a
	 * summary read them all, 0.5 ms at the end of every job.
	 */
	if (a->fixed_maps_read)
		return 0;
	n = agent_map_fds(a, true, fds, sizeof(fds) / sizeof(fds[0]));
	err = memstat_maps(fds, n, &a->fixed_map_bytes, &a->fixed_maps);
	a->fixed_maps_read = !err;
	return err;
}

int loader_map_memory(struct bw_agent *a, uint64_t *bytes, uint32_t *maps)
{
	int fds[128];
	size_t n;
	int err = loader_read_fixed_maps(a);

	n = agent_map_fds(a, false, fds, sizeof(fds) / sizeof(fds[0]));
	if (!err)
		err = memstat_maps(fds, n, bytes, maps);
	if (err)
		return err;
	*bytes += a->fixed_map_bytes;
	*maps += a->fixed_maps;
	return 0;
}

void loader_close(struct bw_agent *a)
{
	if (a->hooks_started)
		hooks_open_finish(a); /* its object, loaded or not, is closed below */
	ringbuf_free(a->rb);
	hooks_close(a);
	process_bpf__destroy(a->skel);
	if (a->prepared)
		shared_maps_close(a);
	memset(a, 0, sizeof(*a));
}
