/* redfish_http.c - the Redfish client (redfish.h) over libcurl: requests,
 * sessions or basic auth, TLS, and a node's power limit (Controls or the
 * older Power resource), read back after every PATCH. The JSON it reads
 * goes through redfish_json.c; what it writes through core/json.c. */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "powerpark/json.h"
#include "powerpark/log.h"
#include "redfish_int.h"

#define PP_RF_MAX_BODY (8u << 20) /* bytes of one Redfish answer at most */

#define PP_RF_ROOT "/redfish/v1"
#define PP_RF_SESSIONS_DEFAULT "/redfish/v1/SessionService/Sessions"
#define PP_RF_TOKEN_MAX 512   /* an X-Auth-Token kept, with its NUL */
#define PP_RF_BASE_MAX 300    /* scheme://host:port */
#define PP_RF_LIMIT_SLACK_W 0.5 /* a limit read back within this is the one set */

struct pp_redfish {
	CURL *curl;
	const struct pp_redfish_cred *cr;
	char base[PP_RF_BASE_MAX];
	long timeout_ms;
	char token[PP_RF_TOKEN_MAX];       /* the session's; "" none */
	char session[PP_RF_URI_MAX];       /* its path, deleted at close */
	char sessions[PP_RF_URI_MAX];      /* the Sessions collection */
	char hdr_token[PP_RF_TOKEN_MAX];   /* headers of the last answer */
	char hdr_location[PP_RF_URI_MAX];
	char curl_err[CURL_ERROR_SIZE];
	int timed_out, auth_failed;
	struct pp_buf scratch;
};

enum pp_err pp_redfish_open(const char *address, const struct pp_redfish_cred *cr,
			    int timeout_ms, struct pp_redfish **out, struct pp_errbuf *eb)
{
	*out = NULL;
	struct pp_redfish *r = calloc(1, sizeof *r);
	if (!r || !(r->curl = curl_easy_init())) {
		free(r);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	r->cr = cr;
	r->timeout_ms = timeout_ms;
	snprintf(r->base, sizeof r->base, "%s://%s", cr->https ? "https" : "http", address);
	snprintf(r->sessions, sizeof r->sessions, "%s", PP_RF_SESSIONS_DEFAULT);
	pp_buf_init(&r->scratch);
	if (cr->https && !cr->verify)
		pp_log(PP_LOG_WARN, "redfish", "%s: TLS certificate NOT verified (verify: false)",
		       r->base);
	*out = r;
	return PP_OK;
}

int pp_redfish_timed_out(const struct pp_redfish *r)
{
	return r->timed_out;
}

int pp_redfish_auth_failed(const struct pp_redfish *r)
{
	return r->auth_failed;
}

/* A body past PP_RF_MAX_BODY ends the transfer (a BMC's resource is a few
 * kB; a hostile or broken one must not grow the collector's memory). */
static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
	struct pp_buf *b = ud;
	if (b->len + sz * n > PP_RF_MAX_BODY)
		return 0;
	return pp_buf_append(b, p, sz * n) ? 0 : sz * n;
}

/* Keeps the value of header name (case-insensitive) into dst. */
static void header_value(const char *line, size_t n, const char *name, char *dst, size_t cap)
{
	size_t k = strlen(name);
	if (n <= k + 1 || strncasecmp(line, name, k) || line[k] != ':')
		return;
	const char *v = line + k + 1;
	size_t len = n - k - 1;
	while (len && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	if (len < cap) {
		memcpy(dst, v, len);
		dst[len] = 0;
	}
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct pp_redfish *r = ud;
	header_value(p, sz * n, "X-Auth-Token", r->hdr_token, sizeof r->hdr_token);
	header_value(p, sz * n, "Location", r->hdr_location, sizeof r->hdr_location);
	return sz * n;
}

/* One request: method on path with body (NULL: none); the answer's body
 * into out. The HTTP status, or -1 when none came (err says why). */
static long request(struct pp_redfish *r, const char *method, const char *path,
		    const struct pp_buf *body, struct pp_buf *out, int with_auth)
{
	char url[PP_RF_BASE_MAX + PP_RF_URI_MAX], tok[PP_RF_TOKEN_MAX + 16];
	snprintf(url, sizeof url, "%s%s", r->base, path);
	struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
	h = curl_slist_append(h, "OData-Version: 4.0");
	if (body)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (with_auth && r->cr->auth == PP_RF_AUTH_SESSION && r->token[0]) {
		snprintf(tok, sizeof tok, "X-Auth-Token: %s", r->token);
		h = curl_slist_append(h, tok);
	}
	CURL *c = r->curl;
	out->len = 0;
	r->hdr_token[0] = r->hdr_location[0] = r->curl_err[0] = 0;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PP_RF_MAX_BODY);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (!r->cr->verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (r->cr->ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, r->cr->ca_file);
	}
	if (with_auth && r->cr->auth == PP_RF_AUTH_BASIC) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->cr->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->cr->password);
	}
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data ? body->data : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body->len);
	}
	long code = -1;
	CURLcode e = curl_easy_perform(c);
	if (e == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	else {
		r->timed_out = e == CURLE_OPERATION_TIMEDOUT || e == CURLE_COULDNT_CONNECT ||
			       e == CURLE_GOT_NOTHING || e == CURLE_RECV_ERROR;
		if (!r->curl_err[0])
			snprintf(r->curl_err, sizeof r->curl_err, "%s", curl_easy_strerror(e));
	}
	curl_slist_free_all(h);
	return code;
}

/* A Location as a path: an absolute URL loses its origin. */
static void location_path(const char *loc, char *dst)
{
	const char *p = loc;
	const char *s = strstr(loc, "://");
	if (s) {
		p = strchr(s + 3, '/');
		if (!p)
			p = "";
	}
	if (*p == '/' && strlen(p) < PP_RF_URI_MAX)
		snprintf(dst, PP_RF_URI_MAX, "%s", p);
}

static enum pp_err login(struct pp_redfish *r, struct pp_errbuf *eb)
{
	struct pp_buf body;
	pp_buf_init(&body);
	struct pp_json j;
	pp_json_init(&j, &body);
	pp_json_obj(&j);
	pp_json_kstr(&j, "UserName", r->cr->user);
	pp_json_kstr(&j, "Password", r->cr->password);
	pp_json_end(&j);
	enum pp_err e = pp_json_done(&j);
	if (e) {
		pp_buf_free(&body);
		return pp_err_set(eb, e, "out of memory");
	}
	r->token[0] = r->session[0] = 0;
	long st = request(r, "POST", r->sessions, &body, &r->scratch, 0);
	pp_buf_free(&body);
	if (st < 0)
		return pp_err_set(eb, PP_ERR_NET, "login at %s%s: %s", r->base, r->sessions,
				  r->curl_err);
	if (st == 401 || st == 403) {
		r->auth_failed = 1;
		return pp_err_set(eb, PP_ERR_NET, "login at %s%s refused (HTTP %ld): check user "
				  "and password", r->base, r->sessions, st);
	}
	if (st / 100 != 2 || !r->hdr_token[0])
		return pp_err_set(eb, PP_ERR_NET, "login at %s%s: HTTP %ld%s", r->base, r->sessions,
				  st, st / 100 == 2 ? " without an X-Auth-Token" : "");
	snprintf(r->token, sizeof r->token, "%s", r->hdr_token);
	location_path(r->hdr_location, r->session);
	pp_log(PP_LOG_DEBUG, "redfish", "%s: session %s", r->base,
	       r->session[0] ? r->session : "(no Location)");
	return PP_OK;
}

/* A request with the credentials: logs in first when a session is due,
 * and once again on a 401 (the service dropped or timed the session out).
 * 2xx: PP_OK; else an error naming the path. */
static enum pp_err call(struct pp_redfish *r, const char *method, const char *path,
			const struct pp_buf *body, struct pp_buf *out, struct pp_errbuf *eb)
{
	r->timed_out = r->auth_failed = 0;
	enum pp_err e;
	int fresh = 0;
	if (r->cr->auth == PP_RF_AUTH_SESSION && !r->token[0]) {
		if ((e = login(r, eb)))
			return e;
		fresh = 1;
	}
	long st = request(r, method, path, body, out, 1);
	if (st == 401 && r->cr->auth == PP_RF_AUTH_SESSION && !fresh) {
		pp_log(PP_LOG_INFO, "redfish", "%s: session refused (401): logging in again",
		       r->base);
		if ((e = login(r, eb)))
			return e;
		st = request(r, method, path, body, out, 1);
	}
	if (st < 0)
		return pp_err_set(eb, PP_ERR_NET, "%s %s: %s", method, path, r->curl_err);
	if (st == 401 || st == 403) {
		r->auth_failed = 1;
		if (st == 401)
			r->token[0] = 0;
	}
	if (st / 100 != 2)
		return pp_err_set(eb, PP_ERR_NET, "%s %s: HTTP %ld", method, path, st);
	return PP_OK;
}

enum pp_err pp_redfish_get(struct pp_redfish *r, const char *path, struct pp_buf *body,
			   struct pp_errbuf *eb)
{
	return call(r, "GET", path, NULL, body, eb);
}

void pp_redfish_close(struct pp_redfish *r)
{
	if (!r)
		return;
	if (r->token[0] && r->session[0]) {
		long st = request(r, "DELETE", r->session, NULL, &r->scratch, 1);
		if (st / 100 != 2)
			pp_log(PP_LOG_DEBUG, "redfish", "%s: session %s not deleted (%ld)", r->base,
			       r->session, st);
	}
	curl_easy_cleanup(r->curl);
	pp_buf_free(&r->scratch);
	free(r);
}

/* --- the power limit ----------------------------------------------------- */

/* GETs path and reads it into res (allocated by the caller). */
enum pp_err rf_get_res(struct pp_redfish *r, const char *path, struct rf_res *res,
			   struct pp_errbuf *eb)
{
	enum pp_err e = call(r, "GET", path, NULL, &r->scratch, eb);
	if (e)
		return e;
	char why[PP_ERRLEN];
	if (rf_parse(r->scratch.data ? r->scratch.data : "", r->scratch.len, res, why,
		     sizeof why))
		return pp_err_set(eb, PP_ERR_PARSE, "GET %s: %s", path, why);
	return PP_OK;
}

enum pp_err rf_get_root(struct pp_redfish *r, struct rf_res *res, struct pp_errbuf *eb)
{
	/* The service root answers without credentials (DSP0266); one that
	 * will not is asked again with them. */
	r->timed_out = r->auth_failed = 0;
	long st = request(r, "GET", PP_RF_ROOT, NULL, &r->scratch, 0);
	if (st < 0)
		return pp_err_set(eb, PP_ERR_NET, "GET %s%s: %s", r->base, PP_RF_ROOT, r->curl_err);
	enum pp_err e;
	if (st / 100 == 2) {
		char why[PP_ERRLEN];
		if (rf_parse(r->scratch.data ? r->scratch.data : "", r->scratch.len, res, why,
			     sizeof why))
			return pp_err_set(eb, PP_ERR_PARSE, "GET %s: %s", PP_RF_ROOT, why);
	} else if ((e = rf_get_res(r, PP_RF_ROOT, res, eb))) {
		return e;
	}
	if (res->links[RF_L_SESSIONS][0])
		snprintf(r->sessions, sizeof r->sessions, "%s", res->links[RF_L_SESSIONS]);
	return PP_OK;
}

static double val_or_nan(const struct rf_row *row, const char *field)
{
	const struct rf_val *v = rf_find(row, field);
	return v ? v->v : NAN;
}

/* The limit l's resource says, read from res. 0, or -1 when it has none. */
static int limit_from(struct pp_redfish_limit *l, const struct rf_res *res)
{
	if (l->control) {
		l->limit_w = val_or_nan(&res->rows[0], "setpoint");
		l->min_w = val_or_nan(&res->rows[0], "allowable_min");
		l->max_w = val_or_nan(&res->rows[0], "allowable_max");
		return strcmp(res->control_type, "Power") ? -1 : 0;
	}
	for (size_t i = 1; i < res->nrows; i++)
		if (res->rows[i].kind == RF_ROW_POWER_CONTROL) {
			l->limit_w = val_or_nan(&res->rows[i], "limit_w");
			l->min_w = NAN;
			l->max_w = val_or_nan(&res->rows[i], "capacity_w");
			return 0;
		}
	return -1;
}

/* The Control of type Power among chassis ch's Controls, into l. */
static int find_control(struct pp_redfish *r, const struct rf_res *ch, struct rf_res *tmp,
			struct pp_redfish_limit *l, struct pp_errbuf *eb)
{
	if (!ch->links[RF_L_CONTROLS][0] || rf_get_res(r, ch->links[RF_L_CONTROLS], tmp, eb))
		return -1;
	size_t n = tmp->nmembers;
	char (*m)[PP_RF_URI_MAX] = malloc((n ? n : 1) * sizeof *m);
	if (!m)
		return -1;
	memcpy(m, tmp->members, n * sizeof *m);
	int found = -1;
	for (size_t i = 0; i < n && found; i++) {
		if (rf_get_res(r, m[i], tmp, eb))
			continue;
		l->control = 1;
		snprintf(l->uri, sizeof l->uri, "%s", m[i]);
		found = limit_from(l, tmp);
	}
	free(m);
	return found;
}

static int find_in_chassis(struct pp_redfish *r, const struct rf_res *ch, struct rf_res *tmp,
			   struct pp_redfish_limit *l, struct pp_errbuf *eb)
{
	if (!find_control(r, ch, tmp, l, eb))
		return 0;
	if (!ch->links[RF_L_POWER][0] || rf_get_res(r, ch->links[RF_L_POWER], tmp, eb))
		return -1;
	l->control = 0;
	snprintf(l->uri, sizeof l->uri, "%s", ch->links[RF_L_POWER]);
	return limit_from(l, tmp);
}

enum pp_err pp_redfish_limit_find(struct pp_redfish *r, const char *chassis,
				  struct pp_redfish_limit *l, struct pp_errbuf *eb)
{
	memset(l, 0, sizeof *l);
	struct rf_res *a = malloc(sizeof *a), *b = malloc(sizeof *b), *ch = malloc(sizeof *ch);
	enum pp_err e = PP_OK;
	if (!a || !b || !ch) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((e = rf_get_root(r, a, eb)))
		goto out;
	if (!a->links[RF_L_CHASSIS][0]) {
		e = pp_err_set(eb, PP_ERR_NET, "%s: the service root names no Chassis", r->base);
		goto out;
	}
	if ((e = rf_get_res(r, a->links[RF_L_CHASSIS], a, eb)))
		goto out;
	for (size_t i = 0; i < a->nmembers; i++) {
		if (rf_get_res(r, a->members[i], ch, eb))
			continue;
		if (chassis && strcmp(ch->id, chassis))
			continue;
		if (!find_in_chassis(r, ch, b, l, eb))
			goto out;
	}
	e = pp_err_set(eb, PP_ERR_ARG, "%s: no chassis%s%s offers a power limit (a Control of "
		       "type Power, or Power's PowerControl)", r->base, chassis ? " " : "",
		       chassis ? chassis : "");
out:
	free(a);
	free(b);
	free(ch);
	return e;
}

enum pp_err pp_redfish_limit_read(struct pp_redfish *r, struct pp_redfish_limit *l,
				  struct pp_errbuf *eb)
{
	struct rf_res *res = malloc(sizeof *res);
	if (!res)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	enum pp_err e = rf_get_res(r, l->uri, res, eb);
	if (!e && limit_from(l, res))
		e = pp_err_set(eb, PP_ERR_PARSE, "GET %s: no power limit in it", l->uri);
	free(res);
	return e;
}

enum pp_err rf_limit_body(int control, double w, struct pp_buf *out)
{
	pp_buf_reset(out);
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	if (control) {
		pp_json_knum(&j, "SetPoint", w, 0);
	} else {
		pp_json_key(&j, "PowerControl");
		pp_json_arr(&j);
		pp_json_obj(&j);
		pp_json_key(&j, "PowerLimit");
		pp_json_obj(&j);
		pp_json_knum(&j, "LimitInWatts", w, 0);
		pp_json_end(&j);
		pp_json_end(&j);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	return pp_json_done(&j);
}

enum pp_err pp_redfish_limit_set(struct pp_redfish *r, struct pp_redfish_limit *l, double w,
				 struct pp_errbuf *eb)
{
	struct pp_buf body;
	pp_buf_init(&body);
	enum pp_err e = rf_limit_body(l->control, round(w), &body);
	if (e) {
		pp_buf_free(&body);
		return pp_err_set(eb, e, "out of memory");
	}
	e = call(r, "PATCH", l->uri, &body, &r->scratch, eb);
	pp_buf_free(&body);
	if (e)
		return e;
	if ((e = pp_redfish_limit_read(r, l, eb)))
		return e;
	if (!(fabs(l->limit_w - round(w)) <= PP_RF_LIMIT_SLACK_W))
		return pp_err_set(eb, PP_ERR_REJECTED, "PATCH %s: %.0f W set, %.0f W read back",
				  l->uri, round(w), l->limit_w);
	return PP_OK;
}
