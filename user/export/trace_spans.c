// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One span per process of a job (export/trace_spans.h). Events wait,
 * already encoded, in a small table keyed by (pid, start_ns) until their
 * process's span is written at its exit; then the table entry goes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "export/otlp_proto.h"
#include "export/trace_encode.h"
#include "export/trace_spans.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/path.h"
#include "lib/redact.h"
#include "policy/policy.h"

#define PEND_BUCKETS 1024
#define SPAN_ATTRS_MAX 24
#define EVENT_ATTRS_MAX 6

/* The events of one process that has not ended yet. */
struct pend {
	uint32_t pid;
	uint64_t start_ns;
	uint32_t n_events;
	uint32_t dropped;
	struct pbuf ev;
	struct pend *next;
};

struct trace_job {
	struct trace_context ctx;
	char trace_hex[TRACE_ID_HEX];
	uint64_t job_id;
	int64_t offset_ns;
	struct ci_job ci;
	bool has_ci;
	struct otlp *out;
	bool proto;
	struct pend *buckets[PEND_BUCKETS];
	size_t pending_bytes;
	struct pbuf span;   /* scratch: one encoded span */
	struct trace_job_stats st;
};

int trace_job_new(struct trace_job **out, const struct trace_job_opts *o)
{
	struct trace_job *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t) {
		bw_err("trace of job %llu: cannot allocate its state: %s",
		       (unsigned long long)o->job_id, strerror(ENOMEM));
		return -ENOMEM;
	}
	t->ctx = *o->ctx;
	trace_hex(t->ctx.trace_id, TRACE_ID_LEN, t->trace_hex);
	t->job_id = o->job_id;
	t->offset_ns = o->realtime_minus_mono_ns;
	if (o->ci) {
		t->ci = *o->ci;
		t->has_ci = true;
	}
	t->out = o->out;
	t->proto = otlp_protobuf(o->out);
	pb_init(&t->span);
	*out = t;
	return 0;
}

static void pend_free(struct pend *p)
{
	pb_free(&p->ev);
	free(p);
}

void trace_job_free(struct trace_job *t)
{
	if (!t)
		return;
	for (size_t b = 0; b < PEND_BUCKETS; b++) {
		struct pend *p = t->buckets[b], *n;

		for (; p; p = n) {
			n = p->next;
			pend_free(p);
		}
	}
	pb_free(&t->span);
	free(t);
}

const char *trace_job_trace_id(const struct trace_job *t)
{
	return t->trace_hex;
}

bool trace_job_joined(const struct trace_job *t)
{
	return t->ctx.joined;
}

void trace_job_stats(const struct trace_job *t, struct trace_job_stats *st)
{
	*st = t->st;
}

void trace_job_set_out(struct trace_job *t, struct otlp *out)
{
	bool proto = otlp_protobuf(out);

	if (!t)
		return;
	t->out = out;
	if (proto == t->proto)
		return;
	for (size_t b = 0; b < PEND_BUCKETS; b++) {
		for (struct pend *p = t->buckets[b]; p; p = p->next) {
			p->dropped += p->n_events;
			t->st.events_dropped += p->n_events;
			t->st.events -= p->n_events;
			p->n_events = 0;
			p->ev.len = 0;
		}
	}
	t->pending_bytes = 0;
	t->proto = proto;
}

static uint64_t unix_ns(const struct trace_job *t, uint64_t mono_ns)
{
	return (uint64_t)((int64_t)mono_ns + t->offset_ns);
}

static struct pend **pend_slot(struct trace_job *t, uint32_t pid, uint64_t start_ns)
{
	struct pend **pp = &t->buckets[hash_proc(pid, start_ns) & (PEND_BUCKETS - 1)];

	while (*pp && ((*pp)->pid != pid || (*pp)->start_ns != start_ns))
		pp = &(*pp)->next;
	return pp;
}

/* Take the process's pending events out of the table (NULL: none). */
static struct pend *pend_take(struct trace_job *t, uint32_t pid, uint64_t start_ns)
{
	struct pend **pp = pend_slot(t, pid, start_ns), *p = *pp;

	if (p) {
		*pp = p->next;
		t->pending_bytes -= p->ev.len;
	}
	return p;
}

/* Add an event to the process's span, or count it dropped past a cap. */
static void add_event(struct trace_job *t, uint32_t pid, uint64_t start_ns,
		      const struct trace_event *ev)
{
	struct pend **pp = pend_slot(t, pid, start_ns), *p = *pp;
	size_t before;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p) {
			t->st.events_dropped++;
			return;
		}
		p->pid = pid;
		p->start_ns = start_ns;
		pb_init(&p->ev);
		*pp = p;
	}
	if (p->n_events >= TRACE_EVENTS_MAX || t->pending_bytes >= TRACE_PENDING_BYTES) {
		p->dropped++;
		t->st.events_dropped++;
		return;
	}
	before = p->ev.len;
	trace_encode_event(&p->ev, t->proto, ev);
	if (p->ev.oom) {
		/* keep what was whole before it */
		p->ev.oom = false;
		p->ev.len = before;
		p->dropped++;
		t->st.events_dropped++;
		return;
	}
	t->pending_bytes += p->ev.len - before;
	p->n_events++;
	t->st.events++;
}

static struct trace_attr attr_s(const char *key, const char *s)
{
	return (struct trace_attr){ .key = key, .type = TRACE_ATTR_STR, .s = s ? s : "",
				    .n = s ? strlen(s) : 0 };
}

static struct trace_attr attr_i(const char *key, int64_t i)
{
	return (struct trace_attr){ .key = key, .type = TRACE_ATTR_INT, .i = i };
}

static struct trace_attr attr_b(const char *key, bool b)
{
	return (struct trace_attr){ .key = key, .type = TRACE_ATTR_BOOL, .i = b };
}

static void addr_text(int family, const uint8_t *addr, char *out, size_t size)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, out, (socklen_t)size))
		snprintf(out, size, "?");
}

/* Connect, DNS query, file and privilege records as events. */
static void hook_event(struct trace_job *t, const struct bw_event_view *v,
		       const struct bw_event_info *info)
{
	struct trace_attr a[EVENT_ATTRS_MAX];
	struct trace_event ev = { .time_ns = unix_ns(t, v->hdr->ktime_ns), .attrs = a };
	char addr[64], name[48];
	size_t n = 0;

	switch (v->hdr->type) {
	case BW_EV_CONNECT:
		addr_text(info->connect.family, info->connect.addr, addr, sizeof(addr));
		ev.name = "connect";
		a[n++] = attr_s("network.peer.address", addr);
		a[n++] = attr_i("network.peer.port", info->connect.port);
		a[n++] = attr_s("network.transport", info->connect.proto);
		if (info->connect.dns_name)
			a[n++] = attr_s("server.address", info->connect.dns_name);
		a[n++] = attr_i("buildwarden.result", info->connect.result);
		if (info->connect.dns_over)
			a[n++] = attr_s("buildwarden.dns_over", info->connect.dns_over);
		break;
	case BW_EV_DNS:
		if (v->dns->direction != BW_DNS_QUERY || !info->dns.qname)
			return; /* answers only name the addresses connects go to */
		addr_text(info->dns.server_family, info->dns.server, addr, sizeof(addr));
		ev.name = "dns.query";
		a[n++] = attr_s("dns.question.name", info->dns.qname);
		a[n++] = attr_s("dns.question.type", dns_type_name(info->dns.qtype));
		a[n++] = attr_s("network.peer.address", addr);
		if (info->dns.resolver)
			a[n++] = attr_s("buildwarden.resolver", info->dns.resolver);
		break;
	case BW_EV_FILE:
		snprintf(name, sizeof(name), "file.%s", info->file.op);
		ev.name = name;
		a[n++] = attr_s("file.path", info->file.path);
		if (info->file.path2)
			a[n++] = attr_s("buildwarden.file.target", info->file.path2);
		a[n++] = attr_i("buildwarden.result", v->file->ret);
		break;
	case BW_EV_PRIV:
		snprintf(name, sizeof(name), "privilege.%s", info->priv.op);
		ev.name = name;
		if (info->priv.target_pid)
			a[n++] = attr_i("buildwarden.target_pid", info->priv.target_pid);
		break;
	default:
		return;
	}
	ev.n_attrs = n;
	add_event(t, v->hdr->pid, v->hdr->start_ns, &ev);
}

void trace_job_record(struct trace_job *t, const struct bw_event_view *v,
		      const struct bw_event_info *info, const struct bw_proc *p)
{
	struct trace_attr a[2];
	struct trace_event ev = { .attrs = a };

	if (!t)
		return;
	ev.time_ns = unix_ns(t, v->hdr->ktime_ns);
	if (info) {
		hook_event(t, v, info);
		return;
	}
	if (v->hdr->type == BW_EV_EXEC) {
		/* the first exec names the span; later ones (a script's interpreter) are events */
		if (!p || p->n_execs < 2)
			return;
		ev.name = "process.exec";
		a[0] = attr_s("process.executable.path", v->exe ? v->exe : v->filename);
		ev.n_attrs = 1;
	} else if (v->hdr->type == BW_EV_EXEC_FAILED) {
		ev.name = "process.exec_failed";
		a[0] = attr_s("process.executable.path", v->filename);
		a[1] = attr_i("buildwarden.result", v->exec_failed->error);
		ev.n_attrs = 2;
	} else {
		return;
	}
	add_event(t, v->hdr->pid, v->hdr->start_ns, &ev);
}

void trace_job_verdict(struct trace_job *t, const struct verdict *v)
{
	struct trace_attr a[5];
	struct trace_event ev = { .name = "buildwarden.verdict", .attrs = a, .n_attrs = 0 };

	if (!t || !v->proc)
		return;
	ev.time_ns = unix_ns(t, v->ktime_ns);
	a[ev.n_attrs++] = attr_s("buildwarden.rule", policy_rule_name(v->rule));
	a[ev.n_attrs++] = attr_s("buildwarden.action", policy_action_name(v->taken));
	a[ev.n_attrs++] = attr_s("buildwarden.severity",
				 policy_severity_name(policy_rule_severity(v->rule)));
	a[ev.n_attrs++] = attr_b("buildwarden.blocked", v->blocked);
	if (v->on)
		a[ev.n_attrs++] = attr_s("buildwarden.on", v->on);
	add_event(t, v->proc->pid, v->proc->start_ns, &ev);
}

/* What a span says of its process, from the lineage table or, failing that, the exit record. */
struct span_facts {
	uint32_t pid, ppid;
	uint64_t start_ns;          /* identity */
	uint64_t begin_ns, end_ns;  /* monotonic */
	const struct bw_proc *parent;
	const struct bw_proc *p;    /* NULL: only the exit record */
	const char *comm;
	bool exited;
	uint32_t status;            /* wait status */
	bool still_running;
};

/* The redacted command line, arguments joined by spaces, cut at size. */
static void command_line(const struct bw_argv *argv, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < argv->n && len + 1 < size; i++) {
		if (i)
			out[len++] = ' ';
		len += redact_copy(argv->v[i], strlen(argv->v[i]), i ? argv->v[i - 1] : NULL,
				   out + len, size - len);
		if (len >= size)
			len = size - 1;
	}
	out[len] = '\0';
}

/* Error status and its message: denied or killed by a rule, killed by a signal, failed. */
static enum trace_status span_status(const struct span_facts *f, char *msg, size_t size)
{
	const struct bw_proc *p = f->p;

	if (p && p->ended_by_rule) {
		snprintf(msg, size, "%s by rule %s", p->blocked ? "denied" : "killed",
			 p->ended_by_rule);
		return TRACE_STATUS_ERROR;
	}
	if (!f->exited)
		return TRACE_STATUS_UNSET;
	if (WIFSIGNALED(f->status)) {
		snprintf(msg, size, "killed by signal %d", WTERMSIG(f->status));
		return TRACE_STATUS_ERROR;
	}
	if (WEXITSTATUS(f->status)) {
		snprintf(msg, size, "exit code %d", WEXITSTATUS(f->status));
		return TRACE_STATUS_ERROR;
	}
	return TRACE_STATUS_UNSET;
}

/* cicd.* and vcs.* where the CI says them: on the job's root span only. */
static void ci_attrs(const struct trace_job *t, struct trace_attr *a, size_t *n)
{
	const struct ci_job *ci = &t->ci;

	if (!t->has_ci || !strcmp(ci->provider, "local") || !*ci->provider)
		return;
	a[(*n)++] = attr_s("buildwarden.ci.provider", ci->provider);
	if (*ci->job)
		a[(*n)++] = attr_s("cicd.pipeline.task.name", ci->job);
	if (*ci->run_id)
		a[(*n)++] = attr_s("cicd.pipeline.run.id", ci->run_id);
	if (*ci->url)
		a[(*n)++] = attr_s("cicd.pipeline.task.run.url.full", ci->url);
	if (*ci->repository)
		a[(*n)++] = attr_s("vcs.repository.name", ci->repository);
}

static void emit_span(struct trace_job *t, const struct span_facts *f)
{
	struct trace_attr a[SPAN_ATTRS_MAX];
	struct trace_span s = { .attrs = a };
	struct pend *pe = pend_take(t, f->pid, f->start_ns);
	const struct bw_proc *p = f->p;
	char cmd[TRACE_CMDLINE_MAX], msg[160];
	const char *exe = p ? (p->exe && *p->exe ? p->exe : p->filename) : NULL;
	size_t n = 0;

	memcpy(s.trace_id, t->ctx.trace_id, TRACE_ID_LEN);
	trace_span_id(&t->ctx, t->job_id, f->pid, f->start_ns, s.span_id);
	if (f->parent) {
		trace_span_id(&t->ctx, t->job_id, f->parent->pid, f->parent->start_ns, s.parent_id);
		s.has_parent = true;
	} else if (t->ctx.joined) {
		memcpy(s.parent_id, t->ctx.parent_span, SPAN_ID_LEN);
		s.has_parent = true;
	}
	s.name = p && p->n_execs && p->filename ? path_basename(p->filename) : f->comm;
	if (!*s.name)
		s.name = "process";
	s.start_ns = unix_ns(t, f->begin_ns);
	s.end_ns = unix_ns(t, f->end_ns > f->begin_ns ? f->end_ns : f->begin_ns);
	a[n++] = attr_i("process.pid", f->pid);
	a[n++] = attr_i("process.parent_pid", f->parent ? f->parent->pid : f->ppid);
	if (exe && *exe) {
		a[n++] = attr_s("process.executable.path", exe);
		a[n++] = attr_s("process.executable.name", path_basename(exe));
	}
	if (p && p->argv.n) {
		command_line(&p->argv, cmd, sizeof(cmd));
		a[n++] = attr_s("process.command_line", cmd);
	}
	if (p && p->cwd)
		a[n++] = attr_s("process.working_directory", p->cwd);
	if (p && p->n_execs)
		a[n++] = attr_i("process.user.id", p->uid);
	if (f->exited && WIFEXITED(f->status))
		a[n++] = attr_i("process.exit.code", WEXITSTATUS(f->status));
	if (f->exited && WIFSIGNALED(f->status))
		a[n++] = attr_i("buildwarden.exit.signal", WTERMSIG(f->status));
	if (p && p->container)
		a[n++] = attr_s("container.id", p->container);
	a[n++] = attr_i("buildwarden.job.id", (int64_t)t->job_id);
	if (f->still_running)
		a[n++] = attr_b("buildwarden.still_running", true);
	if (pe && pe->dropped)
		a[n++] = attr_i("buildwarden.dropped_events", pe->dropped);
	if (!f->parent)
		ci_attrs(t, a, &n);
	s.n_attrs = n;
	if (pe) {
		s.events = pe->ev.buf;
		s.events_len = pe->ev.len;
		s.dropped_events = pe->dropped;
	}
	s.status = span_status(f, msg, sizeof(msg));
	s.status_msg = s.status == TRACE_STATUS_ERROR ? msg : NULL;
	pb_reset(&t->span);
	trace_encode_span(&t->span, t->proto, &s);
	if (t->span.oom) {
		t->st.spans_failed++;
	} else {
		otlp_submit_span(t->out, t->span.buf, t->span.len);
		t->st.spans++;
		t->st.still_running += f->still_running;
	}
	if (pe)
		pend_free(pe);
}

static void facts_of(struct span_facts *f, const struct bw_proc *p)
{
	f->p = p;
	f->pid = p->pid;
	f->start_ns = p->start_ns;
	f->ppid = p->ppid;
	f->parent = p->parent;
	/* a job root was not forked under watch: its span starts when it started */
	f->begin_ns = p->fork_ns ? p->fork_ns : p->start_ns;
	f->comm = p->comm;
	f->exited = p->exited;
	f->status = p->exit_status;
}

void trace_job_exit(struct trace_job *t, const struct bw_exit_event *x, const struct bw_proc *p)
{
	struct span_facts f = { 0 };

	if (!t)
		return;
	if (p) {
		facts_of(&f, p);
	} else {
		f.pid = x->hdr.pid;
		f.start_ns = f.begin_ns = x->hdr.start_ns;
		f.ppid = x->ppid;
		f.comm = x->comm;
		f.exited = true;
		f.status = x->exit_status;
	}
	f.end_ns = x->hdr.ktime_ns;
	f.exited = true;
	f.status = x->exit_status;
	emit_span(t, &f);
}

void trace_job_end(struct trace_job *t, const struct bw_proctab *tab, uint64_t end_ns)
{
	struct span_facts f;

	if (!t)
		return;
	for (size_t b = 0; b < tab->n_buckets; b++) {
		for (const struct bw_proc *p = tab->buckets[b]; p; p = p->hnext) {
			if (p->exited)
				continue;
			memset(&f, 0, sizeof(f));
			facts_of(&f, p);
			f.end_ns = end_ns;
			f.still_running = true;
			emit_span(t, &f);
		}
	}
}
