/* dual.c - the dual sweeps of the continuous part (docs/optimizer.md,
 * "Continuous part: the dual sweeps").
 *
 * The continuous part is a concave separable maximization under packing
 * constraints (every node, plant and the grid limit GPU power from above).
 * It is solved in the dual: one multiplier (price per watt) per constraint,
 * each job answering a price with the power that maximizes its value minus
 * its cost. A small strongly concave term makes every answer continuous in
 * the prices, so each multiplier can be set exactly by GSL root finding on
 * its constraint's load ("water-filling"), sweeping the constraints leaves
 * first until the prices settle; the term is then shrunk (continuation).
 * Extrapolation and Newton steps speed up the sweeps where coupled limits
 * make them creep. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "solver_int.h"

#ifndef PP_EXTRA
#define PP_EXTRA 3 /* sweeps between extrapolations */
#endif
#ifndef PP_NEWTON
#define PP_NEWTON 10 /* sweeps between Newton steps */
#endif
#ifndef PP_TOL
#define PP_TOL 1e-7 /* relative primal gap that ends the sweeps: 7 W at 70 MW;
		      * tighter, coupled limits cycle on rounding for hundreds of sweeps */
#endif
#define PP_SWEEPS 300        /* sweeps per smoothing stage at most */
#define PP_ROOT_ITERS 100    /* Brent iterations per multiplier at most */
#define PP_ROOT_TOL 1e-13    /* the root bracket's width that ends them */
#define PP_POLISH_STEPS 4    /* secant steps inside the final bracket */
#define PP_LAM_MAX 1e30      /* the highest price a bracket is searched up to */
#define PP_EXTRA_MAX 1e6     /* extrapolation: the longest multiple of a step tried */
#define PP_NEWTON_STEPS 30   /* Newton steps per call at most */
#define PP_CG_ITERS 200      /* conjugate gradient iterations per Newton step */
#define PP_NEWTON_MIN 1e-6   /* the shortest share of a Newton step tried */

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
		const struct sv_job *j = &S->j[S->ent[t].i];
		if (!j->run)
			continue;
		double g = S->ent[t].g;
		l += g * pp_sv_job_respond(j, j->pi + (lam - a->base_lam) * g);
	}
	return l - c->b;
}

/* The load is piecewise linear in lam and steep when the smoothing is
 * small, so a bracket of PP_ROOT_TOL can still leave the load 1e-8 under its
 * bound. Secant steps inside the final bracket land on the root when both
 * ends lie on one piece; only points with the load at or under the bound
 * are taken. */
static double polish(struct lam_arg *a, double lo, double hi)
{
	double flo = lam_f(lo, a), fhi = lam_f(hi, a);
	for (int it = 0; it < PP_POLISH_STEPS && flo > 0 && fhi < 0; it++) {
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
				for (hi = old + step; lam_f(hi, &a) > 0 && hi < PP_LAM_MAX; step *= 8)
					lo = hi, hi = old + 8 * step;
			} else {
				hi = old;
				for (lo = old - step; lo > 0 && lam_f(lo, &a) <= 0; step *= 8)
					hi = lo, lo = old - 8 * step;
				lo = fmax(lo, 0);
			}
		} else {
			for (size_t t = c->start; t < c->start + c->n; t++) {
				const struct sv_job *j = &S->j[S->ent[t].i];
				if (j->run && j->nseg)
					hi = fmax(hi, (j->seg[0].s - j->mu * j->G * j->lo) / S->ent[t].g);
			}
			hi = hi * 1.01 + 1e-12;
			while (lam_f(hi, &a) > 0 && hi < PP_LAM_MAX)
				hi *= 2;
		}
		gsl_function F = {lam_f, &a};
		gsl_root_fsolver_set(rs, &F, lo, hi);
		lam = hi;
		double lo_ = lo, hi_ = hi;
		for (int it = 0; it < PP_ROOT_ITERS; it++) {
			if (gsl_root_fsolver_iterate(rs))
				break;
			lo_ = gsl_root_fsolver_x_lower(rs);
			hi_ = gsl_root_fsolver_x_upper(rs);
			lam = hi_; /* the upper end keeps the load at or under the bound */
			if (gsl_root_test_interval(lo_, hi_, 0, PP_ROOT_TOL) == GSL_SUCCESS)
				break;
		}
		lam = polish(&a, lo_, hi_);
	}
	c->lam = lam;
	for (size_t t = c->start; t < c->start + c->n; t++) {
		struct sv_job *j = &S->j[S->ent[t].i];
		j->pi += (lam - old) * S->ent[t].g;
		if (j->pi < 0)
			j->pi = 0;
		if (j->run)
			j->e = pp_sv_job_respond(j, j->pi);
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

/* The smoothed dual at the current multipliers (what the sweeps lower). */
static double dual_value(struct solver *S)
{
	double D = pp_solver_limits_value(S);
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
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
	for (double t = 1; t < PP_EXTRA_MAX; t *= 2) {
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
		struct sv_job *j = &S->j[i];
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
static double give(const struct sv_job *j)
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
		const struct sv_job *j = &S->j[i];
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
	for (int it = 0; it < PP_NEWTON_STEPS && primal_gap(S) >= PP_TOL; it++) {
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
		for (int cg = 0; cg < PP_CG_ITERS && rr > 1e-24 * rr0; cg++) {
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
		for (double t = 1; t > PP_NEWTON_MIN; t *= 0.5) {
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

void pp_dual_prime(struct solver *S, size_t stage)
{
	static const double eps[PP_STAGES] = {1e-2, 1e-3, 1e-4, 1e-5, 1e-6};
	set_mu(S, eps[stage < PP_STAGES ? stage : PP_STAGES - 1]);
	pp_solver_reprice(S);
}

void pp_dual_sweeps(struct solver *S, size_t first, size_t last)
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
		for (int sweep = 0; sweep < PP_SWEEPS; sweep++) {
			if (sweep % PP_EXTRA == 0)
				for (size_t k = 0; k < S->nc; k++)
					prev[k] = S->c[k].lam;
			/* Nodes are listed parents first in most inputs; going from the
			 * end visits leaves before the limits above them. */
			for (size_t k = S->nc; k-- > 0;)
				update(S, k, rs);
			S->sweeps++;
			S->work += (double)S->ents;
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

