// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `buildwarden policy ...`: check a policy file and show what it compiles
 * to, so a team can validate a policy in review before any build uses it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/exit_codes.h"
#include "cmd/commands.h"
#include "events/event_read.h"
#include "pipeline/replay.h"
#include "policy/policy.h"
#include "report/suggest.h"

static void usage(FILE *f)
{
	fputs("Usage: buildwarden policy check [-j|--json] FILE\n"
	      "       buildwarden policy check [-j|--json] --default\n"
	      "       buildwarden policy default\n"
	      "       buildwarden policy suggest [--enforce] [-o FILE] EVENTS.jsonl...\n"
	      "       buildwarden policy test POLICY EVENTS.jsonl\n"
	      "       buildwarden policy --help\n"
	      "\n"
	      "  check FILE        validate FILE ('-' reads standard input) and print\n"
	      "                    its compiled rules: the events each is on (exec,\n"
	      "                    connect, dns, file, privilege), severity, action,\n"
	      "                    where each runs (userspace, or the kernel for deny\n"
	      "                    rules), its conditions in evaluation order and its\n"
	      "                    egress allowlist\n"
	      "  check --default   the same for the embedded default policy\n"
	      "  default           print the embedded default policy's YAML\n"
	      "  suggest LOG...    the allowlist policy that the runs of these event logs\n"
	      "                    suggest (programs by path, egress by host and port,\n"
	      "                    DNS names, file-write prefixes), as commented YAML in\n"
	      "                    audit mode; records that raised a verdict are left out\n"
	      "    --enforce       write mode: enforce instead\n"
	      "    -o, --output F  write to F instead of standard output\n"
	      "  test POLICY LOG   replay the log through the engine of a live run under\n"
	      "                    POLICY and print each verdict that would be given, its\n"
	      "                    rule, the action it would take and the record\n"
	      "  -j, --json        print the compiled rules as one JSON object\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "Errors go to standard error, one per line, as\n"
	      "FILE:LINE:COL: error: WHAT IS WRONG; a bad log line as FILE:LINE: why.\n"
	      "Exit status: 0 when the policy is valid (test: and nothing would fire),\n"
	      "1 when test found verdicts that would fire, 65 when the policy or a log\n"
	      "is not valid (or cannot be read), 64 when the command line is wrong,\n"
	      "125 when the output cannot be written.\n"
	      "The policy language is described in docs/POLICY.md.\n",
	      f);
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("buildwarden policy: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(see 'buildwarden policy --help')\n", stderr);
	return BW_EXIT_USAGE;
}

static int load(const char *file, bool use_default, struct bw_policy **p)
{
	int err;

	if (use_default)
		err = policy_load_default(p, stderr);
	else if (!strcmp(file, "-"))
		err = policy_load_stream("<stdin>", stdin, p, stderr);
	else
		err = policy_load_file(file, p, stderr);
	/* -EINVAL: the errors are printed already; others say why here. */
	if (err && err != -EINVAL && err != -ENOENT && err != -EACCES &&
	    err != -EISDIR)
		fprintf(stderr, "buildwarden policy: error: cannot load %s: %s\n",
			use_default ? POLICY_DEFAULT_NAME : file, strerror(-err));
	return err;
}

/* argv[0] is "check". */
static int policy_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "default", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, use_default = false;
	struct bw_policy *p = NULL;
	const char *file = NULL;
	int c;

	optind = 0; /* glibc: restart, whoever parsed before us */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jdh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'd':
			use_default = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument '%s': check takes one FILE",
				   argv[optind]);
	if (file && use_default)
		return usage_error("give FILE or --default, not both (%s)", file);
	if (!file && !use_default)
		return usage_error("check needs a FILE ('-' for standard input) or --default");
	if (load(file, use_default, &p))
		return BW_EXIT_INVALID;
	if (json)
		policy_print_json(p, stdout);
	else
		policy_print(p, stdout);
	policy_free(p);
	return fflush(stdout) ? BW_EXIT_AGENT_ERROR : 0;
}

static int suggest_one(void *arg, struct json_object *rec, size_t lineno, const char **why)
{
	(void)lineno;
	(void)why;
	return suggest_feed(arg, rec);
}

static int write_suggestion(const char *out_path, const struct suggest *s,
			    const struct suggest_opts *so)
{
	FILE *f = out_path ? fopen(out_path, "we") : stdout;
	int err;

	if (!f) {
		fprintf(stderr, "buildwarden policy: error: cannot open %s for writing: %s\n",
			out_path, strerror(errno));
		return BW_EXIT_AGENT_ERROR;
	}
	err = suggest_write(f, s, so);
	if (fflush(f) && !err)
		err = -errno;
	if (out_path && fclose(f) && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "buildwarden policy: error: cannot write %s: %s\n",
			out_path ? out_path : "standard output", strerror(-err));
	return err ? BW_EXIT_AGENT_ERROR : 0;
}

/* argv[0] is "suggest". */
static int policy_suggest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "enforce", no_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct suggest_opts so = { .enforce = false };
	const char *out_path = NULL;
	struct suggest *s = NULL;
	int c, err = 0, status;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":eo:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e': so.enforce = true; break;
		case 'o': out_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default:
			cmd_option_error("policy suggest", c, argv);
			return BW_EXIT_USAGE;
		}
	}
	if (optind == argc)
		return usage_error("suggest needs at least one event log (EVENTS.jsonl)");
	if (suggest_new(&s)) {
		fprintf(stderr, "buildwarden policy: error: %s\n", strerror(ENOMEM));
		return BW_EXIT_AGENT_ERROR;
	}
	for (; optind < argc && !err; optind++) {
		err = event_read_file(argv[optind], suggest_one, s);
		if (!err)
			err = suggest_end_run(s, argv[optind]);
		if (err == -ENOMEM)
			fprintf(stderr, "buildwarden policy: error: %s: %s\n", argv[optind],
				strerror(ENOMEM));
	}
	if (err)
		status = err == -ENOMEM ? BW_EXIT_AGENT_ERROR : BW_EXIT_INVALID;
	else
		status = write_suggestion(out_path, s, &so);
	suggest_free(s);
	return status;
}

/* argv[0] is "test". */
static int policy_test(int argc, char **argv)
{
	struct bw_policy *p = NULL;
	uint64_t fired = 0;
	int err;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 3)
		return usage_error("test takes a POLICY and one EVENTS.jsonl");
	if (load(argv[1], false, &p))
		return BW_EXIT_INVALID;
	err = replay_file(p, argv[1], argv[2], stdout, &fired); /* takes p */
	if (err)
		return err == -ENOMEM ? BW_EXIT_AGENT_ERROR : BW_EXIT_INVALID;
	return fired ? 1 : 0;
}

int cmd_policy(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : NULL;

	if (!verb)
		return usage_error("missing command: check, default, suggest or test");
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(verb, "check"))
		return policy_check(argc - 1, argv + 1);
	if (!strcmp(verb, "suggest"))
		return policy_suggest(argc - 1, argv + 1);
	if (!strcmp(verb, "test"))
		return policy_test(argc - 1, argv + 1);
	if (!strcmp(verb, "default")) {
		if (argc > 2)
			return usage_error("unexpected argument '%s'", argv[2]);
		fputs(policy_default_yaml(), stdout);
		return fflush(stdout) ? BW_EXIT_AGENT_ERROR : 0;
	}
	return usage_error("unknown command '%s': use check, default, suggest or test", verb);
}
