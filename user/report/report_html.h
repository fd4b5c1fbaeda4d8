/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The HTML report (docs/REPORTS.md): one self-contained page, its data a
 * JSON block drawn by an inline script. Internal to report/: report.c
 * calls it; the model is filled by a second pass over the event log,
 * because the page wants every process with its times and connections,
 * which the first pass prunes to keep memory flat.
 */
#ifndef BW_REPORT_HTML_H
#define BW_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "report/report_internal.h"

/* Bounds that keep the page's size flat on any log; counts stay exact. */
#define HTML_MAX_PROCS 2000   /* processes in the order first seen */
#define HTML_MAX_FLAGGED 500  /* more: flagged ones and their ancestors */
#define HTML_MAX_DESTS 100    /* destinations in the graph */
#define HTML_MAX_EDGES 1000   /* process -> destination edges */
#define HTML_MAX_MARKS 500    /* verdict markers on the timeline */
#define HTML_CMD_MAX 200      /* bytes of a command line */

/* Is the process flagged, or an ancestor of one? (the first pass knows) */
typedef bool (*html_marked_fn)(const struct report *r, uint32_t pid, uint64_t start_ns);

struct html_proc {
	uint32_t pid;
	uint64_t start_ns;
	int parent;      /* index, -1: a root or a parent not kept */
	uint32_t ppid;   /* the parent's pid, also when not kept */
	uint64_t end_ns; /* exit record's ktime_ns; 0: no exit seen */
	char *cmd;       /* masked command line, cut to HTML_CMD_MAX; NULL: no exec */
	char comm[16];
	int64_t exit_code; /* -1: none */
	int64_t signal;    /* -1: none */
	uint32_t failed_execs;
	const char *rule;  /* the first verdict's rule (report_rule.name) */
	const char *ended; /* "killed", "blocked" or NULL */
};

struct html_dest {
	char *label; /* "name:port (addr)" or "addr:port" */
	char *proto;
	uint64_t count;
};

struct html_edge {
	int proc, dest;
	uint64_t count;
};

struct html_mark {
	int proc;
	uint64_t t_ns;
	const char *rule;
};

/* Open addressing, (pid, start_ns) or (proc, dest) -> index. */
struct html_index {
	uint64_t *keys_a, *keys_b;
	int *vals; /* -1: empty */
	size_t cap;  /* power of two, twice the entries it can hold */
};

struct html_model {
	struct html_proc *procs;
	int n_procs, n_flagged;
	struct html_index proc_idx;
	struct html_dest dests[HTML_MAX_DESTS];
	int n_dests;
	struct html_edge *edges;
	int n_edges;
	struct html_index edge_idx;
	uint64_t connects_omitted; /* to destinations or from processes past the caps */
	struct html_mark *marks;
	int n_marks;
	uint64_t marks_omitted;
	uint64_t t_first, t_last; /* ktime_ns range of the log */
	char time_first[40], time_last[40]; /* wall clock of the first and last record */
	struct json_tokener *tok;
	html_marked_fn marked;
	char *argbuf; /* scratch for a joined command line */
	size_t argcap;
};

/* The second pass: reads events_path into m, bounded by the caps above. */
int html_model_build(struct html_model *m, const char *events_path, const struct report *r,
		     html_marked_fn marked);
void html_model_free(struct html_model *m);

/*
 * Writes JSON text json[0..n) so that it is safe inside an HTML <script>
 * element and still the same JSON: <, > and & as \u003c, \u003e and \u0026
 * (no "</script" or "<!--" can appear), U+2028 and U+2029 as \u2028 and
 * \u2029. Only strings of JSON text hold those characters, so escaping
 * them there keeps the value.
 */
void html_script_json(FILE *f, const char *json, size_t n);

/* The page, from the first pass (r) and a second over events_path. */
int report_write_html(const char *path, const char *events_path, const struct report *r,
		      html_marked_fn marked);

#endif /* BW_REPORT_HTML_H */
