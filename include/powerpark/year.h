/* year.h - one candidate of a plan over a year of weather: a site, a cooling
 * design, a fleet size and a policy, stepped hourly or down to one minute,
 * with the solver of solve.h choosing caps and deferrals each step
 * (docs/plan.md). The building block of `powerpark plan`. */
#ifndef PP_YEAR_H
#define PP_YEAR_H

#include <stddef.h>

#include "powerpark/err.h"
#include "powerpark/plan.h"
#include "powerpark/weather.h"

/* One hour of a run (energies summed over its steps, the rest averaged,
 * peaks and headroom the extremes). */
struct pp_year_hour {
	int month, day, hod;          /* 1-12, 1-31, 0-23 local standard time */
	double db_c, wb_c;
	double limit_kw;              /* lowest grid limit in force (INFINITY: none) */
	double grid_kwh, it_kwh, cooling_kwh, other_kwh, water_l;
	double grid_peak_kw;
	double headroom_kw;           /* lowest limit x (1 - margin) - grid draw */
	double free_frac;             /* share of the heat carried without compressors */
	double at_grid_h, at_cooling_h, at_hall_h; /* time at each kind of limit */
	double gpus_running, gpus_waiting, gpus_paused; /* averages */
	double delivered_gpu_h, lost_gpu_h;
	double cap_w;                 /* mean draw of a running GPU */
};

/* A year's totals. Embedded value type: pp_year_run fills it,
 * pp_year_result_free frees the hours. */
struct pp_year_result {
	double grid_kwh, it_kwh, cooling_kwh, other_kwh, water_l, unmet_heat_kwh;
	double peak_kw;
	double month_grid_kwh[12], month_it_kwh[12], month_water_l[12];
	double at_grid_h, at_cooling_h, at_hall_h;
	double delivered_gpu_h, lost_gpu_h, waiting_gpu_h, queued_gpu_h;
	double value_delivered, value_lost; /* the same weighted by job priority */
	/* Per class of the plan's job mix: GPU-hours delivered and lost. */
	double class_delivered_gpu_h[PP_PLAN_MAX_CLASSES], class_lost_gpu_h[PP_PLAN_MAX_CLASSES];
	long jobs, jobs_done, jobs_deferred, jobs_unfinished;
	double delay_mean_h, delay_max_h;   /* of the jobs that waited for power */
	double static_cap_w;                /* the static policy's cap (0 otherwise) */
	double balance_max_kw;              /* worst |grid - (IT + cooling + other)| of a step */
	long over_steps;                    /* steps above a limit (the promise: 0) */
	long steps;
	/* Money (0 without the plan's costs), in its currency, for the hours run:
	 * energy at the tariff, demand charges, water, CAPEX spread over the
	 * plan's capex_years; their sum per delivered GPU-hour. */
	double energy_cost, demand_cost, water_cost, capex_cost, total_cost, cost_per_gpu_h;
	double pue, wue, loss;              /* loss: lost / (delivered + lost) GPU-hours */
	double value_loss;                  /* value_lost / (value_delivered + value_lost) */
	double wall_s;
	struct pp_year_hour *hours;         /* nhours, when asked for */
	size_t nhours;
};

struct pp_year_spec {
	const struct pp_plan *plan;         /* borrowed, all of them */
	const struct pp_plan_site *site;
	const struct pp_plan_design *design;
	const struct pp_weather *wx;
	enum pp_policy policy;
	int gpus;                           /* fleet size (the plan's, or a search's) */
	unsigned long seed;                 /* job arrivals */
	double step_s, hours;
	int keep_hours;                     /* fill result.hours */
	/* Called about every simulated week when set: t_h done of hours. */
	void (*progress)(void *arg, double t_h);
	void *arg;
};

/* Simulates spec (borrowed) into r (written; free with pp_year_result_free
 * even on error). Fails with a reason when the fleet cannot be built (a
 * hall share too small for one job, a chiller model unknown) or out of
 * memory. A limit the policy could not keep is counted, not fatal. */
PP_WUR enum pp_err pp_year_run(const struct pp_year_spec *spec, struct pp_year_result *r,
			       struct pp_errbuf *eb);

void pp_year_result_free(struct pp_year_result *r);

/* r's (borrowed) loss in measure (enum pp_plan_measure): value_loss or
 * loss, a fraction. */
double pp_year_loss(const struct pp_year_result *r, int measure);

/* The planner's calendar: t_h hours after 1 January 00:00 local standard
 * time of a 365-day year (EPW years have no 29 February) that starts on a
 * Monday. Writes month 1-12, day 1-31, hour of day 0-23, and whether it
 * is a Saturday or Sunday. */
void pp_year_calendar(double t_h, int *month, int *day, int *hod, int *weekend);

/* The grid limit of site s (borrowed) at t_h (the calendar above): the
 * lowest of the events in force, else the connection. */
double pp_year_limit_at(const struct pp_plan_site *s, double t_h);


#endif
