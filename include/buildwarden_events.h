/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The event ABI between the BPF programs and the daemon. This is the only
 * header both sides include, so it has no includes of its own: the BPF side
 * gets __u32 & co. from its CO-RE type header, userspace from <linux/types.h>.
 *
 * Rules: fixed-width fields, largest first, explicit padding, every record
 * starts with struct bw_event_header. Variable data (paths, argv) follows the
 * fixed part and hdr.size covers it, so records are only as long as needed.
 * tests/unit/test_layout.c and tests/bpf/layout check both sides agree.
 */
#ifndef BUILDWARDEN_EVENTS_H
#define BUILDWARDEN_EVENTS_H

/* Limits both sides must agree on. Powers of two so BPF can mask offsets. */
#define BW_COMM_LEN 16
#define BW_FILENAME_MAX 1024 /* bprm->filename, as passed to exec */
#define BW_PATH_MAX 1024     /* resolved paths: exe, cwd */
#define BW_PATH_DEPTH 32     /* dentry components walked per path */
#define BW_ARGS_MAX 16384    /* argv bytes, NUL-separated */
#define BW_DATA_SLOT 8192    /* masked offset region ahead of argv */
#define BW_DATA_MAX (BW_DATA_SLOT + BW_ARGS_MAX)
#define BW_DNS_MAX 512       /* DNS payload bytes captured (classic UDP size) */
#define BW_FILE_PATH_MAX 512 /* user-supplied paths of file operations */
#define BW_ENV_MAX 1024      /* loader variables captured at exec, NAME=VALUE\0 ... */
#define BW_ENV_NAMES 6       /* variables asked for (env_names map) */
#define BW_ENV_NAME_LEN 32

enum bw_event_type {
	BW_EV_FORK = 1,        /* a watched process created a process */
	BW_EV_EXEC = 2,        /* a watched process replaced its image */
	BW_EV_EXEC_FAILED = 3, /* execve/execveat returned an error */
	BW_EV_EXIT = 4,        /* the last thread of a watched process exited */
	BW_EV_CONNECT = 5,     /* connect() on an IPv4/IPv6 socket returned */
	BW_EV_DNS = 6,         /* a UDP/53 payload was sent or received */
	BW_EV_FILE = 7,        /* a file operation on a watched path */
	BW_EV_PRIV = 8,        /* a privilege or tampering syscall */
	BW_EV_TYPE_MAX,
};
_Static_assert(BW_EV_TYPE_MAX <= 32, "hook_config.lazy_types holds one bit per record type");

/* bw_exec_event.flags */
#define BW_EXEC_ARGS_TRUNCATED (1u << 0)
#define BW_EXEC_FILENAME_TRUNCATED (1u << 1)
#define BW_EXEC_CWD_TRUNCATED (1u << 2)
#define BW_EXEC_CWD_UNAVAILABLE (1u << 3)
#define BW_EXEC_EXE_TRUNCATED (1u << 4)
#define BW_EXEC_EXE_UNAVAILABLE (1u << 5)
#define BW_EXEC_ARGS_UNAVAILABLE (1u << 6)
#define BW_EXEC_DENIED (1u << 7)      /* a deny rule matched: SIGKILL sent */
#define BW_EXEC_DENY_AUDIT (1u << 8)  /* a deny rule matched in audit mode */
/* The exec made its process a job root candidate (daemon job_roots map):
 * hdr.job_id is new, the process's start_ns. */
#define BW_EXEC_JOB_ROOT (1u << 9)
/* The executable has no name left: unlinked after it was opened, or a
 * memfd. Userspace shows its exe as "PATH (deleted)", as /proc does. */
#define BW_EXEC_EXE_DELETED (1u << 10)
/* The executable lives on no mounted filesystem (memfd, other anonymous
 * files): exe is "/" followed by the kernel's name for it ("/memfd:x"). */
#define BW_EXEC_EXE_ANON (1u << 11)
#define BW_EXEC_ENV_TRUNCATED (1u << 12) /* a loader variable was cut or left out */
/* Stopped (SIGSTOP) at its exec, before its first instruction, because a
 * hint the enforcing policy asked for was seen (bw_deny_config.hold_hints):
 * the agent resumes it (SIGCONT) once its rules have judged the exec. */
#define BW_EXEC_HELD (1u << 13)

/*
 * bw_exec_event.hints: facts the kernel sees at an exec that make a
 * userspace kill rule likely, each cheap to test and rare in builds. A
 * hint is a superset of what the rules decide, never the decision: a held
 * exec whose rules do not fire runs on. Computed only for the hints the
 * policy asks for (bw_deny_config.hold_hints).
 */
#define BW_HINT_NAME (1u << 0)   /* argv[0]'s basename is not comm, or starts with '[' */
#define BW_HINT_LOADER (1u << 1) /* a loader variable marked hint has a value */
#define BW_HINT_PATH (1u << 2)   /* an exe path component starts or ends blank, or with ".." */
#define BW_HINT_SOCKET (1u << 3) /* fd 0, 1 or 2 is an IPv4 or IPv6 socket */
/* An interpreter (interp_names map, by comm prefix) whose first argument is
 * an option: a one-line program (python3 -c, perl -e) among others. */
#define BW_HINT_INLINE (1u << 4)
#define BW_HINTS_ALL 0x1fu

/* What an exec's fd 0, 1 and 2 are (bw_exec_event.stdio[]). */
enum bw_stdio_kind {
	BW_STDIO_NONE = 0, /* not open */
	BW_STDIO_PIPE,     /* a pipe or FIFO; id: its inode, the same at both ends */
	BW_STDIO_SOCKET,   /* family; for AF_INET/AF_INET6 the peer in addr/port */
	BW_STDIO_TTY,      /* a terminal (rdev) */
	BW_STDIO_NULL,     /* /dev/null */
	BW_STDIO_FILE,     /* a regular file: its path follows cwd in data[] */
	BW_STDIO_OTHER,    /* another device, a directory, an anonymous inode */
};

/* bw_stdio.mode */
#define BW_STDIO_READ (1u << 0)  /* the descriptor was opened for reading */
#define BW_STDIO_WRITE (1u << 1) /* ... for writing */

struct bw_stdio {
	__u64 id;       /* inode number (pipes: shared by both ends) */
	__u8 addr[16];  /* socket peer; IPv4 in the first 4 bytes */
	__u32 rdev;     /* character devices: (major << 20) | minor, as the kernel keeps it */
	__u16 kind;     /* enum bw_stdio_kind */
	__u16 family;   /* sockets: AF_* */
	__u16 port;     /* socket peer port, host byte order */
	__u16 mode;     /* BW_STDIO_* */
	__u16 path_len; /* BW_STDIO_FILE: bytes of its path in data[], NUL included; 0 if unavailable */
	__u16 pad;
};

/* bw_exec_failed_event.flags */
#define BW_EXECFAIL_FILENAME_UNAVAILABLE (1u << 0)
#define BW_EXECFAIL_EXECVEAT (1u << 1)
#define BW_EXECFAIL_DENIED (1u << 2) /* a deny rule refused it (BPF LSM): deny_rule */

/*
 * Common header. A process is (pid, start_ns), never bare pid: start_ns is
 * the thread-group leader's task->start_time (CLOCK_MONOTONIC ns), which
 * exec keeps, so a recycled pid never aliases an older process.
 */
struct bw_event_header {
	__u64 ktime_ns; /* bpf_ktime_get_ns() when the event was made */
	__u64 start_ns; /* process identity, see above */
	__u64 job_id;   /* job the process belongs to */
	__u32 type;     /* enum bw_event_type */
	__u32 size;     /* whole record, header and variable data */
	__u32 pid;      /* tgid */
	__u32 tid;      /* thread that caused the event */
};

struct bw_fork_event {
	struct bw_event_header hdr; /* pid/start_ns: the new child */
	__u64 parent_start_ns;
	__u32 parent_pid;
	__u32 parent_tid;
};

/*
 * data[] holds, in order: filename, exe, cwd (each NUL-terminated, lengths
 * include the NUL; a zero length means absent), the paths of the stdio
 * descriptors that are files (fd order, stdio[i].path_len each), env_len
 * bytes of loader variables ("LD_PRELOAD=value\0...", only the names the
 * env_names map asks for, never any other variable), and then argv,
 * args_len bytes of NUL-separated arguments. argc is the kernel's count and
 * can exceed the arguments present when BW_EXEC_ARGS_TRUNCATED is set.
 */
struct bw_exec_event {
	struct bw_event_header hdr;
	__u64 parent_start_ns; /* real_parent's identity, at exec time */
	__u64 cgroup_id;
	__u32 ppid;
	__u32 old_tid; /* thread that called exec (!= pid when not the leader) */
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 egid;
	__u32 argc;
	__u32 flags;     /* BW_EXEC_* */
	__u32 deny_rule; /* 1-based deny rule id when BW_EXEC_DENIED/_AUDIT */
	__u32 hints;     /* BW_HINT_*, of those hold_hints asks for */
	__u16 filename_len;
	__u16 exe_len;
	__u16 cwd_len;
	__u16 args_len;
	__u16 env_len;
	__u16 pad1[3];
	struct bw_stdio stdio[3]; /* fd 0, 1, 2 of the new program */
	char comm[BW_COMM_LEN]; /* comm after exec */
	char data[];
};

struct bw_exec_failed_event {
	struct bw_event_header hdr;
	__s32 error; /* negative errno returned by the syscall */
	__u32 flags; /* BW_EXECFAIL_* */
	__u16 filename_len;
	__u16 pad0;
	__u32 deny_rule; /* 1-based, with BW_EXECFAIL_DENIED */
	char comm[BW_COMM_LEN];
	char data[]; /* filename, NUL-terminated */
};

struct bw_exit_event {
	struct bw_event_header hdr;
	__u64 parent_start_ns;
	__u32 ppid;
	__u32 exit_status; /* wait status: (code << 8) or signal | 0x80 core */
	/*
	 * Inode of the pipe on fd 1, open for writing, of a process that never
	 * exec'd (a shell's fork: a subshell, a pipeline's builtin), whose
	 * output is what its shell held; 0 otherwise.
	 */
	__u64 stdout_pipe;
	char comm[BW_COMM_LEN];
};

struct bw_connect_event {
	struct bw_event_header hdr;
	__u8 addr[16];   /* IPv4 in the first 4 bytes */
	__s32 ret;       /* connect's return: 0, -EINPROGRESS, -ECONNREFUSED, ... */
	__u32 sock_type; /* SOCK_STREAM, SOCK_DGRAM, ... (0 if unknown) */
	__s32 fd;
	__u16 family;    /* AF_INET or AF_INET6 */
	__u16 port;      /* host byte order */
	char comm[BW_COMM_LEN];
};

#define BW_DNS_QUERY 0
#define BW_DNS_ANSWER 1

struct bw_dns_event {
	struct bw_event_header hdr;
	__u8 addr[16];   /* the server */
	__u32 direction; /* BW_DNS_QUERY or BW_DNS_ANSWER */
	__u32 total_len; /* payload size the syscall moved */
	__u16 family;
	__u16 port;
	__u16 len;       /* bytes captured in data[] (<= BW_DNS_MAX) */
	__u16 flags;     /* BW_DNS_F_* */
	char comm[BW_COMM_LEN];
	__u8 data[];
};

/* bw_dns_event.flags */
#define BW_DNS_F_COMPAT (1u << 0) /* a 32-bit compat syscall (see BW_FILE_COMPAT) */

enum bw_file_op {
	BW_FILE_OPEN = 1, /* flags say read or write/create/truncate */
	BW_FILE_RENAME = 2,
	BW_FILE_UNLINK = 3,
	BW_FILE_CHMOD = 4,    /* chmod/fchmod/fchmodat: open_flags holds the mode */
	BW_FILE_SETXATTR = 5, /* setxattr family: path2 holds the attribute's name */
	BW_FILE_LINK = 6,     /* link, linkat: path the existing file, path2 the new name */
	BW_FILE_SYMLINK = 7,  /* symlink, symlinkat: path the new name, path2 its target as given */
};

/* bw_file_event.flags */
#define BW_FILE_RESOLVED (1u << 0)  /* path is the kernel's absolute path of the fd */
#define BW_FILE_TRUNCATED (1u << 1) /* a path hit its limit */
#define BW_FILE_WRITE (1u << 2)     /* opened for writing, creating or truncating */
#define BW_FILE_BASE_DIRFD (1u << 3) /* the cwd slot holds dirfd's directory instead */
/* Made by a 32-bit compat syscall (ia32 on x86_64, AArch32 on arm64): the
 * process runs a 32-bit program, or a 64-bit one used int 0x80. */
#define BW_FILE_COMPAT (1u << 4)
/* Not an open: a file the process held open for writing (descriptor in
 * ret) when it first reached a network peer since its exec. What it
 * writes from then on may be what it received. */
#define BW_FILE_HELD (1u << 5)

/*
 * data[]: path, then path2 (rename's or link's target, a symlink's
 * contents), then cwd, each NUL-terminated
 * with lengths including the NUL (0: absent). A path that is not RESOLVED
 * is as passed by the caller: relative to cwd (or to dirfd, when dirfd is
 * not AT_FDCWD, which is reported as "dirfd"). A rename's or link's target
 * relative to another directory than path (renameat's and linkat's
 * newdirfd) is sent with that directory and a '/' before it.
 */
struct bw_file_event {
	struct bw_event_header hdr;
	__u32 op;        /* enum bw_file_op */
	__s32 ret;       /* the syscall's return */
	__u32 open_flags;
	__u32 flags;     /* BW_FILE_* */
	__s32 dirfd;
	__u16 path_len;
	__u16 path2_len;
	__u16 cwd_len;
	__u16 pad0[3];
	char comm[BW_COMM_LEN];
	char data[];
};

enum bw_priv_op {
	BW_PRIV_PTRACE = 1,  /* arg0 request, target_pid */
	BW_PRIV_SETUID,      /* arg0..2 the ids passed (setuid, setreuid, setresuid) */
	BW_PRIV_SETGID,      /* likewise for gids */
	BW_PRIV_MOUNT,       /* arg0 flags; data: target path */
	BW_PRIV_BPF,         /* arg0 cmd */
	BW_PRIV_MODULE,      /* arg0: 0 init_module, 1 finit_module */
	BW_PRIV_MEMFD,       /* arg0 flags; data: name */
	BW_PRIV_SIGNAL_AGENT,/* arg0 signal; target_pid: the agent */
	BW_PRIV_VM_ACCESS,   /* process_vm_readv/writev: arg0 0 read, 1 write; target_pid */
	BW_PRIV_OP_MAX,
};

struct bw_priv_event {
	struct bw_event_header hdr;
	__u64 args[3];
	__u32 op;         /* enum bw_priv_op */
	__u32 syscall_nr; /* which syscall of the family */
	__u32 target_pid;
	__u16 data_len;   /* bytes in data[], NUL included */
	__u16 flags;      /* BW_PRIV_F_* */
	char comm[BW_COMM_LEN];
	char data[];
};

/* target_pid was in the actor's job at the syscall (it may be gone by the time it is read). */
#define BW_PRIV_F_TARGET_IN_JOB (1u << 0)
/* A 32-bit compat syscall (see BW_FILE_COMPAT): syscall_nr is of the compat table. */
#define BW_PRIV_F_COMPAT (1u << 1)

/* Value of the job-scope map, keyed by tgid. */
struct bw_proc_state {
	__u64 job_id;
	__u64 start_ns;    /* 0 until the kernel saw the process (a job root) */
	/* Deny ancestor tags (bw_anc_val): of the running program, of the
	 * parent's program at fork time, and of every ancestor's programs. */
	__u64 own_tags;
	__u64 parent_tags;
	__u64 anc_tags;
	__u32 flags;       /* BW_PROC_*, inherited at fork */
	__u32 pad;
	__u64 cgroup_id;   /* at its last exec, or its parent's; 0: none seen yet */
};

/*
 * BW_PROC_USER_DENY: the kernel's deny maps hold another policy than this
 * job's, so the exec hook does not apply them (userspace judges).
 * BW_PROC_DOOMED: the job was ended; the process dies at its next fork,
 * exec or syscall, like fail-closed.
 */
#define BW_PROC_USER_DENY (1u << 0)
#define BW_PROC_DOOMED (1u << 1)
/*
 * Writers worth following (drop-and-execute): BW_PROC_NET, the process
 * connected to an IPv4/IPv6 peer (DNS's port 53 aside) since its last
 * exec; BW_PROC_WATCH_WRITES, its program's comm is in the writer_names
 * map (decoders, downloaders). Every open for writing such a process makes
 * is reported, wherever it is. Both are cleared at exec (a new program is
 * judged afresh) and inherited at fork.
 */
#define BW_PROC_NET (1u << 2)
#define BW_PROC_WATCH_WRITES (1u << 3)

/*
 * Daemon job roots (map "job_roots"): a process in no job that execs a
 * program whose comm is a key starts a candidate job, before its first
 * instruction; userspace then confirms it against the whole rule or drops
 * it. The value's flags seed the root's bw_proc_state.
 */
struct bw_root_key {
	char comm[16];
};

struct bw_root_val {
	__u32 proc_flags; /* BW_PROC_* */
	__u32 pad;
};

/*
 * In-kernel deny rules (docs/POLICY.md). Keys are zero-padded strings:
 * an absolute exe path, a directory prefix ending in '/', or a basename.
 * A key holds up to BW_DENY_SLOTS rules; a rule with anc_required set
 * matches only when the process's anc_tags (parent_tags when
 * parent_only) intersect it.
 */
#define BW_DENY_KEY_LEN 256
#define BW_DENY_SLOTS 4
#define BW_DENY_DIR_DEPTH 16

struct bw_deny_key {
	char s[BW_DENY_KEY_LEN];
};

/*
 * Array map "watch_filter" (one entry): a bit for each key of the
 * file_watch map of directory prefixes and of the watch_names map of
 * basenames, at BW_WATCH_FILTER_BIT(its length, the first and the last
 * byte of its last name): "/a/bc/" is (6, 'b', 'c'), ".npmrc" (6, '.',
 * 'c'); an empty last name ("/") is '/' twice. One set of bits for what
 * is watched for writing ([0], BW_WATCH_WRITE) and one for reading ([1],
 * BW_WATCH_READ). Each lookup hashes all of a key's BW_DENY_KEY_LEN
 * bytes; a prefix or a name whose bit is clear in the set an operation
 * needs cannot match, so most of an open's are never looked up. anc has
 * the bits of every watched directory's ancestors ("/a/" for "/a/bc/"):
 * a prefix in neither dirs nor anc has no watched directory under it,
 * and the walk down an open's path stops there.
 */
#define BW_WATCH_FILTER_BITS 1024
#define BW_WATCH_FILTER_BIT(len, first, last)                                   \
	(((__u32)(len) * 67u + (__u32)(__u8)(first) * 13u + (__u32)(__u8)(last)) & \
	 (BW_WATCH_FILTER_BITS - 1))

struct bw_watch_filter {
	__u64 dirs[2][BW_WATCH_FILTER_BITS / 64];
	__u64 anc[2][BW_WATCH_FILTER_BITS / 64];
	__u64 names[2][BW_WATCH_FILTER_BITS / 64];
};

struct bw_deny_val {
	__u64 anc_required[BW_DENY_SLOTS];
	__u32 rule[BW_DENY_SLOTS]; /* 1-based rule ids; 0 marks an empty slot */
	__u32 parent_only[BW_DENY_SLOTS];
};

/* Value of the anc_names map: tags a process gains by running a basename. */
struct bw_anc_val {
	__u64 tags;
};

struct bw_deny_config {
	__u32 enabled; /* any deny rule or ancestor tag loaded */
	__u32 audit;   /* report matches, never kill */
	/* 1-based rule denying every fileless exec (BW_EXEC_EXE_ANON or
	 * _DELETED: a memfd, a file unlinked before its exec); 0: none. */
	__u32 fileless_rule;
	/* BW_HINT_* that stop an exec (BW_EXEC_HELD) until the agent judged
	 * it: set when the enforcing policy kills from userspace at exec. */
	__u32 hold_hints;
};

/*
 * Which of the network, file and privilege hooks report, set by userspace
 * (array map "hook_config"); a hook that is off costs its job-scope lookup
 * and this one array lookup.
 */
#define BW_HOOK_CONNECT (1u << 0)
#define BW_HOOK_DNS (1u << 1)
#define BW_HOOK_FILE (1u << 2)
#define BW_HOOK_PRIV (1u << 3)

/* file_watch map values: what to report under a directory prefix key. */
#define BW_WATCH_WRITE (1u << 0)
#define BW_WATCH_READ (1u << 1)
/*
 * With BW_WATCH_WRITE: an open for writing under it wakes the agent at
 * once instead of waiting for its tick, so that a file whose content
 * rules read (pipeline/content_checks.h) is read before a quick `rm` or
 * restore takes it away. Only on the few small files such rules name.
 */
#define BW_WATCH_WAKE (1u << 2)

struct bw_hook_config {
	__u32 hooks;       /* BW_HOOK_* */
	__u32 agent_tgid;  /* signals aimed at it are reported */
	__u32 fail_closed; /* if the agent dies, job processes die at their next step */
	/*
	 * BW_EV_BIT of the record types that may wait for the agent's next
	 * wakeup: those no rule that kills from userspace judges. 0, the map's
	 * own value until the agent sets it, makes every record it may act on
	 * wake it at once.
	 */
	__u32 lazy_types;
	/*
	 * Every rule that kills from userspace at exec names the exes it can
	 * match (an exact path, a directory, a basename), and the map
	 * "wake_keys" (BW_WAKE_KEYS_MAX keys of struct bw_deny_key) holds them:
	 * an exec whose exe matches none is neither held nor urgent. 0: every
	 * exec is as lazy_types says.
	 */
	__u32 exec_wake_keys;
};
#define BW_EV_BIT(type) (1u << ((type) & 31))
#define BW_WAKE_KEYS_MAX 1024

/*
 * Array map "env_names" (BW_ENV_NAMES entries): the environment variables
 * an exec record carries, "LD_PRELOAD" and the like. An entry with len 0
 * is unused; all unused turns the environment scan off.
 */
struct bw_env_name {
	char name[BW_ENV_NAME_LEN]; /* without the '=' */
	__u32 len;
	__u32 hint; /* 1: a value of it is BW_HINT_LOADER (LD_PRELOAD, LD_AUDIT) */
};

/*
 * Array map "interp_names" (BW_INTERP_NAMES entries): interpreters, by the
 * start of their comm ("python" for python3.11), for BW_HINT_INLINE. An
 * entry with len 0 is unused.
 */
#define BW_INTERP_NAMES 8
struct bw_name_prefix {
	char name[BW_COMM_LEN];
	__u32 len; /* 1..15 */
	__u32 pad;
};

/* Array map "fail_state", written by BPF: the agent is gone. */
struct bw_fail_state {
	__u32 agent_dead;
	__u32 doomed; /* set by userspace once some job carries BW_PROC_DOOMED */
};

/*
 * Signals aimed at the agent, kept by the kernel side where the next agent
 * finds them (bpf/process.bpf.c, user/kernel/tamper.c): array map
 * "tamper_log" (BW_TAMPER_SLOTS records, in the order sent) and array map
 * "tamper_count" (one __u64: how many were sent, kept or not), both pinned
 * in bpffs under BW_TAMPER_PIN_DIR/PID while agent PID lives, and after.
 */
#define BW_TAMPER_SLOTS 16
#define BW_TAMPER_ANC 8     /* the sender's parent chain, nearest first */
#define BW_TAMPER_EXE 256   /* the sender's executable, cut to fit */
#define BW_TAMPER_ARGV 512  /* the sender's argv, NUL-separated, cut to fit */
#define BW_TAMPER_PIN_DIR "/sys/fs/bpf/buildwarden-tamper"

enum bw_tamper_flags {
	BW_TAMPER_F_SELF = 1 << 0,     /* the agent signalled itself (a crash, abort) */
	BW_TAMPER_F_PARENT = 1 << 1,   /* sent by the agent's own parent */
	BW_TAMPER_F_IN_JOB = 1 << 2,   /* the sender is a process of a watched job */
	BW_TAMPER_F_DENIED = 1 << 3,   /* refused by the BPF LSM hook: never delivered */
	BW_TAMPER_F_ARGV_CUT = 1 << 4, /* argv did not fit */
};

struct bw_tamper_anc {
	__u32 pid;
	__u32 pad;
	char comm[BW_COMM_LEN];
};

struct bw_tamper_record {
	__u64 ktime_ns;        /* CLOCK_MONOTONIC when sent */
	__u64 sender_start_ns; /* the sender's thread-group leader start_time */
	__u64 agent_start_ns;
	__u64 sender_job;      /* the sender's job id, 0 when it is in none */
	__u32 seq;             /* 1 for the first signal this agent was sent */
	__u32 agent_pid;
	__u32 sender_pid;      /* tgid */
	__u32 sender_tid;
	__u32 sender_uid;
	__s32 sig;
	__s32 code;   /* si_code: 0 kill(), -6 tkill/tgkill, 0x80 the kernel, ... */
	__s32 result; /* the tracepoint's: 0 delivered, 1 ignored, 2 already pending */
	__u32 group;  /* sent to the whole thread group */
	__u32 flags;  /* BW_TAMPER_F_* */
	__u32 argv_len;
	__u32 n_anc;
	struct bw_tamper_anc anc[BW_TAMPER_ANC];
	char comm[BW_COMM_LEN];
	char exe[BW_TAMPER_EXE];
	char argv[BW_TAMPER_ARGV];
};

/* Indexes into the per-CPU counters map; userspace sums over CPUs. */
enum bw_counter {
	BW_CNT_EVENTS = 0,     /* records submitted */
	BW_CNT_LOST,           /* ring buffer full: record dropped */
	BW_CNT_SCOPE_FULL,     /* job-scope map full: a child not tracked */
	BW_CNT_PATH_ERR,       /* a path or argv could not be read */
	BW_CNT_CALL_DROPPED,   /* a syscall in flight not kept (its map or storage busy or
				* full): its record, if it would have made one, is missing */
	BW_CNT_MAX,
};

#endif /* BUILDWARDEN_EVENTS_H */
