/* openapi.c - the API's OpenAPI 3.1 document (GET /v1/openapi.json),
 * written from the route table (routes.c) that the router serves from:
 * every route and method (HEAD with each GET), its query arguments, its
 * token's scope, the body it reads (the request schemas come from the
 * tables reqjson.c reads them through, closed to other members as the
 * reader is) and the shape of what it answers (below; test_api holds
 * every live answer against them). */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "powerpark/json.h"

#define OPENAPI_VERSION "3.1.0"
#define API_DOC_VERSION "1"   /* the API's version: its paths start /v1 */
#define API_MAX_SCHEMAS 48    /* answer shapes the document names */
#define API_SCHEMA_PREFIX "#/components/schemas/"

#define P(name, type, flags, obj, enums, desc) {name, type, flags, obj, enums, desc}
#define END {NULL, AT_STR, 0, NULL, NULL, NULL}

/* --- the answers' shapes (codec.c and leader.c write them) -------------- */

const struct api_obj api_s_ok = {"Ok", (const struct api_prop[]){
	P("ok", AT_BOOL, 0, NULL, NULL, NULL), END}, 0};

static const struct api_obj s_error = {"Error", (const struct api_prop[]){
	P("error", AT_STR, 0, NULL, NULL, "what was wrong"), END}, 0};

static const struct api_obj s_follower = {"NotLeader", (const struct api_prop[]){
	P("error", AT_STR, 0, NULL, NULL, NULL),
	P("role", AT_STR, 0, NULL, "follower|candidate", NULL),
	P("leader", AT_STR, API_P_NULL, NULL, NULL, NULL),
	P("leader_url", AT_STR, API_P_NULL, NULL, NULL, NULL), END}, 0};

const struct api_obj api_s_ready = {"Ready", (const struct api_prop[]){
	P("ready", AT_BOOL, 0, NULL, NULL, NULL),
	P("reason", AT_STR, API_P_OPT, NULL, NULL, "why not (when not ready)"), END}, 0};

#define LEVEL_PROPS \
	P("name", AT_STR, 0, NULL, NULL, NULL), \
	P("limit_kw", AT_NUM, 0, NULL, NULL, NULL), \
	P("usable_kw", AT_NUM, 0, NULL, NULL, "the limit less the safety margin"), \
	P("measured_kw", AT_NUM, 0, NULL, NULL, "null while a rack below was never read"), \
	P("allocated_kw", AT_NUM, 0, NULL, NULL, NULL), \
	P("headroom_kw", AT_NUM, 0, NULL, NULL, NULL)

static const struct api_obj s_level = {"Level", (const struct api_prop[]){LEVEL_PROPS, END}, 0};

static const struct api_obj s_rack_level = {"RackLevel", (const struct api_prop[]){
	LEVEL_PROPS,
	P("cap_w", AT_NUM, 0, NULL, NULL, "per GPU, rounded down"),
	P("demand_w", AT_NUM, 0, NULL, NULL, NULL),
	P("unexplained_kw", AT_NUM, 0, NULL, NULL, NULL),
	P("stale", AT_BOOL, 0, NULL, NULL, NULL), END}, 0};

const struct api_obj api_s_budget = {"Budget", (const struct api_prop[]){
	P("site", AT_STR, 0, NULL, NULL, NULL),
	P("time", AT_INT, 0, NULL, NULL, "Unix seconds"),
	P("status", AT_STR, 0, NULL, "breach|shedding|starting|no-data|stale|ok", NULL),
	P("binding", AT_STR, 0, NULL, NULL, "the limit that holds the caps down, or empty"),
	P("stale_racks", AT_INT, 0, NULL, NULL, NULL),
	P("grid", AT_OBJ, 0, &s_level, NULL, NULL),
	P("halls", AT_OBJ, API_P_ARRAY, &s_level, NULL, NULL),
	P("rows", AT_OBJ, API_P_ARRAY | API_P_OPT, &s_level, NULL, "not with level=hall"),
	P("racks", AT_OBJ, API_P_ARRAY | API_P_OPT, &s_rack_level, NULL, "not with level=hall"),
	P("plants", AT_OBJ, API_P_ARRAY, &s_level, NULL, NULL), END}, 0};

static const struct api_obj s_bucket = {"ForecastHour", (const struct api_prop[]){
	P("start", AT_INT, 0, NULL, NULL, "Unix seconds"),
	P("grid_limit_kw", AT_NUM, 0, NULL, NULL, "the lowest in force during the hour"),
	P("drybulb_c", AT_NUM, 0, NULL, NULL, NULL),
	P("wetbulb_c", AT_NUM, 0, NULL, NULL, NULL),
	P("cooling_kw_per_kw", AT_NUM, 0, NULL, NULL, NULL),
	P("cooling_capacity_kw", AT_NUM, 0, NULL, NULL, "null when a plant has no chiller model"),
	P("it_kw", AT_NUM, 0, NULL, NULL, NULL),
	P("headroom_kw", AT_NUM, 0, NULL, NULL, NULL),
	P("free_kw", AT_NUM, 0, NULL, NULL, "room for new work"), END}, 0};

const struct api_obj api_s_forecast = {"Forecast", (const struct api_prop[]){
	P("hours", AT_INT, 0, NULL, NULL, NULL),
	P("weather", AT_STR, 0, NULL, "epw|reading|design-day", NULL),
	P("buckets", AT_OBJ, API_P_ARRAY, &s_bucket, NULL, NULL), END}, 0};

static const struct api_obj s_lease_cap = {"LeaseCap", (const struct api_prop[]){
	P("job", AT_STR, 0, NULL, NULL, NULL),
	P("gpus", AT_INT, 0, NULL, NULL, NULL),
	P("cap_w", AT_NUM, 0, NULL, NULL, "per GPU, rounded down"),
	P("action", AT_STR, 0, NULL, "run|idle", NULL),
	P("floor_w", AT_NUM, 0, NULL, NULL, NULL),
	P("ramp_down_w_per_s", AT_NUM, 0, NULL, NULL, NULL), END}, 0};

static const struct api_obj s_value_pt = {"ValuePoint", (const struct api_prop[]){
	P("cut_kw", AT_NUM, 0, NULL, NULL, "below the planned draw"),
	P("value_lost", AT_NUM, 0, NULL, NULL, "priority-weighted throughput lost at that draw"),
	P("proven", AT_BOOL, 0, NULL, NULL, "that lower plan proven optimal"),
	P("shedding", AT_BOOL, 0, NULL, NULL, "it pauses jobs"), END}, 0};

const struct api_obj api_s_value = {"GridValue", (const struct api_prop[]){
	P("planned_kw", AT_NUM, 0, NULL, NULL, "the grid draw the last cycle planned"),
	P("limit_kw", AT_NUM, 0, NULL, NULL, "the grid limit in force then"),
	P("objective", AT_NUM, 0, NULL, NULL, "the plan's priority-weighted throughput"),
	P("price", AT_NUM, 0, NULL, NULL, "the grid limit's multiplier: value per kW"),
	P("points", AT_OBJ, API_P_ARRAY, &s_value_pt, NULL, NULL), END}, 0};

const struct api_obj api_s_lease = {"Lease", (const struct api_prop[]){
	P("node", AT_STR, 0, NULL, NULL, "the compute node or rack asked for"),
	P("rack", AT_STR, 0, NULL, NULL, "its rack"),
	P("deprecated", AT_STR, API_P_OPT, NULL, NULL,
	  "a lease by the name of a rack that names its compute nodes"),
	P("epoch", AT_INT, 0, NULL, NULL, "the leader's term; 0 without HA"),
	P("lease_expires", AT_INT, 0, NULL, NULL, "Unix seconds"),
	P("ttl_s", AT_INT, 0, NULL, NULL, NULL),
	P("gpus", AT_INT, 0, NULL, NULL, "the GPUs leased: a compute node's own, or the rack's"),
	P("gpu_model", AT_STR, 0, NULL, NULL, NULL),
	P("cap_min_w", AT_NUM, 0, NULL, NULL, NULL),
	P("cap_max_w", AT_NUM, 0, NULL, NULL, NULL),
	P("caps", AT_OBJ, API_P_ARRAY, &s_lease_cap, NULL, NULL), END}, 0};

const struct api_obj api_s_admit = {"Admission", (const struct api_prop[]){
	P("decision", AT_STR, 0, NULL, "admit|place|start_after|reject", NULL),
	P("hall", AT_STR, API_P_OPT, NULL, NULL, "admit and place"),
	P("cap_w", AT_NUM, API_P_OPT, NULL, NULL, "admit and place: per GPU, now"),
	P("start_after", AT_INT, API_P_OPT, NULL, NULL,
	  "start_after: Unix seconds, the first hour the forecast shows room"),
	P("reason", AT_STR, 0, NULL, NULL, NULL), END}, 0};

const struct api_obj api_s_event = {"GridEvent", (const struct api_prop[]){
	P("id", AT_STR, 0, NULL, NULL, NULL),
	P("limit_kw", AT_NUM, 0, NULL, NULL, NULL),
	P("start", AT_INT, 0, NULL, NULL, "Unix seconds"),
	P("end", AT_INT, 0, NULL, NULL, "Unix seconds"),
	P("in_force", AT_BOOL, 0, NULL, NULL, NULL),
	P("limit_in_force_kw", AT_NUM, 0, NULL, NULL, NULL), END}, 0};

static const struct api_obj s_sync_pending = {"SyncPendingAnswer", (const struct api_prop[]){
	P("id", AT_STR, 0, NULL, NULL, NULL),
	P("decision", AT_STR, 0, NULL, "start|hold", NULL),
	P("reason", AT_STR, 0, NULL, NULL, NULL), END}, 0};

static const struct api_obj s_sync_running = {"SyncRunningAnswer", (const struct api_prop[]){
	P("id", AT_STR, 0, NULL, NULL, NULL),
	P("cap_w", AT_NUM, 0, NULL, NULL, "per GPU, rounded down"), END}, 0};

const struct api_obj api_s_sync = {"SyncAnswer", (const struct api_prop[]){
	P("binding", AT_STR, 0, NULL, NULL, NULL),
	P("grid_limit_kw", AT_NUM, 0, NULL, NULL, NULL),
	P("pending", AT_OBJ, API_P_ARRAY, &s_sync_pending, NULL, NULL),
	P("running", AT_OBJ, API_P_ARRAY, &s_sync_running, NULL, NULL),
	P("ignored_racks", AT_STR, API_P_ARRAY, NULL, NULL, "racks the park does not know"),
	END}, 0};

static const struct api_obj s_running = {"RunningJob", (const struct api_prop[]){
	P("job", AT_STR, 0, NULL, NULL, NULL),
	P("rack", AT_STR, 0, NULL, NULL, NULL),
	P("class", AT_STR, 0, NULL, "training|inference|batch", NULL),
	P("weight", AT_NUM, 0, NULL, NULL, NULL),
	P("gpus", AT_INT, 0, NULL, NULL, NULL),
	P("cap_w", AT_NUM, 0, NULL, NULL, NULL),
	P("cap_max_w", AT_NUM, 0, NULL, NULL, NULL),
	P("demand_w", AT_NUM, 0, NULL, NULL, "per GPU, as the last solve planned with"),
	P("why", AT_STR, 0, NULL, NULL,
	  "what holds the cap: a binding limit (grid, site:S, hall:H, row:R, rack:R, plant:P), "
	  "or wants less, at its maximum, rising, paused, not solved yet"),
	P("price", AT_NUM, 0, NULL, NULL, "the binding limit's price (objective per kW); 0 none"),
	END}, 0};

static const struct api_obj s_held = {"HeldJob", (const struct api_prop[]){
	P("job", AT_STR, 0, NULL, NULL, NULL),
	P("gpus", AT_INT, 0, NULL, NULL, NULL),
	P("waiting_s", AT_INT, 0, NULL, NULL, NULL),
	P("since", AT_INT, 0, NULL, NULL, "Unix seconds"),
	P("until", AT_INT, API_P_OPT, NULL, NULL,
	  "Unix seconds: the end of the grid limit event in force, when one is"),
	P("until_event", AT_STR, API_P_OPT, NULL, NULL, "that event's id"),
	P("reason", AT_STR, 0, NULL, NULL, NULL), END}, 0};

const struct api_obj api_s_jobs = {"Jobs", (const struct api_prop[]){
	P("running", AT_OBJ, API_P_ARRAY, &s_running, NULL, NULL),
	P("held", AT_OBJ, API_P_ARRAY, &s_held, NULL, NULL), END}, 0};

static const struct api_obj s_hist_hall = {"HistoryHall", (const struct api_prop[]){
	P("name", AT_STR, 0, NULL, NULL, NULL),
	P("limit_kw", AT_NUM, 0, NULL, NULL, NULL),
	P("kw", AT_NUM, API_P_ARRAY, NULL, NULL, NULL), END}, 0};

static const struct api_obj s_hist_plant = {"HistoryPlant", (const struct api_prop[]){
	P("name", AT_STR, 0, NULL, NULL, NULL),
	P("capacity_kw", AT_NUM, 0, NULL, NULL, "-1 when not known"),
	P("reserve", AT_INT, 0, NULL, NULL, "chillers held back (N+k)"),
	P("chw_supply_c", AT_NUM, 0, NULL, NULL, "the chilled-water supply set point"),
	P("capacity_series_kw", AT_NUM, API_P_ARRAY | API_P_OPT, NULL, NULL,
	  "per point, keeping the reserve; null: no chiller model (the first 8 plants)"),
	P("heat_kw", AT_NUM, API_P_ARRAY | API_P_OPT, NULL, NULL,
	  "per point: the heat of the halls it serves (the first 8 plants)"),
	P("tripped", AT_STR, API_P_ARRAY, NULL, NULL, "its tripped chillers"), END}, 0};

const struct api_obj api_s_history = {"History", (const struct api_prop[]){
	P("utc_offset_s", AT_NUM, 0, NULL, NULL, NULL),
	P("t", AT_INT, API_P_ARRAY, NULL, NULL, "Unix seconds"),
	P("grid_kw", AT_NUM, API_P_ARRAY, NULL, NULL, NULL),
	P("limit_kw", AT_NUM, API_P_ARRAY, NULL, NULL, NULL),
	P("it_kw", AT_NUM, API_P_ARRAY, NULL, NULL, NULL),
	P("cooling_kw", AT_NUM, API_P_ARRAY, NULL, NULL, NULL),
	P("cooling_capacity_kw", AT_NUM, API_P_ARRAY, NULL, NULL, NULL),
	P("held_gpus", AT_NUM, API_P_ARRAY, NULL, NULL, NULL),
	P("wetbulb_c", AT_NUM, API_P_ARRAY, NULL, NULL, "the weather reading planned with; null: none"),
	P("halls", AT_OBJ, API_P_ARRAY, &s_hist_hall, NULL, NULL),
	P("layout", AT_INT, API_P_ARRAY2, NULL, NULL, "racks per row, per hall"),
	P("plants", AT_OBJ, API_P_ARRAY, &s_hist_plant, NULL, NULL), END}, 0};

static const struct api_obj s_note = {"Event", (const struct api_prop[]){
	P("seq", AT_INT, 0, NULL, NULL, "counts every event noted, from 1"),
	P("time", AT_INT, 0, NULL, NULL, "Unix seconds"),
	P("kind", AT_STR, 0, NULL,
	  "trip|trip-cleared|capacity|shedding|shedding-ended|limit|limit-ended|signal|breach|"
	  "breach-ended|stale|fresh|meter-stale|meter-fresh|solve-failed|solve-ok", NULL),
	P("severity", AT_STR, 0, NULL, "fault|shed|warn|info", NULL),
	P("text", AT_STR, 0, NULL, NULL, NULL), END}, 0};

static const struct api_obj s_ahead = {"LimitAhead", (const struct api_prop[]){
	P("id", AT_STR, 0, NULL, NULL, NULL),
	P("start", AT_INT, 0, NULL, NULL, "Unix seconds"),
	P("end", AT_INT, 0, NULL, NULL, "Unix seconds"),
	P("limit_kw", AT_NUM, 0, NULL, NULL, NULL),
	P("signalled", AT_BOOL, 0, NULL, NULL, "posted at run time (else configured)"), END}, 0};

const struct api_obj api_s_events = {"Events", (const struct api_prop[]){
	P("total", AT_INT, 0, NULL, NULL, "noted since the start (the oldest are dropped)"),
	P("events", AT_OBJ, API_P_ARRAY, &s_note, NULL, "newest first"),
	P("ahead", AT_OBJ, API_P_ARRAY, &s_ahead, NULL,
	  "grid limit events in force or to come, configured and signalled, by start"), END}, 0};

const struct api_obj api_s_ha = {"HighAvailability", (const struct api_prop[]){
	P("ha", AT_BOOL, 0, NULL, NULL, NULL),
	P("role", AT_STR, 0, NULL, "leader|follower|candidate", NULL),
	P("name", AT_STR, API_P_NULL, NULL, NULL, NULL),
	P("epoch", AT_INT, 0, NULL, NULL, NULL),
	P("leader", AT_STR, API_P_NULL, NULL, NULL, NULL),
	P("leader_url", AT_STR, API_P_NULL, NULL, NULL, NULL),
	P("terms", AT_INT, 0, NULL, NULL, NULL),
	P("lost", AT_INT, 0, NULL, NULL, NULL),
	P("etcd_errors", AT_INT, 0, NULL, NULL, NULL), END}, 0};

const struct api_obj api_s_openapi = {"OpenApiDocument", (const struct api_prop[]){
	P("openapi", AT_STR, 0, NULL, NULL, NULL),
	P("info", AT_OBJ, 0, NULL, NULL, NULL),
	P("paths", AT_OBJ, 0, NULL, NULL, NULL),
	P("components", AT_OBJ, 0, NULL, NULL, NULL), END}, 1};

/* --- the document --------------------------------------------------------- */

static void ref(struct pp_json *j, const char *name)
{
	char r[96];
	snprintf(r, sizeof r, API_SCHEMA_PREFIX "%s", name);
	pp_json_obj(j);
	pp_json_kstr(j, "$ref", r);
	pp_json_end(j);
}

/* "enum": [...] from "a|b|c". */
static void enums(struct pp_json *j, const char *e)
{
	pp_json_key(j, "enum");
	pp_json_arr(j);
	for (const char *p = e; *p;) {
		size_t n = strcspn(p, "|");
		pp_json_strn(j, p, n);
		p += n + (p[n] == '|');
	}
	pp_json_end(j);
}

/* The schema of one value of type t (a figure: a number or null, as the
 * writer prints what is not finite). */
static void scalar(struct pp_json *j, const struct api_prop *p)
{
	static const char *const name[] = {[AT_STR] = "string", [AT_INT] = "integer",
					   [AT_NUM] = "number", [AT_BOOL] = "boolean",
					   [AT_OBJ] = "object"};
	if (p->type == AT_OBJ && p->obj) {
		ref(j, p->obj->name);
		return;
	}
	pp_json_obj(j);
	if (p->type == AT_NUM || (p->flags & API_P_NULL)) {
		pp_json_key(j, "type");
		pp_json_arr(j);
		pp_json_str(j, name[p->type]);
		pp_json_str(j, "null");
		pp_json_end(j);
	} else {
		pp_json_kstr(j, "type", name[p->type]);
	}
	if (p->enums)
		enums(j, p->enums);
	pp_json_end(j);
}

static void prop_schema(struct pp_json *j, const struct api_prop *p)
{
	int depth = p->flags & API_P_ARRAY2 ? 2 : p->flags & API_P_ARRAY ? 1 : 0;
	if (!depth && !p->desc) {
		scalar(j, p);
		return;
	}
	pp_json_obj(j);
	if (p->desc)
		pp_json_kstr(j, "description", p->desc);
	if (!depth) { /* a description beside a $ref or a type: allOf keeps both readable */
		pp_json_key(j, "allOf");
		pp_json_arr(j);
		scalar(j, p);
		pp_json_end(j);
	} else {
		pp_json_kstr(j, "type", "array");
		pp_json_key(j, "items");
		if (depth == 2) {
			pp_json_obj(j);
			pp_json_kstr(j, "type", "array");
			pp_json_key(j, "items");
		}
		scalar(j, p);
		if (depth == 2)
			pp_json_end(j);
	}
	pp_json_end(j);
}

static void obj_schema(struct pp_json *j, const struct api_obj *o)
{
	pp_json_key(j, o->name);
	pp_json_obj(j);
	pp_json_kstr(j, "type", "object");
	pp_json_key(j, "properties");
	pp_json_obj(j);
	for (const struct api_prop *p = o->p; p->name; p++) {
		pp_json_key(j, p->name);
		prop_schema(j, p);
	}
	pp_json_end(j);
	pp_json_key(j, "required");
	pp_json_arr(j);
	for (const struct api_prop *p = o->p; p->name; p++)
		if (!(p->flags & API_P_OPT))
			pp_json_str(j, p->name);
	pp_json_end(j);
	if (o->open)
		pp_json_kbool(j, "additionalProperties", 1);
	pp_json_end(j);
}

/* o and every shape it holds, once each, into seen (n of them). */
static void collect(const struct api_obj *o, const struct api_obj **seen, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		if (seen[i] == o)
			return;
	if (*n >= API_MAX_SCHEMAS)
		return;
	seen[(*n)++] = o;
	for (const struct api_prop *p = o->p; p->name; p++)
		if (p->obj)
			collect(p->obj, seen, n);
}

/* An answer: "CODE": {"description": d, "content": {type: {schema}}}. */
static void answer(struct pp_json *j, unsigned code, const char *desc, const char *type,
		   const struct api_obj *schema)
{
	char k[8];
	snprintf(k, sizeof k, "%u", code);
	pp_json_key(j, k);
	pp_json_obj(j);
	pp_json_kstr(j, "description", desc);
	if (type) {
		pp_json_key(j, "content");
		pp_json_obj(j);
		pp_json_key(j, type);
		pp_json_obj(j);
		if (schema) {
			pp_json_key(j, "schema");
			ref(j, schema->name);
		}
		pp_json_end(j);
		pp_json_end(j);
	}
	pp_json_end(j);
}

#define JSON_TYPE "application/json"

/* Whether r refuses some requests with 400: it reads a body, or has an
 * argument that is required or of given values. */
static int checked(const struct api_route *r)
{
	int any = r->body != AB_NONE;
	for (const struct api_param *p = r->params; p && p->name; p++)
		any |= p->required || p->enums || p->max > p->min;
	return any;
}

static void answers(struct pp_json *j, const struct api_route *r, int head)
{
	const char *type = head ? NULL : r->ok_type;
	const char *etype = head ? NULL : JSON_TYPE;
	pp_json_key(j, "responses");
	pp_json_obj(j);
	answer(j, r->ok, r->ok_type ? "success" : "success, no body", type, r->ok_schema);
	if (r->also)
		answer(j, r->also, "not ready, with the reason", type, r->ok_schema);
	if (r->leader)
		answer(j, 307, "this replica follows: the same request at the leader (Location)",
		       etype, &s_follower);
	if (checked(r))
		answer(j, 400, "a bad argument or body, named", etype, &s_error);
	if (r->scope) {
		answer(j, 401, "no known bearer token (WWW-Authenticate: Bearer)", etype, &s_error);
		answer(j, 403, "the token lacks the scope", etype, &s_error);
	}
	if (r->not_found)
		answer(j, 404, "not known here", etype, &s_error);
	if (r->body)
		answer(j, 413, "a body over 32 MiB (also once inflated)", etype, &s_error);
	if (r->leader || r->body)
		answer(j, 503, "no leader known, or the body budget is full (Retry-After)", etype,
		       &s_error);
	pp_json_key(j, "default");
	pp_json_obj(j);
	pp_json_kstr(j, "description", "an error");
	if (!head) {
		pp_json_key(j, "content");
		pp_json_obj(j);
		pp_json_key(j, JSON_TYPE);
		pp_json_obj(j);
		pp_json_key(j, "schema");
		ref(j, s_error.name);
		pp_json_end(j);
		pp_json_end(j);
	}
	pp_json_end(j);
	pp_json_end(j);
}

static void params(struct pp_json *j, const struct api_param *ps)
{
	pp_json_key(j, "parameters");
	pp_json_arr(j);
	for (const struct api_param *p = ps; p->name; p++) {
		pp_json_obj(j);
		pp_json_kstr(j, "name", p->name);
		pp_json_kstr(j, "in", "query");
		pp_json_kbool(j, "required", p->required);
		pp_json_kstr(j, "description", p->desc);
		pp_json_key(j, "schema");
		pp_json_obj(j);
		pp_json_kstr(j, "type", p->type == AT_INT ? "integer" : "string");
		if (p->enums)
			enums(j, p->enums);
		if (p->type == AT_INT && p->max > p->min) {
			pp_json_kint(j, "minimum", p->min);
			pp_json_kint(j, "maximum", p->max);
		}
		pp_json_end(j);
		pp_json_end(j);
	}
	pp_json_end(j);
}

static void body(struct pp_json *j, enum api_body b)
{
	pp_json_key(j, "requestBody");
	pp_json_obj(j);
	pp_json_kbool(j, "required", 1);
	pp_json_key(j, "content");
	pp_json_obj(j);
	if (b == AB_LINES) {
		pp_json_key(j, "text/plain");
		pp_json_obj(j);
		pp_json_key(j, "schema");
		pp_json_obj(j);
		pp_json_kstr(j, "type", "string");
		pp_json_kstr(j, "description", "InfluxDB 1.x line protocol (gzip with "
			     "Content-Encoding: gzip)");
		pp_json_end(j);
		pp_json_end(j);
	} else {
		pp_json_key(j, JSON_TYPE);
		pp_json_obj(j);
		pp_json_key(j, "schema");
		ref(j, api_body_name(b));
		pp_json_end(j);
	}
	pp_json_end(j);
	pp_json_end(j);
}

/* "get_v1_budget_forecast" of GET /v1/budget/forecast ("head_..." for
 * its HEAD; "get_root" for /). */
static void op_id(struct pp_json *j, const struct api_route *r, int head)
{
	char id[96];
	size_t n = (size_t)snprintf(id, sizeof id, "%s", head ? "head" : r->method);
	for (size_t i = 0; i < n; i++)
		id[i] = (char)(id[i] >= 'A' && id[i] <= 'Z' ? id[i] - 'A' + 'a' : id[i]);
	for (const char *p = r->path; *p && n + 1 < sizeof id; p++)
		id[n++] = *p == '/' || *p == '.' ? '_' : *p;
	id[n] = 0;
	if (!strcmp(r->path, "/"))
		snprintf(id + strlen(id) - 1, sizeof id - (strlen(id) - 1), "_root");
	pp_json_kstr(j, "operationId", id);
}

static void operation(struct pp_json *j, const struct api_route *r, int head)
{
	char k[8];
	snprintf(k, sizeof k, "%s", head ? "head" : r->method);
	for (char *p = k; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	pp_json_key(j, k);
	pp_json_obj(j);
	pp_json_kstr(j, "summary", r->summary);
	op_id(j, r, head);
	if (r->params)
		params(j, r->params);
	if (r->body)
		body(j, r->body);
	pp_json_key(j, "security");
	pp_json_arr(j);
	pp_json_obj(j);
	if (r->scope) { /* OpenAPI 3.1: an http scheme may list the roles it needs */
		pp_json_key(j, "bearer");
		pp_json_arr(j);
		pp_json_str(j, r->scope & PP_SCOPE_ADMIN ? "admin" : r->scope & PP_SCOPE_LEASE ? "lease"
								  : "write");
		pp_json_end(j);
	}
	pp_json_end(j);
	pp_json_end(j);
	if (r->leader)
		pp_json_kstr(j, "x-powerpark-leader-only",
			     "a follower answers 307 to the leader, a candidate 503");
	answers(j, r, head);
	pp_json_end(j);
}

static void paths(struct pp_json *j, const struct api_route *rt, size_t n)
{
	pp_json_key(j, "paths");
	pp_json_obj(j);
	for (size_t i = 0; i < n; i++) {
		size_t first = 0;
		while (strcmp(rt[first].path, rt[i].path))
			first++;
		if (first < i)
			continue; /* written with the path's first route */
		pp_json_key(j, rt[i].path);
		pp_json_obj(j);
		for (size_t k = i; k < n; k++) {
			if (strcmp(rt[k].path, rt[i].path))
				continue;
			operation(j, &rt[k], 0);
			if (!strcmp(rt[k].method, "GET"))
				operation(j, &rt[k], 1);
		}
		pp_json_end(j);
	}
	pp_json_end(j);
}

static void components(struct pp_json *j, const struct api_route *rt, size_t nr)
{
	const struct api_obj *seen[API_MAX_SCHEMAS];
	size_t n = 0;
	collect(&s_error, seen, &n);
	collect(&s_follower, seen, &n);
	for (size_t i = 0; i < nr; i++)
		if (rt[i].ok_schema)
			collect(rt[i].ok_schema, seen, &n);
	pp_json_key(j, "components");
	pp_json_obj(j);
	pp_json_key(j, "schemas");
	pp_json_obj(j);
	for (size_t i = 0; i < n; i++)
		obj_schema(j, seen[i]);
	api_body_schemas(j);
	pp_json_end(j);
	pp_json_key(j, "securitySchemes");
	pp_json_obj(j);
	pp_json_key(j, "bearer");
	pp_json_obj(j);
	pp_json_kstr(j, "type", "http");
	pp_json_kstr(j, "scheme", "bearer");
	pp_json_kstr(j, "description", "a token of the config's api.tokens; roles are its "
		     "scopes (write, lease, admin; admin may do everything). "
		     "Authorization: Token TOKEN works too.");
	pp_json_end(j);
	pp_json_end(j);
	pp_json_end(j);
}

enum pp_err api_openapi(struct pp_buf *out, const struct api_route *rt, size_t n)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kstr(&j, "openapi", OPENAPI_VERSION);
	pp_json_key(&j, "info");
	pp_json_obj(&j);
	pp_json_kstr(&j, "title", "powerpark optimize: the budget API");
	pp_json_kstr(&j, "version", API_DOC_VERSION);
	pp_json_kstr(&j, "description",
		     "Written from the server's own route table. Every error is a JSON "
		     "{\"error\": ...}; a request body with a member its schema does not "
		     "name, or a key twice, is refused (400, naming it); a known path asked "
		     "with a method it does not take gets 405 with Allow. Figures are "
		     "numbers, null where not known. See docs/api.md.");
	pp_json_end(&j);
	paths(&j, rt, n);
	components(&j, rt, n);
	pp_json_end(&j);
	enum pp_err e = pp_json_done(&j);
	return e ? e : pp_buf_append(out, "\n", 1);
}
