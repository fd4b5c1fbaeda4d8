// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
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
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
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
