/* warm.c - what one solve hands the next (solve.h's pp_solve_warm; docs/
 * optimizer.md, "Warm start").
 *
 * Consecutive control cycles solve the same park with a few readings
 * changed: the same jobs under the same limits, other bounds. Two things
 * of a solve stay good for the next one then: the multipliers, from which
 * the dual sweeps start at their finest stage instead of from zero, and
 * the greedy pass's order of segments, which changes only where a curve
 * or a demand did, so it is checked and mended instead of sorted again.
 * Both are only starting points: the answer is proven (or its gap given)
 * exactly as from cold, so a stale start costs time, never correctness.
 * They are kept for one structure, named by a fingerprint of the jobs'
 * GPUs under each limit; another structure starts cold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

/* Mending the order moves entries at most this many times its length;
 * past that a full sort is cheaper. */
#define PP_WARM_MOVES 4

struct pp_solve_warm {
	uint64_t fp;          /* the structure the rest belongs to; 0 none */
	double *lam;          /* nc multipliers, when has_lam */
	size_t nc;
	int has_lam;
	double *e;            /* nj powers of the last vertex, and the limit ... */
	long *hint;           /* ... each job's basic segment held (-1 none), when has_x */
	char *ran;            /* ... and whether it ran (the deferral search's choice) */
	size_t nj;
	int has_x;
	struct lam_seg *seg;  /* the greedy order, nseg entries */
	size_t nseg, cap_seg;
	size_t warm_starts;   /* solves that started from its multipliers */
	size_t mended;        /* greedy passes that started from its order */
	size_t vertices;      /* finishes that proved from its vertex */
};

struct pp_solve_warm *pp_solve_warm_create(void)
{
	return calloc(1, sizeof(struct pp_solve_warm));
}

void pp_solve_warm_destroy(struct pp_solve_warm *w)
{
	if (!w)
		return;
	free(w->lam);
	free(w->e);
	free(w->hint);
	free(w->ran);
	free(w->seg);
	free(w);
}

size_t pp_solve_warm_starts(const struct pp_solve_warm *w)
{
	return w ? w->warm_starts : 0;
}

size_t pp_solve_warm_mended(const struct pp_solve_warm *w)
{
	return w ? w->mended : 0;
}

size_t pp_solve_warm_vertices(const struct pp_solve_warm *w)
{
	return w ? w->vertices : 0;
}

void pp_warm_vertex_proved(struct solver *S)
{
	if (S->warm)
		S->warm->vertices++;
}

/* One word into the hash: a multiply and a rotation per word (a
 * fingerprint, not a defence: the structure is the caller's own). */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v * 0x9e3779b97f4a7c15ULL;
	h = (h << 31) | (h >> 33);
	return h * 0xbf58476d1ce4e5b9ULL;
}

static uint64_t bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
}

/* The structure: how many jobs and limits, and each job's GPUs under each
 * of its limits. Never 0 (0 means "nothing kept"). */
static uint64_t fingerprint(const struct solver *S)
{
	uint64_t h = mix(mix(0x243f6a8885a308d3ULL, S->nj), S->nc);
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
		h = mix(mix(h, bits(j->G)), j->nce);
		for (size_t t = j->ce; t < j->ce + j->nce; t++)
			h = mix(mix(h, (uint64_t)S->jent[t].i), bits(S->jent[t].g));
	}
	return h ? h : 1;
}

void pp_warm_attach(struct solver *S, struct pp_solve_warm *w)
{
	S->warm = w;
	S->warm_ok = 0;
	if (!w)
		return;
	uint64_t fp = fingerprint(S);
	if (w->fp == fp) {
		S->warm_ok = 1;
		return;
	}
	/* Another park: what was kept is of no use. */
	w->fp = fp;
	w->has_lam = 0;
	w->has_x = 0;
	w->nseg = 0;
}

int pp_warm_prices(struct solver *S)
{
	struct pp_solve_warm *w = S->warm;
	if (!S->warm_ok || !w->has_lam || w->nc != S->nc)
		return 0;
	for (size_t k = 0; k < S->nc; k++)
		S->c[k].lam = isfinite(S->c[k].b) ? w->lam[k] : 0;
	w->warm_starts++;
	return 1;
}

void pp_warm_keep_prices(struct solver *S, int vertex)
{
	struct pp_solve_warm *w = S->warm;
	if (!w)
		return;
	if (!vertex) {
		w->has_lam = 0;
		return;
	}
	if (w->nc != S->nc || !w->lam) {
		double *lam = realloc(w->lam, (S->nc + 1) * sizeof *lam);
		if (!lam) {
			w->has_lam = 0; /* the next solve starts cold: no harm */
			return;
		}
		w->lam = lam;
		w->nc = S->nc;
	}
	for (size_t k = 0; k < S->nc; k++)
		w->lam[k] = S->c[k].lam;
	w->has_lam = 1;
	/* The vertex itself, where the finish left its basis (S->jhint). */
	w->has_x = 0;
	if (!S->jhint)
		return;
	if (w->nj != S->nj || !w->e || !w->hint || !w->ran) {
		double *e = realloc(w->e, (S->nj + 1) * sizeof *e);
		if (e)
			w->e = e;
		long *h = realloc(w->hint, (S->nj + 1) * sizeof *h);
		if (h)
			w->hint = h;
		char *r = realloc(w->ran, S->nj + 1);
		if (r)
			w->ran = r;
		if (!e || !h || !r)
			return;
		w->nj = S->nj;
	}
	for (size_t i = 0; i < S->nj; i++) {
		w->e[i] = S->j[i].run ? S->j[i].e : S->j[i].lo;
		w->hint[i] = S->jhint[i];
		w->ran[i] = (char)S->j[i].run;
	}
	w->has_x = 1;
}

int pp_warm_vertex(struct solver *S)
{
	struct pp_solve_warm *w = S->warm;
	if (!S->warm_ok || !w->has_x || w->nj != S->nj || !S->jhint)
		return 0;
	for (size_t i = 0; i < S->nj; i++) {
		struct sv_job *j = &S->j[i];
		/* A job that may be off and was off stays off: the deferral
		 * search starts from its last choice (and may still change it). */
		if (j->run && j->off != PP_RUN && !w->ran[i]) {
			j->run = 0;
			j->act = j->off;
			j->e = 0;
		}
		if (j->run)
			j->e = fmin(fmax(w->e[i], j->lo), j->hi);
		S->jhint[i] = w->hint[i];
	}
	S->hint_ok = 1;
	return 1;
}

int pp_warm_seg_cmp(const struct lam_seg *a, const struct lam_seg *b)
{
	if (a->key != b->key)
		return a->key < b->key ? 1 : -1;
	if (a->i != b->i)
		return a->i < b->i ? -1 : 1;
	return (a->k > b->k) - (a->k < b->k);
}

/* Insertion sort of g[0..n) with at most budget moves; returns 0 when
 * done, -1 when the budget ran out (g then a permutation, unsorted). */
static int mend(struct lam_seg *g, size_t n, size_t budget)
{
	for (size_t q = 1; q < n; q++) {
		if (pp_warm_seg_cmp(&g[q - 1], &g[q]) <= 0)
			continue;
		struct lam_seg x = g[q];
		size_t m = q;
		while (m > 0 && pp_warm_seg_cmp(&g[m - 1], &x) > 0) {
			g[m] = g[m - 1];
			m--;
			if (budget-- == 0) {
				g[m] = x;
				return -1;
			}
		}
		g[m] = x;
	}
	return 0;
}

int pp_warm_order(struct solver *S, struct lam_seg *g, size_t n, struct lam_seg *tmp,
		  size_t *first)
{
	struct pp_solve_warm *w = S->warm;
	if (!S->warm_ok || !w->nseg)
		return 0;
	/* first[i]: job i's first segment in g (g lists them job by job);
	 * tmp takes the kept order, entries whose segment is gone left out,
	 * then those it lacked. */
	size_t q = 0;
	for (size_t i = 0; i <= S->nj; i++) {
		while (q < n && g[q].i < i)
			q++;
		first[i] = q;
	}
	/* An entry taken is marked by its key set to NAN (keys are finite). */
	size_t m = 0;
	for (size_t p = 0; p < w->nseg; p++) {
		size_t i = w->seg[p].i;
		if (i >= S->nj)
			continue;
		size_t at = first[i] + (size_t)w->seg[p].k;
		if (at >= first[i + 1] || isnan(g[at].key))
			continue;
		tmp[m++] = g[at];
		g[at].key = NAN;
	}
	for (size_t r = 0; r < n; r++)
		if (!isnan(g[r].key))
			tmp[m++] = g[r];
	memcpy(g, tmp, m * sizeof *g);
	if (mend(g, n, PP_WARM_MOVES * n + 64))
		return 0; /* too much changed: the caller sorts */
	w->mended++;
	return 1;
}

void pp_warm_keep_order(struct solver *S, const struct lam_seg *g, size_t n)
{
	struct pp_solve_warm *w = S->warm;
	if (!w)
		return;
	w->nseg = 0;
	if (!n)
		return;
	if (n > w->cap_seg) {
		struct lam_seg *s = realloc(w->seg, n * sizeof *s);
		if (!s)
			return; /* the next solve sorts: no harm */
		w->seg = s;
		w->cap_seg = n;
	}
	memcpy(w->seg, g, n * sizeof *g);
	w->nseg = n;
}
