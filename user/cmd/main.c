// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include "cmd/commands.h"
#include "version.inc"
#include "kernel/doctor.h"
#include "lib/exit_codes.h"
#include "lib/log.h"
#include "report/report.h"

struct command {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run a command and watch every process it starts" },
	{ "daemon", cmd_daemon, "watch every CI job on this host (docs/DAEMON.md)" },
	{ "policy", cmd_policy, "check a policy file and print its compiled rules" },
	{ "report", cmd_report, "render the report of a saved event log" },
	{ "doctor", cmd_doctor, "check that this host can run the agent, and how to fix it" },
};

static void usage(FILE *out)
{
	size_t i;

	fputs("Usage: buildwarden COMMAND [OPTIONS]\n\n"
	      "eBPF runtime observability and enforcement for CI builds.\n\nCommands:\n",
	      out);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fputs("\nRun 'buildwarden COMMAND --help' for a command's options.\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n",
	      out);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		bw_err("no command given (see buildwarden --help)");
		return BW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("buildwarden %s\n", BW_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].handler(argc - 1, argv + 1);
	bw_err("unknown command '%s' (see buildwarden --help)", argv[1]);
	return BW_EXIT_USAGE;
}
