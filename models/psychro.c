/* psychro.c - ASHRAE psychrometrics (see psychro.h). Wet-bulb and dew point
 * have no closed form, so they are roots found with GSL's Brent solver
 * (pp_root). */
#include <math.h>

#include "powerpark/psychro.h"
#include "roots.h"

#define PP_T0 273.15

double pp_psychro_pws(double t_c)
{
	double t = t_c + PP_T0;
	if (t_c < 0)
		return exp(-5.6745359e3 / t + 6.3925247 - 9.677843e-3 * t + 6.2215701e-7 * t * t +
			   2.0747825e-9 * t * t * t - 9.484024e-13 * t * t * t * t +
			   4.1635019 * log(t));
	return exp(-5.8002206e3 / t + 1.3914993 - 4.8640239e-2 * t + 4.1764768e-5 * t * t -
		   1.4452093e-8 * t * t * t + 6.5459673 * log(t));
}

double pp_psychro_pressure_at(double z)
{
	return 101325.0 * pow(1.0 - 2.25577e-5 * z, 5.2559);
}

double pp_psychro_w_from_dewpoint(double dp_c, double p_pa)
{
	double pw = pp_psychro_pws(dp_c);
	if (pw >= p_pa)
		pw = 0.99 * p_pa;
	return 0.621945 * pw / (p_pa - pw);
}

struct dp_arg {
	double pw;
};

static double dp_f(double t, void *a)
{
	return pp_psychro_pws(t) - ((struct dp_arg *)a)->pw;
}

double pp_psychro_dewpoint_from_rh(double db_c, double rh_pct)
{
	if (rh_pct <= 0)
		rh_pct = 0.1;
	if (rh_pct >= 100)
		return db_c;
	struct dp_arg a = {rh_pct / 100.0 * pp_psychro_pws(db_c)};
	return pp_root(dp_f, &a, -100.0, db_c, 1e-6, 0);
}

struct wb_arg {
	double db, w, p;
};

/* The humidity ratio a wet-bulb of ts implies, minus the actual one. */
static double wb_f(double ts, void *arg)
{
	const struct wb_arg *a = arg;
	double ws = pp_psychro_w_from_dewpoint(ts, a->p);
	double w;
	if (ts >= 0)
		w = ((2501 - 2.326 * ts) * ws - 1.006 * (a->db - ts)) /
		    (2501 + 1.86 * a->db - 4.186 * ts);
	else
		w = ((2830 - 0.24 * ts) * ws - 1.006 * (a->db - ts)) /
		    (2830 + 1.86 * a->db - 2.1 * ts);
	return w - a->w;
}

double pp_psychro_wetbulb(double db_c, double dp_c, double p_pa)
{
	if (dp_c > db_c)
		dp_c = db_c;
	struct wb_arg a = {db_c, pp_psychro_w_from_dewpoint(dp_c, p_pa), p_pa};
	return pp_root(wb_f, &a, dp_c - 1.0, db_c, 1e-6, 0);
}

double pp_psychro_enthalpy(double db_c, double w)
{
	return 1.006 * db_c + w * (2501 + 1.86 * db_c);
}
