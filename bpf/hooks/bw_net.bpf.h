/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Network egress of watched jobs: every connect() with its result, and DNS
 * payloads sent to or received from port 53 (queries from sendto, sendmsg
 * and sendmmsg, answers from recvfrom and recvmsg), captured up to
 * BW_DNS_MAX bytes for userspace to parse. Sockaddrs and payloads are read
 * from the caller's memory, which the syscall itself is about to read (on
 * entry) or has just written (on exit), so it is resident.
 */
#ifndef BW_NET_BPF_H
#define BW_NET_BPF_H

#include "lib/bw_fd.bpf.h"


#define AF_INET 2
#define AF_INET6 10
#define DNS_PORT 53

/* A syscall in flight, keyed by tid: what its exit needs. */
struct bw_net_call {
	__u64 buf;   /* recv buffer or msghdr */
	__u64 addr;  /* sockaddr pointer (connect, recvfrom) */
	__s32 fd;
	__u32 kind;  /* NET_CONNECT, NET_RECVFROM, NET_RECVMSG */
	__u16 peer_family; /* for connected sockets, from the socket */
	__u16 peer_port;
	__u32 compat; /* a 32-bit caller: buf's msghdr is a struct bw_msghdr32 */
	__u8 sa[sizeof(struct bw_sockaddr)]; /* connect's sockaddr, copied at entry */
};

enum { NET_CONNECT = 1, NET_RECVFROM, NET_RECVMSG, NET_READ };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct bw_net_call);
} net_calls SEC(".maps");

struct bw_dns_scratch {
	__u8 buf[sizeof(struct bw_dns_event) + BW_DNS_MAX * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_dns_scratch);
} dns_scratch SEC(".maps");

/*
 * Whether a job process has connected a socket to port 53 since the agent
 * started (set here, at the connect; by userspace for processes it adopts
 * with their sockets). Until then no write or read can be DNS on a
 * connected socket, and those hot syscalls return after this one inlined
 * array lookup instead of the job lookup and the fd walk.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} dns_connected SEC(".maps");

static __always_inline __u32 *bw_dns_flag(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&dns_connected, &zero);
}

static __always_inline int bw_dns_connected(void)
{
	__u32 *v = bw_dns_flag();

	return v && *v;
}

/* Whether sock's peer is a DNS server (port 53); its family in *family. */
static __always_inline int bw_sock_dns_peer(struct socket *sock, __u16 *family)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);

	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	return bw_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)) == DNS_PORT;
}

static __always_inline void bw_fill_sockaddr(struct bw_sockaddr *sa, __u8 addr[16], __u16 *family,
					     __u16 *port)
{
	__builtin_memset(addr, 0, 16);
	*family = sa->family;
	*port = bw_ntohs(sa->port);
	if (sa->family == AF_INET)
		__builtin_memcpy(addr, &sa->v4_or_flowinfo, 4);
	else if (sa->family == AF_INET6)
		__builtin_memcpy(addr, sa->v6, 16);
}

/*
 * Connects are followed with the connect hook on (records), with the
 * file hook on (a process that reached a network peer has its writes
 * reported: BW_PROC_NET, see bw_file.bpf.h), and with the DNS hook on (a
 * socket connected to port 53 turns on the write/read checks).
 */
#define BW_CONNECT_HOOKS (BW_HOOK_CONNECT | BW_HOOK_FILE | BW_HOOK_DNS)

/* sys_enter_connect */
static __always_inline int handle_connect_enter(struct bw_sys_enter_ctx *ctx)
{
	struct bw_net_call call = { .fd = (__s32)ctx->args[0], .kind = NET_CONNECT,
				    .compat = ctx->compat };
	__u32 tid = bw_tid();

	struct bw_sockaddr *sa = (struct bw_sockaddr *)call.sa;

	if (!bw_hook_job(BW_CONNECT_HOOKS))
		return 0;
	if (bpf_probe_read_user(call.sa, sizeof(call.sa), (void *)ctx->args[1]))
		return 0;
	/* Before the kernel connects: no write on the socket can come first. */
	if ((sa->family == AF_INET || sa->family == AF_INET6) && bw_ntohs(sa->port) == DNS_PORT) {
		__u32 *dns = bw_dns_flag();

		if (dns && !*dns)
			*dns = 1;
	}
	if (bpf_map_update_elem(&net_calls, &tid, &call, BPF_ANY))
		bw_count(BW_CNT_CALL_DROPPED);
	return 0;
}

/*
 * An IPv4/IPv6 peer other than a DNS server, reached or being reached
 * (a non-blocking connect under way): from now on until its next exec the
 * process may write what came from the network. A refused connect does
 * not count; DNS does not, or every resolver would. 1 when the process
 * has just become one (bw_held_writes then reports what it holds open).
 */
static __always_inline int bw_mark_net(struct bw_proc_state *st, struct bw_sockaddr *sa, long ret)
{
	if ((sa->family != AF_INET && sa->family != AF_INET6) || bw_ntohs(sa->port) == DNS_PORT ||
	    (ret != 0 && ret != -115 /* EINPROGRESS */) || (st->flags & BW_PROC_NET))
		return 0;
	st->flags |= BW_PROC_NET;
	return 1;
}

/* sys_exit_connect: 1 when the process has just reached its first network peer. */
static __always_inline int handle_connect_exit(struct bw_sys_exit_ctx *ctx)
{
	__u32 tid = bw_tid();
	struct bw_net_call *call = bpf_map_lookup_elem(&net_calls, &tid);
	struct bw_proc_state *st;
	struct bw_connect_event ev;
	struct bw_sockaddr *sa;
	struct socket *sock;
	__u32 *dns;
	__u16 family;
	int fresh = 0;

	if (!call)
		return 0;
	sa = (struct bw_sockaddr *)call->sa;
	if (call->kind != NET_CONNECT)
		goto done;
	sock = bw_socket_of(call->fd);
	/* The peer the kernel connected, should the sockaddr have changed under us. */
	dns = bw_dns_flag();
	if (dns && !*dns && sock && bw_sock_dns_peer(sock, &family))
		*dns = 1;
	st = bw_hook_job(BW_HOOK_FILE);
	if (st)
		fresh = bw_mark_net(st, sa, ctx->ret);
	st = bw_hook_job(BW_HOOK_CONNECT);
	if (!st || (sa->family != AF_INET && sa->family != AF_INET6))
		goto done;
	bw_fill_sockaddr(sa, ev.addr, &ev.family, &ev.port);
	ev.ret = (__s32)ctx->ret;
	ev.fd = call->fd;
	ev.sock_type = sock ? (__u32)BPF_CORE_READ(sock, type) : 0;
	bpf_get_current_comm(ev.comm, sizeof(ev.comm));
	bw_fill_header(&ev.hdr, BW_EV_CONNECT, sizeof(ev), (void *)bpf_get_current_task(),
		       st->job_id);
	bw_submit(&ev, sizeof(ev));
done:
	bpf_map_delete_elem(&net_calls, &tid);
	return fresh;
}

/*
 * write()/read() on a UDP socket connected to port 53: Go's resolver and
 * busybox send and receive DNS this way. Every other write or read of a job
 * process costs the job lookup and an fd-to-inode walk, only with DNS on.
 */
static __always_inline int bw_dns_fd(int fd, __u16 *family)
{
	struct socket *sock = bw_checked_socket_of(fd);

	if (!sock || BPF_CORE_READ(sock, type) != 2 /* SOCK_DGRAM */)
		return 0;
	return bw_sock_dns_peer(sock, family);
}

/* The peer of a connected socket, when it is a DNS server. */
static __always_inline int bw_dns_peer(int fd, __u16 *family)
{
	struct socket *sock = bw_socket_of(fd);

	return sock && bw_sock_dns_peer(sock, family);
}

/* Copies len bytes of a DNS payload at ubuf and submits it. */
static __always_inline void bw_dns_emit(struct bw_proc_state *st, __u32 direction, __u64 ubuf,
					__u64 len, struct bw_sockaddr *sa, __u16 peer_family,
					__u32 compat)
{
	__u32 zero = 0, n = len > BW_DNS_MAX ? BW_DNS_MAX : (__u32)len;
	struct bw_dns_scratch *s = bpf_map_lookup_elem(&dns_scratch, &zero);
	struct bw_dns_event *ev;
	__u32 size;

	if (!s || !n)
		return;
	ev = (void *)s->buf;
	if (sa) {
		bw_fill_sockaddr(sa, ev->addr, &ev->family, &ev->port);
	} else {
		__builtin_memset(ev->addr, 0, sizeof(ev->addr));
		ev->family = peer_family;
		ev->port = DNS_PORT;
	}
	ev->direction = direction;
	ev->total_len = (__u32)len;
	ev->flags = compat ? BW_DNS_F_COMPAT : 0;
	barrier_var(n);
	if (bpf_probe_read_user(ev->data, n & (BW_DNS_MAX * 2 - 1), (void *)ubuf))
		return;
	ev->len = n;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	size = sizeof(*ev) + (n & (BW_DNS_MAX * 2 - 1));
	if (size > sizeof(*s))
		return;
	bw_fill_header(&ev->hdr, BW_EV_DNS, size, (void *)bpf_get_current_task(), st->job_id);
	bw_submit(ev, size);
}

/* sendto with an address, or on a socket connected to port 53. */
/* sys_enter_sendto */
static __always_inline int handle_sendto_enter(struct bw_sys_enter_ctx *ctx)
{
	struct bw_proc_state *st = bw_hook_job(BW_HOOK_DNS);
	struct bw_sockaddr sa = {};
	__u16 family = 0;

	if (!st)
		return 0;
	if (ctx->args[4]) {
		if (bpf_probe_read_user(&sa, sizeof(sa), (void *)ctx->args[4]) ||
		    bw_ntohs(sa.port) != DNS_PORT)
			return 0;
		bw_dns_emit(st, BW_DNS_QUERY, ctx->args[1], ctx->args[2], &sa, 0, ctx->compat);
	} else if (bw_dns_peer((int)ctx->args[0], &family)) {
		bw_dns_emit(st, BW_DNS_QUERY, ctx->args[1], ctx->args[2], NULL, family,
			    ctx->compat);
	}
	return 0;
}

/*
 * A caller's msghdr and its first iovec, in the 64-bit layout: a 32-bit
 * caller's (compat_msghdr, compat_iovec: 32-bit pointers and lengths) are
 * widened. Returns 0 when both were read.
 */
static __always_inline int bw_read_msghdr(__u64 umsg, __u32 compat, struct bw_msghdr *m,
					  struct bw_iovec *iov)
{
	struct bw_msghdr32 m32;
	struct bw_iovec32 iov32;

	if (!compat) {
		if (bpf_probe_read_user(m, sizeof(*m), (void *)umsg) || !m->iov || !m->iovlen)
			return -1;
		return bpf_probe_read_user(iov, sizeof(*iov), (void *)m->iov) ? -1 : 0;
	}
	if (bpf_probe_read_user(&m32, sizeof(m32), (void *)umsg) || !m32.iov || !m32.iovlen ||
	    bpf_probe_read_user(&iov32, sizeof(iov32), (void *)(__u64)m32.iov))
		return -1;
	m->name = m32.name;
	m->namelen = m32.namelen;
	m->iov = m32.iov;
	m->iovlen = m32.iovlen;
	iov->base = iov32.base;
	iov->len = iov32.len;
	return 0;
}

static __always_inline void bw_dns_msghdr(struct bw_proc_state *st, int fd, __u64 umsg,
					  __u32 direction, __u64 len_limit, __u32 compat)
{
	struct bw_sockaddr sa = {};
	struct bw_msghdr m;
	struct bw_iovec iov;
	__u16 family = 0;
	int named = 0;

	if (bw_read_msghdr(umsg, compat, &m, &iov))
		return;
	if (m.name && m.namelen >= 4) {
		if (bpf_probe_read_user(&sa, sizeof(sa), (void *)m.name) ||
		    bw_ntohs(sa.port) != DNS_PORT)
			return;
		named = 1;
	} else if (!bw_dns_peer(fd, &family)) {
		return;
	}
	if (len_limit && iov.len > len_limit)
		iov.len = len_limit;
	bw_dns_emit(st, direction, iov.base, iov.len, named ? &sa : NULL, family, compat);
}

/* sys_enter_sendmsg */
static __always_inline int handle_sendmsg_enter(struct bw_sys_enter_ctx *ctx)
{
	struct bw_proc_state *st = bw_hook_job(BW_HOOK_DNS);

	if (st)
		bw_dns_msghdr(st, (int)ctx->args[0], ctx->args[1], BW_DNS_QUERY, 0, ctx->compat);
	return 0;
}

/* glibc sends the A and AAAA queries together: look at the first two. */
/* sys_enter_sendmmsg */
static __always_inline int handle_sendmmsg_enter(struct bw_sys_enter_ctx *ctx)
{
	struct bw_proc_state *st = bw_hook_job(BW_HOOK_DNS);
	/*
	 * struct mmsghdr is a msghdr followed by an unsigned int, padded to 64
	 * bytes; a 32-bit caller's, to 32 (28 + 4).
	 */
	__u64 vec = ctx->args[1], vlen = ctx->args[2];
	__u64 stride = ctx->compat ? sizeof(struct bw_msghdr32) + 4 : sizeof(struct bw_msghdr) + 8;

	if (!st || !vlen)
		return 0;
	bw_dns_msghdr(st, (int)ctx->args[0], vec, BW_DNS_QUERY, 0, ctx->compat);
	if (vlen > 1)
		bw_dns_msghdr(st, (int)ctx->args[0], vec + stride, BW_DNS_QUERY, 0, ctx->compat);
	return 0;
}

static __always_inline int bw_recv_enter(__u32 kind, int fd, __u64 buf, __u64 addr,
					 __u32 compat)
{
	struct bw_net_call call = { .fd = fd, .kind = kind, .buf = buf, .addr = addr,
				    .compat = compat };
	__u32 tid = bw_tid();
	__u16 family = 0;

	if (!bw_hook_job(BW_HOOK_DNS))
		return 0;
	/* Keep only what can be DNS: a peer on port 53, or a source to read back. */
	if (bw_dns_peer(fd, &family)) {
		call.peer_family = family;
		call.peer_port = DNS_PORT;
	} else if (kind == NET_RECVFROM && !addr) {
		return 0;
	}
	if (bpf_map_update_elem(&net_calls, &tid, &call, BPF_ANY))
		bw_count(BW_CNT_CALL_DROPPED);
	return 0;
}

/* sys_enter_recvfrom */
static __always_inline int handle_recvfrom_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_recv_enter(NET_RECVFROM, (int)ctx->args[0], ctx->args[1], ctx->args[4],
			     ctx->compat);
}

/* sys_enter_recvmsg */
static __always_inline int handle_recvmsg_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_recv_enter(NET_RECVMSG, (int)ctx->args[0], ctx->args[1], 0, ctx->compat);
}

static __always_inline int bw_recv_exit(long ret, __u32 kind)
{
	__u32 tid = bw_tid();
	struct bw_net_call *call = bpf_map_lookup_elem(&net_calls, &tid);
	struct bw_proc_state *st;
	struct bw_sockaddr sa = {};

	if (!call)
		return 0;
	st = bw_hook_job(BW_HOOK_DNS);
	if (!st || ret <= 0 || call->kind != kind)
		goto done;
	if (kind == NET_RECVMSG) {
		bw_dns_msghdr(st, call->fd, call->buf, BW_DNS_ANSWER, (__u64)ret, call->compat);
		goto done;
	}
	if (call->addr) {
		/* The kernel just wrote the source address: is it a DNS server? */
		if (bpf_probe_read_user(&sa, sizeof(sa), (void *)call->addr) ||
		    bw_ntohs(sa.port) != DNS_PORT)
			goto done;
		bw_dns_emit(st, BW_DNS_ANSWER, call->buf, (__u64)ret, &sa, 0, call->compat);
	} else if (call->peer_port == DNS_PORT) {
		bw_dns_emit(st, BW_DNS_ANSWER, call->buf, (__u64)ret, NULL, call->peer_family,
			    call->compat);
	}
done:
	bpf_map_delete_elem(&net_calls, &tid);
	return 0;
}

/* sys_exit_recvfrom */
static __always_inline int handle_recvfrom_exit(struct bw_sys_exit_ctx *ctx)
{
	return bw_recv_exit(ctx->ret, NET_RECVFROM);
}

/* sys_exit_recvmsg */
static __always_inline int handle_recvmsg_exit(struct bw_sys_exit_ctx *ctx)
{
	return bw_recv_exit(ctx->ret, NET_RECVMSG);
}

/* sys_enter_write */
static __always_inline int handle_write_enter(struct bw_sys_enter_ctx *ctx)
{
	struct bw_proc_state *st;
	__u16 family = 0;

	if (!bw_dns_connected())
		return 0;
	st = bw_hook_job(BW_HOOK_DNS);
	if (st && bw_dns_fd((int)ctx->args[0], &family))
		bw_dns_emit(st, BW_DNS_QUERY, ctx->args[1], ctx->args[2], NULL, family,
			    ctx->compat);
	return 0;
}

/* sys_enter_read */
static __always_inline int handle_read_enter(struct bw_sys_enter_ctx *ctx)
{
	struct bw_net_call call = { .fd = (int)ctx->args[0], .kind = NET_READ, .buf = ctx->args[1],
				    .compat = ctx->compat };
	__u32 tid = bw_tid();
	__u16 family = 0;

	if (!bw_dns_connected() || !bw_hook_job(BW_HOOK_DNS) || !bw_dns_fd(call.fd, &family))
		return 0;
	call.peer_family = family;
	call.peer_port = DNS_PORT;
	if (bpf_map_update_elem(&net_calls, &tid, &call, BPF_ANY))
		bw_count(BW_CNT_CALL_DROPPED);
	return 0;
}

/* sys_exit_read: only reads that the entry kept (DNS sockets) find a call. */
static __always_inline int handle_read_exit(struct bw_sys_exit_ctx *ctx)
{
	__u32 tid;
	struct bw_net_call *call;
	struct bw_proc_state *st;

	if (!bw_dns_connected())
		return 0; /* then no read entry kept a call */
	tid = bw_tid();
	call = bpf_map_lookup_elem(&net_calls, &tid);
	if (!call)
		return 0;
	st = bw_hook_job(BW_HOOK_DNS);
	if (st && call->kind == NET_READ && ctx->ret > 0)
		bw_dns_emit(st, BW_DNS_ANSWER, call->buf, (__u64)ctx->ret, NULL, call->peer_family,
			    call->compat);
	bpf_map_delete_elem(&net_calls, &tid);
	return 0;
}

/*
 * The exit of a call whose kind its entry chose: ia32's socketcall(2)
 * multiplexes connect, sendto, recvfrom, sendmsg and recvmsg under one
 * number.
 */
static __always_inline int handle_net_exit_any(struct bw_sys_exit_ctx *ctx)
{
	__u32 tid = bw_tid();
	struct bw_net_call *call = bpf_map_lookup_elem(&net_calls, &tid);

	if (!call)
		return 0;
	switch (call->kind) {
	case NET_CONNECT: return handle_connect_exit(ctx);
	case NET_RECVFROM: return bw_recv_exit(ctx->ret, NET_RECVFROM);
	case NET_RECVMSG: return bw_recv_exit(ctx->ret, NET_RECVMSG);
	}
	bpf_map_delete_elem(&net_calls, &tid);
	return 0;
}

#endif /* BW_NET_BPF_H */
