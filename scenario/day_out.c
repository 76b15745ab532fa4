/* day_out.c - what a scenario day reports: the worst moment of each level,
 * work delivered against work wanted, energy and water (the summary), and
 * its metrics as line protocol. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "day_int.h"
#include "powerpark/curve.h"
#include "powerpark/gpu.h"

static void level_init(struct pp_day_level *l, const char *name)
{
	memset(l, 0, sizeof *l);
	snprintf(l->name, sizeof l->name, "%s", name);
}

static void level_add(struct pp_day_level *l, const char *name, double kw, double limit,
		      double dh)
{
	if (!(limit > 0))
		return;
	double ratio = kw / limit;
	if (ratio > l->worst_ratio) {
		l->worst_ratio = ratio;
		l->peak_kw = kw;
		l->limit_kw = limit;
		if (name)
			snprintf(l->name, sizeof l->name, "%s", name);
	}
	if (kw > limit) {
		l->over_steps++;
		l->over_kwh += (kw - limit) * dh;
	}
}

void result_init(struct pp_day *d)
{
	struct pp_day_result *r = &d->res;
	level_init(&r->grid, "grid");
	level_init(&r->site, "site");
	level_init(&r->row, "row");
	level_init(&r->rack, "rack");
	r->nhalls = d->cfg->nhalls;
	r->nplants = d->cfg->nplants;
	for (size_t h = 0; h < r->nhalls; h++)
		level_init(&r->halls[h], d->cfg->halls[h].name);
	for (size_t p = 0; p < r->nplants; p++)
		level_init(&r->plants[p], d->cfg->plants[p].name);
	r->jobs = (int)d->njobs;
	r->ramp_limit = d->cfg->site.ramp_kw_per_min;
}

void result_add(struct pp_day *d)
{
	const struct pp_config *cfg = d->cfg;
	struct pp_day_result *r = &d->res;
	double dh = d->dt / 3600.0;
	/* While a signal's response time runs the site may still be above its
	 * new limit (the scenario gives that time; signal_response_s says how
	 * much of it was used), not above the others. */
	level_add(&r->grid, NULL, d->grid_kw, d->judge_kw, dh);
	int event = d->limit_kw < cfg->site.import_limit_kw;
	level_add(&r->site, NULL, d->it_kw, cfg->site_limit_kw, dh);
	for (size_t h = 0; h < r->nhalls; h++)
		level_add(&r->halls[h], NULL, d->hall_kw[h], cfg->halls[h].limit_kw, dh);
	for (size_t k = 0; k < d->nrows; k++)
		level_add(&r->row, d->rows[k]->name, d->row_kw[k], d->rows[k]->limit_kw, dh);
	for (size_t p = 0; p < r->nplants; p++) {
		level_add(&r->plants[p], NULL, d->plant_heat_kw[p], d->plant_phys_kw[p], dh);
		if (d->plant_heat_kw[p] > d->plant_cap_kw[p])
			r->reserve_h[p] += dh;
	}
	for (size_t i = 0; i < d->nracks; i++) {
		const struct drack *x = &d->racks[i];
		level_add(&r->rack, x->r->name, x->kw, x->r->limit_kw, dh);
		if (x->job < 0)
			continue;
		/* Work: the class curve at the draw, against the draw it wanted. */
		struct djob *jb = &d->jobs[x->job];
		const struct pp_curve_table *cp = &d->curve[jb->j->cls];
		double want = fmax(jb->want_w, x->gpu->idle_w), max = x->gpu->cap_max_w;
		double e = fmin(want, x->cap_w);
		double den = pp_curve_table_eval(cp, want / max);
		double rel = den > 0 ? pp_curve_table_eval(cp, e / max) / den : 1;
		double g = x->r->gpus * dh;
		r->work_gpu_h += g * rel;
		r->want_gpu_h += g;
		r->by_class[jb->j->cls][0] += g * rel;
		r->by_class[jb->j->cls][1] += g;
		r->value += g * rel * jb->j->weight;
		r->value_want += g * jb->j->weight;
		if (event) {
			r->event_value += g * rel * jb->j->weight;
			r->event_value_want += g * jb->j->weight;
			if (jb->j->cls == PP_JOB_INFERENCE) {
				d->inf_event[0] += g * rel;
				d->inf_event[1] += g;
			}
		}
		if (jb->gpus > 0)
			jb->work_h += rel * dh * x->r->gpus / jb->gpus;
	}
	for (size_t j = 0; j < d->njobs; j++)
		if (d->jobs[j].st == DJ_HELD)
			r->deferred_gpu_h += d->jobs[j].gpus * dh;
	/* The ramp, measured at every step (the first has nothing before it). */
	if (d->step > 0) {
		double rate = (d->grid_kw - d->prev_grid_kw) * 60 / d->dt;
		if (rate > r->ramp_up_max) {
			r->ramp_up_max = rate;
			r->ramp_up_at_h = d->t_h;
		}
		if (-rate > r->ramp_down_max) {
			r->ramp_down_max = -rate;
			r->ramp_down_at_h = d->t_h;
		}
		r->ramp_over_steps += cfg->site.ramp_kw_per_min > 0 &&
				      fabs(rate) > cfg->site.ramp_kw_per_min;
	}
	d->prev_grid_kw = d->grid_kw;
	r->it_kwh += d->it_kw * dh;
	r->cooling_kwh += d->cooling_kw * dh;
	r->other_kwh += cfg->site.other_kw * dh;
	r->water_l += d->water_lph * dh;
	r->unmet_heat_kwh += d->unmet_kw * dh;
	r->steps++;
}

void pp_day_result(const struct pp_day *d, struct pp_day_result *r)
{
	*r = d->res;
	r->pue = r->it_kwh > 0 ? (r->it_kwh + r->cooling_kwh + r->other_kwh) / r->it_kwh : 0;
	r->jobs_unfinished = 0;
	for (size_t j = 0; j < d->njobs; j++)
		r->jobs_unfinished += d->jobs[j].j->run_h > 0 && d->jobs[j].st != DJ_DONE &&
				      d->jobs[j].st != DJ_WAIT;
	r->inference_event_pct = d->inf_event[1] > 0 ? 100 * d->inf_event[0] / d->inf_event[1] : 100;
	/* The slowest response; a signal in force but never met counts the
	 * whole of the day played. */
	r->signal_response_s = -1;
	for (size_t g = 0; g < d->sc->nsignals; g++) {
		const struct pp_scen_signal *s = &d->sc->signals[g];
		if (isnan(d->sig_limit_kw[g]) || s->start_h >= d->t_h)
			continue;
		double met = d->sig_met_s[g] >= 0 ? d->sig_met_s[g] : (double)d->steps * d->dt;
		r->signal_response_s = fmax(r->signal_response_s, met);
	}
}

/* What a progress line shows now (cheap enough for every line). */
void pp_day_now(struct pp_day *d, struct pp_day_now *n)
{
	memset(n, 0, sizeof *n);
	n->t_h = d->t_h;
	n->sim_ns = d->now_ns;
	n->grid_kw = d->grid_kw;
	n->limit_kw = d->limit_kw;
	n->it_kw = d->it_kw;
	n->cooling_kw = d->cooling_kw;
	double cap = 0, max = 0;
	for (size_t i = 0; i < d->nracks; i++)
		if (d->racks[i].job >= 0) {
			cap += d->racks[i].cap_w * d->racks[i].r->gpus;
			max += d->racks[i].gpu->cap_max_w * d->racks[i].r->gpus;
		}
	n->cap_frac = max > 0 ? cap / max : 1;
	for (size_t j = 0; j < d->njobs; j++) {
		n->held_jobs += d->jobs[j].st == DJ_HELD;
		n->held_gpus += d->jobs[j].st == DJ_HELD ? d->jobs[j].gpus : 0;
		n->running_jobs += d->jobs[j].st == DJ_RUNNING;
	}
	for (size_t p = 0; p < PP_DAY_MAX_PLANTS; p++)
		n->tripped += __builtin_popcountll(d->tripped[p]);
	if (d->ctl)
		pp_ctl_binding(d->ctl, n->binding, sizeof n->binding);
	else
		snprintf(n->binding, sizeof n->binding, "%s",
			 d->alpha < 0.999 ? "grid (meter)" : "");
}

/* --- metrics ----------------------------------------------------------- */

static size_t put(struct pp_output *set, const char *meas, const struct pp_tag *t, size_t nt,
		  const char *const *keys, const double *vals, size_t nf, int64_t ts);

/* Each chiller of plant p: running or tripped, and its share of the load. */
static size_t put_chillers(const struct pp_day *d, struct pp_output *set, size_t p, int64_t ts)
{
	const struct pp_plant *pc = &d->cfg->plants[p];
	size_t n = 0;
	int on = d->plant_on[p];
	for (size_t e = 0, k = 0; e < pc->nequip && k < 64; e++) {
		if (pc->equip[e].kind != PP_EQ_CHILLER)
			continue;
		int tripped = (int)(d->tripped[p] >> k & 1);
		int running = !tripped && on > 0;
		on -= running;
		struct pp_tag t[] = {{"site", d->cfg->site.name}, {"plant", pc->name},
				     {"chiller", pc->equip[e].name}};
		static const char *const ck[] = {"running", "alarm", "load_kw", "power_kw"};
		double share = d->plant_on[p] > 0 ? 1.0 / d->plant_on[p] : 0;
		double cv[] = {running, tripped, running ? d->plant_heat_kw[p] * share : 0,
			       running ? d->plant_chiller_kw[p] * share : 0};
		n += put(set, "chiller", t, 3, ck, cv, 4, ts);
		k++;
	}
	return n;
}

static size_t put(struct pp_output *set, const char *meas, const struct pp_tag *t, size_t nt,
		  const char *const *keys, const double *vals, size_t nf, int64_t ts)
{
	struct pp_field f[12];
	for (size_t i = 0; i < nf && i < 12; i++)
		f[i] = (struct pp_field){.key = keys[i], .type = PP_F_FLOAT,
					 .v.f = isfinite(vals[i]) ? round(vals[i] * 1000) / 1000 : 0};
	struct pp_sample s = {meas, t, nt, f, nf, ts, 1};
	return pp_output_write(set, &s, 1) == PP_OK;
}

size_t pp_day_write(struct pp_day *d, struct pp_output *set)
{
	long sec = (d->step - 1) * d->dt;
	if (d->step < 1 || sec % 60)
		return 0;
	const struct pp_config *cfg = d->cfg;
	int64_t ts = d->now_ns;
	size_t n = 0;
	const char *site = cfg->site.name;
	struct pp_tag st[] = {{"site", site}};
	static const char *const sk[] = {"grid_kw", "limit_kw", "it_kw", "cooling_kw", "other_kw",
					 "pue", "water_lph", "unmet_kw"};
	double sv[] = {d->grid_kw, d->limit_kw, d->it_kw, d->cooling_kw, cfg->site.other_kw,
		       d->it_kw > 0 ? d->grid_kw / d->it_kw : 0, d->water_lph, d->unmet_kw};
	n += put(set, "site", st, 1, sk, sv, 8, ts);
	static const char *const wk[] = {"drybulb_c", "wetbulb_c"};
	double wv[] = {d->db, d->wb};
	n += put(set, "weather", st, 1, wk, wv, 2, ts);
	for (size_t h = 0; h < cfg->nhalls; h++) {
		struct pp_tag t[] = {{"site", site}, {"hall", cfg->halls[h].name}};
		static const char *const hk[] = {"power_kw", "limit_kw"};
		double hv[] = {d->hall_kw[h], cfg->halls[h].limit_kw};
		n += put(set, "hall", t, 2, hk, hv, 2, ts);
	}
	for (size_t p = 0; p < cfg->nplants; p++) {
		struct pp_tag t[] = {{"site", site}, {"plant", cfg->plants[p].name}};
		static const char *const pk[] = {"heat_kw", "capacity_kw", "capacity_all_kw",
						 "cooling_kw", "water_lph", "free_fraction",
						 "chillers_on", "chillers_tripped"};
		double pv[] = {d->plant_heat_kw[p], d->plant_cap_kw[p], d->plant_phys_kw[p],
			       d->plant_cool_kw[p], d->plant_water_lph[p], d->plant_free[p],
			       d->plant_on[p], __builtin_popcountll(d->tripped[p])};
		n += put(set, "plant", t, 2, pk, pv, 8, ts);
		n += put_chillers(d, set, p, ts);
	}
	struct pp_day_now now;
	pp_day_now(d, &now);
	static const char *const jk[] = {"running", "held", "held_gpus", "cap_fraction"};
	double jv[] = {now.running_jobs, now.held_jobs, now.held_gpus, now.cap_frac};
	n += put(set, "jobs", st, 1, jk, jv, 4, ts);
	if (sec % 300)
		return n;
	for (size_t i = 0; i < d->nracks; i++) {
		const struct drack *x = &d->racks[i];
		char dev[80];
		snprintf(dev, sizeof dev, "meter-%s", x->r->name);
		struct pp_tag t[] = {{"site", site}, {"hall", cfg->halls[x->hall].name},
				     {"row", d->rows[x->row]->name}, {"rack", x->r->name},
				     {"device", dev}, {"proto", "sim"}};
		static const char *const rk[] = {"power_w", "limit_w", "cap_w"};
		double rv[] = {x->kw * 1000, x->r->limit_kw * 1000, x->cap_w};
		n += put(set, "rack", t, 4, rk, rv, 3, ts);
		/* The in-process reading of each rack, as `collect` reports a
		 * device's polls (every one succeeds: the sim does not fail). */
		static const char *const dk[] = {"up", "polls", "errors", "timeouts", "late",
						 "poll_ms"};
		double dv[] = {1, (double)d->step, 0, 0, 0, 0};
		n += put(set, "device", t, 6, dk, dv, 6, ts);
	}
	if (d->ctl) {
		struct pp_sample *s = NULL;
		size_t ns = 0;
		if (pp_ctl_decisions(d->ctl, ts, &s, &ns) == PP_OK) {
			/* The controller's own `site` sample repeats what is above. */
			for (size_t i = 0; i < ns; i++)
				if (strcmp(s[i].measurement, "site"))
					n += pp_output_write(set, &s[i], 1) == PP_OK;
			pp_ctl_samples_free(s, ns);
		}
	}
	return n;
}
