/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `buildwarden doctor`: can the agent run on this host, and if not, why and
 * what to do. doctor.c holds what the checks mean and how results print
 * (pure, unit-tested); cmd_doctor.c probes the host.
 */
#ifndef BW_DOCTOR_H
#define BW_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jbuf;

enum doctor_status {
	DOCTOR_PASS, /* works */
	DOCTOR_WARN, /* the agent runs, without what this check is about */
	DOCTOR_FAIL, /* the agent cannot run (essential checks only) */
	DOCTOR_INFO, /* informational: neither required nor degraded */
	DOCTOR_SKIP, /* not tried: an earlier failure makes it meaningless */
};

#define DOCTOR_TEXT_MAX 320

struct doctor_check {
	const char *name; /* short, stable: the JSON key users script against */
	enum doctor_status status;
	char detail[DOCTOR_TEXT_MAX]; /* what was found */
	char hint[DOCTOR_TEXT_MAX];   /* how to fix it; empty when nothing to fix */
};

#define DOCTOR_MAX_CHECKS 16

struct doctor_report {
	struct doctor_check checks[DOCTOR_MAX_CHECKS];
	size_t n;
	const char *exec_hook; /* "tp_btf", "raw_tp" or NULL when nothing loaded */
};

/* The minimum kernel: bpf_loop is 5.17 (the ring buffer and CAP_BPF are 5.8). */
#define DOCTOR_MIN_MAJOR 5
#define DOCTOR_MIN_MINOR 17

/* "6.1.0-18-amd64" -> 6, 1, 0. Returns 0, or -EINVAL when it is no version. */
int doctor_parse_kernel_version(const char *release, unsigned *major, unsigned *minor,
				unsigned *patch);
bool doctor_version_at_least(unsigned major, unsigned minor, unsigned want_major,
			     unsigned want_minor);

/* Is name one of the comma-separated entries of list (/sys/kernel/security/lsm)? */
bool doctor_lsm_has(const char *list, const char *name);

/*
 * The cgroup v2 mount point from /proc/self/mountinfo text (the first
 * cgroup2 mount: /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts).
 * Returns 0, -ENOENT when there is none, -ENAMETOOLONG.
 */
int doctor_cgroup2_mount(FILE *mountinfo, char *buf, size_t size);

/* Capability bits of the effective set that matter, as a verdict. */
#define DOCTOR_CAP_SYS_ADMIN (1ull << 21)
#define DOCTOR_CAP_DAC_OVERRIDE (1ull << 1)
#define DOCTOR_CAP_DAC_READ_SEARCH (1ull << 2)
#define DOCTOR_CAP_KILL (1ull << 5)
#define DOCTOR_CAP_PERFMON (1ull << 38)
#define DOCTOR_CAP_BPF (1ull << 39)
void doctor_caps_verdict(struct doctor_check *c, uint64_t effective, unsigned uid);

/* A new check appended to r (NULL when r is full), status PASS, no text. */
struct doctor_check *doctor_add(struct doctor_report *r, const char *name);
__attribute__((format(printf, 3, 4)))
void doctor_set(struct doctor_check *c, enum doctor_status st, const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
void doctor_hint(struct doctor_check *c, const char *fmt, ...);

/* True unless an essential check failed. */
bool doctor_can_run(const struct doctor_report *r);
const char *doctor_status_name(enum doctor_status st); /* "pass", "fail", ... */
const char *doctor_status_mark(enum doctor_status st); /* "[ ok ]", "[FAIL]", ... */

/* One line, no newline: "MARK NAME  DETAIL; fix: HINT". Returns its length. */
size_t doctor_format_line(const struct doctor_check *c, char *buf, size_t size);
/* Every check's line, then a marked summary line. */
void doctor_print(const struct doctor_report *r, FILE *out);
/* {"ok":..,"exec_hook":..,"checks":[{"name","status","detail","hint"}..]} */
void doctor_json(const struct doctor_report *r, struct jbuf *jb);

int cmd_doctor(int argc, char **argv);

#endif /* BW_DOCTOR_H */
