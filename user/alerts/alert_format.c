// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Webhook payloads (docs/ALERTS.md): Slack blocks, a Teams Adaptive Card,
 * and the generic envelope around the verdict record; the HMAC signature.
 * Chat text is built from strings already made valid UTF-8 at copy time;
 * json-c does the JSON escaping.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "alerts/alerts_internal.h"
#include "lib/clock.h"
#include "lib/utf8.h"

/* Slack limits: section text 3000 characters, header 150. */
#define SLACK_CODE_MAX 2800
#define SLACK_HEADER_MAX 150
#define CHAT_ANCESTRY_SHOWN 20
#define CHAT_LINE_MAX 240

/* ---- the owned copy ---- */

void alert_msg_free(struct alert_msg *m)
{
	size_t i;

	if (!m)
		return;
	free(m->rule);
	free(m->severity);
	free(m->description);
	free(m->action);
	free(m->cmdline);
	free(m->exe);
	for (i = 0; i < m->n_ancestry; i++)
		free(m->ancestry[i]);
	free(m->ancestry);
	free(m->verdict_json);
	free(m->job);
	free(m);
}

static char *clean(const char *s, size_t max)
{
	if (!s)
		s = "";
	return utf8_clean(s, strnlen(s, max * 4), max);
}

/* The verdict record as given, if it is one JSON object and not too big. */
static char *copy_verdict(const char *s)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t n;
	char *out = NULL;

	if (!s)
		return NULL;
	n = strnlen(s, ALERT_VERDICT_MAX + 1);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	if (!n || n > ALERT_VERDICT_MAX)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, s, (int)n);
	if (o && json_object_is_type(o, json_type_object) &&
	    json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == n)
		out = strndup(s, n);
	json_object_put(o);
	json_tokener_free(tok);
	return out;
}

struct alert_msg *alert_msg_copy(const struct alert *al)
{
	struct alert_msg *m = calloc(1, sizeof(*m));
	size_t i, n;

	if (!m)
		return NULL;
	m->blocked = al->blocked;
	m->pid = al->pid;
	m->time_ns = al->time_ns_realtime ? al->time_ns_realtime : clock_real_ns();
	m->rule = clean(al->rule, ALERT_FIELD_MAX);
	m->severity = clean(al->severity, ALERT_FIELD_MAX);
	m->description = clean(al->description, ALERT_FIELD_MAX);
	m->action = clean(al->action, ALERT_FIELD_MAX);
	m->cmdline = clean(al->cmdline, ALERT_CMDLINE_MAX);
	m->exe = clean(al->exe, ALERT_FIELD_MAX);
	if (!m->rule || !m->severity || !m->description || !m->action || !m->cmdline || !m->exe)
		goto err_free;
	n = al->ancestry ? al->n_ancestry : 0;
	if (n > ALERT_ANCESTRY_MAX) /* keep the nearest: the root's end says least */
		n = ALERT_ANCESTRY_MAX;
	if (n) {
		m->ancestry = calloc(n, sizeof(*m->ancestry));
		if (!m->ancestry)
			goto err_free;
		for (i = 0; i < n; i++) {
			m->ancestry[i] = clean(al->ancestry[al->n_ancestry - n + i],
					       ALERT_ANCESTRY_LINE_MAX);
			if (!m->ancestry[i])
				goto err_free;
			m->n_ancestry++;
		}
	}
	m->verdict_json = copy_verdict(al->verdict_json);
	if (al->job) {
		m->job = malloc(sizeof(*m->job));
		if (!m->job)
			goto err_free;
		*m->job = *al->job;
	}
	return m;

err_free:
	alert_msg_free(m);
	return NULL;
}

/* ---- text helpers ---- */

static void fmt_time(uint64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "?");
}

static void upper(char *dst, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		dst[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
	dst[i] = '\0';
}

/* Slack mrkdwn: &, < and > are the only characters that must be escaped. */
static void put_mrkdwn(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else
			fputc(*s, f);
	}
}

/*
 * Inside a ``` block: escaped as mrkdwn, and a run of backticks gets a zero
 * width space after each one, so the command cannot close the block.
 */
static void put_code(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '`') {
			fputs("`\xe2\x80\x8b", f);
			continue;
		}
		char c[2] = { *s, 0 };

		put_mrkdwn(f, c);
	}
}

static char *close_text(FILE *f, char **buf)
{
	if (fclose(f) != 0) {
		free(*buf);
		*buf = NULL;
	}
	return *buf;
}

/* A string that fits max bytes (on a character boundary, with "…"). */
static char *fit(const char *s, size_t max)
{
	return utf8_clean(s, strlen(s), max);
}

/* Lines of the ancestry to show: first 2 and the last ones if too many. */
static bool anc_shown(const struct alert_msg *m, size_t i, size_t *skipped_at)
{
	size_t head = 2, tail = CHAT_ANCESTRY_SHOWN - head - 1;

	*skipped_at = head;
	return m->n_ancestry <= CHAT_ANCESTRY_SHOWN || i < head || i >= m->n_ancestry - tail;
}

static int add(struct json_object *parent, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(parent, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int push(struct json_object *arr, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(arr, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int add_str(struct json_object *o, const char *key, const char *s)
{
	return add(o, key, json_object_new_string(s));
}

static char *serialize(struct json_object *o)
{
	const char *s;

	if (!o)
		return NULL;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

/* A payload's text when it was built (ok), else NULL; root is put either way. */
static char *payload_done(struct json_object *root, bool ok)
{
	char *out = ok ? serialize(root) : NULL;

	json_object_put(root);
	return out;
}

/* ---- Slack ---- */

static char *slack_headline(const struct alert_msg *m, const struct ci_job *job)
{
	char sev[32], *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	upper(sev, sizeof(sev), m->severity);
	fprintf(f, "[%s] ", sev);
	put_mrkdwn(f, m->rule);
	if (m->more)
		fprintf(f, ": %llu more in %llu s", (unsigned long long)m->more,
			(unsigned long long)(m->window_ms / 1000));
	else
		fprintf(f, ": %s", m->blocked ? "blocked" : m->action);
	fputs(" \xe2\x80\x94 ", f);
	put_mrkdwn(f, m->exe);
	fprintf(f, " (pid %u) \xe2\x80\x94 ", m->pid);
	put_mrkdwn(f, *job->repository ? job->repository : job->provider);
	if (*job->run_id)
		fprintf(f, " run %s", job->run_id);
	fputs(" on ", f);
	put_mrkdwn(f, job->host);
	return close_text(f, &buf);
}

static struct json_object *mrkdwn(const char *text)
{
	struct json_object *o = json_object_new_object();

	if (o && (add_str(o, "type", "mrkdwn") || add_str(o, "text", text))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *slack_section(const char *text)
{
	struct json_object *o = json_object_new_object();

	if (o && (add_str(o, "type", "section") || add(o, "text", mrkdwn(text)))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static char *slack_summary_text(const struct alert_msg *m)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (m->more) {
		fprintf(f, "*\xe2\x80\xa6 and %llu more* of this alert within %llu s (the latest is shown)\n",
			(unsigned long long)m->more, (unsigned long long)(m->window_ms / 1000));
	}
	if (*m->description) {
		fputc('*', f);
		put_mrkdwn(f, m->description);
		fputs("*\n", f);
	}
	fputs("Action: *", f);
	put_mrkdwn(f, m->action);
	fputc('*', f);
	if (m->blocked)
		fputs(" (blocked before it ran)", f);
	fprintf(f, " \xc2\xb7 pid %u \xc2\xb7 ", m->pid);
	put_mrkdwn(f, m->exe);
	return close_text(f, &buf);
}

static char *slack_code_text(const char *title, const struct alert_msg *m, bool ancestry)
{
	char *buf = NULL, *line;
	size_t len, i, skip_at;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "*%s*\n```", title);
	if (!ancestry) {
		line = fit(m->cmdline, SLACK_CODE_MAX);
		if (line)
			put_code(f, line);
		free(line);
	} else {
		for (i = 0; i < m->n_ancestry; i++) {
			if (!anc_shown(m, i, &skip_at)) {
				if (i == skip_at)
					fprintf(f, "%*s\xe2\x80\xa6 %zu more\n", (int)(2 * i), "",
						m->n_ancestry - CHAT_ANCESTRY_SHOWN + 1);
				continue;
			}
			line = fit(m->ancestry[i], CHAT_LINE_MAX);
			fprintf(f, "%*s", (int)(2 * (i < 12 ? i : 12)), "");
			if (line)
				put_code(f, line);
			free(line);
			fputc('\n', f);
		}
	}
	fputs("```", f);
	return close_text(f, &buf);
}

static int slack_field(struct json_object *fields, const char *title, const char *value,
		       const char *url)
{
	char *buf = NULL;
	size_t len;
	FILE *f;
	int err;

	if (!*value)
		return 0;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "*%s*\n", title);
	if (url && *url) {
		fprintf(f, "<%s|", url); /* ci_env only keeps links without <, >, | */
		put_mrkdwn(f, value);
		fputc('>', f);
	} else {
		put_mrkdwn(f, value);
	}
	if (!close_text(f, &buf))
		return -ENOMEM;
	err = push(fields, mrkdwn(buf));
	free(buf);
	return err;
}

static char *slack_payload(const struct alert_msg *m, const struct ci_job *job)
{
	struct json_object *root = json_object_new_object(), *blocks, *hdr, *txt, *fields, *sec, *ctx, *els;
	char sev[32], *s = NULL, *head = NULL, tbuf[32], run[96];
	int err = -ENOMEM;

	if (!root)
		return NULL;
	upper(sev, sizeof(sev), m->severity);
	s = slack_headline(m, job);
	if (!s || add_str(root, "text", s))
		goto out;
	free(s);
	s = NULL;
	if (add(root, "blocks", blocks = json_object_new_array()))
		goto out;

	/* header: severity and rule */
	if (asprintf(&s, "%s \xc2\xb7 %s%s", sev, m->rule, m->more ? " (repeated)" : "") < 0) {
		s = NULL;
		goto out;
	}
	head = fit(s, SLACK_HEADER_MAX);
	if (!head || push(blocks, hdr = json_object_new_object()) || add_str(hdr, "type", "header") ||
	    add(hdr, "text", txt = json_object_new_object()) ||
	    add_str(txt, "type", "plain_text") || add_str(txt, "text", head))
		goto out;
	free(s);
	s = NULL;

	/* what happened */
	s = slack_summary_text(m);
	if (!s || push(blocks, slack_section(s)))
		goto out;
	free(s);
	s = slack_code_text("Command line", m, false);
	if (!s || push(blocks, slack_section(s)))
		goto out;
	free(s);
	s = NULL;
	if (m->n_ancestry) {
		s = slack_code_text("Ancestry (job root first)", m, true);
		if (!s || push(blocks, slack_section(s)))
			goto out;
		free(s);
		s = NULL;
	}

	/* where: CI, repository, run link, job, host */
	if (push(blocks, sec = json_object_new_object()) || add_str(sec, "type", "section") ||
	    add(sec, "fields", fields = json_object_new_array()))
		goto out;
	snprintf(run, sizeof(run), "%s%s%s%s", *job->run_id ? "#" : "", job->run_id,
		 *job->attempt && strcmp(job->attempt, "1") ? " attempt " : "",
		 *job->attempt && strcmp(job->attempt, "1") ? job->attempt : "");
	if (slack_field(fields, "CI", ci_env_provider_title(job), NULL) ||
	    slack_field(fields, "Repository", job->repository, NULL) ||
	    slack_field(fields, "Run", *run ? run : (*job->url ? "open" : ""), job->url) ||
	    slack_field(fields, "Job", job->job, NULL) ||
	    slack_field(fields, "Host", job->host, NULL))
		goto out;

	/* when */
	fmt_time(m->time_ns, tbuf, sizeof(tbuf));
	if (asprintf(&s, "buildwarden \xc2\xb7 %s", tbuf) < 0) {
		s = NULL;
		goto out;
	}
	if (push(blocks, ctx = json_object_new_object()) || add_str(ctx, "type", "context") ||
	    add(ctx, "elements", els = json_object_new_array()) || push(els, mrkdwn(s)))
		goto out;
	err = 0;
out:
	free(s);
	free(head);
	return payload_done(root, !err);
}

/* ---- Teams ---- */

static struct json_object *text_block(const char *text, const char *size, const char *weight,
				      const char *color)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (add_str(o, "type", "TextBlock") || add_str(o, "text", text) ||
	    add(o, "wrap", json_object_new_boolean(1)) ||
	    (size && add_str(o, "size", size)) || (weight && add_str(o, "weight", weight)) ||
	    (color && add_str(o, "color", color))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * Untrusted text (command lines) goes into TextRuns: unlike TextBlock,
 * a TextRun is not Markdown, so a command cannot render as a link.
 */
static struct json_object *mono_block(const char *text, unsigned indent)
{
	struct json_object *o = json_object_new_object(), *inl, *run;
	char *s = NULL;

	if (!o || asprintf(&s, "%*s%s", (int)indent, "", text) < 0) {
		json_object_put(o);
		return NULL;
	}
	if (add_str(o, "type", "RichTextBlock") || add_str(o, "spacing", "None") ||
	    add(o, "inlines", inl = json_object_new_array()) ||
	    push(inl, run = json_object_new_object()) || add_str(run, "type", "TextRun") ||
	    add_str(run, "text", s) || add_str(run, "fontType", "Monospace")) {
		json_object_put(o);
		o = NULL;
	}
	free(s);
	return o;
}

static int fact(struct json_object *facts, const char *title, const char *value)
{
	struct json_object *o;

	if (!*value)
		return 0;
	o = json_object_new_object();
	if (!o || push(facts, o))
		return -ENOMEM;
	return add_str(o, "title", title) || add_str(o, "value", value) ? -ENOMEM : 0;
}

static const char *teams_color(const char *sev)
{
	if (!strcmp(sev, "critical") || !strcmp(sev, "high"))
		return "Attention";
	if (!strcmp(sev, "medium"))
		return "Warning";
	return "Default";
}

static char *teams_payload(const struct alert_msg *m, const struct ci_job *job)
{
	struct json_object *root = json_object_new_object(), *atts, *att, *card, *body, *facts,
			   *fs, *msteams, *actions, *act;
	char sev[32], tbuf[32], *s = NULL, *line, pidbuf[24];
	size_t i, skip_at;
	int err = -ENOMEM;

	if (!root)
		return NULL;
	if (add_str(root, "type", "message") ||
	    add(root, "attachments", atts = json_object_new_array()) ||
	    push(atts, att = json_object_new_object()) ||
	    add_str(att, "contentType", "application/vnd.microsoft.card.adaptive") ||
	    add(att, "content", card = json_object_new_object()) ||
	    add_str(card, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json") ||
	    add_str(card, "type", "AdaptiveCard") || add_str(card, "version", "1.4") ||
	    add(card, "body", body = json_object_new_array()) ||
	    add(card, "msteams", msteams = json_object_new_object()) ||
	    add_str(msteams, "width", "Full"))
		goto out;

	upper(sev, sizeof(sev), m->severity);
	if (asprintf(&s, "%s \xc2\xb7 %s%s", sev, m->rule, m->more ? " (repeated)" : "") < 0) {
		s = NULL;
		goto out;
	}
	if (push(body, text_block(s, "Large", "Bolder", teams_color(m->severity))))
		goto out;
	free(s);
	s = NULL;
	if (m->more) {
		if (asprintf(&s, "\xe2\x80\xa6 and %llu more of this alert within %llu s (the latest is shown)",
			     (unsigned long long)m->more, (unsigned long long)(m->window_ms / 1000)) < 0) {
			s = NULL;
			goto out;
		}
		if (push(body, text_block(s, NULL, "Bolder", NULL)))
			goto out;
		free(s);
		s = NULL;
	}
	if (*m->description && push(body, text_block(m->description, NULL, NULL, NULL)))
		goto out;

	if (push(body, fs = json_object_new_object()) || add_str(fs, "type", "FactSet") ||
	    add(fs, "facts", facts = json_object_new_array()))
		goto out;
	snprintf(pidbuf, sizeof(pidbuf), "%u", m->pid);
	fmt_time(m->time_ns, tbuf, sizeof(tbuf));
	if (fact(facts, "Action", m->blocked ? "blocked before it ran" : m->action) ||
	    fact(facts, "PID", pidbuf) ||
	    fact(facts, "CI", ci_env_provider_title(job)) ||
	    fact(facts, "Repository", job->repository) ||
	    fact(facts, "Run", job->run_id) ||
	    fact(facts, "Attempt", strcmp(job->attempt, "1") ? job->attempt : "") ||
	    fact(facts, "Job", job->job) ||
	    fact(facts, "Host", job->host) ||
	    fact(facts, "Time", tbuf))
		goto out;

	if (push(body, text_block("Executable", NULL, "Bolder", NULL)) ||
	    push(body, mono_block(m->exe, 0)) ||
	    push(body, text_block("Command line", NULL, "Bolder", NULL)))
		goto out;
	line = fit(m->cmdline, SLACK_CODE_MAX);
	if (!line || push(body, mono_block(line, 0))) {
		free(line);
		goto out;
	}
	free(line);
	if (m->n_ancestry) {
		if (push(body, text_block("Ancestry (job root first)", NULL, "Bolder", NULL)))
			goto out;
		for (i = 0; i < m->n_ancestry; i++) {
			if (!anc_shown(m, i, &skip_at)) {
				if (i != skip_at)
					continue;
				if (asprintf(&s, "\xe2\x80\xa6 %zu more",
					     m->n_ancestry - CHAT_ANCESTRY_SHOWN + 1) < 0) {
					s = NULL;
					goto out;
				}
				line = s;
				s = NULL;
			} else {
				line = fit(m->ancestry[i], CHAT_LINE_MAX);
			}
			if (!line || push(body, mono_block(line, 2 * (unsigned)(i < 12 ? i : 12)))) {
				free(line);
				goto out;
			}
			free(line);
		}
	}
	if (*job->url) {
		if (add(card, "actions", actions = json_object_new_array()) ||
		    push(actions, act = json_object_new_object()) ||
		    add_str(act, "type", "Action.OpenUrl") || add_str(act, "title", "Open the run") ||
		    add_str(act, "url", job->url))
			goto out;
	}
	err = 0;
out:
	free(s);
	return payload_done(root, !err);
}

/* ---- generic ---- */

/*
 * {"source":"buildwarden","kind":"alert"|"summary","count":N,"window_ms":..,
 *  "host":..,"job":{..},"verdict":<the verdict record, byte for byte>}
 * The record is spliced in as text: it was written by json_out.c, whose
 * lossless \udcXX escapes json-c would not reproduce.
 */
static char *generic_payload(const struct alert_msg *m, const struct ci_job *job)
{
	struct json_object *root = json_object_new_object(), *j, *v = NULL;
	const char *head;
	char *out = NULL, *fallback = NULL;
	const char *verdict;
	size_t hl;

	if (!root)
		return NULL;
	if (add_str(root, "source", "buildwarden") ||
	    add_str(root, "kind", m->more ? "summary" : "alert") ||
	    add(root, "count", json_object_new_uint64(m->more ? m->more : 1)) ||
	    (m->more && add(root, "window_ms", json_object_new_uint64(m->window_ms))) ||
	    add_str(root, "host", job->host) || add(root, "job", j = json_object_new_object()) ||
	    add_str(j, "provider", job->provider) || add_str(j, "repository", job->repository) ||
	    add_str(j, "run_id", job->run_id) || add_str(j, "attempt", job->attempt) ||
	    add_str(j, "job", job->job) || add_str(j, "url", job->url))
		goto out;
	verdict = m->verdict_json;
	if (!verdict) {
		/* no usable record (missing, too big, not an object): the essentials */
		v = json_object_new_object();
		if (!v || add_str(v, "type", "verdict") || add_str(v, "rule", m->rule) ||
		    add_str(v, "severity", m->severity) || add_str(v, "description", m->description) ||
		    add_str(v, "action", m->action) || add(v, "blocked", json_object_new_boolean(m->blocked)) ||
		    add(v, "pid", json_object_new_uint64(m->pid)) || add_str(v, "exe", m->exe) ||
		    add_str(v, "cmdline", m->cmdline) || add(v, "record_omitted", json_object_new_boolean(1)))
			goto out;
		fallback = serialize(v);
		if (!fallback)
			goto out;
		verdict = fallback;
	}
	head = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!head)
		goto out;
	hl = strlen(head);  /* ends with '}' */
	if (asprintf(&out, "%.*s,\"verdict\":%s}", (int)(hl - 1), head, verdict) < 0)
		out = NULL;
out:
	json_object_put(v);
	free(fallback);
	json_object_put(root);
	return out;
}

char *alert_payload(enum alert_format f, const struct alert_msg *m, const struct ci_job *job)
{
	switch (f) {
	case ALERT_FMT_SLACK: return slack_payload(m, job);
	case ALERT_FMT_TEAMS: return teams_payload(m, job);
	case ALERT_FMT_GENERIC: return generic_payload(m, job);
	}
	return NULL;
}

int alert_hmac_sha256_hex(const char *key, const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (!HMAC(EVP_sha256(), key, (int)strlen(key), data, len, md, &mdlen) || mdlen != 32)
		return -EIO;
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}
