/* cmd_weather.c - `powerpark weather FILE.epw`: a year of weather at a glance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/weather.h"

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: powerpark weather FILE.epw [--chw-supply C] [--chw-return C]\n"
		   "                                 [--hx-approach K] [--json]\n\n"
		   "Reads an EnergyPlus weather file and prints its location, dry-bulb\n"
		   "min/mean/max, hours with wet-bulb <= 10, 15 and 20 C, the 0.4 %% wet-bulb,\n"
		   "and hours of full and partial water-side free cooling for the chilled-\n"
		   "water supply (default 18 C) and return (default supply + 6 C).\n");
	return rc;
}

static int num_arg(const char *opt, const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	if (end == s || *end) {
		fprintf(stderr, "powerpark weather: %s: expected a number, got '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

int pp_cmd_weather(int argc, char **argv)
{
	const char *file = NULL;
	double supply = 18, ret = -1, hx = 1.5;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(stdout, 0);
		if (!strcmp(a, "--json")) {
			json = 1;
		} else if (i + 1 < argc && (!strcmp(a, "--chw-supply") || !strcmp(a, "--chw-return") ||
					    !strcmp(a, "--hx-approach"))) {
			double tmp;
			if (num_arg(a, argv[++i], &tmp))
				return 2;
			if (!strcmp(a, "--chw-supply"))
				supply = tmp;
			else if (!strcmp(a, "--chw-return"))
				ret = tmp;
			else
				hx = tmp;
		} else if (a[0] != '-' && !file) {
			file = a;
		} else {
			fprintf(stderr, "powerpark weather: unexpected argument '%s'\n", a);
			return usage(stderr, 2);
		}
	}
	if (!file)
		return usage(stderr, 2);
	if (ret < 0)
		ret = supply + 6;
	if (ret <= supply) {
		fprintf(stderr, "powerpark weather: --chw-return %.1f must be above --chw-supply %.1f\n",
			ret, supply);
		return 2;
	}
	struct pp_weather w;
	struct pp_errbuf eb;
	if (pp_weather_load(file, &w, &eb)) {
		fprintf(stderr, "powerpark weather: %s\n", eb.msg);
		return 1;
	}
	struct pp_weather_summary s;
	pp_weather_summarize(&w, supply, ret, hx, &s);
	if (json) {
		printf("{\"file\":\"%s\",\"location\":{\"city\":\"%s\",\"region\":\"%s\","
		       "\"country\":\"%s\",\"source\":\"%s\",\"wmo\":\"%s\",\"lat\":%.4f,"
		       "\"lon\":%.4f,\"tz_h\":%.1f,\"elev_m\":%.1f},\"hours\":%zu,"
		       "\"filled_values\":%zu,\"dry_bulb_c\":{\"min\":%.2f,\"mean\":%.2f,"
		       "\"max\":%.2f},\"wet_bulb_c\":{\"max\":%.2f,\"p0_4\":%.2f},"
		       "\"hours_wet_bulb_le\":{\"10\":%d,\"15\":%d,\"20\":%d},"
		       "\"free_cooling\":{\"chw_supply_c\":%.1f,\"chw_return_c\":%.1f,"
		       "\"hx_approach_k\":%.1f,\"full_h\":%d,\"partial_h\":%d}}\n",
		       file, w.city, w.region, w.country, w.source, w.wmo, w.lat, w.lon, w.tz_h,
		       w.elev_m, w.n, w.filled, s.db_min, s.db_mean, s.db_max, s.wb_max, s.wb_04,
		       s.wb_le10_h, s.wb_le15_h, s.wb_le20_h, s.chw_supply, s.chw_return,
		       s.hx_approach, s.free_full_h, s.free_partial_h);
	} else {
		printf("%s, %s, %s (%s %s): %.2f, %.2f, %.0f m, UTC%+.1f\n", w.city, w.region,
		       w.country, w.source, w.wmo, w.lat, w.lon, w.elev_m, w.tz_h);
		printf("  %zu hours%s\n", w.n, w.filled ? " (some values missing, interpolated)" : "");
		printf("  dry-bulb     min %6.1f  mean %5.1f  max %5.1f C\n", s.db_min, s.db_mean,
		       s.db_max);
		printf("  wet-bulb     max %6.1f  0.4 %% %5.1f C\n", s.wb_max, s.wb_04);
		printf("  hours with wet-bulb <= 10 C %5d, <= 15 C %5d, <= 20 C %5d\n", s.wb_le10_h,
		       s.wb_le15_h, s.wb_le20_h);
		printf("  free cooling (supply %.1f C, return %.1f C, HX approach %.1f K): "
		       "full %d h, partial %d h, none %d h\n",
		       s.chw_supply, s.chw_return, s.hx_approach, s.free_full_h, s.free_partial_h,
		       (int)w.n - s.free_full_h - s.free_partial_h);
	}
	pp_weather_free(&w);
	return 0;
}
