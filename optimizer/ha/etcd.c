/* etcd.c - a client of etcd's v3 JSON gateway (ha_int.h), the only file of
 * optimizer/ha/ that speaks HTTP and JSON: POST /v3/lease/grant,
 * /v3/lease/keepalive, /v3/lease/revoke, /v3/kv/txn and /v3/kv/range, keys
 * and values in base64, 64-bit numbers as strings (the gateway's protobuf
 * JSON). A member that does not answer within the timeout is left for the
 * next one; the one that answered is asked first next time. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ha_int.h"
#include "powerpark/buf.h"
#include "powerpark/httpc.h"

#define ETCD_URLS_MAX 8
#define ETCD_URL_MAX 256
#define ETCD_KEY_MAX 512

struct etcd {
	char url[ETCD_URLS_MAX][ETCD_URL_MAX];
	size_t n, cur;
	long timeout_ms;
	CURL *curl;
	struct pp_buf resp;
	pthread_mutex_t mu; /* one exchange at a time on the handle */
};

struct etcd *etcd_open(const char *const *urls, size_t n, long timeout_ms)
{
	if (n == 0 || n > ETCD_URLS_MAX)
		return NULL;
	struct etcd *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	for (size_t i = 0; i < n; i++)
		snprintf(e->url[i], ETCD_URL_MAX, "%s", urls[i]);
	e->n = n;
	e->timeout_ms = timeout_ms;
	e->curl = curl_easy_init();
	pp_buf_init(&e->resp);
	pthread_mutex_init(&e->mu, NULL);
	if (!e->curl) {
		etcd_close(e);
		return NULL;
	}
	return e;
}

void etcd_close(struct etcd *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	pp_buf_free(&e->resp);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

/* --- base64 (RFC 4648, with padding) ------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Encodes s into out (room for 4 * ceil(len / 3) + 1). */
static void b64_enc(const char *s, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < len ? p[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o] = 0;
}

/* Decodes s into out (replacing what it held, NUL-terminated); -1 on a
 * bad character or out of memory. */
static int b64_dec(const char *s, struct pp_buf *out)
{
	pp_buf_reset(out);
	unsigned v = 0;
	int bits = 0;
	for (; *s && *s != '='; s++) {
		const char *c = strchr(b64, *s);
		if (!c)
			return -1;
		v = v << 6 | (unsigned)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			char ch = (char)(v >> bits & 0xff);
			if (pp_buf_append(out, &ch, 1))
				return -1;
		}
	}
	if (pp_buf_reserve(out, 1))
		return -1;
	out->data[out->len] = 0;
	return 0;
}

void etcd_kv_init(struct etcd_kv *kv)
{
	memset(kv, 0, sizeof *kv);
	pp_buf_init(&kv->value);
}

void etcd_kv_free(struct etcd_kv *kv)
{
	pp_buf_free(&kv->value);
}

/* --- one exchange -------------------------------------------------------- */

/* POSTs body (a JSON object, taken; NULL: out of memory) to path on the
 * members in turn; the answer's JSON into *res (the caller's), or the error
 * with eb set. */
static enum pp_err call(struct etcd *e, const char *path, json_t *body, json_t **res,
			struct pp_errbuf *eb)
{
	*res = NULL;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	json_t *out = NULL;
	pp_err_set(eb, PP_ERR_NET, "etcd: no member");
	pthread_mutex_lock(&e->mu);
	for (size_t t = 0; t < e->n && !out; t++) {
		size_t m = (e->cur + t) % e->n;
		char url[ETCD_URL_MAX + 64];
		snprintf(url, sizeof url, "%s%s", e->url[m], path);
		long code = pp_httpc_call(e->curl, url, NULL, text, strlen(text), e->timeout_ms,
					  &e->resp);
		if (code != 200) {
			pp_err_set(eb, PP_ERR_NET, "etcd %s: %s", url,
				   code < 0 ? "no answer" : "refused the request");
			continue;
		}
		json_error_t je;
		out = json_loadb(e->resp.data ? e->resp.data : "", e->resp.len, 0, &je);
		if (!out || !json_is_object(out)) {
			json_decref(out);
			out = NULL;
			pp_err_set(eb, PP_ERR_NET, "etcd %s: an answer that is not JSON", url);
			continue;
		}
		e->cur = m;
	}
	pthread_mutex_unlock(&e->mu);
	free(text);
	*res = out;
	return out ? PP_OK : PP_ERR_NET;
}

/* A 64-bit field the gateway writes as a string (absent: 0). */
static long long num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static json_t *str_ll(long long v)
{
	char s[32];
	snprintf(s, sizeof s, "%lld", v);
	return json_string(s);
}

static json_t *b64_of_n(const char *s, size_t len)
{
	char *enc = malloc(4 * (len / 3 + 1) + 1);
	if (!enc)
		return NULL;
	b64_enc(s, len, enc);
	json_t *j = json_string(enc);
	free(enc);
	return j;
}

static json_t *b64_of(const char *s)
{
	return b64_of_n(s, strlen(s));
}

/* The first key of a range answer (kvs[0]) into kv; PP_ERR_NOMEM. */
static enum pp_err read_kv(const json_t *range, struct etcd_kv *kv)
{
	kv->found = 0;
	kv->create_rev = kv->lease = 0;
	pp_buf_reset(&kv->value);
	const json_t *kvs = json_object_get(range, "kvs");
	const json_t *first = json_array_get(kvs, 0);
	if (!first)
		return PP_OK;
	const char *v = json_string_value(json_object_get(first, "value"));
	kv->found = 1;
	kv->create_rev = num(first, "create_revision");
	kv->lease = num(first, "lease");
	if (b64_dec(v ? v : "", &kv->value))
		return PP_ERR_NOMEM; /* (a bad character too: the gateway writes none) */
	return PP_OK;
}

/* --- the calls ----------------------------------------------------------- */

enum pp_err etcd_grant(struct etcd *e, long long ttl_s, long long *id, long long *ttl,
		       struct pp_errbuf *eb)
{
	json_t *r;
	enum pp_err err = call(e, "/v3/lease/grant", json_pack("{s:I}", "TTL", (json_int_t)ttl_s), &r, eb);
	if (err)
		return err;
	*id = num(r, "ID");
	*ttl = num(r, "TTL");
	json_decref(r);
	if (!*id || *ttl <= 0)
		return pp_err_set(eb, PP_ERR_NET, "etcd granted no lease");
	return PP_OK;
}

enum pp_err etcd_keepalive(struct etcd *e, long long id, long long *ttl, struct pp_errbuf *eb)
{
	json_t *r;
	enum pp_err err = call(e, "/v3/lease/keepalive", json_pack("{s:o}", "ID", str_ll(id)), &r, eb);
	if (err)
		return err;
	*ttl = num(json_object_get(r, "result"), "TTL"); /* absent: the lease is gone */
	json_decref(r);
	return PP_OK;
}

enum pp_err etcd_revoke(struct etcd *e, long long id, struct pp_errbuf *eb)
{
	json_t *r;
	enum pp_err err = call(e, "/v3/lease/revoke", json_pack("{s:o}", "ID", str_ll(id)), &r, eb);
	if (err)
		return err;
	json_decref(r);
	return PP_OK;
}

enum pp_err etcd_create_key(struct etcd *e, const char *key, const char *value, long long lease,
			int *won, long long *rev, struct etcd_kv *kv, struct pp_errbuf *eb)
{
	json_t *k = b64_of(key);
	json_t *body = json_pack("{s:[{s:O,s:s,s:s,s:s}],s:[{s:{s:O,s:o,s:o}}],s:[{s:{s:o}}]}",
				 "compare", "key", k, "target", "CREATE", "result", "EQUAL",
				 "create_revision", "0", "success", "request_put", "key", k,
				 "value", b64_of(value), "lease", str_ll(lease), "failure",
				 "request_range", "key", json_incref(k));
	json_decref(k);
	json_t *r;
	enum pp_err err = call(e, "/v3/kv/txn", body, &r, eb);
	if (err)
		return err;
	*won = json_is_true(json_object_get(r, "succeeded"));
	*rev = num(json_object_get(r, "header"), "revision");
	kv->found = 0;
	if (!*won) {
		const json_t *resp = json_array_get(json_object_get(r, "responses"), 0);
		err = read_kv(json_object_get(resp, "response_range"), kv);
	}
	json_decref(r);
	return err ? pp_err_set(eb, err, "out of memory") : PP_OK;
}

enum pp_err etcd_get(struct etcd *e, const char *key, struct etcd_kv *kv, struct pp_errbuf *eb)
{
	json_t *r;
	enum pp_err err = call(e, "/v3/kv/range", json_pack("{s:o}", "key", b64_of(key)), &r, eb);
	if (err)
		return err;
	err = read_kv(r, kv);
	json_decref(r);
	return err ? pp_err_set(eb, err, "out of memory") : PP_OK;
}

enum pp_err etcd_put_guarded(struct etcd *e, const char *guard, long long guard_rev,
			     const char *key, const char *value, size_t len, int *done,
			     struct pp_errbuf *eb)
{
	json_t *body = json_pack("{s:[{s:o,s:s,s:s,s:o}],s:[{s:{s:o,s:o}}]}", "compare", "key",
				 b64_of(guard), "target", "CREATE", "result", "EQUAL",
				 "create_revision", str_ll(guard_rev), "success", "request_put",
				 "key", b64_of(key), "value", b64_of_n(value, len));
	json_t *r;
	enum pp_err err = call(e, "/v3/kv/txn", body, &r, eb);
	if (err)
		return err;
	*done = json_is_true(json_object_get(r, "succeeded"));
	json_decref(r);
	return PP_OK;
}
