/* charts.c - the plan's charts (report_int.h): the load-duration curve and
 * the monthly PUE of every candidate, the loss against the fleet size of
 * every search, and a headroom heat map per candidate, drawn by svg.c into
 * the report's folder, each named in the document. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

/* A chart's title at most. */
#define PP_CHARTS_MAX_TITLE 256

/* The lead policy's charted run of one candidate. */
struct cand_run {
	size_t site, design;
	const struct pp_report_run *u;
};

/* What every chart of a report draws from and into. */
struct canvas {
	const char *dir;
	const struct pp_report *rep;
	const struct pp_plan *p;
	enum pp_policy lead;
	struct pp_doc *d;
	struct pp_series *se;    /* room for the series of any one chart */
	double *buf;             /* and for their points */
	struct cand_run *runs;   /* the candidates with a charted run, site by site */
	size_t nruns;
};

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x < y) - (x > y);
}

/* The next series of c, empty (the array is shared by every chart, so a
 * series must not keep the last chart's points, dashes or markers) and
 * coloured in turn. */
static struct pp_series *new_series(struct pp_chart *c)
{
	struct pp_series *z = &c->series[c->nseries];
	memset(z, 0, sizeof *z);
	z->color = pp_svg_color(c->nseries++);
	return z;
}

/* The next series of c, named for the candidate of r. */
static struct pp_series *cand_series(const struct canvas *cv, struct pp_chart *c,
				     const struct cand_run *r)
{
	struct pp_series *z = new_series(c);
	snprintf(z->name, sizeof z->name, "%s / %s", cv->p->sites[r->site].name,
		 cv->p->designs[r->design].name);
	return z;
}

/* Writes c as the line chart name into the folder and the document. */
static int draw(const struct canvas *cv, const struct pp_chart *c, const char *name)
{
	char path[PP_REPORT_MAX_PATH];
	snprintf(path, sizeof path, "%s/%s", cv->dir, name);
	if (pp_svg_lines(path, c))
		return -1;
	pp_doc_text(cv->d, PP_DOC_IMG, "%s", name);
	return 0;
}

/* Hourly mean draw, sorted; a dashed line per site limit. */
static int load_duration(const struct canvas *cv)
{
	const struct pp_plan *p = cv->p;
	struct pp_chart c = {"Load-duration curve (grid draw, hourly mean)", "hours of the year",
			     "MW", 0, cv->rep->hours, 0, 1, cv->se, 0};
	double *bp = cv->buf;
	for (size_t i = 0; i < cv->nruns; i++) {
		const struct pp_year_result *r = &cv->runs[i].u->r;
		struct pp_series *z = cand_series(cv, &c, &cv->runs[i]);
		z->x = bp;
		z->y = bp + r->nhours;
		z->n = r->nhours;
		bp += 2 * r->nhours;
		for (size_t h = 0; h < z->n; h++) {
			z->x[h] = (double)h + 1;
			z->y[h] = r->hours[h].grid_kwh / 1e3;
			c.y1 = fmax(c.y1, z->y[h] * 1.1);
		}
		qsort(z->y, z->n, sizeof *z->y, cmp_desc);
	}
	for (size_t s = 0; s < p->nsites; s++) {
		if (!isfinite(p->sites[s].limit_kw))
			continue;
		struct pp_series *z = new_series(&c);
		snprintf(z->name, sizeof z->name, "%s grid limit", p->sites[s].name);
		z->dashed = 1;
		z->x = bp;
		z->y = bp + 2;
		z->n = 2;
		bp += 4;
		z->x[0] = 0;
		z->x[1] = cv->rep->hours;
		z->y[0] = z->y[1] = p->sites[s].limit_kw / 1e3;
		c.y1 = fmax(c.y1, z->y[0] * 1.1);
	}
	return draw(cv, &c, "load-duration.svg");
}

/* The monthly PUE of the lead policy's first seed per candidate. */
static int monthly_pue(const struct canvas *cv)
{
	struct pp_chart m = {"Monthly PUE", "month", "PUE", 1, 12, 1, 1.1, cv->se, 0};
	double lo = 10, *bp = cv->buf;
	for (size_t i = 0; i < cv->nruns; i++) {
		const struct pp_year_result *r = &cv->runs[i].u->r;
		struct pp_series *z = cand_series(cv, &m, &cv->runs[i]);
		z->markers = 1;
		z->x = bp;
		z->y = bp + 12;
		bp += 24;
		for (int mo = 0; mo < 12; mo++) {
			if (r->month_it_kwh[mo] <= 0)
				continue;
			z->x[z->n] = mo + 1;
			z->y[z->n] = r->month_grid_kwh[mo] / r->month_it_kwh[mo];
			lo = fmin(lo, z->y[z->n]);
			m.y1 = fmax(m.y1, z->y[z->n] + 0.02);
			z->n++;
		}
	}
	m.y0 = fmax(1, floor((lo - 0.02) * 50) / 50);
	return draw(cv, &m, "monthly-pue.svg");
}

/* One search's sizes, smallest first (the search visits them out of
 * order), into z's points; widens g to hold them. */
static void search_points(const struct pp_search_result *q, double budget,
			  struct pp_series *z, struct pp_chart *g)
{
	struct pp_search_point pts[PP_SEARCH_MAX_POINTS];
	memcpy(pts, q->pts, q->npts * sizeof *pts);
	for (size_t a = 1; a < q->npts; a++)
		for (size_t b = a; b > 0 && pts[b - 1].gpus > pts[b].gpus; b--) {
			struct pp_search_point t = pts[b];
			pts[b] = pts[b - 1];
			pts[b - 1] = t;
		}
	for (size_t k = 0; k < q->npts; k++) {
		z->x[k] = pts[k].gpus;
		z->y[k] = 100 * pts[k].loss;
		g->x0 = fmin(g->x0, z->x[k]);
		g->x1 = fmax(g->x1, z->x[k]);
		g->y1 = fmax(g->y1, fmin(z->y[k], 4 * 100 * budget) * 1.1);
	}
}

/* The loss against the fleet size, from every search, and the budget. */
static int gpus_vs_loss(const struct canvas *cv)
{
	const struct pp_report *rep = cv->rep;
	const struct pp_plan *p = cv->p;
	char yl[96];
	snprintf(yl, sizeof yl, "%s (%%)", pp_runs_measure(p));
	struct pp_chart g = {"Loss against fleet size", "GPUs", yl, 1e18, 0, 0, 1, cv->se, 0};
	double *bp = cv->buf;
	for (size_t i = 0; i < rep->nsearch; i++) {
		const struct pp_search_result *q = &rep->search[i];
		struct pp_series *z = new_series(&g);
		snprintf(z->name, sizeof z->name, "%s / %s, %s", p->sites[q->site].name,
			 p->designs[q->design].name, pp_config_policy_name(q->policy));
		z->markers = 1;
		z->dashed = q->policy != cv->lead;
		z->x = bp;
		z->y = bp + q->npts;
		z->n = q->npts;
		bp += 2 * q->npts;
		search_points(q, rep->loss_budget, z, &g);
	}
	struct pp_series *z = new_series(&g);
	snprintf(z->name, sizeof z->name, "loss budget %.1f %%", 100 * rep->loss_budget);
	z->color = "#000000";
	z->dashed = 1;
	z->x = bp;
	z->y = bp + 2;
	z->n = 2;
	z->x[0] = g.x0;
	z->x[1] = g.x1;
	z->y[0] = z->y[1] = 100 * rep->loss_budget;
	if (g.x1 <= g.x0)
		g.x1 = g.x0 + 1;
	return draw(cv, &g, "gpus-vs-loss.svg");
}

/* The sensitivity study: per candidate, the fleet within the budget (or,
 * without searches, the loss at the planned fleet) against the value. */
static int sensitivity(const struct canvas *cv)
{
	const struct pp_report_vary *v = cv->rep->vary;
	const struct pp_plan *p = cv->p;
	int search = v->gpus[0] >= 0;
	char title[PP_CHARTS_MAX_TITLE], yl[96];
	snprintf(title, sizeof title, "Sensitivity to %s", v->key);
	snprintf(yl, sizeof yl, search ? "GPUs within the loss budget" : "%s at the planned fleet (%%)",
		 pp_runs_measure(p));
	struct pp_chart c = {title, v->key, yl, v->vals[0], v->vals[v->nvals - 1], 0, 1, cv->se, 0};
	if (c.x1 <= c.x0)
		c.x1 = c.x0 + 1;
	double *bp = cv->buf;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++) {
			if (!(p->sites[s].designs >> k & 1))
				continue;
			struct cand_run r = {s, k, NULL};
			struct pp_series *z = cand_series(cv, &c, &r);
			z->markers = 1;
			z->x = bp;
			z->y = bp + v->nvals;
			z->n = v->nvals;
			bp += 2 * v->nvals;
			for (size_t i = 0; i < v->nvals; i++) {
				size_t at = (i * p->nsites + s) * p->ndesigns + k;
				z->x[i] = v->vals[i];
				z->y[i] = search ? v->gpus[at] : 100 * v->loss[at];
				c.y1 = fmax(c.y1, z->y[i] * 1.1);
			}
		}
	return draw(cv, &c, "sensitivity.svg");
}

/* A day x hour heat map of the grid headroom per candidate. */
static int headroom_maps(const struct canvas *cv)
{
	const struct pp_plan *p = cv->p;
	for (size_t i = 0; i < cv->nruns; i++) {
		const struct cand_run *r = &cv->runs[i];
		char a[PP_REPORT_MAX_NAME], b[PP_REPORT_MAX_NAME], path[PP_REPORT_MAX_PATH];
		char title[PP_CHARTS_MAX_TITLE];
		pp_report_slug(p->sites[r->site].name, a, sizeof a);
		pp_report_slug(p->designs[r->design].name, b, sizeof b);
		snprintf(path, sizeof path, "%s/headroom-%s-%s.svg", cv->dir, a, b);
		snprintf(title, sizeof title, "Grid headroom, %s / %s, %s policy",
			 p->sites[r->site].name, p->designs[r->design].name,
			 pp_config_policy_name(cv->lead));
		if (pp_svg_headroom(path, title, &r->u->r))
			return -1;
		pp_doc_text(cv->d, PP_DOC_IMG, "headroom-%s-%s.svg", a, b);
	}
	return 0;
}

int pp_charts_write(const char *dir, const struct pp_report *rep, struct pp_doc *d)
{
	const struct pp_plan *p = rep->plan;
	size_t ncand = p->nsites * p->ndesigns;
	struct canvas cv = {dir, rep, p, pp_runs_lead(p), d, NULL, NULL, NULL, 0};
	cv.se = calloc(ncand * PP_PLAN_POLICIES + p->nsites + 1, sizeof *cv.se);
	cv.buf = calloc((ncand + p->nsites + 1) * 2 * PP_REPORT_MAX_POINTS, sizeof *cv.buf);
	cv.runs = calloc(ncand + 1, sizeof *cv.runs);
	int rc = -1;
	if (!cv.se || !cv.buf || !cv.runs)
		goto out;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++) {
			const struct pp_report_run *u = pp_runs_first(rep, s, k, cv.lead);
			if (u)
				cv.runs[cv.nruns++] = (struct cand_run){s, k, u};
		}
	if (!load_duration(&cv) && !monthly_pue(&cv) && (!rep->nsearch || !gpus_vs_loss(&cv)) &&
	    (!rep->vary || !sensitivity(&cv)) && !headroom_maps(&cv))
		rc = 0;
out:
	free(cv.se);
	free(cv.buf);
	free(cv.runs);
	return rc;
}
