// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include "lib/path.h"
#include "lib/redact.h"
#include "events/tree.h"

#define C_FLAG "\033[1;31m"
#define C_RULE "\033[31m"
#define C_BRANCH "\033[33m"
#define C_OFF "\033[0m"

struct tree_ctx {
	FILE *out;
	const struct tree_opts *opts;
	unsigned lines;
	unsigned hidden;
	char prefix[512];
};

/* One argument, secrets masked, control characters shown as '?'. */
static void put_arg(char *buf, size_t size, size_t *pos, const char *s, const char *prev)
{
	size_t len, end, i;

	if (*pos + 1 >= size)
		return;
	len = redact_copy(s, strlen(s), prev, buf + *pos, size - *pos);
	end = *pos + len < size - 1 ? *pos + len : size - 1;
	for (i = *pos; i < end; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c < 0x20 || c == 0x7f)
			buf[i] = '?';
	}
	*pos = end;
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
		put_arg(buf, size, &pos, p->argv.v[i], i ? p->argv.v[i - 1] : NULL);
	}
	if (!p->argv.n)
		put_arg(buf, size, &pos, p->filename ? p->filename : p->comm, NULL);
	if (p->argv_truncated && pos + 4 < size)
		strcpy(buf + pos, " ...");
}

static unsigned long tree_count_below(const struct bw_proc *root)
{
	const struct bw_proc *p = root->first_child;
	unsigned long n = root->pruned_children;

	/* Iterative: a chain of 50,000 processes must not exhaust the stack. */
	while (p) {
		n += 1 + p->pruned_children;
		if (p->first_child) {
			p = p->first_child;
			continue;
		}
		while (p != root && !p->next_sibling)
			p = p->parent;
		if (p == root)
			break;
		p = p->next_sibling;
	}
	return n;
}

static enum tree_mark mark_of(const struct tree_ctx *c, const struct bw_proc *p,
			      const char **rule)
{
	*rule = NULL;
	if (c->opts->mark)
		return c->opts->mark(p, c->opts->mark_arg, rule);
	if (p->ended_by_rule) {
		*rule = p->ended_by_rule;
		return TREE_MARK_FLAGGED;
	}
	return TREE_MARK_NONE;
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
	return path_basename(p->exe ? p->exe : p->comm);
}

/* Leaves that ran the same program and ended alike print as one line. */
static bool alike(const struct tree_ctx *c, const struct bw_proc *a, const struct bw_proc *b)
{
	const char *rule;

	return a && b && !a->first_child && !b->first_child && !a->pruned_children &&
	       !b->pruned_children && a->exited && b->exited &&
	       a->exit_status == b->exit_status && a->n_execs && b->n_execs &&
	       strcmp(leaf_key(a), leaf_key(b)) == 0 && !mark_of(c, a, &rule) &&
	       !mark_of(c, b, &rule);
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
	const char *branch = root ? "" : (last ? "`- " : "|- ");
	const char *rule, *on = "", *off = "";
	enum tree_mark m;

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
	if (repeat > 1) {
		fprintf(c->out, "%s%s%s  (%d runs)  [%s, each]\n", c->prefix, branch, cmd, repeat,
			st);
		return;
	}
	m = mark_of(c, p, &rule);
	if (c->opts->color && m != TREE_MARK_NONE) {
		on = m == TREE_MARK_FLAGGED ? C_FLAG : C_BRANCH;
		off = C_OFF;
	}
	fprintf(c->out, "%s%s%s%s%u %s%s  [%s]", c->prefix, branch, on,
		m == TREE_MARK_FLAGGED ? "! " : "", p->pid, cmd, off, st);
	/* Where a process enters a container: its short id, as engines print it. */
	if (p->container && (!p->parent || !p->parent->container ||
			     strcmp(p->parent->container, p->container)))
		fprintf(c->out, "  {container %.12s}", p->container);
	if (m == TREE_MARK_FLAGGED && rule)
		fprintf(c->out, "  %s<- rule '%s'%s", c->opts->color ? C_RULE : "", rule,
			c->opts->color ? C_OFF : "");
	fputc('\n', c->out);
}

static void print_folded(struct tree_ctx *c, unsigned long n)
{
	if (n && line_budget(c))
		fprintf(c->out, "%s... %lu more process%s\n", c->prefix, n, n == 1 ? "" : "es");
}

static void print_subtree(struct tree_ctx *c, const struct bw_proc *p, bool last, bool root,
			  unsigned depth);

static void print_children(struct tree_ctx *c, const struct bw_proc *p, unsigned depth)
{
	const struct bw_proc *ch = p->first_child, *run_end;
	unsigned shown = 0, limit = c->opts->fold_children;
	/* Folding on: children the table dropped are just more of the same. */
	unsigned long folded = limit ? p->pruned_children : 0;
	const char *rule;
	int n;

	while (ch) {
		if (limit && shown >= limit && !mark_of(c, ch, &rule)) {
			folded += 1 + tree_count_below(ch);
			ch = ch->next_sibling;
			continue;
		}
		shown++;
		n = 1;
		run_end = ch;
		while (c->opts->collapse_min > 1 && alike(c, ch, run_end->next_sibling)) {
			run_end = run_end->next_sibling;
			n++;
		}
		if (n >= c->opts->collapse_min && c->opts->collapse_min > 1) {
			print_node(c, ch, !run_end->next_sibling && !folded, false, n);
			ch = run_end->next_sibling;
			continue;
		}
		print_subtree(c, ch, !ch->next_sibling && !folded, false, depth + 1);
		ch = ch->next_sibling;
	}
	print_folded(c, folded);
	if (!limit && p->pruned_children && line_budget(c))
		fprintf(c->out, "%s   (+%u finished children not kept: process table cap)\n",
			c->prefix, p->pruned_children);
}

static void print_subtree(struct tree_ctx *c, const struct bw_proc *p, bool last, bool root,
			  unsigned depth)
{
	size_t len = strlen(c->prefix);
	const char *rule;

	print_node(c, p, last, root, 1);
	if (!root && len + 4 < sizeof(c->prefix))
		strcat(c->prefix, last ? "   " : "|  ");
	if (c->opts->fold_depth && depth >= c->opts->fold_depth && p->first_child &&
	    !mark_of(c, p, &rule))
		print_folded(c, tree_count_below(p));
	else
		print_children(c, p, depth);
	c->prefix[len] = '\0';
}

static void print_root(struct bw_proc *p, void *arg)
{
	print_subtree(arg, p, true, true, 0);
}

void tree_print(FILE *out, const struct bw_proctab *t, const struct tree_opts *opts)
{
	struct tree_ctx c = { .out = out, .opts = opts };

	proctab_roots(t, print_root, &c);
	if (c.hidden)
		fprintf(out, "... %u more lines not shown (full detail in the --events stream)\n",
			c.hidden);
}
