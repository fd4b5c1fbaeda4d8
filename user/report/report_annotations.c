// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Verdicts as GitHub Actions workflow commands (`::error title=…::…`), so
 * they show on the run's page and, for a tracked file, on the file in the
 * pull request. GitHub shows at most 10 of each level per step: the most
 * severe come first and one last annotation counts the rest
 * (docs/REPORTS.md, "GitHub annotations").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/report_ci.h"
#include "report/report_internal.h"

#define ANNOTATIONS_PER_LEVEL 10

enum level { LVL_NOTICE, LVL_WARNING, LVL_ERROR, LVL_MAX };

static const char *const level_names[LVL_MAX] = { "notice", "warning", "error" };

static enum level level_of(const char *severity)
{
	int rank = report_severity_rank(severity);

	if (rank >= 3) /* high, critical */
		return LVL_ERROR;
	if (rank >= 1) /* low, medium; an unknown severity is not hidden */
		return LVL_WARNING;
	return rank == 0 ? LVL_NOTICE : LVL_WARNING;
}

/* A message ends at the line's end: %, CR and LF are escaped. */
static void annotation_escape_data(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", f);
		else if (*s == '\r')
			fputs("%0D", f);
		else if (*s == '\n')
			fputs("%0A", f);
		else
			fputc(*s, f);
	}
}

/* A property also ends at ',' and the message starts at "::". */
static void annotation_escape_property(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ':')
			fputs("%3A", f);
		else if (*s == ',')
			fputs("%2C", f);
		else {
			char one[2] = { *s, 0 };

			annotation_escape_data(f, one);
		}
	}
}

static void annotate(FILE *f, const struct report *r, const struct report_verdict *v)
{
	const char *file = report_ci_rel_file(r, v);
	char title[300], msg[REPORT_CI_MESSAGE_MAX];

	snprintf(title, sizeof(title), "buildwarden: %s (%s)", v->rule, v->severity);
	fprintf(f, "::%s title=", level_names[level_of(v->severity)]);
	annotation_escape_property(f, title);
	if (file) {
		fputs(",file=", f);
		annotation_escape_property(f, file);
	}
	fputs("::", f);
	report_ci_message(v, msg, sizeof(msg));
	annotation_escape_data(f, msg);
	fputc('\n', f);
}

int report_write_annotations(FILE *f, const struct report *r)
{
	const struct report_verdict **rows = report_ci_sorted_rows(r);
	size_t n[LVL_MAX] = { 0 }, budget[LVL_MAX], shown = 0, i;
	int more_lvl = -1;

	if (!rows)
		return -ENOMEM;
	for (i = 0; i < r->n_rows; i++)
		n[level_of(rows[i]->severity)]++;
	for (i = 0; i < LVL_MAX; i++) {
		budget[i] = n[i] < ANNOTATIONS_PER_LEVEL ? n[i] : ANNOTATIONS_PER_LEVEL;
		if (n[i] > ANNOTATIONS_PER_LEVEL)
			more_lvl = (int)i;
	}
	if (more_lvl < 0 && r->verdicts > r->n_rows)
		more_lvl = LVL_WARNING; /* rows past the report's bound */
	/* The count takes the last place of the most severe level cut. */
	if (more_lvl >= 0 && budget[more_lvl] == ANNOTATIONS_PER_LEVEL)
		budget[more_lvl]--;
	for (i = 0; i < r->n_rows; i++) {
		enum level l = level_of(rows[i]->severity);

		if (!budget[l])
			continue;
		budget[l]--;
		shown++;
		annotate(f, r, rows[i]);
	}
	if (more_lvl >= 0)
		fprintf(f, "::%s title=buildwarden::%llu more verdict(s) not shown as annotations "
			   "(GitHub shows %d per level and step); see the job's report\n",
			level_names[more_lvl], (unsigned long long)(r->verdicts - shown),
			ANNOTATIONS_PER_LEVEL);
	free(rows);
	return ferror(f) ? -EIO : 0;
}
