/* exec_storm — fork+exec+wait a tiny static binary as fast as possible on
 * every worker, and count the execs that happened exactly.
 *
 * Usage: exec_storm [-w WORKERS] (-n EXECS_PER_WORKER | -t SECONDS) TINY
 *
 * Each worker is a process that loops fork(); child execs TINY; parent
 * waits for it. An exec counts when the child exited with status 0, which
 * TINY does and a child whose exec failed (exit 127) does not. A failed exec
 * stops the run: the count would no longer be the number of execs.
 * With -t, workers stop starting new children at the deadline.
 * Prints one line to stdout:
 *   execs=N failed=N workers=W seconds=S rate=R
 * where seconds is the wall time of the storm (first fork to last reap).
 * Exit status 0 when no exec failed, 1 otherwise, 2 on usage error. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct counts {
	uint64_t execs;
	uint64_t failed;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: exec_storm [-w WORKERS] (-n EXECS_PER_WORKER | -t SECONDS) TINY\n");
	exit(2);
}

static void worker(const char *tiny, long n, double deadline, struct counts *out)
{
	char *const argv[] = { (char *)tiny, NULL };
	char *const envp[] = { NULL };
	uint64_t ok = 0, bad = 0;

	for (long i = 0; n < 0 || i < n; i++) {
		if (deadline > 0 && now() >= deadline)
			break;
		pid_t pid = fork();
		if (pid < 0) {
			if (errno == EAGAIN || errno == ENOMEM) {
				usleep(1000);
				i--;
				continue;
			}
			perror("exec_storm: fork");
			bad++;
			break;
		}
		if (pid == 0) {
			execve(tiny, argv, envp);
			_exit(127);
		}
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			ok++;
		} else {
			bad++;
			fprintf(stderr, "exec_storm: %s did not run (status 0x%x)\n", tiny, st);
			break;
		}
	}
	out->execs = ok;
	out->failed = bad;
}

int main(int argc, char **argv)
{
	long workers = sysconf(_SC_NPROCESSORS_ONLN), n = -1;
	double secs = 0;
	int opt;

	while ((opt = getopt(argc, argv, "w:n:t:")) != -1) {
		switch (opt) {
		case 'w': workers = strtol(optarg, NULL, 10); break;
		case 'n': n = strtol(optarg, NULL, 10); break;
		case 't': secs = strtod(optarg, NULL); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || workers < 1 || (n < 0) == (secs <= 0))
		usage();
	const char *tiny = argv[optind];
	if (access(tiny, X_OK) != 0) {
		fprintf(stderr, "exec_storm: %s: %s\n", tiny, strerror(errno));
		return 2;
	}

	struct counts *c = mmap(NULL, sizeof(*c) * workers, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED) {
		perror("exec_storm: mmap");
		return 1;
	}
	memset(c, 0, sizeof(*c) * workers);

	double t0 = now();
	double deadline = secs > 0 ? t0 + secs : 0;
	for (long w = 0; w < workers; w++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("exec_storm: fork worker");
			return 1;
		}
		if (pid == 0) {
			worker(tiny, n, deadline, &c[w]);
			_exit(0);
		}
	}
	int failed_workers = 0, st;
	for (long w = 0; w < workers; w++) {
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed_workers++;
	}
	double t1 = now();

	uint64_t execs = 0, failed = 0;
	for (long w = 0; w < workers; w++) {
		execs += c[w].execs;
		failed += c[w].failed;
	}
	failed += failed_workers;
	printf("execs=%llu failed=%llu workers=%ld seconds=%.6f rate=%.1f\n",
	       (unsigned long long)execs, (unsigned long long)failed, workers, t1 - t0,
	       execs / (t1 - t0));
	return failed ? 1 : 0;
}
