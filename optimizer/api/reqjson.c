/* reqjson.c - the API's requests from JSON (POST /v1/admit,
 * /v1/scheduler/sync, /v1/grid/event), read through jansson into the
 * controller's structs. Each request object is read through a table of
 * its members (struct jfield): the same table checks the values, refuses
 * any member it does not name, and writes the request's JSON Schema into
 * the OpenAPI document (api_body_schemas), so what is read, what is
 * refused and what is documented cannot drift apart. A request is checked
 * whole before it is handed over, so a bad one changes nothing. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "powerpark/json.h"

void api_doc_free(struct api_doc *d)
{
	json_decref(d->root);
	free(d->mem);
	d->root = d->mem = NULL;
}

/* Parses a body that must be one JSON object into d->root. A key twice in
 * one object is refused: readers disagree on which one counts. */
static enum pp_err load(const char *body, size_t len, struct api_doc *d, struct pp_errbuf *eb)
{
	d->root = d->mem = NULL;
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return pp_err_set(eb, PP_ERR_PARSE, "line %d column %d: %s", je.line, je.column,
				  je.text);
	d->root = root;
	if (!json_is_object(root))
		return pp_err_set(eb, PP_ERR_PARSE, "expected a JSON object");
	return PP_OK;
}

/* One member of a request object: what it must be, where its value goes
 * in the request struct, and what a bad one is told. Requests are read
 * through tables of these so every message has the same form: "\"key\":
 * expected ..." at the top, "pending[3].key: expected ..." in a list. */
enum jkind {
	JK_GPUS,     /* an integer 1..PP_CTL_MAX_GPUS -> int */
	JK_STR,      /* a string -> const char * (NULL when absent) */
	JK_ID,       /* a string of 1..PP_CTL_ID_MAX - 1 bytes -> const char * */
	JK_JOB,      /* a non-empty string -> const char * */
	JK_BOOL,     /* true or false -> int */
	JK_CLASS,    /* a job class's name -> int (dflt when absent) */
	JK_POSITIVE, /* a finite number above 0 -> double */
	JK_WEIGHT,   /* a number in (0, 1e6) -> double (dflt when absent) */
	JK_UNIX,     /* an integer -> int64_t (dflt when absent) */
	JK_INT,      /* an integer (read by hand: placement's gpus) */
	JK_LIST,     /* an array, read by hand: of sub's objects, or of strings */
	JK_CURVE,    /* an array of [number, number] pairs, read by hand */
};

struct jtable;

struct jfield {
	const char *key;
	enum jkind kind;
	int required;
	size_t off;
	const char *expect;
	double dflt;
	const struct jtable *sub; /* JK_LIST: its items' table; NULL: strings */
};

/* A request object's members, and the name of its schema in the document. */
struct jtable {
	const char *name;
	const struct jfield *f;
	size_t n;
};

/* Whether v (not NULL) is what f asks for (JK_LIST and JK_INT: checked
 * where they are read). */
static int jfield_ok(const struct jfield *f, json_t *v)
{
	switch (f->kind) {
	case JK_GPUS:
		return json_is_integer(v) && json_integer_value(v) >= 1 &&
		       json_integer_value(v) <= PP_CTL_MAX_GPUS;
	case JK_STR:
		return json_is_string(v);
	case JK_ID:
		return json_is_string(v) && *json_string_value(v) &&
		       strlen(json_string_value(v)) < PP_CTL_ID_MAX;
	case JK_JOB:
		return json_is_string(v) && *json_string_value(v);
	case JK_BOOL:
		return json_is_boolean(v);
	case JK_CLASS:
		return json_is_string(v) && pp_config_job_class(json_string_value(v)) >= 0;
	case JK_POSITIVE:
		return json_is_number(v) && json_number_value(v) > 0 &&
		       isfinite(json_number_value(v));
	case JK_WEIGHT:
		return json_is_number(v) && json_number_value(v) > 0 && json_number_value(v) < 1e6;
	case JK_UNIX:
		return json_is_integer(v);
	case JK_INT:
	case JK_LIST:
	case JK_CURVE:
		return 1;
	}
	return 0;
}

/* Stores v (NULL: absent, then the default) as f says into dst. */
static void jfield_put(const struct jfield *f, json_t *v, void *dst)
{
	char *at = (char *)dst + f->off;
	const char *s = v ? json_string_value(v) : NULL;
	int i;
	double d;
	int64_t t;
	switch (f->kind) {
	case JK_GPUS:
		i = (int)json_integer_value(v);
		memcpy(at, &i, sizeof i);
		break;
	case JK_STR:
	case JK_ID:
	case JK_JOB:
		memcpy(at, &s, sizeof s);
		break;
	case JK_BOOL:
		i = v && json_is_true(v);
		memcpy(at, &i, sizeof i);
		break;
	case JK_CLASS:
		i = v ? pp_config_job_class(s) : (int)f->dflt;
		memcpy(at, &i, sizeof i);
		break;
	case JK_POSITIVE:
	case JK_WEIGHT:
		d = v ? json_number_value(v) : f->dflt;
		memcpy(at, &d, sizeof d);
		break;
	case JK_UNIX:
		t = v ? json_integer_value(v) : (int64_t)f->dflt;
		memcpy(at, &t, sizeof t);
		break;
	case JK_INT:
	case JK_LIST:
	case JK_CURVE:
		break;
	}
}

#define API_KEY_SHOWN 64 /* bytes of an unknown member's name an error repeats */

/* Refuses a member of obj that t does not name: "\"gpuz\": unknown
 * field" at the top, "pending[2].gpuz: unknown field" in a list (at says
 * where obj is, NULL for the request itself), with the names it takes. */
static enum pp_err unknown(json_t *obj, const struct jtable *t, const char *at,
			   struct pp_errbuf *eb)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		size_t i = 0;
		while (i < t->n && strcmp(t->f[i].key, k))
			i++;
		if (i < t->n)
			continue;
		char known[PP_ERRLEN / 2] = "";
		for (size_t f = 0, n = 0; f < t->n && n < sizeof known; f++)
			n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", f ? ", " : "",
					      t->f[f].key);
		if (at)
			return pp_err_set(eb, PP_ERR_PARSE, "%s.%.*s: unknown field (known: %s)", at,
					  API_KEY_SHOWN, k, known);
		return pp_err_set(eb, PP_ERR_PARSE, "\"%.*s\": unknown field (known: %s)",
				  API_KEY_SHOWN, k, known);
	}
	return PP_OK;
}

/* Reads the members of obj that t names into dst, refusing any other; at
 * says where obj is ("pending[3]"), NULL for the request itself. */
static enum pp_err jfields(json_t *obj, const struct jtable *t, void *dst, const char *at,
			   struct pp_errbuf *eb)
{
	enum pp_err e = unknown(obj, t, at, eb);
	if (e)
		return e;
	for (size_t i = 0; i < t->n; i++) {
		const struct jfield *f = &t->f[i];
		json_t *v = json_object_get(obj, f->key);
		if ((v || f->required) && !(v && jfield_ok(f, v))) {
			if (at)
				return pp_err_set(eb, PP_ERR_PARSE, "%s.%s: expected %s", at, f->key,
						  f->expect);
			return pp_err_set(eb, PP_ERR_PARSE, "\"%s\": expected %s", f->key, f->expect);
		}
	}
	for (size_t i = 0; i < t->n; i++)
		jfield_put(&t->f[i], json_object_get(obj, t->f[i].key), dst);
	return PP_OK;
}

#define EXPECT_GPUS "an integer from 1 to 1000000"
#define EXPECT_CLASS "training, inference or batch"
#define NFIELDS(t) (sizeof t / sizeof t[0])
#define TABLE(name, f) {name, f, NFIELDS(f)}

static const struct jfield admit_f[] = {
	{"gpus", JK_GPUS, 1, offsetof(struct pp_ctl_admit_req, gpus), EXPECT_GPUS, 0, NULL},
	{"hall", JK_STR, 0, offsetof(struct pp_ctl_admit_req, hall), "a string", 0, NULL},
	{"deferrable", JK_BOOL, 0, offsetof(struct pp_ctl_admit_req, deferrable),
	 "true or false", 0, NULL},
	{"class", JK_CLASS, 0, offsetof(struct pp_ctl_admit_req, cls), EXPECT_CLASS, -1, NULL},
};

static const struct jfield event_f[] = {
	{"id", JK_ID, 1, offsetof(struct pp_ctl_event_req, id), "a name of 1 to 63 characters", 0,
	 NULL},
	{"limit_kw", JK_POSITIVE, 1, offsetof(struct pp_ctl_event_req, limit_kw),
	 "a number above 0", 0, NULL},
	{"start", JK_UNIX, 0, offsetof(struct pp_ctl_event_req, start_s),
	 "Unix seconds (integer)", 0, NULL},
	{"end", JK_UNIX, 1, offsetof(struct pp_ctl_event_req, end_s), "Unix seconds (integer)", 0,
	 NULL},
};

static const struct jfield place_f[] = {
	{"rack", JK_STR, 1, 0, "a rack name", 0, NULL},
	{"gpus", JK_INT, 1, 0, "an integer (clamped to 0..1000000)", 0, NULL},
};
static const struct jtable place_t = TABLE("SyncPlacement", place_f);

static const struct jfield run_f[] = {
	{"id", JK_JOB, 1, offsetof(struct pp_ctl_run_job, id), "a job id", 0, NULL},
	{"class", JK_CLASS, 0, offsetof(struct pp_ctl_run_job, cls), EXPECT_CLASS,
	 PP_JOB_TRAINING, NULL},
	{"weight", JK_WEIGHT, 0, offsetof(struct pp_ctl_run_job, weight), "a number in (0, 1e6)",
	 1, NULL},
	{"placement", JK_LIST, 1, 0, "an array of {\"rack\", \"gpus\"}", 0, &place_t},
	{"curve", JK_CURVE, 0, 0, "the job's own curve: 2 to 7 [cap_fraction, throughput] pairs, "
	 "fractions rising in (0, 1], throughput rising and concave (absent: its class's)", 0,
	 NULL},
};
static const struct jtable run_t = TABLE("SyncRunningJob", run_f);

static const struct jfield pend_f[] = {
	{"id", JK_JOB, 1, offsetof(struct pp_ctl_pend_job, id), "a job id", 0, NULL},
	{"gpus", JK_GPUS, 1, offsetof(struct pp_ctl_pend_job, gpus), EXPECT_GPUS, 0, NULL},
};
static const struct jtable pend_t = TABLE("SyncPendingJob", pend_f);

static const struct jfield sync_f[] = {
	{"racks", JK_LIST, 0, 0, "an array of rack names", 0, NULL},
	{"running", JK_LIST, 0, 0, "an array of jobs", 0, &run_t},
	{"pending", JK_LIST, 0, 0, "an array of jobs", 0, &pend_t},
};

static const struct jtable admit_t = TABLE("AdmitRequest", admit_f);
static const struct jtable event_t = TABLE("GridEventRequest", event_f);
static const struct jtable sync_t = TABLE("SyncRequest", sync_f);

enum pp_err api_parse_admit(const char *body, size_t len, struct pp_ctl_admit_req *q,
			    struct api_doc *d, struct pp_errbuf *eb)
{
	memset(q, 0, sizeof *q);
	enum pp_err e = load(body, len, d, eb);
	return e ? e : jfields(d->root, &admit_t, q, NULL, eb);
}

enum pp_err api_parse_event(const char *body, size_t len, struct pp_ctl_event_req *q,
			    struct api_doc *d, struct pp_errbuf *eb)
{
	memset(q, 0, sizeof *q);
	enum pp_err e = load(body, len, d, eb);
	e = e ? e : jfields(d->root, &event_t, q, NULL, eb);
	if (!e)
		q->has_start = json_object_get(d->root, "start") != NULL;
	return e;
}

/* The arrays a sync request points into, in one block (d->mem). */
struct sync_mem {
	const char **racks;
	struct pp_ctl_run_job *running;
	struct pp_ctl_pend_job *pending;
	struct pp_ctl_place *place;
};

/* Sizes the block for root's lists; NULL out of memory. */
static char *sync_alloc(json_t *root, struct sync_mem *m)
{
	json_t *run = json_object_get(root, "running"), *v;
	size_t nr = json_array_size(json_object_get(root, "racks")), nj = json_array_size(run);
	size_t np = json_array_size(json_object_get(root, "pending")), places = 0, i;
	json_array_foreach(run, i, v)
		places += json_array_size(json_object_get(v, "placement"));
	size_t sz = (nj + 1) * sizeof(struct pp_ctl_run_job) +
		    (np + 1) * sizeof(struct pp_ctl_pend_job) +
		    (places + 1) * sizeof(struct pp_ctl_place) + (nr + 1) * sizeof(char *);
	char *blk = calloc(1, sz);
	if (!blk)
		return NULL;
	/* Every part is pointer-aligned: the structs hold pointers. */
	m->running = (struct pp_ctl_run_job *)(void *)blk;
	m->pending = (struct pp_ctl_pend_job *)(void *)(m->running + nj + 1);
	m->place = (struct pp_ctl_place *)(void *)(m->pending + np + 1);
	m->racks = (const char **)(void *)(m->place + places + 1);
	return blk;
}

/* One running job's placement: {"rack": name, "gpus": integer} each. */
static enum pp_err read_place(json_t *pl, size_t i, struct pp_ctl_run_job *j,
			      struct pp_ctl_place **place, struct pp_errbuf *eb)
{
	size_t k;
	json_t *p;
	if (!json_is_array(pl))
		return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].placement: expected an array of "
				  "{\"rack\", \"gpus\"}", i);
	j->place = *place;
	j->nplace = json_array_size(pl);
	json_array_foreach(pl, k, p) {
		json_t *r = json_object_get(p, "rack"), *g = json_object_get(p, "gpus");
		if (!json_is_string(r) || !json_is_integer(g))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].placement[%zu]: expected "
					  "{\"rack\": name, \"gpus\": integer}", i, k);
		char at[64];
		snprintf(at, sizeof at, "running[%zu].placement[%zu]", i, k);
		enum pp_err e = unknown(p, &place_t, at, eb);
		if (e)
			return e;
		json_int_t n = json_integer_value(g);
		*(*place)++ = (struct pp_ctl_place){json_string_value(r), n < 0 ? 0
						    : n > PP_CTL_MAX_GPUS ? PP_CTL_MAX_GPUS : (int)n};
	}
	return PP_OK;
}

/* One running job's own curve (absent: none; checked further by the
 * controller: rising, concave). */
static enum pp_err read_curve(json_t *cv, size_t i, struct pp_ctl_run_job *j,
			      struct pp_errbuf *eb)
{
	j->ncurve = 0;
	if (!cv)
		return PP_OK;
	size_t k;
	json_t *p;
	if (!json_is_array(cv) || json_array_size(cv) > PP_CTL_CURVE_MAX)
		return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].curve: expected an array of 2 to "
				  "%d [cap_fraction, throughput] pairs", i, PP_CTL_CURVE_MAX);
	json_array_foreach(cv, k, p) {
		json_t *x = json_array_get(p, 0), *y = json_array_get(p, 1);
		if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(x) ||
		    !json_is_number(y))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].curve[%zu]: expected "
					  "[cap_fraction, throughput]", i, k);
		j->curve[k][0] = json_number_value(x);
		j->curve[k][1] = json_number_value(y);
	}
	j->ncurve = json_array_size(cv);
	return PP_OK;
}

/* A list member of the request: absent is empty, else an array. */
static int list_ok(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);
	return !v || json_is_array(v);
}

/* The jobs of a list, each an object read through t ("running[2]"). */
static enum pp_err read_jobs(json_t *list, const struct jtable *t, const char *name, void *dst,
			     size_t size, struct pp_errbuf *eb)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		char at[48];
		snprintf(at, sizeof at, "%s[%zu]", name, i);
		if (!json_is_object(v))
			return pp_err_set(eb, PP_ERR_PARSE, "%s: expected an object", at);
		enum pp_err e = jfields(v, t, (char *)dst + i * size, at, eb);
		if (e)
			return e;
	}
	return PP_OK;
}

static enum pp_err read_sync(json_t *root, struct sync_mem *m, struct pp_ctl_sync_req *q,
			     struct pp_errbuf *eb)
{
	json_t *racks = json_object_get(root, "racks"), *run = json_object_get(root, "running");
	json_t *pend = json_object_get(root, "pending"), *v;
	size_t i;
	enum pp_err e = unknown(root, &sync_t, NULL, eb);
	if (e)
		return e;
	if (!list_ok(root, "racks"))
		return pp_err_set(eb, PP_ERR_PARSE, "\"racks\": expected an array of rack names");
	json_array_foreach(racks, i, v) {
		if (!json_is_string(v))
			return pp_err_set(eb, PP_ERR_PARSE, "racks[%zu]: expected a rack name", i);
		m->racks[i] = json_string_value(v);
	}
	if (!list_ok(root, "running"))
		return pp_err_set(eb, PP_ERR_PARSE, "\"running\": expected an array of jobs");
	if ((e = read_jobs(run, &run_t, "running", m->running, sizeof *m->running, eb)))
		return e;
	struct pp_ctl_place *place = m->place;
	json_array_foreach(run, i, v)
		if ((e = read_place(json_object_get(v, "placement"), i, &m->running[i], &place, eb)) ||
		    (e = read_curve(json_object_get(v, "curve"), i, &m->running[i], eb)))
			return e;
	if (!list_ok(root, "pending"))
		return pp_err_set(eb, PP_ERR_PARSE, "\"pending\": expected an array of jobs");
	if ((e = read_jobs(pend, &pend_t, "pending", m->pending, sizeof *m->pending, eb)))
		return e;
	*q = (struct pp_ctl_sync_req){m->racks, json_array_size(racks), m->running,
				      json_array_size(run), m->pending, json_array_size(pend)};
	return PP_OK;
}

enum pp_err api_parse_sync(const char *body, size_t len, struct pp_ctl_sync_req *q,
			   struct api_doc *d, struct pp_errbuf *eb)
{
	memset(q, 0, sizeof *q);
	enum pp_err e = load(body, len, d, eb);
	if (e)
		return e;
	struct sync_mem m;
	if (!(d->mem = sync_alloc(d->root, &m)))
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	return read_sync(d->root, &m, q, eb);
}

/* --- the request bodies' JSON Schemas, for the OpenAPI document ---------- */

static void ref(struct pp_json *j, const char *name)
{
	char r[96];
	snprintf(r, sizeof r, "#/components/schemas/%s", name);
	pp_json_obj(j);
	pp_json_kstr(j, "$ref", r);
	pp_json_end(j);
}

/* The JSON Schema of one member (inside its object). */
static void field_schema(struct pp_json *j, const struct jfield *f)
{
	static const char *const type[] = {
		[JK_GPUS] = "integer", [JK_STR] = "string", [JK_ID] = "string",
		[JK_JOB] = "string", [JK_BOOL] = "boolean", [JK_CLASS] = "string",
		[JK_POSITIVE] = "number", [JK_WEIGHT] = "number", [JK_UNIX] = "integer",
		[JK_INT] = "integer", [JK_LIST] = "array", [JK_CURVE] = "array",
	};
	pp_json_kstr(j, "type", type[f->kind]);
	pp_json_kstr(j, "description", f->expect);
	switch (f->kind) {
	case JK_GPUS:
		pp_json_kint(j, "minimum", 1);
		pp_json_kint(j, "maximum", PP_CTL_MAX_GPUS);
		break;
	case JK_ID:
		pp_json_kint(j, "minLength", 1);
		pp_json_kint(j, "maxLength", PP_CTL_ID_MAX - 1);
		break;
	case JK_JOB:
		pp_json_kint(j, "minLength", 1);
		break;
	case JK_CLASS:
		pp_json_key(j, "enum");
		pp_json_arr(j);
		for (int c = 0; c < PP_JOB_CLASSES; c++)
			pp_json_str(j, pp_config_job_class_name((enum pp_job_class)c));
		pp_json_end(j);
		if (f->dflt >= 0)
			pp_json_kstr(j, "default", pp_config_job_class_name((enum pp_job_class)f->dflt));
		break;
	case JK_POSITIVE:
		pp_json_kint(j, "exclusiveMinimum", 0);
		break;
	case JK_WEIGHT:
		pp_json_kint(j, "exclusiveMinimum", 0);
		pp_json_kint(j, "exclusiveMaximum", 1000000);
		pp_json_knum(j, "default", f->dflt, 0);
		break;
	case JK_LIST:
		pp_json_key(j, "items");
		if (f->sub) {
			ref(j, f->sub->name);
		} else {
			pp_json_obj(j);
			pp_json_kstr(j, "type", "string");
			pp_json_end(j);
		}
		break;
	case JK_CURVE:
		pp_json_kint(j, "minItems", 2);
		pp_json_kint(j, "maxItems", PP_CTL_CURVE_MAX);
		pp_json_key(j, "items");
		pp_json_obj(j);
		pp_json_kstr(j, "type", "array");
		pp_json_kint(j, "minItems", 2);
		pp_json_kint(j, "maxItems", 2);
		pp_json_key(j, "items");
		pp_json_obj(j);
		pp_json_kstr(j, "type", "number");
		pp_json_end(j);
		pp_json_end(j);
		break;
	case JK_STR:
	case JK_BOOL:
	case JK_UNIX:
	case JK_INT:
		break;
	}
}

/* "NAME": {the object's schema}, with no member but those t names (as the
 * reader refuses any other). */
static void table_schema(struct pp_json *j, const struct jtable *t)
{
	pp_json_key(j, t->name);
	pp_json_obj(j);
	pp_json_kstr(j, "type", "object");
	pp_json_key(j, "properties");
	pp_json_obj(j);
	for (size_t i = 0; i < t->n; i++) {
		pp_json_key(j, t->f[i].key);
		pp_json_obj(j);
		field_schema(j, &t->f[i]);
		pp_json_end(j);
	}
	pp_json_end(j);
	pp_json_key(j, "required");
	pp_json_arr(j);
	for (size_t i = 0; i < t->n; i++)
		if (t->f[i].required)
			pp_json_str(j, t->f[i].key);
	pp_json_end(j);
	pp_json_kbool(j, "additionalProperties", 0);
	pp_json_end(j);
}

const char *api_body_name(enum api_body b)
{
	switch (b) {
	case AB_ADMIT: return admit_t.name;
	case AB_SYNC: return sync_t.name;
	case AB_EVENT: return event_t.name;
	case AB_NONE:
	case AB_LINES: break;
	}
	return NULL;
}

void api_body_schemas(struct pp_json *j)
{
	static const struct jtable *const all[] = {&admit_t, &event_t, &sync_t,
						   &run_t, &place_t, &pend_t};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		table_schema(j, all[i]);
}
