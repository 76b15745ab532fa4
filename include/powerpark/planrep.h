/* planrep.h - what `powerpark plan` makes of its simulated years: the
 * search for the largest fleet within a loss budget, a CSV per run, SVG
 * charts and the ranked one-page summary (docs/plan.md). */
#ifndef PP_PLANREP_H
#define PP_PLANREP_H

#include <stddef.h>

#include "powerpark/err.h"
#include "powerpark/plan.h"
#include "powerpark/year.h"

/* One simulated year of the report. */
struct pp_plan_run {
	size_t site, design;
	enum pp_plan_policy policy;
	unsigned long seed;
	struct pp_year_result r;    /* hours kept for the first seed only */
	char csv[128];              /* its CSV, relative to the output folder */
};

#define PP_SEARCH_MAX_POINTS 40

struct pp_search_point {
	int gpus;
	double loss;
};

/* The largest fleet within the loss budget for one site x design x policy. */
struct pp_plan_search {
	size_t site, design;
	enum pp_plan_policy policy;
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
PP_WUR enum pp_err pp_plan_search(const struct pp_year_spec *spec, double budget,
				  struct pp_plan_search *out, struct pp_errbuf *eb);

/* Writes r's hours (borrowed) as CSV to path (borrowed): one row per hour,
 * energies in kWh, the columns of docs/plan.md. */
PP_WUR enum pp_err pp_plan_write_csv(const char *path, const struct pp_year_result *r,
				     struct pp_errbuf *eb);

/* Everything one `powerpark plan` produced. */
struct pp_plan_report {
	const struct pp_plan *plan;
	const struct pp_plan_run *runs;
	size_t nruns;
	const struct pp_plan_search *search;
	size_t nsearch;
	double step_s, hours, loss_budget;
	int nseeds;
};

/* Writes into dir (borrowed, existing): summary.csv (one row per run),
 * summary.md and summary.html (the ranking, why, the per-run table), and
 * the charts load-duration.svg, monthly-pue.svg, gpus-vs-loss.svg and
 * headroom-SITE-DESIGN.svg. */
PP_WUR enum pp_err pp_plan_write_report(const char *dir, const struct pp_plan_report *rep,
					struct pp_errbuf *eb);

/* A file-name-safe copy of s (borrowed) into out (len bytes). */
void pp_plan_slug(const char *s, char *out, size_t len);

#endif
