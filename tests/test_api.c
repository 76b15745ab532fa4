/* test_api.c - the API's router and handlers without a socket: requests
 * go straight to api_dispatch (optimizer/api/router.c) over a real
 * controller. Routes and methods (HEAD, 405 with Allow), tokens and scopes
 * (the scheme without regard to case), the JSON codecs (every body read
 * back with jansson; a key twice refused), names that need escaping in
 * JSON and in Prometheus labels, bad input refused with a reason and
 * counted, and the body budget over inflated gzip. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../optimizer/api/api_int.h"
#include "ctl_fixture.h"
#include "pp_test.h"

#define T0 PT_T0

/* A rack whose name needs escaping everywhere it is written. */
static const char park_racks[] =
	"            - {name: 'r\"1\\x', limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"            - {name: r2, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"api:\n"
	"  tokens:\n"
	"    - {name: w, token: write-token-00001, scopes: [write]}\n"
	"    - {name: l, token: lease-token-00001, scopes: [lease]}\n"
	"    - {name: o, token: admin-token-00001, scopes: [admin]}\n";

static const char odd[] = "r\"1\\x";

static struct pp_config *cfg;
static struct pp_ctl *ctl;
static struct pp_api *api;

static int64_t clock_fn(void *ud)
{
	(void)ud;
	return T0;
}

/* Sends one request with the Authorization header auth (NULL: none) and
 * a body of len bytes; rs is written (free with api_resp_free). */
static void send_raw(const char *method, const char *path, const char *query_k,
		     const char *query_v, const char *auth, const char *body, size_t len,
		     struct api_resp *rs)
{
	struct api_req rq;
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.path = path;
	if (query_k)
		rq.query[rq.nquery++] = (struct api_kv){query_k, query_v};
	if (auth)
		rq.headers[rq.nheaders++] = (struct api_kv){"authorization", auth};
	rq.body = body ? body : "";
	rq.len = len;
	api_dispatch(api, &rq, rs);
}

/* Sends one request with a bearer token (NULL: none). */
static void send(const char *method, const char *path, const char *query_k, const char *query_v,
		 const char *token, const char *body, struct api_resp *rs)
{
	char auth[96];
	if (token)
		snprintf(auth, sizeof auth, "Bearer %s", token);
	send_raw(method, path, query_k, query_v, token ? auth : NULL, body, body ? strlen(body) : 0,
		 rs);
}

/* The body as JSON (NULL when it is not JSON); json_decref it. */
static json_t *body_json(const struct api_resp *rs)
{
	return rs->body.data ? json_loadb(rs->body.data, rs->body.len, 0, NULL) : NULL;
}

static const char *err_of(json_t *j)
{
	return json_string_value(json_object_get(j, "error"));
}

static void t_routes(void)
{
	struct api_resp rs;
	send("GET", "/healthz", NULL, NULL, NULL, NULL, &rs);
	PT_CHECK(rs.status == 200 && !strcmp(rs.body.data, "{\"ok\":true}\n"), "healthz");
	api_resp_free(&rs);
	send("GET", "/nope", NULL, NULL, NULL, NULL, &rs);
	json_t *j = body_json(&rs);
	PT_CHECK(rs.status == 404 && err_of(j) && strstr(err_of(j), "no such endpoint"), "404");
	json_decref(j);
	api_resp_free(&rs);
	send("POST", "/v1/budget", NULL, NULL, NULL, NULL, &rs);
	PT_CHECK(rs.status == 405, "a known path with the wrong method: 405 (%u)", rs.status);
	api_resp_free(&rs);
	send("GET", "/", NULL, NULL, NULL, NULL, &rs);
	PT_CHECK(rs.status == 200 && rs.fixed && strstr(rs.fixed, "<html"), "the page");
	api_resp_free(&rs);
	for (size_t i = 0; i < api_nroutes; i++)
		for (size_t k = i + 1; k < api_nroutes; k++)
			PT_CHECK(strcmp(api_routes[i].path, api_routes[k].path) ||
					 strcmp(api_routes[i].method, api_routes[k].method),
				 "route %s %s twice", api_routes[i].method, api_routes[i].path);
}

static void t_tokens(void)
{
	struct api_resp rs;
	send("GET", "/v1/caps", "node", "r2", NULL, NULL, &rs);
	PT_CHECK(rs.status == 401, "no token: 401 (%u)", rs.status);
	api_resp_free(&rs);
	send("GET", "/v1/caps", "node", "r2", "write-token-00001", NULL, &rs);
	PT_CHECK(rs.status == 403, "a token without the lease scope: 403 (%u)", rs.status);
	api_resp_free(&rs);
	send("GET", "/v1/caps", "node", "r2", "lease-token-0000", NULL, &rs);
	PT_CHECK(rs.status == 401, "a prefix of a token is no token (%u)", rs.status);
	api_resp_free(&rs);
	send("GET", "/v1/caps", "node", odd, "lease-token-00001", NULL, &rs);
	json_t *j = body_json(&rs);
	json_t *cap = json_array_get(json_object_get(j, "caps"), 0);
	PT_CHECK(rs.status == 200 && j && !strcmp(json_string_value(json_object_get(j, "node")), odd) &&
			 json_number_value(json_object_get(cap, "cap_w")) >= 200,
		 "a lease of the oddly named rack reads back: %s", rs.body.data);
	json_decref(j);
	api_resp_free(&rs);
	send("GET", "/v1/caps", "node", "zz", "lease-token-00001", NULL, &rs);
	PT_CHECK(rs.status == 404, "an unknown rack: 404");
	api_resp_free(&rs);
}

static void t_admit(void)
{
	struct api_resp rs;
	struct pp_errbuf eb;
	/* Admission needs a plan: before the first cycle nothing has room. */
	PT_CHECK(pp_ctl_cycle(ctl, T0, 0, &eb) == PP_OK, "cycle");
	send("POST", "/v1/admit", NULL, NULL, "write-token-00001", "{\"gpus\": 8,", &rs);
	json_t *j = body_json(&rs);
	PT_CHECK(rs.status == 400 && err_of(j) && strstr(err_of(j), "line 1"),
		 "broken JSON: 400 with its place (%s)", rs.body.data);
	json_decref(j);
	api_resp_free(&rs);
	send("POST", "/v1/admit", NULL, NULL, "write-token-00001", "{\"gpus\": 0}", &rs);
	j = body_json(&rs);
	PT_CHECK(rs.status == 400 && err_of(j) && strstr(err_of(j), "\"gpus\""), "0 GPUs: 400");
	json_decref(j);
	api_resp_free(&rs);
	send("POST", "/v1/admit", NULL, NULL, "write-token-00001",
	     "{\"gpus\": 8, \"hall\": \"a\", \"class\": \"batch\"}", &rs);
	j = body_json(&rs);
	PT_CHECK(rs.status == 200 && !strcmp(json_string_value(json_object_get(j, "decision")),
					     "admit") &&
			 !strcmp(json_string_value(json_object_get(j, "hall")), "a"),
		 "admitted in hall a: %s", rs.body.data);
	json_decref(j);
	api_resp_free(&rs);
	send("POST", "/v1/grid/event", NULL, NULL, "write-token-00001",
	     "{\"id\": \"dr\", \"limit_kw\": 10, \"end\": 1795000100}", &rs);
	PT_CHECK(rs.status == 403, "a grid signal needs the admin scope (%u)", rs.status);
	api_resp_free(&rs);
}

static void t_write_and_metrics(void)
{
	struct api_resp rs;
	char lp[256];
	snprintf(lp, sizeof lp, "rack,site=t,rack=r2 power_w=5000 %lld\nbad line\n", (long long)T0);
	send("POST", "/write", NULL, NULL, "write-token-00001", lp, &rs);
	json_t *j = body_json(&rs);
	PT_CHECK(rs.status == 400 && err_of(j) && strstr(err_of(j), "line 2"),
		 "a batch with a bad line is refused whole, naming it: %s", rs.body.data);
	json_decref(j);
	api_resp_free(&rs);
	snprintf(lp, sizeof lp, "rack,site=t,rack=r2 power_w=5000 %lld\n", (long long)T0);
	send("POST", "/write", NULL, NULL, "write-token-00001", lp, &rs);
	PT_CHECK(rs.status == 204, "a good batch: 204 (%u)", rs.status);
	api_resp_free(&rs);
	struct pp_errbuf eb;
	PT_CHECK(pp_ctl_cycle(ctl, T0, 0, &eb) == PP_OK, "cycle");
	send("GET", "/metrics", NULL, NULL, NULL, NULL, &rs);
	PT_CHECK(rs.status == 200 && strstr(rs.body.data, "powerpark_write_bad_lines_total 1\n") &&
			 strstr(rs.body.data, "powerpark_ingested_total 1\n") &&
			 strstr(rs.body.data, "powerpark_cap_watts{rack=\"r\\\"1\\\\x\"} "),
		 "metrics count the bad line, the ingested one, and escape the label");
	api_resp_free(&rs);
}

static void t_budget(void)
{
	struct api_resp rs;
	send("GET", "/v1/budget", "level", "row", NULL, NULL, &rs);
	PT_CHECK(rs.status == 400, "level=row: 400");
	api_resp_free(&rs);
	send("GET", "/v1/budget", NULL, NULL, NULL, NULL, &rs);
	json_t *j = body_json(&rs);
	json_t *r0 = json_array_get(json_object_get(j, "racks"), 0);
	PT_CHECK(rs.status == 200 && json_array_size(json_object_get(j, "racks")) == 2 &&
			 !strcmp(json_string_value(json_object_get(r0, "name")), odd) &&
			 json_is_boolean(json_object_get(r0, "stale")),
		 "the whole budget reads back: %.200s", rs.body.data);
	json_decref(j);
	api_resp_free(&rs);
	send("GET", "/v1/budget", "Level", "hall", NULL, NULL, &rs);
	j = body_json(&rs);
	PT_CHECK(rs.status == 200 && j && !json_object_get(j, "racks") &&
			 !json_object_get(j, "rows") && json_array_size(json_object_get(j, "halls")) == 1 &&
			 json_object_get(j, "plants"),
		 "Level=hall (names without regard to case): halls and plants only");
	json_decref(j);
	api_resp_free(&rs);
	send("GET", "/v1/budget/forecast", "hours", "0", NULL, NULL, &rs);
	PT_CHECK(rs.status == 400, "hours=0: 400");
	api_resp_free(&rs);
	send("GET", "/v1/budget/forecast", "hours", "3", NULL, NULL, &rs);
	j = body_json(&rs);
	PT_CHECK(rs.status == 200 && json_array_size(json_object_get(j, "buckets")) == 3,
		 "3 hourly buckets");
	json_decref(j);
	api_resp_free(&rs);
}

/* A request refused with 400 whose error contains want. */
static int refused(const char *path, const char *body, const char *want)
{
	struct api_resp rs;
	send("POST", path, NULL, NULL, "admin-token-00001", body, &rs);
	json_t *j = body_json(&rs);
	int ok = rs.status == 400 && err_of(j) && strstr(err_of(j), want);
	if (!ok)
		fprintf(stderr, "  %s %s -> %u %s\n", path, body, rs.status, rs.body.data);
	json_decref(j);
	api_resp_free(&rs);
	return ok;
}

static void t_sync_and_event(void)
{
	const char *sync = "/v1/scheduler/sync", *ev = "/v1/grid/event";
	PT_CHECK(refused(sync, "[1]", "expected a JSON object"), "not an object");
	PT_CHECK(refused(sync, "{\"racks\": \"r2\"}", "\"racks\": expected an array"), "racks");
	PT_CHECK(refused(sync, "{\"racks\": [\"r2\", 3]}", "racks[1]: expected a rack name"),
		 "a rack that is not a name");
	PT_CHECK(refused(sync, "{\"running\": [{\"id\": \"j\", \"placement\": [{\"rack\": "
			       "\"r2\"}]}]}", "running[0].placement[0]"), "a placement without GPUs");
	PT_CHECK(refused(sync, "{\"running\": [{\"id\": \"j\", \"weight\": 0, \"placement\": "
			       "[]}]}", "running[0].weight: expected a number in (0, 1e6)"), "weight 0");
	PT_CHECK(refused(sync, "{\"pending\": [{\"id\": \"p\", \"gpus\": 0}]}",
			 "pending[0].gpus: expected an integer from 1 to 1000000"), "0 GPUs pending");
	struct api_resp rs;
	send("POST", sync, NULL, NULL, "admin-token-00001",
	     "{\"racks\": [\"r2\", \"ghost\"], \"running\": [{\"id\": \"j1\", \"class\": "
	     "\"inference\", \"placement\": [{\"rack\": \"r2\", \"gpus\": 8}]}], "
	     "\"pending\": [{\"id\": \"p1\", \"gpus\": 8}]}", &rs);
	json_t *j = body_json(&rs);
	json_t *p0 = json_array_get(json_object_get(j, "pending"), 0);
	json_t *r0 = json_array_get(json_object_get(j, "running"), 0);
	PT_CHECK(rs.status == 200 && !strcmp(json_string_value(json_object_get(p0, "id")), "p1") &&
			 json_string_value(json_object_get(p0, "decision")) &&
			 !strcmp(json_string_value(json_object_get(r0, "id")), "j1") &&
			 !strcmp(json_string_value(json_array_get(json_object_get(j, "ignored_racks"),
								  0)), "ghost"),
		 "a sync is answered job by job: %s", rs.body.data);
	json_decref(j);
	api_resp_free(&rs);
	PT_CHECK(refused(ev, "{\"id\": \"\", \"limit_kw\": 5, \"end\": 1}",
			 "\"id\": expected a name of 1 to 63"), "an empty event id");
	PT_CHECK(refused(ev, "{\"id\": \"dr\", \"limit_kw\": -5, \"end\": 1}",
			 "\"limit_kw\": expected a number above 0"), "a negative limit");
	PT_CHECK(refused(ev, "{\"id\": \"dr\", \"limit_kw\": 5}",
			 "\"end\": expected Unix seconds"), "no end");
	PT_CHECK(refused(ev, "{\"id\": \"dr\", \"limit_kw\": 5, \"start\": 1795000100, "
			     "\"end\": 1795000050}", "must come after"), "an end before the start");
	send("POST", ev, NULL, NULL, "admin-token-00001",
	     "{\"id\": \"dr\", \"limit_kw\": 5, \"end\": 1795000100}", &rs);
	j = body_json(&rs);
	PT_CHECK(rs.status == 200 && json_is_true(json_object_get(j, "in_force")) &&
			 json_number_value(json_object_get(j, "limit_in_force_kw")) == 5,
		 "a signal without a start is in force now: %s", rs.body.data);
	json_decref(j);
	api_resp_free(&rs);
}

/* The auth scheme is matched without regard to case, then one or more
 * spaces (RFC 9110 11.1, 11.4). */
static void t_scheme(void)
{
	static const char *good[] = {"bearer lease-token-00001", "BEARER lease-token-00001",
				     "Bearer   lease-token-00001", "token lease-token-00001",
				     "TOKEN lease-token-00001"};
	static const char *bad[] = {"Bearerlease-token-00001", "Basic lease-token-00001",
				    "Bearer", "Bearer ", "lease-token-00001"};
	struct api_resp rs;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		send_raw("GET", "/v1/caps", "node", "r2", good[i], NULL, 0, &rs);
		PT_CHECK(rs.status == 200, "'%s': 200 (%u)", good[i], rs.status);
		api_resp_free(&rs);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		send_raw("GET", "/v1/caps", "node", "r2", bad[i], NULL, 0, &rs);
		PT_CHECK(rs.status == 401, "'%s': 401 (%u)", bad[i], rs.status);
		api_resp_free(&rs);
	}
}

/* HEAD takes the GET route (the server leaves the body out); a 405 says
 * which methods the path has. */
static void t_methods(void)
{
	struct api_resp rs;
	send("HEAD", "/v1/budget", NULL, NULL, NULL, NULL, &rs);
	PT_CHECK(rs.status == 200 && rs.body.len > 0 && !rs.allow[0], "HEAD /v1/budget: 200 (%u)",
		 rs.status);
	api_resp_free(&rs);
	send("HEAD", "/v1/caps", "node", "r2", NULL, NULL, &rs);
	PT_CHECK(rs.status == 401, "HEAD /v1/caps needs the lease scope as GET does (%u)", rs.status);
	api_resp_free(&rs);
	send("DELETE", "/v1/budget", NULL, NULL, NULL, NULL, &rs);
	PT_CHECK(rs.status == 405 && !strcmp(rs.allow, "GET, HEAD"), "DELETE: 405, Allow: '%s'",
		 rs.allow);
	api_resp_free(&rs);
	send("HEAD", "/v1/admit", NULL, NULL, "write-token-00001", NULL, &rs);
	PT_CHECK(rs.status == 405 && !strcmp(rs.allow, "POST"), "HEAD /v1/admit: 405, Allow: '%s'",
		 rs.allow);
	api_resp_free(&rs);
	send("GET", "/nope", NULL, NULL, NULL, NULL, &rs);
	PT_CHECK(rs.status == 404 && !rs.allow[0], "404 has no Allow");
	api_resp_free(&rs);
}

/* A key twice in one object is refused in every body the API reads. */
static void t_duplicates(void)
{
	PT_CHECK(refused("/v1/admit", "{\"gpus\": 8, \"gpus\": 1000000}", "duplicate object key"),
		 "admit");
	PT_CHECK(refused("/v1/scheduler/sync", "{\"pending\": [{\"id\": \"p\", \"gpus\": 8, "
			 "\"id\": \"q\"}]}", "duplicate object key"), "a pending job of a sync");
	PT_CHECK(refused("/v1/grid/event", "{\"id\": \"dr\", \"limit_kw\": 5, \"limit_kw\": "
			 "50000, \"end\": 1795000100}", "duplicate object key"), "a grid event");
}

/* Up to n bytes of line protocol (one good line repeated) gzipped into
 * out; the gzip's length (0 when it failed). */
static size_t gzip_lines(size_t n, unsigned char *out, size_t cap)
{
	char line[96];
	int ll = snprintf(line, sizeof line, "rack,site=t,rack=r2 power_w=5000 %lld\n",
			  (long long)T0);
	n -= n % (size_t)ll; /* whole lines */
	char *plain = malloc(n);
	for (size_t i = 0; plain && i < n; i++)
		plain[i] = line[i % (size_t)ll];
	z_stream z;
	memset(&z, 0, sizeof z);
	size_t len = 0;
	if (plain && deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK) {
		z.next_in = (Bytef *)plain;
		z.avail_in = (uInt)n;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		if (deflate(&z, Z_FINISH) == Z_STREAM_END)
			len = cap - z.avail_out;
		deflateEnd(&z);
	}
	free(plain);
	return len;
}

/* The body budget covers what a gzip body inflates to: beyond it, 503
 * (counted), and every byte is given back after. */
static void t_body_budget(void)
{
	PT_CHECK(api_body_take(api, PP_API_BODY_BUDGET) && !api_body_take(api, 1),
		 "the budget is taken whole, then not a byte more");
	api_body_give(api, PP_API_BODY_BUDGET);
	PT_CHECK(api_body_take(api, 1), "given back, it is there again");
	api_body_give(api, 1);
	static unsigned char gz[1 << 16];
	size_t gl = gzip_lines(1 << 20, gz, sizeof gz);
	PT_CHECK(gl > 0, "gzip");
	struct api_req rq;
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.path = "/write";
	rq.headers[rq.nheaders++] = (struct api_kv){"authorization", "Bearer write-token-00001"};
	rq.headers[rq.nheaders++] = (struct api_kv){"content-encoding", "gzip"};
	rq.body = (const char *)gz;
	rq.len = gl;
	struct api_resp rs;
	api->guard.body_budget = 256u << 10;
	api_dispatch(api, &rq, &rs);
	PT_CHECK(rs.status == 503 && atomic_load(&api->guard.body_refused) == 1 &&
			 atomic_load(&api->guard.body_bytes) == 0,
		 "1 MiB inflated under a 256 KiB budget: 503, counted, all given back (%u)", rs.status);
	api_resp_free(&rs);
	api->guard.body_budget = PP_API_BODY_BUDGET;
	api_dispatch(api, &rq, &rs);
	PT_CHECK(rs.status == 204 && atomic_load(&api->guard.body_bytes) == 0,
		 "within the budget: written (%u), all given back", rs.status);
	api_resp_free(&rs);
	send("GET", "/metrics", NULL, NULL, NULL, NULL, &rs);
	PT_CHECK(rs.status == 200 && strstr(rs.body.data, "powerpark_api_body_refused_total 1\n") &&
			 strstr(rs.body.data, "powerpark_api_body_bytes 0\n"),
		 "/metrics shows the refusal");
	api_resp_free(&rs);
}

int main(void)
{
	struct pp_errbuf eb;
	if (!(cfg = pt_park(park_racks)) || pp_ctl_create(cfg, NULL, &ctl, &eb) ||
	    api_create(ctl, &cfg->api, NULL, NULL, &api, &eb)) {
		fprintf(stderr, "test_api: setup failed\n");
		return 1;
	}
	pp_api_set_clock(api, clock_fn, NULL);
	PT_RUN(t_routes);
	PT_RUN(t_tokens);
	PT_RUN(t_admit);
	PT_RUN(t_write_and_metrics);
	PT_RUN(t_budget);
	PT_RUN(t_sync_and_event);
	PT_RUN(t_scheme);
	PT_RUN(t_methods);
	PT_RUN(t_duplicates);
	PT_RUN(t_body_budget);
	pp_api_stop(api);
	pp_ctl_destroy(ctl);
	pp_config_destroy(cfg);
	return PT_DONE("test_api");
}
