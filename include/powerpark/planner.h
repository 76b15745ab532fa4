/* planner.h - `powerpark plan` as one call: every candidate site x cooling
 * design x policy of a plan over a year of its weather, a number of seeds
 * of job arrivals each, the search for the largest fleet each carries
 * within the loss budget, and the report (docs/plan.md). year.h runs one
 * year, search.h one search, report.h writes what they found. */
#ifndef PP_PLANNER_H
#define PP_PLANNER_H

#include <stddef.h>

#include "powerpark/err.h"
#include "powerpark/plan.h"
#include "powerpark/search.h"
#include "powerpark/year.h"

/* Seeds of one candidate and policy at most (--runs). */
#define PP_PLANNER_MAX_RUNS 1000

/* What a study takes from its caller rather than from the plan. */
struct pp_planner_opts {
	const char *out;      /* the folder written (borrowed): made, with runs/ in it */
	double step_s;        /* seconds a step; 0: the plan's */
	double hours;         /* simulated of each year; 0: the plan's */
	double loss;          /* the loss budget, a fraction; < 0: the plan's */
	int runs;             /* seeds; 0: the plan's */
	long seed;            /* the first seed; < 0: the plan's */
	int no_search;        /* skip the fleet-size search */
	/* A sensitivity study: key (NULL: none; grid_mw, utilization or gpus,
	 * borrowed) set from vary_from to vary_to by vary_step. */
	const char *vary_key;
	double vary_from, vary_to, vary_step;
};

/* The most values a sensitivity study takes. */
#define PP_PLANNER_MAX_VARY 64

/* Whether key (borrowed) is an input --vary can set: grid_mw, utilization,
 * gpus. */
int pp_planner_vary_known(const char *key);

enum pp_planner_stage {
	PP_PLANNER_START,     /* before the first year: total, step_s, hours, loss */
	PP_PLANNER_YEAR,      /* about every simulated week of a year: done_h */
	PP_PLANNER_RUN,       /* a year done: run */
	PP_PLANNER_TRY,       /* a search tried a size: point */
	PP_PLANNER_SEARCH,    /* a search done: search */
	PP_PLANNER_VARY       /* a value of the sensitivity study done: what says it */
};

/* What a study is doing, for its caller to show. Everything is borrowed
 * for the call only. */
struct pp_planner_progress {
	enum pp_planner_stage stage;
	const char *what;     /* "[3/18] SITE / DESIGN / POLICY / seed N", "search SITE / ..." */
	size_t done, total;   /* years done (this one counted) of all */
	double step_s, hours, loss;           /* what the study uses */
	double done_h;                        /* YEAR: simulated hours done of hours */
	const struct pp_year_result *run;     /* RUN: its totals */
	const struct pp_search_result *search; /* SEARCH: its answer */
	const struct pp_search_point *point;   /* TRY: the size and its loss */
	size_t searches_done, searches;        /* TRY, SEARCH: searches done (this one
						* counted at SEARCH) of all */
};

typedef void (*pp_planner_progress_fn)(void *arg, const struct pp_planner_progress *p);

/* Runs the study of plan (borrowed) with o (borrowed) and writes its report
 * into o->out: a CSV per run under runs/, summary.csv, summary.md,
 * summary.html, search.csv and the charts. progress (may be NULL) is called
 * with arg at each stage. Fails, with the reason in eb, when a weather file
 * cannot be read (FILE:LINE:COL of its key first), a year cannot be built,
 * a file cannot be written, or out of memory; what was written stays. */
PP_WUR enum pp_err pp_planner_run(const struct pp_plan *plan, const struct pp_planner_opts *o,
				  pp_planner_progress_fn progress, void *arg,
				  struct pp_errbuf *eb);

#endif
