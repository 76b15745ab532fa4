/* defer.c - which flexible jobs run, and when shedding, which are paused
 * (docs/optimizer.md, "Deferral"): a job that may be off (struct sv_job's
 * off) is deferred or paused by the same search.
 *
 * Turning a job off frees at least its floor: a step, so this part
 * is a mixed-integer program. A local search re-admits jobs phase A
 * turned off where that is better; a branch and bound then improves on
 * that set or proves it optimal (a local search that deferred the jobs
 * the prices said were worth less than their power was dropped: each of
 * its re-solves cost as much as a node, and the branch and bound found
 * the same sets without it). Its relaxation gives each undecided job the
 * concave envelope of "off" and its curve, a problem of the same form as
 * the continuous part, so the same sweeps and exact finish solve it, and
 * the dual value at their multipliers bounds every completion from above. */
#include <stdlib.h>
#include <string.h>

#include "solver_int.h"

#define PP_READMIT_TRIES 48 /* re-solves of the re-admission search at most */
#define PP_BETTER 1e-9      /* an objective (or a bound) higher by more (relative) is better */
/* The fewest sweeps a bounded shedding search gets (pp_solve_opts'
 * shed_work): the first solve of a 100,000-GPU park takes about 300. */
#define PP_SHED_SWEEPS_MIN 600

void pp_defer_budget(struct solver *S, double work)
{
	S->search_work = INFINITY;
	int shed = 0;
	for (size_t i = 0; i < S->nj; i++)
		shed |= S->j[i].off == PP_PAUSE;
	if (!shed || !(work > 0))
		return;
	S->search_work = S->work + fmax(PP_SHED_SWEEPS_MIN * (double)S->ents, work);
}

/* Whether the search has spent its budget (only ever while shedding). */
static int spent(const struct solver *S)
{
	return S->work >= S->search_work;
}

/* Whether every running job at its floor fits every limit. */
static int floors_fit(const struct solver *S)
{
	for (size_t k = 0; k < S->nc; k++)
		if (pp_solver_over(pp_solver_load(S, k, 1), S->c[k].b))
			return 0;
	return 1;
}

struct snap {
	double *lam, *e;
	int *run;
	enum pp_action *act;
	long *hint; /* S->jhint, and whether the powers were its vertex */
	int at_vertex;
};

static int snap_init(struct snap *z, const struct solver *S)
{
	z->lam = malloc(S->nc * sizeof *z->lam);
	z->e = malloc((S->nj + 1) * sizeof *z->e);
	z->run = malloc((S->nj + 1) * sizeof *z->run);
	z->act = malloc((S->nj + 1) * sizeof *z->act);
	z->hint = malloc((S->nj + 1) * sizeof *z->hint);
	return z->lam && z->e && z->run && z->act && z->hint ? 0 : -1;
}

static void snap_free(struct snap *z)
{
	free(z->lam);
	free(z->e);
	free(z->run);
	free(z->act);
	free(z->hint);
}

static void snap_take(struct snap *z, const struct solver *S)
{
	for (size_t k = 0; k < S->nc; k++)
		z->lam[k] = S->c[k].lam;
	for (size_t i = 0; i < S->nj; i++) {
		z->e[i] = S->j[i].e;
		z->run[i] = S->j[i].run;
		z->act[i] = S->j[i].act;
	}
	z->at_vertex = S->at_vertex && S->jhint;
	if (z->at_vertex)
		memcpy(z->hint, S->jhint, S->nj * sizeof *z->hint);
}

static void snap_back(const struct snap *z, struct solver *S)
{
	for (size_t k = 0; k < S->nc; k++)
		S->c[k].lam = z->lam[k];
	for (size_t i = 0; i < S->nj; i++) {
		S->j[i].run = z->run[i];
		S->j[i].act = z->act[i];
	}
	pp_solver_reprice(S);
	for (size_t i = 0; i < S->nj; i++)
		S->j[i].e = z->run[i] ? z->e[i] : 0;
	S->at_vertex = z->at_vertex;
	if (z->at_vertex)
		memcpy(S->jhint, z->hint, S->nj * sizeof *z->hint);
}

/* Phase A chose its deferrals and pauses one limit at a time. A job it
 * turned off is tried again: alone when its floor fits, or in place of a
 * running job that may be off under the same limits; kept when the
 * re-solve is better. */
static void try_readmit(struct solver *S)
{
	struct snap z;
	if (snap_init(&z, S)) {
		snap_free(&z);
		return;
	}
	int tries = 0;
	for (size_t d = 0; d < S->nj && tries < PP_READMIT_TRIES && !spent(S); d++) {
		if (S->j[d].run || S->j[d].off == PP_RUN)
			continue;
		double before = pp_solver_objective(S);
		snap_take(&z, S);
		S->j[d].run = 1;
		S->j[d].act = PP_RUN;
		S->j[d].e = S->j[d].lo;
		int improved = 0;
		if (floors_fit(S)) {
			tries++;
			pp_solver_continuous(S, 1);
			improved = pp_solver_objective(S) > before * (1 + PP_BETTER);
		} else {
			/* Swap with a running job that may be off and shares a limit. */
			for (size_t r = 0; r < S->nj && !improved && tries < PP_READMIT_TRIES && !spent(S);
			     r++) {
				if (r == d || !S->j[r].run || S->j[r].off == PP_RUN)
					continue;
				int share = 0;
				for (size_t a = S->j[d].ce; a < S->j[d].ce + S->j[d].nce && !share; a++)
					for (size_t b = S->j[r].ce; b < S->j[r].ce + S->j[r].nce; b++)
						if (S->jent[a].i == S->jent[b].i && S->jent[a].i != (int)S->nc - 1)
							share = 1;
				if (!share)
					continue;
				S->j[r].run = 0;
				S->j[r].act = S->j[r].off;
				if (floors_fit(S)) {
					tries++;
					pp_solver_continuous(S, 1);
					improved = pp_solver_objective(S) > before * (1 + PP_BETTER);
				}
				if (!improved) {
					S->j[r].run = 1;
					S->j[r].act = PP_RUN;
					S->j[r].e = z.e[r];
				}
			}
		}
		if (!improved)
			snap_back(&z, S);
	}
	snap_free(&z);
}

/* --- branch and bound --------------------------------------------------- */

/* The envelope of job i: its first piece runs from 0 to the breakpoint
 * *pstar with the best value per watt (returned); from there on it is the
 * curve, from segment *from. */
static double envelope(const struct solver *S, size_t i, double *pstar, int *from)
{
	const struct sv_job *j = &S->j[i];
	double v = pp_solver_value(S, i, j->lo), best = v / j->lo;
	*pstar = j->lo;
	*from = 0;
	for (int k = 0; k < j->nseg; k++) {
		v += j->seg[k].s * (j->seg[k].b - j->seg[k].a);
		if (v / j->seg[k].b >= best) {
			best = v / j->seg[k].b;
			*pstar = j->seg[k].b;
			*from = k + 1;
		}
	}
	return best;
}

/* Relaxes flexible job i: floor 0, value the concave envelope of 0 and its
 * curve. */
static void relax(struct solver *S, size_t i)
{
	struct sv_job *j = &S->j[i];
	int from;
	double best = envelope(S, i, &j->pstar, &from);
	j->tlo = j->lo;
	j->tnseg = j->nseg;
	memcpy(j->tseg, j->seg, sizeof j->seg);
	j->seg[0] = (struct seg){0, j->pstar, best, 0, 0};
	for (int k = from; k < j->tnseg; k++)
		j->seg[k - from + 1] = j->tseg[k];
	j->nseg = j->tnseg - from + 1;
	j->lo = 0;
	j->relaxed = 1;
	j->run = 1;
	j->act = PP_RUN;
}

/* Gives job i back its own floor and curve, running or deferred. */
static void unrelax(struct solver *S, size_t i, int run)
{
	struct sv_job *j = &S->j[i];
	j->lo = j->tlo;
	j->nseg = j->tnseg;
	memcpy(j->seg, j->tseg, sizeof j->seg);
	j->relaxed = 0;
	j->run = run;
	j->act = run ? PP_RUN : j->off;
	j->e = run ? fmax(j->e, j->lo) : 0;
}

/* The dual value at the current multipliers: an upper bound on every
 * answer of the relaxed problem, so on every completion of this node. */
static double dual_bound(const struct solver *S)
{
	double D = pp_solver_limits_value(S);
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
		if (!j->run)
			continue;
		double pi = pp_solver_price(S, i);
		double v = j->relaxed ? 0 : pp_solver_value(S, i, j->lo), best = v - pi * j->lo;
		for (int k = 0; k < j->nseg; k++) {
			v += j->seg[k].s * (j->seg[k].b - j->seg[k].a);
			best = fmax(best, v - pi * j->seg[k].b);
		}
		/* One that may be off may give 0 for 0 W. */
		D += j->off != PP_RUN ? fmax(best, 0) : best;
	}
	return D;
}

struct bb {
	int nodes;
	int cut_short;     /* a node was left unexplored: the search proves nothing */
	double best;       /* the incumbent's objective */
	/* The highest bound of a node left open (its parent's dual value) or
	 * of an answer taken (its own): with best, a bound on every answer. */
	double open;
	struct snap inc;   /* the incumbent */
};

/* A relaxed answer with every relaxed job off or at pstar and above is an
 * answer of the problem itself: those off are deferred, the others run on
 * a curve the envelope equals there. */
static void take_if_better(struct solver *S, struct bb *B)
{
	double v = 0;
	for (size_t i = 0; i < S->nj; i++) {
		const struct sv_job *j = &S->j[i];
		if (j->run && !(j->relaxed && j->e <= 0))
			v += pp_solver_value(S, i, j->e);
	}
	if (!(v > B->best * (1 + 1e-12)))
		return;
	B->best = v;
	snap_take(&B->inc, S);
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].relaxed && S->j[i].e <= 0) {
			B->inc.run[i] = 0;
			B->inc.act[i] = S->j[i].off;
			B->inc.e[i] = 0;
		}
}

/* One node, whose parent's dual value (an upper bound on every answer
 * under it) is parent. */
static void bb_node(struct solver *S, struct bb *B, double parent)
{
	if (B->nodes >= S->bb_nodes || spent(S)) {
		B->cut_short = 1;
		B->open = fmax(B->open, parent);
		return;
	}
	if (!floors_fit(S))
		return;
	B->nodes++;
	pp_solver_continuous(S, 1);
	double bound = fmin(parent, dual_bound(S));
	if (bound <= B->best * (1 + PP_BETTER))
		return;
	/* Branch on the relaxed job furthest inside its envelope's first
	 * piece (between off and pstar, where the envelope is above the
	 * curve); a tiny remainder counts as off. */
	long f = -1;
	double frac = 0;
	for (size_t i = 0; i < S->nj; i++) {
		struct sv_job *j = &S->j[i];
		if (!j->relaxed)
			continue;
		if (j->e <= 1e-9 * j->pstar)
			j->e = 0;
		double x = j->e / j->pstar;
		if (x > 0 && x < 1 - 1e-9 && fmin(x, 1 - x) >= frac) {
			frac = fmin(x, 1 - x);
			f = (long)i;
		}
	}
	if (f < 0) {
		/* Where the relaxation was not proven, its answer need not be
		 * the node's best: what is left is the node's bound. */
		take_if_better(S, B);
		B->open = fmax(B->open, bound);
		return;
	}
	struct snap z;
	if (snap_init(&z, S)) {
		snap_free(&z);
		B->cut_short = 1;
		B->open = fmax(B->open, bound); /* its children go unexplored */
		return;
	}
	snap_take(&z, S);
	int first = S->j[f].e >= 0.5 * S->j[f].pstar;
	for (int b = 0; b < 2; b++) {
		unrelax(S, (size_t)f, b ? !first : first);
		bb_node(S, B, bound);
		snap_back(&z, S);
		relax(S, (size_t)f);
		S->j[f].e = z.e[f];
	}
	snap_free(&z);
}

static int branchable(const struct solver *S, size_t i)
{
	return S->j[i].off != PP_RUN && S->j[i].lo > 0;
}

/* Whether a job that may be off is off with a floor of 0: neither the
 * root check nor the branch and bound judges it (it has no step to
 * branch on), so the search proves nothing then; the dual bound still
 * may. */
static int zero_off(const struct solver *S)
{
	for (size_t i = 0; i < S->nj; i++)
		if (!S->j[i].run && S->j[i].off != PP_RUN && !(S->j[i].lo > 0))
			return 1;
	return 0;
}

/* Whether the answer, with the vertex's prices (proven for the running
 * set), also solves the root relaxation: every flexible job running at or
 * above its pstar with the envelope's slope there at least its price, and
 * every deferred one worth at most its price per watt from 0. Then no
 * completion can do better and the branch and bound has nothing to do. */
static int root_proven(const struct solver *S)
{
	double smax = 0;
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].run && S->j[i].nseg)
			smax = fmax(smax, S->j[i].seg[0].s);
	double tol = 1e-9 * (smax > 0 ? smax : 1);
	for (size_t i = 0; i < S->nj; i++) {
		if (!branchable(S, i))
			continue;
		const struct sv_job *j = &S->j[i];
		double pstar, pi = pp_solver_price(S, i);
		int from;
		double slope = envelope(S, i, &pstar, &from);
		if (j->run ? j->e < pstar * (1 - 1e-12) ||
				     (j->e <= pstar * (1 + 1e-12) && slope < pi - tol)
			   : slope > pi + tol)
			return 0;
	}
	return 1;
}

/* Branch and bound from the local searches' answer: it is the incumbent,
 * replaced only by a better answer the relaxation proves feasible. Sets
 * S->search_bound where it explored or bounded every node. */
static int branch_and_bound(struct solver *S)
{
	struct bb B = {0, 0, pp_solver_objective(S), -INFINITY, {0}};
	if (snap_init(&B.inc, S)) {
		B.cut_short = 1;
		goto out;
	}
	snap_take(&B.inc, S);
	for (size_t i = 0; i < S->nj; i++)
		if (branchable(S, i))
			relax(S, i);
	/* The root's bound before it is solved: the dual value at the
	 * multipliers S holds (weak duality holds at any). */
	bb_node(S, &B, dual_bound(S));
	S->search_bound = fmax(B.best, B.open);
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].relaxed)
			unrelax(S, i, 1);
	snap_back(&B.inc, S);
out:
	snap_free(&B.inc);
	return !B.cut_short;
}

int pp_defer_search(struct solver *S, size_t max_cells, int *proven)
{
	S->search_bound = INFINITY;
	if (S->vertex) { /* nothing may be off, and the vertex is proven and priced */
		*proven = 1;
		return 1;
	}
	size_t n = 0;
	for (size_t i = 0; i < S->nj; i++)
		n += branchable(S, i);
	/* Phase A's choice (or a warm start's, the last solve's) may already
	 * be the answer: then no local search can better it. */
	S->hint_ok = S->at_vertex;
	int finished = pp_exact_finish(S, max_cells, 1);
	if (n && !zero_off(S) && finished && root_proven(S)) {
		*proven = 1;
		return 1;
	}
	try_readmit(S);
	S->hint_ok = S->at_vertex;
	finished = pp_exact_finish(S, max_cells, 1);
	if (!n || (finished && root_proven(S))) {
		*proven = finished && !zero_off(S);
		return finished;
	}
	int complete = branch_and_bound(S);
	S->hint_ok = S->at_vertex;
	finished = pp_exact_finish(S, max_cells, 1);
	*proven = finished && complete && !zero_off(S);
	return finished;
}

double pp_defer_bound(struct solver *S)
{
	/* Every job that may be off relaxed (floor 0, the envelope of off and its
	 * curve), the others as they are: the relaxation of the whole mixed
	 * problem, whose dual value at any multipliers bounds every answer. */
	struct snap z;
	double D = INFINITY;
	if (snap_init(&z, S))
		goto out;
	snap_take(&z, S);
	/* Relaxed: every job with a step to take; one off with a floor of 0
	 * counts as running (its curve from 0, or 0 when off is worth more). */
	for (size_t i = 0; i < S->nj; i++) {
		if (branchable(S, i))
			relax(S, i);
		else if (S->j[i].off != PP_RUN && !S->j[i].run)
			S->j[i].run = 1;
	}
	D = dual_bound(S);
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].relaxed)
			unrelax(S, i, z.run[i]);
	snap_back(&z, S);
out:
	snap_free(&z);
	return D;
}
