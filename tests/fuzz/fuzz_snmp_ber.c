/* fuzz_snmp_ber.c - the collector's SNMPv1/v2c answer reader (snmp_ber.c) on
 * any datagram: what it takes stays inside the datagram and its limits
 * (names of 2 to MAX_OID_LEN arcs, strings pointing into the input, as many
 * varbinds as it counted); and the names it read, written as a request and
 * read back as an answer, are the same names. */
#include <stdlib.h>
#include <string.h>

#include "snmp_ber.h"
#include "util.h"

#define FZ_VARS 8

static void check_var(const netsnmp_variable_list *v, const uint8_t *data, size_t size)
{
	if (v->name != v->name_loc || v->name_length < 2 || v->name_length > MAX_OID_LEN)
		abort();
	if (v->type == ASN_OCTET_STR || v->type == ASN_IPADDRESS || v->type == ASN_OPAQUE) {
		const uint8_t *s = v->val.string;
		if (v->val_len && (s < data || s + v->val_len > data + size))
			abort(); /* a string outside the datagram */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static netsnmp_variable_list vars[FZ_VARS], back[FZ_VARS];
	struct pp_ber_vars vs = {vars, FZ_VARS, 0, 0};
	netsnmp_pdu pdu;
	char err[200];
	if (pp_ber_response(data, size, &pdu, &vs, err, sizeof err)) {
		if (!err[0] || !memchr(err, 0, sizeof err))
			abort(); /* refused without a reason */
		return 0;
	}
	if (vs.nv != vs.want || vs.nv > FZ_VARS)
		abort();
	const oid *names[FZ_VARS];
	size_t lens[FZ_VARS], n = 0;
	for (const netsnmp_variable_list *v = pdu.variables; v; v = v->next_variable) {
		if (n == vs.nv)
			abort(); /* a chain longer than counted */
		check_var(v, data, size);
		names[n] = v->name;
		lens[n++] = v->name_length;
	}
	if (n != vs.nv)
		abort();
	struct pp_ber_req rq = {pdu.version, "fuzz", SNMP_MSG_GET, pdu.reqid, 0, 0, n, names, lens};
	static unsigned char buf[FZ_VARS * (MAX_OID_LEN * 5 + 8) + 64];
	unsigned char *m;
	size_t len = pp_ber_request(&rq, buf, sizeof buf, &m);
	if (!len)
		abort(); /* a name it read cannot be written */
	/* the PDU tag follows the version (3 octets) and the community (6) */
	size_t at = (m[1] & 0x80 ? 2 + (m[1] & 0x7f) : 2) + 3 + 6;
	if (m[at] != SNMP_MSG_GET)
		abort();
	m[at] = SNMP_MSG_RESPONSE;
	netsnmp_pdu again;
	struct pp_ber_vars bs = {back, FZ_VARS, 0, 0};
	if (pp_ber_response(m, len, &again, &bs, err, sizeof err) || bs.nv != n ||
	    again.reqid != pdu.reqid)
		abort();
	const netsnmp_variable_list *v = again.variables;
	for (size_t i = 0; i < n; i++, v = v->next_variable)
		if (v->type != ASN_NULL || v->name_length != lens[i] ||
		    memcmp(v->name, names[i], lens[i] * sizeof(oid)))
			abort();
	return 0;
}
