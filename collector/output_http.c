/* output_http.c - InfluxDB 1.x /write and VictoriaMetrics over libcurl:
 * one kept-alive handle per output, gzip bodies, and the status codes mapped
 * to retry / split / reject. */
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "powerpark/buf.h"
#include "transport.h"

#define PP_HTTP_MAX_RESP 4096 /* of a store's answer body, kept for messages */

struct http {
	CURL *curl;
	struct curl_slist *hdrs;
	char *url;
	int gzip;
	struct pp_buf body;   /* gzip output */
	struct pp_buf resp;   /* response body */
	char influx_err[256]; /* X-Influxdb-Error */
	int retry_after_s;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct http *h = ud;
	size_t len = sz * n;
	if (h->resp.len < PP_HTTP_MAX_RESP && pp_buf_append(&h->resp, p, len) != PP_OK)
		return 0;
	return len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct http *h = ud;
	size_t len = sz * n;
	if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		h->retry_after_s = atoi(p + 12);
	} else if (len > 17 && !strncasecmp(p, "X-Influxdb-Error:", 17)) {
		size_t m = len - 17;
		const char *v = p + 17;
		while (m && isspace((unsigned char)*v))
			v++, m--;
		while (m && isspace((unsigned char)v[m - 1]))
			m--;
		if (m >= sizeof h->influx_err)
			m = sizeof h->influx_err - 1;
		memcpy(h->influx_err, v, m);
		h->influx_err[m] = '\0';
	}
	return len;
}

static int gzip_into(struct pp_buf *out, const char *data, size_t len)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	/* 15 + 16: a gzip wrapper, which both stores accept as Content-Encoding */
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	pp_buf_reset(out);
	size_t bound = deflateBound(&z, (uLong)len) + 32;
	if (pp_buf_reserve(out, bound)) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data;
	z.avail_out = (uInt)bound;
	int r = deflate(&z, Z_FINISH);
	out->len = bound - z.avail_out;
	deflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -1;
}

/* InfluxDB's partial write says "... dropped=N"; else every line was refused. */
static size_t rejected_lines(const char *msg, size_t lines)
{
	const char *d = msg ? strstr(msg, "dropped=") : NULL;
	if (d) {
		long n = strtol(d + 8, NULL, 10);
		if (n >= 0 && (size_t)n <= lines)
			return (size_t)n;
	}
	return lines;
}

static enum tx_result http_send(void *ctx, const char *data, size_t len, size_t lines,
				size_t *rejected, int *retry_after_ms, struct pp_errbuf *eb)
{
	struct http *h = ctx;
	pp_buf_reset(&h->resp);
	h->influx_err[0] = '\0';
	h->retry_after_s = 0;
	const char *body = data;
	size_t blen = len;
	if (h->gzip) {
		if (gzip_into(&h->body, data, len)) {
			pp_err_set(eb, PP_ERR_NOMEM, "gzip failed");
			return TX_RETRY;
		}
		body = h->body.data;
		blen = h->body.len;
	}
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	CURLcode cc = curl_easy_perform(h->curl);
	if (cc != CURLE_OK) {
		pp_err_set(eb, PP_ERR_NET, "%s: %s", h->url, curl_easy_strerror(cc));
		return TX_RETRY;
	}
	long code = 0;
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300)
		return TX_OK;
	const char *msg = h->influx_err[0] ? h->influx_err : (h->resp.data ? h->resp.data : "");
	if (code == 413) {
		pp_err_set(eb, PP_ERR_REJECTED, "%s: 413 request too large (%zu lines)", h->url, lines);
		return TX_TOO_LARGE;
	}
	if (code == 400) {
		*rejected = rejected_lines(msg, lines);
		pp_err_set(eb, PP_ERR_REJECTED, "%s: 400: %.300s", h->url, msg);
		return TX_REJECTED;
	}
	if (retry_after_ms && h->retry_after_s > 0)
		*retry_after_ms = h->retry_after_s * 1000;
	pp_err_set(eb, PP_ERR_NET, "%s: HTTP %ld: %.300s", h->url, code, msg);
	return TX_RETRY;
}

static void http_destroy(void *ctx)
{
	struct http *h = ctx;
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->hdrs);
	pp_buf_free(&h->body);
	pp_buf_free(&h->resp);
	free(h->url);
	free(h);
}

static const struct transport http_tx = {"http", http_send, http_destroy};

enum pp_err tx_http_create(const struct pp_output_conf *c, const struct transport **t, void **ctx,
			   struct pp_errbuf *eb)
{
	static int inited;
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = 1;
	}
	struct http *h = calloc(1, sizeof *h);
	if (!h)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	pp_buf_init(&h->body);
	pp_buf_init(&h->resp);
	h->gzip = c->gzip;
	h->url = strdup(c->url);
	h->curl = curl_easy_init();
	if (!h->url || !h->curl) {
		http_destroy(h);
		return pp_err_set(eb, PP_ERR_NOMEM, "curl init failed");
	}
	h->hdrs = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
	if (h->gzip)
		h->hdrs = curl_slist_append(h->hdrs, "Content-Encoding: gzip");
	h->hdrs = curl_slist_append(h->hdrs, "Expect:"); /* no 100-continue round trip */
	if (c->token) {
		char auth[512];
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
		h->hdrs = curl_slist_append(h->hdrs, auth);
	}
	CURL *cu = h->curl;
	curl_easy_setopt(cu, CURLOPT_URL, h->url);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h->hdrs);
	curl_easy_setopt(cu, CURLOPT_POST, 1L);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->timeout_ms < 3000 ? c->timeout_ms : 3000));
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(cu, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "powerpark/" PP_VERSION);
	*t = &http_tx;
	*ctx = h;
	return PP_OK;
}
