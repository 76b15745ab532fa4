/* year_int.h - private to year.c and year_jobs.c: the jobs of a simulated
 * year and their arrivals. */
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

#endif
