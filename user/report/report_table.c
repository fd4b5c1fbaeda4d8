// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The report's tables keep their first rows and count the rest, so memory
 * stays flat on any log while every count stays exact; each row names the
 * first few processes behind it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/report_internal.h"

int report_table_add(void *rowsp, size_t *n, size_t cap, size_t elem, uint64_t *other,
		     void **row)
{
	char **rows = rowsp;

	if (*n >= cap) {
		(*other)++;
		return 0;
	}
	if (!*rows) {
		*rows = calloc(cap, elem);
		if (!*rows)
			return -ENOMEM;
	}
	*row = *rows + *n * elem;
	memset(*row, 0, elem);
	(*n)++;
	return 1;
}

int report_table_get(void *rowsp, size_t *n, size_t cap, size_t elem, uint64_t *other,
		     size_t key_off, const char *key, void **row)
{
	char **rows = rowsp, *k;
	size_t i;
	int added;

	for (i = 0; i < *n; i++) {
		*row = *rows + i * elem;
		if (!strcmp(*(char **)((char *)*row + key_off), key))
			return 1;
	}
	added = report_table_add(rowsp, n, cap, elem, other, row);
	if (added <= 0)
		return added;
	k = strdup(key);
	if (!k) {
		(*n)--;
		return -ENOMEM;
	}
	*(char **)((char *)*row + key_off) = k;
	return 1;
}

void report_procs_add(struct report_procs *ps, uint32_t pid, uint64_t start_ns, const char *comm)
{
	struct report_procref *p;
	uint32_t i;

	for (i = 0; i < ps->n; i++)
		if (ps->v[i].pid == pid && ps->v[i].start_ns == start_ns)
			return;
	if (ps->n == REPORT_ROW_PROCS) {
		ps->other++;
		return;
	}
	p = &ps->v[ps->n++];
	p->pid = pid;
	p->start_ns = start_ns;
	snprintf(p->comm, sizeof(p->comm), "%s", comm ? comm : "");
}

static const char *proc_comm(const struct report_procref *p)
{
	return p->comm[0] ? p->comm : "?";
}

void report_procs_text(const struct report_procs *ps, char *buf, size_t size)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < ps->n && pos < size; i++)
		pos += (size_t)snprintf(buf + pos, size - pos, "%s%s %u", i ? ", " : "",
					proc_comm(&ps->v[i]), ps->v[i].pid);
	if (ps->other && pos < size)
		snprintf(buf + pos, size - pos, " (+%llu more)", (unsigned long long)ps->other);
}
