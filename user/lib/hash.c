// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "lib/hash.h"

uint64_t hash_proc(uint32_t pid, uint64_t start_ns)
{
	uint64_t h = (pid * 0x9e3779b97f4a7c15ULL) ^ (start_ns * 0xff51afd7ed558ccdULL);

	return h ^ (h >> 29);
}

uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}
