// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The OpenTelemetry exporter variables (export/otel_env.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "export/otel_env.h"
#include "export/export_otlp.h" /* OTLP_HEADERS_MAX */

#define TRACES_SUFFIX "/v1/traces"

static const char *first(const char *(*get)(const char *, void *), void *arg, const char *a,
			 const char *b)
{
	const char *v = get(a, arg);

	if (v && *v)
		return v;
	v = get(b, arg);
	return v && *v ? v : NULL;
}

int otel_env_protocol(const char *s, bool *protobuf)
{
	if (!strcmp(s, "http/protobuf"))
		*protobuf = true;
	else if (!strcmp(s, "http/json"))
		*protobuf = false;
	else
		return -EINVAL;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* s[0..n) percent-decoded and trimmed of spaces, into a new string; NULL on ENOMEM. */
static char *decode(const char *s, size_t n)
{
	char *out;
	size_t k = 0;

	while (n && *s == ' ')
		s++, n--;
	while (n && s[n - 1] == ' ')
		n--;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
			out[k++] = (char)(hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2]));
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
	return out;
}

/* One "key=value" of the list into "key: value" at *slot. */
static int header_of(const char *s, size_t n, char **slot, char *why, size_t size, unsigned idx)
{
	const char *eq = memchr(s, '=', n);
	char *k, *v;
	int err = 0;

	if (!eq) {
		snprintf(why, size, "OTEL_EXPORTER_OTLP_HEADERS: entry %u has no '='", idx);
		return -EINVAL;
	}
	k = decode(s, (size_t)(eq - s));
	v = decode(eq + 1, n - (size_t)(eq - s) - 1);
	if (!k || !v) {
		err = -ENOMEM;
		goto out;
	}
	if (!*k || strpbrk(k, ": \t\r\n") || strpbrk(v, "\r\n")) {
		snprintf(why, size, "OTEL_EXPORTER_OTLP_HEADERS: entry %u is not a usable header", idx);
		err = -EINVAL;
		goto out;
	}
	if (asprintf(slot, "%s: %s", k, v) < 0) {
		*slot = NULL;
		err = -ENOMEM;
	}
out:
	free(k);
	free(v);
	return err;
}

static int read_headers(struct otel_env *o, const char *list, char *why, size_t size)
{
	unsigned n = 0;
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int err;

		if (len) {
			if (n == OTLP_HEADERS_MAX) {
				snprintf(why, size, "OTEL_EXPORTER_OTLP_HEADERS: more than %d headers",
					 OTLP_HEADERS_MAX);
				return -EINVAL;
			}
			err = header_of(p, len, &o->headers[n], why, size, n + 1);
			if (err)
				return err;
			n++;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int read_url(struct otel_env *o, const char *(*get)(const char *, void *), void *arg)
{
	const char *v = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", arg);
	size_t n;

	if (v && *v) {
		o->url = strdup(v);
		return o->url ? 0 : -ENOMEM;
	}
	v = get("OTEL_EXPORTER_OTLP_ENDPOINT", arg);
	if (!v || !*v)
		return 0;
	n = strlen(v);
	while (n && v[n - 1] == '/')
		n--;
	/* the base endpoint: the signal's path goes after the path it has */
	if (asprintf(&o->url, "%.*s%s", (int)n, v, TRACES_SUFFIX) < 0) {
		o->url = NULL;
		return -ENOMEM;
	}
	return 0;
}

int otel_env_read(struct otel_env *o, const char *(*get)(const char *name, void *arg), void *arg,
		  char *why, size_t size)
{
	const char *v;
	int err;

	memset(o, 0, sizeof(*o));
	o->protobuf = true;
	why[0] = '\0';
	o->headers = calloc(OTLP_HEADERS_MAX + 1, sizeof(*o->headers));
	if (!o->headers)
		return -ENOMEM;
	err = read_url(o, get, arg);
	if (err)
		return err;
	v = first(get, arg, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
	if (v) {
		if (otel_env_protocol(v, &o->protobuf)) {
			snprintf(why, size, "OTEL_EXPORTER_OTLP_PROTOCOL '%.40s': expected http/protobuf "
				 "or http/json (buildwarden speaks OTLP/HTTP, not gRPC)", v);
			return -EINVAL;
		}
		o->protocol_set = true;
	}
	v = first(get, arg, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS");
	if (v) {
		err = read_headers(o, v, why, size);
		if (err)
			return err;
	}
	v = get("OTEL_SERVICE_NAME", arg);
	if (v && *v) {
		o->service_name = strdup(v);
		if (!o->service_name)
			return -ENOMEM;
	}
	return 0;
}

void otel_env_free(struct otel_env *o)
{
	for (char **h = o->headers; h && *h; h++)
		free(*h);
	free(o->headers);
	free(o->url);
	free(o->service_name);
	memset(o, 0, sizeof(*o));
}
