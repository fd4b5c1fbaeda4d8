/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Leaving off the caller's critical path. The last close of a tracepoint's
 * BPF link or perf event waits for RCU grace periods (20-70 ms each here,
 * 150-250 ms for an agent's set), and a process closes its descriptors
 * before its parent can reap it: whoever waits for `buildwarden run` would
 * wait for the detaches. A holder child keeps the BPF descriptors until
 * the agent has fully exited, so the holder's own exit pays for them.
 */
#ifndef BW_DETACH_H
#define BW_DETACH_H

#include <stdbool.h>

/*
 * Forks the holder once every output is written. True when the caller may
 * now leave with _exit() without closing its BPF objects (they are the
 * holder's to release); false when there is no holder (the caller frees
 * as usual, and the detaches happen in place).
 */
bool detach_behind(void);

#endif
