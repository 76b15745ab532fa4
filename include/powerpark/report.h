/* report.h - what `powerpark plan` writes of its simulated years: a CSV
 * per run, SVG charts and the ranked one-page summary in Markdown and HTML
 * (docs/plan.md). */
#ifndef PP_REPORT_H
#define PP_REPORT_H

#include <stddef.h>

#include "powerpark/err.h"
#include "powerpark/plan.h"
#include "powerpark/search.h"
#include "powerpark/year.h"

/* The longest file-name-safe name of a site or design (pp_report_slug),
 * a run's CSV relative to the output folder, and a path the report
 * writes. */
#define PP_REPORT_MAX_NAME 64
#define PP_REPORT_MAX_CSV 128
#define PP_REPORT_MAX_PATH 1024
/* Seeds of one candidate and policy the tables take a range over. */
#define PP_REPORT_MAX_SEEDS 1024

/* One simulated year of the report. */
struct pp_report_run {
	size_t site, design;
	enum pp_policy policy;
	unsigned long seed;
	struct pp_year_result r;    /* hours kept for the first seed only */
	char csv[PP_REPORT_MAX_CSV]; /* its CSV, relative to the output folder */
};

/* Writes r's hours (borrowed) as CSV to path (borrowed): one row per hour,
 * energies in kWh, the columns of docs/plan.md. */
PP_WUR enum pp_err pp_report_csv(const char *path, const struct pp_year_result *r,
				     struct pp_errbuf *eb);

/* A sensitivity study (`plan --vary KEY=FROM:TO:STEP`): one input set to
 * each of nvals values, every site x design under the lead policy, one
 * seed. Per value v and candidate c (site x ndesigns + design): the largest
 * fleet within the budget (gpus, -1 without a search; 0 for a design the
 * site does not build) and the loss at the planned fleet, in the budget's
 * measure (a fraction). All borrowed. */
struct pp_report_vary {
	const char *key;            /* grid_mw, utilization, gpus */
	size_t nvals;
	const double *vals;
	const int *gpus;            /* nvals x ncand */
	const double *loss;         /* nvals x ncand */
};

/* Everything one `powerpark plan` produced. */
struct pp_report {
	const struct pp_plan *plan;
	const struct pp_report_run *runs;
	size_t nruns;
	const struct pp_search_result *search;
	size_t nsearch;
	double step_s, hours, loss_budget;
	int nseeds;
	const struct pp_report_vary *vary;  /* NULL: none */
};

/* Writes into dir (borrowed, existing): summary.csv (one row per run),
 * summary.md and summary.html (the ranking, why, the per-run table), and
 * the charts load-duration.svg, monthly-pue.svg, gpus-vs-loss.svg and
 * headroom-SITE-DESIGN.svg; with a sensitivity study, sensitivity.csv and
 * sensitivity.svg. */
PP_WUR enum pp_err pp_report_write(const char *dir, const struct pp_report *rep,
					struct pp_errbuf *eb);

/* A file-name-safe copy of s (borrowed) into out (len bytes). */
void pp_report_slug(const char *s, char *out, size_t len);

#endif
