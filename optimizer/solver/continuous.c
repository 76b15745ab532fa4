/* continuous.c - the continuous part for the running jobs
 * (docs/optimizer.md, steps 2 to 4): the dual sweeps approach the optimum,
 * repair makes their answer keep every limit to rounding, the exact finish
 * lands on the LP's vertex and proves it; where it cannot, fill hands out
 * what slack the smoothing left. */
#include <math.h>
#include <stdlib.h>

#include "solver_int.h"

#ifndef PP_WARM_STAGE
#define PP_WARM_STAGE 4 /* first smoothing stage of a warm re-solve */
#endif
#ifndef PP_EXACT_STAGE
#define PP_EXACT_STAGE 1 /* stages before the first try of the exact finish */
#endif
#define PP_REPAIR_PASSES 4 /* passes of repair over the limits at most */
#define PP_FILL_PASSES 8   /* passes of fill over the jobs at most */

void pp_solver_repair(struct solver *S)
{
	for (int pass = 0; pass < PP_REPAIR_PASSES; pass++) {
		int any = 0;
		for (size_t k = 0; k < S->nc; k++) {
			const struct con *c = &S->c[k];
			double ex = pp_solver_load(S, k, 0) - c->b;
			while (ex > 0) {
				long best = -1;
				double key = INFINITY;
				for (size_t t = c->start; t < c->start + c->n; t++) {
					const struct sv_job *j = &S->j[S->ent[t].i];
					if (!j->run || j->e <= j->lo)
						continue;
					double v = pp_sv_job_slope_left(j, j->e) / S->ent[t].g;
					if (v < key) {
						key = v;
						best = (long)t;
					}
				}
				if (best < 0)
					break;
				struct sv_job *j = &S->j[S->ent[best].i];
				/* The power actually taken off, not the cut asked for: a
				 * cut below the power's rounding leaves it as it was, and
				 * the excess shrinking by what was asked would loop for
				 * ever (issue 22's 11,000-GPU park). Such an excess is
				 * rounding itself, which the limits' check allows. */
				double was = j->e, now = fmax(j->lo, was - ex / S->ent[best].g);
				if (!(now < was))
					break;
				j->e = now;
				ex -= (was - now) * S->ent[best].g;
				any = 1;
			}
		}
		if (!any)
			break;
	}
}

/* Hands out the slack left by the smoothing: jobs with the best value per
 * watt of their scarcest constraint first, each up to its next breakpoint
 * or to what its constraints still allow. */
static void fill(struct solver *S)
{
	double *slack = malloc(S->nc * sizeof *slack);
	double *key = malloc((S->nj + 1) * 2 * sizeof *key);
	if (!slack || !key)
		goto out;
	for (int pass = 0; pass < PP_FILL_PASSES; pass++) {
		for (size_t k = 0; k < S->nc; k++)
			slack[k] = S->c[k].b - pp_solver_load(S, k, 0);
		size_t n = 0;
		for (size_t i = 0; i < S->nj; i++) {
			const struct sv_job *j = &S->j[i];
			if (!j->run || j->e >= j->hi)
				continue;
			double s = pp_sv_job_slope_right(j, j->e);
			if (s <= 0)
				continue;
			/* Value per watt of the constraint that would stop it first. */
			double room = INFINITY, gmax = 0;
			for (size_t t = j->ce; t < j->ce + j->nce; t++) {
				double r = slack[S->jent[t].i] / S->jent[t].g;
				if (r < room) {
					room = r;
					gmax = S->jent[t].g;
				}
			}
			if (room <= 1e-12)
				continue;
			key[2 * n] = s / (gmax > 0 ? gmax : 1);
			key[2 * n + 1] = (double)i;
			n++;
		}
		if (!n)
			break;
		qsort(key, n, 2 * sizeof *key, pp_solver_cmp_key);
		int moved = 0;
		for (size_t q = 0; q < n; q++) {
			struct sv_job *j = &S->j[(size_t)key[2 * q + 1]];
			double room = j->hi - j->e;
			for (int k = 0; k < j->nseg; k++)
				if (j->e < j->seg[k].b - 1e-12) {
					room = fmin(room, j->seg[k].b - j->e);
					break;
				}
			for (size_t t = j->ce; t < j->ce + j->nce; t++)
				room = fmin(room, slack[S->jent[t].i] / S->jent[t].g);
			if (room <= 1e-12 * (1 + j->hi))
				continue;
			j->e += room;
			for (size_t t = j->ce; t < j->ce + j->nce; t++)
				slack[S->jent[t].i] -= room * S->jent[t].g;
			moved = 1;
		}
		if (!moved)
			break;
	}
out:
	free(slack);
	free(key);
}

/* Whether no job may be off: the deferral search then has nothing to
 * choose, and a proving finish's vertex prices are the answer's. */
static int none_off(const struct solver *S)
{
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].off != PP_RUN)
			return 0;
	return 1;
}

/* Jobs across racks: the greedy pass's powers and the multipliers its
 * closings imply start the exact finish, which from there usually proves
 * the vertex at once, where the coarse sweeps cost hundreds of passes
 * over every limit. Returns 1 with the answer proven and priced (and
 * S->vertex set where no job may be off), 0 with S as it was. */
static int greedy_start(struct solver *S)
{
	if (!S->lroom)
		return 0; /* the sweeps alone (pp_solve_opts.sweeps_only) */
	double *keep = malloc((S->nc + 2 * S->nj + 1) * sizeof *keep);
	if (!keep)
		return 0;
	for (size_t k = 0; k < S->nc; k++)
		keep[k] = S->c[k].lam;
	for (size_t i = 0; i < S->nj; i++) {
		keep[S->nc + 2 * i] = S->j[i].e;
		keep[S->nc + 2 * i + 1] = S->j[i].pi;
	}
	pp_laminar_start(S);
	int fixed = none_off(S);
	int done = pp_exact_finish(S, S->max_cells, 1);
	if (done) {
		pp_solver_repair(S);
		S->vertex = fixed;
	} else {
		for (size_t k = 0; k < S->nc; k++)
			S->c[k].lam = keep[k];
		for (size_t i = 0; i < S->nj; i++) {
			S->j[i].e = keep[S->nc + 2 * i];
			S->j[i].pi = keep[S->nc + 2 * i + 1];
		}
	}
	free(keep);
	return done;
}

/* A re-solve of the deferral search (one job more or less, or one
 * envelope branched on) from the vertex the last finish proved: its
 * powers, repaired where a job came back at its floor, its prices and its
 * basis (S->jhint). The limits and jobs that bind are mostly the same, so
 * the finish pivots only where the change moved something, where a cold
 * greedy start would pivot through the whole park again. Returns 1 with
 * the answer proven and priced, 0 when it could not (the powers are then
 * feasible but no longer a vertex). */
static int from_last_vertex(struct solver *S)
{
	if (!S->jhint || !S->lroom)
		return 0;
	pp_solver_repair(S);
	S->hint_ok = 1;
	int fixed = none_off(S);
	if (!pp_exact_finish(S, S->max_cells, 1))
		return 0;
	pp_solver_repair(S);
	S->vertex = fixed;
	return 1;
}

/* The continuous part for the running jobs. A warm start (the local
 * searches: one job more or less, the prices already near) skips the
 * coarse smoothing stages, which would only move the prices away. */
int pp_solver_continuous(struct solver *S, int warm)
{
	/* The sweeps approach the vertex; the finish lands on it and proves
	 * it (its pivots' rounding repaired), or changes nothing. It is tried
	 * first after the coarser smoothing stages, where the sweeps are
	 * cheap and the prices already pick out the jobs that move; only if
	 * it cannot prove the answer do the finer stages run. */
	if (S->laminar) {
		pp_laminar_solve(S);
		return 1;
	}
	if (warm && S->at_vertex && from_last_vertex(S))
		return 1;
	S->at_vertex = 0;
	if (greedy_start(S))
		return 1;
	size_t first = warm ? PP_WARM_STAGE : 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t last = pass || first >= PP_EXACT_STAGE ? PP_STAGES : PP_EXACT_STAGE;
		pp_dual_sweeps(S, first, last);
		pp_solver_repair(S);
		if (pp_exact_finish(S, S->max_cells, 0)) {
			pp_solver_repair(S);
			return 1;
		}
		if (last == PP_STAGES)
			break;
		first = last;
	}
	/* Not proven: hand out the slack the smoothing left. */
	fill(S);
	return 0;
}


int pp_solver_continuous_from(struct solver *S)
{
	/* A reading or two away from the last vertex, its limits and jobs
	 * are mostly still the ones that bind and move: the finish's small
	 * problem from there is the whole work. */
	pp_dual_prime(S, PP_STAGES - 1);
	/* Better still: the last vertex and its basis, repaired where a
	 * reading rose; the finish then pivots only where the change moved
	 * something. */
	int at_vertex = pp_warm_vertex(S);
	pp_solver_repair(S);
	/* Where no job may be off the deferral search has nothing to choose,
	 * and this finish's vertex prices are the answer's (S->vertex). */
	int fixed = none_off(S);
	if (pp_exact_finish(S, S->max_cells, fixed)) {
		pp_solver_repair(S);
		S->vertex = fixed;
		if (at_vertex)
			pp_warm_vertex_proved(S);
		return 1;
	}
	return pp_solver_continuous(S, 1);
}
