/* report.c - the planner's report (report.h): the summary document with
 * its charts, written as summary.md and summary.html, and the tables
 * summary.csv and search.csv. What each says is in summary.c, charts.c and
 * csv.c; how it is written in md.c, html.c and svg.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report_int.h"
#include "powerpark/gpu.h"
#include "powerpark/report.h"

/* The files of the report, and what writes each. */
enum kind { SUMMARY_MD, SUMMARY_HTML, SUMMARY_CSV, SEARCH_CSV, VARY_CSV };

static enum pp_err write_file(const char *dir, const char *name, const struct pp_doc *d,
			      const struct pp_report *rep, enum kind kind, struct pp_errbuf *eb)
{
	char path[PP_REPORT_MAX_PATH];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", path, strerror(errno));
	switch (kind) {
	case SUMMARY_MD:
		pp_doc_md(f, d);
		break;
	case SUMMARY_HTML:
		pp_doc_html(f, d, rep->plan->name);
		break;
	case SUMMARY_CSV:
		pp_csv_summary(f, rep);
		break;
	case SEARCH_CSV:
		pp_csv_search(f, rep);
		break;
	case VARY_CSV:
		pp_csv_vary(f, rep);
		break;
	}
	if (fclose(f))
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", path, strerror(errno));
	return PP_OK;
}

enum pp_err pp_report_write(const char *dir, const struct pp_report *rep,
			    struct pp_errbuf *eb)
{
	struct pp_doc d = {0};
	enum pp_err e = PP_OK;
	pp_summary_head(&d, rep);
	if (rep->vary)
		pp_summary_vary(&d, rep);
	pp_doc_heading(&d, 2, "Charts");
	if (pp_charts_write(dir, rep, &d)) {
		e = pp_err_set(eb, PP_ERR_IO, "%s: cannot write the charts: %s", dir, strerror(errno));
		goto out;
	}
	pp_summary_runs(&d, rep);
	if (d.oom) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((e = write_file(dir, "summary.md", &d, rep, SUMMARY_MD, eb)) ||
	    (e = write_file(dir, "summary.html", &d, rep, SUMMARY_HTML, eb)) ||
	    (e = write_file(dir, "summary.csv", &d, rep, SUMMARY_CSV, eb)))
		goto out;
	if (rep->nsearch && (e = write_file(dir, "search.csv", &d, rep, SEARCH_CSV, eb)))
		goto out;
	if (rep->vary)
		e = write_file(dir, "sensitivity.csv", &d, rep, VARY_CSV, eb);
out:
	pp_doc_free(&d);
	return e;
}
