// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `buildwarden report EVENTS.jsonl`: the end-of-run report of a saved event
 * log (text tree, Markdown, JSON summary), so a run can be looked at later.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "cmd/commands.h"
#include "lib/exit_codes.h"
#include "lib/log.h"
#include "lib/redact.h"
#include "report/report.h"

static const char report_usage[] =
	"Usage: buildwarden report [OPTIONS] EVENTS.jsonl\n"
	"\n"
	"Render the report of a saved event log (buildwarden run --events FILE):\n"
	"the process tree on standard output, and optionally a Markdown report and\n"
	"a JSON summary. Formats: docs/REPORTS.md.\n"
	"\n"
	"  -m, --markdown FILE   write the Markdown report to FILE ('-': stdout)\n"
	"  -a, --append          append to the Markdown file instead of replacing it\n"
	"                        (as for $GITHUB_STEP_SUMMARY)\n"
	"  -j, --json FILE       write the JSON summary to FILE ('-': stdout)\n"
	"      --html FILE       write the HTML report to FILE ('-': stdout): one\n"
	"                        self-contained page that loads nothing\n"
	"      --no-tree         print nothing on standard output (no tree, no\n"
	"                        summary lines)\n"
	"      --no-color        no colour in the tree (also when NO_COLOR is set;\n"
	"                        colour is only used when stdout is a terminal)\n"
	"      --no-redact       show secrets in command lines (debugging only;\n"
	"                        see docs/REDACTION.md)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 when the report was written; 125 when the log cannot be\n"
	"read or a line of it is not a valid record (reported as FILE:LINE).\n";

int cmd_report(int argc, char **argv)
{
	enum { OPT_NO_COLOR = 256, OPT_NO_REDACT, OPT_NO_TREE, OPT_HTML };
	static const struct option longopts[] = {
		{ "markdown", required_argument, NULL, 'm' },
		{ "append", no_argument, NULL, 'a' },
		{ "json", required_argument, NULL, 'j' },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "no-tree", no_argument, NULL, OPT_NO_TREE },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report_opts o = { .tree_out = stdout };
	const char *no_color_env = getenv("NO_COLOR");
	bool no_color = no_color_env && *no_color_env;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":m:aj:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.markdown_path = optarg; break;
		case 'a': o.append = true; break;
		case 'j': o.json_path = optarg; break;
		case OPT_HTML: o.html_path = optarg; break;
		case OPT_NO_TREE: o.tree_out = NULL; break;
		case OPT_NO_COLOR: no_color = true; break;
		case OPT_NO_REDACT: redact_set_enabled(false); break;
		case 'h': fputs(report_usage, stdout); return 0;
		default:
			cmd_option_error("report", c, argv);
			return BW_EXIT_AGENT_ERROR;
		}
	}
	if (optind != argc - 1) {
		bw_err("report: expected one event log (usage: buildwarden report [OPTIONS] "
		       "EVENTS.jsonl)");
		return BW_EXIT_AGENT_ERROR;
	}
	o.color = !no_color && isatty(STDOUT_FILENO);
	return report_render(argv[optind], &o) ? BW_EXIT_AGENT_ERROR : 0;
}
