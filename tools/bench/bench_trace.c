// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the trace export costs per span (docs/TRACES.md, "Cost"): the
 * event loop's work at a process's exit (its span built from the lineage
 * table, encoded, copied into the sender's queue), and the sender's work
 * per batch (the request around 512 spans), for protobuf and JSON. Spans
 * carry what a compiler's span carries: path, a 12-argument command line,
 * cwd, exit code, and 4 events. The POST itself is not measured: the
 * sender points at a closed loopback port and the queue holds everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "events/proctab.h"
#include "lib/refstr.h"
#include "export/export_otlp.h"
#include "export/otlp_proto.h"
#include "export/trace_encode.h"
#include "export/trace_spans.h"
#include "lib/trace_context.h"

#define SPANS 20000
#define BATCH 512

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static const char args[] = "cc\0-O2\0-Wall\0-Wextra\0-g\0-fPIC\0-I.\0-Iinclude\0-DNDEBUG\0-c\0"
			   "src/module/greet.c\0-o\0";

static void one_config(bool proto)
{
	struct otlp_config oc = { .signal = OTLP_SIGNAL_TRACES, .protobuf = proto,
				  .queue_len = SPANS + 16, .queue_bytes = 1u << 30,
				  .flush_ms = 3600000, .batch_records = SPANS + 16 };
	struct trace_context tc;
	struct trace_job_opts o = { .job_id = 1, .ctx = &tc };
	struct bw_proctab tab;
	struct trace_job *tj;
	struct otlp *out;
	struct bw_proc *root, *p;
	struct bw_event_header h = { .type = BW_EV_CONNECT };
	struct bw_connect_event ce = { .hdr = h };
	struct bw_event_view v = { .hdr = &ce.hdr, .connect = &ce };
	struct bw_event_info info = { .kind = BW_ON_CONNECT };
	struct trace_job_stats st;
	struct pbuf one, req;
	const uint8_t **ptrs;
	size_t *lens;
	uint64_t t0, t_spans, t_req;

	if (otlp_start(&out, "http://127.0.0.1:9/", &oc) || trace_context_init(&tc, NULL, NULL) ||
	    proctab_init(&tab))
		exit(1);
	o.out = out;
	if (trace_job_new(&tj, &o))
		exit(1);
	info.connect.family = 2;
	info.connect.port = 443;
	info.connect.proto = "tcp";
	info.connect.dns_name = "registry.npmjs.org";
	root = proctab_get(&tab, 1, 1);
	for (uint32_t i = 0; i < SPANS; i++) { /* the lineage table's work, not measured */
		p = proctab_get(&tab, 100 + i, 1000 + i);
		p->parent = root;
		p->fork_ns = 1000 + i;
		p->n_execs = 1;
		p->filename = refstr_new("/usr/bin/cc");
		p->exe = refstr_new("/usr/bin/x86_64-linux-gnu-gcc-12");
		p->cwd = refstr_new("/builds/group/project");
		argv_split(args, sizeof(args) - 1, &p->argv);
	}
	t0 = thread_ns();
	for (uint32_t i = 0; i < SPANS; i++) {
		struct bw_exit_event x = { .hdr = { .ktime_ns = 5000 + i, .start_ns = 1000 + i,
						    .pid = 100 + i, .type = BW_EV_EXIT } };

		p = proctab_find(&tab, 100 + i, 1000 + i);
		ce.hdr.pid = 100 + i;
		ce.hdr.start_ns = 1000 + i;
		for (int k = 0; k < 4; k++)
			trace_job_record(tj, &v, &info, p);
		trace_job_exit(tj, &x, p);
	}
	t_spans = thread_ns() - t0;
	trace_job_stats(tj, &st);
	/* the sender's part: a request around BATCH spans of that size */
	pb_init(&one);
	pb_init(&req);
	ptrs = calloc(BATCH, sizeof(*ptrs));
	lens = calloc(BATCH, sizeof(*lens));
	{
		static const char cmd[] = "cc -O2 -Wall -Wextra -g -fPIC -I. -Iinclude -DNDEBUG -c "
					  "src/module/greet.c -o";
		struct trace_attr a[] = {
			{ .key = "process.pid", .type = TRACE_ATTR_INT, .i = 4321 },
			{ .key = "process.parent_pid", .type = TRACE_ATTR_INT, .i = 4300 },
			{ .key = "process.executable.path", .s = "/usr/bin/x86_64-linux-gnu-gcc-12", .n = 32 },
			{ .key = "process.executable.name", .s = "x86_64-linux-gnu-gcc-12", .n = 23 },
			{ .key = "process.command_line", .s = cmd, .n = sizeof(cmd) - 1 },
			{ .key = "process.working_directory", .s = "/builds/group/project", .n = 21 },
			{ .key = "process.exit.code", .type = TRACE_ATTR_INT, .i = 0 },
			{ .key = "buildwarden.job.id", .type = TRACE_ATTR_INT, .i = 1 },
		};
		struct trace_span s = { .name = "cc", .attrs = a, .n_attrs = 8, .end_ns = 1 };

		trace_encode_span(&one, proto, &s);
	}
	for (int i = 0; i < BATCH; i++) {
		ptrs[i] = one.buf;
		lens[i] = one.len;
	}
	{
		struct trace_resource res = { .service_name = "buildwarden", .host_name = "runner-7",
					      .scope_name = "buildwarden", .scope_version = "0.1" };

		t0 = thread_ns();
		for (int r = 0; r < 200; r++)
			trace_encode_request(&req, proto, &res, ptrs, lens, BATCH);
		t_req = thread_ns() - t0;
	}
	printf("bench_trace: %-8s %llu spans: %.2f us per span at exit (span, 4 events); "
	       "request of %d spans of %zu bytes: %.1f us (%.3f us per span)\n",
	       proto ? "protobuf" : "json", (unsigned long long)st.spans,
	       t_spans / 1000.0 / SPANS, BATCH, one.len, t_req / 1000.0 / 200, t_req / 1000.0 / 200 / BATCH);
	otlp_finish(out, 0, NULL);
	trace_job_free(tj);
	proctab_free(&tab);
	pb_free(&one);
	pb_free(&req);
	free(ptrs);
	free(lens);
}

int main(void)
{
	one_config(true);
	one_config(false);
	return 0;
}
