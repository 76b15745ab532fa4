/* solver.c - caps and actions for an instance (see solve.h and
 * docs/optimizer.md for the method and its guarantees).
 *
 * The continuous part is a concave separable maximization under packing
 * constraints (every node, plant and the grid limit GPU power from above).
 * It is solved in the dual: one multiplier (price per watt) per constraint,
 * each job answering a price with the power that maximizes its value minus
 * its cost. A small strongly concave term makes every answer continuous in
 * the prices, so each multiplier can be set exactly by GSL root finding on
 * its constraint's load ("water-filling"), sweeping the constraints leaves
 * first until the prices settle; the term is then shrunk (continuation).
 * A repair pass makes the result feasible to rounding; the exact finish
 * (exact.c) then lands on the LP's vertex and proves it, or, where it
 * cannot, a greedy pass hands out what slack the smoothing left. Which
 * flexible jobs run is defer.c's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "powerpark/clock.h"
#include "powerpark/inst.h"
#include "powerpark/log.h"
#include "powerpark/solve.h"
#include "solver_int.h"

#ifndef PP_EXTRA
#define PP_EXTRA 3 /* sweeps between extrapolations */
#endif
#ifndef PP_NEWTON
#define PP_NEWTON 10 /* sweeps between Newton steps */
#endif
#ifndef PP_WARM_STAGE
#define PP_WARM_STAGE 4 /* first smoothing stage of a warm re-solve */
#endif
#define PP_STAGES 5 /* smoothing stages of the dual sweeps */
#ifndef PP_EXACT_STAGE
#define PP_EXACT_STAGE 1 /* stages before the first try of the exact finish */
#endif
#ifndef PP_EXACT_CELLS
#define PP_EXACT_CELLS 1000000 /* largest tableau of the exact finish: 8 MB */
#endif
#ifndef PP_TOL
#define PP_TOL 1e-7 /* relative primal gap that ends the sweeps: 7 W at 70 MW;
		      * tighter, coupled limits cycle on rounding for hundreds of sweeps */
#endif

/* --- per job: the answer to a price --------------------------------- */

/* The power maximizing F(e) - pi e - mu G e^2 / 2 on [lo, hi]: the first
 * segment whose stationary point falls before its end. */
static double respond(const struct sjob *j, double pi)
{
	/* Thresholds instead of a division per segment: this is the inner
	 * loop of every root search. */
	for (int k = 0; k < j->nseg; k++) {
		const struct seg *s = &j->seg[k];
		if (pi >= s->pa)
			return s->a;
		if (pi >= s->pb)
			return (s->s - pi) * j->img;
	}
	return j->hi;
}

double pp_solver_value(const struct solver *S, size_t i, double e)
{
	const struct pp_inst_job *ij = &S->in->jobs[i];
	return ij->weight * S->j[i].G * pp_inst_curve(ij, e);
}

/* --- building ----------------------------------------------------------- */

static void free_solver(struct solver *S)
{
	free(S->j);
	free(S->c);
	free(S->ent);
	free(S->jent);
	free(S->bases);
}

/* Segments of the job's value over [lo, hi]: the curve is linear between
 * its points, linear before the first (same slope), flat after the last. */
static void build_segments(const struct pp_inst_job *ij, struct sjob *j)
{
	double w = ij->weight * j->G;
	double bp[SEG_MAX + 1];
	int nb = 0;
	bp[nb++] = j->lo;
	for (size_t k = 0; k < ij->ncurve; k++)
		if (ij->curve_p[k] > j->lo && ij->curve_p[k] < j->hi)
			bp[nb++] = ij->curve_p[k];
	bp[nb++] = j->hi;
	j->nseg = 0;
	for (int k = 0; k + 1 < nb; k++) {
		double a = bp[k], b = bp[k + 1];
		if (b <= a)
			continue;
		double s = (pp_inst_curve(ij, b) - pp_inst_curve(ij, a)) / (b - a);
		if (ij->ncurve > 1 && b <= ij->curve_p[0]) /* before the first point */
			s = (ij->curve_t[1] - ij->curve_t[0]) / (ij->curve_p[1] - ij->curve_p[0]);
		j->seg[j->nseg++] = (struct seg){a, b, w * (s > 0 ? s : 0), 0, 0};
	}
}

static enum pp_err build(struct solver *S, const struct pp_inst *in, struct pp_errbuf *eb)
{
	memset(S, 0, sizeof *S);
	S->in = in;
	S->nj = in->njobs;
	S->nc = in->nnodes + in->nplants + 1;
	S->j = calloc(S->nj + 1, sizeof *S->j);
	S->c = calloc(S->nc, sizeof *S->c);
	S->bases = calloc(S->nc, sizeof *S->bases);
	/* up[n * width ..]: the constraints over node n (itself, its ancestors,
	 * plants holding any of them, the grid); width bounds their number. */
	size_t depth = 1;
	for (size_t n = 0; n < in->nnodes; n++) {
		size_t d = 0;
		for (int p = (int)n; p >= 0; p = in->nodes[p].parent)
			d++;
		depth = d > depth ? d : depth;
	}
	size_t width = depth + in->nplants + 1;
	int *up = malloc(in->nnodes * width * sizeof *up);
	size_t *nup = calloc(in->nnodes, sizeof *nup);
	double *acc = calloc(S->nc, sizeof *acc);
	int *touched = malloc(S->nc * sizeof *touched);
	char *seen = malloc(S->nc); /* plants already listed over a node */
	size_t total = 0;
	enum pp_err e = PP_OK;
	if (!S->j || !S->c || !S->bases || !up || !nup || !acc || !touched || !seen) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t n = 0; n < in->nnodes; n++) {
		int *u = &up[n * width];
		memset(seen, 0, S->nc);
		for (int p = (int)n; p >= 0; p = in->nodes[p].parent) {
			u[nup[n]++] = p;
			for (size_t q = 0; q < in->nplants; q++)
				for (size_t m = 0; m < in->plants[q].nnodes; m++)
					if (in->plants[q].nodes[m] == p && !seen[in->nnodes + q]) {
						seen[in->nnodes + q] = 1;
						u[nup[n]++] = (int)(in->nnodes + q);
					}
		}
		u[nup[n]++] = (int)(S->nc - 1);
	}
	/* Bases: each node's own base counts in every constraint above it. */
	for (size_t n = 0; n < in->nnodes; n++)
		for (size_t k = 0; k < nup[n]; k++)
			S->bases[up[n * width + k]] += in->nodes[n].base_kw;
	double m1 = 1 - in->margin;
	for (size_t n = 0; n < in->nnodes; n++)
		S->c[n].b = (in->nodes[n].limit_kw * m1 - S->bases[n]) * 1000;
	for (size_t q = 0; q < in->nplants; q++)
		S->c[in->nnodes + q].b =
			(in->plants[q].capacity_kw * m1 - S->bases[in->nnodes + q]) * 1000;
	double gb = (in->grid_limit_kw * m1 - in->grid_other_kw) / (1 + in->grid_cooling);
	S->c[S->nc - 1].b = isfinite(gb) ? (gb - S->bases[S->nc - 1]) * 1000 : INFINITY;
	for (size_t k = 0; k < S->nc; k++)
		if (S->c[k].b < 0) {
			const char *what = k < in->nnodes	      ? in->nodes[k].id
					   : k < S->nc - 1 ? in->plants[k - in->nnodes].id
							   : "grid";
			e = pp_err_set(eb, PP_ERR_ARG, "'%s': the base load alone exceeds its limit "
				    "(less the margin): no caps can hold it", what);
			goto out;
		}
	/* Entries: per job, GPUs under each constraint. */
	size_t cap = 0;
	for (size_t i = 0; i < S->nj; i++) {
		const struct pp_inst_job *ij = &in->jobs[i];
		for (size_t p = 0; p < ij->nplace; p++)
			cap += nup[ij->place[p].node];
	}
	S->jent = malloc((cap + 1) * sizeof *S->jent);
	if (!S->jent) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < S->nj; i++) {
		const struct pp_inst_job *ij = &in->jobs[i];
		struct sjob *j = &S->j[i];
		size_t nt = 0;
		for (size_t p = 0; p < ij->nplace; p++) {
			int n = ij->place[p].node;
			j->G += ij->place[p].gpus;
			for (size_t k = 0; k < nup[n]; k++) {
				int c = up[n * width + k];
				if (acc[c] == 0)
					touched[nt++] = c;
				acc[c] += ij->place[p].gpus;
			}
		}
		j->ce = total;
		for (size_t k = 0; k < nt; k++) {
			S->jent[total++] = (struct ent){touched[k], acc[touched[k]]};
			acc[touched[k]] = 0;
		}
		j->nce = total - j->ce;
		double d = ij->demand_w;
		j->lo = d < ij->p_min_w ? d : ij->p_min_w;
		j->hi = d < ij->p_max_w ? d : ij->p_max_w;
		build_segments(ij, j);
		double smax = j->nseg ? j->seg[0].s : 0;
		j->mu = (smax > 0 ? smax : 1) / (j->G * (j->hi > 0 ? j->hi : 1));
		j->run = 1;
		j->act = PP_RUN;
	}
	/* The transposed lists: per constraint, its jobs. */
	S->ent = malloc((total + 1) * sizeof *S->ent);
	if (!S->ent) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t t = 0; t < total; t++)
		S->c[S->jent[t].i].n++;
	size_t pos = 0;
	for (size_t k = 0; k < S->nc; k++) {
		S->c[k].start = pos;
		pos += S->c[k].n;
		S->c[k].n = 0;
	}
	for (size_t i = 0; i < S->nj; i++)
		for (size_t t = S->j[i].ce; t < S->j[i].ce + S->j[i].nce; t++) {
			struct con *c = &S->c[S->jent[t].i];
			S->ent[c->start + c->n++] = (struct ent){(int)i, S->jent[t].g};
		}
out:
	free(up);
	free(nup);
	free(acc);
	free(touched);
	free(seen);
	if (e)
		free_solver(S);
	return e;
}

/* --- loads and feasibility ------------------------------------------------ */

double pp_solver_load(const struct solver *S, size_t k, int at_lo)
{
	const struct con *c = &S->c[k];
	double l = 0;
	for (size_t t = c->start; t < c->start + c->n; t++) {
		const struct sjob *j = &S->j[S->ent[t].i];
		if (j->run)
			l += S->ent[t].g * (at_lo ? j->lo : j->e);
	}
	return l;
}

int pp_solver_over(double load, double b)
{
	return load > b + 1e-9 * fabs(b) + 1e-9;
}

/* Phase A: with every running job at its floor, a limit that still does
 * not hold defers flexible jobs under it (least value lost per kW freed
 * first), then pauses the others (lowest weight first): shedding. */
static int make_floor_feasible(struct solver *S)
{
	int shedding = 0;
	for (size_t k = 0; k < S->nc; k++) {
		const struct con *c = &S->c[k];
		double l = pp_solver_load(S, k, 1);
		while (pp_solver_over(l, c->b)) {
			long best = -1;
			int best_flex = 0;
			double best_key = INFINITY;
			for (size_t t = c->start; t < c->start + c->n; t++) {
				int i = S->ent[t].i;
				const struct sjob *j = &S->j[i];
				const struct pp_inst_job *ij = &S->in->jobs[i];
				if (!j->run || j->lo * S->ent[t].g <= 0)
					continue;
				double lost = pp_solver_value(S, (size_t)i, j->lo) / (S->ent[t].g * j->lo);
				double key = ij->flexible ? lost : ij->weight;
				/* Flexible jobs go before any job is paused. */
				if ((ij->flexible && !best_flex) ||
				    (ij->flexible == best_flex && key < best_key)) {
					best = i;
					best_flex = ij->flexible;
					best_key = key;
				}
			}
			if (best < 0)
				break; /* base load only: caught in build() */
			struct sjob *j = &S->j[best];
			j->run = 0;
			j->e = 0;
			j->act = best_flex ? PP_DEFER : PP_PAUSE;
			shedding |= !best_flex;
			l = pp_solver_load(S, k, 1);
		}
	}
	return shedding;
}

/* --- the dual: one multiplier per constraint ------------------------------ */

struct lam_arg {
	struct solver *S;
	size_t k;
	double base_lam;
};

/* Load of constraint k minus its bound if its multiplier were lam. */
static double lam_f(double lam, void *p)
{
	const struct lam_arg *a = p;
	const struct solver *S = a->S;
	const struct con *c = &S->c[a->k];
	double l = 0;
	for (size_t t = c->start; t < c->start + c->n; t++) {
		const struct sjob *j = &S->j[S->ent[t].i];
		if (!j->run)
			continue;
		double g = S->ent[t].g;
		l += g * respond(j, j->pi + (lam - a->base_lam) * g);
	}
	return l - c->b;
}

/* The load is piecewise linear in lam and steep when the smoothing is
 * small, so a bracket of 1e-13 can still leave the load 1e-8 under its
 * bound. Secant steps inside the final bracket land on the root when both
 * ends lie on one piece; only points with the load at or under the bound
 * are taken. */
static double polish(struct lam_arg *a, double lo, double hi)
{
	double flo = lam_f(lo, a), fhi = lam_f(hi, a);
	for (int it = 0; it < 4 && flo > 0 && fhi < 0; it++) {
		double x = hi - fhi * (hi - lo) / (fhi - flo);
		if (!(x > lo && x < hi))
			break;
		double fx = lam_f(x, a);
		if (fx > 0) {
			lo = x;
			flo = fx;
		} else {
			hi = x;
			fhi = fx;
		}
	}
	return hi;
}

/* Sets constraint k's multiplier so its load meets its bound (or 0 when it
 * holds at price 0); updates its jobs' prices and powers. */
static double update(struct solver *S, size_t k, gsl_root_fsolver *rs)
{
	struct con *c = &S->c[k];
	if (!c->n || !isfinite(c->b))
		return 0;
	struct lam_arg a = {S, k, c->lam};
	double old = c->lam, lam = 0;
	if (lam_f(0, &a) > 0) {
		/* A bracket around the old price when it has one (the sweeps
		 * move prices little), else from 0 to a price high enough to
		 * push every job to its floor. */
		double lo = 0, hi = 0;
		if (old > 0) {
			double f_old = lam_f(old, &a), step = 1e-3 * old;
			if (f_old > 0) {
				lo = old;
				for (hi = old + step; lam_f(hi, &a) > 0 && hi < 1e30; step *= 8)
					lo = hi, hi = old + 8 * step;
			} else {
				hi = old;
				for (lo = old - step; lo > 0 && lam_f(lo, &a) <= 0; step *= 8)
					hi = lo, lo = old - 8 * step;
				lo = fmax(lo, 0);
			}
		} else {
			for (size_t t = c->start; t < c->start + c->n; t++) {
				const struct sjob *j = &S->j[S->ent[t].i];
				if (j->run && j->nseg)
					hi = fmax(hi, (j->seg[0].s - j->mu * j->G * j->lo) / S->ent[t].g);
			}
			hi = hi * 1.01 + 1e-12;
			while (lam_f(hi, &a) > 0 && hi < 1e30)
				hi *= 2;
		}
		gsl_function F = {lam_f, &a};
		gsl_root_fsolver_set(rs, &F, lo, hi);
		lam = hi;
		double lo_ = lo, hi_ = hi;
		for (int it = 0; it < 100; it++) {
			if (gsl_root_fsolver_iterate(rs))
				break;
			lo_ = gsl_root_fsolver_x_lower(rs);
			hi_ = gsl_root_fsolver_x_upper(rs);
			lam = hi_; /* the upper end keeps the load at or under the bound */
			if (gsl_root_test_interval(lo_, hi_, 0, 1e-13) == GSL_SUCCESS)
				break;
		}
		lam = polish(&a, lo_, hi_);
	}
	c->lam = lam;
	for (size_t t = c->start; t < c->start + c->n; t++) {
		struct sjob *j = &S->j[S->ent[t].i];
		j->pi += (lam - old) * S->ent[t].g;
		if (j->pi < 0)
			j->pi = 0;
		if (j->run)
			j->e = respond(j, j->pi);
	}
	return fabs(lam - old) / (fabs(lam) + fabs(old) + 1e-300);
}

static double primal_gap(const struct solver *S)
{
	double worst = 0;
	for (size_t k = 0; k < S->nc; k++) {
		const struct con *c = &S->c[k];
		if (!c->n || !isfinite(c->b))
			continue;
		double l = pp_solver_load(S, k, 0), r = (l - c->b) / (fabs(c->b) + 1e-9);
		if (c->lam > 0 && r < 0)
			r = -r;
		worst = r > worst ? r : worst;
	}
	return worst;
}

/* Sets every job's price from the multipliers and answers it. */
double pp_solver_price(const struct solver *S, size_t i)
{
	const struct sjob *j = &S->j[i];
	double pi = 0;
	for (size_t t = j->ce; t < j->ce + j->nce; t++)
		if (isfinite(S->c[S->jent[t].i].b)) /* an unlimited one is never priced */
			pi += S->c[S->jent[t].i].lam * S->jent[t].g;
	return pi;
}

double pp_solver_limits_value(const struct solver *S)
{
	double D = 0;
	for (size_t k = 0; k < S->nc; k++)
		if (isfinite(S->c[k].b))
			D += S->c[k].lam * S->c[k].b;
	return D;
}

void pp_solver_reprice(struct solver *S)
{
	for (size_t i = 0; i < S->nj; i++) {
		struct sjob *j = &S->j[i];
		j->pi = pp_solver_price(S, i);
		if (j->run)
			j->e = respond(j, j->pi);
	}
}

/* The smoothed dual at the current multipliers (what the sweeps lower). */
static double dual_value(struct solver *S)
{
	double D = pp_solver_limits_value(S);
	for (size_t i = 0; i < S->nj; i++) {
		const struct sjob *j = &S->j[i];
		if (!j->run)
			continue;
		D += pp_solver_value(S, i, j->e) - j->pi * j->e - 0.5 * j->mu * j->G * j->e * j->e;
	}
	return D;
}

/* Coordinate sweeps zigzag when limits are coupled (a rack and the row
 * above it both binding, jobs spanning racks): the multipliers creep along
 * a valley. After a sweep, the step it made is tried again at 2, 4, 8...
 * times its length (projected on lam >= 0) while the dual keeps falling. */
static void extrapolate(struct solver *S, const double *prev, double *save)
{
	double best = dual_value(S);
	for (size_t k = 0; k < S->nc; k++)
		save[k] = S->c[k].lam;
	double best_t = 0;
	for (double t = 1; t < 1e6; t *= 2) {
		for (size_t k = 0; k < S->nc; k++)
			S->c[k].lam = fmax(0, save[k] + t * (save[k] - prev[k]));
		pp_solver_reprice(S);
		double d = dual_value(S);
		if (!(d < best))
			break;
		best = d;
		best_t = t;
	}
	for (size_t k = 0; k < S->nc; k++)
		S->c[k].lam = fmax(0, save[k] + best_t * (save[k] - prev[k]));
	pp_solver_reprice(S);
}

static void set_mu(struct solver *S, double eps)
{
	for (size_t i = 0; i < S->nj; i++) {
		struct sjob *j = &S->j[i];
		double smax = j->nseg ? j->seg[0].s : 0;
		j->mu = eps * (smax > 0 ? smax : 1) / (j->G * (j->hi > 0 ? j->hi : 1));
		double mg = j->mu * j->G;
		j->img = 1 / mg;
		for (int k = 0; k < j->nseg; k++) {
			j->seg[k].pa = j->seg[k].s - mg * j->seg[k].a;
			j->seg[k].pb = j->seg[k].s - mg * j->seg[k].b;
		}
	}
}

/* Whether job j answers price changes (strictly inside a segment); its
 * power then moves by -1 / (mu G) watts per unit of price. */
static double give(const struct sjob *j)
{
	if (!j->run)
		return 0;
	for (int k = 0; k < j->nseg; k++) {
		double tol = 1e-12 * (j->seg[k].b - j->seg[k].a);
		if (j->e > j->seg[k].a + tol && j->e < j->seg[k].b - tol)
			return 1.0 / (j->mu * j->G);
	}
	return 0;
}

/* y = H x on the active limits: H = A D A^T, D the jobs' give. */
static void hess_mul(const struct solver *S, const char *act, const double *x, double *y,
		     double *tmp)
{
	for (size_t i = 0; i < S->nj; i++) {
		const struct sjob *j = &S->j[i];
		double d = give(j), v = 0;
		if (d > 0)
			for (size_t t = j->ce; t < j->ce + j->nce; t++)
				if (act[S->jent[t].i])
					v += S->jent[t].g * x[S->jent[t].i];
		tmp[i] = d * v;
	}
	for (size_t k = 0; k < S->nc; k++) {
		y[k] = 0;
		if (!act[k])
			continue;
		const struct con *c = &S->c[k];
		for (size_t t = c->start; t < c->start + c->n; t++)
			y[k] += S->ent[t].g * tmp[S->ent[t].i];
		y[k] += 1e-12 * x[k]; /* keeps H definite when a limit has no free job */
	}
}

/* Newton steps on the smoothed dual over the active limits (priced or
 * over), each solved by conjugate gradients without forming H, then
 * projected on lam >= 0 and shortened until the dual falls. Where the
 * sweeps creep, this lands on the point they creep towards. */
static void newton(struct solver *S, double *w)
{
	size_t nc = S->nc;
	char *act = calloc(nc, 1);
	double *r = w, *p = w + nc, *Ap = w + 2 * nc, *x = w + 3 * nc, *z = w + 4 * nc;
	double *tmp = malloc((S->nj + 1) * sizeof *tmp);
	if (!act || !tmp)
		goto out;
	for (int it = 0; it < 30 && primal_gap(S) >= PP_TOL; it++) {
		size_t na = 0;
		for (size_t k = 0; k < nc; k++) {
			const struct con *c = &S->c[k];
			double l = c->n && isfinite(c->b) ? pp_solver_load(S, k, 0) : 0;
			act[k] = c->n && isfinite(c->b) && (c->lam > 0 || l > c->b);
			r[k] = act[k] ? l - c->b : 0;
			x[k] = 0;
			na += act[k];
		}
		if (!na)
			break;
		/* CG on H x = r. */
		memcpy(p, r, nc * sizeof *p);
		memcpy(z, r, nc * sizeof *z);
		double rr = 0;
		for (size_t k = 0; k < nc; k++)
			rr += z[k] * z[k];
		double rr0 = rr;
		for (int cg = 0; cg < 200 && rr > 1e-24 * rr0; cg++) {
			hess_mul(S, act, p, Ap, tmp);
			double pAp = 0;
			for (size_t k = 0; k < nc; k++)
				pAp += p[k] * Ap[k];
			if (!(pAp > 0))
				break;
			double al = rr / pAp, rn = 0;
			for (size_t k = 0; k < nc; k++) {
				x[k] += al * p[k];
				z[k] -= al * Ap[k];
				rn += z[k] * z[k];
			}
			for (size_t k = 0; k < nc; k++)
				p[k] = z[k] + rn / rr * p[k];
			rr = rn;
		}
		/* Step lam + t x (projected), t halved until the dual falls. */
		double d0 = dual_value(S);
		double *save = r; /* r is no longer needed */
		for (size_t k = 0; k < nc; k++)
			save[k] = S->c[k].lam;
		int ok = 0;
		for (double t = 1; t > 1e-6; t *= 0.5) {
			for (size_t k = 0; k < nc; k++)
				S->c[k].lam = act[k] ? fmax(0, save[k] + t * x[k]) : save[k];
			pp_solver_reprice(S);
			if (dual_value(S) < d0) {
				ok = 1;
				break;
			}
		}
		if (!ok) {
			for (size_t k = 0; k < nc; k++)
				S->c[k].lam = save[k];
			pp_solver_reprice(S);
			break;
		}
	}
out:
	free(act);
	free(tmp);
}

static void solve_dual(struct solver *S, size_t first, size_t last)
{
	gsl_root_fsolver *rs = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!rs)
		return;
	static const double eps[PP_STAGES] = {1e-2, 1e-3, 1e-4, 1e-5, 1e-6};
	double *prev = malloc(S->nc * sizeof *prev), *save = malloc(S->nc * sizeof *save);
	double *work = malloc(5 * S->nc * sizeof *work);
	if (!prev || !save || !work)
		goto out;
	for (size_t st = first; st < last && st < sizeof eps / sizeof eps[0]; st++) {
		set_mu(S, eps[st]);
		pp_solver_reprice(S);
		for (int sweep = 0; sweep < 300; sweep++) {
			if (sweep % PP_EXTRA == 0)
				for (size_t k = 0; k < S->nc; k++)
					prev[k] = S->c[k].lam;
			/* Nodes are listed parents first in most inputs; going from the
			 * end visits leaves before the limits above them. */
			for (size_t k = S->nc; k-- > 0;)
				update(S, k, rs);
			S->sweeps++;
			/* Converged when the primal is: no limit over, and every priced
			 * limit met. The prices themselves need not settle (several
			 * can be optimal when limits coincide). */
			if (primal_gap(S) < PP_TOL)
				break;
			if (sweep % PP_EXTRA == PP_EXTRA - 1)
				extrapolate(S, prev, save);
			if (sweep % PP_NEWTON == PP_NEWTON - 1)
				newton(S, work);
		}
	}
out:
	free(prev);
	free(save);
	free(work);
	gsl_root_fsolver_free(rs);
}

/* Lowers powers under any constraint that is still (by rounding) over its
 * bound, cheapest value per watt of it first. */
static void repair(struct solver *S)
{
	for (int pass = 0; pass < 4; pass++) {
		int any = 0;
		for (size_t k = 0; k < S->nc; k++) {
			const struct con *c = &S->c[k];
			double ex = pp_solver_load(S, k, 0) - c->b;
			while (ex > 0) {
				long best = -1;
				double key = INFINITY;
				for (size_t t = c->start; t < c->start + c->n; t++) {
					const struct sjob *j = &S->j[S->ent[t].i];
					if (!j->run || j->e <= j->lo)
						continue;
					double v = pp_sjob_slope_left(j, j->e) / S->ent[t].g;
					if (v < key) {
						key = v;
						best = (long)t;
					}
				}
				if (best < 0)
					break;
				struct sjob *j = &S->j[S->ent[best].i];
				double cut = fmin(ex / S->ent[best].g, j->e - j->lo);
				j->e -= cut;
				ex -= cut * S->ent[best].g;
				any = 1;
			}
		}
		if (!any)
			break;
	}
}

int pp_solver_cmp_key(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return (x[0] < y[0]) - (x[0] > y[0]);
}

/* Hands out the slack left by the smoothing: jobs with the best value per
 * watt of their scarcest constraint first, each up to its next breakpoint
 * or to what its constraints still allow. */
static void fill(struct solver *S)
{
	double *slack = malloc(S->nc * sizeof *slack);
	double *key = malloc((S->nj + 1) * 2 * sizeof *key);
	if (!slack || !key)
		goto out;
	for (int pass = 0; pass < 8; pass++) {
		for (size_t k = 0; k < S->nc; k++)
			slack[k] = S->c[k].b - pp_solver_load(S, k, 0);
		size_t n = 0;
		for (size_t i = 0; i < S->nj; i++) {
			const struct sjob *j = &S->j[i];
			if (!j->run || j->e >= j->hi)
				continue;
			double s = pp_sjob_slope_right(j, j->e);
			if (s <= 0)
				continue;
			/* Value per watt of the constraint that would stop it first. */
			double room = INFINITY, gmax = 0;
			for (size_t t = j->ce; t < j->ce + j->nce; t++) {
				double r = slack[S->jent[t].i] / S->jent[t].g;
				if (r < room) {
					room = r;
					gmax = S->jent[t].g;
				}
			}
			if (room <= 1e-12)
				continue;
			key[2 * n] = s / (gmax > 0 ? gmax : 1);
			key[2 * n + 1] = (double)i;
			n++;
		}
		if (!n)
			break;
		qsort(key, n, 2 * sizeof *key, pp_solver_cmp_key);
		int moved = 0;
		for (size_t q = 0; q < n; q++) {
			struct sjob *j = &S->j[(size_t)key[2 * q + 1]];
			double room = j->hi - j->e;
			for (int k = 0; k < j->nseg; k++)
				if (j->e < j->seg[k].b - 1e-12) {
					room = fmin(room, j->seg[k].b - j->e);
					break;
				}
			for (size_t t = j->ce; t < j->ce + j->nce; t++)
				room = fmin(room, slack[S->jent[t].i] / S->jent[t].g);
			if (room <= 1e-12 * (1 + j->hi))
				continue;
			j->e += room;
			for (size_t t = j->ce; t < j->ce + j->nce; t++)
				slack[S->jent[t].i] -= room * S->jent[t].g;
			moved = 1;
		}
		if (!moved)
			break;
	}
out:
	free(slack);
	free(key);
}

double pp_solver_objective(const struct solver *S)
{
	double v = 0;
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].run)
			v += pp_solver_value(S, i, S->j[i].e);
	return v;
}

/* The continuous part for the running jobs. A warm start (the local
 * searches: one job more or less, the prices already near) skips the
 * coarse smoothing stages, which would only move the prices away. */
int pp_solver_continuous(struct solver *S, int warm)
{
	/* The sweeps approach the vertex; the finish lands on it and proves
	 * it (its pivots' rounding repaired), or changes nothing. It is tried
	 * first after the coarser smoothing stages, where the sweeps are
	 * cheap and the prices already pick out the jobs that move; only if
	 * it cannot prove the answer do the finer stages run. */
	size_t first = warm ? PP_WARM_STAGE : 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t last = pass || first >= PP_EXACT_STAGE ? PP_STAGES : PP_EXACT_STAGE;
		solve_dual(S, first, last);
		repair(S);
		if (pp_exact_finish(S, PP_EXACT_CELLS, 0)) {
			repair(S);
			return 1;
		}
		if (last == PP_STAGES)
			break;
		first = last;
	}
	/* Not proven: hand out the slack the smoothing left. */
	fill(S);
	return 0;
}

/* Baselines: one factor alpha of p_max for every running GPU, the largest
 * that keeps every limit with draws min(alpha p_max, demand) (proportional)
 * or alpha p_max (static: sized as if every job drew its maximum). */
static void baseline(struct solver *S, int worst_case)
{
	double lo = 0, hi = 1;
	for (int it = 0; it < 60; it++) {
		double a = it ? 0.5 * (lo + hi) : 1.0;
		int ok = 1;
		for (size_t i = 0; i < S->nj; i++) {
			struct sjob *j = &S->j[i];
			const struct pp_inst_job *ij = &S->in->jobs[i];
			double cap = fmax(a * ij->p_max_w, ij->p_min_w);
			j->e = worst_case ? cap : fmin(cap, ij->demand_w);
		}
		for (size_t k = 0; ok && k < S->nc; k++)
			ok = !pp_solver_over(pp_solver_load(S, k, 0), S->c[k].b);
		if (!it && ok) {
			lo = 1;
			break;
		}
		if (ok)
			lo = a;
		else
			hi = a;
	}
	for (size_t i = 0; i < S->nj; i++) {
		struct sjob *j = &S->j[i];
		const struct pp_inst_job *ij = &S->in->jobs[i];
		j->e = fmin(fmax(lo * ij->p_max_w, ij->p_min_w), ij->demand_w);
		if (j->e < j->lo)
			j->e = j->lo;
	}
}

static void report(const struct solver *S, struct pp_ans *a)
{
	const struct pp_inst *in = S->in;
	for (size_t i = 0; i < S->nj; i++) {
		const struct sjob *j = &S->j[i];
		const struct pp_inst_job *ij = &in->jobs[i];
		a->jobs[i].action = j->run ? PP_RUN : j->act;
		a->jobs[i].power_w = j->run ? j->e : 0;
		/* The cap is the planned power (never above it: a demand that rises
		 * must not break a limit), at least the GPU's floor. */
		a->jobs[i].cap_w = j->run ? fmin(fmax(j->e, ij->p_min_w), ij->p_max_w) : 0;
	}
	for (size_t k = 0; k < S->nc; k++) {
		struct pp_ans_limit *l = k < in->nnodes	 ? &a->nodes[k]
					 : k < S->nc - 1 ? &a->plants[k - in->nnodes]
							 : &a->grid;
		double gpu_kw = pp_solver_load(S, k, 0) / 1000;
		const struct con *c = &S->c[k];
		l->price = c->lam * 1000;
		double slack = c->b - pp_solver_load(S, k, 0);
		l->binding = isfinite(c->b) && (slack <= 1e-7 * fabs(c->b) + 1e-6);
		if (k < in->nnodes) {
			l->power_kw = S->bases[k] + gpu_kw;
			l->limit_kw = in->nodes[k].limit_kw;
		} else if (k < S->nc - 1) {
			l->power_kw = S->bases[k] + gpu_kw;
			l->limit_kw = in->plants[k - in->nnodes].capacity_kw;
		} else {
			l->power_kw = (S->bases[k] + gpu_kw) * (1 + in->grid_cooling) + in->grid_other_kw;
			l->limit_kw = in->grid_limit_kw;
		}
	}
	a->objective = pp_solver_objective(S);
	a->iterations = S->sweeps;
}

enum pp_err pp_solve(const struct pp_inst *in, enum pp_policy pol, struct pp_ans *a,
		     struct pp_errbuf *eb)
{
	memset(a, 0, sizeof *a);
	if (pol != PP_POLICY_OPTIMAL && pol != PP_POLICY_PROPORTIONAL && pol != PP_POLICY_STATIC)
		return pp_err_set(eb, PP_ERR_ARG, "policy '%s' is not one the solver plays",
				  pp_config_policy_name((int)pol));
	int64_t t0 = pp_clock_mono_ns();
	gsl_set_error_handler_off();
	struct solver S;
	enum pp_err e = build(&S, in, eb);
	if (e)
		return e;
	a->jobs = calloc(in->njobs + 1, sizeof *a->jobs);
	a->nodes = calloc(in->nnodes + 1, sizeof *a->nodes);
	a->plants = calloc(in->nplants + 1, sizeof *a->plants);
	if (!a->jobs || !a->nodes || !a->plants) {
		free_solver(&S);
		pp_solve_free(a);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	a->shedding = make_floor_feasible(&S);
	for (size_t i = 0; i < S.nj; i++)
		if (S.j[i].run)
			S.j[i].e = S.j[i].lo;
	if (pol == PP_POLICY_OPTIMAL) {
		pp_solver_continuous(&S, 0);
		/* The answer's prices are the vertex's where they prove it. */
		if (pp_defer_search(&S, PP_EXACT_CELLS))
			repair(&S);
	} else {
		baseline(&S, pol == PP_POLICY_STATIC);
		repair(&S);
	}
	report(&S, a);
	/* The promise: no limit is exceeded. Checked, never assumed. */
	for (size_t k = 0; k < S.nc; k++)
		if (pp_solver_over(pp_solver_load(&S, k, 0), S.c[k].b)) {
			free_solver(&S);
			pp_solve_free(a);
			return pp_err_set(eb, PP_ERR_ARG, "internal: limit %zu exceeded after solving", k);
		}
	free_solver(&S);
	a->solve_us = (double)(pp_clock_mono_ns() - t0) / 1000.0;
	return PP_OK;
}

void pp_solve_free(struct pp_ans *a)
{
	free(a->jobs);
	free(a->nodes);
	free(a->plants);
	a->jobs = NULL;
	a->nodes = NULL;
	a->plants = NULL;
}
