/* cmd_plan.c - `powerpark plan FILE.yaml`: every site x design x policy of
 * a plan over a year of weather, the fleet-size search, and the report
 * (docs/plan.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "powerpark/catalog.h"
#include "powerpark/diag.h"
#include "powerpark/report.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: powerpark plan FILE.yaml [--out DIR] [--step 1h|15min|60s]\n"
		   "                      [--runs N] [--seed N] [--loss 2%%] [--hours H]\n"
		   "                      [--no-search]\n\n"
		   "Simulates every candidate site x cooling design x policy of the plan over a\n"
		   "year of its weather (hourly, or --step down to one minute) with the optimizer\n"
		   "in the loop, N job-arrival seeds each, then searches for the largest fleet\n"
		   "each carries within the loss budget. Writes to DIR (default plan-out): a CSV\n"
		   "per run, summary.csv, summary.md, summary.html and SVG charts.\n");
	return f == stdout ? 0 : 2;
}

/* "1h", "15min", "900s", "900": seconds dividing an hour, >= 60. */
static int parse_step(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || !(v > 0))
		return -1;
	if (!strcmp(end, "h"))
		v *= 3600;
	else if (!strcmp(end, "min") || !strcmp(end, "m"))
		v *= 60;
	else if (*end && strcmp(end, "s"))
		return -1;
	if (v < 60 || v > 3600 || fmod(3600, v) != 0)
		return -1;
	*out = v;
	return 0;
}

static int parse_loss(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || (*end && strcmp(end, "%")) || !(v >= 0) || v > 50)
		return -1;
	*out = v / 100;
	return 0;
}

struct prog {
	int tty;
	char what[160];
	double hours;
};

static void on_progress(void *arg, double t_h)
{
	struct prog *p = arg;
	if (p->tty)
		fprintf(stderr, "\r  %s: %3.0f %%", p->what, 100 * t_h / p->hours);
}

static int mkdirs(const char *dir)
{
	char sub[1024];
	snprintf(sub, sizeof sub, "%s/runs", dir);
	if ((mkdir(dir, 0777) && errno != EEXIST) || (mkdir(sub, 0777) && errno != EEXIST)) {
		fprintf(stderr, "powerpark plan: %s: %s\n", sub, strerror(errno));
		return -1;
	}
	return 0;
}

struct opts {
	const char *file, *out;
	double step_s, loss;
	int runs, hours, no_search;
	long seed;
};

static int parse(int argc, char **argv, struct opts *o)
{
	const char *step = NULL, *loss = NULL, *runs = NULL, *seed = NULL, *hours = NULL;
	const struct pp_cmd_opt opts[] = {
		{"", &o->file, NULL},	  {"--out", &o->out, NULL}, {"--step", &step, NULL},
		{"--loss", &loss, NULL},  {"--runs", &runs, NULL},  {"--seed", &seed, NULL},
		{"--hours", &hours, NULL}, {"--no-search", NULL, &o->no_search}, {NULL, NULL, NULL}};
	int rc = pp_cmd_options(argc, argv, opts, usage);
	if (rc >= 0)
		return rc;
	int s = -1;
	if (pp_cmd_int("plan", "--runs", runs, 1, 1000, &o->runs) ||
	    pp_cmd_int("plan", "--hours", hours, 1, 8760, &o->hours) ||
	    pp_cmd_int("plan", "--seed", seed, 0, 2147483647, &s))
		return 2;
	o->seed = seed ? s : -1;
	if ((step && parse_step(step, &o->step_s)) || (loss && parse_loss(loss, &o->loss))) {
		fprintf(stderr, "powerpark plan: %s: cannot use '%s' (see --help)\n",
			step && !o->step_s ? "--step" : "--loss", step && !o->step_s ? step : loss);
		return 2;
	}
	if (!o->file)
		return usage(stderr);
	return -1;
}

int pp_cmd_plan(int argc, char **argv)
{
	struct opts o = {.out = "plan-out", .loss = -1};
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	struct pp_diags dg;
	pp_diag_init(&dg);
	struct pp_plan *p = NULL;
	if (pp_catalog_load_plan(o.file, &p, &dg)) {
		for (size_t i = 0; i < dg.n; i++)
			fprintf(stderr, "%s\n", dg.lines[i]);
		fprintf(stderr, "powerpark plan: %zu problem%s in %s\n", dg.n, dg.n == 1 ? "" : "s",
			o.file);
		pp_diag_free(&dg);
		return 1;
	}
	pp_diag_free(&dg);
	double step = o.step_s ? o.step_s : p->step_s, hours = o.hours ? o.hours : p->hours;
	double loss = o.loss >= 0 ? o.loss : p->loss_budget;
	int runs = o.runs ? o.runs : p->runs;
	unsigned long seed = o.seed >= 0 ? (unsigned long)o.seed : p->seed;
	struct pp_weather *wx = calloc(p->nsites, sizeof *wx);
	size_t maxruns = p->nsites * p->ndesigns * PP_PLAN_POLICIES * (size_t)runs;
	struct pp_report_run *rs = calloc(maxruns + 1, sizeof *rs);
	struct pp_search_result *ss = calloc(p->nsites * p->ndesigns * PP_PLAN_POLICIES + 1,
					   sizeof *ss);
	size_t nr = 0, ns = 0;
	rc = 1;
	if (!wx || !rs || !ss) {
		fprintf(stderr, "powerpark plan: out of memory\n");
		goto out;
	}
	struct pp_errbuf eb;
	for (size_t s = 0; s < p->nsites; s++)
		if (pp_weather_load(p->sites[s].weather, &wx[s], &eb)) {
			fprintf(stderr, "%s:%d:%d: site '%s': %s\n", p->sites[s].weather_pos.file,
				p->sites[s].weather_pos.line, p->sites[s].weather_pos.col,
				p->sites[s].name, eb.msg);
			goto out;
		}
	if (mkdirs(o.out))
		goto out;
	struct prog pg = {.tty = isatty(2), .hours = hours};
	size_t total = 0, done = 0;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t d = 0; d < p->ndesigns; d++)
			total += (p->sites[s].designs >> d & 1) *
				 (size_t)__builtin_popcount(p->policies) * (size_t)runs;
	fprintf(stderr, "powerpark plan: %s: %zu year%s of %.0f h at %.0f s steps, %d GPUs\n",
		p->name, total, total == 1 ? "" : "s", hours, step, p->gpus);
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t d = 0; d < p->ndesigns; d++)
			for (int q = 0; q < PP_PLAN_POLICIES; q++)
				for (int k = 0; k < runs; k++) {
					if (!(p->sites[s].designs >> d & 1) || !(p->policies >> q & 1))
						continue;
					struct pp_report_run *u = &rs[nr];
					u->site = s;
					u->design = d;
					u->policy = (enum pp_policy)q;
					u->seed = seed + (unsigned long)k;
					snprintf(pg.what, sizeof pg.what, "[%zu/%zu] %s / %s / %s / seed %lu",
						 ++done, total, p->sites[s].name, p->designs[d].name,
						 pp_config_policy_name(u->policy), u->seed);
					struct pp_year_spec sp = {p, &p->sites[s], &p->designs[d], &wx[s],
								  u->policy, p->gpus, u->seed, step,
								  hours, 1, on_progress, &pg};
					if (pp_year_run(&sp, &u->r, &eb)) {
						fprintf(stderr, "\npowerpark plan: %s: %s\n", pg.what, eb.msg);
						pp_year_result_free(&u->r);
						goto out;
					}
					nr++;
					char a[64], b[64], path[1200];
					pp_report_slug(p->sites[s].name, a, sizeof a);
					pp_report_slug(p->designs[d].name, b, sizeof b);
					snprintf(u->csv, sizeof u->csv, "runs/%s-%s-%s-s%lu.csv", a, b,
						 pp_config_policy_name(u->policy), u->seed);
					snprintf(path, sizeof path, "%s/%s", o.out, u->csv);
					if (pp_report_csv(path, &u->r, &eb)) {
						fprintf(stderr, "\npowerpark plan: %s\n", eb.msg);
						goto out;
					}
					fprintf(stderr, "%s  %s: %.2f s; grid %.1f GWh, peak %.1f MW, PUE "
						"%.3f, lost %.2f %%%s\n", pg.tty ? "\r" : "", pg.what,
						u->r.wall_s, u->r.grid_kwh / 1e6, u->r.peak_kw / 1e3, u->r.pue,
						100 * u->r.loss, u->r.over_steps ? " (LIMIT CROSSED)" : "");
					if (k) /* charts need one seed's hours; the CSV has the rest */
						pp_year_result_free(&u->r);
				}
	if (!o.no_search)
		for (size_t s = 0; s < p->nsites; s++)
			for (size_t d = 0; d < p->ndesigns; d++)
				for (int q = 0; q < PP_PLAN_POLICIES; q++) {
					if (!(p->sites[s].designs >> d & 1) || !(p->policies >> q & 1))
						continue;
					snprintf(pg.what, sizeof pg.what, "search %s / %s / %s",
						 p->sites[s].name, p->designs[d].name,
						 pp_config_policy_name((enum pp_policy)q));
					struct pp_year_spec sp = {p, &p->sites[s], &p->designs[d], &wx[s],
								  (enum pp_policy)q, p->gpus, seed,
								  step, hours, 0, NULL, NULL};
					struct pp_search_result *x = &ss[ns];
					if (pp_search_fleet(&sp, loss, x, &eb)) {
						fprintf(stderr, "powerpark plan: %s: %s\n", pg.what, eb.msg);
						goto out;
					}
					x->site = s;
					x->design = d;
					ns++;
					fprintf(stderr, "  %s: %s%d GPUs within %.1f %% loss (%zu sizes "
						"tried)\n", pg.what, x->unbounded ? ">= " : "", x->best,
						100 * loss, x->npts);
				}
	struct pp_report rep = {p, rs, nr, ss, ns, step, hours, loss, runs};
	if (pp_report_write(o.out, &rep, &eb)) {
		fprintf(stderr, "powerpark plan: %s\n", eb.msg);
		goto out;
	}
	printf("%s/summary.md\n%s/summary.html\n", o.out, o.out);
	rc = 0;
out:
	for (size_t i = 0; rs && i < nr; i++)
		pp_year_result_free(&rs[i].r);
	for (size_t s = 0; wx && s < p->nsites; s++)
		pp_weather_free(&wx[s]);
	free(wx);
	free(rs);
	free(ss);
	pp_plan_destroy(p);
	return rc;
}
