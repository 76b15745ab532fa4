/* year.c - a planned year (year.h): the fleet in halls with their plants,
 * the jobs arriving, and each step the policy choosing caps, then the
 * physics (IT heat to the plants, cooling and losses to the grid meter). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "powerpark/curve.h"
#include "powerpark/gpu.h"
#include "powerpark/inst.h"
#include "powerpark/solve.h"
#include "powerpark/year.h"
#include "year_int.h"

struct yhall {
	int gpus, free;
	double base_kw, limit_kw;         /* idle fleet; electrical limit (nameplate) */
	struct pp_plant_model pm;
	double it_kw, cap_kw, cool_kw, water_lph, free_frac, unmet_kw; /* this step */
};

struct yjob {
	int cls, hall, gpus, flex, deferred_ever;
	double left_h, arrive_h, waited_h;
	enum pp_action act;
	double e_w;                       /* per-GPU draw this step */
};

struct year {
	const struct pp_year_spec *s;
	const struct pp_plan *p;
	const struct pp_gpu_model *g;
	struct pp_year_result *r;
	struct yhall *h;
	size_t nh;
	struct pp_curve_table curve[PP_PLAN_MAX_CLASSES];
	struct pp_inst_job tmpl[PP_PLAN_MAX_CLASSES]; /* a class's solver job, power above idle */
	double want_w[PP_PLAN_MAX_CLASSES], want_thr[PP_PLAN_MAX_CLASSES];
	struct yarrival *arr;
	size_t narr, next;
	struct yjob *j;                   /* placed, or held back for power */
	size_t nj, capj;
	struct yjob *q;                   /* waiting for GPUs, in arrival order; gpus 0: gone */
	size_t nq, capq, qgone;
	double queued_gpus;
	double static_w, margin, dt;
	int min_gpus;                     /* the smallest job */
	struct pp_inst in;                /* this step's, rebuilt in its storage */
	struct pp_solve_warm *warm;       /* the last solve's start for the next (NULL: all cold) */
	size_t *inst_job;                 /* job (index in j) -> its instance job */
	size_t *group;                    /* (hall, class) -> instance job + 1, 0: none */
	struct pp_ans_job *best;          /* per job: the best answer that kept the limits */
	size_t cap_inst;                  /* room in inst_job and best */
	double *caps;                     /* per hall: plant capacity the solver sees */
	double delay_sum;
	long delay_n;
};

static const double big_kw = 1e12; /* "no limit" for the solver */

static enum pp_err build_halls(struct year *y, struct pp_errbuf *eb)
{
	const struct pp_plan_design *d = y->s->design;
	const struct pp_weather *wx = y->s->wx;
	size_t n = 0;
	for (size_t k = 0; k < d->nhalls; k++)
		n += (size_t)d->halls[k].count;
	y->h = calloc(n, sizeof *y->h);
	if (!y->h)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	double db04 = pp_weather_db_exceeded(wx, 0.004), wb04 = pp_weather_wb_exceeded(wx, 0.004);
	int left = y->s->gpus;
	for (size_t k = 0; k < d->nhalls; k++) {
		const struct pp_plan_hall *t = &d->halls[k];
		int type = k + 1 == d->nhalls ? left : (int)lround(t->share * y->s->gpus);
		left -= type;
		for (int c = 0; c < t->count; c++) {
			struct yhall *h = &y->h[y->nh++];
			h->gpus = type / t->count + (c < type % t->count);
			h->free = h->gpus;
			h->base_kw = h->gpus * (y->p->host_w + y->g->idle_w) / 1000;
			double name_kw = h->gpus * (y->p->host_w + y->g->cap_max_w) / 1000;
			/* The hall's feeders carry its nameplate: the margin is on top. */
			h->limit_kw = fmax(name_kw, 1) / (1 - y->margin);
			/* Chillers for the nameplate heat at the 0.4 % design hour, each
			 * derated by its curve there, plus the reserve. */
			struct pp_plant_model one;
			if (pp_plant_init(&one, t->cooling, t->chiller, 1, t->chiller_kw, 0,
					  t->supply_c, t->supply_c + 6))
				return pp_err_set(eb, PP_ERR_CONFIG, "design '%s': unknown chiller '%s'",
					       d->name, t->chiller);
			struct pp_plant_out o;
			pp_plant_eval(&one, 1, db04, wb04, &o);
			double each = fmax(o.capacity_kw - o.free_fraction, t->chiller_kw * 0.3);
			int nch = (int)ceil(name_kw * d->oversize / each - 1e-9);
			if (nch < 1)
				nch = 1;
			if (pp_plant_init(&h->pm, t->cooling, t->chiller, nch + t->reserve, t->chiller_kw,
					  t->reserve, t->supply_c, t->supply_c + 6))
				return pp_err_set(eb, PP_ERR_CONFIG, "design '%s': unknown chiller",
					       d->name);
		}
	}
	return PP_OK;
}

/* Heat a plant can carry at this weather when loaded with load_kw: its
 * chillers (reserve kept) over the share the economizer does not carry. */
static double heat_capacity(const struct pp_plant_out *o, double load_kw)
{
	double chillers = o->capacity_kw - o->free_fraction * load_kw;
	return o->free_fraction >= 0.999 ? big_kw : fmax(chillers, 0) / (1 - o->free_fraction);
}

struct stepwx {
	double t, db, wb, grid_eff, limit;
};

/* Plants at the halls' it_kw; returns the grid draw. */
static double physics(struct year *y, const struct stepwx *w)
{
	double it = 0, cool = 0;
	for (size_t i = 0; i < y->nh; i++) {
		struct yhall *h = &y->h[i];
		struct pp_plant_out o;
		pp_plant_eval(&h->pm, h->it_kw, w->db, w->wb, &o);
		h->cool_kw = o.cooling_kw;
		h->water_lph = o.water_lph;
		h->free_frac = o.free_fraction;
		h->unmet_kw = o.unmet_kw;
		h->cap_kw = heat_capacity(&o, h->it_kw);
		it += h->it_kw;
		cool += h->cool_kw;
	}
	return it + cool + y->s->site->other_kw + y->s->site->loss_frac * it;
}

/* Halls' IT from the jobs' actions and draws. */
static void hall_it(struct year *y)
{
	for (size_t i = 0; i < y->nh; i++)
		y->h[i].it_kw = y->h[i].base_kw;
	for (size_t k = 0; k < y->nj; k++) {
		const struct yjob *j = &y->j[k];
		if (j->hall >= 0 && j->act == PP_RUN)
			y->h[j->hall].it_kw += j->gpus * (j->e_w - y->g->idle_w) / 1000;
	}
}

/* 1 when no limit is above its margin (tolerance: rounding). */
static int within(const struct year *y, double grid, const struct stepwx *w)
{
	if (grid > w->grid_eff * (1 + 1e-9) + 1e-6)
		return 0;
	for (size_t i = 0; i < y->nh; i++) {
		const struct yhall *h = &y->h[i];
		if (h->it_kw > h->cap_kw * (1 - y->margin) * (1 + 1e-9) + 1e-6 ||
		    h->it_kw > h->limit_kw * (1 - y->margin) * (1 + 1e-9) + 1e-6)
			return 0;
	}
	return 1;
}

/* The static cap: the highest that keeps every limit with every GPU at it,
 * at every step of the year (nameplate provisioning). */
static double fits_all_at(struct year *y, double cap_w, const struct stepwx *w)
{
	for (size_t i = 0; i < y->nh; i++)
		y->h[i].it_kw = y->h[i].gpus * (y->p->host_w + cap_w) / 1000;
	return within(y, physics(y, w), w);
}

static void weather_at(struct year *y, double t, struct stepwx *w)
{
	struct pp_weather_hour wh;
	pp_weather_at(y->s->wx, t + y->dt / 2, &wh);
	w->t = t;
	w->db = wh.db_c;
	w->wb = wh.wb_c;
	/* An event starting inside the step counts for all of it. */
	w->limit = fmin(pp_year_limit_at(y->s->site, t),
			pp_year_limit_at(y->s->site, t + y->dt * (1 - 1e-9)));
	w->grid_eff = isfinite(w->limit) ? w->limit * (1 - y->margin) : INFINITY;
}

static void static_cap(struct year *y)
{
	double c = y->g->cap_max_w, lo_w = y->g->cap_min_w;
	long steps = (long)llround(y->s->hours / y->dt);
	for (long k = 0; k < steps; k++) {
		struct stepwx w;
		weather_at(y, (double)k * y->dt, &w);
		if (fits_all_at(y, c, &w))
			continue;
		if (!fits_all_at(y, lo_w, &w)) {
			c = lo_w; /* not even the floor: the steps shed jobs */
			break;
		}
		double lo = lo_w, hi = c;
		for (int it = 0; it < PP_YEAR_MAX_HALVINGS && hi - lo > 0.01; it++) {
			double m = 0.5 * (lo + hi);
			if (fits_all_at(y, m, &w))
				lo = m;
			else
				hi = m;
		}
		c = lo;
	}
	y->static_w = c;
}

static int push(struct yjob **a, size_t *n, size_t *cap, const struct yjob *j)
{
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 256;
		struct yjob *na = realloc(*a, nc * sizeof *na);
		if (!na)
			return -1;
		*a = na;
		*cap = nc;
	}
	(*a)[(*n)++] = *j;
	return 0;
}

static int max_free(const struct year *y)
{
	int m = 0;
	for (size_t i = 0; i < y->nh; i++)
		m = y->h[i].free > m ? y->h[i].free : m;
	return m;
}

/* j (not placed) to the hall with the most free GPUs, if it fits. */
static int fit(struct year *y, struct yjob *j, int *maxfree)
{
	if (j->gpus > *maxfree)
		return 0;
	size_t best = 0;
	for (size_t i = 1; i < y->nh; i++)
		if (y->h[i].free > y->h[best].free)
			best = i;
	y->h[best].free -= j->gpus;
	j->hall = (int)best;
	*maxfree = max_free(y);
	return 1;
}

/* Jobs held back for power first (they are the oldest), then the queue in
 * arrival order; a job too big for any hall now waits without holding
 * back smaller ones. */
static int place(struct year *y)
{
	int maxfree = max_free(y);
	for (size_t k = 0; k < y->nj && maxfree >= y->min_gpus; k++)
		if (y->j[k].hall < 0)
			fit(y, &y->j[k], &maxfree);
	for (size_t k = 0; k < y->nq && maxfree >= y->min_gpus; k++) {
		struct yjob *j = &y->q[k];
		if (!j->gpus || !fit(y, j, &maxfree))
			continue;
		if (push(&y->j, &y->nj, &y->capj, j))
			return -1;
		y->queued_gpus -= j->gpus;
		j->gpus = 0;
		y->qgone++;
	}
	/* Compact when half the queue is gone: amortized, the order kept. */
	if (y->qgone > y->nq / 2) {
		size_t o = 0;
		for (size_t k = 0; k < y->nq; k++)
			if (y->q[k].gpus)
				y->q[o++] = y->q[k];
		y->nq = o;
		y->qgone = 0;
	}
	return 0;
}

static int arrive(struct year *y, double t)
{
	for (; y->next < y->narr && y->arr[y->next].t_h <= t; y->next++) {
		const struct yarrival *a = &y->arr[y->next];
		struct yjob j = {.cls = a->cls, .hall = -1, .gpus = a->gpus, .flex = a->flex,
				 .left_h = a->run_h, .arrive_h = a->t_h, .act = PP_RUN};
		if (a->t_h < 0) {
			/* Warm-up: what would still run at the start, as if uncapped. */
			j.left_h = a->t_h + a->run_h;
			j.arrive_h = 0;
			if (j.left_h <= 0)
				continue;
		}
		if (push(&y->q, &y->nq, &y->capq, &j))
			return -1;
		y->queued_gpus += j.gpus;
		y->r->jobs += a->t_h >= 0;
	}
	return place(y);
}

/* Room for every job in the maps to and from the instance (grown with
 * the jobs' array). */
static int inst_grow(struct year *y)
{
	size_t n = y->capj + 1;
	if (n <= y->cap_inst)
		return 0;
	void *b = realloc(y->inst_job, n * sizeof *y->inst_job);
	if (b)
		y->inst_job = b;
	void *d = realloc(y->best, n * sizeof *y->best);
	if (d)
		y->best = d;
	if (!b || !d)
		return -1;
	y->cap_inst = n;
	return 0;
}

static enum pp_err build_inst(struct year *y, struct pp_errbuf *eb)
{
	y->caps = calloc(y->nh + 1, sizeof *y->caps);
	y->group = calloc(y->nh * y->p->nclasses + 1, sizeof *y->group);
	if (!y->caps || !y->group)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	return PP_OK;
}

/* The instance of this step, power above idle (the idle draw of every GPU
 * is in its hall's base): the site over the halls, each hall's plant, the
 * jobs; the numbers that change from try to try are inst_try's. Jobs that
 * must run are interchangeable within a hall and class (same curve, demand
 * and weight), so they are one instance job: the same optimum, and far
 * fewer jobs for the solver. A job that may wait stays on its own:
 * deferring it is a decision about it alone. Returns -1 when out of
 * memory. */
static int fill_inst(struct year *y, const struct stepwx *w)
{
	struct pp_inst *in = &y->in;
	pp_inst_reset(in);
	in->margin = y->margin;
	in->grid_limit_kw = isfinite(w->limit) ? w->limit : big_kw;
	in->grid_other_kw = y->s->site->other_kw;
	if (pp_inst_add_node(in, "site", -1, big_kw, 0))
		return -1;
	for (size_t i = 0; i < y->nh; i++) {
		int node = (int)i + 1;
		if (pp_inst_add_node(in, "hall", 0, y->h[i].limit_kw, y->h[i].base_kw) ||
		    pp_inst_add_plant(in, "plant", 1, &node, 1))
			return -1;
	}
	size_t n = 0, nc = y->p->nclasses;
	memset(y->group, 0, y->nh * nc * sizeof *y->group);
	for (size_t k = 0; k < y->nj; k++) {
		struct yjob *j = &y->j[k];
		if (j->hall < 0)
			continue;
		const struct pp_plan_class *c = &y->p->classes[j->cls];
		int flex = y->s->policy == PP_POLICY_OPTIMAL && j->flex &&
			   j->waited_h < c->max_delay_h;
		size_t *grp = &y->group[(size_t)j->hall * nc + (size_t)j->cls];
		if (!flex && *grp) {
			y->inst_job[k] = *grp - 1;
			in->jobs[*grp - 1].place[0].gpus += j->gpus;
			continue;
		}
		struct pp_inst_job ij = y->tmpl[j->cls];
		struct pp_inst_place pl = {j->hall + 1, j->gpus};
		ij.place = &pl;
		ij.flexible = flex;
		if (pp_inst_add_job(in, &ij))
			return -1;
		if (!flex)
			*grp = n + 1;
		y->inst_job[k] = n++;
	}
	return 0;
}

/* One try's numbers: the cooling the solver takes as linear in IT (coef)
 * and the plants' capacities (y->caps). */
static void inst_try(struct year *y, double coef)
{
	y->in.grid_cooling = coef;
	for (size_t i = 0; i < y->nh; i++)
		y->in.plants[i].capacity_kw = fmax(y->caps[i], 1e-3);
}

/* Caps by the solver under the optimizer or proportional policy, re-solved
 * while the real cooling (not linear in load) or a plant's capacity at the
 * load it got says a limit would be crossed. Returns the grid draw, the
 * halls and plants left at the chosen caps. */
static double policy_solve(struct year *y, const struct stepwx *w)
{
	const struct pp_gpu_model *g = y->g;
	double want_it = 0, want_cool = 0;
	for (size_t i = 0; i < y->nh; i++)
		y->h[i].it_kw = y->h[i].base_kw;
	for (size_t k = 0; k < y->nj; k++) {
		const struct yjob *j = &y->j[k];
		if (j->hall >= 0)
			y->h[j->hall].it_kw += j->gpus * (y->want_w[j->cls] - g->idle_w) / 1000;
	}
	double grid = physics(y, w);
	if (within(y, grid, w)) {
		/* Everything fits at full demand: every policy runs it all so
		 * (deferring or capping would only lose work). No solve needed. */
		for (size_t k = 0; k < y->nj; k++) {
			y->j[k].act = PP_RUN;
			y->j[k].e_w = y->want_w[y->j[k].cls];
		}
		return grid;
	}
	double *caps = y->caps;
	for (size_t i = 0; i < y->nh; i++) {
		want_it += y->h[i].it_kw;
		want_cool += y->h[i].cool_kw;
		caps[i] = y->h[i].cap_kw;
	}
	double coef = (want_it > 0 ? want_cool / want_it : 0) + y->s->site->loss_frac;
	/* Static is sized once (policy_static); every other policy is the
	 * solver's. */
	enum pp_policy pol = y->s->policy;
	/* The solver sees cooling as linear in IT; the plant is not. Bisect the
	 * coefficient between one that crossed a limit and one that kept them,
	 * keeping the best answer that kept them. */
	double ok_coef = NAN, bad_coef = NAN;
	int have = 0;
	int built = !fill_inst(y, w); /* out of memory: no try, as if each solve failed */
	for (int iter = 0; built && iter < 8; iter++) {
		inst_try(y, coef);
		struct pp_ans a;
		struct pp_errbuf eb;
		const struct pp_solve_opts so = {.warm = y->warm};
		if (pp_solve_with(&y->in, pol, &so, &a, &eb))
			break;
		for (size_t k = 0; k < y->nj; k++) {
			struct yjob *j = &y->j[k];
			if (j->hall < 0)
				continue;
			j->act = a.jobs[y->inst_job[k]].action;
			j->e_w = a.jobs[y->inst_job[k]].power_w + g->idle_w;
		}
		int binding = a.grid.binding;
		pp_solve_free(&a);
		hall_it(y);
		grid = physics(y, w);
		double it = 0;
		for (size_t i = 0; i < y->nh; i++)
			it += y->h[i].it_kw;
		if (within(y, grid, w)) {
			for (size_t k = 0; k < y->nj; k++) {
				y->best[k].action = y->j[k].act;
				y->best[k].power_w = y->j[k].e_w;
			}
			have = 1;
			ok_coef = coef;
			if (!binding || grid >= w->grid_eff * (1 - 1e-3) || it <= 0)
				return grid;
			/* Kept the grid with room to spare: the plant needed less. */
			double actual = (grid - it - y->s->site->other_kw) / it;
			coef = isnan(bad_coef) ? actual : 0.5 * (ok_coef + bad_coef);
			continue;
		}
		for (size_t i = 0; i < y->nh; i++)
			if (y->h[i].it_kw > y->h[i].cap_kw * (1 - y->margin))
				caps[i] = fmin(caps[i], y->h[i].cap_kw) * 0.999;
		bad_coef = coef;
		if (!isnan(ok_coef))
			coef = 0.5 * (ok_coef + bad_coef);
		else if (grid > w->grid_eff && it > 0)
			coef += (grid - w->grid_eff) / it * 1.02 + 1e-5;
	}
	if (have) {
		for (size_t k = 0; k < y->nj; k++) {
			y->j[k].act = y->best[k].action;
			y->j[k].e_w = y->best[k].power_w;
		}
	} else {
		/* Not even the idle fleet fits: everything waits, counted as over. */
		for (size_t k = 0; k < y->nj; k++)
			y->j[k].act = y->j[k].hall >= 0 ? PP_PAUSE : PP_RUN;
	}
	hall_it(y);
	return physics(y, w);
}

/* Fixed caps; when even those cross a limit (a floor that does not fit),
 * jobs pause, lowest weight first. Returns the grid draw. */
static double policy_static(struct year *y, const struct stepwx *w)
{
	double grid;
	for (size_t k = 0; k < y->nj; k++) {
		struct yjob *j = &y->j[k];
		j->act = PP_RUN;
		j->e_w = fmin(y->static_w, y->want_w[j->cls]);
	}
	hall_it(y);
	while (!within(y, grid = physics(y, w), w)) {
		struct yjob *low = NULL;
		for (size_t k = 0; k < y->nj; k++) {
			struct yjob *j = &y->j[k];
			if (j->hall >= 0 && j->act == PP_RUN &&
			    (!low || y->p->classes[j->cls].weight < y->p->classes[low->cls].weight))
				low = j;
		}
		if (!low)
			break;
		low->act = PP_PAUSE;
		hall_it(y);
	}
	return grid;
}

/* Books the step: energies, limits, work; then the jobs move on. */
static void account(struct year *y, const struct stepwx *w, double grid)
{
	struct pp_year_result *r = y->r;
	double dt = y->dt, it = 0, cool = 0, water = 0, unmet = 0, free_w = 0;
	int at_cool = 0, at_hall = 0;
	for (size_t i = 0; i < y->nh; i++) {
		const struct yhall *h = &y->h[i];
		it += h->it_kw;
		cool += h->cool_kw;
		water += h->water_lph;
		unmet += h->unmet_kw;
		free_w += h->free_frac * h->it_kw;
		at_cool |= h->it_kw >= h->cap_kw * (1 - y->margin) * (1 - 1e-3);
		at_hall |= h->it_kw >= h->limit_kw * (1 - y->margin) * (1 - 1e-3);
	}
	double other = y->s->site->other_kw + y->s->site->loss_frac * it;
	/* The meter against its parts, from the jobs' draws up. */
	double from_jobs = 0;
	for (size_t i = 0; i < y->nh; i++)
		from_jobs += y->h[i].base_kw;
	double delivered = 0, lost = 0, running = 0, waiting = 0, paused = 0, draw = 0;
	r->queued_gpu_h += y->queued_gpus * dt;
	for (size_t k = 0; k < y->nj; k++) {
		struct yjob *j = &y->j[k];
		if (j->hall < 0) {
			r->queued_gpu_h += j->gpus * dt;
			continue;
		}
		if (j->act == PP_RUN) {
			from_jobs += j->gpus * (j->e_w - y->g->idle_w) / 1000;
			double ratio = pp_curve_table_eval(&y->curve[j->cls], j->e_w) /
				       y->want_thr[j->cls];
			ratio = fmin(fmax(ratio, 1e-6), 1);
			double used = fmin(dt, j->left_h / ratio);
			double wt = y->p->classes[j->cls].weight;
			delivered += j->gpus * ratio * used;
			lost += j->gpus * (1 - ratio) * used;
			r->value_delivered += wt * j->gpus * ratio * used;
			r->value_lost += wt * j->gpus * (1 - ratio) * used;
			r->class_delivered_gpu_h[j->cls] += j->gpus * ratio * used;
			r->class_lost_gpu_h[j->cls] += j->gpus * (1 - ratio) * used;
			j->left_h -= ratio * used;
			running += j->gpus;
			draw += j->gpus * j->e_w;
		} else if (j->act == PP_DEFER) {
			waiting += j->gpus;
			j->waited_h += dt;
			j->deferred_ever = 1;
		} else {
			paused += j->gpus;
			lost += j->gpus * dt;
			r->class_lost_gpu_h[j->cls] += j->gpus * dt;
			r->value_lost += y->p->classes[j->cls].weight * j->gpus * dt;
		}
	}
	r->balance_max_kw = fmax(r->balance_max_kw, fabs(grid - (from_jobs + cool + other)));
	if (!within(y, grid, w))
		r->over_steps++;
	r->unmet_heat_kwh += unmet * dt;
	int at_grid = isfinite(w->grid_eff) && grid >= w->grid_eff * (1 - 1e-3);
	size_t hi = (size_t)floor(w->t + 1e-9);
	struct pp_year_hour *o = &r->hours[hi < r->nhours ? hi : r->nhours - 1];
	if (!o->limit_kw) {
		int weekend;
		pp_year_calendar(w->t, &o->month, &o->day, &o->hod, &weekend);
		o->limit_kw = INFINITY;
		o->headroom_kw = INFINITY;
	}
	o->db_c += w->db * dt;
	o->wb_c += w->wb * dt;
	o->limit_kw = fmin(o->limit_kw, w->limit);
	o->grid_kwh += grid * dt;
	o->it_kwh += it * dt;
	o->cooling_kwh += cool * dt;
	o->other_kwh += other * dt;
	o->water_l += water * dt;
	o->grid_peak_kw = fmax(o->grid_peak_kw, grid);
	o->headroom_kw = fmin(o->headroom_kw, w->grid_eff - grid);
	o->free_frac += (it > 0 ? free_w / it : 0) * dt;
	o->at_grid_h += at_grid * dt;
	o->at_cooling_h += at_cool * dt;
	o->at_hall_h += at_hall * dt;
	o->gpus_running += running * dt;
	o->gpus_waiting += waiting * dt;
	o->gpus_paused += paused * dt;
	o->delivered_gpu_h += delivered;
	o->lost_gpu_h += lost;
	o->cap_w += (running > 0 ? draw / running : 0) * dt;
}

/* Finished jobs leave (the order of the rest is kept: it is the queue).
 * A job deferred for power gives its GPUs back, as a held Slurm job does,
 * and keeps its place in the queue. */
static void retire(struct year *y)
{
	size_t o = 0, k = 0;
	/* Nothing moves in most steps: skip the copy then (a long queue would
	 * make it the cost of the whole year). */
	while (k < y->nj && !(y->j[k].hall >= 0 && (y->j[k].act == PP_DEFER || y->j[k].left_h <= 1e-9)))
		k++;
	o = k;
	for (; k < y->nj; k++) {
		struct yjob *j = &y->j[k];
		if (j->hall >= 0 && j->act == PP_DEFER) {
			y->h[j->hall].free += j->gpus;
			j->hall = -1;
			j->act = PP_RUN;
		}
		if (j->hall >= 0 && j->left_h <= 1e-9) {
			y->h[j->hall].free += j->gpus;
			y->r->jobs_done++;
			if (j->deferred_ever) {
				y->r->jobs_deferred++;
				y->delay_sum += j->waited_h;
				y->delay_n++;
				y->r->delay_max_h = fmax(y->r->delay_max_h, j->waited_h);
			}
			continue;
		}
		y->j[o++] = *j;
	}
	y->nj = o;
}

static enum pp_err setup(struct year *y, struct pp_errbuf *eb)
{
	const struct pp_plan *p = y->p;
	enum pp_err e = build_halls(y, eb);
	if (e)
		return e;
	int max_gpus = 0;
	for (size_t i = 0; i < y->nh; i++)
		max_gpus = y->h[i].gpus > max_gpus ? y->h[i].gpus : max_gpus;
	double warm = 0;
	y->min_gpus = max_gpus;
	for (size_t c = 0; c < p->nclasses; c++) {
		if (p->classes[c].gpus < y->min_gpus)
			y->min_gpus = p->classes[c].gpus;
		pp_curve_class(p->classes[c].cls, y->g->cap_min_w, y->g->cap_max_w, &y->curve[c]);
		y->want_w[c] = fmax(p->classes[c].demand * y->g->cap_max_w, y->g->cap_min_w);
		y->want_thr[c] = pp_curve_table_eval(&y->curve[c], y->want_w[c]);
		struct pp_inst_job *t = &y->tmpl[c];
		const struct pp_gpu_model *g = y->g;
		t->id = "job";
		t->weight = p->classes[c].weight;
		t->p_min_w = g->cap_min_w - g->idle_w;
		t->p_max_w = g->cap_max_w - g->idle_w;
		t->demand_w = y->want_w[c] - g->idle_w;
		t->nplace = 1;
		t->ncurve = y->curve[c].n;
		for (size_t q = 0; q < t->ncurve; q++) {
			t->curve_p[q] = y->curve[c].p_w[q] - g->idle_w;
			t->curve_t[q] = y->curve[c].thr[q];
		}
		warm = fmax(warm, 3 * p->classes[c].run_h);
		if (p->classes[c].gpus > max_gpus && p->classes[c].share > 0 && max_gpus < 1)
			return pp_err_set(eb, PP_ERR_CONFIG, "no hall has GPUs");
	}
	size_t n = pp_year_arrivals(p, y->s->gpus, max_gpus, y->s->seed, fmin(warm, 720),
				    y->s->hours, &y->arr);
	if (n == (size_t)-1)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	y->narr = n;
	return build_inst(y, eb);
}

enum pp_err pp_year_run(const struct pp_year_spec *s, struct pp_year_result *r,
			struct pp_errbuf *eb)
{
	memset(r, 0, sizeof *r);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct year y = {.s = s, .p = s->plan, .g = pp_gpu_find(s->plan->gpu_name), .r = r,
			 .margin = s->plan->margin, .dt = s->step_s / 3600, .warm = pp_solve_warm_create()};
	pp_inst_init(&y.in);
	enum pp_err e = PP_OK;
	if (!y.g) /* the catalog checked the name when the plan was loaded */
		return pp_err_set(eb, PP_ERR_CONFIG, "GPU model '%s' unknown",
				  s->plan->gpu_name ? s->plan->gpu_name : "");
	/* The hours hold the year; its totals are summed from them. */
	r->nhours = (size_t)ceil(s->hours - 1e-9);
	r->hours = calloc(r->nhours, sizeof *r->hours);
	if (!r->hours) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((e = setup(&y, eb)))
		goto out;
	if (s->policy == PP_POLICY_STATIC) {
		static_cap(&y);
		r->static_cap_w = y.static_w;
	}
	long steps = (long)llround(s->hours / y.dt), week = (long)llround(168 / y.dt);
	for (long k = 0; k < steps; k++) {
		struct stepwx w;
		weather_at(&y, (double)k * y.dt, &w);
		if (arrive(&y, w.t) || inst_grow(&y)) {
			e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
			goto out;
		}
		double grid = s->policy == PP_POLICY_STATIC ? policy_static(&y, &w)
							  : policy_solve(&y, &w);
		account(&y, &w, grid);
		retire(&y);
		r->steps++;
		if (s->progress && week && k % week == week - 1)
			s->progress(s->arg, (double)(k + 1) * y.dt);
	}
	for (size_t k = 0; k < y.nq; k++)
		r->jobs_unfinished += y.q[k].gpus > 0;
	for (size_t k = 0; k < y.nj; k++) {
		r->jobs_unfinished += y.j[k].arrive_h > 0 || y.j[k].hall < 0;
		if (y.j[k].deferred_ever) {
			y.delay_sum += y.j[k].waited_h;
			y.delay_n++;
			r->jobs_deferred++;
			r->delay_max_h = fmax(r->delay_max_h, y.j[k].waited_h);
		}
	}
	r->delay_mean_h = y.delay_n ? y.delay_sum / (double)y.delay_n : 0;
	pp_year_totals(r);
	pp_year_costs(r, s, s->gpus * (s->plan->host_w + y.g->cap_max_w) / 1000);
	for (size_t i = 0; i < r->nhours; i++) {
		struct pp_year_hour *o = &r->hours[i];
		double span = fmin(1, s->hours - (double)i);
		o->db_c /= span;
		o->wb_c /= span;
		o->free_frac /= span;
		o->gpus_running /= span;
		o->gpus_waiting /= span;
		o->gpus_paused /= span;
		o->cap_w /= span;
	}
	if (!s->keep_hours)
		pp_year_result_free(r);
out:
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	free(y.h);
	free(y.arr);
	free(y.j);
	free(y.q);
	pp_inst_free(&y.in);
	pp_solve_warm_destroy(y.warm);
	free(y.inst_job);
	free(y.best);
	free(y.caps);
	free(y.group);
	return e;
}

void pp_year_result_free(struct pp_year_result *r)
{
	free(r->hours);
	r->hours = NULL;
	r->nhours = 0;
}
