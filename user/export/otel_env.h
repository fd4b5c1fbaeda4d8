/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The standard OpenTelemetry exporter variables, as the SDKs read them
 * (docs/TRACES.md): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as given),
 * else OTEL_EXPORTER_OTLP_ENDPOINT (with "/v1/traces" appended),
 * OTEL_EXPORTER_OTLP_[TRACES_]HEADERS ("k=v,k2=v2", values
 * percent-encoded), OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL ("http/protobuf",
 * the default, or "http/json"; "grpc" is refused: we speak OTLP/HTTP) and
 * OTEL_SERVICE_NAME.
 */
#ifndef BW_OTEL_ENV_H
#define BW_OTEL_ENV_H

#include <stdbool.h>
#include <stddef.h>

struct otel_env {
	char *url;           /* NULL: no endpoint variable set */
	bool protobuf;       /* true unless the protocol says http/json */
	bool protocol_set;
	char **headers;      /* "Name: value", NULL-terminated (never NULL once read) */
	char *service_name;  /* NULL: not set */
};

/*
 * Read the variables through get(name, arg). 0; -EINVAL with why filled
 * (never a header's value) for a malformed one; -ENOMEM.
 */
int otel_env_read(struct otel_env *o, const char *(*get)(const char *name, void *arg), void *arg,
		  char *why, size_t size);
/* "http/protobuf" -> true, "http/json" -> false; -EINVAL otherwise. */
int otel_env_protocol(const char *s, bool *protobuf);
void otel_env_free(struct otel_env *o);

#endif /* BW_OTEL_ENV_H */
