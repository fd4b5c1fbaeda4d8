// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Decoding canned kernel records, rendering them, and the lineage table. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "events/event_json.h"
#include "events/events.h"
#include "events/netinfo.h"
#include "events/proctab.h"
#include "events/tree.h"
#include "lib/env_names.h"

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

/*
 * Builds an exec record as the kernel lays it out: stdio_paths[i] non-NULL
 * makes fd i a file with that path; env_len bytes of variables.
 */
static void make_exec_full(struct rec *r, uint32_t pid, uint64_t start, const char *filename,
			   const char *exe, const char *cwd, const char *const *stdio_paths,
			   const char *env, size_t env_len, const char *args, size_t args_len)
{
	size_t pos = offsetof(struct bw_exec_event, data);
	int fd;

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
	for (fd = 0; stdio_paths && fd < 3; fd++) {
		if (!stdio_paths[fd])
			continue;
		r->exec.stdio[fd].kind = BW_STDIO_FILE;
		r->exec.stdio[fd].path_len = strlen(stdio_paths[fd]) + 1;
		put_part(r, &pos, stdio_paths[fd], r->exec.stdio[fd].path_len);
	}
	if (env_len)
		put_part(r, &pos, env, env_len);
	r->exec.env_len = env_len;
	put_part(r, &pos, args, args_len);
	r->exec.args_len = args_len;
	for (size_t i = 0; i < args_len; i++)
		r->exec.argc += args[i] == '\0';
	r->size = r->exec.hdr.size = pos;
}

static void make_exec(struct rec *r, uint32_t pid, uint64_t start, const char *filename,
		      const char *exe, const char *cwd, const char *args, size_t args_len)
{
	make_exec_full(r, pid, start, filename, exe, cwd, NULL, NULL, 0, args, args_len);
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

static const char env2[] = "LD_PRELOAD=/tmp/x.so\0LD_LIBRARY_PATH=\0";

static void test_decode_exec_stdio_env(void **state)
{
	static const char args[] = "cat\0-\0";
	const char *paths[3] = { NULL, "/build/log.txt", NULL };
	struct bw_event_view v;
	struct rec r;

	make_exec_full(&r, 5, 50, "/bin/cat", "/usr/bin/cat", "/src", paths, env2,
		       sizeof(env2) - 1, args, sizeof(args) - 1);
	r.exec.stdio[0].kind = BW_STDIO_PIPE;
	r.exec.stdio[0].id = 4242;
	assert_int_equal(events_decode(r.raw, r.size, &v), 0);
	assert_null(v.stdio_path[0]);
	assert_string_equal(v.stdio_path[1], "/build/log.txt");
	assert_null(v.stdio_path[2]);
	assert_int_equal(v.env_len, sizeof(env2) - 1);
	assert_memory_equal(v.env, env2, sizeof(env2) - 1);
	/* argv still starts where it should */
	assert_int_equal(v.args_len, sizeof(args) - 1);
	assert_memory_equal(v.args, args, sizeof(args) - 1);
	assert_string_equal(v.exe, "/usr/bin/cat");

	assert_string_equal(events_env_get(v.env, v.env_len, "LD_PRELOAD"), "/tmp/x.so");
	assert_string_equal(events_env_get(v.env, v.env_len, "LD_LIBRARY_PATH"), "");
	assert_null(events_env_get(v.env, v.env_len, "LD_AUDIT"));
	assert_null(events_env_get(v.env, v.env_len, "LD_PRELOA"));
	assert_string_equal(events_env_get("LD_AUDIT=a\0LD_AUDIT=b\0", 22, "LD_AUDIT"), "b");

	/* a name the kernel is never asked for (not a JSON key as it is): malformed */
	{
		static const char bad[][24] = { "LD_PRE\\LOAD=/x.so", "LD_\"X=1", "=v", "9LD=1",
						"LD_A B=1" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			make_exec_full(&r, 5, 50, "/bin/cat", "/usr/bin/cat", "/src", paths, bad[i],
				       strlen(bad[i]) + 1, args, sizeof(args) - 1);
			assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
		}
	}
	assert_int_equal(env_name_check("LD_PRELOAD", NULL, 0), 0);
	assert_int_equal(env_name_check("LD_PRE\\LOAD", NULL, 0), -EINVAL);
	assert_int_equal(env_name_check("LD_X-Y", NULL, 0), -EINVAL);

	/* no variables: env is NULL */
	make_exec_full(&r, 5, 50, "/bin/cat", "/usr/bin/cat", "/src", paths, NULL, 0, args,
		       sizeof(args) - 1);
	assert_int_equal(events_decode(r.raw, r.size, &v), 0);
	assert_null(v.env);
	assert_int_equal(v.env_len, 0);
	assert_null(events_env_get(v.env, v.env_len, "LD_PRELOAD"));
}

static void test_decode_exe_deleted(void **state)
{
	static const char args[] = "x\0";
	struct bw_event_view v;
	struct rec r;

	make_exec(&r, 5, 50, "/proc/self/fd/3", "/memfd:payload", "/", args, 2);
	r.exec.flags = BW_EXEC_EXE_DELETED | BW_EXEC_EXE_ANON;
	assert_int_equal(events_decode(r.raw, r.size, &v), 0);
	assert_string_equal(v.exe, "/memfd:payload (deleted)");
	/* the longest exe the kernel sends still fits with the suffix */
	{
		char exe[BW_PATH_MAX];

		memset(exe, 'a', sizeof(exe) - 1);
		exe[0] = '/';
		exe[sizeof(exe) - 1] = '\0';
		make_exec(&r, 5, 50, NULL, exe, NULL, args, 2);
		r.exec.flags = BW_EXEC_EXE_DELETED;
		assert_int_equal(events_decode(r.raw, r.size, &v), 0);
		assert_int_equal(strlen(v.exe), sizeof(exe) - 1 + strlen(" (deleted)"));
	}
	/* not flagged: as sent, even when the name itself says so */
	make_exec(&r, 5, 50, NULL, "/tmp/x (deleted)", NULL, args, 2);
	assert_int_equal(events_decode(r.raw, r.size, &v), 0);
	assert_string_equal(v.exe, "/tmp/x (deleted)");
}

static void test_decode_rejects_malformed_stdio_env(void **state)
{
	static const char args[] = "a\0";
	const char *paths[3] = { "/in", NULL, NULL };
	struct bw_event_view v;
	struct rec r;
	size_t env_at;

#define BUILD(env, len) make_exec_full(&r, 1, 1, "/bin/a", "/bin/a", "/", paths, env, len, args, 2)
	BUILD(env2, sizeof(env2) - 1);
	assert_int_equal(events_decode(r.raw, r.size, &v), 0);
	/* a path on a descriptor that is no file */
	BUILD(env2, sizeof(env2) - 1);
	r.exec.stdio[0].kind = BW_STDIO_PIPE;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	/* a kind the ABI does not know */
	BUILD(env2, sizeof(env2) - 1);
	r.exec.stdio[2].kind = BW_STDIO_OTHER + 1;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	/* a path without its NUL */
	BUILD(env2, sizeof(env2) - 1);
	r.raw[offsetof(struct bw_exec_event, data) + 7 + 7 + 2 + 3] = 'x';
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	/* a path longer than any the kernel sends */
	BUILD(env2, sizeof(env2) - 1);
	r.exec.stdio[0].path_len = BW_PATH_MAX + 1;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	/* path lengths past the record */
	BUILD(NULL, 0);
	r.exec.stdio[0].path_len = 400;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	/* env past the end, longer than BW_ENV_MAX, cut before its NUL */
	BUILD(env2, sizeof(env2) - 1);
	r.exec.env_len = 200;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	BUILD(env2, sizeof(env2) - 1);
	r.exec.env_len = BW_ENV_MAX + 1;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	BUILD(env2, sizeof(env2) - 2); /* the last NUL left out */
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	/* a variable without '=', an empty name, an empty string */
	BUILD("LD_PRELOAD\0", 11);
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	BUILD("=x\0", 3);
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	BUILD("LD_AUDIT=a\0\0", 12);
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	/* a name with '=' in its value is fine */
	BUILD("LD_PRELOAD=a=b\0", 15);
	assert_int_equal(events_decode(r.raw, r.size, &v), 0);
	/* lengths over the kernel's limits */
	BUILD(NULL, 0);
	env_at = r.exec.exe_len;
	r.exec.exe_len = BW_PATH_MAX + 1;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
	r.exec.exe_len = env_at;
	r.exec.args_len = BW_ARGS_MAX + 1;
	assert_int_equal(events_decode(r.raw, r.size, &v), -EINVAL);
#undef BUILD
}

static struct json_object *render_parse(const struct rec *r, struct jbuf *jb)
{
	struct bw_clock clk = { 0 };
	struct bw_event_view v;

	assert_int_equal(events_decode(r->raw, r->size, &v), 0);
	jbuf_init(jb);
	event_json_render(jb, &v, 1, &clk);
	return json_tokener_parse(jb->buf);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return "<absent>";
	return f ? json_object_get_string(f) : "<null>";
}

static void test_render_exec_stdio_env(void **state)
{
	static const char args[] = "sh\0";
	static const char env[] = "LD_PRELOAD=/first.so\0LD_AUDIT=https://u:hunter2@h/a.so\0"
				  "LD_PRELOAD=/second.so\0";
	const char *paths[3] = { NULL, NULL, "/var/log/b.log" };
	struct json_object *o, *arr, *e, *f;
	struct jbuf jb;
	struct rec r;

	make_exec_full(&r, 9, 90, "/proc/self/fd/3", "/memfd:x", "/", paths, env, sizeof(env) - 1,
		       args, sizeof(args) - 1);
	r.exec.flags = BW_EXEC_EXE_DELETED | BW_EXEC_EXE_ANON | BW_EXEC_ENV_TRUNCATED;
	r.exec.stdio[0] = (struct bw_stdio){ .kind = BW_STDIO_SOCKET, .family = 2, .port = 4444,
					     .id = 77, .mode = BW_STDIO_READ | BW_STDIO_WRITE,
					     .addr = { 127, 0, 0, 1 } };
	r.exec.stdio[1] = (struct bw_stdio){ .kind = BW_STDIO_PIPE, .id = 123,
					     .mode = BW_STDIO_WRITE };
	r.exec.stdio[2].id = 5;
	r.exec.stdio[2].mode = BW_STDIO_WRITE;
	o = render_parse(&r, &jb);
	assert_non_null(o);
	assert_string_equal(jstr(o, "exe"), "/memfd:x (deleted)");
	assert_true(json_object_object_get_ex(o, "stdio", &arr));
	assert_int_equal(json_object_array_length(arr), 3);
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(jstr(e, "kind"), "socket");
	assert_string_equal(jstr(e, "family"), "inet");
	assert_string_equal(jstr(e, "peer"), "127.0.0.1:4444");
	assert_string_equal(jstr(e, "mode"), "rw");
	assert_string_equal(jstr(e, "id"), "77");
	assert_string_equal(jstr(e, "fd"), "0");
	e = json_object_array_get_idx(arr, 1);
	assert_string_equal(jstr(e, "kind"), "pipe");
	assert_string_equal(jstr(e, "id"), "123");
	assert_string_equal(jstr(e, "mode"), "w");
	e = json_object_array_get_idx(arr, 2);
	assert_string_equal(jstr(e, "kind"), "file");
	assert_string_equal(jstr(e, "path"), "/var/log/b.log");
	/* the loader's view: the last LD_PRELOAD; a secret in a value masked */
	assert_true(json_object_object_get_ex(o, "env", &e));
	assert_int_equal(json_object_object_length(e), 2);
	assert_string_equal(jstr(e, "LD_PRELOAD"), "/second.so");
	assert_null(strstr(jstr(e, "LD_AUDIT"), "hunter2"));
	assert_true(json_object_object_get_ex(o, "env_truncated", &f));
	assert_true(json_object_get_boolean(f));
	json_object_put(o);
	jbuf_free(&jb);

	/* none, tty, null, other devices; IPv6 peers; an unconnected socket */
	make_exec(&r, 9, 90, "/bin/sh", "/bin/sh", "/", args, sizeof(args) - 1);
	r.exec.stdio[0] = (struct bw_stdio){ .kind = BW_STDIO_TTY, .rdev = (136u << 20) | 3,
					     .mode = BW_STDIO_READ, .id = 6 };
	r.exec.stdio[1] = (struct bw_stdio){ .kind = BW_STDIO_SOCKET, .family = 10, .port = 80,
					     .addr = { [15] = 1 } };
	o = render_parse(&r, &jb);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "stdio", &arr));
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(jstr(e, "kind"), "tty");
	assert_string_equal(jstr(e, "rdev"), "136:3");
	e = json_object_array_get_idx(arr, 1);
	assert_string_equal(jstr(e, "family"), "inet6");
	assert_string_equal(jstr(e, "peer"), "[::1]:80");
	e = json_object_array_get_idx(arr, 2);
	assert_string_equal(jstr(e, "kind"), "none");
	assert_string_equal(jstr(e, "id"), "<absent>");
	assert_true(json_object_object_get_ex(o, "env", &e));
	assert_int_equal(json_object_object_length(e), 0);
	assert_string_equal(jstr(o, "exe"), "/bin/sh");
	json_object_put(o);
	jbuf_free(&jb);

	make_exec(&r, 9, 90, "/bin/sh", "/bin/sh", "/", args, sizeof(args) - 1);
	r.exec.stdio[0] = (struct bw_stdio){ .kind = BW_STDIO_NULL, .rdev = (1u << 20) | 3 };
	r.exec.stdio[1] = (struct bw_stdio){ .kind = BW_STDIO_SOCKET, .family = 2 };
	r.exec.stdio[2] = (struct bw_stdio){ .kind = BW_STDIO_SOCKET, .family = 1 };
	o = render_parse(&r, &jb);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "stdio", &arr));
	assert_string_equal(jstr(json_object_array_get_idx(arr, 0), "kind"), "null");
	assert_string_equal(jstr(json_object_array_get_idx(arr, 0), "rdev"), "1:3");
	assert_string_equal(jstr(json_object_array_get_idx(arr, 0), "mode"), "");
	assert_string_equal(jstr(json_object_array_get_idx(arr, 1), "peer"), "<null>");
	assert_string_equal(jstr(json_object_array_get_idx(arr, 2), "family"), "unix");
	assert_string_equal(jstr(json_object_array_get_idx(arr, 2), "peer"), "<absent>");
	json_object_put(o);
	jbuf_free(&jb);

	/* the widest device numbers: a 12-bit major, a 20-bit minor */
	r.exec.stdio[0] = (struct bw_stdio){ .kind = BW_STDIO_OTHER, .rdev = 0xffffffffu };
	o = render_parse(&r, &jb);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "stdio", &arr));
	assert_string_equal(jstr(json_object_array_get_idx(arr, 0), "rdev"), "4095:1048575");
	json_object_put(o);
	jbuf_free(&jb);
}

/* A file record: path, then path2, NUL-terminated; cwd "/w". */
static size_t make_file(char *buf, uint32_t op, uint32_t open_flags, uint32_t flags,
			const char *path, const char *path2)
{
	struct bw_file_event *e = (void *)buf;
	size_t pos = offsetof(struct bw_file_event, data);

	memset(buf, 0, 1024);
	e->hdr.type = BW_EV_FILE;
	e->op = op;
	e->open_flags = open_flags;
	e->flags = flags;
	e->dirfd = -100;
	e->path_len = strlen(path) + 1;
	memcpy(buf + pos, path, e->path_len);
	pos += e->path_len;
	if (path2) {
		e->path2_len = strlen(path2) + 1;
		memcpy(buf + pos, path2, e->path2_len);
		pos += e->path2_len;
	}
	e->cwd_len = 3;
	memcpy(buf + pos, "/w", 3);
	pos += 3;
	e->hdr.size = pos;
	return pos;
}

static struct json_object *netinfo_parse(const void *rec, size_t size, struct netinfo *ni,
					 struct jbuf *jb)
{
	struct dns_cache c = { 0 };
	struct bw_event_view v;

	assert_int_equal(events_decode(rec, size, &v), 0);
	netinfo_decode(ni, &v, &c);
	jbuf_init(jb);
	json_obj_open(jb);
	netinfo_json(jb, ni, &v);
	json_obj_close(jb);
	return json_tokener_parse(jb->buf);
}

/* A link's two names resolved against the cwd; a symlink's target kept as given. */
static void test_netinfo_links(void **state)
{
	static struct netinfo ni;
	struct json_object *o;
	struct jbuf jb;
	char buf[1024];
	size_t n;

	(void)state;
	n = make_file(buf, BW_FILE_LINK, 0, 0, "src/a.c", "../b/a-hard.c");
	o = netinfo_parse(buf, n, &ni, &jb);
	assert_non_null(o);
	assert_string_equal(jstr(o, "op"), "link");
	assert_string_equal(jstr(o, "path"), "/w/src/a.c");
	assert_string_equal(jstr(o, "path2"), "/b/a-hard.c");
	assert_string_equal(jstr(o, "target"), "<absent>");
	assert_null(ni.info.file.link_target);
	json_object_put(o);
	jbuf_free(&jb);

	n = make_file(buf, BW_FILE_SYMLINK, 0, 0, ".config/systemd/user/x.service",
		      "../../../x.service");
	o = netinfo_parse(buf, n, &ni, &jb);
	assert_non_null(o);
	assert_string_equal(jstr(o, "op"), "symlink");
	assert_string_equal(jstr(o, "path"), "/w/.config/systemd/user/x.service");
	assert_string_equal(jstr(o, "path2"), "<null>");
	assert_string_equal(jstr(o, "target"), "../../../x.service");
	assert_null(ni.info.file.path2);
	assert_string_equal(ni.info.file.link_target, "../../../x.service");
	json_object_put(o);
	jbuf_free(&jb);
}

/* An open for appending only, and one that truncates or may overwrite. */
static void test_netinfo_append(void **state)
{
	static struct netinfo ni;
	struct json_object *o;
	struct jbuf jb;
	char buf[1024];
	size_t n;
	static const struct {
		uint32_t flags;
		bool append;
	} cases[] = {
		{ O_WRONLY | O_APPEND | O_CREAT, true },
		{ O_WRONLY | O_APPEND | O_TRUNC, false },
		{ O_WRONLY | O_TRUNC | O_CREAT, false },
		{ O_WRONLY | O_CREAT, false },
		{ O_RDWR, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = make_file(buf, BW_FILE_OPEN, cases[i].flags, BW_FILE_WRITE, "/var/log/x.log",
			      NULL);
		o = netinfo_parse(buf, n, &ni, &jb);
		assert_non_null(o);
		assert_int_equal(ni.info.file.append, cases[i].append);
		json_object_put(o);
		jbuf_free(&jb);
	}
	/* an open for reading is no append, whatever its flags */
	n = make_file(buf, BW_FILE_OPEN, O_RDONLY | O_APPEND, 0, "/var/log/x.log", NULL);
	o = netinfo_parse(buf, n, &ni, &jb);
	assert_false(ni.info.file.append);
	json_object_put(o);
	jbuf_free(&jb);
}

/* A connect refused: the distinct ports of its address refused to the job so far. */
static void test_netinfo_refused_ports(void **state)
{
	static struct netinfo ni;
	struct dns_job_state st = { 0 };
	struct resolvers r = { 0 };
	struct dns_cache c = { 0 };
	struct bw_connect_event e;
	struct bw_event_view v;
	static const struct {
		uint8_t host;
		uint16_t port;
		int ret;
		uint32_t want;
	} seq[] = {
		{ 1, 22, -ECONNREFUSED, 1 },   { 1, 22, -ECONNREFUSED, 1 }, /* a retry */
		{ 1, 23, -ECONNREFUSED, 2 },   { 1, 80, 0, 0 },             /* open: not counted */
		{ 1, 81, -EINPROGRESS, 0 },    { 2, 22, -ECONNREFUSED, 1 }, /* another host */
		{ 1, 8080, -ECONNREFUSED, 3 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.hdr.type = BW_EV_CONNECT;
		e.hdr.size = sizeof(e);
		e.family = AF_INET;
		e.addr[0] = 10;
		e.addr[3] = seq[i].host;
		e.port = seq[i].port;
		e.ret = seq[i].ret;
		e.sock_type = SOCK_STREAM;
		assert_int_equal(events_decode(&e, sizeof(e), &v), 0);
		netinfo_decode(&ni, &v, &c);
		netinfo_dns_context(&ni, &v, &r, &st);
		assert_int_equal(ni.info.connect.refused_ports, seq[i].want);
	}
	dns_job_state_free(&st);
}

static void test_netinfo_chmod_setxattr_process_vm(void **state)
{
	static struct netinfo ni;
	struct bw_priv_event pe = { .hdr = { .type = BW_EV_PRIV, .size = sizeof(pe) } };
	struct json_object *o;
	struct jbuf jb;
	char buf[1024];
	size_t n;

	n = make_file(buf, BW_FILE_CHMOD, 04755, 0, "bin/tool", NULL);
	o = netinfo_parse(buf, n, &ni, &jb);
	assert_non_null(o);
	assert_string_equal(jstr(o, "op"), "chmod");
	assert_string_equal(jstr(o, "mode"), "4755");
	assert_string_equal(jstr(o, "path"), "/w/bin/tool");
	assert_string_equal(ni.info.file.op, "chmod");
	assert_int_equal(ni.info.file.mode, 04755);
	assert_null(ni.info.file.xattr);
	json_object_put(o);
	jbuf_free(&jb);

	n = make_file(buf, BW_FILE_SETXATTR, 0, BW_FILE_RESOLVED, "/usr/local/bin/t",
		      "security.capability");
	o = netinfo_parse(buf, n, &ni, &jb);
	assert_non_null(o);
	assert_string_equal(jstr(o, "op"), "setxattr");
	assert_string_equal(jstr(o, "name"), "security.capability");
	assert_string_equal(jstr(o, "path2"), "<null>");
	assert_string_equal(jstr(o, "mode"), "<absent>");
	assert_string_equal(ni.info.file.xattr, "security.capability");
	assert_null(ni.info.file.path2);
	assert_int_equal(ni.info.file.mode, 0);
	json_object_put(o);
	jbuf_free(&jb);

	pe.op = BW_PRIV_VM_ACCESS;
	pe.args[0] = 1;
	pe.target_pid = 77;
	o = netinfo_parse(&pe, sizeof(pe), &ni, &jb);
	assert_non_null(o);
	assert_string_equal(jstr(o, "op"), "process-vm");
	assert_string_equal(jstr(o, "write"), "true");
	assert_string_equal(jstr(o, "target_pid"), "77");
	assert_string_equal(ni.info.priv.op, "process-vm");
	assert_int_equal(ni.info.priv.target_pid, 77);
	json_object_put(o);
	jbuf_free(&jb);
	pe.args[0] = 0;
	o = netinfo_parse(&pe, sizeof(pe), &ni, &jb);
	assert_string_equal(jstr(o, "write"), "false");
	json_object_put(o);
	jbuf_free(&jb);
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
	assert_null(strstr(jb.buf, "stdout_pipe"));
	/* a fork that ran no program says which pipe it wrote */
	e.stdout_pipe = 4026532;
	assert_int_equal(events_decode(&e, sizeof(e), &v), 0);
	jbuf_reset(&jb);
	event_json_render(&jb, &v, 2, &clk);
	assert_non_null(strstr(jb.buf, "\"core_dumped\":true,\"stdout_pipe\":4026532}"));
	jbuf_free(&jb);
}

/* The "time" field of a record stamped ktime_ns, as gmtime_r and snprintf write it. */
static void expect_time(const struct bw_clock *clk, uint64_t ktime_ns)
{
	int64_t ns = (int64_t)ktime_ns + clk->realtime_minus_mono_ns;
	time_t sec = (time_t)(ns / 1000000000LL);
	char want[96], got[64];
	struct jbuf jb;
	struct tm tm;
	const char *t;

	gmtime_r(&sec, &tm);
	snprintf(want, sizeof(want), "\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ\"",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long long)(ns % 1000000000LL));
	jbuf_init(&jb);
	event_json_begin(&jb, 1, "exec", ktime_ns, 1, clk);
	t = strstr(jb.buf, "\"time\":");
	assert_non_null(t);
	snprintf(got, sizeof(got), "%.*s", (int)strlen(want), t);
	assert_string_equal(got, want);
	jbuf_free(&jb);
}

/* Times within one second share its formatted date; every field still moves. */
static void test_render_time(void **state)
{
	struct bw_clock clk = { .realtime_minus_mono_ns = 1764806399LL * 1000000000LL };
	static const uint64_t ks[] = {
		0, 1, 999999999, 1000000000, 1000000007, 5, 86400ULL * 1000000000ULL + 42,
		86400ULL * 1000000000ULL + 999999999, 400ULL * 86400 * 1000000000ULL, 123456789,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++)
		expect_time(&clk, ks[i]);
	clk.realtime_minus_mono_ns = 0;
	expect_time(&clk, 1000000000ULL * 3600 + 17);
	expect_time(&clk, 1000000000ULL * 3600 + 18);
}

/*
 * The header is written in one go when it can be and member by member when
 * not (a type name over 32 bytes, a time before 1970): both give the same
 * text, and a fork's header holds every field exactly, extremes included.
 */
static void test_render_header_paths_agree(void **state)
{
	static const uint64_t vals[] = { 0, 9, 10, 99, 100, 12345, 4294967295ULL,
					 18446744073709551615ULL };
	const char *t32 = "abcdefghijklmnopqrstuvwxyz012345", *t33 = "abcdefghijklmnopqrstuvwxyz0123456";
	struct bw_clock clk = { .realtime_minus_mono_ns = 1764806399LL * 1000000000LL };
	char want[512], *cut;
	struct bw_fork_event f = { .hdr = { .type = BW_EV_FORK, .size = sizeof(f) } };
	struct bw_event_view v = { .hdr = &f.hdr, .fork = &f };
	struct jbuf a, b;

	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint64_t x = vals[i], y = vals[(i + 3) % 8];

		jbuf_init(&a);
		jbuf_init(&b);
		event_json_begin(&a, x, t32, y % 4000000000000000000ULL, y, &clk);
		event_json_begin(&b, x, t33, y % 4000000000000000000ULL, y, &clk);
		json_obj_close(&a);
		json_obj_close(&b);
		cut = strstr(b.buf, t33);
		assert_non_null(cut);
		memmove(cut + 32, cut + 33, strlen(cut + 33) + 1); /* the same type length */
		assert_string_equal(a.buf, b.buf);
		jbuf_free(&b);
		/* a fork: the process's ids after job_id */
		f.hdr.pid = (uint32_t)x;
		f.hdr.tid = (uint32_t)y;
		f.hdr.start_ns = x;
		f.hdr.ktime_ns = y % 4000000000000000000ULL;
		f.hdr.job_id = y;
		jbuf_reset(&a);
		event_json_render(&a, &v, x, &clk);
		cut = strstr(a.buf, ",\"job_id\":");
		assert_non_null(cut);
		snprintf(want, sizeof(want),
			 ",\"job_id\":%llu,\"ktime_ns\":%llu,\"pid\":%u,\"tid\":%u,\"start_ns\":%llu,"
			 "\"parent_pid\":0,\"parent_tid\":0,\"parent_start_ns\":0}",
			 (unsigned long long)y, (unsigned long long)(y % 4000000000000000000ULL),
			 (uint32_t)x, (uint32_t)y, (unsigned long long)x);
		assert_string_equal(cut, want);
		snprintf(want, sizeof(want), "{\"seq\":%llu,\"type\":\"fork\",\"time\":\"",
			 (unsigned long long)x);
		assert_memory_equal(a.buf, want, strlen(want));
		jbuf_free(&a);
	}
	/* a time past what the clocks add up to (a crafted record's): rendered, not overflowed */
	jbuf_init(&a);
	event_json_begin(&a, 1, "exec", 9223372036854775807ULL, 1, &clk);
	json_obj_close(&a);
	assert_non_null(strstr(a.buf, ",\"time\":\"1970-01-01T00:00:00."));
	jbuf_free(&a);
	/* before 1970: the member-by-member writer's own time text, both ways */
	clk.realtime_minus_mono_ns = -2000000000LL;
	jbuf_init(&a);
	jbuf_init(&b);
	event_json_begin(&a, 1, t32, 5, 1, &clk);
	event_json_begin(&b, 1, t33, 5, 1, &clk);
	cut = strstr(b.buf, t33);
	memmove(cut + 32, cut + 33, strlen(cut + 33) + 1);
	assert_string_equal(a.buf, b.buf);
	jbuf_free(&a);
	jbuf_free(&b);
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
	t.max_exited = 50;
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
		/* the finished ones it keeps, and the three that run */
		assert_true(t.count <= t.max_exited + 3);
	}
	root = proctab_find(&t, 1, 1);
	live = proctab_find(&t, 2, 2);
	deep = proctab_find(&t, 3, 3);
	assert_non_null(root);
	assert_non_null(live);
	assert_non_null(deep);
	assert_true(root->pruned_children > 99000);
	assert_int_equal(t.pruned, root->pruned_children);
	/* held at most: what it keeps, not what has run */
	assert_true(t.peak <= t.max_exited + 4);
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

/*
 * A child that runs what its parent runs, where it runs, shares the
 * parent's strings; one that runs something else has its own; and a
 * shared string outlives the process that made it (the sanitizer build
 * and valgrind would see a string freed while another still holds it).
 */
static void test_proctab_shares_strings(void **state)
{
	static const char args[] = "make\0";
	struct bw_exit_event x = { .hdr = { .type = BW_EV_EXIT, .size = sizeof(x) } };
	struct bw_fork_event f;
	struct bw_proctab t;
	struct bw_proc *root, *same, *other;
	struct rec r;

	assert_int_equal(proctab_init(&t), 0);
	t.max_exited = 0; /* an exited leaf is dropped at once */
	make_exec(&r, 1, 1, "/usr/bin/make", "/usr/bin/make", "/src", args, sizeof(args) - 1);
	apply(&t, r.raw, r.size);
	fork_rec(&f, 1, 1, 2, 2);
	apply(&t, &f, sizeof(f));
	make_exec(&r, 2, 2, "/usr/bin/make", "/usr/bin/make", "/src", args, sizeof(args) - 1);
	apply(&t, r.raw, r.size);
	fork_rec(&f, 2, 2, 3, 3);
	apply(&t, &f, sizeof(f));
	make_exec(&r, 3, 3, "/bin/sh", "/usr/bin/dash", "/src/lib", args, sizeof(args) - 1);
	apply(&t, r.raw, r.size);
	root = proctab_find(&t, 1, 1);
	same = proctab_find(&t, 2, 2);
	other = proctab_find(&t, 3, 3);
	assert_ptr_equal(same->filename, root->filename);
	assert_ptr_equal(same->origin, root->filename);
	assert_ptr_equal(same->exe, root->exe);
	assert_ptr_equal(same->cwd, root->cwd);
	assert_ptr_not_equal(other->filename, same->filename);
	assert_ptr_not_equal(other->cwd, same->cwd);
	assert_string_equal(other->filename, "/bin/sh");
	assert_string_equal(other->exe, "/usr/bin/dash");
	assert_string_equal(other->cwd, "/src/lib");
	/* the root execs something else and ends; its first strings live on in 2 */
	make_exec(&r, 1, 1, "/usr/bin/gcc", "/usr/bin/gcc-12", "/", args, sizeof(args) - 1);
	apply(&t, r.raw, r.size);
	assert_string_equal(root->filename, "/usr/bin/gcc");
	assert_string_equal(root->origin, "/usr/bin/make");
	x.hdr.pid = 3;
	x.hdr.start_ns = 3;
	apply(&t, &x, sizeof(x));
	assert_null(proctab_find(&t, 3, 3));
	assert_string_equal(same->filename, "/usr/bin/make");
	assert_string_equal(same->exe, "/usr/bin/make");
	assert_string_equal(same->cwd, "/src");
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
		cmocka_unit_test(test_decode_exec_stdio_env),
		cmocka_unit_test(test_decode_exe_deleted),
		cmocka_unit_test(test_decode_rejects_malformed_stdio_env),
		cmocka_unit_test(test_render_exec_stdio_env),
		cmocka_unit_test(test_netinfo_chmod_setxattr_process_vm),
		cmocka_unit_test(test_netinfo_links),
		cmocka_unit_test(test_netinfo_append),
		cmocka_unit_test(test_netinfo_refused_ports),
		cmocka_unit_test(test_argv_split_truncated_and_empty),
		cmocka_unit_test(test_render_exec_json),
		cmocka_unit_test(test_render_exit_signal),
		cmocka_unit_test(test_render_time),
		cmocka_unit_test(test_render_header_paths_agree),
		cmocka_unit_test(test_proctab_lineage_and_pid_reuse),
		cmocka_unit_test(test_proctab_prunes_finished_leaves),
		cmocka_unit_test(test_proctab_origin_survives_exec_chain),
		cmocka_unit_test(test_proctab_shares_strings),
		cmocka_unit_test(test_tree_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
