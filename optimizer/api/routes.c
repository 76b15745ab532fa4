/* routes.c - the endpoints of the budget API (docs/api.md): one row each
 * in api_routes (what the router serves and the OpenAPI document says),
 * one handler each that reads the request's arguments, calls the
 * controller with structs and encodes what it answers. */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

extern const char pp_dashboard_html[]; /* optimizer/api/dashboard.html, compiled in */

static void json_ok(struct api_resp *rs, enum pp_err e)
{
	if (e) {
		api_fail(rs, 500, "out of memory");
		return;
	}
	rs->status = 200;
	rs->ctype = "application/json";
}

/* A controller's refusal of what was asked: 400 with its reason. */
static void refused(struct api_resp *rs, enum pp_err e, const struct pp_errbuf *eb)
{
	api_fail(rs, e == PP_ERR_NOMEM ? 500 : 400, e == PP_ERR_NOMEM ? "out of memory" : eb->msg);
}

static void h_healthz(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	(void)a;
	(void)rq;
	json_ok(rs, pp_buf_append(&rs->body, "{\"ok\":true}\n", 12));
}

/* Readiness, apart from liveness (/healthz): 200 when the controller's
 * state is complete enough to plan (pp_ctl_ready), else 503 with the
 * reason. */
static void h_readyz(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	(void)rq;
	char why[PP_CTL_REASON_MAX];
	int ready = pp_ctl_ready(a->ctl, api_now(a), why, sizeof why);
	json_ok(rs, api_json_ready(&rs->body, ready, why));
	if (rs->status == 200 && !ready)
		rs->status = 503;
}

static void h_metrics(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	(void)rq;
	struct pp_ctl_metrics m;
	enum pp_err e = pp_ctl_metrics(a->ctl, &m);
	e = e ? e : api_prometheus(&rs->body, &m, atomic_load(&a->requests),
				   atomic_load(&a->rejected), atomic_load(&a->bad_lines));
	e = e ? e : api_prometheus_guard(&rs->body, a);
	e = e ? e : api_prometheus_ha(&rs->body, a);
	pp_ctl_metrics_free(&m);
	json_ok(rs, e);
	rs->ctype = "text/plain; version=0.0.4";
}

static void h_page(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	(void)a;
	(void)rq;
	rs->status = 200;
	rs->ctype = "text/html; charset=utf-8";
	rs->fixed = pp_dashboard_html;
	rs->fixed_len = strlen(pp_dashboard_html);
}

static void h_history(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	(void)rq;
	struct pp_ctl_history h;
	enum pp_err e = pp_ctl_history(a->ctl, &h);
	json_ok(rs, e ? e : api_json_history(&rs->body, &h));
	pp_ctl_history_free(&h);
}

static void h_jobs(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	(void)rq;
	struct pp_ctl_jobs j;
	enum pp_err e = pp_ctl_jobs(a->ctl, api_now(a), &j);
	json_ok(rs, e ? e : api_json_jobs(&rs->body, &j));
	pp_ctl_jobs_free(&j);
}

/* The budget's JSON, both forms, made again only when the controller made
 * the budget again (a cycle that solved). */
static enum pp_err budget_cached(struct pp_api *a, int halls_only, struct pp_buf *out)
{
	struct api_budget_cache *bc = &a->budget;
	enum pp_err e = PP_OK;
	pthread_mutex_lock(&bc->mu);
	if (!bc->have || bc->cycle != pp_ctl_budget_cycle(a->ctl)) {
		struct pp_ctl_budget b;
		e = pp_ctl_budget(a->ctl, api_now(a), &b);
		pp_buf_reset(&bc->full);
		pp_buf_reset(&bc->halls);
		e = e ? e : api_json_budget(&bc->full, &b, 0);
		e = e ? e : api_json_budget(&bc->halls, &b, 1);
		bc->have = !e;
		bc->cycle = b.cycle;
		pp_ctl_budget_free(&b);
	}
	const struct pp_buf *src = halls_only ? &bc->halls : &bc->full;
	e = e ? e : pp_buf_append(out, src->data, src->len);
	pthread_mutex_unlock(&bc->mu);
	return e;
}

static void h_budget(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	const char *lv = api_query(rq, "level");
	if (lv && strcmp(lv, "hall") && strcmp(lv, "rack")) {
		api_fail(rs, 400, "level: expected hall or rack");
		return;
	}
	json_ok(rs, budget_cached(a, lv && !strcmp(lv, "hall"), &rs->body));
}

/* What the park's kW is worth: the value its solver loses at lower draws. */
static void h_value(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	const char *q = api_query(rq, "cuts_kw");
	double cuts[PP_CTL_VALUE_MAX];
	size_t n = 0;
	for (const char *p = q; p && *p; n++) {
		char *end;
		if (n == PP_CTL_VALUE_MAX || !((cuts[n] = strtod(p, &end)) >= 0) || end == p ||
		    (*end && *end != ',')) {
			api_fail(rs, 400, "cuts_kw: expected up to 8 numbers of kW, 0 or more, "
				 "comma-separated");
			return;
		}
		p = *end ? end + 1 : end;
	}
	if (!n) {
		api_fail(rs, 400, "cuts_kw: expected up to 8 numbers of kW, comma-separated");
		return;
	}
	struct pp_ctl_value v;
	struct pp_errbuf eb;
	enum pp_err e = pp_ctl_value_curve(a->ctl, cuts, n, &v, &eb);
	if (e == PP_ERR_ARG) {
		api_fail(rs, 400, eb.msg);
		return;
	}
	json_ok(rs, e ? e : api_json_value(&rs->body, &v));
}

static void h_forecast(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	const char *h = api_query(rq, "hours");
	char *end = NULL;
	long hours = h ? strtol(h, &end, 10) : 24;
	if (h && (!*h || *end || hours < 1 || hours > PP_CTL_FORECAST_HOURS)) {
		api_fail(rs, 400, "hours: expected an integer 1..168");
		return;
	}
	struct pp_ctl_forecast *f = malloc(sizeof *f);
	struct pp_errbuf eb;
	enum pp_err e = f ? pp_ctl_forecast(a->ctl, api_now(a), (int)hours, f, &eb) : PP_ERR_NOMEM;
	json_ok(rs, e ? e : api_json_forecast(&rs->body, f));
	free(f);
}

static void h_caps(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	const char *node = api_query(rq, "node");
	if (!node || !*node) {
		api_fail(rs, 400, "node: the compute node (or rack) whose caps to lease");
		return;
	}
	struct pp_ctl_lease l;
	struct pp_errbuf eb;
	enum pp_err e = pp_ctl_lease(a->ctl, node, api_now(a), &l, &eb);
	/* The epoch as the lease is made: a leader whose authority ended in
	 * between issues nothing (the agent asks again). */
	long long epoch = api_epoch(a);
	if (e == PP_ERR_ARG)
		api_fail(rs, 404, eb.msg);
	else if (epoch < 0)
		api_fail(rs, 503, "this replica stopped leading: retry");
	else
		json_ok(rs, e ? e : api_json_lease(&rs->body, node, &l, epoch));
}

static void h_admit(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	struct pp_ctl_admit_req q;
	struct pp_ctl_admit_ans ans;
	struct api_doc d;
	struct pp_errbuf eb;
	enum pp_err e = api_parse_admit(rq->body, rq->len, &q, &d, &eb);
	e = e ? e : pp_ctl_admit(a->ctl, &q, api_now(a), &ans, &eb);
	if (e)
		refused(rs, e, &eb);
	else
		json_ok(rs, api_json_admit(&rs->body, &ans));
	api_doc_free(&d);
}

static void h_sync(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	struct pp_ctl_sync_req q;
	struct pp_ctl_sync_ans ans;
	memset(&ans, 0, sizeof ans);
	struct api_doc d;
	struct pp_errbuf eb;
	enum pp_err e = api_parse_sync(rq->body, rq->len, &q, &d, &eb);
	e = e ? e : pp_ctl_sync(a->ctl, &q, api_now(a), &ans, &eb);
	if (e)
		refused(rs, e, &eb);
	else
		json_ok(rs, api_json_sync(&rs->body, &q, &ans));
	pp_ctl_sync_ans_free(&ans);
	api_doc_free(&d);
}

static void h_event(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	struct pp_ctl_event_req q;
	struct pp_ctl_event_ans ans;
	struct api_doc d;
	struct pp_errbuf eb;
	enum pp_err e = api_parse_event(rq->body, rq->len, &q, &d, &eb);
	e = e ? e : pp_ctl_grid_event(a->ctl, &q, api_now(a), &ans, &eb);
	if (e)
		refused(rs, e, &eb);
	else if (!api_replicate(a, &eb))
		api_fail(rs, 503, eb.msg);
	else
		json_ok(rs, api_json_event(&rs->body, &ans));
	api_doc_free(&d);
}

static void h_events(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	(void)rq;
	struct pp_ctl_notes n;
	enum pp_err e = pp_ctl_notes(a->ctl, api_now(a), &n);
	json_ok(rs, e ? e : api_json_notes(&rs->body, &n));
	pp_ctl_notes_free(&n);
}

/* The OpenAPI document of this table (openapi.c). */
static void h_openapi(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	(void)a;
	(void)rq;
	json_ok(rs, api_openapi(&rs->body, api_routes, api_nroutes));
}

static const struct api_param p_page[] = {
	{"token", AT_STR, 0, NULL, 0, 0, "a token the page's script sends with its requests"},
	{0}};
static const struct api_param p_budget[] = {
	{"level", AT_STR, 0, "hall|rack", 0, 0, "hall: without rows and racks (rack by default)"},
	{0}};
static const struct api_param p_forecast[] = {
	{"hours", AT_INT, 0, NULL, 1, PP_CTL_FORECAST_HOURS, "hours ahead (24 by default)"},
	{0}};
static const struct api_param p_value[] = {
	{"cuts_kw", AT_STR, 1, NULL, 0, 0, "up to 8 cuts of the planned grid draw, kW, comma-"
	 "separated (0,500,1000)"},
	{0}};
static const struct api_param p_caps[] = {
	{"node", AT_STR, 1, NULL, 0, 0, "the compute node (a rack's `nodes`) or, deprecated "
	 "where the rack names its nodes, the rack whose caps to lease"},
	{0}};
static const struct api_param p_write[] = {
	{"precision", AT_STR, 0, "ns|n|us|u|ms|s", 0, 0, "the timestamps' unit (ns by default)"},
	{0}};

#define JSON "application/json"

/* Each row: method, path, scope, handler, leader only; summary, query
 * arguments, body; the success's status, type and shape; a second status
 * of that shape; whether a 404 names what is unknown. */
const struct api_route api_routes[] = {
	{"GET", "/healthz", 0, h_healthz, 0, "liveness: the process answers", NULL, AB_NONE, 200,
	 JSON, &api_s_ok, 0, 0},
	{"GET", "/readyz", 0, h_readyz, 0, "readiness: the state is complete enough to plan", NULL,
	 AB_NONE, 200, JSON, &api_s_ready, 503, 0},
	{"GET", "/metrics", 0, h_metrics, 0, "the optimizer's state in Prometheus text", NULL,
	 AB_NONE, 200, "text/plain; version=0.0.4", NULL, 0, 0},
	{"GET", "/", 0, h_page, 0, "the built-in dashboard (one HTML page)", p_page, AB_NONE, 200,
	 "text/html; charset=utf-8", NULL, 0, 0},
	{"GET", "/v1/openapi.json", 0, h_openapi, 0, "this document", NULL, AB_NONE, 200, JSON,
	 &api_s_openapi, 0, 0},
	{"GET", "/v1/history", 0, h_history, 0, "up to a day of the control loop's figures", NULL,
	 AB_NONE, 200, JSON, &api_s_history, 0, 0},
	{"GET", "/v1/jobs", 0, h_jobs, 0, "the jobs placed and the jobs held, with reasons", NULL,
	 AB_NONE, 200, JSON, &api_s_jobs, 0, 0},
	{"GET", "/v1/events", 0, h_events, 0, "the event log: trips, shedding, limits, stale devices",
	 NULL, AB_NONE, 200, JSON, &api_s_events, 0, 0},
	{"GET", "/v1/budget", 0, h_budget, 0, "limits, power and headroom per level", p_budget,
	 AB_NONE, 200, JSON, &api_s_budget, 0, 0},
	{"GET", "/v1/budget/forecast", 0, h_forecast, 0, "hourly headroom ahead", p_forecast,
	 AB_NONE, 200, JSON, &api_s_forecast, 0, 0},
	{"GET", "/v1/grid/value", 0, h_value, 0,
	 "the value the park loses at lower grid draws (a fleet's split, issue 28)", p_value,
	 AB_NONE, 200, JSON, &api_s_value, 0, 0},
	{"GET", "/v1/ha", 0, api_h_ha, 0, "where this replica stands in its group", NULL, AB_NONE,
	 200, JSON, &api_s_ha, 0, 0},
	{"GET", "/v1/caps", PP_SCOPE_LEASE, h_caps, 1, "an agent leases its node's caps", p_caps,
	 AB_NONE, 200, JSON, &api_s_lease, 0, 1},
	{"POST", "/v1/admit", PP_SCOPE_WRITE, h_admit, 1, "whether a new job fits, and when", NULL,
	 AB_ADMIT, 200, JSON, &api_s_admit, 0, 0},
	{"POST", "/v1/scheduler/sync", PP_SCOPE_WRITE, h_sync, 1,
	 "a scheduler's whole view: start or hold each pending job", NULL, AB_SYNC, 200, JSON,
	 &api_s_sync, 0, 0},
	{"POST", "/v1/grid/event", PP_SCOPE_ADMIN, h_event, 1, "a grid signal at run time", NULL,
	 AB_EVENT, 200, JSON, &api_s_event, 0, 0},
	{"POST", "/write", PP_SCOPE_WRITE, api_write, 0, "readings as InfluxDB 1.x line protocol",
	 p_write, AB_LINES, 204, NULL, NULL, 0, 0},
};
const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
