/* psychro.c - ASHRAE psychrometrics (see psychro.h). Wet-bulb and dew point
 * have no closed form, so they are roots found with GSL's Brent solver. */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "powerpark/psychro.h"
#include "gsl_quiet.h"

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

/* Brent on f over [lo, hi]; f(lo) and f(hi) must differ in sign, else the
 * nearer end is returned (the caller's bracket is physical, so that only
 * happens at the edge of the range). */
static double solve(double (*f)(double, void *), void *arg, double lo, double hi)
{
	pp_gsl_quiet();
	double flo = f(lo, arg), fhi = f(hi, arg);
	if (flo == 0)
		return lo;
	if (fhi == 0 || (flo > 0) == (fhi > 0))
		return fabs(flo) < fabs(fhi) ? lo : hi;
	gsl_function F = {f, arg};
	gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
	if (!s)
		return 0.5 * (lo + hi);
	gsl_root_fsolver_set(s, &F, lo, hi);
	double r = 0.5 * (lo + hi);
	for (int i = 0; i < 100; i++) {
		if (gsl_root_fsolver_iterate(s))
			break;
		r = gsl_root_fsolver_root(s);
		if (gsl_root_test_interval(gsl_root_fsolver_x_lower(s), gsl_root_fsolver_x_upper(s),
					   1e-6, 0) == GSL_SUCCESS)
			break;
	}
	gsl_root_fsolver_free(s);
	return r;
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
	return solve(dp_f, &a, -100.0, db_c);
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
	return solve(wb_f, &a, dp_c - 1.0, db_c);
}

double pp_psychro_enthalpy(double db_c, double w)
{
	return 1.006 * db_c + w * (2501 + 1.86 * db_c);
}
