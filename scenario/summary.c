/* summary.c - what `powerpark run` prints at the end of its day: the
 * policies side by side in the terminal (powerpark first, then the
 * baselines), and the same as JSON for scripts (--summary-json;
 * docs/run.md). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "powerpark/day.h"
#include "powerpark/json.h"

#define COL 28 /* a policy's column: the widest cell is 27 characters */

static const char *mark(const struct pp_day_level *l)
{
	return l->over_steps ? "CROSSED" : "ok";
}

/* One row: its label, then each side's cell (cells, COL characters each,
 * cut to fit so that columns never run into each other). */
static void row(FILE *f, const char *what, char cells[][COL], size_t n)
{
	fprintf(f, "  %-22s", what);
	for (size_t k = 0; k < n; k++)
		fprintf(f, " %-*.*s", COL - 1, COL - 1, cells[k]);
	fputc('\n', f);
}

/* A level of a result: the one at byte offset off, or the h-th of the
 * array there (halls, plants) when h >= 0. */
static const struct pp_day_level *level(const struct pp_day_result *r, size_t off, long h)
{
	const struct pp_day_level *l =
		(const struct pp_day_level *)(const void *)((const char *)r + off);
	return h < 0 ? l : &l[h];
}

static void level_row(FILE *f, const char *what, const struct pp_day_side *s, size_t n,
		      size_t off, long h)
{
	char c[PP_DAY_SIDES][COL];
	for (size_t k = 0; k < n; k++) {
		const struct pp_day_level *l = level(s[k].r, off, h);
		snprintf(c[k], COL, "%.0f / %.0f kW %s", l->peak_kw, l->limit_kw, mark(l));
	}
	row(f, what, c, n);
}

/* How many levels (grid, site, each hall, worst row and rack, each plant)
 * went over their limit at some step. */
int pp_day_crossed(const struct pp_day_result *r)
{
	int n = (r->grid.over_steps > 0) + (r->site.over_steps > 0) + (r->row.over_steps > 0) +
		(r->rack.over_steps > 0);
	for (size_t h = 0; h < r->nhalls; h++)
		n += r->halls[h].over_steps > 0;
	for (size_t q = 0; q < r->nplants; q++)
		n += r->plants[q].over_steps > 0;
	return n;
}

#define FIGS 10 /* rows of figure_cells */

/* The figures of one side, one cell per row of names[] below. */
static void figure_cells(const struct pp_day_result *x, char col[FIGS][COL])
{
	snprintf(col[0], COL, "%.1f %% of %.0f GPU-h",
		 x->want_gpu_h > 0 ? 100 * x->work_gpu_h / x->want_gpu_h : 0, x->want_gpu_h);
	snprintf(col[1], COL, "%.2f %%", x->value_want > 0 ? 100 * x->value / x->value_want : 0);
	snprintf(col[2], COL, "%.1f / %.1f / %.1f %%",
		 100 * x->by_class[1][0] / fmax(x->by_class[1][1], 1e-9),
		 100 * x->by_class[0][0] / fmax(x->by_class[0][1], 1e-9),
		 100 * x->by_class[2][0] / fmax(x->by_class[2][1], 1e-9));
	if (x->jobs_deferred)
		snprintf(col[3], COL, "%.0f GPU-h, %d jobs", x->deferred_gpu_h, x->jobs_deferred);
	else
		snprintf(col[3], COL, "%.0f GPU-h, none held", x->deferred_gpu_h);
	if (x->jobs_deferred)
		snprintf(col[4], COL, "%02d:%02d", (int)x->last_start_h % 24,
			 (int)((x->last_start_h - floor(x->last_start_h)) * 60));
	else
		snprintf(col[4], COL, "-");
	snprintf(col[5], COL, "%.1f MWh (IT %.1f)",
		 (x->it_kwh + x->cooling_kwh + x->other_kwh) / 1000, x->it_kwh / 1000);
	snprintf(col[6], COL, "%.3f", x->pue);
	snprintf(col[7], COL, "%.0f m3%s", x->water_l / 1000,
		 x->unmet_heat_kwh > 0.5 ? ", heat unmet" : "");
	if (x->event_value_want > 0)
		snprintf(col[8], COL, "%.2f %%, inference %.1f %%",
			 100 * x->event_value / x->event_value_want, x->inference_event_pct);
	else
		snprintf(col[8], COL, "-");
	if (x->signal_response_s >= 0)
		snprintf(col[9], COL, "%.0f s", x->signal_response_s);
	else
		snprintf(col[9], COL, "-");
}

void pp_day_summary(FILE *f, const struct pp_scenario *sc, const struct pp_day_side *s, size_t n)
{
	if (n > PP_DAY_SIDES)
		n = PP_DAY_SIDES;
	const struct pp_day_result *p = s[0].r;
	fprintf(f, "\n\n%s: %s\n", sc->name, sc->description ? sc->description : "");
	char c[PP_DAY_SIDES][COL];
	for (size_t k = 0; k < n; k++)
		snprintf(c[k], COL, "%s", s[k].name);
	row(f, "peak draw / limit", c, n);
	level_row(f, "grid (limit in force)", s, n, offsetof(struct pp_day_result, grid), -1);
	level_row(f, "site breaker", s, n, offsetof(struct pp_day_result, site), -1);
	for (size_t h = 0; h < p->nhalls; h++) {
		char w[40];
		snprintf(w, sizeof w, "hall %s", p->halls[h].name);
		level_row(f, w, s, n, offsetof(struct pp_day_result, halls), (long)h);
	}
	level_row(f, "worst row", s, n, offsetof(struct pp_day_result, row), -1);
	level_row(f, "worst rack", s, n, offsetof(struct pp_day_result, rack), -1);
	for (size_t q = 0; q < p->nplants; q++) {
		char w[64];
		snprintf(w, sizeof w, "cooling %s", p->plants[q].name);
		level_row(f, w, s, n, offsetof(struct pp_day_result, plants), (long)q);
		for (size_t k = 0; k < n; k++)
			snprintf(c[k], COL, "%.0f min", s[k].r->reserve_h[q] * 60);
		row(f, "  into its N+1 reserve", c, n);
	}
	char col[PP_DAY_SIDES][FIGS][COL];
	for (size_t k = 0; k < n; k++)
		figure_cells(s[k].r, col[k]);
	static const char *const names[FIGS] = {
		"throughput delivered", "  priority-weighted", "  inf./train./batch", "deferred",
		"  last held job ran",	"energy", "PUE", "water", "  in event windows",
		"signal to under limit"};
	/* The two event rows only where the day had an event or a signal. */
	int nrows = p->event_value_want > 0 || p->signal_response_s >= 0 ? FIGS : FIGS - 2;
	static const int order[FIGS] = {0, 1, 8, 2, 3, 4, 9, 5, 6, 7};
	for (int q = 0; q < FIGS; q++) {
		int i = order[q];
		if (i >= nrows)
			continue;
		for (size_t k = 0; k < n; k++)
			snprintf(c[k], COL, "%s", col[k][i]);
		row(f, names[i], c, n);
	}
	if (p->ramp_limit > 0) {
		for (size_t k = 0; k < n; k++)
			snprintf(c[k], COL, "+%.0f/-%.0f, %d over %.0f", s[k].r->ramp_up_max,
				 s[k].r->ramp_down_max, s[k].r->ramp_over_steps, s[k].r->ramp_limit);
		row(f, "ramp (every step)", c, n);
		fprintf(f, "  %-22s %.2f MWh drawn by GPUs held down after their work stopped\n",
			"  hold-down", p->holddown_kwh / 1000);
	}
	/* Over the hours played, not "all day": a run may be shorter. */
	double hours = (double)p->steps * sc->step_s / 3600;
	int crossed = pp_day_crossed(p);
	fprintf(f, "\n  %s: %s in %.1f h", s[0].name,
		crossed ? "a limit was CROSSED (see above)" : "no limit crossed", hours);
	if (p->ramp_limit > 0)
		fprintf(f, ", %d step(s) over the ramp limit", p->ramp_over_steps);
	fputc('\n', f);
	for (size_t k = 1; k < n; k++)
		fprintf(f, "  %s: %d level(s) crossed; %s's priority-weighted throughput %+.2f %% "
			   "against it\n", s[k].name, pp_day_crossed(s[k].r), s[0].name,
			s[k].r->value > 0 ? 100 * (p->value / s[k].r->value - 1) : 0);
}

static void json_level(struct pp_json *j, const char *key, const struct pp_day_level *l)
{
	if (key)
		pp_json_key(j, key);
	pp_json_obj(j);
	pp_json_kstr(j, "name", l->name);
	pp_json_knum(j, "peak_kw", l->peak_kw, 3);
	pp_json_knum(j, "limit_kw", l->limit_kw, 3);
	pp_json_knum(j, "worst_ratio", l->worst_ratio, 6);
	pp_json_kint(j, "over_steps", l->over_steps);
	pp_json_knum(j, "over_kwh", l->over_kwh, 3);
	pp_json_end(j);
}

/* The day's figures after its levels, one row each: key, where, decimals
 * (-1: an int, -2: a long). */
static const struct {
	const char *key;
	size_t off;
	int dec;
} figures[] = {
	{"work_gpu_h", offsetof(struct pp_day_result, work_gpu_h), 3},
	{"want_gpu_h", offsetof(struct pp_day_result, want_gpu_h), 3},
	{"value", offsetof(struct pp_day_result, value), 3},
	{"value_want", offsetof(struct pp_day_result, value_want), 3},
	{"deferred_gpu_h", offsetof(struct pp_day_result, deferred_gpu_h), 3},
	{"jobs", offsetof(struct pp_day_result, jobs), -1},
	{"jobs_deferred", offsetof(struct pp_day_result, jobs_deferred), -1},
	{"jobs_done", offsetof(struct pp_day_result, jobs_done), -1},
	{"jobs_unfinished", offsetof(struct pp_day_result, jobs_unfinished), -1},
	{"first_held_h", offsetof(struct pp_day_result, first_held_h), 4},
	{"last_start_h", offsetof(struct pp_day_result, last_start_h), 4},
	{"it_kwh", offsetof(struct pp_day_result, it_kwh), 3},
	{"cooling_kwh", offsetof(struct pp_day_result, cooling_kwh), 3},
	{"other_kwh", offsetof(struct pp_day_result, other_kwh), 3},
	{"water_l", offsetof(struct pp_day_result, water_l), 1},
	{"unmet_heat_kwh", offsetof(struct pp_day_result, unmet_heat_kwh), 3},
	{"pue", offsetof(struct pp_day_result, pue), 5},
	{"steps", offsetof(struct pp_day_result, steps), -2},
	{"ramp_up_max_kw_per_min", offsetof(struct pp_day_result, ramp_up_max), 1},
	{"ramp_up_at_h", offsetof(struct pp_day_result, ramp_up_at_h), 4},
	{"ramp_down_max_kw_per_min", offsetof(struct pp_day_result, ramp_down_max), 1},
	{"ramp_down_at_h", offsetof(struct pp_day_result, ramp_down_at_h), 4},
	{"ramp_over_steps", offsetof(struct pp_day_result, ramp_over_steps), -1},
	{"holddown_kwh", offsetof(struct pp_day_result, holddown_kwh), 3},
	{"event_value", offsetof(struct pp_day_result, event_value), 3},
	{"event_value_want", offsetof(struct pp_day_result, event_value_want), 3},
	{"inference_event_pct", offsetof(struct pp_day_result, inference_event_pct), 3},
	{"signal_response_s", offsetof(struct pp_day_result, signal_response_s), 1},
};

static void json_result(struct pp_json *j, const char *key, const struct pp_day_result *r)
{
	pp_json_key(j, key);
	pp_json_obj(j);
	pp_json_kint(j, "crossed_levels", pp_day_crossed(r));
	json_level(j, "grid", &r->grid);
	json_level(j, "site", &r->site);
	json_level(j, "row", &r->row);
	json_level(j, "rack", &r->rack);
	pp_json_key(j, "halls");
	pp_json_arr(j);
	for (size_t h = 0; h < r->nhalls; h++)
		json_level(j, NULL, &r->halls[h]);
	pp_json_end(j);
	pp_json_key(j, "plants");
	pp_json_arr(j);
	for (size_t p = 0; p < r->nplants; p++)
		json_level(j, NULL, &r->plants[p]);
	pp_json_end(j);
	pp_json_key(j, "reserve_h");
	pp_json_arr(j);
	for (size_t p = 0; p < r->nplants; p++)
		pp_json_num(j, r->reserve_h[p], 4);
	pp_json_end(j);
	for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
		const char *at = (const char *)r + figures[i].off;
		pp_json_key(j, figures[i].key);
		if (figures[i].dec == -1)
			pp_json_int(j, *(const int *)(const void *)at);
		else if (figures[i].dec == -2)
			pp_json_int(j, *(const long *)(const void *)at);
		else
			pp_json_num(j, *(const double *)(const void *)at, figures[i].dec);
	}
	pp_json_end(j);
}

enum pp_err pp_day_summary_json(struct pp_buf *out, const struct pp_day_side *s, size_t n)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	for (size_t k = 0; k < n; k++)
		json_result(&j, s[k].key, s[k].r);
	pp_json_end(&j);
	enum pp_err e = pp_json_done(&j);
	return e ? e : pp_buf_append(out, "\n", 1);
}
