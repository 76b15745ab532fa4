/* bench_plant.c FILE.epw - the plant model on one core: a whole year of
 * hourly weather (8,760 evaluations) per design, median of 21 runs, and
 * evaluations per second. The load follows a day/night swing so every
 * regime (free, partial, chillers) is visited. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "powerpark/clock.h"
#include "powerpark/log.h"
#include "powerpark/plant.h"
#include "powerpark/weather.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	enum { RUNS = 21 };
	if (argc < 2) {
		fprintf(stderr, "usage: bench_plant FILE.epw\n");
		return 2;
	}
	struct pp_weather w;
	struct pp_errbuf eb;
	if (pp_weather_load(argv[1], &w, &eb)) {
		fprintf(stderr, "bench_plant: %s\n", eb.msg);
		return 1;
	}
	static const struct {
		const char *name;
		enum pp_plant_design d;
		double supply, ret;
	} designs[] = {{"water_towers", PP_PLANT_WATER_TOWERS, 18, 24},
		       {"air_chillers", PP_PLANT_AIR_CHILLERS, 12, 18},
		       {"liquid_dry", PP_PLANT_LIQUID_DRY, 35, 45}};
	for (size_t k = 0; k < 3; k++) {
		struct pp_plant_model p;
		if (pp_plant_init(&p, designs[k].d, NULL, 8, 3000, 1, designs[k].supply,
				  designs[k].ret))
			return 1;
		double ms[RUNS], sink = 0;
		for (int r = 0; r < RUNS; r++) {
			int64_t t0 = pp_clock_mono_ns();
			for (size_t i = 0; i < w.n; i++) {
				struct pp_plant_out o;
				double load = 15000 + 3000 * sin(2 * M_PI * (double)i / 24.0);
				pp_plant_eval(&p, load, w.h[i].db_c, w.h[i].wb_c, &o);
				sink += o.cooling_kw;
			}
			ms[r] = (double)(pp_clock_mono_ns() - t0) / 1e6;
		}
		qsort(ms, RUNS, sizeof ms[0], cmp);
		printf("plant_%s_year_ms %.3f\nplant_%s_evals_per_s %.0f\n", designs[k].name,
		       ms[RUNS / 2], designs[k].name, (double)w.n / (ms[RUNS / 2] / 1000.0));
		if (!(sink > 0))
			return 1;
	}
	pp_weather_free(&w);
	return 0;
}
