// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Where the daemon's records and counts go besides each job's own files:
 * the status endpoint, the JSON-lines and OTLP exports, and the webhook.
 * None of them may hold up the event loop; each is restarted by a reload
 * only when its own settings changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "daemon/daemon.h"
#include "pipeline/engine_setup.h"
#include "export/export_jsonl.h"
#include "export/export_otlp.h"
#include "export/otel_env.h"
#include "lib/trace_context.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "export/metrics.h"

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_headers(char *const *a, char *const *b)
{
	size_t i;

	for (i = 0; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return (!a || !a[i]) && (!b || !b[i]);
}

static bool status_changed(const struct daemon_config *o, const struct daemon_config *n)
{
	return !o || !same_str(o->status_listen, n->status_listen);
}

static bool jsonl_changed(const struct daemon_config *o, const struct daemon_config *n)
{
	return !o || !same_str(o->jsonl_path, n->jsonl_path) ||
	       o->jsonl_max_bytes != n->jsonl_max_bytes || o->jsonl_keep != n->jsonl_keep;
}

static bool otlp_changed(const struct daemon_config *o, const struct daemon_config *n)
{
	return !o || !same_str(o->otlp_url, n->otlp_url) ||
	       !same_headers(o->otlp_headers, n->otlp_headers) ||
	       o->otlp_batch_records != n->otlp_batch_records || o->otlp_flush_ms != n->otlp_flush_ms ||
	       o->otlp_timeout_ms != n->otlp_timeout_ms ||
	       o->otlp_max_attempts != n->otlp_max_attempts ||
	       !same_str(o->otlp_host_name, n->otlp_host_name) ||
	       o->otlp_traces != n->otlp_traces || o->otlp_traces_json != n->otlp_traces_json ||
	       !same_str(o->otlp_traces_url, n->otlp_traces_url) ||
	       !same_str(o->otlp_service_name, n->otlp_service_name);
}

static bool alerts_changed(const struct daemon_config *o, const struct daemon_config *n)
{
	return !o || !same_str(o->webhook_url, n->webhook_url) ||
	       o->webhook_format != n->webhook_format ||
	       !same_str(o->webhook_secret_file, n->webhook_secret_file);
}

/* A new endpoint keeps the counters: they count from agent start. */
static int restart_status(struct daemon *d, const struct daemon_config *c)
{
	struct metrics *m = NULL;
	int err, i;

	err = metrics_start(&m, c->status_listen);
	if (err)
		return err;
	for (i = 0; d->metrics && i < METRIC__COUNT; i++)
		if (i != METRIC_START_TIME_MS)
			metrics_set(m, (enum metric)i, metrics_get(d->metrics, (enum metric)i));
	if (d->metrics)
		metrics_set(m, METRIC_START_TIME_MS, metrics_get(d->metrics, METRIC_START_TIME_MS));
	metrics_stop(d->metrics);
	d->metrics = m;
	if (c->status_listen)
		bw_info("status endpoint on %s", metrics_address(m));
	return 0;
}

static int restart_jsonl(struct daemon *d, const struct daemon_config *c)
{
	struct export_jsonl *x = NULL;
	int err;

	if (c->jsonl_path) {
		err = export_jsonl_open(&x, c->jsonl_path, c->jsonl_max_bytes, c->jsonl_keep);
		if (err)
			return err;
	}
	export_jsonl_close(d->jsonl);
	d->jsonl = x;
	return 0;
}

/*
 * Where the jobs' traces go: traces_url, else the log collector's URL with
 * /v1/logs as /v1/traces (no path: the sender's default, /v1/traces), else
 * the standard OTEL_EXPORTER_OTLP_* variables of the daemon's environment.
 * *url to free, or NULL: no traces.
 */
static int traces_target(const struct daemon_config *c, struct otel_env *env, char **url)
{
	char why[200];
	const char *logs = c->otlp_url;
	size_t n = logs ? strlen(logs) : 0;
	int err;

	*url = NULL;
	err = otel_env_read(env, trace_context_getenv, NULL, why, sizeof(why));
	if (err) {
		bw_err("daemon: %s", *why ? why : strerror(-err));
		return err;
	}
	if (c->otlp_traces && c->otlp_traces_url)
		*url = strdup(c->otlp_traces_url);
	else if (c->otlp_traces && n > 8 && !strcmp(logs + n - 8, "/v1/logs"))
		err = asprintf(url, "%.*s/v1/traces", (int)(n - 8), logs) < 0 ? -ENOMEM : 0;
	else if (c->otlp_traces)
		*url = strdup(logs);
	else if (env->url)
		*url = strdup(env->url);
	else
		return 0;
	return err || !*url ? -ENOMEM : 0;
}

static int restart_traces(struct daemon *d, const struct daemon_config *c)
{
	struct otel_env env;
	struct otlp_config oc = {
		.signal = OTLP_SIGNAL_TRACES, .batch_records = c->otlp_batch_records,
		.flush_ms = c->otlp_flush_ms, .timeout_ms = c->otlp_timeout_ms,
		.max_attempts = c->otlp_max_attempts, .host_name = c->otlp_host_name,
	};
	struct otlp *o = NULL;
	char *url = NULL;
	int err = traces_target(c, &env, &url);

	if (err || (c->otlp_traces && !c->otlp_url && !c->otlp_traces_url))
		goto out;
	if (url) {
		bool from_cfg = c->otlp_traces;

		oc.protobuf = from_cfg ? !c->otlp_traces_json : env.protobuf;
		oc.headers = from_cfg ? (const char *const *)c->otlp_headers :
					(const char *const *)env.headers;
		oc.service_name = c->otlp_service_name ? c->otlp_service_name : env.service_name;
		err = otlp_start(&o, url, &oc);
		if (err)
			goto out;
	}
	for (struct bw_job *j = d->jobs; j; j = j->next)
		trace_job_set_out(j->trace, o);
	for (struct bw_job *j = d->jobs; j; j = j->next)
		j->trace_out = o;
	otlp_finish(d->traces, OTLP_DEFAULT_DRAIN_MS, NULL);
	d->traces = o;
out:
	free(url);
	otel_env_free(&env);
	return err;
}

static int restart_otlp(struct daemon *d, const struct daemon_config *c)
{
	struct otlp_config oc = {
		.batch_records = c->otlp_batch_records, .flush_ms = c->otlp_flush_ms,
		.timeout_ms = c->otlp_timeout_ms, .max_attempts = c->otlp_max_attempts,
		.host_name = c->otlp_host_name, .headers = (const char *const *)c->otlp_headers,
	};
	struct otlp *o = NULL;
	int err;

	if (c->otlp_url) {
		err = otlp_start(&o, c->otlp_url, &oc);
		if (err)
			return err;
	}
	otlp_finish(d->otlp, OTLP_DEFAULT_DRAIN_MS, NULL);
	d->otlp = o;
	return restart_traces(d, c);
}

static int restart_alerts(struct daemon *d, const struct daemon_config *c)
{
	struct alerts *a = NULL;
	struct bw_job *j;
	int err;

	err = engine_start_alerts(&a, c->webhook_url, c->webhook_format, c->webhook_secret_file);
	if (err)
		return err;
	daemon_outputs_tick(d); /* the old sender's last counts */
	alerts_finish(d->alerts, ALERTS_DEFAULT_DRAIN_MS, NULL);
	d->alerts = a;
	memset(&d->alert_seen, 0, sizeof(d->alert_seen));
	for (j = d->jobs; j; j = j->next)
		j->alerts = a;
	return 0;
}

int daemon_outputs_start(struct daemon *d, const struct daemon_config *old)
{
	const struct daemon_config *c = d->gen->cfg;
	int err = 0;

	if (status_changed(old, c))
		err = restart_status(d, c);
	if (!err && jsonl_changed(old, c))
		err = restart_jsonl(d, c);
	if (!err && otlp_changed(old, c))
		err = restart_otlp(d, c);
	if (!err && alerts_changed(old, c))
		err = restart_alerts(d, c);
	return err;
}

void daemon_outputs_stop(struct daemon *d)
{
	daemon_outputs_tick(d);
	alerts_finish(d->alerts, ALERTS_DEFAULT_DRAIN_MS, NULL);
	d->alerts = NULL;
	otlp_finish(d->otlp, OTLP_DEFAULT_DRAIN_MS, NULL);
	d->otlp = NULL;
	otlp_finish(d->traces, OTLP_DEFAULT_DRAIN_MS, NULL);
	d->traces = NULL;
	export_jsonl_close(d->jsonl);
	d->jsonl = NULL;
	metrics_stop(d->metrics);
	d->metrics = NULL;
}

void daemon_on_line(struct bw_engine *e, struct bw_job *j, const char *type, uint32_t pid,
		    const struct verdict *v)
{
	struct daemon *d = e->owner;
	enum otlp_severity sev = OTLP_SEV_INFO;
	int series;

	if (v) {
		series = metrics_verdict_series(policy_action_name(v->taken));
		sev = otlp_severity_for_verdict(policy_severity_name(policy_rule_severity(v->rule)));
	} else {
		series = metrics_event_series(type);
	}
	if (series >= 0)
		metrics_add(d->metrics, (enum metric)series, 1);
	if (e->jb.oom)
		return;
	if (d->jsonl)
		export_jsonl_write(d->jsonl, e->jb.buf, e->jb.len);
	if (d->otlp)
		otlp_submit(d->otlp, e->jb.buf, e->jb.len, type, j->id, pid, clock_real_ns(), sev);
}

/* After each batch of records: write out the export, update the gauges. */
void daemon_outputs_tick(struct daemon *d)
{
	struct http_stats st;
	struct bw_job *j;
	size_t procs = 0;

	if (d->jsonl)
		export_jsonl_flush(d->jsonl);
	for (j = d->jobs; j; j = j->next)
		procs += j->procs.count;
	metrics_set(d->metrics, METRIC_PROCTAB_ENTRIES, procs);
	metrics_set(d->metrics, METRIC_JOBS_ACTIVE, d->n_jobs);
	if (!d->alerts)
		return;
	alerts_stats(d->alerts, &st);
	metrics_add(d->metrics, METRIC_ALERTS_SENT, st.sent - d->alert_seen.sent);
	metrics_add(d->metrics, METRIC_ALERTS_FAILED, st.failed - d->alert_seen.failed);
	metrics_add(d->metrics, METRIC_ALERTS_DROPPED, st.dropped - d->alert_seen.dropped);
	d->alert_seen = st;
}
