/* plan_report.c - the planner's output (planrep.h): a CSV per run, the
 * summary table, and the one-page summary in Markdown and HTML built from
 * one list of blocks so the two always say the same. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"
#include "powerpark/gpu.h"
#include "powerpark/report.h"

void pp_report_slug(const char *s, char *out, size_t len)
{
	size_t o = 0;
	for (; s && *s && o + 1 < len; s++)
		out[o++] = isalnum((unsigned char)*s) || *s == '-' || *s == '_' ? *s : '-';
	out[o] = 0;
}

enum pp_err pp_report_csv(const char *path, const struct pp_year_result *r,
			      struct pp_errbuf *eb)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", path, strerror(errno));
	fputs("hour,month,day,hod,db_c,wb_c,limit_kw,grid_kwh,it_kwh,cooling_kwh,other_kwh,"
	      "water_l,grid_peak_kw,headroom_kw,free_frac,at_grid_h,at_cooling_h,at_hall_h,"
	      "gpus_running,gpus_waiting,gpus_paused,delivered_gpu_h,lost_gpu_h,cap_w\n", f);
	for (size_t i = 0; i < r->nhours; i++) {
		const struct pp_year_hour *o = &r->hours[i];
		fprintf(f, "%zu,%d,%d,%d,%.2f,%.2f,%.1f,%.3f,%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%.4f,"
			   "%.4f,%.4f,%.4f,%.1f,%.1f,%.1f,%.3f,%.3f,%.1f\n",
			i, o->month, o->day, o->hod, o->db_c, o->wb_c, o->limit_kw, o->grid_kwh,
			o->it_kwh, o->cooling_kwh, o->other_kwh, o->water_l, o->grid_peak_kw,
			o->headroom_kw, o->free_frac, o->at_grid_h, o->at_cooling_h, o->at_hall_h,
			o->gpus_running, o->gpus_waiting, o->gpus_paused, o->delivered_gpu_h,
			o->lost_gpu_h, o->cap_w);
	}
	if (fclose(f))
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", path, strerror(errno));
	return PP_OK;
}

/* ---- the document: headings, paragraphs, tables, images ---- */

enum bkind { B_H, B_P, B_LI, B_TABLE, B_IMG };

struct block {
	enum bkind kind;
	int level;
	char *text;          /* heading, paragraph, list item, image path */
	char **cells;        /* table: ncols x nrows, the first row the header */
	size_t ncols, nrows;
};

struct doc {
	struct block *b;
	size_t n, cap;
	int oom;
};

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static struct block *add(struct doc *d, enum bkind k)
{
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 32;
		struct block *nb = realloc(d->b, nc * sizeof *nb);
		if (!nb) {
			d->oom = 1;
			return NULL;
		}
		d->b = nb;
		d->cap = nc;
	}
	struct block *b = &d->b[d->n++];
	memset(b, 0, sizeof *b);
	b->kind = k;
	return b;
}

static void PP_PRINTF(3, 4) text(struct doc *d, enum bkind k, const char *fmt, ...)
{
	struct block *b = add(d, k);
	if (!b)
		return;
	va_list ap;
	va_start(ap, fmt);
	b->text = vfmt(fmt, ap);
	va_end(ap);
	d->oom |= !b->text;
}

static void heading(struct doc *d, int level, const char *s)
{
	text(d, B_H, "%s", s);
	if (!d->oom)
		d->b[d->n - 1].level = level;
}

static struct block *table(struct doc *d, size_t ncols, const char *const *head)
{
	struct block *b = add(d, B_TABLE);
	if (!b)
		return NULL;
	b->ncols = ncols;
	b->cells = calloc(ncols, sizeof *b->cells);
	if (!b->cells) {
		d->oom = 1;
		return NULL;
	}
	for (size_t c = 0; c < ncols; c++)
		b->cells[c] = strdup(head[c]);
	b->nrows = 1;
	return b;
}

/* Appends a row: cells given as one printf format separated by '|'. */
static void PP_PRINTF(3, 4) row(struct doc *d, struct block *t, const char *fmt, ...)
{
	if (!t)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(fmt, ap);
	va_end(ap);
	char **nc = s ? realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *nc) : NULL;
	if (!nc) {
		free(s);
		d->oom = 1;
		return;
	}
	t->cells = nc;
	char *p = s;
	for (size_t c = 0; c < t->ncols; c++) {
		char *bar = p ? strchr(p, '|') : NULL;
		if (bar)
			*bar = 0;
		t->cells[t->nrows * t->ncols + c] = strdup(p ? p : "");
		p = bar ? bar + 1 : NULL;
	}
	t->nrows++;
	free(s);
}

static void doc_free(struct doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->b[i].text);
		for (size_t c = 0; d->b[i].cells && c < d->b[i].ncols * d->b[i].nrows; c++)
			free(d->b[i].cells[c]);
		free(d->b[i].cells);
	}
	free(d->b);
}

/* Markdown: **bold** passes through; '|' in cells never occurs (row()
 * splits on it). */
static void write_md(FILE *f, const struct doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct block *b = &d->b[i];
		switch (b->kind) {
		case B_H:
			fprintf(f, "%.*s %s\n\n", b->level, "######", b->text);
			break;
		case B_P:
			fprintf(f, "%s\n\n", b->text);
			break;
		case B_LI:
			fprintf(f, "- %s\n%s", b->text,
				i + 1 < d->n && d->b[i + 1].kind == B_LI ? "" : "\n");
			break;
		case B_IMG:
			fprintf(f, "![%s](%s)\n\n", b->text, b->text);
			break;
		case B_TABLE:
			for (size_t r = 0; r < b->nrows; r++) {
				for (size_t c = 0; c < b->ncols; c++)
					fprintf(f, "| %s ", b->cells[r * b->ncols + c]);
				fputs("|\n", f);
				if (!r) {
					for (size_t c = 0; c < b->ncols; c++)
						fputs(c ? "|---:" : "|---", f);
					fputs("|\n", f);
				}
			}
			fputs("\n", f);
			break;
		}
	}
}

/* HTML text: escaped, with **x** as <b>x</b>. */
static void html_text(FILE *f, const char *s)
{
	int bold = 0;
	for (; *s; s++) {
		if (s[0] == '*' && s[1] == '*') {
			fputs(bold ? "</b>" : "<b>", f);
			bold = !bold;
			s++;
		} else if (*s == '<') {
			fputs("&lt;", f);
		} else if (*s == '>') {
			fputs("&gt;", f);
		} else if (*s == '&') {
			fputs("&amp;", f);
		} else {
			fputc(*s, f);
		}
	}
	if (bold)
		fputs("</b>", f);
}

static void write_html(FILE *f, const struct doc *d, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
	html_text(f, title);
	fputs("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;"
	      "color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid "
	      "#ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:"
	      "left}th{background:#f3f3f3}img{max-width:100%;display:block;margin:1em 0}"
	      "</style></head><body>\n", f);
	int in_list = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct block *b = &d->b[i];
		if (in_list && b->kind != B_LI) {
			fputs("</ul>\n", f);
			in_list = 0;
		}
		switch (b->kind) {
		case B_H:
			fprintf(f, "<h%d>", b->level);
			html_text(f, b->text);
			fprintf(f, "</h%d>\n", b->level);
			break;
		case B_P:
			fputs("<p>", f);
			html_text(f, b->text);
			fputs("</p>\n", f);
			break;
		case B_LI:
			if (!in_list)
				fputs("<ul>\n", f);
			in_list = 1;
			fputs("<li>", f);
			html_text(f, b->text);
			fputs("</li>\n", f);
			break;
		case B_IMG:
			fprintf(f, "<img src=\"%s\" alt=\"%s\">\n", b->text, b->text);
			break;
		case B_TABLE:
			fputs("<table>\n", f);
			for (size_t r = 0; r < b->nrows; r++) {
				fputs("<tr>", f);
				for (size_t c = 0; c < b->ncols; c++) {
					fputs(r ? "<td>" : "<th>", f);
					html_text(f, b->cells[r * b->ncols + c]);
					fputs(r ? "</td>" : "</th>", f);
				}
				fputs("</tr>\n", f);
			}
			fputs("</table>\n", f);
			break;
		}
	}
	if (in_list)
		fputs("</ul>\n", f);
	fputs("</body></html>\n", f);
}

/* ---- aggregation over seeds ---- */

struct range {
	double med, lo, hi;
	int n;
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

typedef double (*metric_fn)(const struct pp_year_result *r);

static struct range over_seeds(const struct pp_report *rep, size_t site, size_t design,
			       enum pp_policy pol, metric_fn m)
{
	double v[1024];
	int n = 0;
	for (size_t i = 0; i < rep->nruns && n < 1024; i++) {
		const struct pp_report_run *u = &rep->runs[i];
		if (u->site == site && u->design == design && u->policy == pol)
			v[n++] = m(&u->r);
	}
	struct range r = {NAN, NAN, NAN, n};
	if (!n)
		return r;
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	r.lo = v[0];
	r.hi = v[n - 1];
	r.med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
	return r;
}

static double m_grid_gwh(const struct pp_year_result *r) { return r->grid_kwh / 1e6; }
static double m_peak_mw(const struct pp_year_result *r) { return r->peak_kw / 1e3; }
static double m_pue(const struct pp_year_result *r) { return r->pue; }
static double m_wue(const struct pp_year_result *r) { return r->wue; }
static double m_at_grid(const struct pp_year_result *r) { return r->at_grid_h; }
static double m_at_cool(const struct pp_year_result *r) { return r->at_cooling_h; }
static double m_loss(const struct pp_year_result *r) { return 100 * r->loss; }
static double m_deliv(const struct pp_year_result *r) { return r->delivered_gpu_h / 1e6; }
static double m_deferred(const struct pp_year_result *r) { return (double)r->jobs_deferred; }
static double m_delay(const struct pp_year_result *r) { return r->delay_mean_h; }
static double m_cool_gwh(const struct pp_year_result *r) { return r->cooling_kwh / 1e6; }

/* "1.23" or "1.23 (1.20-1.25)" when the seeds differ at the printed precision. */
static const char *rng(char *buf, size_t len, struct range r, int dec)
{
	if (!r.n || isnan(r.med))
		return "-";
	char a[32], b[32];
	snprintf(a, sizeof a, "%.*f", dec, r.lo);
	snprintf(b, sizeof b, "%.*f", dec, r.hi);
	if (!strcmp(a, b))
		snprintf(buf, len, "%.*f", dec, r.med);
	else
		snprintf(buf, len, "%.*f (%s-%s)", dec, r.med, a, b);
	return buf;
}

static const struct pp_search_result *find_search(const struct pp_report *rep, size_t s,
						size_t d, enum pp_policy p)
{
	for (size_t i = 0; i < rep->nsearch; i++)
		if (rep->search[i].site == s && rep->search[i].design == d &&
		    rep->search[i].policy == p)
			return &rep->search[i];
	return NULL;
}

static const struct pp_report_run *first_run(const struct pp_report *rep, size_t s, size_t d,
					   enum pp_policy p)
{
	for (size_t i = 0; i < rep->nruns; i++)
		if (rep->runs[i].site == s && rep->runs[i].design == d &&
		    rep->runs[i].policy == p && rep->runs[i].r.hours)
			return &rep->runs[i];
	return NULL;
}

/* The policy a candidate is judged by: the optimizer when compared. */
static enum pp_policy lead_policy(const struct pp_plan *p)
{
	for (int k = PP_PLAN_POLICIES - 1; k >= 0; k--)
		if (p->policies & (1u << k))
			return (enum pp_policy)k;
	return PP_POLICY_OPTIMAL;
}

struct cand {
	size_t site, design;
	double score, tie;
	int gpus, unbounded;
	double pue, at_grid, at_cool, loss, free_h, wue, grid_gwh;
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

static size_t candidates(const struct pp_report *rep, struct cand *out)
{
	const struct pp_plan *p = rep->plan;
	enum pp_policy lead = lead_policy(p);
	size_t n = 0;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t d = 0; d < p->ndesigns; d++) {
			if (!(p->sites[s].designs & (1u << d)))
				continue;
			struct cand *c = &out[n++];
			memset(c, 0, sizeof *c);
			c->site = s;
			c->design = d;
			const struct pp_search_result *se = find_search(rep, s, d, lead);
			c->gpus = se ? se->best : -1;
			c->unbounded = se ? se->unbounded : 0;
			c->pue = over_seeds(rep, s, d, lead, m_pue).med;
			c->wue = over_seeds(rep, s, d, lead, m_wue).med;
			c->at_grid = over_seeds(rep, s, d, lead, m_at_grid).med;
			c->at_cool = over_seeds(rep, s, d, lead, m_at_cool).med;
			c->loss = over_seeds(rep, s, d, lead, m_loss).med;
			c->grid_gwh = over_seeds(rep, s, d, lead, m_grid_gwh).med;
			const struct pp_report_run *u = first_run(rep, s, d, lead);
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

/* Why the first is ahead of the second, in a sentence from the numbers. */
static void why(struct doc *d, const struct pp_plan *p, const struct cand *a,
		const struct cand *b, int rank)
{
	char ga[32], gb[32], s[768];
	size_t o = 0;
	o += (size_t)snprintf(s + o, sizeof s - o, "**%d. %s / %s**: ", rank,
			      p->sites[a->site].name, p->designs[a->design].name);
	if (a->gpus >= 0)
		o += (size_t)snprintf(s + o, sizeof s - o, "carries %s GPUs within the %.1f %% loss "
				      "budget", gpus_text(ga, sizeof ga, a), 100 * p->loss_budget);
	else
		o += (size_t)snprintf(s + o, sizeof s - o, "loses %.2f %% of its GPU-hours",
				      a->loss);
	if (b) {
		if (a->gpus >= 0 && b->gpus >= 0 && a->gpus != b->gpus)
			o += (size_t)snprintf(s + o, sizeof s - o, ", %d more than %s / %s (%s)",
					      a->gpus - b->gpus, p->sites[b->site].name,
					      p->designs[b->design].name, gpus_text(gb, sizeof gb, b));
		else
			o += (size_t)snprintf(s + o, sizeof s - o, " against %s / %s",
					      p->sites[b->site].name, p->designs[b->design].name);
		o += (size_t)snprintf(s + o, sizeof s - o, "; annual PUE %.3f vs %.3f", a->pue, b->pue);
		if (fabs(a->free_h - b->free_h) >= 1)
			o += (size_t)snprintf(s + o, sizeof s - o, " (%.0f vs %.0f hours of free "
					      "cooling)", a->free_h, b->free_h);
		o += (size_t)snprintf(s + o, sizeof s - o, ", %.0f vs %.0f hours at the grid limit, "
				      "%.0f vs %.0f at the cooling limit, GPU-hours lost %.2f %% vs "
				      "%.2f %%, WUE %.2f vs %.2f L/kWh.", a->at_grid, b->at_grid,
				      a->at_cool, b->at_cool, a->loss, b->loss, a->wue, b->wue);
	} else {
		o += (size_t)snprintf(s + o, sizeof s - o, "; annual PUE %.3f, %.0f hours at the grid "
				      "limit, %.0f at the cooling limit, GPU-hours lost %.2f %%.",
				      a->pue, a->at_grid, a->at_cool, a->loss);
	}
	(void)o;
	text(d, B_LI, "%s", s);
}

static void summary_csv(FILE *f, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	fputs("site,design,policy,seed,gpus,grid_mwh,peak_mw,it_mwh,cooling_mwh,other_mwh,pue,"
	      "water_m3,wue_l_per_kwh,hours_at_grid,hours_at_cooling,hours_at_hall,"
	      "delivered_gpu_h,lost_gpu_h,loss_pct,jobs,jobs_done,jobs_deferred,delay_mean_h,"
	      "delay_max_h,jobs_unfinished,static_cap_w,over_steps,balance_max_kw,"
	      "unmet_heat_kwh,value_delivered,value_lost_pct,wall_s,csv\n", f);
	for (size_t i = 0; i < rep->nruns; i++) {
		const struct pp_report_run *u = &rep->runs[i];
		const struct pp_year_result *r = &u->r;
		fprintf(f, "%s,%s,%s,%lu,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.4f,%.3f,%.4f,%.2f,%.2f,%.2f,"
			   "%.1f,%.1f,%.4f,%ld,%ld,%ld,%.2f,%.2f,%ld,%.1f,%ld,%.6f,%.3f,%.1f,%.4f,%.3f,%s\n",
			p->sites[u->site].name, p->designs[u->design].name,
			pp_config_policy_name(u->policy), u->seed, p->gpus, r->grid_kwh / 1e3,
			r->peak_kw / 1e3, r->it_kwh / 1e3, r->cooling_kwh / 1e3, r->other_kwh / 1e3,
			r->pue, r->water_l / 1e3, r->wue, r->at_grid_h, r->at_cooling_h, r->at_hall_h,
			r->delivered_gpu_h, r->lost_gpu_h, 100 * r->loss, r->jobs, r->jobs_done,
			r->jobs_deferred, r->delay_mean_h, r->delay_max_h, r->jobs_unfinished,
			r->static_cap_w, r->over_steps, r->balance_max_kw, r->unmet_heat_kwh,
			r->value_delivered,
			r->value_delivered + r->value_lost > 0
				? 100 * r->value_lost / (r->value_delivered + r->value_lost)
				: 0,
			r->wall_s, u->csv);
	}
}

static void search_csv(FILE *f, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	fputs("site,design,policy,gpus,loss_pct,within_budget,best,unbounded\n", f);
	for (size_t i = 0; i < rep->nsearch; i++) {
		const struct pp_search_result *q = &rep->search[i];
		for (size_t k = 0; k < q->npts; k++)
			fprintf(f, "%s,%s,%s,%d,%.4f,%d,%d,%d\n", p->sites[q->site].name,
				p->designs[q->design].name, pp_config_policy_name(q->policy),
				q->pts[k].gpus, 100 * q->pts[k].loss, q->pts[k].loss <= rep->loss_budget,
				q->best, q->unbounded);
	}
}

static int cmp_desc(const void *a, const void *b)
{
	return -cmp_d(a, b);
}

/* The charts; their file names go into the document. */
static int charts(const char *dir, const struct pp_report *rep, struct doc *d)
{
	const struct pp_plan *p = rep->plan;
	enum pp_policy lead = lead_policy(p);
	char path[1024];
	size_t ncand = p->nsites * p->ndesigns;
	struct pp_series *se = calloc(ncand * PP_PLAN_POLICIES + p->nsites + 1, sizeof *se);
	double *buf = calloc((ncand + p->nsites + 1) * 2 * 8784, sizeof *buf);
	int rc = -1;
	if (!se || !buf)
		goto out;
	/* Load-duration: hourly mean draw, sorted; a dashed line per site limit. */
	struct pp_chart c = {"Load-duration curve (" "grid draw, hourly mean)", "hours of the year",
			     "MW", 0, rep->hours, 0, 1, se, 0};
	double *bp = buf;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++) {
			const struct pp_report_run *u = first_run(rep, s, k, lead);
			if (!u)
				continue;
			struct pp_series *z = &se[c.nseries];
			snprintf(z->name, sizeof z->name, "%s / %s", p->sites[s].name,
				 p->designs[k].name);
			z->color = pp_svg_color(c.nseries++);
			z->x = bp;
			z->y = bp + u->r.nhours;
			z->n = u->r.nhours;
			bp += 2 * u->r.nhours;
			for (size_t h = 0; h < z->n; h++) {
				z->x[h] = (double)h + 1;
				z->y[h] = u->r.hours[h].grid_kwh / 1e3;
				c.y1 = fmax(c.y1, z->y[h] * 1.1);
			}
			qsort(z->y, z->n, sizeof *z->y, cmp_desc);
		}
	for (size_t s = 0; s < p->nsites; s++) {
		if (!isfinite(p->sites[s].limit_kw))
			continue;
		struct pp_series *z = &se[c.nseries];
		snprintf(z->name, sizeof z->name, "%s grid limit", p->sites[s].name);
		z->color = pp_svg_color(c.nseries++);
		z->dashed = 1;
		z->x = bp;
		z->y = bp + 2;
		z->n = 2;
		bp += 4;
		z->x[0] = 0;
		z->x[1] = rep->hours;
		z->y[0] = z->y[1] = p->sites[s].limit_kw / 1e3;
		c.y1 = fmax(c.y1, z->y[0] * 1.1);
	}
	snprintf(path, sizeof path, "%s/load-duration.svg", dir);
	if (pp_svg_lines(path, &c))
		goto out;
	text(d, B_IMG, "load-duration.svg");

	/* Monthly PUE of the lead policy's first seed per candidate. */
	struct pp_chart m = {"Monthly PUE", "month", "PUE", 1, 12, 1, 1.1, se, 0};
	double lo = 10;
	bp = buf;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++) {
			const struct pp_report_run *u = first_run(rep, s, k, lead);
			if (!u)
				continue;
			struct pp_series *z = &se[m.nseries];
			snprintf(z->name, sizeof z->name, "%s / %s", p->sites[s].name,
				 p->designs[k].name);
			z->color = pp_svg_color(m.nseries++);
			z->markers = 1;
			z->x = bp;
			z->y = bp + 12;
			bp += 24;
			for (int mo = 0; mo < 12; mo++) {
				if (u->r.month_it_kwh[mo] <= 0)
					continue;
				z->x[z->n] = mo + 1;
				z->y[z->n] = u->r.month_grid_kwh[mo] / u->r.month_it_kwh[mo];
				lo = fmin(lo, z->y[z->n]);
				m.y1 = fmax(m.y1, z->y[z->n] + 0.02);
				z->n++;
			}
		}
	m.y0 = fmax(1, floor((lo - 0.02) * 50) / 50);
	snprintf(path, sizeof path, "%s/monthly-pue.svg", dir);
	if (pp_svg_lines(path, &m))
		goto out;
	text(d, B_IMG, "monthly-pue.svg");

	/* GPUs against loss, from every search. */
	if (rep->nsearch) {
		struct pp_chart g = {"Throughput loss against fleet size", "GPUs",
				     "GPU-hours lost (%)", 1e18, 0, 0, 1, se, 0};
		bp = buf;
		for (size_t i = 0; i < rep->nsearch; i++) {
			const struct pp_search_result *q = &rep->search[i];
			struct pp_series *z = &se[g.nseries];
			snprintf(z->name, sizeof z->name, "%s / %s, %s", p->sites[q->site].name,
				 p->designs[q->design].name, pp_config_policy_name(q->policy));
			z->color = pp_svg_color(g.nseries++);
			z->markers = 1;
			z->dashed = q->policy != lead;
			z->x = bp;
			z->y = bp + q->npts;
			z->n = q->npts;
			bp += 2 * q->npts;
			/* Sorted by size: the search visits them out of order. */
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
				g.x0 = fmin(g.x0, z->x[k]);
				g.x1 = fmax(g.x1, z->x[k]);
				g.y1 = fmax(g.y1, fmin(z->y[k], 4 * 100 * rep->loss_budget) * 1.1);
			}
		}
		struct pp_series *z = &se[g.nseries];
		snprintf(z->name, sizeof z->name, "loss budget %.1f %%", 100 * rep->loss_budget);
		z->color = "#000000";
		z->dashed = 1;
		z->x = bp;
		z->y = bp + 2;
		z->n = 2;
		z->x[0] = g.x0;
		z->x[1] = g.x1;
		z->y[0] = z->y[1] = 100 * rep->loss_budget;
		g.nseries++;
		if (g.x1 <= g.x0)
			g.x1 = g.x0 + 1;
		snprintf(path, sizeof path, "%s/gpus-vs-loss.svg", dir);
		if (pp_svg_lines(path, &g))
			goto out;
		text(d, B_IMG, "gpus-vs-loss.svg");
	}

	/* Headroom heat maps, one per candidate. */
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++) {
			const struct pp_report_run *u = first_run(rep, s, k, lead);
			if (!u)
				continue;
			char a[64], b[64], title[256];
			pp_report_slug(p->sites[s].name, a, sizeof a);
			pp_report_slug(p->designs[k].name, b, sizeof b);
			snprintf(path, sizeof path, "%s/headroom-%s-%s.svg", dir, a, b);
			snprintf(title, sizeof title, "Grid headroom, %s / %s, %s policy",
				 p->sites[s].name, p->designs[k].name, pp_config_policy_name(lead));
			if (pp_svg_headroom(path, title, &u->r))
				goto out;
			text(d, B_IMG, "headroom-%s-%s.svg", a, b);
		}
	rc = 0;
out:
	free(se);
	free(buf);
	return rc;
}

static void build(struct doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	enum pp_policy lead = lead_policy(p);
	char t[256], b1[64], b2[64], b3[64], b4[64], b5[64];
	snprintf(t, sizeof t, "Plan: %s", p->name);
	heading(d, 1, t);
	if (p->description)
		text(d, B_P, "%s", p->description);
	text(d, B_P, "%d %s GPUs (%.0f W host share each), utilization %.0f %%; %.0f hours at "
		     "%.0f-second steps; %d seed%s of job arrivals from %lu; loss budget %.1f %%; "
		     "margin %.0f %% on every limit. Ranges are median (min-max) over the seeds.",
	     p->gpus, p->gpu->name, p->host_w, 100 * p->utilization, rep->hours, rep->step_s,
	     rep->nseeds, rep->nseeds == 1 ? "" : "s", p->seed, 100 * rep->loss_budget,
	     100 * p->margin);

	struct cand cs[PP_PLAN_MAX_DESIGNS * PP_PLAN_MAX_SITES];
	size_t nc = candidates(rep, cs);
	heading(d, 2, "Ranking");
	char gh[96];
	snprintf(gh, sizeof gh, "GPUs within %.1f %% loss (%s)", 100 * rep->loss_budget,
		 pp_config_policy_name(lead));
	const char *rh[] = {"rank", "site", "design", gh, "grid GWh", "peak MW", "PUE",
			    "WUE L/kWh", "h at grid limit", "h at cooling limit", "GPU-h lost %"};
	struct block *tb = table(d, 11, rh);
	for (size_t i = 0; i < nc; i++) {
		const struct cand *c = &cs[i];
		char g[32], a[64], b[64], e[64], f[64], h[64], k[64], l[64];
		row(d, tb, "%zu|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", i + 1, p->sites[c->site].name,
		    p->designs[c->design].name, gpus_text(g, sizeof g, c),
		    rng(a, sizeof a, over_seeds(rep, c->site, c->design, lead, m_grid_gwh), 1),
		    rng(b, sizeof b, over_seeds(rep, c->site, c->design, lead, m_peak_mw), 1),
		    rng(e, sizeof e, over_seeds(rep, c->site, c->design, lead, m_pue), 3),
		    rng(f, sizeof f, over_seeds(rep, c->site, c->design, lead, m_wue), 2),
		    rng(h, sizeof h, over_seeds(rep, c->site, c->design, lead, m_at_grid), 0),
		    rng(k, sizeof k, over_seeds(rep, c->site, c->design, lead, m_at_cool), 0),
		    rng(l, sizeof l, over_seeds(rep, c->site, c->design, lead, m_loss), 2));
	}
	heading(d, 2, "Why");
	for (size_t i = 0; i < nc; i++)
		why(d, p, &cs[i], i + 1 < nc ? &cs[i + 1] : NULL, (int)i + 1);

	heading(d, 2, "Policies at the planned fleet");
	const char *ph[] = {"site", "design", "policy", "grid GWh", "cooling GWh", "PUE",
			    "delivered M GPU-h", "lost %", "jobs deferred", "mean delay h",
			    "static cap W"};
	tb = table(d, 11, ph);
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++)
			for (int q = 0; q < PP_PLAN_POLICIES; q++) {
				if (!(p->sites[s].designs & (1u << k)) || !(p->policies & (1u << q)))
					continue;
				enum pp_policy pq = (enum pp_policy)q;
				const struct pp_report_run *u = first_run(rep, s, k, pq);
				char sc[32] = "-";
				if (pq == PP_POLICY_STATIC && u)
					snprintf(sc, sizeof sc, "%.0f", u->r.static_cap_w);
				row(d, tb, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", p->sites[s].name,
				    p->designs[k].name, pp_config_policy_name(pq),
				    rng(b1, sizeof b1, over_seeds(rep, s, k, pq, m_grid_gwh), 1),
				    rng(b2, sizeof b2, over_seeds(rep, s, k, pq, m_cool_gwh), 2),
				    rng(b3, sizeof b3, over_seeds(rep, s, k, pq, m_pue), 3),
				    rng(b4, sizeof b4, over_seeds(rep, s, k, pq, m_deliv), 3),
				    rng(b5, sizeof b5, over_seeds(rep, s, k, pq, m_loss), 2),
				    rng(t, sizeof t, over_seeds(rep, s, k, pq, m_deferred), 0),
				    rng(gh, sizeof gh, over_seeds(rep, s, k, pq, m_delay), 1), sc);
			}
	if (rep->nsearch) {
		heading(d, 2, "Largest fleet within the loss budget");
		const char *sh[] = {"site", "design", "policy", "GPUs", "sizes tried"};
		tb = table(d, 5, sh);
		for (size_t i = 0; i < rep->nsearch; i++) {
			const struct pp_search_result *q = &rep->search[i];
			char g[32];
			struct cand tmp = {.gpus = q->best, .unbounded = q->unbounded};
			row(d, tb, "%s|%s|%s|%s|%zu", p->sites[q->site].name,
			    p->designs[q->design].name, pp_config_policy_name(q->policy),
			    gpus_text(g, sizeof g, &tmp), q->npts);
		}
	}
	heading(d, 2, "Monthly PUE");
	const char *mh[] = {"site / design", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
			    "Aug", "Sep", "Oct", "Nov", "Dec"};
	tb = table(d, 13, mh);
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t k = 0; k < p->ndesigns; k++) {
			const struct pp_report_run *u = first_run(rep, s, k, lead);
			if (!u)
				continue;
			char cells[13][16];
			for (int mo = 0; mo < 12; mo++)
				snprintf(cells[mo], sizeof cells[mo], "%.3f",
					 u->r.month_it_kwh[mo] > 0
						 ? u->r.month_grid_kwh[mo] / u->r.month_it_kwh[mo]
						 : 0);
			row(d, tb, "%s / %s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", p->sites[s].name,
			    p->designs[k].name, cells[0], cells[1], cells[2], cells[3], cells[4],
			    cells[5], cells[6], cells[7], cells[8], cells[9], cells[10], cells[11]);
		}
}

static void runs_table(struct doc *d, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	heading(d, 2, "Runs");
	text(d, B_P, "Each run's hourly CSV and its totals (summary.csv has every column).");
	const char *h[] = {"site", "design", "policy", "seed", "grid MWh", "IT MWh", "cooling MWh",
			   "peak MW", "PUE", "water m3", "delivered GPU-h", "lost GPU-h", "csv"};
	struct block *tb = table(d, 13, h);
	for (size_t i = 0; i < rep->nruns; i++) {
		const struct pp_report_run *u = &rep->runs[i];
		const struct pp_year_result *r = &u->r;
		row(d, tb, "%s|%s|%s|%lu|%.1f|%.1f|%.1f|%.3f|%.4f|%.1f|%.0f|%.0f|%s",
		    p->sites[u->site].name, p->designs[u->design].name,
		    pp_config_policy_name(u->policy), u->seed, r->grid_kwh / 1e3, r->it_kwh / 1e3,
		    r->cooling_kwh / 1e3, r->peak_kw / 1e3, r->pue, r->water_l / 1e3,
		    r->delivered_gpu_h, r->lost_gpu_h, u->csv);
	}
}

static enum pp_err write_file(const char *dir, const char *name, const struct doc *d,
			      const struct pp_report *rep, int kind, struct pp_errbuf *eb)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", path, strerror(errno));
	if (kind == 0)
		write_md(f, d);
	else if (kind == 1)
		write_html(f, d, rep->plan->name);
	else if (kind == 2)
		summary_csv(f, rep);
	else
		search_csv(f, rep);
	if (fclose(f))
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", path, strerror(errno));
	return PP_OK;
}

enum pp_err pp_report_write(const char *dir, const struct pp_report *rep,
				 struct pp_errbuf *eb)
{
	struct doc d = {0};
	enum pp_err e = PP_OK;
	build(&d, rep);
	heading(&d, 2, "Charts");
	if (charts(dir, rep, &d)) {
		e = pp_err_set(eb, PP_ERR_IO, "%s: cannot write the charts: %s", dir, strerror(errno));
		goto out;
	}
	runs_table(&d, rep);
	if (d.oom) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((e = write_file(dir, "summary.md", &d, rep, 0, eb)) ||
	    (e = write_file(dir, "summary.html", &d, rep, 1, eb)) ||
	    (e = write_file(dir, "summary.csv", &d, rep, 2, eb)) ||
	    (rep->nsearch && (e = write_file(dir, "search.csv", &d, rep, 3, eb))))
		goto out;
out:
	doc_free(&d);
	return e;
}
