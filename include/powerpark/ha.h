/* ha.h - high availability of `powerpark optimize` (docs/ha.md): two or
 * three replicas elect a leader on etcd, and only the leader issues caps.
 *
 * A replica that holds the leader key under its etcd lease leads, under an
 * epoch: the etcd revision at which it created the key, higher for every
 * new term. Its authority ends with its etcd lease as its own monotonic
 * clock counts it (from when it asked for the last renewal), checked at the
 * moment it issues anything, so a process that was frozen and wakes cannot
 * act on what it held before. The others follow and take over when the key
 * goes. Every cap lease carries the epoch, and agents refuse one older than
 * the newest they have seen (fencing). */
#ifndef PP_HA_H
#define PP_HA_H

#include <stddef.h>

#include "powerpark/err.h"

enum pp_ha_role {
	PP_HA_CANDIDATE, /* neither leads nor knows who does (etcd unreachable, or lost the lease) */
	PP_HA_FOLLOWER,  /* another replica leads */
	PP_HA_LEADER,    /* this one leads: it issues caps */
};

/* The name of a role as /v1/ha and /metrics write it (static). */
const char *pp_ha_role_name(enum pp_ha_role r);

#define PP_HA_NAME_MAX 64
#define PP_HA_URL_MAX 256

struct pp_ha_opts {
	const char *const *etcd; /* member URLs (borrowed, copied), 1 to 8 */
	size_t netcd;
	const char *name;        /* this replica (borrowed, copied): unique in the group */
	const char *url;         /* where this replica's API is reached (borrowed, copied) */
	const char *prefix;      /* the keys' prefix (NULL: "/powerpark/") */
	double lease_s;          /* the etcd lease (>= 1 s; 0: 2 s) */
	/* Called from the election's thread when this replica has won a term,
	 * before it may issue anything (pp_ha_may_lead says no until it
	 * returns), with the state the last leader published (state, len:
	 * borrowed for the call; len 0 when there is none) and the new epoch;
	 * ud borrowed. NULL: nothing to take over. */
	void (*on_lead)(void *ud, const char *state, size_t len, long long epoch);
	void *ud;
};

/* What a replica knows of the election. */
struct pp_ha_status {
	enum pp_ha_role role;
	long long epoch;              /* the leader's term (this one's when it leads); 0 unknown */
	char name[PP_HA_NAME_MAX];    /* this replica */
	char leader[PP_HA_NAME_MAX];  /* the leader's name, "" unknown */
	char leader_url[PP_HA_URL_MAX];
	long long terms;              /* terms this replica has won */
	long long lost;               /* terms it ended because its lease could not be renewed */
	long long etcd_errors;        /* requests no member answered */
	long long published;          /* states written to etcd */
	double publish_ms;            /* the last write's time (the election's thread) */
	double made_ms;               /* the last state's making (the cycle's) */
	size_t state_bytes;           /* its size */
};

struct pp_ha;

/* Starts the election for o (borrowed; copied) in a thread of its own and
 * returns it in *out (taken by the caller: destroy it). The replica starts
 * as a candidate; it leads only once etcd has granted it the key.
 * PP_ERR_ARG for a bad option, PP_ERR_NOMEM. */
PP_WUR enum pp_err pp_ha_create(const struct pp_ha_opts *o, struct pp_ha **out,
				struct pp_errbuf *eb);

/* Stops the election (h taken; NULL is fine): a leader steps down at once
 * by revoking its etcd lease, so a follower takes over without waiting. */
void pp_ha_destroy(struct pp_ha *h);

/* Whether h (borrowed) may issue caps now: 1 with *epoch its term while it
 * leads and its etcd lease, renewed in time, is not over by its own clock
 * (with a margin); 0 otherwise. Checked at each call, never cached. */
int pp_ha_may_lead(struct pp_ha *h, long long *epoch);

/* Hands the state a next leader needs (state, len bytes: borrowed,
 * copied) to h, which writes it to etcd under its leader key's guard soon
 * after (the newest only; a deposed leader's write fails). Called by the
 * leader after each cycle, with what making the state cost the cycle
 * (made_ms, kept for /metrics); ignored when h does not lead. PP_ERR_ARG
 * for a state over 1 MiB, PP_ERR_NOMEM. */
PP_WUR enum pp_err pp_ha_publish(struct pp_ha *h, const char *state, size_t len, double made_ms);

/* Writes the state (state, len bytes: borrowed) to etcd now, in the
 * caller's thread, under the leader key's guard: for what must not be
 * acknowledged before a next leader would have it (a grid signal).
 * PP_ERR_ARG when h does not lead, PP_ERR_REJECTED when the key is no
 * longer its own, PP_ERR_NET when etcd did not answer (eb says which). */
PP_WUR enum pp_err pp_ha_publish_now(struct pp_ha *h, const char *state, size_t len,
				     struct pp_errbuf *eb);

/* Copies what h knows into *st. */
void pp_ha_status(struct pp_ha *h, struct pp_ha_status *st);

#endif
