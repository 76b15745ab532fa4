/* thermal.c - ride-through ODE (see thermal.h). */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include "powerpark/thermal.h"
#include "roots.h"

void pp_thermal_init_air(struct pp_thermal *m, double air_m3, double steel_kg, double t0_c)
{
	m->c_kj_k = air_m3 * 1.2 * 1.006 + steel_kg * 0.49;
	m->ua_kw_k = 0;
	m->t_amb_c = t0_c;
	m->t0_c = t0_c;
}

void pp_thermal_init_loop(struct pp_thermal *m, double volume_m3, double t0_c)
{
	m->c_kj_k = volume_m3 * 997.0 * 4.18;
	m->ua_kw_k = 0;
	m->t_amb_c = t0_c;
	m->t0_c = t0_c;
}

struct ode_arg {
	const struct pp_thermal *m;
	double net_kw;
};

static int rhs(double t, const double y[], double dydt[], void *p)
{
	(void)t;
	const struct ode_arg *a = p;
	dydt[0] = (a->net_kw - a->m->ua_kw_k * (y[0] - a->m->t_amb_c)) / a->m->c_kj_k;
	return GSL_SUCCESS;
}

/* Integrates from 0 to t_end; stops early when y crosses limit (if finite)
 * and returns the crossing time in *hit. */
static double integrate(const struct pp_thermal *m, double net_kw, double t_end, double limit,
			double *hit)
{
	pp_gsl_quiet();
	struct ode_arg a = {m, net_kw};
	gsl_odeiv2_system sys = {rhs, NULL, 1, &a};
	gsl_odeiv2_driver *d = gsl_odeiv2_driver_alloc_y_new(&sys, gsl_odeiv2_step_rkf45, 1.0,
							      1e-10, 1e-8);
	double t = 0, y[1] = {m->t0_c};
	if (hit)
		*hit = INFINITY;
	if (!d)
		return NAN;
	/* March in steps of 1 % of the span so a crossing is bracketed, then
	 * refine it by bisection on the last step. */
	double step = t_end / 100.0;
	while (t < t_end) {
		double t1 = fmin(t + step, t_end), y0 = y[0], tprev = t;
		if (gsl_odeiv2_driver_apply(d, &t, t1, y) != GSL_SUCCESS)
			break;
		if (hit && isfinite(limit) && y0 < limit && y[0] >= limit) {
			double lo = tprev, hi = t;
			for (int i = 0; i < 60 && hi - lo > 1e-6; i++) {
				double mid = 0.5 * (lo + hi), tt = tprev, yy[1] = {y0};
				gsl_odeiv2_driver_reset(d);
				gsl_odeiv2_driver_apply(d, &tt, mid, yy);
				if (yy[0] >= limit)
					hi = mid;
				else
					lo = mid;
			}
			*hit = hi;
			break;
		}
	}
	gsl_odeiv2_driver_free(d);
	return y[0];
}

double pp_thermal_temp_at(const struct pp_thermal *m, double p_kw, double q_kw, double t_s)
{
	if (t_s <= 0)
		return m->t0_c;
	return integrate(m, p_kw - q_kw, t_s, INFINITY, NULL);
}

double pp_thermal_temp_exact(const struct pp_thermal *m, double p_kw, double q_kw, double t_s)
{
	double net = p_kw - q_kw;
	if (m->ua_kw_k <= 0)
		return m->t0_c + net / m->c_kj_k * t_s;
	double tinf = m->t_amb_c + net / m->ua_kw_k;
	return tinf + (m->t0_c - tinf) * exp(-m->ua_kw_k * t_s / m->c_kj_k);
}

double pp_thermal_time_to_limit(const struct pp_thermal *m, double p_kw, double q_kw,
				double limit_c, double horizon_s)
{
	if (m->t0_c >= limit_c)
		return 0;
	double hit;
	integrate(m, p_kw - q_kw, horizon_s, limit_c, &hit);
	return hit;
}

double pp_thermal_max_power(const struct pp_thermal *m, double q_kw, double limit_c)
{
	/* Steady state T = T_amb + (P - Q) / UA must not pass the limit; with no
	 * loss the temperature only stops rising when P <= Q. */
	double p = q_kw;
	if (m->ua_kw_k > 0)
		p += m->ua_kw_k * (limit_c - m->t_amb_c);
	return p > 0 ? p : 0;
}
