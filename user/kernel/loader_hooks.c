// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/compat_probe.h"
#include "kernel/loader.h"
#include "kernel/tracefs.h"
#include "lib/env_names.h"
#include "lib/log.h"
#include "lib/thread.h"
#include "process.skel.h"
#include "syscalls.skel.h"

/*
 * The attachments of the syscall hooks. tp_btf and raw_tp hand one
 * program on every syscall the registers, and nothing is copied for a
 * syscall it returns from; the classic raw_syscalls tracepoint copies
 * every syscall's arguments into a record before its program runs.
 * per_syscall runs programs only on the syscalls the hooks need (the
 * kernel's per-syscall tracepoints), but never sees a 32-bit compat
 * syscall: it comes first where none can be made, and never for
 * fail-closed, which must see every syscall. BW_SYSCALL_HOOK names one
 * to use alone (tests, benchmarks).
 */
enum { SYS_TP_BTF, SYS_RAW_TP, SYS_TRACEPOINT, SYS_PER_SYSCALL, SYS_VARIANTS };
static const char *const sys_hook_names[SYS_VARIANTS] = { "tp_btf", "raw_tp", "tracepoint",
							  "per_syscall" };

/* The per-syscall attachment's list: include/buildwarden_syscalls.h. */
struct sc_syscall {
	const char *name;
	int nargs;
	bool exit;
	uint32_t hooks;
};

#define SC_ENTRY(name, handler, nargs, exit, hooks) { #name, nargs, exit, hooks },
static const struct sc_syscall sc_syscalls[BW_SYSCALLS_N] = { BW_SYSCALLS(SC_ENTRY) };

/* The kernel has this tracepoint (not every syscall is on every arch and kernel). */
static bool sc_tracepoint_exists(const char *syscall, bool enter)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/events/syscalls/sys_%s_%s", BW_TRACEFS_DIR,
		 enter ? "enter" : "exit", syscall);
	return access(path, F_OK) == 0;
}

static struct bpf_program *sc_enter_prog(struct syscalls_bpf *s, int nargs)
{
	struct bpf_program *const by_count[BW_SYSCALL_MAX_ARGS] = {
		s->progs.sc_enter_1, s->progs.sc_enter_2, s->progs.sc_enter_3,
		s->progs.sc_enter_4, s->progs.sc_enter_5, s->progs.sc_enter_6,
	};

	return nargs >= 1 && nargs <= BW_SYSCALL_MAX_ARGS ? by_count[nargs - 1] : NULL;
}

static void sc_detach(struct bw_agent *a)
{
	while (a->n_sc_links > 0)
		bpf_link__destroy(a->sc_links[--a->n_sc_links]);
}

static int sc_attach_one(struct bw_agent *a, struct bpf_program *p, const char *name, bool enter)
{
	char tp[64];
	struct bpf_link *l;

	snprintf(tp, sizeof(tp), "sys_%s_%s", enter ? "enter" : "exit", name);
	l = bpf_program__attach_tracepoint(p, "syscalls", tp);
	if (!l) {
		int err = -errno;

		bw_debug("cannot attach to syscalls:%s: %s", tp, strerror(-err));
		return err;
	}
	a->sc_links[a->n_sc_links++] = l;
	return 0;
}

/*
 * The tracepoints of the syscalls the hooks in want need, where the kernel
 * has them; any refused one undoes them all (the raw variants then try).
 */
static int sc_attach(struct bw_agent *a, uint32_t want)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < BW_SYSCALLS_N; i++) {
		const struct sc_syscall *sc = &sc_syscalls[i];

		if (!(sc->hooks & want))
			continue;
		if (sc_tracepoint_exists(sc->name, true))
			err = sc_attach_one(a, sc_enter_prog(a->sys, sc->nargs), sc->name, true);
		if (!err && sc->exit && sc_tracepoint_exists(sc->name, false))
			err = sc_attach_one(a, a->sys->progs.sc_exit, sc->name, false);
	}
	if (!err && !a->n_sc_links)
		err = -ENOENT; /* tracefs without the syscalls events */
	if (err)
		sc_detach(a);
	return err;
}

/* Variant v's programs load, the others' not. */
static int sys_set_variant(struct syscalls_bpf *s, int v)
{
	/* The raw variants' enter and exit, in the order of their enum values. */
	struct bpf_program *const progs[] = {
		s->progs.handle_sys_enter_btf, s->progs.handle_sys_exit_btf,
		s->progs.handle_sys_enter_raw, s->progs.handle_sys_exit_raw,
		s->progs.handle_sys_enter, s->progs.handle_sys_exit,
	};
	struct bpf_program *p;
	size_t i;
	int err = 0;

	for (i = 0; !err && i < sizeof(progs) / sizeof(progs[0]); i++)
		err = bpf_program__set_autoload(progs[i], (int)(i / 2) == v);
	for (i = 1; !err && i <= BW_SYSCALL_MAX_ARGS; i++)
		err = bpf_program__set_autoload(sc_enter_prog(s, (int)i), v == SYS_PER_SYSCALL);
	if (!err)
		err = bpf_program__set_autoload(s->progs.sc_exit, v == SYS_PER_SYSCALL);
	/* Attached by sc_attach, to as many tracepoints as the hooks need. */
	bpf_object__for_each_program(p, s->obj)
		if (!strncmp(bpf_program__name(p), "sc_", 3))
			bpf_program__set_autoattach(p, false);
	return err;
}

/* One attempt with attachment v; leaves nothing behind on error. */
static int sys_try_load(struct bw_agent *a, int v, uint32_t want)
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
	if (!err && v == SYS_PER_SYSCALL)
		err = sc_attach(a, want);
	if (err) {
		bw_debug("syscall hooks through %s failed: %s", sys_hook_names[v], strerror(-err));
		syscalls_bpf__destroy(a->sys);
		a->sys = NULL;
		return err;
	}
	a->sys_hook = sys_hook_names[v];
	if (v == SYS_PER_SYSCALL)
		bw_debug("syscall hooks: %d per-syscall tracepoints", a->n_sc_links);
	return 0;
}

/* The attachment BW_SYSCALL_HOOK asks for, -1 for the default order, -EINVAL if unknown. */
static int sys_forced_variant(void)
{
	const char *want = getenv("BW_SYSCALL_HOOK");
	int v;

	if (!want || !*want)
		return -1;
	for (v = 0; v < SYS_VARIANTS; v++)
		if (!strcmp(want, sys_hook_names[v]))
			return v;
	bw_err("BW_SYSCALL_HOOK=%s: not one of tp_btf, raw_tp, tracepoint, per_syscall", want);
	return -EINVAL;
}

int hooks_open(struct bw_agent *a, uint32_t want, bool every_syscall)
{
	int order[SYS_VARIANTS + 1], n = 0, i, forced = sys_forced_variant(), err = forced;

	if (forced == SYS_PER_SYSCALL && every_syscall) {
		bw_err("BW_SYSCALL_HOOK=per_syscall: fail-closed needs a hook on every syscall");
		err = -EINVAL;
	} else if (forced >= 0) {
		order[n++] = forced;
	} else if (forced == -1) {
		if (!every_syscall && !compat_syscalls_possible())
			order[n++] = SYS_PER_SYSCALL;
		for (i = SYS_TP_BTF; i <= SYS_TRACEPOINT; i++)
			order[n++] = i;
	}
	for (i = 0; i < n; i++) {
		err = sys_try_load(a, order[i], want);
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

static void *hooks_main(void *arg)
{
	struct bw_agent *a = arg;

	/* Only the syscall object's fields of a: the process object loads beside. */
	a->hooks_err = hooks_open(a, a->hooks_want, a->hooks_every);
	return NULL;
}

int hooks_open_start(struct bw_agent *a, uint32_t want, bool every_syscall)
{
	int err;

	if (!a->prepared)
		return -EINVAL; /* the shared maps are not made yet */
	a->hooks_want = want;
	a->hooks_every = every_syscall;
	err = thread_start(&a->hooks_thread, hooks_main, a);
	a->hooks_started = !err;
	if (err)
		bw_debug("cannot load the syscall hooks in a thread (%s): after the rest",
			 strerror(-err));
	return err;
}

int hooks_open_finish(struct bw_agent *a)
{
	if (!a->hooks_started)
		return -EINVAL;
	pthread_join(a->hooks_thread, NULL);
	a->hooks_started = false;
	return a->hooks_err;
}

/*
 * hook_config is shared by two owners: the hooks' switches (set at start
 * and turned off at the end) and the wakeup fields (set by the policy's
 * rules). Each writes only its own fields and keeps the rest as it is.
 */
enum cfg_fields { CFG_HOOKS = 1, CFG_LAZY_TYPES = 2, CFG_EXEC_KEYS = 4 };

static int config_edit(struct bw_agent *a, const struct bw_hook_config *set, unsigned fields)
{
	int fd = bpf_map__fd(a->skel->maps.hook_config);
	struct bw_hook_config cfg = { 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		return -errno;
	if (fields & CFG_HOOKS) {
		cfg.hooks = set->hooks;
		cfg.agent_tgid = set->agent_tgid;
		cfg.fail_closed = set->fail_closed;
	}
	if (fields & CFG_LAZY_TYPES)
		cfg.lazy_types = set->lazy_types;
	if (fields & CFG_EXEC_KEYS)
		cfg.exec_wake_keys = set->exec_wake_keys;
	return bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

int hooks_configure(struct bw_agent *a, uint32_t hooks, uint32_t agent_tgid, bool fail_closed)
{
	struct bw_hook_config cfg = { .hooks = hooks & a->hooks_loaded, .agent_tgid = agent_tgid,
				      .fail_closed = fail_closed };
	int err = config_edit(a, &cfg, CFG_HOOKS);

	if (err)
		bw_err("cannot configure the network/file/privilege hooks: %s", strerror(-err));
	return err;
}

void hooks_assume_dns_connected(struct bw_agent *a)
{
	__u32 zero = 0, one = 1;

	if (a->sys && bpf_map_update_elem(bpf_map__fd(a->sys->maps.dns_connected), &zero, &one,
					  BPF_ANY))
		bw_warn("cannot turn on the DNS checks of reads and writes: %s; DNS over sockets "
			"connected before the job joined may be missed", strerror(errno));
}

int hooks_set_lazy(struct bw_agent *a, uint32_t lazy_types)
{
	return config_edit(a, &(struct bw_hook_config){ .lazy_types = lazy_types },
			   CFG_LAZY_TYPES);
}

int hooks_set_exec_wake_keys(struct bw_agent *a, bool on)
{
	return config_edit(a, &(struct bw_hook_config){ .exec_wake_keys = on }, CFG_EXEC_KEYS);
}

/*
 * The watch filter's bit (struct bw_watch_filter) of key's first n bytes:
 * a basename when names, else a directory prefix ending in '/', whose
 * last name is the one before that '/'.
 */
static uint32_t filter_bit(const char *key, size_t n, bool names)
{
	size_t start = 0, end = n;
	char first = '/', last = '/';

	if (!names) {
		end = n ? n - 1 : 0; /* the '/' that ends the prefix */
		start = end;
		while (start > 0 && key[start - 1] != '/')
			start--;
	}
	if (start < end) {
		first = key[start];
		last = key[end - 1];
	}
	return BW_WATCH_FILTER_BIT(n, first, last);
}

/* Sets bit in the write ([0]) and read ([1]) sets of sets that bits asks for. */
static void filter_set(__u64 sets[2][BW_WATCH_FILTER_BITS / 64], uint32_t bits, uint32_t bit)
{
	if (bits & BW_WATCH_WRITE)
		sets[0][bit / 64] |= 1ULL << (bit % 64);
	if (bits & BW_WATCH_READ)
		sets[1][bit / 64] |= 1ULL << (bit % 64);
}

/*
 * Adds key (n bytes) to the watch filter for each of bits: a basename
 * (names), or a directory prefix and each of its ancestors ("/a/" of
 * "/a/bc/"; not "/", which no walk asks about).
 */
static int watch_filter_add(struct bw_agent *a, const char *key, size_t n, bool names,
			    uint32_t bits)
{
	int fd = bpf_map__fd(a->sys->maps.watch_filter);
	struct bw_watch_filter wf;
	__u32 zero = 0;
	size_t i;

	if (bpf_map_lookup_elem(fd, &zero, &wf))
		return -errno;
	if (names) {
		filter_set(wf.names, bits, filter_bit(key, n, true));
	} else {
		filter_set(wf.dirs, bits, filter_bit(key, n, false));
		for (i = 1; i + 1 < n; i++)
			if (key[i] == '/')
				filter_set(wf.anc, bits, filter_bit(key, i + 1, false));
	}
	return bpf_map_update_elem(fd, &zero, &wf, BPF_ANY) ? -errno : 0;
}

/*
 * Adds s to the watch map fd (names: watch_names, else file_watch),
 * filter first: a key the kernel could find before its bit is set would
 * be skipped.
 */
static int watch_key(struct bw_agent *a, int fd, const char *s, bool names, uint32_t bits)
{
	struct bw_deny_key key;
	__u32 old = 0;
	size_t n = strlen(s);
	int err;

	if (n >= sizeof(key.s))
		return -ENAMETOOLONG;
	err = watch_filter_add(a, s, n, names, bits);
	if (err)
		return err;
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
	return watch_key(a, bpf_map__fd(a->sys->maps.file_watch), dir, false, bits);
}

int hooks_watch_name(struct bw_agent *a, const char *name, uint32_t bits)
{
	if (!a->sys)
		return -ENOTSUP;
	return watch_key(a, bpf_map__fd(a->sys->maps.watch_names), name, true, bits);
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
	sc_detach(a);
	syscalls_bpf__destroy(a->sys);
	a->sys = NULL;
	a->sys_hook = NULL;
	a->hooks_loaded = 0;
}
