/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The compiled form of a policy, shared by the policy_*.c files only.
 * Everything a match needs is built at load time: strings are copied,
 * regexes compiled, so policy_match() allocates nothing.
 */
#ifndef BW_POLICY_INTERNAL_H
#define BW_POLICY_INTERNAL_H

#include <yaml.h>

#include "lib/yaml_doc.h"
#include "policy/policy.h"

/* Longest joined command line matched by `cmdline`; longer ones are cut. */
#define POLICY_CMDLINE_MAX 16384
/* Conditions and operators compiled per policy, against YAML alias bombs. */
#define POLICY_MAX_NODES 100000
/* not/any/all nested deeper than this is refused: an alias inside itself
 * (`&a {not: *a}`) would otherwise recurse until the stack overflows. */
#define POLICY_MAX_DEPTH 32
#define POLICY_MAX_ARG_INDEX 4095
/* Bytes all regexes of one policy may take compiled, JIT code included
 * (one regex is bounded by lib/regex.h and PCRE2's own 64 KiB). */
#define POLICY_MAX_REGEX_TOTAL (4ul << 20)

/*
 * One test on a value: a string operator, a numeric comparison, or a
 * combination. One node type serves both so not/any/all are written once.
 */
enum pol_op {
	POL_EXACT,
	POL_PREFIX,
	POL_SUFFIX,
	POL_GLOB,
	POL_REGEX,
	POL_EQ,
	POL_NE,
	POL_LT,
	POL_LE,
	POL_GT,
	POL_GE,
	POL_NOT, /* kids[0] */
	POL_ANY, /* kids[0..n_kids) */
	POL_ALL,
	POL_DOMAIN, /* a host name, or "*.name" for its subdomains; see domain_match() */
};

/* A compiled regex and what a match that hits a limit counts as. */
struct pol_regex {
	struct regex *re;
	bool on_limit; /* the answer that makes the rule fire (policy_regex.c) */
	bool warned;   /* a limit was hit and logged */
};

struct pol_test {
	enum pol_op op;
	char *text; /* string operators */
	size_t len;
	struct pol_regex *rx; /* POL_REGEX */
	int64_t num;  /* numeric comparisons */
	bool milli;   /* num is in thousandths (written 4.1, held 4100) */
	struct pol_test **kids;
	size_t n_kids;
	bool all_exact; /* POL_ANY of POL_EXACT kids only: a list of names, tested in one loop */
	unsigned line, col; /* where it was written, for deny-rule errors */
};

enum pol_field {
	POL_F_EXE,
	POL_F_FILENAME,
	POL_F_BASENAME,
	POL_F_ARGV,
	POL_F_ARG, /* argN */
	POL_F_CMDLINE,
	POL_F_ARGC,
	POL_F_CWD,
	POL_F_UID,
	POL_F_EUID,
	POL_F_PARENT,
	POL_F_ANCESTOR,
	POL_F_NOT, /* groups[0] must not hold */
	POL_F_ANY, /* one of groups[] must hold */
	/* Event fields, each valid with one `on:` kind (privilege's too). */
	POL_F_ADDRESS, /* connect: cidrs[] */
	POL_F_PORT,
	POL_F_PROTO,
	POL_F_DOMAIN,
	POL_F_RESULT,  /* connect: the errno, 0 for success */
	POL_F_QNAME,   /* dns */
	POL_F_QTYPE,
	POL_F_PATH,    /* file */
	POL_F_FILE_OP,
	POL_F_PRIV_OP, /* privilege */
	POL_F_TARGET_IN_JOB, /* file and privilege: test->num is 0 or 1 */
	POL_F_TRACKED,       /* file: a tracked file of the checkout changed; 0 or 1 */
	POL_F_APPEND,        /* file: an open for write that only appends (O_APPEND); 0 or 1 */
	/* Provenance (any rule): sets of names, true when any member passes. */
	POL_F_STDIN,
	POL_F_STDOUT,
	POL_F_STDIO,
	POL_F_PROGRAM_FROM,
	POL_F_SCRIPT_ORIGIN,
	POL_F_EXE_ORIGIN,
	POL_F_SENDS,
	POL_F_ENV,           /* the loader variables, NAME=VALUE, any of */
	POL_F_NAME_MISMATCH, /* test->num is 0 or 1 */
	POL_F_FILELESS,      /* test->num is 0 or 1 */
	POL_F_MODE,          /* file (chmod): setuid, setgid, sticky, executable */
	POL_F_XATTR,         /* file (setxattr): the attribute's name */
	/* The process's container (any rule): `container: true|false` is
	 * POL_F_IN_CONTAINER (test->num 0 or 1), a string test on the id
	 * POL_F_CONTAINER, which a process on the host never passes. */
	POL_F_CONTAINER,
	POL_F_IN_CONTAINER,
	POL_F_DNS_OVER,      /* connect: "tls", "quic", "https" (doh_endpoints.c) */
	POL_F_LABEL_LENGTH,  /* dns: the longest label, octets */
	POL_F_LABEL_ENTROPY, /* dns: its entropy, thousandths of a bit per octet */
	POL_F_SUBDOMAINS,    /* dns: distinct names under its domain in the job */
	POL_F_REFUSED_PORTS, /* connect: distinct ports of its address refused in the job */
	POL_F_RESOLVER,      /* dns: "configured" or "other" */
	POL_F_CONTENT,       /* file: a line of what the file holds (read when tested) */
	POL_F_COUNT,
};

/* One IPv4 or IPv6 network; an address is a /32 or /128 network. */
struct pol_cidr {
	uint8_t addr[16]; /* network byte order, host bits zero */
	uint8_t v6;       /* else IPv4 in addr[0..3] */
	uint8_t bits;     /* prefix length */
	char text[56];    /* canonical form, for printing */
};

struct pol_group;

struct pol_cond {
	enum pol_field field;
	unsigned line, col; /* of the key */
	uint32_t index;     /* POL_F_ARG */
	uint32_t depth;     /* POL_F_PARENT (1), POL_F_ANCESTOR */
	struct pol_test *test;                /* plain fields */
	struct pol_test *lin_exe, *lin_base, *lin_file;  /* parent/ancestor, either NULL */
	struct pol_group *groups;             /* POL_F_NOT, POL_F_ANY */
	size_t n_groups;
	struct pol_cidr *cidrs;               /* POL_F_ADDRESS */
	size_t n_cidrs;
};

/* Conditions that must all hold. */
struct pol_group {
	struct pol_cond *conds;
	size_t n_conds;
};

/*
 * One entry of a rule's `allow:` list: an event it allows. A connect is
 * allowed when (its address is in cidrs or its name passes domains, or
 * neither is given) and (ports is not given or passes). A query is allowed
 * when its name passes domains or its server's address is in cidrs.
 */
struct pol_allow {
	struct pol_test *domains; /* POL_DOMAIN leaves and other string tests */
	struct pol_cidr *cidrs;
	size_t n_cidrs;
	struct pol_test *ports;
	unsigned line, col;
};

struct bw_rule {
	char *name;
	char *description;
	enum policy_severity severity;
	enum policy_action action;
	enum policy_action effective;
	bool in_kernel;
	size_t index;
	unsigned line, col;
	enum bw_event_kind on;
	struct pol_group match;  /* may be empty when allow is given */
	struct pol_allow *allow; /* matches only events no entry allows */
	size_t n_allow;
	bool late; /* judges facts that can arrive after the exec (policy_rule_is_late) */
	bool reads_content; /* tests what a written file holds (policy_rule_reads_content) */
};

struct bw_policy {
	unsigned refs; /* owners: 1 when loaded, policy_ref adds, policy_free drops */
	char *source;
	enum policy_mode mode;
	struct bw_rule *rules;
	size_t n_rules;
	/* Deny rules' kernel keys; values point into the rules' tests. */
	struct policy_deny_rule *deny;
	size_t n_deny;
};

/* Parser state; errors are counted and printed, parsing goes on. */
struct pol_parser {
	const char *name;
	FILE *errs;
	yaml_document_t *doc;
	unsigned n_errors;
	size_t nodes_left; /* 0: over budget or too deep, parse nothing more */
	unsigned depth;    /* nesting of parse_test and policy_parse_group */
	const char *src; /* the text doc was parsed from, to place errors */
	size_t src_len;
	unsigned long regex_left; /* of POLICY_MAX_REGEX_TOTAL */
	bool regex_over;          /* regex_left ran out, and that was said */
	bool oom;
	int on; /* the rule being parsed: enum bw_event_kind, or -1 if unknown */
};

__attribute__((format(printf, 3, 4)))
void policy_error(struct pol_parser *ps, const yaml_node_t *at, const char *fmt, ...);
__attribute__((format(printf, 4, 5)))
void policy_error_at(struct pol_parser *ps, unsigned line, unsigned col,
		     const char *fmt, ...);
const char *policy_scalar(struct pol_parser *ps, const yaml_node_t *n,
		          const char *what);
int policy_parse_int(struct pol_parser *ps, const yaml_node_t *n, int64_t min,
		     int64_t max, int64_t *out);
yaml_node_t *policy_node(struct pol_parser *ps, int id);
/*
 * The text of pair's key in map (what: "a key (string)" for messages), or
 * NULL, reported: not a string, or a duplicate of an earlier key.
 */
const char *policy_map_key(struct pol_parser *ps, const yaml_node_t *map,
			   const yaml_node_pair_t *pair, const char *what);

/* policy_cond.c: the match: mapping. */
int policy_parse_group(struct pol_parser *ps, const yaml_node_t *map,
		       struct pol_group *g);
void policy_group_clear(struct pol_group *g);
/* Whether g tests a fact that may come after the exec (a pipe's writer). */
bool policy_group_is_late(const struct pol_group *g);
/* Whether g, or a not/any group in it, tests field f. */
bool policy_group_uses(const struct pol_group *g, enum pol_field f);
/* Name of bit i of a chmod mode set (setuid, setgid, sticky, executable). */
const char *policy_mode_bit_name(unsigned i);
void policy_test_free(struct pol_test *t);
/* The name of a numeric value of a field (qtype 16 is "TXT"), or NULL. */
const char *policy_value_name(enum pol_field f, int64_t v);
struct pol_test *policy_parse_domains(struct pol_parser *ps, const yaml_node_t *n);
struct pol_test *policy_parse_ports(struct pol_parser *ps, const yaml_node_t *n);

/* policy_allow.c: addresses, host names, the allowlist. */
int policy_parse_cidrs(struct pol_parser *ps, const yaml_node_t *n,
		       struct pol_cidr **out, size_t *n_out);
int policy_parse_allow(struct pol_parser *ps, const yaml_node_t *n,
		       struct bw_rule *r);
void policy_allow_free(struct pol_allow *a, size_t n);
/* "*.name" or a host name: lower case, no trailing dot; false if invalid. */
bool policy_domain_normalize(struct pol_parser *ps, const yaml_node_t *at,
			     char *name);
/* name as normalized by policy_name_fold(). */
bool policy_domain_match(const char *pattern, size_t len, const char *name);
/* Lower case, without the trailing dot, cut to size - 1 bytes. */
const char *policy_name_fold(const char *name, char *buf, size_t size);
bool policy_cidrs_contain(const struct pol_cidr *c, size_t n, int family,
			  const uint8_t addr[16]);

/* policy_deny.c */
int policy_deny_check(struct pol_parser *ps, const struct bw_rule *r);
int policy_deny_compile(struct bw_policy *p);

/* policy_names.c: the names the parser reads and the printer writes. */
const char *policy_op_name(enum pol_op op);
const char *policy_field_name(enum pol_field f);
#define POLICY_MODES (POLICY_MODE_AUDIT + 1)
extern const char *const policy_mode_names[POLICY_MODES];
#define POLICY_ON_KINDS (BW_ON_LEFTOVER + 1)
extern const char *const policy_on_names[POLICY_ON_KINDS];

/* policy_regex.c: t->text compiled into t->rx; errors reported at their
 * character. 0, or -EINVAL (reported), -ENOMEM (ps->oom). */
int policy_regex_compile(struct pol_parser *ps, const yaml_node_t *at, struct pol_test *t);
/* Whether t's regex matches s; at a match limit, t->rx->on_limit (logged once). */
bool policy_regex_test(const struct pol_test *t, const char *s);
void policy_regex_free(struct pol_regex *rx);
/* Set every regex's answer at a limit to the one that makes its rule fire. */
void policy_regex_outcomes(struct bw_policy *p);

#endif /* BW_POLICY_INTERNAL_H */
