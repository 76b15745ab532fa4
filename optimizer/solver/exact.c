/* exact.c - the exact finish of the continuous part (solver_int.h).
 *
 * The continuous problem is a linear program (the curves are piecewise
 * linear), and the dual sweeps only approach its optimum: where coupled
 * limits make them creep, they stop short. Most jobs are settled by then:
 * their price lies clearly between the slopes on either side of their
 * power, so they sit on a breakpoint and stay there. The rest, and the
 * limits that bind, form a small linear program of their own, which a
 * sparse simplex (lpsparse.c) solves exactly. Its multipliers then price
 * every job and limit; when every settled job is still settled at those
 * prices and no dropped limit is exceeded, the KKT conditions of the whole
 * problem hold and the answer is the optimum. Otherwise the jobs and limits
 * that broke them join the small problem and it is solved again. */
#include <stdlib.h>
#include <string.h>

#include "lpsparse.h"
#include "solver_int.h"

#define PP_EXACT_ROUNDS 8  /* small problems solved per finish at most */
#define PP_EXACT_PIVOTS 50 /* simplex pivots per row and column at most ... */
#define PP_EXACT_PIVOTS_MIN 100 /* ... plus these */
#define PP_EXACT_NEAR 1e-3 /* price within 0.1 % of a slope: the job may move */

struct work {
	char *inC, *fr;        /* per constraint: in the small problem; per job: free */
	int *row;              /* per constraint: its row, or -1 */
	size_t *rowc;          /* per row: its constraint */
	long *hint;            /* per job: the limit its basic segment holds, or -1 */
	double *x, *lam, *pi, *load;
	double work;           /* entry visits of the small problems' pivots */
};

static void loads(const struct solver *S, const double *x, double *load)
{
	memset(load, 0, S->nc * sizeof *load);
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].run)
			for (size_t t = S->j[i].ce; t < S->j[i].ce + S->j[i].nce; t++)
				load[S->jent[t].i] += S->jent[t].g * x[i];
}

static int limited(const struct con *c)
{
	return c->n && isfinite(c->b);
}

/* Whether a limit binds, or nearly: a row of the small problem. */
static int tight(const struct con *c, double load)
{
	return limited(c) && load >= c->b - 1e-4 * (fabs(c->b) + 1);
}

/* Whether job j at power e and price pi is not clearly settled on a
 * breakpoint: inside a segment, or its price near (or past) a slope. */
static int unsettled(const struct sv_job *j, double e, double pi, double near)
{
	double sr = pp_sv_job_slope_right(j, e), sl = pp_sv_job_slope_left(j, e);
	double s0 = j->seg[0].s, tol = near * (s0 > 0 ? s0 : 1);
	return sr > pi - tol || sl < pi + tol;
}

/* One small problem: rows the limits in inC, columns the segments of the
 * free jobs (one group each), the other jobs fixed at x; the free ones
 * start at x, their values inside a segment basic on the rows their hints
 * name. Returns 0 with x, lam and the hints updated. */
static int solve_small(const struct solver *S, struct work *w, size_t max_cells)
{
	size_t m = 0, ng = 0, nnz = 0, n = 0;
	for (size_t k = 0; k < S->nc; k++) {
		w->row[k] = w->inC[k] ? (int)m : -1;
		if (w->inC[k])
			w->rowc[m++] = k;
	}
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
		if (!w->fr[i] || !j->run)
			continue;
		ng++;
		n += (size_t)j->nseg;
		for (size_t t = j->ce; t < j->ce + j->nce; t++)
			nnz += w->row[S->jent[t].i] >= 0;
	}
	if (m + nnz > max_cells)
		return -1;
	size_t *gstart = malloc((ng + 1) * sizeof *gstart);
	size_t *sstart = malloc((ng + 1) * sizeof *sstart);
	int *grow = malloc((nnz + 1) * sizeof *grow), *hint = malloc((n + 1) * sizeof *hint);
	double *gval = malloc((nnz + 1) * sizeof *gval), *r = calloc(m + 1, sizeof *r);
	double *c = malloc((n + 1) * sizeof *c), *u = malloc((n + 1) * sizeof *u);
	double *y = malloc((n + 1) * sizeof *y), *lam = calloc(m + 1, sizeof *lam);
	int rc = -1;
	if (!gstart || !sstart || !grow || !hint || !gval || !r || !c || !u || !y || !lam)
		goto out;
	for (size_t q = 0; q < m; q++)
		r[q] = S->c[w->rowc[q]].b;
	size_t g = 0;
	gstart[0] = sstart[0] = 0;
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
		if (!j->run)
			continue;
		int fr = w->fr[i];
		/* Free jobs count from their floors, fixed ones at x. */
		double fixed = fr ? j->lo : w->x[i];
		size_t e = g < ng ? gstart[g] : 0;
		for (size_t t = j->ce; t < j->ce + j->nce; t++) {
			int rw = w->row[S->jent[t].i];
			if (rw < 0)
				continue;
			r[rw] -= S->jent[t].g * fixed;
			if (fr) {
				grow[e] = rw;
				gval[e++] = S->jent[t].g;
			}
		}
		if (!fr)
			continue;
		size_t v = sstart[g];
		int hr = w->hint[i] >= 0 ? w->row[w->hint[i]] : -1;
		for (int k = 0; k < j->nseg; k++, v++) {
			const struct seg *sg = &j->seg[k];
			c[v] = sg->s;
			u[v] = sg->b - sg->a;
			y[v] = fmin(fmax(w->x[i] - sg->a, 0), u[v]);
			hint[v] = hr;
		}
		gstart[g + 1] = e;
		sstart[g + 1] = v;
		g++;
	}
	struct pp_lps lp = {m, ng, gstart, grow, gval, sstart, r, c, u, y, hint, lam, 0};
	int failed = pp_lps_solve(&lp, (int)(PP_EXACT_PIVOTS * (m + n) + PP_EXACT_PIVOTS_MIN));
	w->work += (double)(lp.pivots + 1) * (double)(m + nnz);
	if (failed)
		goto out;
	g = 0;
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
		if (!w->fr[i] || !j->run)
			continue;
		double e = j->lo;
		w->hint[i] = -1;
		for (size_t v = sstart[g]; v < sstart[g + 1]; v++) {
			e += y[v];
			if (hint[v] >= 0)
				w->hint[i] = (long)w->rowc[hint[v]];
		}
		w->x[i] = fmin(e, j->hi);
		g++;
	}
	for (size_t k = 0; k < S->nc; k++)
		w->lam[k] = w->row[k] >= 0 ? lam[w->row[k]] : 0;
	rc = 0;
out:
	free(gstart);
	free(sstart);
	free(grow);
	free(hint);
	free(gval);
	free(r);
	free(c);
	free(u);
	free(y);
	free(lam);
	return rc;
}

/* The proof: no limit over, and at the prices every running job's power
 * lies where its slopes bracket its price. Jobs and limits that fail it
 * join the small problem; returns how many did. */
static int check(const struct solver *S, struct work *w, double tol)
{
	int bad = 0;
	loads(S, w->x, w->load);
	for (size_t k = 0; k < S->nc; k++)
		if (limited(&S->c[k]) && !w->inC[k] && pp_solver_over(w->load[k], S->c[k].b)) {
			w->inC[k] = 1;
			bad++;
		}
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
		if (!j->run)
			continue;
		double pi = 0;
		for (size_t t = j->ce; t < j->ce + j->nce; t++)
			pi += w->lam[S->jent[t].i] * S->jent[t].g;
		w->pi[i] = pi;
		if (w->fr[i] || !j->nseg) /* one fixed power: nothing to settle */
			continue;
		if (pp_sv_job_slope_right(j, w->x[i]) > pi + tol ||
		    pp_sv_job_slope_left(j, w->x[i]) < pi - tol) {
			w->fr[i] = 1;
			bad++;
			/* Its limits too, so that it meets what holds it and the
			 * next start keeps every limit (rows that do not bind
			 * cost the sparse simplex little). */
			for (size_t t = j->ce; t < j->ce + j->nce; t++)
				if (limited(&S->c[S->jent[t].i]))
					w->inC[S->jent[t].i] = 1;
		}
	}
	return bad;
}

int pp_exact_finish(struct solver *S, size_t max_cells, int set_prices)
{
	/* On laminar limits every continuous part S holds is the greedy
	 * pass's, exact with its multipliers already. */
	if (S->laminar)
		return 1;
	size_t nc = S->nc, nj = S->nj;
	struct work w = {calloc(nc + 1, 1),
			 calloc(nj + 1, 1),
			 malloc((nc + 1) * sizeof(int)),
			 malloc((nc + 1) * sizeof(size_t)),
			 malloc((nj + 1) * sizeof(long)),
			 calloc(nj + 1, sizeof(double)),
			 calloc(nc + 1, sizeof(double)),
			 calloc(nj + 1, sizeof(double)),
			 malloc((nc + 1) * sizeof(double)),
			 0};
	int done = 0;
	if (!w.inC || !w.fr || !w.row || !w.rowc || !w.hint || !w.x || !w.lam || !w.pi || !w.load)
		goto out;
	double smax = 0;
	for (size_t i = 0; i < nj; i++) {
		w.x[i] = S->j[i].run ? S->j[i].e : 0;
		w.hint[i] = -1;
		if (S->j[i].run && S->j[i].nseg)
			smax = fmax(smax, S->j[i].seg[0].s);
	}
	/* After the greedy pass, each job inside a segment holds the limit
	 * it filled: the start's basis, nearly triangular. */
	for (size_t k = 0; S->lgreedy && k < nc; k++)
		if (S->lby[k] >= 0)
			w.hint[S->lby[k]] = (long)k;
	/* At the last solve's vertex (a warm start), its basis. */
	for (size_t i = 0; S->hint_ok && !S->lgreedy && i < nj; i++)
		w.hint[i] = S->jhint[i];
	loads(S, w.x, w.load);
	/* Start: the limits priced or nearly met, the jobs not settled, and
	 * every limit of those jobs. */
	for (size_t k = 0; k < nc; k++) {
		const struct con *c = &S->c[k];
		w.inC[k] = limited(c) && (c->lam > 0 || tight(c, w.load[k]));
	}
	for (size_t i = 0; i < nj; i++) {
		const struct sv_job *j = &S->j[i];
		if (!j->run || !j->nseg)
			continue;
		int held = 0;
		for (size_t t = j->ce; t < j->ce + j->nce; t++)
			held |= w.inC[S->jent[t].i];
		w.fr[i] = held ? unsettled(j, w.x[i], j->pi, PP_EXACT_NEAR)
			       : pp_sv_job_slope_right(j, w.x[i]) > 0; /* unheld: to its top */
	}
	for (size_t i = 0; i < nj; i++)
		for (size_t t = S->j[i].ce; w.fr[i] && t < S->j[i].ce + S->j[i].nce; t++)
			if (limited(&S->c[S->jent[t].i]))
				w.inC[S->jent[t].i] = 1;
	double tol = 1e-9 * (smax > 0 ? smax : 1);
	for (int round = 0; round < PP_EXACT_ROUNDS && !done; round++) {
		if (solve_small(S, &w, max_cells))
			goto out;
		done = check(S, &w, tol) == 0;
	}
	if (!done)
		goto out;
	for (size_t i = 0; i < nj; i++)
		if (S->j[i].run) {
			S->j[i].e = w.x[i];
			if (set_prices)
				S->j[i].pi = w.pi[i];
		}
	for (size_t k = 0; set_prices && k < nc; k++)
		S->c[k].lam = w.lam[k];
	if (S->jhint)
		memcpy(S->jhint, w.hint, nj * sizeof *S->jhint);
	S->at_vertex = S->jhint != NULL;
out:
	S->work += w.work;
	S->lgreedy = 0;
	S->hint_ok = 0;
	free(w.inC);
	free(w.fr);
	free(w.row);
	free(w.rowc);
	free(w.hint);
	free(w.x);
	free(w.lam);
	free(w.pi);
	free(w.load);
	return done;
}
