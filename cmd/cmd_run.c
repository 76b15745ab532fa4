/* cmd_run.c - `powerpark run [SCENARIO]`: a new user's first command. Plays
 * a scenario day (the embedded Gwangju park by default) under the
 * baselines (capping by breaker, uniform and by priority, and
 * grid-proportional capping), then under powerpark's controller with the
 * built-in dashboard and a progress line, and prints them side by side
 * (docs/run.md). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/buf.h"
#include "powerpark/day.h"
#include "powerpark/output.h"

extern const char pp_scenario_yaml[];

struct run_opts {
	const char *file, *influx, *listen, *json;
	double speed, hours;
	int baseline, quiet;
};

/* Reads the options into o; -1 when the day is to be played, otherwise
 * the exit status. */
static int parse(int argc, char **argv, struct run_opts *o)
{
	static const char about[] = /* --help, after the synopsis */
		"Plays a scenario day on a simulated park: first under three baselines (capping\n"
		"by breaker, uniform and by priority, which keep every limit; and proportional\n"
		"capping by the grid meter alone), then under powerpark's controller with its\n"
		"dashboard on http://HOST:PORT/ (127.0.0.1:8080 by default), and prints them\n"
		"side by side.\n"
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
		PP_FLAG("--no-baseline", &no_baseline, "play only powerpark's day (no baselines)"),
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

/* Writes the summary as JSON to path (borrowed); 0 or -1. */
static int write_json(const char *path, const struct pp_day_side *s, size_t n)
{
	struct pp_buf out;
	pp_buf_init(&out);
	enum pp_err e = pp_day_summary_json(&out, s, n);
	FILE *f = e ? NULL : fopen(path, "w");
	int rc = f && fwrite(out.data, 1, out.len, f) == out.len ? 0 : -1;
	if (f && fclose(f))
		rc = -1;
	pp_buf_free(&out);
	return rc;
}

int pp_cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int rc = parse(argc, argv, &o);
	if (rc >= 0)
		return rc;
	rc = 0;
	struct pp_config *cfg = pp_cmd_load_park(o.file, o.file ? NULL : pp_scenario_yaml,
						 "<embedded conf/scenarios/gwangju.yaml>", "run");
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
	/* powerpark first in the summary, the baselines after it. */
	static struct pp_day_result res[PP_DAY_SIDES];
	static const struct {
		enum pp_policy pol;
		const char *name, *key;
	} sides[PP_DAY_SIDES] = {
		{PP_POLICY_OPTIMAL, "powerpark", "powerpark"},
		{PP_POLICY_UNIFORM, "uniform by breaker", "uniform"},
		{PP_POLICY_PRIORITY, "priority by breaker", "priority"},
		{PP_POLICY_GRID_PROPORTIONAL, "grid-proportional", "grid_proportional"},
	};
	struct pp_day_side side[PP_DAY_SIDES];
	size_t n = o.baseline ? PP_DAY_SIDES : 1;
	const struct pp_day_play_opts po = {o.hours, o.speed, o.listen, o.quiet};
	for (size_t k = 1; k < n && !rc; k++) {
		printf("powerpark run: the day under %s first (a baseline)...\n", sides[k].name);
		fflush(stdout);
		rc = pp_day_play(cfg, &po, sides[k].pol, NULL, &pp_cmd_stop, &res[k]);
	}
	if (!rc)
		rc = pp_day_play(cfg, &po, PP_POLICY_OPTIMAL, set, &pp_cmd_stop, &res[0]);
	for (size_t k = 0; k < n; k++)
		side[k] = (struct pp_day_side){sides[k].name, sides[k].key, &res[k]};
	if (!rc)
		pp_day_summary(stdout, cfg->scenario, side, n);
	if (!rc && o.json && write_json(o.json, side, n)) {
		fprintf(stderr, "powerpark run: cannot write %s\n", o.json);
		rc = 1;
	}
	/* The counters at the day's last simulated moment, with its metrics. */
	if (pp_output_write_stats(set, pp_day_play_clock()))
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
