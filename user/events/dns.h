/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS messages as BPF captures them from UDP/53 sends and receives: at most
 * the first 512 bytes of a datagram that may be longer. The parser decodes
 * what the capture holds, says when the capture ended before the message did,
 * and rejects malformed messages with a reason. It never reads past `len`,
 * never loops, and never allocates.
 */
#ifndef BW_DNS_H
#define BW_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 256    /* presentation form, including the NUL */
#define DNS_MAX_ANSWERS 16  /* A/AAAA/CNAME answers recorded per message */
#define DNS_HEADER_LEN 12
#define DNS_MAX_HOPS 64     /* compression pointers followed per name */

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1

struct dns_answer {
	uint16_t type;             /* DNS_TYPE_A, DNS_TYPE_AAAA or DNS_TYPE_CNAME */
	uint32_t ttl;              /* as on the wire */
	uint8_t addr[16];          /* A: first 4 bytes; AAAA: all 16; CNAME: zero */
	char name[DNS_NAME_MAX];   /* owner name */
	char cname[DNS_NAME_MAX];  /* CNAME target; "" for A/AAAA */
};

/*
 * Names are in presentation form: lower-cased, no trailing dot, the root
 * name as ".", and every byte outside [a-z0-9_-] (after lower-casing)
 * written as \DDD, so a name is always printable ASCII and "a.b" as one
 * label ("a\046b") cannot be confused with two.
 */
struct dns_msg {
	uint16_t id;
	bool response;     /* QR bit */
	uint8_t opcode;
	uint8_t rcode;
	uint16_t qdcount, ancount;
	char qname[DNS_NAME_MAX];  /* first question; "" when qdcount is 0 */
	uint16_t qtype, qclass;
	size_t n_answers;
	struct dns_answer answers[DNS_MAX_ANSWERS];
	bool truncated;    /* the capture ended before the last record the header announces */
};

enum dns_err {
	DNS_OK = 0,
	DNS_ERR_SHORT = -1,   /* shorter than a header, or cut inside the first question */
	DNS_ERR_NAME = -2,    /* reserved label type (01/10), or a name over 255 octets */
	DNS_ERR_LOOP = -3,    /* pointer back into the name being read, or > DNS_MAX_HOPS pointers */
	DNS_ERR_COUNT = -4,   /* section counts no DNS message (<= 65535 bytes) could hold,
			       * or (dns_parse_datagram) more than the whole datagram holds */
	DNS_ERR_POINTER = -5, /* pointer forward, past the end, into the header, or to a
			       * name that runs into the pointer */
	DNS_ERR_RDATA = -6,   /* A/AAAA/CNAME answer whose rdata has the wrong length */
	DNS_ERR_NAMEBUF = -7, /* a legal name whose escaped form exceeds DNS_NAME_MAX */
	DNS_ERR_INVAL = -8,   /* NULL out, NULL buf with len > 0, wire_len < len */
};

/*
 * Parse buf[0..len). Returns DNS_OK or a negative enum dns_err.
 *
 * A message that is complete up to and including its first question parses
 * OK; if the capture ends before the last record the header's counts
 * announce, out->truncated is set and everything whole before the cut is
 * returned. Records of the answer section with class IN and type A, AAAA or
 * CNAME are recorded (the first DNS_MAX_ANSWERS of them); other records, and
 * the authority and additional sections, are walked for validity but not
 * recorded.
 *
 * out is always written: on error it holds the header and whatever decoded
 * before the fault (qname is non-empty iff the first question decoded), so a
 * caller counting malformed packets can still say what was asked.
 */
int dns_parse(const uint8_t *buf, size_t len, struct dns_msg *out);

/*
 * dns_parse() for a capture of the first len bytes of a datagram of
 * wire_len bytes (struct bw_dns_event's len and total_len). When the whole
 * datagram was captured, records the header announces but the message lacks
 * are not a short capture but a lie: DNS_ERR_COUNT, out filled as far as it
 * got. wire_len 0 means unknown (plain dns_parse); 0 < wire_len < len is
 * DNS_ERR_INVAL.
 */
int dns_parse_datagram(const uint8_t *buf, size_t len, size_t wire_len, struct dns_msg *out);

/* A static description of a dns_parse() result. */
const char *dns_strerror(int err);

#endif /* BW_DNS_H */
