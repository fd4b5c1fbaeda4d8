/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The configuration of `buildwarden daemon --config FILE`: one YAML
 * mapping read whole into a fresh struct daemon_config (also on SIGHUP,
 * so a bad file never half-changes a running daemon). Every mistake is
 * reported as "FILE:LINE:COL: error: WHAT" and parsing goes on, so one run
 * shows them all. Relative paths in the file are resolved against the
 * file's directory. Webhook URLs and OTLP headers may hold secrets: no
 * message ever shows them, and daemon_config_free() wipes them.
 */
#ifndef BW_DAEMON_CONFIG_H
#define BW_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alerts/alerts.h"
#include "lib/env_names.h"

/* A config file is read whole; a larger one is refused. */
#define DAEMON_CONFIG_MAX_BYTES (1u << 20)
#define DAEMON_CONFIG_MAX_JOBS 1024
#define DAEMON_CONFIG_MAX_OVERRIDES 1024
#define DAEMON_CONFIG_MAX_LABELS 64 /* per job rule */
#define DAEMON_CONFIG_MAX_HEADERS 16
#define DAEMON_CONFIG_DEFAULT_RINGBUF_MB 16
#define DAEMON_CONFIG_DEFAULT_JSONL_MAX_BYTES (100ull << 20)
#define DAEMON_CONFIG_DEFAULT_JSONL_KEEP 5

/* One entry of "jobs:": how the daemon recognises the root of a CI job. */
struct daemon_root_rule {
	char *name;            /* "name:" or, when absent, "job-N" (N = 1-based index in jobs:) */
	char *exe_basename;    /* match.exe_basename; NULL when match.pid is used */
	char *parent_basename; /* match.parent_basename, optional (NULL) */
	char *args_glob;       /* match.args: fnmatch(3) pattern (flags 0) on the argv
				  joined by single spaces, optional */
	uint32_t pid;          /* match.pid: adopt this already-running process as a job
				  root; 0 if unused */
	char *id;              /* "id:": fixed job name (file names of its reports); NULL = generated */
	char *policy_path;     /* "policy:" of this rule, resolved; NULL = the config's default */
	char **labels;         /* "labels:" list of strings */
	size_t n_labels;
	unsigned line;         /* line of this rule in the config, for messages */
};

/* One entry of "policies:": a policy for the jobs it matches. */
struct daemon_policy_override {
	char *repository;      /* match.repository: fnmatch pattern on the job's repository
				  (owner/repo); NULL = any */
	char *label;           /* match.label: the job's rule has this label; NULL = any */
	char *job;             /* match.job: the job rule's name; NULL = any */
	char *policy_path;     /* required, resolved */
	unsigned line;
};

struct daemon_config {
	char *path;                 /* the config file as given */
	char *policy_path;          /* "policy:", resolved; NULL = the embedded default policy */
	char *reports_dir;          /* "reports:", required, resolved */
	char *run_socket;           /* "run_socket:", resolved; NULL = runs are not taken */
	struct daemon_root_rule *roots;   size_t n_roots;      /* "jobs:", at least one */
	struct daemon_policy_override *overrides; size_t n_overrides; /* "policies:" */
	uint32_t hooks;             /* "record:" (string, record_kinds_parse); default "auto" */
	bool record_auto;
	bool fail_closed;           /* "fail_closed:" bool, default false */
	uint32_t ringbuf_mb;        /* "ringbuf_mb:", power of two 1..1024, default 16 */
	bool redact;                /* "redact:" bool, default true */
	/* "exec_env:" (string, env_names_parse): the loader variables exec
	 * records carry; exec_env_set false = the loader's default list */
	struct env_names exec_env;
	bool exec_env_set;
	/* "status: {listen: ADDR}"; NULL = no endpoint. ADDR kept as text
	 * (validated later by metrics_start) */
	char *status_listen;
	/* "export: {jsonl: {path, max_bytes, keep}}"; NULL = off; resolved */
	char *jsonl_path;
	uint64_t jsonl_max_bytes;   /* default 104857600 (100 MiB); 0 = never rotate */
	unsigned jsonl_keep;        /* default 5, at most 1000 */
	/* "export: {otlp: {url, headers, batch_records, flush_ms, timeout_ms,
	 * max_attempts, host_name}}"; NULL = off; must start http:// or https:// */
	char *otlp_url;
	/* "headers:" mapping {Name: value} -> "Name: value" strings, NULL-terminated
	 * array (always non-NULL, maybe empty); at most 16; Name must be a valid
	 * HTTP token, value without CR/LF */
	char **otlp_headers;
	/* 0 = the exporter's default */
	unsigned otlp_batch_records, otlp_flush_ms, otlp_timeout_ms, otlp_max_attempts;
	char *otlp_host_name;       /* optional */
	/* "traces: true": each job as a trace too (docs/TRACES.md), to
	 * traces_url, else url with its /v1/logs path as /v1/traces;
	 * "traces_protocol: protobuf|json" (default protobuf); service_name */
	bool otlp_traces;
	bool otlp_traces_json;
	char *otlp_traces_url;
	char *otlp_service_name;
	/* "alerts:" one of webhook: URL | webhook_env: VAR (read with getenv at
	 * load; error if unset/empty) | webhook_file: FILE (read with
	 * alerts_load_secret, which refuses files readable by others; trailing
	 * whitespace stripped); NULL = no alerts. Starts http:// or https:// */
	char *webhook_url;
	enum alert_format webhook_format; /* alerts.format: slack|teams|generic, default slack */
	char *webhook_secret_file;  /* alerts.secret_file, resolved; only checked to be a string here */
};

/*
 * Parse text[0..len) (name is used in messages). Relative paths are
 * resolved against base_dir (NULL: kept as written). 0, or -EINVAL after
 * printing every error to errs (may be NULL) as "NAME:LINE:COL: error:
 * WHAT", or -ENOMEM. *out untouched on error.
 */
int daemon_config_parse(const char *name, const char *text, size_t len, const char *base_dir,
			struct daemon_config **out, FILE *errs);
/*
 * Read FILE (limit 1 MiB, "FILE: cannot read: strerror" on failure) and
 * parse it; base_dir = FILE's directory, made absolute so the paths stay
 * right after a chdir. 0 or -errno.
 */
int daemon_config_load(const char *path, struct daemon_config **out, FILE *errs);
void daemon_config_free(struct daemon_config *c); /* NULL-safe */
/*
 * Does a job with this root match the rule? exe = the executable's
 * basename (full, not the 15-char comm), parent = the parent's basename
 * (may be NULL), cmdline = argv joined by spaces (may be NULL). A pid rule
 * never matches here.
 */
bool daemon_rule_matches(const struct daemon_root_rule *r, const char *exe, const char *parent,
			 const char *cmdline);
/*
 * The policy file for a job: the first override whose every set field
 * matches (repository may be NULL: then an override with a repository
 * pattern does not match; r may be NULL: then one with a label or job does
 * not), else the rule's policy, else the config's. May return NULL
 * (the embedded default).
 */
const char *daemon_policy_for(const struct daemon_config *c, const struct daemon_root_rule *r,
			      const char *repository);

#endif /* BW_DAEMON_CONFIG_H */
