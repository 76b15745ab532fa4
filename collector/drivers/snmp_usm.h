/* snmp_usm.h - the SNMPv3 user cache of net-snmp, seen from one agent. */
#ifndef PP_SNMP_USM_H
#define PP_SNMP_USM_H

#include <stddef.h>

#define PP_USM_KU_MAX 64

struct snmp_pdu;
struct snmp_session;
struct pp_snmp_cred;

/* The master keys (Ku) a device's config gives for its v3 user, and the
 * auth protocol that localizes them. */
struct pp_usm_keys {
	const unsigned long *auth_proto; /* borrowed: net-snmp's static OID */
	size_t auth_proto_len;
	unsigned char auth[PP_USM_KU_MAX], priv[PP_USM_KU_MAX];
	size_t auth_len, priv_len;
};

/* The v3 user, security level, protocols and master keys of cr (borrowed)
 * into the session s being set up (borrowed; it points at cr's user name,
 * so cr outlives the open); the keys also into k, for pp_usm_matches.
 * -1 with err (errlen bytes) naming what cannot be set. */
int pp_usm_security(const struct pp_snmp_cred *cr, struct snmp_session *s, struct pp_usm_keys *k,
		    char *err, size_t errlen) __attribute__((warn_unused_result));

/* net-snmp keeps one USM user per (engine ID, user name) for the whole
 * process and reuses it for every later session: a second device with the
 * same agent and user but other keys would silently poll with the first
 * one's keys. Returns 1 when the cached user for the engine that sent pdu
 * (borrowed) and the name user (borrowed) holds the keys k (borrowed) or
 * there is none; 0 when it holds other keys. */
int pp_usm_matches(const struct snmp_pdu *pdu, const char *user, const struct pp_usm_keys *k);

/* Drops that cached user when it holds the keys k: after an authentication
 * failure they are wrong, and a later session must start from scratch. */
void pp_usm_forget(const struct snmp_pdu *pdu, const char *user, const struct pp_usm_keys *k);

/* The engine-ID discovery request of RFC 3414 (4): a GET without varbinds
 * from the empty user at noAuthNoPriv, which an agent answers with a report
 * carrying its engine ID, boots and time. Sent asynchronously it replaces
 * net-snmp's synchronous probe (which stalled every other agent for a dead
 * one's timeout). The empty user is put in net-snmp's cache once, as its
 * own probe does. Returns a new PDU (the caller's: a send takes it, else
 * snmp_free_pdu), NULL when out of memory. */
struct snmp_pdu *pp_usm_probe_pdu(void);

/* After the discovery's report was read: the session s (borrowed) now holds
 * the engine ID, and its user is created from its keys as net-snmp does after
 * its own probe (an existing cached user is kept: see pp_usm_matches).
 * Returns 1 when done, 0 when the report carried no engine ID, -1 when the
 * user could not be made. */
int pp_usm_learned(struct snmp_session *s);

#endif
