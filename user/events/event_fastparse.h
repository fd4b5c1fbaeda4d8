/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A fast path for reading back the lines the agent writes: the same
 * json-c objects json_tokener_parse_ex would give, or NULL for any line
 * outside the strict subset it takes (the caller then asks json-c).
 */
#ifndef BW_EVENT_FASTPARSE_H
#define BW_EVENT_FASTPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* Distinct keys kept (half of the slots, at most): records use a few dozen. */
#define EVENT_FASTPARSE_KEYS 512

struct event_fastparse_key {
	char *s;
	size_t len;
	uint32_t hash;
	bool unread; /* in event_fastparse.unread */
};

/* Zeroed to start. */
struct event_fastparse {
	char *buf; /* unescaped strings, kept between lines */
	size_t cap;
	/* Keys shared by the objects parsed: json-c neither copies nor frees
	 * them, so every object must be put before the parser is freed. */
	struct event_fastparse_key keys[EVENT_FASTPARSE_KEYS];
	size_t n_keys;
	/* NULL-terminated, set before the first line: top-level members left
	 * out of the objects because the caller never reads them (an exec
	 * record's stdio and env are most of its objects). Lines json-c
	 * parses keep them; that must not matter to the caller. */
	const char *const *unread;
};

/* One line holding one JSON object: the object (the caller puts it), or NULL: declined. */
struct json_object *event_fastparse(struct event_fastparse *fp, const char *line, size_t len);
void event_fastparse_free(struct event_fastparse *fp);

#endif /* BW_EVENT_FASTPARSE_H */
