// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <unistd.h>
#include "events/tamper_json.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "pipeline/tamper_report.h"

struct sink_call {
	const struct tamper_sink *s;
	bool earlier;
};

/* e->jb holds a record of type: into the job's stream, or to the sink's line. */
static void sink_put(const struct tamper_sink *s, const char *type, uint32_t pid)
{
	if (s->j) {
		job_emit(s->e, s->j);
		if (s->e->ops.on_line)
			s->e->ops.on_line(s->e, s->j, type, pid, NULL);
	} else if (s->line) {
		s->line(s->e, s->ctx);
	}
}

static void emit(const struct bw_tamper_record *r, uint64_t total, void *arg)
{
	struct sink_call *c = arg;
	const struct tamper_sink *s = c->s;
	char line[2048];

	tamper_describe(r, line, sizeof(line));
	bw_warn("%s%s", c->earlier ? "an earlier agent died or was signalled: " : "", line);
	if (c->earlier && r->seq == BW_TAMPER_SLOTS && total > BW_TAMPER_SLOTS)
		bw_warn("agent %u was sent %llu more signal(s) that were not kept", r->agent_pid,
			(unsigned long long)(total - BW_TAMPER_SLOTS));
	if (s->j && !job_recording(s->j))
		return;
	jbuf_reset(&s->e->jb);
	tamper_json_render(&s->e->jb, r, total, c->earlier, s->j ? ++s->j->seq : 0,
			   s->j ? s->j->id : 0, &s->e->clk);
	sink_put(s, "tamper", r->sender_pid);
}

int tamper_report_earlier(const struct tamper_sink *s)
{
	struct sink_call c = { .s = s, .earlier = true };

	int n = tamper_sweep(true, emit, &c);

	if (n < 0)
		bw_warn("cannot read the signal records agents left in %s: %s", BW_TAMPER_PIN_DIR,
			strerror(-n));
	return n;
}

/* Signals past the kept ones: counted in a tamper_dropped record as the count rises. */
static void emit_dropped(const struct tamper_sink *s, uint64_t total)
{
	uint64_t dropped = total - BW_TAMPER_SLOTS;

	bw_warn("this agent was sent %llu more signal(s) that were not kept (%llu in all)",
		(unsigned long long)dropped, (unsigned long long)total);
	if (s->j && !job_recording(s->j))
		return;
	jbuf_reset(&s->e->jb);
	event_json_begin(&s->e->jb, s->j ? ++s->j->seq : 0, "tamper_dropped", clock_mono_ns(),
			 s->j ? s->j->id : 0, &s->e->clk);
	json_kv_u64(&s->e->jb, "agent_pid", (uint64_t)getpid());
	json_kv_u64(&s->e->jb, "sent_total", total);
	json_kv_u64(&s->e->jb, "not_kept", dropped);
	json_obj_close(&s->e->jb);
	sink_put(s, "tamper_dropped", 0);
}

void tamper_report_own(const struct tamper_sink *s, struct bw_tamper *t)
{
	struct sink_call c = { .s = s, .earlier = false };
	uint64_t before = t->total;
	int err = tamper_read_own(t, emit, &c);

	if (err)
		bw_warn("cannot read the signals sent to this agent: %s", strerror(-err));
	else if (t->total > BW_TAMPER_SLOTS && t->total > before)
		emit_dropped(s, t->total);
}
