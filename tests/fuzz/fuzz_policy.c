// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the YAML policy loader (policy_load_buffer) on any
 * bytes — a policy may come from the repository being built. A policy that
 * loads is then printed (text and JSON), its deny rules and watched
 * directories listed, and matched against a few execs and events.
 * Invariants: a failed load returns -EINVAL/-ENOMEM with *out NULL and at
 * least one "NAME:LINE:COL: error:" line; never -ENOENT & co. on a buffer;
 * `policy check --json` output is one JSON object.
 */
#include <errno.h>
#include <sys/socket.h>
#include "fuzz_common.h"
#include "policy/policy.h"

static void watch_fn(const char *dir, const char *rule, unsigned line, void *arg)
{
	FUZZ_CHECK(rule, "watch dir without a rule");
	if (dir)
		FUZZ_CHECK(dir[0], "empty watch dir for rule %s", rule);
}

static void exercise(const struct bw_policy *p)
{
	static char *const argv[] = { "curl", "-fsSL", "https://example.com/x.sh", "-o",
				      "/tmp/x", NULL };
	static const char *const anc[] = { "/usr/bin/bash", "/usr/bin/make", "/usr/bin/npm" };
	static const char *const anc_files[] = { "/usr/bin/bash", "make", "/usr/bin/npm" };
	const struct bw_rule *hits[16];
	struct bw_exec_info e = {
		.pid = 42, .start_ns = 1, .filename = "curl", .exe = "/usr/bin/curl",
		.cwd = "/src", .argv = argv, .argc_present = 5, .argc = 5, .uid = 1000,
		.euid = 1000, .ancestors = anc, .ancestor_filenames = anc_files,
		.n_ancestors = 3,
	};
	struct bw_event_info ev = { .proc = &e };
	const struct policy_deny_rule *deny;
	char *json = NULL;
	size_t json_len = 0, i, n;
	FILE *f;

	policy_print(p, fuzz_devnull());
	f = open_memstream(&json, &json_len);
	if (!f)
		abort();
	policy_print_json(p, f);
	fclose(f);
	while (json_len && json[json_len - 1] == '\n')
		json_len--;
	FUZZ_CHECK(fuzz_json_is(json, json_len, json_type_object), "%.*s", (int)json_len, json);
	free(json);

	deny = policy_deny_rules(p, &n);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(deny[i].rule_index < policy_rule_count(p), "deny rule index");
		for (size_t k = 0; k < deny[i].n_values; k++)
			FUZZ_CHECK(deny[i].values[k], "NULL deny value");
	}
	policy_file_watch_dirs(p, watch_fn, NULL);
	n = policy_match(p, &e, hits, 16);
	for (i = 0; i < n && i < 16; i++) {
		FUZZ_CHECK(policy_rule_index(hits[i]) < policy_rule_count(p), "hit index");
		policy_rule_name(hits[i]);
		policy_rule_description(hits[i]);
	}
	e.argc_present = 0;
	e.argv = NULL;
	e.n_ancestors = 0;
	policy_match(p, &e, NULL, 0);

	ev.kind = BW_ON_CONNECT;
	ev.connect.family = AF_INET;
	memcpy(ev.connect.addr, "\xc0\x00\x02\x01", 4);
	ev.connect.port = 443;
	ev.connect.proto = "tcp";
	ev.connect.dns_name = "example.com";
	ev.connect.dns_over = "https";
	policy_match_event(p, &ev, hits, 16);
	memset(&ev.connect, 0, sizeof(ev.connect));
	ev.kind = BW_ON_DNS;
	ev.dns.qname = "evil.example";
	ev.dns.qtype = 1;
	ev.dns.label_len = 40;
	ev.dns.label_entropy = 4300;
	ev.dns.subdomains = 64;
	ev.dns.resolver = "other";
	ev.dns.server_family = AF_INET;
	memcpy(ev.dns.server, "\x7f\x00\x00\x01", 4);
	policy_match_event(p, &ev, hits, 16);
	memset(&ev.dns, 0, sizeof(ev.dns)); /* the union: no dns field is a file pointer */
	ev.kind = BW_ON_FILE;
	ev.file.op = "open-write";
	ev.file.path = "/home/runner/.ssh/id_rsa";
	policy_match_event(p, &ev, hits, 16);
	ev.kind = BW_ON_PRIVILEGE;
	memset(&ev.priv, 0, sizeof(ev.priv));
	ev.priv.op = "ptrace";
	ev.priv.target_pid = 1;
	ev.proc = NULL;
	policy_match_event(p, &ev, hits, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_policy *p = (struct bw_policy *)1;
	char *errs = NULL, *buf = fuzz_dup(data, size, 0);
	size_t errs_len = 0;
	FILE *f = open_memstream(&errs, &errs_len);
	int err;

	if (!f)
		abort();
	err = policy_load_buffer("fuzz.yaml", buf, size, &p, f);
	fclose(f);
	if (err) {
		FUZZ_CHECK(err == -EINVAL || err == -ENOMEM, "err %d", err);
		FUZZ_CHECK(!p, "a failed load set *out");
		FUZZ_CHECK(err != -EINVAL || strstr(errs, "fuzz.yaml:"),
			   "-EINVAL without an error line: '%s'", errs);
	} else {
		FUZZ_CHECK(p, "success without a policy");
		exercise(p);
		policy_free(p);
	}
	free(errs);
	free(buf);
	return 0;
}
