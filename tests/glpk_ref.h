/* glpk_ref.h - the reference for the optimizer: the exact MILP of an
 * instance solved by GLPK (libglpk-dev), written apart from optimizer/ (its
 * own curve, its own limit sets). Shared by tests/test_solve.c and
 * bench/bench_solve.c; header-only so each links it into itself. */
#ifndef PP_GLPK_REF_H
#define PP_GLPK_REF_H

#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "powerpark/inst.h"
#include "powerpark/solve.h"

/* The test's own curve, apart from the solver's. */
static double curve(const struct pp_inst_job *j, double e)
{
	size_t n = j->ncurve;
	if (e >= j->curve_p[n - 1])
		return j->curve_t[n - 1];
	size_t i = 1;
	while (i < n - 1 && e > j->curve_p[i])
		i++;
	double v = j->curve_t[i - 1] +
		   (j->curve_t[i] - j->curve_t[i - 1]) * (e - j->curve_p[i - 1]) /
			   (j->curve_p[i] - j->curve_p[i - 1]);
	return v > 0 ? v : 0;
}

static int under(const struct pp_inst *in, int node, int anc)
{
	for (int n = node; n >= 0; n = in->nodes[n].parent)
		if (n == anc)
			return 1;
	return 0;
}

/* GPUs of job j under constraint k (nodes, plants, grid). */
static double gpus_under(const struct pp_inst *in, const struct pp_inst_job *j, size_t k)
{
	double g = 0;
	for (size_t p = 0; p < j->nplace; p++) {
		int leaf = j->place[p].node, in_k = 0;
		if (k < in->nnodes)
			in_k = under(in, leaf, (int)k);
		else if (k < in->nnodes + in->nplants) {
			const struct pp_inst_plant *pl = &in->plants[k - in->nnodes];
			for (size_t m = 0; m < pl->nnodes && !in_k; m++)
				in_k = under(in, leaf, pl->nodes[m]);
		} else
			in_k = 1;
		g += in_k ? j->place[p].gpus : 0;
	}
	return g;
}

static double base_under(const struct pp_inst *in, size_t k)
{
	double b = 0;
	for (size_t n = 0; n < in->nnodes; n++) {
		int in_k = 0;
		if (k < in->nnodes)
			in_k = under(in, (int)n, (int)k);
		else if (k < in->nnodes + in->nplants) {
			const struct pp_inst_plant *pl = &in->plants[k - in->nnodes];
			for (size_t m = 0; m < pl->nnodes && !in_k; m++)
				in_k = under(in, (int)n, pl->nodes[m]);
		} else
			in_k = 1;
		b += in_k ? in->nodes[n].base_kw : 0;
	}
	return b;
}

/* GPU watts allowed under constraint k. */
static double bound(const struct pp_inst *in, size_t k)
{
	double m1 = 1 - in->margin;
	if (k < in->nnodes)
		return (in->nodes[k].limit_kw * m1 - base_under(in, k)) * 1000;
	if (k < in->nnodes + in->nplants)
		return (in->plants[k - in->nnodes].capacity_kw * m1 - base_under(in, k)) * 1000;
	return ((in->grid_limit_kw * m1 - in->grid_other_kw) / (1 + in->grid_cooling) -
		base_under(in, k)) * 1000;
}

/* The exact MILP in GLPK: y_j (binary for flexible jobs; fixed at 1 for all
 * with all_run) runs the job, x_js its power in segment s of [lo, hi].
 * Returns the optimum (the best found when GLPK hits tm_lim_ms), or NAN when
 * it is infeasible with every non-flexible job running; *secs (may be NULL)
 * gets GLPK's own time. */
static double glpk_opt(const struct pp_inst *in, int all_run, int tm_lim_ms, double *secs)
{
	size_t nc = in->nnodes + in->nplants + 1;
	glp_prob *lp = glp_create_prob();
	glp_set_obj_dir(lp, GLP_MAX);
	glp_add_rows(lp, (int)nc);
	for (size_t k = 0; k < nc; k++) {
		double b = bound(in, k);
		if (isfinite(b))
			glp_set_row_bnds(lp, (int)k + 1, GLP_UP, 0, b);
		else
			glp_set_row_bnds(lp, (int)k + 1, GLP_FR, 0, 0);
	}
	/* At most nc + 2 entries per column (its limits, plus x <= len y). */
	size_t cap = 1;
	for (size_t i = 0; i < in->njobs; i++)
		cap += (in->jobs[i].ncurve + 3) * (nc + 2);
	int *ia = calloc(cap, sizeof *ia), *ja = calloc(cap, sizeof *ja);
	double *ar = calloc(cap, sizeof *ar);
	int ne = 0;
	double *gk = calloc(nc, sizeof *gk);
	for (size_t i = 0; i < in->njobs; i++) {
		const struct pp_inst_job *j = &in->jobs[i];
		double G = 0;
		for (size_t p = 0; p < j->nplace; p++)
			G += j->place[p].gpus;
		for (size_t k = 0; k < nc; k++)
			gk[k] = gpus_under(in, j, k);
		double lo = fmin(j->p_min_w, j->demand_w), hi = fmin(j->p_max_w, j->demand_w);
		int y = glp_add_cols(lp, 1);
		glp_set_obj_coef(lp, y, j->weight * G * curve(j, lo));
		if (j->flexible && !all_run)
			glp_set_col_kind(lp, y, GLP_BV);
		else
			glp_set_col_bnds(lp, y, GLP_FX, 1, 1);
		for (size_t k = 0; k < nc; k++)
			if (gk[k] > 0) {
				ne++;
				ia[ne] = (int)k + 1;
				ja[ne] = y;
				ar[ne] = gk[k] * lo;
			}
		double bp[PP_SOLVE_CURVE_MAX + 2];
		int nb = 0;
		bp[nb++] = lo;
		for (size_t k = 0; k < j->ncurve; k++)
			if (j->curve_p[k] > lo && j->curve_p[k] < hi)
				bp[nb++] = j->curve_p[k];
		bp[nb++] = hi;
		for (int s = 0; s + 1 < nb; s++) {
			double len = bp[s + 1] - bp[s];
			if (len <= 0)
				continue;
			int x = glp_add_cols(lp, 1);
			glp_set_col_bnds(lp, x, GLP_DB, 0, len);
			glp_set_obj_coef(lp, x, j->weight * G * (curve(j, bp[s + 1]) - curve(j, bp[s])) / len);
			for (size_t k = 0; k < nc; k++)
				if (gk[k] > 0) {
					ne++;
					ia[ne] = (int)k + 1;
					ja[ne] = x;
					ar[ne] = gk[k];
				}
			if (j->flexible && !all_run) { /* x <= len y */
				int r = glp_add_rows(lp, 1);
				glp_set_row_bnds(lp, r, GLP_UP, 0, 0);
				ne++;
				ia[ne] = r;
				ja[ne] = x;
				ar[ne] = 1;
				ne++;
				ia[ne] = r;
				ja[ne] = y;
				ar[ne] = -len;
			}
		}
	}
	glp_load_matrix(lp, ne, ia, ja, ar);
	glp_iocp parm;
	glp_init_iocp(&parm);
	parm.presolve = GLP_ON;
	parm.msg_lev = GLP_MSG_OFF;
	parm.mip_gap = 1e-9;
	if (tm_lim_ms > 0)
		parm.tm_lim = tm_lim_ms;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = glp_intopt(lp, &parm);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (secs)
		*secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	int st = glp_mip_status(lp);
	double v = (rc == 0 || rc == GLP_ETMLIM) && (st == GLP_OPT || st == GLP_FEAS)
			   ? glp_mip_obj_val(lp)
			   : NAN;
	glp_delete_prob(lp);
	free(ia);
	free(ja);
	free(ar);
	free(gk);
	return v;
}

#endif
