// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "kernel/deny_maps.h"
#include "lib/log.h"
#include "process.skel.h"

struct deny_fds {
	int paths, dirs, names, anc, config;
};

static int clear_map(int fd)
{
	struct bw_deny_key key, next;
	void *prev = NULL;

	/* Deleting the current key restarts the walk from the first key. */
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		if (bpf_map_delete_elem(fd, &key) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

static int make_key(const char *s, struct bw_deny_key *key)
{
	size_t n = strlen(s);

	if (n >= sizeof(key->s))
		return -ENAMETOOLONG;
	memset(key, 0, sizeof(*key));
	memcpy(key->s, s, n);
	return 0;
}

static int add_slot(int fd, const struct bw_deny_key *key, uint32_t rule, uint64_t anc_bit,
		    bool parent_only)
{
	struct bw_deny_val val;
	int i;

	if (bpf_map_lookup_elem(fd, key, &val))
		memset(&val, 0, sizeof(val));
	for (i = 0; i < BW_DENY_SLOTS && val.rule[i]; i++)
		if (val.rule[i] == rule && val.anc_required[i] == anc_bit)
			return 0; /* already there */
	if (i == BW_DENY_SLOTS)
		return -ENOSPC;
	val.rule[i] = rule;
	val.anc_required[i] = anc_bit;
	val.parent_only[i] = parent_only;
	return bpf_map_update_elem(fd, key, &val, BPF_ANY) ? -errno : 0;
}

static int add_anc_names(int fd, const struct policy_deny_rule *d, uint64_t bit)
{
	struct bw_deny_key key;
	struct bw_anc_val val;
	size_t i;
	int err;

	for (i = 0; i < d->n_ancestor_basenames; i++) {
		err = make_key(d->ancestor_basenames[i], &key);
		if (err)
			return err;
		if (bpf_map_lookup_elem(fd, &key, &val))
			val.tags = 0;
		val.tags |= bit;
		if (bpf_map_update_elem(fd, &key, &val, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int install_rule(const struct deny_fds *fds, const struct policy_deny_rule *d,
			uint64_t anc_bit)
{
	int fd = d->kind == POLICY_DENY_PATH ? fds->paths
		 : d->kind == POLICY_DENY_DIR ? fds->dirs
					      : fds->names;
	struct bw_deny_key key;
	size_t i;
	int err;

	if (d->kind == POLICY_DENY_DROPPED || d->kind == POLICY_DENY_FILELESS)
		return 0; /* keys come as files are written; fileless is a flag */
	for (i = 0; i < d->n_values; i++) {
		err = make_key(d->values[i], &key);
		if (!err)
			err = add_slot(fd, &key, (uint32_t)d->rule_index + 1, anc_bit,
				       d->ancestor_depth == 1);
		if (err) {
			bw_err("deny rule '%s': cannot install '%s' in the kernel: %s", d->rule_name,
			       d->values[i],
			       err == -ENOSPC ? "more than 4 deny rules share this key" : strerror(-err));
			return err;
		}
	}
	if (anc_bit) {
		err = add_anc_names(fds->anc, d, anc_bit);
		if (err) {
			bw_err("deny rule '%s': cannot install its ancestor names: %s", d->rule_name,
			       strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * Does p kill from userspace at exec? Then execs with a hint are held
 * for their verdict (bpf/hooks/bw_hold.bpf.h); deny rules act in the
 * kernel, alerts need no hold.
 */
static bool needs_hold(const struct bw_policy *p)
{
	for (size_t i = 0; i < policy_rule_count(p); i++)
		if (policy_rule_kills_at_exec(policy_rule(p, i)))
			return true;
	return false;
}

int deny_maps_install(struct bw_agent *a, const struct bw_policy *p)
{
	struct process_bpf *s = a->skel;
	struct deny_fds fds = {
		bpf_map__fd(s->maps.deny_paths), bpf_map__fd(s->maps.deny_dirs),
		bpf_map__fd(s->maps.deny_names), bpf_map__fd(s->maps.anc_names),
		bpf_map__fd(s->maps.deny_config),
	};
	struct bw_deny_config cfg = { 0 };
	const struct policy_deny_rule *d;
	size_t n = 0, i;
	unsigned n_tags = 0;
	__u32 zero = 0;
	int err;

	d = policy_deny_rules(p, &n);
	/* Disable first so no exec sees a half-written rule set. */
	if (bpf_map_update_elem(fds.config, &zero, &cfg, BPF_ANY))
		return -errno;
	if ((err = clear_map(fds.paths)) || (err = clear_map(fds.dirs)) ||
	    (err = clear_map(fds.names)) || (err = clear_map(fds.anc))) {
		bw_err("cannot clear the kernel deny maps: %s", strerror(-err));
		return err;
	}
	for (i = 0; i < n; i++) {
		uint64_t bit = 0;

		if (d[i].n_ancestor_basenames) {
			if (n_tags == 64) {
				bw_err("deny rule '%s': more than 64 deny rules name ancestors",
				       d[i].rule_name);
				return -ENOSPC;
			}
			bit = 1ULL << n_tags++;
		}
		err = install_rule(&fds, &d[i], bit);
		if (err)
			return err;
		/* The first fileless rule wins, as the first matching rule does. */
		if (d[i].kind == POLICY_DENY_FILELESS && !cfg.fileless_rule)
			cfg.fileless_rule = (uint32_t)d[i].rule_index + 1;
	}
	cfg.enabled = n > 0;
	cfg.hold_hints = needs_hold(p) ? BW_HINTS_ALL : 0;
	if (bpf_map_update_elem(fds.config, &zero, &cfg, BPF_ANY))
		return -errno;
	bw_debug("installed %zu deny rule(s) in the kernel", n);
	return 0;
}

int deny_maps_stop_holding(struct bw_agent *a)
{
	int fd = bpf_map__fd(a->skel->maps.deny_config);
	struct bw_deny_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		return -errno;
	if (!cfg.hold_hints)
		return 0;
	cfg.hold_hints = 0;
	return bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

int deny_maps_add_path(struct bw_agent *a, const char *path, uint32_t rule)
{
	struct bw_deny_key key;
	int err = make_key(path, &key);

	if (!err)
		err = add_slot(bpf_map__fd(a->skel->maps.deny_paths), &key, rule, 0, false);
	return err;
}

int deny_maps_set_wake_keys(struct bw_agent *a, const char *const *keys, size_t n)
{
	int fd = bpf_map__fd(a->skel->maps.wake_keys);
	struct bw_deny_key key;
	__u8 one = 1;
	size_t i;
	int err;

	/* Off while the keys change: an exec then wakes the agent, as without them. */
	err = hooks_set_exec_wake_keys(a, false);
	if (!err)
		err = clear_map(fd);
	if (err || !keys)
		return err;
	if (n > BW_WAKE_KEYS_MAX) {
		bw_debug("%zu exes named by rules that kill at exec, more than the kernel's %d: "
			 "every exec wakes the agent", n, BW_WAKE_KEYS_MAX);
		return 0;
	}
	for (i = 0; i < n; i++) {
		err = make_key(keys[i], &key);
		if (!err && bpf_map_update_elem(fd, &key, &one, BPF_ANY))
			err = -errno;
		if (err)
			return err;
	}
	return hooks_set_exec_wake_keys(a, true);
}
