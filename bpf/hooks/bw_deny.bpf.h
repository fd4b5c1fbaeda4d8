/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * In-kernel deny-exec: at sched_process_exec the new image is committed but
 * has not run; SIGKILL sent now is delivered on the way back to user mode,
 * before its first instruction. Rules live in hash maps that userspace can
 * rewrite at any time, so a policy change needs no reload. Each exec costs
 * at most BW_DENY_DIR_DEPTH + 3 hash lookups, never a loop over rules.
 */
#ifndef BW_DENY_BPF_H
#define BW_DENY_BPF_H

#include "lib/bw_path.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct bw_deny_key);
	__type(value, struct bw_deny_val);
} deny_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct bw_deny_key);
	__type(value, struct bw_deny_val);
} deny_dirs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct bw_deny_key);
	__type(value, struct bw_deny_val);
} deny_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct bw_deny_key);
	__type(value, struct bw_anc_val);
} anc_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_deny_config);
} deny_config SEC(".maps");

/*
 * The exes a rule that kills from userspace at exec can match, when every
 * such rule names them (hook_config.exec_wake_keys): an exact path, a
 * directory ("/usr/bin/") or a basename ("nc"). One map holds the three,
 * which never collide: a basename has no '/', a directory ends in one and
 * a path does not. An exec that matches none cannot be killed by a rule,
 * so its record need not wake the agent nor wait for it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BW_WAKE_KEYS_MAX);
	__type(key, struct bw_deny_key);
	__type(value, __u8);
} wake_keys SEC(".maps");

/* Key under construction; twice the key size so masked writes stay inside. */
struct bw_deny_scratch {
	char key[BW_DENY_KEY_LEN * 2];
	__u64 own_tags; /* out: tags this exe's basename confers */
	__u32 wake;     /* out: the exe matched a wake_keys key (or has none to look up) */
	/* bw_deny_dir_step's state, in map memory: one verifier state per step. */
	__u32 w;        /* bytes of key written */
	__u32 rule;     /* the first rule matched so far */
	__u32 whole;    /* every component fitted in the key */
	__u32 wake_on;  /* bw_deny_eval's wake argument */
	__u32 pad;
	__u64 anc_tags;
	__u64 parent_tags;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_deny_scratch);
} deny_scratch SEC(".maps");

/* First rule of val whose ancestor condition holds, or 0. */
static __always_inline __u32 bw_deny_pick(struct bw_deny_val *val, __u64 anc_tags,
					  __u64 parent_tags)
{
	int i;

	if (!val)
		return 0;
	for (i = 0; i < BW_DENY_SLOTS; i++) {
		__u64 have = val->parent_only[i] ? parent_tags : anc_tags;

		if (!val->rule[i])
			break;
		if (!val->anc_required[i] || (val->anc_required[i] & have))
			return val->rule[i];
	}
	return 0;
}

static __always_inline void bw_wake_lookup(struct bw_deny_scratch *ds, int wake)
{
	if (wake && !ds->wake && bpf_map_lookup_elem(&wake_keys, ds->key))
		ds->wake = 1;
}

/*
 * One bpf_loop step of bw_deny_eval: the directory prefix that ends before
 * component i (root first), then that component appended to the key. A
 * step rather than a loop: the verifier checks it, and bw_deny_pick's slots
 * within it, once instead of BW_DENY_DIR_DEPTH times.
 */
static long bw_deny_dir_step(__u32 i, void *data)
{
	__u32 zero = 0, w, len;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct bw_deny_scratch *ds = bpf_map_lookup_elem(&deny_scratch, &zero);
	int j;

	if (!pb || !ds)
		return 1;
	j = (int)pb->n - 1 - (int)i;
	w = ds->w;
	if (j < 0 || w >= BW_DENY_KEY_LEN)
		return 1;
	len = pb->len[j & (BW_PATH_DEPTH - 1)];
	ds->key[w & (BW_DENY_KEY_LEN - 1)] = '/';
	if (!ds->rule)
		ds->rule = bw_deny_pick(bpf_map_lookup_elem(&deny_dirs, ds->key), ds->anc_tags,
					ds->parent_tags);
	bw_wake_lookup(ds, ds->wake_on);
	if (len > BW_NAME_MAX || w + len + 2 > BW_DENY_KEY_LEN) {
		ds->whole = 0;
		return 1;
	}
	barrier_var(len);
	bpf_probe_read_kernel(&ds->key[(w + 1) & (BW_DENY_KEY_LEN - 1)], len & BW_NAME_MAX,
			      (void *)pb->name[j & (BW_PATH_DEPTH - 1)]);
	ds->w = w + len + 1;
	return 0;
}

/*
 * Matches the exe whose components bw_path_resolve() left in path_scratch:
 * each directory prefix, then the full path, then the basename. Returns the
 * rule id or 0; stores the basename's ancestor tags in deny_scratch, and
 * with wake, whether a key of wake_keys matched (an exe too deep or long
 * for keys counts as matching).
 */
__noinline int bw_deny_eval(__u64 anc_tags, __u64 parent_tags, int wake)
{
	__u32 zero = 0, len, rule;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct bw_deny_scratch *ds = bpf_map_lookup_elem(&deny_scratch, &zero);
	struct bw_anc_val *anc;
	int whole;

	if (!pb || !ds)
		return 0;
	ds->own_tags = 0;
	ds->wake = 0;
	ds->w = 0;
	ds->rule = 0;
	ds->whole = 1;
	ds->wake_on = wake;
	ds->anc_tags = anc_tags;
	ds->parent_tags = parent_tags;
	__builtin_memset(ds->key, 0, BW_DENY_KEY_LEN);
	bpf_loop(BW_DENY_DIR_DEPTH, bw_deny_dir_step, NULL, 0);
	rule = ds->rule;
	whole = ds->whole;
	if (pb->n > BW_DENY_DIR_DEPTH || pb->status != BW_PATH_OK)
		whole = 0;
	/* The last pass wrote a directory's '/' only when components remain. */
	if (whole && !rule)
		rule = bw_deny_pick(bpf_map_lookup_elem(&deny_paths, ds->key), anc_tags, parent_tags);
	if (whole)
		bw_wake_lookup(ds, wake);
	else
		ds->wake = 1; /* an exact path of a rule could be this one */

	/* Basename: the leaf component alone. */
	if (!pb->n) {
		ds->wake = 1;
		return rule;
	}
	__builtin_memset(ds->key, 0, BW_DENY_KEY_LEN);
	len = pb->len[0];
	if (len > BW_NAME_MAX) {
		ds->wake = 1;
		return rule;
	}
	barrier_var(len);
	bpf_probe_read_kernel(ds->key, len & BW_NAME_MAX, (void *)pb->name[0]);
	if (!rule)
		rule = bw_deny_pick(bpf_map_lookup_elem(&deny_names, ds->key), anc_tags, parent_tags);
	bw_wake_lookup(ds, wake);
	anc = bpf_map_lookup_elem(&anc_names, ds->key);
	if (anc)
		ds->own_tags = anc->tags;
	return rule;
}

/*
 * Checks the exec and applies a deny verdict (BW_EXEC_DENIED/_AUDIT).
 * Returns whether a rule that kills from userspace could match it: always,
 * unless filter (hook_config.exec_wake_keys) and its exe matched no key of
 * wake_keys. A fileless exe always could: userspace sees it as "PATH
 * (deleted)" or a memfd's name, which no key of its path is.
 */
static __always_inline int bw_deny_exec(struct bw_proc_state *st, struct bw_exec_event *ev,
					int filter)
{
	__u32 zero = 0;
	struct bw_deny_config *cfg = bpf_map_lookup_elem(&deny_config, &zero);
	struct bw_deny_scratch *ds;
	__u32 rule;
	int deny = cfg && cfg->enabled && !(st->flags & BW_PROC_USER_DENY);

	if (ev->flags & BW_EXEC_EXE_UNAVAILABLE)
		return 1;
	if (ev->flags & (BW_EXEC_EXE_ANON | BW_EXEC_EXE_DELETED))
		filter = 0;
	if (!deny && !filter)
		return 1;
	rule = bw_deny_eval(st->anc_tags, st->parent_tags, filter);
	ds = bpf_map_lookup_elem(&deny_scratch, &zero);
	if (!deny || !cfg)
		return !filter || !ds || ds->wake;
	if (ds)
		st->own_tags = ds->own_tags; /* inherited by children at fork */
	if (!rule && (ev->flags & (BW_EXEC_EXE_ANON | BW_EXEC_EXE_DELETED)))
		rule = cfg->fileless_rule;
	if (rule) {
		ev->deny_rule = rule;
		if (cfg->audit) {
			ev->flags |= BW_EXEC_DENY_AUDIT;
		} else {
			ev->flags |= BW_EXEC_DENIED;
			bpf_send_signal(9 /* SIGKILL */);
		}
	}
	return !filter || !ds || ds->wake;
}

#endif /* BW_DENY_BPF_H */
