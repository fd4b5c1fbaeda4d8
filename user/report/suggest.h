/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Learn, then enforce: the allowlist policy that one or more clean runs
 * suggest (docs/POLICY.md, "Learn, then enforce"): programs by executable
 * path, egress by host name and port (by address where no name was seen),
 * DNS names, and file writes collapsed to directory prefixes. Records that
 * raised a verdict in their own run are never allowlisted.
 */
#ifndef BW_SUGGEST_H
#define BW_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;
struct suggest;

/* A written path under none of the anchors is merged into its parent
 * directory when more than this many directories share that parent. */
#define SUGGEST_MERGE_MIN 4

int suggest_new(struct suggest **out);
void suggest_free(struct suggest *s);
/* One record of the run being read (docs/EVENTS.md); 0 or -ENOMEM. */
int suggest_feed(struct suggest *s, struct json_object *rec);
/* A record it has nothing to take from (fork, exit), counted as suggest_feed would. */
void suggest_count_record(struct suggest *s);
/* An exec record's fields, as suggest_feed takes them from the record. */
int suggest_feed_exec(struct suggest *s, const char *exe, const char *filename, const char *cwd);
/* A file record's fields, likewise. */
int suggest_feed_file(struct suggest *s, const char *op, const char *path, const char *path2);
/*
 * The run fed since the last call is complete: name it for the header
 * (NULL: "this run") and fold its file writes into prefixes by its own
 * working directory and checkout. 0 or -ENOMEM.
 */
int suggest_end_run(struct suggest *s, const char *name);

struct suggest_opts {
	bool enforce;       /* mode: enforce (else audit) */
	size_t max_entries; /* per list; 0: no cap (the rest are counted in a comment) */
};

/* The commented YAML policy; 0 or -errno of the write. */
int suggest_write(FILE *f, const struct suggest *s, const struct suggest_opts *o);

#endif /* BW_SUGGEST_H */
