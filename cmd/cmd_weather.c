/* cmd_weather.c - `powerpark weather FILE.epw`: a year of weather at a glance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/json.h"
#include "powerpark/weather.h"

/* The summary as one line of JSON (the shape it_weather.sh reads). */
static int print_json(const char *file, const struct pp_weather *w,
		      const struct pp_weather_summary *s)
{
	struct pp_buf b;
	struct pp_json j;
	pp_buf_init(&b);
	pp_json_init(&j, &b);
	pp_json_obj(&j);
	pp_json_kstr(&j, "file", file);
	pp_json_key(&j, "location");
	pp_json_obj(&j);
	pp_json_kstr(&j, "city", w->city);
	pp_json_kstr(&j, "region", w->region);
	pp_json_kstr(&j, "country", w->country);
	pp_json_kstr(&j, "source", w->source);
	pp_json_kstr(&j, "wmo", w->wmo);
	pp_json_knum(&j, "lat", w->lat, 4);
	pp_json_knum(&j, "lon", w->lon, 4);
	pp_json_knum(&j, "tz_h", w->tz_h, 1);
	pp_json_knum(&j, "elev_m", w->elev_m, 1);
	pp_json_end(&j);
	pp_json_kint(&j, "hours", (long long)w->n);
	pp_json_kint(&j, "filled_values", (long long)w->filled);
	pp_json_key(&j, "dry_bulb_c");
	pp_json_obj(&j);
	pp_json_knum(&j, "min", s->db_min, 2);
	pp_json_knum(&j, "mean", s->db_mean, 2);
	pp_json_knum(&j, "max", s->db_max, 2);
	pp_json_end(&j);
	pp_json_key(&j, "wet_bulb_c");
	pp_json_obj(&j);
	pp_json_knum(&j, "max", s->wb_max, 2);
	pp_json_knum(&j, "p0_4", s->wb_04, 2);
	pp_json_end(&j);
	pp_json_key(&j, "hours_wet_bulb_le");
	pp_json_obj(&j);
	pp_json_kint(&j, "10", s->wb_le10_h);
	pp_json_kint(&j, "15", s->wb_le15_h);
	pp_json_kint(&j, "20", s->wb_le20_h);
	pp_json_end(&j);
	pp_json_key(&j, "free_cooling");
	pp_json_obj(&j);
	pp_json_knum(&j, "chw_supply_c", s->chw_supply, 1);
	pp_json_knum(&j, "chw_return_c", s->chw_return, 1);
	pp_json_knum(&j, "hx_approach_k", s->hx_approach, 1);
	pp_json_kint(&j, "full_h", s->free_full_h);
	pp_json_kint(&j, "partial_h", s->free_partial_h);
	pp_json_end(&j);
	pp_json_end(&j);
	int rc = pp_json_done(&j) ? -1 : 0;
	if (!rc)
		printf("%s\n", b.data);
	pp_buf_free(&b);
	return rc;
}

static void print_text(const struct pp_weather *w, const struct pp_weather_summary *s)
{
	printf("%s, %s, %s (%s %s): %.2f, %.2f, %.0f m, UTC%+.1f\n", w->city, w->region,
	       w->country, w->source, w->wmo, w->lat, w->lon, w->elev_m, w->tz_h);
	printf("  %zu hours%s\n", w->n, w->filled ? " (some values missing, interpolated)" : "");
	printf("  dry-bulb     min %6.1f  mean %5.1f  max %5.1f C\n", s->db_min, s->db_mean,
	       s->db_max);
	printf("  wet-bulb     max %6.1f  0.4 %% %5.1f C\n", s->wb_max, s->wb_04);
	printf("  hours with wet-bulb <= 10 C %5d, <= 15 C %5d, <= 20 C %5d\n", s->wb_le10_h,
	       s->wb_le15_h, s->wb_le20_h);
	printf("  free cooling (supply %.1f C, return %.1f C, HX approach %.1f K): "
	       "full %d h, partial %d h, none %d h\n",
	       s->chw_supply, s->chw_return, s->hx_approach, s->free_full_h, s->free_partial_h,
	       (int)w->n - s->free_full_h - s->free_partial_h);
}

int pp_cmd_weather(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Reads an EnergyPlus weather file and prints its location, dry-bulb\n"
		"min/mean/max, hours with wet-bulb <= 10, 15 and 20 C, the 0.4 % wet-bulb,\n"
		"and hours of full and partial water-side free cooling for the chilled-\n"
		"water supply and return; with --json, the same as one line of JSON for\n"
		"scripts.\n";
	const char *file = NULL;
	double supply = 18, ret = -1, hx = 1.5;
	int json = 0;
	const struct pp_opt opts[] = {
		PP_STR("FILE.epw", &file, NULL, NULL, .flags = PP_OPT_REQUIRED),
		PP_NUM("--chw-supply", &supply, -INFINITY, INFINITY, "C",
		       "chilled-water supply (default 18)"),
		PP_NUM("--chw-return", &ret, -INFINITY, INFINITY, "C",
		       "chilled-water return (default supply + 6)"),
		PP_NUM("--hx-approach", &hx, -INFINITY, INFINITY, "K",
		       "plate heat exchanger approach (default 1.5)"),
		PP_FLAG("--json", &json, "the summary as one line of JSON"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"weather", about, opts};
	int rc = pp_opts_parse(argc, argv, &cmd);
	if (rc >= 0)
		return rc;
	if (ret < 0)
		ret = supply + 6;
	if (ret <= supply)
		return pp_opts_fail(&cmd, "--chw-return %.1f must be above --chw-supply %.1f", ret,
				    supply);
	struct pp_weather w;
	struct pp_errbuf eb;
	if (pp_weather_load(file, &w, &eb)) {
		fprintf(stderr, "powerpark weather: %s\n", eb.msg);
		return 1;
	}
	struct pp_weather_summary s;
	pp_weather_summarize(&w, supply, ret, hx, &s);
	rc = 0;
	if (json)
		rc = print_json(file, &w, &s);
	else
		print_text(&w, &s);
	pp_weather_free(&w);
	return rc ? 1 : 0;
}
