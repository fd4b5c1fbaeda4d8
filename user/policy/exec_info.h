/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One exec as the policy sees it: decoded from the kernel record and joined
 * with its lineage from the process table. Pointers are borrowed and valid
 * only for the duration of the call they are passed to.
 */
#ifndef BW_EXEC_INFO_H
#define BW_EXEC_INFO_H

#include <stdbool.h>
#include <stdint.h>

#define BW_ANCESTRY_MAX 64

struct bw_exec_info {
	uint32_t pid;
	uint64_t start_ns;
	const char *filename; /* as passed to exec, may be relative; never NULL */
	const char *exe;      /* resolved executable path, "" when unavailable */
	const char *cwd;      /* "" when unavailable */
	char *const *argv;    /* argv[0..argc_present-1], NUL-terminated strings */
	uint32_t argc_present;
	uint32_t argc;        /* kernel's count; > argc_present when truncated */
	bool argv_truncated;
	uint32_t uid;
	uint32_t euid;
	const char *container; /* the container's id (events/containers.h), NULL on the host */
	/*
	 * Ancestors' executable paths, nearest first: ancestors[0] is the
	 * parent. n_ancestors may be 0 (a job root has no watched parent).
	 */
	const char *const *ancestors;
	/* The same ancestors' filenames: the path each was first started as
	 * (a script's path, where ancestors[] holds its interpreter, also
	 * through `#!/usr/bin/env`); may be NULL. */
	const char *const *ancestor_filenames;
	uint32_t n_ancestors;
	/*
	 * Provenance (pipeline/provenance.c): where the process's input and
	 * program came from, as sets of BW_PROV_* bits.
	 */
	uint32_t stdin_prov;    /* fd 0: its kind, and what fed it */
	uint32_t stdout_prov;   /* fd 1: its kind */
	uint32_t stdio_prov;    /* fd 0, 1 and 2 together */
	uint32_t program_from;  /* interpreters: BW_PROG_* */
	uint32_t script_prov;   /* an inline program (-c, -e) that came from a
				 * command substitution: what fed it */
	uint32_t exe_prov;      /* the executable was written in this job by ... */
	uint32_t sends_prov;    /* a program that talks to the network (by name, or
				 * it connected): what fed its stdin or its $(...)
				 * arguments */
	bool name_mismatch;     /* argv[0] names another program than it runs */
	bool fileless;          /* the executable is a memfd or was unlinked before the exec */
	/* Loader variables at exec, "NAME=VALUE" (only those the kernel was
	 * asked to read: LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH). */
	char *const *env;
	uint32_t n_env;
};

/*
 * Provenance bits. Kinds say what a descriptor is; the others what fed a
 * pipe or wrote a file: a process that talked to the network (a
 * downloader, or anything that connected to an IP peer), one that decoded
 * data (base64 -d, xxd -r, openssl enc -d, gzip -d ...), a package
 * manager writing what it installs, or one that dumped the environment.
 */
enum bw_prov {
	BW_PROV_PIPE = 1u << 0,
	BW_PROV_SOCKET = 1u << 1, /* an IPv4/IPv6 socket */
	BW_PROV_LOCAL_SOCKET = 1u << 2, /* a Unix or other non-IP socket */
	BW_PROV_FILE = 1u << 3,
	BW_PROV_TTY = 1u << 4,
	BW_PROV_NULL = 1u << 5,
	BW_PROV_CLOSED = 1u << 6,
	BW_PROV_OTHER = 1u << 7,
	BW_PROV_NETWORK = 1u << 8,
	BW_PROV_DECODER = 1u << 9,
	BW_PROV_PACKAGE_MANAGER = 1u << 10,
	BW_PROV_WRITTEN = 1u << 11, /* exe_prov: written in this job at all */
	BW_PROV_ENVIRONMENT = 1u << 12, /* a dump of the environment: env, printenv, /proc/PID/environ */
	BW_PROV_COUNT = 13,
};

/* Where an interpreter reads its program from. */
enum bw_prog_from {
	BW_PROG_STDIN = 1u << 0,    /* no script operand, -s, or "-" */
	BW_PROG_ARGUMENT = 1u << 1, /* -c, -e, -r ... */
	BW_PROG_FILE = 1u << 2,
	BW_PROG_FD = 1u << 3,       /* /dev/fd/N, /proc/self/fd/N */
	BW_PROG_MODULE = 1u << 4,   /* python -m */
	BW_PROG_COUNT = 5,
};

/*
 * A non-exec event as the policy sees it (`on: connect|dns|file|privilege`
 * rules): what happened, and the process that did it (proc: its exe, argv,
 * ancestry... as for exec rules). Strings are borrowed for the call.
 */
enum bw_event_kind {
	BW_ON_EXEC,
	BW_ON_CONNECT,
	BW_ON_DNS,
	BW_ON_FILE,
	BW_ON_PRIVILEGE,
	BW_ON_LEFTOVER, /* a job process still running when the job's root exited */
};

struct bw_connect_info {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];    /* network byte order; IPv4 in the first 4 bytes */
	uint16_t port;
	const char *proto;   /* "tcp", "udp" or "other" */
	const char *dns_name; /* the name this address was last resolved from in the job, or NULL */
	int result;          /* 0, or a negative errno (-EINPROGRESS counts as attempted) */
	const char *dns_over; /* DNS bypassing port 53: "tls", "quic", "https", or NULL */
	/* Refused (ECONNREFUSED): distinct ports of this address refused to
	 * the job so far, this one included; 0 for a connect not refused. */
	uint32_t refused_ports;
};

struct bw_dns_info {
	const char *qname;   /* query name, lower case, no trailing dot */
	uint16_t qtype;      /* 1 A, 28 AAAA, ... */
	/* The query name's longest label: octets, and its Shannon entropy in
	 * thousandths of a bit per octet (0 for labels too short to tell). */
	uint32_t label_len;
	uint32_t label_entropy;
	/* Distinct names under the same registrable domain this job asked
	 * for so far, this one included; 0 when not counted. */
	uint32_t subdomains;
	/* The server: "configured" (the host's resolv.conf), "other", or NULL
	 * when not known (an answer; a connected socket's query whose
	 * connect was not seen). */
	const char *resolver;
	int server_family;   /* AF_INET or AF_INET6 */
	uint8_t server[16];  /* network byte order */
};

struct bw_file_info {
	/* "open-write", "open-read", "rename", "unlink", "chmod", "setxattr",
	 * "link", "symlink" */
	const char *op;
	const char *path;    /* absolute; a link's existing file, a symlink's new name */
	const char *path2;   /* rename's or link's new name (absolute), or NULL */
	uint32_t mode;       /* chmod: the mode asked for (& 07777), else 0 */
	const char *xattr;   /* setxattr: the attribute's name, else NULL */
	const char *link_target; /* symlink: its contents as given, else NULL */
	/* A path under /proc/<pid>/ names a process: that pid (self and
	 * thread-self resolved), else 0. target_in_job: it is in the same job. */
	uint32_t target_pid;
	bool target_in_job;
	/* The operation succeeded and changed (or opened for changing) a file
	 * the job's checkout tracks (pipeline/checkout.h). */
	bool tracked;
	/* open-write with O_APPEND: it can only add to the file's end (a log
	 * written as logs are), not truncate or overwrite it. */
	bool append;
	/*
	 * What the file (a rename's or link's new name) holds now, read only
	 * when a content: test is reached: the engine's reader, called with
	 * content_arg; it returns NUL-terminated text (its first bytes) or
	 * NULL (unreadable, not a regular file, or a saved record replayed,
	 * whose file is no longer what it was). NULL: never read.
	 */
	const char *(*content)(void *content_arg);
	void *content_arg;
};

struct bw_priv_info {
	const char *op;      /* "ptrace", "setuid", "setgid", "mount", "bpf", "module", "memfd", "signal-agent" */
	uint32_t target_pid; /* ptrace/kill target, or 0 */
	bool target_in_job;  /* the target belongs to the same job */
};

struct bw_event_info {
	enum bw_event_kind kind;
	const struct bw_exec_info *proc;
	union {
		struct bw_connect_info connect;
		struct bw_dns_info dns;
		struct bw_file_info file;
		struct bw_priv_info priv;
	};
};

#endif /* BW_EXEC_INFO_H */
