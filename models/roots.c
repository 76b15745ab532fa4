/* roots.c - see roots.h. */
#include <math.h>
#include <pthread.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "roots.h"

static void off(void)
{
	gsl_set_error_handler_off();
}

void pp_gsl_quiet(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, off);
}

double pp_root(double (*f)(double, void *), void *arg, double lo, double hi, double tol,
	       int upper)
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
		return upper ? hi : 0.5 * (lo + hi);
	gsl_root_fsolver_set(s, &F, lo, hi);
	double r = upper ? hi : 0.5 * (lo + hi);
	for (int i = 0; i < 100; i++) {
		if (gsl_root_fsolver_iterate(s))
			break;
		double a = gsl_root_fsolver_x_lower(s), b = gsl_root_fsolver_x_upper(s);
		r = upper ? b : gsl_root_fsolver_root(s);
		if (gsl_root_test_interval(a, b, tol, 0) == GSL_SUCCESS)
			break;
	}
	gsl_root_fsolver_free(s);
	return r;
}
