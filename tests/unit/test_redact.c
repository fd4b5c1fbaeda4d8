// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Secret redaction (docs/REDACTION.md): every secret shape, the value after
 * a separate --password argument, clean strings untouched, no false
 * positives on ordinary build command lines, the --no-redact switch, and
 * the places output goes through it (exec records, the tree's command line).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "events/event_json.h"
#include "events/events.h"
#include "events/proctab.h"
#include "lib/redact.h"
#include "events/tree.h"

#define GHP "ghp_" "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
#define NPM "npm_" "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"

static char *masked(const char *s, const char *prev)
{
	static char out[8192];
	size_t len = redact_copy(s, strlen(s), prev, out, sizeof(out));

	assert_true(len < sizeof(out));
	assert_int_equal(strlen(out), len);
	return out;
}

/* in -> want, and want is a fixed point (a saved log redacts to itself). */
static void check(const char *in, const char *prev, const char *want)
{
	char first[8192];

	strcpy(first, masked(in, prev));
	if (strcmp(first, want)) {
		print_error("in:   '%s' (prev '%s')\nwant: '%s'\ngot:  '%s'\n", in,
			    prev ? prev : "(none)", want, first);
		fail();
	}
	assert_int_equal(redact_needed(in, strlen(in), prev), strcmp(in, want) != 0);
	assert_string_equal(masked(first, prev), want);
}

static void clean(const char *in)
{
	check(in, NULL, in);
}

static void test_url_userinfo(void **state)
{
	check("https://user:pass@host/x", NULL, "https://user:***@host/x");
	check("git clone https://x-access-token:s3cr3t@github.com/o/r.git", NULL,
	      "git clone https://x-access-token:***@github.com/o/r.git");
	check("postgres://app:p%40ss@db:5432/app", NULL, "postgres://app:***@db:5432/app");
	check("\"http://u:p@proxy:3128\"", NULL, "\"http://u:***@proxy:3128\"");
	/* a password with '@': the last one ends it */
	check("https://u:a@b@host/", NULL, "https://u:***@host/");
	clean("https://user@host/x");
	clean("ssh://git@github.com/o/r");
	clean("https://registry.npmjs.org/@scope/pkg");
	clean("https://host:8443/path");
	clean("https://u:@host/");
}

static void test_authorization_headers(void **state)
{
	check("Authorization: Bearer eyJhbGciOi.xyz.abc", NULL, "Authorization: Bearer ***");
	check("authorization: Basic dXNlcjpwYXNz", NULL, "authorization: Basic ***");
	check("Proxy-Authorization: Basic Zm9vOmJhcg==", NULL, "Proxy-Authorization: Basic ***");
	check("Authorization: rawtoken", NULL, "Authorization: ***");
	check("curl -H 'Authorization: token abc123' https://api.github.com", NULL,
	      "curl -H 'Authorization: token ***' https://api.github.com");
	check("curl -H \"Authorization: Bearer $T\" x", NULL,
	      "curl -H \"Authorization: Bearer ***\" x");
	check("http.extraheader=AUTHORIZATION: basic eC1hY2Nlc3M=", NULL,
	      "http.extraheader=AUTHORIZATION: basic ***");
	check("X-API-Key: abc", NULL, "X-API-Key: ***");
	check("PRIVATE-TOKEN: glx", NULL, "PRIVATE-TOKEN: ***");
	clean("Content-Type: application/json");
	clean("Accept: */*");
	clean("Authorization:");
}

static void test_flags_with_equals(void **state)
{
	static const char *const names[] = {
		"password", "passwd", "token", "secret", "api-key", "apikey", "access-key",
		"private-key", "PASSWORD", "Api-Key", "api_key", "client-secret", "db-password",
		"auth-token", "passphrase",
	};
	char in[128], want[128];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(in, sizeof(in), "--%s=hunter2", names[i]);
		snprintf(want, sizeof(want), "--%s=***", names[i]);
		check(in, NULL, want);
	}
	check("--password=\"a b c\"", NULL, "--password=\"***\"");
	check("mysql --password=x -h db", NULL, "mysql --password=*** -h db");
	check("sh -c 'tool --token=abc'", NULL, "sh -c 'tool --token=***'");
	/* the separate form inside one string (sh -c) */
	check("mysql --password hunter2 -h db", NULL, "mysql --password *** -h db");
	check("x --api-key 'k e y' y", NULL, "x --api-key '***' y");
	clean("--password-stdin");
	clean("--password-file=/run/secrets/pw");
	clean("--token-file=/tmp/t");
	clean("--no-password");
	clean("--max-tokens=5");
	clean("--with-secret-store=no");
	clean("--enable-token-auth");
	clean("--password=");
	clean("--password");
}

static void test_flag_value_in_next_argument(void **state)
{
	check("hunter2", "--password", "***");
	check("abc", "--TOKEN", "***");
	check("abc", "--api-key", "***");
	check("abc", "--client_secret", "***");
	check("has spaces and ghp_", "--secret", "***");
	check("", "--password", "");
	/* only long flags, only the exact name, only without '=' */
	clean("hunter2");
	check("hunter2", "-p", "hunter2");
	check("hunter2", "--password=x", "hunter2");
	check("hunter2", "--password-file", "hunter2");
	check("-h", "--no-password", "-h");
	check("hunter2", "--pass", "hunter2");
	check("hunter2", "x --password", "hunter2");
}

static void test_assignments(void **state)
{
	check("PASSWORD=x", NULL, "PASSWORD=***");
	check("GITHUB_TOKEN=abc git push", NULL, "GITHUB_TOKEN=*** git push");
	check("export NPM_TOKEN=abc; npm publish", NULL, "export NPM_TOKEN=*** npm publish");
	check("PGPASSWORD=pw psql -h db", NULL, "PGPASSWORD=*** psql -h db");
	check("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", NULL, "AWS_SECRET_ACCESS_KEY=***");
	check("DB_PASS=pw", NULL, "DB_PASS=***");
	check("MY_SECRET=s API_KEY=k", NULL, "MY_SECRET=*** API_KEY=***");
	check("sh -c \"FOO_TOKEN='a b' ./x\"", NULL, "sh -c \"FOO_TOKEN='***' ./x\"");
	check("docker run -e \"NPM_TOKEN=abc\" img", NULL, "docker run -e \"NPM_TOKEN=***\" img");
	check("--env=CI_JOB_TOKEN=abc", NULL, "--env=CI_JOB_TOKEN=***");
	check("-Dspring.datasource.password=s3cret", NULL, "-Dspring.datasource.password=***");
	check("https://h/api?access_token=abc&page=2", NULL, "https://h/api?access_token=***&page=2");
	check("\"https://s3/b/k?X-Amz-Signature=abcd\"", NULL, "\"https://s3/b/k?X-Amz-Signature=***\"");
	check("https://h/x?private_token=t#frag", NULL, "https://h/x?private_token=***#frag");
	/* a name ending in each word, either case: the quick look at its last letter */
	static const char *const words[] = { "password", "passwd", "passphrase", "secret",
					     "token", "apikey", "api_key", "access_key",
					     "private_key", "secret_key", "pass" };
	char in[64], want[64];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		for (int upper = 0; upper < 2; upper++) {
			int n = snprintf(in, sizeof(in), "my_%s=v", words[i]);

			for (int k = 0; upper && k < n; k++)
				in[k] = (char)toupper((unsigned char)in[k]);
			snprintf(want, sizeof(want), "%.*s=***", n - 2, in);
			check(in, NULL, want);
		}
	}
	check("https://b/c?sig=abc&x=1", NULL, "https://b/c?sig=***&x=1");
	check("https://b/c?SIG=abc", NULL, "https://b/c?SIG=***");
	check("https://b/c?x_signature=abc", NULL, "https://b/c?x_signature=***");
	clean("HAVE_CONFIG_H=1 CFLAGS=-O2 PATH=/bin:/usr/bin");
}

static void test_token_shapes(void **state)
{
	check(GHP, NULL, "ghp_***");
	check("gho_aBcDeFgHiJkLmNoPqRsTuV", NULL, "gho_***");
	check("ghu_aBcDeFgHiJkLmNoPqRsTuV", NULL, "ghu_***");
	check("ghs_aBcDeFgHiJkLmNoPqRsTuV", NULL, "ghs_***");
	check("ghr_aBcDeFgHiJkLmNoPqRsTuV", NULL, "ghr_***");
	check("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", NULL, "github_pat_***");
	check("AKIAIOSFODNN7EXAMPLE", NULL, "AKIA***");
	check("ASIAIOSFODNN7EXAMPLE", NULL, "ASIA***");
	check("aws_access_key_id=AKIAIOSFODNN7EXAMPLE", NULL, "aws_access_key_id=AKIA***");
	check("xoxb-1234567890-0987654321-AbCdEfGhIjKl", NULL, "xoxb-***");
	check("xoxp-1234567890-abc", NULL, "xoxp-***");
	/* the shortest token, and what the quick look before the scan lets through */
	check("xoxp-1234567890", NULL, "xoxp-***");
	check("xoxp-123456789", NULL, "xoxp-123456789");
	check("-DHAVE_UNISTD_H -O2 -I../include", NULL, "-DHAVE_UNISTD_H -O2 -I../include");
	check("a--password x", NULL, "a--password x");
	check("x --password hunter2", NULL, "x --password ***");
	check("glpat-aBcDeFgHiJkLmNoPqRsT", NULL, "glpat-***");
	check(NPM, NULL, "npm_***");
	check("AIzaSyA1234567890abcdefghijklmnopqrstu", NULL, "AIza***");
	/* a token after bytes that start no prefix (g, n, x and A in paths), and
	 * a prefix with too little room left for its shape */
	clean("/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus");
	check("/opt/gnu-x86/Ax gnu-xox npm " GHP, NULL, "/opt/gnu-x86/Ax gnu-xox npm ghp_***");
	check("/nix/AIza " NPM, NULL, "/nix/AIza npm_***");
	clean("path/to/xoxb-123456789");
	clean("/some/long/dir/ghp_aBcDeFgHiJkLmNoPqRs");
	/* anywhere in a string, several at once, and in a macro definition */
	check("git push https://" GHP "@github.com/o/r", NULL,
	      "git push https://ghp_***@github.com/o/r");
	check("echo " GHP " AKIAIOSFODNN7EXAMPLE", NULL, "echo ghp_*** AKIA***");
	check("-DTOKEN=\"" GHP "\"", NULL, "-DTOKEN=\"ghp_***\"");
	/* too short, too long, or glued to a word: not a token */
	clean("ghp_short");
	clean("AKIAIOSFODNN7EXAMPL");
	clean("AKIAIOSFODNN7EXAMPLEX");
	clean("XAKIAIOSFODNN7EXAMPLE");
	clean("akiaiosfodnn7example");
	clean("npm_config_cache=/home/u/.npm");
	clean("xoxb-123");
	clean("myghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789");
}

static void test_private_key_block(void **state)
{
	check("echo '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJB\nAKj34=\n"
	      "-----END RSA PRIVATE KEY-----' > k", NULL,
	      "echo '-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----' > k");
	check("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE", NULL,
	      "-----BEGIN OPENSSH PRIVATE KEY-----***");
	clean("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
}

/* Ordinary build command lines must come through untouched. */
static void test_no_false_positives(void **state)
{
	static const char *const ok[] = {
		"cc -DPASSWORD_LEN=8 -c auth.c -o auth.o",
		"cc -DAPI_TOKEN=3 -DSECRET_SIZE=32 -c x.c",
		"TOKEN_TYPE=bearer",
		"PASSWORD_FILE=/run/secrets/db",
		"BYPASS=1 COMPASS=2",
		"cc -c token.c -o token.o",
		"./tokenizer --secret-file=/etc/s --password-stdin",
		"make -j8 install DESTDIR=/tmp/x",
		"/usr/lib/gcc/x86_64-linux-gnu/12/cc1 -quiet -imultiarch x86_64-linux-gnu x.c",
		"git -c core.autocrlf=false fetch origin main",
		"sh -c 'if [ -f config.h ]; then echo ok; fi'",
		"python3 -m pip install --index-url https://pypi.org/simple requests",
		"ld -o a.out --build-id=sha1 -z relro x.o",
		"docker login --username ci --password-stdin registry.example.com",
		"echo key: value",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		clean(ok[i]);
}

static void test_truncation_and_length(void **state)
{
	char small[10];
	const char *in = "--token=abcdef and more";
	size_t len = redact_copy(in, strlen(in), NULL, small, sizeof(small));

	assert_int_equal(len, strlen("--token=*** and more"));
	assert_string_equal(small, "--token=*");
	assert_int_equal(redact_copy(in, strlen(in), NULL, NULL, 0), len);
	/* not NUL-terminated input: only n bytes are read */
	assert_int_equal(redact_copy("--token=abcXYZ", 11, NULL, small, sizeof(small)), 11);
	assert_string_equal(small, "--token=*");
}

static void test_no_redact_switch(void **state)
{
	assert_true(redact_enabled());
	redact_set_enabled(false);
	assert_false(redact_enabled());
	clean("https://user:pass@host/");
	check("hunter2", "--password", "hunter2");
	clean(GHP);
	redact_set_enabled(true);
	check("hunter2", "--password", "***");
}

static char *json_of(struct jbuf *jb)
{
	assert_false(jb->oom);
	return jb->buf;
}

static void test_json_writer(void **state)
{
	struct json_object *o, *v;
	struct jbuf jb;
	char *big;

	jbuf_init(&jb);
	json_obj_open(&jb);
	redact_json_str(&jb, "plain", "make");
	redact_json_strn(&jb, NULL, "-j2", 3, "make");
	assert_false(jb.altered); /* nothing masked: the bytes read back as they were */
	jbuf_reset(&jb);
	json_obj_open(&jb);
	redact_json_str(&jb, "url", "https://u:p@h/");
	assert_true(jb.altered);
	redact_json_str(&jb, "none", NULL);
	redact_json_str(&jb, "plain", "make");
	json_arr_open(&jb, "argv");
	redact_json_strn(&jb, NULL, "--password", 10, NULL);
	redact_json_strn(&jb, NULL, "hunter2", 7, "--password");
	json_arr_close(&jb);
	/* longer than the stack buffer: the heap path */
	big = malloc(5000);
	memset(big, 'a', 4999);
	big[4999] = '\0';
	memcpy(big + 100, "--token=", 8);
	redact_json_str(&jb, "big", big);
	json_obj_close(&jb);

	o = json_tokener_parse(json_of(&jb));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "url", &v));
	assert_string_equal(json_object_get_string(v), "https://u:***@h/");
	assert_true(json_object_object_get_ex(o, "none", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "plain", &v));
	assert_string_equal(json_object_get_string(v), "make");
	assert_true(json_object_object_get_ex(o, "argv", &v));
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), "***");
	assert_true(json_object_object_get_ex(o, "big", &v));
	assert_int_equal(json_object_get_string_len(v), 111);
	assert_string_equal(json_object_get_string(v) + 100, "--token=***");
	json_object_put(o);
	jbuf_free(&jb);
	free(big);
}

struct rec {
	union {
		struct bw_exec_event exec;
		char raw[4096];
	};
	size_t size;
};

static void put_part(struct rec *r, size_t *pos, const char *s, size_t n)
{
	memcpy(r->raw + *pos, s, n);
	*pos += n;
}

static void make_exec(struct rec *r, const char *filename, const char *cwd, const char *args,
		      size_t args_len)
{
	size_t pos = offsetof(struct bw_exec_event, data);

	memset(r, 0, sizeof(*r));
	r->exec.hdr.type = BW_EV_EXEC;
	r->exec.hdr.pid = r->exec.hdr.tid = 7;
	r->exec.hdr.start_ns = 70;
	r->exec.hdr.job_id = 1;
	strcpy(r->exec.comm, "curl");
	r->exec.filename_len = strlen(filename) + 1;
	r->exec.exe_len = strlen(filename) + 1;
	r->exec.cwd_len = strlen(cwd) + 1;
	put_part(r, &pos, filename, r->exec.filename_len);
	put_part(r, &pos, filename, r->exec.exe_len);
	put_part(r, &pos, cwd, r->exec.cwd_len);
	put_part(r, &pos, args, args_len);
	r->exec.args_len = args_len;
	r->exec.argc = 5;
	r->size = r->exec.hdr.size = pos;
}

/* The exec record and the tree's command line mask; the table keeps raw argv. */
static void test_exec_record_and_tree(void **state)
{
	static const char args[] = "curl\0-u\0--token\0" GHP "\0https://a:b@h/\0";
	struct json_object *o, *argv, *v;
	struct bw_clock clk = { 0 };
	struct bw_event_view view;
	struct bw_proctab t;
	struct bw_proc *p;
	struct jbuf jb;
	char cmd[512];
	struct rec r;

	make_exec(&r, "/usr/bin/curl", "/home/ci/https://u:pw@x", args, sizeof(args) - 1);
	assert_int_equal(events_decode(r.raw, r.size, &view), 0);
	jbuf_init(&jb);
	event_json_render(&jb, &view, 1, &clk);
	o = json_tokener_parse(json_of(&jb));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "argv", &argv));
	assert_int_equal(json_object_array_length(argv), 5);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 1)), "-u");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 2)), "--token");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 3)), "***");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(argv, 4)),
			    "https://a:***@h/");
	assert_true(json_object_object_get_ex(o, "cwd", &v));
	assert_string_equal(json_object_get_string(v), "/home/ci/https://u:***@x");
	json_object_put(o);
	jbuf_free(&jb);

	assert_int_equal(proctab_init(&t), 0);
	assert_int_equal(proctab_apply(&t, &view), 0);
	p = proctab_find(&t, 7, 70);
	assert_non_null(p);
	assert_string_equal(p->argv.v[3], GHP);
	tree_cmdline(p, cmd, sizeof(cmd));
	assert_string_equal(cmd, "curl -u --token *** https://a:***@h/");
	/* cut short: still terminated, the secret never half-shown */
	tree_cmdline(p, cmd, 18);
	assert_string_equal(cmd, "curl -u --token *");
	redact_set_enabled(false);
	tree_cmdline(p, cmd, sizeof(cmd));
	assert_string_equal(cmd, "curl -u --token " GHP " https://a:b@h/");
	redact_set_enabled(true);
	proctab_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_userinfo),
		cmocka_unit_test(test_authorization_headers),
		cmocka_unit_test(test_flags_with_equals),
		cmocka_unit_test(test_flag_value_in_next_argument),
		cmocka_unit_test(test_assignments),
		cmocka_unit_test(test_token_shapes),
		cmocka_unit_test(test_private_key_block),
		cmocka_unit_test(test_no_false_positives),
		cmocka_unit_test(test_truncation_and_length),
		cmocka_unit_test(test_no_redact_switch),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_exec_record_and_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
