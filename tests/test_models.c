/* test_models.c - the physical models against MODELS.md's check values and
 * physical sanity over their whole range; the curve fit; the ODE against its
 * closed form; the EPW reader on good and bad files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "powerpark/chiller.h"
#include "powerpark/config.h"
#include "powerpark/curve.h"
#include "powerpark/gpu.h"
#include "powerpark/heatrej.h"
#include "powerpark/plant.h"
#include "powerpark/psychro.h"
#include "powerpark/thermal.h"
#include "powerpark/weather.h"
#include "pp_test.h"

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

static void t_psychro(void)
{
	/* ASHRAE Fundamentals table values: 2.3392 kPa at 20 C, 0.25990 kPa
	 * over ice at -10 C. */
	PT_CHECK(NEAR(pp_psychro_pws(20), 2339.2, 1.0), "pws(20) = %g", pp_psychro_pws(20));
	PT_CHECK(NEAR(pp_psychro_pws(-10), 259.90, 0.2), "pws(-10) = %g", pp_psychro_pws(-10));
	/* MODELS.md check: 30 C, 70 % RH, sea level -> wet-bulb about 25.5 C. */
	double dp = pp_psychro_dewpoint_from_rh(30, 70);
	double wb = pp_psychro_wetbulb(30, dp, 101325);
	PT_CHECK(NEAR(wb, 25.5, 0.15), "wet-bulb at 30 C / 70 %% = %.3f", wb);
	PT_CHECK(NEAR(pp_psychro_pws(dp), 0.7 * pp_psychro_pws(30), 0.01),
		 "dew point does not invert RH");
	/* Everywhere: dew point <= wet-bulb <= dry-bulb, equal at saturation. */
	for (double db = -30; db <= 50; db += 2.5)
		for (double rh = 5; rh <= 100; rh += 5) {
			double d = pp_psychro_dewpoint_from_rh(db, rh);
			double w = pp_psychro_wetbulb(db, d, 101325);
			PT_CHECK(d <= w + 1e-6 && w <= db + 1e-6, "db %g rh %g: dp %g wb %g", db, rh,
				 d, w);
			if (rh == 100)
				PT_CHECK(NEAR(w, db, 1e-3), "saturated: wb %g != db %g", w, db);
		}
	PT_CHECK(NEAR(pp_psychro_pressure_at(0), 101325, 1) &&
			 NEAR(pp_psychro_pressure_at(1000), 89875, 10),
		 "standard pressure");
	double wr = pp_psychro_w_from_dewpoint(dp, 101325);
	PT_CHECK(NEAR(pp_psychro_enthalpy(30, wr), 1.006 * 30 + wr * (2501 + 1.86 * 30), 1e-9) &&
			 wr > 0.018 && wr < 0.020,
		 "humidity ratio %g", wr);
}

static void t_chiller(void)
{
	const struct pp_chiller_model *d = pp_chiller_find("doe2-centrifugal");
	const struct pp_chiller_model *a = pp_chiller_find("ashrae901-aircooled");
	PT_CHECK(d && a && pp_chiller_find("york-yk-4396") && !pp_chiller_find("nope"),
		 "named models");
	if (!d || !a)
		return;
	double c = pp_chiller_curve(d, d->capft, 6.67, 29.4);
	PT_CHECK(NEAR(c, 1.003, 0.005), "DOE-2 CAPFT(6.67, 29.4) = %.4f", c);
	double ca = pp_chiller_curve(a, a->capft, 6.67, 35), ea = pp_chiller_curve(a, a->eirft, 6.67, 35);
	PT_CHECK(NEAR(ca, 1.0, 0.005) && NEAR(ea, 1.0, 0.005), "air-cooled CAPFT %.4f EIRFT %.4f",
		 ca, ea);
	/* Clamped: beyond the range the curve holds its edge value. */
	PT_CHECK(pp_chiller_curve(d, d->capft, 6.67, 50) == pp_chiller_curve(d, d->capft, 6.67, 35),
		 "y not clamped");
	int n;
	const struct pp_chiller_model *m = pp_chiller_models(&n);
	for (int k = 0; k < n; k++) {
		double prev_cap = INFINITY;
		for (double y = m[k].y_min; y <= m[k].y_max; y += 0.5) {
			struct pp_chiller_out o;
			pp_chiller_eval(&m[k], 1000, 0, m[k].x_ref, y, &o);
			PT_CHECK(o.cap_kw <= prev_cap + 1e-9, "%s: capacity rises with condenser %g",
				 m[k].name, y);
			prev_cap = o.cap_kw;
			double prev_p = 0;
			for (double l = 50; l <= 1000; l += 50) {
				pp_chiller_eval(&m[k], 1000, l, m[k].x_ref, y, &o);
				PT_CHECK(o.power_kw >= prev_p - 1e-9 && o.power_kw >= 0,
					 "%s: power falls with load at %g kW, y %g", m[k].name, l, y);
				PT_CHECK(o.cop > 0.5 && o.cop < 20, "%s: COP %g at load %g y %g",
					 m[k].name, o.cop, l, y);
				prev_p = o.power_kw;
			}
		}
		/* At the reference point and full load, COP is the reference COP. */
		struct pp_chiller_out o;
		pp_chiller_eval(&m[k], 1000, 10000, m[k].x_ref, m[k].y_ref, &o);
		double f = m[k].eirfplr[0] + m[k].eirfplr[1] + m[k].eirfplr[2];
		double eir = pp_chiller_curve(&m[k], m[k].eirft, m[k].x_ref, m[k].y_ref);
		double capft = pp_chiller_curve(&m[k], m[k].capft, m[k].x_ref, m[k].y_ref);
		PT_CHECK(NEAR(o.cop, m[k].cop_ref * capft / (capft * eir * f), 1e-6) &&
				 o.unmet_kw > 0,
			 "%s: full-load COP %g", m[k].name, o.cop);
	}
}

static void t_tower(void)
{
	double ap = pp_heatrej_tower_approach(25.6, 5.6, 1.0);
	PT_CHECK(NEAR(ap, 3.86, 0.05), "approach(25.6, 5.6, 1) = %.3f", ap);
	for (double wb = -10; wb <= 26; wb += 2) {
		PT_CHECK(pp_heatrej_tower_approach(wb, 8, 1) > pp_heatrej_tower_approach(wb, 4, 1),
			 "approach not rising with range at wb %g", wb);
		PT_CHECK(pp_heatrej_tower_approach(wb, 5.6, 1.5) > pp_heatrej_tower_approach(wb, 5.6, 1.0),
			 "approach not rising with LG at wb %g", wb);
	}
	struct pp_tower t;
	pp_heatrej_tower_init(&t, 10000);
	struct pp_tower_out o, lo;
	pp_heatrej_tower_eval(&t, 10000, 24, -100, &o);
	double l_per_kwh = o.water_lph / 10000;
	PT_CHECK(l_per_kwh > 1.3 && l_per_kwh < 2.2, "tower water %.2f L/kWh", l_per_kwh);
	PT_CHECK(NEAR(o.blowdown_lph, o.evap_lph / 3 - o.drift_lph, 1e-6), "blowdown");
	pp_heatrej_tower_eval(&t, 5000, 10, 25, &lo);
	PT_CHECK(lo.fan_kw < o.fan_kw && lo.leave_c <= 25 + 0.05 && lo.water_lph < o.water_lph,
		 "part load: fan %g leave %g", lo.fan_kw, lo.leave_c);
	pp_heatrej_tower_eval(&t, 10000, 26, 20, &o); /* setpoint not reachable: fans flat out */
	PT_CHECK(o.air_ratio == 1.0 && o.leave_c > 20, "unreachable setpoint");
	struct pp_drycooler d;
	pp_heatrej_dry_init(&d, 1000);
	pp_heatrej_dry_eval(&d, 1000, 20, 30, &o);
	PT_CHECK(o.water_lph == 0 && o.leave_c <= 30.05 && o.air_ratio < 1, "dry cooler %g %g",
		 o.leave_c, o.air_ratio);
	PT_CHECK(pp_heatrej_economizer(10, 1.5, 18, 24) == 1 &&
			 pp_heatrej_economizer(30, 1.5, 18, 24) == 0 &&
			 NEAR(pp_heatrej_economizer(19.5, 1.5, 18, 24), 0.5, 1e-12),
		 "economizer fractions");
}

static void t_plant(void)
{
	struct pp_plant_model p;
	PT_CHECK(pp_plant_init(&p, PP_PLANT_WATER_TOWERS, NULL, 4, 3000, 1, 18, 24) == 0,
		 "init");
	PT_CHECK(pp_plant_init(&p, PP_PLANT_WATER_TOWERS, "nope", 4, 3000, 1, 18, 24) < 0,
		 "unknown model accepted");
	pp_plant_init(&p, PP_PLANT_WATER_TOWERS, NULL, 4, 3000, 1, 18, 24);
	struct pp_plant_out o;
	double prev = -1;
	for (double wb = -10; wb <= 28; wb += 0.5) {
		pp_plant_eval(&p, 8000, wb + 5, wb, &o);
		PT_CHECK(o.cooling_kw >= prev - 1e-6, "cooling falls with wet-bulb at %g: %g < %g", wb,
			 o.cooling_kw, prev);
		PT_CHECK(o.water_lph >= 0 && o.chiller_kw >= 0 && o.fan_kw >= 0, "negative at %g", wb);
		prev = o.cooling_kw;
	}
	pp_plant_eval(&p, 8000, 0, -5, &o);
	PT_CHECK(o.free_fraction == 1 && o.chillers_on == 0, "cold: free %g on %d", o.free_fraction,
		 o.chillers_on);
	pp_plant_eval(&p, 8000, 33, 27, &o);
	PT_CHECK(o.free_fraction == 0 && o.chillers_on >= 3, "hot: free %g on %d", o.free_fraction,
		 o.chillers_on);
	/* N+1: the capacity kept is 3 chillers; load beyond uses the 4th. */
	struct pp_chiller_out c;
	pp_chiller_eval(p.chiller, 3000, 0, 18, o.cond_c, &c);
	PT_CHECK(NEAR(o.capacity_kw, 3 * c.cap_kw, 0.02 * c.cap_kw), "capacity %g vs 3 x %g",
		 o.capacity_kw, c.cap_kw);
	prev = -1;
	for (double l = 500; l <= 12000; l += 500) {
		pp_plant_eval(&p, l, 33, 27, &o);
		PT_CHECK(o.cooling_kw > prev, "cooling not rising with load at %g", l);
		prev = o.cooling_kw;
	}
	pp_plant_eval(&p, 20000, 33, 27, &o);
	PT_CHECK(o.unmet_kw > 0 && o.chillers_on == 4 && o.remaining_kw < 0, "overload: unmet %g",
		 o.unmet_kw);
	/* Air-cooled: rises with dry-bulb, uses no water. */
	pp_plant_init(&p, PP_PLANT_AIR_CHILLERS, NULL, 4, 1000, 1, 12, 18);
	prev = -1;
	for (double db = 5; db <= 45; db += 1) {
		pp_plant_eval(&p, 2500, db, db - 5, &o);
		PT_CHECK(o.cooling_kw >= prev - 1e-6 && o.water_lph == 0, "air-cooled at %g", db);
		prev = o.cooling_kw;
	}
	/* Warm water on dry coolers: no compressor at 25 C for a 35 C loop. */
	pp_plant_init(&p, PP_PLANT_LIQUID_DRY, NULL, 2, 2000, 1, 35, 45);
	pp_plant_eval(&p, 3000, 25, 20, &o);
	PT_CHECK(o.free_fraction == 1 && o.chiller_kw == 0 && o.cooling_kw / 3000 < 0.1,
		 "liquid loop: free %g cooling %g", o.free_fraction, o.cooling_kw);
	struct pp_plant_acc s;
	pp_plant_acc_init(&s);
	pp_plant_acc_add(&s, 1000, 200, 50, 1500, 2);
	pp_plant_acc_add(&s, 1000, 100, 50, 500, 2);
	/* IT 4,000 kWh, cooling 600, other 200; water 4,000 L. */
	PT_CHECK(NEAR(pp_plant_acc_pue(&s), 4800.0 / 4000.0, 1e-12) && NEAR(pp_plant_acc_wue(&s), 1.0, 1e-12) &&
			 s.peak_kw == 1250,
		 "PUE %g WUE %g", pp_plant_acc_pue(&s), pp_plant_acc_wue(&s));
}

static void t_gpu(void)
{
	size_t n;
	const struct pp_gpu_model *g = pp_gpu_models(&n);
	const char *want[] = {"A100-SXM", "H100-SXM", "H200", "B200", "GB200"};
	for (size_t i = 0; i < 5; i++)
		PT_CHECK(pp_gpu_find(want[i]) != NULL, "no %s", want[i]);
	for (size_t i = 0; i < n; i++) {
		PT_CHECK(g[i].cap_min_w > 0 && g[i].cap_min_w < g[i].cap_max_w &&
				 g[i].idle_w < g[i].cap_min_w && g[i].source && *g[i].source,
			 "%s range", g[i].name);
		PT_CHECK(pp_gpu_clamp_cap(&g[i], 1e9) == g[i].cap_max_w &&
				 pp_gpu_clamp_cap(&g[i], 0) == g[i].cap_min_w &&
				 pp_gpu_clamp_cap(&g[i], NAN) == g[i].cap_min_w,
			 "%s clamp", g[i].name);
	}
	/* Every class on every GPU model's range: 1 at the maximum, from the
	 * floor up, increasing where measured, concave (the solver needs it),
	 * never below 0. */
	for (int c = 0; c < 3; c++)
		for (size_t i = 0; i < n; i++) {
			struct pp_curve_table t;
			pp_curve_class((enum pp_job_class)c, g[i].cap_min_w, g[i].cap_max_w, &t);
			PT_CHECK(t.n >= 2 && t.p_w[0] == g[i].cap_min_w &&
					 t.p_w[t.n - 1] == g[i].cap_max_w && t.thr[t.n - 1] == 1.0,
				 "class %d on %s: range and top", c, g[i].name);
			double prevd = INFINITY;
			for (size_t k = 1; k < t.n; k++) {
				double d = (t.thr[k] - t.thr[k - 1]) / (t.p_w[k] - t.p_w[k - 1]);
				PT_CHECK(t.thr[k - 1] >= 0 && d > 0 && d <= prevd * (1 + 1e-12),
					 "class %d on %s: not increasing and concave at %g W", c,
					 g[i].name, t.p_w[k]);
				prevd = d;
			}
		}
	/* The measured points themselves (CURVES.md), on an H100 SXM:
	 * compute-bound work keeps 0.70 at half the limit (the sources'
	 * spread .60-.84) and 0.935 at 0.7 (.90-.97); decode-heavy inference
	 * keeps 0.98 at half. */
	struct pp_curve_table tr, inf, bat;
	pp_curve_class(PP_JOB_TRAINING, 200, 700, &tr);
	pp_curve_class(PP_JOB_INFERENCE, 200, 700, &inf);
	pp_curve_class(PP_JOB_BATCH, 200, 700, &bat);
	PT_CHECK(NEAR(pp_curve_table_eval(&tr, 350), 0.70, 1e-12) &&
			 NEAR(pp_curve_table_eval(&tr, 490), 0.935, 1e-12) &&
			 NEAR(pp_curve_table_eval(&inf, 350), 0.98, 1e-12) &&
			 NEAR(pp_curve_table_eval(&bat, 350), 0.70, 1e-12),
		 "measured points: training %g, inference %g at half", pp_curve_table_eval(&tr, 350),
		 pp_curve_table_eval(&inf, 350));
	/* The H100's floor (200 W, 0.286) lies below the lowest measured cap
	 * (0.4): the first segment (slope 2.0 per unit) goes on, 0.271. */
	PT_CHECK(tr.n == 8 && NEAR(tr.thr[0], 0.5 - 2.0 * (0.4 - 200.0 / 700), 1e-12),
		 "below the measured range: %g", tr.thr[0]);
	/* A floor between measured points starts the table there. */
	struct pp_curve_table mid;
	pp_curve_class(PP_JOB_TRAINING, 385, 700, &mid);
	PT_CHECK(mid.p_w[0] == 385 && NEAR(mid.thr[0], 0.70 + 0.5 * 0.16, 1e-12) &&
			 mid.p_w[1] == 420,
		 "a floor at 0.55: %g at %g", mid.thr[0], mid.p_w[0]);
	struct pp_curve_table none;
	pp_curve_class(PP_JOB_TRAINING, 100, 0, &none);
	PT_CHECK(none.n == 0, "no maximum, no curve");
	/* A floor below where the extended first segment reaches 0 (0.15):
	 * the table starts there, at 0, and stays concave (a clamp at 0 from
	 * the floor up would not be). NaN or negative floors count as 0. */
	double floors[] = {50, 0, -10, NAN};
	for (size_t q = 0; q < 4; q++) {
		struct pp_curve_table z;
		pp_curve_class(PP_JOB_TRAINING, floors[q], 1000, &z);
		int ok = z.n == 8 && NEAR(z.p_w[0], 150, 1e-9) && z.thr[0] == 0;
		for (size_t k = 2; ok && k < z.n; k++)
			ok = (z.thr[k] - z.thr[k - 1]) / (z.p_w[k] - z.p_w[k - 1]) <=
			     (z.thr[k - 1] - z.thr[k - 2]) / (z.p_w[k - 1] - z.p_w[k - 2]) * (1 + 1e-12);
		PT_CHECK(ok, "a floor of %g W: starts at %g W, %g", floors[q], z.p_w[0], z.thr[0]);
	}
	struct pp_curve_param p = {1.0, 0.28, 0.18};
	struct pp_curve_table t;
	pp_curve_tabulate(&p, 200, 700, 4, &t);
	PT_CHECK(t.n == 4 && t.p_w[0] == 200 && t.p_w[3] == 700 &&
			 NEAR(pp_curve_table_eval(&t, 900), t.thr[3], 1e-12) &&
			 pp_curve_table_eval(&t, 100) == t.thr[0],
		 "table");
	PT_CHECK(pp_config_job_class("inference") == PP_JOB_INFERENCE && pp_config_job_class("x") < 0,
		 "class names");
	/* Inference keeps more throughput at a low cap than training does. */
	PT_CHECK(pp_curve_table_eval(&inf, 420) > pp_curve_table_eval(&tr, 420), "shapes");
}

static double gauss(unsigned *s)
{
	/* Box-Muller on a fixed LCG: the same noise every run. */
	*s = *s * 1103515245u + 12345u;
	double u1 = ((*s >> 8) + 1.0) / 16777217.0;
	*s = *s * 1103515245u + 12345u;
	double u2 = ((*s >> 8) + 1.0) / 16777217.0;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void t_curve_fit(void)
{
	struct pp_curve_param truth = {1.08, 0.12, 0.28}, got;
	double p[60], y[60];
	unsigned seed = 7;
	for (int i = 0; i < 60; i++) {
		p[i] = 200 + 500.0 * i / 59.0;
		y[i] = pp_curve_eval(&truth, p[i], 700) + 0.005 * gauss(&seed);
	}
	struct pp_errbuf eb;
	enum pp_err e = pp_curve_fit(p, y, 60, 700, &got, &eb);
	PT_CHECK(e == PP_OK, "fit failed: %s", eb.msg);
	PT_CHECK(NEAR(got.a, truth.a, 0.04) && NEAR(got.x0, truth.x0, 0.03) &&
			 NEAR(got.s, truth.s, 0.03),
		 "fit a %.4f x0 %.4f s %.4f", got.a, got.x0, got.s);
	PT_CHECK(pp_curve_fit(p, y, 3, 700, &got, &eb) == PP_ERR_ARG && strstr(eb.msg, "4 samples"),
		 "too few samples accepted");
}

static void t_thermal(void)
{
	struct pp_thermal m;
	pp_thermal_init_air(&m, 20000, 200000, 24); /* a hall: 20,000 m3, 200 t of steel */
	m.ua_kw_k = 40;
	m.t_amb_c = 20;
	for (double t = 10; t <= 3600; t *= 2.5) {
		double a = pp_thermal_temp_at(&m, 5000, 3000, t);
		double b = pp_thermal_temp_exact(&m, 5000, 3000, t);
		PT_CHECK(NEAR(a, b, 1e-6 * fabs(b) + 1e-6), "UA: t %g ode %.9f exact %.9f", t, a, b);
	}
	struct pp_thermal loop;
	pp_thermal_init_loop(&loop, 30, 40);
	double tl = pp_thermal_time_to_limit(&loop, 4000, 1000, 45, 3600);
	double want = (45 - 40) * loop.c_kj_k / 3000.0;
	PT_CHECK(NEAR(tl, want, 1e-3 * want), "time to limit %g, closed form %g", tl, want);
	PT_CHECK(NEAR(pp_thermal_temp_at(&loop, 4000, 1000, 100),
		      pp_thermal_temp_exact(&loop, 4000, 1000, 100), 1e-6),
		 "no-loss ODE");
	/* Shed to the maximum power and the limit is never crossed; 1 % above
	 * it and it is. */
	double pmax = pp_thermal_max_power(&m, 3000, 27);
	PT_CHECK(NEAR(pmax, 3000 + 40 * 7, 1e-9), "max power %g", pmax);
	PT_CHECK(isinf(pp_thermal_time_to_limit(&m, pmax, 3000, 27, 36000)), "crossed at max");
	PT_CHECK(isfinite(pp_thermal_time_to_limit(&m, pmax * 1.01, 3000, 27, 360000)),
		 "never crossed above max");
	PT_CHECK(pp_thermal_max_power(&loop, 1000, 45) == 1000, "no-loss max power");
}

/* Writes a synthetic EPW: a sine year, with the given line end, minute and
 * damage; returns the path (static buffer). */
static const char *write_epw(const char *eol, int minute, int damage)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/pp-test-epw-%d.epw", (int)getpid());
	FILE *f = fopen(path, "w");
	if (!f)
		return path;
	if (damage != 1)
		fprintf(f, "LOCATION,Testville,TS,XXX,synthetic,000001,35.0,127.0,9.0,50.0%s", eol);
	fprintf(f, "DESIGN CONDITIONS,0%sTYPICAL/EXTREME PERIODS,0%sGROUND TEMPERATURES,0%s"
		   "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0%sCOMMENTS 1,x%sCOMMENTS 2,x%s",
		eol, eol, eol, eol, eol, eol);
	fprintf(f, "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31%s", eol);
	if (damage == 1)
		fprintf(f, "COMMENTS 3,x%s", eol);
	static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int i = 0;
	for (int mo = 1; mo <= 12; mo++)
		for (int d = 1; d <= md[mo - 1]; d++)
			for (int h = 1; h <= 24; h++, i++) {
				if (damage == 3 && i == 8759)
					break;
				double db = 12 + 10 * sin(2 * M_PI * i / 8760.0);
				char dbs[32];
				snprintf(dbs, sizeof dbs, "%.1f", db);
				if (damage == 4 && i >= 100 && i < 103)
					snprintf(dbs, sizeof dbs, "99.9");
				if (damage == 2 && i == 500)
					snprintf(dbs, sizeof dbs, "warm");
				fprintf(f, "2020,%d,%d,%d,%d,?9,%s,%.1f,70,100000,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
					   "0,0,0,0,0,0,0,0,0,0,0%s",
					mo, d, h, minute, dbs, db - 5, eol);
			}
	fclose(f);
	return path;
}

static void t_epw(void)
{
	struct pp_weather w;
	struct pp_errbuf eb;
	const char *p = write_epw("\r\n", 30, 0);
	enum pp_err e = pp_weather_load(p, &w, &eb);
	PT_CHECK(e == PP_OK, "CRLF minute 30: %s", eb.msg);
	if (e == PP_OK) {
		PT_CHECK(w.n == 8760 && w.minute == 30 && !strcmp(w.city, "Testville") &&
				 w.elev_m == 50 && w.filled == 0,
			 "header/rows");
		/* Minute 30: row i stands at i + 0.5 h; halfway is the mean. */
		struct pp_weather_hour h;
		pp_weather_at(&w, 10.5, &h);
		PT_CHECK(NEAR(h.db_c, w.h[10].db_c, 1e-9), "at a row %g vs %g", h.db_c, w.h[10].db_c);
		pp_weather_at(&w, 11.0, &h);
		PT_CHECK(NEAR(h.db_c, 0.5 * (w.h[10].db_c + w.h[11].db_c), 1e-9), "halfway");
		PT_CHECK(h.wb_c > h.dp_c && h.wb_c < h.db_c, "derived wet-bulb");
		pp_weather_at(&w, 8760.0 + 10.5, &h);
		PT_CHECK(NEAR(h.db_c, w.h[10].db_c, 1e-9), "no wrap around the year");
		pp_weather_free(&w);
	}
	p = write_epw("\n", 0, 4);
	e = pp_weather_load(p, &w, &eb);
	PT_CHECK(e == PP_OK && w.filled == 3, "missing values: %s", e ? eb.msg : "filled != 3");
	if (e == PP_OK) {
		double want = w.h[99].db_c + (w.h[103].db_c - w.h[99].db_c) * 2.0 / 4.0;
		PT_CHECK(NEAR(w.h[101].db_c, want, 1e-9), "interpolated %g, want %g", w.h[101].db_c,
			 want);
		pp_weather_free(&w);
	}
	p = write_epw("\n", 0, 1);
	PT_CHECK(pp_weather_load(p, &w, &eb) == PP_ERR_PARSE && strstr(eb.msg, "LOCATION"),
		 "no LOCATION: %s", eb.msg);
	p = write_epw("\n", 0, 2);
	char want[96];
	snprintf(want, sizeof want, "%s:509: field 7 (dry-bulb)", p);
	PT_CHECK(pp_weather_load(p, &w, &eb) == PP_ERR_PARSE && strstr(eb.msg, want),
		 "bad field: %s", eb.msg);
	p = write_epw("\n", 0, 3);
	PT_CHECK(pp_weather_load(p, &w, &eb) == PP_ERR_PARSE && strstr(eb.msg, "8759 hourly rows"),
		 "short file: %s", eb.msg);
	PT_CHECK(pp_weather_load("/nonexistent.epw", &w, &eb) == PP_ERR_IO, "missing file");
	unlink(p);
}

/* A synthetic EPW year (LF, minute 0) with field `field` (0-based) of row
 * `row` (0-based; -1: the LOCATION line) set to val; returns the path
 * (static buffer). */
static const char *epw_with(int row, int field, const char *val)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/pp-test-epw-cast-%d.epw", (int)getpid());
	FILE *f = fopen(path, "w");
	if (!f)
		return path;
	char loc[10][32] = {"LOCATION", "Testville", "TS", "XXX", "synthetic", "000001", "35.0",
			    "127.0", "9.0", "50.0"};
	if (row == -1)
		snprintf(loc[field], 32, "%s", val);
	for (int k = 0; k < 10; k++)
		fprintf(f, "%s%s", loc[k], k < 9 ? "," : "\n");
	fprintf(f, "DESIGN CONDITIONS,0\nTYPICAL/EXTREME PERIODS,0\nGROUND TEMPERATURES,0\n"
		   "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0\nCOMMENTS 1,x\nCOMMENTS 2,x\n"
		   "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31\n");
	static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int i = 0;
	for (int mo = 1; mo <= 12; mo++)
		for (int d = 1; d <= md[mo - 1]; d++)
			for (int h = 1; h <= 24; h++, i++) {
				char v[10][32];
				snprintf(v[0], 32, "2020");
				snprintf(v[1], 32, "%d", mo);
				snprintf(v[2], 32, "%d", d);
				snprintf(v[3], 32, "%d", h);
				snprintf(v[4], 32, "0");
				snprintf(v[5], 32, "?9");
				snprintf(v[6], 32, "%.1f", 12 + 10 * sin(2 * M_PI * i / 8760.0));
				snprintf(v[7], 32, "%.1f", 2 + 10 * sin(2 * M_PI * i / 8760.0));
				snprintf(v[8], 32, "70");
				snprintf(v[9], 32, "100000");
				if (i == row)
					snprintf(v[field], 32, "%s", val);
				for (int k = 0; k < 10; k++)
					fprintf(f, "%s,", v[k]);
				fprintf(f, "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n");
			}
	fclose(f);
	return path;
}

/* Issue 23, item 11: the date and minute of a row are checked as numbers
 * before they become ints ((int)1e20 is undefined, and printed "month
 * -2147483648"; a minute of 1e20 was taken); float-cast-overflow in the
 * tests' sanitizers makes any such cast fail the test. */
static void t_epw_casts(void)
{
	static const struct {
		int row, field;
		const char *val, *want;
	} cases[] = {
		{0, 1, "1e20", ":9: field 2 (month): expected a whole number from 1 to 12, got '1e20'"},
		{0, 2, "-1e20", ":9: field 3 (day): expected a whole number from 1 to 31, got '-1e20'"},
		{0, 3, "1e20", ":9: field 4 (hour): expected a whole number from 1 to 24, got '1e20'"},
		{0, 4, "1e20", ":9: field 5 (minute): expected a whole number from 0 to 60, got '1e20'"},
		{500, 4, "1e20", ":509: field 5 (minute): expected a whole number from 0 to 60"},
		{7, 4, "61", ":16: field 5 (minute): expected a whole number from 0 to 60, got '61'"},
		{3, 1, "1.5", ":12: field 2 (month): expected a whole number from 1 to 12, got '1.5'"},
		{3, 3, "2147483648", ":12: field 4 (hour): expected a whole number from 1 to 24"},
		{744, 2, "30", ":753: month 2, day 30: expected a date of a 365-day year"},
	};
	struct pp_weather w;
	struct pp_errbuf eb;
	char want[160];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *p = epw_with(cases[i].row, cases[i].field, cases[i].val);
		snprintf(want, sizeof want, "%s%s", p, cases[i].want);
		enum pp_err e = pp_weather_load(p, &w, &eb);
		PT_CHECK(e == PP_ERR_PARSE && strstr(eb.msg, want), "%s: %s", cases[i].want,
			 e ? eb.msg : "loaded");
		if (e == PP_OK)
			pp_weather_free(&w);
	}
	/* minute 60 is one of the data dictionary's and loads */
	const char *p = epw_with(0, 4, "60");
	enum pp_err e = pp_weather_load(p, &w, &eb);
	PT_CHECK(e == PP_OK && w.minute == 60, "minute 60: %s", e ? eb.msg : "other minute");
	if (e == PP_OK) {
		/* times and fractions that are no numbers give no undefined cast */
		struct pp_weather_hour h;
		pp_weather_at(&w, NAN, &h);
		PT_CHECK(h.db_c == w.h[0].db_c, "NAN hours: the first row");
		pp_weather_at(&w, INFINITY, &h);
		PT_CHECK(h.db_c == w.h[0].db_c, "infinite hours: the first row");
		PT_CHECK(isnan(pp_weather_wb_exceeded(&w, -0.5)) && isnan(pp_weather_wb_exceeded(&w, 2)) &&
				 isnan(pp_weather_db_exceeded(&w, NAN)),
			 "fractions outside [0, 1]: NAN");
		PT_CHECK(pp_weather_db_exceeded(&w, 0) == 22.0, "the hottest hour, %g",
			 pp_weather_db_exceeded(&w, 0));
		pp_weather_free(&w);
	}
	unlink(p);
}

/* Readings outside EnergyPlus' ranges (dry-bulb and dew point -70..70 C,
 * RH above 0 to 110 %, pressure 31,000..120,000 Pa) are no readings: filled
 * like the missing codes, so that every hour derives to numbers (a dew
 * point of -51100 C gave a wet-bulb of NAN, found by fuzz_epw); a LOCATION
 * out of range is refused. */
static void t_epw_ranges(void)
{
	/* row 5 (0-based) changed: its field, the value, the field filled */
	static const struct {
		int field;
		const char *val;
		int filled; /* 6 dry-bulb, 7 dew point (from RH 70 %), 8 RH (from the dew point), 9 pressure */
	} odd[] = {{7, "-51100", 7}, {9, "3.6", 9}, {9, "130", 9}, {6, "115", 6}, {6, "-80", 6},
		   {8, "180", 8}, {8, "0", 8}, {7, "71", 7}, {9, "150000", 9}};
	struct pp_weather w;
	struct pp_errbuf eb;
	const char *p = NULL;
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
		p = epw_with(5, odd[i].field, odd[i].val);
		enum pp_err e = pp_weather_load(p, &w, &eb);
		PT_CHECK(e == PP_OK, "field %d = %s: %s", odd[i].field + 1, odd[i].val, eb.msg);
		if (e)
			continue;
		int finite = 1;
		for (size_t k = 0; k < w.n; k++)
			finite &= isfinite(w.h[k].wb_c) && isfinite(w.h[k].w) && isfinite(w.h[k].rh_pct);
		PT_CHECK(finite, "field %d = %s: an hour that is no number", odd[i].field + 1,
			 odd[i].val);
		const struct pp_weather_hour *h = &w.h[5];
		double got = 0, want = 0;
		switch (odd[i].filled) {
		case 6:
			got = h->db_c, want = 0.5 * (w.h[4].db_c + w.h[6].db_c);
			break;
		case 7:
			got = h->dp_c, want = pp_psychro_dewpoint_from_rh(h->db_c, 70);
			break;
		case 8:
			got = h->rh_pct, want = 100 * pp_psychro_pws(h->dp_c) / pp_psychro_pws(h->db_c);
			break;
		default:
			got = h->p_pa, want = pp_psychro_pressure_at(50);
		}
		PT_CHECK(NEAR(got, want, 1e-9) && w.filled == (odd[i].filled != 8),
			 "field %d = %s: filled with %g (want %g), %zu filled", odd[i].field + 1,
			 odd[i].val, got, want, w.filled);
		pp_weather_free(&w);
	}
	static const struct {
		int field;
		const char *val, *want;
	} loc[] = {{9, "1e300", ":1: LOCATION: latitude 35, longitude 127, time zone 9, elevation "
				"1e+300 m: expected -90..90, -180..180, -12..14 and -1000..9999.9"},
		   {6, "91", ":1: LOCATION: latitude 91"},
		   {7, "-181", ":1: LOCATION: latitude 35, longitude -181"},
		   {8, "15", "time zone 15"}};
	char want[200];
	for (size_t i = 0; i < sizeof loc / sizeof loc[0]; i++) {
		p = epw_with(-1, loc[i].field, loc[i].val);
		snprintf(want, sizeof want, "%s%s", loc[i].want[0] == ':' ? p : "", loc[i].want);
		enum pp_err e = pp_weather_load(p, &w, &eb);
		PT_CHECK(e == PP_ERR_PARSE && strstr(eb.msg, want), "LOCATION %s: %s", loc[i].val,
			 e ? eb.msg : "loaded");
		if (e == PP_OK)
			pp_weather_free(&w);
	}
	unlink(p);
}

int main(void)
{
	PT_RUN(t_psychro);
	PT_RUN(t_chiller);
	PT_RUN(t_tower);
	PT_RUN(t_plant);
	PT_RUN(t_gpu);
	PT_RUN(t_curve_fit);
	PT_RUN(t_thermal);
	PT_RUN(t_epw);
	PT_RUN(t_epw_casts);
	PT_RUN(t_epw_ranges);
	return PT_DONE("test_models");
}
