/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Provenance within one job: which processes hold the two ends of each
 * pipe, what fed each pipe (a process that talked to the network, a
 * decoder), which files a network-fed or decoding process wrote, and what
 * a shell captured by command substitution. The facts come from exec
 * records (stdio), connect records and file records; the policy reads them
 * through struct bw_exec_info (stdin, stdout, stdio, program_from,
 * script_origin, exe_origin, env, name_mismatch).
 *
 * Bounded: a fixed number of recent pipes, dropped files and substitutions
 * per job; an older entry is overwritten by a newer one that hashes to the
 * same slot (docs/DETECTIONS.md says what that can miss).
 */
#ifndef BW_PROVENANCE_H
#define BW_PROVENANCE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "events/proctab.h"
#include "lib/json_out.h"
#include "policy/exec_info.h"

#define PROV_PIPES 4096   /* slots, a power of two */
#define PROV_DROPS 1024   /* slots, a power of two */
#define PROV_SUBSTS 64    /* ring */
#define PROV_REFS 4       /* writers and readers kept per pipe */
#define PROV_REJUDGE_MAX 16

struct prov_ref {
	uint32_t pid;
	uint64_t start_ns;
};

struct prov_pipe {
	uint64_t id; /* inode; 0: empty slot */
	uint32_t tags; /* BW_PROV_NETWORK, _DECODER of what was written into it */
	uint32_t n_writers, n_readers; /* seen; the first PROV_REFS are kept */
	struct prov_ref writers[PROV_REFS];
	struct prov_ref readers[PROV_REFS];
};

struct prov_drop {
	char *path;   /* NULL: empty slot */
	uint32_t tags;
	struct prov_ref writer;
	char *writer_exe;
	char *writer_cmd;
};

struct prov_subst {
	struct prov_ref owner;  /* the shell that read the pipe */
	struct prov_ref writer; /* the program that wrote it */
	uint64_t pipe;
};

struct provenance {
	struct prov_pipe *pipes;
	struct prov_drop *drops;
	struct prov_subst substs[PROV_SUBSTS];
	uint32_t n_substs;
	uint64_t drops_recorded;
	uint64_t env_drops_recorded; /* of them, dumps of the environment */
	uint64_t fd_writers; /* programs given a /dev/fd/N to write to (tee >(...)) */
	bool no_memory; /* the tables could not be made: provenance is off */
	char loaded_path[PATH_MAX]; /* prov_fill's exe of a program the dynamic loader runs */
};

/*
 * What an event changed: processes whose exec-time facts changed (the
 * engine judges them again), and a file just recorded as dropped (its path
 * valid until the next provenance call).
 */
struct prov_rejudge {
	struct bw_proc *procs[PROV_REJUDGE_MAX];
	uint32_t n;
	const char *dropped;
	uint32_t dropped_tags;
};

/* Zeroed; the tables are made when the first record needs them. */
void prov_init(struct provenance *pv);
void prov_free(struct provenance *pv);

/* After proctab applied an exec record of p. */
void prov_on_exec(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
		  const struct bw_event_view *v, struct prov_rejudge *out);
/*
 * Before a connect record of p is judged: a Python or Node.js program
 * whose code is not on its command line (a script, a here-document) has
 * its text read, once per exec, at its first connect to a peer other than
 * DNS (what it evaluates or sends; pipeline/script_text.h).
 */
void prov_before_connect(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
			 const struct bw_connect_info *c);
/* A connect record of p. */
void prov_on_connect(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
		     const struct bw_connect_info *c, struct prov_rejudge *out);
/* A file record of p (writes, renames). */
void prov_on_file(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
		  const struct bw_file_info *f, struct prov_rejudge *out);
/* p's exit record; stdout_pipe: its bw_exit_event field. */
void prov_on_exit(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
		  uint64_t stdout_pipe, struct prov_rejudge *out);
/* Fill info's provenance fields for p. */
void prov_fill(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
	       struct bw_exec_info *info);
/* The facts behind info's provenance, as JSON members of an open object
 * (for a verdict's "event"). Writes nothing when there are none. */
void prov_json(struct provenance *pv, const struct bw_proctab *t, const struct bw_proc *p,
	       const struct bw_exec_info *info, struct jbuf *jb);

#endif /* BW_PROVENANCE_H */
