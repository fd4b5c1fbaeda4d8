/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF skeleton's lifecycle: check privileges and BTF, open, size maps,
 * load (tp_btf, falling back to raw_tp), attach, and the ring buffer.
 */
#ifndef BW_LOADER_H
#define BW_LOADER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include "buildwarden_events.h"
#include "buildwarden_syscalls.h"
#include "kernel/ringbuf.h"

struct process_bpf;
struct syscalls_bpf;

struct loader_opts {
	uint32_t ringbuf_bytes; /* power of two, >= page size */
	uint32_t max_procs;     /* job-scope map entries */
	bool force_raw_tp;      /* skip tp_btf (tests the fallback) */
	bool no_lsm;            /* deny by SIGKILL at exec even where BPF LSM is active */
	/* Host scope: every process that forks or execs joins this job,
	 * except the agent itself and its children; 0: off. */
	uint64_t host_job;
};

/* The maps every object shares with the process object (loader_share_maps). */
#define LOADER_SHARED_MAPS 5

struct bw_agent {
	struct process_bpf *skel;
	/* The shared maps, made before any object loads (loader_prepare): objects
	 * may then load side by side. -1 where not made. */
	int shared_fds[LOADER_SHARED_MAPS];
	bool prepared;
	/* hooks_open_start: the syscall object loading in a thread until hooks_open_finish. */
	pthread_t hooks_thread;
	bool hooks_started;
	uint32_t hooks_want;
	bool hooks_every;
	int hooks_err;
	/* Network/file/privilege hooks sharing skel's maps (loader_hooks.c). */
	struct syscalls_bpf *sys;
	uint32_t hooks_loaded; /* BW_HOOK_* whose programs are attached */
	const char *sys_hook;  /* how: "tp_btf", "raw_tp", "tracepoint", "per_syscall" */
	/* per_syscall: a link per syscall tracepoint, entries and exits */
	struct bpf_link *sc_links[2 * BW_SYSCALLS_N];
	int n_sc_links;
	struct bw_ringbuf *rb; /* kernel/ringbuf.h: a window of the data at a time */
	ring_buffer_sample_fn rb_fn; /* what loader_map_ring hands the records to */
	void *rb_ctx;
	bool raw_tp; /* exec is attached through the raw_tp fallback */
	bool lsm;    /* deny-exec fails the exec with EPERM (BPF LSM) */
	bool tracefs_mounted;
	/* loader_read_fixed_maps: the preallocated maps' memory, read once */
	bool fixed_maps_read;
	uint32_t fixed_maps;
	uint64_t fixed_map_bytes;
};

#define LOADER_DEFAULT_RINGBUF (16u << 20)
/*
 * `run`'s ring buffer: 1 MiB per CPU (records come from every CPU at
 * once), rounded up to a power of two, from 4 to 16 MiB. The agent maps
 * a 512 KiB window of it at a time (kernel/ringbuf.h), so its size costs
 * kernel memory, not the agent's RSS.
 */
uint32_t loader_default_ringbuf_mb(void);
#define LOADER_DEFAULT_MAX_PROCS 65536u

/*
 * Checks privileges, BTF and tracefs and makes the maps the objects share,
 * sized by o: after it the process object (loader_open) and the syscall
 * one (hooks_open_start) may load at the same time. 0 or -errno, having
 * said why; loader_close undoes it.
 */
int loader_prepare(struct bw_agent *a, const struct loader_opts *o);
/*
 * Loads and attaches the process object. a is zeroed, or as loader_prepare
 * left it (a zeroed one is prepared here). Returns 0 or -errno, having
 * printed why. fn gets the ring buffer's records once loader_map_ring has
 * mapped it.
 */
int loader_open(struct bw_agent *a, const struct loader_opts *o, ring_buffer_sample_fn fn,
		void *ctx);
/*
 * Once every object is loaded, before the first read: give back the heap
 * libbpf's BTF parsing left free, then map the ring buffer (its pages
 * count in RSS from mmap on, so a load's peak does not add them). Records
 * the kernel wrote before wait in the ring. 0 or -errno, having said why.
 */
int loader_map_ring(struct bw_agent *a);
int loader_watch(struct bw_agent *a, pid_t pid, uint64_t job_id);
/* Is tgid in a watched job right now? */
bool loader_in_job(struct bw_agent *a, uint32_t tgid);
/* The job tgid is in right now, if any. */
bool loader_job_of(struct bw_agent *a, uint32_t tgid, uint64_t *job_id);
/* The sum over CPUs of the kernel's counter idx (BW_CNT_*): one syscall. 0 or -errno. */
int loader_counter(struct bw_agent *a, uint32_t idx, uint64_t *out);
void loader_close(struct bw_agent *a);
/*
 * The memory the kernel charges the agent's BPF maps (both objects, each
 * map once) and how many they are: lib/memstat.h. A preallocated map's is
 * read the first time only (its size is fixed when it is made), the
 * others' each time. 0 or -errno (the figures are then unset).
 */
int loader_map_memory(struct bw_agent *a, uint64_t *bytes, uint32_t *maps);
/* The preallocated maps' memory, read now if it was not yet: once every map is made. 0 or -errno. */
int loader_read_fixed_maps(struct bw_agent *a);

/*
 * Network, file and privilege hooks (want: BW_HOOK_*): one BPF object,
 * sharing the ring buffer, job scope, counters and hook config of the
 * process one. Attached through the per-syscall tracepoints of the
 * syscalls want needs where no 32-bit syscall can be made, unless
 * every_syscall (fail-closed); else on the raw_syscalls tracepoints
 * (tp_btf, else raw_tp, else the classic tracepoint). If it cannot load,
 * that is reported and the agent keeps recording exec.
 */
int hooks_open(struct bw_agent *a, uint32_t want, bool every_syscall);
/*
 * hooks_open in a thread, beside loader_open, once loader_prepare made the
 * shared maps; hooks_open_finish waits for it and returns its result. A
 * thread that cannot start: -errno, and the caller calls hooks_open.
 */
int hooks_open_start(struct bw_agent *a, uint32_t want, bool every_syscall);
int hooks_open_finish(struct bw_agent *a);
/*
 * Processes join a job with sockets they connected before (adopted, host
 * scope): reads and writes are checked for DNS from now on, as after a
 * job process's connect to port 53.
 */
void hooks_assume_dns_connected(struct bw_agent *a);
/*
 * Let obj, before its load, use the shared maps loader_prepare made (ring
 * buffer, job scope, counters, hook config, fail state) instead of its own.
 */
int loader_share_maps(struct bw_agent *a, struct bpf_object *obj);
/*
 * Turns reporting on for hooks (BW_HOOK_*); agent_tgid for signal checks
 * and, with fail_closed, for noticing the agent's death.
 */
int hooks_configure(struct bw_agent *a, uint32_t hooks, uint32_t agent_tgid, bool fail_closed);
/*
 * Let records of these types (BW_EV_BIT each) wait for the agent's next
 * wakeup like fork and exit records do: those no policy kills on from
 * userspace. 0: all wake it at once.
 */
int hooks_set_lazy(struct bw_agent *a, uint32_t lazy_types);
/* Execs wake the agent or are held only if their exe matches the map wake_keys (on), or all (off). */
int hooks_set_exec_wake_keys(struct bw_agent *a, bool on);
/* Report opens under dir (ending in '/') or of files named name. */
int hooks_watch_dir(struct bw_agent *a, const char *dir, uint32_t bits);
int hooks_watch_name(struct bw_agent *a, const char *name, uint32_t bits);
/*
 * The environment variables exec records carry (env_names map): at most
 * BW_ENV_NAMES names, each starting with "LD_" or BASH_ENV or NODE_OPTIONS
 * (variables that make a program load code, never other values) and
 * shorter than BW_ENV_NAME_LEN, without '='. n == 0
 * turns the scan off. Replaces the previous list; -EINVAL, having said
 * which name is refused and why, and leaving the list as it was.
 * loader_open sets HOOKS_DEFAULT_ENV_NAMES.
 */
int hooks_set_env_names(struct bw_agent *a, const char *const *names, size_t n);
#define HOOKS_DEFAULT_ENV_NAMES                                                           \
	{ "LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "BASH_ENV", "NODE_OPTIONS" }
/*
 * Programs whose every open for writing is reported wherever it goes
 * (writer_names map, BW_PROC_WATCH_WRITES): decoders, downloaders,
 * archive extractors and copiers (what they write may carry what they
 * read: pipeline/provenance.c), by the kernel's comm (names longer than 15
 * bytes are cut as comm is).
 * Replaces the previous list; -EINVAL for an empty name or more than the
 * map holds. loader_open sets HOOKS_DEFAULT_WRITER_NAMES.
 */
int hooks_set_writer_names(struct bw_agent *a, const char *const *names, size_t n);
#define HOOKS_DEFAULT_WRITER_NAMES                                                        \
	{ "base64", "base32", "xxd",  "openssl", "gzip",  "gunzip", "zcat", "bzip2",     \
	  "xz",	    "unxz",   "uudecode", "basenc", "curl", "wget", "aria2c", "tftp",   \
	  "ftp",    "nc",     "ncat", "socat",	 "scp",	  "rsync", "tar", "bsdtar", "unzip", \
	  "7z",	    "7za",    "cpio", "cp", "install", "dd", "ln" }
/*
 * Interpreters whose exec with an option first is held for its verdict
 * (BW_HINT_INLINE, interp_names map), by the start of their comm (names of
 * 1 to 15 bytes). Replaces the previous list; -EINVAL for a bad name or
 * more than BW_INTERP_NAMES. loader_open sets HOOKS_DEFAULT_INTERP_NAMES.
 */
int hooks_set_interp_names(struct bw_agent *a, const char *const *names, size_t n);
#define HOOKS_DEFAULT_INTERP_NAMES                                                       \
	{ "python", "perl", "ruby", "node", "php", "lua", "pwsh", "tclsh" }
void hooks_close(struct bw_agent *a);

#endif /* BW_LOADER_H */
