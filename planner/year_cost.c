/* year_cost.c - what a simulated year costs (year_int.h): energy at the
 * site's time-of-use tariff, its demand charges, water, and the CAPEX of
 * the cooling design and the grid connection spread over the plan's years
 * (docs/plan.md, "Money"). */
#include <math.h>

#include "year_int.h"
#include "powerpark/year.h"

/* Hours of the planner's (365-day) year: CAPEX is charged per hour of it. */
#define PP_YEAR_HOURS 8760.0

/* The energy price of site s (borrowed) in hour h of the year: the first
 * period that holds the hour's middle, else the site's price. */
static double price_at(const struct pp_plan_site *s, size_t h)
{
	int month, day, hod, weekend;
	pp_year_calendar((double)h, &month, &day, &hod, &weekend);
	double mid = hod + 0.5;
	for (size_t i = 0; i < s->nperiods; i++) {
		const struct pp_plan_period *q = &s->periods[i];
		if (!(q->months >> (month - 1) & 1) || (q->days == 1 && weekend) ||
		    (q->days == 2 && !weekend) || mid < q->from_h || mid >= q->to_h)
			continue;
		return q->price_kwh;
	}
	return s->price_kwh;
}

void pp_year_costs(struct pp_year_result *r, const struct pp_year_spec *s, double nameplate_kw)
{
	const struct pp_plan *p = s->plan;
	if (!p->has_costs)
		return;
	double peak[12] = {0};
	for (size_t h = 0; h < r->nhours; h++) {
		const struct pp_year_hour *o = &r->hours[h];
		r->energy_cost += o->grid_kwh * price_at(s->site, h);
		if (o->month)
			peak[o->month - 1] = fmax(peak[o->month - 1], o->grid_peak_kw);
	}
	for (int m = 0; m < 12; m++)
		r->demand_cost += peak[m] * s->site->demand_kw_month;
	r->water_cost = r->water_l / 1000 * p->water_per_m3;
	double conn_mw = isfinite(s->site->limit_kw) ? s->site->limit_kw / 1000 : 0;
	r->capex_cost = (s->design->capex_per_mw * nameplate_kw / 1000 +
			 s->site->connection_per_mw * conn_mw) /
			p->capex_years * ((double)r->nhours / PP_YEAR_HOURS);
	r->total_cost = r->energy_cost + r->demand_cost + r->water_cost + r->capex_cost;
	r->cost_per_gpu_h = r->delivered_gpu_h > 0 ? r->total_cost / r->delivered_gpu_h : 0;
}
