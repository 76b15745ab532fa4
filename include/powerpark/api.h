/* api.h - the budget API of `powerpark optimize` over HTTP (libmicrohttpd):
 * GET /v1/budget, GET /v1/budget/forecast?hours=N, POST /v1/admit,
 * GET /v1/caps?node=N, POST /write (InfluxDB v1 line protocol),
 * GET /metrics, GET /healthz. See docs/api.md. */
#ifndef PP_API_H
#define PP_API_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "powerpark/config.h"
#include "powerpark/ctl.h"
#include "powerpark/err.h"

struct pp_api; /* opaque */

/* The server's limits (docs/api.md, "Limits under abuse"). */
#define PP_API_MAX_BODY (32u << 20)     /* larger bodies get 413 */
#define PP_API_BODY_BUDGET (128u << 20) /* bodies held at once, all requests (and inflated
					   gzip) together; a request beyond it gets 503 */
#define PP_API_MAX_CONNS 4096u          /* connections at most; fewer when RLIMIT_NOFILE is low */
#define PP_API_RESERVE_DIV 4u           /* 1/4 of them kept for addresses that showed a
					   known token in the last 15 minutes */
#define PP_API_PER_IP 64u               /* connections from one client address */
#define PP_API_HEADER_TIMEOUT_S 5u      /* idle seconds allowed before the headers are in */
#define PP_API_BODY_TIMEOUT_S 30u       /* idle seconds allowed while a body uploads */

/* Called (from a server thread) when a /write put a limit over; ud borrowed. */
typedef void (*pp_api_breach_fn)(void *ud);

/* Starts serving ctl (borrowed; must outlive the server) on conf->listen, or
 * on listen (borrowed) when not NULL ("host:port", port 0 picks one). Tokens
 * and TLS files come from conf (borrowed). */
PP_WUR enum pp_err pp_api_start(struct pp_ctl *ctl, const struct pp_api_conf *conf,
				const char *listen, pp_api_breach_fn on_breach, void *ud,
				struct pp_api **out, struct pp_errbuf *eb);

/* Where the server's clock comes from: fn(ud) in Unix nanoseconds (a
 * simulated day's time under `powerpark run`); the wall clock by default.
 * Set before requests arrive. */
typedef int64_t (*pp_api_clock_fn)(void *ud);
void pp_api_set_clock(struct pp_api *a, pp_api_clock_fn fn, void *ud);

/* The port actually bound. */
int pp_api_port(const struct pp_api *a);

/* Stops the server and frees it; NULL is fine. */
void pp_api_stop(struct pp_api *a);

/* How `powerpark optimize` runs (pp_api_run). */
struct pp_api_run_opts {
	struct pp_ctl_opts ctl;     /* the controller's period, lease, ... */
	const char *listen;         /* borrowed; NULL: api.listen of the config */
	/* Called once the API listens, with its port and the period (ms). */
	void (*ready)(void *ud, int port, int period_ms);
	void *ud;
	/* With an `ha` section (docs/ha.md): this replica's name and URL
	 * instead of ha.name and ha.url (borrowed; NULL: the config's). */
	const char *ha_name, *ha_url;
};

/* Runs `powerpark optimize` for cfg (borrowed): the controller, its API
 * and the configured outputs, until *stop is set. A cycle every period on
 * the wall clock, and at once when a reading written to /write breaks a
 * limit; each cycle's decisions go to the outputs, which get up to 5 s to
 * deliver at the end. Returns PP_OK after a stop, or the error that kept
 * it from starting (eb says which). */
PP_WUR enum pp_err pp_api_run(const struct pp_config *cfg, const struct pp_api_run_opts *o,
			      volatile sig_atomic_t *stop, struct pp_errbuf *eb);

#endif
