/* server.c - the budget API on libmicrohttpd (see api.h and docs/api.md):
 * the only file that sees libmicrohttpd. Bodies are gathered whole (up to
 * PP_API_MAX_BODY) before anything is applied, so a request is taken
 * entirely or not at all; then it goes through api_dispatch (router.c). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "powerpark/net.h"

#define API_THREADS 2u
#define API_CONN_TIMEOUT_S 30u

void pp_api_set_clock(struct pp_api *a, pp_api_clock_fn fn, void *ud)
{
	a->clock = fn;
	a->clock_ud = ud;
}

struct conn {
	struct pp_buf body;
	int too_big;
};

static enum MHD_Result send_resp(struct MHD_Connection *con, const struct api_resp *rs)
{
	const char *p = rs->fixed ? rs->fixed : rs->body.data ? rs->body.data : "";
	size_t n = rs->fixed ? rs->fixed_len : rs->body.len;
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	if (rs->ctype)
		MHD_add_response_header(r, "Content-Type", rs->ctype);
	enum MHD_Result ret = MHD_queue_response(con, rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The request's query argument or header k, as libmicrohttpd keeps them. */
static const char *mhd_lookup(void *ctx, enum api_kind kind, const char *k)
{
	return MHD_lookup_connection_value(ctx, kind == API_QUERY ? MHD_GET_ARGUMENT_KIND
								  : MHD_HEADER_KIND, k);
}

static enum MHD_Result answer(struct pp_api *a, struct MHD_Connection *con, const char *url,
			      const char *method, const struct conn *cn)
{
	struct api_req rq;
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.path = url;
	rq.body = cn->body.data ? cn->body.data : "";
	rq.len = cn->body.len;
	rq.lookup = mhd_lookup;
	rq.lookup_ctx = con;
	struct api_resp rs;
	api_dispatch(a, &rq, &rs);
	enum MHD_Result r = send_resp(con, &rs);
	api_resp_free(&rs);
	return r;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	(void)version;
	struct pp_api *a = cls;
	struct conn *cn = *con_cls;
	if (!cn) {
		cn = calloc(1, sizeof *cn);
		if (!cn)
			return MHD_NO;
		pp_buf_init(&cn->body);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		if (cn->body.len + *upload_size > PP_API_MAX_BODY)
			cn->too_big = 1;
		else if (pp_buf_append(&cn->body, upload, *upload_size))
			cn->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (cn->too_big) {
		struct api_resp rs;
		memset(&rs, 0, sizeof rs);
		api_fail(&rs, MHD_HTTP_CONTENT_TOO_LARGE, "body too large (limit 32 MiB)");
		atomic_fetch_add(&a->requests, 1);
		atomic_fetch_add(&a->rejected, 1);
		enum MHD_Result r = send_resp(con, &rs);
		api_resp_free(&rs);
		return r;
	}
	return answer(a, con, url, method, cn);
}

static void done(void *cls, struct MHD_Connection *con, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)con;
	(void)toe;
	struct conn *cn = *con_cls;
	if (cn) {
		pp_buf_free(&cn->body);
		free(cn);
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
	*out = a;
	return PP_OK;
}

enum pp_err pp_api_start(struct pp_ctl *ctl, const struct pp_api_conf *conf, const char *listen,
			 pp_api_breach_fn on_breach, void *ud, struct pp_api **out,
			 struct pp_errbuf *eb)
{
	*out = NULL;
	const char *hp = listen ? listen : conf->listen ? conf->listen : "127.0.0.1:8080";
	struct sockaddr_in sa;
	struct pp_api *a;
	enum pp_err pe = pp_net_addr_parse("listen", hp, &sa, eb);
	if (pe || (pe = api_create(ctl, conf, on_breach, ud, &a, eb)))
		return pe;
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
				MHD_OPTION_THREAD_POOL_SIZE, API_THREADS, MHD_OPTION_NOTIFY_COMPLETED,
				done, NULL, MHD_OPTION_CONNECTION_TIMEOUT, API_CONN_TIMEOUT_S,
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
	pthread_mutex_destroy(&a->budget.mu);
	pp_buf_free(&a->budget.full);
	pp_buf_free(&a->budget.halls);
	free(a);
}
