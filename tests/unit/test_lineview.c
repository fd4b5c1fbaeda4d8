// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fork and exit lines read back without JSON objects (events/event_lineview.c):
 * every line the agent renders comes back as the record it rendered, with
 * what the JSON reader fills in; every other shape (another type, members
 * reordered or added, escapes, numbers json-c reads otherwise, a cut line)
 * is declined, for the JSON reader to take.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "events/event_json.h"
#include "events/event_lineview.h"
#include "events/event_read.h"
#include "lib/json_out.h"

/* The line event_json_render writes for v (a newline appended), in buf. */
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
#define FORK_MID "\"ktime_ns\":25647898241811,\"pid\":7146,\"tid\":7146,\"start_ns\":25647898227324,"

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
	/* other types */
	declined("{\"seq\":8,\"type\":\"exec\",\"time\":\"t\",\"job_id\":1}\n");
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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_same_as_json),
		cmocka_unit_test(test_declined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
