/* roots.h - GSL plumbing shared inside models/: the error handler and one
 * bracketed Brent solve. Private to models/. */
#ifndef PP_ROOTS_H
#define PP_ROOTS_H

/* GSL's default error handler calls abort(); models/ checks every status
 * code instead. Turns it off, once per process (thread-safe). */
void pp_gsl_quiet(void);

/* A root of f (arg borrowed) in [lo, hi] by GSL's Brent solver, to within
 * tol. When f(lo) and f(hi) have the same sign, the end with the smaller
 * |f| is returned (callers' brackets are physical, so that happens only at
 * the edge of a range). upper: return the upper end of the last bracket
 * instead of the estimate (for "the smallest x with f(x) <= 0" on a
 * decreasing f); also what an allocation failure returns. */
double pp_root(double (*f)(double, void *), void *arg, double lo, double hi, double tol,
	       int upper);

#endif
