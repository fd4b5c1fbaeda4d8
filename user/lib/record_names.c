// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stddef.h>
#include <sys/socket.h>
#include "lib/record_names.h"

static const struct record_name record_type_names[] = {
	{ "fork", BW_EV_FORK },
	{ "exec", BW_EV_EXEC },
	{ "exec_failed", BW_EV_EXEC_FAILED },
	{ "exit", BW_EV_EXIT },
	{ "connect", BW_EV_CONNECT },
	{ "dns", BW_EV_DNS },
	{ "file", BW_EV_FILE },
	{ "privilege", BW_EV_PRIV },
	{ NULL, 0 },
};

const char *const verdict_action_names[VERDICT_ACTIONS] = {
	"log", "alert", "kill-process", "kill-job", "deny",
};

const struct record_name dns_type_names[] = {
	{ "A", 1 },	     { "NS", 2 },	   { "CNAME", 5 },	{ "SOA", 6 },
	{ "NULL", 10 },	     { "PTR", 12 },	   { "HINFO", 13 },	{ "MX", 15 },
	{ "TXT", 16 },	     { "RP", 17 },	   { "AFSDB", 18 },	{ "SIG", 24 },
	{ "KEY", 25 },	     { "AAAA", 28 },	   { "LOC", 29 },	{ "SRV", 33 },
	{ "NAPTR", 35 },     { "KX", 36 },	   { "CERT", 37 },	{ "DNAME", 39 },
	{ "OPT", 41 },	     { "APL", 42 },	   { "DS", 43 },	{ "SSHFP", 44 },
	{ "IPSECKEY", 45 },  { "RRSIG", 46 },	   { "NSEC", 47 },	{ "DNSKEY", 48 },
	{ "DHCID", 49 },     { "NSEC3", 50 },	   { "NSEC3PARAM", 51 }, { "TLSA", 52 },
	{ "SMIMEA", 53 },    { "HIP", 55 },	   { "CDS", 59 },	{ "CDNSKEY", 60 },
	{ "OPENPGPKEY", 61 }, { "CSYNC", 62 },	   { "ZONEMD", 63 },	{ "SVCB", 64 },
	{ "HTTPS", 65 },     { "SPF", 99 },	   { "TKEY", 249 },	{ "TSIG", 250 },
	{ "IXFR", 251 },     { "AXFR", 252 },	   { "ANY", 255 },	{ "URI", 256 },
	{ "CAA", 257 },	     { NULL, 0 },
};

const struct record_name file_op_names[] = {
	{ "open-write", BW_FILE_OPEN | FILE_OP_WRITE },
	{ "open-read", BW_FILE_OPEN },
	{ "rename", BW_FILE_RENAME },
	{ "unlink", BW_FILE_UNLINK },
	{ "chmod", BW_FILE_CHMOD },
	{ "setxattr", BW_FILE_SETXATTR },
	{ "link", BW_FILE_LINK },
	{ "symlink", BW_FILE_SYMLINK },
	{ NULL, 0 },
};

const struct record_name priv_op_names[] = {
	{ "ptrace", BW_PRIV_PTRACE }, { "setuid", BW_PRIV_SETUID },
	{ "setgid", BW_PRIV_SETGID }, { "mount", BW_PRIV_MOUNT },
	{ "bpf", BW_PRIV_BPF },	      { "module", BW_PRIV_MODULE },
	{ "memfd", BW_PRIV_MEMFD },   { "signal-agent", BW_PRIV_SIGNAL_AGENT },
	{ "process-vm", BW_PRIV_VM_ACCESS },
	{ NULL, 0 },
};

const struct record_name sock_proto_names[] = {
	{ "tcp", SOCK_STREAM }, { "udp", SOCK_DGRAM }, { "other", -1 }, { NULL, 0 },
};

static const char *name_of(const struct record_name *t, int64_t value, const char *none)
{
	for (; t->name; t++)
		if (t->value == value)
			return t->name;
	return none;
}

const char *record_type_name(uint32_t type)
{
	return name_of(record_type_names, type, "unknown");
}

const char *dns_type_name(uint16_t type)
{
	return name_of(dns_type_names, type, NULL);
}

const char *file_op_name(uint32_t op, uint32_t flags)
{
	if (op == BW_FILE_OPEN && (flags & BW_FILE_WRITE))
		return name_of(file_op_names, op | FILE_OP_WRITE, "unknown");
	return name_of(file_op_names, op, "unknown");
}

const char *priv_op_name(uint32_t op)
{
	return name_of(priv_op_names, op, "unknown");
}

const char *sock_proto_name(uint32_t sock_type)
{
	return name_of(sock_proto_names, sock_type & 0xf, "other"); /* flags live above */
}
