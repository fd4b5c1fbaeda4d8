/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared by report.c (reading, text), report_md.c and report_json.c. */
#ifndef BW_REPORT_INTERNAL_H
#define BW_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "events/event_lineview.h"
#include "events/event_read.h"
#include "events/events.h"
#include "events/proctab.h"
#include "lib/container_id.h"
#include "report/report_ci.h"

struct json_tokener;
struct json_object;
struct suggest;

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
#define REPORT_ROW_PROCS 4           /* processes named in one row of a review table */
#define REPORT_MAX_NAMES 200         /* distinct DNS names queried, kept */
#define REPORT_MAX_SECRETS 200       /* distinct credential files read, kept */
#define REPORT_MAX_PRIVS 100         /* distinct privilege events kept */
#define REPORT_MAX_WRITES 256        /* paths written kept before folding into directories */
#define REPORT_WRITES_SHOWN 50       /* rows of files written once folded for the report */
#define REPORT_MAX_SEARCHES 64       /* processes with a PATH search under way */

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
	struct report_ci_row ci; /* for the CI outputs (report_ci.h) */
};

/* A container the job's processes ran in, and how many execs it saw. */
struct report_container {
	char id[CONTAINER_ID_MAX + 1];
	uint64_t execs;
};

/* A process named in a review table, with its program. */
struct report_procref {
	uint32_t pid;
	uint64_t start_ns;
	char comm[BW_COMM_LEN];
};

/* The first REPORT_ROW_PROCS distinct processes of a row. */
struct report_procs {
	struct report_procref v[REPORT_ROW_PROCS];
	uint32_t n;
	uint64_t other; /* records of the row by processes not listed */
};

struct report_dest {
	char *daddr;
	char *dns_name; /* NULL: none recorded */
	char *proto;    /* "tcp", "udp"; NULL: not recorded */
	char *dns_over; /* "tls", "quic", "https": DNS bypassing port 53; NULL: not */
	uint32_t dport;
	uint32_t first_pid;
	uint64_t count;
	struct report_procs procs; /* the processes that connected */
	const char *rule;          /* the first rule that judged a connect here; NULL: none */
};

/* A DNS name the job queried (dns records with direction "query"). */
struct report_name {
	char *name;
	char *dns_over;        /* a connect to it carried DNS past port 53; NULL: none */
	uint64_t queries;
	uint64_t configured;   /* queries to a resolver the host configured */
	uint64_t other;        /* queries to any other resolver */
	struct report_procs procs;
	const char *rule;
};

/* A credential or secret file read (file records with op open-read). */
struct report_secret {
	char *path;
	uint64_t reads;
	uint64_t refused; /* of those, failed opens */
	struct report_procs procs;
	const char *rule;
};

/* A privilege syscall (privilege records), once per op and detail. */
struct report_priv {
	char *op;
	char *detail; /* mount's target, memfd's name, "pid N", "ids A B C"; "" */
	uint64_t count;
	struct report_procs procs;
	const char *rule;
};

/* An untracked file written (or a directory of them, its path ending in /). */
struct report_write {
	char *path;
	uint64_t writes;
	struct report_procs procs;
};

/* A process trying PATH entries for one program (execvp, shells, env). */
struct report_search {
	uint32_t pid;
	uint64_t start_ns;
	uint32_t misses;
	bool used;
	char base[64];
};

/* The row the previous record landed in: a verdict on it flags the row. */
enum report_row_kind { ROW_NONE, ROW_DEST, ROW_NAME, ROW_SECRET, ROW_PRIV };

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
	uint64_t calls_dropped; /* the summary's: syscalls in flight the kernel did not keep */
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
	/* what a reviewer asks (report_review.c) */
	struct report_name *names;
	size_t n_names;
	uint64_t names_other;   /* queries of names past REPORT_MAX_NAMES */
	struct report_secret *secrets;
	size_t n_secrets;
	uint64_t secrets_other; /* reads of files past REPORT_MAX_SECRETS */
	struct report_priv *privs;
	size_t n_privs;
	uint64_t privs_other;   /* privilege records past REPORT_MAX_PRIVS */
	struct report_write *writes;
	size_t n_writes;
	uint64_t writes_outside; /* writes outside the checkout, not listed */
	char *checkout;         /* from the summary; NULL: none */
	char *written_base;     /* what writes are listed under: checkout, else the root's cwd */
	enum report_row_kind last_kind;
	size_t last_row;
	struct report_search searches[REPORT_MAX_SEARCHES];
	uint32_t n_searches; /* of them used */
	uint64_t exec_path_misses; /* exec_failed records of PATH searches (resolved) */
	/* the job's root exec and how much of the job the log holds */
	uint64_t first_seq;     /* 0: no record with seq yet */
	bool saw_proc_record;
	bool root_next;         /* the exec being read is the log's first record: the root */
	bool cut_start;         /* the log starts after the job began */
	bool root_exited;
	bool have_build_fields; /* the summary has build_exit_code/build_signal */
	uint32_t root_pid;
	uint64_t root_start_ns;
	struct bw_argv root_argv; /* .v NULL: no root exec in the log */
	char *root_cwd;
	struct report_ci ci; /* for the CI outputs (report_ci.h) */
	struct event_reader rd;
	struct suggest *suggest; /* the policy that would enforce this run (Markdown) */
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

/* ---- a record's fields (report_jsonget.c): absent, null, mistyped read as absent ---- */

struct json_object *rj_field(struct json_object *o, const char *k);
bool rj_get_u64(struct json_object *o, const char *k, uint64_t *out);
uint64_t rj_u64_or(struct json_object *o, const char *k, uint64_t dflt);
bool rj_get_i64(struct json_object *o, const char *k, int64_t *out);
const char *rj_get_str(struct json_object *o, const char *k);
bool rj_get_bool(struct json_object *o, const char *k);
char *rj_dup_or_null(const char *s);

/* ---- capped tables and process lists (report_table.c) ---- */

/*
 * A slot for a new row of a table that keeps its first cap rows (allocated
 * on first use, zeroed): 1 with *row set, 0 when full (*other counted),
 * -ENOMEM.
 */
int report_table_add(void *rowsp, size_t *n, size_t cap, size_t elem, uint64_t *other,
		     void **row);
/*
 * The row whose string at key_off is key, else a new one with a copy of
 * key there: 1 with *row set, 0 when full (*other counted), -ENOMEM.
 */
int report_table_get(void *rowsp, size_t *n, size_t cap, size_t elem, uint64_t *other,
		     size_t key_off, const char *key, void **row);
/* Names (pid, start_ns) in ps, or counts the record in ps->other. */
void report_procs_add(struct report_procs *ps, uint32_t pid, uint64_t start_ns, const char *comm);
/* "curl 102, sh 101 (+3 more)": +N counts records of processes not listed. */
#define REPORT_PROCS_TEXT (REPORT_ROW_PROCS * (BW_COMM_LEN + 14) + 32)
void report_procs_text(const struct report_procs *ps, char *buf, size_t size);

/* ---- what a reviewer asks (report_review.c) ---- */

int review_connect(struct report *r, struct json_object *o, struct report_dest *d);
int review_dns(struct report *r, struct json_object *o);

void review_hook_read(struct json_object *o, struct event_hookline *in);
int review_file(struct report *r, const struct event_hookline *in);
int review_privilege(struct report *r, const struct event_hookline *in);
void review_verdict(struct report *r, struct json_object *o, const char *rule);
/* An exec record, as much of it as the review reads. */
struct review_exec_in {
	uint32_t pid;
	uint64_t start_ns;
	const char *filename;
	const char *cwd;
	const char *args; /* argv, each NUL-terminated */
	uint32_t args_len;
	bool job_root;
};

void review_exec(struct report *r, const struct review_exec_in *in);
/* A failed exec: its filename, errno's name, and whether a deny rule failed it. */
void review_exec_failed(struct report *r, uint32_t pid, uint64_t start_ns, const char *file,
			const char *errno_name, bool denied);
void review_exit(struct report *r, uint32_t pid, uint64_t start_ns);
/* Tracks where the log starts; called for every record before it is handled. */
void review_record(struct report *r, const char *type, uint64_t seq, bool has_seq);
int review_summary(struct report *r, struct json_object *o);
void review_free(struct report *r);
/* The text lines of the sections above (report_review_text.c). */
void review_write_text(FILE *f, const struct report *r);
/* After the last line: sorts the tables, lists the writes under the checkout. */
int report_finish(struct report *r);
/* Failed execs, a failed PATH search counted once; and PATH-lookup misses. */
uint64_t report_exec_failed(const struct report *r);
uint64_t report_exec_path_misses(const struct report *r);
/* The exit status is known (false: the daemon's agent stopped first). */
bool report_exit_known(const struct report *r);
/* The log ends before the job did (no summary, or no exit of the root). */
bool report_cut_end(const struct report *r);
/* The status in words, with what is known: the Markdown title's tail. */
void report_headline(const struct report *r, char *buf, size_t size);

#endif /* BW_REPORT_INTERNAL_H */
