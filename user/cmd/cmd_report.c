// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `buildwarden report EVENTS.jsonl`: the end-of-run report of a saved event
 * log (text tree, Markdown, JSON summary), so a run can be looked at later.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	"      --sarif FILE      write the verdicts as SARIF 2.1.0 to FILE ('-': stdout)\n"
	"      --junit FILE      write the verdicts as JUnit XML to FILE ('-': stdout)\n"
	"      --sarif-anchor FILE  the checkout file SARIF results about a process\n"
	"                        point at (default: the workflow file of\n"
	"                        $GITHUB_WORKFLOW_REF); code scanning needs one\n"
	"      --annotations     print the verdicts as GitHub Actions annotations\n"
	"                        (::error/::warning/::notice) on standard output\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 when the report was written; 64 for a wrong command line;\n"
	"65 when the log cannot be read or a line of it is not a valid record\n"
	"(reported as FILE:LINE); 125 when an output cannot be written.\n";

/*
 * The workflow file of this GitHub Actions run, from GITHUB_WORKFLOW_REF
 * ("OWNER/REPO/.github/workflows/ci.yml@refs/heads/main"); NULL elsewhere.
 */
static const char *workflow_file(char *buf, size_t size)
{
	const char *ref = getenv("GITHUB_WORKFLOW_REF"), *p;
	size_t n;

	if (!ref || !(p = strchr(ref, '/')) || !(p = strchr(p + 1, '/')))
		return NULL;
	n = strcspn(++p, "@");
	if (!n || n >= size)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = 0;
	return buf;
}

int cmd_report(int argc, char **argv)
{
	enum { OPT_NO_COLOR = 256, OPT_NO_REDACT, OPT_NO_TREE, OPT_SARIF, OPT_JUNIT,
	       OPT_ANNOTATIONS, OPT_SARIF_ANCHOR, OPT_HTML };
	static const struct option longopts[] = {
		{ "markdown", required_argument, NULL, 'm' },
		{ "append", no_argument, NULL, 'a' },
		{ "json", required_argument, NULL, 'j' },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "no-tree", no_argument, NULL, OPT_NO_TREE },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "no-redact", no_argument, NULL, OPT_NO_REDACT },
		{ "sarif", required_argument, NULL, OPT_SARIF },
		{ "junit", required_argument, NULL, OPT_JUNIT },
		{ "annotations", no_argument, NULL, OPT_ANNOTATIONS },
		{ "sarif-anchor", required_argument, NULL, OPT_SARIF_ANCHOR },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct report_opts o = { .tree_out = stdout };
	const char *no_color_env = getenv("NO_COLOR");
	bool no_color = no_color_env && *no_color_env;
	char anchor[512];
	int c, err;

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
		case OPT_SARIF: o.sarif_path = optarg; break;
		case OPT_JUNIT: o.junit_path = optarg; break;
		case OPT_ANNOTATIONS: o.annotations_out = stdout; break;
		case OPT_SARIF_ANCHOR: o.sarif_anchor = optarg; break;
		case 'h': fputs(report_usage, stdout); return 0;
		default:
			cmd_option_error("report", c, argv);
			return BW_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		bw_err("report: expected one event log (usage: buildwarden report [OPTIONS] "
		       "EVENTS.jsonl)");
		return BW_EXIT_USAGE;
	}
	o.color = !no_color && isatty(STDOUT_FILENO);
	if (!o.sarif_anchor)
		o.sarif_anchor = workflow_file(anchor, sizeof(anchor));
	/* A log that cannot be read is bad input, like a malformed one. */
	if (access(argv[optind], R_OK)) {
		bw_err("cannot open %s: %s", argv[optind], strerror(errno));
		return BW_EXIT_INVALID;
	}
	err = report_render(argv[optind], &o);
	if (err == -EINVAL)
		return BW_EXIT_INVALID;
	return err ? BW_EXIT_AGENT_ERROR : 0;
}
