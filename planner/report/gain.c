/* gain.c - the optimizer against the best limit-keeping baseline
 * (report_int.h, pp_summary_gain): per site x design, the GPUs each carries
 * within the loss budget, the difference, and why, from the searches' years
 * at their largest fleets (which limit binds, which classes lose what); and
 * the sensitivity study's table (pp_summary_vary). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "report_int.h"

/* The longest "why" of one candidate. */
#define PP_GAIN_MAX_WHY 1024

/* The baselines that keep every limit the optimizer keeps (issue 24):
 * uniform and priority; static and proportional are not among them. */
static const enum pp_policy keepers[] = {PP_POLICY_UNIFORM, PP_POLICY_PRIORITY};


/* The limit r (borrowed) spent the most hours at, and those hours. */
static const char *binding(const struct pp_year_result *r, double *h)
{
	const char *name = "none";
	*h = 0;
	if (r->at_grid_h > *h)
		*h = r->at_grid_h, name = "the grid connection";
	if (r->at_cooling_h > *h)
		*h = r->at_cooling_h, name = "a cooling plant";
	if (r->at_hall_h > *h)
		*h = r->at_hall_h, name = "a hall's feeders";
	return name;
}

static double class_loss(const struct pp_year_result *r, size_t c)
{
	double w = r->class_delivered_gpu_h[c] + r->class_lost_gpu_h[c];
	return w > 0 ? 100 * r->class_lost_gpu_h[c] / w : 0;
}

/* "training 1.2 %, inference 0.0 %, batch 4.5 %" of r into s. */
static void classes(char *s, size_t n, size_t *o, const struct pp_plan *p,
		    const struct pp_year_result *r)
{
	for (size_t c = 0; c < p->nclasses; c++)
		rep_cat(s, n, o, "%s%s (weight %g) %.2f %%", c ? ", " : "",
		    pp_config_job_class_name(p->classes[c].cls), p->classes[c].weight,
		    class_loss(r, c));
}

/* Where the optimizer (x) moves the loss relative to the baseline (b), both
 * borrowed: the classes that lose less under it and those that lose more. */
static void shift(char *s, size_t n, size_t *o, const struct pp_plan *p,
		  const struct pp_year_result *b, const struct pp_year_result *x)
{
	int any[2] = {0, 0};
	for (int side = 0; side < 2; side++) {
		rep_cat(s, n, o, side ? "; they lose more under it: " : "The classes that lose less under "
		    "the optimizer: ");
		for (size_t c = 0; c < p->nclasses; c++) {
			double d = class_loss(x, c) - class_loss(b, c);
			if (side ? d > 0 : d <= 0)
				rep_cat(s, n, o, "%s%s", any[side]++ ? ", " : "",
				    pp_config_job_class_name(p->classes[c].cls));
		}
		if (!any[side])
			rep_cat(s, n, o, "none");
	}
	rep_cat(s, n, o, ". It takes power where a watt buys the least weighted work (weight x the "
	    "slope of the class's curve at its cap) and defers flexible jobs, which the "
	    "baselines cannot.");
}

/* The sentence for one candidate: b the best baseline's search, x the
 * optimizer's, both with a best point. */
static void why(struct pp_doc *d, const struct pp_report *rep, size_t s, size_t k,
		const struct pp_search_result *x, const struct pp_search_result *b)
{
	const struct pp_plan *p = rep->plan;
	const struct pp_search_point *xo = pp_search_best(x), *bo = pp_search_best(b);
	const char *bn = pp_config_policy_name(b->policy);
	char t[PP_GAIN_MAX_WHY];
	size_t o = 0, n = sizeof t;
	int more = x->best - b->best;
	rep_cat(t, n, &o, "**%s / %s**: ", p->sites[s].name, p->designs[k].name);
	if (more > 0)
		rep_cat(t, n, &o, "the optimizer carries %d GPUs, %d (%.1f %%) more than %s (%d)", x->best,
		    more, b->best ? 100.0 * more / b->best : 0, bn, b->best);
	else
		rep_cat(t, n, &o, "the optimizer carries %d GPUs, no more than %s (%d)", x->best, bn,
		    b->best);
	rep_cat(t, n, &o, " within %.1f %% of %s.", 100 * rep->loss_budget, pp_runs_measure(p));
	if (!xo || !bo) {
		pp_doc_text(d, PP_DOC_LI, "%s", t);
		return;
	}
	double hb, hx;
	const char *lb = binding(&bo->r, &hb);
	binding(&xo->r, &hx);
	rep_cat(t, n, &o, " At its largest fleet %s binds %s for %.0f h (grid %.0f h, cooling %.0f h, "
	    "halls %.0f h); the optimizer, at its own, %.0f h at a limit. ", lb, bn, hb,
	    bo->r.at_grid_h, bo->r.at_cooling_h, bo->r.at_hall_h, hx);
	rep_cat(t, n, &o, "GPU-hours lost per class, %s: ", bn);
	classes(t, n, &o, p, &bo->r);
	rep_cat(t, n, &o, "; optimizer: ");
	classes(t, n, &o, p, &xo->r);
	rep_cat(t, n, &o, " (%ld jobs deferred, mean %.1f h). ", xo->r.jobs_deferred,
	    xo->r.delay_mean_h);
	shift(t, n, &o, p, &bo->r, &xo->r);
	if (more <= 0)
		rep_cat(t, n, &o, " Within one search step (%d GPUs) the searches cannot tell them apart; "
		    "a finer search_step, a grid that binds for more hours or a job mix with more "
		    "spread in weights and curves would.", p->search_step);
	pp_doc_text(d, PP_DOC_LI, "%s", t);
}

void pp_summary_gain(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	int head = 0;
	struct pp_doc_block *tb = NULL;
	const struct pp_search_result *xs[PP_PLAN_MAX_DESIGNS * PP_PLAN_MAX_SITES][2];
	size_t nx = 0;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++) {
			const struct pp_search_result *x = pp_runs_search(rep, s, k,
									   PP_POLICY_OPTIMAL), *b = NULL;
			for (size_t i = 0; i < sizeof keepers / sizeof *keepers; i++) {
				const struct pp_search_result *c = pp_runs_search(rep, s, k,
										   keepers[i]);
				if (c && (!b || c->best > b->best))
					b = c;
			}
			if (!x || !b || x->unbounded || b->unbounded)
				continue;
			if (!head++) {
				pp_doc_heading(d, 2, "Optimizer against the limit-keeping baselines");
				pp_doc_text(d, PP_DOC_P, "`uniform` and `priority` keep every limit the "
					    "optimizer keeps (docs/optimizer.md, \"Baselines\"); `static` "
					    "and `proportional` are not compared here. Fleets are the "
					    "searches' (seed %lu, steps of %d GPUs); loss is %s.",
					    p->seed, p->search_step, pp_runs_measure(p));
				const char *h[] = {"site", "design", "optimizer GPUs",
						   "best baseline", "its GPUs", "more GPUs", "more %"};
				tb = pp_doc_table(d, 7, h);
			}
			int more = x->best - b->best;
			pp_doc_row(d, tb, "%s|%s|%d|%s|%d|%+d|%+.1f", p->sites[s].name,
				   p->designs[k].name, x->best, pp_config_policy_name(b->policy),
				   b->best, more, b->best ? 100.0 * more / b->best : 0);
			xs[nx][0] = x;
			xs[nx++][1] = b;
		}
	for (size_t i = 0; i < nx; i++)
		why(d, rep, xs[i][0]->site, xs[i][0]->design, xs[i][0], xs[i][1]);
}

void pp_summary_vary(struct pp_doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	const struct pp_report_vary *v = rep->vary;
	int search = v->nvals && v->gpus[0] >= 0;
	pp_doc_heading(d, 2, "Sensitivity");
	pp_doc_text(d, PP_DOC_P, "%s from %g to %g, everything else as planned; the %s policy, "
		    "seed %lu. Per site / design: %s (sensitivity.csv, sensitivity.svg).", v->key,
		    v->vals[0], v->vals[v->nvals - 1], pp_config_policy_name(pp_runs_lead(p)),
		    p->seed, search ? "the largest fleet within the loss budget, and the loss at the "
		    "planned fleet" : "the loss at the planned fleet");
	const char *h[] = {v->key, "site", "design", "GPUs within budget", "loss % at plan"};
	struct pp_doc_block *tb = pp_doc_table(d, 5, h);
	for (size_t i = 0; i < v->nvals; i++)
		for (size_t s = 0; s < p->nsites; s++)
			for (size_t k = 0; k < p->ndesigns; k++) {
				size_t at = (i * p->nsites + s) * p->ndesigns + k;
				if (!(p->sites[s].designs >> k & 1))
					continue;
				char g[32] = "-";
				if (v->gpus[at] >= 0)
					snprintf(g, sizeof g, "%d", v->gpus[at]);
				pp_doc_row(d, tb, "%g|%s|%s|%s|%.2f", v->vals[i], p->sites[s].name,
					   p->designs[k].name, g, 100 * v->loss[at]);
			}
}
