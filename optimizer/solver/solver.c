/* solver.c - caps and actions for an instance (solve.h; the method and
 * its guarantees are in docs/optimizer.md), the top of the solver: every
 * running job at its floor, deferring or pausing where even the floors do
 * not fit (phase A); then the optimum (the continuous part and the
 * deferral search) or a baseline; the answer, checked against every limit
 * before it is given. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "powerpark/clock.h"
#include "powerpark/config.h"
#include "powerpark/inst.h"
#include "powerpark/solve.h"
#include "solver_int.h"

#define PP_BASELINE_STEPS 60 /* bisection steps of the baselines' factor (to 1e-18) */
#define PP_BINDING_REL 1e-7  /* a limit binds with this little slack (relative) ... */
#define PP_BINDING_W 1e-6    /* ... plus this many watts */

/* Which jobs shedding may pause: those under a limit that their floors
 * exceed even with every flexible job deferred. Only there is pausing
 * unavoidable; elsewhere no job is paused to give its power to others.
 * Among these the deferral search then chooses the set that loses the
 * least value (issue 22), phase A's order being only its start. */
static void mark_pausable(struct solver *S)
{
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].off == PP_DEFER)
			S->j[i].run = 0;
	for (size_t k = 0; k < S->nc; k++) {
		const struct con *c = &S->c[k];
		if (!pp_solver_over(pp_solver_load(S, k, 1), c->b))
			continue;
		for (size_t t = c->start; t < c->start + c->n; t++) {
			struct sv_job *j = &S->j[S->ent[t].i];
			if (j->off == PP_RUN && j->lo * S->ent[t].g > 0)
				j->off = PP_PAUSE;
		}
	}
	for (size_t i = 0; i < S->nj; i++)
		S->j[i].run = 1;
}

/* Phase A: with every running job at its floor, a limit that still does
 * not hold defers flexible jobs under it (least value lost per kW freed
 * first), then pauses the others (lowest weight first): shedding. */
static void make_floor_feasible(struct solver *S)
{
	for (size_t k = 0; k < S->nc; k++) {
		const struct con *c = &S->c[k];
		double l = pp_solver_load(S, k, 1);
		while (pp_solver_over(l, c->b)) {
			long best = -1;
			int best_flex = 0;
			double best_key = INFINITY;
			for (size_t t = c->start; t < c->start + c->n; t++) {
				int i = S->ent[t].i;
				const struct sv_job *j = &S->j[i];
				const struct pp_inst_job *ij = &S->in->jobs[i];
				if (!j->run || j->lo * S->ent[t].g <= 0)
					continue;
				double lost = pp_solver_value(S, (size_t)i, j->lo) / (S->ent[t].g * j->lo);
				double key = ij->flexible ? lost : ij->weight;
				/* Flexible jobs go before any job is paused. */
				if ((ij->flexible && !best_flex) ||
				    (ij->flexible == best_flex && key < best_key)) {
					best = i;
					best_flex = ij->flexible;
					best_key = key;
				}
			}
			if (best < 0)
				break; /* base load only: caught in pp_solver_build() */
			struct sv_job *j = &S->j[best];
			j->run = 0;
			j->e = 0;
			j->act = best_flex ? PP_DEFER : PP_PAUSE;
			l = pp_solver_load(S, k, 1);
		}
	}
}

/* Baselines: one factor alpha of p_max for every running GPU, the largest
 * that keeps every limit with draws min(alpha p_max, demand) (proportional)
 * or alpha p_max (static: sized as if every job drew its maximum). */
static void baseline(struct solver *S, int worst_case)
{
	double lo = 0, hi = 1;
	for (int it = 0; it < PP_BASELINE_STEPS; it++) {
		double a = it ? 0.5 * (lo + hi) : 1.0;
		int ok = 1;
		for (size_t i = 0; i < S->nj; i++) {
			struct sv_job *j = &S->j[i];
			const struct pp_inst_job *ij = &S->in->jobs[i];
			double cap = fmax(a * ij->p_max_w, ij->p_min_w);
			j->e = worst_case ? cap : fmin(cap, ij->demand_w);
		}
		for (size_t k = 0; ok && k < S->nc; k++)
			ok = !pp_solver_over(pp_solver_load(S, k, 0), S->c[k].b);
		if (!it && ok) {
			lo = 1;
			break;
		}
		if (ok)
			lo = a;
		else
			hi = a;
	}
	for (size_t i = 0; i < S->nj; i++) {
		struct sv_job *j = &S->j[i];
		const struct pp_inst_job *ij = &S->in->jobs[i];
		j->e = fmin(fmax(lo * ij->p_max_w, ij->p_min_w), ij->demand_w);
		if (j->e < j->lo)
			j->e = j->lo;
	}
}

/* The continuous part, from the last solve's multipliers where they were
 * kept (pp_solve_opts' warm): the coarse smoothing stages, which only
 * find prices near those, are skipped. A start that does not lead to a
 * proof is dropped for the cold sweeps, so a warm answer is never worse. */
static void continuous(struct solver *S)
{
	int started = !S->laminar && pp_warm_prices(S);
	if (started && pp_solver_continuous_from(S))
		return;
	if (started) {
		for (size_t k = 0; k < S->nc; k++)
			S->c[k].lam = 0;
		for (size_t i = 0; i < S->nj; i++)
			if (S->j[i].run)
				S->j[i].e = S->j[i].lo;
	}
	pp_solver_continuous(S, 0);
}

static void report(const struct solver *S, struct pp_ans *a)
{
	const struct pp_inst *in = S->in;
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
		const struct pp_inst_job *ij = &in->jobs[i];
		a->jobs[i].action = j->run ? PP_RUN : j->act;
		a->jobs[i].power_w = j->run ? j->e : 0;
		/* The cap is the planned power (never above it: a demand that rises
		 * must not break a limit), at least the GPU's floor. */
		a->jobs[i].cap_w = j->run ? fmin(fmax(j->e, ij->p_min_w), ij->p_max_w) : 0;
	}
	for (size_t k = 0; k < S->nc; k++) {
		struct pp_ans_limit *l = k < in->nnodes	 ? &a->nodes[k]
					 : k < S->nc - 1 ? &a->plants[k - in->nnodes]
							 : &a->grid;
		double gpu_kw = pp_solver_load(S, k, 0) / 1000;
		const struct con *c = &S->c[k];
		l->price = c->lam * 1000;
		double slack = c->b - pp_solver_load(S, k, 0);
		l->binding = isfinite(c->b) && (slack <= PP_BINDING_REL * fabs(c->b) + PP_BINDING_W);
		if (k < in->nnodes) {
			l->power_kw = S->bases[k] + gpu_kw;
			l->limit_kw = in->nodes[k].limit_kw;
		} else if (k < S->nc - 1) {
			l->power_kw = S->bases[k] + gpu_kw;
			l->limit_kw = in->plants[k - in->nnodes].capacity_kw;
		} else {
			l->power_kw = (S->bases[k] + gpu_kw) * (1 + in->grid_cooling) + in->grid_other_kw;
			l->limit_kw = in->grid_limit_kw;
		}
	}
	a->objective = pp_solver_objective(S);
	a->iterations = S->sweeps;
}

/* How sure the answer is: proven by the finish and the deferral search, or
 * by a dual bound within PP_SOLVE_GAP; else the gap that bound leaves. */
static void honesty(struct solver *S, int proven, struct pp_ans *a)
{
	double bound = fmin(pp_defer_bound(S), S->search_bound), obj = a->objective;
	double gap = obj > 0 ? fmax(0, bound - obj) / obj : isfinite(bound) && bound <= 0 ? 0 : INFINITY;
	a->proven = proven || gap <= PP_SOLVE_GAP;
	a->gap = a->proven ? 0 : gap;
}

enum pp_err pp_solve(const struct pp_inst *in, enum pp_policy pol, struct pp_ans *a,
		     struct pp_errbuf *eb)
{
	return pp_solve_with(in, pol, NULL, a, eb);
}

enum pp_err pp_solve_with(const struct pp_inst *in, enum pp_policy pol,
			  const struct pp_solve_opts *o, struct pp_ans *a, struct pp_errbuf *eb)
{
	memset(a, 0, sizeof *a);
	if (pol != PP_POLICY_OPTIMAL && pol != PP_POLICY_PROPORTIONAL && pol != PP_POLICY_STATIC &&
	    pol != PP_POLICY_UNIFORM && pol != PP_POLICY_PRIORITY)
		return pp_err_set(eb, PP_ERR_ARG, "policy '%s' is not one the solver plays",
				  pp_config_policy_name((int)pol));
	int64_t t0 = pp_clock_mono_ns();
	gsl_set_error_handler_off();
	struct solver S;
	enum pp_err e = pp_solver_build(&S, in, eb);
	if (e)
		return e;
	S.max_cells = o && o->exact_cells ? o->exact_cells : PP_EXACT_CELLS;
	if (!(o && o->sweeps_only) && pp_laminar_build(&S)) {
		pp_solver_free(&S);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	a->jobs = calloc(in->njobs + 1, sizeof *a->jobs);
	a->nodes = calloc(in->nnodes + 1, sizeof *a->nodes);
	a->plants = calloc(in->nplants + 1, sizeof *a->plants);
	if (!a->jobs || !a->nodes || !a->plants) {
		pp_solver_free(&S);
		pp_solve_free(a);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	pp_warm_attach(&S, o ? o->warm : NULL);
	mark_pausable(&S);
	make_floor_feasible(&S);
	pp_defer_budget(&S, o ? o->shed_work : 0);
	S.bb_nodes = o && o->bb_nodes > 0 ? o->bb_nodes : PP_SOLVE_BB_NODES;
	for (size_t i = 0; i < S.nj; i++)
		if (S.j[i].run)
			S.j[i].e = S.j[i].lo;
	int proven = 0, finished = 0;
	if (pol == PP_POLICY_OPTIMAL) {
		continuous(&S);
		/* The answer's prices are the vertex's where they prove it. */
		finished = pp_defer_search(&S, S.max_cells, &proven);
		if (finished)
			pp_solver_repair(&S);
	} else if (pol == PP_POLICY_UNIFORM || pol == PP_POLICY_PRIORITY) {
		if (pp_baseline_tree(&S, pol == PP_POLICY_PRIORITY)) {
			pp_solver_free(&S);
			pp_solve_free(a);
			return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		}
	} else {
		baseline(&S, pol == PP_POLICY_STATIC);
		pp_solver_repair(&S);
	}
	if (pol == PP_POLICY_OPTIMAL) {
		pp_warm_keep_prices(&S, finished);
		if (S.laminar)
			pp_warm_keep_order(&S, S.lseg, S.lnseg);
	}
	report(&S, a);
	/* The search may have paused other jobs than phase A did. */
	a->shedding = 0;
	for (size_t i = 0; i < S.nj; i++)
		a->shedding |= a->jobs[i].action == PP_PAUSE;
	honesty(&S, proven, a);
	/* The promise: no limit is exceeded. Checked, never assumed. */
	for (size_t k = 0; k < S.nc; k++)
		if (pp_solver_over(pp_solver_load(&S, k, 0), S.c[k].b)) {
			pp_solver_free(&S);
			pp_solve_free(a);
			return pp_err_set(eb, PP_ERR_ARG, "internal: limit %zu exceeded after solving", k);
		}
	pp_solver_free(&S);
	a->solve_us = (double)(pp_clock_mono_ns() - t0) / 1000.0;
	return PP_OK;
}

void pp_solve_free(struct pp_ans *a)
{
	free(a->jobs);
	free(a->nodes);
	free(a->plants);
	a->jobs = NULL;
	a->nodes = NULL;
	a->plants = NULL;
}
