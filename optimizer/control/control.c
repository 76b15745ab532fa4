/* control.c - the live state of a park and one control cycle over it (see
 * control.h). The instance keeps the shape of the power tree (site, halls,
 * rows, racks); each rack's GPUs are one job until a scheduler names jobs.
 * Safety before throughput, in this order: stale readings count at their
 * worst, a solver failure sends every GPU to its floor, caps fall at once and
 * rise only after two cycles agree, by a bounded step. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/config.h"
#include "powerpark/curve.h"
#include "powerpark/inst.h"
#include "powerpark/log.h"

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static enum pp_err build_plants(struct pp_ctl *c, struct pp_errbuf *eb)
{
	const struct pp_config *cfg = c->cfg;
	c->plants = calloc(cfg->nplants + 1, sizeof *c->plants);
	if (!c->plants)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (size_t p = 0; p < cfg->nplants; p++) {
		const struct pp_plant *pc = &cfg->plants[p];
		struct cplant *cp = &c->plants[p];
		if ((cp->chillers = pp_plant_of_config(pc, &cp->model)) < 0)
			return pp_err_set(eb, PP_ERR_CONFIG, "plant %s: chiller model unknown", pc->name);
		for (size_t s = 0; s < pc->nserves; s++)
			for (size_t h = 0; h < cfg->nhalls; h++)
				if (!strcmp(cfg->halls[h].name, pc->serves[s]))
					cp->hall_mask |= 1ull << (h < 63 ? h : 63);
	}
	return PP_OK;
}

static int index_racks(struct pp_ctl *c);

enum pp_err pp_ctl_create(const struct pp_config *cfg, const struct pp_ctl_opts *o,
			  struct pp_ctl **out, struct pp_errbuf *eb)
{
	*out = NULL;
	struct pp_ctl *c = calloc(1, sizeof *c);
	if (!c)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	c->cfg = cfg;
	c->opt.period_ms = o && o->period_ms > 0 ? o->period_ms : 1000;
	c->opt.lease_s = o && o->lease_s > 0 ? o->lease_s : 10;
	c->opt.stale_polls = o && o->stale_polls > 0 ? o->stale_polls : 3;
	c->opt.rise_w_per_s = o && o->rise_w_per_s > 0 ? o->rise_w_per_s : 50;
	pthread_mutex_init(&c->mu, NULL);
	pp_curve_class(PP_JOB_TRAINING, &c->curve_param);
	enum pp_err e = PP_ERR_NOMEM;
	if (pp_buf_array_grow(&c->ev, &c->capev, cfg->site.nevents + 1, sizeof *c->ev))
		goto fail_nomem;
	for (size_t i = 0; i < cfg->site.nevents; i++) {
		const struct pp_grid_event *ev = &cfg->site.events[i];
		struct cevent *ce = &c->ev[c->nev++];
		snprintf(ce->id, sizeof ce->id, "%s", ev->name ? ev->name : "");
		ce->start_s = ev->start_s;
		ce->end_s = ev->end_s;
		ce->limit_kw = ev->limit_kw;
	}
	size_t nr = 0, nrows = 0;
	for (size_t h = 0; h < cfg->nhalls; h++)
		for (size_t r = 0; r < cfg->halls[h].nrows; r++, nrows++)
			nr += cfg->halls[h].rows[r].nracks;
	c->racks = calloc(nr + 1, sizeof *c->racks);
	c->nodes = calloc(1 + cfg->nhalls + nrows + nr, sizeof *c->nodes);
	c->ans_kw = calloc(1 + cfg->nhalls + nrows + nr, sizeof *c->ans_kw);
	if (!c->racks || !c->nodes || !c->ans_kw)
		goto fail_nomem;
	if (cfg->nhalls > 64 || cfg->nplants > 64) {
		e = pp_err_set(eb, PP_ERR_CONFIG, "optimize handles up to 64 halls and 64 plants");
		goto fail;
	}
	c->nodes[c->nnodes++] = (struct cnode){cfg->site.name, -1, cfg->site_limit_kw, 0, -1};
	for (size_t h = 0; h < cfg->nhalls; h++) {
		const struct pp_hall *hc = &cfg->halls[h];
		int hn = (int)c->nnodes;
		if (h < 64)
			c->hall_node[h] = hn;
		c->nodes[c->nnodes++] = (struct cnode){hc->name, 0, hc->limit_kw, hc->base_kw, -1};
		for (size_t r = 0; r < hc->nrows; r++) {
			const struct pp_row *rc = &hc->rows[r];
			int rn = (int)c->nnodes;
			c->nodes[c->nnodes++] = (struct cnode){rc->name, hn, rc->limit_kw, 0, -1};
			for (size_t k = 0; k < rc->nracks; k++) {
				const struct pp_rack *kc = &rc->racks[k];
				struct crack *cr = &c->racks[c->nracks];
				cr->cfg = kc;
				cr->hall = (int)h;
				cr->node = (int)c->nnodes;
				cr->gpu = pp_gpu_find(kc->gpu_model ? kc->gpu_model : "H100-SXM");
				if (!cr->gpu) {
					e = pp_err_set(eb, PP_ERR_CONFIG, "rack %s: GPU model %s unknown",
						    kc->name, kc->gpu_model);
					goto fail;
				}
				cr->interval_ms = kc->device ? kc->device->interval_ms : 0;
				cr->cap_w = cr->gpu->cap_min_w; /* until the first solve */
				for (int q = 0; q < PP_CTL_CAP_HIST; q++)
					cr->cap_hist[q] = cr->cap_w;
				cr->target_w = cr->cap_w;
				cr->demand_w = cr->gpu->cap_max_w;
				cr->weight = 1;
				cr->cls = PP_JOB_TRAINING;
				if (!c->hall_gpu[h])
					c->hall_gpu[h] = cr->gpu;
				/* The class curve over the GPU's range, once. */
				pp_curve_tabulate(&c->curve_param, cr->gpu->cap_min_w,
						  cr->gpu->cap_max_w, PP_CURVE_POINTS, &cr->curve);
				c->nodes[c->nnodes++] =
					(struct cnode){kc->name, rn, kc->limit_kw, kc->base_kw, (int)c->nracks};
				c->nracks++;
			}
		}
	}
	if ((e = build_plants(c, eb)))
		goto fail;
	if (cfg->site.weather_epw && (e = pp_weather_load(cfg->site.weather_epw, &c->epw, eb))) {
		char why[PP_ERRLEN];
		snprintf(why, sizeof why, "%s", eb->msg); /* eb is written below */
		e = pp_err_set(eb, PP_ERR_CONFIG, "%s:%d:%d: site.weather: %s", cfg->site.weather_pos.file,
			    cfg->site.weather_pos.line, cfg->site.weather_pos.col, why);
		goto fail;
	}
	/* Base power under each node, for breach checks on readings. */
	c->node_meas_kw = calloc(c->nnodes, sizeof *c->node_meas_kw);
	c->node_base_kw = calloc(c->nnodes, sizeof *c->node_base_kw);
	c->node_unread = calloc(c->nnodes, sizeof *c->node_unread);
	if (!c->node_meas_kw || !c->node_base_kw || !c->node_unread || index_racks(c) ||
	    pp_ctl_osc_init(c))
		goto fail_nomem;
	for (size_t i = 0; i < c->nracks; i++)
		for (int n = c->racks[i].node; n >= 0; n = c->nodes[n].parent)
			c->node_unread[n]++;
	for (size_t k = 0; k < c->nnodes; k++)
		if (c->nodes[k].rack < 0)
			for (int n = (int)k; n >= 0; n = c->nodes[n].parent)
				c->node_base_kw[n] += c->nodes[k].base_kw;
	c->weather_db = NAN;
	c->binding[0] = 0;
	*out = c;
	return PP_OK;
fail_nomem:
	e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
fail:
	pp_ctl_destroy(c);
	return e;
}

void pp_ctl_destroy(struct pp_ctl *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->racks);
	free(c->nodes);
	free(c->ans_kw);
	free(c->plants);
	if (c->epw.h)
		pp_weather_free(&c->epw);
	free(c->slot);
	free(c->node_meas_kw);
	free(c->node_base_kw);
	free(c->node_unread);
	free(c->ev);
	pp_buf_free(&c->budget);
	pp_buf_free(&c->budget_halls);
	pp_ctl_jobs_free(c);
	pp_ctl_osc_free(c);
	free(c);
}

/* --- the live state --------------------------------------------------- */

/* Racks by name: open addressing on FNV-1a, built once (ingest looks up
 * every line, so a linear search would make a batch quadratic). */
static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int index_racks(struct pp_ctl *c)
{
	c->nslot = 16;
	while (c->nslot < 2 * c->nracks + 2)
		c->nslot *= 2;
	c->slot = malloc(c->nslot * sizeof *c->slot);
	if (!c->slot)
		return -1;
	for (size_t i = 0; i < c->nslot; i++)
		c->slot[i] = -1;
	for (size_t i = 0; i < c->nracks; i++) {
		size_t h = fnv(c->racks[i].cfg->name) & (c->nslot - 1);
		while (c->slot[h] >= 0)
			h = (h + 1) & (c->nslot - 1);
		c->slot[h] = (int)i;
	}
	return 0;
}

static struct crack *rack_by_name(struct pp_ctl *c, const char *name)
{
	for (size_t h = fnv(name) & (c->nslot - 1); c->slot[h] >= 0; h = (h + 1) & (c->nslot - 1))
		if (!strcmp(c->racks[c->slot[h]].cfg->name, name))
			return &c->racks[c->slot[h]];
	return NULL;
}

struct crack *pp_ctl_rack(struct pp_ctl *c, const char *name)
{
	return rack_by_name(c, name);
}

static const char *tag(const struct pp_sample *s, const char *k)
{
	for (size_t i = 0; i < s->ntags; i++)
		if (!strcmp(s->tags[i].key, k))
			return s->tags[i].val;
	return NULL;
}

static int field(const struct pp_sample *s, const char *k, double *v)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct pp_field *f = &s->fields[i];
		if (strcmp(f->key, k))
			continue;
		if (f->type == PP_F_FLOAT)
			*v = f->v.f;
		else if (f->type == PP_F_INT)
			*v = (double)f->v.i;
		else if (f->type == PP_F_UINT)
			*v = (double)f->v.u;
		else
			return 0;
		return isfinite(*v);
	}
	return 0;
}

/* Moves the rack's reading to w: every node above it keeps the sum of
 * the readings below it, so a breach check costs the depth of the tree. */
static void set_reading(struct pp_ctl *c, struct crack *r, double w)
{
	double d = (w - r->meas_w) / 1000;
	for (int n = r->node; n >= 0; n = c->nodes[n].parent) {
		c->node_meas_kw[n] += d;
		c->node_unread[n] -= !r->meas_ns;
	}
	r->meas_w = w;
}

/* Whether the reading puts the rack, or a node above it (with the others
 * at their last readings), over its limit. */
static int over_limit(const struct pp_ctl *c, const struct crack *r)
{
	double m = 1 - c->cfg->site.margin;
	for (int n = r->node; n > 0; n = c->nodes[n].parent)
		if (c->node_meas_kw[n] + c->node_base_kw[n] > c->nodes[n].limit_kw * m)
			return 1;
	return 0;
}

/* The highest cap issued for the rack during the control period before
 * time t (an agent applies a cap up to one period late), so a reading is
 * set against the caps that could have shaped it, and no older ones. */
static double cap_in_force(const struct pp_ctl *c, const struct crack *r, int64_t t)
{
	int64_t t0 = t - (int64_t)c->opt.period_ms * 1000000;
	double cap = r->cap_w;
	int64_t until = r->cap_ns;
	for (int q = 0; q < PP_CTL_CAP_HIST && until > t0; q++) {
		/* Before the first cap the GPUs ran at their default limit. */
		if (!r->cap_hist_ns[q])
			return r->gpu->cap_max_w;
		cap = fmax(cap, r->cap_hist[q]);
		until = r->cap_hist_ns[q];
	}
	return r->cap_ns ? cap : r->gpu->cap_max_w;
}

/* A reading above what the rack's base and its GPUs at the caps that
 * could have shaped it explain (a breach, a base load the config
 * underrates) is noted as it arrives, so a later reading cannot hide it
 * from the next solve. */
static void note_extra(const struct pp_ctl *c, struct crack *r)
{
	double cap = cap_in_force(c, r, r->meas_ns);
	double extra = r->meas_w - (r->cfg->base_kw * 1000 + r->cfg->gpus * cap);
	r->extra_w = fmax(r->extra_w, extra);
}

/* A chiller's alarm (its trip bit): a tripped chiller is out of the plant
 * until its alarm clears. The plant keeps its reserve all the same (the
 * conservative reading: after a trip the park runs as if another could
 * follow), so a trip lowers the capacity the optimizer plans with. */
static int note_chiller(struct pp_ctl *c, const char *plant, const char *name, int alarm)
{
	if (!plant || !name)
		return 0;
	for (size_t p = 0; p < c->cfg->nplants; p++) {
		int k = strcmp(c->cfg->plants[p].name, plant)
				? -1 : pp_plant_chiller_index(&c->cfg->plants[p], name);
		if (k < 0 || k > 63)
			continue;
		uint64_t bit = 1ull << k, was = c->plants[p].tripped & bit;
		if (alarm && !was)
			pp_log(PP_LOG_WARN, "optimize", "chiller %s of plant %s tripped: planning "
			       "without it", name, plant);
		else if (!alarm && was)
			pp_log(PP_LOG_INFO, "optimize", "chiller %s of plant %s is back", name, plant);
		c->plants[p].tripped = alarm ? c->plants[p].tripped | bit
					     : c->plants[p].tripped & ~bit;
		return 1;
	}
	return 0;
}

size_t pp_ctl_ingest(struct pp_ctl *c, const struct pp_sample *s, size_t n, int64_t now_ns,
		     int *breach)
{
	size_t used = 0;
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < n; i++) {
		const struct pp_sample *x = &s[i];
		int64_t ts = x->has_ts ? x->ts_ns : now_ns;
		if (ts > now_ns + 5 * (int64_t)1000000000)
			ts = now_ns; /* a clock ahead of ours must not keep a reading fresh */
		const char *rk = tag(x, "rack");
		double v;
		if (rk && !strcmp(x->measurement, "gpu")) {
			struct crack *r = rack_by_name(c, rk);
			if (r && field(x, "power_w", &v) && v >= 0) {
				/* One value per GPU index; the rack's GPU power is their sum. */
				const char *g = tag(x, "gpu");
				int gi = g ? atoi(g) : 0;
				if (gi >= 0 && gi < PP_CTL_GPUS) {
					r->gpu_w[gi] = v;
					r->gpu_ns[gi] = ts;
					used++;
				}
			}
		} else if (rk && field(x, "power_w", &v) && v >= 0) {
			struct crack *r = rack_by_name(c, rk);
			if (!r || ts < r->meas_ns)
				continue;
			if (r->meas_ns && v > r->meas_w)
				r->max_rise_w = fmax(r->max_rise_w, v - r->meas_w);
			set_reading(c, r, v);
			r->meas_ns = ts;
			pp_ctl_osc_note(c, (int)(r - c->racks), ts, v / 1000);
			note_extra(c, r);
			used++;
			if (over_limit(c, r)) {
				*breach = 1;
				c->st.breaches++;
			}
		} else if (!rk && !strcmp(x->measurement, "meter") && field(x, "power_kw", &v)) {
			c->grid_meas_kw = v;
			c->grid_meas_ns = ts;
			pp_ctl_signal_reading(c, v, ts);
			pp_ctl_osc_note(c, -1, ts, v);
			used++;
			/* Over the limit in force, not the one a ramp plans for. */
			double lim = pp_ctl_limit_at(c, ts);
			if (v > lim * (1 - c->cfg->site.margin) && lim > 0) {
				*breach = 1;
				c->st.breaches++;
			}
		} else if (!strcmp(x->measurement, "chiller") && field(x, "alarm", &v)) {
			used += note_chiller(c, tag(x, "plant"), tag(x, "chiller"), v != 0);
		} else if (!strcmp(x->measurement, "weather")) {
			if (field(x, "drybulb_c", &v)) {
				c->weather_db = v;
				c->weather_ns = ts;
				c->weather_wb = field(x, "wetbulb_c", &v) ? v : c->weather_db - 4;
				used++;
			}
		}
	}
	c->st.ingested += used;
	pthread_mutex_unlock(&c->mu);
	return used;
}


/* --- one cycle --------------------------------------------------------- */

double pp_ctl_limit_now(const struct pp_config *cfg, int64_t now_ns)
{
	double lim = cfg->site.import_limit_kw;
	int64_t now_s = now_ns / 1000000000;
	for (size_t i = 0; i < cfg->site.nevents; i++) {
		const struct pp_grid_event *ev = &cfg->site.events[i];
		if (now_s >= ev->start_s && now_s < ev->end_s && ev->limit_kw < lim)
			lim = ev->limit_kw;
	}
	return lim;
}

double pp_ctl_limit_at(const struct pp_ctl *c, int64_t now_ns)
{
	double lim = c->cfg->site.import_limit_kw;
	int64_t now_s = now_ns / 1000000000;
	for (size_t i = 0; i < c->nev; i++)
		if (now_s >= c->ev[i].start_s && now_s < c->ev[i].end_s && c->ev[i].limit_kw < lim)
			lim = c->ev[i].limit_kw;
	return lim;
}

double pp_ctl_grid_limit(struct pp_ctl *c, int64_t now_ns)
{
	pthread_mutex_lock(&c->mu);
	double lim = pp_ctl_limit_at(c, now_ns);
	pthread_mutex_unlock(&c->mu);
	return lim;
}

/* The limit to plan for now: the one in force, or a scheduled event's when
 * it starts before the caps issued now could bring the draw under it. With
 * a site ramp rate the planned limit glides down to the event's along that
 * rate, reaching it three periods (for agents to apply caps) before the
 * start, so the draw falls no faster than the grid allows; without one it
 * steps down three periods ahead. A known limit is never met late. */
static double limit_ahead(const struct pp_ctl *c, int64_t now_ns)
{
	const struct pp_config *cfg = c->cfg;
	double lim = pp_ctl_limit_at(c, now_ns);
	double now_s = (double)now_ns / 1e9;
	double lead = 3.0 * c->opt.period_ms / 1000;
	/* kW per second, 10 % kept for what the plan misses (see ramp_up) */
	double ramp = 0.9 * cfg->site.ramp_kw_per_min / 60;
	for (size_t i = 0; i < c->nev; i++) {
		const struct cevent *ev = &c->ev[i];
		double to_start = (double)ev->start_s - now_s - lead;
		if (now_s >= (double)ev->end_s)
			continue;
		double l = ev->limit_kw;
		if (to_start > 0)
			l = ramp > 0 ? ev->limit_kw + ramp * to_start : INFINITY;
		if (l < lim)
			lim = l;
	}
	return lim;
}

/* What the rack's GPUs want per GPU: the agents' readings when fresh, else
 * the rack's reading less its base; p_max when they draw at the cap (they
 * may want more) or when nothing fresh says otherwise. */
static double estimate_demand(const struct pp_ctl *c, const struct crack *r, int64_t now_ns,
			      int fresh)
{
	int n = r->cfg->gpus, seen = 0;
	double sum = 0;
	int64_t max_age = (int64_t)c->opt.stale_polls * c->opt.period_ms * 1000000LL * 2;
	for (int g = 0; g < n && g < PP_CTL_GPUS; g++)
		if (r->gpu_ns[g] && now_ns - r->gpu_ns[g] <= max_age) {
			sum += r->gpu_w[g];
			seen++;
		}
	double per;
	if (seen == n && n > 0)
		per = sum / n;
	else if (fresh && n > 0)
		per = (r->meas_w - r->cfg->base_kw * 1000) / n;
	else
		return r->gpu->cap_max_w;
	/* The reading may predate the last rises: it is set against the lowest
	 * cap of the last cycles. */
	double ref = r->cap_w;
	for (int k = 0; k < PP_CTL_CAP_HIST; k++)
		ref = fmin(ref, r->cap_hist[k]);
	/* Pinned at the cap (95 % or more): they may want more. The estimate
	 * above a lower draw keeps that draw under 93 % of the cap it leads
	 * to, so the next cycle reads the same and the loop does not flip
	 * between the two. */
	if (per >= 0.95 * ref)
		return r->gpu->cap_max_w;
	return clampd(per * 1.08 + 10, r->gpu->cap_min_w, r->gpu->cap_max_w);
}

/* Cooling at the weather now: each plant's capacity keeping its reserve, and
 * the cooling electricity per kW of heat. Weather older than an hour, or
 * none, counts as a hot design day (35 C dry bulb, 28 C wet bulb). */
static double cooling(struct pp_ctl *c, int64_t now_ns, double heat_kw, double *cap_kw)
{
	double db = 35, wb = 28;
	if (isfinite(c->weather_db) && now_ns - c->weather_ns < 3600LL * 1000000000) {
		db = c->weather_db;
		wb = c->weather_wb;
	}
	return pp_ctl_plants_at(c, db, wb, heat_kw, cap_kw);
}

double pp_ctl_plants_at(struct pp_ctl *c, double db, double wb, double heat_kw, double *cap_kw)
{
	double cool = 0, load = 0;
	for (size_t p = 0; p < c->cfg->nplants; p++) {
		struct cplant *cp = &c->plants[p];
		if (!cp->chillers) {
			cap_kw[p] = INFINITY;
			continue;
		}
		double share = 0;
		for (size_t h = 0; h < c->cfg->nhalls; h++)
			if (cp->hall_mask & (1ull << (h < 63 ? h : 63)))
				share += c->hall_heat_kw ? c->hall_heat_kw[h] : 0;
		struct pp_plant_out o;
		struct pp_plant_model m = cp->model;
		m.n_chillers -= __builtin_popcountll(cp->tripped);
		if (m.n_chillers < 0)
			m.n_chillers = 0;
		pp_plant_eval(&m, share > 0 ? share : heat_kw, db, wb, &o);
		cap_kw[p] = o.capacity_kw;
		cool += o.cooling_kw;
		load += share > 0 ? share : heat_kw;
	}
	return load > 0 ? cool / load : 0.25;
}

static int rack_fresh(const struct pp_ctl *c, const struct crack *r, int64_t now_ns)
{
	/* Racks read by agents or other writers, not by a configured device,
	 * are expected every control period. */
	int iv = r->interval_ms ? r->interval_ms : c->opt.period_ms;
	if (!r->meas_ns)
		return 0;
	return now_ns - r->meas_ns <= (int64_t)c->opt.stale_polls * iv * 1000000LL;
}

static enum pp_err cycle_body(struct pp_ctl *c, int64_t now_ns, struct pp_errbuf *eb);

enum pp_err pp_ctl_cycle(struct pp_ctl *c, int64_t now_ns, int urgent, struct pp_errbuf *eb)
{
	pthread_mutex_lock(&c->mu);
	c->st.breach_cycles += urgent != 0;
	enum pp_err e = cycle_body(c, now_ns, eb);
	pthread_mutex_unlock(&c->mu);
	return e;
}

/* Called with the mutex held; lets go of it for the solve, so readings and
 * leases are served meanwhile (only this thread writes what the instance
 * points into: rack placements, plant node lists). */
static enum pp_err cycle_body(struct pp_ctl *c, int64_t now_ns, struct pp_errbuf *eb)
{
	const struct pp_config *cfg = c->cfg;
	enum pp_err e = PP_ERR_NOMEM;
	struct pp_inst in;
	memset(&in, 0, sizeof in);
	struct pp_ans ans;
	memset(&ans, 0, sizeof ans);
	double hall_heat[64] = {0}, pcap[64];
	c->hall_heat_kw = hall_heat;
	c->grid_limit_kw = limit_ahead(c, now_ns);
	in.margin = cfg->site.margin;
	in.grid_limit_kw = c->grid_limit_kw;
	in.grid_other_kw = cfg->site.other_kw;
	in.nnodes = c->nnodes;
	in.nodes = calloc(c->nnodes, sizeof *in.nodes);
	in.jobs = calloc(c->nracks + 1, sizeof *in.jobs);
	size_t nplants = cfg->nplants < 64 ? cfg->nplants : 64;
	in.plants = calloc(nplants + 1, sizeof *in.plants);
	if (!in.nodes || !in.jobs || !in.plants)
		goto fail_nomem;
	int stale = 0;
	for (size_t k = 0; k < c->nnodes; k++) {
		const struct cnode *n = &c->nodes[k];
		in.nodes[k] = (struct pp_inst_node){(char *)n->name, n->parent, n->limit_kw,
						    n->base_kw};
		if (n->rack < 0)
			continue;
		struct crack *r = &c->racks[n->rack];
		int fresh = rack_fresh(c, r, now_ns);
		r->stale = !fresh;
		stale += !fresh;
		if (!fresh) {
			/* Unknown non-GPU power: the configured base plus the largest
			 * rise seen, at least 5 % of the rack's limit. */
			double worst = fmax(r->max_rise_w / 1000, 0.05 * r->cfg->limit_kw);
			in.nodes[k].base_kw += worst;
		}
		if (fresh) {
			/* Unexplained power (see note_extra) is carried as base load:
			 * it came at once, it leaves by 10 % a cycle. */
			in.nodes[k].base_kw += r->extra_w / 1000;
			r->extra_w *= 0.9;
		}
		r->demand_w = estimate_demand(c, r, now_ns, fresh);
		struct pp_inst_job *j = &in.jobs[in.njobs++];
		j->id = (char *)r->cfg->name;
		j->weight = r->weight;
		j->p_min_w = r->gpu->cap_min_w;
		/* An idle rack (the scheduler runs nothing there) stays at the
		 * floor: a job that starts on it starts low and rises with the
		 * loop, never above what was planned. */
		j->p_max_w = r->idle ? r->gpu->cap_min_w : r->gpu->cap_max_w;
		j->demand_w = r->demand_w;
		j->place = &r->place;
		r->place = (struct pp_inst_place){(int)k, r->cfg->gpus};
		j->nplace = r->cfg->gpus > 0;
		j->ncurve = r->curve.n;
		memcpy(j->curve_p, r->curve.p_w, r->curve.n * sizeof *r->curve.p_w);
		memcpy(j->curve_t, r->curve.thr, r->curve.n * sizeof *r->curve.thr);
		if (r->hall < 64)
			hall_heat[r->hall] += r->cfg->base_kw + r->cfg->gpus * r->demand_w / 1000;
	}
	double heat = 0;
	for (size_t h = 0; h < cfg->nhalls && h < 64; h++)
		heat += hall_heat[h] + cfg->halls[h].base_kw;
	in.grid_cooling = cooling(c, now_ns, heat, pcap);
	for (size_t p = 0; p < nplants; p++) {
		if (!isfinite(pcap[p]))
			continue;
		struct pp_inst_plant *ip = &in.plants[in.nplants];
		ip->id = (char *)cfg->plants[p].name;
		ip->capacity_kw = pcap[p];
		ip->nodes = c->plants[p].node_idx;
		ip->nnodes = 0;
		for (size_t h = 0; h < cfg->nhalls && h < 64; h++)
			if (c->plants[p].hall_mask & (1ull << h))
				ip->nodes[ip->nnodes++] = c->hall_node[h];
		if (ip->nnodes)
			in.nplants++;
	}
	/* What the meter sees beyond the model (cooling the model underrates,
	 * loads nobody listed) is added to the other loads: measured beats
	 * modelled, upwards only. */
	if (c->grid_meas_ns && now_ns - c->grid_meas_ns < 10LL * 1000000000 && !stale) {
		double it = 0;
		for (size_t i = 0; i < c->nracks; i++)
			it += c->racks[i].meas_w / 1000;
		for (size_t h = 0; h < cfg->nhalls; h++)
			it += cfg->halls[h].base_kw;
		double extra = c->grid_meas_kw - (it * (1 + in.grid_cooling) + cfg->site.other_kw);
		/* Up at once, down slowly: a low reading must not release caps. */
		c->grid_extra_kw = fmax(fmax(0, extra), 0.9 * c->grid_extra_kw);
	}
	in.grid_other_kw += c->grid_extra_kw;
	c->it_meas_kw = c->node_meas_kw[0] + c->node_base_kw[0];
	c->st.stale_racks = stale;
	c->hall_heat_kw = NULL;
	pthread_mutex_unlock(&c->mu);
	e = pp_solve(&in, PP_POLICY_OPTIMAL, &ans, eb);
	pthread_mutex_lock(&c->mu);
	c->st.cycles++;
	if (e) {
		/* The conservative answer: every GPU at its floor, loudly. */
		c->st.solve_errors++;
		for (size_t i = 0; i < c->nracks; i++)
			c->racks[i].cap_w = c->racks[i].target_w = c->racks[i].gpu->cap_min_w;
		snprintf(c->binding, sizeof c->binding, "infeasible");
		c->st.shedding = 1;
		pp_log(PP_LOG_ERROR, "optimize", "no assignment keeps every limit (%s): all GPUs at "
		       "their floor", eb->msg);
		goto out;
	}
	pp_ctl_update_caps(c, &in, &ans, now_ns);
	pp_ctl_hist_add(c, now_ns);
	pp_ctl_signal_cycle(c, now_ns);
	pp_ctl_osc_cycle(c, now_ns);
	e = pp_ctl_budget_build(c, now_ns);
	if (e)
		e = pp_err_set(eb, e, "out of memory building the budget");
	goto out;
fail_nomem:
	e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
out:
	pp_solve_free(&ans);
	free(in.nodes);
	free(in.jobs);
	free(in.plants);
	c->hall_heat_kw = NULL;
	return e;
}
