/* lpdense.c - the bounded primal simplex on a dense tableau (lpdense.h).
 *
 * Columns are the n variables then the m slacks; a nonbasic variable sits
 * at its lower bound 0 or its upper bound u. The start is the slack basis
 * at the caller's point, which must be feasible, so no phase 1 is needed.
 * Dantzig's rule picks the entering column; after a run of degenerate
 * pivots Bland's rule takes over until one makes progress, so the method
 * cannot cycle (nested power limits are degenerate all the time). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lpdense.h"

#define PP_LPD_BLAND_AFTER 30 /* degenerate pivots in a row before Bland's rule */

struct tab {
	size_t m, N, n;
	double *T;        /* m x N */
	double *beta;     /* values of the basic variables */
	double *d;        /* reduced costs */
	size_t *basis;    /* per row, its basic column */
	char *basic, *up; /* per column: basic; nonbasic at its upper bound */
	const double *u;
};

static double ub(const struct tab *t, size_t j)
{
	return j < t->n ? t->u[j] : INFINITY;
}

/* The entering column: the most improving (or under Bland, the first). */
static long entering(const struct tab *t, double dtol, int bland)
{
	long best = -1;
	double bv = 0;
	for (size_t j = 0; j < t->N; j++) {
		if (t->basic[j])
			continue;
		double g = t->up[j] ? -t->d[j] : t->d[j];
		if (g > dtol && (best < 0 || (!bland && g > bv))) {
			best = (long)j;
			bv = g;
			if (bland)
				break;
		}
	}
	return best;
}

static void pivot(struct tab *t, size_t row, size_t j)
{
	size_t N = t->N;
	double *pr = &t->T[row * N], inv = 1 / pr[j];
	for (size_t k = 0; k < N; k++)
		pr[k] *= inv;
	pr[j] = 1;
	for (size_t i = 0; i < t->m; i++) {
		double *ri = &t->T[i * N], f = ri[j];
		if (i == row || f == 0)
			continue;
		for (size_t k = 0; k < N; k++)
			ri[k] -= f * pr[k];
		ri[j] = 0;
	}
	double f = t->d[j];
	for (size_t k = 0; k < N; k++)
		t->d[k] -= f * pr[k];
	t->d[j] = 0;
}

int pp_lpd_solve(struct pp_lpd *p, int max_pivots)
{
	size_t m = p->m, n = p->n, N = n + m;
	struct tab t = {m, N, n, NULL, NULL, NULL, NULL, NULL, NULL, p->u};
	int rc = -1;
	p->pivots = 0;
	t.T = malloc((m * N + 1) * sizeof *t.T);
	t.beta = malloc((m + 1) * sizeof *t.beta);
	t.d = malloc((N + 1) * sizeof *t.d);
	t.basis = malloc((m + 1) * sizeof *t.basis);
	t.basic = calloc(N + 1, 1);
	t.up = calloc(N + 1, 1);
	if (!t.T || !t.beta || !t.d || !t.basis || !t.basic || !t.up)
		goto fail;
	double cmax = 0, rmax = 0;
	for (size_t j = 0; j < n; j++)
		cmax = fmax(cmax, fabs(p->c[j]));
	for (size_t i = 0; i < m; i++)
		rmax = fmax(rmax, fabs(p->r[i]));
	double dtol = 1e-11 * (cmax > 0 ? cmax : 1), ftol = 1e-9 * (1 + rmax);
	for (size_t j = 0; j < n; j++) {
		t.up[j] = p->y[j] > 0;
		t.d[j] = p->c[j];
	}
	for (size_t i = 0; i < m; i++) {
		double *ri = &t.T[i * N], s = p->r[i];
		for (size_t j = 0; j < n; j++) {
			ri[j] = p->A[i * n + j];
			if (t.up[j])
				s -= ri[j] * p->u[j];
		}
		memset(ri + n, 0, m * sizeof *ri);
		ri[n + i] = 1;
		if (s < -ftol)
			goto fail; /* the start breaks a row */
		t.beta[i] = fmax(s, 0);
		t.basis[i] = n + i;
		t.basic[n + i] = 1;
		t.d[n + i] = 0;
	}
	int degenerate = 0;
	for (;;) {
		int bland = degenerate > PP_LPD_BLAND_AFTER;
		long e = entering(&t, dtol, bland);
		if (e < 0)
			break;
		if (p->pivots >= max_pivots)
			goto fail;
		size_t j = (size_t)e;
		double dir = t.up[j] ? -1 : 1, colmax = 0;
		for (size_t i = 0; i < m; i++)
			colmax = fmax(colmax, fabs(t.T[i * N + j]));
		double ptol = 1e-9 * (colmax > 0 ? colmax : 1);
		/* Ratio test: the step before a basic variable or x_j itself
		 * meets a bound; ties go to the larger pivot (or under Bland to
		 * the lowest column). */
		double step = ub(&t, j);
		long row = -1;
		double rpiv = 0;
		for (size_t i = 0; i < m; i++) {
			double a = dir * t.T[i * N + j], lim;
			if (a > ptol)
				lim = t.beta[i] / a;
			else if (a < -ptol && isfinite(ub(&t, t.basis[i])))
				lim = (ub(&t, t.basis[i]) - t.beta[i]) / -a;
			else
				continue;
			lim = fmax(lim, 0);
			int better = !isfinite(step) || lim < step - 1e-12 * (1 + step);
			int tie = !better && lim <= step + 1e-12 * (1 + step) && row >= 0;
			if (better || (tie && (bland ? t.basis[i] < t.basis[row] : fabs(a) > rpiv))) {
				step = lim;
				row = (long)i;
				rpiv = fabs(a);
			}
		}
		if (!isfinite(step))
			goto fail; /* cannot happen with finite u: numerical trouble */
		degenerate = step <= 1e-12 * (1 + rmax) ? degenerate + 1 : 0;
		for (size_t i = 0; i < m; i++)
			t.beta[i] -= dir * step * t.T[i * N + j];
		p->pivots++;
		if (row < 0) { /* x_j goes to its other bound */
			t.up[j] = !t.up[j];
			continue;
		}
		size_t r = (size_t)row, L = t.basis[r];
		t.up[L] = dir * t.T[r * N + j] < 0; /* it left rising to its upper bound */
		t.basic[L] = 0;
		t.beta[r] = (t.up[j] ? ub(&t, j) : 0) + dir * step;
		pivot(&t, r, j);
		t.basis[r] = j;
		t.basic[j] = 1;
		t.up[j] = 0;
	}
	for (size_t j = 0; j < n; j++)
		p->y[j] = t.up[j] ? p->u[j] : 0;
	for (size_t i = 0; i < m; i++)
		if (t.basis[i] < n)
			p->y[t.basis[i]] = fmin(fmax(t.beta[i], 0), p->u[t.basis[i]]);
	for (size_t i = 0; i < m; i++)
		p->lam[i] = fmax(0, -t.d[n + i]);
	rc = 0;
fail:
	free(t.T);
	free(t.beta);
	free(t.d);
	free(t.basis);
	free(t.basic);
	free(t.up);
	return rc;
}
