/* server.c - the budget API on libmicrohttpd (see api.h and docs/api.md):
 * the only file that sees libmicrohttpd. A request is checked on its
 * headers first (route, method, token: router.c), and refused there
 * before any byte of its body is read; a body is gathered whole (up to
 * PP_API_MAX_BODY, within the body budget shared by every request) before
 * anything is applied, so a request is taken entirely or not at all; then
 * it goes through api_dispatch. What this file keeps against hostile
 * clients (docs/api.md, "Limits under abuse"): a connection limit with a
 * reserve for addresses that showed a known token, a limit per address, a
 * short timeout until the headers are in, the body budget. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "api_int.h"
#include "powerpark/clock.h"
#include "powerpark/net.h"

#define API_THREADS 2u
#define API_FD_SPARE 128u  /* descriptors left to the rest of the process */
#define API_MIN_CONNS 16u  /* connections at least, however low RLIMIT_NOFILE is */
#define API_RETRY_S "1"    /* Retry-After of a 503 */
#define API_BUSY "busy: the bodies of other requests fill the server's buffer; retry"

void pp_api_set_clock(struct pp_api *a, pp_api_clock_fn fn, void *ud)
{
	a->clock = fn;
	a->clock_ud = ud;
}

/* One request. Made by the URI callback (uri_seen) when the request line
 * is in, freed when the request ends (done). */
struct conn {
	const char *uri;  /* the request line's URI as the URI callback saw it */
	size_t uri_len;   /* its length up to the first NUL */
	int started;      /* the handler saw the headers */
	int nul;          /* a NUL byte in the URI: no endpoint */
	int body;         /* the route reads a body: it is kept (else dropped) */
	unsigned refused; /* the status to answer at the end (413, 503, 500), or 0 */
	size_t taken;     /* bytes of the body budget this request holds */
	struct pp_buf data;
	char *target;     /* a copy of the URI as sent (libmicrohttpd splits and
			   * unescapes its own in place): a 307's Location; NULL
			   * when longer than API_TARGET_MAX or out of memory */
};

#define API_TARGET_MAX 900 /* the longest request-target a 307 carries on */

static enum MHD_Result send_resp(struct MHD_Connection *con, const struct api_resp *rs)
{
	const char *p = rs->fixed ? rs->fixed : rs->body.data ? rs->body.data : "";
	size_t n = rs->fixed ? rs->fixed_len : rs->body.len;
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (rs->ctype)
		MHD_add_response_header(r, "Content-Type", rs->ctype);
	if (rs->allow[0])
		MHD_add_response_header(r, "Allow", rs->allow);
	if (rs->location[0])
		MHD_add_response_header(r, "Location", rs->location);
	if (rs->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
	if (rs->status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, "Retry-After", API_RETRY_S);
	enum MHD_Result ret = MHD_queue_response(con, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Sends rs, counted, and frees it. */
static enum MHD_Result finish(struct pp_api *a, struct MHD_Connection *con, struct api_resp *rs)
{
	api_count(a, rs);
	enum MHD_Result r = send_resp(con, rs);
	api_resp_free(rs);
	return r;
}

/* The request's query argument or header k, as libmicrohttpd keeps them. */
static const char *mhd_lookup(void *ctx, enum api_kind kind, const char *k)
{
	return MHD_lookup_connection_value(ctx, kind == API_QUERY ? MHD_GET_ARGUMENT_KIND
								  : MHD_HEADER_KIND, k);
}

static void req_of(struct api_req *rq, struct MHD_Connection *con, const char *url,
		   const char *method)
{
	memset(rq, 0, sizeof *rq);
	rq->method = method;
	rq->path = url;
	rq->body = "";
	rq->lookup = mhd_lookup;
	rq->lookup_ctx = con;
}

/* The body's bytes and budget back; the request keeps nothing. */
static void drop_body(struct pp_api *a, struct conn *cn)
{
	pp_buf_free(&cn->data);
	api_body_give(a, cn->taken);
	cn->taken = 0;
}

/* --- who gets a connection ----------------------------------------------- */

static uint32_t ipv4_of(const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_in in;
	if (!sa || sa->sa_family != AF_INET || len < (socklen_t)sizeof in)
		return 0;
	memcpy(&in, sa, sizeof in);
	return in.sin_addr.s_addr;
}

/* Remembers that ip showed a known token now (the slot of ip, else a free
 * one, else the one seen longest ago). */
static void trust(struct api_guard *g, uint32_t ip, int64_t now)
{
	if (!ip)
		return;
	pthread_mutex_lock(&g->trust_mu);
	size_t slot = 0;
	for (size_t i = 0; i < API_TRUST_SLOTS; i++) {
		if (g->trust_addr[i] == ip) {
			slot = i;
			break;
		}
		if (g->trust_seen[i] < g->trust_seen[slot])
			slot = i;
	}
	g->trust_addr[slot] = ip;
	g->trust_seen[slot] = now;
	pthread_mutex_unlock(&g->trust_mu);
}

static int trusted(struct api_guard *g, uint32_t ip, int64_t now)
{
	int yes = 0;
	pthread_mutex_lock(&g->trust_mu);
	for (size_t i = 0; ip && i < API_TRUST_SLOTS && !yes; i++)
		yes = g->trust_addr[i] == ip && now - g->trust_seen[i] < API_TRUST_NS;
	pthread_mutex_unlock(&g->trust_mu);
	return yes;
}

/* libmicrohttpd's accept policy: any client while the general part of the
 * connections has room, then only addresses that showed a known token. */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct pp_api *a = cls;
	struct api_guard *g = &a->guard;
	int64_t now = pp_clock_mono_ns();
	if (atomic_load(&g->open) < g->general || trusted(g, ipv4_of(sa, len), now))
		return MHD_YES;
	unsigned long long n = atomic_fetch_add(&g->conn_refused, 1) + 1;
	pthread_mutex_lock(&g->trust_mu);
	int say = pp_log_backoff_hit(&g->conn_log, now);
	pthread_mutex_unlock(&g->trust_mu);
	if (say)
		pp_log(PP_LOG_WARN, "api",
		       "%u of %u connections open: closing those from addresses without a known "
		       "token (%llu so far)", atomic_load(&g->open), g->limit, n);
	return MHD_NO;
}

static void conn_notify(void *cls, struct MHD_Connection *con, void **sctx,
			enum MHD_ConnectionNotificationCode code)
{
	(void)con;
	(void)sctx;
	struct pp_api *a = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&a->guard.open, 1);
	else
		atomic_fetch_sub(&a->guard.open, 1);
}

/* libmicrohttpd's messages (a client gone mid-request, ...) into the log,
 * backed off: a flood of bad clients must not flood the log as well. */
static void mhd_log(void *cls, const char *fmt, va_list ap) PP_PRINTF(2, 0);
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct api_guard *g = &((struct pp_api *)cls)->guard;
	pthread_mutex_lock(&g->trust_mu);
	int say = pp_log_backoff_hit(&g->mhd_log, pp_clock_mono_ns());
	unsigned long long n = (unsigned long long)g->mhd_log.count;
	pthread_mutex_unlock(&g->trust_mu);
	if (!say)
		return;
	char msg[256];
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	pp_log(PP_LOG_WARN, "api", "libmicrohttpd: %s (message %llu; repeats are logged less often)",
	       msg, n);
}

/* --- one request --------------------------------------------------------- */

/* libmicrohttpd's URI callback, when the request line is in: the request's
 * state, with the URI as it came (before it is split and unescaped). */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *con)
{
	(void)cls;
	(void)con;
	struct conn *cn = calloc(1, sizeof *cn);
	if (cn) {
		cn->uri = uri;
		cn->uri_len = strlen(uri);
		cn->target = cn->uri_len <= API_TARGET_MAX ? strdup(uri) : NULL;
		pp_buf_init(&cn->data);
	}
	return cn;
}

/* Unescapes a path or a query argument in place, except one with %00: a
 * NUL would end the C string the handler sees (/v1/budget%00.json read as
 * /v1/budget), so it stays as it came and names nothing. */
static size_t unescape(void *cls, struct MHD_Connection *con, char *s)
{
	(void)cls;
	(void)con;
	return strstr(s, "%00") ? strlen(s) : MHD_http_unescape(s);
}

/* Whether the request line's URI held no NUL byte. libmicrohttpd 0.9.75
 * parses "METHOD URI VERSION" in place, making the space before VERSION a
 * NUL, and hands the handler pointers into that line: the URI callback's
 * string ends at that NUL, and VERSION follows it, unless a NUL inside the
 * URI ended the string early. */
static int whole_uri(const struct conn *cn, const char *url, const char *version)
{
	return cn->uri == url && version == url + cn->uri_len + 1;
}

/* Whether the request has a body coming (a Content-Length above 0, or a
 * Transfer-Encoding: chunked); *len is the length declared (0 for chunks). */
static int has_body(struct MHD_Connection *con, unsigned long long *len)
{
	const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
	const char *te = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Transfer-Encoding");
	*len = cl ? strtoull(cl, NULL, 10) : 0;
	return *len > 0 || te;
}

/* The headers are in. A request with a body is refused now, its body
 * never read (a route it has no right to, a body too large or beyond the
 * budget), or let on, taking the body budget its Content-Length says; one
 * without is answered whole at the end, as before (its connection kept). */
static enum MHD_Result on_headers(struct pp_api *a, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version, struct conn *cn)
{
	cn->started = 1;
	cn->nul = !whole_uri(cn, url, version);
	struct api_req rq;
	req_of(&rq, con, url, method);
	int s = api_scopes(a, &rq);
	if (s >= 0) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		trust(&a->guard, ci ? ipv4_of(ci->client_addr, sizeof(struct sockaddr_in)) : 0,
		      pp_clock_mono_ns());
	}
	unsigned long long want;
	if (!has_body(con, &want))
		return MHD_YES;
	struct api_resp rs;
	memset(&rs, 0, sizeof rs);
	pp_buf_init(&rs.body);
	const struct api_route *r = cn->nul ? NULL : api_route(&rq, &rs);
	if (!r && !rs.status)
		api_fail(&rs, MHD_HTTP_NOT_FOUND, "no such endpoint");
	if (r && !api_denied(s, r->scope, &rs)) {
		cn->body = !strcmp(r->method, "POST");
		if (!cn->body)
			return MHD_YES; /* a body where none is read: dropped as it comes */
		MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT,
					  PP_API_BODY_TIMEOUT_S);
		if (want > PP_API_MAX_BODY)
			api_fail(&rs, MHD_HTTP_CONTENT_TOO_LARGE, "body too large (limit 32 MiB)");
		else if (!api_body_take(a, (size_t)want))
			api_fail(&rs, MHD_HTTP_SERVICE_UNAVAILABLE, API_BUSY);
		else
			cn->taken = (size_t)want;
		if (!rs.status)
			return MHD_YES;
		atomic_fetch_add(&a->guard.body_refused, rs.status == MHD_HTTP_SERVICE_UNAVAILABLE);
	}
	atomic_fetch_add(&a->guard.early, 1);
	return finish(a, con, &rs);
}

/* A piece of the body: kept within the limits, else the request is marked
 * refused and nothing more is kept. */
static void on_data(struct pp_api *a, struct conn *cn, const char *p, size_t n)
{
	if (!cn->body || cn->refused)
		return;
	size_t need = cn->data.len + n;
	if (need > PP_API_MAX_BODY)
		cn->refused = MHD_HTTP_CONTENT_TOO_LARGE;
	else if (need > cn->taken && !api_body_take(a, need - cn->taken))
		cn->refused = MHD_HTTP_SERVICE_UNAVAILABLE;
	else if (need > cn->taken)
		cn->taken = need;
	if (!cn->refused && pp_buf_append(&cn->data, p, n))
		cn->refused = MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (cn->refused)
		drop_body(a, cn);
}

static enum MHD_Result on_refused(struct pp_api *a, struct MHD_Connection *con, struct conn *cn)
{
	struct api_resp rs;
	memset(&rs, 0, sizeof rs);
	pp_buf_init(&rs.body);
	if (cn->refused == MHD_HTTP_CONTENT_TOO_LARGE) {
		api_fail(&rs, cn->refused, "body too large (limit 32 MiB)");
	} else if (cn->refused == MHD_HTTP_SERVICE_UNAVAILABLE) {
		api_fail(&rs, cn->refused, API_BUSY);
		atomic_fetch_add(&a->guard.body_refused, 1);
	} else {
		api_fail(&rs, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return finish(a, con, &rs);
}

static enum MHD_Result answer(struct pp_api *a, struct MHD_Connection *con, const char *url,
			      const char *method, struct conn *cn)
{
	struct api_req rq;
	req_of(&rq, con, url, method);
	rq.body = cn->data.data ? cn->data.data : "";
	rq.len = cn->data.len;
	rq.target = cn->target ? cn->target : url;
	rq.target_len = strlen(rq.target);
	struct api_resp rs;
	if (cn->nul) {
		memset(&rs, 0, sizeof rs);
		pp_buf_init(&rs.body);
		api_fail(&rs, MHD_HTTP_NOT_FOUND, "no such endpoint");
		api_count(a, &rs);
	} else {
		api_dispatch(a, &rq, &rs);
	}
	drop_body(a, cn);
	enum MHD_Result r = send_resp(con, &rs);
	api_resp_free(&rs);
	return r;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct pp_api *a = cls;
	struct conn *cn = *con_cls;
	if (!cn)
		return MHD_NO; /* out of memory in uri_seen: the connection ends */
	if (!cn->started)
		return on_headers(a, con, url, method, version, cn);
	if (*upload_size) {
		on_data(a, cn, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return cn->refused ? on_refused(a, con, cn) : answer(a, con, url, method, cn);
}

static void done(void *cls, struct MHD_Connection *con, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	(void)toe;
	struct pp_api *a = cls;
	struct conn *cn = *con_cls;
	if (cn) {
		/* The next request on this connection has the short timeout again. */
		if (cn->body)
			MHD_set_connection_option(con, MHD_CONNECTION_OPTION_TIMEOUT,
						  PP_API_HEADER_TIMEOUT_S);
		drop_body(a, cn);
		free(cn->target);
		free(cn);
	}
	*con_cls = NULL;
}

/* --- the server ---------------------------------------------------------- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct pp_buf b;
	pp_buf_init(&b);
	char tmp[4096];
	size_t n;
	int bad = 0;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		bad |= pp_buf_append(&b, tmp, n) != PP_OK;
	bad |= ferror(f);
	fclose(f);
	if (bad || pp_buf_append(&b, "", 1)) {
		pp_buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* PP_API_MAX_CONNS, or fewer when the process may not open as many
 * descriptors (leaving API_FD_SPARE to the rest). */
static unsigned conn_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= PP_API_MAX_CONNS + API_FD_SPARE)
		return PP_API_MAX_CONNS;
	if (rl.rlim_cur < API_MIN_CONNS + API_FD_SPARE)
		return API_MIN_CONNS;
	return (unsigned)rl.rlim_cur - API_FD_SPARE;
}

enum pp_err api_create(struct pp_ctl *ctl, const struct pp_api_conf *conf,
			  pp_api_breach_fn on_breach, void *ud, struct pp_api **out,
			  struct pp_errbuf *eb)
{
	*out = NULL;
	struct pp_api *a = calloc(1, sizeof *a);
	if (!a)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	a->ctl = ctl;
	a->conf = conf;
	a->on_breach = on_breach;
	a->ud = ud;
	pthread_mutex_init(&a->budget.mu, NULL);
	pp_buf_init(&a->budget.full);
	pp_buf_init(&a->budget.halls);
	pthread_mutex_init(&a->guard.trust_mu, NULL);
	a->guard.body_budget = PP_API_BODY_BUDGET;
	a->guard.limit = conn_limit();
	a->guard.general = a->guard.limit - a->guard.limit / PP_API_RESERVE_DIV;
	*out = a;
	return PP_OK;
}

enum pp_err pp_api_start(struct pp_ctl *ctl, const struct pp_api_conf *conf, const char *listen,
			 pp_api_breach_fn on_breach, void *ud, struct pp_api **out,
			 struct pp_errbuf *eb)
{
	return api_start_ha(ctl, conf, listen, NULL, on_breach, ud, out, eb);
}

enum pp_err api_start_ha(struct pp_ctl *ctl, const struct pp_api_conf *conf, const char *listen,
			 struct pp_ha *ha, pp_api_breach_fn on_breach, void *ud,
			 struct pp_api **out, struct pp_errbuf *eb)
{
	*out = NULL;
	const char *hp = listen ? listen : conf->listen ? conf->listen : "127.0.0.1:8080";
	struct sockaddr_in sa;
	struct pp_api *a;
	enum pp_err pe = pp_net_addr_parse("listen", hp, &sa, eb);
	if (pe || (pe = api_create(ctl, conf, on_breach, ud, &a, eb)))
		return pe;
	a->ha = ha; /* before the first request */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (conf->tls_cert) {
		a->cert = slurp(conf->tls_cert);
		a->key = slurp(conf->tls_key);
		if (!a->cert || !a->key) {
			pp_api_stop(a);
			return pp_err_set(eb, PP_ERR_IO, "api: cannot read %s or %s", conf->tls_cert,
					  conf->tls_key);
		}
		flags |= MHD_USE_TLS;
	}
	a->d = MHD_start_daemon(
		flags, 0, accept_policy, a, handler, a, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, a,
		MHD_OPTION_SOCK_ADDR, &sa,
		MHD_OPTION_THREAD_POOL_SIZE, API_THREADS, MHD_OPTION_CONNECTION_LIMIT,
		a->guard.limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, PP_API_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, PP_API_HEADER_TIMEOUT_S, MHD_OPTION_NOTIFY_CONNECTION,
		conn_notify, a, MHD_OPTION_NOTIFY_COMPLETED, done, a, MHD_OPTION_URI_LOG_CALLBACK,
		uri_seen, a, MHD_OPTION_UNESCAPE_CALLBACK, unescape, a,
		a->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, a->cert,
		MHD_OPTION_HTTPS_MEM_KEY, a->key, MHD_OPTION_END);
	if (!a->d) {
		pp_api_stop(a);
		return pp_err_set(eb, PP_ERR_IO, "api: cannot listen on %s (in use, or TLS files bad)",
				  hp);
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT);
	a->port = di ? di->port : ntohs(sa.sin_port);
	pp_log(PP_LOG_INFO, "api",
	       "up to %u connections (%u of them kept for addresses with a known token), %u per "
	       "address; headers within %u s; bodies %u MiB at once", a->guard.limit,
	       a->guard.limit - a->guard.general, PP_API_PER_IP, PP_API_HEADER_TIMEOUT_S,
	       PP_API_BODY_BUDGET >> 20);
	*out = a;
	return PP_OK;
}

int pp_api_port(const struct pp_api *a)
{
	return a->port;
}

void pp_api_stop(struct pp_api *a)
{
	if (!a)
		return;
	if (a->d)
		MHD_stop_daemon(a->d);
	free(a->cert);
	free(a->key);
	pthread_mutex_destroy(&a->budget.mu);
	pthread_mutex_destroy(&a->guard.trust_mu);
	pp_buf_free(&a->budget.full);
	pp_buf_free(&a->budget.halls);
	free(a);
}
