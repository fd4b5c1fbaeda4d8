/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which CI job is this? Read from the standard environment variables of
 * GitHub Actions, GitLab CI and Jenkins, so an alert can say where it came
 * from and link to the run.
 */
#ifndef BW_CI_ENV_H
#define BW_CI_ENV_H

#include <stddef.h>

struct ci_job {
	char provider[16];     /* "github", "gitlab", "jenkins" or "local" */
	char repository[256];  /* owner/repo, group/project, or the Jenkins job name */
	char run_id[64];       /* workflow run, pipeline, or build number */
	char attempt[16];      /* GitHub re-run attempt ("" elsewhere) */
	char job[128];         /* workflow / job name, job name, or stage */
	char url[512];         /* link to the run or job; "" unless http(s) */
	char host[256];        /* this machine's host name */
	char workspace[512];   /* where the job checks its repository out: $GITHUB_WORKSPACE,
				* $CI_PROJECT_DIR, Jenkins' $WORKSPACE; "" when not said */
};

/* Fill *out from the environment; never fails (missing values stay ""). */
void ci_env_detect(struct ci_job *out);
/* The same from another process's environment: NUL-separated NAME=VALUE, len bytes, ending in NUL. */
void ci_env_detect_from(const char *block, size_t len, struct ci_job *out);
/* A name for people: "GitHub Actions", "GitLab CI", "Jenkins", "local". */
const char *ci_env_provider_title(const struct ci_job *job);

#endif /* BW_CI_ENV_H */
