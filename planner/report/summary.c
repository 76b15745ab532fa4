/* summary.c - the one-page summary of a plan (report_int.h): the plan in a
 * paragraph, the candidates ranked and why, every policy at the planned
 * fleet, the searches, the monthly PUE and, after the charts, every run. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "powerpark/gpu.h"

/* The longest sentence of "Why" and a short text (a title, a GPU count). */
#define PP_SUMMARY_MAX_WHY 768
#define PP_SUMMARY_MAX_TEXT 256

/* A site x design as the ranking sees it, under the lead policy. */
struct cand {
	size_t site, design;
	double score, tie;
	int gpus, unbounded;
	double pue, at_grid, at_cool, loss, free_h, wue, grid_gwh;
	double loss_lo, loss_hi;  /* the loss over the seeds at the planned fleet */
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->tie > y->tie) - (x->tie < y->tie);
}

static const char *gpus_text(char *buf, size_t len, const struct cand *c)
{
	if (c->gpus < 0)
		return "-";
	snprintf(buf, len, "%s%d", c->unbounded ? ">= " : "", c->gpus);
	return buf;
}

/* Metric m over the seeds of s x d x pol with dec decimals, in buf. */
static const char *cell(char buf[PP_REPORT_MAX_CELL], const struct pp_report *rep, size_t s,
			size_t d, enum pp_policy pol, enum pp_metric m, int dec)
{
	return pp_runs_text(buf, PP_REPORT_MAX_CELL, pp_runs_range(rep, s, d, pol, m), dec);
}

static size_t candidates(const struct pp_report *rep, struct cand *out)
{
	const struct pp_plan *p = rep->plan;
	enum pp_policy lead = pp_runs_lead(p);
	size_t n = 0;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t d = 0; d < p->ndesigns; d++) {
			if (!(p->sites[s].designs & (1u << d)))
				continue;
			struct cand *c = &out[n++];
			memset(c, 0, sizeof *c);
			c->site = s;
			c->design = d;
			const struct pp_search_result *se = pp_runs_search(rep, s, d, lead);
			c->gpus = se ? se->best : -1;
			c->unbounded = se ? se->unbounded : 0;
			c->pue = pp_runs_range(rep, s, d, lead, PP_M_PUE).med;
			c->wue = pp_runs_range(rep, s, d, lead, PP_M_WUE).med;
			c->at_grid = pp_runs_range(rep, s, d, lead, PP_M_AT_GRID).med;
			c->at_cool = pp_runs_range(rep, s, d, lead, PP_M_AT_COOL).med;
			struct pp_range lr = pp_runs_range(rep, s, d, lead, pp_runs_budget_metric(p));
			c->loss = lr.med;
			c->loss_lo = lr.lo;
			c->loss_hi = lr.hi;
			c->grid_gwh = pp_runs_range(rep, s, d, lead, PP_M_GRID_GWH).med;
			const struct pp_report_run *u = pp_runs_first(rep, s, d, lead);
			for (size_t h = 0; u && h < u->r.nhours; h++)
				c->free_h += u->r.hours[h].free_frac;
			/* More GPUs within the budget first; then less loss at the
			 * plan's fleet; then less energy. */
			c->score = se ? se->best : -c->loss;
			c->tie = se ? c->loss * 1e6 + c->grid_gwh : c->grid_gwh;
		}
	qsort(out, n, sizeof *out, cmp_cand);
	return n;
}


/* When a's lead over b (borrowed) is within what the seeds or the search
 * can tell apart, a sentence that says so. */
static void caveat(char *s, size_t n, size_t *o, const struct pp_plan *p, const struct cand *a,
		   const struct cand *b)
{
	int near = a->gpus >= 0 && b->gpus >= 0 && abs(a->gpus - b->gpus) <= p->search_step;
	int overlap = a->loss_lo < a->loss_hi && a->loss_lo <= b->loss_hi && b->loss_lo <= a->loss_hi;
	if (near)
		rep_cat(s, n, o, " Caveat: %d GPUs apart is at most one search step (%d); the order "
		    "is within what the search can tell.", abs(a->gpus - b->gpus), p->search_step);
	if (overlap)
		rep_cat(s, n, o, " Caveat: at the planned fleet their losses overlap over the seeds "
		    "(%.2f-%.2f %% vs %.2f-%.2f %%): this order is within the seeds' spread.",
		    a->loss_lo, a->loss_hi, b->loss_lo, b->loss_hi);
}

/* Why the first is ahead of the second, in a sentence from the numbers. */
static void why(struct pp_doc *d, const struct pp_plan *p, double budget, const struct cand *a,
		const struct cand *b, int rank)
{
	char ga[32], gb[32], s[PP_SUMMARY_MAX_WHY];
	size_t o = 0, n = sizeof s;
	rep_cat(s, n, &o, "**%d. %s / %s**: ", rank, p->sites[a->site].name,
	    p->designs[a->design].name);
	if (a->gpus >= 0)
		rep_cat(s, n, &o, "carries %s GPUs within the %.1f %% loss budget",
		    gpus_text(ga, sizeof ga, a), 100 * budget);
	else
		rep_cat(s, n, &o, "%s: %.2f %%", pp_runs_measure(p), a->loss);
	if (b) {
		if (a->gpus >= 0 && b->gpus >= 0 && a->gpus != b->gpus)
			rep_cat(s, n, &o, ", %d more than %s / %s (%s)", a->gpus - b->gpus,
			    p->sites[b->site].name, p->designs[b->design].name,
			    gpus_text(gb, sizeof gb, b));
		else
			rep_cat(s, n, &o, " against %s / %s", p->sites[b->site].name,
			    p->designs[b->design].name);
		rep_cat(s, n, &o, "; annual PUE %.3f vs %.3f", a->pue, b->pue);
		if (fabs(a->free_h - b->free_h) >= 1)
			rep_cat(s, n, &o, " (%.0f vs %.0f hours of free cooling)", a->free_h, b->free_h);
		rep_cat(s, n, &o, ", %.0f vs %.0f hours at the grid limit, %.0f vs %.0f at the cooling "
		    "limit, %s %.2f %% vs %.2f %%, WUE %.2f vs %.2f L/kWh.", a->at_grid,
		    b->at_grid, a->at_cool, b->at_cool, pp_runs_measure(p), a->loss, b->loss, a->wue,
		    b->wue);
		caveat(s, n, &o, p, a, b);
	} else {
		rep_cat(s, n, &o, "; annual PUE %.3f, %.0f hours at the grid limit, %.0f at the cooling "
		    "limit, %s %.2f %%.", a->pue, a->at_grid, a->at_cool, pp_runs_measure(p), a->loss);
	}
	pp_doc_text(d, PP_DOC_LI, "%s", s);
}

/* The months of bit set m (bit 0 January) as "Jun-Aug, Dec" into s. */
static void months_text(char *s, size_t n, size_t *o, unsigned m)
{
	static const char *const mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int first = 1;
	for (int a = 0; a < 12; a++) {
		if (!(m >> a & 1))
			continue;
		int b = a;
		while (b + 1 < 12 && (m >> (b + 1) & 1))
			b++;
		rep_cat(s, n, o, "%s%s%s%s", first ? "" : ", ", mn[a], b > a ? "-" : "", b > a ? mn[b] : "");
		first = 0;
		a = b;
	}
}

/* Each site and design as the numbers of the plan say it (the plan's own
 * description is prose; these are what ran). */
static void inputs(struct pp_doc *d, const struct pp_plan *p)
{
	static const char *const days[] = {"every day", "weekdays", "weekends"};
	for (size_t i = 0; i < p->nsites; i++) {
		const struct pp_plan_site *st = &p->sites[i];
		char t[PP_SUMMARY_MAX_WHY];
		size_t o = 0, n = sizeof t;
		if (isfinite(st->limit_kw))
			rep_cat(t, n, &o, "**%s**: grid connection %.4g MW", st->name, st->limit_kw / 1e3);
		else
			rep_cat(t, n, &o, "**%s**: grid connection unlimited", st->name);
		rep_cat(t, n, &o, "; other loads %.4g MW, losses %.0f %% of IT", st->other_kw / 1e3,
		    100 * st->loss_frac);
		for (size_t e = 0; e < st->nevents; e++) {
			const struct pp_plan_event *ev = &st->events[e];
			rep_cat(t, n, &o, "; %s: %.4g MW in ", ev->name, ev->limit_kw / 1e3);
			months_text(t, n, &o, ev->months);
			rep_cat(t, n, &o, ", %s %02d:%02d-%02d:%02d", days[ev->days < 3 ? ev->days : 0],
			    (int)ev->from_h, (int)(fmod(ev->from_h, 1) * 60 + 0.5), (int)ev->to_h,
			    (int)(fmod(ev->to_h, 1) * 60 + 0.5));
		}
		rep_cat(t, n, &o, ".");
		pp_doc_text(d, PP_DOC_LI, "%s", t);
	}
	for (size_t k = 0; k < p->ndesigns; k++) {
		const struct pp_plan_design *ds = &p->designs[k];
		char t[PP_SUMMARY_MAX_WHY];
		size_t o = 0, n = sizeof t;
		rep_cat(t, n, &o, "**%s** (plants at %.2f x nameplate heat): ", ds->name, ds->oversize);
		for (size_t h = 0; h < ds->nhalls; h++)
			rep_cat(t, n, &o, "%s%d hall%s of %s, %.0f %% of the GPUs, %.0f kW chillers", h ? "; " : "",
			    ds->halls[h].count, ds->halls[h].count == 1 ? "" : "s",
			    ds->halls[h].cooling_name ? ds->halls[h].cooling_name : "?",
			    100 * ds->halls[h].share, ds->halls[h].chiller_kw);
		rep_cat(t, n, &o, ".");
		pp_doc_text(d, PP_DOC_LI, "%s", t);
	}
}

static void intro(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	char t[PP_SUMMARY_MAX_TEXT];
	snprintf(t, sizeof t, "Plan: %s", p->name);
	pp_doc_heading(d, 1, t);
	if (p->description)
		pp_doc_text(d, PP_DOC_P, "%s", p->description);
	pp_doc_text(d, PP_DOC_P, "%d %s GPUs (%.0f W host share each), utilization %.0f %%; %.0f "
		    "hours at %.0f-second steps; %d seed%s of job arrivals from %lu; loss budget "
		    "%.1f %% of the work wanted, measured as %s (`loss_measure: %s`; every \"loss\" "
		    "below is that unless it says GPU-hours); margin %.0f %% on every limit. Ranges "
		    "are median (min-max) over the seeds.", p->gpus, p->gpu_name, p->host_w,
		    100 * p->utilization, rep->hours, rep->step_s, rep->nseeds,
		    rep->nseeds == 1 ? "" : "s", p->seed, 100 * rep->loss_budget, pp_runs_measure(p),
		    p->loss_measure == PP_MEASURE_GPU_H ? "gpu_hours" : "value", 100 * p->margin);
	inputs(d, p);
}

/* The ranking table and, a sentence each, why. */
static void ranking(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	enum pp_policy lead = pp_runs_lead(p);
	struct cand cs[PP_PLAN_MAX_DESIGNS * PP_PLAN_MAX_SITES];
	size_t nc = candidates(rep, cs);
	pp_doc_heading(d, 2, "Ranking");
	char gh[96], lh[96];
	snprintf(gh, sizeof gh, "GPUs within %.1f %% loss (%s)", 100 * rep->loss_budget,
		 pp_config_policy_name(lead));
	snprintf(lh, sizeof lh, "%s %%", pp_runs_measure(p));
	char ch[96];
	snprintf(ch, sizeof ch, "%s per GPU-h", p->currency ? p->currency : "");
	const char *rh[] = {"rank", "site", "design", gh, "grid GWh", "peak MW", "PUE",
			    "WUE L/kWh", "h at grid limit", "h at cooling limit", lh, ch};
	struct pp_doc_block *tb = pp_doc_table(d, p->has_costs ? 12 : 11, rh);
	for (size_t i = 0; i < nc; i++) {
		size_t s = cs[i].site, k = cs[i].design;
		char g[32], a[PP_REPORT_MAX_CELL], b[PP_REPORT_MAX_CELL], e[PP_REPORT_MAX_CELL],
			f[PP_REPORT_MAX_CELL], h[PP_REPORT_MAX_CELL], m[PP_REPORT_MAX_CELL],
			l[PP_REPORT_MAX_CELL], c[PP_REPORT_MAX_CELL + 1] = "";
		if (p->has_costs)
			snprintf(c, sizeof c, "|%s", cell(a, rep, s, k, lead, PP_M_COST, 4));
		pp_doc_row(d, tb, "%zu|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s%s", i + 1, p->sites[s].name,
			   p->designs[k].name, gpus_text(g, sizeof g, &cs[i]),
			   cell(a, rep, s, k, lead, PP_M_GRID_GWH, 1),
			   cell(b, rep, s, k, lead, PP_M_PEAK_MW, 1),
			   cell(e, rep, s, k, lead, PP_M_PUE, 3), cell(f, rep, s, k, lead, PP_M_WUE, 2),
			   cell(h, rep, s, k, lead, PP_M_AT_GRID, 0),
			   cell(m, rep, s, k, lead, PP_M_AT_COOL, 0),
			   cell(l, rep, s, k, lead, pp_runs_budget_metric(p), 2), c);
	}
	pp_doc_heading(d, 2, "Why");
	for (size_t i = 0; i < nc; i++)
		why(d, p, rep->loss_budget, &cs[i], i + 1 < nc ? &cs[i + 1] : NULL, (int)i + 1);
}

/* Every policy compared, at the plan's fleet. */
static void policies(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	pp_doc_heading(d, 2, "Policies at the planned fleet");
	const char *ph[] = {"site", "design", "policy", "grid GWh", "cooling GWh", "PUE",
			    "delivered M GPU-h", "GPU-h lost %", "value lost %", "jobs deferred",
			    "mean delay h", "static cap W"};
	struct pp_doc_block *tb = pp_doc_table(d, 12, ph);
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++)
			for (int q = 0; q < PP_PLAN_POLICIES; q++) {
				if (!(p->sites[s].designs & (1u << k)) || !(p->policies & (1u << q)))
					continue;
				enum pp_policy pq = (enum pp_policy)q;
				const struct pp_report_run *u = pp_runs_first(rep, s, k, pq);
				char sc[32] = "-", b[8][PP_REPORT_MAX_CELL];
				if (pq == PP_POLICY_STATIC && u)
					snprintf(sc, sizeof sc, "%.0f", u->r.static_cap_w);
				pp_doc_row(d, tb, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s",
					   p->sites[s].name,
					   p->designs[k].name, pp_config_policy_name(pq),
					   cell(b[0], rep, s, k, pq, PP_M_GRID_GWH, 1),
					   cell(b[1], rep, s, k, pq, PP_M_COOL_GWH, 2),
					   cell(b[2], rep, s, k, pq, PP_M_PUE, 3),
					   cell(b[3], rep, s, k, pq, PP_M_DELIV, 3),
					   cell(b[4], rep, s, k, pq, PP_M_LOSS, 2),
					   cell(b[7], rep, s, k, pq, PP_M_VLOSS, 2),
					   cell(b[5], rep, s, k, pq, PP_M_DEFERRED, 0),
					   cell(b[6], rep, s, k, pq, PP_M_DELAY, 1), sc);
			}
}

/* What each candidate costs under the lead policy, when the plan has costs. */
static void money(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	enum pp_policy lead = pp_runs_lead(p);
	char t[7][96];
	const char *cur = p->currency ? p->currency : "";
	pp_doc_heading(d, 2, "Money");
	pp_doc_text(d, PP_DOC_P, "At the planned fleet under %s, for the %.0f hours run, in "
		    "thousands of %s: energy at each site's tariff, demand charges on each month's "
		    "highest hourly draw, water at %g %s per m3, CAPEX of the cooling design (per MW "
		    "of IT nameplate) and the grid connection (per MW of its limit) spread over %g "
		    "years; the last column per delivered GPU-hour, in %s.",
		    pp_config_policy_name(lead), rep->hours, cur, p->water_per_m3, cur,
		    p->capex_years, cur);
	snprintf(t[0], sizeof t[0], "per GPU-h");
	const char *h[] = {"site", "design", "energy k", "demand k", "water k", "CAPEX k",
			   "total k", t[0]};
	struct pp_doc_block *tb = pp_doc_table(d, 8, h);
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++) {
			if (!(p->sites[s].designs & (1u << k)) || !pp_runs_first(rep, s, k, lead))
				continue;
			pp_doc_row(d, tb, "%s|%s|%s|%s|%s|%s|%s|%s", p->sites[s].name,
				   p->designs[k].name, cell(t[1], rep, s, k, lead, PP_M_ENERGY_K, 1),
				   cell(t[2], rep, s, k, lead, PP_M_DEMAND_K, 1),
				   cell(t[3], rep, s, k, lead, PP_M_WATER_K, 1),
				   cell(t[4], rep, s, k, lead, PP_M_CAPEX_K, 1),
				   cell(t[5], rep, s, k, lead, PP_M_TOTAL_K, 1),
				   cell(t[6], rep, s, k, lead, PP_M_COST, 4));
		}
}

static void searches(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	pp_doc_heading(d, 2, "Largest fleet within the loss budget");
	const char *sh[] = {"site", "design", "policy", "GPUs", "sizes tried"};
	struct pp_doc_block *tb = pp_doc_table(d, 5, sh);
	for (size_t i = 0; i < rep->nsearch; i++) {
		const struct pp_search_result *q = &rep->search[i];
		char g[32];
		struct cand tmp = {.gpus = q->best, .unbounded = q->unbounded};
		pp_doc_row(d, tb, "%s|%s|%s|%s|%zu", p->sites[q->site].name,
			   p->designs[q->design].name, pp_config_policy_name(q->policy),
			   gpus_text(g, sizeof g, &tmp), q->npts);
	}
}

static void monthly_pue(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	enum pp_policy lead = pp_runs_lead(p);
	pp_doc_heading(d, 2, "Monthly PUE");
	const char *mh[] = {"site / design", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
			    "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct pp_doc_block *tb = pp_doc_table(d, 13, mh);
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++) {
			const struct pp_report_run *u = pp_runs_first(rep, s, k, lead);
			if (!u)
				continue;
			char c[12][16];
			for (int mo = 0; mo < 12; mo++)
				snprintf(c[mo], sizeof c[mo], "%.3f",
					 u->r.month_it_kwh[mo] > 0
						 ? u->r.month_grid_kwh[mo] / u->r.month_it_kwh[mo]
						 : 0);
			pp_doc_row(d, tb, "%s / %s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s",
				   p->sites[s].name, p->designs[k].name, c[0], c[1], c[2], c[3], c[4],
				   c[5], c[6], c[7], c[8], c[9], c[10], c[11]);
		}
}

void pp_summary_head(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	intro(d, rep);
	ranking(d, rep);
	policies(d, rep);
	if (p->has_costs)
		money(d, rep);
	if (rep->nsearch) {
		searches(d, rep);
		pp_summary_gain(d, rep);
	}
	monthly_pue(d, rep);
}

void pp_summary_runs(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	pp_doc_heading(d, 2, "Runs");
	pp_doc_text(d, PP_DOC_P, "Each run's hourly CSV and its totals (summary.csv has every "
		    "column).");
	const char *h[] = {"site", "design", "policy", "seed", "grid MWh", "IT MWh", "cooling MWh",
			   "peak MW", "PUE", "water m3", "delivered GPU-h", "lost GPU-h", "csv"};
	struct pp_doc_block *tb = pp_doc_table(d, 13, h);
	for (size_t i = 0; i < rep->nruns; i++) {
		const struct pp_report_run *u = &rep->runs[i];
		const struct pp_year_result *r = &u->r;
		pp_doc_row(d, tb, "%s|%s|%s|%lu|%.1f|%.1f|%.1f|%.3f|%.4f|%.1f|%.0f|%.0f|%s",
			   p->sites[u->site].name, p->designs[u->design].name,
			   pp_config_policy_name(u->policy), u->seed, r->grid_kwh / 1e3,
			   r->it_kwh / 1e3, r->cooling_kwh / 1e3, r->peak_kw / 1e3, r->pue,
			   r->water_l / 1e3, r->delivered_gpu_h, r->lost_gpu_h, u->csv);
	}
}
