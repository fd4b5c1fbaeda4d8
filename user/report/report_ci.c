// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the CI outputs share: the extra fields read from verdicts and the
 * summary, severity ranks, the tracked file a verdict names, fingerprints
 * and the run's times (docs/REPORTS.md, "CI outputs").
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "lib/hash.h"
#include "lib/redact.h"
#include "report/report_ci.h"
#include "report/report_internal.h"

static const char *str_of(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* s masked (docs/REDACTION.md), control characters as spaces, cut to fit. */
static char *masked_line(const char *s)
{
	char buf[REPORT_CI_TARGET_MAX + 1];
	char *p;

	redact_copy(s, strlen(s), NULL, buf, sizeof(buf));
	for (p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return strdup(buf);
}

/* What a non-exec verdict judged, in words a reviewer recognises. */
static char *target_of(const char *on, struct json_object *ev)
{
	char buf[REPORT_CI_TARGET_MAX + 1];
	struct json_object *port;
	const char *s;

	if (!strcmp(on, "connect")) {
		s = str_of(ev, "dns_name") ?: str_of(ev, "address") ?: "?";
		if (json_object_object_get_ex(ev, "port", &port))
			snprintf(buf, sizeof(buf), "%s:%d", s, json_object_get_int(port));
		else
			snprintf(buf, sizeof(buf), "%s", s);
		return masked_line(buf);
	}
	if (!strcmp(on, "dns"))
		s = str_of(ev, "qname");
	else if (!strcmp(on, "file"))
		s = str_of(ev, "path");
	else if (!strcmp(on, "privilege"))
		s = str_of(ev, "op");
	else
		s = on;
	return masked_line(s ?: on);
}

int report_ci_row_read(struct report_ci_row *c, struct json_object *o)
{
	struct json_object *ev = NULL, *tracked;
	const char *exe = str_of(o, "exe"), *ctr = str_of(o, "container");

	json_object_object_get_ex(o, "event", &ev);
	c->description = strdup(str_of(o, "description") ?: "");
	c->on = strdup(str_of(o, "on") ?: "exec");
	if (!c->description || !c->on)
		return -ENOMEM;
	if (exe && !(c->exe = masked_line(exe)))
		return -ENOMEM;
	if (ctr && !(c->container = strdup(ctr)))
		return -ENOMEM;
	if (strcmp(c->on, "exec") && !(c->target = target_of(c->on, ev)))
		return -ENOMEM;
	if (!strcmp(c->on, "file") && json_object_object_get_ex(ev, "tracked", &tracked) &&
	    json_object_get_boolean(tracked) && str_of(ev, "path") &&
	    !(c->tracked = strdup(str_of(ev, "path"))))
		return -ENOMEM;
	return 0;
}

void report_ci_row_free(struct report_ci_row *c)
{
	free(c->description);
	free(c->on);
	free(c->exe);
	free(c->target);
	free(c->tracked);
	free(c->container);
	memset(c, 0, sizeof(*c));
}

int report_ci_summary_read(struct report_ci *c, struct json_object *o)
{
	const char *co = str_of(o, "checkout"), *t = str_of(o, "time");

	free(c->checkout);
	free(c->end_time);
	c->checkout = c->end_time = NULL;
	if ((co && !(c->checkout = strdup(co))) || (t && !(c->end_time = strdup(t))))
		return -ENOMEM;
	return 0;
}

void report_ci_free(struct report_ci *c)
{
	free(c->checkout);
	free(c->end_time);
	memset(c, 0, sizeof(*c));
}

int report_severity_rank(const char *severity)
{
	static const char *const names[] = { "info", "low", "medium", "high", "critical" };

	for (int i = 0; severity && i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(severity, names[i]))
			return i;
	return -1;
}

const char *report_ci_rel_file(const struct report *r, const struct report_verdict *v)
{
	const char *co = r->ci.checkout, *p = v->ci.tracked;
	size_t n;

	if (!co || !p)
		return NULL;
	n = strlen(co);
	while (n > 1 && co[n - 1] == '/')
		n--;
	if (strncmp(p, co, n) || p[n] != '/' || !p[n + 1])
		return NULL;
	return p + n + 1;
}

const char *report_ci_program(const struct report_verdict *v, char *buf, size_t size)
{
	size_t n;

	if (v->ci.exe && *v->ci.exe)
		return v->ci.exe;
	n = strcspn(v->command ?: "", " ");
	snprintf(buf, size, "%.*s", (int)n, v->command ?: "");
	return buf;
}

/* FNV-1a over s with every run of digits as one '0': pids, ports of
 * ephemeral temp names and timestamps inside a command do not move it. */
static uint64_t hash_normalized(uint64_t h, const char *s)
{
	bool in_digits = false;

	for (; *s; s++) {
		bool d = isdigit((unsigned char)*s);

		if (d && in_digits)
			continue;
		in_digits = d;
		h = hash_fnv1a(h, d ? "0" : s, 1);
	}
	return hash_fnv1a(h, "", 1); /* a separator: "ab"+"c" is not "a"+"bc" */
}

void report_ci_fingerprint(const struct report *r, const struct report_verdict *v, char out[17])
{
	const char *file = report_ci_rel_file(r, v);
	char prog[REPORT_CMD_MAX + 1];
	uint64_t h = HASH_FNV1A_INIT;
	const char *program = report_ci_program(v, prog, sizeof(prog));

	h = hash_fnv1a(h, v->rule, strlen(v->rule) + 1);
	h = hash_fnv1a(h, program, strlen(program) + 1);
	if (file)
		h = hash_fnv1a(h, file, strlen(file) + 1);
	else
		h = hash_normalized(h, v->ci.target ?: v->command ?: "");
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

void report_ci_message(const struct report_verdict *v, char *buf, size_t size)
{
	const char *what = *v->ci.description ? v->ci.description : v->rule;
	int n;

	if (v->ci.target)
		n = snprintf(buf, size, "%s (%s %s): ", what, v->ci.on, v->ci.target);
	else
		n = snprintf(buf, size, "%s: ", what);
	if (n < 0 || (size_t)n >= size)
		return;
	snprintf(buf + n, size - (size_t)n, "%s (pid %u, action %s%s)", v->command, v->pid,
		 v->action, v->blocked ? ", blocked" : "");
}

static int by_severity(const void *a, const void *b)
{
	const struct report_verdict *x = *(const struct report_verdict *const *)a;
	const struct report_verdict *y = *(const struct report_verdict *const *)b;
	int rx = report_severity_rank(x->severity), ry = report_severity_rank(y->severity);

	if (rx != ry)
		return ry - rx;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

const struct report_verdict **report_ci_sorted_rows(const struct report *r)
{
	const struct report_verdict **v = calloc(r->n_rows + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < r->n_rows; i++)
		v[i] = &r->rows[i];
	qsort(v, r->n_rows, sizeof(*v), by_severity);
	return v;
}

/* "2026-12-04T11:19:53.123456789Z" -> seconds and nanoseconds. */
static bool parse_rfc3339(const char *s, time_t *sec, long *nsec)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	long ns = 0, scale = 100000000;

	if (!p)
		return false;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			ns += (*p - '0') * scale;
	if (*p != 'Z')
		return false;
	*sec = timegm(&tm);
	*nsec = ns;
	return true;
}

static void format_rfc3339(time_t sec, long nsec, char *out, size_t size)
{
	struct tm tm;
	char base[32];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%03ldZ", base, nsec / 1000000);
}

bool report_ci_times(const struct report *r, char *start, char *end, size_t size)
{
	time_t sec;
	long nsec;
	uint64_t d = r->duration_ns;

	if (!r->ci.end_time || !parse_rfc3339(r->ci.end_time, &sec, &nsec))
		return false;
	format_rfc3339(sec, nsec, end, size);
	sec -= (time_t)(d / 1000000000ULL);
	nsec -= (long)(d % 1000000000ULL);
	if (nsec < 0) {
		nsec += 1000000000L;
		sec--;
	}
	format_rfc3339(sec, nsec, start, size);
	return true;
}
