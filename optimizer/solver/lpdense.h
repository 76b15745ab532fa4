/* lpdense.h - a small dense linear program, solved exactly by the bounded
 * primal simplex (private to optimizer/). The solver uses it to finish the
 * continuous part on the few limits and jobs that are still moving once the
 * dual sweeps have found the rest (docs/optimizer.md, "Exact finish"). */
#ifndef PP_LPDENSE_H
#define PP_LPDENSE_H

#include <stddef.h>

/* maximize c'y  subject to  A y <= r,  0 <= y <= u (u finite). */
struct pp_lpd {
	size_t m, n;
	const double *A;  /* borrowed: m x n, row-major */
	const double *r;  /* borrowed: m */
	const double *c;  /* borrowed: n */
	const double *u;  /* borrowed: n */
	double *y;        /* borrowed, in and out: n; in, each y at 0 or u with
			   * A y <= r (the start), out, the optimum */
	double *lam;      /* borrowed, out: m multipliers (objective per unit of r) */
	int pivots;       /* out: pivots taken */
};

/* Solves p from its start y with at most max_pivots pivots. Returns 0 with
 * y optimal and lam its multipliers; -1 when the start is infeasible beyond
 * rounding, memory runs out, or the pivots run out (y and lam then hold
 * nothing of use). Cost: m (n + m) doubles and as much work per pivot. */
__attribute__((warn_unused_result)) int pp_lpd_solve(struct pp_lpd *p, int max_pivots);

#endif
