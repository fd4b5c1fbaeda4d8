// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One job's state: its policy, lineage table, event stream, counts, and
 * the summary and reports rendered from its stream when it ends.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pipeline/engine.h"
#include "lib/log.h"
#include "kernel/loader.h"
#include "lib/memstat.h"
#include "lib/safefile.h"
#include "events/tree.h"

int job_init(struct bw_job *j, uint64_t id)
{
	int err;

	j->id = id;
	err = proctab_init(&j->procs);
	if (!err)
		prov_init(&j->prov);
	return err;
}

int job_set_policy(struct bw_job *j, struct bw_policy *policy)
{
	j->policy = policy;
	j->rule_hits = calloc(policy_rule_count(policy) + 1, sizeof(*j->rule_hits));
	return j->rule_hits ? 0 : -ENOMEM;
}

int job_load_policy(struct bw_job *j, const char *path)
{
	struct bw_policy *p = NULL;
	int err;

	if (path)
		err = policy_load_file(path, &p, stderr);
	else
		err = policy_load_default(&p, stderr);
	if (err) {
		bw_err("cannot load policy %s: %s", path ? path : POLICY_DEFAULT_NAME,
		       err == -EINVAL ? "it has errors (above)" : strerror(-err));
		return err;
	}
	return job_set_policy(j, p);
}

/* Bytes the stream is written in: a build's records come by the hundred a second. */
#define JOB_STREAM_BUF (1 << 16)

/*
 * Full buffering in JOB_STREAM_BUF bytes of our own: given no buffer,
 * glibc's setvbuf keeps its st_blksize default (4 KiB), and each write is
 * a syscall that also updates the file's times. Out of memory: glibc's.
 */
void job_stream_buffer(FILE *f, char **buf)
{
	*buf = malloc(JOB_STREAM_BUF);
	if (*buf && setvbuf(f, *buf, _IOFBF, JOB_STREAM_BUF)) {
		free(*buf);
		*buf = NULL;
	}
}

int job_open_events(struct bw_job *j, const char *p)
{
	if (p) {
		j->events_path = strdup(p);
		if (!j->events_path)
			return -ENOMEM;
		j->events = strcmp(p, "-") == 0 ? stdout : safe_fopen_write(p, false);
		if (!j->events) {
			bw_err("cannot open events file %s: %s", p, strerror(errno));
			return -errno;
		}
		/* Fewer, larger writes: the stream is flushed at the end. */
		if (j->events != stdout)
			job_stream_buffer(j->events, &j->events_buf);
	}
	if (j->events && j->events != stdout)
		return 0;
	/* The report is rendered from the stream: keep one where we can read it. */
	j->spool = tmpfile();
	if (!j->spool) {
		bw_err("cannot create a temporary file for the report: %s", strerror(errno));
		return -errno;
	}
	job_stream_buffer(j->spool, &j->spool_buf);
	return 0;
}

static void say_checkout(const struct bw_job *j, const char *dir, int err, const char *why)
{
	if (err == -ENOENT)
		bw_info("%s: %s; no tracked files are watched", dir, why);
	else if (err)
		bw_warn("cannot list the tracked files of %s: %s; no tracked files are watched",
			dir, why);
	else
		bw_info("checkout %s: %zu tracked files", j->checkout.root, j->checkout.n);
}

int job_load_checkout(struct bw_job *j, const char *dir, const struct build_user *user)
{
	char why[PATH_MAX + 64];
	int err;

	checkout_free(&j->checkout);
	err = checkout_load(&j->checkout, dir, user, why, sizeof(why));
	say_checkout(j, dir, err, why);
	return err;
}

int job_checkout_start(struct bw_job *j, const char *const *dirs, size_t n_dirs,
		       const struct build_user *user)
{
	int err = checkout_start(&j->checkout_pending, dirs, n_dirs, user);

	j->checkout_dirs = err ? NULL : dirs;
	if (err)
		bw_warn("cannot start listing the tracked files of %s: %s; no tracked files are "
			"watched", dirs[0], strerror(-err));
	return err;
}

struct checkout_said {
	const struct bw_job *j;
	const char *const *dirs;
	int last_err; /* of the last dir said; 1: none said yet */
};

static void said(void *arg, size_t dir, int err, const char *why)
{
	struct checkout_said *cs = arg;

	say_checkout(cs->j, cs->dirs[dir], err, why);
	cs->last_err = err;
}

int job_checkout_finish(struct bw_job *j)
{
	struct checkout_said cs = { j, j->checkout_dirs, 1 };
	int err;

	if (!j->checkout_dirs)
		return -EINVAL;
	checkout_free(&j->checkout);
	err = checkout_finish(&j->checkout_pending, &j->checkout, said, &cs);
	j->checkout_dirs = NULL;
	if (err && err != cs.last_err)
		bw_warn("cannot list the tracked files of %s: %s; no tracked files are watched",
			cs.dirs[0], err == -EPROTO ? "the git helper died" : strerror(-err));
	return err;
}

bool job_recording(const struct bw_job *j)
{
	return j->events || j->spool;
}

static bool put_line(const struct jbuf *jb, FILE *f)
{
	return !f || (fwrite(jb->buf, 1, jb->len, f) == jb->len && fputc('\n', f) != EOF);
}

/* e->jb's line to j's stream: false once the stream is broken. */
static bool write_line(struct bw_engine *e, struct bw_job *j)
{
	if (j->events_failed)
		return false;
	if (e->jb.oom || !put_line(&e->jb, j->events) || !put_line(&e->jb, j->spool)) {
		/* Never fail the build for the log: say so once, keep watching. */
		j->events_failed = true;
		bw_err("writing events to %s failed: %s; the stream is incomplete from seq %llu",
		       j->events_path ? j->events_path : "the report spool",
		       e->jb.oom ? "out of memory" : strerror(errno), (unsigned long long)j->seq);
		return false;
	}
	return true;
}

void job_emit(struct bw_engine *e, struct bw_job *j)
{
	if (write_line(e, j) && j->report)
		report_live_feed_line(j->report, e->jb.buf, e->jb.len);
}

void job_emit_record(struct bw_engine *e, struct bw_job *j, const struct bw_event_view *v)
{
	if (!write_line(e, j) || !j->report)
		return;
	/* Most of a build's records: the report takes them as they are, not read back. */
	if (v->hdr->type == BW_EV_FORK || v->hdr->type == BW_EV_EXIT ||
	    (v->hdr->type == BW_EV_EXEC_FAILED && !e->jb.altered) ||
	    (v->hdr->type == BW_EV_EXEC && !e->jb.altered &&
	     (!v->args_len || !v->args[v->args_len - 1])))
		report_live_feed_view(j->report, j->seq, v);
	else
		report_live_feed_line(j->report, e->jb.buf, e->jb.len);
}

void job_emit_hook(struct bw_engine *e, struct bw_job *j, const struct bw_event_view *v,
		   const struct bw_event_info *info)
{
	if (!write_line(e, j) || !j->report)
		return;
	/* Connects and DNS records are read back: the report reads more of them. */
	if ((v->hdr->type == BW_EV_FILE || v->hdr->type == BW_EV_PRIV) && !e->jb.altered)
		report_live_feed_hook(j->report, j->seq, v, info);
	else
		report_live_feed_line(j->report, e->jb.buf, e->jb.len);
}

void job_emit_lost(struct bw_engine *e, struct bw_job *j, uint64_t count, uint64_t total)
{
	j->lost += count;
	if (!job_recording(j))
		return;
	jbuf_reset(&e->jb);
	event_json_begin(&e->jb, ++j->seq, "lost", clock_mono_ns(), j->id, &e->clk);
	json_kv_u64(&e->jb, "count", count);
	json_kv_u64(&e->jb, "total", total);
	json_obj_close(&e->jb);
	job_emit(e, j);
	if (e->ops.on_line)
		e->ops.on_line(e, j, "lost", 0, NULL);
}

static void recorded_kinds(struct jbuf *jb, uint32_t loaded)
{
	json_arr_open(jb, "recorded");
	json_val_strn(jb, "exec", 4);
	if (loaded & BW_HOOK_CONNECT)
		json_val_strn(jb, "connect", 7);
	if (loaded & BW_HOOK_DNS)
		json_val_strn(jb, "dns", 3);
	if (loaded & BW_HOOK_FILE)
		json_val_strn(jb, "file", 4);
	if (loaded & BW_HOOK_PRIV)
		json_val_strn(jb, "privilege", 9);
	json_arr_close(jb);
}

/* The trace's id and what became of its spans (docs/TRACES.md). */
static void trace_summary(struct jbuf *jb, const struct bw_job *j)
{
	struct trace_job_stats ts;
	struct http_stats st = { 0 };

	if (!j->trace)
		return;
	trace_job_stats(j->trace, &ts);
	if (j->trace_final)
		st = j->trace_st;
	else /* the daemon's sender: all jobs together */
		otlp_stats(j->trace_out, &st);
	json_sub_open(jb, "trace");
	json_kv_str(jb, "trace_id", trace_job_trace_id(j->trace));
	json_kv_bool(jb, "joined", trace_job_joined(j->trace));
	json_kv_u64(jb, "spans", ts.spans);
	json_kv_u64(jb, "still_running", ts.still_running);
	json_kv_u64(jb, "span_events", ts.events);
	json_kv_u64(jb, "span_events_dropped", ts.events_dropped);
	json_kv_u64(jb, "spans_unencoded", ts.spans_failed);
	json_kv_bool(jb, "sender_final", j->trace_final);
	json_kv_u64(jb, "sent", st.sent);
	json_kv_u64(jb, "failed", st.failed);
	json_kv_u64(jb, "dropped", st.dropped);
	json_obj_close(jb);
}

int job_start_trace(struct bw_engine *e, struct bw_job *j, struct otlp *out,
		    const char *(*get)(const char *name, void *arg), void *arg,
		    const struct ci_job *ci)
{
	struct trace_context tc;
	struct trace_job_opts o = {
		.job_id = j->id, .ctx = &tc, .ci = ci, .out = out,
		.realtime_minus_mono_ns = e->clk.realtime_minus_mono_ns,
	};
	int err = trace_context_init(&tc, get, arg);

	if (err) {
		bw_err("trace of job %llu: no random bytes for its ids: %s",
		       (unsigned long long)j->id, strerror(-err));
		return err;
	}
	err = trace_job_new(&j->trace, &o);
	if (!err)
		j->trace_out = out;
	return err;
}

void job_end_trace(struct bw_job *j)
{
	trace_job_end(j->trace, &j->procs, j->t_end_ns ? j->t_end_ns : clock_mono_ns());
}

/*
 * The agent's memory when the job ends (process-wide: under the daemon,
 * every job's), and the job's lineage table: entries now, at their most,
 * and how many finished ones it keeps. The peak follows how many processes
 * ran at once, not how many there were.
 */
static void memory_summary(struct bw_engine *e, struct jbuf *jb, const struct bw_job *j)
{
	struct memstat m;

	/* What it could not read stays 0. */
	if (!memstat_read(&m, NULL, 0) &&
	    loader_map_memory(&e->agent, &m.bpf_map_bytes, &m.bpf_maps)) {
		m.bpf_map_bytes = 0;
		m.bpf_maps = 0;
	}
	json_sub_open(jb, "memory");
	json_kv_u64(jb, "rss_kib", m.rss_kib);
	json_kv_u64(jb, "rss_peak_kib", m.rss_peak_kib);
	json_kv_u64(jb, "bpf_map_bytes", m.bpf_map_bytes);
	json_kv_u64(jb, "bpf_maps", m.bpf_maps);
	json_kv_u64(jb, "proctab_entries", j->procs.count);
	json_kv_u64(jb, "proctab_peak", j->procs.peak);
	json_kv_u64(jb, "proctab_exited_max", j->procs.max_exited);
	json_obj_close(jb);
}

/* A kernel counter (enum bw_counter), read now. */
static uint64_t kernel_count(struct bw_engine *e, enum bw_counter which)
{
	uint64_t n = 0;

	/* Replayed records have no kernel behind them. */
	if (!e->agent.skel || loader_counter(&e->agent, which, &n))
		return 0;
	return n;
}

/* Children the kernel could not track (its job-scope map was full). */
static uint64_t untracked(struct bw_engine *e)
{
	return kernel_count(e, BW_CNT_SCOPE_FULL);
}

/* Syscalls whose record could not be made: the call in flight was not kept. */
static uint64_t calls_dropped(struct bw_engine *e)
{
	return kernel_count(e, BW_CNT_CALL_DROPPED);
}

void job_write_summary(struct bw_engine *e, struct bw_job *j,
		       void (*extra)(struct jbuf *jb, struct bw_job *j, void *arg), void *arg)
{
	struct jbuf *jb = &e->jb;
	struct http_stats ast = { 0 };

	if (j->alert_final)
		ast = j->alert_st;
	else if (j->alerts) /* the daemon's sender: all jobs together */
		alerts_stats(j->alerts, &ast);
	jbuf_reset(jb);
	event_json_begin(jb, ++j->seq, "summary", clock_mono_ns(), j->id, &e->clk);
	if (extra)
		extra(jb, j, arg);
	json_kv_u64(jb, "processes", j->procs.count + j->procs.pruned);
	json_kv_u64(jb, "execs", j->n_type[BW_EV_EXEC]);
	json_kv_u64(jb, "exec_failed", j->n_type[BW_EV_EXEC_FAILED]);
	json_kv_u64(jb, "forks", j->n_type[BW_EV_FORK]);
	json_kv_u64(jb, "exits", j->n_type[BW_EV_EXIT]);
	json_kv_u64(jb, "connects", j->n_type[BW_EV_CONNECT]);
	json_kv_u64(jb, "dns", j->n_type[BW_EV_DNS]);
	json_kv_u64(jb, "dns_malformed", e->dns.malformed);
	json_kv_u64(jb, "file_ops", j->n_type[BW_EV_FILE]);
	json_kv_u64(jb, "privilege_ops", j->n_type[BW_EV_PRIV]);
	recorded_kinds(jb, e->agent.hooks_loaded);
	json_kv_u64(jb, "lost", j->name ? j->lost : e->lost);
	json_kv_u64(jb, "untracked", untracked(e));
	json_kv_u64(jb, "calls_dropped", calls_dropped(e));
	json_kv_u64(jb, "malformed", e->malformed);
	json_kv_u64(jb, "still_running", j->procs.alive);
	json_kv_u64(jb, "duration_ns", j->t_end_ns - j->t_start_ns);
	json_kv_u64(jb, "pruned", j->procs.pruned);
	json_kv_str(jb, "policy", policy_source(j->policy));
	json_kv_str(jb, "mode", policy_mode_name(policy_mode(j->policy)));
	json_kv_str(jb, "checkout", j->checkout.root);
	json_kv_u64(jb, "checkout_tracked", j->checkout.n);
	json_kv_u64(jb, "verdicts", j->n_verdicts);
	json_kv_u64(jb, "blocked", j->n_blocked);
	json_kv_u64(jb, "killed", j->n_killed);
	json_kv_bool(jb, "job_killed", j->job_killed);
	json_kv_bool(jb, "agent_stopped", j->agent_stopped);
	json_kv_str(jb, "exec_hook", e->agent.raw_tp ? "raw_tp" : "tp_btf");
	json_kv_str(jb, "deny_hook", e->agent.lsm ? "lsm" : "sigkill");
	json_kv_str(jb, "syscall_hook", e->agent.sys_hook);
	json_kv_u64(jb, "alerts_sent", ast.sent);
	json_kv_u64(jb, "alerts_failed", ast.failed);
	json_kv_u64(jb, "alerts_dropped", ast.dropped);
	json_kv_u64(jb, "alerts_merged", ast.merged);
	trace_summary(jb, j);
	memory_summary(e, jb, j);
	json_obj_close(jb);
	job_emit(e, j);
	if (e->ops.on_line)
		e->ops.on_line(e, j, "summary", 0, NULL);
}

/* The file j's report reads, flushed: NULL when j's stream cannot be read back. */
static const char *report_source(struct bw_job *j, char *buf, size_t size)
{
	if (j->events_failed)
		return NULL;
	if (j->events)
		fflush(j->events);
	if (!j->spool)
		return j->events_path;
	fflush(j->spool);
	snprintf(buf, size, "/proc/self/fd/%d", fileno(j->spool));
	return buf;
}

int job_start_report(struct bw_job *j)
{
	char buf[64];
	const char *path = report_source(j, buf, sizeof(buf));

	return path ? report_live_new(&j->report, path) : -EIO;
}

int job_render_reports(struct bw_job *j, const struct report_opts *ro)
{
	char buf[64];
	const char *path = report_source(j, buf, sizeof(buf));

	if (!path)
		return -EIO;
	if (j->report)
		return report_live_render(j->report, ro);
	return report_render(path, ro);
}

void job_print_counts(struct bw_engine *e, struct bw_job *j, int status, bool tree)
{
	struct tree_opts topts = { .width = 120, .max_lines = 400, .collapse_min = 4 };
	uint64_t lost = e->lost, n_untracked = untracked(e), n_dropped = calls_dropped(e);

	if (tree) {
		fputs("\nbuildwarden: process tree\n", stderr);
		tree_print(stderr, &j->procs, &topts);
	}
	fprintf(stderr,
		"buildwarden: %zu processes, %llu execs, %llu failed execs, %zu still running; "
		"lost events: %llu; exit status %d\n",
		j->procs.count, (unsigned long long)j->n_type[BW_EV_EXEC],
		(unsigned long long)j->n_type[BW_EV_EXEC_FAILED], j->procs.alive,
		(unsigned long long)lost, status);
	if (j->n_verdicts)
		fprintf(stderr, "buildwarden: policy %s (%s): %llu verdicts, %llu blocked in the kernel, "
			"%llu killed\n",
			policy_source(j->policy), policy_mode_name(policy_mode(j->policy)),
			(unsigned long long)j->n_verdicts, (unsigned long long)j->n_blocked,
			(unsigned long long)j->n_killed);
	if (j->job_killed_block)
		fwrite(j->job_killed_block, 1, j->job_killed_len, stderr);
	if (lost || n_untracked || n_dropped || e->malformed)
		fprintf(stderr,
			"buildwarden: WARNING: the trace is incomplete: %llu lost, %llu untracked, "
			"%llu syscalls dropped, %llu malformed records\n",
			(unsigned long long)lost, (unsigned long long)n_untracked,
			(unsigned long long)n_dropped, (unsigned long long)e->malformed);
}

/* Only a policy that may end the job gets it a cgroup of its own. */
bool job_may_kill(const struct bw_job *j)
{
	size_t i;

	for (i = 0; i < policy_rule_count(j->policy); i++)
		if (policy_rule_effective_action(policy_rule(j->policy, i)) == POLICY_ACT_KILL_JOB)
			return true;
	return false;
}

void job_free(struct bw_job *j)
{
	jobctl_cleanup(&j->ctl);
	trace_job_free(j->trace);
	prov_free(&j->prov);
	if (j->checkout_dirs)
		checkout_cancel(&j->checkout_pending);
	checkout_free(&j->checkout);
	dns_job_state_free(&j->dns);
	content_checks_free(&j->content);
	report_live_free(j->report);
	proctab_free(&j->procs);
	policy_free(j->policy);
	free(j->rule_hits);
	free(j->job_killed_block);
	if (j->events && j->events != stdout)
		fclose(j->events);
	else if (j->events)
		fflush(stdout);
	if (j->spool)
		fclose(j->spool);
	free(j->events_buf); /* after the streams that wrote through them */
	free(j->spool_buf);
	free(j->events_path);
	free(j->name);
	free(j->repository);
	free(j->ci);
	free(j->rule_name);
}
