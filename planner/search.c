/* plan_search.c - the largest fleet a site carries within a loss budget
 * (search.h). */
#include <math.h>
#include <string.h>

#include "powerpark/search.h"

/* The year at gpus; its loss, or NAN (eb set) on failure. */
static double loss_at(const struct pp_year_spec *spec, int gpus, struct pp_search_result *out,
		      struct pp_errbuf *eb)
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
	if (out->npts < PP_SEARCH_MAX_POINTS)
		out->pts[out->npts++] = (struct pp_search_point){gpus, r.loss};
	return r.loss;
}

static int round_to(double n, int step)
{
	int k = (int)floor(n / step + 0.5);
	return (k < 1 ? 1 : k) * step;
}

enum pp_err pp_search_fleet(const struct pp_year_spec *spec, double budget,
			   struct pp_search_result *out, struct pp_errbuf *eb)
{
	memset(out, 0, sizeof *out);
	out->policy = spec->policy;
	int step = spec->plan->search_step;
	int n = round_to(spec->gpus, step), top = 8 * n;
	int lo = 0, hi = 0; /* largest size within the budget, smallest over it; 0: none yet */
	for (int m = n;;) {
		double l = loss_at(spec, m, out, eb);
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
			m = round_to(fmin(lo * 1.5, top), step);
			m = m > lo ? m : lo + step;
		} else if (!lo) {     /* shrinking: down to a single step */
			if (hi <= step)
				break;
			m = (int)floor(hi / 1.5 / step) * step;
			m = m >= step ? m : step;
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
