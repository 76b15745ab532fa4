/* day.c - a scenario day in simulated time (see day.h): the park's physics
 * and the policy in the loop. The scheduler side (arrivals, holds, starts,
 * completions) is in day_jobs.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "day_int.h"
#include "powerpark/curve.h"
#include "powerpark/gpu.h"
#include "powerpark/log.h"
#include "powerpark/psychro.h"

/* One rack of the park, and its reading as a collector sends it (value
 * and time are filled in each step, see feed()). */
static enum pp_err add_rack(struct pp_day *d, size_t h, const struct pp_rack *rk,
			    struct pp_errbuf *eb)
{
	if (!d->hall_free[h]++)
		d->hall_first[h] = (int)d->nracks;
	size_t i = d->nracks++;
	struct pp_tag *t = &d->read_tags[2 * i];
	t[0] = (struct pp_tag){"site", d->cfg->site.name};
	t[1] = (struct pp_tag){"rack", rk->name};
	d->read_fields[i] = (struct pp_field){.key = "power_w", .type = PP_F_FLOAT};
	d->reads[i] = (struct pp_sample){"rack", t, 2, &d->read_fields[i], 1, 0, 1};
	struct drack *x = &d->racks[i];
	*x = (struct drack){.r = rk, .hall = (int)h, .row = (int)d->nrows - 1, .job = -1};
	x->gpu = pp_gpu_find(rk->gpu_model ? rk->gpu_model : "H100-SXM");
	if (!x->gpu)
		return pp_err_set(eb, PP_ERR_CONFIG, "rack %s: GPU model unknown", rk->name);
	/* Agents start from the GPU's default limit: its maximum. */
	x->cap_w = x->next_cap_w = x->gpu->cap_max_w;
	return PP_OK;
}

/* The park's racks, rows and plants, from the config. */
static enum pp_err build_park(struct pp_day *d, struct pp_errbuf *eb)
{
	const struct pp_config *cfg = d->cfg;
	struct pp_config_totals tot;
	pp_config_totals(cfg, &tot);
	d->racks = calloc(tot.racks + 1, sizeof *d->racks);
	d->reads = calloc(tot.racks + 1, sizeof *d->reads);
	d->read_tags = calloc(2 * tot.racks + 2, sizeof *d->read_tags);
	d->read_fields = calloc(tot.racks + 1, sizeof *d->read_fields);
	d->row_kw = calloc(tot.rows + 1, sizeof *d->row_kw);
	d->rows = calloc(tot.rows + 1, sizeof *d->rows);
	if (!d->racks || !d->row_kw || !d->rows || !d->reads || !d->read_tags || !d->read_fields)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	enum pp_err e = PP_OK;
	for (size_t h = 0; h < cfg->nhalls && !e; h++)
		for (size_t r = 0; r < cfg->halls[h].nrows && !e; r++) {
			const struct pp_row *row = &cfg->halls[h].rows[r];
			d->rows[d->nrows++] = row;
			for (size_t k = 0; k < row->nracks && !e; k++)
				e = add_rack(d, h, &row->racks[k], eb);
		}
	for (size_t p = 0; p < cfg->nplants && !e; p++)
		if (pp_plant_of_config(&cfg->plants[p], &d->plants[p]) < 0)
			e = pp_err_set(eb, PP_ERR_CONFIG, "plant %s: chiller model unknown",
				       cfg->plants[p].name);
	return e;
}

enum pp_err pp_day_create(const struct pp_config *cfg, enum pp_policy policy, double hours,
			  struct pp_day **out, struct pp_errbuf *eb)
{
	*out = NULL;
	const struct pp_scenario *sc = cfg->scenario;
	if (!sc)
		return pp_err_set(eb, PP_ERR_CONFIG, "%s has no 'scenario' section to play", cfg->file);
	if (cfg->nhalls > PP_DAY_MAX_HALLS || cfg->nplants > PP_DAY_MAX_PLANTS ||
	    sc->nsignals > PP_DAY_MAX_SIGNALS)
		return pp_err_set(eb, PP_ERR_CONFIG, "a scenario plays up to %d halls, %d plants and "
				  "%d signals", PP_DAY_MAX_HALLS, PP_DAY_MAX_PLANTS, PP_DAY_MAX_SIGNALS);
	struct pp_day *d = calloc(1, sizeof *d);
	if (!d)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	*d = (struct pp_day){.cfg = cfg, .sc = sc, .policy = policy, .dt = sc->step_s,
			     .cool_ratio = 0.25, .alpha = 1};
	d->steps = (long)llround((hours > 0 ? hours : sc->hours) * 3600 / d->dt);
	for (size_t g = 0; g < PP_DAY_MAX_SIGNALS; g++) {
		d->sig_limit_kw[g] = NAN;
		d->sig_met_s[g] = -1;
	}
	for (int k = 0; k < PP_JOB_CLASSES; k++)
		pp_curve_class((enum pp_job_class)k, 0, 1, &d->curve[k]);
	/* The baselines by breaker run in the same controller (the same
	 * readings, worst cases, margins, rise rate and ramp), only planning
	 * the caps their way; grid-proportional watches the grid meter alone. */
	int by_breaker = policy == PP_POLICY_UNIFORM || policy == PP_POLICY_PRIORITY;
	struct pp_ctl_opts o = {.period_ms = d->dt * 1000, .lease_s = 3 * d->dt,
				.baseline = by_breaker ? (int)policy : 0};
	enum pp_err e = build_park(d, eb);
	if (!e && policy != PP_POLICY_OPTIMAL && policy != PP_POLICY_GRID_PROPORTIONAL && !by_breaker)
		e = pp_err_set(eb, PP_ERR_ARG, "the day plays powerpark, uniform, priority or "
			       "grid-proportional, not %s", pp_config_policy_name((int)policy));
	if (!e && (policy == PP_POLICY_OPTIMAL || by_breaker))
		e = pp_ctl_create(cfg, &o, &d->ctl, eb);
	if (!e)
		e = pp_day_jobs_init(d, eb);
	if (e) {
		pp_day_destroy(d);
		return e;
	}
	result_init(d);
	*out = d;
	return PP_OK;
}

void pp_day_destroy(struct pp_day *d)
{
	if (!d)
		return;
	pp_ctl_destroy(d->ctl);
	pp_day_jobs_free(d);
	free(d->racks);
	free(d->reads);
	free(d->read_tags);
	free(d->read_fields);
	free(d->row_kw);
	free(d->rows);
	free(d);
}

struct pp_ctl *pp_day_ctl(struct pp_day *d)
{
	return d->ctl;
}

/* Weather at t_h hours: linear between the hourly readings (hour-ending,
 * so reading i stands for hour i + 1), held at the ends. */
static void weather_at(struct pp_day *d, double t_h)
{
	const struct pp_scenario *sc = d->sc;
	double x = fmod(t_h, (double)sc->nweather) - 1;
	size_t i = x < 0 ? sc->nweather - 1 : (size_t)x;
	size_t j = (i + 1) % sc->nweather;
	double f = x < 0 ? x + 1 : x - (double)i;
	double v[3];
	for (int k = 0; k < 3; k++)
		v[k] = sc->weather[i][k] + f * (sc->weather[j][k] - sc->weather[i][k]);
	d->db = v[0];
	d->wb = pp_psychro_wetbulb(v[0], fmin(v[1], v[0]), v[2]);
}

/* The draw of a rack's GPU: what its work wants, within the cap, never
 * below idle. */
static double gpu_draw(const struct pp_day *d, const struct drack *x)
{
	double want = x->job >= 0 ? d->jobs[x->job].want_w : x->gpu->idle_w;
	return pp_gpu_draw(x->gpu, want, x->cap_w, 0);
}

/* The draw with the hold-down agents set through power smoothing: when
 * work stops or drops, the GPU's draw falls at most holddown_w_per_s (the
 * firmware burns the difference), never above the cap. The extra energy
 * is counted. */
static double held_draw(struct pp_day *d, struct drack *x)
{
	double w = gpu_draw(d, x);
	if (d->holddown_w_per_s > 0) {
		double held = fmin(x->hold_w, x->cap_w);
		if (held > w) {
			d->res.holddown_kwh += x->r->gpus * (held - w) / 1000 * d->dt / 3600;
			w = held;
		}
		x->hold_w = w - d->holddown_w_per_s * d->dt;
	}
	return w;
}

/* The lowest limit of the scenario's signals in force now (only those past
 * their response time with past_grace), or INFINITY. */
static double signal_limit(const struct pp_day *d, int past_grace)
{
	double lim = INFINITY;
	for (size_t g = 0; g < d->sc->nsignals; g++) {
		const struct pp_scen_signal *s = &d->sc->signals[g];
		double from = s->start_h + (past_grace ? s->response_s / 3600 : 0);
		if (!isnan(d->sig_limit_kw[g]) && d->t_h >= from && d->t_h < s->end_h)
			lim = fmin(lim, d->sig_limit_kw[g]);
	}
	return lim;
}

/* Signals arriving this step: each gets its limit (a cut of the draw the
 * meter read last step) and goes to the controller as /v1/grid/event
 * would bring it. Then whether one's response time runs, and when the
 * meter first came under each in force. */
static void signals(struct pp_day *d)
{
	d->in_grace = 0;
	for (size_t g = 0; g < d->sc->nsignals; g++) {
		const struct pp_scen_signal *s = &d->sc->signals[g];
		/* A cut needs a reading of the meter: at the first step there is
		 * none yet, and the signal is taken one step later. */
		if (isnan(d->sig_limit_kw[g]) && d->t_h >= s->at_h && (s->limit_kw > 0 || d->step > 0)) {
			double lim = s->limit_kw > 0 ? s->limit_kw : d->grid_kw * (1 - s->cut);
			d->sig_limit_kw[g] = lim > 1 ? lim : 1;
			char id[32];
			snprintf(id, sizeof id, "signal-%zu", g + 1);
			int64_t t0 = d->sc->start_s;
			struct pp_ctl_event_req q = {id, d->sig_limit_kw[g], 1,
						     t0 + (int64_t)llround(s->start_h * 3600),
						     t0 + (int64_t)llround(s->end_h * 3600)};
			struct pp_ctl_event_ans a;
			struct pp_errbuf eb;
			if (d->ctl && pp_ctl_grid_event(d->ctl, &q, d->now_ns, &a, &eb))
				pp_log(PP_LOG_WARN, "run", "signal %s: %s", id, eb.msg);
		}
		int in_force = !isnan(d->sig_limit_kw[g]) && d->t_h >= s->start_h && d->t_h < s->end_h;
		d->in_grace |= in_force && d->t_h < s->start_h + s->response_s / 3600;
	}
}

static void signals_met(struct pp_day *d)
{
	for (size_t g = 0; g < d->sc->nsignals; g++) {
		const struct pp_scen_signal *s = &d->sc->signals[g];
		if (isnan(d->sig_limit_kw[g]) || d->sig_met_s[g] >= 0 || d->t_h < s->start_h ||
		    d->t_h >= s->end_h)
			continue;
		if (d->grid_kw <= d->sig_limit_kw[g])
			d->sig_met_s[g] = (d->t_h - s->start_h) * 3600;
	}
}

/* The park's power at this step's caps: racks, rows, halls, plants, grid. */
static void physics(struct pp_day *d)
{
	const struct pp_config *cfg = d->cfg;
	memset(d->hall_kw, 0, sizeof d->hall_kw);
	memset(d->row_kw, 0, d->nrows * sizeof *d->row_kw);
	/* A little noise, as meters show, seeded by the step so both policies
	 * see the same. */
	unsigned rng = (unsigned)d->step * 2654435761u + 1;
	for (size_t i = 0; i < d->nracks; i++) {
		struct drack *x = &d->racks[i];
		rng = rng * 1103515245u + 12345u;
		double noise = 1 + 0.004 * ((double)((rng >> 8) & 0xffff) / 65535.0 - 0.5);
		x->kw = (x->r->base_kw + x->r->gpus * held_draw(d, x) / 1000) * noise;
		d->row_kw[x->row] += x->kw;
		d->hall_kw[x->hall] += x->kw;
	}
	d->it_kw = 0;
	for (size_t h = 0; h < cfg->nhalls; h++) {
		d->hall_kw[h] += cfg->halls[h].base_kw;
		d->it_kw += d->hall_kw[h];
	}
	d->cooling_kw = d->water_lph = d->unmet_kw = 0;
	for (size_t p = 0; p < cfg->nplants; p++) {
		const struct pp_plant *pc = &cfg->plants[p];
		double heat = 0;
		for (size_t s = 0; s < pc->nserves; s++)
			for (size_t h = 0; h < cfg->nhalls; h++)
				if (!strcmp(cfg->halls[h].name, pc->serves[s]))
					heat += d->hall_kw[h];
		struct pp_plant_model m = d->plants[p];
		int out = __builtin_popcountll(d->tripped[p]);
		m.n_chillers = m.n_chillers > out ? m.n_chillers - out : 0;
		struct pp_plant_out o;
		/* Physically the reserve runs too: what no chiller can carry is unmet. */
		struct pp_plant_model phys = m;
		phys.reserve = 0;
		pp_plant_eval(&phys, heat, d->db, d->wb, &o);
		d->unmet_kw += o.unmet_kw + fmax(0, heat - o.capacity_kw);
		d->plant_phys_kw[p] = o.capacity_kw;
		d->plant_heat_kw[p] = heat;
		d->plant_cool_kw[p] = o.cooling_kw;
		d->plant_water_lph[p] = o.water_lph;
		d->plant_free[p] = o.free_fraction;
		d->plant_on[p] = o.chillers_on;
		d->plant_chiller_kw[p] = o.chiller_kw;
		/* The limit is the capacity keeping the reserve (N+1): eating into
		 * it is crossing the plant's limit. */
		pp_plant_eval(&m, heat, d->db, d->wb, &o);
		d->plant_cap_kw[p] = o.capacity_kw;
		d->cooling_kw += d->plant_cool_kw[p];
		d->water_lph += d->plant_water_lph[p];
	}
	if (!cfg->nplants)
		d->cooling_kw = 0.25 * d->it_kw;
	d->grid_kw = d->it_kw + d->cooling_kw + cfg->site.other_kw;
	d->cool_ratio = d->it_kw > 0 ? d->cooling_kw / d->it_kw : 0.25;
	/* Under a controller its list also holds the scenario's signals and
	 * those posted to a live run's API; grid-proportional capping knows the
	 * schedule and the signals in force. */
	d->limit_kw = d->ctl ? pp_ctl_grid_limit(d->ctl, d->now_ns)
			     : fmin(pp_ctl_limit_now(cfg, d->now_ns), signal_limit(d, 0));
	/* The limit the day is judged by: the same, but while a signal's
	 * response time runs, without that signal (the schedule and the
	 * signals past theirs; an event posted to a live run's API is not
	 * judged in that window). */
	d->judge_kw = d->in_grace ? fmin(pp_ctl_limit_now(cfg, d->now_ns), signal_limit(d, 1))
				  : d->limit_kw;
}

/* What a collector would send this step: every rack, the site meter, the
 * weather, each chiller's alarm. */
static void feed(struct pp_day *d)
{
	const struct pp_config *cfg = d->cfg;
	int breach = 0;
	char site[] = "site";
	for (size_t i = 0; i < d->nracks; i++) {
		d->read_fields[i].v.f = d->racks[i].kw * 1000;
		d->reads[i].ts_ns = d->now_ns;
	}
	pp_ctl_ingest(d->ctl, d->reads, d->nracks, d->now_ns, &breach);
	struct pp_tag st[] = {{site, cfg->site.name}};
	struct pp_field mf = {.key = "power_kw", .type = PP_F_FLOAT, .v.f = d->grid_kw};
	struct pp_field wf[] = {{.key = "drybulb_c", .type = PP_F_FLOAT, .v.f = d->db},
				{.key = "wetbulb_c", .type = PP_F_FLOAT, .v.f = d->wb}};
	struct pp_sample ms[] = {{"meter", st, 1, &mf, 1, d->now_ns, 1},
				 {"weather", st, 1, wf, 2, d->now_ns, 1}};
	pp_ctl_ingest(d->ctl, ms, 2, d->now_ns, &breach);
	for (size_t p = 0; p < cfg->nplants; p++)
		for (size_t e = 0, k = 0; e < cfg->plants[p].nequip; e++) {
			const struct pp_equip *q = &cfg->plants[p].equip[e];
			if (q->kind != PP_EQ_CHILLER)
				continue;
			struct pp_tag ct[] = {{site, cfg->site.name}, {"plant", cfg->plants[p].name},
					      {"chiller", q->name}};
			struct pp_field cf = {.key = "alarm", .type = PP_F_INT,
					      .v.i = (int64_t)((d->tripped[p] >> k) & 1)};
			struct pp_sample cs = {"chiller", ct, 3, &cf, 1, d->now_ns, 1};
			pp_ctl_ingest(d->ctl, &cs, 1, d->now_ns, &breach);
			k++;
		}
	d->breach = breach;
}

/* Proportional capping: one factor for every GPU, the largest that keeps
 * the grid under its limit at last step's cooling ratio. It sees the grid
 * meter, not the halls, rows or plants. */
static void proportional(struct pp_day *d)
{
	const struct pp_config *cfg = d->cfg;
	double target = d->limit_kw * (1 - cfg->site.margin) - cfg->site.other_kw;
	double lo = 0, hi = 1;
	for (int it = 0; it < 40; it++) {
		double a = (lo + hi) / 2, it_kw = 0;
		for (size_t h = 0; h < cfg->nhalls; h++)
			it_kw += cfg->halls[h].base_kw;
		for (size_t i = 0; i < d->nracks; i++) {
			const struct drack *x = &d->racks[i];
			double cap = pp_gpu_clamp_cap(x->gpu, a * x->gpu->cap_max_w);
			double want = x->job >= 0 ? d->jobs[x->job].want_w : x->gpu->idle_w;
			it_kw += x->r->base_kw + x->r->gpus * pp_gpu_draw(x->gpu, want, cap, 0) / 1000;
		}
		if (it_kw * (1 + d->cool_ratio) <= target)
			lo = a;
		else
			hi = a;
	}
	d->alpha = lo;
	for (size_t i = 0; i < d->nracks; i++)
		d->racks[i].next_cap_w =
			pp_gpu_clamp_cap(d->racks[i].gpu, d->alpha * d->racks[i].gpu->cap_max_w);
}

int pp_day_step(struct pp_day *d, struct pp_errbuf *eb)
{
	if (d->step >= d->steps)
		return 0;
	int rc = 1;
	d->t_h = (double)d->step * d->dt / 3600;
	d->now_ns = (d->sc->start_s + (int64_t)d->step * d->dt) * 1000000000LL;
	/* Agents apply what they leased last step. */
	for (size_t i = 0; i < d->nracks; i++)
		d->racks[i].cap_w = d->racks[i].next_cap_w;
	weather_at(d, d->t_h);
	for (size_t p = 0; p < PP_DAY_MAX_PLANTS; p++)
		d->tripped[p] = 0;
	for (size_t f = 0; f < d->sc->nfaults; f++) {
		const struct pp_scen_fault *ft = &d->sc->faults[f];
		if (d->t_h >= ft->at_h && d->t_h < ft->until_h)
			day_trip(d, ft->chiller);
	}
	pp_day_jobs_tick(d);
	signals(d);
	physics(d);
	signals_met(d);
	if (d->ctl) {
		feed(d);
		if (pp_ctl_cycle(d->ctl, d->now_ns, d->breach, eb))
			rc = -1;
		d->holddown_w_per_s = pp_ctl_holddown(d->ctl);
		for (size_t i = 0; i < d->nracks; i++) {
			struct drack *x = &d->racks[i];
			double cap = pp_ctl_rack_cap(d->ctl, x->r->name);
			/* The agent clamps to the GPU's range, as on a real node. */
			x->next_cap_w = pp_gpu_clamp_cap(x->gpu, isfinite(cap) ? cap : x->gpu->cap_min_w);
		}
	} else {
		proportional(d);
	}
	result_add(d);
	d->step++;
	return rc;
}

int64_t pp_day_clock_ns(const struct pp_day *d)
{
	return d->now_ns;
}
