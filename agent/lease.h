/* lease.h - a lease of GPU caps as the agent takes it from the optimizer's
 * GET /v1/caps. lease_json.c reads it out of the answer's JSON; the rest of
 * the agent sees only this struct. */
#ifndef PP_AGENT_LEASE_H
#define PP_AGENT_LEASE_H

#include <stddef.h>

struct lease {
	double cap_w;              /* the node's per-GPU cap */
	long long ttl_s;           /* how long it holds, > 0 */
	int has_range;             /* the optimizer's cap range came with it */
	double cap_min_w, cap_max_w;
	int has_smooth;            /* power smoothing came with it */
	double floor_w, ramp_down_w_per_s;
	long long epoch;           /* the leader's term (docs/ha.md); 0 without HA */
};

/* Reads the answer body (borrowed, len bytes; may be NULL when len is 0)
 * into *l. Returns 0, or -1 when it is no lease: not JSON, no numeric
 * cap_w in its first cap, or no positive integer ttl_s. */
int lease_parse(const char *body, size_t len, struct lease *l);

#endif
