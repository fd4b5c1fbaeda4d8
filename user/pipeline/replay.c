// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A saved log through the live engine (pipeline/replay.h). The JSON of
 * docs/EVENTS.md is turned back into the bytes the kernel would have
 * written (DNS payloads re-encoded from their parsed fields), so
 * events_decode validates it and every later step is the live one.
 * Kernel decisions of the original run (deny, hold) are left out: the
 * policy under test makes its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "events/event_read.h"
#include "events/events.h"
#include "lib/log.h"
#include "lib/record_names.h"
#include "pipeline/engine.h"
#include "pipeline/replay.h"

/* The largest record: an exec with every string at its limit. */
#define REPLAY_REC_MAX (sizeof(struct bw_exec_event) + BW_FILENAME_MAX + 5 * BW_PATH_MAX + \
			BW_ENV_MAX + BW_ARGS_MAX)

struct replay {
	struct bw_engine e;
	struct bw_job job;
	FILE *out;
	const char *path;
	size_t lineno;
	struct json_object *rec; /* the record being replayed */
	struct engine_replay facts;
	uint64_t fired;
	uint8_t *buf;
	size_t len; /* bytes of buf in use */
	bool full;  /* a string did not fit its limit */
};

/* ---- building a kernel record ---- */

/* Appends s (NUL included, cut to max bytes) and returns its length, 0 for NULL. */
static uint16_t put_str(struct replay *r, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (!s)
		return 0;
	if (n + 1 > max)
		n = max - 1;
	if (r->len + n + 1 > REPLAY_REC_MAX) {
		r->full = true;
		return 0;
	}
	memcpy(r->buf + r->len, s, n);
	r->buf[r->len + n] = '\0';
	r->len += n + 1;
	return (uint16_t)(n + 1);
}

static void put_bytes(struct replay *r, const void *p, size_t n)
{
	if (r->len + n > REPLAY_REC_MAX) {
		r->full = true;
		return;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

/* "1.2.3.4" or "::1" into addr; the family, or 0 when it is neither. */
static uint16_t parse_addr(const char *s, uint8_t addr[16])
{
	if (s && inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	if (s && inet_pton(AF_INET6, s, addr) == 1)
		return AF_INET6;
	return 0;
}

static int build_fork(struct replay *r, struct json_object *o)
{
	struct bw_fork_event *e = (void *)r->buf;

	event_read_header(&e->hdr, BW_EV_FORK, o);
	e->parent_pid = (uint32_t)event_u64_or(o, "parent_pid", 0);
	e->parent_tid = (uint32_t)event_u64_or(o, "parent_tid", e->parent_pid);
	e->parent_start_ns = event_u64_or(o, "parent_start_ns", 0);
	r->len = sizeof(*e);
	return 0;
}

static uint16_t stdio_kind(const char *name)
{
	for (uint16_t k = BW_STDIO_NONE; k <= BW_STDIO_OTHER; k++)
		if (name && !strcmp(name, stdio_kind_name(k)))
			return k;
	return BW_STDIO_OTHER;
}

/* "127.0.0.1:4444" or "[::1]:4444" into the stdio's peer. */
static void stdio_peer(struct bw_stdio *sd, const char *peer)
{
	char host[64];
	const char *colon = peer ? strrchr(peer, ':') : NULL;
	size_t n;

	if (!colon)
		return;
	n = (size_t)(colon - peer);
	if (peer[0] == '[' && n >= 2) {
		peer++;
		n -= 2;
	}
	if (n >= sizeof(host))
		return;
	memcpy(host, peer, n);
	host[n] = '\0';
	sd->family = parse_addr(host, sd->addr) ?: sd->family;
	sd->port = (uint16_t)strtoul(colon + 1, NULL, 10);
}

static void build_stdio(struct bw_stdio *sd, struct json_object *s)
{
	const char *mode = event_str(s, "mode") ?: "", *fam = event_str(s, "family");
	const char *rdev = event_str(s, "rdev");
	unsigned int major, minor;

	sd->kind = stdio_kind(event_str(s, "kind"));
	sd->id = event_u64_or(s, "id", 0);
	sd->mode = (strchr(mode, 'r') ? BW_STDIO_READ : 0) | (strchr(mode, 'w') ? BW_STDIO_WRITE : 0);
	if (fam)
		sd->family = !strcmp(fam, "inet") ? AF_INET : !strcmp(fam, "inet6") ? AF_INET6 :
			     !strcmp(fam, "unix") ? AF_UNIX : !strcmp(fam, "netlink") ? AF_NETLINK :
			     (uint16_t)strtoul(fam, NULL, 10);
	if (sd->kind == BW_STDIO_SOCKET)
		stdio_peer(sd, event_str(s, "peer"));
	if (rdev && sscanf(rdev, "%u:%u", &major, &minor) == 2)
		sd->rdev = (major << 20) | (minor & 0xfffff);
}

/* Loader variables as the kernel lays them out: NAME=VALUE\0 ... */
static uint16_t put_env(struct replay *r, struct json_object *env)
{
	char item[BW_ENV_MAX];
	size_t start = r->len;

	if (!env)
		return 0;
	json_object_object_foreach(env, name, val) {
		if (!*name || !json_object_is_type(val, json_type_string))
			continue;
		snprintf(item, sizeof(item), "%s=%s", name, json_object_get_string(val));
		if (r->len - start + strlen(item) + 1 > BW_ENV_MAX)
			break;
		put_str(r, item, sizeof(item));
	}
	return (uint16_t)(r->len - start);
}

static uint16_t put_argv(struct replay *r, struct json_object *argv)
{
	size_t start = r->len, n = argv ? json_object_array_length(argv) : 0;

	for (size_t i = 0; i < n && r->len - start < BW_ARGS_MAX; i++) {
		struct json_object *a = json_object_array_get_idx(argv, i);

		if (json_object_is_type(a, json_type_string))
			put_str(r, json_object_get_string(a), BW_ARGS_MAX - (r->len - start));
	}
	return (uint16_t)(r->len - start);
}

static int build_exec(struct replay *r, struct json_object *o)
{
	struct bw_exec_event *e = (void *)r->buf;
	struct json_object *stdio = event_member(o, "stdio", json_type_array);
	const char *exe = event_str(o, "exe"), *cwd = event_str(o, "cwd");
	uint16_t paths[3] = { 0 };

	event_read_header(&e->hdr, BW_EV_EXEC, o);
	e->ppid = (uint32_t)event_u64_or(o, "ppid", 0);
	e->parent_start_ns = event_u64_or(o, "parent_start_ns", 0);
	e->old_tid = (uint32_t)event_u64_or(o, "old_tid", e->hdr.pid);
	e->uid = (uint32_t)event_u64_or(o, "uid", 0);
	e->euid = (uint32_t)event_u64_or(o, "euid", e->uid);
	e->gid = (uint32_t)event_u64_or(o, "gid", 0);
	e->egid = (uint32_t)event_u64_or(o, "egid", e->gid);
	e->argc = (uint32_t)event_u64_or(o, "argc", 0);
	e->flags = (event_true(o, "argv_truncated") ? BW_EXEC_ARGS_TRUNCATED : 0) |
		   (event_true(o, "env_truncated") ? BW_EXEC_ENV_TRUNCATED : 0) |
		   (event_true(o, "job_root") ? BW_EXEC_JOB_ROOT : 0) |
		   (exe ? 0 : BW_EXEC_EXE_UNAVAILABLE) | (cwd ? 0 : BW_EXEC_CWD_UNAVAILABLE);
	event_read_comm(e->comm, o);
	for (size_t fd = 0; stdio && fd < 3 && fd < json_object_array_length(stdio); fd++)
		build_stdio(&e->stdio[fd], json_object_array_get_idx(stdio, fd));
	r->len = sizeof(*e);
	e->filename_len = put_str(r, event_str(o, "filename"), BW_FILENAME_MAX);
	e->exe_len = put_str(r, exe, BW_PATH_MAX);
	e->cwd_len = put_str(r, cwd, BW_PATH_MAX);
	for (size_t fd = 0; stdio && fd < 3 && fd < json_object_array_length(stdio); fd++)
		if (e->stdio[fd].kind == BW_STDIO_FILE)
			paths[fd] = put_str(r, event_str(json_object_array_get_idx(stdio, fd), "path"),
					    BW_PATH_MAX);
	for (size_t fd = 0; fd < 3; fd++)
		e->stdio[fd].path_len = paths[fd];
	e->env_len = put_env(r, event_member(o, "env", json_type_object));
	e->args_len = put_argv(r, event_member(o, "argv", json_type_array));
	return 0;
}

static int build_exec_failed(struct replay *r, struct json_object *o)
{
	struct bw_exec_failed_event *e = (void *)r->buf;
	const char *filename = event_str(o, "filename");
	int64_t error = 0;
	struct json_object *v = event_member(o, "error", json_type_int);

	event_read_header(&e->hdr, BW_EV_EXEC_FAILED, o);
	if (v)
		error = json_object_get_int64(v);
	e->error = (int32_t)error;
	/* A deny rule of the original run refused it: not this policy's verdict. */
	e->flags = (event_true(o, "execveat") ? BW_EXECFAIL_EXECVEAT : 0) |
		   (filename ? 0 : BW_EXECFAIL_FILENAME_UNAVAILABLE);
	event_read_comm(e->comm, o);
	r->len = sizeof(*e);
	e->filename_len = put_str(r, filename, BW_FILENAME_MAX);
	return 0;
}

static int build_exit(struct replay *r, struct json_object *o)
{
	struct bw_exit_event *e = (void *)r->buf;
	uint64_t code, sig;

	event_read_header(&e->hdr, BW_EV_EXIT, o);
	e->ppid = (uint32_t)event_u64_or(o, "ppid", 0);
	e->parent_start_ns = event_u64_or(o, "parent_start_ns", 0);
	if (event_u64(o, "signal", &sig))
		e->exit_status = (uint32_t)(sig & 0x7f) | (event_true(o, "core_dumped") ? 0x80 : 0);
	else if (event_u64(o, "exit_code", &code))
		e->exit_status = (uint32_t)(code & 0xff) << 8;
	e->stdout_pipe = event_u64_or(o, "stdout_pipe", 0);
	event_read_comm(e->comm, o);
	r->len = sizeof(*e);
	return 0;
}

static int64_t i64_or(struct json_object *o, const char *key, int64_t dflt)
{
	struct json_object *v = event_member(o, key, json_type_int);

	return v ? json_object_get_int64(v) : dflt;
}

static int build_connect(struct replay *r, struct json_object *o, const char **why)
{
	struct bw_connect_event *e = (void *)r->buf;
	const char *proto = event_str(o, "proto") ?: "";

	event_read_header(&e->hdr, BW_EV_CONNECT, o);
	e->family = parse_addr(event_str(o, "address"), e->addr);
	if (!e->family) {
		*why = "connect record without an IPv4 or IPv6 \"address\"";
		return -EINVAL;
	}
	e->port = (uint16_t)event_u64_or(o, "port", 0);
	e->ret = (int32_t)i64_or(o, "result", 0);
	e->sock_type = !strcmp(proto, "tcp") ? SOCK_STREAM : !strcmp(proto, "udp") ? SOCK_DGRAM :
		       SOCK_RAW;
	e->fd = (int32_t)i64_or(o, "fd", -1);
	event_read_comm(e->comm, o);
	r->len = sizeof(*e);
	return 0;
}

/* ---- DNS payloads, re-encoded from the parsed fields ---- */

static void put_u16(struct replay *r, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put_bytes(r, b, 2);
}

/* A presentation-form name (dns.h: \DDD escapes, "." the root) as wire labels. */
static void put_name(struct replay *r, const char *name)
{
	uint8_t label[64];
	size_t n = 0;

	for (const char *p = name && strcmp(name, ".") ? name : ""; ; p++) {
		if (*p == '.' || !*p) {
			if (n) {
				put_bytes(r, (uint8_t[]){ (uint8_t)n }, 1);
				put_bytes(r, label, n);
			}
			n = 0;
			if (!*p)
				break;
			continue;
		}
		if (n == sizeof(label) - 1)
			continue; /* an over-long label is cut; the parser then sees what it can */
		if (*p == '\\' && p[1] >= '0' && p[1] <= '9' && p[2] && p[3]) {
			label[n++] = (uint8_t)strtoul((char[]){ p[1], p[2], p[3], 0 }, NULL, 10);
			p += 3;
		} else {
			label[n++] = (uint8_t)*p;
		}
	}
	put_bytes(r, (uint8_t[]){ 0 }, 1);
}

static uint16_t dns_type_of(const char *name)
{
	for (size_t i = 0; name && dns_type_names[i].name; i++)
		if (!strcmp(dns_type_names[i].name, name))
			return (uint16_t)dns_type_names[i].value;
	return name ? (uint16_t)strtoul(name, NULL, 10) : 0;
}

static void put_answer(struct replay *r, struct json_object *a)
{
	uint16_t type = dns_type_of(event_str(a, "type"));
	uint32_t ttl = (uint32_t)event_u64_or(a, "ttl", 0);
	uint8_t addr[16];
	size_t at;

	put_name(r, event_str(a, "name"));
	put_u16(r, type);
	put_u16(r, DNS_CLASS_IN);
	put_u16(r, (uint16_t)(ttl >> 16));
	put_u16(r, (uint16_t)ttl);
	if (type == DNS_TYPE_CNAME) {
		at = r->len;
		put_u16(r, 0);
		put_name(r, event_str(a, "cname"));
		if (!r->full) {
			r->buf[at] = (uint8_t)((r->len - at - 2) >> 8);
			r->buf[at + 1] = (uint8_t)(r->len - at - 2);
		}
		return;
	}
	memset(addr, 0, sizeof(addr));
	parse_addr(event_str(a, "address"), addr);
	put_u16(r, type == DNS_TYPE_AAAA ? 16 : 4);
	put_bytes(r, addr, type == DNS_TYPE_AAAA ? 16 : 4);
}

static void put_dns_message(struct replay *r, struct json_object *o, bool answer)
{
	struct json_object *answers = event_member(o, "answers", json_type_array);
	size_t n = answers ? json_object_array_length(answers) : 0;
	uint16_t rcode = (uint16_t)(event_u64_or(o, "rcode", 0) & 0xf);

	put_u16(r, (uint16_t)event_u64_or(o, "id", 0));
	put_u16(r, (uint16_t)((answer ? 0x8000 : 0) | 0x0100 | rcode));
	put_u16(r, 1);
	put_u16(r, (uint16_t)n);
	put_u16(r, 0);
	put_u16(r, 0);
	put_name(r, event_str(o, "qname"));
	put_u16(r, dns_type_of(event_str(o, "qtype")));
	put_u16(r, DNS_CLASS_IN);
	for (size_t i = 0; i < n; i++)
		put_answer(r, json_object_array_get_idx(answers, i));
}

static int build_dns(struct replay *r, struct json_object *o)
{
	struct bw_dns_event *e = (void *)r->buf;
	const char *dir = event_str(o, "direction") ?: "query";
	size_t start;

	event_read_header(&e->hdr, BW_EV_DNS, o);
	e->direction = strcmp(dir, "answer") ? BW_DNS_QUERY : BW_DNS_ANSWER;
	e->family = parse_addr(event_str(o, "server"), e->addr) ?: AF_INET;
	e->port = (uint16_t)event_u64_or(o, "server_port", 53);
	e->flags = event_true(o, "compat") ? BW_DNS_F_COMPAT : 0;
	event_read_comm(e->comm, o);
	r->len = start = sizeof(*e);
	if (event_str(o, "malformed"))
		put_bytes(r, (uint8_t[]){ 0 }, 1); /* it did not parse then either */
	else
		put_dns_message(r, o, e->direction == BW_DNS_ANSWER);
	if (r->len - start > BW_DNS_MAX)
		r->len = start + BW_DNS_MAX; /* the kernel captures no more */
	e->len = (uint16_t)(r->len - start);
	e->total_len = (uint32_t)event_u64_or(o, "total_len", e->len);
	if (e->total_len < e->len)
		e->total_len = e->len;
	return 0;
}

static int build_file(struct replay *r, struct json_object *o, const char **why)
{
	struct bw_file_event *e = (void *)r->buf;
	const char *op = event_str(o, "op"), *mode = event_str(o, "mode");
	size_t i;

	event_read_header(&e->hdr, BW_EV_FILE, o);
	for (i = 0; op && file_op_names[i].name; i++)
		if (!strcmp(op, file_op_names[i].name))
			break;
	if (!op || !file_op_names[i].name) {
		*why = "file record without a known \"op\"";
		return -EINVAL;
	}
	e->op = (uint32_t)(file_op_names[i].value & ~FILE_OP_WRITE);
	/* The path of the record is absolute already: take it as resolved. */
	e->flags = BW_FILE_RESOLVED | (file_op_names[i].value & FILE_OP_WRITE ? BW_FILE_WRITE : 0) |
		   (event_true(o, "compat") ? BW_FILE_COMPAT : 0) |
		   (event_true(o, "held") ? BW_FILE_HELD : 0);
	e->ret = (int32_t)i64_or(o, e->flags & BW_FILE_HELD ? "fd" : "result", 0);
	e->open_flags = mode ? (uint32_t)strtoul(mode, NULL, 8) :
			       (uint32_t)event_u64_or(o, "open_flags", 0);
	e->dirfd = (int32_t)i64_or(o, "dirfd", -100);
	event_read_comm(e->comm, o);
	r->len = sizeof(*e);
	e->path_len = put_str(r, event_str(o, "path"), BW_PATH_MAX);
	if (!e->path_len) {
		*why = "file record without a \"path\"";
		return -EINVAL;
	}
	e->path2_len = put_str(r, e->op == BW_FILE_SETXATTR ? event_str(o, "name") :
				  e->op == BW_FILE_SYMLINK ? event_str(o, "target") :
				  event_str(o, "path2"), BW_PATH_MAX);
	e->cwd_len = put_str(r, event_str(o, "cwd"), BW_PATH_MAX);
	r->facts.tracked = event_true(o, "tracked");
	r->facts.target_in_job = event_true(o, "target_in_job");
	return 0;
}

static int build_priv(struct replay *r, struct json_object *o, const char **why)
{
	struct bw_priv_event *e = (void *)r->buf;
	struct json_object *args = event_member(o, "args", json_type_array);
	const char *op = event_str(o, "op");
	size_t i;

	event_read_header(&e->hdr, BW_EV_PRIV, o);
	for (i = 0; op && priv_op_names[i].name; i++)
		if (!strcmp(op, priv_op_names[i].name))
			break;
	if (!op || !priv_op_names[i].name) {
		*why = "privilege record without a known \"op\"";
		return -EINVAL;
	}
	e->op = (uint32_t)priv_op_names[i].value;
	e->syscall_nr = (uint32_t)event_u64_or(o, "syscall_nr", 0);
	e->target_pid = (uint32_t)event_u64_or(o, "target_pid", 0);
	e->flags = (event_true(o, "target_in_job") ? BW_PRIV_F_TARGET_IN_JOB : 0) |
		   (event_true(o, "compat") ? BW_PRIV_F_COMPAT : 0);
	for (i = 0; args && i < 3 && i < json_object_array_length(args); i++)
		e->args[i] = (uint64_t)json_object_get_int64(json_object_array_get_idx(args, i));
	event_read_comm(e->comm, o);
	r->len = sizeof(*e);
	e->data_len = put_str(r, event_str(o, "string"), BW_PATH_MAX);
	return 0;
}

/* The kernel's record for o in r->buf; 1 for a record no kernel wrote (verdict, summary ...). */
static int build(struct replay *r, struct json_object *o, const char *type, const char **why)
{
	memset(r->buf, 0, sizeof(struct bw_exec_event));
	memset(&r->facts, 0, sizeof(r->facts));
	r->len = 0;
	r->full = false;
	if (!strcmp(type, "fork"))
		return build_fork(r, o);
	if (!strcmp(type, "exec")) {
		r->facts.container = event_str(o, "container");
		return build_exec(r, o);
	}
	if (!strcmp(type, "exec_failed"))
		return build_exec_failed(r, o);
	if (!strcmp(type, "exit"))
		return build_exit(r, o);
	if (!strcmp(type, "connect"))
		return build_connect(r, o, why);
	if (!strcmp(type, "dns")) {
		r->facts.resolver = event_str(o, "resolver");
		return build_dns(r, o);
	}
	if (!strcmp(type, "file"))
		return build_file(r, o, why);
	if (!strcmp(type, "privilege"))
		return build_priv(r, o, why);
	return 1;
}

/* ---- the engine's side ---- */

static struct bw_job *replay_job_for(struct bw_engine *e, const struct bw_event_view *v)
{
	(void)v;
	return &((struct replay *)e->owner)->job;
}

static const char *would(const struct verdict *v)
{
	if (v->taken == POLICY_ACT_DENY)
		return "deny (the kernel would refuse the exec before the program runs)";
	if (v->taken == POLICY_ACT_KILL_PROCESS)
		return "kill-process";
	if (v->taken == POLICY_ACT_KILL_JOB)
		return "kill-job (the job would end here)";
	return policy_action_name(v->taken);
}

static void replay_on_line(struct bw_engine *e, struct bw_job *j, const char *type, uint32_t pid,
			   const struct verdict *v)
{
	struct replay *r = e->owner;
	enum policy_action written;

	(void)j;
	(void)pid;
	if (!v || strcmp(type, "verdict"))
		return;
	written = policy_rule_action(v->rule);
	r->fired++;
	fprintf(r->out, "%s:%zu: rule '%s' (%s, on %s) would %s", r->path, r->lineno,
		policy_rule_name(v->rule), policy_severity_name(policy_rule_severity(v->rule)),
		v->on ? v->on : "exec", would(v));
	if (written != v->taken)
		fprintf(r->out, " (written %s, audit mode)", policy_action_name(written));
	fprintf(r->out, "\n  record: %s\n",
		json_object_to_json_string_ext(r->rec, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int replay_one(void *arg, struct json_object *o, size_t lineno, const char **why)
{
	struct replay *r = arg;
	struct bw_event_view v;
	int err;

	r->lineno = lineno;
	r->rec = o;
	err = build(r, o, event_str(o, "type"), why);
	if (err)
		return err > 0 ? 0 : err;
	if (r->full) {
		*why = "the record is larger than any the kernel writes";
		return -EINVAL;
	}
	((struct bw_event_header *)r->buf)->size = (uint32_t)r->len;
	if (events_decode(r->buf, r->len, &v)) {
		*why = "not a record the kernel could have written";
		return -EINVAL;
	}
	engine_on_record(&r->e, &r->job, &v);
	return 0;
}

int replay_file(struct bw_policy *policy, const char *policy_name, const char *events_path,
		FILE *out, uint64_t *fired)
{
	struct replay *r = calloc(1, sizeof(*r));
	int err = -ENOMEM;

	if (!r || !(r->buf = malloc(REPLAY_REC_MAX)))
		goto free_policy;
	r->out = out;
	r->path = events_path;
	r->e.owner = r;
	r->e.replay = &r->facts;
	r->e.quiet_verdicts = true;
	r->e.ops.job_for = replay_job_for;
	r->e.ops.on_line = replay_on_line;
	err = engine_init(&r->e);
	if (!err)
		err = job_init(&r->job, 1);
	if (err)
		goto free_engine;
	err = job_set_policy(&r->job, policy);
	policy = NULL; /* the job's now */
	if (!err)
		err = event_read_file(events_path, replay_one, r);
	if (!err)
		fprintf(out, "%s: %llu verdict%s would fire under %s\n", events_path,
			(unsigned long long)r->fired, r->fired == 1 ? "" : "s", policy_name);
	*fired = r->fired;
	job_free(&r->job);
free_engine:
	engine_free(&r->e);
free_policy:
	policy_free(policy);
	if (r)
		free(r->buf);
	free(r);
	if (err == -ENOMEM)
		bw_err("cannot replay %s: %s", events_path, strerror(ENOMEM));
	return err;
}
