// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "events/tamper_json.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "pipeline/tamper_report.h"

struct sink_call {
	const struct tamper_sink *s;
	bool earlier;
};

static void emit(const struct bw_tamper_record *r, uint64_t total, void *arg)
{
	struct sink_call *c = arg;
	const struct tamper_sink *s = c->s;
	char line[2048];

	tamper_describe(r, line, sizeof(line));
	bw_warn("%s%s", c->earlier ? "an earlier agent died or was signalled: " : "", line);
	if (r->seq == BW_TAMPER_SLOTS && total > BW_TAMPER_SLOTS)
		bw_warn("agent %u was sent %llu more signal(s) that were not kept", r->agent_pid,
			(unsigned long long)(total - BW_TAMPER_SLOTS));
	if (s->j && !job_recording(s->j))
		return;
	jbuf_reset(&s->e->jb);
	tamper_json_render(&s->e->jb, r, total, c->earlier, s->j ? ++s->j->seq : 0,
			   s->j ? s->j->id : 0, &s->e->clk);
	if (s->j) {
		job_emit(s->e, s->j);
		if (s->e->ops.on_line)
			s->e->ops.on_line(s->e, s->j, "tamper", r->sender_pid, NULL);
	} else if (s->line) {
		s->line(s->e, s->ctx);
	}
}

int tamper_report_earlier(const struct tamper_sink *s)
{
	struct sink_call c = { .s = s, .earlier = true };

	return tamper_sweep(true, emit, &c);
}

void tamper_report_own(const struct tamper_sink *s, struct bw_tamper *t)
{
	struct sink_call c = { .s = s, .earlier = false };
	int err = tamper_read_own(t, emit, &c);

	if (err)
		bw_warn("cannot read the signals sent to this agent: %s", strerror(-err));
}
