/* search.h - the planner's question "how many GPUs can this site carry
 * within a loss budget": a bracket-and-bisect search over the fleet size,
 * one simulated year per size tried (docs/plan.md). */
#ifndef PP_SEARCH_H
#define PP_SEARCH_H

#include <stddef.h>

#include "powerpark/err.h"
#include "powerpark/plan.h"
#include "powerpark/year.h"

#define PP_SEARCH_MAX_POINTS 40

struct pp_search_point {
	int gpus;
	double loss;
};

/* The largest fleet within the loss budget for one site x design x policy. */
struct pp_search_result {
	size_t site, design;
	enum pp_policy policy;
	int best;                   /* 0: not even search_step GPUs fit */
	int unbounded;              /* still within the budget at the largest size tried */
	struct pp_search_point pts[PP_SEARCH_MAX_POINTS];
	size_t npts;
};

/* Searches over the fleet size (multiples of the plan's search_step) for
 * the largest whose year (spec, borrowed, its gpus the starting point) keeps
 * loss <= budget: grows or shrinks by 1.5x to bracket it, then bisects.
 * Every size tried is in out->pts. The loss is assumed to grow with the
 * fleet (it does when the grid and plants are fixed per GPU). */
PP_WUR enum pp_err pp_search_fleet(const struct pp_year_spec *spec, double budget,
				  struct pp_search_result *out, struct pp_errbuf *eb);

#endif
