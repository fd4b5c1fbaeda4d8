// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/loader.h"
#include "lib/env_names.h"
#include "lib/log.h"
#include "process.skel.h"
#include "syscalls.skel.h"

/* Maps every concern shares with the process object. */
static const char *const shared_maps[] = { "events", "job_procs", "counters", "hook_config",
					    "fail_state" };

int loader_share_maps(struct bw_agent *a, struct bpf_object *obj)
{
	size_t i;
	int err;

	for (i = 0; i < sizeof(shared_maps) / sizeof(shared_maps[0]); i++) {
		struct bpf_map *mine = bpf_object__find_map_by_name(obj, shared_maps[i]);
		struct bpf_map *theirs = bpf_object__find_map_by_name(a->skel->obj, shared_maps[i]);

		if (!mine || !theirs)
			continue;
		err = bpf_map__reuse_fd(mine, bpf_map__fd(theirs));
		if (err)
			return err;
	}
	return 0;
}

/*
 * The attachments of the syscall hooks, cheapest first: tp_btf and raw_tp
 * hand the program the registers, and nothing is copied for a syscall it
 * returns from; the classic tracepoint copies every syscall's arguments
 * into a record before its program runs. BW_SYSCALL_HOOK names one to use
 * alone (tests, benchmarks).
 */
static const char *const sys_hook_names[] = { "tp_btf", "raw_tp", "tracepoint" };

static int sys_set_variant(struct syscalls_bpf *s, int v)
{
	int err = bpf_program__set_autoload(s->progs.handle_sys_enter_btf, v == 0);

	if (!err)
		err = bpf_program__set_autoload(s->progs.handle_sys_exit_btf, v == 0);
	if (!err)
		err = bpf_program__set_autoload(s->progs.handle_sys_enter_raw, v == 1);
	if (!err)
		err = bpf_program__set_autoload(s->progs.handle_sys_exit_raw, v == 1);
	if (!err)
		err = bpf_program__set_autoload(s->progs.handle_sys_enter, v == 2);
	if (!err)
		err = bpf_program__set_autoload(s->progs.handle_sys_exit, v == 2);
	return err;
}

/* One attempt with attachment v; leaves nothing behind on error. */
static int sys_try_load(struct bw_agent *a, int v)
{
	int err;

	a->sys = syscalls_bpf__open();
	if (!a->sys)
		return -errno;
	err = sys_set_variant(a->sys, v);
	if (!err)
		err = loader_share_maps(a, a->sys->obj);
	if (!err)
		err = syscalls_bpf__load(a->sys);
	if (!err)
		err = syscalls_bpf__attach(a->sys);
	if (err) {
		bw_debug("syscall hooks through %s failed: %s", sys_hook_names[v], strerror(-err));
		syscalls_bpf__destroy(a->sys);
		a->sys = NULL;
		return err;
	}
	a->sys_hook = sys_hook_names[v];
	return 0;
}

/* The attachment BW_SYSCALL_HOOK asks for, -1 for all in order, -EINVAL if unknown. */
static int sys_forced_variant(void)
{
	const char *want = getenv("BW_SYSCALL_HOOK");
	int v;

	if (!want || !*want)
		return -1;
	for (v = 0; v < (int)(sizeof(sys_hook_names) / sizeof(sys_hook_names[0])); v++)
		if (!strcmp(want, sys_hook_names[v]))
			return v;
	bw_err("BW_SYSCALL_HOOK=%s: not one of tp_btf, raw_tp, tracepoint", want);
	return -EINVAL;
}

int hooks_open(struct bw_agent *a, uint32_t want)
{
	int v, forced = sys_forced_variant(), err = forced;

	if (forced >= 0)
		err = sys_try_load(a, forced);
	for (v = 0; forced == -1 && v < 3; v++) {
		err = sys_try_load(a, v);
		if (!err)
			break;
	}
	if (err)
		goto fail;
	a->hooks_loaded = want;
	return 0;
fail:
	/* The build still runs, watched for exec; the report says what is missing. */
	bw_warn("network/file/privilege hooks unavailable (%s); recording exec only",
		strerror(-err));
	return err;
}

int hooks_configure(struct bw_agent *a, uint32_t hooks, uint32_t agent_tgid, bool fail_closed)
{
	struct bw_hook_config cfg = { .hooks = hooks & a->hooks_loaded, .agent_tgid = agent_tgid,
				      .fail_closed = fail_closed };
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(a->skel->maps.hook_config), &zero, &cfg, BPF_ANY)) {
		int err = -errno;

		bw_err("cannot configure the network/file/privilege hooks: %s", strerror(errno));
		return err;
	}
	return 0;
}

int hooks_set_lazy(struct bw_agent *a, bool lazy)
{
	int fd = bpf_map__fd(a->skel->maps.hook_config);
	struct bw_hook_config cfg = { 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		return -errno;
	cfg.lazy = lazy;
	return bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

static int watch_key(int fd, const char *s, uint32_t bits)
{
	struct bw_deny_key key;
	__u32 old = 0;
	size_t n = strlen(s);

	if (n >= sizeof(key.s))
		return -ENAMETOOLONG;
	memset(&key, 0, sizeof(key));
	memcpy(key.s, s, n);
	bpf_map_lookup_elem(fd, &key, &old);
	bits |= old;
	return bpf_map_update_elem(fd, &key, &bits, BPF_ANY) ? -errno : 0;
}

int hooks_watch_dir(struct bw_agent *a, const char *dir, uint32_t bits)
{
	if (!a->sys)
		return -ENOTSUP;
	return watch_key(bpf_map__fd(a->sys->maps.file_watch), dir, bits);
}

int hooks_watch_name(struct bw_agent *a, const char *name, uint32_t bits)
{
	if (!a->sys)
		return -ENOTSUP;
	return watch_key(bpf_map__fd(a->sys->maps.watch_names), name, bits);
}

int hooks_set_env_names(struct bw_agent *a, const char *const *names, size_t n)
{
	char why[160];
	struct bw_env_name e;
	__u32 i;
	int fd, err;

	if (n > BW_ENV_NAMES) {
		bw_err("%zu environment variables to record: at most %d", n, BW_ENV_NAMES);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		err = env_name_check(names[i], why, sizeof(why));
		if (err) {
			bw_err("%s", why);
			return err;
		}
	}
	fd = bpf_map__fd(a->skel->maps.env_names);
	for (i = 0; i < BW_ENV_NAMES; i++) {
		memset(&e, 0, sizeof(e));
		if (i < n) {
			e.len = (__u32)strlen(names[i]);
			memcpy(e.name, names[i], e.len);
			/* Injects code at the exec: worth holding it for its verdict. */
			e.hint = !strcmp(names[i], "LD_PRELOAD") || !strcmp(names[i], "LD_AUDIT");
		}
		if (bpf_map_update_elem(fd, &i, &e, BPF_ANY)) {
			err = -errno;
			bw_err("cannot set the environment variables to record: %s", strerror(errno));
			return err;
		}
	}
	return 0;
}

int hooks_set_interp_names(struct bw_agent *a, const char *const *names, size_t n)
{
	int fd = bpf_map__fd(a->skel->maps.interp_names);
	struct bw_name_prefix e;
	size_t len;
	__u32 i;

	if (n > BW_INTERP_NAMES) {
		bw_err("%zu interpreter names: at most %d", n, BW_INTERP_NAMES);
		return -EINVAL;
	}
	for (i = 0; i < BW_INTERP_NAMES; i++) {
		memset(&e, 0, sizeof(e));
		if (i < n) {
			len = strlen(names[i]);
			if (!len || len >= BW_COMM_LEN) {
				bw_err("interpreter name '%s': 1 to %d bytes", names[i], BW_COMM_LEN - 1);
				return -EINVAL;
			}
			e.len = (__u32)len;
			memcpy(e.name, names[i], len);
		}
		if (bpf_map_update_elem(fd, &i, &e, BPF_ANY)) {
			bw_err("cannot set the interpreter names: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

int hooks_set_writer_names(struct bw_agent *a, const char *const *names, size_t n)
{
	int fd = bpf_map__fd(a->skel->maps.writer_names);
	__u32 max = bpf_map__max_entries(a->skel->maps.writer_names), one = 1;
	struct bw_root_key key, next;
	size_t i;
	int err;

	if (n > max) {
		bw_err("%zu programs whose writes to follow: at most %u", n, max);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!names[i][0] || strchr(names[i], '/')) {
			bw_err("program name '%s' whose writes to follow: a base name is needed",
			       names[i]);
			return -EINVAL;
		}
	}
	while (!bpf_map_get_next_key(fd, NULL, &next))
		bpf_map_delete_elem(fd, &next);
	for (i = 0; i < n; i++) {
		memset(&key, 0, sizeof(key));
		/* The kernel's comm: the first 15 bytes of the name. */
		strncpy(key.comm, names[i], sizeof(key.comm) - 1);
		if (bpf_map_update_elem(fd, &key, &one, BPF_ANY)) {
			err = -errno;
			bw_err("cannot follow the writes of '%s': %s", names[i], strerror(errno));
			return err;
		}
	}
	return 0;
}

void hooks_close(struct bw_agent *a)
{
	syscalls_bpf__destroy(a->sys);
	a->sys = NULL;
	a->sys_hook = NULL;
	a->hooks_loaded = 0;
}
