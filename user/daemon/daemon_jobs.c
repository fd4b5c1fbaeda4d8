// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's jobs: a root candidate the kernel flagged is confirmed
 * against the whole rule (or dropped), gets its name, policy and stream;
 * its root's exit ends it: reports written, kernel scope and state freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "daemon/daemon.h"
#include "lib/spawn.h"
#include "lib/ci_env.h"
#include "lib/safefile.h"
#include "lib/clock.h"
#include "kernel/deny_maps.h"
#include "lib/log.h"
#include "lib/path.h"
#include "export/metrics.h"
#include "lib/privdrop.h"
#include "lib/procfs.h"
#include "process.skel.h"
#include "lib/redact.h"
#include "lib/trace_context.h"
#include "pipeline/engine_setup.h"

/*
 * The parent's name as the kernel keeps it (comm): the basename of what
 * it exec'd, a script's own name rather than its interpreter's, cut at
 * 15 bytes.
 */
static void daemon_proc_comm(uint32_t ppid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/comm", ppid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* A rule's longer name matches a comm the kernel cut short. */
const char *daemon_parent_for(const struct daemon_root_rule *r, const char *comm)
{
	if (!*comm)
		return NULL;
	if (strlen(comm) == BW_COMM_LEN - 1 && r->parent_basename &&
	    !strncmp(r->parent_basename, comm, BW_COMM_LEN - 1))
		return r->parent_basename;
	return comm;
}

/* argv joined by single spaces, for args: globs. */
static char *joined_args(const struct bw_event_view *v)
{
	char *s = malloc((size_t)v->args_len + 1);

	if (!s)
		return NULL;
	if (v->args_len)
		memcpy(s, v->args, v->args_len);
	procfs_join_args(s, v->args_len);
	return s;
}

#define ENVIRON_MAX (1u << 20)

/* The root's environment as the kernel keeps it: NUL-separated, NUL-terminated. */
/*
 * Is the process behind /proc/PID (dirfd) still running? A root that is
 * already gone (a zombie) has no environment to read, and opening a dead
 * process's environ looks, to an agent watching the daemon, like reading
 * another process's secrets.
 */
static bool running(int dirfd)
{
	char buf[512], comm[BW_COMM_LEN], *state;
	uint32_t ppid;

	if (safe_read_small(dirfd, "stat", buf, sizeof(buf)) < 0)
		return false;
	state = strrchr(buf, ')');
	return !procfs_parse_stat(buf, &ppid, comm, sizeof(comm)) && state && state[1] == ' ' &&
	       state[2] != 'Z' && state[2] != 'X';
}

/* The root's environment as the kernel keeps it: NUL-separated, NUL-terminated. */
static char *read_environ(uint32_t pid, size_t *len)
{
	char path[64], *buf = NULL;
	ssize_t r;
	size_t n = 0;
	int dirfd, fd = -1;

	snprintf(path, sizeof(path), "/proc/%u", pid);
	/* One directory fd: stat and environ of the same process, not of a reused pid. */
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return NULL;
	if (running(dirfd))
		fd = openat(dirfd, "environ", O_RDONLY | O_CLOEXEC);
	close(dirfd);
	if (fd < 0)
		return NULL;
	buf = malloc(ENVIRON_MAX + 1);
	while (buf && n < ENVIRON_MAX && (r = read(fd, buf + n, ENVIRON_MAX - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (buf)
		buf[n++] = '\0';
	*len = n;
	return buf;
}

/*
 * Who the job is, from its root's environment where the runner put it
 * there (GitLab, Jenkins); else the daemon's host with the job's name.
 * GitHub's Runner.Worker gets its job over a pipe: its environment has none.
 */
static void job_identity(struct daemon *d, struct bw_job *j)
{
	size_t len = 0;
	char *env = read_environ(j->root_pid, &len);
	struct trace_env_block eb = { env, env ? len : 0 };

	j->ci = calloc(1, sizeof(*j->ci));
	if (j->ci)
		ci_env_detect_from(env, len, j->ci);
	if (j->ci && *j->ci->repository)
		j->repository = strdup(j->ci->repository);
	if (j->ci && !*j->ci->job)
		snprintf(j->ci->job, sizeof(j->ci->job), "%s", j->name);
	/* its trace joins the pipeline's when the runner handed the job a traceparent */
	if (d->traces && job_start_trace(&d->eng, j, d->traces, trace_context_env_block, &eb, j->ci))
		bw_warn("job %s: not exported as a trace (see above)", j->name);
	free(env);
}

/*
 * The checkout a job must not rewrite: its CI's workspace, listed as the
 * root's user, when the root starts. A workspace the job clones later
 * (GitHub's actions/checkout) is not there yet: docs/DAEMON.md.
 */
static void job_checkout(struct daemon *d, struct bw_job *j)
{
	struct build_user u;
	char proc[32];
	struct stat st;

	if (!j->ci || !*j->ci->workspace)
		return;
	snprintf(proc, sizeof(proc), "/proc/%u", j->root_pid);
	if (stat(proc, &st) || privdrop_user_of(st.st_uid, &u)) {
		bw_warn("job %s: cannot tell who runs root pid %u; its checkout %s is not "
			"listed", j->name, j->root_pid, j->ci->workspace);
		return;
	}
	if (!job_load_checkout(j, j->ci->workspace, &u))
		engine_watch_checkout(&d->eng, &j->checkout);
}

static struct bw_job *find_job(struct daemon *d, uint64_t id)
{
	struct bw_job *j;

	for (j = d->jobs; j; j = j->next)
		if (j->id == id)
			return j;
	return NULL;
}

/* NAME.events.jsonl that is not there yet: a fixed id: used twice gets -2, -3 ... */
static char *job_name(struct daemon *d, const struct daemon_root_rule *r, uint32_t pid)
{
	char base[256], name[300], path[PATH_MAX];
	struct tm tm;
	time_t now = (time_t)(clock_real_ns() / 1000000000ULL);
	struct stat st;
	int i;

	if (r->id) {
		snprintf(base, sizeof(base), "%s", r->id);
	} else {
		gmtime_r(&now, &tm);
		snprintf(base, sizeof(base), "%s-%04d%02d%02dT%02d%02d%02d-%u", r->name,
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, pid);
	}
	snprintf(name, sizeof(name), "%s", base);
	for (i = 2; i < 1000; i++) {
		snprintf(path, sizeof(path), "%s/%s.events.jsonl", d->gen->cfg->reports_dir, name);
		if (lstat(path, &st) && errno == ENOENT)
			break;
		snprintf(name, sizeof(name), "%s-%d", base, i);
	}
	return strdup(name);
}

static bool is_kernel_policy(struct daemon *d, const struct daemon_policy_text *t)
{
	if (!d->kernel_loaded)
		return false;
	if (!t || !d->kernel_policy_text)
		return !t && !d->kernel_policy_text;
	return !strcmp(t->text, d->kernel_policy_text);
}

/* errs: where a policy's errors go (FILE:LINE:COL: why). */
static int job_policy(struct daemon *d, struct bw_job *j, const struct daemon_policy_text *t,
		      FILE *errs)
{
	struct bw_policy *p = NULL;
	int err;

	err = daemon_policy_get(d, t, errs, &p);
	if (err)
		return err;
	err = job_set_policy(j, p);
	if (err)
		policy_free(p);
	/* Deny rules the kernel maps do not hold are judged here, at the exec record. */
	j->kernel_deny = !err && is_kernel_policy(d, t);
	if (!err && !j->kernel_deny)
		jobctl_scope_update(&d->eng.agent, j->id, JOBCTL_SCOPE_FLAGS, BW_PROC_USER_DENY);
	return err;
}

static int job_open(struct daemon *d, struct bw_job *j)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.events.jsonl", d->gen->cfg->reports_dir,
			     j->name) >= sizeof(path))
		return -ENAMETOOLONG;
	/* Its report is built as the stream is written: the job's end reads nothing back. */
	return job_open_events(j, path) ?: job_start_report(j);
}

static void job_enlist(struct daemon *d, struct bw_job *j)
{
	j->alerts = d->alerts;
	j->t_start_ns = clock_mono_ns();
	j->next = d->jobs;
	d->jobs = j;
	d->n_jobs++;
	metrics_add(d->metrics, METRIC_JOBS, 1);
	metrics_set(d->metrics, METRIC_JOBS_ACTIVE, d->n_jobs);
}

/*
 * A job `run` handed over (daemon_runs.c): its root is already in the
 * kernel's scope under id, its stream is the descriptor run opened (taken
 * only on success), its policy the text run read. 0 with *out set, or
 * -errno after writing why to errs (-EINVAL: the policy has errors).
 */
int daemon_run_job_start(struct daemon *d, uint64_t id, uint32_t root_pid,
			 const struct daemon_policy_text *t, int events_fd, FILE *errs,
			 struct bw_job **out)
{
	struct bw_job *j = calloc(1, sizeof(*j));
	char name[64];
	int err = -ENOMEM;

	if (!j || job_init(j, id))
		goto fail;
	j->root_pid = root_pid;
	snprintf(name, sizeof(name), "run-%u", root_pid);
	j->name = strdup(name);
	j->rule_name = strdup("run");
	if (!j->name || !j->rule_name)
		goto fail;
	job_identity(d, j);
	job_checkout(d, j);
	err = job_policy(d, j, t, errs);
	if (err)
		goto fail;
	j->events = fdopen(events_fd, "w");
	if (!j->events) {
		err = -errno;
		goto fail;
	}
	job_stream_buffer(j->events, &j->events_buf);
	j->handed_over = true;
	job_enlist(d, j);
	bw_info("job %s started: root pid %u handed over by run, policy %s", j->name, root_pid,
		policy_source(j->policy));
	*out = j;
	return 0;
fail:
	if (err != -EINVAL)
		fprintf(errs, "cannot start a job for root pid %u: %s\n", root_pid, strerror(-err));
	if (j)
		job_free(j);
	free(j);
	return err;
}

/* A new job: named, its policy and stream, on the list. NULL after saying why. */
struct bw_job *daemon_job_start(struct daemon *d, const struct daemon_root_rule *r, uint64_t id,
				 uint32_t root_pid, uint64_t root_start_ns)
{
	const char *ppath;
	struct bw_job *j = calloc(1, sizeof(*j));
	int err = -ENOMEM;

	if (!j)
		goto fail;
	err = job_init(j, id);
	if (err)
		goto fail;
	j->root_pid = root_pid;
	j->root_start_ns = root_start_ns;
	j->name = job_name(d, r, root_pid);
	j->rule_name = strdup(r->name);
	err = -ENOMEM;
	if (!j->name || !j->rule_name)
		goto fail;
	job_identity(d, j);
	job_checkout(d, j);
	ppath = daemon_policy_for(d->gen->cfg, r, j->repository);
	err = job_policy(d, j, daemon_gen_policy(d->gen, ppath), stderr);
	if (!err)
		err = job_open(d, j);
	if (err)
		goto fail;
	job_enlist(d, j);
	bw_info("job %s started: root pid %u (rule %s), policy %s%s%s", j->name, root_pid, r->name,
		policy_source(j->policy), j->repository ? ", repository " : "",
		j->repository ? j->repository : "");
	return j;
fail:
	bw_err("cannot start a job for root pid %u (rule %s): %s; it is not watched", root_pid,
	       r->name, strerror(-err));
	if (j)
		job_free(j);
	free(j);
	return NULL;
}

/*
 * Not a job after all (`sh` without the args a rule wants, say): out of
 * the kernel's scope. Children it forked before this arrive as fork
 * records of the rejected id and leave the scope one by one, so a busy
 * host pays a lookup per record, not a sweep of the whole map.
 */
static void reject_root(struct daemon *d, const struct bw_event_view *v)
{
	int fd = bpf_map__fd(d->eng.agent.skel->maps.job_procs);
	__u32 key = v->hdr->pid;

	bw_debug("pid %u is no job root: no rule matches all of it", v->hdr->pid);
	bpf_map_delete_elem(fd, &key);
	if (d->n_rejected == DAEMON_REJECTED_MAX) {
		memmove(d->rejected, d->rejected + 1, sizeof(d->rejected) - sizeof(d->rejected[0]));
		d->n_rejected--;
	}
	d->rejected[d->n_rejected++] = v->hdr->job_id;
}

static void drop_rejected(struct daemon *d, const struct bw_event_view *v)
{
	int fd = bpf_map__fd(d->eng.agent.skel->maps.job_procs);
	__u32 key = v->hdr->pid;
	unsigned i;

	if (v->hdr->type != BW_EV_FORK)
		return;
	for (i = 0; i < d->n_rejected; i++)
		if (d->rejected[i] == v->hdr->job_id) {
			bpf_map_delete_elem(fd, &key);
			return;
		}
}

/* The kernel found a candidate root: the first exe rule it fully matches starts a job. */
static struct bw_job *confirm_root(struct daemon *d, const struct bw_event_view *v)
{
	const struct daemon_config *cfg = d->gen->cfg;
	const char *exe = path_basename(v->filename ? v->filename : v->exec->comm);
	char parent[256], *cmdline = joined_args(v);
	struct bw_job *j = NULL;
	size_t i;

	daemon_proc_comm(v->exec->ppid, parent, sizeof(parent));
	for (i = 0; i < cfg->n_roots && !j; i++) {
		const struct daemon_root_rule *r = &cfg->roots[i];

		if (d->stopping || !daemon_rule_matches(r, exe, daemon_parent_for(r, parent), cmdline))
			continue;
		j = daemon_job_start(d, r, v->hdr->job_id, v->hdr->pid, v->hdr->start_ns);
		break;
	}
	free(cmdline);
	if (!j)
		reject_root(d, v);
	return j;
}

struct bw_job *daemon_job_for(struct bw_engine *e, const struct bw_event_view *v)
{
	struct daemon *d = e->owner;
	struct bw_job *j = find_job(d, v->hdr->job_id);

	if (j && !j->root_start_ns && v->hdr->pid == j->root_pid)
		j->root_start_ns = v->hdr->start_ns; /* a handed-over root: known by pid until now */
	if (j)
		return j->root_exited ? NULL : j;
	if (v->hdr->type == BW_EV_EXEC && (v->exec->flags & BW_EXEC_JOB_ROOT))
		return confirm_root(d, v);
	drop_rejected(d, v);
	return NULL;
}

void daemon_on_exit(struct bw_engine *e, struct bw_job *j, const struct bw_exit_event *x)
{
	(void)e;
	if (x->hdr.pid != j->root_pid || (j->root_start_ns && x->hdr.start_ns != j->root_start_ns))
		return;
	j->root_exited = true;
	j->root_status = (int)x->exit_status;
}

static void job_fields(struct jbuf *jb, struct bw_job *j, void *arg)
{
	struct bw_proc *root = proctab_find(&j->procs, j->root_pid, j->root_start_ns);
	uint32_t i;

	(void)arg;
	json_arr_open(jb, "command");
	for (i = 0; root && i < root->argv.n; i++)
		redact_json_strn(jb, NULL, root->argv.v[i], strlen(root->argv.v[i]),
				 i ? root->argv.v[i - 1] : NULL);
	json_arr_close(jb);
	json_kv_i64(jb, "exit_status", j->job_killed ? 124 : spawn_exit_status(j->root_status));
	if (j->root_exited && WIFSIGNALED(j->root_status)) {
		json_kv_null(jb, "build_exit_code");
		json_kv_u64(jb, "build_signal", (uint64_t)WTERMSIG(j->root_status));
	} else if (j->root_exited) {
		json_kv_u64(jb, "build_exit_code", (uint64_t)WEXITSTATUS(j->root_status));
		json_kv_null(jb, "build_signal");
	}
	json_sub_open(jb, "job");
	json_kv_str(jb, "name", j->name);
	json_kv_str(jb, "rule", j->rule_name);
	json_kv_u64(jb, "root_pid", j->root_pid);
	if (j->repository)
		json_kv_str(jb, "repository", j->repository);
	else
		json_kv_null(jb, "repository");
	json_obj_close(jb);
}

/* run renders its own reports from the stream it gave us: complete it, then say so. */
static void finish_handed_over(struct daemon *d, struct bw_job *j)
{
	int status = j->job_killed ? 124 : spawn_exit_status(j->root_status);

	if (j->events && fflush(j->events))
		bw_err("job %s: cannot write its stream: %s", j->name, strerror(errno));
	if (j->agent_stopped)
		bw_info("job %s ended: the agent is stopping (root pid %u still running); %zu "
			"processes, %llu verdicts", j->name, j->root_pid, j->procs.count,
			(unsigned long long)j->n_verdicts);
	else
		bw_info("job %s ended: root pid %u exited with status %d%s; %zu processes, %llu "
			"verdicts; reports by run", j->name, j->root_pid, status,
			j->job_killed ? " (job terminated by policy)" : "", j->procs.count,
			(unsigned long long)j->n_verdicts);
	if (d->run_job_ended)
		d->run_job_ended(d, j, status);
}

static void job_finish(struct daemon *d, struct bw_job *j)
{
	char json[PATH_MAX], md[PATH_MAX], html[PATH_MAX];
	struct report_opts ro = { .json_path = json, .markdown_path = md, .html_path = html };
	int err;

	if (j->root_exited)
		engine_judge_leftovers(&d->eng, j);
	/* Orphans the job leaves behind are no longer its business. */
	jobctl_scope_update(&d->eng.agent, j->id, JOBCTL_SCOPE_FORGET, 0);
	j->t_end_ns = clock_mono_ns();
	job_end_trace(j);
	job_write_summary(&d->eng, j, job_fields, d);
	if (j->handed_over) {
		finish_handed_over(d, j);
		return;
	}
	snprintf(json, sizeof(json), "%s/%s.json", d->gen->cfg->reports_dir, j->name);
	snprintf(md, sizeof(md), "%s/%s.md", d->gen->cfg->reports_dir, j->name);
	snprintf(html, sizeof(html), "%s/%s.html", d->gen->cfg->reports_dir, j->name);
	err = job_render_reports(j, &ro);
	if (j->agent_stopped)
		bw_info("job %s ended: the agent is stopping (root pid %u still running); %zu processes, "
			"%llu verdicts; report %s", j->name, j->root_pid, j->procs.count,
			(unsigned long long)j->n_verdicts, err ? "not written" : json);
	else
		bw_info("job %s ended: root pid %u exited with status %d%s; %zu processes, %llu verdicts; "
			"report %s", j->name, j->root_pid, spawn_exit_status(j->root_status),
			j->job_killed ? " (job terminated by policy)" : "", j->procs.count,
			(unsigned long long)j->n_verdicts, err ? "not written" : json);
	if (err)
		bw_err("job %s: cannot write its report %s: %s", j->name, json, strerror(-err));
}

void daemon_end_jobs(struct daemon *d, bool all)
{
	struct bw_job **pp = &d->jobs, *j;

	while ((j = *pp)) {
		if (!j->root_exited && !all) {
			pp = &j->next;
			continue;
		}
		j->agent_stopped = !j->root_exited;
		*pp = j->next;
		d->n_jobs--;
		job_finish(d, j);
		job_free(j);
		free(j);
	}
	metrics_set(d->metrics, METRIC_JOBS_ACTIVE, d->n_jobs);
}

/* The rules' comms in the kernel; flags: are all its rules' jobs on the kernel's deny rules? */
static int install_roots(struct daemon *d)
{
	const struct daemon_config *cfg = d->gen->cfg;
	int fd = bpf_map__fd(d->eng.agent.skel->maps.job_roots);
	struct bw_root_key key, next;
	struct bw_root_val val, cur;
	size_t i;

	while (!bpf_map_get_next_key(fd, NULL, &next))
		bpf_map_delete_elem(fd, &next);
	for (i = 0; i < cfg->n_roots; i++) {
		const struct daemon_root_rule *r = &cfg->roots[i];

		if (!r->exe_basename)
			continue;
		memset(&key, 0, sizeof(key));
		/* The kernel's comm: the first 15 bytes of the name. */
		strncpy(key.comm, r->exe_basename, sizeof(key.comm) - 1);
		memset(&val, 0, sizeof(val));
		if (!is_kernel_policy(d, daemon_gen_policy(d->gen, r->policy_path ? r->policy_path
										  : cfg->policy_path)))
			val.proc_flags = BW_PROC_USER_DENY;
		if (!bpf_map_lookup_elem(fd, &key, &cur))
			val.proc_flags |= cur.proc_flags;
		if (bpf_map_update_elem(fd, &key, &val, BPF_ANY)) {
			int err = -errno;

			bw_err("config %s:%u: cannot load job rule %s into the kernel: %s", cfg->path,
			       r->line, r->name, strerror(errno));
			return err;
		}
	}
	return 0;
}

int daemon_apply_kernel(struct daemon *d)
{
	const struct daemon_policy_text *top = daemon_gen_policy(d->gen, d->gen->cfg->policy_path);
	const struct bw_policy *p = top ? top->compiled : d->gen->embedded;
	struct bw_job *j;
	char *text = NULL;
	int err;

	if (d->kernel_loaded && is_kernel_policy(d, top))
		return install_roots(d);
	if (top && !(text = strdup(top->text)))
		return -ENOMEM;
	/* No job falls back to the embedded policy: the kernel holds no deny rules then. */
	if (!p)
		err = policy_load_default(&d->gen->embedded, stderr);
	else
		err = 0;
	if (!err)
		err = deny_maps_install(&d->eng.agent, p ? p : d->gen->embedded);
	if (err) {
		free(text);
		return err;
	}
	free(d->kernel_policy_text);
	d->kernel_policy_text = text;
	d->kernel_loaded = true;
	/* Running jobs keep their policy: the new kernel rules are not theirs. */
	for (j = d->jobs; j; j = j->next)
		jobctl_scope_update(&d->eng.agent, j->id, JOBCTL_SCOPE_FLAGS, BW_PROC_USER_DENY);
	return install_roots(d);
}
