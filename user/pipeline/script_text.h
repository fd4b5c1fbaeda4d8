/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A shell program's text, read when the kernel has already shown that the
 * shell captured a program's output ($(...), <(...)) that came from the
 * network or a decoder: does the text evaluate that capture in the shell
 * itself (eval, source, .), where no exec shows it? The capture's writer
 * ties the two: only an evaluation whose text names the program the
 * kernel saw write the capture counts, so `eval "$(ssh-agent -s)"` beside
 * `v=$(curl …)` does not.
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

/*
 * The first SCRIPT_TEXT_MAX bytes of the regular file at path,
 * NUL-terminated in *buf (to free), its length in *len: 0, or -errno
 * (-EINVAL: not a regular file; a FIFO is never waited on).
 */
int script_read(const char *path, char **buf, size_t *len);

#endif /* BW_SCRIPT_TEXT_H */
