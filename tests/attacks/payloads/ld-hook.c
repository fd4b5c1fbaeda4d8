/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The harmless shared object the harness serves as /libnss_cache.so for
 * tests/attacks/31-ld-audit-downloaded.sh: loaded through LD_AUDIT (or
 * LD_PRELOAD) into a program, its constructor appends "PID ld-hook\n" to
 * the file named by $BW_ATTACK_MARK, and nothing else. la_version() makes
 * it a valid rtld-audit module (rtld-audit(7)).
 *
 * Built by tests/bpf/test_attacks.py: cc -shared -fPIC -o X ld-hook.c
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void ld_hook_init(void)
{
	const char *path = getenv("BW_ATTACK_MARK");
	char line[64];
	int fd, n;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%ld ld-hook\n", (long)getpid());
	if (n > 0 && write(fd, line, (size_t)n) != n)
		n = -1;
	close(fd);
}

unsigned int la_version(unsigned int version)
{
	return version; /* LAV_CURRENT as the loader offers it */
}
