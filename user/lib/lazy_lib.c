// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dlfcn.h>
#include "lib/lazy_lib.h"
#include "lib/log.h"

#ifdef BW_LAZY_LIBS
/* pthread_once takes no argument: the library being opened, under the once. */
static __thread struct lazy_lib *opening;

static void open_once(void)
{
	struct lazy_lib *l = opening;
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		bw_err("cannot load %s, which %s need: %s", l->soname, l->needed_for, dlerror());
		return;
	}
	for (i = 0; i < l->n; i++) {
		l->syms[i] = dlsym(h, l->names[i]);
		if (!l->syms[i]) {
			bw_err("%s has no %s, which %s need: %s", l->soname, l->names[i],
			       l->needed_for, dlerror());
			dlclose(h);
			return;
		}
	}
	l->loaded = true; /* never closed: its functions stay in use until exit */
}

bool lazy_lib_load(struct lazy_lib *l)
{
	opening = l;
	pthread_once(&l->once, open_once);
	return l->loaded;
}
#endif
