// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/path.h"
#include "lib/safefile.h"
#include "pipeline/checkout.h"

/* A listing larger than this is not read (a work tree of millions of files). */
#define CHECKOUT_MAX_BYTES (256u << 20)

/*
 * The child: git as the build's user, with the repository's fsmonitor
 * hook off (git may run it to list files; it is a program the repository
 * names) and no prompt for credentials.
 */
static void git_child(int out_fd, const struct build_user *user, char *const argv[])
{
	sigset_t none;
	int null_fd = open("/dev/null", O_RDWR);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDERR_FILENO);
	}
	dup2(out_fd, STDOUT_FILENO);
	if (user->set && privdrop_become(user))
		_exit(126);
	setenv("GIT_TERMINAL_PROMPT", "0", 1);
	setenv("GIT_OPTIONAL_LOCKS", "0", 1);
	execvp("git", argv);
	_exit(errno == ENOENT ? 127 : 126);
}

/* A child writing into fds[1] for the parent to read fds[0]: its pid, 0 in it, or -errno. */
static pid_t fork_piped(int fds[2])
{
	pid_t pid;
	int err;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	return pid;
}

/* git -C dir ARGS... as user: its output, or -errno (-ENOENT: no git or no work tree). */
static int run_git(const char *dir, const struct build_user *user, const char *const args[],
		   char **out, size_t *len)
{
	char *argv[12] = { "git", "-c", "core.fsmonitor=false", "-C", (char *)dir };
	int fds[2], status, err;
	FILE *f;
	size_t i;
	pid_t pid;

	for (i = 0; args[i] && i + 6 < sizeof(argv) / sizeof(argv[0]); i++)
		argv[5 + i] = (char *)args[i];
	pid = fork_piped(fds);
	if (pid < 0)
		return (int)pid;
	if (!pid)
		git_child(fds[1], user, argv);
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (f) {
		err = safe_read_stream(f, CHECKOUT_MAX_BYTES, out, len);
		fclose(f);
	} else {
		err = -errno;
		close(fds[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && !(WIFEXITED(status) && !WEXITSTATUS(status))) {
		free(*out);
		*out = NULL;
		/* 127: no git; 128: not a work tree. Either way, no checkout. */
		err = WIFEXITED(status) && WEXITSTATUS(status) == 126 ? -EPERM : -ENOENT;
	}
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Index the NUL-separated names: sorted pointers into them. */
static int index_names(struct checkout *c, size_t len)
{
	size_t i, n = 0;
	const char *p;

	for (i = 0; i < len; i++)
		n += !c->names[i];
	c->paths = calloc(n ? n : 1, sizeof(*c->paths));
	if (!c->paths)
		return -ENOMEM;
	for (p = c->names; p < c->names + len; p += strlen(p) + 1)
		if (*p)
			c->paths[c->n++] = p;
	qsort(c->paths, c->n, sizeof(*c->paths), cmp_str);
	return 0;
}

int checkout_load(struct checkout *c, const char *dir, const struct build_user *user,
		  char *why, size_t why_size)
{
	static const char *const top_args[] = { "rev-parse", "--show-toplevel", NULL };
	static const char *const ls_args[] = { "ls-files", "-z", "--recurse-submodules", NULL };
	size_t len;
	char *top = NULL;
	int err;

	memset(c, 0, sizeof(*c));
	err = run_git(dir, user, top_args, &top, &len);
	if (err) {
		snprintf(why, why_size, "%s", err == -ENOENT ? "not in a git work tree (or no git)"
							    : strerror(-err));
		return err;
	}
	top[strcspn(top, "\n")] = 0;
	if (top[0] != '/') {
		snprintf(why, why_size, "git gave no absolute top directory");
		err = -EINVAL;
		goto cleanup;
	}
	err = run_git(top, user, ls_args, &c->names, &len);
	if (err) {
		snprintf(why, why_size, "git ls-files failed in %s: %s", top,
			 err == -ENOENT ? "git exited with an error" : strerror(-err));
		goto cleanup;
	}
	c->names_len = len;
	err = index_names(c, len);
	if (err) {
		snprintf(why, why_size, "%s", strerror(-err));
		goto cleanup;
	}
	c->root = top;
	c->root_len = strlen(top);
	top = NULL;
cleanup:
	free(top);
	if (err)
		checkout_free(c);
	return err;
}

bool checkout_tracked(const struct checkout *c, const char *path)
{
	char buf[PATH_MAX];
	const char *rel;

	if (!c || !c->root || !path || path[0] != '/' || !path_normalize(path, buf, sizeof(buf)))
		return false;
	if (strncmp(buf, c->root, c->root_len) || buf[c->root_len] != '/')
		return false;
	rel = buf + c->root_len + 1;
	return bsearch(&rel, c->paths, c->n, sizeof(*c->paths), cmp_str) != NULL;
}

void checkout_free(struct checkout *c)
{
	if (!c)
		return;
	free(c->root);
	free(c->names);
	free(c->paths);
	memset(c, 0, sizeof(*c));
}

/* ---- in a child, while the caller does something else ---- */

/*
 * The child's answer, in order: per dir tried, its index (u32), its error
 * (i32) and why (u32 length, bytes); after a last one of error 0, the
 * root (u32 length, bytes) and git's listing (u64 length, bytes).
 */
static bool put_bytes(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n;
}

static bool put_str32(FILE *f, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);

	return put_bytes(f, &n, sizeof(n)) && put_bytes(f, s, n);
}

static void helper(int out_fd, const char *const *dirs, size_t n_dirs,
		   const struct build_user *user)
{
	FILE *f = fdopen(out_fd, "w");
	struct checkout c;
	char why[PATH_MAX + 64];
	uint32_t i;
	int32_t err = -ENOENT;
	bool ok = f != NULL;

	for (i = 0; ok && i < n_dirs && err == -ENOENT; i++) {
		why[0] = '\0';
		err = checkout_load(&c, dirs[i], user, why, sizeof(why));
		ok = put_bytes(f, &i, sizeof(i)) && put_bytes(f, &err, sizeof(err)) &&
		     put_str32(f, why);
	}
	if (ok && !err) {
		uint64_t len = c.names_len;

		ok = put_str32(f, c.root) && put_bytes(f, &len, sizeof(len)) &&
		     put_bytes(f, c.names, c.names_len);
	}
	ok = f && fclose(f) == 0 && ok;
	_exit(ok ? 0 : 1);
}

int checkout_start(struct checkout_pending *p, const char *const *dirs, size_t n_dirs,
		   const struct build_user *user)
{
	int fds[2];
	pid_t pid;

	p->pid = -1;
	p->fd = -1;
	pid = fork_piped(fds);
	if (pid < 0)
		return (int)pid;
	if (!pid) {
		close(fds[0]);
		helper(fds[1], dirs, n_dirs, user);
	}
	close(fds[1]);
	p->pid = pid;
	p->fd = fds[0];
	p->n_dirs = n_dirs;
	return 0;
}

struct cursor {
	const char *p, *end;
};

static bool take(struct cursor *cur, void *out, size_t n)
{
	if ((size_t)(cur->end - cur->p) < n)
		return false;
	memcpy(out, cur->p, n);
	cur->p += n;
	return true;
}

/* A u32-length string of the answer, copied into buf (cut to size). */
static bool take_str32(struct cursor *cur, char *buf, size_t size)
{
	uint32_t n;

	if (!take(cur, &n, sizeof(n)) || (size_t)(cur->end - cur->p) < n)
		return false;
	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), cur->p);
	cur->p += n;
	return true;
}

/* c from the answer's root and listing; 0 or -errno. */
static int take_listing(struct cursor *cur, struct checkout *c)
{
	char root[PATH_MAX];
	uint64_t len;

	if (!take_str32(cur, root, sizeof(root)) || !take(cur, &len, sizeof(len)) ||
	    (uint64_t)(cur->end - cur->p) != len)
		return -EPROTO;
	c->root = strdup(root);
	c->names = malloc(len ? (size_t)len : 1);
	if (!c->root || !c->names)
		return -ENOMEM;
	memcpy(c->names, cur->p, (size_t)len);
	c->names_len = (size_t)len;
	c->root_len = strlen(c->root);
	return index_names(c, (size_t)len);
}

int checkout_finish(struct checkout_pending *p, struct checkout *c, checkout_report_fn report,
		    void *arg)
{
	char *buf = NULL, why[PATH_MAX + 64];
	struct cursor cur;
	size_t len = 0;
	int32_t err = -EPROTO;
	uint32_t dir;
	size_t n_dirs = p->n_dirs;
	FILE *f;
	int status, rerr;

	memset(c, 0, sizeof(*c));
	if (p->fd < 0)
		return -EINVAL;
	f = fdopen(p->fd, "r");
	rerr = f ? safe_read_stream(f, CHECKOUT_MAX_BYTES + (1u << 20), &buf, &len) : -errno;
	if (f)
		fclose(f);
	else
		close(p->fd);
	while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
		;
	p->fd = -1;
	p->pid = -1;
	cur = (struct cursor){ buf, buf + len };
	while (!rerr && take(&cur, &dir, sizeof(dir)) && dir < n_dirs &&
	       take(&cur, &err, sizeof(err)) && take_str32(&cur, why, sizeof(why))) {
		if (!err && (err = take_listing(&cur, c)) == -EPROTO)
			break;
		report(arg, dir, err, err == -ENOMEM ? strerror(ENOMEM) : why);
		if (err != -ENOENT)
			break;
	}
	free(buf);
	if (err)
		checkout_free(c);
	return rerr ? rerr : err;
}

void checkout_cancel(struct checkout_pending *p)
{
	int status;

	if (p->fd < 0)
		return;
	close(p->fd); /* the child's next write fails: it exits */
	while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
		;
	p->fd = -1;
	p->pid = -1;
}
