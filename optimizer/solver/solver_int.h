/* solver_int.h - the solver's state, shared by solver.c (the dual sweeps,
 * repair, fill, deferrals) and exact.c (the exact finish). Private. */
#ifndef PP_SOLVER_INT_H
#define PP_SOLVER_INT_H

#include <math.h>
#include <stddef.h>

#include "powerpark/inst.h"
#include "powerpark/solve.h"

#define SEG_MAX (PP_SOLVE_CURVE_MAX + 1)

struct seg {
	double a, b, s; /* [a, b] per-GPU watts, value per watt per GPU-job (w G f') */
	double pa, pb;  /* prices at which the answer reaches a and b (set_mu) */
};

struct sjob {
	double lo, hi, G, mu;
	double img;       /* 1 / (mu G) */
	struct seg seg[SEG_MAX];
	int nseg;
	size_t ce, nce;   /* its entries in the transposed list (constraint, g) */
	double pi;        /* current price per watt of its power */
	double e;         /* current power per GPU */
	int run;          /* 1 running, 0 deferred or paused */
	enum pp_action act;
	/* The branch and bound (defer.c) relaxes a flexible job: its floor 0
	 * and its value the concave envelope of {0} and its curve, which
	 * meets the curve from pstar on. Its own lo and segments wait here. */
	int relaxed;
	double pstar, tlo;
	struct seg tseg[SEG_MAX];
	int tnseg;
};

struct ent {
	int i;            /* job (row lists) or constraint (job lists) */
	double g;         /* GPUs of the job under the constraint */
};

struct con {
	double b;         /* watts of GPU power allowed */
	double lam;
	size_t start, n;  /* entries in ent[] */
};

struct solver {
	const struct pp_inst *in;
	struct sjob *j;
	size_t nj;
	struct con *c;    /* nodes, then plants, then the grid */
	size_t nc;
	struct ent *ent, *jent;
	double *bases;    /* per constraint: base kW under it */
	int sweeps;
};

/* Right-hand slope of the job's value at e (0 at the top). */
static inline double pp_sjob_slope_right(const struct sjob *j, double e)
{
	for (int k = 0; k < j->nseg; k++)
		if (e < j->seg[k].b - 1e-12 * (1 + fabs(j->seg[k].b)))
			return j->seg[k].s;
	return 0;
}

/* Left-hand slope of the job's value at e (infinite at the floor: a job
 * cannot go lower). */
static inline double pp_sjob_slope_left(const struct sjob *j, double e)
{
	for (int k = j->nseg - 1; k >= 0; k--)
		if (e > j->seg[k].a + 1e-12 * (1 + fabs(j->seg[k].a)))
			return j->seg[k].s;
	return INFINITY;
}

/* solver.c, for defer.c and exact.c. */

/* GPU watts under constraint k: at the running jobs' powers, or with
 * at_lo at their floors. */
double pp_solver_load(const struct solver *S, size_t k, int at_lo);
/* Whether a load exceeds a bound beyond rounding (1e-9 relative). */
int pp_solver_over(double load, double b);
/* Job i's price per watt: its GPUs under each limit times the limit's
 * multiplier. */
double pp_solver_price(const struct solver *S, size_t i);
/* The multipliers times the limits' bounds (the dual's first term). */
double pp_solver_limits_value(const struct solver *S);
/* Sets every job's price from the multipliers and its power from that. */
void pp_solver_reprice(struct solver *S);
/* The objective of the running jobs on their true curves. */
double pp_solver_objective(const struct solver *S);
/* Job i's value (weight x GPUs x curve) at per-GPU power e. */
double pp_solver_value(const struct solver *S, size_t i, double e);
/* qsort order of (key, index) pairs: key descending. */
int pp_solver_cmp_key(const void *a, const void *b);
/* The continuous part for the running jobs: the dual sweeps (from the
 * finest smoothing stages with warm, the prices already near), repair,
 * fill and the exact finish. Returns 1 when the finish proved the answer
 * optimal, 0 when it is the sweeps' (near, not proven). */
int pp_solver_continuous(struct solver *S, int warm);

/* The deferral search (defer.c): which flexible jobs run. Leaves S at the
 * best set found, its continuous part solved, and returns 1 when the exact
 * finish (max_cells) proved that part and set the vertex's prices. */
int pp_defer_search(struct solver *S, size_t max_cells);

/* Finishes the continuous part exactly (exact.c): on the limits that bind
 * and the jobs whose prices sit near a slope, a dense simplex finds the
 * vertex the sweeps approach; the result is kept only when its multipliers
 * prove every running job and every limit optimal (KKT). Returns 1 when it
 * did (powers replaced, and with set_prices the multipliers and prices
 * too), 0 when it left S as it was (the problem too large for max_cells
 * tableau cells, or no proof). The vertex's multipliers are an extreme
 * point of the optimal ones; the deferral search ranks jobs better by the
 * sweeps' smoothed ones, so only the last call sets them. */
int pp_exact_finish(struct solver *S, size_t max_cells, int set_prices);

#endif
