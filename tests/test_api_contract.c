/* test_api_contract.c - the API against its own OpenAPI document
 * (GET /v1/openapi.json, optimizer/api/openapi.c), without a socket:
 * every route and method of the router's table is in the document and
 * nothing else is; every 405 carries Allow with the path's methods; every
 * live answer has only members its schema names, and every member the
 * schema requires; every member a request schema names is taken, and any
 * other is refused with its name and place, counted; admission tells a job
 * larger than any hall from one with no room now, and gives a deferrable
 * job the forecast's hour, or says why the forecast has none. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../optimizer/api/api_int.h"
#include "ctl_fixture.h"
#include "pp_test.h"

#define T0 PT_T0
#define T0_S (T0 / PT_NS)
#define HOUR_S 3600

static const char park_racks[] =
	"            - {name: r1, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"            - {name: r2, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"api:\n"
	"  tokens:\n"
	"    - {name: o, token: admin-token-00001, scopes: [admin]}\n";

#define ADMIN "Bearer admin-token-00001"

static struct pp_config *cfg;
static struct pp_ctl *ctl;
static struct pp_api *api;
static json_t *doc; /* the document, read once */

static int64_t clock_fn(void *ud)
{
	(void)ud;
	return T0;
}

/* One request with the admin token (or none), a query argument and a
 * body; rs is written (free with api_resp_free). */
static void send(const char *method, const char *path, const char *qk, const char *qv,
		 int token, const char *body, struct api_resp *rs)
{
	struct api_req rq;
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.path = path;
	if (qk)
		rq.query[rq.nquery++] = (struct api_kv){qk, qv};
	if (token)
		rq.headers[rq.nheaders++] = (struct api_kv){"authorization", ADMIN};
	rq.body = body ? body : "";
	rq.len = body ? strlen(body) : 0;
	api_dispatch(api, &rq, rs);
}

static json_t *body_json(const struct api_resp *rs)
{
	return rs->body.data ? json_loadb(rs->body.data, rs->body.len, 0, NULL) : NULL;
}

static const char *str_of(json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));
	return s ? s : "";
}

static void lower(const char *m, char *out, size_t len)
{
	size_t i = 0;
	for (; m[i] && i + 1 < len; i++)
		out[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] - 'A' + 'a' : m[i]);
	out[i] = 0;
}

static void t_document(void)
{
	struct api_resp rs;
	send("GET", "/v1/openapi.json", NULL, NULL, 0, NULL, &rs);
	json_error_t je;
	doc = rs.body.data ? json_loadb(rs.body.data, rs.body.len, JSON_REJECT_DUPLICATES, &je)
			   : NULL;
	PT_CHECK(rs.status == 200 && doc && !strcmp(rs.ctype, "application/json"),
		 "GET /v1/openapi.json: 200, JSON (%u)", rs.status);
	PT_CHECK(!strcmp(str_of(doc, "openapi"), "3.1.0") &&
			 *str_of(json_object_get(doc, "info"), "title") &&
			 *str_of(json_object_get(doc, "info"), "version"),
		 "openapi 3.1.0 with info.title and info.version");
	api_resp_free(&rs);
}

/* Every row of the router's table is an operation of the document (GET
 * with its HEAD), with security exactly when it needs a token and a body
 * exactly when it reads one; and the document has no other operation. */
static void t_routes_in_document(void)
{
	json_t *paths = json_object_get(doc, "paths");
	size_t ops = 0;
	for (size_t i = 0; i < api_nroutes; i++) {
		const struct api_route *r = &api_routes[i];
		char m[8];
		lower(r->method, m, sizeof m);
		json_t *op = json_object_get(json_object_get(paths, r->path), m);
		PT_CHECK(op, "%s %s is in the document", r->method, r->path);
		json_t *sec = json_array_get(json_object_get(op, "security"), 0);
		PT_CHECK(!r->scope == !json_object_get(sec, "bearer"), "%s %s: security as its scope",
			 r->method, r->path);
		PT_CHECK(!r->body == !json_object_get(op, "requestBody"), "%s %s: a body as it reads",
			 r->method, r->path);
		for (const struct api_param *p = r->params; p && p->name; p++) {
			json_t *ps = json_object_get(op, "parameters"), *x;
			size_t k;
			int found = 0;
			json_array_foreach(ps, k, x)
				found |= !strcmp(str_of(x, "name"), p->name);
			PT_CHECK(found, "%s %s: argument %s in the document", r->method, r->path, p->name);
		}
		ops++;
		if (!strcmp(r->method, "GET")) {
			PT_CHECK(json_object_get(json_object_get(paths, r->path), "head"),
				 "HEAD %s is in the document", r->path);
			ops++;
		}
	}
	size_t in_doc = 0;
	const char *path;
	json_t *item;
	json_object_foreach(paths, path, item) {
		const char *m;
		json_t *op;
		json_object_foreach(item, m, op) {
			in_doc++;
			int served = 0;
			char want[8];
			for (size_t i = 0; i < api_nroutes; i++) {
				lower(api_routes[i].method, want, sizeof want);
				served |= !strcmp(api_routes[i].path, path) &&
					  (!strcmp(want, m) || (!strcmp(m, "head") && !strcmp(want, "get")));
			}
			PT_CHECK(served, "the document's %s %s is served", m, path);
		}
	}
	PT_CHECK(in_doc == ops, "%zu operations in the document, %zu served", in_doc, ops);
}

/* A 405 for every method a path does not take, with Allow naming exactly
 * the methods the document gives that path. */
static void t_allow(void)
{
	static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
					      "OPTIONS", "TRACE"};
	const char *path;
	json_t *item;
	size_t n405 = 0;
	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
			char m[8];
			lower(methods[i], m, sizeof m);
			if (json_object_get(item, m))
				continue;
			struct api_resp rs;
			send(methods[i], path, NULL, NULL, 1, NULL, &rs);
			/* Allow as a set: each method of it in the document, as many. */
			size_t named = 0, listed = 0;
			char allow[API_ALLOW_MAX];
			snprintf(allow, sizeof allow, "%s", rs.allow);
			for (char *save = NULL, *t = strtok_r(allow, ", ", &save); t;
			     t = strtok_r(NULL, ", ", &save)) {
				char lm[8];
				lower(t, lm, sizeof lm);
				named += json_object_get(item, lm) != NULL;
				listed++;
			}
			PT_CHECK(rs.status == 405 && named == listed && listed == json_object_size(item),
				 "%s %s: 405 with Allow '%s' (%u)", methods[i], path, rs.allow, rs.status);
			n405++;
			api_resp_free(&rs);
		}
	}
	PT_CHECK(n405 > 50, "%zu answers of 405 checked", n405);
}

/* The schema of doc's "#/components/schemas/NAME" ref, or s itself. */
static json_t *deref(json_t *s)
{
	const char *r = json_string_value(json_object_get(s, "$ref"));
	const char *pre = "#/components/schemas/";
	if (r && !strncmp(r, pre, strlen(pre)))
		return json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
				       r + strlen(pre));
	json_t *all = json_object_get(s, "allOf");
	return all ? deref(json_array_get(all, 0)) : s;
}

/* Whether v has only the members schema s names (recursively), every one
 * it requires, and values of its types; where says where, for the log. */
static int fits(json_t *s, json_t *v, const char *where)
{
	s = deref(s);
	if (!s) {
		fprintf(stderr, "  %s: no schema\n", where);
		return 0;
	}
	json_t *type = json_object_get(s, "type");
	const char *t = json_is_array(type) ? json_string_value(json_array_get(type, 0))
					    : json_string_value(type);
	if (json_is_null(v))
		return json_is_array(type) && !strcmp(json_string_value(json_array_get(type, 1)), "null");
	if (t && !strcmp(t, "array")) {
		size_t i;
		json_t *x;
		int ok = json_is_array(v);
		json_array_foreach(v, i, x) {
			char w[256];
			snprintf(w, sizeof w, "%s[%zu]", where, i);
			ok &= fits(json_object_get(s, "items"), x, w);
		}
		return ok;
	}
	if (t && !strcmp(t, "object")) {
		json_t *props = json_object_get(s, "properties"), *x;
		if (!json_is_object(v) || !props)
			return json_is_object(v);
		const char *k;
		int ok = 1;
		json_object_foreach(v, k, x) {
			char w[256];
			snprintf(w, sizeof w, "%s.%s", where, k);
			json_t *ps = json_object_get(props, k);
			if (!ps && !json_is_true(json_object_get(s, "additionalProperties"))) {
				fprintf(stderr, "  %s: not in the document\n", w);
				ok = 0;
			} else if (ps) {
				ok &= fits(ps, x, w);
			}
		}
		size_t i;
		json_array_foreach(json_object_get(s, "required"), i, x)
			if (!json_object_get(v, json_string_value(x))) {
				fprintf(stderr, "  %s.%s: required, absent\n", where, json_string_value(x));
				ok = 0;
			}
		return ok;
	}
	int ok = !t || (!strcmp(t, "string") && json_is_string(v)) ||
		 (!strcmp(t, "integer") && json_is_integer(v)) ||
		 (!strcmp(t, "number") && json_is_number(v)) ||
		 (!strcmp(t, "boolean") && json_is_boolean(v));
	if (!ok)
		fprintf(stderr, "  %s: not a %s\n", where, t);
	return ok;
}

/* The live answer of one request against the document's schema for its
 * status. */
static void answer_fits(const char *method, const char *path, const char *qk, const char *qv,
			const char *body)
{
	struct api_resp rs;
	send(method, path, qk, qv, 1, body, &rs);
	char m[8], code[8];
	lower(method, m, sizeof m);
	snprintf(code, sizeof code, "%u", rs.status);
	json_t *op = json_object_get(json_object_get(json_object_get(doc, "paths"), path), m);
	json_t *resp = json_object_get(json_object_get(op, "responses"), code);
	json_t *schema = json_object_get(json_object_get(json_object_get(resp, "content"),
						 "application/json"), "schema");
	json_t *v = body_json(&rs);
	char where[96];
	snprintf(where, sizeof where, "%s %s %u", method, path, rs.status);
	PT_CHECK(resp && schema && v && fits(schema, v, where),
		 "%s: the answer is as the document says: %.200s", where,
		 rs.body.data ? rs.body.data : "");
	json_decref(v);
	api_resp_free(&rs);
}

static void t_answers_fit(void)
{
	struct pp_errbuf eb;
	PT_CHECK(pp_ctl_cycle(ctl, T0, 0, &eb) == PP_OK, "cycle");
	answer_fits("GET", "/healthz", NULL, NULL, NULL);
	answer_fits("GET", "/readyz", NULL, NULL, NULL);
	answer_fits("GET", "/v1/history", NULL, NULL, NULL);
	answer_fits("GET", "/v1/jobs", NULL, NULL, NULL);
	answer_fits("GET", "/v1/budget", NULL, NULL, NULL);
	answer_fits("GET", "/v1/budget", "level", "hall", NULL);
	answer_fits("GET", "/v1/budget", "level", "row", NULL);
	answer_fits("GET", "/v1/budget/forecast", "hours", "3", NULL);
	answer_fits("GET", "/v1/ha", NULL, NULL, NULL);
	answer_fits("GET", "/v1/caps", "node", "r2", NULL);
	answer_fits("GET", "/v1/caps", "node", "nowhere", NULL);
	answer_fits("POST", "/v1/admit", NULL, NULL, "{\"gpus\": 8, \"class\": \"batch\"}");
	answer_fits("POST", "/v1/admit", NULL, NULL, "{\"gpus\": 8, \"gpuz\": 1}");
	answer_fits("POST", "/v1/scheduler/sync", NULL, NULL,
		    "{\"racks\": [\"r1\", \"ghost\"], \"running\": [{\"id\": \"j1\", \"class\": "
		    "\"inference\", \"weight\": 2, \"placement\": [{\"rack\": \"r1\", \"gpus\": 8}]}],"
		    " \"pending\": [{\"id\": \"p\", \"gpus\": 8}]}");
	answer_fits("POST", "/v1/grid/event", NULL, NULL,
		    "{\"id\": \"soon\", \"limit_kw\": 900, \"start\": 1795100000, \"end\": 1795103600}");
	answer_fits("GET", "/v1/openapi.json", NULL, NULL, NULL);
	PT_CHECK(pp_ctl_cycle(ctl, T0, 0, &eb) == PP_OK, "cycle");
	answer_fits("GET", "/v1/history", NULL, NULL, NULL);
	answer_fits("GET", "/v1/jobs", NULL, NULL, NULL);
	answer_fits("GET", "/v1/events", NULL, NULL, NULL); /* the signal noted, and ahead */
}

/* A sample value of a property's schema: taken by the reader's types. */
static void sample(json_t *ps, char *out, size_t len)
{
	ps = deref(ps);
	const char *t = str_of(ps, "type");
	json_t *en = json_object_get(ps, "enum");
	if (en)
		snprintf(out, len, "\"%s\"", json_string_value(json_array_get(en, 0)));
	else if (!strcmp(t, "string"))
		snprintf(out, len, "\"r1\"");
	else if (!strcmp(t, "integer") || !strcmp(t, "number"))
		snprintf(out, len, "1");
	else if (!strcmp(t, "boolean"))
		snprintf(out, len, "true");
	else
		snprintf(out, len, "[]");
}

/* Where each request schema's objects go in a request: the path and the
 * body before and after one object. */
static const struct {
	const char *schema, *path, *pre, *post;
} places[] = {
	{"AdmitRequest", "/v1/admit", "", ""},
	{"GridEventRequest", "/v1/grid/event", "", ""},
	{"SyncRequest", "/v1/scheduler/sync", "", ""},
	{"SyncRunningJob", "/v1/scheduler/sync", "{\"running\": [", "]}"},
	{"SyncPendingJob", "/v1/scheduler/sync", "{\"pending\": [", "]}"},
	{"SyncPlacement", "/v1/scheduler/sync", "{\"running\": [{\"id\": \"j\", \"placement\": [",
	 "]}]}"},
};

/* The error of a request, or "" when it was taken. */
static void error_of(const char *path, const char *body, char *out, size_t len)
{
	struct api_resp rs;
	send("POST", path, NULL, NULL, 1, body, &rs);
	json_t *j = body_json(&rs);
	snprintf(out, len, "%s", rs.status == 200 ? "" : str_of(j, "error"));
	json_decref(j);
	api_resp_free(&rs);
}

/* Every member a request schema names is read (not refused as unknown),
 * and every closed schema of the document is one of those tried. */
static void t_request_fields(void)
{
	json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas"), *s;
	const char *name;
	size_t tried = 0;
	json_object_foreach(schemas, name, s) {
		if (json_object_get(s, "additionalProperties") != json_false())
			continue;
		size_t w = 0;
		while (w < sizeof places / sizeof places[0] && strcmp(places[w].schema, name))
			w++;
		PT_CHECK(w < sizeof places / sizeof places[0], "request schema %s is tried", name);
		if (w == sizeof places / sizeof places[0])
			continue;
		const char *k;
		json_t *ps;
		json_object_foreach(json_object_get(s, "properties"), k, ps) {
			char val[64], obj[128], body[256], err[PP_ERRLEN];
			sample(ps, val, sizeof val);
			snprintf(obj, sizeof obj, "{\"%s\": %s}", k, val);
			snprintf(body, sizeof body, "%s%s%s", places[w].pre, obj, places[w].post);
			error_of(places[w].path, body, err, sizeof err);
			PT_CHECK(!strstr(err, "unknown field"), "%s.%s is read: %s -> %s", name, k, body,
				 err);
			tried++;
		}
	}
	PT_CHECK(tried >= 15, "%zu request members tried", tried);
}

/* A member no schema names is refused with its name and place, counted. */
static void t_unknown_fields(void)
{
	static const struct {
		const char *path, *body, *want;
	} cases[] = {
		{"/v1/admit", "{\"gpus\": 8, \"gpuz\": 16}", "\"gpuz\": unknown field"},
		{"/v1/admit", "{\"gpus\": 8, \"Deferrable\": true}", "\"Deferrable\": unknown field"},
		{"/v1/grid/event", "{\"id\": \"x\", \"limit_kw\": 5, \"end\": 1795000100, "
				   "\"limit_mw\": 1}", "\"limit_mw\": unknown field"},
		{"/v1/scheduler/sync", "{\"racks\": [], \"jobs\": []}", "\"jobs\": unknown field"},
		{"/v1/scheduler/sync", "{\"pending\": [{\"id\": \"a\", \"gpus\": 1}, {\"id\": \"b\", "
				       "\"gpus\": 1}, {\"id\": \"c\", \"gpuz\": 1, \"gpus\": 1}]}",
		 "pending[2].gpuz: unknown field"},
		{"/v1/scheduler/sync", "{\"running\": [{\"id\": \"j\", \"wieght\": 2, \"placement\": "
				       "[]}]}", "running[0].wieght: unknown field"},
		{"/v1/scheduler/sync", "{\"running\": [{\"id\": \"j\", \"placement\": [{\"rack\": "
				       "\"r1\", \"gpus\": 8}, {\"rack\": \"r2\", \"gpus\": 8, "
				       "\"gpu\": 1}]}]}", "running[0].placement[1].gpu: unknown field"},
	};
	unsigned long long before = atomic_load(&api->rejected);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct api_resp rs;
		send("POST", cases[i].path, NULL, NULL, 1, cases[i].body, &rs);
		json_t *j = body_json(&rs);
		PT_CHECK(rs.status == 400 && strstr(str_of(j, "error"), cases[i].want),
			 "%s %s: 400 '%s' (%u %s)", cases[i].path, cases[i].body, cases[i].want,
			 rs.status, str_of(j, "error"));
		json_decref(j);
		api_resp_free(&rs);
	}
	unsigned long long n = sizeof cases / sizeof cases[0];
	PT_CHECK(atomic_load(&api->rejected) == before + n, "each counted as rejected (%llu of %llu)",
		 atomic_load(&api->rejected) - before, n);
	struct api_resp rs;
	send("GET", "/metrics", NULL, NULL, 0, NULL, &rs);
	char want[64];
	snprintf(want, sizeof want, "powerpark_api_rejected_total %llu\n", before + n);
	PT_CHECK(rs.body.data && strstr(rs.body.data, want), "/metrics: %s", want);
	api_resp_free(&rs);
}

/* POST /v1/admit's answer as JSON (decref it). */
static json_t *admit(const char *body)
{
	struct api_resp rs;
	send("POST", "/v1/admit", NULL, NULL, 1, body, &rs);
	json_t *j = rs.status == 200 ? body_json(&rs) : NULL;
	if (!j)
		fprintf(stderr, "  admit %s -> %u %s\n", body, rs.status, rs.body.data);
	api_resp_free(&rs);
	return j;
}

static void event(const char *id, double kw, long long end)
{
	char b[160];
	snprintf(b, sizeof b, "{\"id\": \"%s\", \"limit_kw\": %g, \"end\": %lld}", id, kw, end);
	struct api_resp rs;
	send("POST", "/v1/grid/event", NULL, NULL, 1, b, &rs);
	PT_CHECK(rs.status == 200, "grid event %s: %u", id, rs.status);
	api_resp_free(&rs);
	/* A cycle plans it (under 5 kW it fails: every GPU at its floor). */
	struct pp_errbuf eb;
	if (pp_ctl_cycle(ctl, T0, 0, &eb))
		fprintf(stderr, "  (the cycle: %s)\n", eb.msg);
}

static void t_admission(void)
{
	/* The park's one hall has 16 GPUs. */
	json_t *j = admit("{\"gpus\": 400, \"deferrable\": true}");
	PT_CHECK(j && !strcmp(str_of(j, "decision"), "reject") &&
			 strstr(str_of(j, "reason"), "larger than any hall (max 16 GPUs)"),
		 "400 GPUs: larger than any hall, even deferrable: %s", str_of(j, "reason"));
	json_decref(j);
	j = admit("{\"gpus\": 16, \"hall\": \"a\"}");
	PT_CHECK(j && !strcmp(str_of(j, "decision"), "admit") &&
			 !strstr(str_of(j, "reason"), "binding: none"),
		 "16 GPUs fit the hall now, saying what binds: %s", str_of(j, "reason"));
	json_decref(j);
	/* A signal of 5 kW for 100 s: no room now; the forecast's next hour
	 * has the contract's limit again. */
	event("cut", 5, T0_S + 100);
	j = admit("{\"gpus\": 8}");
	PT_CHECK(j && !strcmp(str_of(j, "decision"), "reject") &&
			 strstr(str_of(j, "reason"), "no room now") &&
			 strstr(str_of(j, "reason"), "binding: grid limit 5.0 kW") &&
			 !strstr(str_of(j, "reason"), "larger than"),
		 "8 GPUs under a 5 kW signal: no room now, the grid binds: %s", str_of(j, "reason"));
	json_decref(j);
	j = admit("{\"gpus\": 8, \"deferrable\": true}");
	long long next_hour = (T0_S / HOUR_S + 1) * HOUR_S;
	PT_CHECK(j && !strcmp(str_of(j, "decision"), "start_after") &&
			 json_integer_value(json_object_get(j, "start_after")) == next_hour &&
			 strstr(str_of(j, "reason"), "when the forecast shows room"),
		 "deferrable: start_after the hour the signal is over (%lld): %s", next_hour,
		 j ? json_dumps(j, 0) : "");
	json_decref(j);
	/* A signal for 200 hours: beyond the forecast's 168. */
	event("cut", 5, T0_S + 200LL * HOUR_S);
	j = admit("{\"gpus\": 8, \"deferrable\": true}");
	PT_CHECK(j && !strcmp(str_of(j, "decision"), "reject") &&
			 strstr(str_of(j, "reason"), "the forecast shows no room within its 168 hours"),
		 "deferrable under a signal of 200 h: no room in the forecast: %s",
		 str_of(j, "reason"));
	json_decref(j);
}

/* A hall of 30 kW whose racks read 28 kW: its own limit binds, which
 * only ending work frees, so the forecast cannot give a deferrable job a
 * time. */
static const char tight_park[] =
	"site: {name: f, margin: 0.02, grid: {import_limit_kw: 1000}}\n"
	"power:\n"
	"  limit_kw: 1000\n"
	"  halls:\n"
	"    - name: a\n"
	"      limit_kw: 30\n"
	"      rows:\n"
	"        - name: a1\n"
	"          limit_kw: 30\n"
	"          racks:\n"
	"            - {name: r1, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"            - {name: r2, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"api:\n"
	"  tokens:\n"
	"    - {name: o, token: admin-token-00001, scopes: [admin]}\n";

/* Runs fn with the API of a park of its own (text: the whole config). */
static void with_park(const char *text, void (*fn)(struct pp_ctl *k))
{
	struct pp_diags dg;
	pp_diag_init(&dg);
	struct pp_config *c2 = NULL;
	struct pp_ctl *k2 = NULL;
	struct pp_api *a2 = NULL, *keep = api;
	struct pp_errbuf eb;
	int up = !pp_config_load_text("park2.yaml", text, strlen(text), ".", &c2, &dg) &&
		 !pp_ctl_create(c2, NULL, &k2, &eb) &&
		 !api_create(k2, &c2->api, NULL, NULL, &a2, &eb);
	for (size_t i = 0; i < dg.n; i++)
		fprintf(stderr, "  %s\n", dg.lines[i]);
	pp_diag_free(&dg);
	PT_CHECK(up, "setup of the park");
	if (up) {
		api = a2;
		pp_api_set_clock(api, clock_fn, NULL);
		fn(k2);
	}
	api = keep;
	if (a2)
		pp_api_stop(a2);
	pp_ctl_destroy(k2);
	pp_config_destroy(c2);
}

static void tight(struct pp_ctl *k)
{
	char lp[160];
	snprintf(lp, sizeof lp, "rack,site=f,rack=r1 power_w=14000 %lld\n"
		 "rack,site=f,rack=r2 power_w=14000 %lld\n", (long long)T0, (long long)T0);
	struct api_resp rs;
	send("POST", "/write", NULL, NULL, 1, lp, &rs);
	PT_CHECK(rs.status == 204, "readings (%u)", rs.status);
	api_resp_free(&rs);
	struct pp_errbuf eb;
	PT_CHECK(pp_ctl_cycle(k, T0, 0, &eb) == PP_OK, "cycle: %s", eb.msg);
	json_t *j = admit("{\"gpus\": 8, \"deferrable\": true}");
	PT_CHECK(j && !strcmp(str_of(j, "decision"), "reject") &&
			 strstr(str_of(j, "reason"), "the forecast cannot tell when: the hall a "
						     "limit 30.0 kW changes only as work ends") &&
			 strstr(str_of(j, "reason"), "binding: hall a limit 30.0 kW"),
		 "the hall binds: no time from the forecast, and why: %s", str_of(j, "reason"));
	json_decref(j);
}

static void t_admission_fixed(void)
{
	with_park(tight_park, tight);
}

/* Hall a has 16 GPUs, hall b 32. */
static const char two_halls[] =
	"site: {name: g, margin: 0.02, grid: {import_limit_kw: 1000}}\n"
	"power:\n"
	"  limit_kw: 1000\n"
	"  halls:\n"
	"    - name: a\n"
	"      limit_kw: 300\n"
	"      rows:\n"
	"        - name: a1\n"
	"          limit_kw: 300\n"
	"          racks:\n"
	"            - {name: a-r1, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"            - {name: a-r2, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"    - name: b\n"
	"      limit_kw: 300\n"
	"      rows:\n"
	"        - name: b1\n"
	"          limit_kw: 300\n"
	"          racks:\n"
	"            - {name: b-r1, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"            - {name: b-r2, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"            - {name: b-r3, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"            - {name: b-r4, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"api:\n"
	"  tokens:\n"
	"    - {name: o, token: admin-token-00001, scopes: [admin]}\n";

static void halls(struct pp_ctl *k)
{
	struct pp_errbuf eb;
	PT_CHECK(pp_ctl_cycle(k, T0, 0, &eb) == PP_OK, "cycle: %s", eb.msg);
	json_t *j = admit("{\"gpus\": 24, \"hall\": \"a\"}");
	PT_CHECK(j && !strcmp(str_of(j, "decision"), "place") && !strcmp(str_of(j, "hall"), "b") &&
			 strstr(str_of(j, "reason"), "hall a has 16 GPUs, fewer than 24"),
		 "24 GPUs asked in hall a (16 GPUs): placed in b, saying why: %s", str_of(j, "reason"));
	json_decref(j);
	j = admit("{\"gpus\": 40}");
	PT_CHECK(j && !strcmp(str_of(j, "decision"), "reject") &&
			 strstr(str_of(j, "reason"), "larger than any hall (max 32 GPUs)"),
		 "40 GPUs: larger than the largest hall's 32: %s", str_of(j, "reason"));
	json_decref(j);
}

static void t_admission_halls(void)
{
	with_park(two_halls, halls);
}

int main(void)
{
	struct pp_errbuf eb;
	if (!(cfg = pt_park(park_racks)) || pp_ctl_create(cfg, NULL, &ctl, &eb) ||
	    api_create(ctl, &cfg->api, NULL, NULL, &api, &eb)) {
		fprintf(stderr, "test_api_contract: setup failed\n");
		return 1;
	}
	pp_api_set_clock(api, clock_fn, NULL);
	PT_RUN(t_document);
	if (doc) {
		PT_RUN(t_routes_in_document);
		PT_RUN(t_allow);
		PT_RUN(t_answers_fit);
		PT_RUN(t_request_fields);
	}
	PT_RUN(t_unknown_fields);
	PT_RUN(t_admission);
	PT_RUN(t_admission_fixed);
	PT_RUN(t_admission_halls);
	json_decref(doc);
	pp_api_stop(api);
	pp_ctl_destroy(ctl);
	pp_config_destroy(cfg);
	return PT_DONE("test_api_contract");
}
