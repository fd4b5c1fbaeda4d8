// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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
	fprintf(stderr, "buildwarden: %s", prefix[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * libbpf warns on paths we recover from (the tp_btf -> raw_tp fallback), so
 * its warnings are kept, not shown, and printed only if loading fails.
 */
static char libbpf_tail[8192];
static size_t libbpf_tail_len;

static void libbpf_keep(const char *fmt, va_list ap)
{
	size_t room = sizeof(libbpf_tail) - libbpf_tail_len;
	int n;

	if (room < 2) {
		/* Keep the newest text: the last messages explain the failure. */
		memmove(libbpf_tail, libbpf_tail + sizeof(libbpf_tail) / 2, sizeof(libbpf_tail) / 2);
		libbpf_tail_len = sizeof(libbpf_tail) / 2;
		room = sizeof(libbpf_tail) - libbpf_tail_len;
	}
	n = vsnprintf(libbpf_tail + libbpf_tail_len, room, fmt, ap);
	if (n > 0)
		libbpf_tail_len += (size_t)n < room ? (size_t)n : room - 1;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && current_level < BW_LOG_DEBUG)
		return 0;
	if (current_level < BW_LOG_INFO) {
		if (level == LIBBPF_WARN)
			libbpf_keep(fmt, ap);
		return 0;
	}
	fputs("buildwarden: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_libbpf_flush(void)
{
	if (!libbpf_tail_len)
		return;
	fputs("buildwarden: libbpf said:\n", stderr);
	fwrite(libbpf_tail, 1, libbpf_tail_len, stderr);
	libbpf_tail_len = 0;
}

void log_libbpf_forget(void)
{
	libbpf_tail_len = 0;
}

void log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
