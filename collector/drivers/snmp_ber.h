/* snmp_ber.h - SNMPv1 and v2c messages in BER (RFC 1157, RFC 3416), written
 * and read by the collector itself. net-snmp's own path builds a PDU and
 * parses each answer with several allocations per varbind and a 64 KiB
 * buffer per datagram: at 10,000 polls a second that was a quarter of the
 * collector's CPU. v3 keeps net-snmp (USM, engine discovery). */
#ifndef PP_SNMP_BER_H
#define PP_SNMP_BER_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <stddef.h>

#define PP_BER_MAX_COMMUNITY 255 /* octets of a community we send */

/* One request: its version (SNMP_VERSION_1 or _2c), community (borrowed,
 * NUL-ended), PDU type (SNMP_MSG_GET, _GETNEXT or _GETBULK), request ID and
 * the two integers after it (error status and index, or non-repeaters and
 * max-repetitions for GETBULK); n names (borrowed) asked with NULL values. */
struct pp_ber_req {
	long version;
	const char *community;
	int command;
	long reqid, a, b;
	size_t n;
	const oid *const *names;
	const size_t *lens;
};

/* Encodes rq (borrowed) into buf (cap bytes, borrowed): the message starts
 * at *out, inside buf, and is the returned number of bytes long; 0 when it
 * does not fit or a name has fewer than 2 arcs or an arc above 2^32-1. */
size_t pp_ber_request(const struct pp_ber_req *rq, unsigned char *buf, size_t cap,
		      unsigned char **out) __attribute__((warn_unused_result));

/* Where pp_ber_response puts an answer's varbinds: nv decoded of cap (the
 * array is the caller's, grown by the caller when the answer said more). */
struct pp_ber_vars {
	netsnmp_variable_list *v;
	size_t cap, nv;
	size_t want;        /* varbinds the last answer had (> cap: grow, read again) */
};

/* Reads one answer of len bytes in buf (borrowed; string values point into
 * it, so it outlives the use of pdu) into pdu (borrowed, filled: version,
 * command, reqid, errstat, errindex and variables, a chain in vs). Returns
 * 0, or -1 with why in err (errlen bytes): not a v1/v2c message, lengths
 * past the datagram, a value of a type or size SNMP does not have, an OID
 * over MAX_OID_LEN arcs, more varbinds than vs holds (vs->want says how
 * many). Never reads outside buf. */
int pp_ber_response(const unsigned char *buf, size_t len, netsnmp_pdu *pdu, struct pp_ber_vars *vs,
		    char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
