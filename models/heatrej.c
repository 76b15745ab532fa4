/* heatrej.c - towers, dry coolers and the economizer (see heatrej.h). */
#include <math.h>
#include <string.h>

#include "powerpark/heatrej.h"
#include "roots.h"

/* YorkCalc coefficients 1..27 (EnergyPlus Engineering Reference, as listed
 * in MODELS.md): nine terms {1, Twb, Twb^2, Tr, Twb Tr, Twb^2 Tr, Tr^2,
 * Twb Tr^2, Twb^2 Tr^2} times LG^0, LG^1, LG^2. */
static const double york[27] = {
	-0.359741205,   -0.055053608,   0.0023850432,    0.173926877,    -0.0248473764,
	0.00048430224,  -0.005589849456, 0.0005770079712, -1.342427256e-05, 2.84765801111111,
	-0.121765149,   0.0014599242,   1.680428651,     -0.0166920786,  -0.0007190532,
	-0.025485194448, 4.87491696e-05, 2.719234152e-05, -0.06537662555556, -0.002278167,
	0.0002500254,   -0.0910565458,  0.00318176316,   3.8621772e-05,  -0.0034285382352,
	8.56589904e-06, -1.516821552e-06};

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double pp_heatrej_tower_approach(double twb, double tr, double lg)
{
	twb = clamp(twb, -34.4, 26.7);
	tr = clamp(tr, 1.1, 22.2);
	lg = clamp(lg, 0.75, 8.0);
	double t[9] = {1, twb, twb * twb, tr, twb * tr, twb * twb * tr, tr * tr, twb * tr * tr,
		       twb * twb * tr * tr};
	double a = 0, l = 1;
	for (int k = 0; k < 3; k++, l *= lg)
		for (int i = 0; i < 9; i++)
			a += york[k * 9 + i] * t[i] * l;
	return clamp(a, 1.1, 40.0);
}

void pp_heatrej_tower_init(struct pp_tower *t, double design_kw)
{
	t->design_kw = design_kw;
	t->design_range = 5.6;
	t->fan_kw = 0.008 * design_kw;
	t->cycles = 4;
	t->drift_frac = 0.00002;
	t->min_air = 0.2;
}

struct air_arg {
	double twb, tr, target;
};

/* Approach at air ratio r (water flow at design, so LG = 1 / r) minus the
 * approach that would meet the setpoint: falls as r rises. */
static double air_f(double r, void *p)
{
	const struct air_arg *a = p;
	return pp_heatrej_tower_approach(a->twb, a->tr, 1.0 / r) - a->target;
}

/* Smallest air ratio in [lo, 1] with f(r) <= 0; f decreasing in r. */
static double solve_air(double (*f)(double, void *), void *arg, double lo)
{
	if (f(lo, arg) <= 0)
		return lo;
	if (f(1.0, arg) > 0)
		return 1.0;
	/* The upper end keeps f <= 0: never warmer than the setpoint. */
	return pp_root(f, arg, lo, 1.0, 1e-4, 1);
}

void pp_heatrej_tower_eval(const struct pp_tower *t, double q_kw, double twb, double setpoint_c,
		   struct pp_tower_out *o)
{
	memset(o, 0, sizeof *o);
	q_kw = fmax(q_kw, 0);
	double load = t->design_kw > 0 ? q_kw / t->design_kw : 0;
	double tr = t->design_range * load; /* design flow: range follows heat */
	if (q_kw <= 0) {
		o->leave_c = twb + pp_heatrej_tower_approach(twb, 1.1, 8.0);
		return;
	}
	struct air_arg a = {twb, tr, setpoint_c - twb};
	double r = solve_air(air_f, &a, t->min_air);
	o->air_ratio = r;
	o->leave_c = twb + pp_heatrej_tower_approach(twb, tr, 1.0 / r);
	o->fan_kw = t->fan_kw * r * r * r;
	/* Circulating flow (kg/s) = heat / (cp x range) at design range. */
	double flow = t->design_kw / (4.186 * t->design_range);
	o->evap_lph = 0.00153 * flow * tr * 3600.0;
	o->drift_lph = t->drift_frac * flow * 3600.0 * load;
	o->blowdown_lph = fmax(0.0, o->evap_lph / (t->cycles - 1.0) - o->drift_lph);
	o->water_lph = o->evap_lph + o->drift_lph + o->blowdown_lph;
}

void pp_heatrej_dry_init(struct pp_drycooler *d, double design_kw)
{
	d->design_kw = design_kw;
	d->design_approach = 6.0;
	d->fan_kw = 0.015 * design_kw;
	d->min_air = 0.2;
}

struct dc_arg {
	const struct pp_drycooler *d;
	double load, target;
};

static double dc_f(double r, void *p)
{
	const struct dc_arg *a = p;
	return a->d->design_approach * a->load / pow(r, 0.8) - a->target;
}

void pp_heatrej_dry_eval(const struct pp_drycooler *d, double q_kw, double tdb, double setpoint_c,
		       struct pp_tower_out *o)
{
	memset(o, 0, sizeof *o);
	double load = d->design_kw > 0 ? fmax(q_kw, 0) / d->design_kw : 0;
	if (load <= 0) {
		o->leave_c = tdb;
		return;
	}
	struct dc_arg a = {d, load, setpoint_c - tdb};
	double r = a.target <= 0 ? 1.0 : solve_air(dc_f, &a, d->min_air);
	o->air_ratio = r;
	o->leave_c = tdb + d->design_approach * load / pow(r, 0.8);
	o->fan_kw = d->fan_kw * r * r * r;
}

double pp_heatrej_economizer(double cold_c, double hx_approach, double supply_c,
			      double return_c)
{
	double t = cold_c + hx_approach;
	if (t <= supply_c)
		return 1.0;
	if (t >= return_c || return_c <= supply_c)
		return 0.0;
	return (return_c - t) / (return_c - supply_c);
}
