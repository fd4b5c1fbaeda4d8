// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include "tree.h"

struct tree_ctx {
	FILE *out;
	const struct tree_opts *opts;
	unsigned lines;
	unsigned hidden;
	char prefix[512];
};

static void put_printable(char *buf, size_t size, size_t *pos, const char *s)
{
	for (; *s && *pos + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;

		buf[(*pos)++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[*pos] = '\0';
}

void tree_cmdline(const struct bw_proc *p, char *buf, size_t size)
{
	size_t pos = 0;
	uint32_t i;

	buf[0] = '\0';
	if (!p->n_execs) {
		/* Never exec'd: a fork running its parent's program. */
		snprintf(buf, size, "(%.*s)", (int)sizeof(p->comm), p->comm);
		return;
	}
	for (i = 0; i < p->argv.n; i++) {
		if (i && pos + 1 < size)
			buf[pos++] = ' ';
		put_printable(buf, size, &pos, p->argv.v[i]);
	}
	if (!p->argv.n)
		put_printable(buf, size, &pos, p->filename ? p->filename : p->comm);
	if (p->argv_truncated && pos + 4 < size)
		strcpy(buf + pos, " ...");
}

static void status_text(const struct bw_proc *p, char *buf, size_t size)
{
	int st = (int)p->exit_status;

	if (p->blocked)
		snprintf(buf, size, "BLOCKED before it ran: deny rule '%s'", p->ended_by_rule);
	else if (p->ended_by_rule && p->exited && WIFSIGNALED(st))
		snprintf(buf, size, "killed by policy: rule '%s'", p->ended_by_rule);
	else if (!p->exited)
		snprintf(buf, size, "still running");
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "killed by %s%s", sigabbrev_np(WTERMSIG(st)) ?: "signal",
			 WCOREDUMP(st) ? ", core dumped" : "");
	else
		snprintf(buf, size, "exit %d", WEXITSTATUS(st));
}

static const char *leaf_key(const struct bw_proc *p)
{
	const char *s = p->exe ? p->exe : p->comm;
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

/* Leaves that ran the same program and ended alike print as one line. */
static bool alike(const struct bw_proc *a, const struct bw_proc *b)
{
	return a && b && !a->first_child && !b->first_child && a->exited && b->exited &&
	       a->exit_status == b->exit_status && a->n_execs && b->n_execs &&
	       strcmp(leaf_key(a), leaf_key(b)) == 0;
}

static bool line_budget(struct tree_ctx *c)
{
	if (c->opts->max_lines && c->lines >= c->opts->max_lines) {
		c->hidden++;
		return false;
	}
	c->lines++;
	return true;
}

static void print_node(struct tree_ctx *c, const struct bw_proc *p, bool last, bool root,
		       int repeat)
{
	char cmd[4096], st[64];
	unsigned w = c->opts->width ? c->opts->width : 120;

	if (!line_budget(c))
		return;
	/* A folded run differs in its arguments: name only the program. */
	if (repeat > 1)
		snprintf(cmd, sizeof(cmd), "%s", leaf_key(p));
	else
		tree_cmdline(p, cmd, sizeof(cmd));
	if (strlen(cmd) > w && w > 3)
		strcpy(cmd + w - 3, "...");
	status_text(p, st, sizeof(st));
	if (repeat > 1)
		fprintf(c->out, "%s%s%s  (%d runs)  [%s, each]\n", c->prefix,
			root ? "" : (last ? "`- " : "|- "), cmd, repeat, st);
	else
		fprintf(c->out, "%s%s%u %s  [%s]\n", c->prefix, root ? "" : (last ? "`- " : "|- "),
			p->pid, cmd, st);
}

static void print_subtree(struct tree_ctx *c, const struct bw_proc *p, bool last, bool root);

static void print_children(struct tree_ctx *c, const struct bw_proc *p)
{
	const struct bw_proc *ch = p->first_child, *run_end;
	int n;

	while (ch) {
		n = 1;
		run_end = ch;
		while (c->opts->collapse_min > 1 && alike(ch, run_end->next_sibling)) {
			run_end = run_end->next_sibling;
			n++;
		}
		if (n >= c->opts->collapse_min && c->opts->collapse_min > 1) {
			print_node(c, ch, !run_end->next_sibling, false, n);
			ch = run_end->next_sibling;
			continue;
		}
		print_subtree(c, ch, !ch->next_sibling, false);
		ch = ch->next_sibling;
	}
	if (p->pruned_children && line_budget(c))
		fprintf(c->out, "%s   (+%u finished children not kept: process table cap)\n", c->prefix,
			p->pruned_children);
}

static void print_subtree(struct tree_ctx *c, const struct bw_proc *p, bool last, bool root)
{
	size_t len = strlen(c->prefix);

	print_node(c, p, last, root, 1);
	if (!root && len + 4 < sizeof(c->prefix))
		strcat(c->prefix, last ? "   " : "|  ");
	print_children(c, p);
	c->prefix[len] = '\0';
}

static void print_root(struct bw_proc *p, void *arg)
{
	print_subtree(arg, p, true, true);
}

void tree_print(FILE *out, const struct bw_proctab *t, const struct tree_opts *opts)
{
	struct tree_ctx c = { .out = out, .opts = opts };

	proctab_roots(t, print_root, &c);
	if (c.hidden)
		fprintf(out, "... %u more lines not shown (full detail in the --events stream)\n",
			c.hidden);
}
