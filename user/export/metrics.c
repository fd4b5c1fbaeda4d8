// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The status endpoint (docs/DAEMON.md, "Metrics"). Values are relaxed
 * atomics: the event loop, the alert sender and the job tracker update
 * them without a lock, and a scrape reads each one once (a scrape is a
 * snapshot per series, not across series, as Prometheus expects).
 *
 * The server is one thread answering one connection at a time: it polls
 * the listening socket and a wake pipe, reads at most METRICS_REQUEST_MAX
 * bytes of request within METRICS_CONN_TIMEOUT_MS, answers with HTTP/1.0
 * and closes. A client that stalls costs one timeout, never the agent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/record_names.h"
#include "lib/thread.h"
#include "export/metrics.h"

#define UNIX_PREFIX "unix:"
#define LISTEN_BACKLOG 16
#define SOCKET_MODE 0660

struct metrics {
	_Atomic uint64_t v[METRIC__COUNT];

	/* the server, when listening; read-only once started */
	int lfd;
	int wake[2];               /* a byte on wake[1] stops the thread */
	pthread_t thread;
	bool serving;
	char address[sizeof(UNIX_PREFIX) + sizeof(((struct sockaddr_un *)0)->sun_path) + 64];
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t unix_dev;            /* the socket file we made, so stop removes only it */
	ino_t unix_ino;
};

/* ---- the families ---- */

struct family {
	const char *name, *type, *help;
	const char *label;          /* label name, or NULL */
	enum metric first, last;    /* its series, in order */
};

static const struct family FAMILIES[] = {
	{ "buildwarden_events_total", "counter",
	  "Records received from the kernel, by record type (docs/EVENTS.md).",
	  "type", METRIC_EVENTS_FORK, METRIC_EVENTS_PRIVILEGE },
	{ "buildwarden_lost_events_total", "counter",
	  "Records the kernel dropped because the ring buffer was full.",
	  NULL, METRIC_LOST_EVENTS, METRIC_LOST_EVENTS },
	{ "buildwarden_verdicts_total", "counter",
	  "Policy verdicts, by the action taken (audit mode turns kill and deny into alert).",
	  "action", METRIC_VERDICTS_LOG, METRIC_VERDICTS_DENY },
	{ "buildwarden_alerts_sent_total", "counter",
	  "Webhook alert messages the receiver accepted (2xx).",
	  NULL, METRIC_ALERTS_SENT, METRIC_ALERTS_SENT },
	{ "buildwarden_alerts_failed_total", "counter",
	  "Webhook alert messages given up on (4xx, or retries exhausted).",
	  NULL, METRIC_ALERTS_FAILED, METRIC_ALERTS_FAILED },
	{ "buildwarden_alerts_dropped_total", "counter",
	  "Webhook alert messages dropped (queue full, or not sent before the drain deadline).",
	  NULL, METRIC_ALERTS_DROPPED, METRIC_ALERTS_DROPPED },
	{ "buildwarden_jobs_active", "gauge",
	  "CI jobs being watched now.",
	  NULL, METRIC_JOBS_ACTIVE, METRIC_JOBS_ACTIVE },
	{ "buildwarden_jobs_total", "counter",
	  "CI jobs detected since the agent started.",
	  NULL, METRIC_JOBS, METRIC_JOBS },
	{ "buildwarden_process_table_entries", "gauge",
	  "Processes held in the lineage table.",
	  NULL, METRIC_PROCTAB_ENTRIES, METRIC_PROCTAB_ENTRIES },
	{ "buildwarden_start_time_seconds", "gauge",
	  "When the agent started, in seconds since the Unix epoch.",
	  NULL, METRIC_START_TIME_MS, METRIC_START_TIME_MS },
};

/* The labelled series follow the record types and the verdict actions. */
_Static_assert(METRIC_EVENTS_PRIVILEGE - METRIC_EVENTS_FORK == BW_EV_PRIV - BW_EV_FORK,
	       "one events series per record type, in BW_EV_* order");
_Static_assert(METRIC_VERDICTS_DENY - METRIC_VERDICTS_LOG + 1 == VERDICT_ACTIONS,
	       "one verdicts series per action, in their order");

/* A series' label value, as records spell it; NULL for unlabelled series. */
static const char *label_value(int id)
{
	if (id >= METRIC_EVENTS_FORK && id <= METRIC_EVENTS_PRIVILEGE)
		return record_type_name(BW_EV_FORK + (uint32_t)(id - METRIC_EVENTS_FORK));
	if (id >= METRIC_VERDICTS_LOG && id <= METRIC_VERDICTS_DENY)
		return verdict_action_names[id - METRIC_VERDICTS_LOG];
	return NULL;
}

static int series_by_label(const char *v, enum metric first, enum metric last)
{
	if (!v)
		return -1;
	for (int i = first; i <= (int)last; i++)
		if (!strcmp(label_value(i), v))
			return i;
	return -1;
}

int metrics_event_series(const char *type)
{
	return series_by_label(type, METRIC_EVENTS_FORK, METRIC_EVENTS_PRIVILEGE);
}

int metrics_verdict_series(const char *action)
{
	return series_by_label(action, METRIC_VERDICTS_LOG, METRIC_VERDICTS_DENY);
}

/* ---- values ---- */

void metrics_add(struct metrics *m, enum metric id, uint64_t n)
{
	if (m && (unsigned)id < METRIC__COUNT)
		atomic_fetch_add_explicit(&m->v[id], n, memory_order_relaxed);
}

void metrics_set(struct metrics *m, enum metric id, uint64_t v)
{
	if (m && (unsigned)id < METRIC__COUNT)
		atomic_store_explicit(&m->v[id], v, memory_order_relaxed);
}

uint64_t metrics_get(struct metrics *m, enum metric id)
{
	if (!m || (unsigned)id >= METRIC__COUNT)
		return 0;
	return atomic_load_explicit(&m->v[id], memory_order_relaxed);
}

const char *metrics_address(const struct metrics *m)
{
	return m && m->serving ? m->address : "";
}

/* ---- the exposition ---- */

struct out {
	char *buf;
	size_t size, len;
	bool full;
};

static void __attribute__((format(printf, 2, 3))) out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->full = true;
		return;
	}
	o->len += (size_t)n;
}

int metrics_render(struct metrics *m, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };
	const struct family *f;
	uint64_t v;

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	for (f = FAMILIES; f < FAMILIES + sizeof(FAMILIES) / sizeof(FAMILIES[0]); f++) {
		out_printf(&o, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
		for (int id = f->first; id <= (int)f->last; id++) {
			v = metrics_get(m, (enum metric)id);
			out_printf(&o, "%s", f->name);
			if (f->label)
				out_printf(&o, "{%s=\"%s\"}", f->label, label_value(id));
			if (id == METRIC_START_TIME_MS)
				out_printf(&o, " %" PRIu64 ".%03u\n", v / 1000, (unsigned)(v % 1000));
			else
				out_printf(&o, " %" PRIu64 "\n", v);
		}
	}
	return o.full ? -ENOSPC : (int)o.len;
}

/* ---- the HTTP server ---- */

/* From the server thread: one line at a time, even with the event loop writing too. */
#define server_log(level, ...)                \
	do {                                  \
		flockfile(stderr);            \
		log_msg(level, __VA_ARGS__);  \
		funlockfile(stderr);          \
	} while (0)

static uint64_t now_ms(void)
{
	return clock_mono_ns() / 1000000;
}

/*
 * Wait for events on fd until deadline, or for the wake pipe: 1 ready,
 * 0 timed out or woken (give up on this connection), -1 error.
 */
static int conn_wait(struct metrics *m, int fd, short events, uint64_t deadline)
{
	struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = m->wake[0], .events = POLLIN } };
	uint64_t now;
	int r;

	for (;;) {
		now = now_ms();
		if (now >= deadline)
			return 0;
		r = poll(p, 2, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (p[1].revents)
			return 0;
		if (p[0].revents)
			return 1;
	}
}

static bool send_all(struct metrics *m, int fd, const char *s, size_t n, uint64_t deadline)
{
	ssize_t w;

	while (n) {
		w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (conn_wait(m, fd, POLLOUT, deadline) != 1)
				return false;
			continue;
		}
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

static void reply(struct metrics *m, int fd, uint64_t deadline, int status, const char *reason,
		  const char *extra_headers, const char *ctype, const char *body, size_t len,
		  bool head_only)
{
	char hdr[512];
	int n;

	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
		     "Connection: close\r\n\r\n",
		     status, reason, ctype, len, extra_headers ? extra_headers : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return;
	if (send_all(m, fd, hdr, (size_t)n, deadline) && !head_only)
		send_all(m, fd, body, len, deadline);
}

static void reply_text(struct metrics *m, int fd, uint64_t deadline, int status,
		       const char *reason, const char *extra_headers, const char *text)
{
	reply(m, fd, deadline, status, reason, extra_headers, "text/plain; charset=utf-8", text,
	      strlen(text), false);
}

/* The end of the request head ("\r\n\r\n" or a bare "\n\n"), or NULL. */
static const char *head_end(const char *req)
{
	const char *a = strstr(req, "\r\n\r\n"), *b = strstr(req, "\n\n");

	if (a && (!b || a < b))
		return a;
	return b;
}

static void serve_one(struct metrics *m, int fd)
{
	char req[METRICS_REQUEST_MAX + 1];
	char body[METRICS_RENDER_MAX];
	char method[16], target[256], version[16];
	uint64_t deadline = now_ms() + METRICS_CONN_TIMEOUT_MS;
	size_t len = 0, q;
	ssize_t r;
	int n;

	req[0] = '\0';
	while (!head_end(req)) {
		if (len == METRICS_REQUEST_MAX) {
			reply_text(m, fd, deadline, 431, "Request Header Fields Too Large",
				   NULL, "request too large\n");
			return;
		}
		r = recv(fd, req + len, METRICS_REQUEST_MAX - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (conn_wait(m, fd, POLLIN, deadline) != 1)
				return; /* too slow, or stopping: no answer */
			continue;
		}
		if (r <= 0)
			return; /* closed before a whole request */
		/* a NUL byte would hide the rest from the string functions: refuse it */
		if (memchr(req + len, '\0', (size_t)r)) {
			reply_text(m, fd, deadline, 400, "Bad Request", NULL, "bad request\n");
			return;
		}
		len += (size_t)r;
		req[len] = '\0';
	}
	if (sscanf(req, "%15[^ \r\n] %255[^ \r\n] %15[^ \r\n]", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7)) {
		reply_text(m, fd, deadline, 400, "Bad Request", NULL, "bad request\n");
		return;
	}
	q = strcspn(target, "?#");
	target[q] = '\0';
	if (strcmp(target, "/metrics")) {
		reply_text(m, fd, deadline, 404, "Not Found", NULL, "not found: try /metrics\n");
		return;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		reply_text(m, fd, deadline, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n",
			   "method not allowed\n");
		return;
	}
	n = metrics_render(m, body, sizeof(body));
	if (n < 0) {
		reply_text(m, fd, deadline, 500, "Internal Server Error", NULL,
			   "metrics do not fit the buffer\n");
		return;
	}
	reply(m, fd, deadline, 200, "OK", NULL, "text/plain; version=0.0.4; charset=utf-8", body,
	      (size_t)n, !strcmp(method, "HEAD"));
}

static void *server_main(void *arg)
{
	struct metrics *m = arg;
	struct pollfd p[2] = { { .fd = m->lfd, .events = POLLIN }, { .fd = m->wake[0], .events = POLLIN } };
	unsigned accept_errors = 0;
	int fd;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			server_log(BW_LOG_ERROR, "metrics endpoint %s: poll failed: %s; no longer serving",
				   m->address, strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		/*
		 * One at a time: each connection is answered and closed before
		 * the next; back to poll() after each, so a stop is seen.
		 */
		fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			int e = errno;

			if (e != EAGAIN && e != EWOULDBLOCK && e != EINTR && e != ECONNABORTED &&
			    accept_errors++ < 3)
				server_log(BW_LOG_WARN, "metrics endpoint %s: accept failed: %s",
					   m->address, strerror(e));
			if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
				poll(NULL, 0, 100); /* do not spin while out of resources */
			continue;
		}
		serve_one(m, fd);
		close(fd);
	}
	return NULL;
}

/* ---- binding ---- */

static int bind_unix(struct metrics *m, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err, probe;

	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		bw_err("metrics endpoint unix:%s: the socket path must be 1 to %zu bytes",
		       path, sizeof(sa.sun_path) - 1);
		return -EINVAL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			bw_err("metrics endpoint unix:%s: the path exists and is not a socket; "
			       "refusing to replace it", path);
			return -EEXIST;
		}
		/* a socket someone still answers on is in use; a dead one is left over */
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			bw_err("metrics endpoint unix:%s: another process is listening on it", path);
			return -EADDRINUSE;
		}
		if (probe >= 0)
			close(probe);
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			bw_err("metrics endpoint unix:%s: cannot remove the stale socket: %s",
			       path, strerror(-err));
			return err;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		bw_err("metrics endpoint unix:%s: cannot create a socket: %s", path, strerror(-err));
		return err;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		bw_err("metrics endpoint unix:%s: cannot bind: %s", path, strerror(-err));
		goto err_close;
	}
	/* before listen(): nobody can connect while the mode is still the umask's */
	if (chmod(path, SOCKET_MODE) || lstat(path, &st)) {
		err = -errno;
		bw_err("metrics endpoint unix:%s: cannot set the socket's mode: %s", path,
		       strerror(-err));
		goto err_unlink;
	}
	if (listen(fd, LISTEN_BACKLOG)) {
		err = -errno;
		bw_err("metrics endpoint unix:%s: cannot listen: %s", path, strerror(-err));
		goto err_unlink;
	}
	m->lfd = fd;
	m->unix_dev = st.st_dev;
	m->unix_ino = st.st_ino;
	snprintf(m->unix_path, sizeof(m->unix_path), "%s", path);
	snprintf(m->address, sizeof(m->address), UNIX_PREFIX "%s", path);
	return 0;

err_unlink:
	unlink(path);
err_close:
	close(fd);
	return err;
}

static void format_inet(struct metrics *m, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
			port = ntohs(sin->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
			port = ntohs(sin6->sin6_port);
		}
	}
	snprintf(m->address, sizeof(m->address), ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 host, port);
}

/*
 * HOST:PORT with a literal address ("127.0.0.1", "[::1]") or "localhost"
 * (127.0.0.1). No name lookup: the agent binds where it is told, with no
 * resolver (or NSS module, which a static build cannot load) involved.
 */
static int parse_inet(const char *listen_addr, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *port, *colon, *close_br;
	unsigned long p;
	char *end;
	size_t n;

	memset(ss, 0, sizeof(*ss));
	if (listen_addr[0] == '[') {
		close_br = strchr(listen_addr, ']');
		if (!close_br || close_br[1] != ':')
			return -EINVAL;
		n = (size_t)(close_br - listen_addr - 1);
		port = close_br + 2;
		if (!n || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen_addr + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		*len = sizeof(*sin6);
	} else {
		colon = strchr(listen_addr, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL; /* a bare IPv6 address needs its brackets */
		n = (size_t)(colon - listen_addr);
		port = colon + 1;
		if (!n || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen_addr, n);
		host[n] = '\0';
		if (!strcmp(host, "localhost"))
			snprintf(host, sizeof(host), "127.0.0.1");
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
		return -EINVAL;
	p = strtoul(port, &end, 10);
	if (p > 65535)
		return -EINVAL;
	if (ss->ss_family == AF_INET6)
		sin6->sin6_port = htons((uint16_t)p);
	else
		sin->sin_port = htons((uint16_t)p);
	return 0;
}

static int bind_inet(struct metrics *m, const char *listen_addr)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int fd, err, one = 1;

	if (parse_inet(listen_addr, &ss, &len)) {
		bw_err("metrics endpoint '%s': expected ADDRESS:PORT with a literal address "
		       "(127.0.0.1:9464, [::1]:9464, localhost:9464) or unix:PATH", listen_addr);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		bw_err("metrics endpoint %s: cannot create a socket: %s", listen_addr,
		       strerror(-err));
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, LISTEN_BACKLOG)) {
		err = -errno;
		bw_err("metrics endpoint %s: cannot listen: %s", listen_addr, strerror(-err));
		close(fd);
		return err;
	}
	m->lfd = fd;
	format_inet(m, fd);
	return 0;
}

/* ---- lifecycle ---- */

static void remove_socket(struct metrics *m)
{
	struct stat st;

	/* only the socket we made: a file put there since is not ours to delete */
	if (m->unix_path[0] && lstat(m->unix_path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == m->unix_dev && st.st_ino == m->unix_ino)
		unlink(m->unix_path);
	m->unix_path[0] = '\0';
}

int metrics_start(struct metrics **out, const char *listen_addr)
{
	struct metrics *m;
	int err;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m) {
		bw_err("metrics: cannot allocate the counters: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	m->lfd = m->wake[0] = m->wake[1] = -1;
	for (int i = 0; i < METRIC__COUNT; i++)
		atomic_init(&m->v[i], 0);
	metrics_set(m, METRIC_START_TIME_MS, clock_real_ns() / 1000000);
	if (!listen_addr) {
		*out = m;
		return 0;
	}
	if (!strncmp(listen_addr, UNIX_PREFIX, strlen(UNIX_PREFIX)))
		err = bind_unix(m, listen_addr + strlen(UNIX_PREFIX));
	else
		err = bind_inet(m, listen_addr);
	if (err)
		goto err_free;
	if (pipe2(m->wake, O_CLOEXEC | O_NONBLOCK)) {
		err = -errno;
		bw_err("metrics endpoint %s: cannot create the wake pipe: %s", m->address,
		       strerror(-err));
		goto err_close;
	}
	err = thread_start(&m->thread, server_main, m);
	if (err) {
		bw_err("metrics endpoint %s: cannot start the server thread: %s", m->address,
		       strerror(-err));
		goto err_close;
	}
	m->serving = true;
	bw_debug("metrics endpoint: serving Prometheus metrics on %s/metrics", m->address);
	*out = m;
	return 0;

err_close:
	if (m->wake[0] >= 0) {
		close(m->wake[0]);
		close(m->wake[1]);
	}
	close(m->lfd);
	remove_socket(m);
err_free:
	free(m);
	return err;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	if (m->serving) {
		while (write(m->wake[1], "x", 1) < 0 && errno == EINTR)
			;
		pthread_join(m->thread, NULL);
		close(m->wake[0]);
		close(m->wake[1]);
		close(m->lfd);
		remove_socket(m);
	}
	free(m);
}
