// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: ring-buffer records as `run` handles them (on_event in
 * user/cmd_run.c): events_decode, then proctab_apply + event_json_render +
 * provenance and the default policy for process records, netinfo_decode +
 * netinfo_json_record + provenance + policy_match_event for the others. The kernel is
 * trusted to write well-formed records, but a verifier-accepted bug or a
 * mismatched ABI must cost a skipped record, never the agent.
 *
 * Input: a sequence of records, each framed as a little-endian u16 length
 * and that many bytes (a record shorter than its header says is cut, as a
 * lying hdr.size would be). The table's cap is 8 so pruning runs often.
 * Invariants: every rendered record is one JSON object; decoded strings
 * lie inside the record.
 */
#include <errno.h>
#include "fuzz_common.h"
#include "events/event_json.h"
#include "events/events.h"
#include "events/netinfo.h"
#include "policy/policy.h"
#include "events/proctab.h"
#include "events/tree.h"
#include "pipeline/provenance.h"

static struct bw_policy *policy;
static struct netinfo ni;
static struct dns_cache dc; /* 1 MiB: allocated once, emptied per input */
static struct provenance *pv; /* the input's, for one_record */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (policy_load_default(&policy, stderr) || dns_cache_init(&dc))
		abort();
	return 0;
}

static void check_inside(const struct bw_event_view *v, const char *s, size_t size)
{
	const char *rec = (const char *)v->hdr;

	if (!s)
		return;
	FUZZ_CHECK(s >= rec && s < rec + size && memchr(s, 0, rec + size - s),
		   "string outside the record");
}

static void one_record(struct bw_proctab *t, struct dns_cache *dc, struct jbuf *jb,
		       const uint8_t *data, size_t size, uint64_t seq)
{
	static const struct bw_clock clk = { 0 };
	const struct bw_rule *hits[8];
	const char *anc[BW_ANCESTRY_MAX], *anc_files[BW_ANCESTRY_MAX];
	struct prov_rejudge rj;
	struct bw_exec_info info;
	struct bw_event_view v;
	struct bw_proc *p;
	void *rec = fuzz_dup(data, size, 0);

	if (events_decode(rec, size, &v))
		goto out;
	FUZZ_CHECK(v.hdr->size <= size, "size %u > %zu", v.hdr->size, size);
	check_inside(&v, v.filename, v.hdr->size);
	/* A deleted exe is the record's path plus " (deleted)", in the view. */
	if (v.exe != v.exe_buf)
		check_inside(&v, v.exe, v.hdr->size);
	else
		FUZZ_CHECK(memchr(v.exe_buf, 0, sizeof(v.exe_buf)), "exe_buf unterminated");
	for (int fd = 0; fd < 3; fd++)
		check_inside(&v, v.stdio_path[fd], v.hdr->size);
	check_inside(&v, v.env, v.hdr->size);
	check_inside(&v, v.cwd, v.hdr->size);
	check_inside(&v, v.path, v.hdr->size);
	check_inside(&v, v.path2, v.hdr->size);
	check_inside(&v, v.str, v.hdr->size);
	jbuf_reset(jb);
	if (v.hdr->type >= BW_EV_CONNECT) {
		netinfo_decode(&ni, &v, dc);
		netinfo_json_record(jb, &ni, &v, seq, &clk);
		FUZZ_CHECK(fuzz_json_is(jb->buf, jb->len, json_type_object), "%.*s",
			   (int)jb->len, jb->buf);
		p = proctab_find(t, v.hdr->pid, v.hdr->start_ns);
		if (p) {
			proctab_exec_info(p, &info, anc, anc_files);
			prov_fill(pv, t, p, &info);
			ni.info.proc = &info;
		} else {
			ni.info.proc = NULL;
		}
		policy_match_event(policy, &ni.info, hits, 8);
		if (p && v.hdr->type == BW_EV_CONNECT)
			prov_on_connect(pv, t, p, &ni.info.connect, &rj);
		else if (p && v.hdr->type == BW_EV_FILE)
			prov_on_file(pv, t, p, &ni.info.file, &rj);
		goto out;
	}
	if (proctab_apply(t, &v) == -ENOMEM)
		abort();
	event_json_render(jb, &v, seq, &clk);
	FUZZ_CHECK(fuzz_json_is(jb->buf, jb->len, json_type_object), "%.*s", (int)jb->len,
		   jb->buf);
	if (v.hdr->type == BW_EV_EXEC) {
		p = proctab_find(t, v.hdr->pid, v.hdr->start_ns);
		FUZZ_CHECK(p, "exec of pid %u not in the table", v.hdr->pid);
		prov_on_exec(pv, t, p, &v, &rj);
		proctab_exec_info(p, &info, anc, anc_files);
		prov_fill(pv, t, p, &info);
		policy_match(policy, &info, hits, 8);
		jbuf_reset(jb);
		json_obj_open(jb);
		prov_json(pv, t, p, &info, jb);
		json_obj_close(jb);
		FUZZ_CHECK(fuzz_json_is(jb->buf, jb->len, json_type_object), "%.*s",
			   (int)jb->len, jb->buf);
	}
out:
	free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_proctab t;
	struct provenance prov;
	struct jbuf jb;
	struct tree_opts to = { .width = 80, .collapse_min = 3, .fold_depth = 4,
				.fold_children = 3 };
	uint64_t seq = 0;

	prov_init(&prov);
	if (proctab_init(&t))
		abort();
	pv = &prov;
	memset(dc.slots, 0, DNS_CACHE_SLOTS * sizeof(*dc.slots));
	dc.malformed = 0;
	t.max_exited = 8;
	jbuf_init(&jb);
	while (size >= 2) {
		size_t n = data[0] | (size_t)data[1] << 8;

		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		one_record(&t, &dc, &jb, data, n, ++seq);
		data += n;
		size -= n;
	}
	tree_print(fuzz_devnull(), &t, &to);
	jbuf_free(&jb);
	prov_free(&prov);
	proctab_free(&t);
	return 0;
}
