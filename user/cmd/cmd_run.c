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
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "alerts/alerts.h"
#include "lib/ci_env.h"
#include "cmd/commands.h"
#include "cmd/run_handover.h"
#include "kernel/deny_maps.h"
#include "pipeline/engine.h"
#include "pipeline/engine_setup.h"
#include "pipeline/tamper_report.h"
#include "events/event_json.h"
#include "events/events.h"
#include "lib/env_names.h"
#include "lib/exit_codes.h"
#include "lib/heap.h"
#include "kernel/detach.h"
#include "kernel/failclosed.h"
#include "kernel/jobctl.h"
#include "kernel/loader.h"
#include "kernel/ringbuf.h"
#include "kernel/tamper.h"
#include "lib/log.h"
#include "lib/procfs.h"
#include "events/netinfo.h"
#include "events/proctab.h"
#include "lib/record_kinds.h"
#include "lib/redact.h"
#include "lib/safefile.h"
#include "report/report.h"
#include "lib/spawn.h"
#include "events/tree.h"
#include "events/verdict.h"
#include "export/export_otlp.h"
#include "export/otel_env.h"
#include "lib/trace_context.h"

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
	const char *html_path;     /* HTML report */
	uint32_t ringbuf_mb;
	bool ringbuf_set;
	const char *daemon_socket; /* --daemon-socket: a daemon's run socket, or "none" */
	uint32_t max_processes; /* --max-processes, 0: the table's default */
	bool tree;
	bool force_raw_tp;
	const char *webhook_url;
	enum alert_format webhook_format;
	const char *webhook_secret_file;
	const char *exec_env; /* --exec-env, NULL: the loader's default list */
	const char *checkout; /* --checkout: a directory, "none", or NULL: found */
	bool scope_host; /* --scope host: every process that forks or execs is the job's */
	bool fail_on_set; /* --fail-on */
	enum policy_severity fail_on;
	const char *otlp_traces;  /* --otlp-traces URL (else OTEL_EXPORTER_OTLP_*ENDPOINT) */
	const char *otlp_protocol; /* --otlp-protocol */
	const char *otlp_headers[OTLP_HEADERS_MAX + 1]; /* --otlp-header, repeated */
	unsigned n_otlp_headers;
	char **cmd;
};

struct run_ctx {
	struct run_opts opts;
	struct bw_engine eng;
	struct bw_job job;
	struct alerts *alerts;
	struct otlp *traces;    /* the trace sender, or NULL */
	struct spawn child;
	struct build_user user;
	struct bw_tamper tamper; /* who signals us: kept where the next run finds it */
	int sigfd;
	bool child_done;
	bool policy_invalid; /* the policy did not load: exit BW_EXIT_INVALID */
	struct report_live *handed_report; /* a handed-over build's, read as the daemon writes */
	int handed_err;                     /* why it cannot be read (printed) */
	int child_status;
	sigset_t orig_mask;
	const char *checkout_dirs[2]; /* what start_checkout asked git about */
	struct ci_job ci;             /* the CI's workspace among them */
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
	"      --html FILE       write the HTML report (one self-contained page) to FILE\n"
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
	"      --ringbuf-mb N    kernel ring buffer size in MiB, a power of two (default:\n"
	"                        1 per CPU, from 4 to 16)\n"
	"      --max-processes N finished processes kept for lineage and the report\n"
	"                        before the oldest leaves are pruned (default 1024)\n"
	"      --no-tree         do not print the process tree when the build ends\n"
	"      --record LIST     what to record besides exec: comma-separated connect,\n"
	"                        dns, file, privilege; 'all', 'exec' (none), or 'auto'\n"
	"                        (default: all, file only if the policy has file rules)\n"
	"      --force-raw-tp    attach exec through raw_tp even where tp_btf works\n"
	"      --deny-hook auto|sigkill   deny rules fail the exec with EPERM where BPF\n"
	"                        LSM is active (auto), or always SIGKILL it at exec\n"
	"      --exec-env LIST   loader variables each exec record carries, comma-\n"
	"                        separated LD_* names, BASH_ENV, NODE_OPTIONS, at most\n"
	"                        6, or 'none' (default: LD_PRELOAD,LD_AUDIT,\n"
	"                        LD_LIBRARY_PATH,BASH_ENV,NODE_OPTIONS); no other\n"
	"                        variable is ever read\n"
	"      --checkout DIR    the git work tree whose tracked files the build must\n"
	"                        not change (default: the working directory's, else\n"
	"                        the CI's workspace, e.g. $CI_PROJECT_DIR); 'none'\n"
	"      --scope job|host  job (default): COMMAND and its descendants; host:\n"
	"                        also every other process on the host that forks or\n"
	"                        execs while COMMAND runs (containers a daemon such\n"
	"                        as dockerd starts; for runners that run one job)\n"
	"      --fail-on SEVERITY  let the build finish, then exit 123 if a verdict\n"
	"                        reached SEVERITY (info, low, medium, high, critical)\n"
	"                        and COMMAND itself succeeded\n"
	"      --otlp-traces URL  export the build as an OpenTelemetry trace to this\n"
	"                        OTLP/HTTP collector (default path /v1/traces; also\n"
	"                        OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT; docs/TRACES.md)\n"
	"      --otlp-protocol http/protobuf|http/json   trace encoding (default\n"
	"                        protobuf, or OTEL_EXPORTER_OTLP_PROTOCOL)\n"
	"      --otlp-header 'NAME: VALUE'   an extra request header, repeatable (else\n"
	"                        OTEL_EXPORTER_OTLP_HEADERS)\n"
	"      --daemon-socket PATH|none  hand the build to the daemon listening there\n"
	"                        (its run_socket), which has the programs loaded\n"
	"                        already (default: $BUILDWARDEN_RUN_SOCKET, else\n"
	"                        /run/buildwarden/run.sock when a daemon answers on\n"
	"                        it); 'none': always load our own\n"
	"  -v, --verbose         more diagnostics (twice: libbpf debug output)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Under GitHub Actions (GITHUB_ACTIONS=true) verdicts are also printed as\n"
	"annotations (::error, ::warning, ::notice) on standard error.\n"
	"\n"
	"Exit status: COMMAND's status (128+N if killed by signal N); 123 with\n"
	"--fail-on (above); 124 if the policy terminated the job; 125 if\n"
	"buildwarden itself failed; 126 if COMMAND cannot be executed; 127 if it\n"
	"was not found; 64 for a wrong command line, 65 for an invalid policy\n"
	"(nothing was run).\n";

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

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	enum { OPT_RINGBUF = 256, OPT_NO_TREE, OPT_RAW_TP, OPT_RECORD, OPT_NO_REDACT, OPT_FAIL_CLOSED,
	       OPT_USER, OPT_DENY_HOOK, OPT_WEBHOOK,
	       OPT_WEBHOOK_FORMAT, OPT_WEBHOOK_SECRET, OPT_EXEC_ENV, OPT_CHECKOUT, OPT_SCOPE,
	       OPT_MAX_PROCS, OPT_FAIL_ON, OPT_HTML, OPT_OTLP_TRACES, OPT_OTLP_PROTOCOL,
	       OPT_OTLP_HEADER, OPT_DAEMON_SOCKET };
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "policy", required_argument, NULL, 'p' },
		{ "ringbuf-mb", required_argument, NULL, OPT_RINGBUF },
		{ "max-processes", required_argument, NULL, OPT_MAX_PROCS },
		{ "no-tree", no_argument, NULL, OPT_NO_TREE },
		{ "force-raw-tp", no_argument, NULL, OPT_RAW_TP },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "report", required_argument, NULL, 'r' },
		{ "markdown", required_argument, NULL, 'm' },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
		{ "fail-closed", no_argument, NULL, OPT_FAIL_CLOSED },
		{ "user", required_argument, NULL, OPT_USER },
		{ "deny-hook", required_argument, NULL, OPT_DENY_HOOK },
		{ "webhook", required_argument, NULL, OPT_WEBHOOK },
		{ "webhook-format", required_argument, NULL, OPT_WEBHOOK_FORMAT },
		{ "webhook-secret-file", required_argument, NULL, OPT_WEBHOOK_SECRET },
		{ "exec-env", required_argument, NULL, OPT_EXEC_ENV },
		{ "checkout", required_argument, NULL, OPT_CHECKOUT },
		{ "scope", required_argument, NULL, OPT_SCOPE },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "otlp-traces", required_argument, NULL, OPT_OTLP_TRACES },
		{ "otlp-protocol", required_argument, NULL, OPT_OTLP_PROTOCOL },
		{ "otlp-header", required_argument, NULL, OPT_OTLP_HEADER },
		{ "daemon-socket", required_argument, NULL, OPT_DAEMON_SOCKET },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, verbose = 0;

	o->ringbuf_mb = loader_default_ringbuf_mb();
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
		case OPT_HTML: o->html_path = optarg; break;
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
		case OPT_EXEC_ENV: {
			struct env_names en;
			char why[320];

			/* Checked here, so a bad list is a usage error; applied after load. */
			if (env_names_parse(optarg, &en, why, sizeof(why))) {
				bw_err("run: --exec-env %s", why);
				return -EINVAL;
			}
			o->exec_env = optarg;
			break;
		}
		case OPT_CHECKOUT: o->checkout = optarg; break;
		case OPT_DAEMON_SOCKET: o->daemon_socket = optarg; break;
		case OPT_OTLP_TRACES: o->otlp_traces = optarg; break;
		case OPT_OTLP_PROTOCOL: {
			bool pb;

			if (otel_env_protocol(optarg, &pb)) {
				bw_err("run: --otlp-protocol '%s': expected http/protobuf or http/json",
				       optarg);
				return -EINVAL;
			}
			o->otlp_protocol = optarg;
			break;
		}
		case OPT_OTLP_HEADER:
			if (o->n_otlp_headers == OTLP_HEADERS_MAX) {
				bw_err("run: more than %d --otlp-header options", OTLP_HEADERS_MAX);
				return -EINVAL;
			}
			o->otlp_headers[o->n_otlp_headers++] = optarg;
			break;
		case OPT_SCOPE:
			if (strcmp(optarg, "job") && strcmp(optarg, "host")) {
				bw_err("run: --scope '%s': expected job or host", optarg);
				return -EINVAL;
			}
			o->scope_host = !strcmp(optarg, "host");
			break;
		case OPT_FAIL_ON:
			if (policy_severity_parse(optarg, &o->fail_on)) {
				bw_err("run: --fail-on '%s': expected info, low, medium, high or critical",
				       optarg);
				return -EINVAL;
			}
			o->fail_on_set = true;
			break;
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
			o->ringbuf_set = true;
			break;
		case OPT_MAX_PROCS:
			if (parse_u32(optarg, &o->max_processes) || o->max_processes < 100) {
				bw_err("run: --max-processes '%s': expected a number of at least 100",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_NO_TREE: o->tree = false; break;
		case OPT_RAW_TP: o->force_raw_tp = true; break;
		case OPT_RECORD: {
			char why[160];

			if (record_kinds_parse(optarg, &o->hooks, &o->record_auto, why, sizeof(why))) {
				bw_err("run: --record %s", why);
				return -EINVAL;
			}
			break;
		}
		case 'v': verbose++; break;
		case 'h': fputs(run_usage, stdout); return 1;
		default:
			cmd_option_error("run", c, argv);
			return -EINVAL;
		}
	}
	if (verbose)
		log_set_level(verbose > 1 ? BW_LOG_DEBUG : BW_LOG_INFO);
	/* The agent dying would kill every process on the host that forked. */
	if (o->scope_host && o->fail_closed) {
		bw_err("run: --scope host cannot be combined with --fail-closed: the host's own "
		       "processes would die with the agent");
		return -EINVAL;
	}
	if (optind >= argc) {
		bw_err("run: no command given (usage: buildwarden run [OPTIONS] -- COMMAND [ARG...])");
		return -EINVAL;
	}
	o->cmd = argv + optind;
	return 0;
}

static int setup_signals(struct run_ctx *c)
{
	/* The build's exit arrives as SIGCHLD on the same signalfd. */
	c->sigfd = engine_signalfd(&c->orig_mask, true);
	return c->sigfd < 0 ? c->sigfd : 0;
}

static void reap_child(struct run_ctx *c)
{
	int st;

	if (waitpid(c->child.pid, &st, WNOHANG) == c->child.pid) {
		c->child_done = true;
		c->child_status = st;
		c->job.t_end_ns = clock_mono_ns();
	}
}

/* Signals sent to us so far, as the kernel saw their senders. */
static void report_tamper(struct run_ctx *c)
{
	struct tamper_sink s = { .e = &c->eng, .j = &c->job };

	tamper_report_own(&s, &c->tamper);
}

/* SIGCHLD on the signalfd says the build changed state; the rest is forwarded. */
static void forward_signals(struct run_ctx *c)
{
	struct signalfd_siginfo si;

	while (read(c->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap_child(c);
			continue;
		}
		report_tamper(c);
		spawn_forward_signal(&c->child, &si, c->child_done);
	}
}

/* Turn a rise of the kernel's loss counter into a record and a warning. */
static void check_lost(struct run_ctx *c)
{
	uint64_t n = engine_new_losses(&c->eng);

	if (!n)
		return;
	bw_warn("kernel dropped %llu event(s): ring buffer full (try --ringbuf-mb)",
		(unsigned long long)n);
	job_emit_lost(&c->eng, &c->job, n, c->eng.lost);
}

static bool build_done(void *arg)
{
	return ((struct run_ctx *)arg)->child_done;
}

static void run_signals(void *arg)
{
	forward_signals(arg);
}

static void run_tick(void *arg)
{
	check_lost(arg);
	report_tamper(arg);
}

static int event_loop(struct run_ctx *c)
{
	static const struct engine_loop_ops ops = {
		.done = build_done, .on_signal = run_signals, .tick = run_tick,
	};

	return engine_run_loop(&c->eng, c->sigfd, &ops, c);
}

/* How long a killed job's processes get to finish exiting before run reports. */
#define KILL_WAIT_MS 2000

/*
 * A killed job ends when its processes have, not when their exit records
 * came: nothing of it may still run once run has exited (their records
 * of the last moments are read here too).
 */
static void wait_killed(struct run_ctx *c)
{
	int left = jobctl_wait_killed(&c->job.ctl, KILL_WAIT_MS);

	if (left)
		bw_warn("kill-job: %d process(es) of the job still exiting after %d ms", left,
			KILL_WAIT_MS);
	ringbuf_consume(c->eng.agent.rb);
}

/* Every record under run is the build's: job 1. */
static struct bw_job *run_job_for(struct bw_engine *e, const struct bw_event_view *v)
{
	struct run_ctx *c = e->owner;

	(void)v;
	return &c->job;
}

static void summary_fields(struct jbuf *jb, struct bw_job *j, void *arg)
{
	struct run_ctx *c = arg;
	char **a;

	(void)j;
	json_arr_open(jb, "command");
	for (a = c->opts.cmd; *a; a++)
		redact_json_strn(jb, NULL, *a, strlen(*a), a == c->opts.cmd ? NULL : a[-1]);
	json_arr_close(jb);
	json_kv_i64(jb, "exit_status", c->job.root_status);
	json_kv_str(jb, "scope", c->opts.scope_host ? "host" : "job");
	if (WIFSIGNALED(c->child_status)) {
		json_kv_null(jb, "build_exit_code");
		json_kv_u64(jb, "build_signal", (uint64_t)WTERMSIG(c->child_status));
	} else {
		json_kv_u64(jb, "build_exit_code", (uint64_t)WEXITSTATUS(c->child_status));
		json_kv_null(jb, "build_signal");
	}
}

/* One set of reports from the job's stream, or from the one a daemon wrote for us. */
static int render_one(struct bw_job *j, struct report_live *handed, const struct report_opts *ro)
{
	return handed ? report_live_render(handed, ro) : job_render_reports(j, ro);
}

/*
 * The end-of-job report, rendered from the event stream (docs/REPORTS.md):
 * ours (j), or the one a daemon wrote for us (handed).
 */
static int render_reports_of(const struct run_opts *o, struct bw_job *j,
			     struct report_live *handed)
{
	struct report_opts ro = {
		.tree_out = stderr, .no_tree = !o->tree, .color = isatty(STDERR_FILENO),
		.json_path = o->report_path, .markdown_path = o->markdown_path,
		.html_path = o->html_path,
	};
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	struct ci_job ci;
	int err;

	/* GitHub reads workflow commands from either stream: stderr leaves the build's stdout alone. */
	ci_env_detect(&ci);
	if (!strcmp(ci.provider, "github"))
		ro.annotations_out = stderr;
	err = render_one(j, handed, &ro);
	if (!err && summary && *summary) {
		struct report_opts md = { .markdown_path = summary, .append = true };

		err = render_one(j, handed, &md);
		if (err)
			bw_warn("cannot append the report to $GITHUB_STEP_SUMMARY: %s", strerror(-err));
		err = 0;
	}
	return err;
}

static int render_reports(struct run_ctx *c)
{
	return render_reports_of(&c->opts, &c->job, NULL);
}

static void follow_handed_over(void *arg, const char *stream_path)
{
	struct run_ctx *c = arg;

	if (!c->handed_report && !c->handed_err)
		c->handed_err = report_live_open(&c->handed_report, stream_path);
	if (c->handed_report)
		report_live_poll(c->handed_report);
}

static int render_handed_over(void *arg, const char *stream_path)
{
	struct run_ctx *c = arg;

	follow_handed_over(c, stream_path);
	if (!c->handed_report)
		return c->handed_err;
	return render_reports_of(&c->opts, NULL, c->handed_report);
}

/* What only an agent of our own honours: the option that keeps the build here, or NULL. */
static const char *handover_blocker(const struct run_opts *o)
{
	static const char *const otel[] = { "OTEL_EXPORTER_OTLP_ENDPOINT",
					    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" };
	const struct {
		bool set;
		const char *name;
	} ours[] = {
		{ o->fail_closed, "--fail-closed" },
		{ o->scope_host, "--scope host" },
		{ o->fail_on_set, "--fail-on" },
		{ o->hooks != BW_HOOK_ALL || !o->record_auto, "--record" },
		{ o->events_path && !strcmp(o->events_path, "-"), "--events -" },
		{ o->webhook_url != NULL, "--webhook" },
		{ o->exec_env != NULL, "--exec-env" },
		{ o->checkout != NULL, "--checkout" },
		{ o->force_raw_tp, "--force-raw-tp" },
		{ o->no_lsm, "--deny-hook" },
		{ o->max_processes != 0, "--max-processes" },
		{ o->ringbuf_set, "--ringbuf-mb" },
		{ o->otlp_traces || o->otlp_protocol || o->n_otlp_headers, "--otlp-*" },
		{ !redact_enabled(), "--no-redact" },
	};
	size_t i;

	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (ours[i].set)
			return ours[i].name;
	for (i = 0; i < sizeof(otel) / sizeof(otel[0]); i++)
		if (getenv(otel[i]) && *getenv(otel[i]))
			return otel[i];
	return NULL;
}

/* The build's status once a daemon ran it, or -EAGAIN: run it here. */
static int try_handover(struct run_ctx *c, const char *path)
{
	const char *env = getenv(RUN_SOCKET_ENV), *blocker = handover_blocker(&c->opts);
	struct run_handover h = {
		.socket = c->opts.daemon_socket, .asked = c->opts.daemon_socket != NULL,
		.exe = path, .cmd = c->opts.cmd, .policy_path = c->opts.policy_path,
		.events_path = c->opts.events_path, .user = &c->user,
		.follow = follow_handed_over, .render = render_handed_over, .arg = c,
	};

	if (!h.socket && env && *env) {
		h.socket = env;
		h.asked = true;
	}
	if (!h.socket)
		h.socket = RUN_SOCKET_DEFAULT;
	if (!strcmp(h.socket, "none"))
		return -EAGAIN;
	if (blocker) {
		if (h.asked)
			bw_info("not handed to the daemon at %s: %s needs an agent of our own; "
				"running standalone", h.socket, blocker);
		return -EAGAIN;
	}
	return run_handover(&h);
}

/* --exec-env: "none", or up to BW_ENV_NAMES comma-separated names. */
static int set_exec_env(struct run_ctx *c)
{
	struct env_names en;
	char err[320];
	int rc;

	if (!c->opts.exec_env)
		return 0;
	if (env_names_parse(c->opts.exec_env, &en, err, sizeof(err))) {
		bw_err("run: --exec-env %s", err);
		return -EINVAL;
	}
	rc = hooks_set_env_names(&c->eng.agent, en.v, en.n);
	if (rc)
		bw_err("run: --exec-env '%s': not recorded as asked (see above)", c->opts.exec_env);
	return rc;
}

/*
 * The checkout the build must not rewrite: --checkout, or the work tree of
 * the working directory, or of the CI's workspace. Not knowing one is no
 * error: there is just nothing tracked.
 */
/*
 * git lists the checkout's files in a child while the programs load: the
 * given --checkout, else the working directory's work tree, else the CI's
 * workspace. Said and waited for in setup_hooks.
 */
static void start_checkout(struct run_ctx *c)
{
	size_t n = 0;

	if (c->opts.checkout) {
		if (!strcmp(c->opts.checkout, "none"))
			return;
		c->checkout_dirs[n++] = c->opts.checkout;
	} else {
		c->checkout_dirs[n++] = ".";
		ci_env_detect(&c->ci);
		if (*c->ci.workspace)
			c->checkout_dirs[n++] = c->ci.workspace;
	}
	job_checkout_start(&c->job, c->checkout_dirs, n, &c->user);
}

static struct engine_hooks_opts hooks_opts(const struct run_ctx *c)
{
	struct engine_hooks_opts ho = {
		.hooks = c->opts.hooks, .record_auto = c->opts.record_auto,
		.fail_closed = c->opts.fail_closed, .watch_cwd = true,
	};

	return ho;
}

static int setup_hooks(struct run_ctx *c)
{
	struct engine_hooks_opts ho = hooks_opts(c);
	const struct bw_policy *pol = c->job.policy;
	int err = set_exec_env(c);

	if (!err)
		err = engine_setup_hooks(&c->eng, &ho, &pol, 1);
	if (c->job.checkout_dirs)
		job_checkout_finish(&c->job);
	/* The host's processes, or the build through us, join with the sockets they have. */
	if (!err && (c->opts.scope_host || procfs_has_dns_socket((uint32_t)getpid())))
		hooks_assume_dns_connected(&c->eng.agent);
	if (!err)
		engine_watch_checkout(&c->eng, &c->job.checkout);
	return err;
}

static int start_build(struct run_ctx *c, const char *path)
{
	int err;

	err = spawn_prepare(&c->child, path, c->opts.cmd, &c->orig_mask, &c->user);
	if (err)
		return err;
	if (job_may_kill(&c->job))
		jobctl_setup(&c->job.ctl, c->child.pid);
	/* Watched before it may run: no exec of the build can be missed. */
	err = loader_watch(&c->eng.agent, c->child.pid, 1);
	if (err)
		return err;
	c->job.t_start_ns = clock_mono_ns();
	c->job.root_pid = (uint32_t)c->child.pid;
	err = spawn_release(&c->child);
	if (err) {
		bw_err("cannot run '%s': %s", c->opts.cmd[0], strerror(-err));
		waitpid(c->child.pid, NULL, 0);
		return err == -ENOENT ? BW_EXIT_NOT_FOUND : BW_EXIT_CANNOT_EXEC;
	}
	return 0;
}

/* What other agents, doctor and the kernel see of us: put right before leaving. Idempotent. */
static void run_disarm(struct run_ctx *c)
{
	alerts_finish(c->alerts, 0, NULL); /* error paths: stop at once */
	otlp_finish(c->traces, 0, NULL);
	c->alerts = c->job.alerts = NULL;
	c->traces = c->job.trace_out = NULL;
	spawn_close(&c->child);
	if (c->sigfd >= 0)
		close(c->sigfd);
	c->sigfd = -1;
	failclosed_unmark();
	if (c->opts.fail_closed && c->eng.agent.skel) {
		/* Leaving on purpose: our own exit must not count as a death. */
		hooks_configure(&c->eng.agent, 0, (uint32_t)getpid(), false);
		failclosed_disarm(&c->eng.agent);
	}
}

static void run_ctx_free(struct run_ctx *c)
{
	run_disarm(c);
	tamper_disarm(&c->tamper);
	engine_free(&c->eng);
	job_free(&c->job);
}

/*
 * The end of a run whose outputs are all written: whoever waits for us
 * (the CI step) need not wait for the detaches (kernel/detach.h) nor for
 * freeing what the kernel frees with the process. Sanitizer builds still
 * free everything, so that their leak checks keep their meaning: with the
 * holder's copies open, closing theirs detaches nothing (a per-syscall
 * tracepoint's detach waits ~55 ms, 3.5 s for the set).
 */
static void run_leave(struct run_ctx *c, int status)
{
	run_disarm(c);
	if (!c->eng.agent.skel || !detach_behind())
		return;
#ifndef __SANITIZE_ADDRESS__
	tamper_unpin(&c->tamper);
	jobctl_cleanup(&c->job.ctl);
	fflush(NULL);
	_exit(status);
#endif
	(void)status;
}

/* Who signalled agents that died before us: said once, into our stream too, then cleared. */
static void report_earlier_tamper(struct run_ctx *c)
{
	struct tamper_sink s = { .e = &c->eng, .j = &c->job };

	tamper_report_earlier(&s);
}

/*
 * --fail-on: a build that passed fails the job at its end when a verdict
 * reached the severity. A failed build keeps its own status (it fails the
 * job already, and says more), a killed job keeps 124.
 */
static int apply_fail_on(struct run_ctx *c, int status, bool say)
{
	uint64_t n;

	if (!c->opts.fail_on_set)
		return status;
	job_worst_severity(&c->job, c->opts.fail_on, &n);
	if (!n)
		return status;
	if (say)
		bw_warn("%llu verdict(s) reached severity %s (--fail-on)%s", (unsigned long long)n,
			policy_severity_name(c->opts.fail_on),
			status != BW_EXIT_FAIL_ON ? "; the build's own status is kept" :
						    ": exiting 123");
	return status ? status : BW_EXIT_FAIL_ON;
}

/*
 * The build as a trace (docs/TRACES.md): options first, then the standard
 * OpenTelemetry variables; no endpoint anywhere: no trace.
 */
static int start_traces(struct run_ctx *c)
{
	struct otel_env env;
	struct ci_job ci;
	char why[200];
	const char *url;
	int err = otel_env_read(&env, trace_context_getenv, NULL, why, sizeof(why));
	struct otlp_config oc = { .signal = OTLP_SIGNAL_TRACES };

	if (err) {
		bw_err("run: %s", *why ? why : strerror(-err));
		goto out;
	}
	url = c->opts.otlp_traces ? c->opts.otlp_traces : env.url;
	if (!url)
		goto out;
	oc.protobuf = env.protobuf;
	if (c->opts.otlp_protocol)
		otel_env_protocol(c->opts.otlp_protocol, &oc.protobuf);
	oc.headers = c->opts.n_otlp_headers ? c->opts.otlp_headers :
					       (const char *const *)env.headers;
	oc.service_name = env.service_name;
	err = otlp_start(&c->traces, url, &oc);
	if (err)
		goto out;
	ci_env_detect(&ci);
	err = job_start_trace(&c->eng, &c->job, c->traces, trace_context_getenv, NULL, &ci);
out:
	otel_env_free(&env);
	return err;
}

/* The build ended: close its trace and send what is queued (bounded); the report says where it went. */
static void finish_traces(struct run_ctx *c)
{
	struct http_stats *st = &c->job.trace_st;

	if (!c->job.trace)
		return;
	job_end_trace(&c->job);
	otlp_finish(c->traces, OTLP_DEFAULT_DRAIN_MS, st);
	c->traces = NULL;
	c->job.trace_out = NULL;
	c->job.trace_final = true;
}

static int run_setup(struct run_ctx *c)
{
	struct loader_opts lo = { .max_procs = LOADER_DEFAULT_MAX_PROCS };
	struct engine_hooks_opts ho;
	const struct bw_policy *pol;
	int err;

	lo.ringbuf_bytes = c->opts.ringbuf_mb << 20;
	lo.force_raw_tp = c->opts.force_raw_tp;
	lo.no_lsm = c->opts.no_lsm;
	c->eng.ops.job_for = run_job_for;
	c->eng.owner = c;
	err = engine_init(&c->eng);
	if (!err)
		err = job_init(&c->job, 1);
	if (!err && c->opts.max_processes)
		c->job.procs.max_exited = c->opts.max_processes;
	if (!err) {
		err = job_load_policy(&c->job, c->opts.policy_path);
		c->policy_invalid = err && err != -ENOMEM;
	}
	if (!err)
		err = job_open_events(&c->job, c->opts.events_path);
	if (!err)
		err = job_start_report(&c->job);
	if (!err)
		err = setup_signals(c);
	if (!err)
		err = engine_start_alerts(&c->alerts, c->opts.webhook_url, c->opts.webhook_format,
					  c->opts.webhook_secret_file);
	if (err)
		return err;
	c->job.alerts = c->alerts;
	err = start_traces(c);
	if (err)
		return err;
	lo.host_job = c->opts.scope_host ? c->job.id : 0;
	/* git runs in a forked child: a fork after heap_hold would make each write to the held heap trap. */
	start_checkout(c);
	heap_hold(); /* given back once the build runs */
	err = loader_prepare(&c->eng.agent, &lo);
	if (err)
		return err;
	/* The syscall hooks load in a thread meanwhile: setup_hooks waits for them. */
	ho = hooks_opts(c);
	pol = c->job.policy;
	engine_start_hooks(&c->eng, &ho, &pol, 1);
	err = loader_open(&c->eng.agent, &lo, engine_on_event, &c->eng);
	if (err)
		return err;
	failclosed_sweep();
	failclosed_mark(c->opts.cmd[0]);
	report_earlier_tamper(c);
	tamper_arm(&c->tamper, &c->eng.agent); /* without it the build still runs */
	/* Before the build exists: its first exec is already judged in the kernel. */
	err = deny_maps_install(&c->eng.agent, c->job.policy);
	c->job.kernel_deny = !err;
	if (!err)
		err = setup_hooks(c);
	return err;
}

int cmd_run(int argc, char **argv)
{
	struct run_ctx c = { .sigfd = -1, .child = { .pid = -1, .go_fd = -1, .err_fd = -1 } };
	char *path = NULL;
	int err, status = BW_EXIT_AGENT_ERROR;

	err = parse_opts(argc, argv, &c.opts);
	if (err)
		return err > 0 ? 0 : BW_EXIT_USAGE;
	if (privdrop_resolve(c.opts.user, &c.user))
		return BW_EXIT_USAGE; /* --user names no one */
	err = spawn_resolve(c.opts.cmd[0], &path);
	if (err) {
		bw_err("cannot run '%s': %s", c.opts.cmd[0], strerror(-err));
		return err == -ENOENT ? BW_EXIT_NOT_FOUND : BW_EXIT_CANNOT_EXEC;
	}
	status = try_handover(&c, path);
	if (status != -EAGAIN) {
		/* Nothing else of ours was set up. */
		report_live_free(c.handed_report);
		free(path);
		return status;
	}
	status = BW_EXIT_AGENT_ERROR;
	if (run_setup(&c)) {
		if (c.policy_invalid)
			status = BW_EXIT_INVALID;
		goto cleanup;
	}
	bw_info("watching with %s exec hook", c.eng.agent.raw_tp ? "raw_tp" : "tp_btf");
	err = start_build(&c, path);
	if (err) {
		status = err > 0 ? err : BW_EXIT_AGENT_ERROR;
		goto cleanup;
	}
	/* Attached and started: what remains needs far less than root, and than the load's heap. */
	privdrop_agent();
	heap_release();
	if (event_loop(&c)) {
		/* The agent broke, the build did not: let it finish, report ours. */
		bw_err("event loop failed; waiting for the build without watching it");
		waitpid(c.child.pid, &c.child_status, 0);
		goto cleanup;
	}
	if (c.job.job_killed)
		wait_killed(&c);
	/* The build's root is reaped and its records drained: who stayed behind? */
	engine_judge_leftovers(&c.eng, &c.job);
	if (c.job.job_killed) /* by a leftover rule */
		wait_killed(&c);
	report_tamper(&c);
	status = c.job.job_killed ? BW_EXIT_JOB_KILLED : spawn_exit_status(c.child_status);
	status = apply_fail_on(&c, status, false);
	c.job.root_status = status;
	/* Bounded: pending summaries and the queue get ALERTS_DEFAULT_DRAIN_MS at most. */
	alerts_finish(c.alerts, ALERTS_DEFAULT_DRAIN_MS, &c.job.alert_st);
	c.job.alert_final = true;
	c.alerts = c.job.alerts = NULL;
	finish_traces(&c);
	job_write_summary(&c.eng, &c.job, summary_fields, &c);
	if (render_reports(&c))
		job_print_counts(&c.eng, &c.job, status, c.opts.tree); /* the stream is unusable */
	else if (c.job.job_killed_block)
		fwrite(c.job.job_killed_block, 1, c.job.job_killed_len, stderr);
	apply_fail_on(&c, status, true); /* the last word, after the report */
	run_leave(&c, status);
cleanup:
	run_ctx_free(&c);
	free(path);
	return status;
}
