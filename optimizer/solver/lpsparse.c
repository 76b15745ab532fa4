/* lpsparse.c - the bounded revised primal simplex on sparse columns
 * (lpsparse.h).
 *
 * Variables are the n columns then the m slacks; a nonbasic variable sits
 * at its lower bound 0 or its upper bound u. The basis is kept as a
 * product of eta columns (the product form of the inverse), built afresh
 * every PP_LPS_REFACTOR pivots: rows that one basic column alone still
 * meets are taken first, so the near-triangular bases of a power tree
 * (a rack's job, its row's, its hall's) factor with no fill, and only
 * what is left (the bump) is pivoted by size. The start is the caller's
 * feasible point: its values inside their bounds are made basic on rows
 * that bind (the caller's hint first), so no phase 1 is needed. Dantzig's
 * rule picks the entering variable, the dot product computed once per
 * group; after a run of degenerate pivots Bland's rule takes over until
 * one makes progress, so the method cannot cycle. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lpsparse.h"

#define PP_LPS_BLAND_AFTER 30 /* degenerate pivots in a row before Bland's rule */
#define PP_LPS_REFACTOR 64    /* pivots between factorizations */
#define PP_LPS_DROP 1e-14     /* eta entries below this times the largest are dropped */
#define PP_LPS_SECTION 8      /* partial pricing: an eighth of the groups at a time */

struct eta {
	size_t k, capk, nnz, capnnz;
	int *p;
	double *piv;
	size_t *start; /* k + 1 */
	int *idx;
	double *val;
};

struct lp {
	struct pp_lps *P;
	size_t m, n, N;
	int *gof;     /* per variable: its group */
	int *head;    /* per row: the variable basic there */
	int *pos;     /* per variable: its row when basic, else -1 */
	char *up;     /* per variable: nonbasic at its upper bound */
	double *xB;   /* per row: the basic variable's value */
	double *x, *pi, *dot;
	size_t cursor, scursor; /* the group and the slack the next pricing starts at */
	int *xi;      /* the rows where x may be nonzero, nx of them ... */
	size_t nx;
	char *xm;     /* ... marked */
	struct eta E;
	/* refactor's scratch */
	int *rcnt, *rlist, *stack, *ccnt, *nrow;
	size_t *rstart;
	char *rdone, *cdone, *pivd; /* pivd: rows pivoted in this factorization */
};

/* Rounding allowed on row q (its slack) and on variable v (its bounds). */
static double rtol(const struct pp_lps *P, size_t q)
{
	return 1e-9 * (1 + fabs(P->r[q]));
}

static double vtol(const struct pp_lps *P, size_t v)
{
	return 1e-9 * (1 + P->u[v]);
}

static double ub(const struct lp *L, size_t v)
{
	return v < L->n ? L->P->u[v] : INFINITY;
}

static double cost(const struct lp *L, size_t v)
{
	return v < L->n ? L->P->c[v] : 0;
}

/* x += f * column v (x dense, m). */
static void scatter(const struct lp *L, size_t v, double f, double *x)
{
	if (v >= L->n) {
		x[v - L->n] += f;
		return;
	}
	const struct pp_lps *P = L->P;
	size_t g = (size_t)L->gof[v];
	for (size_t t = P->gstart[g]; t < P->gstart[g + 1]; t++)
		x[P->grow[t]] += f * P->gval[t];
}

static double amax(double a, double b)
{
	return a > b ? a : b;
}

/* x := column v, its rows listed (x zero before, cleared by xclear). */
static void xload(struct lp *L, size_t v)
{
	const struct pp_lps *P = L->P;
	if (v >= L->n) {
		size_t q = v - L->n;
		L->x[q] = 1;
		L->xi[L->nx++] = (int)q;
		L->xm[q] = 1;
		return;
	}
	size_t g = (size_t)L->gof[v];
	for (size_t t = P->gstart[g]; t < P->gstart[g + 1]; t++) {
		size_t q = (size_t)P->grow[t];
		L->x[q] = P->gval[t];
		L->xi[L->nx++] = (int)q;
		L->xm[q] = 1;
	}
}

static void xclear(struct lp *L)
{
	for (size_t t = 0; t < L->nx; t++) {
		L->x[L->xi[t]] = 0;
		L->xm[L->xi[t]] = 0;
	}
	L->nx = 0;
}

static int eta_push(struct eta *E, size_t p, const double *x, const int *xi, size_t nx)
{
	double big = 0;
	for (size_t t = 0; t < nx; t++)
		big = amax(big, fabs(x[xi[t]]));
	if (E->k + 1 >= E->capk) {
		size_t c = E->capk ? 2 * E->capk : 256;
		int *np = realloc(E->p, c * sizeof *np);
		if (np)
			E->p = np;
		double *nv = realloc(E->piv, c * sizeof *nv);
		if (nv)
			E->piv = nv;
		size_t *ns = realloc(E->start, (c + 1) * sizeof *ns);
		if (ns)
			E->start = ns;
		if (!np || !nv || !ns)
			return -1;
		E->capk = c;
	}
	if (E->nnz + nx >= E->capnnz) {
		size_t c = E->capnnz ? 2 * E->capnnz : 4096;
		while (c < E->nnz + nx + 1)
			c *= 2;
		int *ni = realloc(E->idx, c * sizeof *ni);
		if (ni)
			E->idx = ni;
		double *nv = realloc(E->val, c * sizeof *nv);
		if (nv)
			E->val = nv;
		if (!ni || !nv)
			return -1;
		E->capnnz = c;
	}
	E->start[E->k] = E->nnz;
	E->p[E->k] = (int)p;
	E->piv[E->k] = x[p];
	for (size_t t = 0; t < nx; t++) {
		size_t i = (size_t)xi[t];
		if (i != p && fabs(x[i]) > PP_LPS_DROP * big) {
			E->idx[E->nnz] = (int)i;
			E->val[E->nnz++] = x[i];
		}
	}
	E->k++;
	E->start[E->k] = E->nnz;
	return 0;
}

/* x := B^-1 x. With mark, the rows that fill are added to list (n of
 * them, marked), so that only they need reading and clearing after. */
static void ftran(const struct eta *E, double *x, char *mark, int *list, size_t *n)
{
	for (size_t k = 0; k < E->k; k++) {
		size_t p = (size_t)E->p[k];
		double t = x[p];
		if (t == 0)
			continue;
		t /= E->piv[k];
		x[p] = t;
		for (size_t q = E->start[k]; q < E->start[k + 1]; q++) {
			size_t i = (size_t)E->idx[q];
			if (mark && !mark[i]) {
				mark[i] = 1;
				list[(*n)++] = (int)i;
			}
			x[i] -= E->val[q] * t;
		}
	}
}

/* The work vector's ftran, its rows listed. */
static void xftran(struct lp *L)
{
	ftran(&L->E, L->x, L->xm, L->xi, &L->nx);
}

/* y := B^-T y. */
static void btran(const struct eta *E, double *y)
{
	for (size_t k = E->k; k-- > 0;) {
		size_t p = (size_t)E->p[k];
		double s = y[p];
		for (size_t q = E->start[k]; q < E->start[k + 1]; q++)
			s -= E->val[q] * y[E->idx[q]];
		y[p] = s / E->piv[k];
	}
}

/* One basic column v pivoted on row q in the factorization. A column
 * that meets no row pivoted so far is its own transform (the etas so far
 * change only those rows), which makes the triangular part cost its
 * entries instead of a pass over the eta file per column. */
static int place(struct lp *L, size_t v, size_t q)
{
	double *x = L->x;
	xload(L, v);
	int meets = 0;
	for (size_t t = 0; t < L->nx && !meets; t++)
		meets = L->pivd[L->xi[t]];
	if (meets)
		xftran(L);
	double big = 0;
	for (size_t t = 0; t < L->nx; t++)
		big = amax(big, fabs(x[L->xi[t]]));
	int bad = !(fabs(x[q]) > 1e-9 * big) || eta_push(&L->E, q, x, L->xi, L->nx);
	xclear(L);
	if (bad)
		return -1;
	L->head[q] = (int)v;
	L->pos[v] = (int)q;
	L->pivd[q] = 1;
	return 0;
}

/* The values of the basic variables at the nonbasic ones' bounds. */
static void values(struct lp *L)
{
	const struct pp_lps *P = L->P;
	memcpy(L->xB, P->r, L->m * sizeof *L->xB);
	for (size_t v = 0; v < L->n; v++)
		if (L->pos[v] < 0 && L->up[v])
			scatter(L, v, -P->u[v], L->xB);
	ftran(&L->E, L->xB, NULL, NULL, NULL);
}

/* Factors the basis afresh: the basic columns (those with pos >= 0) are
 * placed on the rows whose slacks are nonbasic, row singletons first. */
static int refactor(struct lp *L)
{
	const struct pp_lps *P = L->P;
	size_t m = L->m, n = L->n, nb = 0, nk = 0;
	L->E.k = L->E.nnz = 0;
	memset(L->pivd, 0, m);
	for (size_t q = 0; q < m; q++) {
		int kern = L->pos[n + q] < 0;
		nk += (size_t)kern;
		L->rcnt[q] = 0;
		L->rdone[q] = !kern;
		if (!kern)
			L->head[q] = (int)(n + q);
	}
	for (size_t v = 0; v < n; v++) {
		L->cdone[v] = L->pos[v] < 0;
		if (L->pos[v] < 0)
			continue;
		nb++;
		size_t g = (size_t)L->gof[v];
		for (size_t t = P->gstart[g]; t < P->gstart[g + 1]; t++)
			L->rcnt[P->grow[t]] += !L->rdone[P->grow[t]];
	}
	if (nb != nk)
		return -1;
	L->rstart[0] = 0;
	for (size_t q = 0; q < m; q++)
		L->rstart[q + 1] = L->rstart[q] + (size_t)L->rcnt[q];
	for (size_t v = 0; v < n; v++) {
		if (L->cdone[v])
			continue;
		size_t g = (size_t)L->gof[v];
		L->ccnt[v] = 0;
		for (size_t t = P->gstart[g]; t < P->gstart[g + 1]; t++) {
			size_t q = (size_t)P->grow[t];
			if (L->rdone[q])
				continue;
			L->rlist[L->rstart[q] + (size_t)--L->rcnt[q]] = (int)v;
			L->ccnt[v]++;
		}
	}
	size_t ns = 0;
	for (size_t q = 0; q < m; q++) {
		L->rcnt[q] = (int)(L->rstart[q + 1] - L->rstart[q]);
		if (!L->rdone[q] && L->rcnt[q] == 1)
			L->stack[ns++] = (int)q;
	}
	for (size_t placed = 0; placed < nb; placed++) {
		long v = -1, q = -1;
		while (ns && q < 0) {
			size_t r = (size_t)L->stack[--ns];
			if (L->rdone[r] || L->rcnt[r] != 1)
				continue;
			for (size_t t = L->rstart[r]; t < L->rstart[r + 1]; t++)
				if (!L->cdone[L->rlist[t]])
					v = L->rlist[t];
			q = v >= 0 ? (long)r : -1;
		}
		if (q < 0) { /* the bump: the column with fewest rows left, its largest pivot */
			for (size_t j = 0; j < n; j++)
				if (!L->cdone[j] && (v < 0 || L->ccnt[j] < L->ccnt[v]))
					v = (long)j;
			if (v < 0)
				return -1;
			double *x = L->x, best = 0;
			xload(L, (size_t)v);
			xftran(L);
			for (size_t t = 0; t < L->nx; t++) {
				size_t r = (size_t)L->xi[t];
				if (!L->rdone[r] && fabs(x[r]) > best) {
					best = fabs(x[r]);
					q = (long)r;
				}
			}
			xclear(L);
			if (q < 0)
				return -1; /* singular */
		}
		if (place(L, (size_t)v, (size_t)q))
			return -1;
		L->rdone[q] = 1;
		L->cdone[v] = 1;
		for (size_t t = L->rstart[q]; t < L->rstart[q + 1]; t++)
			L->ccnt[L->rlist[t]]--;
		size_t g = (size_t)L->gof[v];
		for (size_t t = P->gstart[g]; t < P->gstart[g + 1]; t++) {
			size_t r = (size_t)P->grow[t];
			if (!L->rdone[r] && --L->rcnt[r] == 1)
				L->stack[ns++] = (int)r;
		}
	}
	values(L);
	return 0;
}

/* Whether the basis holds the start: every basic value within its bounds. */
static int holds(const struct lp *L)
{
	for (size_t q = 0; q < L->m; q++) {
		size_t v = (size_t)L->head[q];
		double tol = v < L->n ? vtol(L->P, v) : rtol(L->P, v - L->n);
		if (L->xB[q] < -tol || L->xB[q] > ub(L, v) + tol)
			return 0;
	}
	return 1;
}

/* The start: values inside their bounds basic on rows that bind (the
 * hint's, else the one with fewest groups), the rest at a bound (taken to
 * 0 when no row is left for them). Falls back to the slack basis with
 * every such value at 0 when that basis does not factor or hold. */
static int crash(struct lp *L, const int *nrow)
{
	const struct pp_lps *P = L->P;
	size_t m = L->m, n = L->n;
	double *s = L->pi, *y = P->y;
	for (int attempt = 0; attempt < 2; attempt++) {
		memcpy(s, P->r, m * sizeof *s);
		for (size_t v = 0; v < n; v++)
			if (y[v] != 0)
				scatter(L, v, -y[v], s);
		for (size_t q = 0; q < m; q++)
			if (s[q] < -rtol(P, q))
				return -1; /* the start breaks a row */
		for (size_t v = 0; v < L->N; v++)
			L->pos[v] = -1;
		for (size_t q = 0; q < m; q++)
			L->pos[n + q] = (int)q;
		for (size_t pass = 0; pass < 2 && !attempt; pass++)
			for (size_t v = 0; v < n; v++) {
				double e = 1e-12 * (1 + P->u[v]);
				if (L->pos[v] >= 0 || !(y[v] > e && y[v] < P->u[v] - e))
					continue;
				size_t g = (size_t)L->gof[v];
				long best = -1;
				for (size_t t = P->gstart[g]; t < P->gstart[g + 1]; t++) {
					size_t q = (size_t)P->grow[t];
					if (L->pos[n + q] < 0 || s[q] > 1e3 * rtol(P, q))
						continue;
					if (!pass ? P->hint && P->hint[v] == (int)q
						  : best < 0 || nrow[q] < nrow[best])
						best = (long)q;
				}
				if (best >= 0) {
					L->pos[n + (size_t)best] = -1;
					L->pos[v] = (int)best;
				}
			}
		for (size_t v = 0; v < n; v++) {
			double e = 1e-12 * (1 + P->u[v]);
			if (L->pos[v] >= 0)
				continue;
			if (attempt || y[v] < P->u[v] - e)
				y[v] = 0;
			else
				y[v] = P->u[v];
			L->up[v] = y[v] > 0;
		}
		if (!refactor(L) && holds(L))
			return 0;
	}
	return -1;
}

/* How much nonbasic variable v improves the objective per unit moved
 * off its bound (<= 0: it does not), its group's dot product known. */
static inline double gain(const struct lp *L, size_t v)
{
	double d = v < L->n ? L->P->c[v] - L->dot[L->gof[v]] : -L->pi[v - L->n];
	return L->up[v] ? -d : d;
}

/* The entering variable, -1 at the optimum; leaves pi the row
 * multipliers. Partial pricing: the slacks, then groups from where the
 * last search stopped, the most improving among the first
 * PP_LPS_SECTION-th of them that holds one (all groups seen before the
 * optimum is declared). Under Bland's rule, the lowest index. */
static long entering(struct lp *L, double dtol, int bland)
{
	const struct pp_lps *P = L->P;
	size_t m = L->m, n = L->n, ng = P->ng;
	for (size_t q = 0; q < m; q++)
		L->pi[q] = cost(L, (size_t)L->head[q]);
	btran(&L->E, L->pi);
	long best = -1;
	double bv = 0;
	size_t section = bland ? ng : ng / PP_LPS_SECTION + 64;
	for (size_t seen = 0; seen < ng && (best < 0 || seen < section); seen++) {
		size_t g = bland ? seen : (L->cursor + seen) % ng;
		double d = 0;
		for (size_t t = P->gstart[g]; t < P->gstart[g + 1]; t++)
			d += L->pi[P->grow[t]] * P->gval[t];
		L->dot[g] = d;
		for (size_t v = P->sstart[g]; v < P->sstart[g + 1]; v++) {
			double e = L->pos[v] < 0 ? gain(L, v) : 0;
			if (e > dtol && (best < 0 || (!bland && e > bv))) {
				best = (long)v;
				bv = e;
				if (bland)
					return best;
			}
		}
		if (!bland && best >= 0 && seen + 1 >= section)
			L->cursor = (g + 1) % ng;
	}
	/* The slacks likewise, a section at a time from their own cursor,
	 * every one of them seen before the optimum is declared. */
	size_t ssec = bland ? m : m / PP_LPS_SECTION + 64;
	long sbest = -1;
	double sv = 0;
	for (size_t seen = 0; seen < m && (best < 0 || seen < ssec); seen++) {
		size_t q = bland ? seen : (L->scursor + seen) % m;
		if (L->pos[n + q] >= 0 || !(-L->pi[q] > dtol))
			continue;
		if (sbest < 0 || -L->pi[q] > sv) {
			sbest = (long)(n + q);
			sv = -L->pi[q];
			if (bland)
				break;
		}
		if (!bland && seen + 1 >= ssec)
			L->scursor = (q + 1) % m;
	}
	if (sbest >= 0 && (best < 0 || (!bland && sv > bv)))
		best = sbest;
	return best;
}

/* One pivot on entering variable e; 1 when it was degenerate, -1 on
 * failure. */
static int step(struct lp *L, size_t e, int bland, double rmax)
{
	double *a = L->x, dir = L->up[e] ? -1 : 1, colmax = 0;
	xload(L, e);
	xftran(L);
	for (size_t t = 0; t < L->nx; t++)
		colmax = amax(colmax, fabs(a[L->xi[t]]));
	double ptol = 1e-9 * (colmax > 0 ? colmax : 1);
	/* Ratio test: the step before a basic variable or the entering one
	 * meets a bound; ties go to the larger pivot (under Bland the lowest
	 * variable). */
	double lim = ub(L, e);
	long row = -1;
	double rpiv = 0;
	for (size_t t = 0; t < L->nx; t++) {
		size_t i = (size_t)L->xi[t];
		double ai = dir * a[i], s;
		size_t b = (size_t)L->head[i];
		if (ai > ptol)
			s = L->xB[i] / ai;
		else if (ai < -ptol && isfinite(ub(L, b)))
			s = (ub(L, b) - L->xB[i]) / -ai;
		else
			continue;
		s = amax(s, 0);
		int better = !isfinite(lim) || s < lim - 1e-12 * (1 + lim);
		int tie = !better && s <= lim + 1e-12 * (1 + lim) && row >= 0;
		if (better || (tie && (bland ? b < (size_t)L->head[row] : fabs(ai) > rpiv))) {
			lim = s;
			row = (long)i;
			rpiv = fabs(ai);
		}
	}
	int rc = -1;
	if (!isfinite(lim))
		goto out; /* cannot happen with finite u: numerical trouble */
	for (size_t t = 0; t < L->nx; t++)
		L->xB[L->xi[t]] -= dir * lim * a[L->xi[t]];
	rc = lim <= 1e-12 * (1 + rmax);
	if (row < 0) { /* the entering variable goes to its other bound */
		L->up[e] = !L->up[e];
		goto out;
	}
	size_t r = (size_t)row, out = (size_t)L->head[r];
	L->up[out] = dir * a[r] < 0; /* it left rising to its upper bound */
	L->pos[out] = -1;
	L->xB[r] = (L->up[e] ? ub(L, e) : 0) + dir * lim;
	if (eta_push(&L->E, r, a, L->xi, L->nx)) {
		rc = -1;
		goto out;
	}
	L->head[r] = (int)e;
	L->pos[e] = (int)r;
	L->up[e] = 0;
out:
	xclear(L);
	return rc;
}

static int run(struct lp *L, int max_pivots)
{
	struct pp_lps *P = L->P;
	size_t m = L->m, n = L->n;
	double cmax = 0, rmax = 0;
	for (size_t v = 0; v < n; v++)
		cmax = fmax(cmax, fabs(P->c[v]));
	for (size_t q = 0; q < m; q++)
		rmax = fmax(rmax, fabs(P->r[q]));
	double dtol = 1e-11 * (cmax > 0 ? cmax : 1);
	memset(L->nrow, 0, m * sizeof *L->nrow);
	for (size_t t = 0; t < P->gstart[P->ng]; t++)
		L->nrow[P->grow[t]]++;
	if (crash(L, L->nrow))
		return -1;
	int degenerate = 0;
	size_t since = 0;
	for (;;) {
		if (since >= PP_LPS_REFACTOR) {
			if (refactor(L))
				return -1;
			since = 0;
		}
		int bland = degenerate > PP_LPS_BLAND_AFTER;
		long e = entering(L, dtol, bland);
		if (e < 0)
			break;
		if (P->pivots >= max_pivots)
			return -1;
		int d = step(L, (size_t)e, bland, rmax);
		if (d < 0)
			return -1;
		degenerate = d ? degenerate + 1 : 0;
		P->pivots++;
		since++;
	}
	for (size_t v = 0; v < n; v++) {
		P->y[v] = L->up[v] ? P->u[v] : 0;
		if (L->pos[v] >= 0)
			P->y[v] = fmin(fmax(L->xB[L->pos[v]], 0), P->u[v]);
	}
	/* Pivots leave basic variables on any row; factored afresh, each
	 * holds a row whose slack is nonbasic: the hint for the next start. */
	int placed = P->hint && !refactor(L);
	for (size_t v = 0; P->hint && v < n; v++)
		P->hint[v] = placed ? L->pos[v] : -1;
	/* A row whose slack is basic has multiplier 0 exactly (the back
	 * substitution leaves rounding there). */
	for (size_t q = 0; q < m; q++)
		P->lam[q] = L->pos[n + q] >= 0 ? 0 : fmax(0, L->pi[q]);
	return 0;
}

int pp_lps_solve(struct pp_lps *p, int max_pivots)
{
	size_t m = p->m, n = p->sstart[p->ng], N = n + m;
	struct lp L = {.P = p, .m = m, .n = n, .N = N};
	int rc = -1;
	p->pivots = 0;
	L.gof = malloc((n + 1) * sizeof *L.gof);
	L.head = malloc((m + 1) * sizeof *L.head);
	L.pos = malloc((N + 1) * sizeof *L.pos);
	L.up = calloc(N + 1, 1);
	L.xB = malloc((m + 1) * sizeof *L.xB);
	L.x = calloc(m + 1, sizeof *L.x);
	L.xi = malloc((m + 1) * sizeof *L.xi);
	L.xm = calloc(m + 1, 1);
	L.pi = malloc((m + 1) * sizeof *L.pi);
	L.dot = malloc((p->ng + 1) * sizeof *L.dot);
	L.rcnt = malloc((m + 1) * sizeof *L.rcnt);
	L.rlist = malloc((p->gstart[p->ng] + 1) * sizeof *L.rlist);
	L.stack = malloc((p->gstart[p->ng] + m + 1) * sizeof *L.stack);
	L.ccnt = malloc((n + 1) * sizeof *L.ccnt);
	L.nrow = malloc((m + 1) * sizeof *L.nrow);
	L.rstart = malloc((m + 1) * sizeof *L.rstart);
	L.rdone = malloc(m + 1);
	L.cdone = malloc(n + 1);
	L.pivd = malloc(m + 1);
	if (!L.gof || !L.head || !L.pos || !L.up || !L.xB || !L.x || !L.xi || !L.xm || !L.pi || !L.dot || !L.rcnt ||
	    !L.rlist || !L.stack || !L.ccnt || !L.nrow || !L.rstart || !L.rdone || !L.cdone || !L.pivd)
		goto out;
	for (size_t g = 0; g < p->ng; g++)
		for (size_t v = p->sstart[g]; v < p->sstart[g + 1]; v++)
			L.gof[v] = (int)g;
	rc = run(&L, max_pivots);
out:
	free(L.gof);
	free(L.head);
	free(L.pos);
	free(L.up);
	free(L.xB);
	free(L.x);
	free(L.xi);
	free(L.xm);
	free(L.pi);
	free(L.dot);
	free(L.rcnt);
	free(L.rlist);
	free(L.stack);
	free(L.ccnt);
	free(L.nrow);
	free(L.rstart);
	free(L.rdone);
	free(L.cdone);
	free(L.pivd);
	free(L.E.p);
	free(L.E.piv);
	free(L.E.start);
	free(L.E.idx);
	free(L.E.val);
	return rc;
}
