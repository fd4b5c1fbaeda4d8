/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by report.c (reading, text), report_md.c and report_json.c. */
#ifndef BW_REPORT_INTERNAL_H
#define BW_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "events/proctab.h"
#include "lib/container_id.h"

struct json_tokener;

/* Bounds that keep memory flat on any log; counts are never bounded. */
#define REPORT_MAX_VERDICT_ROWS 1000 /* verdicts kept for the tables */
#define REPORT_MAX_DESTS 200         /* distinct network destinations kept */
#define REPORT_MAX_SOURCES 200       /* distinct tracked files changed, kept */
#define REPORT_MAX_KEPT 1000         /* flagged processes kept from pruning */
#define REPORT_MAX_MARKS 20000       /* flagged processes and ancestors marked in the tree */
#define REPORT_GRAPH_MAX 50          /* nodes in the Mermaid lineage graph */
#define REPORT_CMD_MAX 240           /* bytes of a command line in a table */
#define REPORT_LABEL_MAX 60          /* bytes of a command in a graph node */
#define REPORT_MAX_CONTAINERS 64     /* distinct containers listed */

struct report_rule {
	char *name;
	char *severity;
	char *rule_action;
	uint64_t hits;
	uint64_t blocked;
	uint64_t killed;
};

struct report_verdict {
	uint64_t seq;
	const char *rule; /* report_rule.name */
	const char *severity;
	char *mode;
	char *rule_action;
	char *action;
	char *kill_error; /* NULL: none */
	bool blocked;
	bool kernel_missed;
	uint32_t pid;
	uint64_t start_ns;
	char *command; /* masked, printable, cut to REPORT_CMD_MAX */
};

/* A container the job's processes ran in, and how many execs it saw. */
struct report_container {
	char id[CONTAINER_ID_MAX + 1];
	uint64_t execs;
};

struct report_dest {
	char *daddr;
	char *dns_name; /* NULL: none recorded */
	char *proto;    /* "tcp", "udp"; NULL: not recorded */
	char *dns_over; /* "tls", "quic", "https": DNS bypassing port 53; NULL: not */
	uint32_t dport;
	uint32_t first_pid;
	uint64_t count;
};

/* A tracked file of the checkout the job changed (file records with "tracked"). */
struct report_source {
	char *path;     /* a rename: "FROM -> TO" */
	char *op;       /* the first change: open-write, rename or unlink */
	uint32_t pid;   /* the process of the first change */
	uint64_t start_ns;
	uint64_t count; /* changes recorded for this path */
};

struct report_node {
	uint32_t pid;
	uint64_t start_ns;
	int parent; /* index into nodes, -1 for a root */
	const char *rule; /* set when flagged */
	char label[REPORT_LABEL_MAX + 16];
};

struct report_mark {
	uint32_t pid;
	uint64_t start_ns;
	const char *rule; /* NULL: an ancestor of a flagged process */
	bool used;
};

struct report {
	struct bw_proctab procs;
	/* exact counts */
	uint64_t records;
	uint64_t processes;
	uint64_t forks;
	uint64_t execs;
	uint64_t exec_failed;
	uint64_t exits;
	uint64_t verdicts;
	uint64_t blocked;
	uint64_t killed;
	uint64_t lost_sum;
	uint64_t lost_total;
	uint64_t tamper;        /* signals aimed at an agent (tamper records) */
	char tamper_first[320]; /* the first of them, in words */
	uint64_t connects;
	uint64_t seq_gaps; /* records missing from the log (seq jumped) */
	uint64_t last_seq;
	/* the summary record, when the log has one */
	bool have_summary;
	char **command; /* NULL-terminated */
	int64_t exit_status;
	int64_t build_exit_code; /* -1: none */
	int64_t build_signal;    /* -1: none */
	bool job_killed;
	bool agent_stopped; /* daemon: the agent stopped while the job ran */
	char *job_name;     /* daemon: the job's name */
	char *policy;
	char *mode;
	uint64_t duration_ns;
	uint64_t summary_lost;
	uint64_t untracked;
	uint64_t malformed;
	bool have_alerts;
	uint64_t alerts_sent;
	uint64_t alerts_dropped;
	uint64_t alerts_failed;
	/* the job's trace (docs/TRACES.md), when it was exported */
	bool have_trace;
	bool trace_joined;
	char trace_id[33];
	uint64_t trace_spans, trace_sent, trace_failed, trace_dropped, trace_events_dropped;
	/* per rule, verdict rows, destinations */
	struct report_rule *rules;
	size_t n_rules;
	struct report_verdict *rows;
	size_t n_rows;
	struct report_dest *dests;
	size_t n_dests;
	uint64_t dests_other; /* connections to destinations past REPORT_MAX_DESTS */
	struct report_source *sources;
	size_t n_sources;
	uint64_t sources_other; /* changes of files past REPORT_MAX_SOURCES */
	struct report_container containers[REPORT_MAX_CONTAINERS];
	size_t n_containers;
	uint64_t containers_other; /* execs in containers past REPORT_MAX_CONTAINERS */
	/* flagged processes and their ancestors, for the tree */
	struct report_mark *marks;
	size_t marks_cap; /* power of two */
	size_t marks_used;
	size_t kept;
	/* the flagged lineage graph */
	struct report_node nodes[REPORT_GRAPH_MAX];
	int n_nodes;
	uint64_t graph_omitted; /* flagged processes not drawn */
	struct json_tokener *tok;
	char why[128]; /* why a line is malformed */
	/* scratch for argv */
	char *argbuf;
	size_t argcap;
};

int report_init(struct report *r);
void report_free(struct report *r);
/* One line of the log; -EINVAL with *why set when it is malformed. */
int report_feed(struct report *r, const char *line, size_t len, const char **why);
uint64_t report_lost(const struct report *r);
/* "passed", "failed", "job terminated by policy" or "incomplete". */
const char *report_status(const struct report *r);
/* The command of the summary record, joined, masked, printable. */
void report_command(const struct report *r, char *buf, size_t size);

void report_write_text(FILE *f, struct report *r, bool tree, bool color);
int report_write_markdown(FILE *f, const struct report *r);
/* The comm of the process that first changed s, or "?". */
const char *report_source_program(const struct report *r, const struct report_source *s);
int report_write_json(FILE *f, const struct report *r);

#endif /* BW_REPORT_INTERNAL_H */
