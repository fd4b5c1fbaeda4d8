// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "events/dns_shape.h"
#include "events/doh_endpoints.h"
#include "events/netinfo.h"
#include "lib/path.h"
#include "lib/record_names.h"
#include "lib/redact.h"

#define AT_FDCWD_VALUE -100

int dns_cache_init(struct dns_cache *c)
{
	c->malformed = 0;
	c->slots = calloc(DNS_CACHE_SLOTS, sizeof(*c->slots));
	return c->slots ? 0 : -ENOMEM;
}

void dns_cache_free(struct dns_cache *c)
{
	free(c->slots);
	c->slots = NULL;
}

static size_t slot_of(uint64_t job_id, uint16_t family, const uint8_t addr[16])
{
	uint64_t h = job_id * 0x9e3779b97f4a7c15ULL ^ family;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 0x100000001b3ULL;
	return (size_t)(h % DNS_CACHE_SLOTS);
}

static void dns_cache_learn(struct dns_cache *c, uint64_t job_id, const struct dns_msg *m)
{
	size_t i;

	if (!c->slots || !m->response || !m->qname[0])
		return;
	for (i = 0; i < m->n_answers; i++) {
		const struct dns_answer *a = &m->answers[i];
		uint16_t family = a->type == DNS_TYPE_A ? AF_INET : AF_INET6;
		struct dns_cache_entry *e;

		if (a->type != DNS_TYPE_A && a->type != DNS_TYPE_AAAA)
			continue;
		e = &c->slots[slot_of(job_id, family, a->addr)];
		e->job_id = job_id;
		e->family = family;
		memcpy(e->addr, a->addr, sizeof(e->addr));
		/* The name asked for, not the CNAME target: what the code meant. */
		snprintf(e->name, sizeof(e->name), "%s", m->qname);
	}
}

static const char *dns_cache_lookup(const struct dns_cache *c, uint64_t job_id, uint16_t family,
			     const uint8_t addr[16])
{
	const struct dns_cache_entry *e;

	if (!c->slots)
		return NULL;
	e = &c->slots[slot_of(job_id, family, addr)];
	if (e->job_id != job_id || e->family != family || memcmp(e->addr, addr, 16) || !e->name[0])
		return NULL;
	return e->name;
}

static void netinfo_addr_text(uint16_t family, const uint8_t addr[16], char *buf, size_t size)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

/*
 * A caller's name made absolute with the directory it is relative to (the
 * cwd, or the directory descriptor's directory the kernel sent), and its
 * "." and ".." resolved, so /tmp/../etc/cron.d/x is tested as what it is.
 * The kernel's own path of a descriptor is already both.
 */
static const char *absolute(const struct bw_event_view *v, const char *p, char *buf, size_t size)
{
	bool base_ok = v->file->dirfd == AT_FDCWD_VALUE || (v->file->flags & BW_FILE_BASE_DIRFD);
	char joined[PATH_MAX * 2];
	const char *abs = p;

	if (!p || (v->file->flags & BW_FILE_RESOLVED))
		return p;
	if (p[0] != '/') {
		if (!base_ok || !v->cwd || v->cwd[0] != '/' ||
		    (size_t)snprintf(joined, sizeof(joined), "%s/%s", v->cwd, p) >= sizeof(joined))
			return p;
		abs = joined;
	}
	/* Too long for buf: the caller's name as it was, never half a path. */
	return path_normalize(abs, buf, size) ? buf : p;
}

static void dns_label_shape(struct bw_dns_info *d)
{
	struct dns_shape sh;

	dns_shape_of(d->qname, &sh);
	d->label_len = sh.label_len;
	d->label_entropy = sh.label_entropy;
}

void netinfo_decode(struct netinfo *ni, const struct bw_event_view *v, struct dns_cache *c)
{
	memset(&ni->info, 0, sizeof(ni->info));
	ni->dns_err = 0;
	switch (v->hdr->type) {
	case BW_EV_CONNECT:
		ni->info.kind = BW_ON_CONNECT;
		ni->info.connect.family = v->connect->family;
		memcpy(ni->info.connect.addr, v->connect->addr, 16);
		ni->info.connect.port = v->connect->port;
		ni->info.connect.proto = sock_proto_name(v->connect->sock_type);
		ni->info.connect.result = v->connect->ret;
		ni->info.connect.dns_name = dns_cache_lookup(c, v->hdr->job_id, v->connect->family,
							     v->connect->addr);
		ni->info.connect.dns_over = doh_label(v->connect->family, v->connect->addr,
						      v->connect->port, ni->info.connect.proto,
						      ni->info.connect.dns_name);
		netinfo_addr_text(v->connect->family, v->connect->addr, ni->addr_text,
				  sizeof(ni->addr_text));
		break;
	case BW_EV_DNS:
		ni->info.kind = BW_ON_DNS;
		ni->dns_err = dns_parse(v->payload, v->payload_len, &ni->dns);
		if (ni->dns_err)
			c->malformed++;
		else if (v->dns->direction == BW_DNS_ANSWER)
			dns_cache_learn(c, v->hdr->job_id, &ni->dns);
		ni->info.dns.qname = ni->dns.qname;
		ni->info.dns.qtype = ni->dns.qtype;
		dns_label_shape(&ni->info.dns);
		ni->info.dns.server_family = v->dns->family;
		memcpy(ni->info.dns.server, v->dns->addr, sizeof(ni->info.dns.server));
		netinfo_addr_text(v->dns->family, v->dns->addr, ni->addr_text, sizeof(ni->addr_text));
		break;
	case BW_EV_FILE:
		ni->info.kind = BW_ON_FILE;
		ni->info.file.op = file_op_name(v->file->op, v->file->flags);
		ni->info.file.path = absolute(v, v->path, ni->path_buf, sizeof(ni->path_buf));
		if (v->file->op == BW_FILE_SETXATTR) {
			ni->info.file.xattr = v->path2; /* a name, not a path */
		} else if (v->file->op == BW_FILE_SYMLINK) {
			/* Text, resolved from the link's directory when followed. */
			ni->info.file.link_target = v->path2;
		} else {
			ni->info.file.path2 = absolute(v, v->path2, ni->path2_buf,
						       sizeof(ni->path2_buf));
		}
		if (v->file->op == BW_FILE_CHMOD)
			ni->info.file.mode = v->file->open_flags & 07777;
		ni->info.file.append = v->file->op == BW_FILE_OPEN && (v->file->flags & BW_FILE_WRITE) &&
				       (v->file->open_flags & O_APPEND) &&
				       !(v->file->open_flags & O_TRUNC);
		break;
	case BW_EV_PRIV:
		ni->info.kind = BW_ON_PRIVILEGE;
		ni->info.priv.op = priv_op_name(v->priv->op);
		ni->info.priv.target_pid = v->priv->target_pid;
		break;
	}
}

static bool unspecified(const uint8_t addr[16])
{
	static const uint8_t zero[16];

	return !memcmp(addr, zero, sizeof(zero));
}

/*
 * The ports of c's address refused to the job so far, c's included: a
 * scan (a loop over /dev/tcp, connect_ex) meets closed ports one after
 * another; a build waiting for a service retries the same one.
 */
static uint32_t refused_port(struct dns_job_state *st, const struct bw_connect_info *c)
{
	char host[INET6_ADDRSTRLEN], key[INET6_ADDRSTRLEN + 8];

	netinfo_addr_text(c->family, c->addr, host, sizeof(host));
	snprintf(key, sizeof(key), "%s:%u", host, c->port);
	return dns_tally_add(&st->refused, key, host);
}

void netinfo_dns_context(struct netinfo *ni, const struct bw_event_view *v,
			 const struct resolvers *r, struct dns_job_state *st)
{
	struct bw_dns_info *d = &ni->info.dns;
	const struct bw_connect_info *c = &ni->info.connect;

	if (v->hdr->type == BW_EV_CONNECT && c->port == 53 && c->proto && !strcmp(c->proto, "udp"))
		dns_peers_connect(&st->peers, v->hdr->pid, v->hdr->start_ns, c->family, c->addr);
	if (v->hdr->type == BW_EV_CONNECT && c->result == -ECONNREFUSED)
		ni->info.connect.refused_ports = refused_port(st, c);
	if (v->hdr->type != BW_EV_DNS || v->dns->direction != BW_DNS_QUERY || ni->dns_err ||
	    !d->qname[0])
		return;
	/* A connected socket's query: its server is the socket's peer; when
	 * that connect was not seen, the server stays unknown. */
	if (unspecified(d->server) &&
	    !dns_peers_find(&st->peers, v->hdr->pid, v->hdr->start_ns, &d->server_family, d->server))
		d->resolver = NULL;
	else
		d->resolver = resolvers_configured(r, d->server_family, d->server) ? "configured"
										   : "other";
	d->subdomains = dns_tally_add(&st->tally, d->qname, dns_registrable(d->qname));
}

void dns_job_state_free(struct dns_job_state *st)
{
	dns_tally_free(&st->tally);
	dns_tally_free(&st->refused);
	dns_peers_free(&st->peers);
}

static void json_errno(struct jbuf *jb, int ret)
{
	const char *name = ret < 0 ? strerrorname_np(-ret) : NULL;

	if (name)
		json_kv_str(jb, "errno", name);
	else
		json_kv_null(jb, "errno");
}

static void json_connect(struct jbuf *jb, const struct netinfo *ni, const struct bw_event_view *v)
{
	const struct bw_connect_info *ci = &ni->info.connect;

	json_kv_str(jb, "family", ci->family == AF_INET6 ? "ipv6" : "ipv4");
	json_kv_str(jb, "address", ni->addr_text);
	json_kv_u64(jb, "port", ci->port);
	json_kv_str(jb, "proto", ci->proto);
	json_kv_str(jb, "dns_name", ci->dns_name);
	json_kv_str(jb, "dns_over", ci->dns_over);
	json_kv_i64(jb, "result", ci->result);
	json_errno(jb, ci->result);
	json_kv_i64(jb, "fd", v->connect->fd);
	json_kv_strn(jb, "comm", v->connect->comm, strnlen(v->connect->comm, BW_COMM_LEN));
}

/* What the exfiltration conditions of a rule on: dns test (docs/EVENTS.md). */
static void json_dns_shape(struct jbuf *jb, const struct bw_dns_info *d)
{
	char num[32];
	int n;

	json_kv_u64(jb, "label_length", d->label_len);
	n = snprintf(num, sizeof(num), "%u.%03u", d->label_entropy / 1000, d->label_entropy % 1000);
	json_kv_raw(jb, "label_entropy", num, (size_t)n);
	json_kv_u64(jb, "subdomains", d->subdomains);
	json_kv_str(jb, "resolver", d->resolver);
}

static void json_dns(struct jbuf *jb, const struct netinfo *ni, const struct bw_event_view *v)
{
	const struct dns_msg *m = &ni->dns;
	const char *tn = dns_type_name(m->qtype);
	char addr[64];
	size_t i;

	json_kv_str(jb, "direction", v->dns->direction == BW_DNS_ANSWER ? "answer" : "query");
	json_kv_str(jb, "server", ni->addr_text);
	json_kv_u64(jb, "server_port", v->dns->port);
	json_kv_u64(jb, "captured_len", v->dns->len);
	json_kv_u64(jb, "total_len", v->dns->total_len);
	json_kv_strn(jb, "comm", v->dns->comm, strnlen(v->dns->comm, BW_COMM_LEN));
	if (v->dns->flags & BW_DNS_F_COMPAT)
		json_kv_bool(jb, "compat", true);
	if (ni->dns_err) {
		json_kv_str(jb, "malformed", dns_strerror(ni->dns_err));
		return;
	}
	json_kv_u64(jb, "id", m->id);
	json_kv_str(jb, "qname", m->qname);
	if (tn)
		json_kv_str(jb, "qtype", tn);
	else
		json_kv_u64(jb, "qtype", m->qtype);
	json_kv_u64(jb, "rcode", m->rcode);
	json_kv_bool(jb, "truncated", m->truncated);
	if (v->dns->direction == BW_DNS_QUERY)
		json_dns_shape(jb, &ni->info.dns);
	json_arr_open(jb, "answers");
	for (i = 0; i < m->n_answers; i++) {
		const struct dns_answer *a = &m->answers[i];

		json_obj_open(jb);
		json_kv_str(jb, "type", dns_type_name(a->type));
		json_kv_str(jb, "name", a->name);
		if (a->type == DNS_TYPE_CNAME) {
			json_kv_str(jb, "cname", a->cname);
		} else {
			netinfo_addr_text(a->type == DNS_TYPE_AAAA ? AF_INET6 : AF_INET, a->addr, addr,
					  sizeof(addr));
			json_kv_str(jb, "address", addr);
		}
		json_kv_u64(jb, "ttl", a->ttl);
		json_obj_close(jb);
	}
	json_arr_close(jb);
}

static void json_file(struct jbuf *jb, const struct netinfo *ni, const struct bw_event_view *v)
{
	const struct bw_file_event *e = v->file;
	char mode[16];

	json_kv_str(jb, "op", ni->info.file.op);
	redact_json_str(jb, "path", ni->info.file.path);
	redact_json_str(jb, "path2", ni->info.file.path2);
	if (e->op == BW_FILE_CHMOD) {
		snprintf(mode, sizeof(mode), "%04o", ni->info.file.mode);
		json_kv_str(jb, "mode", mode);
	} else if (e->op == BW_FILE_SETXATTR) {
		json_kv_str(jb, "name", ni->info.file.xattr);
	} else if (e->op == BW_FILE_SYMLINK) {
		redact_json_str(jb, "target", ni->info.file.link_target);
	}
	redact_json_str(jb, "cwd", e->flags & BW_FILE_BASE_DIRFD ? NULL : v->cwd);
	json_kv_bool(jb, "resolved", e->flags & BW_FILE_RESOLVED);
	if (e->dirfd != AT_FDCWD_VALUE) {
		json_kv_i64(jb, "dirfd", e->dirfd);
		if (e->flags & BW_FILE_BASE_DIRFD)
			redact_json_str(jb, "dirfd_path", v->cwd);
	}
	json_kv_u64(jb, "open_flags", e->open_flags);
	json_kv_i64(jb, "result", e->ret < 0 ? e->ret : 0);
	json_errno(jb, e->ret);
	json_kv_bool(jb, "truncated", e->flags & BW_FILE_TRUNCATED);
	if (ni->info.file.tracked)
		json_kv_bool(jb, "tracked", true);
	if (e->flags & BW_FILE_COMPAT)
		json_kv_bool(jb, "compat", true);
	if (e->flags & BW_FILE_HELD) {
		json_kv_bool(jb, "held", true);
		json_kv_i64(jb, "fd", e->ret);
	}
	if (ni->info.file.target_pid) {
		json_kv_u64(jb, "target_pid", ni->info.file.target_pid);
		json_kv_bool(jb, "target_in_job", ni->info.file.target_in_job);
	}
	json_kv_strn(jb, "comm", e->comm, strnlen(e->comm, BW_COMM_LEN));
}

static void json_priv(struct jbuf *jb, const struct netinfo *ni, const struct bw_event_view *v)
{
	const struct bw_priv_event *e = v->priv;
	int i;

	json_kv_str(jb, "op", ni->info.priv.op);
	if (e->op == BW_PRIV_VM_ACCESS)
		json_kv_bool(jb, "write", e->args[0] == 1);
	json_kv_u64(jb, "syscall_nr", e->syscall_nr);
	if (e->flags & BW_PRIV_F_COMPAT)
		json_kv_bool(jb, "compat", true);
	json_arr_open(jb, "args");
	for (i = 0; i < 3; i++)
		json_kv_u64(jb, NULL, e->args[i]);
	json_arr_close(jb);
	if (e->target_pid)
		json_kv_u64(jb, "target_pid", e->target_pid);
	else
		json_kv_null(jb, "target_pid");
	json_kv_bool(jb, "target_in_job", ni->info.priv.target_in_job);
	json_kv_str(jb, "string", v->str);
	json_kv_strn(jb, "comm", e->comm, strnlen(e->comm, BW_COMM_LEN));
}

void netinfo_json_record(struct jbuf *jb, const struct netinfo *ni, const struct bw_event_view *v,
			 uint64_t seq, const struct bw_clock *clk)
{
	event_json_begin_view(jb, v, seq, clk);
	netinfo_json(jb, ni, v);
	json_obj_close(jb);
}

void netinfo_json(struct jbuf *jb, const struct netinfo *ni, const struct bw_event_view *v)
{
	switch (v->hdr->type) {
	case BW_EV_CONNECT: json_connect(jb, ni, v); break;
	case BW_EV_DNS: json_dns(jb, ni, v); break;
	case BW_EV_FILE: json_file(jb, ni, v); break;
	case BW_EV_PRIV: json_priv(jb, ni, v); break;
	}
}
