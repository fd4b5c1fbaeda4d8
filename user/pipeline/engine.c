// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Kernel records to verdicts: decode, place in a job's lineage, record in
 * its stream, judge by its policy and act. Shared by `run` and the daemon.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <string.h>
#include <time.h>
#include "pipeline/engine.h"
#include "events/event_json.h"
#include "events/events.h"
#include "kernel/deny_maps.h"
#include "lib/log.h"
#include "lib/refstr.h"
#include "pipeline/content_checks.h"
#include "events/tree.h"

#define MAX_VERDICTS_PER_EXEC 16

int engine_init(struct bw_engine *e)
{
	jbuf_init(&e->jb);
	jbuf_init(&e->jb_event);
	jbuf_init(&e->jb_alert);
	clock_calibrate(&e->clk);
	containers_init(&e->containers);
	/* Once, at start: a job that rewrites resolv.conf does not choose its
	 * own "configured" resolver. An unreadable file was reported. */
	(void)resolvers_load(&e->resolvers, RESOLVERS_PATH);
	return dns_cache_init(&e->dns);
}

void engine_free(struct bw_engine *e)
{
	loader_close(&e->agent);
	dns_cache_free(&e->dns);
	containers_free(&e->containers);
	jbuf_free(&e->jb);
	jbuf_free(&e->jb_event);
	jbuf_free(&e->jb_alert);
}

static void end_job(struct bw_engine *e, struct bw_job *j, struct verdict *v)
{
	FILE *f;

	if (!e->replay)
		jobctl_kill_job(&e->agent, &j->ctl, v->proc->job_id);
	if (j->job_killed)
		return;
	j->job_killed = true;
	/* Rendered now: the processes may be pruned before the report. */
	f = open_memstream(&j->job_killed_block, &j->job_killed_len);
	if (f) {
		verdict_print_block(f, v);
		fclose(f);
	}
}

/* Hand an alerting verdict to the webhook sender (copied; never blocks). */
static void submit_alert(struct bw_engine *e, struct bw_job *j, const struct verdict *v)
{
	const struct bw_proc *chain[BW_ANCESTRY_MAX], *p;
	char cmd[4096], lines[BW_ANCESTRY_MAX][512];
	const char *anc[BW_ANCESTRY_MAX];
	size_t n = 0, i;
	struct alert al;

	for (p = v->proc->parent; p && n < BW_ANCESTRY_MAX; p = p->parent)
		chain[n++] = p;
	for (i = 0; i < n; i++) { /* root first */
		char line[sizeof(lines[0]) - 16];

		tree_cmdline(chain[n - 1 - i], line, sizeof(line));
		snprintf(lines[i], sizeof(lines[i]), "%u %s", chain[n - 1 - i]->pid, line);
		anc[i] = lines[i];
	}
	tree_cmdline(v->proc, cmd, sizeof(cmd));
	jbuf_reset(&e->jb_alert);
	verdict_json(&e->jb_alert, j->seq, &e->clk, v);
	al = (struct alert){
		.rule = policy_rule_name(v->rule),
		.severity = policy_severity_name(policy_rule_severity(v->rule)),
		.description = policy_rule_description(v->rule),
		.action = policy_action_name(v->taken),
		.blocked = v->blocked,
		.cmdline = cmd,
		.ancestry = anc,
		.n_ancestry = n,
		.exe = v->proc->exe ? v->proc->exe : v->proc->comm,
		.pid = v->proc->pid,
		.verdict_json = e->jb_alert.oom ? NULL : e->jb_alert.buf,
		.time_ns_realtime = clock_real_ns(),
		.job = j->ci,
	};
	alerts_submit(j->alerts, &al);
}

/* The alerts a verdict line stood for, once another line or the job's end follows. */
static void print_repeats(struct bw_job *j)
{
	if (!j->printed.repeats)
		return;
	fprintf(stderr, "buildwarden: ... and %llu more %s alert%s for pid %u\n",
		(unsigned long long)j->printed.repeats, policy_rule_name(j->printed.rule),
		j->printed.repeats == 1 ? "" : "s", j->printed.pid);
	j->printed.repeats = 0;
}

/*
 * One line per rule and process in a row: `ps auxe` reads eighty
 * processes' environments, eighty verdicts, one line and a count. Every
 * verdict is still recorded and sent; kills and blocks are always shown.
 */
static void print_verdict(struct bw_job *j, const struct verdict *v)
{
	if (v->taken == POLICY_ACT_ALERT && j->printed.rule == v->rule &&
	    j->printed.pid == v->proc->pid && j->printed.start_ns == v->proc->start_ns) {
		j->printed.repeats++;
		return;
	}
	print_repeats(j);
	verdict_print_line(stderr, v);
	j->printed.rule = v->rule;
	j->printed.pid = v->proc->pid;
	j->printed.start_ns = v->proc->start_ns;
}

/* Carry out one verdict, then record it. */
static void act(struct bw_engine *e, struct bw_job *j, struct verdict *v,
		const struct bw_exec_event *x)
{
	enum policy_action written = policy_rule_action(v->rule);

	v->taken = policy_rule_effective_action(v->rule);
	if (e->replay && v->taken == POLICY_ACT_KILL_JOB)
		end_job(e, j, v);
	else if (e->replay)
		; /* a saved run: nothing to do, the verdict says what would be */
	else if (written == POLICY_ACT_DENY && v->taken == POLICY_ACT_DENY && x) {
		v->blocked = x->flags & BW_EXEC_DENIED;
		if (!v->blocked) {
			/* Never a silent downgrade: say so, and stop it from here. */
			v->kernel_missed = true;
			v->kill_err = jobctl_kill_process(&e->agent, v->proc->pid, v->proc->start_ns);
		}
	} else if (v->taken == POLICY_ACT_KILL_PROCESS) {
		v->kill_err = jobctl_kill_process(&e->agent, v->proc->pid, v->proc->start_ns);
	} else if (v->taken == POLICY_ACT_KILL_JOB) {
		end_job(e, j, v);
	}
	if ((v->blocked || (v->taken >= POLICY_ACT_KILL_PROCESS && !v->kill_err)) &&
	    !v->proc->ended_by_rule) {
		v->proc->ended_by_rule = policy_rule_name(v->rule);
		v->proc->blocked = v->blocked;
	}
	j->n_verdicts++;
	j->n_blocked += v->blocked;
	j->n_killed += v->taken >= POLICY_ACT_KILL_PROCESS && !v->blocked && !v->kill_err;
	j->rule_hits[policy_rule_index(v->rule)]++;
	if (v->taken != POLICY_ACT_LOG && !e->quiet_verdicts)
		print_verdict(j, v);
	if (job_recording(j)) {
		jbuf_reset(&e->jb);
		verdict_json(&e->jb, ++j->seq, &e->clk, v);
		job_emit(e, j);
	}
	if (j->trace)
		trace_job_verdict(j->trace, v);
	if (e->ops.on_line)
		e->ops.on_line(e, j, "verdict", v->proc->pid, v);
	if (j->alerts && v->taken != POLICY_ACT_LOG)
		submit_alert(e, j, v);
}

static void verdict_init(struct verdict *v, const struct bw_job *j, const struct bw_rule *rule,
			 struct bw_proc *p, uint64_t ktime_ns)
{
	memset(v, 0, sizeof(*v));
	v->rule = rule;
	v->mode = policy_mode(j->policy);
	v->proc = p;
	v->ktime_ns = ktime_ns;
}

/* p as the policy sees it, provenance included. */
static void exec_info_of(struct bw_job *j, struct bw_proc *p, struct bw_exec_info *info,
			 const char **anc, const char **anc_files)
{
	proctab_exec_info(p, info, anc, anc_files);
	prov_fill(&j->prov, &j->procs, p, info);
}

/* An exec verdict's "event": the provenance behind it, when there is any. */
static void exec_verdict_event(struct bw_engine *e, struct bw_job *j, struct verdict *v,
			       const struct bw_exec_info *info)
{
	jbuf_reset(&e->jb_event);
	json_obj_open(&e->jb_event);
	prov_json(&j->prov, &j->procs, v->proc, info, &e->jb_event);
	json_obj_close(&e->jb_event);
	if (!e->jb_event.oom && e->jb_event.len > 2) {
		v->event_json = e->jb_event.buf;
		v->event_json_len = e->jb_event.len;
	}
}

static bool late_fired(const struct bw_proc *p, size_t rule)
{
	for (uint32_t i = 0; i < p->n_late_fired; i++)
		if (p->late_fired[i] == rule)
			return true;
	return false;
}

static void late_mark(struct bw_proc *p, size_t rule)
{
	uint32_t *n = realloc(p->late_fired, (p->n_late_fired + 1) * sizeof(*n));

	if (!n)
		return; /* at worst the verdict is given twice */
	n[p->n_late_fired++] = (uint32_t)rule;
	p->late_fired = n;
}

/*
 * Judge p's exec. late: again, because a fact about it arrived after its
 * exec (its pipe's writer started, or connected): only rules that judge
 * such facts, and only those that have not fired for it yet.
 */
static bool judge_proc(struct bw_engine *e, struct bw_job *j, struct bw_proc *p,
		       const struct bw_exec_event *x, bool late)
{
	bool kernel_rule_seen = false;
	const struct bw_rule *hits[MAX_VERDICTS_PER_EXEC];
	const char *anc[BW_ANCESTRY_MAX], *anc_files[BW_ANCESTRY_MAX];
	struct bw_exec_info info;
	struct verdict v;
	size_t n, i, idx;

	exec_info_of(j, p, &info, anc, anc_files);
	n = policy_match(j->policy, &info, hits, MAX_VERDICTS_PER_EXEC);
	if (n > MAX_VERDICTS_PER_EXEC)
		n = MAX_VERDICTS_PER_EXEC;
	for (i = 0; i < n; i++) {
		idx = policy_rule_index(hits[i]);
		if (policy_rule_is_late(hits[i])) {
			if (late_fired(p, idx))
				continue;
			late_mark(p, idx);
		} else if (late) {
			continue;
		}
		verdict_init(&v, j, hits[i], p, x ? x->hdr.ktime_ns : clock_mono_ns());
		exec_verdict_event(e, j, &v, &info);
		kernel_rule_seen |= x && idx + 1 == x->deny_rule;
		act(e, j, &v, x);
	}
	return kernel_rule_seen;
}

static void judge_exec(struct bw_engine *e, struct bw_job *j, const struct bw_exec_event *x)
{
	struct verdict v;
	struct bw_proc *p = proctab_find(&j->procs, x->hdr.pid, x->hdr.start_ns);
	bool kernel_rule_seen;

	if (!p || !j->policy)
		return;
	kernel_rule_seen = judge_proc(e, j, p, x, false);
	/* The kernel's rule always gets its verdict, even if userspace disagrees. */
	if ((x->flags & BW_EXEC_DENIED) && !kernel_rule_seen && x->deny_rule &&
	    x->deny_rule <= policy_rule_count(j->policy)) {
		verdict_init(&v, j, policy_rule(j->policy, x->deny_rule - 1), p, x->hdr.ktime_ns);
		act(e, j, &v, x);
	}
}

/*
 * Started by the job's root, not merely in its scope: with `run --scope
 * host` the host's own daemons are in it too, and never leftovers.
 */
static bool from_root(const struct bw_job *j, const struct bw_proc *p)
{
	while (p->parent)
		p = p->parent;
	return !j->root_pid || p->pid == j->root_pid;
}

/* The job's processes the kernel still has in scope; *n of them. */
static struct bw_proc **live_processes(struct bw_engine *e, struct bw_job *j, size_t *n)
{
	size_t cap = j->procs.alive + 1;
	struct bw_proc **out = calloc(cap, sizeof(*out)), *p;

	*n = 0;
	if (!out)
		return NULL;
	for (size_t b = 0; b < j->procs.n_buckets && *n < cap; b++)
		for (p = j->procs.buckets[b]; p && *n < cap; p = p->hnext)
			if (!p->exited && p->job_id == j->id && from_root(j, p) &&
			    jobctl_process_alive(&e->agent, p->pid, p->start_ns))
				out[(*n)++] = p;
	return out;
}

/*
 * A child the root did not wait for may be exiting as the root does
 * (`(cmd &)` at the end of a script): no persistence. Those still alive
 * after LEFTOVER_GRACE_MS are; a job that left nothing waits not at all.
 */
#define LEFTOVER_GRACE_MS 100

static size_t still_alive(struct bw_engine *e, struct bw_proc **live, size_t n)
{
	const struct timespec step = { .tv_nsec = 10 * 1000000L };
	size_t i, kept;

	for (int waited = 0; n && waited < LEFTOVER_GRACE_MS; waited += 10) {
		nanosleep(&step, NULL);
		for (i = kept = 0; i < n; i++)
			if (jobctl_process_alive(&e->agent, live[i]->pid, live[i]->start_ns))
				live[kept++] = live[i];
		n = kept;
	}
	return n;
}

static void content_recheck_all(struct bw_engine *e, struct bw_job *j, uint32_t pid,
				uint64_t start_ns, bool final);

void engine_judge_leftovers(struct bw_engine *e, struct bw_job *j)
{
	const struct bw_rule *hits[MAX_VERDICTS_PER_EXEC];
	const char *anc[BW_ANCESTRY_MAX], *anc_files[BW_ANCESTRY_MAX];
	struct bw_event_info ev = { .kind = BW_ON_LEFTOVER };
	struct bw_exec_info info;
	struct bw_proc **live;
	struct verdict vd;
	uint64_t now = clock_mono_ns();
	size_t n_live, n, i, k;

	/* The job's writes are done: their files as they are now are final. */
	content_recheck_all(e, j, 0, 0, true);
	print_repeats(j);
	if (!j->policy || !policy_has_rules_on(j->policy, BW_ON_LEFTOVER))
		return;
	live = live_processes(e, j, &n_live);
	if (!live) {
		bw_warn("cannot list the processes left running by the job: %s", strerror(ENOMEM));
		return;
	}
	n_live = still_alive(e, live, n_live);
	for (k = 0; k < n_live; k++) {
		exec_info_of(j, live[k], &info, anc, anc_files);
		ev.proc = &info;
		n = policy_match_event(j->policy, &ev, hits, MAX_VERDICTS_PER_EXEC);
		for (i = 0; i < n && i < MAX_VERDICTS_PER_EXEC; i++) {
			verdict_init(&vd, j, hits[i], live[k], now);
			vd.on = policy_on_name(BW_ON_LEFTOVER);
			jbuf_reset(&e->jb_event);
			json_obj_open(&e->jb_event);
			json_kv_u64(&e->jb_event, "running_ns",
				    now > live[k]->start_ns ? now - live[k]->start_ns : 0);
			json_obj_close(&e->jb_event);
			vd.event_json = e->jb_event.buf;
			vd.event_json_len = e->jb_event.len;
			act(e, j, &vd, NULL);
		}
	}
	free(live);
}

/* Processes whose provenance changed after their exec: judge them again. */
static void judge_late(struct bw_engine *e, struct bw_job *j, const struct prov_rejudge *rj)
{
	if (!j->policy || !policy_has_late_rules(j->policy))
		return;
	for (uint32_t i = 0; i < rj->n; i++)
		judge_proc(e, j, rj->procs[i], NULL, true);
}

/* /proc/PID/..., /proc/self/...: whose memory or environment a path names. */
static uint32_t proc_target(const char *path, uint32_t self)
{
	char *end;
	unsigned long pid;

	if (!path || strncmp(path, "/proc/", 6))
		return 0;
	path += 6;
	if (!strncmp(path, "self/", 5) || !strncmp(path, "thread-self/", 12))
		return self;
	pid = strtoul(path, &end, 10);
	return end != path && *end == '/' && pid <= UINT32_MAX ? (uint32_t)pid : 0;
}

/*
 * The event is read after the fact: a short-lived target may have left the
 * job-scope map by then. So the job's own lineage counts too: a process
 * of the job with that pid, alive when the event happened (the privilege
 * hook also says what it saw at the syscall).
 */
static bool target_in_job(struct bw_engine *e, struct bw_job *j, uint32_t target,
			  const struct bw_event_header *h)
{
	uint64_t target_job;

	return target == h->pid ||
	       (!e->replay && loader_job_of(&e->agent, target, &target_job) && target_job == h->job_id) ||
	       proctab_find_live_pid(&j->procs, target, h->ktime_ns);
}

/*
 * A content rule's verdict is given once per file and job: each later
 * write of the same file (every `echo ... >> $GITHUB_ENV`) shows the same
 * planted line again.
 */
static bool content_repeat(struct bw_job *j, const struct bw_rule *r, const struct bw_file_info *f)
{
	const char *path = content_path(f);

	return policy_rule_reads_content(r) && path &&
	       !content_checks_mark(&j->content, policy_rule_index(r), path);
}

/* The record's event, as its verdicts show it: in e->jb_event. */
static void render_event(struct bw_engine *e, const struct bw_event_view *v)
{
	jbuf_reset(&e->jb_event);
	json_obj_open(&e->jb_event);
	netinfo_json(&e->jb_event, &e->ni, v);
	json_obj_close(&e->jb_event);
}

/*
 * Judge a kept write again if its file changed (content_checks.h); true
 * when a content rule fired, and the write need not be kept any longer.
 */
static bool content_recheck(struct bw_engine *e, struct bw_job *j, struct content_pending *cp)
{
	const struct bw_rule *hits[MAX_VERDICTS_PER_EXEC];
	const char *anc[BW_ANCESTRY_MAX], *anc_files[BW_ANCESTRY_MAX];
	struct bw_event_info ev = { .kind = BW_ON_FILE };
	struct bw_proc *p = proctab_find(&j->procs, cp->pid, cp->start_ns);
	struct content_src src;
	struct bw_exec_info info;
	struct verdict vd;
	struct stat now;
	bool fired = false;
	size_t n;

	if (!p || !j->policy || !content_pending_changed(cp, &now))
		return false;
	exec_info_of(j, p, &info, anc, anc_files);
	ev.proc = &info;
	ev.file = cp->file;
	content_src_init(&src, content_path(&cp->file));
	ev.file.content = content_src_read;
	ev.file.content_arg = &src;
	n = policy_match_event(j->policy, &ev, hits, MAX_VERDICTS_PER_EXEC);
	for (size_t i = 0; i < n && i < MAX_VERDICTS_PER_EXEC; i++) {
		/* The other rules judged this record when it came. */
		if (!policy_rule_reads_content(hits[i]) || content_repeat(j, hits[i], &cp->file))
			continue;
		verdict_init(&vd, j, hits[i], p, cp->ktime_ns);
		vd.on = policy_on_name(BW_ON_FILE);
		vd.event_json = cp->event_json;
		vd.event_json_len = cp->event_json_len;
		act(e, j, &vd, NULL);
		fired = true;
	}
	if (src.read)
		cp->seen = src.st;
	content_src_free(&src);
	return fired;
}

/*
 * Read the kept writes again: all of them (pid 0), or one writer's. final:
 * the writer exited or the job ended, and nothing will be written more.
 */
static void content_recheck_all(struct bw_engine *e, struct bw_job *j, uint32_t pid,
				uint64_t start_ns, bool final)
{
	struct content_pending **pp = &j->content.head, *cp;

	while ((cp = *pp)) {
		if (pid && (cp->pid != pid || cp->start_ns != start_ns)) {
			pp = &cp->next;
			continue;
		}
		if (!content_recheck(e, j, cp) && !final) {
			pp = &cp->next;
			continue;
		}
		*pp = cp->next;
		j->content.n--;
		content_pending_free(cp);
	}
}

/* A content test was reached but did not fire: the writer may not have written yet. */
static void content_keep(struct bw_engine *e, struct bw_job *j, const struct bw_event_view *v,
			 const struct content_src *src)
{
	struct content_pending *dropped;

	render_event(e, v);
	dropped = content_checks_add(&j->content, v->hdr->pid, v->hdr->start_ns,
				     v->hdr->ktime_ns, &e->ni.info.file, &src->st,
				     e->jb_event.oom ? NULL : e->jb_event.buf, e->jb_event.len);
	if (dropped) {
		(void)content_recheck(e, j, dropped);
		content_pending_free(dropped);
	}
}

static void judge_event(struct bw_engine *e, struct bw_job *j, const struct bw_event_view *v)
{
	const struct bw_rule *hits[MAX_VERDICTS_PER_EXEC];
	const char *anc[BW_ANCESTRY_MAX], *anc_files[BW_ANCESTRY_MAX];
	struct bw_proc *p = proctab_find(&j->procs, v->hdr->pid, v->hdr->start_ns);
	struct netinfo *ni = &e->ni;
	struct content_src src;
	struct bw_exec_info info;
	struct verdict vd;
	bool content_fired = false;
	size_t n, i;

	if (!p)
		return; /* a process we never saw start cannot be placed in its job */
	exec_info_of(j, p, &info, anc, anc_files);
	ni->info.proc = &info;
	content_src_init(&src, NULL);
	if (ni->info.kind == BW_ON_FILE) {
		/* A saved record's file is no longer what the job wrote. */
		if (!e->replay)
			src.path = content_path(&ni->info.file);
		ni->info.file.content = content_src_read;
		ni->info.file.content_arg = &src;
	}
	n = policy_match_event(j->policy, &ni->info, hits, MAX_VERDICTS_PER_EXEC);
	if (n)
		render_event(e, v);
	for (i = 0; i < n && i < MAX_VERDICTS_PER_EXEC; i++) {
		if (ni->info.kind == BW_ON_FILE && content_repeat(j, hits[i], &ni->info.file))
			continue;
		content_fired |= policy_rule_reads_content(hits[i]);
		verdict_init(&vd, j, hits[i], p, v->hdr->ktime_ns);
		vd.on = record_type_name(v->hdr->type);
		vd.event_json = e->jb_event.buf;
		vd.event_json_len = e->jb_event.len;
		act(e, j, &vd, NULL);
	}
	if (src.read && src.path && !content_fired)
		content_keep(e, j, v, &src);
	if (ni->info.kind == BW_ON_FILE)
		ni->info.file.content = NULL;
	content_src_free(&src);
}

/*
 * A file was just recorded as dropped: deny rules on exe_origin that flag
 * it put its path in the kernel's deny map, so its exec is refused before
 * the program's first instruction.
 */
static void deny_dropped(struct bw_engine *e, struct bw_job *j, const struct prov_rejudge *rj)
{
	const struct policy_deny_rule *d;
	struct bw_exec_info info = { .filename = "", .exe = "", .cwd = "" };
	size_t n = 0;
	int err;

	if (!rj->dropped || !j->kernel_deny || !j->policy)
		return;
	info.exe = info.filename = rj->dropped;
	info.exe_prov = rj->dropped_tags;
	d = policy_deny_rules(j->policy, &n);
	for (size_t i = 0; i < n; i++) {
		if (d[i].kind != POLICY_DENY_DROPPED ||
		    !policy_rule_matches(policy_rule(j->policy, d[i].rule_index), &info))
			continue;
		err = deny_maps_add_path(&e->agent, rj->dropped, (uint32_t)d[i].rule_index + 1);
		if (err)
			bw_warn("deny rule '%s': cannot deny %s in the kernel: %s; its exec will be "
				"killed from userspace", d[i].rule_name, rj->dropped, strerror(-err));
	}
}

/* What the connect's process's own code does, known before the connect is judged. */
static void before_connect_judged(struct bw_job *j, const struct bw_event_view *v,
				  const struct bw_connect_info *c)
{
	struct bw_proc *p = proctab_find(&j->procs, v->hdr->pid, v->hdr->start_ns);

	if (p)
		prov_before_connect(&j->prov, &j->procs, p, c);
}

/* What a connect or a write tells of the job's data flows. */
static void on_hook_provenance(struct bw_engine *e, struct bw_job *j,
			       const struct bw_event_view *v)
{
	struct bw_proc *p = proctab_find(&j->procs, v->hdr->pid, v->hdr->start_ns);
	struct prov_rejudge rj = { .n = 0 };

	if (!p)
		return;
	if (v->hdr->type == BW_EV_CONNECT) {
		prov_on_connect(&j->prov, &j->procs, p, &e->ni.info.connect, &rj);
		deny_dropped(e, j, &rj);
		judge_late(e, j, &rj);
	} else if (v->hdr->type == BW_EV_FILE) {
		prov_on_file(&j->prov, &j->procs, p, &e->ni.info.file, &rj);
		deny_dropped(e, j, &rj);
		/* the shell of a download's writer may source it (sourced_drop_tags) */
		judge_late(e, j, &rj);
	}
}

/*
 * A write, truncation, rename (either side: moved away or replaced) or
 * unlink of a file the checkout tracks, that happened. A refused one
 * changed nothing; a chmod or xattr changes no content.
 */
static bool changes_tracked(const struct bw_job *j, const struct bw_file_info *f,
			    const struct bw_file_event *x)
{
	if (!j->checkout.root || x->ret < 0)
		return false;
	switch (x->op) {
	case BW_FILE_OPEN:
		if (!(x->flags & BW_FILE_WRITE))
			return false;
		/* fallthrough */
	case BW_FILE_UNLINK:
		return checkout_tracked(&j->checkout, f->path);
	case BW_FILE_RENAME:
		return checkout_tracked(&j->checkout, f->path) ||
		       checkout_tracked(&j->checkout, f->path2);
	}
	return false;
}

/* A saved record says what the host would have: it wins. */
static void replay_facts(const struct engine_replay *r, struct netinfo *ni,
			 const struct bw_event_view *v)
{
	if (v->hdr->type == BW_EV_FILE) {
		ni->info.file.tracked = r->tracked;
		ni->info.file.target_in_job = ni->info.file.target_pid && r->target_in_job;
	} else if (v->hdr->type == BW_EV_DNS && v->dns->direction == BW_DNS_QUERY) {
		ni->info.dns.resolver = r->resolver;
	}
}

/* Network, DNS, file and privilege records: decode, record, judge. */
static void on_hook_event(struct bw_engine *e, struct bw_job *j, const struct bw_event_view *v)
{
	struct netinfo *ni = &e->ni;

	netinfo_decode(ni, v, &e->dns);
	netinfo_dns_context(ni, v, &e->resolvers, &j->dns);
	if (v->hdr->type == BW_EV_PRIV && v->priv->target_pid)
		ni->info.priv.target_in_job = (v->priv->flags & BW_PRIV_F_TARGET_IN_JOB) ||
			target_in_job(e, j, v->priv->target_pid, v->hdr);
	if (v->hdr->type == BW_EV_FILE) {
		ni->info.file.target_pid = proc_target(ni->info.file.path, v->hdr->pid);
		ni->info.file.target_in_job =
			ni->info.file.target_pid &&
			target_in_job(e, j, ni->info.file.target_pid, v->hdr);
		ni->info.file.tracked = changes_tracked(j, &ni->info.file, v->file);
	}
	if (e->replay)
		replay_facts(e->replay, ni, v);
	if (j->trace)
		trace_job_record(j->trace, v, &ni->info, NULL);
	if (job_recording(j)) {
		jbuf_reset(&e->jb);
		netinfo_json_record(&e->jb, ni, v, ++j->seq, &e->clk);
		job_emit_hook(e, j, v, &ni->info);
	}
	if (e->ops.on_line)
		e->ops.on_line(e, j, record_type_name(v->hdr->type), v->hdr->pid, NULL);
	if (v->hdr->type == BW_EV_CONNECT)
		before_connect_judged(j, v, &ni->info.connect);
	/* on: dns judges the queries a job sends; answers only inform connects. */
	if (j->policy && !(v->hdr->type == BW_EV_DNS && v->dns->direction == BW_DNS_ANSWER))
		judge_event(e, j, v);
	on_hook_provenance(e, j, v);
}

/* An exit: what a shell's fork that ran no program wrote into a pipe. */
static void on_exit_provenance(struct bw_engine *e, struct bw_job *j,
			       const struct bw_exit_event *x)
{
	struct prov_rejudge rj = { .n = 0 };
	struct bw_proc *p;

	if (!x->stdout_pipe || !(p = proctab_find(&j->procs, x->hdr.pid, x->hdr.start_ns)))
		return;
	prov_on_exit(&j->prov, &j->procs, p, x->stdout_pipe, &rj);
	judge_late(e, j, &rj);
}

/* An exec the BPF LSM hook refused: the verdict is already carried out. */
static void judge_lsm_denied(struct bw_engine *e, struct bw_job *j, const struct bw_event_view *ev)
{
	const struct bw_exec_failed_event *x = ev->exec_failed;
	struct bw_proc *p = proctab_find(&j->procs, x->hdr.pid, x->hdr.start_ns);
	struct verdict v;

	if (!p || !j->policy || !x->deny_rule || x->deny_rule > policy_rule_count(j->policy))
		return;
	jbuf_reset(&e->jb_event);
	json_obj_open(&e->jb_event);
	json_kv_str(&e->jb_event, "filename", ev->filename);
	json_kv_i64(&e->jb_event, "error", x->error);
	json_kv_str(&e->jb_event, "hook", "lsm");
	json_obj_close(&e->jb_event);
	verdict_init(&v, j, policy_rule(j->policy, x->deny_rule - 1), p, x->hdr.ktime_ns);
	v.blocked = true; /* the exec failed with EPERM: nothing of it ran */
	v.event_json = e->jb_event.buf;
	v.event_json_len = e->jb_event.len;
	act(e, j, &v, NULL);
}

static void on_exec(struct bw_engine *e, struct bw_job *j, const struct bw_event_view *v)
{
	struct bw_proc *p = proctab_find(&j->procs, v->hdr->pid, v->hdr->start_ns);
	struct prov_rejudge rj = { .n = 0 };

	if (p)
		prov_on_exec(&j->prov, &j->procs, p, v, &rj);
	deny_dropped(e, j, &rj);
	judge_exec(e, j, v->exec);
	judge_late(e, j, &rj);
	/* Written before this exec began: a kept write's file holds it now. */
	if (j->content.head)
		content_recheck_all(e, j, 0, 0, false);
}

/*
 * The kernel stopped this exec until its rules had judged it: they have.
 * After a kill the SIGCONT is harmless (SIGKILL wins over a stop).
 */
static void resume_held(const struct bw_engine *e, const struct bw_event_view *v)
{
	int err;

	if (e->replay || v->hdr->type != BW_EV_EXEC || !(v->exec->flags & BW_EXEC_HELD))
		return;
	err = jobctl_resume_process(v->hdr->pid);
	if (err && err != -ESRCH)
		bw_warn("cannot resume pid %u, held at its exec for its verdict: %s",
			v->hdr->pid, strerror(-err));
}

/*
 * A fork by a process the job never saw start: one the kernel adopted
 * under host scope (dockerd, containerd), which had exec'd before the job.
 * Its name and program are read from /proc while it lives, so the tree
 * and its children's rules show more than a pid.
 */
static void describe_adopted(struct bw_job *j, const struct bw_fork_event *f)
{
	char path[64], buf[BW_PATH_MAX];
	struct bw_proc *p;
	ssize_t n;
	FILE *fp;

	if (proctab_find(&j->procs, f->parent_pid, f->parent_start_ns))
		return;
	p = proctab_get(&j->procs, f->parent_pid, f->parent_start_ns);
	if (!p)
		return;
	snprintf(path, sizeof(path), "/proc/%u/comm", f->parent_pid);
	fp = fopen(path, "re");
	if (fp) {
		if (fgets(p->comm, sizeof(p->comm), fp))
			p->comm[strcspn(p->comm, "\n")] = '\0';
		fclose(fp);
	}
	snprintf(path, sizeof(path), "/proc/%u/exe", f->parent_pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0 && !p->exe) {
		buf[n] = '\0';
		p->exe = refstr_new(buf);
	}
}

/* Records other than exec carry no cgroup: the process's is its last exec's, or its parent's. */
static const char *container_of(struct bw_job *j, const struct bw_event_header *h)
{
	struct bw_proc *p = proctab_find(&j->procs, h->pid, h->start_ns);

	return p ? p->container : NULL;
}

/* After the record's verdicts: its span event, or its process's span at exit. */
static void trace_record(struct bw_job *j, const struct bw_event_view *v)
{
	struct bw_proc *p = proctab_find(&j->procs, v->hdr->pid, v->hdr->start_ns);

	if (v->hdr->type == BW_EV_EXIT)
		trace_job_exit(j->trace, v->exit, p);
	else
		trace_job_record(j->trace, v, NULL, p);
}

int engine_on_event(void *ctx, void *data, size_t size)
{
	struct bw_engine *e = ctx;
	struct bw_event_view v;
	struct bw_job *j;

	if (events_decode(data, size, &v)) {
		if (!e->malformed++)
			bw_warn("malformed kernel record (%zu bytes) skipped", size);
		return 0;
	}
	j = e->ops.job_for(e, &v);
	if (!j) {
		e->dropped++;
		resume_held(e, &v);
		return 0;
	}
	engine_on_record(e, j, &v);
	return 0;
}

void engine_on_record(struct bw_engine *e, struct bw_job *j, struct bw_event_view *v)
{
	j->n_type[v->hdr->type]++;
	if (v->hdr->type == BW_EV_EXEC)
		v->container = e->replay ? e->replay->container :
			containers_lookup(&e->containers, v->exec->cgroup_id, v->hdr->pid);
	if (v->hdr->type >= BW_EV_CONNECT) {
		v->container = container_of(j, v->hdr);
		on_hook_event(e, j, v);
		return;
	}
	if (v->hdr->type == BW_EV_FORK && !e->replay)
		describe_adopted(j, v->fork);
	if (proctab_apply(&j->procs, v))
		bw_warn("out of memory tracking pid %u; the process tree is incomplete", v->hdr->pid);
	if (v->hdr->type != BW_EV_EXEC)
		v->container = container_of(j, v->hdr);
	if (job_recording(j)) {
		jbuf_reset(&e->jb);
		event_json_render(&e->jb, v, ++j->seq, &e->clk);
		job_emit_record(e, j, v);
	}
	if (e->ops.on_line)
		e->ops.on_line(e, j, record_type_name(v->hdr->type), v->hdr->pid, NULL);
	if (v->hdr->type == BW_EV_EXEC) {
		on_exec(e, j, v);
		resume_held(e, v);
	} else if (v->hdr->type == BW_EV_EXEC_FAILED &&
		   (v->exec_failed->flags & BW_EXECFAIL_DENIED)) {
		judge_lsm_denied(e, j, v);
	} else if (v->hdr->type == BW_EV_EXIT) {
		on_exit_provenance(e, j, v->exit);
		if (j->content.head)
			content_recheck_all(e, j, v->hdr->pid, v->hdr->start_ns, true);
		if (e->ops.on_exit)
			e->ops.on_exit(e, j, v->exit);
	}
	if (j->trace)
		trace_record(j, v);
}

uint64_t engine_new_losses(struct bw_engine *e)
{
	uint64_t n;

	if (loader_counter(&e->agent, BW_CNT_LOST, &e->lost))
		return 0;
	n = e->lost - e->lost_reported;
	e->lost_reported = e->lost;
	return n;
}


int engine_signalfd(sigset_t *orig, bool with_chld)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (with_chld)
		sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, orig))
		return -errno;
	fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		bw_err("signalfd failed: %s", strerror(errno));
		return -errno;
	}
	return fd;
}

enum { TAG_RB = 1, TAG_SIG, TAG_AUX };

static int epoll_add(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		bw_err("epoll_ctl(fd %d) failed: %s", fd, strerror(errno));
		return -errno;
	}
	return 0;
}

#define LOOP_PERIOD_NS 250000000ULL

int engine_run_loop(struct bw_engine *e, int sigfd, const struct engine_loop_ops *ops, void *arg)
{
	struct epoll_event evs[4];
	uint64_t next_tick = 0, now;
	int epfd, n, i, err, stop_err;

	err = loader_map_ring(&e->agent);
	if (err)
		return err;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	err = epoll_add(epfd, ringbuf_fd(e->agent.rb), TAG_RB);
	if (!err)
		err = epoll_add(epfd, sigfd, TAG_SIG);
	if (!err && ops->on_aux)
		err = epoll_add(epfd, ops->aux_fd, TAG_AUX);
	while (!err && !ops->done(arg)) {
		n = epoll_wait(epfd, evs, 4, 250);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			bw_err("epoll_wait failed: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.u32 == TAG_RB)
				ringbuf_consume(e->agent.rb);
			else if (evs[i].data.u32 == TAG_AUX)
				ops->on_aux(arg);
			else
				ops->on_signal(arg);
		}
		if (ops->after_batch)
			ops->after_batch(arg);
		/* The counters cost a syscall per CPU: a few times a second is enough. */
		now = clock_mono_ns();
		if (now >= next_tick) {
			/* Fork and exit records wake nobody (bw_submit_lazy): collect them here too. */
			ringbuf_consume(e->agent.rb);
			ops->tick(arg);
			next_tick = now + LOOP_PERIOD_NS;
		}
	}
	close(epfd);
	/* An exec held after the last drain would never be resumed. */
	stop_err = deny_maps_stop_holding(&e->agent);
	if (stop_err)
		bw_warn("cannot stop holding execs for their verdicts: %s; a process that "
			"execs from now on with a hint stays stopped", strerror(-stop_err));
	if (err)
		return err;
	/* What the kernel wrote before the end (a root's exit record) is still due. */
	ringbuf_consume(e->agent.rb);
	ops->tick(arg);
	return 0;
}
