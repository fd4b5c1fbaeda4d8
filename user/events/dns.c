// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DNS message parser (RFC 1035 section 4, names per RFC 1035 3.1/4.1.4).
 *
 * Compression pointers may only point backwards, and the name they point to
 * must end before the pointer: every jump therefore shrinks the window the
 * name may be read from, so a name cannot revisit bytes and the walk ends.
 * The hop limit and the visited-segment check are belts on those braces and
 * give the better error for the usual attacks.
 */
#include <string.h>
#include "events/dns.h"

#define NAME_WIRE_MAX 255         /* octets, uncompressed, root included */
#define QUESTION_MIN 5            /* root name + type + class */
#define RR_MIN 11                 /* root name + type, class, ttl, rdlength */
#define MESSAGE_MAX 65535

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct name_out {
	char *buf;      /* NULL: validate only */
	size_t size;
	size_t len;
	bool overflow;  /* the presentation form did not fit */
};

static void put_char(struct name_out *o, char c)
{
	if (!o->buf || o->overflow)
		return;
	if (o->len + 1 >= o->size) {
		o->overflow = true;
		return;
	}
	o->buf[o->len++] = c;
}

static void put_label(struct name_out *o, const uint8_t *label, size_t n)
{
	if (o->len > 0)
		put_char(o, '.');
	for (size_t i = 0; i < n; i++) {
		uint8_t c = label[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
			put_char(o, (char)c);
		} else {
			put_char(o, '\\');
			put_char(o, (char)('0' + c / 100));
			put_char(o, (char)('0' + c / 10 % 10));
			put_char(o, (char)('0' + c % 10));
		}
	}
}

struct seg {
	size_t start, end;  /* [start, end) read for this name */
};

/*
 * Read the name at off. In place, bytes up to `limit` may be used (len for
 * a record's owner, the rdata end for a name inside rdata); after a jump,
 * only bytes before the pointer taken. *next is the offset just past the
 * name where it sits. Running out of bytes in place is DNS_ERR_SHORT (the
 * capture, or the rdata, ended); running out after a jump is a bad pointer.
 * A name too long to print is reported only once the name is otherwise
 * known to be good.
 */
static int name_read(const uint8_t *buf, size_t len, size_t off, size_t limit,
		     char *dst, size_t dst_size, size_t *next)
{
	struct name_out o = { .buf = dst, .size = dst_size };
	struct seg segs[DNS_MAX_HOPS + 1];
	size_t nsegs = 1, pos = off, bound = limit < len ? limit : len;
	size_t wire = 0, after = 0;
	bool jumped = false;

	if (dst && dst_size)
		dst[0] = '\0';
	segs[0].start = off;
	for (;;) {
		uint8_t c;

		if (pos >= bound)
			return jumped ? DNS_ERR_POINTER : DNS_ERR_SHORT;
		c = buf[pos];
		switch (c & 0xc0) {
		case 0x00:
			if (c == 0) {
				if (!jumped)
					after = pos + 1;
				if (wire == 0)
					put_char(&o, '.');
				if (o.buf)
					o.buf[o.len] = '\0';
				*next = after;
				return o.overflow ? DNS_ERR_NAMEBUF : DNS_OK;
			}
			if (c > bound - pos - 1)
				return jumped ? DNS_ERR_POINTER : DNS_ERR_SHORT;
			wire += (size_t)c + 1;
			if (wire + 1 > NAME_WIRE_MAX)
				return DNS_ERR_NAME;
			put_label(&o, buf + pos + 1, c);
			pos += (size_t)c + 1;
			break;
		case 0xc0: {
			size_t target;

			if (bound - pos < 2)
				return jumped ? DNS_ERR_POINTER : DNS_ERR_SHORT;
			target = (size_t)(c & 0x3f) << 8 | buf[pos + 1];
			segs[nsegs - 1].end = pos + 2;
			for (size_t i = 0; i < nsegs; i++)
				if (target >= segs[i].start && target < segs[i].end)
					return DNS_ERR_LOOP;
			if (target >= pos || target < DNS_HEADER_LEN)
				return DNS_ERR_POINTER;
			if (nsegs > DNS_MAX_HOPS)
				return DNS_ERR_LOOP;
			if (!jumped)
				after = pos + 2;
			jumped = true;
			bound = pos;
			pos = target;
			segs[nsegs++].start = target;
			break;
		}
		default: /* 01: extended label (RFC 6891 obsoleted it), 10: reserved */
			return DNS_ERR_NAME;
		}
	}
}

enum section { SEC_AN, SEC_NS, SEC_AR };

/* A record not recorded leaves its slot as it found it: empty. */
static int slot_clear(struct dns_answer *a, int err)
{
	if (a)
		memset(a, 0, sizeof(*a));
	return err;
}

/*
 * One resource record at *pos. Returns DNS_OK (with *pos past it),
 * DNS_ERR_SHORT when the capture ends inside it, or another error.
 */
static int rr_read(const uint8_t *buf, size_t len, size_t *pos, enum section sec,
		   struct dns_msg *out)
{
	/* Names of answers past the last slot are still decoded, into scratch,
	 * so the verdict never depends on how many answers came before. */
	char scratch_name[DNS_NAME_MAX], scratch_cname[DNS_NAME_MAX];
	struct dns_answer *a = NULL;
	char *name = NULL, *cname = NULL;
	size_t p = *pos, rd;
	uint16_t type, cls, rdlen;
	uint32_t ttl;
	int err, owner_err;

	if (sec == SEC_AN) {
		if (out->n_answers < DNS_MAX_ANSWERS)
			a = &out->answers[out->n_answers];
		name = a ? a->name : scratch_name;
		cname = a ? a->cname : scratch_cname;
	}
	/* An owner name too long to print matters only if the record is kept. */
	owner_err = name_read(buf, len, p, len, name, DNS_NAME_MAX, &p);
	if (owner_err && owner_err != DNS_ERR_NAMEBUF)
		return slot_clear(a, owner_err);
	if (len - p < 10)
		return slot_clear(a, DNS_ERR_SHORT);
	type = get16(buf + p);
	cls = get16(buf + p + 2);
	ttl = get32(buf + p + 4);
	rdlen = get16(buf + p + 8);
	rd = p + 10;
	if (len - rd < rdlen)
		return slot_clear(a, DNS_ERR_SHORT);
	*pos = rd + rdlen;

	if (sec != SEC_AN || cls != DNS_CLASS_IN ||
	    (type != DNS_TYPE_A && type != DNS_TYPE_AAAA && type != DNS_TYPE_CNAME))
		return slot_clear(a, DNS_OK);
	if (type == DNS_TYPE_A && rdlen != 4)
		return slot_clear(a, DNS_ERR_RDATA);
	if (type == DNS_TYPE_AAAA && rdlen != 16)
		return slot_clear(a, DNS_ERR_RDATA);
	if (type == DNS_TYPE_CNAME) {
		size_t end;

		err = name_read(buf, len, rd, rd + rdlen, cname, DNS_NAME_MAX, &end);
		if (err == DNS_ERR_SHORT ||
		    ((!err || err == DNS_ERR_NAMEBUF) && end != rd + rdlen))
			return slot_clear(a, DNS_ERR_RDATA);
		if (err)
			return slot_clear(a, err);
	}
	if (owner_err)
		return slot_clear(a, owner_err);
	if (!a)
		return DNS_OK;
	a->type = type;
	a->ttl = ttl;
	memset(a->addr, 0, sizeof(a->addr));
	if (type != DNS_TYPE_CNAME) {
		memcpy(a->addr, buf + rd, rdlen);
		a->cname[0] = '\0';
	}
	out->n_answers++;
	return DNS_OK;
}

int dns_parse(const uint8_t *buf, size_t len, struct dns_msg *out)
{
	uint16_t flags, nscount, arcount;
	size_t pos = DNS_HEADER_LEN, min;
	int err;

	if (!out)
		return DNS_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (!buf && len)
		return DNS_ERR_INVAL;
	if (len < DNS_HEADER_LEN)
		return DNS_ERR_SHORT;

	out->id = get16(buf);
	flags = get16(buf + 2);
	out->response = flags & 0x8000;
	out->opcode = (flags >> 11) & 0xf;
	out->rcode = flags & 0xf;
	out->qdcount = get16(buf + 4);
	out->ancount = get16(buf + 6);
	nscount = get16(buf + 8);
	arcount = get16(buf + 10);

	/* The first question must be whole: it is what a query is about. */
	if (out->qdcount > 0) {
		err = name_read(buf, len, pos, len, out->qname, sizeof(out->qname), &pos);
		if (err) {
			out->qname[0] = '\0';
			return err;
		}
		if (len - pos < 4) {
			out->qname[0] = '\0';
			return DNS_ERR_SHORT;
		}
		out->qtype = get16(buf + pos);
		out->qclass = get16(buf + pos + 2);
		pos += 4;
	}

	/* Checked after the question so a malformed message still says what
	 * it asked. Counts the largest message cannot hold are lies, not a
	 * short capture. */
	min = (size_t)out->qdcount * QUESTION_MIN +
	      ((size_t)out->ancount + nscount + arcount) * RR_MIN;
	if (min > MESSAGE_MAX - DNS_HEADER_LEN)
		return DNS_ERR_COUNT;

	for (unsigned i = 1; i < out->qdcount; i++) {
		err = name_read(buf, len, pos, len, NULL, 0, &pos);
		if (!err && len - pos < 4)
			err = DNS_ERR_SHORT;
		if (err == DNS_ERR_SHORT)
			goto truncated;
		if (err)
			return err;
		pos += 4;
	}

	for (unsigned s = SEC_AN; s <= SEC_AR; s++) {
		unsigned n = s == SEC_AN ? out->ancount : s == SEC_NS ? nscount : arcount;

		for (unsigned i = 0; i < n; i++) {
			err = rr_read(buf, len, &pos, (enum section)s, out);
			if (err == DNS_ERR_SHORT)
				goto truncated;
			if (err)
				return err;
		}
	}
	return DNS_OK;

truncated:
	out->truncated = true;
	return DNS_OK;
}

int dns_parse_datagram(const uint8_t *buf, size_t len, size_t wire_len, struct dns_msg *out)
{
	int err;

	if (wire_len && wire_len < len) {
		if (out)
			memset(out, 0, sizeof(*out));
		return DNS_ERR_INVAL;
	}
	err = dns_parse(buf, len, out);
	if (err == DNS_OK && out->truncated && wire_len == len) {
		out->truncated = false;
		return DNS_ERR_COUNT;
	}
	return err;
}

const char *dns_strerror(int err)
{
	switch (err) {
	case DNS_OK: return "ok";
	case DNS_ERR_SHORT: return "message ends inside its header or first question";
	case DNS_ERR_NAME: return "name has a reserved label type or exceeds 255 octets";
	case DNS_ERR_LOOP: return "compression pointers loop or exceed the hop limit";
	case DNS_ERR_COUNT: return "section counts exceed what the message holds";
	case DNS_ERR_POINTER: return "compression pointer not to an earlier name";
	case DNS_ERR_RDATA: return "A, AAAA or CNAME record data of the wrong length";
	case DNS_ERR_NAMEBUF: return "name too long to print with escapes";
	case DNS_ERR_INVAL: return "invalid argument";
	default: return "unknown DNS parse error";
	}
}
