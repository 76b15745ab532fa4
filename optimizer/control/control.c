/* control.c - the controller's life (see ctl.h): built from the config,
 * one control cycle over the live state, freed. The instance keeps the
 * shape of the power tree (site, halls, rows, racks); each rack's GPUs are
 * one job until a scheduler names jobs. Safety before throughput, in this
 * order: stale readings count at their worst, a solver failure sends every
 * GPU to its floor, caps fall at once and rise only after two cycles agree,
 * by a bounded step. This file is the top of optimizer/control/: it calls
 * the others, none calls it. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/buf.h"
#include "powerpark/gpu.h"
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
			return pp_err_set(eb, PP_ERR_CONFIG, "plant %s: chiller model unknown",
					  pc->name);
		for (size_t s = 0; s < pc->nserves; s++)
			for (size_t h = 0; h < cfg->nhalls; h++)
				if (!strcmp(cfg->halls[h].name, pc->serves[s]))
					cp->hall_mask |= 1ull << h;
	}
	return PP_OK;
}

/* A rack's state before its first reading: at its GPUs' floor, wanting
 * their maximum, valued as training work of weight 1. */
static enum pp_err init_rack(struct crack *cr, const struct pp_rack *kc, int hall, int node,
			     struct pp_errbuf *eb)
{
	cr->cfg = kc;
	cr->hall = hall;
	cr->node = node;
	cr->gpu = pp_gpu_find(kc->gpu_model ? kc->gpu_model : "H100-SXM");
	if (!cr->gpu)
		return pp_err_set(eb, PP_ERR_CONFIG, "rack %s: GPU model %s unknown", kc->name,
				  kc->gpu_model);
	cr->interval_ms = kc->device ? kc->device->interval_ms : 0;
	cr->cap_w = cr->gpu->cap_min_w; /* until the first solve */
	for (int q = 0; q < PP_CTL_CAP_HIST; q++)
		cr->cap_hist[q] = cr->cap_w;
	cr->target_w = cr->cap_w;
	cr->demand_w = cr->gpu->cap_max_w;
	cr->weight = 1;
	cr->cls = PP_JOB_TRAINING;
	/* The class curve over the GPU's range, once. */
	pp_curve_class(PP_JOB_TRAINING, cr->gpu->cap_min_w, cr->gpu->cap_max_w, &cr->curve);
	return PP_OK;
}

/* The power tree: site, halls, rows and racks in the config's order. */
static enum pp_err build_tree(struct pp_ctl *c, struct pp_errbuf *eb)
{
	const struct pp_config *cfg = c->cfg;
	struct ctl_tree *t = &c->tree;
	t->nodes[t->n++] = (struct cnode){cfg->site.name, -1, cfg->site_limit_kw, 0, -1};
	for (size_t h = 0; h < cfg->nhalls; h++) {
		const struct pp_hall *hc = &cfg->halls[h];
		int hn = (int)t->n;
		t->hall_node[h] = hn;
		t->nodes[t->n++] = (struct cnode){hc->name, 0, hc->limit_kw, hc->base_kw, -1};
		for (size_t r = 0; r < hc->nrows; r++) {
			const struct pp_row *rc = &hc->rows[r];
			int rn = (int)t->n;
			t->nodes[t->n++] = (struct cnode){rc->name, hn, rc->limit_kw, 0, -1};
			for (size_t k = 0; k < rc->nracks; k++) {
				const struct pp_rack *kc = &rc->racks[k];
				struct crack *cr = &c->racks[c->nracks];
				enum pp_err e = init_rack(cr, kc, (int)h, (int)t->n, eb);
				if (e)
					return e;
				if (!t->hall_gpu[h])
					t->hall_gpu[h] = cr->gpu;
				t->nodes[t->n++] = (struct cnode){kc->name, rn, kc->limit_kw, kc->base_kw,
								  (int)c->nracks};
				c->nracks++;
			}
		}
	}
	return PP_OK;
}

/* Base power under each node and the racks never read, for breach checks
 * on readings. */
static enum pp_err build_readings(struct pp_ctl *c)
{
	struct ctl_tree *t = &c->tree;
	t->meas_kw = calloc(t->n, sizeof *t->meas_kw);
	t->base_kw = calloc(t->n, sizeof *t->base_kw);
	t->unread = calloc(t->n, sizeof *t->unread);
	t->up_kw = calloc(t->n, sizeof *t->up_kw);
	t->nstale = calloc(t->n, sizeof *t->nstale);
	if (!t->meas_kw || !t->base_kw || !t->unread || !t->up_kw || !t->nstale)
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < c->nracks; i++)
		for (int n = c->racks[i].node; n >= 0; n = t->nodes[n].parent)
			t->unread[n]++;
	for (size_t k = 0; k < t->n; k++)
		if (t->nodes[k].rack < 0)
			for (int n = (int)k; n >= 0; n = t->nodes[n].parent)
				t->base_kw[n] += t->nodes[k].base_kw;
	/* Never read: every rack counts at its worst until its readings come. */
	for (size_t i = 0; i < c->nracks; i++) {
		c->racks[i].stale = 1;
		pp_ctl_set_worst(c, &c->racks[i], 1, 0);
	}
	c->st.stale_racks = (int)c->nracks;
	return PP_OK;
}

static enum pp_err load_events(struct pp_ctl *c)
{
	const struct pp_site *s = &c->cfg->site;
	if (pp_buf_array_grow(&c->grid.ev, &c->grid.capev, s->nevents + 1, sizeof *c->grid.ev))
		return PP_ERR_NOMEM;
	for (size_t i = 0; i < s->nevents; i++) {
		struct cevent *ce = &c->grid.ev[c->grid.nev++];
		memset(ce, 0, sizeof *ce);
		snprintf(ce->id, sizeof ce->id, "%s", s->events[i].name ? s->events[i].name : "");
		ce->start_s = s->events[i].start_s;
		ce->end_s = s->events[i].end_s;
		ce->limit_kw = s->events[i].limit_kw;
	}
	return PP_OK;
}

enum pp_err pp_ctl_create(const struct pp_config *cfg, const struct pp_ctl_opts *o,
			  struct pp_ctl **out, struct pp_errbuf *eb)
{
	*out = NULL;
	if (cfg->nhalls > PP_CTL_MAX_HALLS || cfg->nplants > PP_CTL_MAX_PLANTS)
		return pp_err_set(eb, PP_ERR_CONFIG, "optimize handles up to %d halls and %d plants",
				  PP_CTL_MAX_HALLS, PP_CTL_MAX_PLANTS);
	struct pp_ctl *c = calloc(1, sizeof *c);
	if (!c)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	c->cfg = cfg;
	c->opt.period_ms = o && o->period_ms > 0 ? o->period_ms : 1000;
	c->opt.lease_s = o && o->lease_s > 0 ? o->lease_s : 10;
	c->opt.stale_polls = o && o->stale_polls > 0 ? o->stale_polls : 3;
	c->opt.rise_w_per_s = o && o->rise_w_per_s > 0 ? o->rise_w_per_s : 50;
	c->opt.baseline = o && (o->baseline == PP_POLICY_UNIFORM || o->baseline == PP_POLICY_PRIORITY)
				  ? o->baseline
				  : 0;
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->inst_mu, NULL);
	pp_inst_init(&c->last_inst);
	c->wx.db = NAN;
	enum pp_err e;
	struct pp_config_totals tot;
	pp_config_totals(cfg, &tot);
	size_t nr = tot.racks, nrows = tot.rows;
	c->racks = calloc(nr + 1, sizeof *c->racks);
	c->tree.nodes = calloc(1 + cfg->nhalls + nrows + nr, sizeof *c->tree.nodes);
	c->tree.ans_kw = calloc(1 + cfg->nhalls + nrows + nr, sizeof *c->tree.ans_kw);
	if (!c->racks || !c->tree.nodes || !c->tree.ans_kw || load_events(c))
		goto fail_nomem;
	if ((e = build_tree(c, eb)) || (e = build_plants(c, eb)))
		goto fail;
	const struct pp_site *s = &cfg->site;
	if (s->weather_epw && (e = pp_weather_load(s->weather_epw, &c->wx.epw, eb))) {
		char why[PP_ERRLEN];
		snprintf(why, sizeof why, "%s", eb->msg); /* eb is written below */
		e = pp_err_set(eb, PP_ERR_CONFIG, "%s:%d:%d: site.weather: %s", s->weather_pos.file,
			       s->weather_pos.line, s->weather_pos.col, why);
		goto fail;
	}
	if (build_readings(c) || pp_ctl_index_racks(c) || pp_ctl_osc_init(c))
		goto fail_nomem;
	c->warm = pp_solve_warm_create(); /* NULL: every cycle solves cold, correctly */
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
	pthread_mutex_destroy(&c->inst_mu);
	pp_inst_free(&c->last_inst);
	pp_solve_warm_destroy(c->warm);
	free(c->racks);
	free(c->tree.nodes);
	free(c->tree.ans_kw);
	free(c->tree.meas_kw);
	free(c->tree.base_kw);
	free(c->tree.unread);
	free(c->tree.up_kw);
	free(c->tree.nstale);
	free(c->plants);
	if (c->wx.epw.h)
		pp_weather_free(&c->wx.epw);
	free(c->slot);
	free(c->hosts);
	free(c->grid.ev);
	free(c->grid.retired);
	free(c->held.v);
	free(c->hist.v);
	free(c->notes.v);
	pp_ctl_budget_free(&c->budget);
	pp_ctl_osc_free(c);
	free(c);
}

/* --- one cycle --------------------------------------------------------- */

/* The limit to plan for now: the one in force, or a scheduled event's when
 * it starts before the caps issued now could bring the draw under it. With
 * a site ramp rate the planned limit glides down to the event's along that
 * rate, reaching it three periods (for agents to apply caps) before the
 * start, so the draw falls no faster than the grid allows; without one it
 * steps down three periods ahead. A known limit is never met late. */
static double limit_ahead(const struct pp_ctl *c, int64_t now_ns)
{
	double lim = pp_ctl_limit_at(c, now_ns);
	double now_s = (double)now_ns / 1e9;
	double lead = 3.0 * c->opt.period_ms / 1000;
	/* kW per second, 10 % kept for what the plan misses (see ramp_up) */
	double ramp = 0.9 * c->cfg->site.ramp_kw_per_min / 60;
	for (size_t i = 0; i < c->grid.nev; i++) {
		const struct cevent *ev = &c->grid.ev[i];
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
	int64_t max_age = pp_ctl_gpu_max_age_ns(c);
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
static double cooling(const struct pp_ctl *c, int64_t now_ns, double heat_kw,
		      const double *hall_heat, double *cap_kw)
{
	double db = 35, wb = 28;
	if (isfinite(c->wx.db) && now_ns - c->wx.ns < 3600 * PP_CTL_NS) {
		db = c->wx.db;
		wb = c->wx.wb;
	}
	return pp_ctl_plants_at(c, db, wb, heat_kw, hall_heat, cap_kw);
}

/* Rack r's job for the instance, at node k: its demand estimated, its base
 * load raised to the worst case when its reading is stale. Returns whether
 * the reading was stale; *base_kw gets the rack's base for the instance. */
static int rack_job(struct pp_ctl *c, struct crack *r, size_t k, int64_t now_ns,
		    struct pp_inst_job *j, struct pp_inst_place *place, double *base_kw)
{
	int fresh = pp_ctl_rack_fresh(c, r, now_ns);
	r->stale = !fresh;
	if (!fresh) {
		/* Unknown non-GPU power: the worst base (pp_ctl_stale_base_w), the
		 * one admission, the budget and the forecast count too. */
		*base_kw = pp_ctl_stale_base_w(c, r) / 1000;
	} else {
		/* Unexplained power (see note_extra) is carried as base load: it
		 * came at once, it leaves by 10 % a cycle. */
		*base_kw += r->extra_w / 1000;
		r->extra_w *= 0.9;
	}
	r->demand_w = estimate_demand(c, r, now_ns, fresh);
	memset(j, 0, sizeof *j);
	j->id = r->cfg->name;
	j->weight = r->weight;
	j->p_min_w = r->gpu->cap_min_w;
	/* An idle rack (the scheduler runs nothing there) stays at the floor:
	 * a job that starts on it starts low and rises with the loop, never
	 * above what was planned. */
	j->p_max_w = r->idle ? r->gpu->cap_min_w : r->gpu->cap_max_w;
	j->demand_w = r->demand_w;
	*place = (struct pp_inst_place){(int)k, r->cfg->gpus};
	j->place = place;
	j->nplace = r->cfg->gpus > 0;
	j->ncurve = r->curve.n;
	memcpy(j->curve_p, r->curve.p_w, r->curve.n * sizeof *r->curve.p_w);
	memcpy(j->curve_t, r->curve.thr, r->curve.n * sizeof *r->curve.thr);
	return !fresh;
}

/* The power tree and its jobs into in, from the live state at now_ns;
 * hall_heat (one per hall) gets each hall's racks' heat. Returns the stale
 * racks, or -1 out of memory. */
static int build_jobs(struct pp_ctl *c, int64_t now_ns, struct pp_inst *in, double *hall_heat)
{
	int stale = 0;
	for (size_t k = 0; k < c->tree.n; k++) {
		const struct cnode *n = &c->tree.nodes[k];
		double base = n->base_kw;
		struct pp_inst_job j;
		struct pp_inst_place place;
		struct crack *r = n->rack >= 0 ? &c->racks[n->rack] : NULL;
		if (r)
			stale += rack_job(c, r, k, now_ns, &j, &place, &base);
		if (pp_inst_add_node(in, n->name, n->parent, n->limit_kw, base) ||
		    (r && pp_inst_add_job(in, &j)))
			return -1;
		if (r)
			hall_heat[r->hall] += r->cfg->base_kw + r->cfg->gpus * r->demand_w / 1000;
	}
	return stale;
}

/* The plants that cool the halls, at the capacity the weather leaves them. */
static int build_plants_inst(struct pp_ctl *c, struct pp_inst *in, const double *pcap)
{
	const struct pp_config *cfg = c->cfg;
	for (size_t p = 0; p < cfg->nplants; p++) {
		if (!isfinite(pcap[p]))
			continue;
		int nodes[PP_CTL_MAX_HALLS];
		size_t nn = 0;
		for (size_t h = 0; h < cfg->nhalls; h++)
			if (c->plants[p].hall_mask & (1ull << h))
				nodes[nn++] = c->tree.hall_node[h];
		if (nn && pp_inst_add_plant(in, cfg->plants[p].name, pcap[p], nodes, nn))
			return -1;
	}
	return 0;
}

/* What the meter sees beyond the model (cooling the model underrates,
 * loads nobody listed) is added to the other loads: measured beats
 * modelled, upwards only. */
static void meter_extra(struct pp_ctl *c, int64_t now_ns, double cooling_ratio, int stale)
{
	const struct pp_config *cfg = c->cfg;
	struct ctl_grid *g = &c->grid;
	if (!g->meas_ns || now_ns - g->meas_ns >= 10 * PP_CTL_NS || stale)
		return;
	double it = 0;
	for (size_t i = 0; i < c->nracks; i++)
		it += c->racks[i].meas_w / 1000;
	for (size_t h = 0; h < cfg->nhalls; h++)
		it += cfg->halls[h].base_kw;
	double extra = g->meas_kw - (it * (1 + cooling_ratio) + cfg->site.other_kw);
	/* Up at once, down slowly: a low reading must not release caps. */
	g->extra_kw = fmax(fmax(0, extra), 0.9 * g->extra_kw);
}

/* The least power per GPU at which rack r's curve keeps share of its
 * throughput at its demand (bisection on the table: it is increasing),
 * within the GPU's range; the GPU's floor for no share. */
static double keep_w(const struct crack *r, double share)
{
	double lo = r->gpu->cap_min_w, hi = fmax(lo, fmin(r->demand_w, r->gpu->cap_max_w));
	if (!(share > 0) || r->idle)
		return r->gpu->cap_min_w;
	double want = share * pp_curve_table_eval(&r->curve, hi);
	if (pp_curve_table_eval(&r->curve, lo) >= want)
		return lo;
	for (int it = 0; it < 50; it++) {
		double m = 0.5 * (lo + hi);
		if (pp_curve_table_eval(&r->curve, m) >= want)
			hi = m;
		else
			lo = m;
	}
	return hi;
}

/* Sets the floors of in's rack jobs (in the tree's order, as build_jobs
 * added them): the service floors of site.keep (on; call with the mutex
 * held: it reads the racks' state), or the GPUs' own (off: only what never
 * changes after pp_ctl_create). */
static void service_floors(const struct pp_ctl *c, struct pp_inst *in, int on)
{
	size_t q = 0;
	for (size_t k = 0; k < c->tree.n && q < in->njobs; k++) {
		int ri = c->tree.nodes[k].rack;
		if (ri < 0)
			continue;
		const struct crack *r = &c->racks[ri];
		in->jobs[q++].p_min_w = on ? keep_w(r, c->cfg->site.keep[r->cls]) : r->gpu->cap_min_w;
	}
}

static int keeps_any(const struct pp_ctl *c)
{
	for (int k = 0; k < PP_JOB_CLASSES; k++)
		if (c->cfg->site.keep[k] > 0)
			return 1;
	return 0;
}

/* The instance of this cycle from the live state. Returns the stale racks,
 * or -1 out of memory. */
static int build_instance(struct pp_ctl *c, int64_t now_ns, struct pp_inst *in)
{
	const struct pp_config *cfg = c->cfg;
	double hall_heat[PP_CTL_MAX_HALLS] = {0}, pcap[PP_CTL_MAX_PLANTS];
	c->grid.limit_kw = limit_ahead(c, now_ns);
	in->margin = cfg->site.margin;
	in->grid_limit_kw = c->grid.limit_kw;
	in->grid_other_kw = cfg->site.other_kw;
	int stale = build_jobs(c, now_ns, in, hall_heat);
	if (stale < 0)
		return -1;
	double heat = 0;
	for (size_t h = 0; h < cfg->nhalls; h++)
		heat += hall_heat[h] + cfg->halls[h].base_kw;
	in->grid_cooling = cooling(c, now_ns, heat, hall_heat, pcap);
	if (build_plants_inst(c, in, pcap))
		return -1;
	meter_extra(c, now_ns, in->grid_cooling, stale);
	in->grid_other_kw += c->grid.extra_kw;
	c->it_meas_kw = c->tree.meas_kw[0] + c->tree.base_kw[0];
	c->st.stale_racks = stale;
	return stale;
}

/* Called with the mutex held; lets go of it for the solve, so readings and
 * leases are served meanwhile (the instance owns copies of all it needs). */
static enum pp_err cycle_body(struct pp_ctl *c, int64_t now_ns, struct pp_errbuf *eb)
{
	struct pp_inst in;
	pp_inst_init(&in);
	struct pp_ans ans;
	memset(&ans, 0, sizeof ans);
	pp_ctl_fit_cycle(c, now_ns); /* jobs' own curves, from their reports */
	if (build_instance(c, now_ns, &in) < 0) {
		pp_inst_free(&in);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	/* Consecutive cycles differ by a few readings: each solve starts from
	 * the last one's (docs/optimizer.md, "Warm start"). */
	struct pp_solve_warm *warm = c->warm_busy || c->opt.baseline ? NULL : c->warm;
	/* Service floors read the racks' state: set while it is held. */
	int keep = !c->opt.baseline && keeps_any(c);
	if (keep)
		service_floors(c, &in, 1);
	c->warm_busy |= warm != NULL;
	unsigned long gen = c->state_gen;
	pthread_mutex_unlock(&c->mu);
	/* Shedding is when caps must fall now: the choice of what to pause
	 * is bounded (about 0.5 s at 100,000 GPUs); its gap says what it left. */
	const struct pp_solve_opts so = {.shed_work = PP_SOLVE_SHED_WORK, .warm = warm};
	enum pp_policy pol = c->opt.baseline ? (enum pp_policy)c->opt.baseline : PP_POLICY_OPTIMAL;
	/* Service floors (site.keep) raise the jobs' floors, but must not be
	 * what pauses a job: where the answer sheds, the cycle is solved
	 * again on the GPUs' own floors. The baselines play without them. */
	enum pp_err e = pp_solve_with(&in, pol, &so, &ans, eb);
	if (keep && (e || ans.shedding)) {
		pp_solve_free(&ans);
		service_floors(c, &in, 0);
		e = pp_solve_with(&in, pol, &so, &ans, eb);
		if (!e)
			pp_log(PP_LOG_INFO, "optimize", "service floors (site.keep) dropped this cycle: %s",
			       ans.shedding ? "the park sheds even without them"
					    : "keeping them would pause a job");
	}
	pthread_mutex_lock(&c->mu);
	if (warm)
		c->warm_busy = 0;
	c->st.cycles++;
	c->solve_failed = e != PP_OK;
	if (e) {
		/* The conservative answer: every GPU at its floor, loudly. */
		c->st.solve_errors++;
		for (size_t i = 0; i < c->nracks; i++)
			c->racks[i].cap_w = c->racks[i].target_w = c->racks[i].gpu->cap_min_w;
		snprintf(c->binding, sizeof c->binding, "infeasible");
		c->st.shedding = 1;
		pp_log(PP_LOG_ERROR, "optimize", "no assignment keeps every limit (%s): all GPUs at "
		       "their floor", eb->msg);
	} else if (gen != c->state_gen) {
		/* Another leader's state came in while this solve ran without it:
		 * its caps stand until the next cycle plans with it. */
		pp_log(PP_LOG_INFO, "optimize", "a cycle's answer dropped: the state taken over "
		       "during its solve is planned next cycle");
	} else {
		pp_ctl_update_caps(c, &in, &ans, now_ns);
	}
	/* Stale racks count at their worst (with the caps they may still hold)
	 * wherever power is added up: admission, the budget, the forecast. */
	for (size_t i = 0; i < c->nracks; i++)
		pp_ctl_set_worst(c, &c->racks[i], c->racks[i].stale, now_ns);
	pp_ctl_notes_cycle(c, now_ns);
	if (!e) {
		pp_ctl_hist_add(c, now_ns);
		pp_ctl_signal_cycle(c, now_ns);
		pp_ctl_osc_cycle(c, now_ns);
	}
	/* Made after a failed solve too, so its status says shedding. */
	enum pp_err be = pp_ctl_budget_build(c, now_ns);
	if (be && !e)
		e = pp_err_set(eb, be, "out of memory building the budget");
	pp_solve_free(&ans);
	/* Kept for what-if solves; the one it replaces is freed. mu is held
	 * here, so inst_mu is only tried: while a what-if solves (it holds
	 * inst_mu alone), this cycle keeps the older instance rather than
	 * stall the readings and leases that wait on mu. */
	struct pp_inst old = in;
	if (!pthread_mutex_trylock(&c->inst_mu)) {
		old = c->last_inst;
		c->last_inst = in;
		c->have_inst = !e;
		c->inst_gen++;
		pthread_mutex_unlock(&c->inst_mu);
	}
	pp_inst_free(&old);
	return e;
}

enum pp_err pp_ctl_cycle(struct pp_ctl *c, int64_t now_ns, int urgent, struct pp_errbuf *eb)
{
	pthread_mutex_lock(&c->mu);
	c->st.breach_cycles += urgent != 0;
	enum pp_err e = cycle_body(c, now_ns, eb);
	pthread_mutex_unlock(&c->mu);
	return e;
}
