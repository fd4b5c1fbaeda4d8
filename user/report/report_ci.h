/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the CI outputs (GitHub annotations, SARIF, JUnit; docs/REPORTS.md)
 * need of a verdict and a run beyond the other reports: the rule's
 * description, what a non-exec verdict judged, the tracked file it names,
 * the checkout and the run's times. Kept beside report_verdict and
 * report, filled while the log is read.
 */
#ifndef BW_REPORT_CI_H
#define BW_REPORT_CI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;
struct report;
struct report_verdict;

#define REPORT_CI_TARGET_MAX 240 /* bytes of what a verdict judged */
#define REPORT_CI_MESSAGE_MAX 1024

struct report_ci_row {
	char *description; /* the rule's; "" when none */
	char *on;          /* "exec", "connect", "dns", "file", "privilege", "leftover" */
	char *exe;         /* the judged program, masked; NULL: not recorded */
	char *target;      /* a non-exec verdict's object, one line, masked; NULL: exec */
	char *tracked;     /* a file verdict on a tracked file: its absolute path; NULL */
	char *container;   /* NULL: none */
};

struct report_ci {
	char *checkout; /* the summary's checkout; NULL: none */
	char *end_time; /* the summary's time, RFC 3339; NULL: no summary */
	const char *anchor; /* report_opts.sarif_anchor (not owned) */
};

/* Read from a verdict record / the summary record: 0 or -ENOMEM. */
int report_ci_row_read(struct report_ci_row *c, struct json_object *o);
void report_ci_row_free(struct report_ci_row *c);
int report_ci_summary_read(struct report_ci *c, struct json_object *o);
void report_ci_free(struct report_ci *c);

/* info 0 ... critical 4; -1 for anything else. */
int report_severity_rank(const char *severity);
/* A tracked file relative to the checkout, or NULL (not tracked, no checkout). */
const char *report_ci_rel_file(const struct report *r, const struct report_verdict *v);
/* The program a verdict is about: its exe, else its command's first word. */
const char *report_ci_program(const struct report_verdict *v, char *buf, size_t size);
/*
 * 16 hex digits, stable across runs: rule, program and target (a tracked
 * file's relative path, else the target or the command with every run of
 * digits as one '0'), never pid, time or checkout location.
 */
void report_ci_fingerprint(const struct report *r, const struct report_verdict *v, char out[17]);
/*
 * One line: "DESCRIPTION (ON TARGET): COMMAND (pid N, action A[, blocked])",
 * the rule's name when it has no description, no target for an exec.
 */
void report_ci_message(const struct report_verdict *v, char *buf, size_t size);
/* Verdict rows, most severe first, then in log order; NULL on ENOMEM. */
const struct report_verdict **report_ci_sorted_rows(const struct report *r);
/* The run's start and end as RFC 3339 UTC; false when the log has no summary. */
bool report_ci_times(const struct report *r, char *start, char *end, size_t size);

/* The writers: 0 or -errno. */
int report_write_annotations(FILE *f, const struct report *r);
int report_write_sarif(FILE *f, const struct report *r);
int report_write_junit(FILE *f, const struct report *r);

#endif /* BW_REPORT_CI_H */
