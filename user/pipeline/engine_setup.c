// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What `run` and the daemon set up the same way around the engine: the
 * network, file and privilege hooks with the paths they watch, and the
 * webhook sender.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/ci_env.h"
#include "pipeline/engine_setup.h"
#include "kernel/deny_maps.h"
#include "kernel/failclosed.h"
#include "lib/log.h"

/*
 * Paths watched by default: the working tree the build starts in (writes,
 * renames, unlinks), credential stores and a pod's service account
 * tokens (reads), other processes' memory
 * and environment (reads of /proc/PID/{environ,mem,maps}), and where an
 * attacker persists on a build host (writes: cron, systemd units, shell
 * start-up files, authorized_keys, ld.so.preload, sudoers, the CI
 * runner's own files). A name is watched wherever it is; the default
 * policy's rules then judge the whole path.
 */
static const char *const homes_rel[] = { ".ssh/", ".aws/", ".docker/", ".kube/",
					 ".config/gcloud/", ".gnupg/", ".config/gh/",
					 ".config/systemd/", ".local/share/keyrings/",
					 ".password-store/", ".azure/" };
/* Written only: the user's site-packages, where Python's start-up hooks go; fish's start-up
 * files; desktop autostart entries; git's configuration. */
static const char *const homes_write_rel[] = { ".local/lib/", ".config/fish/", ".config/autostart/",
						".config/git/" };
static const char *const read_names[] = { "environ", "mem", "maps", "shadow", "gshadow",
					  ".npmrc", ".pypirc", ".git-credentials", ".netrc",
					  ".pgpass", ".yarnrc", "credentials", "credentials.toml", ".env",
					  "id_rsa", "id_ed25519", "id_ecdsa", "id_dsa",
					  /* other tools' tokens */
					  ".vault-token", "credentials.tfrc.json", ".s3cfg", "rclone.conf",
					  /* registries' publishing credentials */
					  "settings.xml", "settings-security.xml", "gradle.properties",
					  "auth.json", "NuGet.Config", "kubeconfig" };
/*
 * Read and written: the runner's credentials are secrets and persistence;
 * histories hold what was typed on command lines, and wiping them hides it.
 */
static const char *const rw_names[] = { ".credentials", ".credentials_rsaparams", ".runner",
					".bash_history", ".zsh_history", ".zhistory",
					".sh_history", ".python_history", ".mysql_history",
					".psql_history", ".sqlite_history", ".node_repl_history",
					".rediscli_history" };
static const char *const write_names[] = { ".bashrc", ".bash_profile", ".bash_login",
					   ".bash_logout", ".bash_aliases", ".profile", ".zshrc",
					   ".zprofile", ".zshenv", ".zlogin", ".kshrc", ".mkshrc",
					   ".cshrc", ".tcshrc", "config.fish", "bash.bashrc", "profile",
					   "authorized_keys", "authorized_keys2", "ld.so.preload",
					   "sudoers", "crontab", "anacrontab", "rc.local", ".env",
					   ".path", "svc.sh", "runsvc.sh", "uevent_helper",
					   "release_agent", "sitecustomize.py", "usercustomize.py",
					   "passwd", "shadow", "group", "gshadow" };
/*
 * Files content rules read (pipeline/content_checks.h), written: what
 * later steps and logins start with, where the host's names and
 * libraries are looked up, git's and npm's configuration. Their writes
 * wake the agent at once (BW_WATCH_WAKE), so that a file is read before a
 * quick restore takes the planted line away.
 */
static const char *const content_names[] = { "environment", ".pam_environment", "hosts",
					     "resolv.conf", "ld.so.conf", "apt.conf",
					     ".gitconfig", "gitconfig", ".npmrc" };
static const char *const content_dirs[] = { "/etc/apt/apt.conf.d/", "/etc/ld.so.conf.d/" };
#define CONTENT_WATCH (BW_WATCH_WRITE | BW_WATCH_WAKE)
/* Kubernetes (and EKS, Azure workload identity) tokens of a runner pod; a node's credentials. */
static const char *const read_dirs[] = { "/run/secrets/", "/var/run/secrets/",
					 /* a cluster node's own credentials */
					 "/etc/kubernetes/", "/var/lib/kubelet/pki/",
					 "/var/lib/rancher/k3s/server/" };
static const char *const write_dirs[] = { "/etc/cron.d/", "/etc/cron.daily/",
					  "/etc/cron.hourly/", "/etc/cron.weekly/",
					  "/etc/cron.monthly/", "/var/spool/cron/", "/etc/systemd/",
					  "/usr/lib/systemd/", "/lib/systemd/", "/etc/init.d/",
					  "/etc/profile.d/", "/etc/sudoers.d/", "/etc/zsh/",
					  "/etc/bash_completion.d/", "/etc/update-motd.d/",
					  "/etc/udev/rules.d/", "/etc/pam.d/", "/etc/ssh/",
					  "/etc/xdg/autostart/",
					  /* handlers the kernel runs: core_pattern, modprobe */
					  "/proc/sys/kernel/", "/proc/sys/fs/binfmt_misc/",
					  /* the agents' pinned links and maps */
					  "/sys/fs/bpf/",
					  /* the host's logs: wiped to hide a job's traces */
					  "/var/log/" };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void watch_names(struct bw_agent *a, const char *const *names, size_t n, uint32_t bits)
{
	for (size_t i = 0; i < n; i++)
		if (hooks_watch_name(a, names[i], bits))
			bw_warn("cannot watch files named %s", names[i]);
}

/* The directory of the file $name names: GitHub's $GITHUB_ENV and $GITHUB_PATH. */
static void watch_dir_of(struct bw_agent *a, const char *name)
{
	const char *file = getenv(name);
	char buf[PATH_MAX], *slash;

	if (!file || file[0] != '/' || (size_t)snprintf(buf, sizeof(buf), "%s", file) >= sizeof(buf))
		return;
	slash = strrchr(buf, '/');
	slash[1] = '\0';
	if (slash != buf && hooks_watch_dir(a, buf, CONTENT_WATCH))
		bw_warn("cannot watch %s, the directory of $%s", buf, name);
}

/* The GitHub runner's tool cache and installation, when the job says where. */
static void watch_runner(struct bw_agent *a)
{
	const char *tool = getenv("RUNNER_TOOL_CACHE"), *ws = getenv("RUNNER_WORKSPACE");
	char buf[PATH_MAX], *slash;

	watch_dir_of(a, "GITHUB_ENV");
	watch_dir_of(a, "GITHUB_PATH");
	if (tool && tool[0] == '/' && (size_t)snprintf(buf, sizeof(buf), "%s/", tool) < sizeof(buf))
		hooks_watch_dir(a, buf, BW_WATCH_WRITE);
	/* RUNNER_WORKSPACE is ROOT/_work/REPO: watch ROOT. */
	if (!ws || ws[0] != '/' || (size_t)snprintf(buf, sizeof(buf), "%s", ws) >= sizeof(buf))
		return;
	for (int up = 0; up < 2 && (slash = strrchr(buf, '/')) && slash != buf; up++)
		*slash = '\0';
	if (!strcmp(buf, "/") || strlen(buf) + 2 >= sizeof(buf))
		return;
	strcat(buf, "/");
	hooks_watch_dir(a, buf, BW_WATCH_WRITE);
	/* The files each step sets the next steps' environment and PATH with. */
	if (strlen(buf) + sizeof("_work/_temp/_runner_file_commands/") < sizeof(buf)) {
		strcat(buf, "_work/_temp/_runner_file_commands/");
		hooks_watch_dir(a, buf, CONTENT_WATCH);
	}
}

/* rel (ending in '/') under root's home and under $HOME. */
static void watch_in_homes(struct bw_agent *a, const char *home, const char *rel, uint32_t bits)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "/root/%s", rel);
	hooks_watch_dir(a, buf, bits);
	if (home && strcmp(home, "/root") &&
	    (size_t)snprintf(buf, sizeof(buf), "%s/%s", home, rel) < sizeof(buf))
		hooks_watch_dir(a, buf, bits);
}

static void watch_defaults(struct bw_agent *a, bool watch_cwd)
{
	const char *home = getenv("HOME");
	char buf[PATH_MAX];
	size_t i;

	if (watch_cwd && getcwd(buf, sizeof(buf) - 1)) {
		if (strcmp(buf, "/"))
			strcat(buf, "/");
		if (hooks_watch_dir(a, buf, BW_WATCH_WRITE))
			bw_warn("cannot watch the working tree %s (deeper or longer than the kernel's "
				"watch keys)", buf);
	}
	for (i = 0; i < N_OF(homes_rel); i++)
		watch_in_homes(a, home, homes_rel[i], BW_WATCH_READ | BW_WATCH_WRITE);
	for (i = 0; i < N_OF(homes_write_rel); i++)
		watch_in_homes(a, home, homes_write_rel[i], BW_WATCH_WRITE);
	for (i = 0; i < N_OF(read_dirs); i++)
		hooks_watch_dir(a, read_dirs[i], BW_WATCH_READ);
	for (i = 0; i < N_OF(write_dirs); i++)
		hooks_watch_dir(a, write_dirs[i], BW_WATCH_WRITE);
	watch_names(a, read_names, N_OF(read_names), BW_WATCH_READ);
	watch_names(a, rw_names, N_OF(rw_names), BW_WATCH_READ | BW_WATCH_WRITE);
	watch_names(a, write_names, N_OF(write_names), BW_WATCH_WRITE);
	watch_names(a, content_names, N_OF(content_names), CONTENT_WATCH);
	for (size_t k = 0; k < N_OF(content_dirs); k++)
		hooks_watch_dir(a, content_dirs[k], CONTENT_WATCH);
	watch_runner(a);
}

void engine_watch_checkout(struct bw_engine *e, const struct checkout *c)
{
	char dir[PATH_MAX];

	if (!c->root || !(e->agent.hooks_loaded & BW_HOOK_FILE))
		return;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/", c->root) >= sizeof(dir) ||
	    hooks_watch_dir(&e->agent, dir, BW_WATCH_WRITE))
		bw_warn("cannot watch the checkout %s (deeper or longer than the kernel's watch "
			"keys): changes of its tracked files are seen only from processes that "
			"reached the network", c->root);
}

struct watch_arg {
	struct bw_agent *agent;
	const struct bw_policy *policy;
};

static void watch_policy_dir(const char *dir, const char *rule, unsigned line, void *arg)
{
	struct watch_arg *w = arg;

	if (!dir)
		bw_info("policy %s:%u: rule '%s' tests a path by pattern; the kernel reports only "
			"watched directories (docs/EVENTS.md, file)", policy_source(w->policy), line,
			rule);
	else if (hooks_watch_dir(w->agent, dir, BW_WATCH_READ | BW_WATCH_WRITE))
		bw_warn("policy %s:%u: rule '%s': cannot watch %s (longer or deeper than the "
			"kernel's watch keys)", policy_source(w->policy), line, rule, dir);
}

/* The record types a rule on kind judges. */
static uint32_t kind_types(enum bw_event_kind kind)
{
	switch (kind) {
	/* The kernel sends a failed exec urgently only when it was denied. */
	case BW_ON_EXEC: return BW_EV_BIT(BW_EV_EXEC) | BW_EV_BIT(BW_EV_EXEC_FAILED);
	case BW_ON_CONNECT: return BW_EV_BIT(BW_EV_CONNECT);
	case BW_ON_DNS: return BW_EV_BIT(BW_EV_DNS);
	case BW_ON_FILE: return BW_EV_BIT(BW_EV_FILE);
	case BW_ON_PRIVILEGE: return BW_EV_BIT(BW_EV_PRIV);
	case BW_ON_LEFTOVER: return 0; /* judged once the job's root has exited */
	}
	return UINT32_MAX;
}

uint32_t engine_policies_lazy_types(const struct bw_policy *const *policies, size_t n_policies)
{
	uint32_t lazy = 0;
	size_t i, r;
	int t;

	for (t = 1; t < BW_EV_TYPE_MAX; t++)
		lazy |= BW_EV_BIT(t);
	for (i = 0; i < n_policies; i++)
		for (r = 0; r < policy_rule_count(policies[i]); r++) {
			const struct bw_rule *rule = policy_rule(policies[i], r);

			if (policy_rule_effective_action(rule) < POLICY_ACT_KILL_PROCESS)
				continue;
			if (policy_rule_is_late(rule))
				return 0;
			lazy &= ~kind_types(policy_rule_on(rule));
		}
	return lazy;
}

/* 1: every rule that kills at exec names its exes, and keys holds them all; 0: not; -ENOMEM. */
static int exec_wake_keys(const struct bw_policy *const *policies, size_t n_policies,
			  struct policy_keys *keys)
{
	int ok = 1;

	for (size_t i = 0; ok == 1 && i < n_policies; i++)
		ok = policy_exec_wake_keys(policies[i], keys);
	return ok;
}

void engine_set_wakeups(struct bw_engine *e, const struct bw_policy *const *policies,
			size_t n_policies)
{
	uint32_t lazy = policies ? engine_policies_lazy_types(policies, n_policies) : 0;
	struct policy_keys keys = { 0 };
	int err, keyed = 0;

	/* Execs urgent for rules that kill at exec: only those of the exes they name, if they all do. */
	if (policies && !(lazy & BW_EV_BIT(BW_EV_EXEC)))
		keyed = exec_wake_keys(policies, n_policies, &keys);
	if (keyed < 0)
		bw_warn("out of memory listing the exes kill rules name; every exec wakes the agent");
	/* No key: nothing made execs urgent but a rule judged late (then all are). */
	if (!keys.n)
		keyed = 0;
	err = deny_maps_set_wake_keys(&e->agent, keyed > 0 ? keys.v : NULL, keyed > 0 ? keys.n : 0);
	if (err)
		bw_warn("cannot tell the kernel which execs a kill rule can match: %s; every exec "
			"wakes the agent", strerror(-err));
	policy_keys_free(&keys);
	err = hooks_set_lazy(&e->agent, lazy);
	if (err)
		bw_warn("cannot set the ring buffer's wakeup mode: %s; every record wakes the agent",
			strerror(-err));
}

/* The syscall hooks (BW_HOOK_*) o and the policies need. */
static uint32_t hooks_wanted(const struct engine_hooks_opts *o,
			     const struct bw_policy *const *policies, size_t n_policies)
{
	uint32_t want = o->hooks;
	bool file_rules = false;

	for (size_t i = 0; i < n_policies; i++)
		file_rules |= policy_has_rules_on(policies[i], BW_ON_FILE) ||
			      policy_uses_written_files(policies[i]);
	/* auto: file hooks cost most (every open), so only when a rule needs them:
	 * one on file events, or one on files the job wrote (exe_origin). */
	if (o->record_auto && !file_rules)
		want &= ~BW_HOOK_FILE;
	return want;
}

void engine_start_hooks(struct bw_engine *e, const struct engine_hooks_opts *o,
			const struct bw_policy *const *policies, size_t n_policies)
{
	uint32_t want = hooks_wanted(o, policies, n_policies);

	/* Fail closed needs the syscall hooks loaded even when none records. */
	if (want || o->fail_closed)
		hooks_open_start(&e->agent, want, o->fail_closed);
}

int engine_setup_hooks(struct bw_engine *e, const struct engine_hooks_opts *o,
		       const struct bw_policy *const *policies, size_t n_policies)
{
	uint32_t want = hooks_wanted(o, policies, n_policies);
	int err = 0;
	size_t i;

	if (e->agent.hooks_started)
		err = hooks_open_finish(&e->agent);
	else if (want || o->fail_closed)
		err = hooks_open(&e->agent, want, o->fail_closed);
	if (err && o->fail_closed) {
		bw_err("fail-closed: the syscall hooks it relies on cannot load");
		return -ENOTSUP;
	}
	err = hooks_configure(&e->agent, want, (uint32_t)getpid(), o->fail_closed);
	if (!err)
		engine_set_wakeups(e, policies, n_policies);
	if (!err && (e->agent.hooks_loaded & BW_HOOK_FILE)) {
		watch_defaults(&e->agent, o->watch_cwd);
		for (i = 0; i < n_policies; i++) {
			struct watch_arg w = { &e->agent, policies[i] };

			policy_file_watch_dirs(policies[i], watch_policy_dir, &w);
		}
	}
	if (!err && o->fail_closed)
		err = failclosed_arm(&e->agent);
	/* Every map is made: the preallocated ones' memory is read now, not as a job ends. */
	if (!err)
		(void)loader_read_fixed_maps(&e->agent); /* else read at the summary, or said missing there */
	/*
	 * Loading parsed the kernel's BTF (megabytes) and freed it; glibc
	 * keeps the pages unless asked. Give them back before the job starts.
	 */
	malloc_trim(0);
	return err;
}

int engine_start_alerts(struct alerts **out, const char *url, enum alert_format format,
			const char *secret_file)
{
	struct alert_config cfg = { .url = url, .format = format };
	struct ci_job job;
	char *secret = NULL;
	int err;

	*out = NULL;
	if (!url)
		return 0;
	if (secret_file) {
		err = alerts_load_secret(secret_file, &secret);
		if (err)
			return err;
		cfg.secret = secret;
	}
	ci_env_detect(&job);
	err = alerts_start(out, &cfg, &job);
	alerts_secret_free(secret);
	return err;
}
