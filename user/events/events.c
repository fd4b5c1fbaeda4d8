// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include "events/events.h"
#include "lib/env_names.h"

static const size_t fixed_size[BW_EV_TYPE_MAX] = {
	[BW_EV_FORK] = sizeof(struct bw_fork_event),
	[BW_EV_EXEC] = sizeof(struct bw_exec_event),
	[BW_EV_EXEC_FAILED] = sizeof(struct bw_exec_failed_event),
	[BW_EV_EXIT] = sizeof(struct bw_exit_event),
	[BW_EV_CONNECT] = sizeof(struct bw_connect_event),
	[BW_EV_DNS] = sizeof(struct bw_dns_event),
	[BW_EV_FILE] = sizeof(struct bw_file_event),
	[BW_EV_PRIV] = sizeof(struct bw_priv_event),
};

/*
 * Take a NUL-terminated string of len bytes (NUL included) at *pos within
 * data[0..end). len 0 means absent. Advances *pos.
 */
static int take_string(const char *data, size_t end, size_t *pos, uint16_t len, const char **out)
{
	*out = NULL;
	if (!len)
		return 0;
	if (len > end - *pos || data[*pos + len - 1] != '\0')
		return -EINVAL;
	*out = data + *pos;
	*pos += len;
	return 0;
}

/*
 * The loader variables: env_len bytes of NAME=VALUE strings, each
 * NUL-terminated with a NAME of letters, digits and '_' (the kernel
 * copies only names it was asked for, and only such names are asked for:
 * anything else is a malformed record, and would not be a JSON key as it
 * is).
 */
static int take_env(const char *data, size_t end, size_t *pos, uint16_t len,
		    struct bw_event_view *v)
{
	const char *s = data + *pos, *eq;
	size_t i = 0, n;

	if (!len)
		return 0;
	if (len > BW_ENV_MAX || len > end - *pos || s[len - 1] != '\0')
		return -EINVAL;
	while (i < len) {
		n = strlen(s + i);
		eq = memchr(s + i, '=', n);
		if (!eq || !env_name_chars_ok(s + i, (size_t)(eq - (s + i))))
			return -EINVAL;
		i += n + 1;
	}
	v->env = s;
	v->env_len = len;
	*pos += len;
	return 0;
}

/* Only regular files carry a path; no kind the ABI does not know. */
static int take_stdio(const char *data, size_t end, size_t *pos, const struct bw_stdio *sd,
		      const char **path)
{
	if (sd->kind > BW_STDIO_OTHER || sd->path_len > BW_PATH_MAX ||
	    (sd->path_len && sd->kind != BW_STDIO_FILE))
		return -EINVAL;
	return take_string(data, end, pos, sd->path_len, path);
}

static int decode_exec(const char *rec, size_t size, struct bw_event_view *v)
{
	const struct bw_exec_event *e = v->exec;
	size_t pos = offsetof(struct bw_exec_event, data);
	int err, i;

	if (e->filename_len > BW_FILENAME_MAX || e->exe_len > BW_PATH_MAX ||
	    e->cwd_len > BW_PATH_MAX || e->args_len > BW_ARGS_MAX)
		return -EINVAL;
	err = take_string(rec, size, &pos, e->filename_len, &v->filename);
	if (!err)
		err = take_string(rec, size, &pos, e->exe_len, &v->exe);
	if (!err)
		err = take_string(rec, size, &pos, e->cwd_len, &v->cwd);
	for (i = 0; !err && i < 3; i++)
		err = take_stdio(rec, size, &pos, &e->stdio[i], &v->stdio_path[i]);
	if (!err)
		err = take_env(rec, size, &pos, e->env_len, v);
	if (err)
		return err;
	if (e->args_len > size - pos)
		return -EINVAL;
	v->args = rec + pos;
	v->args_len = e->args_len;
	if (v->exe && (e->flags & BW_EXEC_EXE_DELETED)) {
		/* exe_len <= BW_PATH_MAX: it fits, NUL included */
		snprintf(v->exe_buf, sizeof(v->exe_buf), "%s" EVENTS_DELETED_SUFFIX, v->exe);
		v->exe = v->exe_buf;
	}
	return 0;
}

const char *events_env_get(const char *env, uint32_t env_len, const char *name)
{
	size_t nlen = strlen(name);
	const char *s, *found = NULL;

	for (s = env; s && s < env + env_len; s += strlen(s) + 1)
		if (!strncmp(s, name, nlen) && s[nlen] == '=')
			found = s + nlen + 1;
	return found;
}

static int decode_exec_failed(const char *rec, size_t size, struct bw_event_view *v)
{
	size_t pos = offsetof(struct bw_exec_failed_event, data);

	return take_string(rec, size, &pos, v->exec_failed->filename_len, &v->filename);
}

static int decode_file(const char *rec, size_t size, struct bw_event_view *v)
{
	const struct bw_file_event *e = v->file;
	size_t pos = offsetof(struct bw_file_event, data);
	int err;

	err = take_string(rec, size, &pos, e->path_len, &v->path);
	if (!err)
		err = take_string(rec, size, &pos, e->path2_len, &v->path2);
	if (!err)
		err = take_string(rec, size, &pos, e->cwd_len, &v->cwd);
	if (!err && !v->path)
		err = -EINVAL;
	return err;
}

static int decode_dns(const char *rec, size_t size, struct bw_event_view *v)
{
	size_t pos = offsetof(struct bw_dns_event, data);

	if (v->dns->len > size - pos || v->dns->len > BW_DNS_MAX)
		return -EINVAL;
	v->payload = (const uint8_t *)rec + pos;
	v->payload_len = v->dns->len;
	return 0;
}

static int decode_priv(const char *rec, size_t size, struct bw_event_view *v)
{
	size_t pos = offsetof(struct bw_priv_event, data);

	if (v->priv->op == 0 || v->priv->op >= BW_PRIV_OP_MAX)
		return -EINVAL;
	return take_string(rec, size, &pos, v->priv->data_len, &v->str);
}

int events_decode(const void *data, size_t size, struct bw_event_view *out)
{
	const struct bw_event_header *h = data;

	/* Not exe_buf: 4 KiB written only for a deleted exe, and zeroing it was
	 * a tenth of decoding every record. */
	memset(out, 0, offsetof(struct bw_event_view, exe_buf));
	out->exe_buf[0] = '\0';
	if (size < sizeof(*h) || h->size > size || h->size < sizeof(*h))
		return -EINVAL;
	size = h->size;
	if (h->type == 0 || h->type >= BW_EV_TYPE_MAX || size < fixed_size[h->type])
		return -EINVAL;
	out->hdr = h;
	out->fork = data; /* union: every member is the same record pointer */
	switch (h->type) {
	case BW_EV_EXEC:
		return decode_exec(data, size, out);
	case BW_EV_EXEC_FAILED:
		return decode_exec_failed(data, size, out);
	case BW_EV_FILE:
		return decode_file(data, size, out);
	case BW_EV_DNS:
		return decode_dns(data, size, out);
	case BW_EV_PRIV:
		return decode_priv(data, size, out);
	default:
		return 0;
	}
}

int argv_split(const char *args, uint32_t len, struct bw_argv *out)
{
	const char *p, *z, *end = args + len;
	uint32_t i, n = 0, k = 0;
	size_t vsize;

	memset(out, 0, sizeof(*out));
	/* memchr: a libtool command line is a kilobyte of arguments */
	for (p = args; p < end; p = z + 1) {
		n++;
		z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			break; /* a truncated last argument */
	}
	/* One block, the pointers then the strings: an exec's argv costs one malloc. One
	 * extra byte so a truncated last argument is terminated too. */
	vsize = ((size_t)n + 1) * sizeof(char *);
	out->v = malloc(vsize + len + 1);
	if (!out->v)
		return -ENOMEM;
	out->buf = (char *)out->v + vsize;
	if (len)
		memcpy(out->buf, args, len);
	out->buf[len] = '\0';
	for (i = 0; i < len && k < n; k++) {
		out->v[k] = out->buf + i;
		i += strlen(out->buf + i) + 1;
	}
	out->v[n] = NULL;
	out->n = n;
	return 0;
}

void argv_free(struct bw_argv *a)
{
	free(a->v); /* buf lies in the same block */
	memset(a, 0, sizeof(*a));
}
