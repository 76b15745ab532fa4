/* snmp_ber.c - SNMPv1/v2c requests written and answers read in BER, without
 * allocating (see snmp_ber.h). Requests are written backwards from the end of
 * the buffer, so that each length is known when its header is written and is
 * the shortest form (some agents refuse long forms they need not). */
#include "snmp_ber.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BER_SEQ 0x30
#define BER_MAX_SUBID 0xFFFFFFFFUL
#define BER_OPAQUE_TAG1 0x9f /* an Opaque's inner float or double (net-snmp's) */

struct wr { /* writes backwards: the bytes so far are b[pos, cap) */
	unsigned char *b;
	size_t pos;
	int bad;
};

static void put(struct wr *w, const void *p, size_t n)
{
	if (w->bad || n > w->pos) {
		w->bad = 1;
		return;
	}
	w->pos -= n;
	memcpy(w->b + w->pos, p, n);
}

static void put_byte(struct wr *w, unsigned char c)
{
	put(w, &c, 1);
}

/* The header of what was written since end: tag and shortest length. */
static void put_head(struct wr *w, unsigned char tag, size_t end)
{
	size_t n = w->bad ? 0 : end - w->pos;
	if (n < 0x80) {
		put_byte(w, (unsigned char)n);
	} else {
		unsigned char k = 0;
		for (; n; n >>= 8, k++)
			put_byte(w, (unsigned char)(n & 0xff));
		put_byte(w, (unsigned char)(0x80 | k));
	}
	put_byte(w, tag);
}

static void put_int(struct wr *w, long v)
{
	size_t end = w->pos;
	unsigned char t[sizeof v];
	unsigned long u = (unsigned long)v;
	for (size_t i = 0; i < sizeof t; i++, u >>= 8)
		t[sizeof t - 1 - i] = (unsigned char)(u & 0xff);
	size_t s = 0; /* leading bytes that only repeat the sign */
	while (s + 1 < sizeof t && ((t[s] == 0 && !(t[s + 1] & 0x80)) ||
				    (t[s] == 0xff && (t[s + 1] & 0x80))))
		s++;
	put(w, t + s, sizeof t - s);
	put_head(w, ASN_INTEGER, end);
}

static void put_subid(struct wr *w, unsigned long v)
{
	put_byte(w, (unsigned char)(v & 0x7f));
	for (v >>= 7; v; v >>= 7)
		put_byte(w, (unsigned char)(0x80 | (v & 0x7f)));
}

static void put_oid(struct wr *w, const oid *o, size_t n)
{
	size_t end = w->pos;
	if (n < 2 || o[0] > 2 || (o[0] < 2 && o[1] >= 40) || o[1] > BER_MAX_SUBID - 80) {
		w->bad = 1;
		return;
	}
	for (size_t i = n; i-- > 2;) {
		if (o[i] > BER_MAX_SUBID) {
			w->bad = 1;
			return;
		}
		put_subid(w, o[i]);
	}
	put_subid(w, o[0] * 40 + o[1]);
	put_head(w, ASN_OBJECT_ID, end);
}

size_t pp_ber_request(const struct pp_ber_req *rq, unsigned char *buf, size_t cap,
		      unsigned char **out)
{
	struct wr w = {buf, cap, 0};
	size_t msg = w.pos, pdu, list;
	pdu = w.pos;
	list = w.pos;
	for (size_t i = rq->n; i-- > 0;) {
		size_t vb = w.pos;
		put_byte(&w, 0); /* NULL, length 0 */
		put_byte(&w, ASN_NULL);
		put_oid(&w, rq->names[i], rq->lens[i]);
		put_head(&w, BER_SEQ, vb);
	}
	put_head(&w, BER_SEQ, list);
	put_int(&w, rq->b);
	put_int(&w, rq->a);
	put_int(&w, rq->reqid);
	put_head(&w, (unsigned char)rq->command, pdu);
	size_t c = w.pos, clen = strlen(rq->community);
	if (clen > PP_BER_MAX_COMMUNITY)
		return 0;
	put(&w, rq->community, clen);
	put_head(&w, ASN_OCTET_STR, c);
	put_int(&w, rq->version);
	put_head(&w, BER_SEQ, msg);
	if (w.bad)
		return 0;
	*out = buf + w.pos;
	return cap - w.pos;
}

struct rd { /* reads forwards: p up to end */
	const unsigned char *p, *end;
};

/* A header: its tag and content length, which must fit what is left. */
static int get_head(struct rd *r, unsigned char *tag, size_t *len)
{
	if (r->end - r->p < 2)
		return -1;
	*tag = *r->p++;
	if ((*tag & 0x1f) == 0x1f)
		return -1; /* high tag numbers: SNMP has none */
	size_t n = *r->p++;
	if (n & 0x80) {
		size_t k = n & 0x7f;
		if (k == 0 || k > 4 || (size_t)(r->end - r->p) < k)
			return -1;
		for (n = 0; k; k--)
			n = n << 8 | *r->p++;
	}
	if (n > (size_t)(r->end - r->p))
		return -1;
	*len = n;
	return 0;
}

/* A signed INTEGER of n content bytes at p (1 to sizeof(long)). */
static int get_long(const unsigned char *p, size_t n, long *v)
{
	if (n < 1 || n > sizeof *v)
		return -1;
	unsigned long u = (p[0] & 0x80) ? ~0UL : 0;
	for (size_t i = 0; i < n; i++)
		u = u << 8 | p[i];
	*v = (long)u;
	return 0;
}

/* An unsigned value of at most bits bits (a leading zero octet allowed).
 * Agents that leave the zero out (ff ff ff ff for 2^32-1) mean the octets
 * as they are: so does net-snmp. */
static int get_unsigned(const unsigned char *p, size_t n, unsigned bits, uint64_t *v)
{
	size_t max = bits / 8;
	if (n < 1 || n > max + 1 || (n == max + 1 && p[0] != 0))
		return -1;
	uint64_t u = 0;
	for (size_t i = 0; i < n; i++)
		u = u << 8 | p[i];
	*v = u;
	return 0;
}

static int get_int_field(struct rd *r, long *v)
{
	unsigned char tag;
	size_t n;
	if (get_head(r, &tag, &n) || tag != ASN_INTEGER || get_long(r->p, n, v))
		return -1;
	r->p += n;
	return 0;
}

static int get_oid(const unsigned char *p, size_t n, oid *o, size_t *len)
{
	size_t k = 0;
	uint64_t sub = 0;
	int first = 1;
	if (n < 1 || (p[n - 1] & 0x80))
		return -1;
	for (size_t i = 0; i < n; i++) {
		sub = sub << 7 | (p[i] & 0x7f);
		if (sub > BER_MAX_SUBID)
			return -1;
		if (p[i] & 0x80)
			continue;
		if (k + (first ? 2 : 1) > MAX_OID_LEN)
			return -1;
		if (first) {
			o[k++] = sub < 80 ? sub / 40 : 2;
			o[k++] = sub < 80 ? sub % 40 : sub - 80;
			first = 0;
		} else {
			o[k++] = (oid)sub;
		}
		sub = 0;
	}
	*len = k;
	return 0;
}

/* The value of v, of tag and n content bytes at p. */
static int get_value(netsnmp_variable_list *v, unsigned char tag, const unsigned char *p, size_t n)
{
	uint64_t u;
	v->type = tag;
	v->val_len = 0;
	v->val.string = NULL;
	switch (tag) {
	case ASN_INTEGER:
		v->val.integer = (long *)(void *)v->buf;
		v->val_len = sizeof(long);
		return get_long(p, n, v->val.integer);
	case ASN_COUNTER:
	case ASN_GAUGE:
	case ASN_TIMETICKS:
	case ASN_UINTEGER:
		if (get_unsigned(p, n, 32, &u))
			return -1;
		v->val.integer = (long *)(void *)v->buf;
		*v->val.integer = (long)u;
		v->val_len = sizeof(long);
		return 0;
	case ASN_COUNTER64:
		if (get_unsigned(p, n, 64, &u))
			return -1;
		v->val.counter64 = (struct counter64 *)(void *)v->buf;
		v->val.counter64->high = (u_long)(u >> 32);
		v->val.counter64->low = (u_long)(u & 0xffffffffUL);
		v->val_len = sizeof(struct counter64);
		return 0;
	case ASN_OPAQUE:
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
		/* net-snmp's float and double inside an Opaque: 9f 78 04 or 9f 79 08 */
		if (n == 7 && p[0] == BER_OPAQUE_TAG1 && p[1] == ASN_OPAQUE_FLOAT && p[2] == 4) {
			uint32_t b = (uint32_t)p[3] << 24 | (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6];
			float f;
			memcpy(&f, &b, sizeof f);
			v->type = ASN_OPAQUE_FLOAT;
			v->val.floatVal = (float *)(void *)v->buf;
			*v->val.floatVal = f;
			v->val_len = sizeof f;
			return 0;
		}
		if (n == 11 && p[0] == BER_OPAQUE_TAG1 && p[1] == ASN_OPAQUE_DOUBLE && p[2] == 8) {
			uint64_t b = 0;
			for (int i = 0; i < 8; i++)
				b = b << 8 | p[3 + i];
			double d;
			memcpy(&d, &b, sizeof d);
			v->type = ASN_OPAQUE_DOUBLE;
			v->val.doubleVal = (double *)(void *)v->buf;
			*v->val.doubleVal = d;
			v->val_len = sizeof d;
			return 0;
		}
#endif
		/* other Opaques are octets */
		/* fallthrough */
	case ASN_OCTET_STR:
	case ASN_IPADDRESS:
		if (tag == ASN_IPADDRESS && n != 4)
			return -1;
		v->val.string = (u_char *)(uintptr_t)p; /* into the datagram */
		v->val_len = n;
		return 0;
	case ASN_OBJECT_ID: { /* read for its form; no field is an OID */
		oid tmp[MAX_OID_LEN];
		size_t k;
		return get_oid(p, n, tmp, &k);
	}
	case ASN_NULL:
	case SNMP_NOSUCHOBJECT:
	case SNMP_NOSUCHINSTANCE:
	case SNMP_ENDOFMIBVIEW:
		return n == 0 ? 0 : -1;
	default:
		return -1;
	}
}

#define FAIL(...)                                   \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -1;                          \
	} while (0)

/* The varbind list (content of len bytes at r). */
static int get_vars(struct rd *r, netsnmp_pdu *pdu, struct pp_ber_vars *vs, char *err,
		    size_t errlen)
{
	netsnmp_variable_list **tail = &pdu->variables;
	size_t count = 0;
	vs->nv = 0;
	while (r->p < r->end) {
		unsigned char tag;
		size_t n;
		if (get_head(r, &tag, &n) || tag != BER_SEQ)
			FAIL("varbind %zu: not a sequence", count + 1);
		struct rd vb = {r->p, r->p + n};
		r->p += n;
		count++;
		if (vs->nv == vs->cap)
			continue; /* counted, so the caller can grow vs */
		netsnmp_variable_list *v = &vs->v[vs->nv];
		if (get_head(&vb, &tag, &n) || tag != ASN_OBJECT_ID ||
		    get_oid(vb.p, n, v->name_loc, &v->name_length))
			FAIL("varbind %zu: no valid name", count);
		vb.p += n;
		if (get_head(&vb, &tag, &n) || vb.p + n != vb.end || get_value(v, tag, vb.p, n))
			FAIL("varbind %zu: a value of type 0x%02x that SNMP does not have or of a "
			     "wrong size", count, tag);
		v->name = v->name_loc;
		v->next_variable = NULL;
		*tail = v;
		tail = &v->next_variable;
		vs->nv++;
	}
	vs->want = count;
	if (count > vs->cap)
		FAIL("%zu varbinds, room for %zu", count, vs->cap);
	return 0;
}

int pp_ber_response(const unsigned char *buf, size_t len, netsnmp_pdu *pdu, struct pp_ber_vars *vs,
		    char *err, size_t errlen)
{
	struct rd r = {buf, buf + len};
	unsigned char tag;
	size_t n;
	long ver;
	pdu->variables = NULL;
	vs->want = 0;
	if (get_head(&r, &tag, &n) || tag != BER_SEQ)
		FAIL("not an SNMP message");
	r.end = r.p + n;
	if (get_int_field(&r, &ver) || (ver != SNMP_VERSION_1 && ver != SNMP_VERSION_2c))
		FAIL("not an SNMPv1 or v2c message");
	if (get_head(&r, &tag, &n) || tag != ASN_OCTET_STR)
		FAIL("no community");
	r.p += n;
	if (get_head(&r, &tag, &n))
		FAIL("no PDU");
	if (tag != SNMP_MSG_RESPONSE)
		FAIL("PDU type 0x%02x, not a response", tag);
	r.end = r.p + n;
	pdu->version = ver;
	pdu->command = tag;
	if (get_int_field(&r, &pdu->reqid) || get_int_field(&r, &pdu->errstat) ||
	    get_int_field(&r, &pdu->errindex))
		FAIL("bad request ID, error status or index");
	if (get_head(&r, &tag, &n) || tag != BER_SEQ)
		FAIL("no varbind list");
	r.end = r.p + n;
	return get_vars(&r, pdu, vs, err, errlen);
}
