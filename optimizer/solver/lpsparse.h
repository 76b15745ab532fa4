/* lpsparse.h - a sparse linear program whose columns come in groups
 * sharing one column of A (a job's segments), solved exactly by the
 * bounded revised primal simplex (private to optimizer/solver/). The exact
 * finish uses it on the limits that bind and the jobs that move
 * (docs/optimizer.md, "Exact finish"). */
#ifndef PP_LPSPARSE_H
#define PP_LPSPARSE_H

#include <stddef.h>

/* maximize c'y  subject to  A y <= r,  0 <= y <= u (u finite), where the
 * variables sstart[g] .. sstart[g + 1] - 1 of group g all have the column
 * of A whose entries are (grow, gval)[gstart[g] .. gstart[g + 1] - 1]. */
struct pp_lps {
	size_t m, ng;
	const size_t *gstart; /* borrowed: ng + 1 */
	const int *grow;      /* borrowed: each entry's row, each row once per group */
	const double *gval;   /* borrowed: each entry's coefficient */
	const size_t *sstart; /* borrowed: ng + 1; the variables are 0 .. sstart[ng] - 1 */
	const double *r;      /* borrowed: m */
	const double *c;      /* borrowed: one per variable */
	const double *u;      /* borrowed: one per variable */
	double *y;            /* borrowed, in and out: the start, with A y <= r
			       * (values inside (0, u) are made basic where a
			       * row that binds is left for them, else taken to
			       * 0); out, the optimum */
	int *hint;            /* borrowed, in and out, one per variable, or NULL:
			       * in, the row whose slack a value inside (0, u)
			       * should replace (-1: any that binds); out, the
			       * row each basic variable holds, -1 nonbasic */
	double *lam;          /* borrowed, out: m multipliers (objective per unit of r) */
	int pivots;           /* out: pivots taken */
};

/* Solves p from its start with at most max_pivots pivots. Returns 0 with y
 * optimal and lam its multipliers; -1 when the start is infeasible beyond
 * rounding, memory runs out, the pivots run out or the basis cannot be
 * factored (y and lam then hold nothing of use). Memory: O(m + entries +
 * the eta file); work per pivot: one pass over the groups' entries plus
 * the eta file (refactored every PP_LPS_REFACTOR pivots). */
__attribute__((warn_unused_result)) int pp_lps_solve(struct pp_lps *p, int max_pivots);

#endif
