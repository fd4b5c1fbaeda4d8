/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Statuses buildwarden exits with when it is not passing on the build's
 * own. The same for every subcommand; documented in docs/CLI.md ("Exit
 * statuses"). 64 and 65 are sysexits.h's EX_USAGE and EX_DATAERR: far from
 * the 1 and 2 builds usually fail with. 126/127 follow the shell.
 */
#ifndef BW_EXIT_CODES_H
#define BW_EXIT_CODES_H

#define BW_EXIT_USAGE 64        /* the command line is wrong: nothing was done */
#define BW_EXIT_INVALID 65      /* a policy, config or event log is not valid */
#define BW_EXIT_FAIL_ON 123     /* run --fail-on: a verdict reached that severity */
#define BW_EXIT_JOB_KILLED 124  /* the policy terminated the job */
#define BW_EXIT_AGENT_ERROR 125 /* buildwarden itself failed */
#define BW_EXIT_CANNOT_EXEC 126 /* the command exists but cannot be run */
#define BW_EXIT_NOT_FOUND 127   /* the command was not found */

#endif /* BW_EXIT_CODES_H */
