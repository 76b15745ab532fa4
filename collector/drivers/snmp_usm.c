/* snmp_usm.c - checks and clears net-snmp's process-wide USM user cache so
 * that a wrong or conflicting SNMPv3 key is reported, never used. The cache
 * holds keys localized to the agent's engine ID, so ours are localized the
 * same way to compare. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <string.h>

#include "powerpark/config.h"
#include "snmp_usm.h"

static int auth_proto(const char *name, oid **o, size_t *len)
{
	static const struct {
		const char *n;
		oid *o;
	} t[] = {{"MD5", usmHMACMD5AuthProtocol},         {"SHA", usmHMACSHA1AuthProtocol},
		 {"SHA-224", usmHMAC128SHA224AuthProtocol}, {"SHA-256", usmHMAC192SHA256AuthProtocol},
		 {"SHA-384", usmHMAC256SHA384AuthProtocol}, {"SHA-512", usmHMAC384SHA512AuthProtocol}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(name, t[i].n)) {
			*o = t[i].o;
			*len = 10;
			return 0;
		}
	return -1;
}

static int priv_proto(const char *name, oid **o, size_t *len)
{
	if (!strcmp(name, "DES")) {
		*o = usmDESPrivProtocol;
		*len = 10;
	} else if (!strcmp(name, "AES")) {
		*o = usmAESPrivProtocol;
		*len = 10;
	} else if (!strcmp(name, "AES-192")) {
		*o = usmAES192PrivProtocol;
		*len = 9;
	} else if (!strcmp(name, "AES-256")) {
		*o = usmAES256PrivProtocol;
		*len = 9;
	} else {
		return -1;
	}
	return 0;
}

/* A master key (Ku) of at most cap bytes from a pass phrase (borrowed),
 * for the auth protocol set in s; -1 with err naming what (auth or privacy). */
static int derive_ku(const netsnmp_session *s, const char *pass, size_t cap, u_char *key,
		     size_t *len, const char *what, char *err, size_t errlen)
{
	*len = cap;
	if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen,
			(const u_char *)pass, strlen(pass), key, len) == SNMPERR_SUCCESS)
		return 0;
	snprintf(err, errlen, "cannot derive the SNMPv3 %s key", what);
	return -1;
}

int pp_usm_security(const struct pp_snmp_cred *cr, struct snmp_session *s, struct pp_usm_keys *k,
		    char *err, size_t errlen)
{
	memset(k, 0, sizeof *k);
	s->version = SNMP_VERSION_3;
	s->securityName = (char *)cr->user;
	s->securityNameLen = strlen(cr->user);
	s->securityLevel = cr->level == PP_SNMP_AUTHPRIV      ? SNMP_SEC_LEVEL_AUTHPRIV
			   : cr->level == PP_SNMP_AUTHNOPRIV ? SNMP_SEC_LEVEL_AUTHNOPRIV
							     : SNMP_SEC_LEVEL_NOAUTH;
	if (cr->level >= PP_SNMP_AUTHNOPRIV) {
		if (auth_proto(cr->auth_proto, &s->securityAuthProto, &s->securityAuthProtoLen))
			goto bad_proto;
		if (derive_ku(s, cr->auth_key, USM_AUTH_KU_LEN, s->securityAuthKey,
			      &s->securityAuthKeyLen, "auth", err, errlen))
			return -1;
		k->auth_proto = s->securityAuthProto;
		k->auth_proto_len = s->securityAuthProtoLen;
		k->auth_len = s->securityAuthKeyLen;
		memcpy(k->auth, s->securityAuthKey, s->securityAuthKeyLen);
	}
	if (cr->level == PP_SNMP_AUTHPRIV) {
		if (priv_proto(cr->priv_proto, &s->securityPrivProto, &s->securityPrivProtoLen))
			goto bad_proto;
		if (derive_ku(s, cr->priv_key, USM_PRIV_KU_LEN, s->securityPrivKey,
			      &s->securityPrivKeyLen, "privacy", err, errlen))
			return -1;
		k->priv_len = s->securityPrivKeyLen;
		memcpy(k->priv, s->securityPrivKey, s->securityPrivKeyLen);
	}
	return 0;
bad_proto:
	snprintf(err, errlen, "SNMPv3 protocol not supported by this net-snmp");
	return -1;
}

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

struct snmp_pdu *pp_usm_probe_pdu(void)
{
	if (!usm_get_user(NULL, 0, "")) {
		struct usmUser *u = usm_create_user();
		if (!u)
			return NULL;
		u->name = strdup("");
		u->secName = strdup("");
		u->authProtocolLen = sizeof usmNoAuthProtocol / sizeof(oid);
		u->authProtocol = snmp_duplicate_objid(usmNoAuthProtocol, u->authProtocolLen);
		u->privProtocolLen = sizeof usmNoPrivProtocol / sizeof(oid);
		u->privProtocol = snmp_duplicate_objid(usmNoPrivProtocol, u->privProtocolLen);
		if (!u->name || !u->secName || !u->authProtocol || !u->privProtocol) {
			usm_free_user(u);
			return NULL;
		}
		usm_add_user(u);
	}
	netsnmp_pdu *p = snmp_pdu_create(SNMP_MSG_GET);
	if (!p)
		return NULL;
	p->version = SNMP_VERSION_3;
	p->securityName = strdup("");
	p->securityNameLen = 0;
	p->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
	p->securityModel = SNMP_SEC_MODEL_USM;
	if (!p->securityName) {
		snmp_free_pdu(p);
		return NULL;
	}
	return p;
}

int pp_usm_learned(struct snmp_session *s)
{
	if (!s->securityEngineIDLen)
		return 0;
	return usm_create_user_from_session(s) == SNMPERR_SUCCESS ? 1 : -1;
}
