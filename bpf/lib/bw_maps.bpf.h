/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Maps and helpers every buildwarden BPF concern shares. */
#ifndef BW_MAPS_BPF_H
#define BW_MAPS_BPF_H

#include "lib/bw_core_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "buildwarden_events.h"

/* Sizes here are defaults; the loader resizes before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

/* Job scope: tgid -> job. Filled by userspace for a job root, by fork after. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct bw_proc_state);
} job_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Which network/file/privilege hooks report; see struct bw_hook_config. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_hook_config);
} hook_config SEC(".maps");

/* Set by the exit program when a fail-closed agent exits. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_fail_state);
} fail_state SEC(".maps");

/*
 * Fail closed: once the agent is gone, a job process dies at its next
 * fork, exec or syscall; so does a process of a job kill-job ended
 * (BW_PROC_DOOMED). SIGKILL from here is delivered before the task
 * returns to user mode, so it does nothing more. Returns 1 if it killed.
 */
/* The fail-closed state when anything is set; the common case is NULL after one inlined lookup. */
static __always_inline struct bw_fail_state *bw_fail_closed_pending(void)
{
	__u32 zero = 0;
	struct bw_fail_state *fs = bpf_map_lookup_elem(&fail_state, &zero);

	return fs && (fs->agent_dead || fs->doomed) ? fs : NULL;
}

static __always_inline int bw_fail_closed_kill(__u32 tgid)
{
	struct bw_fail_state *fs = bw_fail_closed_pending();
	struct bw_proc_state *st;

	/* The array check first: it keeps the common case to one lookup. */
	if (!fs)
		return 0;
	st = bpf_map_lookup_elem(&job_procs, &tgid);
	if (!st || !(fs->agent_dead || (st->flags & BW_PROC_DOOMED)))
		return 0;
	bpf_send_signal(9 /* SIGKILL */);
	return 1;
}

/*
 * The job of the current process when hook `which` is on, else NULL.
 * Subprograms (__noinline) rather than inlined copies, here and below: the
 * verifier patches every inlined map lookup by copying the whole program,
 * so the syscall programs' hundreds of copies made each `run` spend ~20% of
 * its start-up CPU in that copying.
 */
#define BW_SUBPROG static __noinline __attribute__((unused)) /* not every object calls each */

BW_SUBPROG struct bw_proc_state *bw_hook_job(__u32 which)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, zero = 0;
	struct bw_proc_state *st = bpf_map_lookup_elem(&job_procs, &tgid);
	struct bw_hook_config *cfg;

	if (!st)
		return NULL;
	cfg = bpf_map_lookup_elem(&hook_config, &zero);
	return cfg && (cfg->hooks & which) ? st : NULL;
}

/*
 * The first n bytes of a word read from memory (n at most 8): names are
 * compared eight bytes at a time, which the verifier checks as one step
 * instead of eight. Little-endian only, as both targets are.
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "word compares assume little-endian");
static __always_inline __u64 bw_low_bytes(__u32 n)
{
	return n >= 8 ? ~0ULL : (1ULL << (n * 8)) - 1;
}

static __always_inline __u32 bw_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

BW_SUBPROG void bw_count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += 1;
}

static __always_inline int bw_output(void *rec, __u64 size, __u64 flags)
{
	if (bpf_ringbuf_output(&events, rec, size, flags)) {
		bw_count(BW_CNT_LOST);
		return -1;
	}
	bw_count(BW_CNT_EVENTS);
	return 0;
}

/*
 * Fork and exit records are never judged: they wait for the next record
 * that wakes the agent (at the latest its 250 ms tick) instead of costing
 * a wakeup each, two thirds of a build's records. A quarter-full buffer
 * wakes it anyway, so batching never turns into loss.
 */
static __always_inline int bw_submit_lazy(void *rec, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 ring = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);

	return bw_output(rec, size, avail > ring / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/*
 * Ring buffer output with loss accounted, never silent, for records the
 * agent may act on: it wakes the agent, forced, because the kernel's
 * adaptive wakeup stays silent while older lazy records wait unread. A
 * type no rule that kills from userspace judges (hook_config.lazy_types)
 * is not urgent: it batches like the others.
 */
BW_SUBPROG int bw_submit(void *rec, __u64 size)
{
	__u32 zero = 0, type = ((struct bw_event_header *)rec)->type;
	struct bw_hook_config *cfg = bpf_map_lookup_elem(&hook_config, &zero);

	if (cfg && (cfg->lazy_types & BW_EV_BIT(type)))
		return bw_submit_lazy(rec, size);
	return bw_output(rec, size, BPF_RB_FORCE_WAKEUP);
}

/* Execs wake the agent only when their exe matches wake_keys (bw_deny.bpf.h). */
static __always_inline int bw_exec_wake_filter(void)
{
	__u32 zero = 0;
	struct bw_hook_config *cfg = bpf_map_lookup_elem(&hook_config, &zero);

	return cfg && cfg->exec_wake_keys;
}

static __always_inline void bw_fill_header(struct bw_event_header *h, __u32 type, __u32 size,
					   struct task_struct *task, __u64 job_id)
{
	h->ktime_ns = bpf_ktime_get_ns();
	h->start_ns = BPF_CORE_READ(task, group_leader, start_time);
	h->job_id = job_id;
	h->type = type;
	h->size = size;
	h->pid = BPF_CORE_READ(task, tgid);
	h->tid = BPF_CORE_READ(task, pid);
}

#endif /* BW_MAPS_BPF_H */
