// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/ci_env.h"
#include "lib/utf8.h"

/* Copy at most size-1 bytes, never splitting a UTF-8 sequence. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n;

	if (!src)
		src = "";
	n = strlen(src);
	if (n >= size)
		n = utf8_cut(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Where env() looks: our own environment, or another process's (daemon jobs). */
static __thread const char *env_block;
static __thread size_t env_len;

static const char *block_get(const char *name)
{
	size_t off, nl = strlen(name);

	for (off = 0; off < env_len; off += strnlen(env_block + off, env_len - off) + 1)
		if (!strncmp(env_block + off, name, nl) && off + nl < env_len &&
		    env_block[off + nl] == '=')
			return env_block + off + nl + 1;
	return NULL;
}

static const char *env(const char *name)
{
	const char *v = env_block ? block_get(name) : getenv(name);

	return v ? v : "";
}

static bool env_true(const char *name)
{
	return strcmp(env(name), "true") == 0;
}

/*
 * A link goes into chat messages as is: only plain http(s) URLs, with no
 * characters that would end a Slack <url|text> link or a Markdown link.
 */
static bool url_ok(const char *s)
{
	if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || strchr("<>|\"()[]`\\", *s) || *s == 0x7f)
			return false;
	return true;
}

/* Join parts (NULL-terminated) into dst; false (dst untouched) if too long. */
static bool join(char *dst, size_t size, const char *const *parts)
{
	size_t len = 0, n;
	const char *const *p;

	for (p = parts; *p; p++)
		len += strlen(*p);
	if (len >= size)
		return false;
	for (len = 0, p = parts; *p; p++, len += n) {
		n = strlen(*p);
		memcpy(dst + len, *p, n);
	}
	dst[len] = '\0';
	return true;
}

/* A link is set only when it fits whole and is usable (see url_ok). */
static void set_url(struct ci_job *j, const char *const *parts)
{
	char buf[sizeof(j->url)];

	if (join(buf, sizeof(buf), parts) && url_ok(buf))
		memcpy(j->url, buf, strlen(buf) + 1);
}

static void detect_github(struct ci_job *j)
{
	const char *wf = env("GITHUB_WORKFLOW"), *name = env("GITHUB_JOB");
	char server[sizeof(j->url)];
	size_t n;

	copy_str(j->provider, sizeof(j->provider), "github");
	copy_str(j->repository, sizeof(j->repository), env("GITHUB_REPOSITORY"));
	copy_str(j->workspace, sizeof(j->workspace), env("GITHUB_WORKSPACE"));
	copy_str(j->run_id, sizeof(j->run_id), env("GITHUB_RUN_ID"));
	copy_str(j->attempt, sizeof(j->attempt), env("GITHUB_RUN_ATTEMPT"));
	/* "workflow / job", the way GitHub's own UI names a job */
	if (!*wf || !*name ||
	    !join(j->job, sizeof(j->job), (const char *const[]){ wf, " / ", name, NULL }))
		copy_str(j->job, sizeof(j->job), *name ? name : wf);
	if (!*j->repository || !*j->run_id)
		return;
	copy_str(server, sizeof(server), *env("GITHUB_SERVER_URL") ? env("GITHUB_SERVER_URL")
								     : "https://github.com");
	n = strlen(server);
	while (n > 0 && server[n - 1] == '/')
		server[--n] = '\0';
	set_url(j, (const char *const[]){ server, "/", j->repository, "/actions/runs/",
					  j->run_id, NULL });
}

static void detect_gitlab(struct ci_job *j)
{
	copy_str(j->provider, sizeof(j->provider), "gitlab");
	copy_str(j->repository, sizeof(j->repository), env("CI_PROJECT_PATH"));
	copy_str(j->workspace, sizeof(j->workspace), env("CI_PROJECT_DIR"));
	copy_str(j->run_id, sizeof(j->run_id), env("CI_PIPELINE_ID"));
	copy_str(j->job, sizeof(j->job), env("CI_JOB_NAME"));
	if (*env("CI_JOB_URL"))
		set_url(j, (const char *const[]){ env("CI_JOB_URL"), NULL });
	else if (*env("CI_PIPELINE_URL"))
		set_url(j, (const char *const[]){ env("CI_PIPELINE_URL"), NULL });
	else if (*env("CI_PROJECT_URL") && *env("CI_JOB_ID"))
		set_url(j, (const char *const[]){ env("CI_PROJECT_URL"), "/-/jobs/",
						  env("CI_JOB_ID"), NULL });
}

static void detect_jenkins(struct ci_job *j)
{
	copy_str(j->provider, sizeof(j->provider), "jenkins");
	/* Jenkins has no repository variable of its own (GIT_URL may embed
	 * credentials): the job's full name is what identifies the pipeline. */
	copy_str(j->repository, sizeof(j->repository), env("JOB_NAME"));
	copy_str(j->workspace, sizeof(j->workspace), env("WORKSPACE"));
	copy_str(j->run_id, sizeof(j->run_id), env("BUILD_NUMBER"));
	copy_str(j->job, sizeof(j->job), *env("STAGE_NAME") ? env("STAGE_NAME") : env("JOB_BASE_NAME"));
	set_url(j, (const char *const[]){ env("BUILD_URL"), NULL });
}

void ci_env_detect_from(const char *block, size_t len, struct ci_job *out)
{
	/* The block must end in NUL for the lookups: callers read it so. */
	env_block = block && len && !block[len - 1] ? block : "";
	env_len = block && len && !block[len - 1] ? len : 0;
	ci_env_detect(out);
	env_block = NULL;
	env_len = 0;
}

void ci_env_detect(struct ci_job *out)
{
	memset(out, 0, sizeof(*out));
	if (env_true("GITHUB_ACTIONS"))
		detect_github(out);
	else if (env_true("GITLAB_CI"))
		detect_gitlab(out);
	else if (*env("JENKINS_URL") || *env("JENKINS_HOME"))
		detect_jenkins(out);
	else
		copy_str(out->provider, sizeof(out->provider), "local");
	if (gethostname(out->host, sizeof(out->host)) != 0)
		copy_str(out->host, sizeof(out->host), "unknown");
	out->host[sizeof(out->host) - 1] = '\0';
}

const char *ci_env_provider_title(const struct ci_job *job)
{
	if (!strcmp(job->provider, "github"))
		return "GitHub Actions";
	if (!strcmp(job->provider, "gitlab"))
		return "GitLab CI";
	if (!strcmp(job->provider, "jenkins"))
		return "Jenkins";
	return "local";
}
