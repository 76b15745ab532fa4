/* test_snmp_ber.c - the collector's own SNMPv1/v2c BER (snmp_ber.c) against
 * net-snmp's: requests we write must be the bytes net-snmp's snmp_build
 * writes for the same PDU, and answers net-snmp builds (every value type an
 * agent sends, random names and values) must read back as net-snmp's
 * variables were; then what is refused (cut datagrams, lengths past the end,
 * wrong types) with a reason, never read past the buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collector/drivers/snmp_ber.h"
#include "pp_test.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static size_t rand_oid(oid *o)
{
	size_t n = 2 + pt_rand(&rng) % 20;
	o[0] = pt_rand(&rng) % 3;
	o[1] = o[0] < 2 ? pt_rand(&rng) % 40 : pt_rand(&rng) % 2000;
	for (size_t i = 2; i < n; i++) {
		uint64_t r = pt_rand(&rng);
		o[i] = r % 9 == 0 ? 4294967295UL - r % 4 : r % 4 == 0 ? r % 128 : r % 100000;
	}
	return n;
}

/* net-snmp's bytes for a PDU of version ver and community c: a copy at
 * *out (net-snmp builds backwards, at the end of its buffer), to free. */
static size_t netsnmp_bytes(netsnmp_pdu *p, long ver, const char *c, u_char **out)
{
	netsnmp_session s;
	snmp_sess_init(&s);
	s.version = ver;
	s.community = (u_char *)c;
	s.community_len = strlen(c);
	p->version = ver;
	size_t len = 0, off = 0;
	u_char *b = NULL;
	*out = NULL;
	if (snmp_build(&b, &len, &off, &s, p)) {
		free(b);
		return 0;
	}
	*out = malloc(off);
	memcpy(*out, b + len - off, off);
	free(b);
	return off;
}

static void t_request_bytes(void)
{
	const int cmds[] = {SNMP_MSG_GET, SNMP_MSG_GETNEXT, SNMP_MSG_GETBULK};
	for (int k = 0; k < 3000; k++) {
		oid names[40][MAX_OID_LEN];
		const oid *np[40];
		size_t lens[40], n = pt_rand(&rng) % 40;
		long ver = k % 2 ? SNMP_VERSION_2c : SNMP_VERSION_1;
		int cmd = cmds[pt_rand(&rng) % (ver == SNMP_VERSION_1 ? 2 : 3)];
		const char *comm = k % 3 ? "public" : "a-longer-community-string-0123456789";
		long reqid = (long)(pt_rand(&rng) % 0x7fffffff) + 1;
		long a = cmd == SNMP_MSG_GETBULK ? (long)(pt_rand(&rng) % 10) : 0;
		long b = cmd == SNMP_MSG_GETBULK ? (long)(pt_rand(&rng) % 300) : 0;
		netsnmp_pdu *p = snmp_pdu_create(cmd);
		for (size_t i = 0; i < n; i++) {
			lens[i] = rand_oid(names[i]);
			np[i] = names[i];
			snmp_add_null_var(p, names[i], lens[i]);
		}
		p->reqid = reqid;
		p->errstat = a;
		p->errindex = b;
		struct pp_ber_req rq = {ver, comm, cmd, reqid, a, b, n, np, lens};
		unsigned char buf[8192], *m;
		size_t len = pp_ber_request(&rq, buf, sizeof buf, &m);
		u_char *ref;
		size_t rlen = netsnmp_bytes(p, ver, comm, &ref);
		PT_CHECK(len && rlen == len && !memcmp(ref, m, len),
			 "request %d (%zu names, command 0x%x): %zu bytes, net-snmp's %zu", k, n, cmd,
			 len, rlen);
		free(ref);
		snmp_free_pdu(p);
		if (len) { /* too small a buffer: refused, not overrun */
			unsigned char small[64];
			if (len > sizeof small)
				PT_CHECK(!pp_ber_request(&rq, small, sizeof small, &m), "overran");
		}
	}
}

/* An answer as an agent sends it, built by net-snmp: every type. */
static netsnmp_pdu *answer(long ver, size_t *n)
{
	netsnmp_pdu *p = snmp_pdu_create(SNMP_MSG_RESPONSE);
	p->reqid = (long)(pt_rand(&rng) % 0x7fffffff);
	p->errstat = pt_rand(&rng) % 4 == 0 ? SNMP_ERR_TOOBIG : 0;
	p->errindex = (long)(pt_rand(&rng) % 5);
	*n = pt_rand(&rng) % 60;
	for (size_t i = 0; i < *n; i++) {
		oid o[MAX_OID_LEN];
		size_t ol = rand_oid(o);
		uint64_t r = pt_rand(&rng);
		long l = (long)(int32_t)r; /* Integer32: net-snmp cuts wider ones */
		u_long u = (u_long)(r & 0xffffffffUL);
		struct counter64 c = {(u_long)(r >> 32), (u_long)(r & 0xffffffffUL)};
		char str[300];
		size_t sl = r % 7 == 0 ? 200 + r % 90 : r % 30;
		for (size_t j = 0; j < sl; j++)
			str[j] = (char)(pt_rand(&rng) & 0xff);
		float f = (float)(r % 100000) / 7.0f;
		double d = (double)(r % 1000000) / 3.0;
		switch (r % (ver == SNMP_VERSION_1 ? 7 : 11)) {
		case 0: snmp_pdu_add_variable(p, o, ol, ASN_INTEGER, &l, sizeof l); break;
		case 1: snmp_pdu_add_variable(p, o, ol, ASN_OCTET_STR, str, sl); break;
		case 2: snmp_pdu_add_variable(p, o, ol, ASN_COUNTER, &u, sizeof u); break;
		case 3: snmp_pdu_add_variable(p, o, ol, ASN_GAUGE, &u, sizeof u); break;
		case 4: snmp_pdu_add_variable(p, o, ol, ASN_TIMETICKS, &u, sizeof u); break;
		case 5: snmp_pdu_add_variable(p, o, ol, ASN_IPADDRESS, str, 4); break;
		case 6: snmp_pdu_add_variable(p, o, ol, ASN_OPAQUE_FLOAT, &f, sizeof f); break;
		case 7: snmp_pdu_add_variable(p, o, ol, ASN_COUNTER64, &c, sizeof c); break;
		case 8: snmp_pdu_add_variable(p, o, ol, ASN_OPAQUE_DOUBLE, &d, sizeof d); break;
		case 9: snmp_pdu_add_variable(p, o, ol, SNMP_NOSUCHINSTANCE, NULL, 0); break;
		default: snmp_pdu_add_variable(p, o, ol, SNMP_ENDOFMIBVIEW, NULL, 0); break;
		}
	}
	return p;
}

static int same_value(const netsnmp_variable_list *a, const netsnmp_variable_list *b)
{
	if (a->type != b->type || a->name_length != b->name_length ||
	    memcmp(a->name, b->name, a->name_length * sizeof(oid)))
		return 0;
	switch (a->type) {
	case ASN_INTEGER: return *a->val.integer == *b->val.integer;
	case ASN_COUNTER: case ASN_GAUGE: case ASN_TIMETICKS:
		return (*a->val.integer & 0xffffffffL) == (*b->val.integer & 0xffffffffL);
	case ASN_COUNTER64:
		return a->val.counter64->high == b->val.counter64->high &&
		       a->val.counter64->low == b->val.counter64->low;
	case ASN_OPAQUE_FLOAT: return *a->val.floatVal == *b->val.floatVal;
	case ASN_OPAQUE_DOUBLE: return *a->val.doubleVal == *b->val.doubleVal;
	case ASN_OCTET_STR: case ASN_IPADDRESS:
		return a->val_len == b->val_len && !memcmp(a->val.string, b->val.string, a->val_len);
	default: return 1;
	}
}

static void t_answers(void)
{
	struct pp_ber_vars vs = {calloc(8, sizeof(netsnmp_variable_list)), 8, 0, 0};
	for (int k = 0; k < 3000; k++) {
		long ver = k % 2 ? SNMP_VERSION_2c : SNMP_VERSION_1;
		size_t n;
		netsnmp_pdu *p = answer(ver, &n);
		u_char *pkt;
		size_t len = netsnmp_bytes(p, ver, "public", &pkt);
		PT_CHECK(len > 0, "net-snmp did not build answer %d", k);
		netsnmp_pdu got;
		char err[200];
		int rc = pp_ber_response(pkt, len, &got, &vs, err, sizeof err);
		if (rc && vs.want > vs.cap) { /* as the collector does: grow, read again */
			PT_CHECK(vs.want == n, "counted %zu varbinds of %zu", vs.want, n);
			vs.v = realloc(vs.v, vs.want * sizeof *vs.v);
			vs.cap = vs.want;
			rc = pp_ber_response(pkt, len, &got, &vs, err, sizeof err);
		}
		PT_CHECK(!rc, "answer %d refused: %s", k, err);
		PT_CHECK(!rc && got.version == ver && got.reqid == p->reqid &&
			 got.errstat == p->errstat && got.errindex == p->errindex &&
			 got.command == SNMP_MSG_RESPONSE, "answer %d: header differs", k);
		size_t i = 0;
		const netsnmp_variable_list *w = p->variables, *v = rc ? NULL : got.variables;
		for (; w && v; w = w->next_variable, v = v->next_variable, i++)
			PT_CHECK(same_value(w, v), "answer %d varbind %zu (type 0x%x) differs", k, i,
				 w->type);
		PT_CHECK(!w && !v && i == n, "answer %d: %zu varbinds read of %zu", k, i, n);
		/* every cut of it is refused, and never read past */
		for (size_t cut = 0; cut < len && !rc; cut += 1 + len / 40) {
			unsigned char *c = malloc(cut ? cut : 1);
			memcpy(c, pkt, cut);
			int bad = pp_ber_response(c, cut, &got, &vs, err, sizeof err);
			PT_CHECK(bad && err[0], "answer %d cut to %zu of %zu bytes was taken", k, cut,
				 len);
			free(c);
		}
		free(pkt);
		snmp_free_pdu(p);
	}
	free(vs.v);
}

static void t_refused(void)
{
	struct pp_ber_vars vs = {calloc(4, sizeof(netsnmp_variable_list)), 4, 0, 0};
	netsnmp_pdu got;
	char err[200];
	/* v2c GET request (not a response), a v3 header, a length of 2^32 */
	const unsigned char get[] = {0x30, 0x18, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l',
				     'i', 'c', 0xa0, 0x0b, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00,
				     0x02, 0x01, 0x00, 0x30, 0x00};
	PT_CHECK(pp_ber_response(get, sizeof get, &got, &vs, err, sizeof err) &&
		 strstr(err, "not a response"), "a GET taken as an answer: %s", err);
	unsigned char v3[sizeof get];
	memcpy(v3, get, sizeof get);
	v3[4] = 3;
	PT_CHECK(pp_ber_response(v3, sizeof v3, &got, &vs, err, sizeof err) &&
		 strstr(err, "v1 or v2c"), "a v3 header taken: %s", err);
	const unsigned char huge[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01};
	PT_CHECK(pp_ber_response(huge, sizeof huge, &got, &vs, err, sizeof err),
		 "a length past the datagram taken");
	/* a response whose one value is an INTEGER of 9 octets */
	const unsigned char wide[] = {0x30, 0x2a, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l',
				      'i', 'c', 0xa2, 0x1d, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00,
				      0x02, 0x01, 0x00, 0x30, 0x12, 0x30, 0x10, 0x06, 0x03, 0x2b,
				      0x06, 0x01, 0x02, 0x09, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
				      0x07, 0x08, 0x09};
	PT_CHECK(pp_ber_response(wide, sizeof wide, &got, &vs, err, sizeof err) &&
		 strstr(err, "varbind 1"), "a 9-octet INTEGER taken: %s", err);
	free(vs.v);
}

int main(void)
{
	init_snmp("test_snmp_ber");
	PT_RUN(t_request_bytes);
	PT_RUN(t_answers);
	PT_RUN(t_refused);
	return PT_DONE("test_snmp_ber");
}
