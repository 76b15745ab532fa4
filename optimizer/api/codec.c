/* codec.c - the controller's answers as JSON and its requests from JSON
 * (docs/api.md has every shape). Writing goes through the one JSON writer
 * (json.h), reading through jansson; nothing else in powerpark's control
 * plane sees JSON. A request is checked whole before it is handed over, so
 * a bad one changes nothing. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "powerpark/json.h"

/* Ends a document: its closing newline, and the writer's verdict. */
static enum pp_err finish(struct pp_json *j)
{
	enum pp_err e = pp_json_done(j);
	return e ? e : pp_buf_append(j->out, "\n", 1);
}

enum pp_err api_json_error(struct pp_buf *out, const char *msg)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kstr(&j, "error", msg);
	pp_json_end(&j);
	return finish(&j);
}

enum pp_err api_json_ready(struct pp_buf *out, int ready, const char *why)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kbool(&j, "ready", ready);
	if (!ready)
		pp_json_kstr(&j, "reason", why);
	pp_json_end(&j);
	return finish(&j);
}

enum pp_err api_json_lease(struct pp_buf *out, const char *node, const struct pp_ctl_lease *l,
			   long long epoch)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kstr(&j, "node", node);
	pp_json_kint(&j, "epoch", epoch);
	pp_json_kint(&j, "lease_expires", l->expires_s);
	pp_json_kint(&j, "ttl_s", l->ttl_s);
	pp_json_kint(&j, "gpus", l->gpus);
	pp_json_kstr(&j, "gpu_model", l->gpu_model);
	pp_json_knum(&j, "cap_min_w", l->cap_min_w, 0);
	pp_json_knum(&j, "cap_max_w", l->cap_max_w, 0);
	pp_json_key(&j, "caps");
	pp_json_arr(&j);
	pp_json_obj(&j);
	pp_json_kstr(&j, "job", l->job[0] ? l->job : l->rack);
	pp_json_kint(&j, "gpus", l->gpus);
	pp_json_kcap(&j, "cap_w", l->cap_w, 1);
	pp_json_kstr(&j, "action", l->idle ? "idle" : "run");
	pp_json_knum(&j, "floor_w", l->floor_w, 1);
	pp_json_knum(&j, "ramp_down_w_per_s", l->ramp_down_w_per_s, 3);
	pp_json_end(&j);
	pp_json_end(&j);
	pp_json_end(&j);
	return finish(&j);
}

/* The members of one level (inside its object). */
static void level(struct pp_json *j, const struct pp_ctl_level *l)
{
	pp_json_kstr(j, "name", l->name);
	pp_json_knum(j, "limit_kw", l->limit_kw, 3);
	pp_json_knum(j, "usable_kw", l->usable_kw, 3);
	pp_json_knum(j, "measured_kw", l->measured_kw, 3);
	pp_json_knum(j, "allocated_kw", l->allocated_kw, 3);
	pp_json_knum(j, "headroom_kw", l->headroom_kw, 3);
}

static void levels(struct pp_json *j, const char *key, const struct pp_ctl_level *l, size_t n)
{
	pp_json_key(j, key);
	pp_json_arr(j);
	for (size_t i = 0; i < n; i++) {
		pp_json_obj(j);
		level(j, &l[i]);
		pp_json_end(j);
	}
	pp_json_end(j);
}

enum pp_err api_json_budget(struct pp_buf *out, const struct pp_ctl_budget *b, int halls_only)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kstr(&j, "site", b->site);
	pp_json_kint(&j, "time", b->time_s);
	pp_json_kstr(&j, "status", b->status);
	pp_json_kstr(&j, "binding", b->binding);
	pp_json_kint(&j, "stale_racks", b->stale_racks);
	pp_json_key(&j, "grid");
	pp_json_obj(&j);
	level(&j, &b->grid);
	pp_json_end(&j);
	levels(&j, "halls", b->halls, b->nhalls);
	if (!halls_only) {
		levels(&j, "rows", b->rows, b->nrows);
		pp_json_key(&j, "racks");
		pp_json_arr(&j);
		for (size_t i = 0; i < b->nracks; i++) {
			const struct pp_ctl_rack_level *r = &b->racks[i];
			pp_json_obj(&j);
			level(&j, &r->l);
			pp_json_kcap(&j, "cap_w", r->cap_w, 1);
			pp_json_knum(&j, "demand_w", r->demand_w, 1);
			pp_json_knum(&j, "unexplained_kw", r->unexplained_kw, 3);
			pp_json_kbool(&j, "stale", r->stale);
			pp_json_end(&j);
		}
		pp_json_end(&j);
	}
	levels(&j, "plants", b->plants, b->nplants);
	pp_json_end(&j);
	return finish(&j);
}

enum pp_err api_json_forecast(struct pp_buf *out, const struct pp_ctl_forecast *f)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kint(&j, "hours", f->hours);
	pp_json_kstr(&j, "weather", f->weather);
	pp_json_key(&j, "buckets");
	pp_json_arr(&j);
	for (int h = 0; h < f->hours; h++) {
		const struct pp_ctl_bucket *b = &f->b[h];
		pp_json_obj(&j);
		pp_json_kint(&j, "start", b->start_s);
		pp_json_knum(&j, "grid_limit_kw", b->grid_limit_kw, 1);
		pp_json_knum(&j, "drybulb_c", b->drybulb_c, 1);
		pp_json_knum(&j, "wetbulb_c", b->wetbulb_c, 1);
		pp_json_knum(&j, "cooling_kw_per_kw", b->cooling_kw_per_kw, 4);
		pp_json_knum(&j, "cooling_capacity_kw", b->cooling_capacity_kw, 3);
		pp_json_knum(&j, "it_kw", b->it_kw, 1);
		pp_json_knum(&j, "headroom_kw", b->headroom_kw, 1);
		pp_json_knum(&j, "free_kw", b->free_kw, 1);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_end(&j);
	return finish(&j);
}

enum pp_err api_json_admit(struct pp_buf *out, const struct pp_ctl_admit_ans *a)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kstr(&j, "decision", pp_ctl_decision_name(a->decision));
	if (a->decision == PP_CTL_ADMIT || a->decision == PP_CTL_PLACE) {
		pp_json_kstr(&j, "hall", a->hall);
		pp_json_kcap(&j, "cap_w", a->cap_w, 0);
	} else if (a->decision == PP_CTL_START_AFTER) {
		pp_json_kint(&j, "start_after", a->start_after_s);
	}
	pp_json_kstr(&j, "reason", a->reason);
	pp_json_end(&j);
	return finish(&j);
}

enum pp_err api_json_event(struct pp_buf *out, const struct pp_ctl_event_ans *a)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kstr(&j, "id", a->id);
	pp_json_knum(&j, "limit_kw", a->limit_kw, 3);
	pp_json_kint(&j, "start", a->start_s);
	pp_json_kint(&j, "end", a->end_s);
	pp_json_kbool(&j, "in_force", a->in_force);
	pp_json_knum(&j, "limit_in_force_kw", a->limit_in_force_kw, 3);
	pp_json_end(&j);
	return finish(&j);
}

enum pp_err api_json_sync(struct pp_buf *out, const struct pp_ctl_sync_req *q,
			  const struct pp_ctl_sync_ans *a)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kstr(&j, "binding", a->binding);
	pp_json_knum(&j, "grid_limit_kw", a->grid_limit_kw, 3);
	pp_json_key(&j, "pending");
	pp_json_arr(&j);
	for (size_t i = 0; i < q->npending; i++) {
		pp_json_obj(&j);
		pp_json_kstr(&j, "id", q->pending[i].id);
		pp_json_kstr(&j, "decision", a->pending[i].start ? "start" : "hold");
		pp_json_kstr(&j, "reason", a->pending[i].reason);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_key(&j, "running");
	pp_json_arr(&j);
	for (size_t i = 0; i < q->nrunning; i++) {
		pp_json_obj(&j);
		pp_json_kstr(&j, "id", q->running[i].id);
		pp_json_kcap(&j, "cap_w", a->running_cap_w[i], 1);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_key(&j, "ignored_racks");
	pp_json_arr(&j);
	for (size_t i = 0; i < a->nignored; i++)
		pp_json_str(&j, a->ignored[i]);
	pp_json_end(&j);
	pp_json_end(&j);
	return finish(&j);
}

enum pp_err api_json_jobs(struct pp_buf *out, const struct pp_ctl_jobs *jb)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_key(&j, "running");
	pp_json_arr(&j);
	for (size_t i = 0; i < jb->nrunning; i++) {
		const struct pp_ctl_running *r = &jb->running[i];
		pp_json_obj(&j);
		pp_json_kstr(&j, "job", r->job);
		pp_json_kstr(&j, "rack", r->rack);
		pp_json_kstr(&j, "class", pp_config_job_class_name(r->cls));
		pp_json_ksig(&j, "weight", r->weight, 6);
		pp_json_kint(&j, "gpus", r->gpus);
		pp_json_kcap(&j, "cap_w", r->cap_w, 0);
		pp_json_knum(&j, "cap_max_w", r->cap_max_w, 0);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_key(&j, "held");
	pp_json_arr(&j);
	for (size_t i = 0; i < jb->nheld; i++) {
		const struct pp_ctl_held *h = &jb->held[i];
		pp_json_obj(&j);
		pp_json_kstr(&j, "job", h->id);
		pp_json_kint(&j, "gpus", h->gpus);
		pp_json_kint(&j, "waiting_s", h->waiting_s);
		pp_json_kstr(&j, "reason", h->reason);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_end(&j);
	return finish(&j);
}

static void series(struct pp_json *j, const char *key, const float *v, size_t n)
{
	pp_json_key(j, key);
	pp_json_arr(j);
	for (size_t i = 0; i < n; i++)
		pp_json_num(j, (double)v[i], 1);
	pp_json_end(j);
}

/* The floor plan (racks per row, per hall) for the heat map. */
static void layout(struct pp_json *j, const struct pp_config *cfg)
{
	pp_json_key(j, "layout");
	pp_json_arr(j);
	for (size_t h = 0; h < cfg->nhalls; h++) {
		pp_json_arr(j);
		for (size_t r = 0; r < cfg->halls[h].nrows; r++)
			pp_json_uint(j, cfg->halls[h].rows[r].nracks);
		pp_json_end(j);
	}
	pp_json_end(j);
}

enum pp_err api_json_history(struct pp_buf *out, const struct pp_ctl_history *h)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_knum(&j, "utc_offset_s", h->utc_offset_s, 0);
	pp_json_key(&j, "t");
	pp_json_arr(&j);
	for (size_t i = 0; i < h->n; i++)
		pp_json_int(&j, h->t_s[i]);
	pp_json_end(&j);
	series(&j, "grid_kw", h->grid_kw, h->n);
	series(&j, "limit_kw", h->limit_kw, h->n);
	series(&j, "it_kw", h->it_kw, h->n);
	series(&j, "cooling_kw", h->cooling_kw, h->n);
	series(&j, "cooling_capacity_kw", h->cooling_capacity_kw, h->n);
	series(&j, "held_gpus", h->held_gpus, h->n);
	pp_json_key(&j, "halls");
	pp_json_arr(&j);
	for (size_t k = 0; k < h->nhalls; k++) {
		pp_json_obj(&j);
		pp_json_kstr(&j, "name", h->halls[k].name);
		pp_json_knum(&j, "limit_kw", h->halls[k].limit_kw, 1);
		series(&j, "kw", h->halls[k].kw, h->n);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	layout(&j, h->cfg);
	pp_json_key(&j, "plants");
	pp_json_arr(&j);
	for (size_t p = 0; p < h->nplants; p++) {
		const struct pp_ctl_hist_plant *x = &h->plants[p];
		pp_json_obj(&j);
		pp_json_kstr(&j, "name", x->name);
		pp_json_knum(&j, "capacity_kw", isfinite(x->capacity_kw) ? x->capacity_kw : -1, 1);
		pp_json_key(&j, "tripped");
		pp_json_arr(&j);
		for (size_t k = 0; k < x->ntripped; k++)
			pp_json_str(&j, x->tripped[k]);
		pp_json_end(&j);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_end(&j);
	return finish(&j);
}

/* --- requests ---------------------------------------------------------- */

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
};

struct jfield {
	const char *key;
	enum jkind kind;
	int required;
	size_t off;
	const char *expect;
	double dflt;
};

/* Whether v (not NULL) is what f asks for. */
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
	}
}

/* Reads the members of obj that the n fields name into dst; list and idx
 * say where obj is ("pending", 3), NULL for the request itself. */
static enum pp_err jfields(json_t *obj, const struct jfield *fs, size_t n, void *dst,
			   const char *list, size_t idx, struct pp_errbuf *eb)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(obj, fs[i].key);
		if ((v || fs[i].required) && !(v && jfield_ok(&fs[i], v))) {
			if (list)
				return pp_err_set(eb, PP_ERR_PARSE, "%s[%zu].%s: expected %s", list, idx,
						  fs[i].key, fs[i].expect);
			return pp_err_set(eb, PP_ERR_PARSE, "\"%s\": expected %s", fs[i].key,
					  fs[i].expect);
		}
	}
	for (size_t i = 0; i < n; i++)
		jfield_put(&fs[i], json_object_get(obj, fs[i].key), dst);
	return PP_OK;
}

#define EXPECT_GPUS "an integer from 1 to 1000000"
#define EXPECT_CLASS "training, inference or batch"

static const struct jfield admit_fields[] = {
	{"gpus", JK_GPUS, 1, offsetof(struct pp_ctl_admit_req, gpus), EXPECT_GPUS, 0},
	{"hall", JK_STR, 0, offsetof(struct pp_ctl_admit_req, hall), "a string", 0},
	{"deferrable", JK_BOOL, 0, offsetof(struct pp_ctl_admit_req, deferrable),
	 "true or false", 0},
	{"class", JK_CLASS, 0, offsetof(struct pp_ctl_admit_req, cls), EXPECT_CLASS, -1},
};

static const struct jfield event_fields[] = {
	{"id", JK_ID, 1, offsetof(struct pp_ctl_event_req, id), "a name of 1 to 63 characters", 0},
	{"limit_kw", JK_POSITIVE, 1, offsetof(struct pp_ctl_event_req, limit_kw),
	 "a number above 0", 0},
	{"start", JK_UNIX, 0, offsetof(struct pp_ctl_event_req, start_s),
	 "Unix seconds (integer)", 0},
	{"end", JK_UNIX, 1, offsetof(struct pp_ctl_event_req, end_s), "Unix seconds (integer)", 0},
};

static const struct jfield run_fields[] = {
	{"id", JK_JOB, 1, offsetof(struct pp_ctl_run_job, id), "a job id", 0},
	{"class", JK_CLASS, 0, offsetof(struct pp_ctl_run_job, cls), EXPECT_CLASS, PP_JOB_TRAINING},
	{"weight", JK_WEIGHT, 0, offsetof(struct pp_ctl_run_job, weight), "a number in (0, 1e6)", 1},
};

static const struct jfield pend_fields[] = {
	{"id", JK_JOB, 1, offsetof(struct pp_ctl_pend_job, id), "a job id", 0},
	{"gpus", JK_GPUS, 1, offsetof(struct pp_ctl_pend_job, gpus), EXPECT_GPUS, 0},
};

#define NFIELDS(t) (sizeof t / sizeof t[0])

enum pp_err api_parse_admit(const char *body, size_t len, struct pp_ctl_admit_req *q,
			    struct api_doc *d, struct pp_errbuf *eb)
{
	memset(q, 0, sizeof *q);
	enum pp_err e = load(body, len, d, eb);
	return e ? e : jfields(d->root, admit_fields, NFIELDS(admit_fields), q, NULL, 0, eb);
}

enum pp_err api_parse_event(const char *body, size_t len, struct pp_ctl_event_req *q,
			    struct api_doc *d, struct pp_errbuf *eb)
{
	memset(q, 0, sizeof *q);
	enum pp_err e = load(body, len, d, eb);
	e = e ? e : jfields(d->root, event_fields, NFIELDS(event_fields), q, NULL, 0, eb);
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
		json_int_t n = json_integer_value(g);
		*(*place)++ = (struct pp_ctl_place){json_string_value(r), n < 0 ? 0
						    : n > PP_CTL_MAX_GPUS ? PP_CTL_MAX_GPUS : (int)n};
	}
	return PP_OK;
}

/* A list member of the request: absent is empty, else an array. */
static int list_ok(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);
	return !v || json_is_array(v);
}

static enum pp_err read_sync(json_t *root, struct sync_mem *m, struct pp_ctl_sync_req *q,
			     struct pp_errbuf *eb)
{
	json_t *racks = json_object_get(root, "racks"), *run = json_object_get(root, "running");
	json_t *pend = json_object_get(root, "pending"), *v;
	size_t i;
	enum pp_err e = PP_OK;
	if (!list_ok(root, "racks"))
		return pp_err_set(eb, PP_ERR_PARSE, "\"racks\": expected an array of rack names");
	json_array_foreach(racks, i, v) {
		if (!json_is_string(v))
			return pp_err_set(eb, PP_ERR_PARSE, "racks[%zu]: expected a rack name", i);
		m->racks[i] = json_string_value(v);
	}
	if (!list_ok(root, "running"))
		return pp_err_set(eb, PP_ERR_PARSE, "\"running\": expected an array of jobs");
	struct pp_ctl_place *place = m->place;
	json_array_foreach(run, i, v) {
		e = jfields(v, run_fields, NFIELDS(run_fields), &m->running[i], "running", i, eb);
		e = e ? e : read_place(json_object_get(v, "placement"), i, &m->running[i], &place, eb);
		if (e)
			return e;
	}
	if (!list_ok(root, "pending"))
		return pp_err_set(eb, PP_ERR_PARSE, "\"pending\": expected an array of jobs");
	json_array_foreach(pend, i, v)
		if ((e = jfields(v, pend_fields, NFIELDS(pend_fields), &m->pending[i], "pending", i,
				 eb)))
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
