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
#include "policy/policy.h"

static void usage(FILE *f)
{
	fputs("Usage: buildwarden policy check [-j|--json] FILE\n"
	      "       buildwarden policy check [-j|--json] --default\n"
	      "       buildwarden policy default\n"
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
	      "  -j, --json        print the compiled rules as one JSON object\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "Errors go to standard error, one per line, as\n"
	      "FILE:LINE:COL: error: WHAT IS WRONG. Exit status: 0 when the policy\n"
	      "is valid, 65 when it is not (or cannot be read), 64 when the command\n"
	      "line is wrong, 125 when the output cannot be written.\n"
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

int cmd_policy(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : NULL;

	if (!verb)
		return usage_error("missing command: check or default");
	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !strcmp(verb, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(verb, "check"))
		return policy_check(argc - 1, argv + 1);
	if (!strcmp(verb, "default")) {
		if (argc > 2)
			return usage_error("unexpected argument '%s'", argv[2]);
		fputs(policy_default_yaml(), stdout);
		return fflush(stdout) ? BW_EXIT_AGENT_ERROR : 0;
	}
	return usage_error("unknown command '%s': use check or default", verb);
}
