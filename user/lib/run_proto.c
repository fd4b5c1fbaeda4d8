// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "lib/run_proto.h"

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!n || n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, n + 1);
	return 0;
}

int runp_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, err = unix_addr(path, &sa);

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* A socket file nobody answers on is what a killed daemon left: ours to replace. */
static int clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int probe, err = 0;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	if (!connect(probe, (const struct sockaddr *)sa, sizeof(*sa)))
		err = -EADDRINUSE;
	close(probe);
	if (!err && unlink(path) && errno != ENOENT)
		err = -errno;
	return err;
}

int runp_listen(const char *path)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, err = unix_addr(path, &sa);

	if (!err)
		err = clear_stale(path, &sa);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Only root may hand us a build: nobody else may even connect. */
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!err && listen(fd, 16))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int runp_send(int fd, const struct runp_hdr *h, const char *text, size_t len, const int *fds,
	      unsigned int n_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * RUNP_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct runp_hdr hdr = *h;
	struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { (void *)text, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	struct cmsghdr *cm;

	if (len > RUNP_TEXT_MAX || n_fds > RUNP_FDS_MAX)
		return -EMSGSIZE;
	hdr.version = RUNP_VERSION;
	hdr.text_len = (uint32_t)len;
	if (n_fds) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	}
	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Descriptors that came with a message: kept in m, or closed if there are too many. */
static void take_fds(struct msghdr *mh, struct runp_msg *m)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n, i;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (m->n_fds < RUNP_FDS_MAX)
				m->fds[m->n_fds++] = fd;
			else
				close(fd);
		}
	}
}

int runp_recv(int fd, struct runp_msg *m)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (RUNP_FDS_MAX + 2))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;

	memset(m, 0, sizeof(*m));
	m->text = malloc(RUNP_TEXT_MAX + 1);
	if (!m->text)
		return -ENOMEM;
	iov[0] = (struct iovec){ &m->h, sizeof(m->h) };
	iov[1] = (struct iovec){ m->text, RUNP_TEXT_MAX };
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0 || n == 0) {
		int err = n ? -errno : -ECONNRESET;

		runp_msg_free(m);
		return err;
	}
	take_fds(&mh, m);
	if ((size_t)n < sizeof(m->h) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    m->h.version != RUNP_VERSION || m->h.text_len != (size_t)n - sizeof(m->h)) {
		runp_msg_free(m);
		return -EPROTO;
	}
	m->text[m->h.text_len] = '\0';
	return 0;
}

void runp_msg_free(struct runp_msg *m)
{
	unsigned int i;

	for (i = 0; i < m->n_fds; i++)
		close(m->fds[i]);
	m->n_fds = 0;
	free(m->text);
	m->text = NULL;
}
