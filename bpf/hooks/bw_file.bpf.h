/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * File operations of watched jobs on watched paths: opens for write,
 * create or truncate under a protected directory, opens for read of
 * sensitive files, renames, unlinks and links under protected paths (a
 * hard link's existing file when it is a sensitive one), chmods and
 * extended attributes set there. Wherever the path is: every open for
 * writing, rename and link by a process that reached the network or runs a
 * decoder or downloader (BW_PROC_NET, BW_PROC_WATCH_WRITES), every chmod
 * that sets set-uid or set-gid, every file capability set. An open is
 * judged at its exit by the path the kernel resolved for the new
 * descriptor, so relative paths, symlinks and dirfds cannot hide the
 * target.
 */
#ifndef BW_FILE_BPF_H
#define BW_FILE_BPF_H

#include "lib/bw_fd.bpf.h"
#include "lib/bw_path.bpf.h"


#define AT_FDCWD -100
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_TRUNC 01000
#define BW_O_WRITING (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)
#define BW_S_ISUID 04000
#define BW_S_ISGID 02000
#define BW_WATCH_DEPTH 16
/* Processes whose writes are reported wherever they go. */
#define BW_PROC_FOLLOW_WRITES (BW_PROC_NET | BW_PROC_WATCH_WRITES)

/* Keys as for deny rules: a directory prefix ending in '/', or a basename. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct bw_deny_key);
	__type(value, __u32);
} file_watch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct bw_deny_key);
	__type(value, __u32);
} watch_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_watch_filter);
} watch_filter SEC(".maps");

enum { BW_SET_DIRS, BW_SET_ANC, BW_SET_NAMES };

/* The filter bits (BW_SET_*) of what need (BW_WATCH_WRITE or BW_WATCH_READ) asks. */
static __always_inline __u64 *bw_watch_set(int which, __u32 need)
{
	__u32 zero = 0, i = need & BW_WATCH_READ ? 1 : 0;
	struct bw_watch_filter *wf = bpf_map_lookup_elem(&watch_filter, &zero);

	if (!wf)
		return NULL;
	switch (which) {
	case BW_SET_NAMES: return wf->names[i];
	case BW_SET_ANC: return wf->anc[i];
	}
	return wf->dirs[i];
}

/*
 * Could a key of len bytes whose last name starts with first and ends
 * with last be in the map set stands for? (struct bw_watch_filter)
 */
static __always_inline int bw_watch_maybe(__u64 *set, __u32 len, char first, char last)
{
	__u32 bit = BW_WATCH_FILTER_BIT(len, first, last);

	return set && ((set[(bit >> 6) & (BW_WATCH_FILTER_BITS / 64 - 1)] >> (bit & 63)) & 1);
}

/* The watch bits of the directory prefix in key (len bytes: the filter's test comes first). */
static __always_inline __u32 bw_watch_dir_bits(const char *key, __u32 len)
{
	__u32 *v;

	if (len >= BW_DENY_KEY_LEN)
		return 0;
	v = bpf_map_lookup_elem(&file_watch, key);
	return v ? *v : 0;
}

/* The watch bits of the basename in key, len bytes, where the filter lets it be one. */
static __always_inline __u32 bw_watch_name_bits(__u32 need, const char *key, __u32 len)
{
	__u32 *v;

	__u64 *names = bw_watch_set(BW_SET_NAMES, need);

	if (!bw_watch_maybe(names, len, key[0], key[(len - 1) & BW_NAME_MAX]))
		return 0;
	v = bpf_map_lookup_elem(&watch_names, key);
	return v ? *v : 0;
}

struct bw_file_call {
	__u64 path;  /* user pointers; path 0: the file is dirfd itself (fchmod, fsetxattr) */
	__u64 path2; /* rename's target, setxattr's attribute name */
	__u32 op;
	__u32 flags; /* open flags, chmod's mode, setxattr's flags */
	__s32 dirfd;
	__s32 dirfd2; /* where rename's target is resolved (renameat's newdirfd) */
	__u32 compat; /* a 32-bit compat syscall: BW_FILE_COMPAT on its record */
};

/*
 * The operation in flight on each thread, from its entry to its exit:
 * task storage, a slot that lives and dies with the thread and is found
 * from the task itself (op 0: none). A hash by tid cost an update, a
 * lookup and a delete (~190 ns of an open in a job, LRU bookkeeping the
 * most of it).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct bw_file_call);
} file_calls SEC(".maps");

/* This thread's slot; create (BPF_LOCAL_STORAGE_GET_F_CREATE) at an entry. */
static __always_inline struct bw_file_call *bw_file_call_slot(__u64 create)
{
	return bpf_task_storage_get(&file_calls, bpf_get_current_task_btf(), NULL, create);
}

#define BW_FILE_DATA 4096
struct bw_file_scratch {
	char buf[sizeof(struct bw_file_event) + BW_FILE_DATA];
	char key[BW_DENY_KEY_LEN * 2];
	/* Loop state of bw_watch_str and bw_watch_eval, in memory so branches converge. */
	__u32 bits;
	__u32 leaf;     /* bytes up to the last '/' */
	__u32 end;      /* bytes before the NUL (at most BW_DENY_KEY_LEN - 1) */
	__u32 need;     /* BW_WATCH_WRITE or BW_WATCH_READ: the filter the steps test */
	__u32 w;        /* bytes of key written by bw_watch_dir_step */
	__u32 leaf_dir; /* bw_watch_eval's leaf_is_dir */
	__u32 stop;     /* bw_watch_byte stopped before the end */
	__u32 anc;      /* bw_watch_eval's leaf is a directory a watched one is under */
	__u32 shape;    /* bw_name_shape's BW_NAME_* */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_file_scratch);
} file_scratch SEC(".maps");

static __always_inline int bw_file_enter2(struct bw_sys_enter_ctx *ctx, __u32 op, __u64 path,
					  __u64 path2, __u32 flags, __s32 dirfd, __s32 dirfd2)
{
	struct bw_file_call *call;

	if (!bw_hook_job(BW_HOOK_FILE))
		return 0;
	call = bw_file_call_slot(BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!call) { /* no memory, or the storage busy on this CPU: say so */
		bw_count(BW_CNT_CALL_DROPPED);
		return 0;
	}
	call->path = path;
	call->path2 = path2;
	call->op = op;
	call->flags = flags;
	call->dirfd = dirfd;
	call->dirfd2 = dirfd2;
	call->compat = ctx->compat;
	return 0;
}

static __always_inline int bw_file_enter(struct bw_sys_enter_ctx *ctx, __u32 op, __u64 path,
					 __u64 path2, __u32 flags, __s32 dirfd)
{
	return bw_file_enter2(ctx, op, path, path2, flags, dirfd, dirfd);
}

/*
 * One bpf_loop step of bw_watch_eval: the directory prefix that ends with
 * the component i places from the root, its watch bits added. A step, not
 * a loop the verifier walks BW_WATCH_DEPTH times over (a fifth of the
 * syscall exit program's instructions verified).
 */
static long bw_watch_dir_step(__u32 i, void *data)
{
	__u32 zero = 0, w, len;
	char first, last;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);
	int j;

	if (!pb || !s)
		return 1;
	j = (int)pb->n - 1 - (int)i;
	if (j < 0 || (j == 0 && !s->leaf_dir)) /* j == 0: the leaf */
		return 1;
	len = pb->len[j & (BW_PATH_DEPTH - 1)];
	w = s->w;
	if (len > BW_NAME_MAX || w >= BW_DENY_KEY_LEN || w + len + 2 >= BW_DENY_KEY_LEN)
		return 1;
	barrier_var(len);
	s->key[w & (BW_DENY_KEY_LEN - 1)] = '/';
	bpf_probe_read_kernel(&s->key[(w + 1) & (BW_DENY_KEY_LEN - 1)], len & BW_NAME_MAX,
			      (void *)pb->name[j & (BW_PATH_DEPTH - 1)]);
	w += len + 1;
	s->key[w & (BW_DENY_KEY_LEN - 1)] = '/';
	s->w = w;
	/* An empty name reads as '/' twice, as the filter's keys. */
	first = s->key[(w - len) & (BW_DENY_KEY_LEN - 1)];
	last = s->key[(w - (len ? 1 : 0)) & (BW_DENY_KEY_LEN - 1)];
	if (bw_watch_maybe(bw_watch_set(BW_SET_DIRS, s->need), w + 1, first, last))
		s->bits |= bw_watch_dir_bits(s->key, w + 1);
	else if (!bw_watch_maybe(bw_watch_set(BW_SET_ANC, s->need), w + 1, first, last))
		return 1; /* no watched directory below this one: most of a build's paths */
	s->anc = !j; /* the leaf itself: a watched directory may lie below it */
	return 0;
}

/*
 * The watch bits of the path bw_path_walk() left in path_scratch, of
 * which need (BW_WATCH_WRITE or BW_WATCH_READ) is asked: any directory
 * prefix's, and the basename's (or, when leaf_is_dir, the leaf as a
 * directory too). A global function, verified once.
 */
__noinline int bw_watch_eval(int leaf_is_dir, __u32 need)
{
	__u32 zero = 0, len;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);

	if (!pb || !s)
		return 0;
	__builtin_memset(s->key, 0, BW_DENY_KEY_LEN);
	s->w = 0;
	s->bits = 0;
	s->need = need;
	s->leaf_dir = leaf_is_dir;
	s->anc = !pb->n; /* the root */
	bpf_loop(BW_WATCH_DEPTH, bw_watch_dir_step, NULL, 0);
	if (!pb->n)
		return s->bits;
	__builtin_memset(s->key, 0, BW_DENY_KEY_LEN);
	len = pb->len[0];
	if (len > BW_NAME_MAX)
		return s->bits;
	barrier_var(len);
	bpf_probe_read_kernel(s->key, len & BW_NAME_MAX, (void *)pb->name[0]);
	return s->bits | bw_watch_name_bits(need, s->key, len);
}

/*
 * One bpf_loop step of bw_watch_str: byte i of the path, and at each '/'
 * the watch bits of the directory prefix it ends. A step, not a loop the
 * verifier walks byte by byte (13,800 of the syscall exit program's
 * instructions verified). At a prefix no watched directory is under
 * (struct bw_watch_filter's anc), the scan stops (stop set): the
 * basename is found from the end instead. Most of a build's refused
 * opens are a compiler's search for a header, /usr/... paths: a few
 * steps rather than one per byte.
 */
static long bw_watch_byte(__u32 i, void *data)
{
	__u32 zero = 0;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);
	struct bw_file_event *ev;
	char c, first, last;

	if (!s || i >= BW_DENY_KEY_LEN - 1)
		return 1;
	barrier_var(i); /* keep the masks below: the verifier needs them */
	ev = (void *)s->buf;
	c = ev->data[i & (BW_DENY_KEY_LEN - 1)];
	if (!c)
		return 1;
	s->key[i & (BW_DENY_KEY_LEN - 1)] = c;
	s->end = i + 1;
	if (c != '/')
		return 0;
	/* The name this '/' ends is key[leaf, i); an empty one reads as '/' twice. */
	first = s->key[(s->leaf < i ? s->leaf : i) & (BW_DENY_KEY_LEN - 1)];
	last = s->key[(s->leaf < i ? i - 1 : i) & (BW_DENY_KEY_LEN - 1)];
	s->leaf = i + 1;
	if (bw_watch_maybe(bw_watch_set(BW_SET_DIRS, s->need), i + 1, first, last)) {
		s->bits |= bw_watch_dir_bits(s->key, i + 1);
	} else if (i && !bw_watch_maybe(bw_watch_set(BW_SET_ANC, s->need), i + 1, first, last)) {
		s->stop = 1;
		return 1;
	}
	return 0;
}

/* Watch bits of the basename in the event data: bytes leaf to end of the file scratch. */
static __always_inline __u32 bw_leaf_name_bits(struct bw_file_scratch *s, __u32 need)
{
	struct bw_file_event *ev = (void *)s->buf;
	__u32 len = 0;

	__builtin_memset(s->key, 0, BW_DENY_KEY_LEN);
	if (s->leaf < s->end && s->end - s->leaf <= BW_NAME_MAX) {
		len = s->end - s->leaf;
		barrier_var(len);
		bpf_probe_read_kernel(s->key, len & BW_NAME_MAX,
				      &ev->data[s->leaf & (BW_FILE_PATH_MAX - 1)]);
	}
	return bw_watch_name_bits(need, s->key, len);
}

/* One bpf_loop step back from the path's end to the '/' before its basename. */
static long bw_leaf_step(__u32 i, void *data)
{
	__u32 zero = 0, pos;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);
	struct bw_file_event *ev;

	if (!s || s->end < s->leaf + i + 1)
		return 1; /* back at what the forward scan saw: leaf stays */
	pos = s->end - 1 - i;
	ev = (void *)s->buf;
	if (ev->data[pos & (BW_FILE_PATH_MAX - 1)] != '/')
		return 0;
	s->leaf = pos + 1;
	return 1;
}

/*
 * Watch bits of every directory prefix of the absolute path at the start of
 * the file scratch's event data (a caller's argument, n bytes with its
 * NUL), and of its basename, of which need (BW_WATCH_WRITE or
 * BW_WATCH_READ) is asked.
 */
__noinline int bw_watch_str(__u32 need, __u32 n)
{
	__u32 zero = 0;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);

	if (!s)
		return 0;
	s->bits = 0;
	s->leaf = 0;
	s->end = 0;
	s->stop = 0;
	s->need = need;
	__builtin_memset(s->key, 0, BW_DENY_KEY_LEN);
	bpf_loop(BW_DENY_KEY_LEN - 1, bw_watch_byte, NULL, 0);
	if (s->stop && n > 1 && n <= BW_FILE_PATH_MAX) {
		s->end = n - 1;
		bpf_loop(BW_NAME_MAX + 1, bw_leaf_step, NULL, 0);
	}
	return s->bits | bw_leaf_name_bits(s, need);
}

/* wake: the watch asked for it (BW_WATCH_WAKE); else the record batches as its type does. */
static __always_inline void bw_file_submit(__u64 job_id, struct bw_file_event *ev, __u32 off,
					   __u32 wake)
{
	__u32 size = sizeof(*ev) + (off & (BW_FILE_DATA - 1));

	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bw_fill_header(&ev->hdr, BW_EV_FILE, size, (void *)bpf_get_current_task(), job_id);
	if (wake)
		bw_output(ev, size, BPF_RB_FORCE_WAKEUP);
	else
		bw_submit(ev, size);
}

/* The directory a relative name is resolved in: the cwd (AT_FDCWD) or dirfd's, 0 if none. */
static __always_inline __u64 bw_base_dir(__s32 dirfd)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct fs_struct *fs;
	struct file *dirf;

	if (dirfd == AT_FDCWD) {
		fs = BPF_CORE_READ(t, fs);
		return fs ? (__u64)__builtin_preserve_access_index(&fs->pwd) : 0;
	}
	dirf = bw_file_of(dirfd);
	return dirf ? (__u64)__builtin_preserve_access_index(&dirf->f_path) : 0;
}

/*
 * Watch bits of the directory a relative name is resolved in, of which
 * need is asked; the file scratch's anc says whether a watched directory
 * lies below it.
 */
static __always_inline __u32 bw_base_dir_bits(__s32 dirfd, __u32 need)
{
	__u64 path = bw_base_dir(dirfd);

	if (!path || !bw_path_walk(path))
		return 0;
	return bw_watch_eval(1, need);
}

/* bw_name_shape's findings */
#define BW_NAME_SLASH 1  /* more than one name: "cron.d/x" */
#define BW_NAME_DOTDOT 2 /* a ".." name: it may climb out of where it starts */
#define BW_NAME_ODD 4    /* an empty, "." or ".." name before the last: "/etc//cron.d/x" */

/* One bpf_loop step of bw_name_shape: byte i of the name at the start of the event data. */
static long bw_shape_byte(__u32 i, void *data)
{
	__u32 zero = 0, len;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);
	struct bw_file_event *ev;
	char c, a, b;

	if (!s || i >= BW_FILE_PATH_MAX)
		return 1;
	barrier_var(i);
	ev = (void *)s->buf;
	c = ev->data[i & (BW_FILE_PATH_MAX - 1)];
	if (c && c != '/')
		return 0;
	len = i - s->leaf;
	a = ev->data[s->leaf & (BW_FILE_PATH_MAX - 1)];
	b = ev->data[(s->leaf + 1) & (BW_FILE_PATH_MAX - 1)];
	if (len == 2 && a == '.' && b == '.')
		s->shape |= BW_NAME_DOTDOT | (c ? BW_NAME_ODD : 0);
	else if (c && ((len == 0 && i) || (len == 1 && a == '.')))
		s->shape |= BW_NAME_ODD; /* "//" or "/./"; a trailing "/" or "/." is harmless */
	if (!c) {
		s->end = i;
		return 1;
	}
	if (i)
		s->shape |= BW_NAME_SLASH;
	s->leaf = i + 1;
	return 0;
}

/*
 * The shape (BW_NAME_*) of the name at the start of the event data, n
 * bytes with its NUL; leaves its last name's bounds in the file scratch's
 * leaf and end. A global function, verified once.
 */
__noinline int bw_name_shape(__u32 n)
{
	__u32 zero = 0;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);

	if (!s)
		return 0;
	s->shape = 0;
	s->leaf = 0;
	s->end = 0;
	bpf_loop(n < BW_FILE_PATH_MAX ? n : BW_FILE_PATH_MAX, bw_shape_byte, NULL, 0);
	return s->shape;
}

/*
 * Watch bits of what a rename's or unlink's name (at the start of the
 * event data, n bytes with its NUL) names once the kernel resolves it in
 * dirfd's directory, of which need is asked. The filter's keys are spelt
 * as the kernel spells a path ("/etc/cron.d/"); a caller's name need not
 * be ("/etc//cron.d/x", "/tmp/../etc/cron.d/x", "cron.d/x" from /etc,
 * ".bashrc" from the home, "../x"). A name the filter cannot judge as
 * spelt is reported (all of need): userspace resolves "." and ".." against
 * its directory (netinfo's absolute()) and judges the whole path. A
 * global function, verified once for both of a rename's names.
 */
__noinline int bw_name_bits(int dirfd, __u32 need, __u32 n)
{
	__u32 zero = 0, bits, shape;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);
	struct bw_file_event *ev;

	if (!s)
		return 0;
	ev = (void *)s->buf;
	if (ev->data[0] == '/') {
		bits = bw_watch_str(need, n);
		if (bits & need)
			return bits;
		/* A name cut at BW_FILE_PATH_MAX may go on anywhere. */
		shape = bw_name_shape(n);
		return ((shape & BW_NAME_ODD) || n >= BW_FILE_PATH_MAX) ? need : bits;
	}
	s->anc = 0;
	bits = bw_base_dir_bits(dirfd, need);
	if (bits & need)
		return bits;
	shape = bw_name_shape(n);
	if ((shape & BW_NAME_DOTDOT) || ((shape & BW_NAME_SLASH) && s->anc))
		return need;
	return bits | bw_leaf_name_bits(s, need);
}

/* A rename's and a link's path2 is a name the operation creates, in dirfd2. */
static __always_inline int bw_names_target(__u32 op)
{
	return op == BW_FILE_RENAME || op == BW_FILE_LINK;
}

/*
 * Rename's target resolved in another directory than its source (renameat's
 * newdirfd, `mv f dir/` and os.rename's dst_dir_fd): that directory and a
 * '/' written at off, for the target's name to follow. Its length, 0 when
 * the target is absolute or the directory unknown (or too long to fit:
 * the target is then sent as the caller gave it).
 */
static __always_inline __u32 bw_target_dir(struct bw_file_call *call, struct bw_file_event *ev,
					   __u32 off)
{
	__u64 dir;
	__u32 len, status;
	char c = '/';

	if (bpf_probe_read_user(&c, 1, (void *)call->path2) || c == '/')
		return 0;
	dir = bw_base_dir(call->dirfd2);
	if (!dir || off > BW_FILE_PATH_MAX)
		return 0;
	len = bw_path_append((struct path *)dir, ev->data, off, BW_FILE_PATH_MAX * 2 - 1, &status);
	if (!len || off + len >= BW_FILE_PATH_MAX * 3)
		return 0;
	ev->data[(off + len - 1) & (BW_FILE_PATH_MAX * 4 - 1)] = '/'; /* over its NUL */
	return len;
}

/*
 * Rename, unlink or a refused open: the caller's strings, which getname()
 * just copied, reported when they fall under a watched directory (for a
 * refused read, a watched-for-reading one or name). A rename's or
 * unlink's name is judged as the kernel resolves it (bw_name_bits), a
 * refused open's as spelt; a relative name is reported with the directory
 * it is resolved in (cwd or dirfd), a rename's target resolved in another
 * directory with that one before it (bw_target_dir). A global function
 * (verified once, not at both callers): the call in flight and the
 * process are looked up again.
 */
__noinline int bw_name_op_exit(__s64 ret, __u32 force)
{
	__u32 zero = 0, off = 0, status, bits = 0, len, base, need = BW_WATCH_WRITE, write = 1;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);
	struct bw_file_call *call = bw_file_call_slot(0);
	struct bw_proc_state *st = bw_hook_job(BW_HOOK_FILE);
	struct bw_file_event *ev;
	__s32 base_fd;
	__u64 dir;
	long n;

	if (!s || !call || !call->op || !st)
		return 0;
	ev = (void *)s->buf;
	/*
	 * A rename is about its target too: `sed -i` writes a temporary file
	 * beside the one it edits and renames it over. Judge the target's
	 * name first, while data[] is free (a relative target is resolved in
	 * renameat's newdirfd).
	 */
	if (bw_names_target(call->op) && call->path2 && !force) {
		n = bpf_probe_read_user_str(ev->data, BW_FILE_PATH_MAX, (void *)call->path2);
		if (n > 0)
			bits = bw_name_bits(call->dirfd2, BW_WATCH_WRITE, n);
		if (bits & BW_WATCH_WRITE)
			force = 1;
	}
	n = bpf_probe_read_user_str(ev->data, BW_FILE_PATH_MAX, (void *)call->path);
	if (n <= 0)
		return 0;
	if (call->op == BW_FILE_OPEN) {
		write = call->flags & BW_O_WRITING;
		need = write ? BW_WATCH_WRITE : BW_WATCH_READ;
	} else if (call->op == BW_FILE_LINK) {
		/* A hard link's existing file: a second name for a credential
		 * is read through, later, by an open that names no credential. */
		need = BW_WATCH_READ;
	}
	if (!force) {
		/*
		 * A refused open changed nothing: judged as spelt, and the
		 * names of a compiler's header search ("/usr/lib/gcc/.../../../
		 * include/x.h") are not each reported.
		 */
		if (call->op == BW_FILE_OPEN)
			bits = ev->data[0] == '/' ? bw_watch_str(need, n)
						  : bw_base_dir_bits(call->dirfd, need);
		else
			bits = bw_name_bits(call->dirfd, need, n);
		if (!(bits & need))
			return 0;
	}
	/* bw_watch_str/bw_path_walk do not touch ev->data: reread nothing. */
	ev->op = call->op;
	ev->ret = (__s32)ret;
	ev->open_flags = call->flags;
	ev->flags = (n == BW_FILE_PATH_MAX ? BW_FILE_TRUNCATED : 0) |
		    (call->op == BW_FILE_OPEN && write ? BW_FILE_WRITE : 0) |
		    (call->compat ? BW_FILE_COMPAT : 0);
	ev->dirfd = call->dirfd;
	ev->path_len = n;
	ev->path2_len = ev->cwd_len = 0;
	__builtin_memset(ev->pad0, 0, sizeof(ev->pad0));
	/* The cwd slot holds the directory path is resolved in. */
	base_fd = ev->data[0] != '/' ? call->dirfd : AT_FDCWD;
	off = n;
	if (call->path2) {
		base = 0;
		if (bw_names_target(call->op) && call->dirfd2 != base_fd)
			base = bw_target_dir(call, ev, off);
		barrier_var(base);
		n = bpf_probe_read_user_str(&ev->data[(off + base) & (BW_FILE_PATH_MAX * 4 - 1)],
					    BW_FILE_PATH_MAX, (void *)call->path2);
		if (n > 0) {
			ev->path2_len = base + n;
			off += base + n;
		}
	}
	dir = bw_base_dir(base_fd);
	if (dir) {
		len = bw_path_append((struct path *)dir, ev->data, off, BW_FILE_PATH_MAX * 4 - 1,
				     &status);
		ev->cwd_len = len;
		off += len;
		if (len && base_fd != AT_FDCWD)
			ev->flags |= BW_FILE_BASE_DIRFD;
	}
	bw_file_submit(st->job_id, ev, off, need == BW_WATCH_WRITE && (bits & BW_WATCH_WAKE));
	return 0;
}

/* An open that succeeded: judge it by the path of the new descriptor. */
static __always_inline void bw_open_exit(struct bw_proc_state *st, struct bw_file_call *call,
					 long ret, __u32 force)
{
	__u32 zero = 0, len, need, write, bits = 0;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct bw_file_event *ev;
	struct file *f;

	if (!s || !pb)
		return;
	if (ret < 0) {
		/* Refused: judged, like renames, by the caller's path. */
		bw_name_op_exit(ret, force);
		return;
	}
	f = bw_file_of((int)ret);
	if (!f || !bw_path_walk((__u64)__builtin_preserve_access_index(&f->f_path)))
		return;
	write = call->flags & BW_O_WRITING;
	if (!force) {
		need = write ? BW_WATCH_WRITE : BW_WATCH_READ;
		bits = bw_watch_eval(0, need);
		if (!(bits & need))
			return;
	}
	len = bw_path_text();
	if (!len || len > BW_PATH_MAX)
		return;
	ev = (void *)s->buf;
	ev->op = BW_FILE_OPEN;
	ev->ret = (__s32)ret;
	ev->open_flags = call->flags;
	ev->flags = BW_FILE_RESOLVED | (write ? BW_FILE_WRITE : 0) |
		    (pb->status ? BW_FILE_TRUNCATED : 0) | (call->compat ? BW_FILE_COMPAT : 0);
	ev->dirfd = call->dirfd;
	ev->path2_len = ev->cwd_len = 0;
	__builtin_memset(ev->pad0, 0, sizeof(ev->pad0));
	barrier_var(len);
	bpf_probe_read_kernel(ev->data, len & (BW_PATH_MAX * 2 - 1), pb->buf);
	ev->path_len = len;
	bw_file_submit(st->job_id, ev, len, write && (bits & BW_WATCH_WAKE));
}

#define BW_HELD_FDS 64 /* descriptors 3 to 66 */

/*
 * One bpf_loop step of bw_held_writes: descriptor 3 + i, reported when it
 * is a regular file open for writing. data: the job's id.
 */
static long bw_held_write_step(__u32 i, void *data)
{
	__u32 zero = 0, len, fmode;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct file *f = bw_file_of((int)i + 3);
	struct bw_file_event *ev;

	if (!s || !pb)
		return 1;
	if (!f)
		return 0;
	fmode = BPF_CORE_READ(f, f_mode);
	if (!(fmode & BW_FMODE_WRITE) ||
	    (BPF_CORE_READ(f, f_inode, i_mode) & BW_S_IFMT) != BW_S_IFREG)
		return 0;
	len = bw_path_resolve((__u64)__builtin_preserve_access_index(&f->f_path));
	if (!len || len > BW_PATH_MAX)
		return 0;
	ev = (void *)s->buf;
	ev->op = BW_FILE_OPEN;
	ev->ret = (__s32)i + 3;
	ev->open_flags = fmode & BW_FMODE_READ ? O_RDWR : O_WRONLY;
	ev->flags = BW_FILE_RESOLVED | BW_FILE_WRITE | BW_FILE_HELD |
		    (pb->status ? BW_FILE_TRUNCATED : 0);
	ev->dirfd = AT_FDCWD;
	ev->path2_len = ev->cwd_len = 0;
	__builtin_memset(ev->pad0, 0, sizeof(ev->pad0));
	barrier_var(len);
	bpf_probe_read_kernel(ev->data, len & (BW_PATH_MAX * 2 - 1), pb->buf);
	ev->path_len = len;
	bw_file_submit(*(__u64 *)data, ev, len, 0);
	return 0;
}

/*
 * The files the current process holds open for writing as it first
 * reaches a network peer since its exec, reported as held: what it
 * writes into them from now on may be what it received, and it may have
 * opened them first (python's `open(p, "wb").write(urlopen(u).read())`).
 * Its stdio is left out: a shell's redirection (`python3 get.py > f`) is
 * known from the exec, and a build log on every process's stdout is no
 * download. A global function, verified once.
 */
__noinline int bw_held_writes(void)
{
	struct bw_proc_state *st = bw_hook_job(BW_HOOK_FILE);
	__u32 n = bw_max_fds();
	__u64 job_id;

	if (!st || n <= 3)
		return 0;
	job_id = st->job_id;
	n -= 3;
	bpf_loop(n < BW_HELD_FDS ? n : BW_HELD_FDS, bw_held_write_step, &job_id, 0);
	return 0;
}

/*
 * fchmod, fsetxattr, or an empty path with AT_EMPTY_PATH: the file is the
 * descriptor's, resolved by the kernel's own path of it. A global function
 * (verified once): the call in flight is looked up again.
 */
__noinline int bw_fd_op_exit(__s64 ret, __u32 force)
{
	__u32 zero = 0, len;
	struct bw_file_scratch *s = bpf_map_lookup_elem(&file_scratch, &zero);
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct bw_file_call *call = bw_file_call_slot(0);
	struct bw_proc_state *st = bw_hook_job(BW_HOOK_FILE);
	struct bw_file_event *ev;
	struct file *f;
	long n;

	if (!s || !pb || !call || !call->op || !st)
		return 0;
	f = bw_file_of(call->dirfd);
	if (!f || !bw_path_walk((__u64)__builtin_preserve_access_index(&f->f_path)))
		return 0;
	if (!force && !(bw_watch_eval(0, BW_WATCH_WRITE) & BW_WATCH_WRITE))
		return 0;
	len = bw_path_text();
	if (!len || len > BW_PATH_MAX)
		return 0;
	ev = (void *)s->buf;
	ev->op = call->op;
	ev->ret = (__s32)ret;
	ev->open_flags = call->flags;
	ev->flags = BW_FILE_RESOLVED | (pb->status ? BW_FILE_TRUNCATED : 0) |
		    (call->compat ? BW_FILE_COMPAT : 0);
	ev->dirfd = AT_FDCWD; /* the path is the descriptor's own */
	ev->path2_len = ev->cwd_len = 0;
	__builtin_memset(ev->pad0, 0, sizeof(ev->pad0));
	barrier_var(len);
	bpf_probe_read_kernel(ev->data, len & (BW_PATH_MAX * 2 - 1), pb->buf);
	ev->path_len = len;
	if (call->path2) {
		n = bpf_probe_read_user_str(&ev->data[len & (BW_PATH_MAX * 2 - 1)],
					    BW_FILE_PATH_MAX, (void *)call->path2);
		if (n > 0) {
			ev->path2_len = n;
			len += n;
		}
	}
	bw_file_submit(st->job_id, ev, len, 0);
	return 0;
}

/*
 * setxattr's name is "security.capability": file capabilities. A global
 * function: the compare, inlined, multiplied the exit program's states.
 */
__noinline int bw_is_cap_xattr(__u64 uname)
{
	static const char want[] = "security.capability";
	char got[sizeof(want) + 4] = {};
	__u32 i;

	if (bpf_probe_read_user_str(got, sizeof(got), (void *)uname) != sizeof(want))
		return 0;
	for (i = 0; i < sizeof(want); i++)
		if (got[i] != want[i])
			return 0;
	return 1;
}

/* Operations reported wherever their file is; the rest only on watched paths. */
static __always_inline __u32 bw_file_force(struct bw_proc_state *st, struct bw_file_call *call)
{
	switch (call->op) {
	case BW_FILE_OPEN:
		return (call->flags & BW_O_WRITING) && (st->flags & BW_PROC_FOLLOW_WRITES);
	case BW_FILE_RENAME:
	case BW_FILE_LINK:
	case BW_FILE_SYMLINK:
		return st->flags & BW_PROC_FOLLOW_WRITES;
	case BW_FILE_CHMOD:
		return call->flags & (BW_S_ISUID | BW_S_ISGID);
	case BW_FILE_SETXATTR:
		return bw_is_cap_xattr(call->path2);
	}
	return 0;
}

/* An empty name (AT_EMPTY_PATH) with a dirfd: the operation is on dirfd itself. */
static __always_inline int bw_on_dirfd(struct bw_file_call *call)
{
	char c = 1;

	if (!call->path)
		return 1;
	if (call->dirfd == AT_FDCWD || bpf_probe_read_user(&c, 1, (void *)call->path))
		return 0;
	return c == 0;
}

/* The exit of any file operation: what its entry kept decides. */
static __always_inline int bw_file_exit(long ret)
{
	struct bw_file_call *call = bw_file_call_slot(0);
	struct bw_proc_state *st;
	__u32 force;

	if (!call || !call->op)
		return 0;
	st = bw_hook_job(BW_HOOK_FILE);
	if (st) {
		force = bw_file_force(st, call);
		if (call->op == BW_FILE_OPEN)
			bw_open_exit(st, call, ret, force);
		else if ((call->op == BW_FILE_CHMOD || call->op == BW_FILE_SETXATTR) &&
			 bw_on_dirfd(call))
			bw_fd_op_exit(ret, force);
		else
			bw_name_op_exit(ret, force);
	}
	call->op = 0;
	return 0;
}

struct bw_open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

/* sys_enter_openat */
static __always_inline int handle_openat_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_OPEN, ctx->args[1], 0, (__u32)ctx->args[2],
			     (__s32)ctx->args[0]);
}

/* sys_enter_openat2 */
static __always_inline int handle_openat2_enter(struct bw_sys_enter_ctx *ctx)
{
	struct bw_open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return bw_file_enter(ctx, BW_FILE_OPEN, ctx->args[1], 0, (__u32)how.flags,
			     (__s32)ctx->args[0]);
}

/* open(2) exists on x86_64 only; the loader skips it where it is missing. */
/* sys_enter_open */
static __always_inline int handle_open_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_OPEN, ctx->args[0], 0, (__u32)ctx->args[1], AT_FDCWD);
}

/* sys_enter_creat (x86_64, ia32, arm EABI): open(path, O_CREAT|O_WRONLY|O_TRUNC, mode) */
static __always_inline int handle_creat_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_OPEN, ctx->args[0], 0, O_CREAT | O_WRONLY | O_TRUNC,
			     AT_FDCWD);
}

/* sys_enter_renameat2 */
static __always_inline int handle_renameat2_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter2(ctx, BW_FILE_RENAME, ctx->args[1], ctx->args[3], 0, (__s32)ctx->args[0],
			      (__s32)ctx->args[2]);
}

/* sys_enter_renameat */
static __always_inline int handle_renameat_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter2(ctx, BW_FILE_RENAME, ctx->args[1], ctx->args[3], 0, (__s32)ctx->args[0],
			      (__s32)ctx->args[2]);
}

/* sys_enter_rename */
static __always_inline int handle_rename_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_RENAME, ctx->args[0], ctx->args[1], 0, AT_FDCWD);
}

/* sys_enter_unlinkat */
static __always_inline int handle_unlinkat_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_UNLINK, ctx->args[1], 0, (__u32)ctx->args[2],
			     (__s32)ctx->args[0]);
}

/* sys_enter_unlink */
static __always_inline int handle_unlink_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_UNLINK, ctx->args[0], 0, 0, AT_FDCWD);
}

/* sys_enter_linkat: (olddfd, oldname, newdfd, newname, flags) */
static __always_inline int handle_linkat_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter2(ctx, BW_FILE_LINK, ctx->args[1], ctx->args[3], (__u32)ctx->args[4],
			      (__s32)ctx->args[0], (__s32)ctx->args[2]);
}

/* sys_enter_link (x86_64 only) */
static __always_inline int handle_link_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_LINK, ctx->args[0], ctx->args[1], 0, AT_FDCWD);
}

/*
 * sys_enter_symlinkat: (oldname, newdfd, newname). The new name is the
 * one judged and resolved; the target is only text, sent as given (it
 * is resolved from the link's directory, and only when followed).
 */
static __always_inline int handle_symlinkat_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_SYMLINK, ctx->args[2], ctx->args[0], 0,
			     (__s32)ctx->args[1]);
}

/* sys_enter_symlink (x86_64 only) */
static __always_inline int handle_symlink_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_SYMLINK, ctx->args[1], ctx->args[0], 0, AT_FDCWD);
}

/* sys_enter_chmod (x86_64 only) */
static __always_inline int handle_chmod_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_CHMOD, ctx->args[0], 0, (__u32)ctx->args[1], AT_FDCWD);
}

/* sys_enter_fchmod */
static __always_inline int handle_fchmod_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_CHMOD, 0, 0, (__u32)ctx->args[1], (__s32)ctx->args[0]);
}

/* sys_enter_fchmodat and fchmodat2 (its flags: AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW) */
static __always_inline int handle_fchmodat_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_CHMOD, ctx->args[1], 0, (__u32)ctx->args[2],
			     (__s32)ctx->args[0]);
}

/* sys_enter_setxattr, lsetxattr: (path, name, value, size, flags) */
static __always_inline int handle_setxattr_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_SETXATTR, ctx->args[0], ctx->args[1], (__u32)ctx->args[4],
			     AT_FDCWD);
}

/* sys_enter_fsetxattr: (fd, name, value, size, flags) */
static __always_inline int handle_fsetxattr_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_SETXATTR, 0, ctx->args[1], (__u32)ctx->args[4],
			     (__s32)ctx->args[0]);
}

/* sys_enter_setxattrat (6.13+): (dfd, path, at_flags, name, args, size) */
static __always_inline int handle_setxattrat_enter(struct bw_sys_enter_ctx *ctx)
{
	return bw_file_enter(ctx, BW_FILE_SETXATTR, ctx->args[1], ctx->args[3], 0, (__s32)ctx->args[0]);
}

/* Every exit of the operations above: bw_file_exit(ret) (syscalls.bpf.c). */

#endif /* BW_FILE_BPF_H */
