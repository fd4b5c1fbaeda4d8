/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading a saved event stream (docs/EVENTS.md) back, one JSON object per
 * line: the one reader `report`, `policy suggest` and `policy test` share,
 * so a malformed line is refused the same way (FILE:LINE: why) by all.
 */
#ifndef BW_EVENT_READ_H
#define BW_EVENT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <linux/types.h>
#include "buildwarden_events.h"
#include "events/event_fastparse.h"

struct event_reader {
	struct json_tokener *tok;
	struct event_fastparse fast; /* the agent's own lines, without the tokener */
	char why[128];
};

int event_reader_init(struct event_reader *rd);
void event_reader_free(struct event_reader *rd);

/*
 * One line: *out is its record (the caller puts it), or NULL for a blank
 * line. -EINVAL with *why set when the line is not one JSON object with
 * a "type" string.
 */
int event_read_line(struct event_reader *rd, const char *line, size_t len,
		    struct json_object **out, const char **why);

/*
 * Called for each record of a file, in order, with its line number. Returns
 * 0, or -errno (-EINVAL with *why set: the record is malformed).
 */
typedef int (*event_read_fn)(void *arg, struct json_object *rec, size_t lineno,
			     const char **why);

/* Every record of path ("-": standard input) to fn; errors printed as PATH:LINE: why. */
int event_read_file(const char *path, event_read_fn fn, void *arg);

/* A record's error as every reader prints it: PATH:LINE: malformed record: why. */
void event_read_error(const char *path, size_t lineno, int err, const char *why);

/*
 * Offered each line (len bytes, its newline included) before it is parsed,
 * with event_follow_read's arg: 1 when it took the line, 0 to have it
 * parsed and handed to fn, or -errno (-EINVAL with *why set).
 */
typedef int (*event_take_fn)(void *arg, const char *line, size_t len, const char **why);

/* Bytes read at a time; the buffer grows past it only for a longer line. */
#define EVENT_FOLLOW_CHUNK (64u << 10)

/*
 * A stream read as it is written: each read hands fn the lines completed
 * since the last, so a report keeps up with a running job instead of
 * reading the whole stream once it ends. Zeroed by open, freed by close.
 */
struct event_follow {
	char *path; /* for messages */
	int fd;
	char *buf;  /* read, not yet handed on: at most the start of one line */
	size_t len, cap;
	size_t scan;   /* buf[0..scan) holds no newline */
	size_t lineno;
	int err;       /* the first error: nothing is read after it */
	struct event_reader rd;
	event_take_fn take; /* set after open, or NULL */
};

/* path ("-": standard input) opened for reading on its own offset: 0 or -errno (printed). */
int event_follow_open(struct event_follow *f, const char *path);
/*
 * Every line completed since the last call to fn, in order. final: the
 * writer is done, and a last line without its newline is read too.
 * Errors are printed as for event_read_file and returned again by every
 * later call.
 */
int event_follow_read(struct event_follow *f, event_read_fn fn, void *arg, bool final);
void event_follow_close(struct event_follow *f);

/* Typed fields of a record: absent, null and mistyped all read as absent. */
struct json_object *event_member(struct json_object *o, const char *key, enum json_type type);
const char *event_str(struct json_object *o, const char *key);
bool event_u64(struct json_object *o, const char *key, uint64_t *out);
uint64_t event_u64_or(struct json_object *o, const char *key, uint64_t dflt);
bool event_true(struct json_object *o, const char *key);

/* A process record's common fields (type given) into the kernel's header. */
void event_read_header(struct bw_event_header *h, uint32_t type, struct json_object *o);
/* Its "comm", cut to the kernel's size, into dst (left as is when absent). */
void event_read_comm(char dst[BW_COMM_LEN], struct json_object *o);

#endif /* BW_EVENT_READ_H */
