// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fork, exec, failed exec and exit lines read back without JSON objects
 * (events/event_lineview.c): every line the agent renders comes back as
 * the record it rendered, with what the JSON reader fills in; every other
 * shape (another type, members reordered or added, escapes, numbers
 * json-c reads otherwise, a cut line) is declined, for the JSON reader to
 * take.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "events/event_json.h"
#include "events/event_lineview.h"
#include "events/event_read.h"
#include "events/netinfo.h"
#include "lib/json_out.h"
#include "report/report_internal.h"

/* The line event_json_render writes for v (a newline appended), in buf; big enough for an exec's. */
static const char *render(const struct bw_event_view *v, const char *container, char *buf,
			  size_t size)
{
	struct bw_clock clk = { .realtime_minus_mono_ns = 1764921600000000000LL };
	struct bw_event_view w = *v;
	struct jbuf jb;

	w.container = container;
	jbuf_init(&jb);
	event_json_render(&jb, &w, 4242, &clk);
	assert_false(jb.oom);
	snprintf(buf, size, "%s\n", jb.buf);
	jbuf_free(&jb);
	return buf;
}

static void header(struct bw_event_header *h, uint32_t type)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->pid = 4001;
	h->tid = 4002;
	h->start_ns = 123456789012345ULL;
	h->job_id = 9223372036854775809ULL; /* a daemon's: past INT64_MAX, read as unsigned */
	h->ktime_ns = 25647898241811ULL;
}

static void check_header(const struct bw_event_header *got, const struct bw_event_header *want)
{
	assert_int_equal(got->type, want->type);
	assert_int_equal(got->pid, want->pid);
	assert_int_equal(got->tid, want->tid);
	assert_int_equal(got->start_ns, want->start_ns);
	assert_int_equal(got->job_id, want->job_id);
	assert_int_equal(got->ktime_ns, want->ktime_ns);
}

static void test_fork(void **state)
{
	struct bw_fork_event e;
	struct bw_event_view v = { .hdr = &e.hdr, .fork = &e };
	struct event_lineview lv;
	char line[1024];
	int i;

	(void)state;
	header(&e.hdr, BW_EV_FORK);
	e.parent_pid = 4000;
	e.parent_tid = 4003;
	e.parent_start_ns = 123456789000000ULL;
	for (i = 0; i < 2; i++) {
		render(&v, i ? "0123456789ab" : NULL, line, sizeof(line));
		assert_true(event_lineview(line, strlen(line), &lv));
		assert_int_equal(lv.seq, 4242);
		assert_ptr_equal(lv.v.hdr, &lv.k.fork.hdr);
		assert_ptr_equal(lv.v.fork, &lv.k.fork);
		check_header(lv.v.hdr, &e.hdr);
		assert_int_equal(lv.v.fork->parent_pid, 4000);
		assert_int_equal(lv.v.fork->parent_start_ns, 123456789000000ULL);
		assert_int_equal(lv.v.fork->parent_tid, 0); /* the JSON reader leaves it out too */
		/* Without its newline: the last line of a finished stream. */
		assert_true(event_lineview(line, strlen(line) - 1, &lv));
	}
}

static void exit_case(uint32_t status, const char *comm, const char *want_comm,
		      uint64_t stdout_pipe)
{
	struct bw_exit_event e;
	struct bw_event_view v = { .hdr = &e.hdr, .exit = &e };
	struct event_lineview lv;
	char line[1024];

	header(&e.hdr, BW_EV_EXIT);
	e.ppid = 4000;
	e.parent_start_ns = 99;
	e.exit_status = status;
	e.stdout_pipe = stdout_pipe;
	memset(e.comm, 0, sizeof(e.comm));
	memcpy(e.comm, comm, strnlen(comm, sizeof(e.comm)));
	render(&v, NULL, line, sizeof(line));
	if (!want_comm) {
		assert_false(event_lineview(line, strlen(line), &lv));
		return;
	}
	if (!event_lineview(line, strlen(line), &lv))
		fail_msg("declined: %s", line);
	check_header(lv.v.hdr, &e.hdr);
	assert_ptr_equal(lv.v.exit, &lv.k.exit);
	assert_int_equal(lv.v.exit->ppid, 4000);
	assert_int_equal(lv.v.exit->parent_start_ns, 99);
	assert_int_equal(lv.v.exit->exit_status, status);
	assert_int_equal(lv.v.exit->stdout_pipe, stdout_pipe);
	assert_string_equal(lv.v.exit->comm, want_comm);
}

static void test_exit(void **state)
{
	(void)state;
	exit_case(0, "make", "make", 0);
	exit_case(0, "bash", "bash", 4026532); /* a fork that ran no program, writing a pipe */
	exit_case(2 << 8, "cc1", "cc1", 0);
	exit_case(255 << 8, "sh", "sh", 0);
	exit_case(SIGKILL, "curl", "curl", 0);
	exit_case(SIGSEGV | 0x80, "a-fifteen-bytes", "a-fifteen-bytes", 0);
	exit_case(0, "", "", 0);
	exit_case(0, "caf\xc3\xa9", "caf\xc3\xa9", 0); /* UTF-8 is written as it is */
	/* Escaped in the line: the JSON reader's to decode. */
	exit_case(0, "tab\there", NULL, 0);
	exit_case(0, "quo\"te", NULL, 0);
	exit_case(0, "bad\xff", NULL, 0);
}

static void declined(const char *line)
{
	struct event_lineview lv;

	if (event_lineview(line, strlen(line), &lv))
		fail_msg("taken: %s", line);
}

#define FORK_HEAD "{\"seq\":7,\"type\":\"fork\",\"time\":\"2026-12-05T07:42:53.650258245Z\",\"job_id\":1,"
#define FORK_TAIL "\"parent_pid\":7145,\"parent_tid\":7145,\"parent_start_ns\":25647889745503}"
#define EXEC_HEAD "{\"seq\":8,\"type\":\"exec\",\"time\":\"t\",\"job_id\":1," FORK_MID \
	"\"ppid\":1,\"parent_start_ns\":2,\"old_tid\":7146,\"uid\":0,\"euid\":0,\"gid\":0," \
	"\"egid\":0,\"cgroup_id\":1,\"comm\":\"sh\",\"filename\":\"/bin/sh\",\"exe\":null," \
	"\"cwd\":\"/\",\"argc\":1,\"argv\":[\"sh\"],\"argv_truncated\":false," \
	"\"filename_truncated\":false,\"exe_truncated\":false,\"cwd_truncated\":false,\"stdio\":"
#define EXEC_ENV ",\"env\":{},\"env_truncated\":false"
#define FORK_MID "\"ktime_ns\":25647898241811,\"pid\":7146,\"tid\":7146,\"start_ns\":25647898227324,"

/* An exec record with its strings, built as events_decode would leave it. */
struct exec_rec {
	struct bw_exec_event e;
	struct bw_event_view v;
};

static void exec_rec(struct exec_rec *x, const char *args, uint32_t args_len)
{
	memset(x, 0, sizeof(*x));
	header(&x->e.hdr, BW_EV_EXEC);
	x->v.hdr = &x->e.hdr;
	x->v.exec = &x->e;
	x->e.ppid = 4000;
	x->e.parent_start_ns = 123456789000000ULL;
	x->e.old_tid = 4009;
	x->e.uid = 1000;
	x->e.euid = 0;
	x->e.gid = 1000;
	x->e.egid = 1000;
	x->e.cgroup_id = 77;
	x->e.argc = 2;
	memcpy(x->e.comm, "gcc", 3);
	x->v.filename = "/usr/bin/gcc";
	x->v.exe = "/usr/bin/x86_64-linux-gnu-gcc-12";
	x->v.cwd = "/src/zlib";
	x->v.args = args;
	x->v.args_len = args_len;
}

/* The line of x taken back: the members the JSON reader reads, and nothing else. */
static void check_exec(const struct exec_rec *x, const char *container, uint32_t want_flags)
{
	struct event_lineview *lv = malloc(sizeof(*lv));
	char *line = malloc(1 << 16);

	assert_non_null(lv);
	assert_non_null(line);
	render(&x->v, container, line, 1 << 16);
	if (!event_lineview(line, strlen(line), lv))
		fail_msg("declined: %s", line);
	assert_int_equal(lv->seq, 4242);
	assert_ptr_equal(lv->v.exec, &lv->k.exec);
	check_header(lv->v.hdr, &x->e.hdr);
	assert_int_equal(lv->k.exec.ppid, 4000);
	assert_int_equal(lv->k.exec.parent_start_ns, 123456789000000ULL);
	assert_int_equal(lv->k.exec.uid, 1000);
	assert_int_equal(lv->k.exec.euid, 0);
	assert_int_equal(lv->k.exec.argc, x->e.argc);
	/* What the JSON reader leaves out: */
	assert_int_equal(lv->k.exec.old_tid, 0);
	assert_int_equal(lv->k.exec.gid, 0);
	assert_int_equal(lv->k.exec.cgroup_id, 0);
	assert_int_equal(lv->k.exec.flags, want_flags);
	assert_string_equal(lv->k.exec.comm, "gcc");
	if (x->v.filename)
		assert_string_equal(lv->v.filename, x->v.filename);
	else
		assert_null(lv->v.filename);
	if (x->v.exe)
		assert_string_equal(lv->v.exe, x->v.exe);
	else
		assert_null(lv->v.exe);
	assert_string_equal(lv->v.cwd, x->v.cwd);
	assert_int_equal(lv->v.args_len, x->v.args_len);
	assert_memory_equal(lv->v.args, x->v.args, x->v.args_len);
	if (container)
		assert_string_equal(lv->v.container, container);
	else
		assert_null(lv->v.container);
	/* Cut anywhere: declined. */
	for (size_t cut = 1; cut < strlen(line) - 1; cut += 7)
		assert_false(event_lineview(line, cut, lv));
	free(line);
	free(lv);
}

static void test_exec(void **state)
{
	static const char args[] = "gcc\0-c\0-O2\0zutil.c";
	struct exec_rec x;
	struct bw_stdio *sd;
	char big[4000];

	(void)state;
	exec_rec(&x, args, sizeof(args));
	check_exec(&x, NULL, 0);
	check_exec(&x, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 0);
	/* Every stdio kind, loader variables, the held hints, the root, cut argv. */
	x.e.flags = BW_EXEC_JOB_ROOT | BW_EXEC_ARGS_TRUNCATED | BW_EXEC_CWD_TRUNCATED |
		    BW_EXEC_HELD | BW_EXEC_ENV_TRUNCATED;
	x.e.hints = BW_HINT_NAME | BW_HINT_SOCKET;
	x.e.stdio[0].kind = BW_STDIO_PIPE;
	x.e.stdio[0].mode = BW_STDIO_READ;
	x.e.stdio[0].id = 99;
	sd = &x.e.stdio[1];
	sd->kind = BW_STDIO_SOCKET;
	sd->family = AF_INET;
	sd->port = 4444;
	inet_pton(AF_INET, "203.0.113.9", sd->addr);
	x.e.stdio[2].kind = BW_STDIO_FILE;
	x.e.stdio[2].mode = BW_STDIO_WRITE;
	x.v.stdio_path[2] = "/tmp/log";
	x.v.env = "LD_PRELOAD=/tmp/x.so\0LD_LIBRARY_PATH=/opt\0";
	x.v.env_len = 42;
	check_exec(&x, NULL, BW_EXEC_JOB_ROOT | BW_EXEC_ARGS_TRUNCATED);
	/* No exe from the kernel, no arguments at all, no filename. */
	x.v.exe = NULL;
	x.v.filename = NULL;
	x.v.args_len = 0;
	x.e.argc = 0;
	x.e.stdio[1].kind = BW_STDIO_TTY;
	x.e.stdio[1].rdev = (136u << 20) | 3;
	check_exec(&x, NULL, BW_EXEC_JOB_ROOT | BW_EXEC_ARGS_TRUNCATED);
	/* Arguments at the kernel's limit: 16 KiB of them. */
	exec_rec(&x, NULL, 0);
	memset(big, 'a', sizeof(big));
	for (size_t i = 999; i < sizeof(big); i += 1000)
		big[i] = '\0';
	big[sizeof(big) - 1] = '\0';
	char *many = malloc(BW_ARGS_MAX);

	assert_non_null(many);
	for (size_t i = 0; i < BW_ARGS_MAX; i += sizeof(big))
		memcpy(many + i, big, sizeof(big) < BW_ARGS_MAX - i ? sizeof(big) : BW_ARGS_MAX - i);
	many[BW_ARGS_MAX - 1] = '\0';
	x.v.args = many;
	x.v.args_len = BW_ARGS_MAX;
	check_exec(&x, NULL, 0);
	free(many);
}

/* An exec whose line has an escape (a tab in an argument, a quote in cwd): the JSON reader's. */
static void test_exec_escaped(void **state)
{
	static const char tab[] = "sh\0-c\0echo\ta";
	struct event_lineview *lv = malloc(sizeof(*lv));
	char line[4096];
	struct exec_rec x;

	(void)state;
	assert_non_null(lv);
	exec_rec(&x, tab, sizeof(tab));
	render(&x.v, NULL, line, sizeof(line));
	assert_false(event_lineview(line, strlen(line), lv));
	exec_rec(&x, "sh", 3);
	x.v.cwd = "/src/\"q\"";
	render(&x.v, NULL, line, sizeof(line));
	assert_false(event_lineview(line, strlen(line), lv));
	free(lv);
}

static void failed_case(int32_t error, uint32_t flags, uint32_t rule, const char *filename)
{
	struct bw_exec_failed_event e;
	struct bw_event_view v = { .hdr = &e.hdr, .exec_failed = &e, .filename = filename };
	struct event_lineview *lv = malloc(sizeof(*lv));
	char line[4096];

	assert_non_null(lv);
	memset(&e, 0, sizeof(e));
	header(&e.hdr, BW_EV_EXEC_FAILED);
	e.error = error;
	e.flags = flags;
	e.deny_rule = rule;
	memcpy(e.comm, "make", 4);
	render(&v, "cafe", line, sizeof(line));
	if (!event_lineview(line, strlen(line), lv))
		fail_msg("declined: %s", line);
	check_header(lv->v.hdr, &e.hdr);
	assert_ptr_equal(lv->v.exec_failed, &lv->k.exec_failed);
	assert_int_equal(lv->k.exec_failed.error, error);
	assert_int_equal(lv->k.exec_failed.flags, flags & (BW_EXECFAIL_EXECVEAT | BW_EXECFAIL_DENIED));
	assert_int_equal(lv->k.exec_failed.deny_rule, flags & BW_EXECFAIL_DENIED ? rule : 0);
	assert_string_equal(lv->k.exec_failed.comm, "make");
	if (filename)
		assert_string_equal(lv->v.filename, filename);
	else
		assert_null(lv->v.filename);
	assert_null(lv->v.container); /* the JSON reader does not read it */
	free(lv);
}

static void test_exec_failed(void **state)
{
	(void)state;
	failed_case(-ENOENT, 0, 0, "/usr/local/bin/cc");
	failed_case(-EACCES, BW_EXECFAIL_EXECVEAT, 0, "/tmp/x");
	failed_case(-EPERM, BW_EXECFAIL_DENIED, 3, "/dev/shm/miner");
	failed_case(-ENOEXEC, BW_EXECFAIL_FILENAME_UNAVAILABLE, 0, NULL);
	failed_case(-4000, 0, 0, "/x"); /* no name: "unknown" */
	/* A name that is not its number's, a positive or zero error: the JSON reader's. */
	declined("{\"seq\":3,\"type\":\"exec_failed\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"error\":-2,\"errno\":\"EACCES\",\"filename\":\"/x\",\"execveat\":false,"
		 "\"comm\":\"sh\"}");
	declined("{\"seq\":3,\"type\":\"exec_failed\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"error\":2,\"errno\":\"ENOENT\",\"filename\":\"/x\",\"execveat\":false,"
		 "\"comm\":\"sh\"}");
	declined("{\"seq\":3,\"type\":\"exec_failed\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"error\":-0,\"errno\":\"0\",\"filename\":\"/x\",\"execveat\":false,"
		 "\"comm\":\"sh\"}");
	declined("{\"seq\":3,\"type\":\"exec_failed\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"error\":-2,\"errno\":\"ENOENT\",\"filename\":\"/x\",\"execveat\":false,"
		 "\"deny_rule\":null,\"comm\":\"sh\"}");
}

/* A file or privilege record's line as the agent writes it, in buf. */
static const char *render_hook(const struct bw_event_view *v, const struct netinfo *ni, char *buf,
			       size_t size)
{
	struct bw_clock clk = { .realtime_minus_mono_ns = 1764921600000000000LL };
	struct jbuf jb;

	jbuf_init(&jb);
	netinfo_json_record(&jb, ni, v, 77, &clk);
	assert_false(jb.oom);
	snprintf(buf, size, "%s\n", jb.buf);
	jbuf_free(&jb);
	return buf;
}

static void same_str(const char *got, const char *want, const char *what)
{
	if (!got != !want || (got && strcmp(got, want)))
		fail_msg("%s: got %s, want %s", what, got ? got : "NULL", want ? want : "NULL");
}

/* The line taken directly, and read as the report's JSON reader reads it: the same fields. */
static void check_hook_line(const char *line, uint32_t type)
{
	struct event_lineview *lv = malloc(sizeof(*lv));
	struct event_hookline in;
	struct event_reader rd;
	struct json_object *o;
	const char *why = NULL;

	assert_non_null(lv);
	if (!event_lineview(line, strlen(line), lv))
		fail_msg("declined: %s", line);
	assert_int_equal(lv->v.hdr->type, type);
	assert_int_equal(lv->seq, 77);
	assert_int_equal(event_reader_init(&rd), 0);
	assert_int_equal(event_read_line(&rd, line, strlen(line), &o, &why), 0);
	review_hook_read(o, &in);
	same_str(lv->hook.op, in.op, "op");
	same_str(lv->hook.path, in.path, "path");
	same_str(lv->hook.path2, in.path2, "path2");
	same_str(lv->hook.string, in.string, "string");
	same_str(lv->hook.comm, in.comm, "comm");
	assert_int_equal(lv->hook.pid, in.pid);
	assert_int_equal(lv->hook.start_ns, in.start_ns);
	assert_int_equal(lv->hook.result, in.result);
	assert_int_equal(lv->hook.tracked, in.tracked);
	assert_int_equal(lv->hook.has_target, in.has_target);
	assert_int_equal(lv->hook.target_pid, in.target_pid);
	assert_int_equal(lv->hook.has_target_in_job, in.has_target_in_job);
	assert_int_equal(lv->hook.target_in_job, in.target_in_job);
	assert_int_equal(lv->hook.has_args, in.has_args);
	assert_int_equal(lv->hook.n_args, in.n_args);
	for (uint32_t i = 0; i < in.n_args; i++)
		assert_int_equal(lv->hook.args[i], in.args[i]);
	json_object_put(o);
	event_reader_free(&rd);
	free(lv);
}

struct file_rec {
	struct bw_file_event e;
	struct bw_event_view v;
	struct netinfo ni;
};

static struct file_rec *file_rec(uint32_t op, const char *name, const char *path, int32_t ret)
{
	struct file_rec *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	header(&x->e.hdr, BW_EV_FILE);
	x->e.op = op;
	x->e.ret = ret;
	x->e.dirfd = -100; /* AT_FDCWD */
	x->e.flags = BW_FILE_RESOLVED;
	memcpy(x->e.comm, "configure", 9);
	x->v.hdr = &x->e.hdr;
	x->v.file = &x->e;
	x->v.cwd = "/src/zlib";
	x->ni.info.kind = BW_ON_FILE;
	x->ni.info.file.op = name;
	x->ni.info.file.path = path;
	return x;
}

static void test_file_lines(void **state)
{
	struct file_rec *x;
	char line[8192];

	(void)state;
	x = file_rec(BW_FILE_OPEN, "open-write", "/src/zlib/configure.log", 0);
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	/* Tracked, a failed open, a process's file, a 32-bit caller, a dirfd base. */
	x->ni.info.file.tracked = true;
	x->e.ret = -EACCES;
	x->ni.info.file.target_pid = 4242;
	x->ni.info.file.target_in_job = true;
	x->e.flags |= BW_FILE_COMPAT | BW_FILE_TRUNCATED | BW_FILE_BASE_DIRFD;
	x->e.dirfd = 7;
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	x->e.dirfd = 3;
	x->e.flags &= ~BW_FILE_BASE_DIRFD;
	x->ni.info.file.target_in_job = false;
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	free(x);
	/* A file held open for writing when its process first connected. */
	x = file_rec(BW_FILE_OPEN, "open-write", "/tmp/stage2", 3);
	x->e.flags |= BW_FILE_WRITE | BW_FILE_HELD;
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	free(x);
	x = file_rec(BW_FILE_RENAME, "rename", "/src/a.tmp", 0);
	x->ni.info.file.path2 = "/src/.git/hooks/pre-commit";
	x->v.cwd = NULL;
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	free(x);
	/* Links: both names; a symlink's target, text. */
	x = file_rec(BW_FILE_LINK, "link", "/root/.aws/credentials", 0);
	x->ni.info.file.path2 = "/tmp/.c/b0";
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	free(x);
	x = file_rec(BW_FILE_SYMLINK, "symlink", "/root/.config/systemd/user/x.service", 0);
	x->ni.info.file.link_target = "../../../x.service";
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	free(x);
	x = file_rec(BW_FILE_CHMOD, "chmod", "/tmp/x", 0);
	x->ni.info.file.mode = 04755;
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	free(x);
	x = file_rec(BW_FILE_SETXATTR, "setxattr", "/tmp/x", -EPERM);
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	x->ni.info.file.xattr = "security.capability";
	check_hook_line(render_hook(&x->v, &x->ni, line, sizeof(line)), BW_EV_FILE);
	/* An escape in the path: the JSON reader's. */
	x->ni.info.file.path = "/tmp/a\tb";
	render_hook(&x->v, &x->ni, line, sizeof(line));
	declined(line);
	free(x);
}

static void test_privilege_lines(void **state)
{
	struct bw_priv_event e;
	struct bw_event_view v = { .hdr = &e.hdr, .priv = &e };
	struct netinfo *ni = calloc(1, sizeof(*ni));
	char line[4096];

	(void)state;
	assert_non_null(ni);
	memset(&e, 0, sizeof(e));
	header(&e.hdr, BW_EV_PRIV);
	e.op = BW_PRIV_SETUID;
	e.syscall_nr = 117;
	e.args[0] = 4294967295ULL;
	e.args[2] = 18446744073709551615ULL; /* read back at INT64_MAX */
	memcpy(e.comm, "make", 4);
	ni->info.kind = BW_ON_PRIVILEGE;
	ni->info.priv.op = "setuid";
	check_hook_line(render_hook(&v, ni, line, sizeof(line)), BW_EV_PRIV);
	e.op = BW_PRIV_VM_ACCESS;
	e.args[0] = 1;
	e.target_pid = 777;
	e.flags = BW_PRIV_F_COMPAT;
	ni->info.priv.op = "process-vm";
	ni->info.priv.target_in_job = true;
	v.str = "/proc/777/mem";
	check_hook_line(render_hook(&v, ni, line, sizeof(line)), BW_EV_PRIV);
	/* Two arguments, or the target's membership missing: the JSON reader's. */
	declined("{\"seq\":9,\"type\":\"privilege\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"op\":\"setuid\",\"syscall_nr\":105,\"args\":[0,0],\"target_pid\":null,"
		 "\"target_in_job\":false,\"string\":null,\"comm\":\"su\"}");
	declined("{\"seq\":9,\"type\":\"privilege\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"op\":\"setuid\",\"syscall_nr\":105,\"args\":[0,0,0],\"target_pid\":null,"
		 "\"string\":null,\"comm\":\"su\"}");
	declined("{\"seq\":9,\"type\":\"file\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"op\":\"unlink\",\"path\":\"/x\",\"path2\":null,\"cwd\":null,\"resolved\":false,"
		 "\"open_flags\":0,\"result\":-0,\"errno\":null,\"truncated\":false,\"comm\":\"rm\"}");
	free(ni);
}

/*
 * Numbers past INT64_MAX (a daemon's job ids, up to UINT64_MAX): taken as
 * the JSON reader reads the same line, member for member.
 */
static void test_same_as_json(void **state)
{
	static const uint64_t big[] = { 9223372036854775807ULL, 9223372036854775808ULL,
					9223372036854775809ULL, 18446744073709551615ULL };
	struct bw_fork_event e;
	struct bw_event_view v = { .hdr = &e.hdr, .fork = &e };
	struct bw_event_header h;
	struct event_lineview lv;
	struct event_reader rd;
	struct json_object *o;
	const char *why = NULL;
	char line[1024];

	(void)state;
	assert_int_equal(event_reader_init(&rd), 0);
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		header(&e.hdr, BW_EV_FORK);
		e.hdr.job_id = big[i];
		e.hdr.ktime_ns = big[(i + 1) % 4];
		e.hdr.start_ns = big[(i + 2) % 4];
		e.parent_pid = 4000;
		e.parent_tid = 4003;
		e.parent_start_ns = big[(i + 3) % 4];
		render(&v, NULL, line, sizeof(line));
		assert_true(event_lineview(line, strlen(line), &lv));
		assert_int_equal(event_read_line(&rd, line, strlen(line), &o, &why), 0);
		assert_non_null(o);
		event_read_header(&h, BW_EV_FORK, o);
		check_header(lv.v.hdr, &h);
		check_header(lv.v.hdr, &e.hdr);
		assert_int_equal(lv.v.fork->parent_start_ns, event_u64_or(o, "parent_start_ns", 0));
		json_object_put(o);
	}
	event_reader_free(&rd);
}

static void test_declined(void **state)
{
	struct event_lineview lv;
	const char *ok = FORK_HEAD FORK_MID FORK_TAIL "\n";

	(void)state;
	assert_true(event_lineview(ok, strlen(ok), &lv));
	assert_int_equal(lv.k.fork.hdr.pid, 7146);
	declined("");
	declined("\n");
	declined("{}");
	declined("not json at all, not even close to it\n");
	/* other types, or a type's members missing */
	declined("{\"seq\":8,\"type\":\"exec\",\"time\":\"t\",\"job_id\":1}\n");
	declined("{\"seq\":8,\"type\":\"verdict\",\"time\":\"t\",\"job_id\":1}\n");
	declined("{\"seq\":8,\"type\":\"forked\",\"time\":\"t\",\"job_id\":1}\n");
	/* a member added, moved, or missing */
	declined(FORK_HEAD FORK_MID "\"x\":1," FORK_TAIL);
	declined(FORK_HEAD "\"pid\":7146,\"ktime_ns\":25647898241811,\"tid\":7146,"
			   "\"start_ns\":25647898227324," FORK_TAIL);
	declined(FORK_HEAD FORK_MID "\"parent_pid\":7145,\"parent_start_ns\":25647889745503}");
	/* numbers json-c reads otherwise, or not at all */
	declined(FORK_HEAD "\"ktime_ns\":-1,\"pid\":7146,\"tid\":7146,\"start_ns\":1," FORK_TAIL);
	declined(FORK_HEAD "\"ktime_ns\":1.5,\"pid\":7146,\"tid\":7146,\"start_ns\":1," FORK_TAIL);
	declined(FORK_HEAD "\"ktime_ns\":1e3,\"pid\":7146,\"tid\":7146,\"start_ns\":1," FORK_TAIL);
	declined(FORK_HEAD "\"ktime_ns\":01,\"pid\":7146,\"tid\":7146,\"start_ns\":1," FORK_TAIL);
	declined(FORK_HEAD "\"ktime_ns\":18446744073709551616,\"pid\":7146,\"tid\":7146,"
			   "\"start_ns\":1," FORK_TAIL);
	declined(FORK_HEAD "\"ktime_ns\":99999999999999999999,\"pid\":7146,\"tid\":7146,"
			   "\"start_ns\":1," FORK_TAIL);
	declined(FORK_HEAD "\"ktime_ns\":,\"pid\":7146,\"tid\":7146,\"start_ns\":1," FORK_TAIL);
	/* an escape in the time, blanks, trailing bytes, a cut line */
	declined("{\"seq\":7,\"type\":\"fork\",\"time\":\"2026\\u002d12\",\"job_id\":1," FORK_MID
		 FORK_TAIL);
	declined("{ \"seq\":7,\"type\":\"fork\",\"time\":\"t\",\"job_id\":1," FORK_MID FORK_TAIL);
	declined(FORK_HEAD FORK_MID FORK_TAIL " \n");
	declined(FORK_HEAD FORK_MID FORK_TAIL "\n\n");
	declined(FORK_HEAD FORK_MID FORK_TAIL "}");
	declined(FORK_HEAD FORK_MID "\"parent_pid\":7145,\"parent_tid\":7145,\"parent_start_ns\":2564");
	declined(FORK_HEAD FORK_MID);
	declined("{\"seq\":7,\"type\":\"fork\",\"time\":\"unterminated");
	/* an exit's wait status in any other shape */
	declined("{\"seq\":9,\"type\":\"exit\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"ppid\":1,\"parent_start_ns\":2,\"comm\":\"x\",\"exit_code\":null,\"signal\":null,"
		 "\"core_dumped\":false}");
	declined("{\"seq\":9,\"type\":\"exit\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"ppid\":1,\"parent_start_ns\":2,\"comm\":\"x\",\"exit_code\":0,\"signal\":9,"
		 "\"core_dumped\":false}");
	declined("{\"seq\":9,\"type\":\"exit\",\"time\":\"t\",\"job_id\":1," FORK_MID
		 "\"ppid\":1,\"parent_start_ns\":2,\"comm\":\"x\",\"exit_code\":0,\"signal\":null,"
		 "\"core_dumped\":true}");
	/* an exec's unread members in a shape the agent does not write */
	declined(EXEC_HEAD "[{\"fd\":0,\"kind\":\"null\",\"x\":1.5}]" EXEC_ENV "}");
	declined(EXEC_HEAD "[{\"fd\":-1}]" EXEC_ENV "}");
	declined(EXEC_HEAD "[{\"fd\":0,}]" EXEC_ENV "}");
	declined(EXEC_HEAD "[[[[[]]]]]" EXEC_ENV "}");
	declined(EXEC_HEAD "[]" ",\"env\":{\"LD_PRELOAD\":\"a\\u0041\"},\"env_truncated\":false}");
	declined(EXEC_HEAD "[]" EXEC_ENV ",\"held\":[\"name\"");
	declined(EXEC_HEAD "[]" EXEC_ENV ",\"job_root\":true}");
	ok = EXEC_HEAD "[]" EXEC_ENV ",\"held\":[\"name\",\"inline\"]}";
	assert_true(event_lineview(ok, strlen(ok), &lv));
	assert_int_equal(lv.k.exec.hdr.pid, 7146);
}

/*
 * Numbers of every length, and strings with a stop at every place, where
 * the reader takes eight bytes at a time and where fewer than eight are
 * left (the number last on its line): each read as strtoull and the JSON
 * reader read it, or declined as they would decline it.
 */
static void number_case(const char *digits, const char *after, bool last)
{
	char line[512];
	struct event_lineview lv;
	bool want = strlen(digits) <= 20 && (digits[0] != '0' || !digits[1]) &&
		    !(strlen(digits) == 20 && strcmp(digits, "18446744073709551615") > 0) &&
		    after[0] != '.' && after[0] != 'e';
	bool got;

	if (last)
		snprintf(line, sizeof(line), FORK_HEAD FORK_MID "\"parent_pid\":7145,"
			 "\"parent_tid\":7145,\"parent_start_ns\":%s%s}", digits, after);
	else
		snprintf(line, sizeof(line), "{\"seq\":%s%s,\"type\":\"fork\",\"time\":\"t\","
			 "\"job_id\":1," FORK_MID FORK_TAIL, digits, after);
	got = event_lineview(line, strlen(line), &lv);
	if (got != want)
		fail_msg("%s: %s", got ? "taken" : "declined", line);
	if (got && strtoull(digits, NULL, 10) != (last ? lv.k.fork.parent_start_ns : lv.seq))
		fail_msg("read otherwise: %s", line);
}

static void test_words(void **state)
{
	static const char *const afters[] = { "", ".5", "e3" };
	char digits[32], line[512], text[64];
	struct event_lineview lv;

	(void)state;
	for (int n = 1; n <= 24; n++) {
		for (int lead = 0; lead < 3; lead++) {
			for (int i = 0; i < n; i++) /* 1234567890..., 9999..., 10000... */
				digits[i] = lead == 0 ? (char)('0' + (i + 1) % 10) :
					    lead == 1 ? '9' : (i ? '0' : '1');
			digits[n] = '\0';
			for (size_t a = 0; a < sizeof(afters) / sizeof(afters[0]); a++) {
				number_case(digits, afters[a], false);
				number_case(digits, afters[a], true);
			}
			digits[0] = '0'; /* a leading zero */
			number_case(digits, "", false);
			number_case(digits, "", true);
		}
	}
	number_case("18446744073709551615", "", false);
	number_case("18446744073709551616", "", true);
	number_case("0", "", true);
	for (int n = 0; n <= 40; n++) {
		for (int at = -1; at < n; at++) {
			for (int bad = 0; bad < 3; bad++) {
				bool want = at < 0;

				memset(text, 'a' + n % 26, (size_t)n);
				text[n] = '\0';
				if (at >= 0)
					text[at] = bad == 0 ? '\\' : bad == 1 ? '\x1f' : '\x01';
				snprintf(line, sizeof(line), "{\"seq\":7,\"type\":\"fork\",\"time\":\"%s\","
					 "\"job_id\":1," FORK_MID FORK_TAIL, text);
				if (event_lineview(line, strlen(line), &lv) != want)
					fail_msg("%s: %s", want ? "declined" : "taken", line);
				/* Unterminated, the string ending the line. */
				snprintf(line, sizeof(line), "{\"seq\":7,\"type\":\"fork\",\"time\":\"%s", text);
				assert_false(event_lineview(line, strlen(line), &lv));
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_escaped),
		cmocka_unit_test(test_exec_failed),
		cmocka_unit_test(test_file_lines),
		cmocka_unit_test(test_privilege_lines),
		cmocka_unit_test(test_same_as_json),
		cmocka_unit_test(test_declined),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
