// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * OTLP/HTTP JSON log export (docs/DAEMON.md, "OTLP export"). The shape of
 * alerts.c: otlp_submit() copies the record outside the lock (one
 * allocation), then under the lock appends it to a bounded ring or counts
 * it dropped. The sender thread owns the curl handle; it takes a batch
 * under the lock and builds, sends and retries it without the lock, so a
 * slow or dead collector only fills the queue.
 *
 * The request body follows the OTLP JSON encoding (proto3 JSON mapping):
 * resourceLogs[] -> scopeLogs[] -> logRecords[], camelCase field names,
 * 64-bit integers (timeUnixNano, intValue) as decimal strings, enums
 * (severityNumber) as numbers, AnyValue as {"stringValue": ...} or
 * {"intValue": "..."}. The body of each record is the record's JSON line
 * as a string; strings are made valid UTF-8 (an invalid byte becomes
 * U+FFFD) because a collector rejects the whole request otherwise.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include "export/export_otlp.h"
#include "lib/clock.h"
#include "lib/http_client.h"
#include "lib/json_out.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "export/otlp_proto.h"
#include "export/trace_encode.h"

#define SCOPE_NAME "buildwarden"
#define SCOPE_VERSION "0.1"
#define SERVICE_NAME "buildwarden"
#define LOGS_PATH "/v1/logs"
#define TRACES_PATH "/v1/traces"
#define FAILURES_LOGGED 3
#define QUIET_MS (5 * 60 * 1000)
#define RESPONSE_MAX 4096
#define TYPE_MAX 31

/* One queued record: a single allocation, the line last. */
struct rec {
	uint64_t job_id, time_ns, observed_ns;
	uint64_t queued_ms;        /* CLOCK_MONOTONIC, for flush_ms */
	uint32_t pid;
	enum otlp_severity sev;
	char type[TYPE_MAX + 1];
	size_t len;
	char line[];
};

struct otlp {
	/* set at start, read-only afterwards */
	char *url;
	char host[256];            /* for messages: the collector's host, never the URL */
	char *host_name;           /* resource host.name */
	char *instance_id;         /* resource service.instance.id, or NULL */
	char *service_name;        /* resource service.name */
	enum otlp_signal signal;
	bool protobuf;
	const char *what;          /* for messages: "OTLP export", "OTLP trace export" */
	struct pbuf pb;            /* the sender thread's: a trace request */
	const uint8_t **span_ptr;  /* the sender thread's: batch_records each */
	size_t *span_len;
	unsigned batch_records, flush_ms, queue_bytes, timeout_ms, max_attempts;
	struct curl_slist *headers;
	struct rec **batch;        /* the sender thread's: batch_records */
	size_t batch_n;
	struct jbuf jb;            /* the sender thread's */
	struct http_worker w;      /* the sender thread and queue; w.lock guards them and what follows */

	size_t bytes;              /* line bytes queued */
	unsigned failures_logged;
	uint64_t last_report_ms;   /* when a failure was last said */
	uint64_t quiet_records;    /* records not delivered since, unsaid */
};

enum otlp_severity otlp_severity_for_verdict(const char *rule_severity)
{
	if (rule_severity && (!strcmp(rule_severity, "high") || !strcmp(rule_severity, "critical")))
		return OTLP_SEV_ERROR;
	return OTLP_SEV_WARN;
}

static const char *severity_text(enum otlp_severity s)
{
	switch (s) {
	case OTLP_SEV_INFO: return "INFO";
	case OTLP_SEV_WARN: return "WARN";
	case OTLP_SEV_ERROR: return "ERROR";
	}
	return "INFO";
}

/* ---- the payload ---- */

static void attr_str(struct jbuf *jb, const char *key, const char *v, size_t n)
{
	json_obj_open(jb);
	json_kv_str(jb, "key", key);
	json_sub_open(jb, "value");
	otlp_json_utf8(jb, "stringValue", v, n);
	json_obj_close(jb);
	json_obj_close(jb);
}

static void attr_int(struct jbuf *jb, const char *key, uint64_t v)
{
	json_obj_open(jb);
	json_kv_str(jb, "key", key);
	json_sub_open(jb, "value");
	json_kv_u64_str(jb, "intValue", v);
	json_obj_close(jb);
	json_obj_close(jb);
}

static void log_record(struct jbuf *jb, const struct rec *r)
{
	json_obj_open(jb);
	json_kv_u64_str(jb, "timeUnixNano", r->time_ns);
	json_kv_u64_str(jb, "observedTimeUnixNano", r->observed_ns);
	json_kv_u64(jb, "severityNumber", (uint64_t)r->sev);
	json_kv_str(jb, "severityText", severity_text(r->sev));
	json_sub_open(jb, "body");
	otlp_json_utf8(jb, "stringValue", r->line, r->len);
	json_obj_close(jb);
	json_arr_open(jb, "attributes");
	attr_str(jb, "event.type", r->type, strlen(r->type));
	if (r->job_id)
		attr_int(jb, "job.id", r->job_id);
	if (r->pid)
		attr_int(jb, "process.pid", r->pid);
	json_arr_close(jb);
	json_obj_close(jb);
}

/* The whole request body into jb: false on ENOMEM. */
static bool build_payload(struct jbuf *jb, struct rec *const *recs, size_t n,
			  const char *service_name, const char *host_name, const char *instance_id)
{
	jbuf_reset(jb);
	json_obj_open(jb);
	json_arr_open(jb, "resourceLogs");
	json_obj_open(jb);
	json_sub_open(jb, "resource");
	json_arr_open(jb, "attributes");
	attr_str(jb, "service.name", service_name, strlen(service_name));
	attr_str(jb, "host.name", host_name, strlen(host_name));
	if (instance_id)
		attr_str(jb, "service.instance.id", instance_id, strlen(instance_id));
	json_arr_close(jb);
	json_obj_close(jb);
	json_arr_open(jb, "scopeLogs");
	json_obj_open(jb);
	json_sub_open(jb, "scope");
	json_kv_str(jb, "name", SCOPE_NAME);
	json_kv_str(jb, "version", SCOPE_VERSION);
	json_obj_close(jb);
	json_arr_open(jb, "logRecords");
	for (size_t i = 0; i < n; i++)
		log_record(jb, recs[i]);
	json_arr_close(jb);
	json_obj_close(jb);
	json_arr_close(jb);
	json_obj_close(jb);
	json_arr_close(jb);
	json_obj_close(jb);
	return !jb->oom;
}

/* A queued copy of a record: NULL on ENOMEM. */
static struct rec *rec_new(const char *line, size_t len, const char *type, uint64_t job_id,
			   uint32_t pid, uint64_t time_ns, enum otlp_severity sev)
{
	struct rec *r;
	uint64_t now = clock_real_ns();

	r = malloc(sizeof(*r) + len + 1);
	if (!r)
		return NULL;
	r->job_id = job_id;
	r->pid = pid;
	r->observed_ns = now;
	r->time_ns = time_ns ? time_ns : now;
	r->sev = sev == OTLP_SEV_WARN || sev == OTLP_SEV_ERROR ? sev : OTLP_SEV_INFO;
	snprintf(r->type, sizeof(r->type), "%s", type ? type : "");
	r->len = len;
	memcpy(r->line, line, len);
	r->line[len] = '\0';
	r->queued_ms = 0;
	return r;
}

char *otlp_payload(const struct otlp_record_in *recs, size_t n, const char *host_name,
		   const char *service_instance_id)
{
	struct rec **rs = calloc(n ? n : 1, sizeof(*rs));
	struct jbuf jb;
	char *out = NULL;
	size_t i;

	if (!rs)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t len = recs[i].len;

		if (len && recs[i].line[len - 1] == '\n')
			len--;
		rs[i] = rec_new(recs[i].line, len, recs[i].type, recs[i].job_id,
				recs[i].pid, recs[i].time_ns, recs[i].sev);
		if (!rs[i])
			goto out_free;
	}
	jbuf_init(&jb);
	if (build_payload(&jb, rs, n, SERVICE_NAME, host_name ? host_name : "", service_instance_id))
		out = jb.buf;
	else
		jbuf_free(&jb);
out_free:
	for (i = 0; i < n; i++)
		free(rs[i]);
	free(rs);
	return out;
}

/* ---- the sender thread ---- */

struct response {
	char body[RESPONSE_MAX + 1];
	size_t len;
};

static size_t keep_response(char *data, size_t size, size_t nmemb, void *user)
{
	struct response *r = user;
	size_t n = size * nmemb, take = RESPONSE_MAX - r->len;

	if (take > n)
		take = n;
	memcpy(r->body + r->len, data, take);
	r->len += take;
	r->body[r->len] = '\0';
	return n;
}

/* A printable start of the response, for messages. */
static void snippet(const struct response *resp, char *out, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && i < resp->len && i < 160; i++)
		out[i] = resp->body[i] >= ' ' && resp->body[i] < 0x7f ? resp->body[i] : ' ';
	out[i] = '\0';
}

/* A varint at *p (< end): false when it runs past the end. */
static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t c = *(*p)++;

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/*
 * The protobuf answer to a protobuf request: Export*ServiceResponse
 * { partial_success = 1 { rejected_* = 1; error_message = 2 } }.
 */
static uint64_t rejected_proto(const uint8_t *p, const uint8_t *end, int depth, char *msg,
			       size_t size)
{
	uint64_t key, v, n = 0;

	while (p < end && read_varint(&p, end, &key)) {
		unsigned wt = key & 7, field = (unsigned)(key >> 3);

		if (wt == 0) {
			if (!read_varint(&p, end, &v))
				break;
			if (depth == 1 && field == 1)
				n = v;
		} else if (wt == 2) {
			if (!read_varint(&p, end, &v) || v > (uint64_t)(end - p))
				break;
			if (depth == 0 && field == 1)
				n = rejected_proto(p, p + v, 1, msg, size);
			else if (depth == 1 && field == 2)
				snprintf(msg, size, "%.*s", (int)(v < 120 ? v : 120), (const char *)p);
			p += v;
		} else if (wt == 1 || wt == 5) {
			p += wt == 1 ? 8 : 4;
		} else {
			break;
		}
	}
	return n;
}

/*
 * OTLP partial success: {"partialSuccess":{"rejectedLogRecords":"N","errorMessage":"..."}}
 * (traces: "rejectedSpans"), or its protobuf form.
 */
static uint64_t rejected_records(const struct otlp *o, const struct response *resp, char *msg,
				 size_t size)
{
	struct json_object *root, *ps, *v;
	uint64_t n = 0;

	msg[0] = '\0';
	if (!resp->len)
		return 0;
	if (o->protobuf)
		return rejected_proto((const uint8_t *)resp->body,
				      (const uint8_t *)resp->body + resp->len, 0, msg, size);
	root = json_tokener_parse(resp->body);
	if (!root)
		return 0;
	if (json_object_object_get_ex(root, "partialSuccess", &ps) &&
	    json_object_object_get_ex(ps, o->signal == OTLP_SIGNAL_TRACES ? "rejectedSpans" :
					  "rejectedLogRecords", &v)) {
		/* int64 is a string in proto3 JSON; accept a number too */
		if (json_object_is_type(v, json_type_string))
			n = strtoull(json_object_get_string(v), NULL, 10);
		else if (json_object_is_type(v, json_type_int))
			n = json_object_get_int64(v) > 0 ? (uint64_t)json_object_get_int64(v) : 0;
		if (json_object_object_get_ex(ps, "errorMessage", &v))
			snprintf(msg, size, "%s", json_object_get_string(v));
	}
	json_object_put(root);
	return n;
}

/* What one item of the queue is, in messages. */
static const char *noun(const struct otlp *o)
{
	return o->signal == OTLP_SIGNAL_TRACES ? "span" : "record";
}

/* One batch's request (o->jb, traces o->pb): what http_worker_retry posts. */
static void post_once(void *arg, uint64_t limit_ms, struct http_attempt *r)
{
	struct otlp *o = arg;
	struct response resp = { .len = 0 };
	char snip[161], msg[128];

	resp.body[0] = '\0';
	r->rejected = 0;
	if (o->signal == OTLP_SIGNAL_TRACES)
		http_post(&o->w, (const char *)o->pb.buf, o->pb.len, limit_ms, &resp, r);
	else
		http_post(&o->w, o->jb.buf, o->jb.len, limit_ms, &resp, r);
	if (r->out == HTTP_SENT) {
		r->rejected = rejected_records(o, &resp, msg, sizeof(msg));
		if (r->rejected)
			snprintf(r->why, sizeof(r->why), "the collector rejected %llu %s%s%s%s",
				 (unsigned long long)r->rejected, noun(o), r->rejected == 1 ? "" : "s",
				 *msg ? ": " : "", msg);
		return;
	}
	snippet(&resp, snip, sizeof(snip));
	http_attempt_quote(r, snip);
}

/*
 * Say why records were not delivered: the first FAILURES_LOGGED times,
 * then at most once per QUIET_MS with the count since (a daemon runs for
 * months; a collector outage must neither flood the journal nor go quiet
 * for good).
 */
static void report(struct otlp *o, size_t n, unsigned attempts, const char *why)
{
	uint64_t now = http_now_ms(), quiet = 0;
	unsigned k;
	bool say;

	pthread_mutex_lock(&o->w.lock);
	k = ++o->failures_logged;
	say = k <= FAILURES_LOGGED || now - o->last_report_ms >= QUIET_MS;
	if (k > FAILURES_LOGGED) {
		o->quiet_records += n;
		if (say) {
			quiet = o->quiet_records;
			o->quiet_records = 0;
		}
	}
	if (say)
		o->last_report_ms = now;
	pthread_mutex_unlock(&o->w.lock);
	if (!say)
		return;
	if (k <= FAILURES_LOGGED)
		log_msg(BW_LOG_WARN, "%s (%s): %zu %s%s not delivered after %u attempt%s: %s%s",
			 o->what, o->host, n, noun(o), n == 1 ? "" : "s", attempts, attempts == 1 ? "" : "s", why,
			 k == FAILURES_LOGGED ? " (further failures: one message every 5 minutes)" : "");
	else
		log_msg(BW_LOG_WARN, "%s (%s): %llu %s%s not delivered in the last "
			 "minutes; the latest: %s", o->what, o->host, (unsigned long long)quiet, noun(o),
			 quiet == 1 ? "" : "s", why);
}

/* The request for a batch: log records into o->jb, spans into o->pb. */
static bool build_request(struct otlp *o, struct rec *const *recs, size_t n)
{
	struct trace_resource res = {
		.service_name = o->service_name, .host_name = o->host_name,
		.instance_id = o->instance_id, .scope_name = SCOPE_NAME,
		.scope_version = SCOPE_VERSION,
	};

	if (o->signal == OTLP_SIGNAL_LOGS)
		return build_payload(&o->jb, recs, n, o->service_name, o->host_name,
				     o->instance_id);
	for (size_t i = 0; i < n; i++) {
		o->span_ptr[i] = (const uint8_t *)recs[i]->line;
		o->span_len[i] = recs[i]->len;
	}
	return trace_encode_request(&o->pb, o->protobuf, &res, o->span_ptr, o->span_len, n);
}

static void deliver(struct otlp *o, struct rec *const *recs, size_t n)
{
	struct http_attempt r = { .out = HTTP_GIVE_UP };
	unsigned tries;
	uint64_t rej;

	if (!build_request(o, recs, n)) {
		http_worker_count(&o->w, &o->w.q.st.failed, n);
		report(o, n, 0, "out of memory building the request");
		jbuf_free(&o->jb);
		pb_free(&o->pb);
		return;
	}
	tries = http_worker_retry(&o->w, o->what, o->host, o->timeout_ms, o->max_attempts,
				  &o->w.q.st.retries, post_once, o, &r);
	if (!tries) {
		http_worker_count(&o->w, &o->w.q.st.dropped, n); /* never tried: not a failure */
		return;
	}
	if (r.out != HTTP_SENT) {
		http_worker_count(&o->w, &o->w.q.st.failed, n);
		report(o, n, tries, r.why);
		return;
	}
	rej = r.rejected < n ? r.rejected : n;
	pthread_mutex_lock(&o->w.lock);
	o->w.q.st.sent += n - rej;
	o->w.q.st.failed += rej;
	o->w.q.st.batches++;
	pthread_mutex_unlock(&o->w.lock);
	if (rej)
		report(o, (size_t)rej, tries, r.why);
}

/*
 * Under the lock: up to batch_records (and about OTLP_BATCH_BYTES_MAX) into
 * o->batch once a full batch waits, the oldest record has waited flush_ms,
 * or the worker is finishing; else NULL and when to look again.
 */
static void *take_batch(void *arg, uint64_t *wake_ms)
{
	struct otlp *o = arg;
	struct rec *r = http_queue_peek(&o->w.q);
	size_t bytes = 0;
	uint64_t due;

	*wake_ms = UINT64_MAX;
	if (!r)
		return NULL;
	due = r->queued_ms + o->flush_ms;
	if (o->w.q.count < o->batch_records && !o->w.finishing && http_now_ms() < due) {
		*wake_ms = due;
		return NULL;
	}
	o->batch_n = 0;
	while ((r = http_queue_peek(&o->w.q)) && o->batch_n < o->batch_records) {
		if (o->batch_n && bytes + r->len > OTLP_BATCH_BYTES_MAX)
			break;
		http_queue_pop(&o->w.q);
		o->bytes -= r->len;
		bytes += r->len;
		o->batch[o->batch_n++] = r;
	}
	return o->batch;
}

static void deliver_batch(void *arg, void *batch)
{
	struct otlp *o = arg;

	deliver(o, o->batch, o->batch_n);
	for (size_t i = 0; i < o->batch_n; i++) {
		free(o->batch[i]);
		o->batch[i] = NULL;
	}
	o->batch_n = 0;
}

/* ---- the submitter's side ---- */

static void queue_rec(struct otlp *o, struct rec *r);

void otlp_submit(struct otlp *o, const char *line, size_t len, const char *type,
		 uint64_t job_id, uint32_t pid, uint64_t time_ns, enum otlp_severity sev)
{
	struct rec *r = NULL;

	if (!o)
		return;
	if (line && len && line[len - 1] == '\n')
		len--;
	if (line && len <= OTLP_RECORD_MAX)
		r = rec_new(line, len, type, job_id, pid, time_ns, sev); /* outside the lock */
	queue_rec(o, r);
}

void otlp_submit_span(struct otlp *o, const void *span, size_t len)
{
	if (!o)
		return;
	queue_rec(o, span && len <= OTLP_RECORD_MAX ?
			     rec_new(span, len, "span", 0, 0, 0, OTLP_SEV_INFO) : NULL);
}

bool otlp_protobuf(const struct otlp *o)
{
	return o && o->protobuf;
}

/* Under the lock: r into the queue, or counted dropped and freed (r NULL: could not copy). */
static void queue_rec(struct otlp *o, struct rec *r)
{
	pthread_mutex_lock(&o->w.lock);
	if (!http_worker_admit(&o->w, r))
		goto out_unlock;
	if (o->bytes + r->len > o->queue_bytes) {
		o->w.q.st.dropped++;
		goto out_unlock;
	}
	r->queued_ms = http_now_ms();
	if (!http_queue_push(&o->w.q, r))
		goto out_unlock;
	o->bytes += r->len;
	r = NULL;
	/* the thread waits for the first record (to time the flush) or a full batch */
	if (o->w.q.count == 1 || o->w.q.count == o->batch_records)
		pthread_cond_signal(&o->w.wake);
out_unlock:
	pthread_mutex_unlock(&o->w.lock);
	free(r);
}

void otlp_stats(struct otlp *o, struct http_stats *st)
{
	http_worker_stats(o ? &o->w : NULL, st);
}

/* ---- lifecycle ---- */

static void otlp_free(struct otlp *o)
{
	curl_slist_free_all(o->headers);
	jbuf_free(&o->jb);
	pb_free(&o->pb);
	free(o->span_ptr);
	free(o->span_len);
	free(o->service_name);
	free(o->batch);
	free(o->url);
	free(o->host_name);
	free(o->instance_id);
	free(o);
}

/*
 * Check the URL, note its host for messages, and complete it: no path or
 * "/" gets LOGS_PATH. 0 and *full (curl_free it), or -EINVAL/-ENOMEM.
 */
static int resolve_url(const char *url, const char *default_path, char *host, size_t size,
		       char **full)
{
	char *path = NULL;
	CURLU *u;
	int err;

	*full = NULL;
	err = http_url_parse(url, "OTLP export: the collector URL", host, size, &u);
	if (err)
		return err;
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK || !strcmp(path, "") ||
	    !strcmp(path, "/")) {
		if (curl_url_set(u, CURLUPART_PATH, default_path, 0) != CURLUE_OK) {
			err = -ENOMEM;
			goto out_free;
		}
	}
	if (curl_url_get(u, CURLUPART_URL, full, 0) != CURLUE_OK)
		err = -ENOMEM;
out_free:
	curl_free(path);
	curl_url_cleanup(u);
	return err;
}

/* The fixed headers and the configured ones, for every request. */
static int build_headers(struct otlp *o, const struct otlp_config *cfg)
{
	const char *const fixed[] = {
		o->protobuf ? "Content-Type: application/x-protobuf" : "Content-Type: application/json",
		"Expect:", /* no 100-continue round trip for large batches */
		NULL,
	};
	struct curl_slist *t;
	unsigned i;

	for (const char *const *p = fixed; *p; p++) {
		t = curl_slist_append(o->headers, *p);
		if (!t)
			return -ENOMEM;
		o->headers = t;
	}
	for (i = 0; cfg->headers && cfg->headers[i]; i++) {
		t = curl_slist_append(o->headers, cfg->headers[i]);
		if (!t)
			return -ENOMEM;
		o->headers = t;
	}
	return 0;
}

static int setup_curl(void *arg)
{
	struct otlp *o = arg;

	return curl_easy_setopt(o->w.curl, CURLOPT_HTTPHEADER, o->headers) ? -EINVAL : 0;
}

static const struct http_sender_ops sender_ops = {
	.write = keep_response,
	.setup = setup_curl,
	.take = take_batch,
	.deliver = deliver_batch,
	.free_item = free,
};

/* Each extra header one "Name: value" line; their values are never printed (tokens). */
static int check_headers(const char *const *headers)
{
	const char *colon;
	unsigned i;

	for (i = 0; headers && headers[i]; i++) {
		colon = strchr(headers[i], ':');
		if (i == OTLP_HEADERS_MAX) {
			bw_err("OTLP export: more than %d extra headers", OTLP_HEADERS_MAX);
			return -EINVAL;
		}
		if (!colon || colon == headers[i] ||
		    strspn(headers[i], "!#$%&'*+-.^_`|~0123456789"
				       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") !=
			    (size_t)(colon - headers[i]) ||
		    strpbrk(headers[i], "\r\n")) {
			bw_err("OTLP export: extra header %u is not one \"Name: value\" line", i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

static char *local_host_name(void)
{
	char h[256];

	if (gethostname(h, sizeof(h)))
		snprintf(h, sizeof(h), "unknown");
	h[sizeof(h) - 1] = '\0';
	return strdup(h);
}

int otlp_start(struct otlp **out, const char *url, const struct otlp_config *cfg)
{
	static const struct otlp_config defaults;
	struct otlp *o;
	char *full = NULL;
	unsigned queue_len;
	int err;

	*out = NULL;
	if (!cfg)
		cfg = &defaults;
	if (!url || !*url) {
		bw_err("OTLP export: no collector URL configured");
		return -EINVAL;
	}
	err = check_headers(cfg->headers);
	if (err)
		return err;
	o = calloc(1, sizeof(*o));
	if (!o) {
		bw_err("OTLP export: cannot allocate the sender: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	jbuf_init(&o->jb);
	pb_init(&o->pb);
	o->signal = cfg->signal;
	o->protobuf = cfg->signal == OTLP_SIGNAL_TRACES && cfg->protobuf;
	o->what = o->signal == OTLP_SIGNAL_TRACES ? "OTLP trace export" : "OTLP export";
	o->batch_records = cfg->batch_records ? cfg->batch_records : OTLP_DEFAULT_BATCH_RECORDS;
	o->flush_ms = cfg->flush_ms ? cfg->flush_ms : OTLP_DEFAULT_FLUSH_MS;
	queue_len = cfg->queue_len ? cfg->queue_len : OTLP_DEFAULT_QUEUE_LEN;
	o->queue_bytes = cfg->queue_bytes ? cfg->queue_bytes : OTLP_DEFAULT_QUEUE_BYTES;
	o->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : OTLP_DEFAULT_TIMEOUT_MS;
	o->max_attempts = cfg->max_attempts ? cfg->max_attempts : OTLP_DEFAULT_MAX_ATTEMPTS;
	if (o->batch_records > queue_len)
		o->batch_records = queue_len;
	err = resolve_url(url, o->signal == OTLP_SIGNAL_TRACES ? TRACES_PATH : LOGS_PATH, o->host,
			  sizeof(o->host), &full);
	if (err)
		goto err_free;
	o->url = strdup(full);
	curl_free(full);
	o->host_name = cfg->host_name ? strdup(cfg->host_name) : local_host_name();
	o->instance_id = cfg->service_instance_id ? strdup(cfg->service_instance_id) : NULL;
	o->service_name = strdup(cfg->service_name && *cfg->service_name ? cfg->service_name :
				 SERVICE_NAME);
	o->batch = calloc(o->batch_records, sizeof(*o->batch));
	o->span_ptr = calloc(o->batch_records, sizeof(*o->span_ptr));
	o->span_len = calloc(o->batch_records, sizeof(*o->span_len));
	if (!o->url || !o->host_name || (cfg->service_instance_id && !o->instance_id) ||
	    !o->batch || !o->service_name || !o->span_ptr || !o->span_len) {
		err = -ENOMEM;
		bw_err("OTLP export: cannot allocate the sender: %s", strerror(ENOMEM));
		goto err_free;
	}
	err = build_headers(o, cfg);
	if (err) {
		bw_err("OTLP export: cannot allocate the request headers: %s", strerror(-err));
		goto err_free;
	}
	err = http_worker_open(&o->w, o->what, o->url, queue_len, &sender_ops, o);
	if (err)
		goto err_free;
	*out = o;
	return 0;

err_free:
	otlp_free(o);
	return err;
}

void otlp_finish(struct otlp *o, unsigned drain_ms, struct http_stats *st)
{
	http_worker_close(o ? &o->w : NULL, drain_ms, st);
	if (o)
		otlp_free(o);
}
