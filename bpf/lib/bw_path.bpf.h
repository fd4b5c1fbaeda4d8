/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Resolve a struct path to an absolute path string by walking dentries,
 * because bpf_d_path() is not allowed from tracepoints. The walk is bounded
 * (BW_PATH_DEPTH components, BW_PATH_MAX bytes) and crosses mount points.
 * It resolves against the global root, not a chroot or mount namespace.
 *
 * Verifier cost is what shapes this code: the walk is a global function,
 * verified once rather than at every call site, and loop state lives in
 * map memory so the branches of one iteration converge to identical states.
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
 * Collects component pointers into pb, leaf first. A file that starts as
 * its own parent without being its mount's root belongs to no directory
 * tree: a memfd, or another file the kernel made on an internal mount.
 * Its name alone is the path ("/memfd:x", as /proc/PID/exe shows it) and
 * pb->anon says so; walking on would end at the internal mount's root, "/".
 */
static __always_inline void bw_path_collect(struct path *path, struct bw_pathbuf *pb)
{
	struct dentry *dentry = BPF_CORE_READ(path, dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(path, mnt);
	struct mount *mnt, *mnt_parent;
	int i;

	mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	for (i = 0; i < BW_PATH_DEPTH * 2; i++) {
		struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		__u32 n = pb->n;

		if (i == 0 && dentry == parent && dentry != mnt_root) {
			pb->name[0] = (__u64)BPF_CORE_READ(dentry, d_name.name);
			pb->len[0] = BPF_CORE_READ(dentry, d_name.len);
			pb->n = 1;
			pb->anon = 1;
			return;
		}
		if (dentry == mnt_root || dentry == parent) {
			mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
			if (mnt == mnt_parent || !mnt_parent)
				return; /* the global root */
			/* Continue in the parent mount, at the mount point. */
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mnt_parent;
			vfsmnt = (void *)mnt + bpf_core_field_offset(struct mount, mnt);
			continue;
		}
		if (n >= BW_PATH_DEPTH)
			break;
		pb->name[n & (BW_PATH_DEPTH - 1)] = (__u64)BPF_CORE_READ(dentry, d_name.name);
		pb->len[n & (BW_PATH_DEPTH - 1)] = BPF_CORE_READ(dentry, d_name.len);
		pb->n = n + 1;
		dentry = parent;
	}
	pb->status = BW_PATH_TRUNCATED;
}

/* Copies the collected components root first into pb->buf. */
static __always_inline __u32 bw_path_emit(struct bw_pathbuf *pb)
{
	__u32 w = 0, len;
	int i, j;

	for (i = 0; i < BW_PATH_DEPTH; i++) {
		j = (int)pb->n - 1 - i;
		if (j < 0)
			break;
		len = pb->len[j & (BW_PATH_DEPTH - 1)];
		if (len > BW_NAME_MAX || w + len + 2 > BW_PATH_MAX) {
			pb->status = BW_PATH_TRUNCATED;
			break;
		}
		barrier_var(len);
		pb->buf[w & (BW_PATH_MAX - 1)] = '/';
		bpf_probe_read_kernel(&pb->buf[(w + 1) & (BW_PATH_MAX - 1)], len & BW_NAME_MAX,
				      (void *)pb->name[j & (BW_PATH_DEPTH - 1)]);
		w += len + 1;
	}
	if (!w)
		pb->buf[w++] = '/'; /* the root itself */
	pb->buf[w & (BW_PATH_MAX - 1)] = '\0';
	return w + 1;
}

/*
 * Resolves the struct path at path_ptr into path_scratch's buf. Returns
 * the length including the NUL, or 0. A scalar argument keeps this a
 * global function every supported kernel accepts.
 */
__noinline int bw_path_resolve(__u64 path_ptr)
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
	return bw_path_emit(pb);
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
