/* runs.c - looking things up in a report (report_int.h): a metric's median
 * and range over the seeds of a candidate, the run the charts draw, the
 * search of a candidate, the policy candidates are judged by. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

static double m_grid_gwh(const struct pp_year_result *r) { return r->grid_kwh / 1e6; }
static double m_peak_mw(const struct pp_year_result *r) { return r->peak_kw / 1e3; }
static double m_pue(const struct pp_year_result *r) { return r->pue; }
static double m_wue(const struct pp_year_result *r) { return r->wue; }
static double m_at_grid(const struct pp_year_result *r) { return r->at_grid_h; }
static double m_at_cool(const struct pp_year_result *r) { return r->at_cooling_h; }
static double m_loss(const struct pp_year_result *r) { return 100 * r->loss; }
static double m_vloss(const struct pp_year_result *r) { return 100 * r->value_loss; }
static double m_energy_k(const struct pp_year_result *r) { return r->energy_cost / 1e3; }
static double m_demand_k(const struct pp_year_result *r) { return r->demand_cost / 1e3; }
static double m_water_k(const struct pp_year_result *r) { return r->water_cost / 1e3; }
static double m_capex_k(const struct pp_year_result *r) { return r->capex_cost / 1e3; }
static double m_total_k(const struct pp_year_result *r) { return r->total_cost / 1e3; }
static double m_cost(const struct pp_year_result *r) { return r->cost_per_gpu_h; }
static double m_deliv(const struct pp_year_result *r) { return r->delivered_gpu_h / 1e6; }
static double m_deferred(const struct pp_year_result *r) { return (double)r->jobs_deferred; }
static double m_delay(const struct pp_year_result *r) { return r->delay_mean_h; }
static double m_cool_gwh(const struct pp_year_result *r) { return r->cooling_kwh / 1e6; }

/* Each metric of enum pp_metric, in its order. */
static double (*const metrics[])(const struct pp_year_result *r) = {
	[PP_M_GRID_GWH] = m_grid_gwh, [PP_M_PEAK_MW] = m_peak_mw,   [PP_M_PUE] = m_pue,
	[PP_M_WUE] = m_wue,           [PP_M_AT_GRID] = m_at_grid,   [PP_M_AT_COOL] = m_at_cool,
	[PP_M_LOSS] = m_loss,         [PP_M_DELIV] = m_deliv,       [PP_M_DEFERRED] = m_deferred,
	[PP_M_DELAY] = m_delay,       [PP_M_COOL_GWH] = m_cool_gwh,  [PP_M_VLOSS] = m_vloss,
	[PP_M_ENERGY_K] = m_energy_k, [PP_M_DEMAND_K] = m_demand_k, [PP_M_WATER_K] = m_water_k,
	[PP_M_CAPEX_K] = m_capex_k,   [PP_M_TOTAL_K] = m_total_k,   [PP_M_COST] = m_cost,
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct pp_range pp_runs_range(const struct pp_report *rep, size_t site, size_t design,
			      enum pp_policy pol, enum pp_metric m)
{
	double v[PP_REPORT_MAX_SEEDS];
	int n = 0;
	for (size_t i = 0; i < rep->nruns && n < PP_REPORT_MAX_SEEDS; i++) {
		const struct pp_report_run *u = &rep->runs[i];
		if (u->site == site && u->design == design && u->policy == pol)
			v[n++] = metrics[m](&u->r);
	}
	struct pp_range r = {NAN, NAN, NAN, n};
	if (!n)
		return r;
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	r.lo = v[0];
	r.hi = v[n - 1];
	r.med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
	return r;
}

const char *pp_runs_text(char *buf, size_t len, struct pp_range r, int dec)
{
	if (!r.n || isnan(r.med))
		return "-";
	char a[PP_REPORT_MAX_CELL], b[PP_REPORT_MAX_CELL];
	snprintf(a, sizeof a, "%.*f", dec, r.lo);
	snprintf(b, sizeof b, "%.*f", dec, r.hi);
	if (!strcmp(a, b))
		snprintf(buf, len, "%.*f", dec, r.med);
	else
		snprintf(buf, len, "%.*f (%s-%s)", dec, r.med, a, b);
	return buf;
}

const struct pp_search_result *pp_runs_search(const struct pp_report *rep, size_t s, size_t d,
					      enum pp_policy p)
{
	for (size_t i = 0; i < rep->nsearch; i++)
		if (rep->search[i].site == s && rep->search[i].design == d &&
		    rep->search[i].policy == p)
			return &rep->search[i];
	return NULL;
}

const struct pp_report_run *pp_runs_first(const struct pp_report *rep, size_t s, size_t d,
					  enum pp_policy p)
{
	for (size_t i = 0; i < rep->nruns; i++)
		if (rep->runs[i].site == s && rep->runs[i].design == d &&
		    rep->runs[i].policy == p && rep->runs[i].r.hours)
			return &rep->runs[i];
	return NULL;
}

enum pp_policy pp_runs_lead(const struct pp_plan *p)
{
	for (int k = PP_PLAN_POLICIES - 1; k >= 0; k--)
		if (p->policies & (1u << k))
			return (enum pp_policy)k;
	return PP_POLICY_OPTIMAL;
}

enum pp_metric pp_runs_budget_metric(const struct pp_plan *p)
{
	return p->loss_measure == PP_MEASURE_GPU_H ? PP_M_LOSS : PP_M_VLOSS;
}

const char *pp_runs_measure(const struct pp_plan *p)
{
	return p->loss_measure == PP_MEASURE_GPU_H ? "GPU-hours lost" : "priority-weighted work lost";
}
