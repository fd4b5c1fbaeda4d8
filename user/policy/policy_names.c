// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Names of the policy's enums, as policy files spell them and as printed:
 * one table each, used by the parser, the printer and the matchers.
 */
#include "policy/policy_internal.h"

const char *const policy_mode_names[POLICY_MODES] = {
	[POLICY_MODE_ENFORCE] = "enforce", [POLICY_MODE_AUDIT] = "audit",
};

const char *const policy_on_names[POLICY_ON_KINDS] = {
	[BW_ON_EXEC] = "exec", [BW_ON_CONNECT] = "connect", [BW_ON_DNS] = "dns",
	[BW_ON_FILE] = "file", [BW_ON_PRIVILEGE] = "privilege", [BW_ON_LEFTOVER] = "leftover",
};

const char *policy_mode_name(enum policy_mode m)
{
	return policy_mode_names[m == POLICY_MODE_AUDIT ? POLICY_MODE_AUDIT : POLICY_MODE_ENFORCE];
}

const char *policy_deny_kind_name(enum policy_deny_kind k)
{
	switch (k) {
	case POLICY_DENY_PATH:
		return "path";
	case POLICY_DENY_DIR:
		return "dir";
	case POLICY_DENY_BASENAME:
		return "basename";
	case POLICY_DENY_DROPPED:
		return "dropped";
	case POLICY_DENY_FILELESS:
		return "fileless";
	}
	return "?";
}

const char *policy_op_name(enum pol_op op)
{
	static const char *const names[] = {
		[POL_EXACT] = "exact", [POL_PREFIX] = "prefix", [POL_SUFFIX] = "suffix",
		[POL_GLOB] = "glob",   [POL_REGEX] = "regex",	[POL_EQ] = "eq",
		[POL_NE] = "ne",       [POL_LT] = "lt",		[POL_LE] = "le",
		[POL_GT] = "gt",       [POL_GE] = "ge",		[POL_NOT] = "not",
		[POL_ANY] = "any",     [POL_ALL] = "all",	[POL_DOMAIN] = "domain",
	};

	return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

const char *policy_field_name(enum pol_field f)
{
	static const char *const names[] = {
		[POL_F_EXE] = "exe",	       [POL_F_FILENAME] = "filename",
		[POL_F_BASENAME] = "basename", [POL_F_ARGV] = "argv",
		[POL_F_ARG] = "arg",	       [POL_F_CMDLINE] = "cmdline",
		[POL_F_ARGC] = "argc",	       [POL_F_CWD] = "cwd",
		[POL_F_UID] = "uid",	       [POL_F_EUID] = "euid",
		[POL_F_PARENT] = "parent",     [POL_F_ANCESTOR] = "ancestor",
		[POL_F_NOT] = "not",	       [POL_F_ANY] = "any",
		[POL_F_ADDRESS] = "address",   [POL_F_PORT] = "port",
		[POL_F_PROTO] = "proto",       [POL_F_DOMAIN] = "domain",
		[POL_F_RESULT] = "result",     [POL_F_QNAME] = "qname",
		[POL_F_QTYPE] = "qtype",       [POL_F_PATH] = "path",
		[POL_F_FILE_OP] = "op",	       [POL_F_PRIV_OP] = "op",
		[POL_F_TARGET_IN_JOB] = "target_in_job",
		[POL_F_TRACKED] = "tracked",   [POL_F_APPEND] = "append",
		[POL_F_STDIN] = "stdin",       [POL_F_STDOUT] = "stdout",
		[POL_F_STDIO] = "stdio",       [POL_F_PROGRAM_FROM] = "program_from",
		[POL_F_SCRIPT_ORIGIN] = "script_origin", [POL_F_EXE_ORIGIN] = "exe_origin",
		[POL_F_SENDS] = "sends",
		[POL_F_ENV] = "env",           [POL_F_NAME_MISMATCH] = "name_mismatch",
		[POL_F_FILELESS] = "fileless",
		[POL_F_MODE] = "mode",         [POL_F_XATTR] = "xattr",
		[POL_F_CONTAINER] = "container", [POL_F_IN_CONTAINER] = "container",
		[POL_F_DNS_OVER] = "dns_over", [POL_F_LABEL_LENGTH] = "label_length",
		[POL_F_LABEL_ENTROPY] = "label_entropy", [POL_F_SUBDOMAINS] = "subdomains",
		[POL_F_REFUSED_PORTS] = "refused_ports",
		[POL_F_RESOLVER] = "resolver", [POL_F_CONTENT] = "content",
	};

	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

const char *policy_on_name(enum bw_event_kind k)
{
	return (unsigned)k < POLICY_ON_KINDS ? policy_on_names[k] : "?";
}

