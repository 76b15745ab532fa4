/* cmd_plan.c - `powerpark plan FILE.yaml`: options into pp_planner_run,
 * its progress on stderr (docs/plan.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "powerpark/catalog.h"
#include "powerpark/diag.h"
#include "powerpark/planner.h"
#include "powerpark/units.h"

/* A step's bounds (--step): a minute to an hour, which it divides. */
#define PP_CMD_MIN_STEP_S 60
#define PP_CMD_MAX_STEP_S 3600
/* The largest loss budget (--loss), in percent. */
#define PP_CMD_MAX_LOSS_PCT 50
/* A year's hours (--hours) and the largest seed (--seed). */
#define PP_CMD_MAX_HOURS 8760
#define PP_CMD_MAX_SEED 2147483647

/* What stderr shows: one line a year and a search, and on a terminal the
 * share of the year under way, rewritten in place. */
struct shown {
	const struct pp_plan *plan;
	int tty, open; /* open: a progress line without its newline */
};

static void show(void *arg, const struct pp_planner_progress *g)
{
	struct shown *sh = arg;
	const struct pp_year_result *r = g->run;
	const struct pp_search_result *x = g->search;
	switch (g->stage) {
	case PP_PLANNER_START:
		fprintf(stderr, "powerpark plan: %s: %zu year%s of %.0f h at %.0f s steps, %d GPUs; "
			"loss is %s\n", sh->plan->name, g->total, g->total == 1 ? "" : "s", g->hours,
			g->step_s, sh->plan->gpus,
			sh->plan->loss_measure == PP_MEASURE_GPU_H ? "GPU-hours lost"
								   : "priority-weighted work lost");
		break;
	case PP_PLANNER_YEAR:
		if (sh->tty)
			fprintf(stderr, "\r  %s: %3.0f %%", g->what, 100 * g->done_h / g->hours);
		sh->open = sh->tty;
		break;
	case PP_PLANNER_RUN:
		fprintf(stderr, "%s  %s: %.2f s; grid %.1f GWh, peak %.1f MW, PUE %.3f, lost %.2f "
			"%%%s\n", sh->tty ? "\r" : "", g->what, r->wall_s, r->grid_kwh / 1e6,
			r->peak_kw / 1e3, r->pue, 100 * r->loss,
			r->over_steps ? " (LIMIT CROSSED)" : "");
		sh->open = 0;
		break;
	case PP_PLANNER_TRY:
		fprintf(stderr, "%s  [%zu/%zu] %s: %d GPUs, %.2f %% lost (%s)%s",
			sh->tty ? "\r\033[K" : "", g->searches_done + 1, g->searches, g->what,
			g->point->gpus, 100 * g->point->loss,
			g->point->loss <= g->loss ? "within" : "over", sh->tty ? "" : "\n");
		sh->open = sh->tty;
		break;
	case PP_PLANNER_VARY:
		fprintf(stderr, "  %s: done\n", g->what);
		break;
	case PP_PLANNER_SEARCH:
		fprintf(stderr, "%s  [%zu/%zu] %s: %s%d GPUs within %.1f %% loss (%zu sizes tried)\n",
			sh->tty ? "\r\033[K" : "", g->searches_done, g->searches, g->what,
			x->unbounded ? ">= " : "", x->best, 100 * g->loss, x->npts);
		sh->open = 0;
		break;
	}
}

/* --step: a duration (a bare number is seconds) from a minute to an hour
 * that divides an hour, so that hours are whole steps. */
static int parse_step(void *dst, const char *v)
{
	double s;
	if (pp_units_duration(v, "s", &s) || s < PP_CMD_MIN_STEP_S || s > PP_CMD_MAX_STEP_S ||
	    fmod(PP_CMD_MAX_STEP_S, s) != 0)
		return -1;
	*(double *)dst = s;
	return 0;
}

/* --vary KEY=FROM:TO:STEP into the options (dst); the key is kept in a
 * static buffer. */
static int parse_vary(void *dst, const char *v)
{
	static char key[32];
	struct pp_planner_opts *o = dst;
	const char *eq = strchr(v, '=');
	char *end = NULL;
	if (!eq || (size_t)(eq - v) >= sizeof key)
		return -1;
	memcpy(key, v, (size_t)(eq - v));
	key[eq - v] = 0;
	if (!pp_planner_vary_known(key))
		return -1;
	o->vary_from = strtod(eq + 1, &end);
	if (*end != ':')
		return -1;
	o->vary_to = strtod(end + 1, &end);
	if (*end != ':')
		return -1;
	o->vary_step = strtod(end + 1, &end);
	if (*end || !(o->vary_step > 0) || o->vary_to < o->vary_from ||
	    (o->vary_to - o->vary_from) / o->vary_step >= PP_PLANNER_MAX_VARY)
		return -1;
	o->vary_key = key;
	return 0;
}

int pp_cmd_plan(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Simulates every candidate site x cooling design x policy of the plan over a\n"
		"year of its weather (hourly, or --step down to one minute) with the optimizer\n"
		"in the loop, N job-arrival seeds each, then searches for the largest fleet\n"
		"each carries within the loss budget. Writes to DIR: a CSV per run,\n"
		"summary.csv, summary.md, summary.html and SVG charts.\n";
	const char *file = NULL;
	int hours = 0;
	struct pp_planner_opts o = {.out = "plan-out", .loss = -1, .seed = -1};
	const struct pp_opt opts[] = {
		PP_STR("FILE.yaml", &file, NULL, "the plan (docs/plan.md)",
		       .flags = PP_OPT_REQUIRED),
		PP_STR("--out", &o.out, "DIR", "where the report goes (default plan-out)"),
		PP_CALL("--step", &o.step_s, parse_step, "a step from 1min to 1h that divides an "
			"hour (1h, 15min, 60s)", "1h|15min|60s",
			"the simulated step (default: the plan's step_s)"),
		PP_INT("--runs", &o.runs, 1, PP_PLANNER_MAX_RUNS, "N",
		       "seeds of job arrivals (default: the plan's runs)"),
		PP_LONG("--seed", &o.seed, 0, PP_CMD_MAX_SEED, "N",
			"the first seed (default: the plan's seed)"),
		PP_PCT("--loss", &o.loss, 0, PP_CMD_MAX_LOSS_PCT, "2%",
		       "the loss budget (default: the plan's loss_budget)"),
		PP_DURI("--hours", &hours, "h", 1, PP_CMD_MAX_HOURS, "H",
			"hours simulated of each year (or 7d; default: the plan's)"),
		PP_FLAG("--no-search", &o.no_search, "skip the fleet-size search"),
		PP_CALL("--vary", &o, parse_vary, "KEY=FROM:TO:STEP with KEY grid_mw, "
			"utilization or gpus, FROM <= TO, at most 64 values", "KEY=FROM:TO:STEP",
			"a sensitivity study: the lead policy at each value (e.g. grid_mw=60:80:5)"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"plan", about, opts};
	int rc = pp_opts_parse(argc, argv, &cmd);
	if (rc >= 0)
		return rc;
	o.hours = hours;
	struct pp_diags dg;
	pp_diag_init(&dg);
	struct pp_plan *p = NULL;
	if (pp_catalog_load_plan(file, &p, &dg)) {
		size_t n = pp_cmd_diags(&dg);
		fprintf(stderr, "powerpark plan: %zu problem%s in %s\n", n, n == 1 ? "" : "s", file);
		return 1;
	}
	pp_diag_free(&dg);
	struct shown sh = {p, isatty(2), 0};
	struct pp_errbuf eb;
	rc = 0;
	if (pp_planner_run(p, &o, show, &sh, &eb)) {
		fprintf(stderr, "%spowerpark plan: %s\n", sh.open ? "\n" : "", eb.msg);
		rc = 1;
	} else {
		printf("%s/summary.md\n%s/summary.html\n", o.out, o.out);
	}
	pp_plan_destroy(p);
	return rc;
}
