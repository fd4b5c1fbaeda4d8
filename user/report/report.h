/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reports rendered from an event stream (docs/EVENTS.md): the text process
 * tree, a Markdown report (GitHub step summary) and a JSON summary. The
 * same code serves `buildwarden report EVENTS.jsonl` and the end of
 * `buildwarden run`. Formats are described in docs/REPORTS.md.
 */
#ifndef BW_REPORT_H
#define BW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct report_opts {
	FILE *tree_out;            /* text tree and summary lines; NULL: none */
	bool no_tree;              /* tree_out gets the summary lines only (run --no-tree) */
	bool color;                /* ANSI colour in tree_out (the caller checks isatty) */
	const char *markdown_path; /* NULL: none; "-": standard output */
	bool append;               /* append the Markdown ($GITHUB_STEP_SUMMARY) */
	const char *json_path;     /* NULL: none; "-": standard output */
	const char *sarif_path;    /* SARIF 2.1.0; NULL: none; "-": standard output */
	const char *junit_path;    /* JUnit XML; NULL: none; "-": standard output */
	FILE *annotations_out;     /* GitHub workflow commands; NULL: none */
	const char *sarif_anchor;  /* checkout-relative file SARIF results about a
				    * process point at (code scanning needs a file); NULL */
	const char *html_path;     /* NULL: none; "-": standard output */
};

/*
 * Reads events_path once, start to end, and writes what o asks for. Memory
 * stays bounded however long the log (finished processes are pruned from
 * the tree as in the agent); every count stays exact. Errors are printed
 * (a malformed record as FILE:LINE: why) and returned: -EINVAL for a
 * malformed log, -errno for I/O.
 */
int report_render(const char *events_path, const struct report_opts *o);

/*
 * The same report read while its stream is still written: poll now and
 * then (each reads the lines completed since the last), render once the
 * writer is done. The end of a run then waits only for the stream's last
 * lines, not for all of it. Errors are printed once and returned by every
 * later call.
 */
struct report_live;
struct bw_event_view;
struct bw_event_info;
int report_live_open(struct report_live **out, const char *events_path);
int report_live_poll(struct report_live *l);
/*
 * Or fed by the stream's writer, every line as it writes it, in order:
 * the line itself, or the kernel's record it rendered as line seq
 * (nothing to parse): a fork or exit, or an exec or failed exec whose line
 * holds its strings as they are (nothing masked, no byte escaped as \udcXX; the
 * jbuf says so). events_path is where the lines go.
 */
int report_live_new(struct report_live **out, const char *events_path);
int report_live_feed_line(struct report_live *l, const char *line, size_t len);
int report_live_feed_view(struct report_live *l, uint64_t seq, const struct bw_event_view *v);
/*
 * A file or privilege record the same way, with what the agent decoded of
 * it (info: the op's name, the paths, the target, whether the checkout
 * tracks the file), under the same condition on its line.
 */
int report_live_feed_hook(struct report_live *l, uint64_t seq, const struct bw_event_view *v,
			  const struct bw_event_info *info);
/* Reads the rest, then writes what o asks for; may be called again with other o. */
int report_live_render(struct report_live *l, const struct report_opts *o);
void report_live_free(struct report_live *l);

/* `buildwarden report`; argv[0] is "report". Returns the exit status. */
int cmd_report(int argc, char **argv);

#endif /* BW_REPORT_H */
