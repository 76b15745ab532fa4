/* api.c - the budget API on libmicrohttpd (see api.h and docs/api.md).
 * Bodies are gathered whole (up to PP_API_MAX_BODY) before anything is
 * applied, so a request is taken entirely or not at all. Every error is a
 * 4xx/5xx with {"error": "..."}. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/api.h"
#include "powerpark/buf.h"
#include "powerpark/clock.h"
#include "powerpark/json.h"
#include "powerpark/lineproto.h"
#include "powerpark/log.h"
#include "powerpark/net.h"

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
};

extern const char pp_dashboard_html[]; /* optimizer/dashboard.html, compiled in */

static int64_t now_of(const struct pp_api *a)
{
	return a->clock ? a->clock(a->clock_ud) : pp_clock_wall_ns();
}

void pp_api_set_clock(struct pp_api *a, pp_api_clock_fn fn, void *ud)
{
	a->clock = fn;
	a->clock_ud = ud;
}

struct req {
	struct pp_buf body;
	int too_big;
};

static enum MHD_Result reply(struct pp_api *a, struct MHD_Connection *con, unsigned status,
			     const char *ctype, const char *body, size_t len)
{
	atomic_fetch_add(&a->requests, 1);
	if (status >= 400)
		atomic_fetch_add(&a->rejected, 1);
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	enum MHD_Result ret = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result fail(struct pp_api *a, struct MHD_Connection *con, unsigned status,
			    const char *msg)
{
	struct pp_buf b;
	pp_buf_init(&b);
	enum pp_err e = pp_buf_appendf(&b, "{\"error\":");
	e = e ? e : pp_json_quote(&b, msg, strlen(msg));
	e = e ? e : pp_buf_appendf(&b, "}\n");
	enum MHD_Result r = e ? MHD_NO : reply(a, con, status, "application/json", b.data, b.len);
	pp_buf_free(&b);
	return r;
}

/* The token's scopes, or -1 when there is none or it is unknown. Tokens
 * are compared in full, in time independent of where they differ. */
static int scopes_of(const struct pp_api *a, struct MHD_Connection *con)
{
	const char *h = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
	/* Bearer, or Token as InfluxDB clients send it. */
	if (!h || (strncmp(h, "Bearer ", 7) && strncmp(h, "Token ", 6)))
		return -1;
	h += h[0] == 'T' ? 6 : 7;
	size_t hl = strlen(h);
	int found = -1;
	for (size_t i = 0; i < a->conf->ntokens; i++) {
		const char *t = a->conf->tokens[i].token;
		size_t tl = strlen(t);
		unsigned diff = (unsigned)(tl ^ hl);
		for (size_t k = 0; k < tl; k++)
			diff |= (unsigned)(unsigned char)t[k] ^ (unsigned)(unsigned char)(k < hl ? h[k] : 0);
		if (!diff)
			found = (int)a->conf->tokens[i].scopes;
	}
	return found;
}

/* 401 without a valid token, 403 when the token lacks the scope; 0 when
 * the request may go on. */
static int denied(struct pp_api *a, struct MHD_Connection *con, unsigned need,
		  enum MHD_Result *ret)
{
	int s = scopes_of(a, con);
	if (s < 0) {
		*ret = fail(a, con, MHD_HTTP_UNAUTHORIZED,
			    "a bearer token is required (Authorization: Bearer TOKEN)");
		return 1;
	}
	if (!((unsigned)s & (need | PP_SCOPE_ADMIN))) {
		*ret = fail(a, con, MHD_HTTP_FORBIDDEN, "the token lacks the scope for this request");
		return 1;
	}
	return 0;
}

static enum MHD_Result send_buf(struct pp_api *a, struct MHD_Connection *con, enum pp_err e,
				struct pp_buf *b, const char *ctype)
{
	enum MHD_Result r = e ? fail(a, con, 500, "out of memory")
			      : reply(a, con, MHD_HTTP_OK, ctype, b->data ? b->data : "", b->len);
	pp_buf_free(b);
	return r;
}

/* A JSON request's answer: 400 with the reason for bad input. */
static enum MHD_Result parse_reply(struct pp_api *a, struct MHD_Connection *con, enum pp_err e,
				   struct pp_buf *b, const struct pp_errbuf *eb)
{
	if (e == PP_ERR_PARSE) {
		pp_buf_free(b);
		return fail(a, con, MHD_HTTP_BAD_REQUEST, eb->msg);
	}
	return send_buf(a, con, e, b, "application/json");
}

/* A gzip body (Content-Encoding: gzip, what collectors and Telegraf send)
 * inflated into out, up to PP_API_MAX_BODY. 0, 413 or 400. */
static unsigned inflate_body(const struct pp_buf *in, struct pp_buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return 500;
	z.next_in = (Bytef *)in->data;
	z.avail_in = (uInt)in->len;
	unsigned st = 0;
	for (;;) {
		if (pp_buf_reserve(out, 65536)) {
			st = 500;
			break;
		}
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = 65536;
		int r = inflate(&z, Z_NO_FLUSH);
		out->len += 65536 - z.avail_out;
		if (out->len > PP_API_MAX_BODY) {
			st = 413;
			break;
		}
		if (r == Z_STREAM_END)
			break;
		if (r != Z_OK) {
			st = 400;
			break;
		}
	}
	inflateEnd(&z);
	return st;
}

static enum MHD_Result do_write(struct pp_api *a, struct MHD_Connection *con, struct req *rq)
{
	const char *enc = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Encoding");
	if (enc && !strcmp(enc, "gzip")) {
		struct pp_buf plain;
		pp_buf_init(&plain);
		unsigned st = inflate_body(&rq->body, &plain);
		if (st) {
			pp_buf_free(&plain);
			return fail(a, con, st, st == 413 ? "body too large once inflated (limit 32 MiB)"
						: st == 400 ? "body is not valid gzip"
							    : "out of memory");
		}
		pp_buf_free(&rq->body);
		rq->body = plain;
	} else if (enc && strcmp(enc, "identity")) {
		return fail(a, con, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
			    "Content-Encoding: expected gzip or identity");
	}
	const char *p = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "precision");
	enum pp_lineproto_precision prec = PP_PREC_NS;
	if (p && !strcmp(p, "s"))
		prec = PP_PREC_S;
	else if (p && !strcmp(p, "ms"))
		prec = PP_PREC_MS;
	else if (p && (!strcmp(p, "u") || !strcmp(p, "us")))
		prec = PP_PREC_US;
	else if (p && strcmp(p, "ns") && strcmp(p, "n"))
		return fail(a, con, MHD_HTTP_BAD_REQUEST, "precision: expected ns, us, ms or s");
	struct pp_lineproto_result res;
	pp_lineproto_result_init(&res);
	int64_t now = now_of(a);
	enum pp_err e = pp_lineproto_parse(rq->body.data ? rq->body.data : "", rq->body.len, prec,
					   now, &res);
	enum MHD_Result r;
	if (e) {
		r = fail(a, con, 500, "out of memory");
	} else if (res.nbad) {
		/* InfluxDB's answer to a partly bad batch is 400 with the first
		 * reason; the good lines are not applied either, so a client that
		 * retries after fixing its lines sends each point once. */
		atomic_fetch_add(&a->bad_lines, res.nbad);
		char msg[300];
		snprintf(msg, sizeof msg, "%zu bad line(s); line %zu: %s", res.nbad,
			 res.errors[0].line, res.errors[0].reason);
		r = fail(a, con, MHD_HTTP_BAD_REQUEST, msg);
	} else {
		int breach = 0;
		pp_ctl_ingest(a->ctl, res.samples, res.nsamples, now, &breach);
		if (breach && a->on_breach)
			a->on_breach(a->ud);
		r = reply(a, con, MHD_HTTP_NO_CONTENT, "text/plain", "", 0);
	}
	pp_lineproto_result_free(&res);
	return r;
}

static enum MHD_Result route(struct pp_api *a, struct MHD_Connection *con, const char *url,
			     const char *method, struct req *rq)
{
	int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	enum MHD_Result ret;
	struct pp_buf b;
	pp_buf_init(&b);
	struct pp_errbuf eb;
	int64_t now = now_of(a);
	if (!strcmp(url, "/healthz") && get)
		return reply(a, con, MHD_HTTP_OK, "application/json", "{\"ok\":true}\n", 12);
	if (!strcmp(url, "/metrics") && get) {
		/* The controller's state, then what the API itself counted: bad
		 * input is rejected with a reason and counted where it shows. */
		enum pp_err e = pp_ctl_metrics(a->ctl, &b);
		e = e ? e : pp_buf_appendf(&b,
				"# TYPE powerpark_api_requests_total counter\n"
				"powerpark_api_requests_total %llu\n"
				"# TYPE powerpark_api_rejected_total counter\n"
				"powerpark_api_rejected_total %llu\n"
				"# TYPE powerpark_write_bad_lines_total counter\n"
				"powerpark_write_bad_lines_total %llu\n",
				atomic_load(&a->requests), atomic_load(&a->rejected),
				atomic_load(&a->bad_lines));
		return send_buf(a, con, e, &b, "text/plain; version=0.0.4");
	}
	if (!strcmp(url, "/") && get)
		return reply(a, con, MHD_HTTP_OK, "text/html; charset=utf-8", pp_dashboard_html,
			     strlen(pp_dashboard_html));
	if (!strcmp(url, "/v1/history") && get)
		return send_buf(a, con, pp_ctl_history(a->ctl, &b), &b, "application/json");
	if (!strcmp(url, "/v1/jobs") && get)
		return send_buf(a, con, pp_ctl_jobs(a->ctl, now, &b), &b, "application/json");
	if (!strcmp(url, "/v1/budget") && get) {
		const char *lv = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "level");
		if (lv && strcmp(lv, "hall") && strcmp(lv, "rack"))
			return fail(a, con, MHD_HTTP_BAD_REQUEST, "level: expected hall or rack");
		return send_buf(a, con, pp_ctl_budget(a->ctl, now, lv && !strcmp(lv, "hall"), &b),
				&b, "application/json");
	}
	if (!strcmp(url, "/v1/budget/forecast") && get) {
		const char *h = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "hours");
		char *end = NULL;
		long hours = h ? strtol(h, &end, 10) : 24;
		if (h && (!*h || *end || hours < 1 || hours > 168))
			return fail(a, con, MHD_HTTP_BAD_REQUEST, "hours: expected an integer 1..168");
		return send_buf(a, con, pp_ctl_forecast(a->ctl, now, (int)hours, &b), &b,
				"application/json");
	}
	if (!strcmp(url, "/v1/caps") && get) {
		if (denied(a, con, PP_SCOPE_LEASE, &ret))
			return ret;
		const char *node = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "node");
		if (!node || !*node)
			return fail(a, con, MHD_HTTP_BAD_REQUEST, "node: the rack whose caps to lease");
		enum pp_err e = pp_ctl_lease(a->ctl, node, now, &b, &eb);
		if (e == PP_ERR_ARG) {
			pp_buf_free(&b);
			return fail(a, con, MHD_HTTP_NOT_FOUND, eb.msg);
		}
		return send_buf(a, con, e, &b, "application/json");
	}
	if (!strcmp(url, "/v1/admit") && post) {
		if (denied(a, con, PP_SCOPE_WRITE, &ret))
			return ret;
		return parse_reply(a, con, pp_ctl_admit(a->ctl, rq->body.data ? rq->body.data : "",
							rq->body.len, now, &b, &eb), &b, &eb);
	}
	if (!strcmp(url, "/v1/scheduler/sync") && post) {
		if (denied(a, con, PP_SCOPE_WRITE, &ret))
			return ret;
		return parse_reply(a, con, pp_ctl_sync(a->ctl, rq->body.data ? rq->body.data : "",
						       rq->body.len, now, &b, &eb), &b, &eb);
	}
	if (!strcmp(url, "/v1/grid/event") && post) {
		if (denied(a, con, PP_SCOPE_ADMIN, &ret))
			return ret;
		return parse_reply(a, con, pp_ctl_grid_event(a->ctl, rq->body.data ? rq->body.data
											: "",
							     rq->body.len, now, &b, &eb), &b, &eb);
	}
	if (!strcmp(url, "/write") && post) {
		if (denied(a, con, PP_SCOPE_WRITE, &ret))
			return ret;
		return do_write(a, con, rq);
	}
	static const char *const known[] = {"/", "/v1/history", "/v1/jobs", "/healthz",
					    "/metrics", "/v1/budget",
					    "/v1/budget/forecast", "/v1/caps", "/v1/admit",
					    "/v1/scheduler/sync", "/v1/grid/event",
					    "/write", NULL};
	for (int i = 0; known[i]; i++)
		if (!strcmp(url, known[i]))
			return fail(a, con, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed here");
	return fail(a, con, MHD_HTTP_NOT_FOUND, "no such endpoint");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	(void)version;
	struct pp_api *a = cls;
	struct req *rq = *con_cls;
	if (!rq) {
		rq = calloc(1, sizeof *rq);
		if (!rq)
			return MHD_NO;
		pp_buf_init(&rq->body);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size > PP_API_MAX_BODY)
			rq->too_big = 1;
		else if (pp_buf_append(&rq->body, upload, *upload_size))
			rq->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return fail(a, con, MHD_HTTP_CONTENT_TOO_LARGE, "body too large (limit 32 MiB)");
	return route(a, con, url, method, rq);
}

static void done(void *cls, struct MHD_Connection *con, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)con;
	(void)toe;
	struct req *rq = *con_cls;
	if (rq) {
		pp_buf_free(&rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

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

enum pp_err pp_api_start(struct pp_ctl *ctl, const struct pp_api_conf *conf, const char *listen,
			 pp_api_breach_fn on_breach, void *ud, struct pp_api **out,
			 struct pp_errbuf *eb)
{
	*out = NULL;
	const char *hp = listen ? listen : conf->listen ? conf->listen : "127.0.0.1:8080";
	struct sockaddr_in sa;
	enum pp_err pe = pp_net_addr_parse("listen", hp, &sa, eb);
	if (pe)
		return pe;
	struct pp_api *a = calloc(1, sizeof *a);
	if (!a)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	a->ctl = ctl;
	a->conf = conf;
	a->on_breach = on_breach;
	a->ud = ud;
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
	a->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, a, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_NOTIFY_COMPLETED, done,
				NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				a->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, a->cert,
				MHD_OPTION_HTTPS_MEM_KEY, a->key, MHD_OPTION_END);
	if (!a->d) {
		pp_api_stop(a);
		return pp_err_set(eb, PP_ERR_IO, "api: cannot listen on %s (in use, or TLS files bad)",
			       hp);
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT);
	a->port = di ? di->port : ntohs(sa.sin_port);
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
	free(a);
}
