/* state.c - the solver's state (solver_int.h), the bottom of the solver:
 * the constraints (every node, plant and the grid as a bound on GPU watts,
 * the base loads taken off), each job's GPUs under each of them, its range
 * and its value in segments; and what every layer above asks of it:
 * loads, prices and values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/inst.h"
#include "powerpark/solve.h"
#include "solver_int.h"

double pp_solver_value(const struct solver *S, size_t i, double e)
{
	const struct pp_inst_job *ij = &S->in->jobs[i];
	return ij->weight * S->j[i].G * pp_inst_curve(ij, e);
}

void pp_solver_free(struct solver *S)
{
	free(S->j);
	free(S->c);
	free(S->ent);
	free(S->jent);
	free(S->bases);
	free(S->lpar);
	free(S->lorder);
	free(S->lroom);
	free(S->lby);
	free(S->jhint);
	free(S->lclosed);
	free(S->lseg);
	free(S->lseg2);
	free(S->lfirst);
	free(S->lfull);
}

/* Segments of the job's value over [lo, hi]: the curve is linear between
 * its points, linear before the first (same slope), flat after the last. */
static void build_segments(const struct pp_inst_job *ij, struct sv_job *j)
{
	double w = ij->weight * j->G;
	double bp[PP_SV_SEG_MAX + 1];
	int nb = 0;
	bp[nb++] = j->lo;
	for (size_t k = 0; k < ij->ncurve; k++)
		if (ij->curve_p[k] > j->lo && ij->curve_p[k] < j->hi)
			bp[nb++] = ij->curve_p[k];
	bp[nb++] = j->hi;
	j->nseg = 0;
	for (int k = 0; k + 1 < nb; k++) {
		double a = bp[k], b = bp[k + 1];
		if (b <= a)
			continue;
		double s = (pp_inst_curve(ij, b) - pp_inst_curve(ij, a)) / (b - a);
		if (ij->ncurve > 1 && b <= ij->curve_p[0]) /* before the first point */
			s = (ij->curve_t[1] - ij->curve_t[0]) / (ij->curve_p[1] - ij->curve_p[0]);
		double v = w * (s > 0 ? s : 0);
		/* Never above the segment before by rounding: two equal slopes
		 * (a straight stretch through a point) can come out an ulp
		 * apart, and a later segment ahead of an earlier one in the
		 * greedy order would be skipped, leaving the job at that point
		 * for good. A real rise (a curve built in C that skipped
		 * pp_inst_check) is left as it is, not hidden. */
		if (j->nseg && v > j->seg[j->nseg - 1].s && v <= j->seg[j->nseg - 1].s * (1 + 1e-9))
			v = j->seg[j->nseg - 1].s;
		j->seg[j->nseg++] = (struct seg){a, b, v, 0, 0};
	}
}

/* The constraints over each node n, at up[n * width ..] (nup[n] of them):
 * itself, its ancestors, the plants holding any of them, the grid. */
struct over {
	int *up;
	size_t *nup, width;
};

static enum pp_err over_lists(const struct pp_inst *in, size_t nc, struct over *o)
{
	size_t depth = 1;
	for (size_t n = 0; n < in->nnodes; n++) {
		size_t d = 0;
		for (int p = (int)n; p >= 0; p = in->nodes[p].parent)
			d++;
		depth = d > depth ? d : depth;
	}
	o->width = depth + in->nplants + 1;
	o->up = malloc(in->nnodes * o->width * sizeof *o->up);
	o->nup = calloc(in->nnodes, sizeof *o->nup);
	/* The plants holding each node (pfirst[n] .. pfirst[n + 1] in pof),
	 * in plant order; seen: plants already listed over a node. */
	size_t *pfirst = calloc(in->nnodes + 2, sizeof *pfirst), npl = 0;
	for (size_t q = 0; q < in->nplants; q++)
		npl += in->plants[q].nnodes;
	int *pof = malloc((npl + 1) * sizeof *pof);
	char *seen = calloc(nc + 1, 1);
	if (!o->up || !o->nup || !pfirst || !pof || !seen) {
		free(pfirst);
		free(pof);
		free(seen);
		return PP_ERR_NOMEM;
	}
	for (size_t q = 0; q < in->nplants; q++)
		for (size_t m = 0; m < in->plants[q].nnodes; m++)
			pfirst[in->plants[q].nodes[m] + 2]++;
	for (size_t n = 0; n < in->nnodes; n++)
		pfirst[n + 2] += pfirst[n + 1];
	for (size_t q = 0; q < in->nplants; q++)
		for (size_t m = 0; m < in->plants[q].nnodes; m++)
			pof[pfirst[in->plants[q].nodes[m] + 1]++] = (int)q;
	for (size_t n = 0; n < in->nnodes; n++) {
		int *u = &o->up[n * o->width];
		for (int p = (int)n; p >= 0; p = in->nodes[p].parent) {
			u[o->nup[n]++] = p;
			for (size_t t = pfirst[p]; t < pfirst[p + 1]; t++) {
				size_t c = in->nnodes + (size_t)pof[t];
				if (!seen[c]) {
					seen[c] = 1;
					u[o->nup[n]++] = (int)c;
				}
			}
		}
		for (size_t k = 0; k < o->nup[n]; k++)
			seen[u[k]] = 0;
		u[o->nup[n]++] = (int)(nc - 1);
	}
	free(pfirst);
	free(pof);
	free(seen);
	return PP_OK;
}

/* Each constraint's bound in GPU watts: its limit less the margin, less
 * the base loads under it (each node's own base counts in every
 * constraint above it). PP_ERR_ARG when the bases alone exceed one. */
static enum pp_err bounds(struct solver *S, const struct over *o, struct pp_errbuf *eb)
{
	const struct pp_inst *in = S->in;
	for (size_t n = 0; n < in->nnodes; n++)
		for (size_t k = 0; k < o->nup[n]; k++)
			S->bases[o->up[n * o->width + k]] += in->nodes[n].base_kw;
	double m1 = 1 - in->margin;
	for (size_t n = 0; n < in->nnodes; n++)
		S->c[n].b = (in->nodes[n].limit_kw * m1 - S->bases[n]) * 1000;
	for (size_t q = 0; q < in->nplants; q++)
		S->c[in->nnodes + q].b =
			(in->plants[q].capacity_kw * m1 - S->bases[in->nnodes + q]) * 1000;
	double gb = (in->grid_limit_kw * m1 - in->grid_other_kw) / (1 + in->grid_cooling);
	S->c[S->nc - 1].b = isfinite(gb) ? (gb - S->bases[S->nc - 1]) * 1000 : INFINITY;
	for (size_t k = 0; k < S->nc; k++)
		if (S->c[k].b < 0) {
			const char *what = k < in->nnodes	      ? in->nodes[k].id
					   : k < S->nc - 1 ? in->plants[k - in->nnodes].id
							   : "grid";
			return pp_err_set(eb, PP_ERR_ARG, "'%s': the base load alone exceeds its limit "
					  "(less the margin): no caps can hold it", what);
		}
	return PP_OK;
}

/* Job i running at the first smoothing: its range [min(p_min, demand),
 * min(p_max, demand)], its segments and its smoothing weight. */
static void job_init(struct solver *S, size_t i)
{
	const struct pp_inst_job *ij = &S->in->jobs[i];
	struct sv_job *j = &S->j[i];
	double d = ij->demand_w;
	j->lo = d < ij->p_min_w ? d : ij->p_min_w;
	j->hi = d < ij->p_max_w ? d : ij->p_max_w;
	build_segments(ij, j);
	double smax = j->nseg ? j->seg[0].s : 0;
	j->mu = (smax > 0 ? smax : 1) / (j->G * (j->hi > 0 ? j->hi : 1));
	j->run = 1;
	j->act = PP_RUN;
	j->off = ij->flexible ? PP_DEFER : PP_RUN;
}

/* Per job, its GPUs under each constraint (S->jent, *total entries in
 * all), and the job itself (job_init). */
static enum pp_err job_entries(struct solver *S, const struct over *o, size_t *total)
{
	const struct pp_inst *in = S->in;
	size_t cap = 0;
	for (size_t i = 0; i < S->nj; i++) {
		const struct pp_inst_job *ij = &in->jobs[i];
		for (size_t p = 0; p < ij->nplace; p++)
			cap += o->nup[ij->place[p].node];
	}
	S->jent = malloc((cap + 1) * sizeof *S->jent);
	double *acc = calloc(S->nc, sizeof *acc);
	int *touched = malloc(S->nc * sizeof *touched);
	enum pp_err e = S->jent && acc && touched ? PP_OK : PP_ERR_NOMEM;
	for (size_t i = 0; !e && i < S->nj; i++) {
		const struct pp_inst_job *ij = &in->jobs[i];
		struct sv_job *j = &S->j[i];
		size_t nt = 0;
		for (size_t p = 0; p < ij->nplace; p++) {
			int n = ij->place[p].node;
			j->G += ij->place[p].gpus;
			for (size_t k = 0; k < o->nup[n]; k++) {
				int c = o->up[n * o->width + k];
				if (acc[c] == 0)
					touched[nt++] = c;
				acc[c] += ij->place[p].gpus;
			}
		}
		j->ce = *total;
		for (size_t k = 0; k < nt; k++) {
			S->jent[(*total)++] = (struct ent){touched[k], acc[touched[k]]};
			acc[touched[k]] = 0;
		}
		j->nce = *total - j->ce;
		job_init(S, i);
	}
	free(acc);
	free(touched);
	return e;
}

/* The transposed lists: per constraint, its jobs. */
static enum pp_err con_entries(struct solver *S, size_t total)
{
	S->ent = malloc((total + 1) * sizeof *S->ent);
	if (!S->ent)
		return PP_ERR_NOMEM;
	for (size_t t = 0; t < total; t++)
		S->c[S->jent[t].i].n++;
	size_t pos = 0;
	for (size_t k = 0; k < S->nc; k++) {
		S->c[k].start = pos;
		pos += S->c[k].n;
		S->c[k].n = 0;
	}
	for (size_t i = 0; i < S->nj; i++)
		for (size_t t = S->j[i].ce; t < S->j[i].ce + S->j[i].nce; t++) {
			struct con *c = &S->c[S->jent[t].i];
			S->ent[c->start + c->n++] = (struct ent){(int)i, S->jent[t].g};
		}
	return PP_OK;
}

enum pp_err pp_solver_build(struct solver *S, const struct pp_inst *in, struct pp_errbuf *eb)
{
	memset(S, 0, sizeof *S);
	S->search_bound = INFINITY;
	S->in = in;
	S->nj = in->njobs;
	S->nc = in->nnodes + in->nplants + 1;
	S->j = calloc(S->nj + 1, sizeof *S->j);
	S->c = calloc(S->nc, sizeof *S->c);
	S->bases = calloc(S->nc, sizeof *S->bases);
	struct over o = {0};
	size_t total = 0;
	enum pp_err e = S->j && S->c && S->bases ? over_lists(in, S->nc, &o) : PP_ERR_NOMEM;
	if (!e)
		e = bounds(S, &o, eb);
	if (!e)
		e = job_entries(S, &o, &total);
	if (!e)
		e = con_entries(S, total);
	for (size_t k = 0; !e && k < S->nc; k++)
		S->ents += S->c[k].n + 1;
	if (e == PP_ERR_NOMEM)
		pp_err_set(eb, e, "out of memory");
	free(o.up);
	free(o.nup);
	if (e)
		pp_solver_free(S);
	return e;
}

/* --- loads, prices, values ----------------------------------------------- */

double pp_solver_load(const struct solver *S, size_t k, int at_lo)
{
	const struct con *c = &S->c[k];
	double l = 0;
	for (size_t t = c->start; t < c->start + c->n; t++) {
		const struct sv_job *j = &S->j[S->ent[t].i];
		if (j->run)
			l += S->ent[t].g * (at_lo ? j->lo : j->e);
	}
	return l;
}

double pp_solver_price(const struct solver *S, size_t i)
{
	const struct sv_job *j = &S->j[i];
	double pi = 0;
	for (size_t t = j->ce; t < j->ce + j->nce; t++)
		if (isfinite(S->c[S->jent[t].i].b)) /* an unlimited one is never priced */
			pi += S->c[S->jent[t].i].lam * S->jent[t].g;
	return pi;
}

double pp_solver_limits_value(const struct solver *S)
{
	double D = 0;
	for (size_t k = 0; k < S->nc; k++)
		if (isfinite(S->c[k].b))
			D += S->c[k].lam * S->c[k].b;
	return D;
}

void pp_solver_reprice(struct solver *S)
{
	for (size_t i = 0; i < S->nj; i++) {
		struct sv_job *j = &S->j[i];
		j->pi = pp_solver_price(S, i);
		if (j->run)
			j->e = pp_sv_job_respond(j, j->pi);
	}
}

double pp_solver_objective(const struct solver *S)
{
	double v = 0;
	for (size_t i = 0; i < S->nj; i++)
		if (S->j[i].run)
			v += pp_solver_value(S, i, S->j[i].e);
	return v;
}

int pp_solver_cmp_key(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return (x[0] < y[0]) - (x[0] > y[0]);
}
