/* ha_int.h - what the files of optimizer/ha/ ask of each other. Private.
 * One way, bottom first:
 *
 *   etcd.c   a client of etcd's v3 JSON gateway (libcurl, jansson): leases,
 *            the create-if-absent transaction, reads and writes of keys
 *   ha.c     the election: candidate, follower, leader; the epoch; the
 *            authority that ends with the etcd lease (pp_ha_*)
 */
#ifndef PP_HA_INT_H
#define PP_HA_INT_H

#include <stddef.h>

#include "powerpark/buf.h"
#include "powerpark/err.h"

/* A client of an etcd cluster: its members' URLs, tried in turn. Opaque. */
struct etcd;

/* A key as read: its value (NUL-terminated after len bytes; the caller's
 * buffer, kept between reads) and the revision at which it was created.
 * Small value type: etcd_kv_init, etcd_kv_free. */
struct etcd_kv {
	int found;
	struct pp_buf value;
	long long create_rev, lease;
};
void etcd_kv_init(struct etcd_kv *kv);
void etcd_kv_free(struct etcd_kv *kv);

/* A client for the member URLs urls[0..n) (borrowed, copied), each request
 * given timeout_ms before the next member is tried. NULL out of memory. */
struct etcd *etcd_open(const char *const *urls, size_t n, long timeout_ms);
void etcd_close(struct etcd *e);

/* Grants a lease of ttl_s seconds: its id and the TTL granted. PP_ERR_NET
 * when no member answered (eb says why). */
PP_WUR enum pp_err etcd_grant(struct etcd *e, long long ttl_s, long long *id, long long *ttl,
			      struct pp_errbuf *eb);
/* Keeps the lease alive: *ttl the seconds it now has, 0 when it is gone. */
PP_WUR enum pp_err etcd_keepalive(struct etcd *e, long long id, long long *ttl,
				  struct pp_errbuf *eb);
/* Revokes the lease (its keys go with it). */
PP_WUR enum pp_err etcd_revoke(struct etcd *e, long long id, struct pp_errbuf *eb);
/* Creates key with value under the lease only if the key does not exist:
 * *won then, with *rev the revision of the creation; else kv holds the key
 * as it is (its holder's value and creation revision). */
PP_WUR enum pp_err etcd_create_key(struct etcd *e, const char *key, const char *value,
			       long long lease, int *won, long long *rev, struct etcd_kv *kv,
			       struct pp_errbuf *eb);
/* Reads key into kv (kv->found 0 when absent). */
PP_WUR enum pp_err etcd_get(struct etcd *e, const char *key, struct etcd_kv *kv,
			    struct pp_errbuf *eb);
/* Writes key = value (len bytes, borrowed), only while key guard was
 * created at revision guard_rev (the leader's own key: a deposed leader's
 * write fails, *done 0). */
PP_WUR enum pp_err etcd_put_guarded(struct etcd *e, const char *guard, long long guard_rev,
				    const char *key, const char *value, size_t len, int *done,
				    struct pp_errbuf *eb);

#endif
