/* year_int.h - private to year.c, year_jobs.c and year_sum.c: the jobs of
 * a simulated year and their arrivals, its totals. */
#ifndef PP_YEAR_INT_H
#define PP_YEAR_INT_H

#include <stddef.h>

#include "powerpark/gpu.h"
#include "powerpark/plan.h"
#include "powerpark/plant.h"

/* Halvings of the bisection that sizes the static policy's cap: far
 * below a watt for any GPU. */
#define PP_YEAR_MAX_HALVINGS 30

/* One job's arrival, drawn before the year starts so that every policy,
 * design and site of a seed sees the same work. */
struct yarrival {
	double t_h, run_h;
	int cls, gpus, flex;
};

/* Draws the arrivals of plan's classes for a fleet of gpus (largest job
 * max_gpus) from warm_h hours before the year to its end (hours), sorted by
 * time, into *out (taken by the caller; free()). Returns their count, or
 * (size_t)-1 when out of memory. The same seed gives the same arrivals; a
 * job's flex draw is made whatever its class's deferrable fraction, so a
 * larger fraction makes a superset of deferrable jobs. */
size_t pp_year_arrivals(const struct pp_plan *plan, int gpus, int max_gpus, unsigned long seed,
			double warm_h, double hours, struct yarrival **out);

/* The arrival-rate factor (mean 1 over a week) of pattern at t_h hours
 * after Monday 00:00. */
double pp_year_pattern(enum pp_plan_pattern p, double t_h);

struct pp_year_result;

/* Fills r's totals, monthly sums, PUE, WUE and losses from its hours and
 * the weighted sums already in it. */
void pp_year_totals(struct pp_year_result *r);

struct pp_year_spec;

/* Fills r's money from its hours (after pp_year_totals) when the plan has
 * costs: energy at the site's tariff, a demand charge on each month's
 * highest hourly peak, water, and the CAPEX of the design (per MW of
 * nameplate_kw) and the connection (per MW of the limit) for the part of a
 * year run. */
void pp_year_costs(struct pp_year_result *r, const struct pp_year_spec *s, double nameplate_kw);

#endif
