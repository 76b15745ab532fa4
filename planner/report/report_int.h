/* report_int.h - private to the planner's report (report.h): the document
 * both summaries are written from (doc.c, md.c, html.c), the lookups and
 * ranges over a report's runs (runs.c), the summary document (summary.c),
 * the CSV tables (csv.c) and the charts (charts.c, svg.c). */
#ifndef PP_REPORT_INT_H
#define PP_REPORT_INT_H

#include <stddef.h>
#include <stdio.h>

#include "powerpark/err.h"
#include "powerpark/report.h"
#include "powerpark/year.h"

/* The points of a chart's series at most: the hours of a leap year. */
#define PP_REPORT_MAX_POINTS 8784
/* The text of one table cell or number. */
#define PP_REPORT_MAX_CELL 64

/* ---- the document (doc.c): headings, paragraphs, list items, tables and
 * images, written out as Markdown (md.c) and HTML (html.c), so the two
 * always say the same ---- */

enum pp_doc_kind { PP_DOC_H, PP_DOC_P, PP_DOC_LI, PP_DOC_TABLE, PP_DOC_IMG };

struct pp_doc_block {
	enum pp_doc_kind kind;
	int level;
	char *text;          /* heading, paragraph, list item, image path */
	char **cells;        /* table: ncols x nrows, the first row the header */
	size_t ncols, nrows;
};

/* A document; zeroed is empty. Out of memory sets oom and drops the rest. */
struct pp_doc {
	struct pp_doc_block *b;
	size_t n, cap;
	int oom;
};

/* Appends a block of kind k with printf-formatted text. */
void pp_doc_text(struct pp_doc *d, enum pp_doc_kind k, const char *fmt, ...) PP_PRINTF(3, 4);

/* Appends a heading of level (1-6) s (copied). */
void pp_doc_heading(struct pp_doc *d, int level, const char *s);

/* Appends a table with the ncols cells of head (copied) as its header row;
 * the table (owned by d), or NULL out of memory. */
struct pp_doc_block *pp_doc_table(struct pp_doc *d, size_t ncols, const char *const *head);

/* Appends a row to t (NULL: nothing): its cells one printf format,
 * separated by '|' (so a cell never holds one). */
void pp_doc_row(struct pp_doc *d, struct pp_doc_block *t, const char *fmt, ...)
	PP_PRINTF(3, 4);

/* Frees what d holds. */
void pp_doc_free(struct pp_doc *d);

/* Writes d (borrowed) to f as Markdown; as a page of HTML titled title. */
void pp_doc_md(FILE *f, const struct pp_doc *d);
void pp_doc_html(FILE *f, const struct pp_doc *d, const char *title);

/* ---- the report's runs (runs.c) ---- */

/* What a run is measured by in the tables. */
enum pp_metric {
	PP_M_GRID_GWH, PP_M_PEAK_MW, PP_M_PUE, PP_M_WUE, PP_M_AT_GRID, PP_M_AT_COOL, PP_M_LOSS,
	PP_M_DELIV, PP_M_DEFERRED, PP_M_DELAY, PP_M_COOL_GWH,
	PP_M_VLOSS,           /* priority-weighted work lost, % of wanted */
	/* money, thousands of the plan's currency; and per delivered GPU-hour */
	PP_M_ENERGY_K, PP_M_DEMAND_K, PP_M_WATER_K, PP_M_CAPEX_K, PP_M_TOTAL_K, PP_M_COST
};

/* The metric the loss budget is set in (the plan's loss_measure): PP_M_VLOSS
 * or PP_M_LOSS; and its name as the report says it ("priority-weighted work
 * lost", "GPU-hours lost"), a static string. */
enum pp_metric pp_runs_budget_metric(const struct pp_plan *p);
const char *pp_runs_measure(const struct pp_plan *p);

/* A metric over the seeds of one candidate and policy: median, min, max. */
struct pp_range {
	double med, lo, hi;
	int n;                /* seeds; 0: none ran (the rest NAN) */
};

struct pp_range pp_runs_range(const struct pp_report *rep, size_t site, size_t design,
			      enum pp_policy pol, enum pp_metric m);

/* r as "1.23", or "1.23 (1.20-1.25)" when the seeds differ at dec
 * decimals, in buf (len bytes); "-" when no seed ran. Returns the text. */
const char *pp_runs_text(char *buf, size_t len, struct pp_range r, int dec);

/* The search of site s x design d x policy p, or NULL. */
const struct pp_search_result *pp_runs_search(const struct pp_report *rep, size_t s, size_t d,
					      enum pp_policy p);

/* The first run of s x d x p that kept its hours (the charts' run), or NULL. */
const struct pp_report_run *pp_runs_first(const struct pp_report *rep, size_t s, size_t d,
					  enum pp_policy p);

/* The policy a candidate is judged by: the optimizer when compared. */
enum pp_policy pp_runs_lead(const struct pp_plan *p);

/* ---- the summary (summary.c) and the CSV tables (csv.c) ---- */

/* Appends the summary before the charts: the plan, the ranking and why,
 * the policies, the searches, the monthly PUE. */
void pp_summary_head(struct pp_doc *d, const struct pp_report *rep);

/* Appends the optimizer against the best limit-keeping baseline (uniform,
 * priority) per site x design: how many more GPUs it carries within the
 * budget and why (gain.c). Nothing when either side was not searched. */
void pp_summary_gain(struct pp_doc *d, const struct pp_report *rep);

/* Appends the table of every run, after the charts. */
void pp_summary_runs(struct pp_doc *d, const struct pp_report *rep);

/* summary.csv (a row per run) and search.csv (a row per size tried). */
void pp_csv_summary(FILE *f, const struct pp_report *rep);
void pp_csv_search(FILE *f, const struct pp_report *rep);
/* sensitivity.csv: a row per value and candidate (rep->vary set). */
void pp_csv_vary(FILE *f, const struct pp_report *rep);
/* The sensitivity table (rep->vary set). */
void pp_summary_vary(struct pp_doc *d, const struct pp_report *rep);

/* ---- the charts (charts.c, drawn by svg.c) ---- */

/* Writes every chart into dir and appends its image to d; -1 (errno set)
 * when one cannot be written or out of memory. */
int pp_charts_write(const char *dir, const struct pp_report *rep, struct pp_doc *d);

struct pp_series {
	char name[96];
	const char *color;
	double *x, *y;          /* n points, borrowed */
	size_t n;
	int dashed, markers;
};

struct pp_chart {
	const char *title, *xlabel, *ylabel;
	double x0, x1, y0, y1;
	struct pp_series *series;
	size_t nseries;
};

/* The i-th colour of a ten-colour palette. */
const char *pp_svg_color(size_t i);

/* Writes c (borrowed) as a line chart to path; -1 when it cannot. */
int pp_svg_lines(const char *path, const struct pp_chart *c);

/* Writes the day x hour heat map of r's headroom (hours borrowed) to path. */
int pp_svg_headroom(const char *path, const char *title, const struct pp_year_result *r);

/* doc.c: appends fmt to s (n bytes, *o used so far); what does not
 * fit is cut, and *o says the text is full. */
void PP_PRINTF(4, 5) rep_cat(char *s, size_t n, size_t *o, const char *fmt, ...);

#endif
