/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The agent's helper threads (HTTP senders, the metrics endpoint). */
#ifndef BW_THREAD_H
#define BW_THREAD_H

#include <pthread.h>

/*
 * Start fn(arg) with every signal blocked: signals stay with the event
 * loop's signalfd. 0 or -errno.
 */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif /* BW_THREAD_H */
