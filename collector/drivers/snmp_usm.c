/* snmp_usm.c - checks and clears net-snmp's process-wide USM user cache so
 * that a wrong or conflicting SNMPv3 key is reported, never used. The cache
 * holds keys localized to the agent's engine ID, so ours are localized the
 * same way to compare. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <string.h>

#include "snmp_usm.h"

static struct usmUser *cached(const netsnmp_pdu *pdu, const char *user)
{
	if (!pdu || !pdu->securityEngineIDLen || !user)
		return NULL;
	return usm_get_user(pdu->securityEngineID, pdu->securityEngineIDLen, user);
}

/* Our Ku localized to the engine equals the cached key (a privacy key is
 * cut to its cipher's length, so only that prefix is compared). */
static int same(const struct pp_usm_keys *k, const netsnmp_pdu *pdu, const unsigned char *ku,
		size_t kulen, const unsigned char *key, size_t keylen)
{
	if (!kulen || !keylen)
		return kulen == 0 && keylen == 0;
	u_char kul[PP_USM_KU_MAX];
	size_t kullen = sizeof kul;
	if (generate_kul((oid *)k->auth_proto, (u_int)k->auth_proto_len, pdu->securityEngineID,
			 pdu->securityEngineIDLen, (u_char *)ku, kulen, kul,
			 &kullen) != SNMPERR_SUCCESS)
		return 0;
	size_t n = keylen < kullen ? keylen : kullen;
	return !memcmp(kul, key, n);
}

int pp_usm_matches(const netsnmp_pdu *pdu, const char *user, const struct pp_usm_keys *k)
{
	struct usmUser *u = cached(pdu, user);
	if (!u)
		return 1;
	return same(k, pdu, k->auth, k->auth_len, u->authKey, u->authKeyLen) &&
	       same(k, pdu, k->priv, k->priv_len, u->privKey, u->privKeyLen);
}

void pp_usm_forget(const netsnmp_pdu *pdu, const char *user, const struct pp_usm_keys *k)
{
	struct usmUser *u = cached(pdu, user);
	if (u && pp_usm_matches(pdu, user, k)) {
		usm_remove_user(u);
		usm_free_user(u);
	}
}
