/* cmd_run.c - `powerpark run [SCENARIO]`: a new user's first command. Plays
 * a scenario day (the embedded Gwangju park by default) under proportional
 * capping, then under powerpark's controller with the built-in dashboard
 * and a progress line, and prints the two side by side (docs/run.md). */
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "powerpark/api.h"
#include "powerpark/buf.h"
#include "powerpark/clock.h"
#include "powerpark/day.h"
#include "powerpark/json.h"
#include "powerpark/log.h"
#include "powerpark/output.h"

extern const char pp_scenario_yaml[];

struct run_opts {
	const char *file, *influx, *listen, *json;
	double speed, hours;
	int baseline, quiet;
};

static _Atomic int64_t sim_clock_ns;

static int64_t sim_clock(void *ud)
{
	(void)ud;
	return atomic_load(&sim_clock_ns);
}

static void sleep_until(int64_t mono_ns)
{
	int64_t now = pp_clock_mono_ns();
	if (mono_ns <= now)
		return;
	struct timespec ts = {(time_t)((mono_ns - now) / 1000000000),
			      (long)((mono_ns - now) % 1000000000)};
	nanosleep(&ts, NULL);
}

/* Reads the options into o; -1 when the day is to be played, otherwise
 * the exit status. */
static int parse(int argc, char **argv, struct run_opts *o)
{
	static const char about[] = /* --help, after the synopsis */
		"Plays a scenario day on a simulated park: first under proportional capping\n"
		"(the baseline), then under powerpark's controller with its dashboard on\n"
		"http://HOST:PORT/ (127.0.0.1:8080 by default), and prints both side by side.\n"
		"Without SCENARIO: the embedded Gwangju park (conf/scenarios/gwangju.yaml).\n";
	*o = (struct run_opts){.speed = -1, .baseline = 1};
	int no_baseline = 0;
	const struct pp_opt opts[] = {
		PP_STR("SCENARIO.yaml", &o->file, NULL, NULL),
		PP_NUM("--speed", &o->speed, 0, INFINITY, "X",
		       "simulated seconds a second (default: the day in 2 min)"),
		PP_SET("--live", &o->speed, 1, "real time (--speed 1)"),
		PP_SET("--fast", &o->speed, 0, "as fast as the machine goes (--speed 0)"),
		PP_DUR("--duration", &o->hours, "h", 0, INFINITY, "H",
		       "play H hours (or 90min) instead of the scenario's own",
		       .flags = PP_OPT_ABOVE),
		PP_STR("--influx", &o->influx, "URL",
		       "also write metrics to InfluxDB 1.x (or VictoriaMetrics) at URL,\n"
		       "e.g. http://127.0.0.1:8086/write?db=powerpark"),
		PP_STR("--listen", &o->listen, "HOST:PORT", "the dashboard and API (default "
		       "127.0.0.1:8080)"),
		PP_STR("--summary-json", &o->json, "FILE", "also write the summary as JSON (for "
		       "scripts and tests)"),
		PP_FLAG("--no-baseline", &no_baseline, "play only powerpark's day"),
		PP_FLAG("--quiet", &o->quiet, "no progress line"),
		PP_STR("-c", &o->file, "FILE", NULL),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"run", about, opts};
	int rc = pp_opts_parse(argc, argv, &cmd);
	o->baseline = !no_baseline;
	return rc;
}

/* The configured outputs, and one more for --influx. */
static enum pp_err outputs(const struct pp_config *cfg, const struct run_opts *o,
			   struct pp_output_conf *extra, struct pp_output **set,
			   struct pp_errbuf *eb)
{
	size_t n = cfg->noutputs;
	struct pp_output_conf *all = calloc(n + 1, sizeof *all);
	if (!all)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	memcpy(all, cfg->outputs, n * sizeof *all);
	if (o->influx) {
		pp_config_output_defaults(extra);
		extra->name = "influx";
		extra->type = strstr(o->influx, "/api/v1/import") ? PP_OUT_VICTORIA : PP_OUT_INFLUXDB;
		extra->url = o->influx;
		extra->flush_ms = 200;
		all[n++] = *extra;
	}
	enum pp_err e = pp_output_create(all, n, cfg->site.name, set, eb);
	free(all);
	return e;
}

/* One line a second, rewritten in place: the scenario's local clock (its
 * hour 0 is local midnight), the grid against its limit, what binds. */
static void progress(struct pp_day *d)
{
	struct pp_day_now n;
	pp_day_now(d, &n);
	double local = fmod(n.t_h, 24);
	int hh = (int)local, mm = (int)((local - hh) * 60);
	printf("\r%02d:%02d  grid %6.2f / %6.2f MW  IT %6.2f MW  binding %-16.16s  caps %3.0f %%  "
	       "held %2d jobs (%5d GPUs)%s ", hh, mm, n.grid_kw / 1000, n.limit_kw / 1000,
	       n.it_kw / 1000, n.binding[0] ? n.binding : "none", 100 * n.cap_frac, n.held_jobs,
	       n.held_gpus, n.tripped ? "  CHILLER TRIP" : "");
	fflush(stdout);
}

static const char *mark(const struct pp_day_level *l)
{
	return l->over_steps ? "CROSSED" : "ok";
}

static void level_row(const char *what, const struct pp_day_level *a,
		      const struct pp_day_level *b)
{
	char x[64], y[64];
	snprintf(x, sizeof x, "%.0f / %.0f kW %s", a->peak_kw, a->limit_kw, mark(a));
	if (b)
		snprintf(y, sizeof y, "%.0f / %.0f kW %s", b->peak_kw, b->limit_kw, mark(b));
	printf("  %-22s %-32s %s\n", what, x, b ? y : "");
}

/* How many levels (grid, site, each hall, worst row and rack, each plant)
 * went over their limit at some step. */
static int crossed_levels(const struct pp_day_result *r)
{
	int n = (r->grid.over_steps > 0) + (r->site.over_steps > 0) + (r->row.over_steps > 0) +
		(r->rack.over_steps > 0);
	for (size_t h = 0; h < r->nhalls; h++)
		n += r->halls[h].over_steps > 0;
	for (size_t q = 0; q < r->nplants; q++)
		n += r->plants[q].over_steps > 0;
	return n;
}

static void summary(const struct pp_scenario *sc, const struct pp_day_result *p,
		    const struct pp_day_result *b)
{
	printf("\n\n%s: %s\n", sc->name, sc->description ? sc->description : "");
	printf("  %-22s %-32s %s\n", "peak draw / limit", "powerpark", b ? "proportional capping" : "");
	level_row("grid (limit in force)", &p->grid, b ? &b->grid : NULL);
	level_row("site breaker", &p->site, b ? &b->site : NULL);
	for (size_t h = 0; h < p->nhalls; h++) {
		char w[40];
		snprintf(w, sizeof w, "hall %s", p->halls[h].name);
		level_row(w, &p->halls[h], b ? &b->halls[h] : NULL);
	}
	char w[64];
	snprintf(w, sizeof w, "worst row");
	level_row(w, &p->row, b ? &b->row : NULL);
	level_row("worst rack", &p->rack, b ? &b->rack : NULL);
	for (size_t q = 0; q < p->nplants; q++) {
		snprintf(w, sizeof w, "cooling %s", p->plants[q].name);
		level_row(w, &p->plants[q], b ? &b->plants[q] : NULL);
		char x[64], y[64] = "";
		snprintf(x, sizeof x, "%.0f min", p->reserve_h[q] * 60);
		if (b)
			snprintf(y, sizeof y, "%.0f min", b->reserve_h[q] * 60);
		printf("  %-22s %-32s %s\n", "  into its N+1 reserve", x, y);
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
		printf("  %-22s %-32s %s\n", names[i], col[0][i], b ? col[1][i] : "");
	}
	char rp[2][96] = {"", ""};
	for (int k = 0; k < 2 && r[k]; k++)
		snprintf(rp[k], sizeof rp[k], "+%.0f / -%.0f kW/min, %d over %.0f",
			 r[k]->ramp_up_max, r[k]->ramp_down_max, r[k]->ramp_over_steps,
			 r[k]->ramp_limit);
	if (p->ramp_limit > 0) {
		printf("  %-22s %-32s %s\n", "ramp (every step)", rp[0], rp[1]);
		printf("  %-22s %.2f MWh drawn by GPUs held down after their work stopped\n",
		       "  hold-down", p->holddown_kwh / 1000);
	}
	int crossed = crossed_levels(p);
	printf("\n  powerpark: %s", crossed ? "a limit was CROSSED (see above)\n"
					    : "no limit crossed all day\n");
	if (b)
		printf("  proportional capping: %d level(s) crossed; powerpark's priority-weighted "
		       "throughput %+.2f %% against it\n", crossed_levels(b),
		       b->value > 0 ? 100 * (p->value / b->value - 1) : 0);
}

static enum pp_err json_level(struct pp_buf *b, const struct pp_day_level *l, const char *sep)
{
	enum pp_err e = pp_buf_appendf(b, "{\"name\":");
	e = e ? e : pp_json_quote(b, l->name, strlen(l->name));
	return e ? e : pp_buf_appendf(b, ",\"peak_kw\":%.3f,\"limit_kw\":%.3f,\"worst_ratio\":%.6f,"
				      "\"over_steps\":%d,\"over_kwh\":%.3f}%s", l->peak_kw,
				      l->limit_kw, l->worst_ratio, l->over_steps, l->over_kwh, sep);
}

static enum pp_err json_result(struct pp_buf *b, const struct pp_day_result *r)
{
	enum pp_err e = pp_buf_appendf(b, "{\"crossed_levels\":%d,\"grid\":", crossed_levels(r));
	e = e ? e : json_level(b, &r->grid, ",\"site\":");
	e = e ? e : json_level(b, &r->site, ",\"row\":");
	e = e ? e : json_level(b, &r->row, ",\"rack\":");
	e = e ? e : json_level(b, &r->rack, ",\"halls\":[");
	for (size_t h = 0; h < r->nhalls && !e; h++)
		e = json_level(b, &r->halls[h], h + 1 < r->nhalls ? "," : "");
	e = e ? e : pp_buf_appendf(b, "],\"plants\":[");
	for (size_t p = 0; p < r->nplants && !e; p++)
		e = json_level(b, &r->plants[p], p + 1 < r->nplants ? "," : "");
	e = e ? e : pp_buf_appendf(b, "],\"reserve_h\":[");
	for (size_t p = 0; p < r->nplants && !e; p++)
		e = pp_buf_appendf(b, "%s%.4f", p ? "," : "", r->reserve_h[p]);
	return e ? e : pp_buf_appendf(b,
		"],\"work_gpu_h\":%.3f,\"want_gpu_h\":%.3f,\"value\":%.3f,"
		"\"value_want\":%.3f,\"deferred_gpu_h\":%.3f,\"jobs\":%d,\"jobs_deferred\":%d,"
		"\"jobs_done\":%d,\"jobs_unfinished\":%d,\"first_held_h\":%.4f,"
		"\"last_start_h\":%.4f,\"it_kwh\":%.3f,\"cooling_kwh\":%.3f,\"other_kwh\":%.3f,"
		"\"water_l\":%.1f,\"unmet_heat_kwh\":%.3f,\"pue\":%.5f,\"steps\":%ld,"
		"\"ramp_up_max_kw_per_min\":%.1f,\"ramp_up_at_h\":%.4f,"
		"\"ramp_down_max_kw_per_min\":%.1f,\"ramp_down_at_h\":%.4f,"
		"\"ramp_over_steps\":%d,\"holddown_kwh\":%.3f}",
		r->work_gpu_h, r->want_gpu_h, r->value, r->value_want, r->deferred_gpu_h, r->jobs,
		r->jobs_deferred, r->jobs_done, r->jobs_unfinished, r->first_held_h,
		r->last_start_h, r->it_kwh, r->cooling_kwh, r->other_kwh, r->water_l,
		r->unmet_heat_kwh, r->pue, r->steps, r->ramp_up_max, r->ramp_up_at_h,
		r->ramp_down_max, r->ramp_down_at_h, r->ramp_over_steps, r->holddown_kwh);
}

static int write_json(const char *path, const struct pp_day_result *p,
		      const struct pp_day_result *b)
{
	struct pp_buf out;
	pp_buf_init(&out);
	enum pp_err e = pp_buf_appendf(&out, "{\"powerpark\":");
	e = e ? e : json_result(&out, p);
	if (b) {
		e = e ? e : pp_buf_appendf(&out, ",\"proportional\":");
		e = e ? e : json_result(&out, b);
	}
	e = e ? e : pp_buf_appendf(&out, "}\n");
	FILE *f = e ? NULL : fopen(path, "w");
	int rc = f && fwrite(out.data, 1, out.len, f) == out.len ? 0 : -1;
	if (f && fclose(f))
		rc = -1;
	pp_buf_free(&out);
	return rc;
}

/* Plays the day under policy; with an API and pacing for the live one. */
static int play(const struct pp_config *cfg, const struct run_opts *o, enum pp_policy pol,
		struct pp_output *set, struct pp_day_result *res)
{
	struct pp_errbuf eb;
	struct pp_day *d = NULL;
	struct pp_api *api = NULL;
	int rc = 1;
	if (pp_day_create(cfg, pol, o->hours, &d, &eb)) {
		fprintf(stderr, "powerpark run: %s\n", eb.msg);
		return 1;
	}
	const struct pp_scenario *sc = cfg->scenario;
	double hours = o->hours > 0 ? o->hours : sc->hours;
	double speed = o->speed >= 0 ? o->speed : hours * 3600 / 120;
	if (pol == PP_POLICY_OPTIMAL) {
		const char *listen = o->listen ? o->listen : cfg->api.listen ? cfg->api.listen
									    : "127.0.0.1:8080";
		if (pp_api_start(pp_day_ctl(d), &cfg->api, listen, NULL, NULL, &api, &eb)) {
			/* The demo must run where 8080 is taken: any free port will do. */
			fprintf(stderr, "powerpark run: %s; trying another port\n", eb.msg);
			if (pp_api_start(pp_day_ctl(d), &cfg->api, "127.0.0.1:0", NULL, NULL, &api,
					 &eb)) {
				fprintf(stderr, "powerpark run: %s\n", eb.msg);
				goto out;
			}
		}
		pp_api_set_clock(api, sim_clock, NULL);
		printf("powerpark run: dashboard on http://127.0.0.1:%d/  (%s, %.0f h at %s)\n",
		       pp_api_port(api), sc->name, hours,
		       speed > 0 ? (speed == 1 ? "real time" : "accelerated") : "full speed");
		fflush(stdout);
	}
	int64_t t0 = pp_clock_mono_ns(), last = 0, day0 = sc->start_s * 1000000000LL;
	int r;
	while ((r = pp_day_step(d, &eb)) != 0 && !pp_cmd_stop) {
		if (r < 0)
			pp_log(PP_LOG_ERROR, "run", "%s", eb.msg);
		int64_t now = pp_day_clock_ns(d);
		atomic_store(&sim_clock_ns, now);
		if (set && pp_day_write(d, set) && (now / 1000000000) % 300 == 0 &&
		    pp_output_write_stats(set, now))
			pp_log(PP_LOG_WARN, "run", "could not write the outputs' counters");
		if (pol != PP_POLICY_OPTIMAL)
			continue;
		if (speed > 0)
			sleep_until(t0 + (int64_t)((double)(now - day0) / speed));
		if (!o->quiet && pp_clock_mono_ns() - last >= 1000000000LL) {
			last = pp_clock_mono_ns();
			progress(d);
		}
	}
	pp_day_result(d, res);
	rc = pp_cmd_stop ? 130 : 0;
out:
	pp_api_stop(api);
	pp_day_destroy(d);
	return rc;
}

int pp_cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	rc = 0;
	struct pp_config *cfg = pp_cmd_load(o.file, o.file ? NULL : pp_scenario_yaml,
					    "<embedded conf/scenarios/gwangju.yaml>");
	if (!cfg)
		return 1;
	if (!cfg->scenario) {
		fprintf(stderr, "powerpark run: %s has no 'scenario' section (see docs/run.md)\n",
			cfg->file);
		pp_config_destroy(cfg);
		return 1;
	}
	pp_cmd_catch_stop();
	struct pp_errbuf eb;
	struct pp_output_conf extra;
	memset(&extra, 0, sizeof extra);
	struct pp_output *set = NULL;
	if (outputs(cfg, &o, &extra, &set, &eb)) {
		fprintf(stderr, "powerpark run: %s\n", eb.msg);
		pp_config_destroy(cfg);
		return 1;
	}
	struct pp_day_result base, pp;
	memset(&base, 0, sizeof base);
	if (o.baseline) {
		printf("powerpark run: the day under proportional capping first (the baseline)...\n");
		fflush(stdout);
		rc = play(cfg, &o, PP_POLICY_GRID_PROPORTIONAL, NULL, &base);
	}
	if (!rc)
		rc = play(cfg, &o, PP_POLICY_OPTIMAL, set, &pp);
	if (!rc)
		summary(cfg->scenario, &pp, o.baseline ? &base : NULL);
	if (!rc && o.json && write_json(o.json, &pp, o.baseline ? &base : NULL)) {
		fprintf(stderr, "powerpark run: cannot write %s\n", o.json);
		rc = 1;
	}
	/* The counters at the day's last simulated moment, with its metrics. */
	if (pp_output_write_stats(set, atomic_load(&sim_clock_ns)))
		fprintf(stderr, "powerpark run: could not write output counters\n");
	pp_output_stop(set, 30000);
	for (size_t i = 0;; i++) {
		struct pp_output_stats os;
		const char *name = pp_output_get_stats(set, i, &os);
		if (!name)
			break;
		printf("  metrics to %s: %" PRIu64 " points sent, %" PRIu64 " dropped%s\n", name,
		       os.sent, os.dropped, os.spooled ? ", some spooled for later" : "");
	}
	pp_output_destroy(set, 0);
	pp_config_destroy(cfg);
	return rc;
}
