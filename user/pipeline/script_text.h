/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A program's text, read when the kernel has already shown that the
 * shell captured a program's output ($(...), <(...)) that came from the
 * network or a decoder: does the text evaluate that capture in the shell
 * itself (eval, source, .), where no exec shows it? The capture's writer
 * ties the two: only an evaluation whose text names the program the
 * kernel saw write the capture counts, so `eval "$(ssh-agent -s)"` beside
 * `v=$(curl …)` does not. A Python, Node.js, Perl or Ruby program's,
 * when its code is not on its command line (a script, a here-document):
 * does it run or send what its network calls return or take? And a
 * shell's dump of the environment by a builtin, into a network program.
 */
#ifndef BW_SCRIPT_TEXT_H
#define BW_SCRIPT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The most of a script file that is read (its start). */
#define SCRIPT_TEXT_MAX (256 * 1024)

/*
 * Whether text (len bytes, no NUL needed) evaluates in the shell itself
 * the output of one of the programs named (basenames: "curl", "python3"):
 * eval, source or . of a $(...), `...` or <(...) that names one, of
 * /dev/stdin fed by such a here-string, or of a variable assigned from
 * such a substitution (`x=$(curl …)` then `eval "$x"`).
 */
bool script_evaluates_capture(const char *text, size_t len, const char *const *names, size_t n);

/* Files the job downloaded or decoded: their basenames, and their writers'. */
struct sourced_names {
	const char *const *files;   /* "env.sh" */
	size_t n_files;
	const char *const *writers; /* "curl" */
	size_t n_writers;
};

/*
 * Whether text sources (source or ., in command position) one of those
 * files: named in the command, or through a variable assigned on a line
 * that names it (`f=$T/env.sh` then `. "$f"`) or expanded in a command
 * that names its writer (`f=$(mktemp)`; `curl -o "$f" URL`; `. "$f"`).
 */
bool script_sources_file(const char *text, size_t len, const struct sourced_names *s);

/*
 * Whether text dumps the whole environment with a shell builtin (export
 * or declare/typeset with only -p/-x, `set` alone, `compgen -e`), which
 * no exec shows, into one of the programs named: piped on to a line that
 * names one, in a substitution on such a line or assigned to a variable
 * that such a line expands (`d=$(declare -x | base64)`), or written to a
 * file such a line names.
 */
bool script_sends_builtin_env(const char *text, size_t len, const char *const *names, size_t n);

/* What a Python or Node.js program's text does with the network (*_text_facts). */
enum {
	TEXT_FETCH_EVAL = 1u << 0, /* code run from what a network call returned */
	TEXT_ENV_SENT = 1u << 1,   /* the whole environment serialized or sent */
};

/*
 * TEXT_* of a Python program's text (len bytes, NUL-terminated): an
 * exec(), eval() or compile() whose argument is a network call's result,
 * directly (`exec(urlopen(u).read())`) or through names assigned from
 * one (`r = requests.get(u)` ... `exec(r.text)`); the whole environment
 * (`os.environ`, or `environ` imported from os, not one key of it) on a
 * line that serializes or sends it (json.dumps, str, repr, b64encode,
 * data=, json=, a post, send, urlopen). `exec(open(f).read())` and
 * `env=os.environ.copy()` are neither.
 */
unsigned python_text_facts(const char *text, size_t len);
/*
 * The same of a Node.js program: eval(), Function(), vm's run and Script
 * of a response (`body += chunk` in a 'data' handler, `await res.text()`),
 * and `process.env` used whole on a line that stringifies or sends it
 * (JSON.stringify, write, end, body:, Buffer.from); `{ ...process.env }`
 * handed to a child is neither.
 */
unsigned node_text_facts(const char *text, size_t len);
/*
 * The same of a Perl program: a string eval (`eval $code`, `eval($body)`;
 * never `eval { … }`, which only traps errors) of a fetch (LWP's get,
 * HTTP::Tiny, a socket read), and %ENV on a line that encodes or sends it.
 */
unsigned perl_text_facts(const char *text, size_t len);
/*
 * The same of a Ruby program: eval, instance_eval, class_eval of a fetch
 * (Net::HTTP, URI.open, a response's body), and ENV iterated or converted
 * (ENV.to_h, ENV.each) on a line that serializes or sends it.
 */
unsigned ruby_text_facts(const char *text, size_t len);

/*
 * The first SCRIPT_TEXT_MAX bytes of the regular file at path,
 * NUL-terminated in *buf (to free), its length in *len: 0, or -errno
 * (-EINVAL: not a regular file; a FIFO is never waited on).
 */
int script_read(const char *path, char **buf, size_t *len);

#endif /* BW_SCRIPT_TEXT_H */
