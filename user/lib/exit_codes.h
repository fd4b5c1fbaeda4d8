/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Statuses `buildwarden run` exits with when it is not passing on the
 * build's own. Documented in docs/CLI.md; 126/127 follow the shell.
 */
#ifndef BW_EXIT_CODES_H
#define BW_EXIT_CODES_H

#define BW_EXIT_USAGE 2         /* daemon: a config or policy error */
#define BW_EXIT_JOB_KILLED 124  /* the policy terminated the job */
#define BW_EXIT_AGENT_ERROR 125 /* buildwarden itself failed or was misused */
#define BW_EXIT_CANNOT_EXEC 126 /* the command exists but cannot be run */
#define BW_EXIT_NOT_FOUND 127   /* the command was not found */

#endif /* BW_EXIT_CODES_H */
