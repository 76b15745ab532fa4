/* codec.c - the controller's answers as JSON (docs/api.md has every
 * shape; openapi.c describes them). Writing goes through the one JSON
 * writer (json.h); requests are read in reqjson.c. */
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
	pp_json_kstr(&j, "rack", l->rack);
	if (l->per_rack_deprecated)
		pp_json_kstr(&j, "deprecated", "this rack names its compute nodes: lease per node "
			     "(GET /v1/caps?node=NODE); leases per rack go in a later release");
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

enum pp_err api_json_value(struct pp_buf *out, const struct pp_ctl_value *v)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_knum(&j, "planned_kw", v->planned_kw, 3);
	pp_json_knum(&j, "limit_kw", v->limit_kw, 3);
	pp_json_knum(&j, "objective", v->objective, 6);
	pp_json_knum(&j, "price", v->price, 6);
	pp_json_key(&j, "points");
	pp_json_arr(&j);
	for (size_t i = 0; i < v->n; i++) {
		pp_json_obj(&j);
		pp_json_knum(&j, "cut_kw", v->pt[i].cut_kw, 3);
		pp_json_knum(&j, "value_lost", v->pt[i].value_lost, 6);
		pp_json_kbool(&j, "proven", v->pt[i].proven);
		pp_json_kbool(&j, "shedding", v->pt[i].shedding);
		pp_json_end(&j);
	}
	pp_json_end(&j);
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
		pp_json_knum(&j, "demand_w", r->demand_w, 0);
		pp_json_kstr(&j, "why", r->why);
		pp_json_ksig(&j, "price", r->price, 4);
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
		pp_json_kint(&j, "since", h->since_s);
		if (h->until_s) {
			pp_json_kint(&j, "until", h->until_s);
			pp_json_kstr(&j, "until_event", h->until_id);
		}
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
	series(&j, "wetbulb_c", h->wetbulb_c, h->n);
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
		pp_json_kint(&j, "reserve", x->reserve);
		pp_json_knum(&j, "chw_supply_c", x->chw_supply_c, 1);
		if (x->cap_kw) {
			series(&j, "capacity_series_kw", x->cap_kw, h->n);
			series(&j, "heat_kw", x->heat_kw, h->n);
		}
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

enum pp_err api_json_notes(struct pp_buf *out, const struct pp_ctl_notes *n)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	pp_json_kint(&j, "total", (long long)n->total);
	pp_json_key(&j, "events");
	pp_json_arr(&j);
	for (size_t i = 0; i < n->n; i++) {
		const struct pp_ctl_note *x = &n->v[i];
		pp_json_obj(&j);
		pp_json_kint(&j, "seq", (long long)x->seq);
		pp_json_kint(&j, "time", x->t_s);
		pp_json_kstr(&j, "kind", x->kind);
		pp_json_kstr(&j, "severity", x->severity);
		pp_json_kstr(&j, "text", x->text);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_key(&j, "ahead");
	pp_json_arr(&j);
	for (size_t i = 0; i < n->nahead; i++) {
		const struct pp_ctl_ahead *x = &n->ahead[i];
		pp_json_obj(&j);
		pp_json_kstr(&j, "id", x->id);
		pp_json_kint(&j, "start", x->start_s);
		pp_json_kint(&j, "end", x->end_s);
		pp_json_knum(&j, "limit_kw", x->limit_kw, 1);
		pp_json_kbool(&j, "signalled", x->signalled);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_end(&j);
	return finish(&j);
}
