/* baseline.c - the limit-keeping baselines powerpark is measured against
 * (issue 24; docs/optimizer.md, "Baselines"): what a site without an
 * optimizer runs when it caps by breaker.
 *
 * - uniform: one factor per limit (rack, row, hall, plant, the grid),
 *   applied to every GPU below it, as hierarchical capping does (Meta's
 *   Dynamo: a breaker's controller caps every server under it by one
 *   share). A GPU's cap is p_max times the product of the factors of the
 *   limits above its rack.
 * - priority: the same walk, but at a limit that is over, the lowest
 *   priority (weight) under it is capped first, uniformly within that
 *   weight, and the next only once the lower one is at its floor
 *   (priority-aware capping: Google's Thunderbolt).
 *
 * Both walk the limits from the racks up (deepest nodes first, then the
 * plants, then the grid) and give each the largest factor that keeps it; a
 * factor only ever lowers caps, so every limit walked before still holds.
 * Nothing is deferred beyond phase A's floors. The factors are kept per
 * placement (a job's GPUs on one rack): a job over several racks takes the
 * lowest of its placements' caps, one cap per job. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/config.h"
#include "solver_int.h"

#define PP_BASE_STEPS 60 /* bisection steps of a factor (to 1e-18) */

struct walk {
	struct solver *S;
	size_t *off;        /* per job: its first placement in P and cov */
	double *P;          /* per placement: the product of the factors so far */
	char *cov;          /* per placement: under the limit being walked ... */
	size_t *lst, nlst;  /* ... those marked, listed */
	int *cls;           /* per job: its weight's rank, lowest 0 (priority) */
	double *key;        /* scratch: the limit's entries by class (priority) */
};

/* Job i's power per GPU with its placements under the limit being walked
 * scaled by f. */
static double draw(const struct walk *W, size_t i, double f)
{
	const struct sv_job *j = &W->S->j[i];
	const struct pp_inst_job *ij = &W->S->in->jobs[i];
	double phi = 1;
	for (size_t p = W->off[i]; p < W->off[i + 1]; p++)
		phi = fmin(phi, W->cov[p] ? W->P[p] * f : W->P[p]);
	double e = fmin(fmax(phi * ij->p_max_w, ij->p_min_w), ij->demand_w);
	return fmax(e, j->lo);
}

/* Whether leaf l lies under limit k: a node's subtree, a plant's halls',
 * the grid's (every leaf). */
static int under(const struct pp_inst *in, size_t k, int l)
{
	if (k >= in->nnodes + in->nplants)
		return 1;
	for (int a = l; a >= 0; a = in->nodes[a].parent) {
		if (k < in->nnodes && a == (int)k)
			return 1;
		if (k >= in->nnodes) {
			const struct pp_inst_plant *pl = &in->plants[k - in->nnodes];
			for (size_t h = 0; h < pl->nnodes; h++)
				if (pl->nodes[h] == a)
					return 1;
		}
	}
	return 0;
}

/* Marks (and lists) the placements under limit k. */
static void cover(struct walk *W, size_t k)
{
	const struct solver *S = W->S;
	const struct con *cn = &S->c[k];
	for (size_t q = 0; q < W->nlst; q++)
		W->cov[W->lst[q]] = 0;
	W->nlst = 0;
	for (size_t t = cn->start; t < cn->start + cn->n; t++) {
		size_t i = (size_t)S->ent[t].i;
		const struct pp_inst_job *ij = &S->in->jobs[i];
		for (size_t p = 0; p < ij->nplace; p++)
			if (under(S->in, k, ij->place[p].node)) {
				W->cov[W->off[i] + p] = 1;
				W->lst[W->nlst++] = W->off[i] + p;
			}
	}
}

/* Scales job i's placements under the limit by f. */
static void scale(struct walk *W, size_t i, double f)
{
	for (size_t p = W->off[i]; p < W->off[i + 1]; p++)
		if (W->cov[p])
			W->P[p] *= f;
}

/* The load of n entries e (triples of class, job, GPUs under the limit)
 * with their placements under the limit scaled by f. */
static double group_load(const struct walk *W, const double *e, size_t n, double f)
{
	double l = 0;
	for (size_t q = 0; q < n; q++)
		l += e[3 * q + 2] * draw(W, (size_t)e[3 * q + 1], f);
	return l;
}

/* The largest factor in [0, 1] with fixed + the group's load at it within
 * b (0 when even the floors are not). Within b exactly, not to the
 * rounding pp_solver_over allows: the sums added up in another order
 * later must not come out over. */
static double bisect(const struct walk *W, const double *e, size_t n, double fixed, double b)
{
	if (!(fixed + group_load(W, e, n, 1) > b))
		return 1;
	double lo = 0, hi = 1;
	for (int it = 0; it < PP_BASE_STEPS; it++) {
		double a = 0.5 * (lo + hi);
		if (fixed + group_load(W, e, n, a) > b)
			hi = a;
		else
			lo = a;
	}
	return lo;
}

static int cmp_cls(const void *x, const void *y)
{
	const double *a = x, *b = y;
	return (a[0] > b[0]) - (a[0] < b[0]);
}

/* Limit k: its running jobs as (class, job, GPUs) triples in W->key, by
 * class; then the largest factor for the whole (uniform: one group) or,
 * lowest class first, each class at its floor until the rest fits and
 * the largest factor for the class that makes it fit. */
static void walk_limit(struct walk *W, size_t k, int by_priority)
{
	const struct solver *S = W->S;
	const struct con *cn = &S->c[k];
	double *e = W->key;
	size_t n = 0;
	for (size_t t = cn->start; t < cn->start + cn->n; t++) {
		size_t i = (size_t)S->ent[t].i;
		if (!S->j[i].run)
			continue;
		e[3 * n] = by_priority ? W->cls[i] : 0;
		e[3 * n + 1] = (double)i;
		e[3 * n + 2] = S->ent[t].g;
		n++;
	}
	if (by_priority)
		qsort(e, n, 3 * sizeof *e, cmp_cls);
	double total = group_load(W, e, n, 1);
	if (!pp_solver_over(total, cn->b))
		return;
	cover(W, k);
	for (size_t a = 0; a < n;) {
		size_t b = a;
		while (b < n && e[3 * b] == e[3 * a])
			b++;
		double mine = group_load(W, e + 3 * a, b - a, 1);
		double fixed = total - mine;
		double f = bisect(W, e + 3 * a, b - a, fixed, cn->b);
		for (size_t q = a; q < b; q++)
			scale(W, (size_t)e[3 * q + 1], f);
		if (f > 0)
			break;
		total = fixed + group_load(W, e + 3 * a, b - a, 1);
		a = b;
	}
}

/* Ranks the jobs' weights, lowest 0. -1 out of memory. */
static int rank_weights(struct walk *W)
{
	const struct pp_inst *in = W->S->in;
	double *w = malloc((in->njobs + 1) * sizeof *w);
	if (!w)
		return -1;
	for (size_t i = 0; i < in->njobs; i++)
		w[i] = in->jobs[i].weight;
	qsort(w, in->njobs, sizeof *w, pp_solver_cmp_key);
	/* w is descending now: a job's rank is how many distinct weights are
	 * below its own. */
	size_t nd = 0;
	for (size_t q = 0; q < in->njobs; q++)
		if (!nd || w[nd - 1] != w[q])
			w[nd++] = w[q];
	for (size_t i = 0; i < in->njobs; i++) {
		size_t lo = 0, hi = nd; /* first index with w <= weight */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (w[mid] > in->jobs[i].weight)
				lo = mid + 1;
			else
				hi = mid;
		}
		W->cls[i] = (int)(nd - 1 - lo);
	}
	free(w);
	return 0;
}

static int depth(const struct pp_inst *in, size_t k)
{
	int d = 0;
	for (int a = in->nodes[k].parent; a >= 0; a = in->nodes[a].parent)
		d++;
	return d;
}

int pp_baseline_tree(struct solver *S, int by_priority)
{
	const struct pp_inst *in = S->in;
	struct walk W = {S, NULL, NULL, NULL, NULL, 0, NULL, NULL};
	size_t np = 0, ne = 0;
	for (size_t i = 0; i < in->njobs; i++)
		np += in->jobs[i].nplace;
	for (size_t k = 0; k < S->nc; k++)
		ne = S->c[k].n > ne ? S->c[k].n : ne;
	size_t *order = malloc((S->nc + 1) * sizeof *order);
	int *dep = malloc((in->nnodes + 1) * sizeof *dep);
	W.off = malloc((in->njobs + 1) * sizeof *W.off);
	W.P = malloc((np + 1) * sizeof *W.P);
	W.cov = calloc(np + 1, 1);
	W.lst = malloc((np + 1) * sizeof *W.lst);
	W.cls = calloc(in->njobs + 1, sizeof *W.cls);
	W.key = malloc((3 * ne + 3) * sizeof *W.key);
	int rc = -1;
	if (!order || !dep || !W.off || !W.P || !W.cov || !W.lst || !W.cls || !W.key)
		goto out;
	if (by_priority && rank_weights(&W))
		goto out;
	W.off[0] = 0;
	for (size_t i = 0; i < in->njobs; i++)
		W.off[i + 1] = W.off[i] + in->jobs[i].nplace;
	for (size_t p = 0; p < np; p++)
		W.P[p] = 1;
	/* The nodes deepest first, then the plants and the grid, which lie
	 * over whole halls and over everything. */
	int maxd = 0;
	for (size_t k = 0; k < in->nnodes; k++) {
		dep[k] = depth(in, k);
		maxd = dep[k] > maxd ? dep[k] : maxd;
	}
	size_t n = 0;
	for (int d = maxd; d >= 0; d--)
		for (size_t k = 0; k < in->nnodes; k++)
			if (dep[k] == d)
				order[n++] = k;
	for (size_t k = in->nnodes; k < S->nc; k++)
		order[n++] = k;
	for (size_t q = 0; q < n; q++)
		if (S->c[order[q]].n && isfinite(S->c[order[q]].b))
			walk_limit(&W, order[q], by_priority);
	for (size_t p = 0; p < W.nlst; p++)
		W.cov[W.lst[p]] = 0;
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].run)
			S->j[i].e = draw(&W, i, 1);
	rc = 0;
out:
	free(order);
	free(dep);
	free(W.off);
	free(W.P);
	free(W.cov);
	free(W.lst);
	free(W.cls);
	free(W.key);
	return rc;
}
