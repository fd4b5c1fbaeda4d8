// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

static enum bw_log_level current_level = BW_LOG_WARN;

void log_set_level(enum bw_log_level level)
{
	current_level = level;
}

enum bw_log_level log_level(void)
{
	return current_level;
}

void log_msg(enum bw_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "", "warning: ", "", "debug: " };
	va_list ap;

	if (level > current_level)
		return;
	/* One line at a time: sender threads log while the event loop does. */
	flockfile(stderr);
	fprintf(stderr, "buildwarden: %s", prefix[level]);
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
	if (current_level < BW_LOG_INFO)
		return 0;
	fputs("buildwarden: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
