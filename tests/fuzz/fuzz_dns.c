// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the DNS parser (user/dns.c) on captured UDP/53
 * payloads, which the build's processes (or whoever answers them) choose.
 * Built and run by tests/fuzz.mk and tests/fuzz/run.sh (corpus:
 * tests/fuzz/dns/). Besides crashes and over-reads, it aborts when a
 * result breaks what the parser promises: printable names, bounded answers, deterministic output,
 * and a prefix of a good message never doing worse than "short" or
 * "truncated".
 */
#include "fuzz_common.h"
#include "events/dns.h"

static struct dns_msg msg, again, prefix;

static void check_name(const char *s)
{
	size_t n = strnlen(s, DNS_NAME_MAX);

	if (n == DNS_NAME_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ret = dns_parse(data, size, &msg);

	if (ret > DNS_OK || ret < DNS_ERR_INVAL || ret == DNS_ERR_INVAL)
		abort();
	check_name(msg.qname);
	if (msg.n_answers > DNS_MAX_ANSWERS)
		abort();
	for (size_t i = 0; i < msg.n_answers; i++) {
		check_name(msg.answers[i].name);
		check_name(msg.answers[i].cname);
	}
	if (dns_parse(data, size, &again) != ret || memcmp(&msg, &again, sizeof(msg)))
		abort();
	/* the whole datagram: only "truncated" turns into a count error */
	if (dns_parse_datagram(data, size, size, &again) !=
	    (ret == DNS_OK && msg.truncated ? DNS_ERR_COUNT : ret))
		abort();
	/* a good message cut anywhere after its question is a good, truncated one */
	if (ret == DNS_OK && size > 12 && !msg.truncated) {
		size_t cut = size - 1 - data[size - 1] % (size - 12);
		int r = dns_parse(data, cut, &prefix);

		if (r != DNS_OK && r != DNS_ERR_SHORT)
			abort();
		if (r == DNS_OK && (prefix.n_answers > msg.n_answers ||
				    memcmp(prefix.answers, msg.answers,
					   prefix.n_answers * sizeof(msg.answers[0]))))
			abort();
	}
	return 0;
}
