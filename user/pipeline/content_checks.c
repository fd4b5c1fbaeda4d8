// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Files read for content: tests, and the writes kept to read again
 * (pipeline/content_checks.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "pipeline/content_checks.h"

const char *content_path(const struct bw_file_info *f)
{
	if (f->op && (!strcmp(f->op, "rename") || !strcmp(f->op, "link")) && f->path2)
		return f->path2;
	return f->path;
}

void content_src_init(struct content_src *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	s->path = path;
}

/*
 * Non-blocking and regular files only: a job can point a watched name at
 * a FIFO or a device, and the agent must not wait on it. The fstat is of
 * what was read, so a later change is seen by its inode, size or time.
 */
const char *content_src_read(void *arg)
{
	struct content_src *s = arg;
	ssize_t n;
	size_t len = 0;
	int fd;

	if (s->read)
		return s->buf;
	s->read = true;
	/* A name the record could not place (no cwd) is not the agent's to resolve. */
	if (!s->path || s->path[0] != '/')
		return NULL;
	fd = open(s->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &s->st) || !S_ISREG(s->st.st_mode) || !(s->buf = malloc(CONTENT_READ_MAX + 1)))
		goto cleanup;
	while (len < CONTENT_READ_MAX &&
	       ((n = read(fd, s->buf + len, CONTENT_READ_MAX - len)) > 0 || (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	s->buf[len] = '\0';
	/* A NUL ends the text: binary files hold no configuration lines. */
cleanup:
	if (!s->buf)
		s->st.st_ino = 0;
	close(fd);
	return s->buf;
}

void content_src_free(struct content_src *s)
{
	free(s->buf);
	s->buf = NULL;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

bool content_pending_changed(const struct content_pending *p, struct stat *now)
{
	const char *path = content_path(&p->file);

	if (!path || stat(path, now) || !S_ISREG(now->st_mode))
		return false;
	return !p->seen.st_ino || !same_file(&p->seen, now);
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	*oom |= !d;
	return d;
}

void content_pending_free(struct content_pending *p)
{
	if (!p)
		return;
	free((char *)p->file.path);
	free((char *)p->file.path2);
	free((char *)p->file.link_target);
	free(p->event_json);
	free(p);
}

static struct content_pending *pending_new(uint32_t pid, uint64_t start_ns, uint64_t ktime_ns,
					   const struct bw_file_info *f, const struct stat *seen,
					   const char *json, size_t json_len)
{
	struct content_pending *p = calloc(1, sizeof(*p));
	bool oom = !p;

	if (oom)
		goto cleanup;
	p->pid = pid;
	p->start_ns = start_ns;
	p->ktime_ns = ktime_ns;
	p->file = *f;
	p->file.content = NULL;
	p->file.content_arg = NULL;
	p->file.xattr = NULL; /* content is tested only on writes, renames and links */
	p->file.path = dup_or_null(f->path, &oom);
	p->file.path2 = dup_or_null(f->path2, &oom);
	p->file.link_target = dup_or_null(f->link_target, &oom);
	p->seen = *seen;
	if (json && (p->event_json = malloc(json_len + 1))) {
		memcpy(p->event_json, json, json_len);
		p->event_json[json_len] = '\0';
		p->event_json_len = json_len;
	} else {
		oom |= json != NULL;
	}
cleanup:
	if (oom) {
		bw_warn("out of memory keeping pid %u's write of %s to read again: its later "
			"content is not judged", pid, f->path ? f->path : "?");
		content_pending_free(p);
		return NULL;
	}
	return p;
}

static bool same_write(const struct content_pending *p, uint32_t pid, uint64_t start_ns,
		       const char *path)
{
	const char *mine = content_path(&p->file);

	return p->pid == pid && p->start_ns == start_ns && mine && !strcmp(mine, path);
}

struct content_pending *content_checks_add(struct content_checks *c, uint32_t pid,
					   uint64_t start_ns, uint64_t ktime_ns,
					   const struct bw_file_info *f, const struct stat *seen,
					   const char *event_json, size_t event_json_len)
{
	struct content_pending **pp, *p, *dropped = NULL;
	const char *path = content_path(f);

	if (!path || path[0] != '/')
		return NULL;
	for (pp = &c->head; *pp; pp = &(*pp)->next)
		if (same_write(*pp, pid, start_ns, path)) {
			(*pp)->seen = *seen;
			return NULL;
		}
	p = pending_new(pid, start_ns, ktime_ns, f, seen, event_json, event_json_len);
	if (!p)
		return NULL;
	*pp = p; /* oldest first */
	if (++c->n > CONTENT_PENDING_MAX) {
		dropped = c->head;
		c->head = dropped->next;
		dropped->next = NULL;
		c->n--;
	}
	return dropped;
}

bool content_checks_mark(struct content_checks *c, size_t rule, const char *path)
{
	struct content_fired *f;

	for (f = c->fired; f; f = f->next)
		if (f->rule == rule && !strcmp(f->path, path))
			return false;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return true; /* at worst the verdict is given again */
	}
	f->rule = rule;
	f->next = c->fired;
	c->fired = f;
	return true;
}

void content_checks_free(struct content_checks *c)
{
	struct content_pending *p, *pn;
	struct content_fired *f, *fn;

	for (p = c->head; p; p = pn) {
		pn = p->next;
		content_pending_free(p);
	}
	for (f = c->fired; f; f = fn) {
		fn = f->next;
		free(f->path);
		free(f);
	}
	memset(c, 0, sizeof(*c));
}
