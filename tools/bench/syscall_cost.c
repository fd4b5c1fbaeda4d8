/* syscall_cost — nanoseconds per syscall of the syscalls a build makes
 * most, in tight loops, to price what the kernel-side hooks add to them.
 *
 * Usage: syscall_cost [-n ITERATIONS] [-r REPEATS] [-d DIR]
 *
 * Kinds (syscalls per iteration in brackets):
 *   open_close  openat(O_RDONLY) + close of a small file in DIR      [2]
 *   stat        newfstatat of that file                              [1]
 *   pread       pread64 of 64 bytes of it                            [1]
 *   read        read of 64 bytes from /dev/zero                      [1]
 *   write       write of 64 bytes to /dev/null                       [1]
 *   connect     socket + connect to a TCP listener on 127.0.0.1 +
 *               accept + setsockopt(SO_LINGER 0) + close + close     [6]
 * (SO_LINGER 0 resets the connection, so no TIME_WAIT piles up and the
 * ephemeral ports last.) Each kind runs ITERATIONS (default 20000; connect
 * a tenth of it) iterations REPEATS times (default 5) and keeps the
 * median; the kinds are interleaved within each repeat.
 * Prints one line per kind:
 *   kind=K syscalls=S iterations=N ns_per_syscall=X
 * Exit status 0, 1 when a syscall failed (said on stderr), 2 on usage. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPEATS 64

struct bench_ctx {
	char path[4096];
	int file_fd;
	int zero_fd;
	int null_fd;
	int listen_fd;
	struct sockaddr_in addr;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int fail(const char *what)
{
	fprintf(stderr, "syscall_cost: %s: %s\n", what, strerror(errno));
	return -1;
}

static int run_open_close(struct bench_ctx *c, long n)
{
	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, c->path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return fail(c->path);
		close(fd);
	}
	return 0;
}

static int run_stat(struct bench_ctx *c, long n)
{
	struct stat st;

	for (long i = 0; i < n; i++)
		if (fstatat(AT_FDCWD, c->path, &st, 0))
			return fail(c->path);
	return 0;
}

static int run_pread(struct bench_ctx *c, long n)
{
	char buf[64];

	for (long i = 0; i < n; i++)
		if (pread(c->file_fd, buf, sizeof(buf), 0) < 0)
			return fail("pread");
	return 0;
}

static int run_read(struct bench_ctx *c, long n)
{
	char buf[64];

	for (long i = 0; i < n; i++)
		if (read(c->zero_fd, buf, sizeof(buf)) < 0)
			return fail("read /dev/zero");
	return 0;
}

static int run_write(struct bench_ctx *c, long n)
{
	char buf[64] = { 0 };

	for (long i = 0; i < n; i++)
		if (write(c->null_fd, buf, sizeof(buf)) < 0)
			return fail("write /dev/null");
	return 0;
}

static int run_connect(struct bench_ctx *c, long n)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	for (long i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), a;

		if (s < 0)
			return fail("socket");
		if (connect(s, (struct sockaddr *)&c->addr, sizeof(c->addr))) {
			close(s);
			return fail("connect to the loopback listener");
		}
		a = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (a < 0) {
			close(s);
			return fail("accept");
		}
		setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(a);
		close(s);
	}
	return 0;
}

struct kind {
	const char *name;
	int syscalls;
	int divisor; /* of ITERATIONS: connect costs microseconds */
	int (*run)(struct bench_ctx *, long);
	double ns[MAX_REPEATS];
};

static int setup(struct bench_ctx *c, const char *dir)
{
	socklen_t len = sizeof(c->addr);
	int fd;

	snprintf(c->path, sizeof(c->path), "%s/syscall_cost.%d", dir, (int)getpid());
	fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			    64) != 64)
		return fail(c->path);
	close(fd);
	c->file_fd = open(c->path, O_RDONLY | O_CLOEXEC);
	c->zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	c->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (c->file_fd < 0 || c->zero_fd < 0 || c->null_fd < 0)
		return fail("opening the files to read and write");
	c->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&c->addr, 0, sizeof(c->addr));
	c->addr.sin_family = AF_INET;
	c->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *)&c->addr, sizeof(c->addr)) ||
	    listen(c->listen_fd, 64) ||
	    getsockname(c->listen_fd, (struct sockaddr *)&c->addr, &len))
		return fail("loopback listener");
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct kind kinds[] = {
		{ "open_close", 2, 1, run_open_close, { 0 } },
		{ "stat", 1, 1, run_stat, { 0 } },
		{ "pread", 1, 1, run_pread, { 0 } },
		{ "read", 1, 1, run_read, { 0 } },
		{ "write", 1, 1, run_write, { 0 } },
		{ "connect", 6, 10, run_connect, { 0 } },
	};
	size_t nk = sizeof(kinds) / sizeof(kinds[0]);
	struct bench_ctx c = { .file_fd = -1 };
	const char *dir = "/tmp";
	long iters = 20000, repeats = 5;
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "n:r:d:")) != -1) {
		switch (opt) {
		case 'n': iters = atol(optarg); break;
		case 'r': repeats = atol(optarg); break;
		case 'd': dir = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc || iters < 10 || repeats < 1 || repeats > MAX_REPEATS)
		goto usage;
	if (setup(&c, dir)) {
		rc = 1;
		goto cleanup;
	}
	for (long r = 0; r < repeats; r++) {
		for (size_t k = 0; k < nk; k++) {
			long n = iters / kinds[k].divisor;
			double t0 = now_ns();

			if (kinds[k].run(&c, n)) {
				rc = 1;
				goto cleanup;
			}
			kinds[k].ns[r] = (now_ns() - t0) / ((double)n * kinds[k].syscalls);
		}
	}
	for (size_t k = 0; k < nk; k++) {
		qsort(kinds[k].ns, (size_t)repeats, sizeof(double), cmp_double);
		printf("kind=%s syscalls=%d iterations=%ld ns_per_syscall=%.1f\n", kinds[k].name,
		       kinds[k].syscalls, iters / kinds[k].divisor, kinds[k].ns[repeats / 2]);
	}
cleanup:
	if (c.path[0])
		unlink(c.path);
	return rc;
usage:
	fprintf(stderr, "usage: syscall_cost [-n ITERATIONS] [-r REPEATS] [-d DIR]\n");
	return 2;
}
