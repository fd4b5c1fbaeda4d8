// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `buildwarden run [opts] -- CMD...`: watch CMD and every descendant from
 * the kernel, stream events as JSON lines, print the process tree, and exit
 * with the build's own status.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "alerts.h"
#include "ci_env.h"
#include "commands.h"
#include "deny_maps.h"
#include "event_json.h"
#include "events.h"
#include "exit_codes.h"
#include "failclosed.h"
#include "jobctl.h"
#include "loader.h"
#include "log.h"
#include "netinfo.h"
#include "proctab.h"
#include "redact.h"
#include "safefile.h"
#include "report.h"
#include "spawn.h"
#include "tree.h"
#include "verdict.h"

#define MAX_VERDICTS_PER_EXEC 16

struct run_opts {
	uint32_t hooks; /* BW_HOOK_*: what besides exec to record */
	bool fail_closed;
	bool no_lsm; /* --deny-hook sigkill */
	bool record_auto; /* file hooks only when the policy has file rules */
	const char *events_path;
	const char *policy_path;
	const char *user; /* --user */
	const char *report_path;   /* JSON summary */
	const char *markdown_path; /* Markdown report */
	uint32_t ringbuf_mb;
	bool tree;
	bool force_raw_tp;
	const char *webhook_url;
	enum alert_format webhook_format;
	const char *webhook_secret_file;
	char **cmd;
};

struct run_ctx {
	struct run_opts opts;
	struct bw_agent agent;
	struct bw_proctab procs;
	struct jbuf jb;
	struct jbuf jb_event; /* a non-exec verdict's event fields */
	struct jbuf jb_alert; /* the verdict record handed to the webhook */
	struct alerts *alerts;
	struct alert_stats alert_st;
	struct bw_clock clk;
	FILE *events;
	FILE *spool; /* the stream, for the report, when events go nowhere or to stdout */
	bool events_failed;
	uint64_t seq;
	uint64_t n_type[BW_EV_TYPE_MAX];
	uint64_t malformed;
	struct dns_cache dns;
	struct netinfo ni;
	uint64_t counters[BW_CNT_MAX];
	uint64_t lost_reported;
	struct spawn child;
	struct build_user user;
	struct bw_policy *policy;
	struct jobctl job;
	uint64_t *rule_hits;
	uint64_t n_verdicts;
	uint64_t n_blocked;
	uint64_t n_killed;
	bool job_killed;
	char *job_killed_block; /* the report of the verdict that ended the job */
	size_t job_killed_len;
	int sigfd;
	int epfd;
	bool child_done;
	int child_status;
	uint64_t t_start_ns;
	uint64_t t_end_ns;
	sigset_t orig_mask;
};

static const char run_usage[] =
	"Usage: buildwarden run [OPTIONS] [--] COMMAND [ARG...]\n"
	"\n"
	"Run COMMAND under the agent: every process it starts, and theirs, is\n"
	"recorded from the kernel. Exits with COMMAND's own status.\n"
	"\n"
	"Options:\n"
	"  -e, --events FILE     write events as JSON lines to FILE ('-': stdout)\n"
	"  -r, --report FILE     write the JSON summary report to FILE\n"
	"  -m, --markdown FILE   write the Markdown report to FILE (also appended to\n"
	"                        $GITHUB_STEP_SUMMARY when that is set)\n"
	"      --no-redact       do not mask secrets in events and reports (debugging)\n"
	"      --user NAME       run the build as NAME (default under sudo: the caller;\n"
	"                        --user root keeps root)\n"
	"      --fail-closed     if buildwarden dies while the build runs, the build dies\n"
	"                        at its next syscall (BPF links pinned in /sys/fs/bpf)\n"
	"      --webhook URL     post alerts to a chat webhook (docs/ALERTS.md)\n"
	"      --webhook-format slack|teams|generic   payload format (default slack)\n"
	"      --webhook-secret-file FILE   sign generic payloads (HMAC-SHA256)\n"
	"  -p, --policy FILE     judge every exec by this policy (default: the\n"
	"                        embedded CI policy; see buildwarden policy check)\n"
	"      --ringbuf-mb N    kernel ring buffer size in MiB, a power of two (default 16)\n"
	"      --no-tree         do not print the process tree when the build ends\n"
	"      --record LIST     what to record besides exec: comma-separated connect,\n"
	"                        dns, file, privilege; 'all', 'exec' (none), or 'auto'\n"
	"                        (default: all, file only if the policy has file rules)\n"
	"      --force-raw-tp    attach exec through raw_tp even where tp_btf works\n"
	"      --deny-hook auto|sigkill   deny rules fail the exec with EPERM where BPF\n"
	"                        LSM is active (auto), or always SIGKILL it at exec\n"
	"  -v, --verbose         more diagnostics (twice: libbpf debug output)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: COMMAND's status (128+N if killed by signal N); 124 if the\n"
	"policy terminated the job; 125 if buildwarden itself failed; 126 if\n"
	"COMMAND cannot be executed; 127 if it was not found.\n";

static uint64_t now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

#define BW_HOOK_ALL (BW_HOOK_CONNECT | BW_HOOK_DNS | BW_HOOK_FILE | BW_HOOK_PRIV)

static int parse_record(const char *arg, uint32_t *hooks)
{
	static const struct { const char *name; uint32_t bits; } kinds[] = {
		{ "all", BW_HOOK_ALL }, { "exec", 0 }, { "connect", BW_HOOK_CONNECT },
		{ "dns", BW_HOOK_DNS }, { "file", BW_HOOK_FILE }, { "privilege", BW_HOOK_PRIV },
	};
	char *copy = strdup(arg), *tok, *save = NULL;
	size_t i;
	int err = copy ? 0 : -ENOMEM;

	*hooks = 0;
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !err;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strcmp(tok, kinds[i].name))
				break;
		if (i == sizeof(kinds) / sizeof(kinds[0])) {
			bw_err("run: --record '%s': unknown kind '%s' (expected connect, dns, file, "
			       "privilege, all, exec or auto)", arg, tok);
			err = -EINVAL;
		} else {
			*hooks |= kinds[i].bits;
		}
	}
	free(copy);
	return err;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	enum { OPT_RINGBUF = 256, OPT_NO_TREE, OPT_RAW_TP, OPT_RECORD, OPT_NO_REDACT, OPT_FAIL_CLOSED,
	       OPT_USER, OPT_DENY_HOOK, OPT_WEBHOOK,
	       OPT_WEBHOOK_FORMAT, OPT_WEBHOOK_SECRET };
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "policy", required_argument, NULL, 'p' },
		{ "ringbuf-mb", required_argument, NULL, OPT_RINGBUF },
		{ "no-tree", no_argument, NULL, OPT_NO_TREE },
		{ "force-raw-tp", no_argument, NULL, OPT_RAW_TP },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "report", required_argument, NULL, 'r' },
		{ "markdown", required_argument, NULL, 'm' },
		{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
		{ "fail-closed", no_argument, NULL, OPT_FAIL_CLOSED },
		{ "user", required_argument, NULL, OPT_USER },
		{ "deny-hook", required_argument, NULL, OPT_DENY_HOOK },
		{ "webhook", required_argument, NULL, OPT_WEBHOOK },
		{ "webhook-format", required_argument, NULL, OPT_WEBHOOK_FORMAT },
		{ "webhook-secret-file", required_argument, NULL, OPT_WEBHOOK_SECRET },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, verbose = 0;

	o->ringbuf_mb = LOADER_DEFAULT_RINGBUF >> 20;
	o->hooks = BW_HOOK_ALL;
	o->record_auto = true;
	o->tree = true;
	opterr = 0;
	optind = 1;
	/* '+': options end at COMMAND, so its own flags are left alone. */
	while ((c = getopt_long(argc, argv, "+:e:p:r:m:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': o->events_path = optarg; break;
		case 'p': o->policy_path = optarg; break;
		case 'r': o->report_path = optarg; break;
		case 'm': o->markdown_path = optarg; break;
		case OPT_NO_REDACT: redact_set_enabled(false); break;
		case OPT_FAIL_CLOSED: o->fail_closed = true; break;
		case OPT_USER: o->user = optarg; break;
		case OPT_DENY_HOOK:
			if (strcmp(optarg, "auto") && strcmp(optarg, "sigkill")) {
				bw_err("run: --deny-hook '%s': expected auto or sigkill", optarg);
				return -EINVAL;
			}
			o->no_lsm = !strcmp(optarg, "sigkill");
			break;
		case OPT_WEBHOOK: o->webhook_url = optarg; break;
		case OPT_WEBHOOK_SECRET: o->webhook_secret_file = optarg; break;
		case OPT_WEBHOOK_FORMAT:
			if (alerts_parse_format(optarg, &o->webhook_format)) {
				bw_err("run: --webhook-format '%s': expected slack, teams or generic", optarg);
				return -EINVAL;
			}
			break;
		case OPT_RINGBUF:
			if (parse_u32(optarg, &o->ringbuf_mb) || !o->ringbuf_mb || o->ringbuf_mb > 1024 ||
			    (o->ringbuf_mb & (o->ringbuf_mb - 1))) {
				bw_err("run: --ringbuf-mb '%s': expected a power of two from 1 to 1024",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_NO_TREE: o->tree = false; break;
		case OPT_RAW_TP: o->force_raw_tp = true; break;
		case OPT_RECORD:
			o->record_auto = !strcmp(optarg, "auto");
			if (!o->record_auto && parse_record(optarg, &o->hooks))
				return -EINVAL;
			break;
		case 'v': verbose++; break;
		case 'h': fputs(run_usage, stdout); return 1;
		case ':':
			bw_err("run: option '%s' needs a value (see buildwarden run --help)",
			       argv[optind - 1]);
			return -EINVAL;
		default:
			bw_err("run: unknown option '%s' (see buildwarden run --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (verbose)
		log_set_level(verbose > 1 ? BW_LOG_DEBUG : BW_LOG_INFO);
	if (optind >= argc) {
		bw_err("run: no command given (usage: buildwarden run [OPTIONS] -- COMMAND [ARG...])");
		return -EINVAL;
	}
	o->cmd = argv + optind;
	return 0;
}

static bool recording(const struct run_ctx *c)
{
	return c->events || c->spool;
}

static bool put_line(struct run_ctx *c, FILE *f)
{
	return !f || (fwrite(c->jb.buf, 1, c->jb.len, f) == c->jb.len && fputc('\n', f) != EOF);
}

static void emit_line(struct run_ctx *c)
{
	if (c->events_failed)
		return;
	if (c->jb.oom || !put_line(c, c->events) || !put_line(c, c->spool)) {
		/* Never fail the build for the log: say so once, keep watching. */
		c->events_failed = true;
		bw_err("writing events to %s failed: %s; the stream is incomplete from seq %llu",
		       c->opts.events_path ? c->opts.events_path : "the report spool",
		       c->jb.oom ? "out of memory" : strerror(errno), (unsigned long long)c->seq);
	}
}

static void end_job(struct run_ctx *c, struct verdict *v)
{
	FILE *f;

	jobctl_kill_job(&c->agent, &c->job, v->proc->job_id);
	if (c->job_killed)
		return;
	c->job_killed = true;
	/* Rendered now: the processes may be pruned before the report. */
	f = open_memstream(&c->job_killed_block, &c->job_killed_len);
	if (f) {
		verdict_print_block(f, v);
		fclose(f);
	}
}

/* Hand an alerting verdict to the webhook sender (copied; never blocks). */
static void submit_alert(struct run_ctx *c, const struct verdict *v)
{
	const struct bw_proc *chain[BW_ANCESTRY_MAX], *p;
	char cmd[4096], lines[BW_ANCESTRY_MAX][512];
	const char *anc[BW_ANCESTRY_MAX];
	size_t n = 0, i;
	struct timespec ts;
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
	jbuf_reset(&c->jb_alert);
	verdict_json(&c->jb_alert, c->seq, &c->clk, v);
	clock_gettime(CLOCK_REALTIME, &ts);
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
		.verdict_json = c->jb_alert.oom ? NULL : c->jb_alert.buf,
		.time_ns_realtime = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec,
	};
	alerts_submit(c->alerts, &al);
}

/* Carry out one verdict, then record it. */
static void act(struct run_ctx *c, struct verdict *v, const struct bw_exec_event *e)
{
	enum policy_action written = policy_rule_action(v->rule);

	v->taken = policy_rule_effective_action(v->rule);
	if (written == POLICY_ACT_DENY && v->taken == POLICY_ACT_DENY && e) {
		v->blocked = e->flags & BW_EXEC_DENIED;
		if (!v->blocked) {
			/* Never a silent downgrade: say so, and stop it from here. */
			v->kernel_missed = true;
			v->kill_err = jobctl_kill_process(&c->agent, v->proc->pid, v->proc->start_ns);
		}
	} else if (v->taken == POLICY_ACT_KILL_PROCESS) {
		v->kill_err = jobctl_kill_process(&c->agent, v->proc->pid, v->proc->start_ns);
	} else if (v->taken == POLICY_ACT_KILL_JOB) {
		end_job(c, v);
	}
	if ((v->blocked || (v->taken >= POLICY_ACT_KILL_PROCESS && !v->kill_err)) &&
	    !v->proc->ended_by_rule) {
		v->proc->ended_by_rule = policy_rule_name(v->rule);
		v->proc->blocked = v->blocked;
	}
	c->n_verdicts++;
	c->n_blocked += v->blocked;
	c->n_killed += v->taken >= POLICY_ACT_KILL_PROCESS && !v->blocked && !v->kill_err;
	c->rule_hits[policy_rule_index(v->rule)]++;
	if (v->taken != POLICY_ACT_LOG)
		verdict_print_line(stderr, v);
	if (recording(c)) {
		jbuf_reset(&c->jb);
		verdict_json(&c->jb, ++c->seq, &c->clk, v);
		emit_line(c);
	}
	if (c->alerts && v->taken != POLICY_ACT_LOG)
		submit_alert(c, v);
}

static void judge_exec(struct run_ctx *c, const struct bw_exec_event *e)
{
	const struct bw_rule *hits[MAX_VERDICTS_PER_EXEC];
	const char *anc[BW_ANCESTRY_MAX], *anc_files[BW_ANCESTRY_MAX];
	struct bw_exec_info info;
	struct verdict v;
	struct bw_proc *p = proctab_find(&c->procs, e->hdr.pid, e->hdr.start_ns);
	size_t n, i;
	bool kernel_rule_seen = false;

	if (!p || !c->policy)
		return;
	proctab_exec_info(p, &info, anc, anc_files);
	n = policy_match(c->policy, &info, hits, MAX_VERDICTS_PER_EXEC);
	if (n > MAX_VERDICTS_PER_EXEC)
		n = MAX_VERDICTS_PER_EXEC;
	for (i = 0; i < n; i++) {
		memset(&v, 0, sizeof(v));
		v.rule = hits[i];
		v.mode = policy_mode(c->policy);
		v.proc = p;
		v.ktime_ns = e->hdr.ktime_ns;
		kernel_rule_seen |= policy_rule_index(hits[i]) + 1 == e->deny_rule;
		act(c, &v, e);
	}
	/* The kernel's rule always gets its verdict, even if userspace disagrees. */
	if ((e->flags & BW_EXEC_DENIED) && !kernel_rule_seen && e->deny_rule &&
	    e->deny_rule <= policy_rule_count(c->policy)) {
		memset(&v, 0, sizeof(v));
		v.rule = policy_rule(c->policy, e->deny_rule - 1);
		v.mode = policy_mode(c->policy);
		v.proc = p;
		v.ktime_ns = e->hdr.ktime_ns;
		act(c, &v, e);
	}
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
 * The event is read after the fact: a short-lived process may be gone from
 * the job-scope map by then, so its own pid counts as in the job.
 */
static bool target_in_job(struct run_ctx *c, uint32_t target, uint32_t actor)
{
	return target == actor || loader_in_job(&c->agent, target);
}

static void judge_event(struct run_ctx *c, const struct bw_event_view *v, struct netinfo *ni)
{
	const struct bw_rule *hits[MAX_VERDICTS_PER_EXEC];
	const char *anc[BW_ANCESTRY_MAX], *anc_files[BW_ANCESTRY_MAX];
	struct bw_proc *p = proctab_find(&c->procs, v->hdr->pid, v->hdr->start_ns);
	struct bw_exec_info info;
	struct verdict vd;
	size_t n, i;

	if (!p)
		return; /* a process we never saw start cannot be placed in its job */
	proctab_exec_info(p, &info, anc, anc_files);
	ni->info.proc = &info;
	n = policy_match_event(c->policy, &ni->info, hits, MAX_VERDICTS_PER_EXEC);
	if (!n)
		return;
	jbuf_reset(&c->jb_event);
	json_obj_open(&c->jb_event);
	netinfo_json(&c->jb_event, ni, v);
	json_obj_close(&c->jb_event);
	for (i = 0; i < n && i < MAX_VERDICTS_PER_EXEC; i++) {
		memset(&vd, 0, sizeof(vd));
		vd.rule = hits[i];
		vd.mode = policy_mode(c->policy);
		vd.proc = p;
		vd.ktime_ns = v->hdr->ktime_ns;
		vd.on = events_type_name(v->hdr->type);
		vd.event_json = c->jb_event.buf;
		vd.event_json_len = c->jb_event.len;
		act(c, &vd, NULL);
	}
}

/* Network, DNS, file and privilege records: decode, record, judge. */
static void on_hook_event(struct run_ctx *c, const struct bw_event_view *v)
{
	struct netinfo *ni = &c->ni;

	netinfo_decode(ni, v, &c->dns);
	if (v->hdr->type == BW_EV_PRIV && v->priv->target_pid)
		ni->info.priv.target_in_job = target_in_job(c, v->priv->target_pid, v->hdr->pid);
	if (v->hdr->type == BW_EV_FILE) {
		ni->info.file.target_pid = proc_target(ni->info.file.path, v->hdr->pid);
		ni->info.file.target_in_job = ni->info.file.target_pid &&
					      target_in_job(c, ni->info.file.target_pid, v->hdr->pid);
	}
	if (recording(c)) {
		jbuf_reset(&c->jb);
		netinfo_json_record(&c->jb, ni, v, ++c->seq, &c->clk);
		emit_line(c);
	}
	/* on: dns judges the queries a job sends; answers only inform connects. */
	if (c->policy && !(v->hdr->type == BW_EV_DNS && v->dns->direction == BW_DNS_ANSWER))
		judge_event(c, v, ni);
}

/* An exec the BPF LSM hook refused: the verdict is already carried out. */
static void judge_lsm_denied(struct run_ctx *c, const struct bw_event_view *ev)
{
	const struct bw_exec_failed_event *e = ev->exec_failed;
	struct bw_proc *p = proctab_find(&c->procs, e->hdr.pid, e->hdr.start_ns);
	struct verdict v;

	if (!p || !c->policy || !e->deny_rule || e->deny_rule > policy_rule_count(c->policy))
		return;
	jbuf_reset(&c->jb_event);
	json_obj_open(&c->jb_event);
	json_kv_str(&c->jb_event, "filename", ev->filename);
	json_kv_i64(&c->jb_event, "error", e->error);
	json_kv_str(&c->jb_event, "hook", "lsm");
	json_obj_close(&c->jb_event);
	memset(&v, 0, sizeof(v));
	v.rule = policy_rule(c->policy, e->deny_rule - 1);
	v.mode = policy_mode(c->policy);
	v.proc = p;
	v.ktime_ns = e->hdr.ktime_ns;
	v.blocked = true; /* the exec failed with EPERM: nothing of it ran */
	v.event_json = c->jb_event.buf;
	v.event_json_len = c->jb_event.len;
	act(c, &v, NULL);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct run_ctx *c = ctx;
	struct bw_event_view v;

	if (events_decode(data, size, &v)) {
		if (!c->malformed++)
			bw_warn("malformed kernel record (%zu bytes) skipped", size);
		return 0;
	}
	c->n_type[v.hdr->type]++;
	if (v.hdr->type >= BW_EV_CONNECT) {
		on_hook_event(c, &v);
		return 0;
	}
	if (proctab_apply(&c->procs, &v))
		bw_warn("out of memory tracking pid %u; the process tree is incomplete", v.hdr->pid);
	if (recording(c)) {
		jbuf_reset(&c->jb);
		event_json_render(&c->jb, &v, ++c->seq, &c->clk);
		emit_line(c);
	}
	if (v.hdr->type == BW_EV_EXEC)
		judge_exec(c, v.exec);
	else if (v.hdr->type == BW_EV_EXEC_FAILED && (v.exec_failed->flags & BW_EXECFAIL_DENIED))
		judge_lsm_denied(c, &v);
	return 0;
}

/* Turn a rise of the kernel's loss counter into a record and a warning. */
static void check_lost(struct run_ctx *c)
{
	uint64_t lost;

	if (loader_counters(&c->agent, c->counters))
		return;
	lost = c->counters[BW_CNT_LOST];
	if (lost == c->lost_reported)
		return;
	bw_warn("kernel dropped %llu event(s): ring buffer full (try --ringbuf-mb)",
		(unsigned long long)(lost - c->lost_reported));
	if (recording(c)) {
		jbuf_reset(&c->jb);
		event_json_begin(&c->jb, ++c->seq, "lost", now_mono_ns(), 1, &c->clk);
		json_kv_u64(&c->jb, "count", lost - c->lost_reported);
		json_kv_u64(&c->jb, "total", lost);
		json_obj_close(&c->jb);
		emit_line(c);
	}
	c->lost_reported = lost;
}

static int open_events(struct run_ctx *c)
{
	const char *p = c->opts.events_path;

	if (p) {
		c->events = strcmp(p, "-") == 0 ? stdout : safe_fopen_write(p, false);
		if (!c->events) {
			bw_err("cannot open events file %s: %s", p, strerror(errno));
			return -errno;
		}
		/* Fewer, larger writes: the stream is flushed at the end and on loss. */
		if (c->events != stdout)
			setvbuf(c->events, NULL, _IOFBF, 1 << 16);
	}
	if (c->events && c->events != stdout)
		return 0;
	/* The report is rendered from the stream: keep one where we can read it. */
	c->spool = tmpfile();
	if (!c->spool) {
		bw_err("cannot create a temporary file for the report: %s", strerror(errno));
		return -errno;
	}
	setvbuf(c->spool, NULL, _IOFBF, 1 << 16);
	return 0;
}

/* The end-of-job report, rendered from the event stream (docs/REPORTS.md). */
static int render_reports(struct run_ctx *c)
{
	struct report_opts ro = {
		.tree_out = stderr, .no_tree = !c->opts.tree, .color = isatty(STDERR_FILENO),
		.json_path = c->opts.report_path, .markdown_path = c->opts.markdown_path,
	};
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	char spool_path[64];
	const char *path = c->opts.events_path;
	int err;

	if (c->events_failed)
		return -EIO;
	if (c->events)
		fflush(c->events);
	if (c->spool) {
		fflush(c->spool);
		snprintf(spool_path, sizeof(spool_path), "/proc/self/fd/%d", fileno(c->spool));
		path = spool_path;
	}
	err = report_render(path, &ro);
	if (!err && summary && *summary) {
		struct report_opts md = { .markdown_path = summary, .append = true };

		err = report_render(path, &md);
		if (err)
			bw_warn("cannot append the report to $GITHUB_STEP_SUMMARY: %s", strerror(-err));
		err = 0;
	}
	return err;
}

static int setup_signals(struct run_ctx *c)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	/* The build's exit arrives as SIGCHLD on the same signalfd. */
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, &c->orig_mask))
		return -errno;
	c->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c->sigfd < 0) {
		bw_err("signalfd failed: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int epoll_add(int epfd, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		bw_err("epoll_ctl(fd %d) failed: %s", fd, strerror(errno));
		return -errno;
	}
	return 0;
}

enum { TAG_RB = 1, TAG_SIG };

static void reap_child(struct run_ctx *c)
{
	int st;

	if (waitpid(c->child.pid, &st, WNOHANG) == c->child.pid) {
		c->child_done = true;
		c->child_status = st;
		c->t_end_ns = now_mono_ns();
	}
}

/*
 * A terminal's ^C reaches the whole foreground process group, the build
 * included; only signals sent to us alone (kill, CI runner) are forwarded.
 * SIGCHLD on the same descriptor says the build changed state.
 */
static void forward_signals(struct run_ctx *c)
{
	struct signalfd_siginfo si;

	while (read(c->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		bool from_tty;

		if (si.ssi_signo == SIGCHLD) {
			reap_child(c);
			continue;
		}
		from_tty = si.ssi_code == SI_KERNEL && getpgid(c->child.pid) == getpgrp();

		bw_info("received %s%s", sigabbrev_np((int)si.ssi_signo) ?: "signal",
			from_tty ? " from the terminal" : ", forwarding to the build");
		if (!from_tty && !c->child_done)
			kill(c->child.pid, (int)si.ssi_signo);
	}
}

static int event_loop(struct run_ctx *c)
{
	struct epoll_event evs[4];
	uint64_t next_check = 0, now;
	int n, i, err;

	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0)
		return -errno;
	err = epoll_add(c->epfd, ring_buffer__epoll_fd(c->agent.rb), TAG_RB);
	if (!err)
		err = epoll_add(c->epfd, c->sigfd, TAG_SIG);
	if (err)
		return err;
	while (!c->child_done) {
		n = epoll_wait(c->epfd, evs, 4, 1000);
		if (n < 0 && errno != EINTR) {
			bw_err("epoll_wait failed: %s", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.u32 == TAG_RB)
				ring_buffer__consume(c->agent.rb);
			else
				forward_signals(c);
		}
		/* The counters cost a syscall per CPU: read them a few times a second. */
		now = now_mono_ns();
		if (now >= next_check) {
			check_lost(c);
			next_check = now + 250000000ULL;
		}
	}
	/* The root's exit record precedes its wakeup of us: drain once more. */
	ring_buffer__consume(c->agent.rb);
	check_lost(c);
	return 0;
}

static int build_exit_status(int st)
{
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static void write_summary(struct run_ctx *c, int status)
{
	struct jbuf *jb = &c->jb;
	char **a;

	jbuf_reset(jb);
	event_json_begin(jb, ++c->seq, "summary", now_mono_ns(), 1, &c->clk);
	json_arr_open(jb, "command");
	for (a = c->opts.cmd; *a; a++)
		redact_json_strn(jb, NULL, *a, strlen(*a), a == c->opts.cmd ? NULL : a[-1]);
	json_arr_close(jb);
	json_kv_i64(jb, "exit_status", status);
	if (WIFSIGNALED(c->child_status)) {
		json_kv_null(jb, "build_exit_code");
		json_kv_u64(jb, "build_signal", (uint64_t)WTERMSIG(c->child_status));
	} else {
		json_kv_u64(jb, "build_exit_code", (uint64_t)WEXITSTATUS(c->child_status));
		json_kv_null(jb, "build_signal");
	}
	json_kv_u64(jb, "processes", c->procs.count + c->procs.pruned);
	json_kv_u64(jb, "execs", c->n_type[BW_EV_EXEC]);
	json_kv_u64(jb, "exec_failed", c->n_type[BW_EV_EXEC_FAILED]);
	json_kv_u64(jb, "forks", c->n_type[BW_EV_FORK]);
	json_kv_u64(jb, "exits", c->n_type[BW_EV_EXIT]);
	json_kv_u64(jb, "connects", c->n_type[BW_EV_CONNECT]);
	json_kv_u64(jb, "dns", c->n_type[BW_EV_DNS]);
	json_kv_u64(jb, "dns_malformed", c->dns.malformed);
	json_kv_u64(jb, "file_ops", c->n_type[BW_EV_FILE]);
	json_kv_u64(jb, "privilege_ops", c->n_type[BW_EV_PRIV]);
	json_arr_open(jb, "recorded");
	json_val_strn(jb, "exec", 4);
	if (c->agent.hooks_loaded & BW_HOOK_CONNECT)
		json_val_strn(jb, "connect", 7);
	if (c->agent.hooks_loaded & BW_HOOK_DNS)
		json_val_strn(jb, "dns", 3);
	if (c->agent.hooks_loaded & BW_HOOK_FILE)
		json_val_strn(jb, "file", 4);
	if (c->agent.hooks_loaded & BW_HOOK_PRIV)
		json_val_strn(jb, "privilege", 9);
	json_arr_close(jb);
	json_kv_u64(jb, "lost", c->counters[BW_CNT_LOST]);
	json_kv_u64(jb, "untracked", c->counters[BW_CNT_SCOPE_FULL]);
	json_kv_u64(jb, "malformed", c->malformed);
	json_kv_u64(jb, "still_running", c->procs.alive);
	json_kv_u64(jb, "duration_ns", c->t_end_ns - c->t_start_ns);
	json_kv_u64(jb, "pruned", c->procs.pruned);
	json_kv_str(jb, "policy", policy_source(c->policy));
	json_kv_str(jb, "mode", policy_mode_name(policy_mode(c->policy)));
	json_kv_u64(jb, "verdicts", c->n_verdicts);
	json_kv_u64(jb, "blocked", c->n_blocked);
	json_kv_u64(jb, "killed", c->n_killed);
	json_kv_bool(jb, "job_killed", c->job_killed);
	json_kv_str(jb, "exec_hook", c->agent.raw_tp ? "raw_tp" : "tp_btf");
	json_kv_str(jb, "deny_hook", c->agent.lsm ? "lsm" : "sigkill");
	json_kv_u64(jb, "alerts_sent", c->alert_st.sent);
	json_kv_u64(jb, "alerts_failed", c->alert_st.failed);
	json_kv_u64(jb, "alerts_dropped", c->alert_st.dropped);
	json_kv_u64(jb, "alerts_merged", c->alert_st.merged);
	json_obj_close(jb);
	emit_line(c);
}

static void print_report(struct run_ctx *c, int status)
{
	struct tree_opts topts = { .width = 120, .max_lines = 400, .collapse_min = 4 };
	uint64_t lost = c->counters[BW_CNT_LOST], untracked = c->counters[BW_CNT_SCOPE_FULL];

	if (c->opts.tree) {
		fputs("\nbuildwarden: process tree\n", stderr);
		tree_print(stderr, &c->procs, &topts);
	}
	fprintf(stderr,
		"buildwarden: %zu processes, %llu execs, %llu failed execs, %zu still running; "
		"lost events: %llu; exit status %d\n",
		c->procs.count, (unsigned long long)c->n_type[BW_EV_EXEC],
		(unsigned long long)c->n_type[BW_EV_EXEC_FAILED], c->procs.alive,
		(unsigned long long)lost, status);
	if (c->n_verdicts)
		fprintf(stderr, "buildwarden: policy %s (%s): %llu verdicts, %llu blocked in the kernel, "
			"%llu killed\n",
			policy_source(c->policy), policy_mode_name(policy_mode(c->policy)),
			(unsigned long long)c->n_verdicts, (unsigned long long)c->n_blocked,
			(unsigned long long)c->n_killed);
	if (c->job_killed_block)
		fwrite(c->job_killed_block, 1, c->job_killed_len, stderr);
	if (lost || untracked || c->malformed)
		fprintf(stderr,
			"buildwarden: WARNING: the trace is incomplete: %llu lost, %llu untracked, "
			"%llu malformed records\n",
			(unsigned long long)lost, (unsigned long long)untracked,
			(unsigned long long)c->malformed);
}

/*
 * Paths watched by default: the working tree the build starts in (writes,
 * renames, unlinks), credential stores (reads), and other processes'
 * memory and environment (reads of /proc/PID/{environ,mem,maps}).
 */
static void watch_defaults(struct run_ctx *c)
{
	static const char *const homes_rel[] = { ".ssh/", ".aws/", ".docker/", ".kube/",
						 ".config/gcloud/", ".gnupg/" };
	static const char *const names[] = { "environ", "mem", "maps", "shadow", "gshadow",
					     ".npmrc", ".pypirc", ".git-credentials" };
	const char *home = getenv("HOME");
	char buf[PATH_MAX];
	size_t i;

	if (getcwd(buf, sizeof(buf) - 1)) {
		if (strcmp(buf, "/"))
			strcat(buf, "/");
		if (hooks_watch_dir(&c->agent, buf, BW_WATCH_WRITE))
			bw_warn("cannot watch the working tree %s (deeper or longer than the kernel's "
				"watch keys)", buf);
	}
	for (i = 0; i < sizeof(homes_rel) / sizeof(homes_rel[0]); i++) {
		snprintf(buf, sizeof(buf), "/root/%s", homes_rel[i]);
		hooks_watch_dir(&c->agent, buf, BW_WATCH_READ | BW_WATCH_WRITE);
		if (home && strcmp(home, "/root") &&
		    (size_t)snprintf(buf, sizeof(buf), "%s/%s", home, homes_rel[i]) < sizeof(buf))
			hooks_watch_dir(&c->agent, buf, BW_WATCH_READ | BW_WATCH_WRITE);
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		hooks_watch_name(&c->agent, names[i], BW_WATCH_READ);
}

static void watch_policy_dir(const char *dir, const char *rule, unsigned line, void *arg)
{
	struct run_ctx *c = arg;

	if (!dir)
		bw_info("policy %s:%u: rule '%s' tests a path by pattern; the kernel reports only "
			"watched directories (docs/EVENTS.md, file)", policy_source(c->policy), line,
			rule);
	else if (hooks_watch_dir(&c->agent, dir, BW_WATCH_READ | BW_WATCH_WRITE))
		bw_warn("policy %s:%u: rule '%s': cannot watch %s (longer or deeper than the "
			"kernel's watch keys)", policy_source(c->policy), line, rule, dir);
}

static int setup_hooks(struct run_ctx *c)
{
	uint32_t want = c->opts.hooks;
	int err;

	/* auto: file hooks cost most (every open), so only when a rule needs them. */
	if (c->opts.record_auto && !policy_has_rules_on(c->policy, BW_ON_FILE))
		want &= ~BW_HOOK_FILE;
	/* Fail closed needs the syscall hooks loaded even when none records. */
	if ((want || c->opts.fail_closed) && hooks_open(&c->agent, want) && c->opts.fail_closed) {
		bw_err("--fail-closed: the syscall hooks it relies on cannot load");
		return -ENOTSUP;
	}
	err = hooks_configure(&c->agent, want, (uint32_t)getpid(), c->opts.fail_closed);
	if (!err && (c->agent.hooks_loaded & BW_HOOK_FILE)) {
		watch_defaults(c);
		policy_file_watch_dirs(c->policy, watch_policy_dir, c);
	}
	if (!err && c->opts.fail_closed)
		err = failclosed_arm(&c->agent);
	return err;
}

static int setup_alerts(struct run_ctx *c)
{
	struct alert_config cfg = { .url = c->opts.webhook_url, .format = c->opts.webhook_format };
	struct ci_job job;
	char *secret = NULL;
	int err;

	if (!c->opts.webhook_url)
		return 0;
	if (c->opts.webhook_secret_file) {
		err = alerts_load_secret(c->opts.webhook_secret_file, &secret);
		if (err)
			return err;
		cfg.secret = secret;
	}
	ci_env_detect(&job);
	err = alerts_start(&c->alerts, &cfg, &job);
	alerts_secret_free(secret);
	return err;
}

static int load_policy(struct run_ctx *c)
{
	int err;

	if (c->opts.policy_path)
		err = policy_load_file(c->opts.policy_path, &c->policy, stderr);
	else
		err = policy_load_default(&c->policy, stderr);
	if (err) {
		bw_err("cannot load policy %s: %s", c->opts.policy_path ? c->opts.policy_path
									 : POLICY_DEFAULT_NAME,
		       err == -EINVAL ? "it has errors (above)" : strerror(-err));
		return err;
	}
	c->rule_hits = calloc(policy_rule_count(c->policy) + 1, sizeof(*c->rule_hits));
	return c->rule_hits ? 0 : -ENOMEM;
}

/* Only a policy that may end the job gets it a cgroup of its own. */
static bool may_kill_job(const struct bw_policy *p)
{
	size_t i;

	for (i = 0; i < policy_rule_count(p); i++)
		if (policy_rule_effective_action(policy_rule(p, i)) == POLICY_ACT_KILL_JOB)
			return true;
	return false;
}

static int start_build(struct run_ctx *c, const char *path)
{
	int err;

	err = spawn_prepare(&c->child, path, c->opts.cmd, &c->orig_mask, &c->user);
	if (err)
		return err;
	if (may_kill_job(c->policy))
		jobctl_setup(&c->job, c->child.pid);
	/* Watched before it may run: no exec of the build can be missed. */
	err = loader_watch(&c->agent, c->child.pid, 1);
	if (err)
		return err;
	c->t_start_ns = now_mono_ns();
	err = spawn_release(&c->child);
	if (err) {
		bw_err("cannot run '%s': %s", c->opts.cmd[0], strerror(-err));
		waitpid(c->child.pid, NULL, 0);
		return err == -ENOENT ? BW_EXIT_NOT_FOUND : BW_EXIT_CANNOT_EXEC;
	}
	return 0;
}

static void run_ctx_free(struct run_ctx *c)
{
	alerts_finish(c->alerts, 0, NULL); /* error paths: stop at once */
	jbuf_free(&c->jb_alert);
	spawn_close(&c->child);
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->sigfd >= 0)
		close(c->sigfd);
	jobctl_cleanup(&c->job);
	failclosed_unmark();
	if (c->opts.fail_closed && c->agent.skel) {
		/* Leaving on purpose: our own exit must not count as a death. */
		hooks_configure(&c->agent, 0, (uint32_t)getpid(), false);
		failclosed_disarm(&c->agent);
	}
	loader_close(&c->agent);
	proctab_free(&c->procs);
	dns_cache_free(&c->dns);
	policy_free(c->policy);
	free(c->rule_hits);
	free(c->job_killed_block);
	jbuf_free(&c->jb);
	jbuf_free(&c->jb_event);
	if (c->events && c->events != stdout)
		fclose(c->events);
	else if (c->events)
		fflush(stdout);
	if (c->spool)
		fclose(c->spool);
}

int cmd_run(int argc, char **argv)
{
	struct run_ctx c = { .sigfd = -1, .epfd = -1, .child = { .pid = -1, .go_fd = -1, .err_fd = -1 } };
	struct loader_opts lo = { .max_procs = LOADER_DEFAULT_MAX_PROCS };
	char *path = NULL;
	int err, status = BW_EXIT_AGENT_ERROR;

	err = parse_opts(argc, argv, &c.opts);
	if (err)
		return err > 0 ? 0 : BW_EXIT_AGENT_ERROR;
	if (privdrop_resolve(c.opts.user, &c.user))
		return BW_EXIT_AGENT_ERROR;
	err = spawn_resolve(c.opts.cmd[0], &path);
	if (err) {
		bw_err("cannot run '%s': %s", c.opts.cmd[0], strerror(-err));
		return err == -ENOENT ? BW_EXIT_NOT_FOUND : BW_EXIT_CANNOT_EXEC;
	}
	jbuf_init(&c.jb);
	jbuf_init(&c.jb_event);
	jbuf_init(&c.jb_alert);
	clock_calibrate(&c.clk);
	lo.ringbuf_bytes = c.opts.ringbuf_mb << 20;
	lo.force_raw_tp = c.opts.force_raw_tp;
	lo.no_lsm = c.opts.no_lsm;
	if (proctab_init(&c.procs) || dns_cache_init(&c.dns) || load_policy(&c) || open_events(&c) ||
	    setup_signals(&c) || setup_alerts(&c))
		goto cleanup;
	if (loader_open(&c.agent, &lo, on_event, &c))
		goto cleanup;
	failclosed_sweep();
	failclosed_mark(c.opts.cmd[0]);
	/* Before the build exists: its first exec is already judged in the kernel. */
	if (deny_maps_install(&c.agent, c.policy) || setup_hooks(&c))
		goto cleanup;
	bw_info("watching with %s exec hook", c.agent.raw_tp ? "raw_tp" : "tp_btf");
	err = start_build(&c, path);
	if (err) {
		status = err > 0 ? err : BW_EXIT_AGENT_ERROR;
		goto cleanup;
	}
	/* Attached and started: what remains needs far less than root. */
	privdrop_agent();
	if (event_loop(&c)) {
		/* The agent broke, the build did not: let it finish, report ours. */
		bw_err("event loop failed; waiting for the build without watching it");
		waitpid(c.child.pid, &c.child_status, 0);
		goto cleanup;
	}
	status = c.job_killed ? BW_EXIT_JOB_KILLED : build_exit_status(c.child_status);
	/* Bounded: pending summaries and the queue get ALERTS_DEFAULT_DRAIN_MS at most. */
	alerts_finish(c.alerts, ALERTS_DEFAULT_DRAIN_MS, &c.alert_st);
	c.alerts = NULL;
	write_summary(&c, status);
	if (render_reports(&c))
		print_report(&c, status); /* the stream is unusable: a plain summary */
	else if (c.job_killed_block)
		fwrite(c.job_killed_block, 1, c.job_killed_len, stderr);
cleanup:
	run_ctx_free(&c);
	free(path);
	return status;
}
