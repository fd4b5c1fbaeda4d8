/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Does a shell program evaluate a capture in itself? A line scanner, not
 * a shell parser: it looks for eval, source and . in command position and
 * reads what follows to the end of the line. Quoting and line
 * continuations can hide an evaluation from it; what it finds is always
 * tied to a capture the kernel saw (script_text.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/script_text.h"

struct span {
	const char *p, *end;
};

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* A program name's byte: what may surround one that is named, not part of a word. */
static bool name_char(char c)
{
	return ident_char(c) || c == '-' || c == '.';
}

/* Whether one of names appears in s as a word (`curl`, `/usr/bin/curl`, not `curly`). */
static bool names_word(struct span s, const char *const *names, size_t n)
{
	for (size_t i = 0; s.p && i < n; i++) {
		size_t l = strlen(names[i]);

		if (!l)
			continue;
		for (const char *q = s.p; q + l <= s.end; q++) {
			if (memcmp(q, names[i], l))
				continue;
			if ((q == s.p || !name_char(q[-1])) && (q + l == s.end || !name_char(q[l])))
				return true;
		}
	}
	return false;
}

static const char *skip_blanks(const char *q, const char *end)
{
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	return q;
}

static const char *skip_quote(const char *q, const char *end)
{
	return q < end && (*q == '"' || *q == '\'') ? q + 1 : q;
}

static bool starts(const char *q, const char *end, const char *lit)
{
	size_t l = strlen(lit);

	return (size_t)(end - q) >= l && !memcmp(q, lit, l);
}

/* At q, "$(", "`" or "<(": a substitution starts. */
static bool substitution_at(const char *q, const char *end)
{
	return q < end && (*q == '`' || (q + 1 < end && (q[0] == '$' || q[0] == '<') && q[1] == '('));
}

/*
 * At q, a variable expanded alone ($x, "${x}"): its name in *var and
 * true. Anything after it but a quote and the end of the command (`. "$d/lib.sh"`)
 * makes it no bare variable.
 */
static bool bare_variable(const char *q, const char *end, struct span *var)
{
	bool brace;

	if (q + 1 >= end || *q != '$')
		return false;
	brace = q[1] == '{';
	var->p = q + 1 + brace;
	for (var->end = var->p; var->end < end && ident_char(*var->end); var->end++)
		;
	if (var->end == var->p || isdigit((unsigned char)*var->p))
		return false;
	q = var->end;
	if (brace && (q >= end || *q++ != '}'))
		return false;
	q = skip_quote(q, end);
	return q == end || strchr(" \t;&|)", *q);
}

/* The line of text that holds q: [start, end). */
static struct span line_of(const char *text, size_t len, const char *q)
{
	struct span l = { q, q };

	while (l.p > text && l.p[-1] != '\n')
		l.p--;
	l.end = memchr(q, '\n', (size_t)(text + len - q));
	if (!l.end)
		l.end = text + len;
	return l;
}

/* Whether the line [p, end) goes on to the next one: a trailing \\ or an open | && ||. */
static bool line_continues(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return end > p && (end[-1] == '\\' || end[-1] == '|' || (end[-1] == '&' && end - 1 > p && end[-2] == '&'));
}

/*
 * The command that holds q, over the lines a continuation joins
 * (`curl -s \\` then `-d "$d" URL`, `export -p |` then `curl …`), at
 * most CONTINUED_LINES of them.
 */
#define CONTINUED_LINES 16
static struct span command_of(const char *text, size_t len, const char *q)
{
	struct span l = line_of(text, len, q), prev;

	for (int i = 0; i < CONTINUED_LINES && l.p > text; i++) {
		prev = line_of(text, len, l.p - 1);
		if (!line_continues(prev.p, prev.end))
			break;
		l.p = prev.p;
	}
	for (int i = 0; i < CONTINUED_LINES && l.end < text + len && line_continues(l.p, l.end); i++)
		l.end = line_of(text, len, l.end + 1).end;
	return l;
}

/*
 * The body of shell function name (l bytes) defined in text (`name() {`,
 * `function name {`): from its definition to the first line that starts
 * with '}', at most FUNCTION_LINES lines. Empty when there is none.
 */
#define FUNCTION_LINES 64
static struct span function_body(const char *text, size_t len, const char *name, size_t l)
{
	const char *end = text + len;

	for (const char *q = text; q + l < end; q++) {
		const char *r = q + l;
		struct span body;

		if (memcmp(q, name, l) || (q > text && q[-1] != '\n' && q[-1] != ' ' && q[-1] != '\t'))
			continue;
		r = skip_blanks(r, end);
		if (!starts(r, end, "()") && !(q >= text + 9 && !memcmp(q - 9, "function ", 9) &&
					       r < end && (*r == '{' || *r == '\n')))
			continue;
		body.p = r;
		body.end = r;
		for (int lines = 0; body.end < end && lines < FUNCTION_LINES; lines++) {
			struct span line = line_of(text, len, body.end);

			body.end = line.end;
			/* a one-line body, or the closing brace next */
			if ((!lines && memchr(r, '}', (size_t)(line.end - r))) ||
			    (body.end + 1 < end && body.end[1] == '}'))
				break;
			if (body.end < end)
				body.end++;
		}
		return body;
	}
	return (struct span){ NULL, NULL };
}

/*
 * Whether the substitution at s (to its line's end) names one of names,
 * itself or through the shell function it calls first (`eval "$(fetch
 * URL)"` with fetch() running curl).
 */
static bool substitution_names(const char *text, size_t len, struct span s,
			       const char *const *names, size_t n)
{
	const char *w;

	if (names_word(s, names, n))
		return true;
	s.p += *s.p == '`' ? 1 : 2;
	s.p = skip_blanks(s.p, s.end);
	for (w = s.p; w < s.end && ident_char(*w); w++)
		;
	if (w == s.p)
		return false;
	return names_word(function_body(text, len, s.p, (size_t)(w - s.p)), names, n);
}

/* Whether var is assigned somewhere from a substitution that names one of names. */
static bool assigned_from(const char *text, size_t len, struct span var, const char *const *names,
			  size_t n)
{
	size_t l = (size_t)(var.end - var.p);
	const char *end = text + len;

	for (const char *q = text; q + l < end; q++) {
		const char *v;

		if (memcmp(q, var.p, l) || q[l] != '=' || (q > text && ident_char(q[-1])))
			continue;
		v = skip_quote(q + l + 1, end);
		if (substitution_at(v, end) &&
		    substitution_names(text, len, (struct span){ v, line_of(text, len, v).end },
				       names, n))
			return true;
	}
	return false;
}

/*
 * What follows eval, source or . at q (to the end of the line) is a
 * capture of one of names: a substitution, /dev/stdin fed by a
 * here-string, or a variable assigned from one.
 */
static bool evaluates(const char *text, size_t len, const char *q, const char *end,
		      const char *const *names, size_t n)
{
	const char *here;
	struct span var;

	q = skip_quote(skip_blanks(q, end), end);
	if (starts(q, end, "/dev/stdin") || starts(q, end, "/proc/self/fd/0")) {
		here = memmem(q, (size_t)(end - q), "<<<", 3);
		if (!here)
			return false;
		q = skip_quote(skip_blanks(here + 3, end), end);
	}
	if (substitution_at(q, end))
		return substitution_names(text, len, (struct span){ q, end }, names, n);
	return bare_variable(q, end, &var) && assigned_from(text, len, var, names, n);
}

/*
 * Whether q starts a command: at the start of a line or after ; & | ( { !
 * or `, or after a keyword that a command follows (then, do, else …),
 * blanks between. `echo eval …` has eval as an argument.
 */
static bool command_position(const char *text, const char *q)
{
	static const char *const keywords[] = { "then", "do", "else", "elif", "if", "while",
						"until", "time", "exec", NULL };
	const char *w;

	while (q > text && (q[-1] == ' ' || q[-1] == '\t'))
		q--;
	if (q == text || strchr("\n;&|({!`", q[-1]))
		return true;
	for (w = q; w > text && ident_char(w[-1]); w--)
		;
	for (const char *const *k = keywords; *k; k++)
		if ((size_t)(q - w) == strlen(*k) && !memcmp(w, *k, strlen(*k)) &&
		    command_position(text, w))
			return true;
	return false;
}

/* The command word (eval, source, .) at q, in command position: its length, or 0. */
static size_t command_word(const char *text, const char *q, const char *end)
{
	static const char *const words[] = { "eval", "source", "." };

	if (q > text && ident_char(q[-1]))
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t l = strlen(words[i]);

		if (q + l < end && !memcmp(q, words[i], l) && (q[l] == ' ' || q[l] == '\t'))
			return command_position(text, q) ? l : 0;
	}
	return 0;
}

static bool expanded_near(const char *text, size_t len, const char *var, size_t l,
			  const char *const *names, size_t n);

/*
 * What follows source or . at q (to end) names a downloaded file: a word
 * holding one of files, or a variable assigned on a line that holds one
 * (`f=$T/env.sh` ... `. "$f"`) or expanded in a command naming one of
 * writers (`f=$(mktemp)`; `curl -o "$f" URL`; `. "$f"`).
 */
static bool sources(const char *text, size_t len, const char *q, const char *end,
		    const struct sourced_names *s)
{
	struct span word, var;
	const char *w;

	q = skip_quote(skip_blanks(q, end), end);
	if (bare_variable(q, end, &var)) {
		size_t l = (size_t)(var.end - var.p);

		for (const char *a = text; a + l < text + len; a++)
			if (!memcmp(a, var.p, l) && a[l] == '=' && (a == text || !ident_char(a[-1])) &&
			    names_word(line_of(text, len, a), s->files, s->n_files))
				return true;
		return expanded_near(text, len, var.p, l, s->writers, s->n_writers);
	}
	for (w = q; w < end && !strchr(" \t;&|)\"'", *w); w++)
		;
	word = (struct span){ q, w };
	return w > q && names_word(word, s->files, s->n_files);
}

bool script_sources_file(const char *text, size_t len, const struct sourced_names *s)
{
	const char *end = text + len;

	if (!text || !s->n_files)
		return false;
	for (const char *q = text; q < end; q++) {
		size_t w = command_word(text, q, end);

		if (w && q[0] != 'e' && sources(text, len, q + w, line_of(text, len, q).end, s))
			return true;
	}
	return false;
}

bool script_evaluates_capture(const char *text, size_t len, const char *const *names, size_t n)
{
	const char *end = text + len;

	if (!text || !n)
		return false;
	for (const char *q = text; q < end; q++) {
		size_t w = command_word(text, q, end);

		if (w && evaluates(text, len, q + w, line_of(text, len, q).end, names, n))
			return true;
	}
	return false;
}

/* ---- the environment dumped by a builtin ---- */

/*
 * Whether var (l bytes) is expanded ($var, ${var}) in a command that names
 * one of names.
 */
static bool expanded_near(const char *text, size_t len, const char *var, size_t l,
			  const char *const *names, size_t n)
{
	const char *end = text + len;

	for (const char *q = text; q + l < end; q++) {
		const char *v = q + 1 + (q[1] == '{');

		if (*q != '$' || v + l > end || memcmp(v, var, l) || (v + l < end && ident_char(v[l])))
			continue;
		if (names_word(command_of(text, len, q), names, n))
			return true;
	}
	return false;
}

/* Whether a line other than the writing one holds file (l bytes) and names one of names. */
static bool expanded_file_near(const char *text, size_t len, const char *file, size_t l,
			       const char *const *names, size_t n)
{
	const char *end = text + len, *hit;

	for (const char *q = text; q < end && (hit = memmem(q, (size_t)(end - q), file, l)); q = hit + l) {
		struct span line = command_of(text, len, hit);

		if (hit != file && !(file >= line.p && file < line.end) && names_word(line, names, n))
			return true;
	}
	return false;
}

/*
 * Where the output of the command at q goes, when it is in a substitution
 * assigned to a variable (`d=$(declare -x | base64)`): whether a line
 * expanding that variable names one of names.
 */
static bool assigned_capture_reaches(const char *text, size_t len, struct span line, const char *q,
				     const char *const *names, size_t n)
{
	const char *s = NULL, *w;

	for (const char *r = line.p; r < q; r++)
		if (*r == '`' || (*r == '$' && r + 1 < q && r[1] == '('))
			s = r;
	if (!s)
		return false;
	w = s;
	if (w > line.p && (w[-1] == '"' || w[-1] == '\''))
		w--;
	if (w == line.p || w[-1] != '=')
		return false;
	s = --w;
	while (w > line.p && ident_char(w[-1]))
		w--;
	return w < s && expanded_near(text, len, w, (size_t)(s - w), names, n);
}

/*
 * At q, in command position, a builtin that prints the whole environment:
 * export or declare/typeset with nothing but -p/-x options, `set` alone,
 * `compgen -e`. Returns where its arguments end (the | ) ` or > after
 * them), or NULL.
 */
static const char *env_builtin_at(const char *text, const char *q, const char *end)
{
	static const char *const words[] = { "export", "declare", "typeset", "set", "compgen", NULL };
	const char *w = NULL, *r;
	bool printing;
	size_t l = 0;

	if (q > text && ident_char(q[-1]))
		return NULL;
	for (const char *const *k = words; *k && !w; k++) {
		l = strlen(*k);
		if (q + l < end && !memcmp(q, *k, l) && strchr(" \t|)`>", q[l]))
			w = *k;
	}
	if (!w || !command_position(text, q))
		return NULL;
	printing = strcmp(w, "compgen") != 0;
	for (r = skip_blanks(q + l, end); r < end && *r == '-'; r = skip_blanks(r, end)) {
		const char *o = r;

		while (r < end && !strchr(" \t\n|)`>;&", *r))
			r++;
		if (!strcmp(w, "set"))
			return NULL;
		if (!strcmp(w, "compgen"))
			printing = memchr(o, 'e', (size_t)(r - o)) != NULL;
		else if (!memchr(o, 'p', (size_t)(r - o)) && !memchr(o, 'x', (size_t)(r - o)))
			return NULL; /* declare -i, -a, -f ... */
	}
	return printing && r < end && strchr("|)`>", *r) ? r : NULL;
}

bool script_sends_builtin_env(const char *text, size_t len, const char *const *names, size_t n)
{
	const char *end = text + len;

	if (!text || !n)
		return false;
	for (const char *q = text; q < end; q++) {
		const char *r = env_builtin_at(text, q, end);
		struct span line;

		if (!r)
			continue;
		line = command_of(text, len, q);
		/* piped on: `export -p | base64 | curl -d @- …` */
		if (*r == '|' && names_word((struct span){ r, line.end }, names, n))
			return true;
		/* in a substitution: `curl -d "$(set)" …`, or `d=$(declare -x)` sent later */
		if ((*r == ')' || *r == '`' || *r == '|') &&
		    (assigned_capture_reaches(text, len, line, q, names, n) ||
		     (*r != '|' && names_word(line, names, n))))
			return true;
		/* to a file the sending line names: `export -p > e; curl -F f=@e …` */
		if (*r == '>') {
			const char *f = skip_quote(skip_blanks(r + 1 + (r[1] == '>'), line.end), line.end), *fe;

			for (fe = f; fe < line.end && !strchr(" \t\n;&|\"'", *fe); fe++)
				;
			if (fe > f && expanded_file_near(text, len, f, (size_t)(fe - f), names, n))
				return true;
		}
	}
	return false;
}

/* ---- Python and Node.js ---- */

/* How many assignments deep an evaluation's argument is followed back to a network call. */
#define NAME_DEPTH 3

/* What marks a language's network calls, its sends, its evaluations. */
struct text_lang {
	const char *const *fetch; /* a line that holds a network call's result */
	const char *const *send;  /* a line that serializes or sends */
	const char *const *evals; /* calls that run their argument as code */
	const char *method_ok;    /* the one object whose evaluation method counts ("builtins.") */
	const char *env;          /* how the environment is named */
	/* Methods that take the environment whole (ruby's ENV.to_h); any
	 * other method or index takes one variable. */
	const char *const *whole;
};

static const struct text_lang lang_python = {
	.fetch = (const char *const[]){ "urlopen", "requests.", "urllib3", "httpx.", "http.client",
					 "getresponse", ".recv(", "pycurl", "aiohttp", NULL },
	.send = (const char *const[]){ "json.dumps", "str(", "repr(", "b64encode", "data=", "json=",
					".post(", ".put(", ".send(", ".sendall(", "urlopen(",
					"pickle.dumps", NULL },
	.evals = (const char *const[]){ "exec(", "eval(", "compile(", NULL },
	.method_ok = "builtins.",
	.env = "environ",
	.whole = (const char *const[]){ ".copy(", ".items(", NULL },
};

static const struct text_lang lang_node = {
	.fetch = (const char *const[]){ "http.get", "https.get", "http.request", "https.request",
					 "fetch(", "axios", "got(", "request(", "on('data'",
					 "on(\"data\"", ".text()", "net.connect", "net.createConnection",
					 NULL },
	.send = (const char *const[]){ "JSON.stringify", ".write(", ".end(", "body:", "data:",
					"Buffer.from(", "btoa(", "querystring", NULL },
	.evals = (const char *const[]){ "eval(", "Function(", "runInThisContext(",
					 "runInNewContext(", "runInContext(", "Script(", NULL },
	.method_ok = "vm.",
	.env = "process.env",
	.whole = (const char *const[]){ NULL },
};

/*
 * Perl: a string eval (`eval $code`, `eval("…")`), not a block eval
 * (`eval { … }`, which only catches errors); %ENV is always the whole.
 */
static const struct text_lang lang_perl = {
	.fetch = (const char *const[]){ "LWP", "HTTP::Tiny", "->get(", "->request(", "->content",
					 "->decoded_content", "get(", "getstore(", "IO::Socket",
					 "recv(", "sysread(", "<$s", NULL },
	.send = (const char *const[]){ "->post(", "->put(", "->request(", "encode_json",
					"encode_base64", "Dumper", "syswrite(", "send(", "print $s",
					"print {$s", NULL },
	.evals = (const char *const[]){ "eval(", "eval $", "eval \"", "eval q", NULL },
	.method_ok = "CORE::",
	.env = "%ENV",
	.whole = (const char *const[]){ NULL },
};

/* Ruby: eval and the *_eval methods given a string; ENV iterated or converted. */
static const struct text_lang lang_ruby = {
	.fetch = (const char *const[]){ "Net::HTTP", "URI.open", "URI.parse", "open-uri", "HTTParty",
					 "Faraday", "RestClient", "TCPSocket", ".body", ".gets",
					 ".recv(", ".read", NULL },
	.send = (const char *const[]){ ".post(", "post_form", ".to_json", "JSON.generate",
					"JSON.dump", "Base64", ".write(", ".puts(", ".send(", "body:",
					"body =", NULL },
	.evals = (const char *const[]){ "eval(", "eval ", "instance_eval(", "class_eval(",
					 "module_eval(", NULL },
	.method_ok = "Kernel.",
	.env = "ENV",
	.whole = (const char *const[]){ ".to_h", ".to_a", ".to_hash", ".each", ".map", ".inspect",
					 ".sort", ".select", ".reject", ".filter", ".keys", NULL },
};

/* Whether one of list appears in s. */
static bool span_has_any(struct span s, const char *const *list)
{
	for (const char *const *w = list; *w; w++)
		if (memmem(s.p, (size_t)(s.end - s.p), *w, strlen(*w)))
			return true;
	return false;
}

static bool name_from_fetch(const struct text_lang *lang, const char *text, size_t len,
			    const char *name, size_t l, int depth);

/* The value at v (to its line's end) is a network call's result, or a name's that is. */
static bool value_from_fetch(const struct text_lang *lang, const char *text, size_t len,
			     const char *v, int depth)
{
	struct span line = { v, line_of(text, len, v).end };
	const char *w;

	if (span_has_any(line, lang->fetch))
		return true;
	v = skip_blanks(v, line.end);
	if (starts(v, line.end, "await "))
		v = skip_blanks(v + 6, line.end);
	/* Perl's sigil: `$r->{content}` names r */
	if (v < line.end && (*v == '$' || *v == '@'))
		v++;
	for (w = v; w < line.end && ident_char(*w); w++)
		;
	/* `payload = resp.read()` after `resp = urlopen(u)`: a few names deep */
	return w > v && !isdigit((unsigned char)*v) && depth > 0 &&
	       name_from_fetch(lang, text, len, v, (size_t)(w - v), depth - 1);
}

/*
 * Whether name (l bytes) is assigned (`name =`, not `==`; or added to,
 * `body += chunk`, as a response is read in pieces) from a network
 * call's result.
 */
static bool name_from_fetch(const struct text_lang *lang, const char *text, size_t len,
			    const char *name, size_t l, int depth)
{
	const char *end = text + len;

	for (const char *q = text; q + l < end; q++) {
		const char *r;

		if (memcmp(q, name, l) || (q > text && ident_char(q[-1])) || ident_char(q[l]))
			continue;
		r = skip_blanks(q + l, end);
		/* pieces added in a handler: the handler's line says what they are */
		if (starts(r, end, "+=") && span_has_any(line_of(text, len, q), lang->fetch))
			return true;
		if (r + 1 < end && r[0] == '=' && r[1] != '=' &&
		    value_from_fetch(lang, text, len, r + 1, depth))
			return true;
	}
	return false;
}

/* At q, right after "exec(": what it runs came from the network. */
static bool evaluates_fetch(const struct text_lang *lang, const char *text, size_t len,
			    const char *q)
{
	const char *end = line_of(text, len, q).end;

	q = skip_blanks(q, end);
	if (starts(q, end, "compile("))
		q += 8;
	return value_from_fetch(lang, text, len, q, NAME_DEPTH);
}

/* At q, the environment (l bytes: "environ", "process.env") used whole, not one key of it. */
static bool env_whole(const struct text_lang *lang, const char *q, size_t l, const char *end)
{
	q = skip_blanks(q + l, end);
	for (const char *const *w = lang->whole; *w; w++)
		if (starts(q, end, *w))
			return true;
	if (q < end && (*q == '[' || *q == '{' || *q == '.'))
		return false;
	return q == end || !ident_char(*q);
}

/* At q, an evaluation call of lang: itself, or the one object's method, not another's. */
static const char *eval_call_at(const struct text_lang *lang, const char *text, const char *q,
				const char *end)
{
	size_t m = strlen(lang->method_ok);

	if (q > text && q[-1] == '.' && !(q - text >= (ptrdiff_t)m && starts(q - m, end, lang->method_ok)))
		return NULL;
	for (const char *const *e = lang->evals; *e; e++)
		if (starts(q, end, *e))
			return q + strlen(*e);
	return NULL;
}

/* At q, the whole environment taken on a line that sends it. */
static bool env_sent_at(const struct text_lang *lang, const char *text, size_t len,
			const char *q, bool imported)
{
	const char *end = text + len;
	struct span line = line_of(text, len, q);
	size_t l = strlen(lang->env);

	if (!starts(q, end, lang->env))
		return false;
	/* Python's is os.environ, or environ imported from os */
	if (lang == &lang_python &&
	    !(q > text && q[-1] == '.' ? q - text >= 3 && starts(q - 3, end, "os.") : imported))
		return false;
	return env_whole(lang, q, l, line.end) && span_has_any(line, lang->send);
}

static unsigned text_facts(const struct text_lang *lang, const char *text, size_t len)
{
	const char *end = text + len, *arg;
	bool imported = memmem(text, len, "import environ", 14) || memmem(text, len, ", environ", 9);
	unsigned facts = 0;

	/* Most programs evaluate nothing and never name the environment: one pass each. */
	if (!span_has_any((struct span){ text, end }, lang->evals) &&
	    !memmem(text, len, lang->env, strlen(lang->env)))
		return 0;

	for (const char *q = text; q < end; q++) {
		if (q > text && ident_char(q[-1]))
			continue;
		if ((arg = eval_call_at(lang, text, q, end)) && evaluates_fetch(lang, text, len, arg))
			facts |= TEXT_FETCH_EVAL;
		if (env_sent_at(lang, text, len, q, imported))
			facts |= TEXT_ENV_SENT;
	}
	return facts;
}

unsigned python_text_facts(const char *text, size_t len)
{
	return text_facts(&lang_python, text, len);
}

unsigned node_text_facts(const char *text, size_t len)
{
	return text_facts(&lang_node, text, len);
}

unsigned perl_text_facts(const char *text, size_t len)
{
	return text_facts(&lang_perl, text, len);
}

unsigned ruby_text_facts(const char *text, size_t len)
{
	return text_facts(&lang_ruby, text, len);
}

int script_read(const char *path, char **buf, size_t *len)
{
	char *b = NULL;
	struct stat st;
	ssize_t got;
	size_t have = 0;
	int fd = -1, err = 0;

	/* O_NONBLOCK: a FIFO named as the script must not hold the agent. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto cleanup;
	}
	b = malloc(SCRIPT_TEXT_MAX + 1);
	if (!b) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (have < SCRIPT_TEXT_MAX &&
	       (got = read(fd, b + have, SCRIPT_TEXT_MAX - have)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			goto cleanup;
		}
		have += (size_t)got;
	}
	b[have] = '\0';
	*buf = b;
	*len = have;
	b = NULL;
cleanup:
	if (fd >= 0)
		close(fd);
	free(b);
	return err;
}
