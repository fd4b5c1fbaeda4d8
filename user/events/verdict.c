// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "lib/redact.h"
#include "events/tree.h"
#include "events/verdict.h"

static void json_argv(struct jbuf *jb, const struct bw_proc *p)
{
	uint32_t i;

	json_arr_open(jb, "argv");
	for (i = 0; i < p->argv.n; i++)
		redact_json_strn(jb, NULL, p->argv.v[i], strlen(p->argv.v[i]),
				 i ? p->argv.v[i - 1] : NULL);
	json_arr_close(jb);
}

static void json_proc(struct jbuf *jb, const struct bw_proc *p)
{
	json_obj_open(jb);
	json_kv_u64(jb, "pid", p->pid);
	json_kv_u64(jb, "start_ns", p->start_ns);
	json_kv_str(jb, "exe", p->exe);
	json_argv(jb, p);
	json_obj_close(jb);
}

/* Root first: the order a person reads a chain of command in. */
static void json_ancestry(struct jbuf *jb, const struct bw_proc *p)
{
	const struct bw_proc *chain[BW_ANCESTRY_MAX];
	int n = 0;

	for (p = p->parent; p && n < BW_ANCESTRY_MAX; p = p->parent)
		chain[n++] = p;
	json_arr_open(jb, "ancestry");
	while (n--)
		json_proc(jb, chain[n]);
	json_arr_close(jb);
}

void verdict_json(struct jbuf *jb, uint64_t seq, const struct bw_clock *clk,
		  const struct verdict *v)
{
	const struct bw_proc *p = v->proc;

	event_json_begin(jb, seq, "verdict", v->ktime_ns, p->job_id, clk);
	json_kv_str(jb, "rule", policy_rule_name(v->rule));
	json_kv_str(jb, "severity", policy_severity_name(policy_rule_severity(v->rule)));
	json_kv_str(jb, "description", policy_rule_description(v->rule));
	json_kv_str(jb, "mode", policy_mode_name(v->mode));
	json_kv_str(jb, "rule_action", policy_action_name(policy_rule_action(v->rule)));
	json_kv_str(jb, "action", policy_action_name(v->taken));
	json_kv_bool(jb, "blocked", v->blocked);
	json_kv_bool(jb, "kernel_missed", v->kernel_missed);
	json_kv_str(jb, "on", v->on ? v->on : "exec");
	if (v->event_json)
		json_kv_raw(jb, "event", v->event_json, v->event_json_len);
	if (v->kill_err)
		json_kv_str(jb, "kill_error", strerror(-v->kill_err));
	json_kv_u64(jb, "pid", p->pid);
	json_kv_u64(jb, "start_ns", p->start_ns);
	redact_json_str(jb, "filename", p->filename);
	json_kv_str(jb, "exe", p->exe);
	redact_json_str(jb, "cwd", p->cwd);
	if (p->container)
		json_kv_str(jb, "container", p->container);
	json_argv(jb, p);
	json_ancestry(jb, p);
	json_obj_close(jb);
}

static const char *outcome(const struct verdict *v)
{
	if (v->blocked)
		return "BLOCKED before it ran";
	switch (v->taken) {
	case POLICY_ACT_KILL_PROCESS: return v->kill_err ? "kill FAILED" : "process killed";
	case POLICY_ACT_KILL_JOB: return "job terminated";
	case POLICY_ACT_DENY: return v->kill_err ? "kill FAILED" : "process killed (kernel missed it)";
	case POLICY_ACT_ALERT: return v->mode == POLICY_MODE_AUDIT &&
			policy_rule_action(v->rule) != POLICY_ACT_ALERT ? "alert (audit mode)" : "alert";
	default: return "logged";
	}
}

void verdict_print_line(FILE *out, const struct verdict *v)
{
	char cmd[512];

	tree_cmdline(v->proc, cmd, sizeof(cmd));
	fprintf(out, "buildwarden: [%s] %s: %s — pid %u: %s\n",
		policy_severity_name(policy_rule_severity(v->rule)), policy_rule_name(v->rule),
		outcome(v), v->proc->pid, cmd);
}

void verdict_print_block(FILE *out, const struct verdict *v)
{
	const struct bw_proc *chain[BW_ANCESTRY_MAX], *p;
	char cmd[512];
	int n = 0, i;

	for (p = v->proc; p && n < BW_ANCESTRY_MAX; p = p->parent)
		chain[n++] = p;
	fprintf(out, "\n==== buildwarden terminated this job ====\n");
	fprintf(out, "rule:      %s (severity %s)\n", policy_rule_name(v->rule),
		policy_severity_name(policy_rule_severity(v->rule)));
	if (*policy_rule_description(v->rule))
		fprintf(out, "why:       %s\n", policy_rule_description(v->rule));
	tree_cmdline(v->proc, cmd, sizeof(cmd));
	fprintf(out, "command:   %s\n", cmd);
	fprintf(out, "ancestry:\n");
	for (i = n - 1; i >= 0; i--) {
		tree_cmdline(chain[i], cmd, sizeof(cmd));
		fprintf(out, "  %*s%u %s\n", 2 * (n - 1 - i), "", chain[i]->pid, cmd);
	}
	fprintf(out, "=========================================\n");
}
