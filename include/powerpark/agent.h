/* agent.h - `powerpark agent`: leases one node's GPU caps from the
 * optimizer, applies them through a backend, reports GPU power, and falls
 * to a safe cap when the lease runs out. */
#ifndef PP_AGENT_H
#define PP_AGENT_H

#include <signal.h>

#include "powerpark/err.h"

struct pp_agent_opts {
	const char *url;       /* the optimizer, http://HOST:PORT; replicas of a group
				* (docs/ha.md) as several, comma-separated */
	const char *token;     /* bearer token with the lease (and write) scope */
	const char *node;      /* the rack whose caps it leases */
	const char *site;      /* the site tag of its readings */
	const char *backend;   /* nvml, command, sim or redfish */
	const char *arg;       /* the backend's argument (library, command, sim HOST:PORT) */
	int gpus;              /* GPUs on this node when the backend cannot count them */
	double safe_cap_w;     /* applied when the lease expires; required */
	int interval_ms;       /* between lease renewals; 1000 by default */
	int once;              /* one renewal, then exit */
};

/* Runs until *stop is set (or once). With several optimizer URLs it asks
 * the one that answered last; one that redirects (a follower) names the
 * leader, asked at once; one that cannot be reached gives way to the next.
 * A lease of an older epoch than the newest one seen is refused (counted,
 * logged): a deposed leader cannot set a cap. Returns PP_OK, or the error that kept
 * it from starting (bad options, a backend that cannot open). */
PP_WUR enum pp_err pp_agent_run(const struct pp_agent_opts *o, volatile sig_atomic_t *stop,
				struct pp_errbuf *eb);

#endif
