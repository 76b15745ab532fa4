/* summary.c - what `powerpark run` prints at the end of its day: the two
 * policies side by side in the terminal, and the same as JSON for scripts
 * (--summary-json; docs/run.md). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "powerpark/day.h"
#include "powerpark/json.h"

static const char *mark(const struct pp_day_level *l)
{
	return l->over_steps ? "CROSSED" : "ok";
}

static void level_row(FILE *f, const char *what, const struct pp_day_level *a,
		      const struct pp_day_level *b)
{
	char x[64], y[64];
	snprintf(x, sizeof x, "%.0f / %.0f kW %s", a->peak_kw, a->limit_kw, mark(a));
	if (b)
		snprintf(y, sizeof y, "%.0f / %.0f kW %s", b->peak_kw, b->limit_kw, mark(b));
	fprintf(f, "  %-22s %-32s %s\n", what, x, b ? y : "");
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

void pp_day_summary(FILE *f, const struct pp_scenario *sc, const struct pp_day_result *p,
		    const struct pp_day_result *b)
{
	fprintf(f, "\n\n%s: %s\n", sc->name, sc->description ? sc->description : "");
	fprintf(f, "  %-22s %-32s %s\n", "peak draw / limit", "powerpark", b ? "proportional capping" : "");
	level_row(f, "grid (limit in force)", &p->grid, b ? &b->grid : NULL);
	level_row(f, "site breaker", &p->site, b ? &b->site : NULL);
	for (size_t h = 0; h < p->nhalls; h++) {
		char w[40];
		snprintf(w, sizeof w, "hall %s", p->halls[h].name);
		level_row(f, w, &p->halls[h], b ? &b->halls[h] : NULL);
	}
	char w[64];
	snprintf(w, sizeof w, "worst row");
	level_row(f, w, &p->row, b ? &b->row : NULL);
	level_row(f, "worst rack", &p->rack, b ? &b->rack : NULL);
	for (size_t q = 0; q < p->nplants; q++) {
		snprintf(w, sizeof w, "cooling %s", p->plants[q].name);
		level_row(f, w, &p->plants[q], b ? &b->plants[q] : NULL);
		char x[64], y[64] = "";
		snprintf(x, sizeof x, "%.0f min", p->reserve_h[q] * 60);
		if (b)
			snprintf(y, sizeof y, "%.0f min", b->reserve_h[q] * 60);
		fprintf(f, "  %-22s %-32s %s\n", "  into its N+1 reserve", x, y);
	}
	const struct pp_day_result *r[2] = {p, b};
	char col[2][7][64];
	for (int k = 0; k < 2 && r[k]; k++) {
		const struct pp_day_result *x = r[k];
		snprintf(col[k][0], 64, "%.1f %% (%.0f of %.0f GPU-h)",
			 x->want_gpu_h > 0 ? 100 * x->work_gpu_h / x->want_gpu_h : 0, x->work_gpu_h,
			 x->want_gpu_h);
		snprintf(col[k][6], 64, "%.2f %%",
			 x->value_want > 0 ? 100 * x->value / x->value_want : 0);
		snprintf(col[k][1], 64, "%.1f / %.1f / %.1f %%",
			 100 * x->by_class[1][0] / fmax(x->by_class[1][1], 1e-9),
			 100 * x->by_class[0][0] / fmax(x->by_class[0][1], 1e-9),
			 100 * x->by_class[2][0] / fmax(x->by_class[2][1], 1e-9));
		if (x->jobs_deferred)
			snprintf(col[k][2], 64, "%.0f GPU-h, %d jobs, ran by %02d:%02d", x->deferred_gpu_h,
				 x->jobs_deferred, (int)x->last_start_h % 24,
				 (int)((x->last_start_h - floor(x->last_start_h)) * 60));
		else
			snprintf(col[k][2], 64, "%.0f GPU-h, none held", x->deferred_gpu_h);
		snprintf(col[k][3], 64, "%.1f MWh (IT %.1f, cooling %.1f)",
			 (x->it_kwh + x->cooling_kwh + x->other_kwh) / 1000, x->it_kwh / 1000,
			 x->cooling_kwh / 1000);
		snprintf(col[k][4], 64, "%.3f", x->pue);
		snprintf(col[k][5], 64, "%.0f m3 (%.2f L/kWh IT)%s", x->water_l / 1000,
			 x->it_kwh > 0 ? x->water_l / x->it_kwh : 0,
			 x->unmet_heat_kwh > 0.5 ? ", heat unmet" : "");
	}
	static const char *const names[] = {"throughput delivered", "  inference/training/batch",
					    "deferred", "energy", "PUE", "water",
					    "  priority-weighted"};
	static const int order[] = {0, 6, 1, 2, 3, 4, 5};
	for (int k = 0; k < 7; k++) {
		int i = order[k];
		fprintf(f, "  %-22s %-32s %s\n", names[i], col[0][i], b ? col[1][i] : "");
	}
	char rp[2][96] = {"", ""};
	for (int k = 0; k < 2 && r[k]; k++)
		snprintf(rp[k], sizeof rp[k], "+%.0f / -%.0f kW/min, %d over %.0f",
			 r[k]->ramp_up_max, r[k]->ramp_down_max, r[k]->ramp_over_steps,
			 r[k]->ramp_limit);
	if (p->ramp_limit > 0) {
		fprintf(f, "  %-22s %-32s %s\n", "ramp (every step)", rp[0], rp[1]);
		fprintf(f, "  %-22s %.2f MWh drawn by GPUs held down after their work stopped\n",
		       "  hold-down", p->holddown_kwh / 1000);
	}
	int crossed = pp_day_crossed(p);
	fprintf(f, "\n  powerpark: %s", crossed ? "a limit was CROSSED (see above)\n"
					    : "no limit crossed all day\n");
	if (b)
		fprintf(f, "  proportional capping: %d level(s) crossed; powerpark's priority-weighted "
		       "throughput %+.2f %% against it\n", pp_day_crossed(b),
		       b->value > 0 ? 100 * (p->value / b->value - 1) : 0);
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

enum pp_err pp_day_summary_json(struct pp_buf *out, const struct pp_day_result *p,
				const struct pp_day_result *b)
{
	struct pp_json j;
	pp_json_init(&j, out);
	pp_json_obj(&j);
	json_result(&j, "powerpark", p);
	if (b)
		json_result(&j, "proportional", b);
	pp_json_end(&j);
	enum pp_err e = pp_json_done(&j);
	return e ? e : pp_buf_append(out, "\n", 1);
}
