// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What doctor's checks mean and how they print. Nothing here touches the
 * host, so every rule (versions, LSM lists, capability sets, the exit
 * verdict, the line and JSON formats) is unit-tested (tests/unit/test_doctor.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/doctor.h"
#include "lib/json_out.h"

static int parse_uint(const char **s, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno || v > 100000)
		return -EINVAL;
	*out = (unsigned)v;
	*s = end;
	return 0;
}

int doctor_parse_kernel_version(const char *release, unsigned *major, unsigned *minor,
				unsigned *patch)
{
	const char *s = release;

	*major = *minor = *patch = 0;
	if (!s || parse_uint(&s, major) || *s++ != '.' || parse_uint(&s, minor))
		return -EINVAL;
	/* "5.8", "5.8-rc1", "5.8.0-1-amd64", "6.18.44-fc-v669", "5.15.0+" */
	if (*s == '.' && isdigit((unsigned char)s[1])) {
		s++;
		if (parse_uint(&s, patch))
			return -EINVAL;
	}
	if (*s && *s != '-' && *s != '+' && *s != '_' && *s != '~')
		return -EINVAL;
	return 0;
}

bool doctor_version_at_least(unsigned major, unsigned minor, unsigned want_major,
			     unsigned want_minor)
{
	return major > want_major || (major == want_major && minor >= want_minor);
}

bool doctor_lsm_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list || !n)
		return false;
	while (*p) {
		size_t len;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		len = strcspn(p, ",\n \t");
		if (len == n && !strncmp(p, name, n))
			return true;
		p += len;
	}
	return false;
}

int doctor_cgroup2_mount(FILE *mountinfo, char *buf, size_t size)
{
	char line[4096], mnt[4096], fstype[64];

	while (fgets(line, sizeof(line), mountinfo)) {
		const char *sep = strstr(line, " - ");

		/* id parent major:minor root mountpoint ... - fstype source opts */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if ((size_t)snprintf(buf, size, "%s", mnt) >= size)
			return -ENAMETOOLONG;
		return 0;
	}
	return -ENOENT;
}

void doctor_caps_verdict(struct doctor_check *c, uint64_t eff, unsigned uid)
{
	bool admin = eff & DOCTOR_CAP_SYS_ADMIN, bpf = eff & DOCTOR_CAP_BPF,
	     perfmon = eff & DOCTOR_CAP_PERFMON, kill = eff & DOCTOR_CAP_KILL;
	/* tracefs is root-only (0700): another uid reads tracepoint ids by capability. */
	bool dac = uid == 0 || (eff & (DOCTOR_CAP_DAC_READ_SEARCH | DOCTOR_CAP_DAC_OVERRIDE));

	if (!admin && !(bpf && perfmon)) {
		doctor_set(c, DOCTOR_FAIL, "uid %u lacks %s%s%s to load BPF programs", uid,
			   bpf ? "" : "CAP_BPF ", perfmon ? "" : "CAP_PERFMON ",
			   "(or CAP_SYS_ADMIN)");
		doctor_hint(c, "run as root, or grant CAP_BPF and CAP_PERFMON "
			       "(systemd: AmbientCapabilities=; docs/DEPLOY.md)");
		return;
	}
	if (!admin || !kill || !dac) {
		doctor_set(c, DOCTOR_WARN, "uid %u can load BPF programs but lacks %s%s%s", uid,
			   admin ? "" : "CAP_SYS_ADMIN (mount tracefs, job cgroups) ",
			   kill ? "" : "CAP_KILL (kill actions on other users' processes) ",
			   dac ? "" : "CAP_DAC_READ_SEARCH (read root-only tracefs)");
		doctor_hint(c, "grant the missing capabilities, or mount tracefs beforehand "
			       "and use only log/alert/deny actions");
		return;
	}
	doctor_set(c, DOCTOR_PASS, "uid %u has %s", uid,
		   bpf && perfmon ? "CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, CAP_KILL"
				  : "CAP_SYS_ADMIN, CAP_KILL");
}

struct doctor_check *doctor_add(struct doctor_report *r, const char *name)
{
	struct doctor_check *c;

	if (r->n >= DOCTOR_MAX_CHECKS)
		return NULL;
	c = &r->checks[r->n++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->status = DOCTOR_PASS;
	return c;
}

void doctor_set(struct doctor_check *c, enum doctor_status st, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	c->status = st;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	/* Builders leave a trailing space after optional parts. */
	n = strlen(c->detail);
	while (n && c->detail[n - 1] == ' ')
		c->detail[--n] = '\0';
}

void doctor_hint(struct doctor_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->hint, sizeof(c->hint), fmt, ap);
	va_end(ap);
}

bool doctor_can_run(const struct doctor_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->checks[i].status == DOCTOR_FAIL)
			return false;
	return true;
}

const char *doctor_status_name(enum doctor_status st)
{
	switch (st) {
	case DOCTOR_PASS: return "pass";
	case DOCTOR_WARN: return "warn";
	case DOCTOR_FAIL: return "fail";
	case DOCTOR_INFO: return "info";
	case DOCTOR_SKIP: return "skip";
	}
	return "?";
}

const char *doctor_status_mark(enum doctor_status st)
{
	switch (st) {
	case DOCTOR_PASS: return "[ ok ]";
	case DOCTOR_WARN: return "[warn]";
	case DOCTOR_FAIL: return "[FAIL]";
	case DOCTOR_INFO: return "[info]";
	case DOCTOR_SKIP: return "[skip]";
	}
	return "[ ?? ]";
}

size_t doctor_format_line(const struct doctor_check *c, char *buf, size_t size)
{
	int n;

	/* Hints are shown whenever there is something to do about the result. */
	if (c->hint[0] && c->status != DOCTOR_PASS)
		n = snprintf(buf, size, "%s %-13s %s; fix: %s", doctor_status_mark(c->status),
			     c->name, c->detail, c->hint);
	else
		n = snprintf(buf, size, "%s %-13s %s", doctor_status_mark(c->status), c->name,
			     c->detail);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size ? size - 1 : 0;
}

void doctor_print(const struct doctor_report *r, FILE *out)
{
	char line[3 * DOCTOR_TEXT_MAX];
	size_t i, warn = 0, fail = 0;

	for (i = 0; i < r->n; i++) {
		doctor_format_line(&r->checks[i], line, sizeof(line));
		fprintf(out, "%s\n", line);
		warn += r->checks[i].status == DOCTOR_WARN;
		fail += r->checks[i].status == DOCTOR_FAIL;
	}
	if (fail)
		fprintf(out, "%s %-13s buildwarden cannot run here: %zu check%s failed\n",
			doctor_status_mark(DOCTOR_FAIL), "summary", fail, fail == 1 ? "" : "s");
	else
		fprintf(out, "%s %-13s buildwarden can run here (exec hook %s, %zu warning%s)\n",
			doctor_status_mark(DOCTOR_PASS), "summary",
			r->exec_hook ? r->exec_hook : "unknown", warn, warn == 1 ? "" : "s");
}

void doctor_json(const struct doctor_report *r, struct jbuf *jb)
{
	size_t i;

	json_obj_open(jb);
	json_kv_bool(jb, "ok", doctor_can_run(r));
	if (r->exec_hook)
		json_kv_str(jb, "exec_hook", r->exec_hook);
	else
		json_kv_null(jb, "exec_hook");
	json_arr_open(jb, "checks");
	for (i = 0; i < r->n; i++) {
		const struct doctor_check *c = &r->checks[i];

		json_obj_open(jb);
		json_kv_str(jb, "name", c->name);
		json_kv_str(jb, "status", doctor_status_name(c->status));
		json_kv_str(jb, "detail", c->detail);
		json_kv_str(jb, "hint", c->hint);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_obj_close(jb);
}
