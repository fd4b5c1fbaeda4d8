/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Holding an exec for the agent's verdict. A kill-process rule is judged
 * in userspace from the exec record, and by then the new program may have
 * run: a preloaded library's constructor, a static payload's start. Where
 * the enforcing policy kills from userspace, an exec that shows one of a
 * few cheap hints (BW_HINT_*) is stopped with SIGSTOP at
 * sched_process_exec, which is delivered on the way back to user mode,
 * before the first instruction; the agent sends SIGCONT or SIGKILL once it
 * has judged the record. The hints are supersets of what the rules
 * decide and rare in builds, so few execs wait and none is judged here.
 */
#ifndef BW_HOLD_BPF_H
#define BW_HOLD_BPF_H

#include "lib/bw_path.bpf.h"
#include "hooks/bw_deny.bpf.h"

#define BW_HOLD_ARG0_MAX 256

struct bw_hold_scratch {
	char arg0[BW_HOLD_ARG0_MAX * 2]; /* twice: masked reads past a basename stay inside */
	/* Where argv[0]'s basename starts: kept in map memory so the verifier
	 * does not follow each value through the scan (one state per step). */
	__u32 base;
	__u32 hit; /* bw_hint_path's steps found a look-alike component */
	__u32 n;   /* bytes of arg0 with its NUL, for bw_arg0_step */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_hold_scratch);
} hold_scratch SEC(".maps");

/* Interpreters for BW_HINT_INLINE (struct bw_name_prefix); set by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BW_INTERP_NAMES);
	__type(key, __u32);
	__type(value, struct bw_name_prefix);
} interp_names SEC(".maps");

/* The hints the policy wants, 0 when it holds nothing (or only audits). */
static __always_inline __u32 bw_hold_hints_wanted(void)
{
	__u32 zero = 0;
	struct bw_deny_config *cfg = bpf_map_lookup_elem(&deny_config, &zero);

	return cfg && !cfg->audit ? cfg->hold_hints : 0;
}

/*
 * One bpf_loop step of bw_hint_name: bytes 8i to 8i + 7 of argv[0], where
 * a '/' moves the basename's start past it. Steps rather than the
 * unrolled loop it was (6.1's verifier refuses the loop clang makes of
 * it): the verifier checks eight bytes once, not BW_HOLD_ARG0_MAX times,
 * and an exec pays one call per eight bytes.
 */
static long bw_arg0_step(__u32 i, void *data)
{
	__u32 zero = 0, at, k;
	struct bw_hold_scratch *hs = bpf_map_lookup_elem(&hold_scratch, &zero);

	if (!hs || i >= BW_HOLD_ARG0_MAX / 8)
		return 1;
	for (k = 0; k < 8; k++) {
		at = i * 8 + k;
		if (at >= hs->n)
			return 1;
		barrier_var(at); /* keep the mask below: the verifier needs it */
		if (hs->arg0[at & (BW_HOLD_ARG0_MAX - 1)] == '/')
			hs->base = at + 1;
	}
	return 0;
}

/*
 * The dynamic loader run as a program (ld-linux-*, ld-musl-*, ld.so,
 * ld64.so.*): the program it maps and runs is named by no exec. Not the
 * linkers (ld.bfd, ld.gold, ld.lld).
 */
static __always_inline int bw_comm_is_loader(const char *comm)
{
	if (comm[0] != 'l' || comm[1] != 'd')
		return 0;
	if (comm[2] == '-')
		return (comm[3] == 'l' && comm[4] == 'i' && comm[5] == 'n' && comm[6] == 'u' &&
			comm[7] == 'x') ||
		       (comm[3] == 'm' && comm[4] == 'u' && comm[5] == 's' && comm[6] == 'l');
	if (comm[2] == '.')
		return comm[3] == 's' && comm[4] == 'o' && !comm[5];
	return comm[2] == '6' && comm[3] == '4' && comm[4] == '.' && comm[5] == 's' &&
	       comm[6] == 'o';
}

/*
 * BW_HINT_NAME: argv[0]'s basename, past a login shell's '-', is not comm
 * (the kernel's copy of the started file's basename, cut at 15 bytes), or
 * argv[0] starts with '[' as kernel threads' names do, or the started file
 * is the dynamic loader (bw_comm_is_loader). A script's argv[0]
 * is the interpreter the kernel put there, not the caller's choice: not
 * compared. A global function, verified once.
 */
__noinline int bw_hint_name(__u64 arg_start, __u32 script)
{
	__u32 zero = 0, i, b;
	struct bw_hold_scratch *hs = bpf_map_lookup_elem(&hold_scratch, &zero);
	char comm[BW_COMM_LEN], c;
	long n;

	if (!hs || script || !arg_start)
		return 0;
	n = bpf_probe_read_user_str(hs->arg0, BW_HOLD_ARG0_MAX, (void *)arg_start);
	if (n <= 1)
		return 0;
	if (hs->arg0[0] == '[')
		return BW_HINT_NAME;
	hs->base = 0;
	hs->n = (__u32)n;
	bpf_loop(BW_HOLD_ARG0_MAX / 8, bw_arg0_step, NULL, 0);
	b = hs->base & (BW_HOLD_ARG0_MAX - 1);
	if (hs->arg0[b & (BW_HOLD_ARG0_MAX - 1)] == '-')
		b++;
	bpf_get_current_comm(comm, sizeof(comm));
	if (bw_comm_is_loader(comm))
		return BW_HINT_NAME;
#pragma unroll
	for (i = 0; i < BW_COMM_LEN - 1; i++) {
		c = hs->arg0[(b + i) & (BW_HOLD_ARG0_MAX * 2 - 1)];
		if (c != comm[i])
			return BW_HINT_NAME;
		if (!c)
			return 0;
	}
	return 0;
}

/* Does comm start with one of the interp_names prefixes? Eight bytes a compare. */
static __always_inline int bw_comm_is_interp(const __u64 *comm)
{
	struct bw_name_prefix *np;
	const __u64 *name;
	__u32 k, len;

	for (k = 0; k < BW_INTERP_NAMES; k++) {
		__u32 key = k;

		np = bpf_map_lookup_elem(&interp_names, &key);
		if (!np)
			return 0;
		len = np->len;
		if (!len || len >= BW_COMM_LEN)
			continue;
		name = (const __u64 *)np->name;
		if (!((comm[0] ^ name[0]) & bw_low_bytes(len)) &&
		    (len <= 8 || !((comm[1] ^ name[1]) & bw_low_bytes(len - 8))))
			return 1;
	}
	return 0;
}

/*
 * BW_HINT_INLINE: an interpreter whose first argument is an option, as a
 * one-line program is passed (python3 -c CODE, perl -e CODE). A global
 * function, verified once.
 */
__noinline int bw_hint_inline(__u64 arg_start, __u32 argc)
{
	__u32 zero = 0;
	struct bw_hold_scratch *hs = bpf_map_lookup_elem(&hold_scratch, &zero);
	__u64 comm[BW_COMM_LEN / 8]; /* words, for bw_comm_is_interp */
	char dash = 0;
	long n;

	if (!hs || argc < 2 || !arg_start)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	if (!bw_comm_is_interp(comm))
		return 0;
	n = bpf_probe_read_user_str(hs->arg0, BW_HOLD_ARG0_MAX, (void *)arg_start);
	if (n <= 0)
		return 0;
	/* An argv[0] longer than the buffer: argv[1] not found, held anyway. */
	if (n >= BW_HOLD_ARG0_MAX)
		return BW_HINT_INLINE;
	if (bpf_probe_read_user(&dash, 1, (void *)(arg_start + n)))
		return 0;
	return dash == '-' ? BW_HINT_INLINE : 0;
}

/*
 * An interpreter's exec (interp_names): its record wakes the agent at
 * once rather than waiting for a batch, so that its script's text is read
 * while it starts; a stager's script may be removed as soon as it ran
 * (`python3 x.py; rm x.py`). A global function, verified once.
 */
__noinline int bw_exec_wakes_for_text(void)
{
	__u64 comm[BW_COMM_LEN / 8]; /* words, for bw_comm_is_interp */

	bpf_get_current_comm(comm, sizeof(comm));
	return bw_comm_is_interp(comm);
}

static __always_inline int bw_is_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * One bpf_loop step of bw_hint_path: component i of the exe's path (leaf
 * first). A step rather than an unrolled loop: the verifier checks it once
 * instead of BW_PATH_DEPTH times.
 */
static long bw_hint_path_step(__u32 i, void *data)
{
	__u32 zero = 0, len;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct bw_hold_scratch *hs = bpf_map_lookup_elem(&hold_scratch, &zero);
	char head[2] = {}, last = 0;
	__u64 name;

	if (!pb || !hs || i >= pb->n || i >= BW_PATH_DEPTH)
		return 1;
	barrier_var(i); /* keep the masks below: the verifier needs them */
	len = pb->len[i & (BW_PATH_DEPTH - 1)];
	name = pb->name[i & (BW_PATH_DEPTH - 1)];
	if (!len || len > BW_NAME_MAX)
		return 0;
	bpf_probe_read_kernel(head, len >= 2 ? 2 : 1, (void *)name);
	bpf_probe_read_kernel(&last, 1, (void *)(name + len - 1));
	if (bw_is_blank(head[0]) || bw_is_blank(last) ||
	    (len >= 3 && head[0] == '.' && head[1] == '.')) {
		hs->hit = 1;
		return 1;
	}
	return 0;
}

/*
 * BW_HINT_PATH: a component of the exe's path, as bw_path_resolve() left
 * it in path_scratch, starts or ends with a blank or starts with ".." and
 * goes on ("...", "..x"): names built to look like another directory.
 */
__noinline int bw_hint_path(void)
{
	__u32 zero = 0;
	struct bw_hold_scratch *hs = bpf_map_lookup_elem(&hold_scratch, &zero);

	if (!hs)
		return 0;
	hs->hit = 0;
	bpf_loop(BW_PATH_DEPTH, bw_hint_path_step, NULL, 0);
	return hs->hit ? BW_HINT_PATH : 0;
}

/* BW_HINT_SOCKET: one of the new program's stdio is an IP socket. */
static __always_inline __u32 bw_hint_socket(const struct bw_exec_event *ev)
{
	__u32 i, hint = 0;

#pragma unroll
	for (i = 0; i < 3; i++)
		if (ev->stdio[i].kind == BW_STDIO_SOCKET &&
		    (ev->stdio[i].family == 2 || ev->stdio[i].family == 10))
			hint = BW_HINT_SOCKET;
	return hint;
}

/*
 * Marks the record BW_EXEC_HELD when one of its hints is wanted and no
 * deny rule already killed it; the caller stops the process once the
 * record is in the ring buffer, so a lost record never leaves it stopped.
 */
static __always_inline int bw_hold_mark(struct bw_exec_event *ev, __u32 wanted)
{
	if (!(ev->hints & wanted) || (ev->flags & (BW_EXEC_DENIED | BW_EXEC_DENY_AUDIT)))
		return 0;
	ev->flags |= BW_EXEC_HELD;
	return 1;
}

#endif /* BW_HOLD_BPF_H */
