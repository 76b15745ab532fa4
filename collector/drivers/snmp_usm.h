/* snmp_usm.h - the SNMPv3 user cache of net-snmp, seen from one agent. */
#ifndef PP_SNMP_USM_H
#define PP_SNMP_USM_H

#include <stddef.h>

#define PP_USM_KU_MAX 64

struct snmp_pdu;

/* The master keys (Ku) a device's config gives for its v3 user, and the
 * auth protocol that localizes them. */
struct pp_usm_keys {
	const unsigned long *auth_proto; /* borrowed: net-snmp's static OID */
	size_t auth_proto_len;
	unsigned char auth[PP_USM_KU_MAX], priv[PP_USM_KU_MAX];
	size_t auth_len, priv_len;
};

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

#endif
