/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's OpenTelemetry export (docs/DAEMON.md, "OTLP export"):
 * records as OTLP log records, POSTed as OTLP/HTTP JSON to a collector.
 * otlp_submit() copies a record into a bounded queue and returns at once;
 * a sender thread batches the queue (every batch_records records, or
 * flush_ms after the oldest waiting one arrived) and POSTs each batch with
 * libcurl, retrying 429, 5xx and network errors with backoff. A full queue
 * drops the record and counts it: the event loop never waits for the
 * network. The URL and headers are never written to any message.
 */
#ifndef BW_EXPORT_OTLP_H
#define BW_EXPORT_OTLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/http_queue.h" /* struct http_stats */

#define OTLP_DEFAULT_BATCH_RECORDS 512
#define OTLP_DEFAULT_FLUSH_MS 1000
#define OTLP_DEFAULT_QUEUE_LEN 8192
#define OTLP_DEFAULT_QUEUE_BYTES (16u << 20)  /* record bytes waiting, all together */
#define OTLP_DEFAULT_TIMEOUT_MS 10000
#define OTLP_DEFAULT_MAX_ATTEMPTS 5
#define OTLP_DEFAULT_DRAIN_MS 5000
#define OTLP_BATCH_BYTES_MAX (4u << 20)       /* record bytes per request, about */
#define OTLP_RECORD_MAX (1u << 20)            /* a longer line is dropped */
#define OTLP_HEADERS_MAX 16

/* OpenTelemetry SeverityNumber values used (logs data model). */
enum otlp_severity {
	OTLP_SEV_INFO = 9,
	OTLP_SEV_WARN = 13,
	OTLP_SEV_ERROR = 17,
};

/* What a sender exports: log records (otlp_submit) or spans (otlp_submit_span). */
enum otlp_signal { OTLP_SIGNAL_LOGS, OTLP_SIGNAL_TRACES };

/* Zero in any numeric field means its default; NULL strings likewise. */
struct otlp_config {
	enum otlp_signal signal;  /* default: logs */
	bool protobuf;            /* traces: application/x-protobuf, else JSON */
	const char *service_name; /* resource service.name; NULL: "buildwarden" */
	unsigned batch_records;   /* POST when this many are waiting */
	unsigned flush_ms;        /* or when the oldest has waited this long */
	unsigned queue_len;       /* records waiting, at most */
	unsigned queue_bytes;     /* their bytes, at most */
	unsigned timeout_ms;      /* per request, connect included */
	unsigned max_attempts;    /* per batch, first try included */
	const char *host_name;    /* resource host.name; NULL: gethostname() */
	const char *service_instance_id; /* resource service.instance.id; NULL: none */
	/* extra request headers ("Authorization: Bearer ..."), NULL-terminated; never logged */
	const char *const *headers;
};

/*
 * submitted = sent + failed + dropped + still queued or in flight; after
 * otlp_finish nothing is queued.
 */
struct otlp;

/*
 * The severity of a verdict record by its rule's severity name
 * ("info" "low" "medium" -> WARN, "high" "critical" -> ERROR).
 */
enum otlp_severity otlp_severity_for_verdict(const char *rule_severity);
/*
 * Check the URL (http or https), copy it and cfg, start the sender thread
 * (all signals blocked in it). A URL with no path, or "/", gets
 * "/v1/logs" (traces: "/v1/traces") appended; any other path is used exactly as given. 0 or
 * -errno, said on stderr; on error nothing is left running.
 */
int otlp_start(struct otlp **out, const char *url, const struct otlp_config *cfg);
/*
 * Queue one record; never blocks on the network. line[0..len) is the
 * record's JSON line (a trailing newline is dropped), sent as the log
 * body. type: "exec", "verdict", ... (attribute event.type); job_id and
 * pid (job.id, process.pid; 0: omitted); time_ns: CLOCK_REALTIME of the
 * record (0: now). Full queue: dropped++.
 */
void otlp_submit(struct otlp *o, const char *line, size_t len, const char *type,
		 uint64_t job_id, uint32_t pid, uint64_t time_ns, enum otlp_severity sev);
/*
 * Queue one span, already encoded (export/trace_encode.h) in the sender's
 * encoding; never blocks on the network. Full queue: dropped++. The
 * counts of a trace sender count spans.
 */
void otlp_submit_span(struct otlp *o, const void *span, size_t len);
/* Whether o sends protobuf (spans must be encoded to match). */
bool otlp_protobuf(const struct otlp *o);
/* A snapshot of the counters, any time. */
void otlp_stats(struct otlp *o, struct http_stats *st);
/*
 * Send what is queued for at most drain_ms (an in-flight request is cut
 * off at that deadline), stop the thread, free everything. st (may be
 * NULL) gets the final counts. NULL-safe.
 */
void otlp_finish(struct otlp *o, unsigned drain_ms, struct http_stats *st);

/*
 * For tests: the request body for records (each as otlp_submit takes
 * them) with the given resource; a NUL-terminated string to free, or NULL.
 */
struct otlp_record_in {
	const char *line;
	size_t len;
	const char *type;
	uint64_t job_id, time_ns;
	uint32_t pid;
	enum otlp_severity sev;
};
char *otlp_payload(const struct otlp_record_in *recs, size_t n, const char *host_name,
		   const char *service_instance_id);

#endif /* BW_EXPORT_OTLP_H */
