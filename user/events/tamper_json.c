// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "events/tamper_json.h"

/* The tracepoint's TRACE_SIGNAL_* results, and our own refusal. */
static const char *result_name(const struct bw_tamper_record *r)
{
	static const char *const names[] = { "delivered", "ignored", "already_pending",
					     "overflow_fail", "lose_info" };

	if (r->flags & BW_TAMPER_F_DENIED)
		return "denied";
	if (r->result >= 0 && (size_t)r->result < sizeof(names) / sizeof(names[0]))
		return names[r->result];
	return "unknown";
}

static void render_lineage(struct jbuf *jb, const struct bw_tamper_record *r)
{
	uint32_t i;

	json_arr_open(jb, "lineage");
	for (i = 0; i < r->n_anc && i < BW_TAMPER_ANC; i++) {
		json_obj_open(jb);
		json_kv_u64(jb, "pid", r->anc[i].pid);
		json_kv_strn(jb, "comm", r->anc[i].comm, strnlen(r->anc[i].comm, BW_COMM_LEN));
		json_obj_close(jb);
	}
	json_arr_close(jb);
}

void tamper_json_render(struct jbuf *jb, const struct bw_tamper_record *r, uint64_t total,
			bool earlier, uint64_t seq, uint64_t job_id, const struct bw_clock *clk)
{
	const char *sig = sigabbrev_np(r->sig);
	char name[16];

	snprintf(name, sizeof(name), "SIG%s", sig ? sig : "?");
	event_json_begin(jb, seq, "tamper", r->ktime_ns, job_id, clk);
	json_kv_bool(jb, "earlier_agent", earlier);
	json_kv_u64(jb, "agent_pid", r->agent_pid);
	json_kv_u64(jb, "agent_start_ns", r->agent_start_ns);
	json_kv_str(jb, "signal", name);
	json_kv_i64(jb, "signo", r->sig);
	json_kv_i64(jb, "si_code", r->code);
	json_kv_bool(jb, "group", r->group);
	json_kv_str(jb, "result", result_name(r));
	json_kv_str(jb, "sender", tamper_sender_role(r));
	json_kv_u64(jb, "pid", r->sender_pid);
	json_kv_u64(jb, "tid", r->sender_tid);
	json_kv_u64(jb, "start_ns", r->sender_start_ns);
	json_kv_u64(jb, "uid", r->sender_uid);
	if (r->sender_job)
		json_kv_u64(jb, "sender_job_id", r->sender_job);
	else
		json_kv_null(jb, "sender_job_id");
	json_kv_strn(jb, "comm", r->comm, strnlen(r->comm, BW_COMM_LEN));
	json_kv_strn(jb, "exe", r->exe, strnlen(r->exe, BW_TAMPER_EXE));
	event_json_argv(jb, r->argv, r->argv_len < BW_TAMPER_ARGV ? r->argv_len : BW_TAMPER_ARGV);
	json_kv_bool(jb, "argv_truncated", r->flags & BW_TAMPER_F_ARGV_CUT);
	render_lineage(jb, r);
	json_kv_u64(jb, "sent_total", total);
	json_kv_u64(jb, "not_kept", total > BW_TAMPER_SLOTS ? total - BW_TAMPER_SLOTS : 0);
	json_obj_close(jb);
}
