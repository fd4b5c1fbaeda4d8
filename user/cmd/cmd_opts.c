// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the subcommands share when parsing their options. */
#include <getopt.h>
#include "cmd/commands.h"
#include "lib/log.h"

void cmd_option_error(const char *cmd, int c, char *const argv[])
{
	if (c == ':')
		bw_err("%s: option '%s' needs a value (see buildwarden %s --help)", cmd,
		       argv[optind - 1], cmd);
	else
		bw_err("%s: unknown option '%s' (see buildwarden %s --help)", cmd, argv[optind - 1],
		       cmd);
}
