// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Process lifecycle of watched jobs: fork joins a child to its parent's job,
 * exec records what runs (from the kernel's own copy of the arguments), exit
 * records how it ended, and execve/execveat exits record failed attempts.
 * Processes outside every job cost one hash lookup.
 */
#include "lib/bw_maps.bpf.h"
#include "lib/bw_fd.bpf.h"
#include "lib/bw_path.bpf.h"
#include "hooks/bw_deny.bpf.h"
#include "hooks/bw_hold.bpf.h"
#include "hooks/bw_tamper.bpf.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Anchors that put every record type into the object's BTF, where
 * tests/unit/test_layout.c compares them with userspace's offsets.
 */
struct bw_fork_event *bw_abi_fork __attribute__((unused));
struct bw_exec_event *bw_abi_exec __attribute__((unused));
struct bw_exec_failed_event *bw_abi_exec_failed __attribute__((unused));
struct bw_exit_event *bw_abi_exit __attribute__((unused));
struct bw_env_name *bw_abi_env_name __attribute__((unused));
struct bw_name_prefix *bw_abi_name_prefix __attribute__((unused));
struct bw_tamper_record *bw_abi_tamper __attribute__((unused));


struct bw_exec_scratch {
	char buf[sizeof(struct bw_exec_event) + BW_DATA_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_exec_scratch);
} exec_scratch SEC(".maps");

struct bw_exec_attempt {
	__u64 filename; /* user pointer passed to execve/execveat */
	__u32 flags;    /* BW_EXECFAIL_* known at entry */
	__u32 pad;
};

/* LRU: an attempt whose exit we never see (killed mid-exec) ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct bw_exec_attempt);
} exec_attempts SEC(".maps");

/* Daemon job-root rules by comm; empty (never matched) under `run`. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct bw_root_key);
	__type(value, struct bw_root_val);
} job_roots SEC(".maps");

/* Loader variables an exec record carries (struct bw_env_name); set by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BW_ENV_NAMES);
	__type(key, __u32);
	__type(value, struct bw_env_name);
} env_names SEC(".maps");

/* Programs whose every write is reported (BW_PROC_WATCH_WRITES), by comm. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct bw_root_key);
	__type(value, __u32);
} writer_names SEC(".maps");

/*
 * The environment scan reads one string, or one chunk of a longer one, per
 * bpf_loop step. A build's environment is a few dozen strings; 2048 steps
 * bound what a hostile one costs (one that hides a variable behind
 * thousands of others is flagged BW_EXEC_ENV_TRUNCATED instead).
 */
#define BW_ENV_CHUNK 1024
#define BW_ENV_STEPS 2048

/*
 * The scan's state lives here, in map memory, not on the stack: the
 * verifier then sees one state per step instead of following the
 * values from one step to the next (6.8+ verifies a bpf_loop callback as
 * a loop body until its states converge).
 */
struct bw_env_scratch {
	char chunk[BW_ENV_CHUNK];
	struct bw_env_name names[BW_ENV_NAMES];
	__u64 pos;   /* next string (or the rest of a long one) */
	__u64 end;
	__u32 off;   /* data offset of the variables */
	__u32 len;   /* bytes of them so far */
	__u32 flags; /* BW_EXEC_ENV_TRUNCATED */
	__u32 skip;  /* 1: pos is inside a string longer than a chunk */
	__u32 skip_first; /* the first chunk of the rest: just its NUL means it all fitted */
	__u32 skip_kept;  /* the long string was kept (cut): is anything lost? */
	__u32 hints;      /* BW_HINT_LOADER */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_env_scratch);
} env_scratch SEC(".maps");

static __always_inline struct bw_proc_state *bw_job_of(__u32 tgid)
{
	return bpf_map_lookup_elem(&job_procs, &tgid);
}

/*
 * Host scope (`run --scope host`, for a runner that runs one job): every
 * process that forks or execs while the job runs joins job host_job, so
 * what a container engine's daemon starts for the job (dockerd ->
 * containerd-shim -> the container) is recorded and judged although the
 * job did not create it. Left out: the agent (host_agent_tgid), its own
 * children (the build's root joins by loader_watch) and kernel threads.
 * 0 turns it off, and the verifier then drops this code.
 */
const volatile __u64 host_job = 0;
const volatile __u32 host_agent_tgid = 0;

static __always_inline struct bw_proc_state *bw_host_adopt(struct task_struct *task, __u32 tgid)
{
	struct bw_proc_state st = {};

	if (!host_job || tgid == host_agent_tgid)
		return NULL;
	/* No mm: a kernel thread (kthreadd forking workers). */
	if (!BPF_CORE_READ(task, mm) ||
	    (__u32)BPF_CORE_READ(task, real_parent, tgid) == host_agent_tgid)
		return NULL;
	st.job_id = host_job;
	st.start_ns = BPF_CORE_READ(task, group_leader, start_time);
	/* task is current (exec) or the forking parent: a later move wakes the agent, not this. */
	st.cgroup_id = bpf_get_current_cgroup_id();
	/* EEXIST: another CPU adopted it first; the lookup finds that entry. */
	if (bpf_map_update_elem(&job_procs, &tgid, &st, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&job_procs, &tgid)) {
		bw_count(BW_CNT_SCOPE_FULL);
		return NULL;
	}
	return bw_job_of(tgid);
}

/*
 * A process in no job execs a program named by a job-root rule: it starts
 * a job here, before the program's first instruction, so nothing the job
 * does is missed while userspace checks the rest of the rule. The job id
 * is the root's start time, unique per boot.
 */
static __always_inline struct bw_proc_state *bw_root_candidate(struct task_struct *task,
							       __u32 tgid)
{
	struct bw_proc_state st = {};
	struct bw_root_key key = {};
	struct bw_root_val *rv;

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	rv = bpf_map_lookup_elem(&job_roots, &key);
	if (!rv)
		return NULL;
	st.start_ns = BPF_CORE_READ(task, group_leader, start_time);
	st.job_id = st.start_ns;
	st.flags = rv->proc_flags;
	st.cgroup_id = bpf_get_current_cgroup_id();
	if (bpf_map_update_elem(&job_procs, &tgid, &st, BPF_NOEXIST)) {
		bw_count(BW_CNT_SCOPE_FULL);
		return NULL;
	}
	return bw_job_of(tgid);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct bw_proc_state *pst, cst;
	struct bw_fork_event ev;

	if (ptgid == ctgid)
		return 0; /* a new thread, not a new process */
	pst = bw_job_of(ptgid);
	if (!pst)
		pst = bw_host_adopt(parent, ptgid);
	if (!pst)
		return 0;
	if (bw_fail_closed_kill(ptgid))
		return 0;
	cst.job_id = pst->job_id;
	cst.start_ns = BPF_CORE_READ(child, start_time);
	cst.own_tags = pst->own_tags;
	cst.parent_tags = pst->own_tags;
	cst.anc_tags = pst->anc_tags | pst->own_tags;
	cst.flags = pst->flags;
	cst.pad = 0;
	cst.cgroup_id = pst->cgroup_id;
	if (bpf_map_update_elem(&job_procs, &ctgid, &cst, BPF_ANY))
		bw_count(BW_CNT_SCOPE_FULL);

	bw_fill_header(&ev.hdr, BW_EV_FORK, sizeof(ev), child, cst.job_id);
	ev.hdr.tid = ctgid;
	/* child->group_leader is the child itself; read start_time directly. */
	ev.hdr.start_ns = cst.start_ns;
	ev.parent_pid = ptgid;
	ev.parent_tid = BPF_CORE_READ(parent, pid);
	ev.parent_start_ns = BPF_CORE_READ(parent, group_leader, start_time);
	bw_submit_lazy(&ev, sizeof(ev));
	return 0;
}

static __always_inline void bw_exec_args(struct bw_exec_event *ev, struct task_struct *task,
					 __u32 off)
{
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = end - start;

	if (!start || end <= start) {
		ev->flags |= BW_EXEC_ARGS_UNAVAILABLE;
		return;
	}
	if (len > BW_ARGS_MAX) {
		len = BW_ARGS_MAX;
		ev->flags |= BW_EXEC_ARGS_TRUNCATED;
	}
	barrier_var(len);
	barrier_var(off);
	/* The new mm's argument pages were just written by exec: resident. */
	if (bpf_probe_read_user(&ev->data[off & (BW_DATA_SLOT - 1)], len & (BW_ARGS_MAX * 2 - 1),
				(void *)start)) {
		ev->flags |= BW_EXEC_ARGS_UNAVAILABLE;
		bw_count(BW_CNT_PATH_ERR);
		return;
	}
	ev->args_len = len;
}

#define BW_MINORBITS 20
#define BW_MKDEV(ma, mi) (((ma) << BW_MINORBITS) | (mi))

static __always_inline __u16 bw_tty_or_other(__u32 rdev)
{
	__u32 major = rdev >> BW_MINORBITS, minor = rdev & ((1u << BW_MINORBITS) - 1);

	if (rdev == BW_MKDEV(1, 3))
		return BW_STDIO_NULL;
	/* 4: virtual consoles and serial ports; 5: tty, console, ptmx; 136-143: ptys */
	if (major == 4 || (major == 5 && minor <= 2) || (major >= 136 && major <= 143))
		return BW_STDIO_TTY;
	return BW_STDIO_OTHER;
}

/* A socket's family and, for IPv4 and IPv6, its peer. */
static __always_inline void bw_stdio_socket(struct bw_stdio *sd, struct file *f)
{
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(sock, sk);

	if (!sk)
		return;
	sd->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (sd->family != 2 /* AF_INET */ && sd->family != 10 /* AF_INET6 */)
		return;
	sd->port = bw_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (sd->family == 2)
		BPF_CORE_READ_INTO((__u32 *)sd->addr, sk, __sk_common.skc_daddr);
	else if (bpf_core_field_exists(sk->__sk_common.skc_v6_daddr))
		BPF_CORE_READ_INTO(sd->addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
}

/*
 * Describes descriptor fd (0, 1 or 2) of the new program in the exec
 * record being built in exec_scratch; a regular file's path goes to data
 * at off. Returns the bytes of that path (0: none). A global function,
 * verified once for the three descriptors.
 */
__noinline int bw_exec_stdio(__u32 fd, __u32 off)
{
	__u32 zero = 0, status, fmode, len;
	struct bw_exec_scratch *s = bpf_map_lookup_elem(&exec_scratch, &zero);
	struct bw_exec_event *ev;
	struct bw_stdio *sd;
	struct inode *inode;
	struct file *f;

	if (!s || fd > 2)
		return 0;
	ev = (void *)s->buf;
	/* The compiler would drop the mask (fd <= 2): the verifier needs it. */
	barrier_var(fd);
	sd = &ev->stdio[fd & 3];
	__builtin_memset(sd, 0, sizeof(*sd));
	f = bw_file_of((int)fd);
	if (!f)
		return 0; /* BW_STDIO_NONE */
	inode = BPF_CORE_READ(f, f_inode);
	sd->id = BPF_CORE_READ(inode, i_ino);
	fmode = BPF_CORE_READ(f, f_mode);
	sd->mode = (fmode & BW_FMODE_READ ? BW_STDIO_READ : 0) |
		   (fmode & BW_FMODE_WRITE ? BW_STDIO_WRITE : 0);
	switch (BPF_CORE_READ(inode, i_mode) & BW_S_IFMT) {
	case BW_S_IFIFO:
		sd->kind = BW_STDIO_PIPE;
		return 0;
	case BW_S_IFSOCK:
		sd->kind = BW_STDIO_SOCKET;
		bw_stdio_socket(sd, f);
		return 0;
	case BW_S_IFCHR:
		sd->rdev = BPF_CORE_READ(inode, i_rdev);
		sd->kind = bw_tty_or_other(sd->rdev);
		return 0;
	case BW_S_IFREG:
		sd->kind = BW_STDIO_FILE;
		len = bw_path_append(__builtin_preserve_access_index(&f->f_path), ev->data, off,
				     BW_DATA_SLOT - 1, &status);
		sd->path_len = len;
		return len;
	default:
		sd->kind = BW_STDIO_OTHER;
		return 0;
	}
}

/*
 * Is the string in the scratch chunk, n bytes with its NUL, NAME=... for
 * an asked-for NAME? 2 when NAME is marked hint and its value is not
 * empty, 1 for other asked-for names, 0 otherwise. A global function:
 * verified once, not per step.
 */
__noinline int bw_env_wanted(__u32 n)
{
	__u32 zero = 0, k, w, l;
	struct bw_env_scratch *es = bpf_map_lookup_elem(&env_scratch, &zero);
	const __u64 *chunk, *name;
	__u64 diff;

	if (!es)
		return 0;
	chunk = (const __u64 *)es->chunk;
	for (k = 0; k < BW_ENV_NAMES; k++) {
		l = es->names[k].len;
		if (!l || l >= BW_ENV_NAME_LEN || n < l + 2)
			continue;
		if (es->chunk[l & (BW_ENV_NAME_LEN - 1)] != '=')
			continue;
		name = (const __u64 *)es->names[k].name;
		diff = 0;
		for (w = 0; w < BW_ENV_NAME_LEN / 8 && w * 8 < l; w++)
			diff |= (chunk[w] ^ name[w]) & bw_low_bytes(l - w * 8);
		if (!diff)
			return es->names[k].hint && n > l + 2 ? 2 : 1;
	}
	return 0;
}

/* One bpf_loop step: one environment string, or one chunk of a long one. */
static long bw_env_step(__u32 i, void *data)
{
	__u32 zero = 0, room, n32, k;
	struct bw_env_scratch *es = bpf_map_lookup_elem(&env_scratch, &zero);
	struct bw_exec_scratch *s = bpf_map_lookup_elem(&exec_scratch, &zero);
	struct bw_exec_event *ev;
	char *dst;
	long n;

	if (!es || !s || es->pos >= es->end)
		return 1;
	n = bpf_probe_read_user_str(es->chunk, BW_ENV_CHUNK, (void *)es->pos);
	if (n <= 0) {
		es->flags |= BW_EXEC_ENV_TRUNCATED; /* unreadable: the rest is unknown */
		return 1;
	}
	if (es->skip) {
		/* The rest of a string longer than a chunk; n == CHUNK: still more. */
		if (es->skip_kept && !(es->skip_first && n == 1))
			es->flags |= BW_EXEC_ENV_TRUNCATED;
		es->skip_first = 0;
		if (n < BW_ENV_CHUNK) {
			es->skip = 0;
			es->pos += n;
		} else {
			es->pos += BW_ENV_CHUNK - 1;
		}
		return 0;
	}
	/* n == CHUNK: the string may go on; the chunk ends with a NUL either way. */
	es->pos += n < BW_ENV_CHUNK ? n : BW_ENV_CHUNK - 1;
	if (n == BW_ENV_CHUNK) {
		es->skip = 1;
		es->skip_first = 1;
		es->skip_kept = 0;
	}
	k = bw_env_wanted((__u32)n);
	if (!k)
		return 0;
	if (k == 2)
		es->hints |= BW_HINT_LOADER;
	room = BW_ENV_MAX - es->len;
	n32 = (__u32)n;
	if (es->len >= BW_ENV_MAX || room < 2) {
		es->flags |= BW_EXEC_ENV_TRUNCATED;
		return 0;
	}
	if (n32 > room) {
		n32 = room; /* cut, NUL-terminated below */
		es->flags |= BW_EXEC_ENV_TRUNCATED;
	}
	es->skip_kept = es->skip;
	ev = (void *)s->buf;
	barrier_var(n32);
	dst = &ev->data[(es->off + es->len) & (BW_DATA_SLOT - 1)];
	bpf_probe_read_kernel(dst, n32 & (BW_ENV_CHUNK * 2 - 1), es->chunk);
	dst[(n32 - 1) & (BW_ENV_CHUNK * 2 - 1)] = '\0';
	es->len += n32;
	return 0;
}

/*
 * Copies the NAME=VALUE strings of the new environment whose NAME the
 * env_names map asks for into the record at data offset off, and no other
 * variable. Exec has just written these pages: they are resident. Returns
 * the bytes written; sets BW_EXEC_ENV_TRUNCATED on the record when a
 * variable was cut or the scan could not see the whole environment.
 */
__noinline int bw_exec_env(__u32 off)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	__u32 zero = 0, k, any = 0;
	struct bw_env_scratch *es = bpf_map_lookup_elem(&env_scratch, &zero);
	struct bw_exec_scratch *s = bpf_map_lookup_elem(&exec_scratch, &zero);
	struct bw_exec_event *ev;
	struct bw_env_name *nm;

	if (!es || !s)
		return 0;
	for (k = 0; k < BW_ENV_NAMES; k++) {
		__u32 key = k;

		nm = bpf_map_lookup_elem(&env_names, &key);
		if (!nm)
			return 0;
		es->names[k] = *nm;
		any |= nm->len;
	}
	if (!any)
		return 0;
	es->pos = BPF_CORE_READ(t, mm, env_start);
	es->end = BPF_CORE_READ(t, mm, env_end);
	es->off = off;
	es->len = es->flags = es->skip = es->skip_first = es->skip_kept = es->hints = 0;
	bpf_loop(BW_ENV_STEPS, bw_env_step, NULL, 0);
	if (es->pos < es->end)
		es->flags |= BW_EXEC_ENV_TRUNCATED; /* more than BW_ENV_STEPS steps */
	ev = (void *)s->buf;
	ev->flags |= es->flags;
	ev->hints |= es->hints;
	return es->len;
}

static __always_inline int bw_on_exec(struct task_struct *task, pid_t old_tid,
				      struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u32 zero = 0, off = 0, status, len;
	struct bw_proc_state *st;
	struct bw_exec_scratch *s;
	struct bw_exec_event *ev;
	struct fs_struct *fs;
	struct file *file;
	struct path *path;
	__u32 otid = old_tid, root = 0, i, hold;
	int moved, wake, lost;
	long n;

	st = bw_job_of(tgid);
	if (!st) {
		st = bw_root_candidate(task, tgid);
		if (st)
			root = BW_EXEC_JOB_ROOT;
		else
			st = bw_host_adopt(task, tgid);
		if (!st)
			return 0; /* not watched: no attempt was kept (bw_exec_enter) */
	}
	bpf_map_delete_elem(&exec_attempts, &otid);
	if (bw_fail_closed_kill(tgid))
		return 0;
	s = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!s)
		return 0;
	ev = (void *)s->buf;

	ev->parent_start_ns = BPF_CORE_READ(task, real_parent, group_leader, start_time);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	/*
	 * Moved to another cgroup since its last exec or its fork: a
	 * container's first program (runc joins the container's cgroup, then
	 * execs). The agent is woken for it, as it must name the container
	 * from the cgroup while the cgroup still exists, and a short-lived
	 * container's is removed within milliseconds of its end.
	 */
	moved = st->cgroup_id != ev->cgroup_id;
	st->cgroup_id = ev->cgroup_id;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->old_tid = old_tid;
	ev->uid = BPF_CORE_READ(task, cred, uid.val);
	ev->euid = BPF_CORE_READ(task, cred, euid.val);
	ev->gid = BPF_CORE_READ(task, cred, gid.val);
	ev->egid = BPF_CORE_READ(task, cred, egid.val);
	ev->argc = BPF_CORE_READ(bprm, argc);
	ev->flags = root;
	ev->deny_rule = 0;
	ev->hints = 0;
	ev->filename_len = ev->exe_len = ev->cwd_len = ev->args_len = ev->env_len = 0;
	__builtin_memset(ev->pad1, 0, sizeof(ev->pad1));
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));

	n = bpf_probe_read_kernel_str(ev->data, BW_FILENAME_MAX, BPF_CORE_READ(bprm, filename));
	if (n > 0) {
		if (n == BW_FILENAME_MAX)
			ev->flags |= BW_EXEC_FILENAME_TRUNCATED;
		ev->filename_len = n;
		off = n;
	}

	file = BPF_CORE_READ(bprm, file);
	path = __builtin_preserve_access_index(&file->f_path);
	len = bw_path_append(path, ev->data, off, BW_DATA_SLOT - 1, &status);
	if (!len)
		ev->flags |= BW_EXEC_EXE_UNAVAILABLE;
	else if (status == BW_PATH_TRUNCATED)
		ev->flags |= BW_EXEC_EXE_TRUNCATED;
	if (len && bw_path_was_anon())
		ev->flags |= BW_EXEC_EXE_ANON;
	/* No name left: unlinked since it was opened, or a memfd (nlink 0). */
	if (BPF_CORE_READ(file, f_inode, __i_nlink) == 0)
		ev->flags |= BW_EXEC_EXE_DELETED;
	ev->exe_len = len;
	off += len;
	/* Before the cwd walk: the deny check reads the exe's components. */
	wake = bw_deny_exec(st, ev, bw_exec_wake_filter());
	/* The program the dynamic loader runs is the exe userspace judges: any key may be it. */
	wake |= bw_comm_is_loader(ev->comm);
	/* No rule that kills from userspace can match it: nothing to hold it for. */
	hold = wake ? bw_hold_hints_wanted() : 0;
	if (hold & BW_HINT_PATH)
		ev->hints |= bw_hint_path();
	if (hold & BW_HINT_NAME)
		ev->hints |= bw_hint_name(BPF_CORE_READ(task, mm, arg_start),
					  BPF_CORE_READ(bprm, interp) != BPF_CORE_READ(bprm, filename));
	if (hold & BW_HINT_INLINE)
		ev->hints |= bw_hint_inline(BPF_CORE_READ(task, mm, arg_start), ev->argc);
	if (!st->start_ns)
		st->start_ns = BPF_CORE_READ(task, group_leader, start_time);
	/* A new program is judged afresh: its network use and its name. */
	st->flags &= ~(BW_PROC_NET | BW_PROC_WATCH_WRITES);
	if (bpf_map_lookup_elem(&writer_names, ev->comm))
		st->flags |= BW_PROC_WATCH_WRITES;

	fs = BPF_CORE_READ(task, fs);
	path = __builtin_preserve_access_index(&fs->pwd);
	if (fs)
		len = bw_path_append(path, ev->data, off, BW_DATA_SLOT - 1, &status);
	else
		len = 0;
	if (!len)
		ev->flags |= BW_EXEC_CWD_UNAVAILABLE;
	else if (status == BW_PATH_TRUNCATED)
		ev->flags |= BW_EXEC_CWD_TRUNCATED;
	ev->cwd_len = len;
	off += len;

	/* Each at most BW_PATH_MAX (bw_path_append), the env at most BW_ENV_MAX. */
	for (i = 0; i < 3; i++) {
		len = bw_exec_stdio(i, off);
		off += len <= BW_PATH_MAX ? len : 0;
	}
	if (hold & BW_HINT_SOCKET)
		ev->hints |= bw_hint_socket(ev);
	len = bw_exec_env(off);
	ev->env_len = len <= BW_ENV_MAX ? len : 0;
	off += ev->env_len;

	bw_exec_args(ev, task, off);

	barrier_var(off);
	len = sizeof(*ev) + (off & (BW_DATA_SLOT - 1)) + (ev->args_len & (BW_ARGS_MAX * 2 - 1));
	if (len > sizeof(*s))
		return 0;
	bw_fill_header(&ev->hdr, BW_EV_EXEC, len, task, st->job_id);
	hold = bw_hold_mark(ev, hold);
	/*
	 * The stop is queued before the record can be read: the agent's
	 * SIGCONT (or SIGKILL) then always comes after it. Queued after, a
	 * verdict could beat it (the wakeup may run the agent on this CPU at
	 * once) and the stop would come last, holding the process for good.
	 * A record that cannot be written takes its stop back.
	 */
	if (hold)
		bpf_send_signal(19 /* SIGSTOP */);
	/* A held exec waits for the agent: it must not wait for a batch too. */
	if (moved || hold || bw_exec_wakes_for_text())
		lost = bw_output(ev, len, BPF_RB_FORCE_WAKEUP);
	else
		lost = wake ? bw_submit(ev, len) : bw_submit_lazy(ev, len);
	if (lost && hold)
		bpf_send_signal(18 /* SIGCONT */);
	return 0;
}

/* Preferred: typed arguments, direct BTF access. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec_btf, struct task_struct *task, pid_t old_tid, struct linux_binprm *bprm)
{
	return bw_on_exec(task, old_tid, bprm);
}

/* Fallback where tracing programs cannot be loaded or attached. */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(handle_exec_raw, struct task_struct *task, pid_t old_tid, struct linux_binprm *bprm)
{
	return bw_on_exec(task, old_tid, bprm);
}

/* Rules a BPF LSM hook applied, by tid, for the failed exec's record. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} lsm_denied SEC(".maps");

/*
 * Where BPF LSM is enabled, a deny rule makes the exec itself fail with
 * EPERM: the parent sees an error, not a killed child. Called for each
 * file exec opens, so a #! script is checked as itself, then as its
 * interpreter. Loaded only where the kernel runs BPF LSM (loader.c);
 * elsewhere the SIGKILL at sched_process_exec stands in.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(handle_bprm_check, struct linux_binprm *bprm, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id, zero = 0, rule;
	struct bw_deny_config *cfg;
	struct bw_proc_state *st;
	struct file *file;

	if (ret)
		return ret;
	st = bw_job_of(tgid);
	if (!st || (st->flags & BW_PROC_USER_DENY))
		return 0;
	cfg = bpf_map_lookup_elem(&deny_config, &zero);
	if (!cfg || !cfg->enabled || cfg->audit)
		return 0;
	file = BPF_CORE_READ(bprm, file);
	if (!bw_path_walk((__u64)__builtin_preserve_access_index(&file->f_path)))
		return 0;
	rule = bw_deny_eval(st->anc_tags, st->parent_tags, 0);
	if (!rule)
		return 0;
	bpf_map_update_elem(&lsm_denied, &tid, &rule, BPF_ANY);
	return -1; /* -EPERM */
}

/*
 * The pipe a process that never exec'd writes on fd 1 (its exec id is
 * still the one it was forked with), or 0. The tracepoint fires before
 * the descriptors are closed.
 */
static __always_inline __u64 bw_exit_stdout_pipe(struct task_struct *task)
{
	struct inode *inode;
	struct file *f;

	if (BPF_CORE_READ(task, self_exec_id) != BPF_CORE_READ(task, parent_exec_id))
		return 0;
	f = bw_file_of(1);
	if (!f || !(BPF_CORE_READ(f, f_mode) & BW_FMODE_WRITE))
		return 0;
	inode = BPF_CORE_READ(f, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & BW_S_IFMT) != BW_S_IFIFO)
		return 0;
	return BPF_CORE_READ(inode, i_ino);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid), zero = 0;
	struct bw_proc_state *st = bw_job_of(tgid);
	struct bw_hook_config *cfg;
	struct bw_fail_state *fs;
	struct bw_exit_event ev;

	/* signal->live already counts this thread out: 0 means last thread. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (!st) {
		cfg = bpf_map_lookup_elem(&hook_config, &zero);
		fs = bpf_map_lookup_elem(&fail_state, &zero);
		if (cfg && fs && cfg->fail_closed && cfg->agent_tgid == tgid)
			fs->agent_dead = 1; /* the agent is gone: see bw_fail_closed_kill */
		return 0;
	}
	bw_fill_header(&ev.hdr, BW_EV_EXIT, sizeof(ev), task, st->job_id);
	ev.parent_start_ns = BPF_CORE_READ(task, real_parent, group_leader, start_time);
	ev.ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev.exit_status = BPF_CORE_READ(task, exit_code);
	ev.stdout_pipe = bw_exit_stdout_pipe(task);
	BPF_CORE_READ_INTO(&ev.comm, task, comm);
	bw_submit_lazy(&ev, sizeof(ev));
	bpf_map_delete_elem(&job_procs, &tgid);
	return 0;
}

static __always_inline int bw_exec_enter(__u64 filename, __u32 flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct bw_exec_attempt a = { .filename = filename, .flags = flags };

	if (!bw_job_of(tgid))
		return 0;
	if (bpf_map_update_elem(&exec_attempts, &tid, &a, BPF_ANY))
		bw_count(BW_CNT_CALL_DROPPED);
	return 0;
}

static __always_inline int bw_exec_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct bw_exec_attempt *a = bpf_map_lookup_elem(&exec_attempts, &tid);
	struct bw_exec_failed_event *ev;
	struct bw_proc_state *st;
	struct bw_exec_scratch *s;
	__u32 zero = 0, size, *denied;
	long n;

	if (!a)
		return 0;
	st = bw_job_of(tgid);
	if (ret >= 0 || !st)
		goto done;
	/* Reuse the exec scratch: this runs in syscall context, never nested in exec. */
	s = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!s)
		goto done;
	ev = (void *)s->buf;
	ev->error = ret;
	ev->flags = a->flags;
	ev->filename_len = 0;
	ev->pad0 = 0;
	ev->deny_rule = 0;
	denied = bpf_map_lookup_elem(&lsm_denied, &tid);
	if (denied) {
		ev->deny_rule = *denied;
		ev->flags |= BW_EXECFAIL_DENIED;
		bpf_map_delete_elem(&lsm_denied, &tid);
	}
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	/* getname() just copied this string, so its page is resident. */
	n = bpf_probe_read_user_str(ev->data, BW_FILENAME_MAX, (void *)a->filename);
	if (n > 0)
		ev->filename_len = n;
	else
		ev->flags |= BW_EXECFAIL_FILENAME_UNAVAILABLE;
	size = sizeof(*ev) + (ev->filename_len & (BW_FILENAME_MAX * 2 - 1));
	if (size > sizeof(*s))
		goto done;
	bw_fill_header(&ev->hdr, BW_EV_EXEC_FAILED, size, (void *)bpf_get_current_task(), st->job_id);
	/* Only a denied exec is judged (deny's fallback): a PATH search's misses never are. */
	if (ev->flags & BW_EXECFAIL_DENIED)
		bw_submit(ev, size);
	else
		bw_submit_lazy(ev, size);
done:
	bpf_map_delete_elem(&exec_attempts, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int handle_execve_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_exec_enter(ctx->args[0], 0);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int handle_execveat_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_exec_enter(ctx->args[1], BW_EXECFAIL_EXECVEAT);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int handle_execve_exit(struct bw_sys_exit_ctx *ctx)
{
	return bw_exec_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int handle_execveat_exit(struct bw_sys_exit_ctx *ctx)
{
	return bw_exec_exit(ctx->ret);
}

/*
 * Signals aimed at the agent: who sent them, kept in maps the agent pins
 * so they outlive it (bpf/hooks/bw_tamper.bpf.h, user/kernel/tamper.c).
 * In this object rather than one of their own, which cost a third parse
 * of the kernel's BTF (about 11 ms) on the way to every build's first
 * exec.
 */
SEC("raw_tp/signal_generate")
int BPF_PROG(handle_signal_generate, int sig, void *info, struct task_struct *task, int group,
	     int result)
{
	if (!task || !bw_tamper_wanted(task, sig))
		return 0;
	bw_tamper_record(task, sig, bw_tamper_code((__u64)info), result, (__u32)group, 0);
	return 0;
}

/*
 * Where BPF LSM is active (loaded only then, with handle_bprm_check), a
 * job process cannot signal the agent at all: the kill fails with EPERM,
 * and the attempt is recorded like a delivered signal, marked denied.
 * A zero signal (a liveness probe) and harmless ones pass.
 */
SEC("lsm/task_kill")
int BPF_PROG(handle_task_kill, struct task_struct *p, void *info, int sig, const struct cred *cred,
	     int ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ret || !sig || !p || !bw_tamper_wanted(p, sig))
		return ret;
	if (!bpf_map_lookup_elem(&job_procs, &tgid))
		return 0;
	bw_tamper_record(p, sig, bw_tamper_code((__u64)info), 0, 0, BW_TAMPER_F_DENIED);
	return -1; /* -EPERM */
}
