// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `buildwarden daemon --config FILE`: attach once, then find, watch and
 * report CI jobs until SIGTERM. SIGHUP reloads the config and policies,
 * all or nothing. docs/DAEMON.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include "cmd/commands.h"
#include "daemon/daemon.h"
#include "pipeline/engine_setup.h"
#include "lib/exit_codes.h"
#include "lib/heap.h"
#include "kernel/failclosed.h"
#include "pipeline/tamper_report.h"
#include "export/export_jsonl.h"
#include "lib/log.h"
#include "export/metrics.h"
#include "lib/redact.h"

static const char daemon_usage[] =
	"Usage: buildwarden daemon --config FILE [--check] [-v]\n"
	"\n"
	"Watch every CI job on this host: a job starts when a process runs a\n"
	"program a job rule names (e.g. the GitHub runner's Runner.Worker), and\n"
	"ends when that process exits; its events and reports go to the config's\n"
	"reports directory. SIGHUP reloads the config and its policies (a broken\n"
	"file keeps the running ones), SIGTERM stops. See docs/DAEMON.md.\n"
	"\n"
	"Options:\n"
	"  -c, --config FILE   the daemon's YAML config (required)\n"
	"      --check         check the config and every policy it names, then exit\n"
	"  -v, --verbose       more diagnostics (twice: libbpf debug output)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 after SIGTERM or a passed --check; 64 for a wrong command\n"
	"line; 65 for a config or policy error; 125 if the agent cannot attach.\n";

struct daemon_opts {
	const char *config;
	bool check;
};

static int parse_opts(int argc, char **argv, struct daemon_opts *o)
{
	enum { OPT_CHECK = 256 };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, verbose = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case OPT_CHECK: o->check = true; break;
		case 'v': verbose++; break;
		case 'h': fputs(daemon_usage, stdout); return 1;
		default:
			cmd_option_error("daemon", c, argv);
			return -EINVAL;
		}
	}
	/* The daemon says what it does at info level: its log is the record. */
	log_set_level(verbose > 1 ? BW_LOG_DEBUG : BW_LOG_INFO);
	/* libbpf's fallback chatter (the BPF LSM probe) only when asked for. */
	log_libbpf_from(verbose ? BW_LOG_INFO : BW_LOG_DEBUG);
	if (optind < argc) {
		bw_err("daemon: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (!o->config) {
		bw_err("daemon: --config FILE is required (usage: buildwarden daemon --config FILE)");
		return -EINVAL;
	}
	return 0;
}

static int setup_signals(struct daemon *d)
{
	/* Writes to a gone webhook or collector must not kill the agent. */
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = engine_signalfd(&d->orig_mask, false);
	return d->sigfd < 0 ? d->sigfd : 0;
}

/* The loader variables exec records carry: the config's, or the defaults. */
static int apply_exec_env(struct daemon *d, const struct daemon_config *c)
{
	static const char *const defaults[] = HOOKS_DEFAULT_ENV_NAMES;

	if (c->exec_env_set)
		return hooks_set_env_names(&d->eng.agent, c->exec_env.v, c->exec_env.n);
	return hooks_set_env_names(&d->eng.agent, defaults, sizeof(defaults) / sizeof(defaults[0]));
}

static bool restart_needed(const struct daemon_config *o, const struct daemon_config *n)
{
	return o->hooks != n->hooks || o->record_auto != n->record_auto ||
	       o->fail_closed != n->fail_closed || o->ringbuf_mb != n->ringbuf_mb ||
	       !o->run_socket != !n->run_socket ||
	       (o->run_socket && strcmp(o->run_socket, n->run_socket));
}

/* File rules in a reloaded policy need the file hooks, which load only at start. */
static void warn_file_hooks(struct daemon *d, const struct daemon_gen *g)
{
	const struct bw_policy **pols;
	size_t n, i;
	bool want = false;

	if ((d->eng.agent.hooks_loaded & BW_HOOK_FILE) || !(g->cfg->hooks & BW_HOOK_FILE))
		return;
	pols = daemon_gen_all_policies(g, &n);
	for (i = 0; pols && i < n; i++)
		want |= policy_has_rules_on(pols[i], BW_ON_FILE);
	free(pols);
	if (want)
		bw_warn("reload: the new policies have file rules, but the file hooks were not loaded "
			"at start (record: auto without file rules then); they take effect at the next "
			"start");
}

/* Records wake the agent as the new policies and every running job's ask (engine_set_wakeups). */
static void set_wakeups(struct daemon *d)
{
	const struct bw_policy **pols, **all;
	const struct bw_job *j;
	size_t n, n_jobs = 0;

	pols = daemon_gen_all_policies(d->gen, &n);
	for (j = d->jobs; j; j = j->next)
		n_jobs++;
	all = pols ? realloc(pols, (n + n_jobs + 1) * sizeof(*all)) : NULL;
	if (!all) {
		free(pols);
		bw_warn("out of memory setting the kernel's wakeups; every record wakes the agent");
		engine_set_wakeups(&d->eng, NULL, 0);
		return;
	}
	for (j = d->jobs; j; j = j->next)
		all[n++] = j->policy;
	engine_set_wakeups(&d->eng, all, n);
	free(all);
}

/* SIGHUP: a whole new generation, or none of it. */
static void reload(struct daemon *d)
{
	struct daemon_gen *g = NULL, *old = d->gen;
	int err;

	bw_info("SIGHUP: reloading %s", d->config_path);
	err = daemon_gen_load(d->config_path, &g);
	if (err) {
		bw_err("reload failed (%s): keeping the current config and policies",
		       err == -EINVAL ? "errors above" : strerror(-err));
		return;
	}
	if (restart_needed(old->cfg, g->cfg))
		bw_warn("reload: record, ringbuf_mb, fail_closed and run_socket changes take effect "
			"at the next start");
	warn_file_hooks(d, g);
	if (apply_exec_env(d, g->cfg))
		bw_warn("reload: exec_env not applied (see above); exec records keep the "
			"variables they carried");
	d->gen = g;
	redact_set_enabled(g->cfg->redact);
	err = daemon_apply_kernel(d);
	if (!err)
		err = daemon_outputs_start(d, old->cfg);
	set_wakeups(d);
	if (err) {
		bw_err("reload: applying the new config failed (%s); job rules and outputs may be "
		       "partly updated", strerror(-err));
	} else {
		daemon_adopt_running(d);
		bw_info("reloaded %s: %zu job rule(s), %zu policy file(s)", d->config_path,
			g->cfg->n_roots, g->n_policies);
	}
	daemon_gen_free(old);
}

/* A tamper record belongs to no job: it goes to the JSON-lines export, if any. */
static void tamper_line(struct bw_engine *e, void *ctx)
{
	struct daemon *d = ctx;

	if (d->jsonl && !e->jb.oom)
		export_jsonl_write(d->jsonl, e->jb.buf, e->jb.len);
}

/* Signals sent to the daemon (earlier: left by a daemon or run that died). */
static void report_tamper(struct daemon *d, bool earlier)
{
	struct tamper_sink s = { .e = &d->eng, .line = tamper_line, .ctx = d };

	if (earlier)
		tamper_report_earlier(&s);
	else
		tamper_report_own(&s, &d->tamper);
}

static void on_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(d);
			continue;
		}
		bw_info("received SIG%s from pid %u (uid %u): draining and detaching",
			sigabbrev_np((int)si.ssi_signo) ?: "?", si.ssi_pid, si.ssi_uid);
		report_tamper(d, false);
		d->stopping = true;
	}
}

static void check_lost(struct daemon *d)
{
	uint64_t n = engine_new_losses(&d->eng);
	struct bw_job *j;

	if (!n)
		return;
	bw_warn("kernel dropped %llu event(s): ring buffer full (raise ringbuf_mb); every job "
		"running now has an incomplete trace", (unsigned long long)n);
	metrics_add(d->metrics, METRIC_LOST_EVENTS, n);
	for (j = d->jobs; j; j = j->next)
		job_emit_lost(&d->eng, j, n, d->eng.lost);
}

static bool stopping(void *arg)
{
	return ((struct daemon *)arg)->stopping;
}

static void daemon_signals(void *arg)
{
	on_signals(arg);
}

/* A root's exit ends its job once the records before it are in. */
static void end_exited_jobs(void *arg)
{
	daemon_end_jobs(arg, false);
}

static void daemon_tick(void *arg)
{
	check_lost(arg);
	report_tamper(arg, false);
	daemon_outputs_tick(arg);
}

static int event_loop(struct daemon *d)
{
	struct engine_loop_ops ops = {
		.done = stopping, .on_signal = daemon_signals, .after_batch = end_exited_jobs,
		.tick = daemon_tick,
	};

	if (d->runs_ep >= 0) {
		ops.on_aux = daemon_runs_io;
		ops.aux_fd = d->runs_ep;
	}
	return engine_run_loop(&d->eng, d->sigfd, &ops, d);
}

static int attach(struct daemon *d)
{
	const struct daemon_config *c = d->gen->cfg;
	struct loader_opts lo = {
		.max_procs = LOADER_DEFAULT_MAX_PROCS, .ringbuf_bytes = c->ringbuf_mb << 20,
	};
	struct engine_hooks_opts ho = {
		.hooks = c->hooks, .record_auto = c->record_auto, .fail_closed = c->fail_closed,
	};
	const struct bw_policy **pols;
	size_t n;
	int err;

	d->eng.ops.job_for = daemon_job_for;
	d->eng.ops.on_exit = daemon_on_exit;
	d->eng.ops.on_line = daemon_on_line;
	d->eng.owner = d;
	d->eng.quiet_verdicts = false;
	heap_hold();
	err = loader_open(&d->eng.agent, &lo, engine_on_event, &d->eng);
	if (err)
		return err;
	failclosed_sweep();
	failclosed_mark("daemon");
	report_tamper(d, true);
	tamper_arm(&d->tamper, &d->eng.agent); /* without it the daemon still watches */
	err = apply_exec_env(d, c);
	if (!err)
		err = daemon_apply_kernel(d);
	if (err)
		return err;
	pols = daemon_gen_all_policies(d->gen, &n);
	if (!pols)
		return -ENOMEM;
	/* What is armed now, whatever a reload says later (it needs a restart). */
	d->fail_closed = c->fail_closed;
	err = engine_setup_hooks(&d->eng, &ho, pols, n);
	free(pols);
	heap_release(); /* the daemon's heap stays what its jobs need */
	return err;
}

static void daemon_free(struct daemon *d)
{
	daemon_runs_stop(d);
	daemon_outputs_stop(d);
	if (d->sigfd >= 0)
		close(d->sigfd);
	failclosed_unmark();
	tamper_disarm(&d->tamper);
	if (d->fail_closed && d->eng.agent.skel) {
		/* Stopped on purpose: our exit must not kill the builds. */
		hooks_configure(&d->eng.agent, 0, (uint32_t)getpid(), false);
		failclosed_disarm(&d->eng.agent);
	}
	engine_free(&d->eng);
	free(d->kernel_policy_text);
	daemon_policies_free(d);
	daemon_gen_free(d->gen);
}

static int check_only(const char *path)
{
	struct daemon_gen *g = NULL;
	int err = daemon_gen_load(path, &g);

	if (err) {
		bw_err("config %s: not valid", path);
		return BW_EXIT_INVALID;
	}
	printf("config %s: ok (%zu job rule(s), %zu policy file(s)%s)\n", path, g->cfg->n_roots,
	       g->n_policies, g->embedded ? ", and the embedded policy" : "");
	daemon_gen_free(g);
	return 0;
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon d = { .sigfd = -1, .run_fd = -1, .runs_ep = -1 };
	struct daemon_opts o = { 0 };
	int err, status = BW_EXIT_AGENT_ERROR;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : BW_EXIT_USAGE;
	log_use_journal_if_attached();
	if (o.check)
		return check_only(o.config);
	d.config_path = o.config;
	if (daemon_gen_load(o.config, &d.gen)) {
		bw_err("config %s: not valid; not starting", o.config);
		return BW_EXIT_INVALID;
	}
	redact_set_enabled(d.gen->cfg->redact);
	if (engine_init(&d.eng) || setup_signals(&d) || daemon_outputs_start(&d, NULL) ||
	    attach(&d) || daemon_runs_start(&d))
		goto cleanup;
	daemon_adopt_running(&d);
	bw_info("daemon attached (exec hook %s, deny hook %s): %zu job rule(s); reports in %s",
		d.eng.agent.raw_tp ? "raw_tp" : "tp_btf", d.eng.agent.lsm ? "lsm" : "sigkill",
		d.gen->cfg->n_roots, d.gen->cfg->reports_dir);
	if (event_loop(&d))
		goto cleanup;
	status = 0;
cleanup:
	/* Open jobs get their reports; their processes are left alone. */
	if (d.gen)
		daemon_end_jobs(&d, true);
	daemon_free(&d);
	bw_info(status ? "stopped after an error; detached" : "detached");
	return status;
}
