// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading a record's fields: absent, null and mistyped all read as absent. */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "report/report_internal.h"

struct json_object *rj_field(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

bool rj_get_u64(struct json_object *o, const char *k, uint64_t *out)
{
	struct json_object *v = rj_field(o, k);

	if (!v || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

uint64_t rj_u64_or(struct json_object *o, const char *k, uint64_t dflt)
{
	uint64_t v;

	return rj_get_u64(o, k, &v) ? v : dflt;
}

bool rj_get_i64(struct json_object *o, const char *k, int64_t *out)
{
	struct json_object *v = rj_field(o, k);

	if (!v || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

const char *rj_get_str(struct json_object *o, const char *k)
{
	struct json_object *v = rj_field(o, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

bool rj_get_bool(struct json_object *o, const char *k)
{
	struct json_object *v = rj_field(o, k);

	return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

char *rj_dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}
