// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTML report (docs/REPORTS.md): one file with its style, script and
 * data inline, so it opens offline and fetches nothing. The data is a JSON
 * block the script draws from; command lines and paths come from the build
 * and are untrusted, so the block is escaped to stay one <script> element,
 * and the page's Content-Security-Policy runs only the script whose hash it
 * names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "lib/json_out.h"
#include "lib/log.h"
#include "lib/safefile.h"
#include "report/report_html.h"

/* user/report/report_html.{js,css}, as C strings (Makefile: embed-text). */
static const char html_js[] =
#include "report_html_js.inc"
	;
static const char html_css[] =
#include "report_html_css.inc"
	;

void html_script_json(FILE *f, const char *json, size_t n)
{
	const unsigned char *s = (const unsigned char *)json;
	size_t i, from = 0;

	for (i = 0; i < n; i++) {
		const char *esc = NULL;
		size_t skip = 1;

		if (s[i] == '<')
			esc = "\\u003c";
		else if (s[i] == '>')
			esc = "\\u003e";
		else if (s[i] == '&')
			esc = "\\u0026";
		else if (s[i] == 0xe2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
			esc = s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
			skip = 3;
		}
		if (!esc)
			continue;
		fwrite(json + from, 1, i - from, f);
		fputs(esc, f);
		i += skip - 1;
		from = i + 1;
	}
	fwrite(json + from, 1, n - from, f);
}

/* 'sha256-BASE64' of the script, for the policy's script-src. */
static int script_hash(char *out, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];

	if (!EVP_Digest(html_js, strlen(html_js), md, &mdlen, EVP_sha256(), NULL))
		return -EINVAL;
	EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
	snprintf(out, size, "'sha256-%s'", b64);
	return 0;
}

/* ---- the data block ---- */

static void kv_str_or_null(struct jbuf *jb, const char *key, const char *s)
{
	if (s)
		json_kv_str(jb, key, s);
	else
		json_kv_null(jb, key);
}

static void kv_i64_or_null(struct jbuf *jb, const char *key, int64_t v)
{
	if (v >= 0)
		json_kv_i64(jb, key, v);
	else
		json_kv_null(jb, key);
}

/* The JSON summary, as `--json` writes it: the header and verdict table. */
static int data_summary(struct jbuf *jb, const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return -errno;
	err = report_write_json(f, r);
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		json_kv_raw(jb, "summary", buf, len);
	free(buf);
	return err;
}

/* Times relative to the earliest one, so they stay exact as JS numbers. */
static uint64_t rel(uint64_t t, uint64_t t0)
{
	return t > t0 ? t - t0 : 0;
}

static uint64_t time_zero(const struct html_model *m)
{
	uint64_t t0 = m->t_first;

	for (int i = 0; i < m->n_procs; i++)
		if (m->procs[i].start_ns && (!t0 || m->procs[i].start_ns < t0))
			t0 = m->procs[i].start_ns;
	return t0;
}

static void data_procs(struct jbuf *jb, const struct report *r, const struct html_model *m,
		       uint64_t t0)
{
	uint64_t t_end = m->t_last;
	int i;

	json_arr_open(jb, "procs");
	for (i = 0; i < m->n_procs; i++) {
		const struct html_proc *p = &m->procs[i];

		json_obj_open(jb);
		json_kv_u64(jb, "pid", p->pid);
		json_kv_i64(jb, "parent", p->parent);
		json_kv_u64(jb, "ppid", p->ppid);
		kv_str_or_null(jb, "cmd", p->cmd);
		json_kv_str(jb, "comm", p->comm);
		json_kv_u64(jb, "start", rel(p->start_ns, t0));
		if (p->end_ns)
			json_kv_u64(jb, "end", rel(p->end_ns, t0));
		else
			json_kv_null(jb, "end");
		kv_i64_or_null(jb, "exit_code", p->exit_code);
		kv_i64_or_null(jb, "signal", p->signal);
		json_kv_u64(jb, "failed_execs", p->failed_execs);
		kv_str_or_null(jb, "rule", p->rule);
		kv_str_or_null(jb, "ended", p->ended);
		json_obj_close(jb);
		if (p->end_ns > t_end)
			t_end = p->end_ns;
	}
	json_arr_close(jb);
	json_kv_u64(jb, "procs_total", r->processes);
	json_kv_u64(jb, "t_end", rel(t_end, t0));
}

static void data_network(struct jbuf *jb, const struct html_model *m, uint64_t t0)
{
	int i;

	json_arr_open(jb, "dests");
	for (i = 0; i < m->n_dests; i++) {
		json_obj_open(jb);
		json_kv_str(jb, "label", m->dests[i].label);
		json_kv_str(jb, "proto", m->dests[i].proto);
		json_kv_u64(jb, "count", m->dests[i].count);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_arr_open(jb, "edges");
	for (i = 0; i < m->n_edges; i++) {
		json_obj_open(jb);
		json_kv_i64(jb, "p", m->edges[i].proc);
		json_kv_i64(jb, "d", m->edges[i].dest);
		json_kv_u64(jb, "n", m->edges[i].count);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "connects_omitted", m->connects_omitted);
	json_arr_open(jb, "marks");
	for (i = 0; i < m->n_marks; i++) {
		json_obj_open(jb);
		json_kv_i64(jb, "p", m->marks[i].proc);
		json_kv_u64(jb, "t", rel(m->marks[i].t_ns, t0));
		json_kv_str(jb, "rule", m->marks[i].rule);
		json_obj_close(jb);
	}
	json_arr_close(jb);
	json_kv_u64(jb, "marks_omitted", m->marks_omitted);
}

static int build_data(struct jbuf *jb, const struct report *r, const struct html_model *m)
{
	uint64_t t0 = time_zero(m);
	int err;

	json_obj_open(jb);
	err = data_summary(jb, r);
	if (err)
		return err;
	json_kv_str(jb, "time_first", m->time_first);
	json_kv_str(jb, "time_last", m->time_last);
	data_procs(jb, r, m, t0);
	data_network(jb, m, t0);
	json_obj_close(jb);
	return jb->oom ? -ENOMEM : 0;
}

/* ---- the page ---- */

struct html_page {
	const struct jbuf *data;
	const char *hash;
};

static int write_page(FILE *f, const void *arg)
{
	const struct html_page *page = arg;
	const struct jbuf *data = page->data;
	const char *hash = page->hash;

	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		"style-src 'unsafe-inline'; script-src %s; base-uri 'none'; form-action 'none'\">\n"
		"<meta name=\"referrer\" content=\"no-referrer\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<title>buildwarden report</title>\n<style>\n", hash);
	fputs(html_css, f);
	fputs("</style>\n</head>\n<body>\n"
	      "<header id=\"summary\"><h1>buildwarden report</h1>\n"
	      "<noscript><p>This page draws its sections with its own inline script; allow "
	      "JavaScript for this file to see them (it loads nothing from anywhere).</p>"
	      "</noscript></header>\n"
	      "<section><h2>Verdicts</h2><div id=\"verdicts\"></div></section>\n"
	      "<section><h2>Process tree</h2><div id=\"tree\"></div></section>\n"
	      "<section><h2>Network: process to destination</h2><div id=\"graph\"></div></section>\n"
	      "<section><h2>Timeline</h2><div id=\"timeline\"></div></section>\n"
	      "<script type=\"application/json\" id=\"bw-data\">", f);
	html_script_json(f, data->buf, data->len);
	fputs("</script>\n<script>", f);
	fputs(html_js, f);
	fputs("</script>\n</body>\n</html>\n", f);
	return 0;
}

int report_write_html(const char *path, const char *events_path, const struct report *r,
		      html_marked_fn marked)
{
	struct html_model m;
	struct html_page page;
	struct jbuf data;
	char hash[128];
	int err;

	jbuf_init(&data);
	err = html_model_build(&m, events_path, r, marked);
	if (!err)
		err = build_data(&data, r, &m);
	if (!err)
		err = script_hash(hash, sizeof(hash));
	if (err) {
		bw_err("cannot render the HTML report %s: %s", path, strerror(-err));
		goto free_model;
	}
	page.data = &data;
	page.hash = hash;
	err = safe_write_output(path, false, write_page, &page);
free_model:
	html_model_free(&m);
	jbuf_free(&data);
	return err;
}
