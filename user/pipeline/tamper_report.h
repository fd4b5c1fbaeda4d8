/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Signals aimed at agents, said in the output and written to a stream as
 * `tamper` records (docs/EVENTS.md): those left by agents that died (found
 * at start, then cleared) and those sent to this one.
 */
#ifndef BW_TAMPER_REPORT_H
#define BW_TAMPER_REPORT_H

#include "kernel/tamper.h"
#include "pipeline/engine.h"

/*
 * Where the records go: j's stream, or, with j NULL, line(e, ctx) with
 * e->jb holding the rendered record (the daemon's export).
 */
struct tamper_sink {
	struct bw_engine *e;
	struct bw_job *j;
	void (*line)(struct bw_engine *e, void *ctx);
	void *ctx;
};

/* Report and clear what dead agents left; returns how many agents left some, or -errno. */
int tamper_report_earlier(const struct tamper_sink *s);
/* Report the signals this agent was sent since the last call. */
void tamper_report_own(const struct tamper_sink *s, struct bw_tamper *t);

#endif /* BW_TAMPER_REPORT_H */
