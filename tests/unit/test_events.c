// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Decoding canned kernel records, rendering them, and the lineage table. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "events/event_json.h"
#include "events/events.h"
#include "events/proctab.h"
#include "events/tree.h"

struct rec {
	union {
		struct bw_exec_event exec;
		char raw[4096];
	};
	size_t size;
};

static void put_part(struct rec *r, size_t *pos, const void *p, size_t n)
{
	memcpy(r->raw + *pos, p, n);
	*pos += n;
}

/* Builds an exec record as the kernel lays it out. */
static void make_exec(struct rec *r, uint32_t pid, uint64_t start, const char *filename,
		      const char *exe, const char *cwd, const char *args, size_t args_len)
{
	size_t pos = offsetof(struct bw_exec_event, data);

	memset(r, 0, sizeof(*r));
	r->exec.hdr.type = BW_EV_EXEC;
	r->exec.hdr.pid = r->exec.hdr.tid = pid;
	r->exec.hdr.start_ns = start;
	r->exec.hdr.job_id = 1;
	r->exec.ppid = 1;
	r->exec.argc = 0;
	strcpy(r->exec.comm, "cc");
	r->exec.filename_len = filename ? strlen(filename) + 1 : 0;
	r->exec.exe_len = exe ? strlen(exe) + 1 : 0;
	r->exec.cwd_len = cwd ? strlen(cwd) + 1 : 0;
	if (filename)
		put_part(r, &pos, filename, r->exec.filename_len);
	if (exe)
		put_part(r, &pos, exe, r->exec.exe_len);
	if (cwd)
		put_part(r, &pos, cwd, r->exec.cwd_len);
	put_part(r, &pos, args, args_len);
	r->exec.args_len = args_len;
	for (size_t i = 0; i < args_len; i++)
		r->exec.argc += args[i] == '\0';
	r->size = r->exec.hdr.size = pos;
}

static void test_decode_exec(void **state)
{
	static const char args[] = "gcc\0-c\0a b.c\0";
	struct bw_event_view v;
	struct rec r;

	make_exec(&r, 42, 1000, "/usr/bin/gcc", "/usr/bin/x86_64-linux-gnu-gcc-12", "/src", args,
		  sizeof(args) - 1);
	assert_int_equal(events_decode(r.raw, r.size, &v), 0);
	assert_int_equal(v.hdr->pid, 42);
	assert_string_equal(v.filename, "/usr/bin/gcc");
	assert_string_equal(v.exe, "/usr/bin/x86_64-linux-gnu-gcc-12");
	assert_string_equal(v.cwd, "/src");
	assert_int_equal(v.args_len, sizeof(args) - 1);
}

static void test_decode_rejects_malformed(void **state)
{
	static const char args[] = "a\0";
	struct bw_event_view v;
	struct rec r;

	make_exec(&r, 1, 1, "/bin/a", "/bin/a", "/", args, 2);
	/* shorter than the header says */
	assert_int_equal(events_decode(r.raw, r.size - 1, &v), -EINVAL);
	/* string length past the end */
	r.exec.cwd_len = 3000;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	/* missing NUL terminator */
	make_exec(&r, 1, 1, "/bin/a", "/bin/a", "/", args, 2);
	r.raw[offsetof(struct bw_exec_event, data) + 6] = 'x';
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	/* unknown type, truncated header */
	make_exec(&r, 1, 1, NULL, NULL, NULL, args, 2);
	r.exec.hdr.type = 99;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	assert_int_equal(events_decode(r.raw, 8, &v), -EINVAL);
	/* a fork record claiming to be smaller than a fork */
	make_exec(&r, 1, 1, NULL, NULL, NULL, args, 2);
	r.exec.hdr.type = BW_EV_FORK;
	r.exec.hdr.size = sizeof(struct bw_event_header);
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
}

static void test_argv_split_truncated_and_empty(void **state)
{
	struct bw_argv a;

	assert_int_equal(argv_split("x\0\0y\0", 5, &a), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[0], "x");
	assert_string_equal(a.v[1], "");
	assert_string_equal(a.v[2], "y");
	assert_null(a.v[3]);
	argv_free(&a);
	/* cut mid-argument: the last one is terminated anyway */
	assert_int_equal(argv_split("one\0tw", 6, &a), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[1], "tw");
	argv_free(&a);
	assert_int_equal(argv_split("", 0, &a), 0);
	assert_int_equal(a.n, 0);
	argv_free(&a);
}

static void test_render_exec_json(void **state)
{
	static const char args[] = "echo\0l1\nl2\0\xff\xfe\0";
	struct bw_clock clk = { 0 };
	struct bw_event_view v;
	struct json_object *o, *argv, *f;
	struct jbuf jb;
	struct rec r;

	make_exec(&r, 7, 99, "./echo", "/usr/bin/echo", NULL, args, sizeof(args) - 1);
	r.exec.flags = BW_EXEC_ARGS_TRUNCATED;
	assert_int_equal(events_decode(r.raw, r.size, &v), 0);
	jbuf_init(&jb);
	event_json_render(&jb, &v, 5, &clk);
	o = json_tokener_parse(jb.buf);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "seq", &f));
	assert_int_equal(json_object_get_int(f), 5);
	assert_true(json_object_object_get_ex(o, "type", &f));
	assert_string_equal(json_object_get_string(f), "exec");
	assert_true(json_object_object_get_ex(o, "cwd", &f));
	assert_null(f);
	assert_true(json_object_object_get_ex(o, "argv_truncated", &f));
	assert_true(json_object_get_boolean(f));
	assert_true(json_object_object_get_ex(o, "argv", &argv));
	assert_int_equal(json_object_array_length(argv), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 1)), "l1\nl2");
	/* the raw text keeps the bytes recoverable */
	assert_non_null(strstr(jb.buf, "\"\\udcff\\udcfe\""));
	json_object_put(o);
	jbuf_free(&jb);
}

static void test_render_exit_signal(void **state)
{
	struct bw_exit_event e = { .hdr = { .type = BW_EV_EXIT, .size = sizeof(e), .pid = 3 } };
	struct bw_clock clk = { 0 };
	struct bw_event_view v;
	struct jbuf jb;

	e.exit_status = 9 | 0x80; /* SIGKILL, core dumped */
	assert_int_equal(events_decode(&e, sizeof(e), &v), 0);
	jbuf_init(&jb);
	event_json_render(&jb, &v, 1, &clk);
	assert_non_null(strstr(jb.buf, "\"exit_code\":null,\"signal\":9,\"core_dumped\":true"));
	jbuf_free(&jb);
}

static void apply(struct bw_proctab *t, const void *rec, size_t size)
{
	struct bw_event_view v;

	assert_int_equal(events_decode(rec, size, &v), 0);
	assert_int_equal(proctab_apply(t, &v), 0);
}

static void fork_rec(struct bw_fork_event *f, uint32_t ppid, uint64_t pstart, uint32_t pid,
		     uint64_t start)
{
	memset(f, 0, sizeof(*f));
	f->hdr.type = BW_EV_FORK;
	f->hdr.size = sizeof(*f);
	f->hdr.pid = pid;
	f->hdr.start_ns = start;
	f->parent_pid = ppid;
	f->parent_start_ns = pstart;
}

static void test_proctab_lineage_and_pid_reuse(void **state)
{
	static const char args[] = "make\0";
	struct bw_proctab t;
	struct bw_fork_event f;
	struct bw_exit_event x = { .hdr = { .type = BW_EV_EXIT, .size = sizeof(x) } };
	struct bw_proc *root, *a, *b;
	struct rec r;

	assert_int_equal(proctab_init(&t), 0);
	make_exec(&r, 100, 10, "/usr/bin/make", "/usr/bin/make", "/", args, sizeof(args) - 1);
	apply(&t, r.raw, r.size);
	fork_rec(&f, 100, 10, 200, 20);
	apply(&t, &f, sizeof(f));
	x.hdr.pid = 200;
	x.hdr.start_ns = 20;
	apply(&t, &x, sizeof(x));
	/* pid 200 is recycled: a new process, with its own parent */
	fork_rec(&f, 100, 10, 300, 30);
	apply(&t, &f, sizeof(f));
	fork_rec(&f, 300, 30, 200, 40);
	apply(&t, &f, sizeof(f));

	root = proctab_find(&t, 100, 10);
	a = proctab_find(&t, 200, 20);
	b = proctab_find(&t, 200, 40);
	assert_non_null(root);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(a->parent, root);
	assert_true(a->exited);
	assert_false(b->exited);
	assert_int_equal(b->parent->pid, 300);
	assert_int_equal(t.count, 4);
	assert_int_equal(t.alive, 3);
	proctab_free(&t);
}

static void test_proctab_prunes_finished_leaves(void **state)
{
	static const char args[] = "make\0";
	struct bw_exit_event x = { .hdr = { .type = BW_EV_EXIT, .size = sizeof(x) } };
	const char *anc[4], *files[4];
	struct bw_fork_event f;
	struct bw_proctab t;
	struct bw_proc *root, *live, *deep;
	struct rec r;
	uint32_t i;

	assert_int_equal(proctab_init(&t), 0);
	t.max_procs = 50;
	make_exec(&r, 1, 1, "/usr/bin/make", "/usr/bin/make", "/", args, sizeof(args) - 1);
	apply(&t, r.raw, r.size);
	/* a live child with a live grandchild: never pruned */
	fork_rec(&f, 1, 1, 2, 2);
	apply(&t, &f, sizeof(f));
	fork_rec(&f, 2, 2, 3, 3);
	apply(&t, &f, sizeof(f));
	for (i = 0; i < 100000; i++) {
		fork_rec(&f, 1, 1, 1000 + i, 1000 + i);
		apply(&t, &f, sizeof(f));
		x.hdr.pid = 1000 + i;
		x.hdr.start_ns = 1000 + i;
		apply(&t, &x, sizeof(x));
		assert_true(t.count <= t.max_procs);
	}
	root = proctab_find(&t, 1, 1);
	live = proctab_find(&t, 2, 2);
	deep = proctab_find(&t, 3, 3);
	assert_non_null(root);
	assert_non_null(live);
	assert_non_null(deep);
	assert_true(root->pruned_children > 99000);
	assert_int_equal(t.pruned, root->pruned_children);
	/* lineage of the live process is intact, exe inherited through the fork */
	assert_int_equal(proctab_ancestry(deep, anc, files, 4), 2);
	assert_string_equal(anc[0], "/usr/bin/make");
	assert_string_equal(anc[1], "/usr/bin/make");
	proctab_free(&t);
}

static void test_proctab_origin_survives_exec_chain(void **state)
{
	static const char env_args[] = "npm\0install\0";
	static const char node_args[] = "node\0/usr/bin/npm\0install\0";
	const char *exes[2], *files[2];
	struct bw_fork_event f;
	struct bw_proctab t;
	struct rec r;

	assert_int_equal(proctab_init(&t), 0);
	/* #!/usr/bin/env node: one process, two execs */
	make_exec(&r, 10, 1, "/usr/bin/npm", "/usr/bin/env", "/", env_args, sizeof(env_args) - 1);
	apply(&t, r.raw, r.size);
	make_exec(&r, 10, 1, "/usr/bin/node", "/usr/bin/node", "/", node_args,
		  sizeof(node_args) - 1);
	apply(&t, r.raw, r.size);
	fork_rec(&f, 10, 1, 11, 2);
	apply(&t, &f, sizeof(f));
	assert_int_equal(proctab_ancestry(proctab_find(&t, 11, 2), exes, files, 2), 1);
	assert_string_equal(exes[0], "/usr/bin/node");
	assert_string_equal(files[0], "/usr/bin/npm");
	proctab_free(&t);
}

static void test_tree_output(void **state)
{
	static const char args[] = "make\0-j2\0";
	static const char cc[] = "cc\0-c\0x.c\0";
	struct bw_fork_event f;
	struct bw_exit_event x = { .hdr = { .type = BW_EV_EXIT, .size = sizeof(x) } };
	struct tree_opts o = { .width = 80, .collapse_min = 3 };
	struct bw_proctab t;
	char *buf = NULL;
	size_t len = 0;
	struct rec r;
	FILE *out;
	int i;

	assert_int_equal(proctab_init(&t), 0);
	make_exec(&r, 100, 10, "/usr/bin/make", "/usr/bin/make", "/", args, sizeof(args) - 1);
	apply(&t, r.raw, r.size);
	for (i = 0; i < 5; i++) {
		fork_rec(&f, 100, 10, 200 + i, 20 + i);
		apply(&t, &f, sizeof(f));
		make_exec(&r, 200 + i, 20 + i, "/usr/bin/cc", "/usr/bin/cc", "/", cc, sizeof(cc) - 1);
		apply(&t, r.raw, r.size);
		x.hdr.pid = 200 + i;
		x.hdr.start_ns = 20 + i;
		apply(&t, &x, sizeof(x));
	}
	out = open_memstream(&buf, &len);
	tree_print(out, &t, &o);
	fclose(out);
	assert_non_null(strstr(buf, "100 make -j2  [still running]"));
	assert_non_null(strstr(buf, "`- cc  (5 runs)  [exit 0, each]"));
	free(buf);
	proctab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_exec),
		cmocka_unit_test(test_decode_rejects_malformed),
		cmocka_unit_test(test_argv_split_truncated_and_empty),
		cmocka_unit_test(test_render_exec_json),
		cmocka_unit_test(test_render_exit_signal),
		cmocka_unit_test(test_proctab_lineage_and_pid_reuse),
		cmocka_unit_test(test_proctab_prunes_finished_leaves),
		cmocka_unit_test(test_proctab_origin_survives_exec_chain),
		cmocka_unit_test(test_tree_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
