/* cmd_run.c - `powerpark run [SCENARIO]`: a new user's first command. Plays
 * a scenario day (the embedded Gwangju park by default) under proportional
 * capping, then under powerpark's controller with the built-in dashboard
 * and a progress line, and prints the two side by side (docs/run.md). */
#include <inttypes.h>
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

static int usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: powerpark run [SCENARIO.yaml] [--speed X | --live | --fast] [--duration H]\n"
		"                     [--influx URL] [--listen HOST:PORT] [--no-baseline] [--quiet]\n\n"
		"Plays a scenario day on a simulated park: first under proportional capping\n"
		"(the baseline), then under powerpark's controller with its dashboard on\n"
		"http://HOST:PORT/ (127.0.0.1:8080 by default), and prints both side by side.\n"
		"Without SCENARIO: the embedded Gwangju park (conf/scenarios/gwangju.yaml).\n\n"
		"  --speed X     simulated seconds per second (default: the day in about 2 min)\n"
		"  --live        real time (--speed 1);  --fast: as fast as the machine goes\n"
		"  --duration H  play H hours instead of the scenario's own length\n"
		"  --influx URL  also write metrics to InfluxDB 1.x (or VictoriaMetrics) at URL,\n"
		"                e.g. http://127.0.0.1:8086/write?db=powerpark\n"
		"  --summary-json FILE  also write the summary as JSON (for scripts and tests)\n");
	return rc;
}

static int parse(int argc, char **argv, struct run_opts *o)
{
	*o = (struct run_opts){.speed = -1, .baseline = 1};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(0) - 1;
		if ((!strcmp(a, "--speed") || !strcmp(a, "--duration")) && v) {
			double x = strtod(v, &end);
			if (*end || end == v || x < 0 || (a[2] == 'd' && x <= 0)) {
				fprintf(stderr, "powerpark run: %s: expected a number %s, got '%s'\n", a,
					a[2] == 'd' ? "of hours > 0" : ">= 0", v);
				return 2;
			}
			*(a[2] == 's' ? &o->speed : &o->hours) = x;
			i++;
		} else if (!strcmp(a, "--live")) {
			o->speed = 1;
		} else if (!strcmp(a, "--fast")) {
			o->speed = 0;
		} else if (!strcmp(a, "--influx") && v) {
			o->influx = argv[++i];
		} else if (!strcmp(a, "--summary-json") && v) {
			o->json = argv[++i];
		} else if (!strcmp(a, "--listen") && v) {
			o->listen = argv[++i];
		} else if (!strcmp(a, "--no-baseline")) {
			o->baseline = 0;
		} else if (!strcmp(a, "--quiet")) {
			o->quiet = 1;
		} else if (!strcmp(a, "-c") && v) {
			o->file = argv[++i];
		} else if (a[0] != '-' && !o->file) {
			o->file = a;
		} else {
			fprintf(stderr, "powerpark run: unexpected argument '%s' (see --help)\n", a);
			return 2;
		}
	}
	return 0;
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
static int write_json(const char *path, const struct pp_day_result *p,
		      const struct pp_day_result *b)
{
	struct pp_buf out;
	pp_buf_init(&out);
	enum pp_err e = pp_day_summary_json(&out, p, b);
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
	if (rc)
		return rc < 0 ? 0 : rc;
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
	const struct pp_day_play_opts po = {o.hours, o.speed, o.listen, o.quiet};
	if (o.baseline) {
		printf("powerpark run: the day under proportional capping first (the baseline)...\n");
		fflush(stdout);
		rc = pp_day_play(cfg, &po, PP_POLICY_GRID_PROPORTIONAL, NULL, &pp_cmd_stop, &base);
	}
	if (!rc)
		rc = pp_day_play(cfg, &po, PP_POLICY_OPTIMAL, set, &pp_cmd_stop, &pp);
	if (!rc)
		pp_day_summary(stdout, cfg->scenario, &pp, o.baseline ? &base : NULL);
	if (!rc && o.json && write_json(o.json, &pp, o.baseline ? &base : NULL)) {
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
