/* cmd_run.c - `powerpark run`: a new user's first command. Loads the embedded
 * demo park, simulates an accelerated day of rack, hall and site power, and
 * writes it through the configured outputs (rotated .lp files by default).
 *
 * The collectors, optimizer and dashboard of later milestones plug into this
 * same loop; today it exercises configuration, metrics and outputs end to end. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/config.h"
#include "powerpark/log.h"
#include "powerpark/output.h"

extern const char pp_demo_yaml[];

/* Fraction of peak GPU power the park draws at hour h: training runs all day,
 * inference follows people. */
static double demand(double h, unsigned rack)
{
	double diurnal = 0.5 - 0.5 * cos((h - 4.0) / 24.0 * 2 * M_PI);
	double jitter = 0.03 * sin(h * 7.3 + rack * 1.7);
	return 0.55 + 0.35 * diurnal + jitter;
}

int pp_cmd_run(int argc, char **argv)
{
	const char *cfgfile = NULL;
	int hours = 24, step_s = 60;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: powerpark run [-c FILE] [--hours N] [--step S]\n\n"
			       "Simulates an accelerated day of a small GPU park (the embedded\n"
			       "demo, or FILE) and writes rack, hall and site power as line\n"
			       "protocol through the configured outputs.\n");
			return 0;
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			cfgfile = argv[++i];
		} else if (!strcmp(argv[i], "--hours") && i + 1 < argc) {
			hours = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--step") && i + 1 < argc) {
			step_s = atoi(argv[++i]);
		} else {
			fprintf(stderr, "powerpark run: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (hours < 1 || hours > 24 * 366 || step_s < 1) {
		fprintf(stderr, "powerpark run: --hours must be 1..8784 and --step >= 1\n");
		return 2;
	}
	struct pp_config *cfg = pp_cmd_load(cfgfile, cfgfile ? NULL : pp_demo_yaml,
					    "<embedded demo.yaml>");
	if (!cfg)
		return 1;
	struct pp_errbuf eb;
	struct pp_outset *set = NULL;
	if (pp_outset_create(cfg->outputs, cfg->noutputs, cfg->site.name, &set, &eb)) {
		fprintf(stderr, "powerpark run: %s\n", eb.msg);
		pp_config_destroy(cfg);
		return 1;
	}
	printf("powerpark run: simulating %d h of site '%s' (%zu halls) at %d s steps\n", hours,
	       cfg->site.name, cfg->nhalls, step_s);
	int64_t t0 = (pp_now_wall_ns() / 86400000000000LL) * 86400000000000LL;
	double peak = 0, energy_kwh = 0, limit = cfg->site.import_limit_kw;
	size_t points = 0, over = 0;
	long steps = (long)hours * 3600 / step_s;
	for (long st = 0; st < steps; st++) {
		double h = (double)st * step_s / 3600.0;
		int64_t ts = t0 + (int64_t)st * step_s * 1000000000LL;
		double site_kw = cfg->site.other_kw;
		unsigned rk = 0;
		for (size_t hi = 0; hi < cfg->nhalls; hi++) {
			struct pp_hall *hall = &cfg->halls[hi];
			double hall_kw = hall->base_kw;
			for (size_t r = 0; r < hall->nrows; r++) {
				struct pp_row *row = &hall->rows[r];
				for (size_t k = 0; k < row->nracks; k++, rk++) {
					struct pp_rack *rack = &row->racks[k];
					double gpu_w = 700.0 * demand(h, rk);
					double kw = rack->base_kw + rack->gpus * gpu_w / 1000.0;
					if (kw > rack->limit_kw)
						kw = rack->limit_kw;
					hall_kw += kw;
					struct pp_tag tags[] = {{"site", cfg->site.name}, {"hall", hall->name},
								{"row", row->name}, {"rack", rack->name}};
					struct pp_field f[] = {
						{.key = "power_w", .type = PP_F_FLOAT, .v.f = round(kw * 1000)},
						{.key = "limit_w", .type = PP_F_FLOAT, .v.f = rack->limit_kw * 1000}};
					struct pp_sample s = {"rack", tags, 4, f, 2, ts, 1};
					if (pp_outset_write(set, &s, 1) == PP_OK)
						points++;
				}
			}
			site_kw += hall_kw;
		}
		double cooling_kw = site_kw * 0.18;
		double grid_kw = site_kw + cooling_kw;
		struct pp_tag stags[] = {{"site", cfg->site.name}};
		struct pp_field sf[] = {
			{.key = "grid_kw", .type = PP_F_FLOAT, .v.f = round(grid_kw * 10) / 10},
			{.key = "limit_kw", .type = PP_F_FLOAT, .v.f = limit},
			{.key = "it_kw", .type = PP_F_FLOAT, .v.f = round(site_kw * 10) / 10},
			{.key = "cooling_kw", .type = PP_F_FLOAT, .v.f = round(cooling_kw * 10) / 10},
			{.key = "pue", .type = PP_F_FLOAT, .v.f = round(grid_kw / site_kw * 1000) / 1000}};
		struct pp_sample ss = {"site", stags, 1, sf, 5, ts, 1};
		if (pp_outset_write(set, &ss, 1) == PP_OK)
			points++;
		if (grid_kw > peak)
			peak = grid_kw;
		if (grid_kw > limit)
			over++;
		energy_kwh += grid_kw * step_s / 3600.0;
	}
	if (pp_outset_write_stats(set, pp_now_wall_ns()))
		fprintf(stderr, "powerpark run: could not write output counters\n");
	pp_outset_stop(set, 30000);
	printf("  grid peak %.0f kW against a %.0f kW import limit (%zu steps above it: "
	       "capping arrives with the optimizer)\n", peak, limit, over);
	printf("  energy %.1f MWh over %d h\n", energy_kwh / 1000, hours);
	for (size_t i = 0;; i++) {
		struct pp_output_stats os;
		const char *name = pp_outset_stats(set, i, &os);
		if (!name)
			break;
		printf("  output %s (%s): %" PRIu64 " points sent, %" PRIu64 " dropped%s%s\n", name,
		       cfg->outputs[i].type == PP_OUT_FILE ? cfg->outputs[i].path : cfg->outputs[i].url,
		       os.sent, os.dropped, os.spooled ? ", some spooled" : "",
		       os.sent + os.rejected >= points ? "" : " (not all delivered)");
	}
	pp_outset_destroy(set, 0);
	pp_config_destroy(cfg);
	return 0;
}
