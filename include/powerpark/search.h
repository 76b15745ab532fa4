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
	double loss;                /* in the plan's loss_measure, a fraction */
	struct pp_year_result r;    /* the year's totals (no hours) */
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

/* The point of x (borrowed) at its best size, or NULL (none fits). */
const struct pp_search_point *pp_search_best(const struct pp_search_result *x);

/* Called after each size a search tries with its point (borrowed for the
 * call). */
typedef void (*pp_search_tried_fn)(void *arg, const struct pp_search_point *pt);

/* Searches over the fleet size (multiples of the plan's search_step) for
 * the largest whose year (spec, borrowed, its gpus the starting point) keeps
 * loss <= budget: grows or shrinks by 1.5x to bracket it, then bisects;
 * with hint set, spec->gpus is a close guess (another policy's answer) and
 * the bracket grows from it by one step, doubling, instead.
 * Loss is in the plan's loss_measure (pp_year_loss). Every size tried is
 * in out->pts, with its year's totals; tried (may be NULL) is called with
 * arg after each. The loss is assumed to grow with the
 * fleet (it does when the grid and plants are fixed per GPU). */
PP_WUR enum pp_err pp_search_fleet(const struct pp_year_spec *spec, double budget, int hint,
				  struct pp_search_result *out, pp_search_tried_fn tried, void *arg,
				  struct pp_errbuf *eb);

#endif
