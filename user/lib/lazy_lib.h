/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A shared library opened on first use. libcurl and libcrypto serve only
 * webhooks, OTLP export, the HTML report's digest and payload signatures,
 * yet linked in they and the 27 libraries they pull in cost every start
 * of the agent about 16 ms of mapping and relocation: half of a `run`
 * handed to a daemon. user/lib/curl_lazy.c and crypto_lazy.c define their
 * functions we call, which open the library the first time one is called.
 * Static builds (make STATIC=1) link them as before.
 */
#ifndef BW_LAZY_LIB_H
#define BW_LAZY_LIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct lazy_lib {
	const char *soname;       /* e.g. "libcurl.so.4" */
	const char *needed_for;   /* said in the error: "webhook alerts and OTLP export" */
	const char *const *names; /* the functions to find, in the order of syms */
	void **syms;              /* filled on success */
	size_t n;
	pthread_once_t once;
	bool loaded;
};

#define LAZY_LIB_INIT(so, why, names_, syms_)                                              \
	{ .soname = (so), .needed_for = (why), .names = (names_), .syms = (void **)(syms_),   \
	  .n = sizeof(names_) / sizeof((names_)[0]), .once = PTHREAD_ONCE_INIT }

/*
 * Open l and find its functions, once for the process (any thread). false,
 * after one error naming the library, what needs it and dlerror's text,
 * when it cannot be opened or lacks one of them; then every call says so.
 */
bool lazy_lib_load(struct lazy_lib *l);

#endif /* BW_LAZY_LIB_H */
