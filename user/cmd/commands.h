/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Subcommand handlers. Each parses its own options; argv[0] is its name. */
#ifndef BW_COMMANDS_H
#define BW_COMMANDS_H

/* BW_VERSION: $(BUILD)/version.inc, from tools/version.sh. */

/* Return the process exit status. */
int cmd_run(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_policy(int argc, char **argv);

/*
 * getopt_long returned c (':' a missing value, else an unknown option):
 * "CMD: option '-x' needs a value (see buildwarden CMD --help)", or
 * "CMD: unknown option '-x' (...)".
 */
void cmd_option_error(const char *cmd, int c, char *const argv[]);

#endif /* BW_COMMANDS_H */
