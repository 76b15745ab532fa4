/* api_int.h - what the files of optimizer/api/ share. A request arrives
 * from libmicrohttpd (server.c) as a struct api_req, is routed through one
 * table of {method, path, scope, handler, what it reads and answers}
 * (router.c, the table in routes.c; openapi.c writes the OpenAPI document
 * from the same table) to a handler (routes.c, write.c) that turns JSON into
 * the controller's structs (reqjson.c) and back (codec.c; metrics.c for
 * Prometheus text),
 * and leaves as a struct api_resp. req.c, at the bottom, has what every
 * handler uses of the request. Nothing but server.c sees libmicrohttpd, so the router and the
 * handlers run in unit tests without a socket. */
#ifndef PP_API_INT_H
#define PP_API_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "powerpark/api.h"
#include "powerpark/ha.h"
#include "powerpark/buf.h"
#include "powerpark/ctl.h"
#include "powerpark/json.h"
#include "powerpark/log.h"

struct MHD_Daemon;

/* One name and value of a query string or of the headers (borrowed). */
struct api_kv {
	const char *k, *v;
};

#define API_MAX_KV 32 /* query arguments and headers a test may give */

/* Where a request's query arguments and headers come from: the server's
 * own lookup (libmicrohttpd's: every one of them, names without regard to
 * case, NULL for an argument without a value), or, in tests, the arrays. */
enum api_kind { API_QUERY, API_HEADER };
typedef const char *(*api_lookup_fn)(void *ctx, enum api_kind kind, const char *k);

struct api_req {
	const char *method, *path;  /* borrowed */
	api_lookup_fn lookup;       /* NULL: the arrays below */
	void *lookup_ctx;
	struct api_kv query[API_MAX_KV], headers[API_MAX_KV];
	size_t nquery, nheaders;
	const char *body;           /* borrowed, len bytes (not NUL-terminated) */
	size_t len;
	const char *target;         /* the request-target as sent (path and query),
				     * target_len bytes; NULL: path alone (tests) */
	size_t target_len;
};

#define API_ALLOW_MAX 24 /* "GET, HEAD, POST" and its NUL, with room */

struct api_resp {
	unsigned status;
	const char *ctype;          /* static */
	struct pp_buf body;         /* owned */
	const char *fixed;          /* instead of body: static text (the page) */
	size_t fixed_len;
	char allow[API_ALLOW_MAX];  /* a 405's Allow header ("" for none) */
	char location[1024];        /* a 307's Location header ("" for none) */
};

/* The encoded budget of the last cycle, shared by every request until the
 * next cycle (schedulers may ask thousands of times a second, and a park of
 * 1,500 racks makes 300 kB of it). */
struct api_budget_cache {
	pthread_mutex_t mu;
	int have;
	uint64_t cycle;
	struct pp_buf full, halls;
};

/* What the server keeps against hostile clients (server.c; docs/api.md,
 * "Limits under abuse"): the connections open, how many it takes, the
 * bytes of request bodies it holds, and the client addresses that showed a
 * known token lately, for whom the last connections are kept. */
#define API_TRUST_SLOTS 1024               /* addresses remembered */
#define API_TRUST_NS (900LL * 1000000000LL) /* how long a token's address stays known */

struct api_guard {
	atomic_uint open;           /* connections open now */
	unsigned limit;             /* connections at most */
	unsigned general;           /* of them, open to any client; the rest is the reserve */
	atomic_size_t body_bytes;   /* request bodies held now, received and inflated */
	size_t body_budget;         /* their bound (PP_API_BODY_BUDGET; tests lower it) */
	atomic_ullong conn_refused; /* connections closed at once: full but for the reserve */
	atomic_ullong early;        /* requests refused on their headers, no body read */
	atomic_ullong body_refused; /* requests refused for the body budget (503) */
	pthread_mutex_t trust_mu;   /* the addresses and the logs' back-off */
	struct pp_log_backoff conn_log, mhd_log;
	uint32_t trust_addr[API_TRUST_SLOTS]; /* IPv4, network order; 0: free */
	int64_t trust_seen[API_TRUST_SLOTS];  /* monotonic ns of its last known token */
};

struct pp_api {
	struct MHD_Daemon *d;
	struct pp_ctl *ctl;
	const struct pp_api_conf *conf;
	pp_api_breach_fn on_breach;
	void *ud;
	int port;
	char *cert, *key;
	atomic_ullong requests, rejected, bad_lines;
	pp_api_clock_fn clock;
	void *clock_ud;
	struct api_budget_cache budget;
	struct api_guard guard;
	struct pp_ha *ha;           /* borrowed; NULL: no group, this one leads */
};

typedef void (*api_handler)(struct pp_api *a, const struct api_req *rq, struct api_resp *rs);

/* What a route's answers hold, for the OpenAPI document (openapi.c): the
 * members of a JSON object, each of a type, maybe an array of it (or of
 * arrays of it), maybe null, maybe absent from some answers. test_api
 * checks every live answer against these. */
enum api_type { AT_STR, AT_INT, AT_NUM, AT_BOOL, AT_OBJ };

#define API_P_ARRAY 1u   /* an array of the type */
#define API_P_ARRAY2 2u  /* an array of arrays of the type */
#define API_P_NULL 4u    /* or null (a figure not known, a name not set) */
#define API_P_OPT 8u     /* not in every answer */

struct api_obj;

struct api_prop {
	const char *name;
	enum api_type type;
	unsigned flags;             /* API_P_* */
	const struct api_obj *obj;  /* AT_OBJ: its members */
	const char *enums;          /* AT_STR: the values it takes, "a|b|c"; NULL: any */
	const char *desc;           /* NULL: none */
};

struct api_obj {
	const char *name;           /* its name under components/schemas */
	const struct api_prop *p;   /* {NULL}-terminated */
	int open;                   /* other members too (the document itself) */
};

/* A query argument of a route. */
struct api_param {
	const char *name;
	enum api_type type;         /* AT_STR or AT_INT */
	int required;
	const char *enums;          /* AT_STR: "a|b"; NULL: any */
	int min, max;               /* AT_INT when max > min */
	const char *desc;
};

/* The body a route reads: none, one of the JSON requests (reqjson.c), or
 * line protocol. */
enum api_body { AB_NONE, AB_ADMIT, AB_SYNC, AB_EVENT, AB_LINES };

/* One row of the route table (routes.c): the router serves from it, and the
 * OpenAPI document is written from it, so neither has a route, method,
 * argument or body the other lacks. */
struct api_route {
	const char *method, *path;
	unsigned scope;             /* PP_SCOPE_*, 0: open */
	api_handler fn;
	int leader;                 /* only the leader serves it (docs/ha.md) */
	const char *summary;
	const struct api_param *params; /* {NULL}-terminated; NULL: none */
	enum api_body body;
	unsigned ok;                /* the status of a success */
	const char *ok_type;        /* its Content-Type; NULL: no body */
	const struct api_obj *ok_schema; /* JSON answers: its shape */
	unsigned also;              /* another status with the same shape (readyz's 503), or 0 */
	unsigned not_found;         /* 1: a 404 names what it does not know */
};

/* leader.c */

/* The epoch this replica issues under now: 0 without HA, -1 when it does
 * not lead (or its authority ran out). */
long long api_epoch(struct pp_api *a);
/* 1 when rq may be served here; else rs is a 307 to the leader (follower)
 * or a 503 (no leader known), and 0. */
int api_leader_check(struct pp_api *a, const struct api_req *rq, struct api_resp *rs);
/* Writes the controller's state to etcd before a request that changed it
 * is acknowledged (a grid signal: a next leader must have it): 1 when done
 * or without HA, 0 with eb saying why. */
int api_replicate(struct pp_api *a, struct pp_errbuf *eb);
/* GET /v1/ha. */
void api_h_ha(struct pp_api *a, const struct api_req *rq, struct api_resp *rs);
/* The role, epoch and takeovers for /metrics (nothing without HA). */
PP_WUR enum pp_err api_prometheus_ha(struct pp_buf *out, const struct pp_api *a);

/* server.c: the API over ctl without a server (tests feed api_dispatch
 * themselves); pp_api_stop frees it. Same arguments as pp_api_start. */
PP_WUR enum pp_err api_create(struct pp_ctl *ctl, const struct pp_api_conf *conf,
			      pp_api_breach_fn on_breach, void *ud, struct pp_api **out,
			      struct pp_errbuf *eb);

/* pp_api_start with the replica's election ha (borrowed, outliving the
 * server; NULL: none), in force from the first request. */
PP_WUR enum pp_err api_start_ha(struct pp_ctl *ctl, const struct pp_api_conf *conf,
				const char *listen, struct pp_ha *ha, pp_api_breach_fn on_breach,
				void *ud, struct pp_api **out, struct pp_errbuf *eb);

/* req.c */

/* The value of query argument or header k in rq (borrowed), or NULL. The
 * header's name is matched without regard to case. */
const char *api_query(const struct api_req *rq, const char *k);
const char *api_header(const struct api_req *rq, const char *k);

void api_resp_free(struct api_resp *rs);

/* The body budget: takes n bytes of it for a request (1), or nothing when
 * they would not fit (0); gives n taken bytes back. */
int api_body_take(struct pp_api *a, size_t n);
void api_body_give(struct pp_api *a, size_t n);

/* Sets rs to status with {"error": msg}. */
void api_fail(struct api_resp *rs, unsigned status, const char *msg);

/* The server's clock now (Unix ns). */
int64_t api_now(const struct pp_api *a);

/* router.c: answers rq into rs (written; free its body with api_resp_free):
 * routes it, checks the token's scope, runs the handler, counts it. */
void api_dispatch(struct pp_api *a, const struct api_req *rq, struct api_resp *rs);

/* What server.c checks on a request's headers, before its body: the route
 * of rq's method and path (a row of api_routes; HEAD takes GET's), or NULL
 * with rs written with the 404 or 405 (with its Allow). */
const struct api_route *api_route(const struct api_req *rq, struct api_resp *rs);

/* The scopes of rq's token (Authorization: Bearer or Token, the scheme
 * without regard to case), or -1 when there is none or it is unknown. */
int api_scopes(const struct pp_api *a, const struct api_req *rq);

/* 0 when a token with scopes s (-1: none) may use a route needing need;
 * else 1 with rs written with the 401 or 403. */
int api_denied(int s, unsigned need, struct api_resp *rs);

/* Counts an answered request (and a refused one). */
void api_count(struct pp_api *a, const struct api_resp *rs);

/* routes.c: the table, with its length. */
extern const struct api_route api_routes[];
extern const size_t api_nroutes;

/* openapi.c: the answers' shapes (the routes' rows point at them), and the
 * OpenAPI 3.1 document of the n routes rt (borrowed: api_routes) as JSON,
 * appended to out (PP_ERR_NOMEM only). */
extern const struct api_obj api_s_ok, api_s_ready, api_s_budget, api_s_forecast, api_s_lease,
	api_s_value,
	api_s_admit, api_s_event, api_s_sync, api_s_jobs, api_s_history, api_s_ha, api_s_openapi,
	api_s_events;
PP_WUR enum pp_err api_openapi(struct pp_buf *out, const struct api_route *rt, size_t n);

/* codec.c: the controller's answers as JSON (appended to out; PP_ERR_NOMEM
 * only), and requests from JSON (PP_ERR_PARSE with the reason in eb). The
 * decoded requests point into a jansson document kept in *doc (taken: free
 * it with api_doc_free after use). */
PP_WUR enum pp_err api_json_lease(struct pp_buf *out, const char *node,
				  const struct pp_ctl_lease *l, long long epoch);
PP_WUR enum pp_err api_json_budget(struct pp_buf *out, const struct pp_ctl_budget *b,
				   int halls_only);
PP_WUR enum pp_err api_json_forecast(struct pp_buf *out, const struct pp_ctl_forecast *f);
/* GET /v1/grid/value's answer: v (borrowed) as JSON into out. */
PP_WUR enum pp_err api_json_value(struct pp_buf *out, const struct pp_ctl_value *v);
PP_WUR enum pp_err api_json_admit(struct pp_buf *out, const struct pp_ctl_admit_ans *a);
PP_WUR enum pp_err api_json_event(struct pp_buf *out, const struct pp_ctl_event_ans *a);
PP_WUR enum pp_err api_json_sync(struct pp_buf *out, const struct pp_ctl_sync_req *q,
				 const struct pp_ctl_sync_ans *a);
PP_WUR enum pp_err api_json_jobs(struct pp_buf *out, const struct pp_ctl_jobs *j);
PP_WUR enum pp_err api_json_history(struct pp_buf *out, const struct pp_ctl_history *h);
PP_WUR enum pp_err api_json_notes(struct pp_buf *out, const struct pp_ctl_notes *n);
PP_WUR enum pp_err api_json_error(struct pp_buf *out, const char *msg);
/* {"ready": true}, or {"ready": false, "reason": why} (why borrowed). */
PP_WUR enum pp_err api_json_ready(struct pp_buf *out, int ready, const char *why);

/* A request's decoded form and the memory behind it. */
struct api_doc {
	void *root;                 /* json_t * */
	void *mem;                  /* arrays the request points into */
};
void api_doc_free(struct api_doc *d);

PP_WUR enum pp_err api_parse_admit(const char *body, size_t len, struct pp_ctl_admit_req *q,
				   struct api_doc *d, struct pp_errbuf *eb);
PP_WUR enum pp_err api_parse_event(const char *body, size_t len, struct pp_ctl_event_req *q,
				   struct api_doc *d, struct pp_errbuf *eb);
/* reqjson.c: the request bodies' JSON Schemas, written as members of an
 * open object (components/schemas), and the name of b's there (static;
 * NULL for none or line protocol). */
void api_body_schemas(struct pp_json *j);
const char *api_body_name(enum api_body b);

PP_WUR enum pp_err api_parse_sync(const char *body, size_t len, struct pp_ctl_sync_req *q,
				  struct api_doc *d, struct pp_errbuf *eb);

/* metrics.c: the controller's metrics and the API's own counters as
 * Prometheus text (appended to out). */
PP_WUR enum pp_err api_prometheus(struct pp_buf *out, const struct pp_ctl_metrics *m,
				  unsigned long long requests, unsigned long long rejected,
				  unsigned long long bad_lines);

/* The server's guard (a's connections and body budget, borrowed) as
 * Prometheus text, appended to out. */
PP_WUR enum pp_err api_prometheus_guard(struct pp_buf *out, const struct pp_api *a);

/* write.c: POST /write, InfluxDB 1.x line protocol (gzip or plain). */
void api_write(struct pp_api *a, const struct api_req *rq, struct api_resp *rs);

#endif
