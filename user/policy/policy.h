/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy engine: a YAML policy compiled once into rules, then matched
 * against every exec (policy_match) and, for rules with `on: connect|dns|
 * file|privilege`, against those events (policy_match_event).
 * docs/POLICY.md is the reference for the language.
 *
 * Lifetime: a struct bw_policy's rules are fixed once it is loaded; its
 * regexes keep match data and their recent answers, so it is matched by
 * one thread at a time. Several owners may share one (policy_ref); it is
 * freed with the last. Rule pointers returned by policy_match() and
 * policy_rule() live as long as the policy.
 */
#ifndef BW_POLICY_H
#define BW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/exec_info.h"

enum policy_mode {
	POLICY_MODE_ENFORCE,
	POLICY_MODE_AUDIT, /* every kill and deny becomes an alert */
};

enum policy_severity {
	POLICY_SEV_INFO,
	POLICY_SEV_LOW,
	POLICY_SEV_MEDIUM,
	POLICY_SEV_HIGH,
	POLICY_SEV_CRITICAL,
};

enum policy_action {
	POLICY_ACT_LOG,
	POLICY_ACT_ALERT,
	POLICY_ACT_KILL_PROCESS,
	POLICY_ACT_KILL_JOB,
	POLICY_ACT_DENY, /* in the kernel, before the first instruction */
};

struct bw_policy;
struct bw_rule;

/*
 * Loading. Each returns 0 and sets *out, or returns -errno and leaves *out
 * NULL: -EINVAL when the policy has errors (each printed to errs as
 * "NAME:LINE:COL: error: ..."), -ENOENT etc. when a file cannot be read,
 * -ENOMEM. errs may be NULL to stay silent. A bad policy never loads as an
 * empty one.
 */
int policy_load_file(const char *path, struct bw_policy **out, FILE *errs);
/* Reads f to its end; name is what errors call it (e.g. "<stdin>"). */
int policy_load_stream(const char *name, FILE *f, struct bw_policy **out,
		       FILE *errs);
int policy_load_buffer(const char *name, const char *buf, size_t len,
		       struct bw_policy **out, FILE *errs);
int policy_load_default(struct bw_policy **out, FILE *errs);
/* One more owner of p (a daemon's jobs share the policy they were started with): p. */
struct bw_policy *policy_ref(struct bw_policy *p);
/* Drops an owner's hold; the last frees p. NULL-safe. */
void policy_free(struct bw_policy *p);

/* The embedded default policy's YAML text and the name errors give it. */
const char *policy_default_yaml(void);
#define POLICY_DEFAULT_NAME "<default policy>"
/* A policy file is read whole; a larger one (or /dev/zero) is refused. */
#define POLICY_MAX_BYTES (4u << 20)

/* The policy as a whole. */
const char *policy_source(const struct bw_policy *p); /* file name */
enum policy_mode policy_mode(const struct bw_policy *p);
size_t policy_rule_count(const struct bw_policy *p);
const struct bw_rule *policy_rule(const struct bw_policy *p, size_t i);

/*
 * Matches one exec against every rule. Stores up to max_out matched rules
 * in out[] in policy order and returns how many rules matched in total,
 * which may exceed max_out (out may then be NULL with max_out 0 to count).
 * Deny rules are matched here too: in enforce mode the kernel has already
 * killed such an exec, so the caller reports it as blocked rather than
 * acting again. Allocates nothing (the joined command line is built in
 * about 16 KiB of stack) and is safe to call from several threads at once.
 */
/* Whether one rule's conditions hold for e (allow: lists aside). */
bool policy_rule_matches(const struct bw_rule *r, const struct bw_exec_info *e);
size_t policy_match(const struct bw_policy *p, const struct bw_exec_info *e,
		    const struct bw_rule **out, size_t max_out);

/*
 * Matches one non-exec event against the rules `on:` its kind (e->kind;
 * BW_ON_EXEC events are passed to policy_match). Process conditions test
 * e->proc, the process that performed the event (NULL reads as a process
 * with nothing known). Same contract as policy_match: out[] in policy
 * order, total count returned, no allocation, thread-safe.
 */
size_t policy_match_event(const struct bw_policy *p, const struct bw_event_info *e,
			  const struct bw_rule **out, size_t max_out);

/*
 * True when some rule is `on:` this kind: the loader turns on the kernel
 * hooks a policy needs, and no others (exec is always on).
 */
bool policy_has_rules_on(const struct bw_policy *p, enum bw_event_kind k);

/* One rule. */
const char *policy_rule_name(const struct bw_rule *r);
enum bw_event_kind policy_rule_on(const struct bw_rule *r);
const char *policy_rule_description(const struct bw_rule *r); /* "" if none */
enum policy_severity policy_rule_severity(const struct bw_rule *r);
enum policy_action policy_rule_action(const struct bw_rule *r); /* as written */
/* What to do: the written action, or alert for a kill/deny in audit mode. */
enum policy_action policy_rule_effective_action(const struct bw_rule *r);
size_t policy_rule_index(const struct bw_rule *r);
unsigned policy_rule_line(const struct bw_rule *r); /* of "- name:" */
/* True when the rule is enforced by BPF maps: deny in enforce mode. */
bool policy_rule_in_kernel(const struct bw_rule *r);
/* On exec, judged in userspace, kills (effective action kill-process or
 * kill-job): an exec it may match is held until judged and wakes the agent. */
bool policy_rule_kills_at_exec(const struct bw_rule *r);
/* The rule judges facts that may come after the exec (stdin, stdio,
 * script_origin): the engine judges an exec again when they do. */
bool policy_rule_is_late(const struct bw_rule *r);
bool policy_has_late_rules(const struct bw_policy *p);
/*
 * Whether r tests a written file's content (`content:`): such a test reads
 * the file when every other test of its group held, and the engine asks
 * again once the writer has written (pipeline/content_checks.c).
 */
bool policy_rule_reads_content(const struct bw_rule *r);
/* Some rule tests exe_origin: the file hooks must report the job's writes. */
bool policy_uses_written_files(const struct bw_policy *p);

const char *policy_action_name(enum policy_action a);
const char *policy_severity_name(enum policy_severity s);
/* "info" ... "critical" to its value: 0, or -EINVAL for another name. */
int policy_severity_parse(const char *name, enum policy_severity *out);
const char *policy_mode_name(enum policy_mode m);
/* "exec", "connect", "dns", "file", "privilege"; "?" when out of range. */
const char *policy_on_name(enum bw_event_kind k);
/* Names of bit i of enum bw_prov and enum bw_prog_from (NULL past the end). */
const char *policy_prov_name(unsigned i);
const char *policy_prog_name(unsigned i);

/*
 * Kernel-side keys of the deny rules, for the loader to put in BPF maps.
 * Every deny rule has exactly one kind and a list of values of that kind,
 * optionally narrowed by "an ancestor within ancestor_depth generations
 * (1 = the parent) has one of these basenames".
 */
enum policy_deny_kind {
	POLICY_DENY_PATH,     /* resolved exe equals a value (absolute path) */
	POLICY_DENY_DIR,      /* resolved exe is under a value ("/dir/", with '/') */
	POLICY_DENY_BASENAME, /* last component of the resolved exe equals a value */
	/* A file this job writes that the rule's exe_origin test flags: its
	 * path is added to the kernel's map when it is written (values empty). */
	POLICY_DENY_DROPPED,
	/* Every fileless exec (a memfd, an unlinked file): one rule at most. */
	POLICY_DENY_FILELESS,
};

struct policy_deny_rule {
	size_t rule_index; /* into policy_rule() */
	const char *rule_name;
	enum policy_deny_kind kind;
	const char *const *values;
	size_t n_values;
	const char *const *ancestor_basenames; /* NULL when not narrowed */
	size_t n_ancestor_basenames;
	uint32_t ancestor_depth; /* 0 when not narrowed, 1 = parent only */
};

/*
 * The deny rules to install, in policy order, with their count in *n. In
 * audit mode there are none: nothing may be killed in the kernel, and the
 * rules are matched in userspace as alerts instead.
 */
const struct policy_deny_rule *policy_deny_rules(const struct bw_policy *p,
						 size_t *n);
const char *policy_deny_kind_name(enum policy_deny_kind k);

/* Strings of a policy (valid while it is), without repeats. Zeroed to start. */
struct policy_keys {
	const char **v;
	size_t n, cap;
};

/*
 * The exes p's rules that kill from userspace at exec can match, added to
 * keys as the kernel looks them up (an exact path, a "/dir/" prefix, a
 * basename; bpf/hooks/bw_deny.bpf.h, wake_keys): an exec whose exe matches
 * none of them cannot be killed by p, so its record need not wake the
 * agent. 1 when every such rule has an exe or basename condition of exact
 * values (or exe directories) among those that must all hold; 0 when one
 * could match any exe (keys is then incomplete); -ENOMEM.
 */
int policy_exec_wake_keys(const struct bw_policy *p, struct policy_keys *keys);
void policy_keys_free(struct policy_keys *k);

/* The compiled rules, readable (policy check) or as one JSON object. */
void policy_print(const struct bw_policy *p, FILE *f);
void policy_print_json(const struct bw_policy *p, FILE *f);

/* `buildwarden policy ...`; argv[0] is "policy". Returns an exit status. */
int cmd_policy(int argc, char **argv);

/*
 * The directories `on: file` rules' path tests name (exact paths give their
 * directory, prefixes ending in '/' themselves), so the kernel reports
 * operations there. fn gets dir NULL for a test that names no directory
 * (glob, regex, relative): such a rule sees only paths watched anyway.
 */
typedef void (*policy_watch_fn)(const char *dir, const char *rule, unsigned line, void *arg);
void policy_file_watch_dirs(const struct bw_policy *p, policy_watch_fn fn, void *arg);

#endif /* BW_POLICY_H */
