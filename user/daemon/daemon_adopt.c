// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Jobs that were running before the daemon started (a restart mid-job, an
 * upgrade) and `match: {pid: N}` rules: found in /proc rather than at
 * exec, and put in the kernel's scope with everything they have started.
 * Their pasts are gone (no exec records before now), their futures are
 * watched like any job's.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "daemon/daemon.h"
#include "lib/log.h"
#include "lib/procfs.h"

struct proc_ent {
	uint32_t pid;
	uint32_t ppid;
	char comm[BW_COMM_LEN];
};

static int read_stat(uint32_t pid, struct proc_ent *p)
{
	p->pid = pid;
	return procfs_read_stat(pid, &p->ppid, p->comm, sizeof(p->comm));
}

/* Every process now; *n set. NULL when /proc cannot be read. */
static struct proc_ent *scan_proc(size_t *n)
{
	struct proc_ent *v = NULL, *grown;
	size_t cap = 0;
	struct dirent *de;
	DIR *dir = opendir("/proc");

	*n = 0;
	if (!dir)
		return NULL;
	while ((de = readdir(dir))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid || pid > UINT32_MAX)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			grown = realloc(v, cap * sizeof(*v));
			if (!grown)
				break;
			v = grown;
		}
		if (!read_stat((uint32_t)pid, &v[*n]))
			++*n;
	}
	closedir(dir);
	return v;
}

static const struct proc_ent *find(const struct proc_ent *v, size_t n, uint32_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].pid == pid)
			return &v[i];
	return NULL;
}

static char *cmdline_of(uint32_t pid)
{
	char path[64], *buf;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	buf = malloc(BW_ARGS_MAX + 1);
	n = buf ? fread(buf, 1, BW_ARGS_MAX, f) : 0;
	fclose(f);
	if (buf)
		procfs_join_args(buf, n);
	return buf;
}

/* The rule p is the root of, by the same tests as at exec, or NULL. */
static const struct daemon_root_rule *rule_for(const struct daemon_config *cfg,
					       const struct proc_ent *v, size_t n,
					       const struct proc_ent *p)
{
	const struct proc_ent *parent = find(v, n, p->ppid);
	const struct daemon_root_rule *found = NULL;
	char *cmdline = NULL;
	size_t i;

	for (i = 0; i < cfg->n_roots && !found; i++) {
		const struct daemon_root_rule *r = &cfg->roots[i];
		const char *exe = p->comm;

		if (r->pid) {
			found = r->pid == p->pid ? r : NULL;
			continue;
		}
		if (strncmp(r->exe_basename, p->comm, BW_COMM_LEN - 1))
			continue;
		if (strlen(p->comm) == BW_COMM_LEN - 1)
			exe = r->exe_basename; /* the kernel cut the name: its first 15 bytes agree */
		if (!cmdline)
			cmdline = cmdline_of(p->pid);
		if (daemon_rule_matches(r, exe, parent ? daemon_parent_for(r, parent->comm) : NULL,
					cmdline))
			found = r;
	}
	free(cmdline);
	return found;
}

/* Is an ancestor of p a root too? Then p belongs to that job. */
static bool ancestor_is_root(const struct daemon_config *cfg, const struct proc_ent *v, size_t n,
			     const struct proc_ent *p)
{
	const struct proc_ent *a = find(v, n, p->ppid);
	int depth;

	for (depth = 0; a && a->pid > 1 && depth < 4096; depth++, a = find(v, n, a->ppid))
		if (rule_for(cfg, v, n, a))
			return true;
	return false;
}

/*
 * root and everything below it now (never the daemon itself), into job id;
 * *dns when one of them already holds a socket connected to port 53. It is
 * looked for once the process is watched: a later connect is the hook's.
 */
static size_t watch_tree(struct daemon *d, const struct proc_ent *v, size_t n, uint32_t root,
			 uint64_t id, bool *dns)
{
	uint32_t *queue = malloc((n + 1) * sizeof(*queue)), self = (uint32_t)getpid();
	size_t head = 0, tail = 0, i, added = 0;

	if (!queue) {
		*dns = true; /* not looked for */
		return loader_watch(&d->eng.agent, (pid_t)root, id) ? 0 : 1;
	}
	queue[tail++] = root;
	while (head < tail) {
		uint32_t pid = queue[head++];

		if (pid == self || loader_in_job(&d->eng.agent, pid) ||
		    loader_watch(&d->eng.agent, (pid_t)pid, id))
			continue;
		added++;
		*dns = *dns || procfs_has_dns_socket(pid);
		for (i = 0; i < n && tail <= n; i++)
			if (v[i].ppid == pid && v[i].pid != pid)
				queue[tail++] = v[i].pid;
	}
	free(queue);
	return added;
}

static void adopt(struct daemon *d, const struct daemon_root_rule *r, const struct proc_ent *v,
		  size_t n, uint32_t root)
{
	/* Above every boot-time start_ns: never one of the kernel's job ids. */
	uint64_t id = (1ULL << 63) | ++d->next_adopted_id;
	bool dns = false;
	size_t added = watch_tree(d, v, n, root, id, &dns);

	if (!added)
		return;
	/* They join with the sockets they already have: DNS on them is read and written. */
	if (dns)
		hooks_assume_dns_connected(&d->eng.agent);
	if (!daemon_job_start(d, r, id, root, 0)) {
		jobctl_scope_update(&d->eng.agent, id, JOBCTL_SCOPE_FORGET, 0);
		return;
	}
	bw_info("job root pid %u (rule %s) was already running: adopted with %zu process(es); "
		"what it did before now is not in its record", root, r->name, added);
}

void daemon_adopt_running(struct daemon *d)
{
	const struct daemon_config *cfg = d->gen->cfg;
	uint32_t self = (uint32_t)getpid();
	size_t n = 0, i;
	struct proc_ent *v = scan_proc(&n);

	if (!v) {
		bw_warn("cannot read /proc: jobs already running are not adopted");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct daemon_root_rule *r;

		if (v[i].pid == self || loader_in_job(&d->eng.agent, v[i].pid))
			continue;
		r = rule_for(cfg, v, n, &v[i]);
		if (r && !ancestor_is_root(cfg, v, n, &v[i]))
			adopt(d, r, v, n, v[i].pid);
	}
	for (i = 0; i < cfg->n_roots; i++)
		if (cfg->roots[i].pid && !find(v, n, cfg->roots[i].pid))
			bw_warn("config %s:%u: rule %s: pid %u does not exist; nothing adopted",
				cfg->path, cfg->roots[i].line, cfg->roots[i].name, cfg->roots[i].pid);
	free(v);
}
