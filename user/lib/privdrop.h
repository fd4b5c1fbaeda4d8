/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Least privilege. The build runs as the invoking user when buildwarden was
 * started through sudo (or as --user NAME), never as root by accident. The
 * agent, once its programs are attached and the build is started, keeps only
 * the capabilities it still uses.
 */
#ifndef BW_PRIVDROP_H
#define BW_PRIVDROP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/capability.h>

/* Older kernel headers lack the 5.8 capabilities. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define PRIVDROP_CAP(cap) (1ull << (cap))

struct build_user {
	bool set; /* run the build as this user */
	uid_t uid;
	gid_t gid;
	char name[64];
	char home[256];
};

/*
 * Who the build runs as: --user NAME (or UID) when given ("root" keeps
 * root), else the sudo caller when root was reached through sudo. 0, or
 * -errno after saying why.
 */
int privdrop_resolve(const char *user_opt, struct build_user *u);
/* The user of uid, as privdrop_become wants it: 0, or -ENOENT (not in the user database). */
int privdrop_user_of(uid_t uid, struct build_user *u);
/* In the child, before exec: become u (groups, gid, uid, HOME/USER/LOGNAME). */
int privdrop_become(const struct build_user *u);
/* The effective capability set, bit N for capability N: 0, or -errno (capget failed). */
int privdrop_caps(uint64_t *effective);
/* Drop every capability but those the agent still needs; says which it kept. */
int privdrop_agent(void);

#endif /* BW_PRIVDROP_H */
