/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One funnel for diagnostics, all on stderr, prefixed "buildwarden: ". */
#ifndef BW_LOG_H
#define BW_LOG_H

#include <stdbool.h>

enum bw_log_level { BW_LOG_ERROR, BW_LOG_WARN, BW_LOG_INFO, BW_LOG_DEBUG };

void log_set_level(enum bw_log_level level);
void log_msg(enum bw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Route libbpf's own messages through log_msg (warnings only unless debug). */
void log_hook_libbpf(void);
/* libbpf's warnings from this level on (default info; the daemon logs info always). */
void log_libbpf_from(enum bw_log_level level);
/* Prefix lines with sd-daemon priorities when stderr is the journal. */
bool log_use_journal_if_attached(void);

#define bw_err(...) log_msg(BW_LOG_ERROR, __VA_ARGS__)
#define bw_warn(...) log_msg(BW_LOG_WARN, __VA_ARGS__)
#define bw_info(...) log_msg(BW_LOG_INFO, __VA_ARGS__)
#define bw_debug(...) log_msg(BW_LOG_DEBUG, __VA_ARGS__)

#endif /* BW_LOG_H */
