/* laminar.c - the continuous part exactly, in one greedy pass, where the
 * limits are laminar (docs/optimizer.md, "Laminar parks").
 *
 * When every job lies wholly inside each limit it touches (one rack, say)
 * and the sets of jobs under the limits are nested or disjoint (a tree,
 * plants over whole halls, the grid over all), the limits shifted by the
 * floors bound sums of the jobs' powers over a laminar family: a
 * polymatroid. A separable concave value is maximized over a polymatroid
 * by the greedy order (Federgruen and Groenevelt 1986): the segments of
 * every curve by value per watt, highest first, each taking what its
 * limits still allow. A limit that fills closes at the value per watt of
 * the segment that filled it; its multiplier is what that exceeds its
 * parent's, so each job's price is the highest closing value above it.
 * Those multipliers satisfy every optimality condition with the powers
 * (checked by test_solve's KKT test), so the answer is proven, in
 * O(s log s) for s segments instead of the dual sweeps. */
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

#define PP_LAM_FULL_REL 1e-12 /* a limit is full with this little room (relative) ... */
#define PP_LAM_FULL_W 1e-9    /* ... plus these watts */

/* Constraint ranks: fewer jobs first, then the index (a total order in
 * which a limit comes after every limit inside it). */
static int before(const struct solver *S, size_t a, size_t b)
{
	return S->c[a].n != S->c[b].n ? S->c[a].n < S->c[b].n : a < b;
}

static int cmp_rank_desc(const void *pa, const void *pb, void *arg);

/* The limits of job i with a finite bound, in rank order, into ks (room
 * for its entries); returns how many. */
static size_t chain(const struct solver *S, size_t i, size_t *ks)
{
	const struct sv_job *j = &S->j[i];
	size_t n = 0;
	for (size_t t = j->ce; t < j->ce + j->nce; t++) {
		size_t k = (size_t)S->jent[t].i;
		if (!isfinite(S->c[k].b))
			continue;
		size_t m = n++;
		while (m > 0 && before(S, k, ks[m - 1])) {
			ks[m] = ks[m - 1];
			m--;
		}
		ks[m] = k;
	}
	return n;
}

enum pp_err pp_laminar_build(struct solver *S)
{
	S->laminar = 0;
	size_t width = 1;
	int across = 0;
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
		width = j->nce > width ? j->nce : width;
		for (size_t t = j->ce; t < j->ce + j->nce; t++)
			across |= S->jent[t].g != j->G;
	}
	/* The parent of each limit: the next in every chain through it, the
	 * same for all of them (-2 for none, -1 not yet seen). */
	S->lpar = malloc(S->nc * sizeof *S->lpar);
	S->lorder = malloc(S->nc * sizeof *S->lorder);
	/* What every solve needs, here so that a solve cannot fail: a job
	 * relaxed by the deferral search has one segment more at most. Parks
	 * with jobs across limits use the pass too, as the start of the exact
	 * finish (pp_laminar_start). */
	S->lroom = malloc(S->nc * 2 * sizeof *S->lroom);
	S->lby = malloc(S->nc * sizeof *S->lby);
	S->lclosed = malloc(S->nc * sizeof *S->lclosed);
	S->lseg = malloc((S->nj * PP_SV_SEG_MAX + 1) * sizeof *S->lseg);
	S->lseg2 = malloc((S->nj * PP_SV_SEG_MAX + 1) * sizeof *S->lseg2);
	S->lfirst = malloc((S->nj + 1) * sizeof *S->lfirst);
	S->lfull = malloc(S->nj + 1);
	S->jhint = malloc((S->nj + 1) * sizeof *S->jhint);
	size_t *ks = malloc(width * sizeof *ks);
	if (!S->lpar || !S->lorder || !S->lroom || !S->lby || !S->lclosed || !S->lseg ||
	    !S->lseg2 || !S->lfirst || !S->lfull || !S->jhint || !ks) {
		free(ks);
		return PP_ERR_NOMEM;
	}
	for (size_t k = 0; k < S->nc; k++) {
		S->lpar[k] = -1;
		S->lorder[k] = k;
	}
	for (size_t i = 0; i < S->nj; i++)
		S->jhint[i] = -1;
	int ok = !across;
	for (size_t i = 0; i < S->nj && ok; i++) {
		size_t n = chain(S, i, ks);
		for (size_t m = 0; m < n && ok; m++) {
			long up = m + 1 < n ? (long)ks[m + 1] : -2;
			if (S->lpar[ks[m]] == -1)
				S->lpar[ks[m]] = up;
			ok = S->lpar[ks[m]] == up;
		}
	}
	free(ks);
	/* Parents before children: the order pp_laminar_solve prices in. */
	qsort_r(S->lorder, S->nc, sizeof *S->lorder, cmp_rank_desc, S);
	S->laminar = ok;
	return PP_OK;
}

static int cmp_rank_desc(const void *pa, const void *pb, void *arg)
{
	const struct solver *S = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	return before(S, a, b) ? 1 : before(S, b, a) ? -1 : 0;
}

static int cmp_gseg(const void *pa, const void *pb)
{
	return pp_warm_seg_cmp(pa, pb);
}

/* Sets the multipliers from the limits' closing values (close, -1 for a
 * limit never filled) and the jobs' prices from them. */
static void price(struct solver *S, const double *close, double *top)
{
	for (size_t q = 0; q < S->nc; q++) {
		size_t k = S->lorder[q];
		long p = S->lpar[k];
		double above = p >= 0 ? top[p] : 0;
		double t = close[k] > 0 ? close[k] : 0;
		S->c[k].lam = t > above ? t - above : 0;
		top[k] = t > above ? t : above;
	}
	for (size_t i = 0; i < S->nj; i++)
		S->j[i].pi = pp_solver_price(S, i);
	S->lgreedy = 1;
}

/* The greedy pass: powers from the floors up, segment by segment in the
 * order of value per watt, each taking what every limit over its job
 * still allows. Records each limit's closing value, and, for the limits
 * a segment filled, the one whose multiplier that segment sets (the
 * limit over the most jobs, as the laminar prices do): S->lby, in the
 * order they closed (S->lclosed). Returns how many closed. */
static size_t greedy(struct solver *S)
{
	double *room = S->lroom, *close = room + S->nc;
	struct lam_seg *g = S->lseg;
	char *full = S->lfull;
	size_t nclosed = 0;
	memset(full, 0, S->nj + 1);
	for (size_t k = 0; k < S->nc; k++) {
		room[k] = S->c[k].b - pp_solver_load(S, k, 1);
		close[k] = -1;
		S->lby[k] = -1;
	}
	size_t n = 0;
	for (size_t i = 0; i < S->nj; i++) {
		struct sv_job *j = &S->j[i];
		if (!j->run)
			continue;
		j->e = j->lo;
		if (!(j->G > 0)) {
			j->e = j->hi; /* no GPU: draws nothing whatever its cap */
			continue;
		}
		for (int k = 0; k < j->nseg; k++)
			g[n++] = (struct lam_seg){j->seg[k].s / j->G, i, k};
	}
	/* The order of the last solve, mended, where one was kept. */
	if (!pp_warm_order(S, g, n, S->lseg2, S->lfirst))
		qsort(g, n, sizeof *g, cmp_gseg);
	S->lnseg = n;
	for (size_t q = 0; q < n; q++) {
		struct sv_job *j = &S->j[g[q].i];
		const struct seg *s = &j->seg[g[q].k];
		if (full[g[q].i] || j->e < s->a)
			continue;
		double len = s->b - s->a, take = len;
		for (size_t t = j->ce; t < j->ce + j->nce; t++)
			take = fmin(take, fmax(0, room[S->jent[t].i]) / S->jent[t].g);
		j->e = take < len ? s->a + take : s->b;
		long by = -1;
		for (size_t t = j->ce; t < j->ce + j->nce; t++) {
			size_t k = (size_t)S->jent[t].i;
			room[k] -= take * S->jent[t].g;
			if (take < len && close[k] < 0 && isfinite(S->c[k].b) &&
			    room[k] <= PP_LAM_FULL_REL * fabs(S->c[k].b) + PP_LAM_FULL_W) {
				close[k] = g[q].key;
				if (by < 0 || S->c[k].n > S->c[by].n)
					by = (long)k;
			}
		}
		if (by >= 0) {
			S->lby[by] = (long)g[q].i;
			S->lclosed[nclosed++] = (size_t)by;
		}
		full[g[q].i] = take < len;
	}
	return nclosed;
}

void pp_laminar_solve(struct solver *S)
{
	greedy(S);
	price(S, S->lroom + S->nc, S->lroom);
}

void pp_laminar_start(struct solver *S)
{
	size_t nclosed = greedy(S);
	/* Each limit a segment filled is held by that job's slope: its
	 * multiplier is what the slope leaves over the multipliers of the
	 * job's limits that closed later, so they are set last first (a
	 * triangular system where every job lies in one rack's chain, where
	 * it gives the laminar prices; elsewhere a start, clipped at 0). */
	for (size_t k = 0; k < S->nc; k++)
		S->c[k].lam = 0;
	for (size_t q = nclosed; q-- > 0;) {
		size_t k = S->lclosed[q];
		const struct sv_job *j = &S->j[S->lby[k]];
		double s = pp_sv_job_slope_right(j, j->e), g = 0, other = 0;
		for (size_t t = j->ce; t < j->ce + j->nce; t++) {
			if ((size_t)S->jent[t].i == k)
				g = S->jent[t].g;
			else
				other += S->jent[t].g * S->c[S->jent[t].i].lam;
		}
		S->c[k].lam = g > 0 && s > other ? (s - other) / g : 0;
	}
	for (size_t i = 0; i < S->nj; i++)
		S->j[i].pi = pp_solver_price(S, i);
	S->lgreedy = 1;
}
