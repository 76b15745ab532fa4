/* control_value.c - what the park's kW is worth (ctl.h, pp_ctl_value_curve):
 * the last cycle's instance solved again at lower grid draws, for a fleet
 * coordinator that splits a regional cut by value (issue 28). Holds
 * inst_mu, never mu: the loop's readings and leases go on while it solves. */
#include <math.h>
#include <string.h>

#include "control_int.h"

/* The optimum of the instance at its grid limit now: 0, or -1 (eb). */
static int solve_at(const struct pp_inst *in, double *obj, double *grid_kw, double *price,
		    int *proven, int *shedding, struct pp_errbuf *eb)
{
	struct pp_ans a;
	memset(&a, 0, sizeof a);
	const struct pp_solve_opts so = {.shed_work = PP_SOLVE_SHED_WORK};
	enum pp_err e = pp_solve_with(in, PP_POLICY_OPTIMAL, &so, &a, eb);
	if (!e) {
		*obj = a.objective;
		*grid_kw = a.grid.power_kw;
		*price = a.grid.price;
		*proven = a.proven;
		*shedding = a.shedding;
	}
	pp_solve_free(&a);
	return e ? -1 : 0;
}

static int same_cuts(const struct pp_ctl_value *v, const double *cut, size_t n)
{
	if (v->n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v->pt[i].cut_kw != cut[i])
			return 0;
	return 1;
}

enum pp_err pp_ctl_value_curve(struct pp_ctl *c, const double *cut_kw, size_t n,
			       struct pp_ctl_value *out, struct pp_errbuf *eb)
{
	memset(out, 0, sizeof *out);
	if (n > PP_CTL_VALUE_MAX)
		return pp_err_set(eb, PP_ERR_ARG, "at most %d cuts at once", PP_CTL_VALUE_MAX);
	for (size_t i = 0; i < n; i++)
		if (!(cut_kw[i] >= 0) || !isfinite(cut_kw[i]))
			return pp_err_set(eb, PP_ERR_ARG, "cut %zu: expected kW of 0 or more", i);
	pthread_mutex_lock(&c->inst_mu);
	enum pp_err e = PP_OK;
	if (!c->have_inst) {
		e = pp_err_set(eb, PP_ERR_ARG, "no plan yet: the first cycle has not solved");
		goto out;
	}
	if (c->value_gen == c->inst_gen && same_cuts(&c->value, cut_kw, n)) {
		*out = c->value;
		goto out;
	}
	struct pp_inst *in = &c->last_inst;
	double lim = in->grid_limit_kw, obj, p0, price;
	int proven, shed;
	if (solve_at(in, &obj, &p0, &price, &proven, &shed, eb)) {
		e = PP_ERR_ARG;
		goto out;
	}
	*out = (struct pp_ctl_value){.planned_kw = p0, .limit_kw = lim, .objective = obj,
				     .price = price, .n = n};
	for (size_t i = 0; i < n && !e; i++) {
		out->pt[i].cut_kw = cut_kw[i];
		if (cut_kw[i] > p0) {
			e = pp_err_set(eb, PP_ERR_ARG, "cut %zu: %.1f kW is more than the %.1f kW "
				       "planned", i, cut_kw[i], p0);
			break;
		}
		/* The usable limit (after the margin) at the planned draw less the cut. */
		in->grid_limit_kw = fmin(lim, (p0 - cut_kw[i]) / (1 - in->margin));
		double o, g, pr;
		if (solve_at(in, &o, &g, &pr, &out->pt[i].proven, &out->pt[i].shedding, eb))
			e = PP_ERR_ARG; /* even pausing every job cannot get there */
		else
			out->pt[i].value_lost = fmax(0, obj - o);
	}
	in->grid_limit_kw = lim;
	if (!e) {
		c->value = *out;
		c->value_gen = c->inst_gen;
	}
out:
	pthread_mutex_unlock(&c->inst_mu);
	return e;
}
