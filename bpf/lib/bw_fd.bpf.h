/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The current task's open files, by descriptor. */
#ifndef BW_FD_BPF_H
#define BW_FD_BPF_H

#include "lib/bw_maps.bpf.h"

static __always_inline struct file *bw_file_of(int fd)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* Only meaningful when fd is a socket; callers use it where it must be. */
static __always_inline struct socket *bw_socket_of(int fd)
{
	struct file *f = bw_file_of(fd);

	return f ? BPF_CORE_READ(f, private_data) : NULL;
}

static __always_inline __u16 bw_ntohs(__u16 v)
{
	return (v >> 8) | (v << 8);
}

#define BW_S_IFMT 0170000
#define BW_S_IFSOCK 0140000
#define BW_S_IFIFO 0010000
#define BW_S_IFCHR 0020000
#define BW_S_IFREG 0100000
#define BW_FMODE_READ 0x1
#define BW_FMODE_WRITE 0x2

/* Descriptors the current task's table has room for (fds below it may be open). */
static __always_inline __u32 bw_max_fds(void)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	return BPF_CORE_READ(t, files, fdt, max_fds);
}

/* The socket behind fd, checked to be one (write/read see every kind of fd). */
static __always_inline struct socket *bw_checked_socket_of(int fd)
{
	struct file *f = bw_file_of(fd);

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & BW_S_IFMT) != BW_S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

#endif /* BW_FD_BPF_H */
