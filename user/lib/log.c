// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "lib/log.h"

static enum bw_log_level current_level = BW_LOG_WARN;
static bool journal;
static enum bw_log_level libbpf_min = BW_LOG_INFO;

/*
 * systemd sets JOURNAL_STREAM to stderr's "device:inode" when stderr is a
 * journal stream (systemd.exec(5)); only then do sd-daemon(3) priority
 * prefixes mean something, elsewhere they would be noise.
 */
bool log_use_journal_if_attached(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(STDERR_FILENO, &st) &&
		  (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	return journal;
}

void log_set_level(enum bw_log_level level)
{
	current_level = level;
}

void log_msg(enum bw_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "", "warning: ", "", "debug: " };
	static const char *const sd_prio[] = { "<3>", "<4>", "<6>", "<7>" };
	va_list ap;

	if (level > current_level)
		return;
	/* One line at a time: sender threads log while the event loop does. */
	flockfile(stderr);
	fprintf(stderr, "%sbuildwarden: %s", journal ? sd_prio[level] : "", prefix[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

/*
 * libbpf warns on paths we recover from (the tp_btf -> raw_tp fallback) and
 * a verifier log runs to thousands of lines: shown only with -v, so a
 * failure is one line by default.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && current_level < BW_LOG_DEBUG)
		return 0;
	if (current_level < libbpf_min)
		return 0;
	fputs("buildwarden: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_libbpf_from(enum bw_log_level level)
{
	libbpf_min = level;
}

void log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
