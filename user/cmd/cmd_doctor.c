// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `buildwarden doctor`: probes the host for everything the agent needs and
 * says, one line per check, what works, what does not, and what to do. The
 * load check loads and attaches the real process programs the way `run`
 * does (loader.c), so "ok" means the agent's own programs pass this
 * kernel's verifier, not that some feature probe did.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "cmd/commands.h"
#include "kernel/doctor.h"
#include "kernel/failclosed.h"
#include "lib/exit_codes.h"
#include "lib/json_out.h"
#include "kernel/detach.h"
#include "kernel/loader.h"
#include "kernel/tamper.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/privdrop.h"
#include "kernel/tracefs.h"

#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"
#define LSM_LIST "/sys/kernel/security/lsm"
#define LOCKDOWN "/sys/kernel/security/lockdown"
#define TRACEFS_MAGIC_ 0x74726163
#define DEBUGFS_MAGIC_ 0x64626720
#define CGROUP_WALK_DEPTH 32
/* A tracepoint id libbpf reads to attach: tracefs is root-only (0700) by default. */
#define TRACEFS_PROBE_ID "/events/sched/sched_process_exec/id"

/* What later checks need to know about earlier ones. */
struct doctor_ctx {
	struct doctor_report *r;
	bool privileged;    /* can load BPF at all */
	bool can_mount;     /* CAP_SYS_ADMIN */
	bool kernel_old;    /* below DOCTOR_MIN_MAJOR.DOCTOR_MIN_MINOR */
	bool tracefs_ok;
	char cgroup2[4096]; /* mount point, "" when none */
	bool deny_lsm;      /* the loader attached the BPF LSM deny hook */
};

static void check_kernel(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "kernel");
	unsigned maj, min, patch;
	struct utsname u;

	if (uname(&u)) {
		doctor_set(c, DOCTOR_FAIL, "uname: %s", strerror(errno));
		return;
	}
	if (doctor_parse_kernel_version(u.release, &maj, &min, &patch)) {
		doctor_set(c, DOCTOR_WARN, "cannot parse the release '%s'; the checks below "
			   "decide", u.release);
		return;
	}
	if (!doctor_version_at_least(maj, min, DOCTOR_MIN_MAJOR, DOCTOR_MIN_MINOR)) {
		x->kernel_old = true;
		doctor_set(c, DOCTOR_FAIL, "%s is older than %d.%d", u.release, DOCTOR_MIN_MAJOR,
			   DOCTOR_MIN_MINOR);
		doctor_hint(c, "run on a %d.%d+ kernel (bpf_loop, BPF ring buffer, CAP_BPF)",
			    DOCTOR_MIN_MAJOR, DOCTOR_MIN_MINOR);
		return;
	}
	doctor_set(c, DOCTOR_PASS, "%s (>= %d.%d)", u.release, DOCTOR_MIN_MAJOR,
		   DOCTOR_MIN_MINOR);
}

static void check_btf(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "btf");
	struct btf *btf;

	if (access(BTF_VMLINUX, R_OK)) {
		doctor_set(c, DOCTOR_FAIL, "%s: %s", BTF_VMLINUX, strerror(errno));
		doctor_hint(c, "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian 11+, "
			       "Ubuntu 20.10+, RHEL 8.2+ ship one)");
		return;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		doctor_set(c, DOCTOR_FAIL, "%s exists but does not parse: %s", BTF_VMLINUX,
			   strerror(errno));
		doctor_hint(c, "update libbpf, or the kernel");
		return;
	}
	doctor_set(c, DOCTOR_PASS, "%s (%u types)", BTF_VMLINUX, btf__type_cnt(btf));
	btf__free(btf);
}

static void check_caps(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "capabilities");
	uint64_t eff;

	if (privdrop_caps(&eff))
		eff = geteuid() == 0 ? ~0ull : 0;
	doctor_caps_verdict(c, eff, (unsigned)geteuid());
	x->privileged = c->status != DOCTOR_FAIL;
	x->can_mount = eff & DOCTOR_CAP_SYS_ADMIN;
}

static bool is_fs(const char *path, long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (long)st.f_type == magic;
}

/* Can we read a tracepoint id under dir, as libbpf will? 0 or an errno. */
static int read_tracepoint_id(const char *dir)
{
	char path[256], buf[32];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s%s", dir, TRACEFS_PROBE_ID);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (read(fd, buf, sizeof(buf)) < 0)
		err = errno;
	close(fd);
	return err;
}

/*
 * Mounts tracefs in a private mount namespace of a child and reads a
 * tracepoint id there, leaving the host as it was: 0 or an errno.
 */
static int try_mount_tracefs(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tracefs", BW_TRACEFS_DIR, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL))
			_exit(errno & 0xff);
		_exit(read_tracepoint_id(BW_TRACEFS_DIR) & 0xff);
	}
	if (waitpid(pid, &status, 0) < 0)
		return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
}

/* Mounted, but can this uid read it? */
static void tracefs_readable(struct doctor_ctx *x, struct doctor_check *c, const char *dir)
{
	int err = read_tracepoint_id(dir);

	if (!err || err == ENOENT) { /* ENOENT: a kernel without that event; libbpf decides */
		doctor_set(c, DOCTOR_PASS, "mounted at %s", dir);
		return;
	}
	x->tracefs_ok = false;
	doctor_set(c, DOCTOR_FAIL, "mounted at %s, but uid %u cannot read tracepoint ids: %s",
		   dir, (unsigned)geteuid(), strerror(err));
	doctor_hint(c, "tracefs is root-only: run as root, or grant CAP_DAC_READ_SEARCH too");
}

static void check_tracefs(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "tracefs");
	int err;

	x->tracefs_ok = true;
	if (is_fs(BW_TRACEFS_DIR, TRACEFS_MAGIC_)) {
		tracefs_readable(x, c, BW_TRACEFS_DIR);
		return;
	}
	if (is_fs("/sys/kernel/debug", DEBUGFS_MAGIC_) &&
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0) {
		tracefs_readable(x, c, "/sys/kernel/debug/tracing");
		return;
	}
	err = x->can_mount ? try_mount_tracefs() : EPERM;
	if (!err) {
		doctor_set(c, DOCTOR_PASS, "not mounted; mountable at %s (the agent mounts it)",
			   BW_TRACEFS_DIR);
		return;
	}
	x->tracefs_ok = false;
	doctor_set(c, DOCTOR_FAIL, "not mounted, and mounting it on %s failed: %s",
		   BW_TRACEFS_DIR, strerror(err));
	doctor_hint(c, "mount -t tracefs tracefs %s before starting the agent (a container: "
		       "bind-mount the host's), or grant CAP_SYS_ADMIN", BW_TRACEFS_DIR);
}

static void check_cgroup2(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "cgroup2");
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err;
	size_t n;

	if (!f) {
		doctor_set(c, DOCTOR_WARN, "cannot read /proc/self/mountinfo: %s", strerror(errno));
		return;
	}
	err = doctor_cgroup2_mount(f, x->cgroup2, sizeof(x->cgroup2));
	fclose(f);
	if (err) {
		x->cgroup2[0] = '\0';
		doctor_set(c, DOCTOR_WARN, "no cgroup v2 mount: kill-job falls back to "
			   "sweeping the process table");
		doctor_hint(c, "mount -t cgroup2 none /sys/fs/cgroup (or boot with "
			       "systemd.unified_cgroup_hierarchy=1)");
		return;
	}
	n = strlen(x->cgroup2);
	doctor_set(c, DOCTOR_PASS, "mounted at %s%s", x->cgroup2,
		   n >= 9 && !strcmp(x->cgroup2 + n - 9, "/unified") ? " (hybrid layout)" : "");
}

static void check_ringbuf(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "ringbuf");
	int fd, err, probe;

	if (!x->privileged) {
		doctor_set(c, DOCTOR_SKIP, "not tried: needs the capabilities above");
		return;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "bw_doctor_rb", 0, 0, LOADER_DEFAULT_RINGBUF,
			    NULL);
	if (fd >= 0) {
		close(fd);
		doctor_set(c, DOCTOR_PASS, "created a %u MiB BPF ring buffer",
			   LOADER_DEFAULT_RINGBUF >> 20);
		return;
	}
	err = errno;
	probe = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	if (probe == 0) {
		doctor_set(c, DOCTOR_FAIL, "this kernel has no BPF ring buffer");
		doctor_hint(c, "run on a 5.8+ kernel");
		return;
	}
	doctor_set(c, DOCTOR_FAIL, "cannot create a %u MiB BPF ring buffer: %s",
		   LOADER_DEFAULT_RINGBUF >> 20, strerror(err));
	doctor_hint(c, "before 5.11 BPF memory counts against RLIMIT_MEMLOCK: raise it "
		       "(ulimit -l unlimited, systemd LimitMEMLOCK=infinity)");
}

static void check_send_signal(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "send_signal");
	int tp, raw;

	if (!x->privileged) {
		doctor_set(c, DOCTOR_SKIP, "not tried: needs the capabilities above");
		return;
	}
	tp = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_send_signal, NULL);
	raw = libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_send_signal, NULL);
	if (tp == 1 && raw == 1) {
		doctor_set(c, DOCTOR_PASS, "bpf_send_signal available to tracepoint programs "
			   "(deny rules kill in the kernel)");
		return;
	}
	doctor_set(c, DOCTOR_WARN, "bpf_send_signal %s: deny rules cannot stop a program "
		   "in the kernel", tp < 0 || raw < 0 ? "could not be probed" : "is missing");
	doctor_hint(c, "use a 5.3+ kernel; kill-process and kill-job rules still work");
}

static int ignore_sample(void *ctx, void *data, size_t size)
{
	return 0;
}

/* Loads and attaches the process programs as run does, then the syscall hooks. */
static void check_programs(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "exec_hook");
	struct doctor_check *h = doctor_add(x->r, "syscall_hooks");
	struct loader_opts o = { .ringbuf_bytes = 1u << 18, .max_procs = 1024 };
	struct bw_agent a = { 0 }; /* loader_open prepares an agent not prepared */
	int err;

	if (!x->privileged || !x->tracefs_ok) {
		doctor_set(c, DOCTOR_SKIP, "not tried: needs the %s above",
			   x->privileged ? "tracefs" : "capabilities");
		doctor_set(h, DOCTOR_SKIP, "not tried: needs the exec hook");
		return;
	}
	err = loader_open(&a, &o, ignore_sample, NULL);
	if (err) {
		doctor_set(c, DOCTOR_FAIL, "the process programs do not load or attach with "
			   "tp_btf nor raw_tp: %s", strerror(-err));
		doctor_hint(c, "run 'buildwarden doctor -vv' for libbpf's and the verifier's log");
		doctor_set(h, DOCTOR_SKIP, "not tried: needs the exec hook");
		return;
	}
	x->r->exec_hook = a.raw_tp ? "raw_tp" : "tp_btf";
	x->deny_lsm = a.lsm;
	if (a.raw_tp)
		doctor_set(c, DOCTOR_PASS, "raw_tp: tp_btf did not load or attach, the fallback "
			   "works (-vv shows why)%s",
			   a.tracefs_mounted ? "; mounted tracefs and left it, as run does" : "");
	else
		doctor_set(c, DOCTOR_PASS, "tp_btf: the process programs load and attach%s",
			   a.tracefs_mounted ? "; mounted tracefs and left it, as run does" : "");

	err = hooks_open(&a, BW_HOOK_CONNECT | BW_HOOK_DNS | BW_HOOK_FILE | BW_HOOK_PRIV, false);
	if (err) {
		doctor_set(h, DOCTOR_WARN, "raw_syscalls enter/exit do not load or attach: %s; "
			   "network, file and privilege events are not recorded", strerror(-err));
		doctor_hint(h, "run 'buildwarden doctor -vv' for libbpf's log; run records "
			       "exec only (--record exec)");
	} else {
		doctor_set(h, DOCTOR_PASS, "raw_syscalls enter/exit load and attach through %s "
			   "(network, file, privilege events)", a.sys_hook);
	}
	/* Per-syscall tracepoints take ~55 ms each to detach: a holder waits them out. */
	detach_behind();
	loader_close(&a);
}

/* The bracketed word of "none [integrity] confidentiality". */
static void check_lockdown(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "lockdown");
	char buf[256] = "", *lb, *rb;
	FILE *f = fopen(LOCKDOWN, "re");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	lb = strchr(buf, '[');
	rb = lb ? strchr(lb, ']') : NULL;
	if (!rb) {
		doctor_set(c, DOCTOR_INFO, "unknown (%s not readable; securityfs not mounted?)",
			   LOCKDOWN);
		return;
	}
	*rb = '\0';
	if (!strcmp(lb + 1, "confidentiality")) {
		doctor_set(c, DOCTOR_WARN, "kernel lockdown is 'confidentiality': BPF may not "
			   "read kernel memory");
		doctor_hint(c, "boot with lockdown=integrity or none if the exec hook fails");
		return;
	}
	doctor_set(c, DOCTOR_INFO, "kernel lockdown is '%s'", lb + 1);
}

static void check_bpf_lsm(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "bpf_lsm");
	char buf[512] = "";
	FILE *f = fopen(LSM_LIST, "re");

	if (!f) {
		doctor_set(c, DOCTOR_INFO, "unknown (%s: %s); not needed: deny kills at exec "
			   "with SIGKILL", LSM_LIST, strerror(errno));
		doctor_hint(c, "mount -t securityfs securityfs /sys/kernel/security to see");
		return;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	if (doctor_lsm_has(buf, "bpf")) {
		if (x->deny_lsm)
			doctor_set(c, DOCTOR_INFO, "BPF LSM active (%s): deny rules fail the exec "
				   "with EPERM", buf);
		else
			doctor_set(c, DOCTOR_INFO, "BPF LSM listed (%s) but its program does not "
				   "load or attach here: deny kills at exec with SIGKILL", buf);
		return;
	}
	doctor_set(c, DOCTOR_INFO, "BPF LSM not active (%s); not needed: deny kills at exec "
		   "with SIGKILL", buf[0] ? buf : "no LSM");
	doctor_hint(c, "optional: add bpf to lsm= on the kernel command line "
		       "(CONFIG_BPF_LSM=y)");
}

struct leftovers {
	unsigned empty, busy, pinned, pinned_live, dead_runs;
	char example[4096];
};

/*
 * run --fail-closed pins its links under /sys/fs/bpf/buildwarden-PID: a live
 * PID's pins are in use; a dead one's hold its job fail-closed until the
 * next run sweeps them. Anything else named buildwarden* is not ours to keep.
 */
static bool pin_owner_alive(const char *path)
{
	const char *name = path_basename(path);
	char *end;
	long pid;

	if (strncmp(name, "buildwarden-", 12))
		return false;
	pid = strtol(name + 12, &end, 10);
	if (*end || pid <= 0)
		return false;
	return failclosed_pid_alive(pid);
}

static bool cgroup_empty(const char *dir)
{
	char path[4200], buf[16];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == 0;
}

static void walk_cgroups(const char *dir, int depth, struct leftovers *l)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	if (depth > CGROUP_WALK_DEPTH || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		if (!strncmp(de->d_name, "buildwarden-job-", 16)) {
			if (cgroup_empty(path)) {
				l->empty++;
				if (!l->example[0])
					snprintf(l->example, sizeof(l->example), "%s", path);
			} else {
				l->busy++;
			}
		}
		walk_cgroups(path, depth + 1, l);
	}
	closedir(d);
}

static void check_leftovers(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "leftovers");
	struct leftovers l = {};
	glob_t g;

	if (glob("/sys/fs/bpf/buildwarden*", GLOB_NOSORT, NULL, &g) == 0) {
		size_t i;

		for (i = 0; i < g.gl_pathc; i++) {
			if (!strcmp(g.gl_pathv[i], BW_TAMPER_PIN_DIR))
				continue; /* the "tamper" check's */
			if (pin_owner_alive(g.gl_pathv[i])) {
				l.pinned_live++;
				continue;
			}
			if (!l.pinned++)
				snprintf(l.example, sizeof(l.example), "%s", g.gl_pathv[i]);
		}
		globfree(&g);
	}
	if (x->cgroup2[0])
		walk_cgroups(x->cgroup2, 0, &l);
	/* Markers of runs whose agent died (user/failclosed.h). */
	if (glob("/run/buildwarden/agent-*", GLOB_NOSORT, NULL, &g) == 0) {
		size_t i;

		for (i = 0; i < g.gl_pathc; i++) {
			long pid = strtol(strrchr(g.gl_pathv[i], '-') + 1, NULL, 10);

			if (pid > 0 && !failclosed_pid_alive(pid) && !l.dead_runs++ &&
			    !l.example[0])
				snprintf(l.example, sizeof(l.example), "%s", g.gl_pathv[i]);
		}
		globfree(&g);
	}
	if (l.dead_runs)
		doctor_set(c, DOCTOR_WARN, "%u run%s whose agent died while watching a job "
			   "(e.g. %s)", l.dead_runs, l.dead_runs == 1 ? "" : "s", l.example);
	if (l.dead_runs && !l.pinned && !l.empty) {
		doctor_hint(c, "the next buildwarden run reports and removes them; use --fail-closed "
			       "so a job cannot outlive its agent");
		return;
	}
	if (l.pinned || l.empty) {
		doctor_set(c, DOCTOR_WARN, "%u pinned object%s of no running agent under "
			   "/sys/fs/bpf, %u empty stale job cgroup%s (e.g. %s)", l.pinned,
			   l.pinned == 1 ? "" : "s", l.empty, l.empty == 1 ? "" : "s", l.example);
		doctor_hint(c, "the next run removes a dead fail-closed agent's pins once its job "
			       "is gone, and empty buildwarden-job-* cgroups below its own cgroup; "
			       "or rm -r /sys/fs/bpf/buildwarden*, rmdir the cgroups");
		return;
	}
	if (l.busy || l.pinned_live) {
		doctor_set(c, DOCTOR_INFO, "in use: %u job cgroup%s (a running job, or daemons "
			   "that outlived theirs), %u pin%s of running fail-closed agents", l.busy,
			   l.busy == 1 ? "" : "s", l.pinned_live, l.pinned_live == 1 ? "" : "s");
		doctor_hint(c, "cat DIR/cgroup.procs of buildwarden-job-* to see who");
		return;
	}
	doctor_set(c, DOCTOR_PASS, "no pinned objects or stale job cgroups");
}

struct tamper_seen {
	struct bw_tamper_record worst; /* the first SIGKILL, else the latest */
	unsigned records, agents;
	uint32_t last_agent;
};

static void tamper_seen(const struct bw_tamper_record *r, uint64_t total, void *arg)
{
	struct tamper_seen *t = arg;

	(void)total;
	if (!t->records++ || t->worst.sig != 9)
		t->worst = *r;
	if (r->agent_pid != t->last_agent) {
		t->agents++;
		t->last_agent = r->agent_pid;
	}
}

/* Who signalled agents that are gone: said here, kept for the next run to report and clear. */
static void check_tamper(struct doctor_ctx *x)
{
	struct doctor_check *c = doctor_add(x->r, "tamper");
	struct tamper_seen t = {};
	char line[1024];
	int err;

	if (!c)
		return;
	err = tamper_sweep(false, tamper_seen, &t);
	if (err < 0) {
		doctor_set(c, DOCTOR_INFO, "cannot read %s: %s", BW_TAMPER_PIN_DIR, strerror(-err));
		doctor_hint(c, "run doctor as root to see who signalled agents that died");
		return;
	}
	if (!t.records) {
		doctor_set(c, DOCTOR_PASS, "no signal recorded for an agent that is gone");
		return;
	}
	tamper_describe(&t.worst, line, sizeof(line));
	doctor_set(c, DOCTOR_WARN, "%u signal%s recorded for %u agent%s that %s gone: %s",
		   t.records, t.records == 1 ? "" : "s", t.agents, t.agents == 1 ? "" : "s",
		   t.agents == 1 ? "is" : "are", line);
	doctor_hint(c, "the next buildwarden run or daemon start reports each in full (and "
		       "in its event stream) and clears them; or rm -r %s/PID",
		    BW_TAMPER_PIN_DIR);
}

static void print_tamper_record(const struct bw_tamper_record *r, uint64_t total, void *arg)
{
	char line[2048];

	(void)total;
	tamper_describe(r, line, sizeof(line));
	fprintf(arg, "       tamper: %s\n", line);
}

/* An older kernel with the features backported (RHEL 9) runs the agent. */
static void settle_kernel(struct doctor_ctx *x)
{
	struct doctor_report *r = x->r;
	struct doctor_check *k = NULL;
	bool ringbuf = false, exec = false;
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct doctor_check *c = &r->checks[i];

		if (!strcmp(c->name, "kernel"))
			k = c;
		ringbuf |= !strcmp(c->name, "ringbuf") && c->status == DOCTOR_PASS;
		exec |= !strcmp(c->name, "exec_hook") && c->status == DOCTOR_PASS;
	}
	if (k && x->kernel_old && ringbuf && exec) {
		k->status = DOCTOR_WARN;
		strncat(k->detail, ", but the BPF features the agent needs are there "
			"(backported)", sizeof(k->detail) - strlen(k->detail) - 1);
	}
}

static void doctor_run_checks(struct doctor_report *r)
{
	struct doctor_ctx x = { .r = r };

	memset(r, 0, sizeof(*r));
	check_kernel(&x);
	check_btf(&x);
	check_caps(&x);
	check_tracefs(&x);
	check_cgroup2(&x);
	check_ringbuf(&x);
	check_send_signal(&x);
	check_programs(&x);
	check_lockdown(&x);
	check_bpf_lsm(&x);
	check_leftovers(&x);
	check_tamper(&x);
	settle_kernel(&x);
}

static void usage(FILE *f)
{
	fputs("Usage: buildwarden doctor [-j|--json] [-v|--verbose]\n"
	      "\n"
	      "Checks that buildwarden can run on this host: kernel version, BTF,\n"
	      "tracefs, cgroup v2, capabilities, BPF ring buffer, bpf_send_signal,\n"
	      "loading the exec programs (tp_btf or the raw_tp fallback), the\n"
	      "raw_syscalls hooks, kernel lockdown, BPF LSM, leftovers of earlier\n"
	      "runs and who signalled agents that died (kept, not cleared: the next\n"
	      "run clears them). One line per check: [ ok ], [warn] (runs without that\n"
	      "feature), [FAIL] (cannot run), [info], [skip]; a fix follows 'fix:'.\n"
	      "Then each recorded signal in full, as 'tamper: ...' lines.\n"
	      "\n"
	      "  -j, --json     print the results as one JSON object\n"
	      "  -v, --verbose  show libbpf's warnings; twice for its debug log\n"
	      "  -h, --help     show this help\n"
	      "\n"
	      "Exit status: 0 when the agent can run, 1 when it cannot, 64 on a\n"
	      "usage error, 125 when the results cannot be written.\n",
	      f);
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct doctor_report r;
	bool json = false;
	int opt, verbose = 0;

	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((opt = getopt_long(argc, argv, "+jvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			cmd_option_error("doctor", opt, argv);
			return BW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		bw_err("doctor: unexpected argument '%s' (see buildwarden doctor --help)",
		       argv[optind]);
		return BW_EXIT_USAGE;
	}
	/* Failures are this command's output: loader errors stay on stderr as context. */
	log_set_level(verbose >= 2 ? BW_LOG_DEBUG : verbose ? BW_LOG_INFO : BW_LOG_WARN);
	doctor_run_checks(&r);
	if (json) {
		struct jbuf jb;

		jbuf_init(&jb);
		doctor_json(&r, &jb);
		if (jb.oom) {
			jbuf_free(&jb);
			bw_err("doctor: out of memory writing JSON");
			return BW_EXIT_AGENT_ERROR;
		}
		fwrite(jb.buf, 1, jb.len, stdout);
		fputc('\n', stdout);
		jbuf_free(&jb);
	} else {
		doctor_print(&r, stdout);
		/* The check's detail holds one, cut to fit: here each in full. */
		tamper_sweep(false, print_tamper_record, stdout);
	}
	if (fflush(stdout)) {
		bw_err("doctor: cannot write the results: %s", strerror(errno));
		return BW_EXIT_AGENT_ERROR;
	}
	return doctor_can_run(&r) ? 0 : 1;
}
