/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Resolve a struct path to an absolute path string by walking dentries,
 * because bpf_d_path() is not allowed from tracepoints. The walk is bounded
 * (BW_PATH_DEPTH components, BW_PATH_MAX bytes) and crosses mount points.
 * It resolves against the global root, not a chroot or mount namespace.
 *
 * Verifier cost is what shapes this code: the walk is a global function,
 * verified once rather than at every call site, its steps are a bpf_loop
 * callback, and loop state lives in map memory so the branches of one
 * iteration converge to identical states.
 */
#ifndef BW_PATH_BPF_H
#define BW_PATH_BPF_H

#include "lib/bw_maps.bpf.h"

#define BW_NAME_MAX 255

struct bw_pathbuf {
	__u64 name[BW_PATH_DEPTH];
	__u32 len[BW_PATH_DEPTH];
	__u32 n;
	__u32 status;
	__u32 anon; /* the file is on no mounted filesystem (memfd): see below */
	__u32 pad;
	char buf[BW_PATH_MAX + BW_NAME_MAX + 1];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_pathbuf);
} path_scratch SEC(".maps");

#define BW_PATH_OK 0
#define BW_PATH_TRUNCATED 1

/*
 * The walk's position between bpf_loop steps: the dentry, its mount, the
 * mount's vfsmount and that one's root, as addresses (the helpers read
 * through them).
 */
struct bw_path_walk {
	__u64 dentry;
	__u64 vfsmnt;
	__u64 mnt;
	__u64 mnt_root; /* read once per mount, not at every step */
	__u32 done;     /* reached the global root (or an anonymous file's name) */
	__u32 w;        /* bytes of pb->buf written by the emit steps */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bw_path_walk);
} path_walk SEC(".maps");

/* What a step needs of a dentry: its parent and its name. */
struct bw_dentry_link {
	__u64 parent;
	__u32 hash;
	__u32 len;
	__u64 name;
};

/*
 * A dentry's parent and name. Where they lie side by side as in
 * bw_dentry_link (d_parent, then d_name's hash, len and name: every
 * kernel from 3.x to 6.18; CO-RE's offsets decide at load, and the
 * verifier drops the other branch), one read: the walk of an open was
 * ~40% of an open's time in a job with a read per field. Non-zero when
 * the dentry cannot be read.
 */
static __always_inline int bw_dentry_link_read(struct dentry *d, struct bw_dentry_link *l)
{
	__u32 off = bpf_core_field_offset(struct dentry, d_parent);

	if (bpf_core_field_offset(struct dentry, d_name) == off + 8 &&
	    bpf_core_field_offset(struct qstr, len) == 4 &&
	    bpf_core_field_offset(struct qstr, name) == 8)
		return bpf_probe_read_kernel(l, sizeof(*l), (void *)d + off) ? 1 : 0;
	l->parent = (__u64)BPF_CORE_READ(d, d_parent);
	l->len = BPF_CORE_READ(d, d_name.len);
	l->name = (__u64)BPF_CORE_READ(d, d_name.name);
	return !l->parent;
}

/*
 * One bpf_loop step of the walk up from the leaf: a component collected
 * into pb, or a crossing into the parent mount. A file that starts as its
 * own parent without being its mount's root belongs to no directory tree:
 * a memfd, or another file the kernel made on an internal mount. Its name
 * alone is the path ("/memfd:x", as /proc/PID/exe shows it) and pb->anon
 * says so; walking on would end at the internal mount's root, "/".
 *
 * A step, not an unrolled loop: the verifier checks the body once instead
 * of BW_PATH_DEPTH * 2 times in every program that resolves a path (9,500
 * of the exec program's 43,000 instructions verified), and a walk is only
 * as many steps as the path is deep.
 */
static long bw_path_step(__u32 i, void *data)
{
	__u32 zero = 0, n;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct bw_path_walk *wk = bpf_map_lookup_elem(&path_walk, &zero);
	struct bw_dentry_link l = {};
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt, *mnt_parent;

	if (!pb || !wk)
		return 1;
	dentry = (struct dentry *)wk->dentry;
	mnt = (struct mount *)wk->mnt;
	if (wk->dentry != wk->mnt_root) {
		if (bw_dentry_link_read(dentry, &l))
			return 1; /* not done: truncated */
		n = pb->n;
		if (i == 0 && l.parent == wk->dentry) {
			pb->name[0] = l.name;
			pb->len[0] = l.len;
			pb->n = 1;
			pb->anon = 1;
			wk->done = 1;
			return 1;
		}
		if (l.parent != wk->dentry) {
			if (n >= BW_PATH_DEPTH)
				return 1;
			pb->name[n & (BW_PATH_DEPTH - 1)] = l.name;
			pb->len[n & (BW_PATH_DEPTH - 1)] = l.len;
			pb->n = n + 1;
			wk->dentry = l.parent;
			return 0;
		}
	}
	/* The mount's root (or a dentry that is its own parent): the mount point. */
	mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
	if (mnt == mnt_parent || !mnt_parent) {
		wk->done = 1; /* the global root */
		return 1;
	}
	vfsmnt = (void *)mnt_parent + bpf_core_field_offset(struct mount, mnt);
	wk->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
	wk->mnt = (__u64)mnt_parent;
	wk->vfsmnt = (__u64)vfsmnt;
	wk->mnt_root = (__u64)BPF_CORE_READ(vfsmnt, mnt_root);
	return 0;
}

/* Collects component pointers into pb, leaf first. */
static __always_inline void bw_path_collect(struct path *path, struct bw_pathbuf *pb)
{
	__u32 zero = 0;
	struct bw_path_walk *wk = bpf_map_lookup_elem(&path_walk, &zero);
	struct vfsmount *vfsmnt = BPF_CORE_READ(path, mnt);

	if (!wk) {
		pb->status = BW_PATH_TRUNCATED;
		return;
	}
	wk->dentry = (__u64)BPF_CORE_READ(path, dentry);
	wk->vfsmnt = (__u64)vfsmnt;
	wk->mnt = (__u64)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	wk->mnt_root = (__u64)BPF_CORE_READ(vfsmnt, mnt_root);
	wk->done = 0;
	bpf_loop(BW_PATH_DEPTH * 2, bw_path_step, NULL, 0);
	if (!wk->done)
		pb->status = BW_PATH_TRUNCATED;
}

/* One bpf_loop step of the copy: the component i places from the root. */
static long bw_emit_step(__u32 i, void *data)
{
	__u32 zero = 0, w, len;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);
	struct bw_path_walk *wk = bpf_map_lookup_elem(&path_walk, &zero);
	int j;

	if (!pb || !wk)
		return 1;
	j = (int)pb->n - 1 - (int)i;
	if (j < 0)
		return 1;
	len = pb->len[j & (BW_PATH_DEPTH - 1)];
	w = wk->w;
	if (len > BW_NAME_MAX || w > BW_PATH_MAX || w + len + 2 > BW_PATH_MAX) {
		pb->status = BW_PATH_TRUNCATED;
		return 1;
	}
	barrier_var(len);
	pb->buf[w & (BW_PATH_MAX - 1)] = '/';
	bpf_probe_read_kernel(&pb->buf[(w + 1) & (BW_PATH_MAX - 1)], len & BW_NAME_MAX,
			      (void *)pb->name[j & (BW_PATH_DEPTH - 1)]);
	wk->w = w + len + 1;
	return 0;
}

/* Copies the collected components root first into pb->buf. */
static __always_inline __u32 bw_path_emit(struct bw_pathbuf *pb)
{
	__u32 zero = 0, w;
	struct bw_path_walk *wk = bpf_map_lookup_elem(&path_walk, &zero);

	if (!wk)
		return 0;
	wk->w = 0;
	bpf_loop(BW_PATH_DEPTH, bw_emit_step, NULL, 0);
	w = wk->w;
	if (w >= BW_PATH_MAX)
		return 0;
	if (!w)
		pb->buf[w++] = '/'; /* the root itself */
	pb->buf[w & (BW_PATH_MAX - 1)] = '\0';
	return w + 1;
}

/*
 * Collects the components of the struct path at path_ptr into
 * path_scratch, leaf first; bw_path_text() makes them a string. Returns 1,
 * or 0 when there is no path. Apart, because an open is judged by its
 * components (bw_watch_eval) and most opens are not reported: their
 * string is never made. A scalar argument keeps this a global function
 * every supported kernel accepts.
 */
__noinline int bw_path_walk(__u64 path_ptr)
{
	struct path *path = (struct path *)path_ptr;
	__u32 zero = 0;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);

	if (!pb || !path)
		return 0;
	pb->n = 0;
	pb->status = BW_PATH_OK;
	pb->anon = 0;
	if (!BPF_CORE_READ(path, dentry) || !BPF_CORE_READ(path, mnt))
		return 0;
	bw_path_collect(path, pb);
	return 1;
}

/* The path bw_path_walk() collected, into path_scratch's buf: its length with the NUL, or 0. */
__noinline int bw_path_text(void)
{
	__u32 zero = 0;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);

	return pb ? bw_path_emit(pb) : 0;
}

/* Resolves the struct path at path_ptr into path_scratch's buf: the length with the NUL, or 0. */
static __always_inline int bw_path_resolve(__u64 path_ptr)
{
	return bw_path_walk(path_ptr) ? bw_path_text() : 0;
}

/*
 * Resolve and append to dst at offset off, which the caller bounds by
 * off_mask (a constant: what its buffer has room for, BW_PATH_MAX past
 * it). The mask is re-applied here because older verifiers (6.1) lose the
 * caller's bound on off across a stack spill. Returns bytes written
 * including the NUL, 0 when unavailable.
 */
static __always_inline __u32 bw_path_append(struct path *path, char *dst, __u32 off,
					    __u32 off_mask, __u32 *status)
{
	__u32 zero = 0, len = bw_path_resolve((__u64)path);
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);

	*status = BW_PATH_OK;
	if (!pb || !len || len > BW_PATH_MAX)
		return 0;
	*status = pb->status;
	barrier_var(len);
	barrier_var(off);
	bpf_probe_read_kernel(&dst[off & off_mask], len & (BW_PATH_MAX * 2 - 1), pb->buf);
	return len;
}

/* Was the path bw_path_resolve() made last one of an anonymous file? */
static __always_inline int bw_path_was_anon(void)
{
	__u32 zero = 0;
	struct bw_pathbuf *pb = bpf_map_lookup_elem(&path_scratch, &zero);

	return pb && pb->anon;
}

#endif /* BW_PATH_BPF_H */
