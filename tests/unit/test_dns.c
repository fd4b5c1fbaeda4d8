// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DNS parser: real-world queries and responses (built by hand in the layout
 * glibc, systemd-resolved and a compressing server put on the wire), every kind of malformed name and pointer, absurd counts, every
 * truncation of a valid response, and random and mutated buffers, each in a
 * heap block of exactly its length so ASan or valgrind sees any over-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "events/dns.h"
#include "lib/record_names.h"

/* ---- canned messages ---- */

/* glibc getaddrinfo("github.com"): RD, no EDNS. */
static const uint8_t q_github_a[28] = {
	0x1a, 0x2b, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x67, 0x69, 0x74, 0x68, 0x75, 0x62, 0x03, 0x63, 0x6f, 0x6d, 0x00,
	0x00, 0x01, 0x00, 0x01,
};
/* AAAA for api.github.com with an EDNS0 OPT record (UDP 1232, AD bit), as
 * systemd-resolved sends it. */
static const uint8_t q_api_aaaa[43] = {
	0xbe, 0xef, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x61, 0x70, 0x69, 0x06, 0x67, 0x69, 0x74, 0x68, 0x75, 0x62, 0x03,
	0x63, 0x6f, 0x6d, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04,
	0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* TXT for _dmarc.example.org: underscores are kept as they are. */
static const uint8_t q_dmarc_txt[36] = {
	0x00, 0x42, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x5f, 0x64, 0x6d, 0x61, 0x72, 0x63, 0x07, 0x65, 0x78, 0x61, 0x6d,
	0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x10, 0x00, 0x01,
};
/*
 * Response to "CodeLoad.GitHub.com" A (0x20 mixed case kept in the echoed
 * question), with compression throughout:
 *   codeload.github.com      3600 CNAME glb.github.com          (-> "github" in qname)
 *   glb.github.com             60 CNAME edge.fra.glb.github.com  (-> first CNAME's rdata)
 *   edge.fra.glb.github.com    30 A     140.82.121.9             (-> second CNAME's rdata)
 *   edge.fra.glb.github.com    30 A     140.82.121.10
 * and an OPT record in the additional section. _ends: offset past each answer.
 */
static const uint8_t r_cname_chain[121] = {
	0x7c, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x43, 0x6f, 0x64, 0x65, 0x4c, 0x6f, 0x61, 0x64, 0x06, 0x47, 0x69,
	0x74, 0x48, 0x75, 0x62, 0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00,
	0x01, 0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00,
	0x06, 0x03, 0x67, 0x6c, 0x62, 0xc0, 0x15, 0xc0, 0x31, 0x00, 0x05, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x0b, 0x04, 0x45, 0x64, 0x67, 0x65,
	0x03, 0x66, 0x72, 0x61, 0xc0, 0x31, 0xc0, 0x43, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x1e, 0x00, 0x04, 0x8c, 0x52, 0x79, 0x09, 0xc0, 0x43,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x04, 0x8c, 0x52,
	0x79, 0x0a, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,
};
static const size_t r_cname_chain_ends[] = { 55, 78, 94, 110 };
/* api.github.com 300 AAAA 2606:5080::8c52:7a06 */
static const uint8_t r_api_aaaa[60] = {
	0xbe, 0xef, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x61, 0x70, 0x69, 0x06, 0x67, 0x69, 0x74, 0x68, 0x75, 0x62, 0x03,
	0x63, 0x6f, 0x6d, 0x00, 0x00, 0x1c, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x1c,
	0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x10, 0x26, 0x06, 0x50, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8c, 0x52, 0x7a, 0x06,
};
/* TXT answer: walked, not recorded. */
static const uint8_t r_dmarc_txt[67] = {
	0x00, 0x42, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x5f, 0x64, 0x6d, 0x61, 0x72, 0x63, 0x07, 0x65, 0x78, 0x61, 0x6d,
	0x70, 0x6c, 0x65, 0x03, 0x6f, 0x72, 0x67, 0x00, 0x00, 0x10, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x13,
	0x12, 0x76, 0x3d, 0x44, 0x4d, 0x41, 0x52, 0x43, 0x31, 0x3b, 0x20, 0x70,
	0x3d, 0x72, 0x65, 0x6a, 0x65, 0x63, 0x74,
};

/* ---- a builder for the malformed ones ---- */

struct pkt {
	uint8_t b[2048];
	size_t n;
};

static void p_u8(struct pkt *p, uint8_t v)
{
	assert_true(p->n < sizeof(p->b));
	p->b[p->n++] = v;
}

static void p_u16(struct pkt *p, uint16_t v)
{
	p_u8(p, (uint8_t)(v >> 8));
	p_u8(p, (uint8_t)v);
}

static void p_u32(struct pkt *p, uint32_t v)
{
	p_u16(p, (uint16_t)(v >> 16));
	p_u16(p, (uint16_t)v);
}

static void p_bytes(struct pkt *p, const void *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p_u8(p, ((const uint8_t *)v)[i]);
}

static void p_label(struct pkt *p, const void *v, size_t n)
{
	p_u8(p, (uint8_t)n);
	p_bytes(p, v, n);
}

/* "a.b.c" as labels, without the terminating root or pointer. */
static void p_labels(struct pkt *p, const char *dotted)
{
	while (*dotted) {
		size_t n = strcspn(dotted, ".");

		p_label(p, dotted, n);
		dotted += n;
		if (*dotted == '.')
			dotted++;
	}
}

static void p_name(struct pkt *p, const char *dotted)
{
	p_labels(p, dotted);
	p_u8(p, 0);
}

static void p_ptr(struct pkt *p, size_t off)
{
	p_u16(p, (uint16_t)(0xc000 | off));
}

static void p_hdr(struct pkt *p, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
		  uint16_t ar)
{
	p->n = 0;
	p_u16(p, 0x4242);
	p_u16(p, flags);
	p_u16(p, qd);
	p_u16(p, an);
	p_u16(p, ns);
	p_u16(p, ar);
}

static void p_qtail(struct pkt *p, uint16_t type)
{
	p_u16(p, type);
	p_u16(p, 1);
}

/* Type, class, ttl, rdlength; the owner name is already written. */
static void p_rrtail(struct pkt *p, uint16_t type, uint16_t cls, uint32_t ttl, uint16_t rdlen)
{
	p_u16(p, type);
	p_u16(p, cls);
	p_u32(p, ttl);
	p_u16(p, rdlen);
}

/* ---- checks every result must pass ---- */

static bool printable_name(const char *s)
{
	size_t n = strnlen(s, DNS_NAME_MAX);

	if (n == DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static const struct dns_answer zero_answer;

static void check_invariants(int ret, const struct dns_msg *m)
{
	assert_true(ret <= DNS_OK && ret >= DNS_ERR_INVAL);
	assert_string_not_equal(dns_strerror(ret), "unknown DNS parse error");
	assert_true(printable_name(m->qname) || m->qname[0] == '\0');
	assert_true(m->n_answers <= DNS_MAX_ANSWERS);
	for (size_t i = 0; i < m->n_answers; i++) {
		const struct dns_answer *a = &m->answers[i];

		assert_true(a->type == DNS_TYPE_A || a->type == DNS_TYPE_AAAA ||
			    a->type == DNS_TYPE_CNAME);
		assert_true(printable_name(a->name));
		if (a->type == DNS_TYPE_CNAME)
			assert_true(printable_name(a->cname));
		else
			assert_int_equal(a->cname[0], '\0');
	}
	for (size_t i = m->n_answers; i < DNS_MAX_ANSWERS; i++)
		assert_true(memcmp(&m->answers[i], &zero_answer, sizeof(zero_answer)) == 0);
	if (ret == DNS_OK && m->qdcount > 0)
		assert_true(m->qname[0] != '\0');
	if (ret != DNS_OK)
		assert_false(m->truncated);
}

static struct dns_msg msg; /* large: keep it off the stack */

/* Parse a copy in a heap block of exactly len bytes. */
static int parse(const uint8_t *buf, size_t len, struct dns_msg *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);
	ret = dns_parse(copy, len, m);
	free(copy);
	check_invariants(ret, m);
	return ret;
}

static const struct dns_msg *parse_ok(const uint8_t *buf, size_t len)
{
	assert_int_equal(parse(buf, len, &msg), DNS_OK);
	return &msg;
}

/* ---- real messages ---- */

static void test_query_a(void **state)
{
	const struct dns_msg *m = parse_ok(q_github_a, sizeof(q_github_a));

	assert_int_equal(m->id, 0x1a2b);
	assert_false(m->response);
	assert_int_equal(m->opcode, 0);
	assert_int_equal(m->rcode, 0);
	assert_int_equal(m->qdcount, 1);
	assert_int_equal(m->ancount, 0);
	assert_string_equal(m->qname, "github.com");
	assert_int_equal(m->qtype, DNS_TYPE_A);
	assert_int_equal(m->qclass, DNS_CLASS_IN);
	assert_int_equal(m->n_answers, 0);
	assert_false(m->truncated);
	assert_string_equal(dns_type_name(m->qtype), "A");
}

static void test_query_aaaa_edns(void **state)
{
	const struct dns_msg *m = parse_ok(q_api_aaaa, sizeof(q_api_aaaa));

	assert_int_equal(m->id, 0xbeef);
	assert_string_equal(m->qname, "api.github.com");
	assert_int_equal(m->qtype, DNS_TYPE_AAAA);
	assert_string_equal(dns_type_name(m->qtype), "AAAA");
	assert_false(m->truncated);
	/* without its OPT record the message is a short capture */
	m = parse_ok(q_api_aaaa, sizeof(q_api_aaaa) - 11);
	assert_string_equal(m->qname, "api.github.com");
	assert_true(m->truncated);
}

static void test_query_txt(void **state)
{
	const struct dns_msg *m = parse_ok(q_dmarc_txt, sizeof(q_dmarc_txt));

	assert_string_equal(m->qname, "_dmarc.example.org");
	assert_int_equal(m->qtype, 16);
	assert_string_equal(dns_type_name(m->qtype), "TXT");
}

static void assert_a(const struct dns_answer *a, const char *name, uint32_t ttl,
		     uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
	const uint8_t want[16] = { b0, b1, b2, b3 };

	assert_int_equal(a->type, DNS_TYPE_A);
	assert_string_equal(a->name, name);
	assert_int_equal(a->ttl, ttl);
	assert_memory_equal(a->addr, want, 16);
	assert_string_equal(a->cname, "");
}

static void assert_cname(const struct dns_answer *a, const char *name, uint32_t ttl,
			 const char *target)
{
	const uint8_t zero[16] = { 0 };

	assert_int_equal(a->type, DNS_TYPE_CNAME);
	assert_string_equal(a->name, name);
	assert_int_equal(a->ttl, ttl);
	assert_string_equal(a->cname, target);
	assert_memory_equal(a->addr, zero, 16);
}

static void test_response_cname_chain(void **state)
{
	const struct dns_msg *m = parse_ok(r_cname_chain, sizeof(r_cname_chain));

	assert_int_equal(m->id, 0x7c01);
	assert_true(m->response);
	assert_int_equal(m->rcode, 0);
	assert_int_equal(m->ancount, 4);
	assert_string_equal(m->qname, "codeload.github.com");
	assert_int_equal(m->qtype, DNS_TYPE_A);
	assert_int_equal(m->n_answers, 4);
	assert_false(m->truncated);
	assert_cname(&m->answers[0], "codeload.github.com", 3600, "glb.github.com");
	assert_cname(&m->answers[1], "glb.github.com", 60, "edge.fra.glb.github.com");
	assert_a(&m->answers[2], "edge.fra.glb.github.com", 30, 140, 82, 121, 9);
	assert_a(&m->answers[3], "edge.fra.glb.github.com", 30, 140, 82, 121, 10);
}

static void test_response_aaaa(void **state)
{
	const uint8_t want[16] = { 0x26, 0x06, 0x50, 0x80, 0, 0, 0, 0,
				   0, 0, 0, 0, 0x8c, 0x52, 0x7a, 0x06 };
	const struct dns_msg *m = parse_ok(r_api_aaaa, sizeof(r_api_aaaa));

	assert_int_equal(m->n_answers, 1);
	assert_int_equal(m->answers[0].type, DNS_TYPE_AAAA);
	assert_string_equal(m->answers[0].name, "api.github.com");
	assert_int_equal(m->answers[0].ttl, 300);
	assert_memory_equal(m->answers[0].addr, want, 16);
}

static void test_response_txt_skipped(void **state)
{
	const struct dns_msg *m = parse_ok(r_dmarc_txt, sizeof(r_dmarc_txt));

	assert_int_equal(m->ancount, 1);
	assert_int_equal(m->n_answers, 0);
	assert_false(m->truncated);
}

/* NXDOMAIN with an SOA in the authority section, walked not recorded. */
static void test_response_nxdomain(void **state)
{
	struct pkt p;
	const struct dns_msg *m;

	p_hdr(&p, 0x8183, 1, 0, 1, 0);
	p_name(&p, "nope.example.com");
	p_qtail(&p, DNS_TYPE_A);
	p_ptr(&p, 17); /* example.com */
	p_rrtail(&p, 6, 1, 900, 2 + 6 + 4 * 5);
	p_labels(&p, "ns");
	p_ptr(&p, 17);
	p_labels(&p, "dns");
	p_ptr(&p, 17);
	for (int i = 0; i < 5; i++)
		p_u32(&p, 3600);
	m = parse_ok(p.b, p.n);
	assert_int_equal(m->rcode, 3);
	assert_string_equal(m->qname, "nope.example.com");
	assert_int_equal(m->n_answers, 0);
	assert_false(m->truncated);
}

/* A response longer than the 512-byte capture: 40 A records, cut at 512. */
static void test_response_cut_by_capture(void **state)
{
	struct pkt p;
	const struct dns_msg *m;

	p_hdr(&p, 0x8180, 1, 40, 0, 0);
	p_name(&p, "github.com");
	p_qtail(&p, DNS_TYPE_A);
	for (int i = 0; i < 40; i++) {
		p_ptr(&p, 12);
		p_rrtail(&p, DNS_TYPE_A, 1, 60, 4);
		p_bytes(&p, (uint8_t[]){ 10, 0, 0, (uint8_t)i }, 4);
	}
	assert_true(p.n > 512);
	m = parse_ok(p.b, p.n);
	assert_false(m->truncated);
	assert_int_equal(m->n_answers, DNS_MAX_ANSWERS);
	m = parse_ok(p.b, 512);
	assert_true(m->truncated);
	assert_int_equal(m->n_answers, DNS_MAX_ANSWERS);
	assert_a(&m->answers[15], "github.com", 60, 10, 0, 0, 15);
}

static void test_uppercase_lowered(void **state)
{
	struct pkt p;

	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	p_name(&p, "WWW.Example.COM");
	p_qtail(&p, DNS_TYPE_A);
	assert_string_equal(parse_ok(p.b, p.n)->qname, "www.example.com");
}

static void test_weird_bytes_escaped(void **state)
{
	struct pkt p;

	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	p_label(&p, "a.b", 3);
	p_label(&p, "x y", 3);
	p_label(&p, "\xff\x00\x7f", 3);
	p_label(&p, "\\", 1);
	p_label(&p, "*", 1);
	p_label(&p, "Ok_-9", 5);
	p_u8(&p, 0);
	p_qtail(&p, DNS_TYPE_A);
	assert_string_equal(parse_ok(p.b, p.n)->qname,
			    "a\\046b.x\\032y.\\255\\000\\127.\\092.\\042.ok_-9");
}

/* The root name prints as "."; no question prints as "". */
static void test_root_and_no_question(void **state)
{
	struct pkt p;
	const struct dns_msg *m;

	p_hdr(&p, 0x0000, 1, 0, 0, 0);
	p_u8(&p, 0);
	p_qtail(&p, 2);
	m = parse_ok(p.b, p.n);
	assert_string_equal(m->qname, ".");
	assert_string_equal(dns_type_name(m->qtype), "NS");

	p_hdr(&p, 0x8000, 0, 0, 0, 0);
	m = parse_ok(p.b, p.n);
	assert_string_equal(m->qname, "");
	assert_int_equal(m->qtype, 0);
	assert_true(m->response);
	assert_false(m->truncated);
}

/* Only the first question is decoded; the others are walked to the answers. */
static void test_two_questions(void **state)
{
	struct pkt p;
	const struct dns_msg *m;
	size_t cut;

	p_hdr(&p, 0x8180, 2, 1, 0, 0);
	p_name(&p, "first.example");
	p_qtail(&p, DNS_TYPE_A);
	cut = p.n + 3;
	p_labels(&p, "second");
	p_ptr(&p, 18);
	p_qtail(&p, DNS_TYPE_A);
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_A, 1, 5, 4);
	p_bytes(&p, "\x7f\x00\x00\x01", 4);
	m = parse_ok(p.b, p.n);
	assert_string_equal(m->qname, "first.example");
	assert_int_equal(m->n_answers, 1);
	assert_a(&m->answers[0], "first.example", 5, 127, 0, 0, 1);
	/* cut inside the second question: the first one stands */
	m = parse_ok(p.b, cut);
	assert_string_equal(m->qname, "first.example");
	assert_true(m->truncated);
	assert_int_equal(m->n_answers, 0);
}

static void test_opcode_rcode(void **state)
{
	struct pkt p;
	const struct dns_msg *m;

	p_hdr(&p, 0x8000 | 5 << 11 | 5, 1, 0, 0, 0); /* UPDATE response, REFUSED */
	p_name(&p, "example.com");
	p_qtail(&p, 6);
	m = parse_ok(p.b, p.n);
	assert_int_equal(m->opcode, 5);
	assert_int_equal(m->rcode, 5);
	assert_true(m->response);
}

/* Only class IN A/AAAA/CNAME answers are recorded. */
static void test_other_class_skipped(void **state)
{
	struct pkt p;
	const struct dns_msg *m;

	p_hdr(&p, 0x8180, 1, 2, 0, 0);
	p_name(&p, "version.bind");
	p_u16(&p, 16);
	p_u16(&p, 3);
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_A, 3, 0, 4); /* CHAOS "A": not an address */
	p_bytes(&p, "\x01\x02\x03\x04", 4);
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_A, 1, 7, 4);
	p_bytes(&p, "\x05\x06\x07\x08", 4);
	m = parse_ok(p.b, p.n);
	assert_int_equal(m->qclass, 3);
	assert_int_equal(m->n_answers, 1);
	assert_a(&m->answers[0], "version.bind", 7, 5, 6, 7, 8);
}

/* ---- malformed names and pointers ---- */

/* Header, one question at 12 for the root, then answers from offset 17. */
static void p_root_question(struct pkt *p, uint16_t an)
{
	p_hdr(p, 0x8180, 1, an, 0, 0);
	p_u8(p, 0);
	p_qtail(p, DNS_TYPE_A);
}

static void test_pointer_loop(void **state)
{
	struct pkt p;
	size_t x;

	/* two pointers at each other, reached from a later owner name */
	p_root_question(&p, 2);
	p_ptr(&p, 12);
	p_rrtail(&p, 10, 1, 0, 4); /* NULL record holding the pair */
	x = p.n;
	p_ptr(&p, x + 2);
	p_ptr(&p, x);
	p_ptr(&p, x + 2);
	p_rrtail(&p, DNS_TYPE_A, 1, 0, 4);
	p_bytes(&p, "\x01\x02\x03\x04", 4);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_LOOP);
	assert_string_equal(msg.qname, ".");

	/* a label, then a pointer back to it */
	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	p_label(&p, "a", 1);
	p_ptr(&p, 12);
	p_qtail(&p, DNS_TYPE_A);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_LOOP);
	assert_string_equal(msg.qname, "");

	/* a pointer to itself */
	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	p_ptr(&p, 12);
	p_qtail(&p, DNS_TYPE_A);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_LOOP);
}

/* A chain of pointers, each to the one before: DNS_MAX_HOPS is fine, one more is not. */
static void test_hop_limit(void **state)
{
	struct pkt p;
	size_t start, last;

	for (int hops = DNS_MAX_HOPS; hops <= DNS_MAX_HOPS + 1; hops++) {
		p_root_question(&p, 2);
		p_ptr(&p, 12);
		p_rrtail(&p, 10, 1, 0, (uint16_t)(2 * (hops - 1)));
		start = p.n;
		p_ptr(&p, 12);
		for (int i = 1; i < hops - 1; i++)
			p_ptr(&p, start + 2 * (i - 1));
		last = p.n - 2;
		p_ptr(&p, last);
		p_rrtail(&p, DNS_TYPE_A, 1, 0, 4);
		p_bytes(&p, "\x01\x02\x03\x04", 4);
		if (hops == DNS_MAX_HOPS) {
			const struct dns_msg *m = parse_ok(p.b, p.n);

			assert_int_equal(m->n_answers, 1);
			assert_string_equal(m->answers[0].name, ".");
		} else {
			assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_LOOP);
		}
	}
}

static void test_forward_pointer(void **state)
{
	struct pkt p;

	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	p_ptr(&p, 18);
	p_qtail(&p, DNS_TYPE_A);
	p_name(&p, "evil.example");
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_POINTER);

	/* into the header */
	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	p_labels(&p, "x");
	p_ptr(&p, 4);
	p_qtail(&p, DNS_TYPE_A);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_POINTER);

	/* backwards, but to a name that runs into the pointer */
	p_root_question(&p, 2);
	p_ptr(&p, 12);
	p_rrtail(&p, 10, 1, 0, 2);
	p_label(&p, "a", 1); /* no terminator: the next owner follows */
	p_ptr(&p, p.n - 2);
	p_rrtail(&p, DNS_TYPE_A, 1, 0, 4);
	p_bytes(&p, "\x01\x02\x03\x04", 4);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_POINTER);
}

static void test_pointer_past_end(void **state)
{
	struct pkt p;

	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	p_ptr(&p, 0x3fff);
	p_qtail(&p, DNS_TYPE_A);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_POINTER);

	/* in an answer too: a pointer is never a short capture */
	p_root_question(&p, 1);
	p_ptr(&p, 0x3fff);
	p_rrtail(&p, DNS_TYPE_A, 1, 0, 4);
	p_bytes(&p, "\x01\x02\x03\x04", 4);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_POINTER);
	assert_int_equal(msg.n_answers, 0);
}

static void test_label_past_end(void **state)
{
	struct pkt p;
	const struct dns_msg *m;

	/* in the question: the query cannot be known */
	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	p_u8(&p, 63);
	p_bytes(&p, "short", 5);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_SHORT);
	assert_string_equal(msg.qname, "");

	/* in an answer: a short capture */
	p_root_question(&p, 2);
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_A, 1, 9, 4);
	p_bytes(&p, "\x01\x02\x03\x04", 4);
	p_u8(&p, 40);
	p_bytes(&p, "cut", 3);
	m = parse_ok(p.b, p.n);
	assert_true(m->truncated);
	assert_int_equal(m->n_answers, 1);
}

static void test_name_too_long(void **state)
{
	char label[63];
	struct pkt p;
	const struct dns_msg *m;
	size_t q2;

	memset(label, 'a', sizeof(label));
	/* 3 x 63 + 61 octets of labels: exactly 255 on the wire */
	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		p_label(&p, label, 63);
	p_label(&p, label, 61);
	p_u8(&p, 0);
	p_qtail(&p, DNS_TYPE_A);
	m = parse_ok(p.b, p.n);
	assert_int_equal(strlen(m->qname), 253);

	/* 62 in the last: 256 */
	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		p_label(&p, label, 63);
	p_label(&p, label, 62);
	p_u8(&p, 0);
	p_qtail(&p, DNS_TYPE_A);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_NAME);

	/* too long only once a pointer joins two legal halves */
	p_hdr(&p, 0x8180, 1, 1, 0, 0);
	p_label(&p, label, 63);
	p_label(&p, label, 63);
	p_u8(&p, 0);
	p_qtail(&p, DNS_TYPE_A);
	q2 = 12;
	p_label(&p, label, 63);
	p_label(&p, label, 63);
	p_ptr(&p, q2);
	p_rrtail(&p, DNS_TYPE_A, 1, 0, 4);
	p_bytes(&p, "\x01\x02\x03\x04", 4);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_NAME);
	assert_int_equal(strlen(msg.qname), 127);
}

/* Legal on the wire, too long to print once escaped. */
static void test_name_escapes_overflow(void **state)
{
	uint8_t label[60];
	struct pkt p;

	memset(label, 0xff, sizeof(label));
	p_hdr(&p, 0x0100, 1, 0, 0, 0);
	for (int i = 0; i < 4; i++)
		p_label(&p, label, sizeof(label));
	p_u8(&p, 0);
	p_qtail(&p, 16);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_NAMEBUF);
	assert_string_equal(msg.qname, "");

	/* as the owner of a TXT answer it does not matter ... */
	p_root_question(&p, 1);
	for (int i = 0; i < 4; i++)
		p_label(&p, label, sizeof(label));
	p_u8(&p, 0);
	p_rrtail(&p, 16, 1, 0, 1);
	p_u8(&p, 0);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_OK);
	/* ... as the owner of an A answer it does */
	p.b[p.n - 10] = DNS_TYPE_A;
	p.b[p.n - 2] = 4;
	p_bytes(&p, "\x01\x02\x03", 3);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_NAMEBUF);
}

static void test_reserved_label_types(void **state)
{
	static const uint8_t types[] = { 0x40, 0x41, 0x80, 0xbf };
	struct pkt p;

	for (size_t i = 0; i < sizeof(types); i++) {
		p_hdr(&p, 0x0100, 1, 0, 0, 0);
		p_labels(&p, "ok");
		p_u8(&p, types[i]);
		p_bytes(&p, "\x00\x00\x00\x00\x00\x00", 6);
		assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_NAME);
	}
}

static void test_rdata_lengths(void **state)
{
	struct pkt p;

	/* A of 5 bytes */
	p_root_question(&p, 1);
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_A, 1, 0, 5);
	p_bytes(&p, "\x01\x02\x03\x04\x05", 5);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_RDATA);
	/* AAAA of 4 */
	p_root_question(&p, 1);
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_AAAA, 1, 0, 4);
	p_bytes(&p, "\x01\x02\x03\x04", 4);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_RDATA);
	/* CNAME with a byte after its name */
	p_root_question(&p, 1);
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_CNAME, 1, 0, 4);
	p_name(&p, "a");
	p_u8(&p, 0);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_RDATA);
	/* CNAME whose name runs past its rdlength into the next record */
	p_root_question(&p, 2);
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_CNAME, 1, 0, 2);
	p_name(&p, "abc");
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_A, 1, 0, 4);
	p_bytes(&p, "\x01\x02\x03\x04", 4);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_RDATA);
	/* the same faults past the 16th answer are still faults */
	p_root_question(&p, DNS_MAX_ANSWERS + 1);
	for (int i = 0; i < DNS_MAX_ANSWERS; i++) {
		p_ptr(&p, 12);
		p_rrtail(&p, DNS_TYPE_A, 1, 0, 4);
		p_bytes(&p, "\x01\x02\x03\x04", 4);
	}
	p_ptr(&p, 12);
	p_rrtail(&p, DNS_TYPE_A, 1, 0, 3);
	p_bytes(&p, "\x01\x02\x03", 3);
	assert_int_equal(parse(p.b, p.n, &msg), DNS_ERR_RDATA);
}

static void test_many_answers_bounded(void **state)
{
	struct pkt p;
	const struct dns_msg *m;

	p_root_question(&p, 40);
	for (int i = 0; i < 40; i++) {
		p_ptr(&p, 12);
		if (i % 2) {
			p_rrtail(&p, DNS_TYPE_CNAME, 1, (uint32_t)i, 3);
			p_labels(&p, "c");
			p_u8(&p, 0);
		} else {
			p_rrtail(&p, DNS_TYPE_A, 1, (uint32_t)i, 4);
			p_bytes(&p, (uint8_t[]){ 10, 0, 0, (uint8_t)i }, 4);
		}
	}
	m = parse_ok(p.b, p.n);
	assert_int_equal(m->n_answers, DNS_MAX_ANSWERS);
	assert_false(m->truncated);
	assert_cname(&m->answers[15], ".", 15, "c");
	assert_a(&m->answers[14], ".", 14, 10, 0, 0, 14);
}

/* ---- counts, sizes, arguments ---- */

static void test_absurd_counts(void **state)
{
	uint8_t buf[sizeof(r_cname_chain)];
	const struct dns_msg *m;

	/* no message of 65535 bytes holds 65535 records: an error, with the question */
	memcpy(buf, r_cname_chain, sizeof(buf));
	buf[6] = 0xff;
	buf[7] = 0xff;
	assert_int_equal(parse(buf, sizeof(buf), &msg), DNS_ERR_COUNT);
	assert_string_equal(msg.qname, "codeload.github.com");
	assert_int_equal(msg.ancount, 65535);

	/* 100 could be real: what exists is parsed, the rest was not captured */
	buf[6] = 0;
	buf[7] = 100;
	m = parse_ok(buf, sizeof(buf));
	assert_true(m->truncated);
	assert_int_equal(m->n_answers, 4);

	/* questions too */
	memcpy(buf, q_github_a, sizeof(q_github_a));
	buf[4] = 0xff;
	buf[5] = 0xff;
	assert_int_equal(parse(buf, sizeof(q_github_a), &msg), DNS_ERR_COUNT);
	assert_string_equal(msg.qname, "github.com");

	/* the sum of sections */
	memcpy(buf, q_github_a, sizeof(q_github_a));
	for (int i = 6; i < 12; i += 2) {
		buf[i] = 2000 >> 8;
		buf[i + 1] = 2000 & 0xff;
	}
	assert_int_equal(parse(buf, sizeof(q_github_a), &msg), DNS_ERR_COUNT);

	/* no question but answers */
	memcpy(buf, q_github_a, 12);
	buf[4] = 0;
	buf[5] = 0;
	buf[7] = 3;
	m = parse_ok(buf, 12);
	assert_string_equal(m->qname, "");
	assert_true(m->truncated);
}

/* With the datagram's real size known, missing records are a lie. */
static void test_datagram_size(void **state)
{
	const size_t n = sizeof(r_cname_chain);

	/* captured whole */
	assert_int_equal(dns_parse_datagram(r_cname_chain, n, n, &msg), DNS_OK);
	assert_false(msg.truncated);
	assert_int_equal(msg.n_answers, 4);
	/* cut by the capture */
	assert_int_equal(dns_parse_datagram(r_cname_chain, 100, n, &msg), DNS_OK);
	assert_true(msg.truncated);
	assert_int_equal(msg.n_answers, 3);
	/* the whole datagram, yet records missing */
	assert_int_equal(dns_parse_datagram(r_cname_chain, 100, 100, &msg), DNS_ERR_COUNT);
	assert_false(msg.truncated);
	assert_string_equal(msg.qname, "codeload.github.com");
	assert_int_equal(msg.n_answers, 3);
	/* unknown size: as dns_parse */
	assert_int_equal(dns_parse_datagram(r_cname_chain, 100, 0, &msg), DNS_OK);
	assert_true(msg.truncated);
	/* errors pass through; nonsense sizes are refused */
	assert_int_equal(dns_parse_datagram(r_cname_chain, 20, n, &msg), DNS_ERR_SHORT);
	assert_int_equal(dns_parse_datagram(r_cname_chain, n, n - 1, &msg), DNS_ERR_INVAL);
	assert_int_equal(msg.id, 0);
	assert_int_equal(dns_parse_datagram(r_cname_chain, n, n, NULL), DNS_ERR_INVAL);
}

static void test_short_buffers(void **state)
{
	uint8_t hdr[12] = { 0 };

	assert_int_equal(dns_parse(NULL, 0, &msg), DNS_ERR_SHORT);
	assert_int_equal(parse(q_github_a, 0, &msg), DNS_ERR_SHORT);
	assert_int_equal(parse(q_github_a, 11, &msg), DNS_ERR_SHORT);
	assert_int_equal(msg.id, 0);
	/* a header announcing a question that is not there */
	assert_int_equal(parse(q_github_a, 12, &msg), DNS_ERR_SHORT);
	assert_int_equal(msg.id, 0x1a2b);
	/* a header and nothing announced */
	assert_int_equal(parse(hdr, 12, &msg), DNS_OK);
	assert_false(msg.truncated);

	assert_int_equal(dns_parse(q_github_a, sizeof(q_github_a), NULL), DNS_ERR_INVAL);
	assert_int_equal(dns_parse(NULL, 12, &msg), DNS_ERR_INVAL);
}

/* Every prefix of a valid message: never a crash, and a result consistent
 * with the whole message. qend: offset past the first question. */
static void check_prefixes(const uint8_t *buf, size_t len, size_t qend, const size_t *ends,
			   size_t n_ends)
{
	static struct dns_msg full;
	int ret;

	assert_int_equal(dns_parse(buf, len, &full), DNS_OK);
	for (size_t cut = 0; cut <= len; cut++) {
		size_t want = 0;

		ret = parse(buf, cut, &msg);
		if (cut < qend) {
			assert_int_equal(ret, DNS_ERR_SHORT);
			assert_string_equal(msg.qname, "");
			continue;
		}
		assert_int_equal(ret, DNS_OK);
		assert_int_equal(msg.truncated, cut < len);
		assert_string_equal(msg.qname, full.qname);
		assert_int_equal(msg.id, full.id);
		while (want < n_ends && ends[want] <= cut)
			want++;
		assert_int_equal(msg.n_answers, want);
		assert_memory_equal(msg.answers, full.answers, want * sizeof(full.answers[0]));
	}
}

static void test_every_truncation(void **state)
{
	static const size_t aaaa_end[] = { sizeof(r_api_aaaa) };

	check_prefixes(r_cname_chain, sizeof(r_cname_chain), 37, r_cname_chain_ends, 4);
	check_prefixes(r_api_aaaa, sizeof(r_api_aaaa), 32, aaaa_end, 1);
	check_prefixes(q_api_aaaa, sizeof(q_api_aaaa), 32, NULL, 0);
	check_prefixes(q_github_a, sizeof(q_github_a), sizeof(q_github_a), NULL, 0);
	check_prefixes(r_dmarc_txt, sizeof(r_dmarc_txt), 36, NULL, 0);
}

/* ---- random and mutated input ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: fixed seed, same sequence on every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static void stress_one(const uint8_t *buf, size_t len)
{
	static struct dns_msg again;
	int ret = parse(buf, len, &msg);

	/* deterministic, whole output */
	assert_int_equal(dns_parse(buf, len, &again), ret);
	assert_true(memcmp(&again, &msg, sizeof(msg)) == 0);
}

static void test_random_bytes(void **state)
{
	uint8_t buf[600];
	unsigned ok = 0;

	rng_state = 0x6275696c64776172ULL; /* "buildwar" */
	for (int i = 0; i < 200000; i++) {
		size_t len = rnd() % (sizeof(buf) + 1);

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rnd();
		/* half of them with small counts, so the sections get walked */
		if (i % 2 && len >= 12) {
			buf[4] = 0;
			buf[5] = (uint8_t)(rnd() % 3);
			buf[6] = 0;
			buf[7] = (uint8_t)(rnd() % 20);
			buf[8] = buf[10] = 0;
		}
		stress_one(buf, len);
		ok += msg.qdcount == 0 || msg.qname[0];
	}
	assert_true(ok > 0);
}

/* Valid messages with a few bytes changed, reach much deeper than noise. */
static void test_mutated_messages(void **state)
{
	static const struct { const uint8_t *b; size_t n; } seeds[] = {
		{ r_cname_chain, sizeof(r_cname_chain) },
		{ r_api_aaaa, sizeof(r_api_aaaa) },
		{ q_api_aaaa, sizeof(q_api_aaaa) },
		{ r_dmarc_txt, sizeof(r_dmarc_txt) },
	};
	uint8_t buf[sizeof(r_cname_chain) + 8];
	unsigned counts[9] = { 0 };

	rng_state = 0x646e732d6d757421ULL;
	for (int i = 0; i < 200000; i++) {
		size_t s = rnd() % 4, len = seeds[s].n;
		unsigned flips = 1 + rnd() % 4;
		int ret;

		memcpy(buf, seeds[s].b, len);
		for (unsigned f = 0; f < flips; f++) {
			size_t at = rnd() % len;

			switch (rnd() % 4) {
			case 0: buf[at] = (uint8_t)rnd(); break;
			case 1: buf[at] = (uint8_t)(0xc0 | (rnd() & 1)); break; /* a pointer */
			case 2: buf[at] = (uint8_t)(rnd() % len); break;       /* an offset */
			default: buf[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
			}
		}
		if (rnd() % 4 == 0)
			len = rnd() % (len + 1);
		stress_one(buf, len);
		ret = msg.truncated ? 8 : -dns_parse(buf, len, &msg);
		counts[ret]++;
	}
	/* the mutations reach success, truncation and most errors */
	assert_true(counts[0] > 0 && counts[8] > 0);
	assert_true(counts[-DNS_ERR_SHORT] > 0 && counts[-DNS_ERR_NAME] > 0);
	assert_true(counts[-DNS_ERR_LOOP] > 0 && counts[-DNS_ERR_POINTER] > 0);
	assert_true(counts[-DNS_ERR_RDATA] > 0);
}

static void test_names_and_errors(void **state)
{
	assert_string_equal(dns_type_name(5), "CNAME");
	assert_string_equal(dns_type_name(65), "HTTPS");
	assert_string_equal(dns_type_name(10), "NULL");
	assert_string_equal(dns_type_name(255), "ANY");
	assert_null(dns_type_name(0));
	assert_null(dns_type_name(65280));
	for (int e = DNS_OK; e >= DNS_ERR_INVAL; e--)
		assert_string_not_equal(dns_strerror(e), "unknown DNS parse error");
	assert_string_equal(dns_strerror(-99), "unknown DNS parse error");
	assert_string_equal(dns_strerror(DNS_OK), "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_a),
		cmocka_unit_test(test_query_aaaa_edns),
		cmocka_unit_test(test_query_txt),
		cmocka_unit_test(test_response_cname_chain),
		cmocka_unit_test(test_response_aaaa),
		cmocka_unit_test(test_response_txt_skipped),
		cmocka_unit_test(test_response_nxdomain),
		cmocka_unit_test(test_response_cut_by_capture),
		cmocka_unit_test(test_uppercase_lowered),
		cmocka_unit_test(test_weird_bytes_escaped),
		cmocka_unit_test(test_root_and_no_question),
		cmocka_unit_test(test_two_questions),
		cmocka_unit_test(test_opcode_rcode),
		cmocka_unit_test(test_other_class_skipped),
		cmocka_unit_test(test_pointer_loop),
		cmocka_unit_test(test_hop_limit),
		cmocka_unit_test(test_forward_pointer),
		cmocka_unit_test(test_pointer_past_end),
		cmocka_unit_test(test_label_past_end),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_name_escapes_overflow),
		cmocka_unit_test(test_reserved_label_types),
		cmocka_unit_test(test_rdata_lengths),
		cmocka_unit_test(test_many_answers_bounded),
		cmocka_unit_test(test_absurd_counts),
		cmocka_unit_test(test_datagram_size),
		cmocka_unit_test(test_short_buffers),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_mutated_messages),
		cmocka_unit_test(test_names_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
