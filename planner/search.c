/* plan_search.c - the largest fleet a site carries within a loss budget
 * (search.h). */
#include <math.h>
#include <string.h>

#include "powerpark/search.h"

/* The year at gpus; its loss, or NAN (eb set) on failure. */
static double loss_at(const struct pp_year_spec *spec, int gpus, struct pp_search_result *out,
		      pp_search_tried_fn tried, void *arg, struct pp_errbuf *eb)
{
	for (size_t i = 0; i < out->npts; i++)
		if (out->pts[i].gpus == gpus)
			return out->pts[i].loss;
	struct pp_year_spec s = *spec;
	s.gpus = gpus;
	s.keep_hours = 0;
	struct pp_year_result r;
	enum pp_err e = pp_year_run(&s, &r, eb);
	pp_year_result_free(&r);
	if (e)
		return NAN;
	double l = pp_year_loss(&r, spec->plan->loss_measure);
	struct pp_search_point pt = {gpus, l, r};
	if (out->npts < PP_SEARCH_MAX_POINTS)
		out->pts[out->npts++] = pt;
	if (tried)
		tried(arg, &pt);
	return l;
}

static int round_to(double n, int step)
{
	int k = (int)floor(n / step + 0.5);
	return (k < 1 ? 1 : k) * step;
}

enum pp_err pp_search_fleet(const struct pp_year_spec *spec, double budget,
			   int hint, struct pp_search_result *out, pp_search_tried_fn tried,
			   void *arg, struct pp_errbuf *eb)
{
	memset(out, 0, sizeof *out);
	out->policy = spec->policy;
	int step = spec->plan->search_step;
	int n = round_to(spec->gpus, step), top = 8 * n;
	int lo = 0, hi = 0; /* largest size within the budget, smallest over it; 0: none yet */
	/* From a hint (another policy's answer: close), the bracket grows by a
	 * step, then doubles; from the plan's fleet, by 1.5x. */
	int d = step;
	for (int m = n;;) {
		double l = loss_at(spec, m, out, tried, arg, eb);
		if (isnan(l))
			return PP_ERR_ARG;
		if (l <= budget)
			lo = m;
		else
			hi = m;
		if (!hi) {            /* growing: 1.5x until over, or unbounded */
			if (lo >= top) {
				out->unbounded = 1;
				break;
			}
			m = hint ? (int)fmin(lo + d, top) : round_to(fmin(lo * 1.5, top), step);
			m = m > lo ? m : lo + step;
			d *= 2;
		} else if (!lo) {     /* shrinking: down to a single step */
			if (hi <= step)
				break;
			m = hint ? hi - d : (int)floor(hi / 1.5 / step) * step;
			m = m >= step ? m : step;
			d *= 2;
		} else if (hi - lo > step) {
			m = lo + (hi - lo) / 2 / step * step;
			m = m > lo ? m : lo + step;
		} else {
			break;
		}
	}
	out->best = lo;
	return PP_OK;
}

const struct pp_search_point *pp_search_best(const struct pp_search_result *x)
{
	for (size_t i = 0; x->best && i < x->npts; i++)
		if (x->pts[i].gpus == x->best)
			return &x->pts[i];
	return NULL;
}
