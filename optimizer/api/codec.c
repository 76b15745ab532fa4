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

enum pp_err api_json_lease(struct pp_buf *out, const char *node, const struct pp_ctl_lease *l)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kstr(&j, "node", node);
	pp_json_kint(&j, "lease_expires", l->expires_s);
	pp_json_kint(&j, "ttl_s", l->ttl_s);
	pp_json_kint(&j, "gpus", l->gpus);
	pp_json_kstr(&j, "gpu_model", l->gpu_model);
	pp_json_knum(&j, "cap_min_w", l->cap_min_w, 0);
	pp_json_knum(&j, "cap_max_w", l->cap_max_w, 0);
	pp_json_key(&j, "caps");
	pp_json_arr(&j);
	pp_json_obj(&j);
	pp_json_kstr(&j, "job", l->job);
	pp_json_kint(&j, "gpus", l->gpus);
	pp_json_knum(&j, "cap_w", l->cap_w, 1);
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
			pp_json_knum(&j, "cap_w", r->cap_w, 1);
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
		pp_json_knum(&j, "cap_w", a->cap_w, 0);
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
		pp_json_knum(&j, "cap_w", a->running_cap_w[i], 1);
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
		pp_json_knum(&j, "cap_w", r->cap_w, 0);
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

/* Parses a body that must be one JSON object into d->root. */
static enum pp_err load(const char *body, size_t len, struct api_doc *d, struct pp_errbuf *eb)
{
	d->root = d->mem = NULL;
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	if (!root)
		return pp_err_set(eb, PP_ERR_PARSE, "line %d column %d: %s", je.line, je.column,
				  je.text);
	d->root = root;
	if (!json_is_object(root))
		return pp_err_set(eb, PP_ERR_PARSE, "expected a JSON object");
	return PP_OK;
}

enum pp_err api_parse_admit(const char *body, size_t len, struct pp_ctl_admit_req *q,
			    struct api_doc *d, struct pp_errbuf *eb)
{
	memset(q, 0, sizeof *q);
	enum pp_err e = load(body, len, d, eb);
	if (e)
		return e;
	json_t *root = d->root;
	json_t *g = json_object_get(root, "gpus"), *hl = json_object_get(root, "hall");
	json_t *df = json_object_get(root, "deferrable"), *cl = json_object_get(root, "class");
	if (!json_is_integer(g) || json_integer_value(g) < 1 ||
	    json_integer_value(g) > PP_CTL_MAX_GPUS)
		return pp_err_set(eb, PP_ERR_PARSE, "\"gpus\": expected an integer from 1 to %d",
				  PP_CTL_MAX_GPUS);
	if (hl && !json_is_string(hl))
		return pp_err_set(eb, PP_ERR_PARSE, "\"hall\": expected a string");
	if (df && !json_is_boolean(df))
		return pp_err_set(eb, PP_ERR_PARSE, "\"deferrable\": expected true or false");
	if (cl && (!json_is_string(cl) || pp_config_job_class(json_string_value(cl)) < 0))
		return pp_err_set(eb, PP_ERR_PARSE, "\"class\": expected training, inference or batch");
	q->gpus = (int)json_integer_value(g);
	q->hall = hl ? json_string_value(hl) : NULL;
	q->cls = cl ? pp_config_job_class(json_string_value(cl)) : -1;
	q->deferrable = df && json_is_true(df);
	return PP_OK;
}

enum pp_err api_parse_event(const char *body, size_t len, struct pp_ctl_event_req *q,
			    struct api_doc *d, struct pp_errbuf *eb)
{
	memset(q, 0, sizeof *q);
	enum pp_err e = load(body, len, d, eb);
	if (e)
		return e;
	json_t *root = d->root;
	json_t *id = json_object_get(root, "id"), *lim = json_object_get(root, "limit_kw");
	json_t *st = json_object_get(root, "start"), *en = json_object_get(root, "end");
	if (!json_is_string(id) || !*json_string_value(id) ||
	    strlen(json_string_value(id)) >= PP_CTL_ID_MAX)
		return pp_err_set(eb, PP_ERR_PARSE, "\"id\": expected a name of 1 to %d characters",
				  PP_CTL_ID_MAX - 1);
	if (!json_is_number(lim) || !(json_number_value(lim) > 0) ||
	    !isfinite(json_number_value(lim)))
		return pp_err_set(eb, PP_ERR_PARSE, "\"limit_kw\": expected a number above 0");
	if (st && !json_is_integer(st))
		return pp_err_set(eb, PP_ERR_PARSE, "\"start\": expected Unix seconds (integer)");
	if (!json_is_integer(en))
		return pp_err_set(eb, PP_ERR_PARSE, "\"end\": expected Unix seconds (integer)");
	q->id = json_string_value(id);
	q->limit_kw = json_number_value(lim);
	q->has_start = st != NULL;
	q->start_s = st ? json_integer_value(st) : 0;
	q->end_s = json_integer_value(en);
	return PP_OK;
}

/* Checks the running jobs' shape. */
static enum pp_err check_running(json_t *run, size_t *places, struct pp_errbuf *eb)
{
	size_t i, k;
	json_t *v, *p;
	if (run && !json_is_array(run))
		return pp_err_set(eb, PP_ERR_PARSE, "\"running\": expected an array of jobs");
	json_array_foreach(run, i, v) {
		json_t *id = json_object_get(v, "id"), *cl = json_object_get(v, "class");
		json_t *w = json_object_get(v, "weight"), *pl = json_object_get(v, "placement");
		if (!json_is_string(id) || !*json_string_value(id))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].id: expected a job id", i);
		if (cl && (!json_is_string(cl) || pp_config_job_class(json_string_value(cl)) < 0))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].class: expected training, "
					  "inference or batch", i);
		if (w && (!json_is_number(w) || !(json_number_value(w) > 0) ||
			  json_number_value(w) >= 1e6))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].weight: expected a number "
					  "in (0, 1e6)", i);
		if (!json_is_array(pl))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].placement: expected an array "
					  "of {\"rack\", \"gpus\"}", i);
		json_array_foreach(pl, k, p)
			if (!json_is_string(json_object_get(p, "rack")) ||
			    !json_is_integer(json_object_get(p, "gpus")))
				return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].placement[%zu]: "
						  "expected {\"rack\": name, \"gpus\": integer}", i, k);
		*places += json_array_size(pl);
	}
	return PP_OK;
}

/* Checks the shape of a sync request; *places counts the placements. */
static enum pp_err check_sync(json_t *root, size_t *places, struct pp_errbuf *eb)
{
	json_t *racks = json_object_get(root, "racks"), *pend = json_object_get(root, "pending");
	json_t *v;
	size_t i;
	*places = 0;
	if (racks && !json_is_array(racks))
		return pp_err_set(eb, PP_ERR_PARSE, "\"racks\": expected an array of rack names");
	json_array_foreach(racks, i, v)
		if (!json_is_string(v))
			return pp_err_set(eb, PP_ERR_PARSE, "racks[%zu]: expected a rack name", i);
	enum pp_err e = check_running(json_object_get(root, "running"), places, eb);
	if (e)
		return e;
	if (pend && !json_is_array(pend))
		return pp_err_set(eb, PP_ERR_PARSE, "\"pending\": expected an array of jobs");
	json_array_foreach(pend, i, v) {
		json_t *id = json_object_get(v, "id"), *g = json_object_get(v, "gpus");
		if (!json_is_string(id) || !*json_string_value(id))
			return pp_err_set(eb, PP_ERR_PARSE, "pending[%zu].id: expected a job id", i);
		if (!json_is_integer(g) || json_integer_value(g) < 1 ||
		    json_integer_value(g) > PP_CTL_MAX_GPUS)
			return pp_err_set(eb, PP_ERR_PARSE, "pending[%zu].gpus: expected an integer "
					  "from 1 to %d", i, PP_CTL_MAX_GPUS);
	}
	return PP_OK;
}

/* The arrays a sync request points into, in one block (d->mem). */
struct sync_mem {
	const char **racks;
	struct pp_ctl_run_job *running;
	struct pp_ctl_pend_job *pending;
	struct pp_ctl_place *place;
};

static void fill_running(json_t *run, struct pp_ctl_run_job *out, struct pp_ctl_place *place)
{
	size_t i, k;
	json_t *v, *p;
	json_array_foreach(run, i, v) {
		json_t *cl = json_object_get(v, "class"), *w = json_object_get(v, "weight");
		json_t *pl = json_object_get(v, "placement");
		struct pp_ctl_run_job *j = &out[i];
		j->id = json_string_value(json_object_get(v, "id"));
		j->cls = cl ? pp_config_job_class(json_string_value(cl)) : PP_JOB_TRAINING;
		j->weight = w ? json_number_value(w) : 1;
		j->place = place;
		j->nplace = json_array_size(pl);
		json_array_foreach(pl, k, p) {
			json_int_t g = json_integer_value(json_object_get(p, "gpus"));
			*place++ = (struct pp_ctl_place){json_string_value(json_object_get(p, "rack")),
							 g < 0 ? 0 : g > PP_CTL_MAX_GPUS
							 ? PP_CTL_MAX_GPUS : (int)g};
		}
	}
}

enum pp_err api_parse_sync(const char *body, size_t len, struct pp_ctl_sync_req *q,
			   struct api_doc *d, struct pp_errbuf *eb)
{
	memset(q, 0, sizeof *q);
	size_t places;
	enum pp_err e = load(body, len, d, eb);
	if (e || (e = check_sync(d->root, &places, eb)))
		return e;
	json_t *racks = json_object_get(d->root, "racks"), *run = json_object_get(d->root, "running");
	json_t *pend = json_object_get(d->root, "pending"), *v;
	size_t nr = json_array_size(racks), nj = json_array_size(run), np = json_array_size(pend);
	size_t sz = (nr + 1) * sizeof(char *) + (nj + 1) * sizeof(struct pp_ctl_run_job) +
		    (np + 1) * sizeof(struct pp_ctl_pend_job) +
		    (places + 1) * sizeof(struct pp_ctl_place);
	char *blk = calloc(1, sz);
	if (!blk)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	d->mem = blk;
	/* Largest alignment first: every member is pointer-aligned or more. */
	struct sync_mem m;
	m.running = (struct pp_ctl_run_job *)blk;
	m.pending = (struct pp_ctl_pend_job *)(m.running + nj + 1);
	m.place = (struct pp_ctl_place *)(m.pending + np + 1);
	m.racks = (const char **)(m.place + places + 1);
	size_t i;
	json_array_foreach(racks, i, v)
		m.racks[i] = json_string_value(v);
	fill_running(run, m.running, m.place);
	json_array_foreach(pend, i, v) {
		m.pending[i].id = json_string_value(json_object_get(v, "id"));
		m.pending[i].gpus = (int)json_integer_value(json_object_get(v, "gpus"));
	}
	*q = (struct pp_ctl_sync_req){m.racks, nr, m.running, nj, m.pending, np};
	return PP_OK;
}
