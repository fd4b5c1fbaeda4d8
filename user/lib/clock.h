/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one place that reads the clocks. Monotonic time is what the kernel
 * stamps records with (bpf_ktime_get_ns), so durations and event times
 * compare with it; real time is only for what people read.
 */
#ifndef BW_CLOCK_H
#define BW_CLOCK_H

#include <stdint.h>

uint64_t clock_mono_ns(void);
uint64_t clock_real_ns(void);

#endif /* BW_CLOCK_H */
