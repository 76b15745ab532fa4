/* curve.h - power->throughput curves per job class (enum pp_job_class of
 * config.h): each class's curve from published measurements as a
 * piecewise-linear table for the optimizer's instance, and a saturating
 * shape fitted to a job's own samples. */
#ifndef PP_CURVE_H
#define PP_CURVE_H

#include <stddef.h>

#include "powerpark/config.h"
#include "powerpark/err.h"

/* A saturating concave curve of relative throughput against the fraction
 * x = power / cap_max: thr(x) = a (1 - exp(-(x - x0) / s)) for x > x0, else
 * 0 (what pp_curve_fit fits to a job's own samples). */
struct pp_curve_param {
	double a, x0, s;
};

/* Relative throughput at power p_w on a GPU whose cap_max is max_w. */
double pp_curve_eval(const struct pp_curve_param *c, double p_w, double max_w);

#define PP_CURVE_POINTS 8

/* A piecewise-linear table (what the optimizer's instance carries). */
struct pp_curve_table {
	size_t n;
	double p_w[PP_CURVE_POINTS], thr[PP_CURVE_POINTS];
};

/* The curve of class c on a GPU whose caps range over [min_w, max_w]
 * (written to out; empty when max_w is not positive): the class's measured
 * points (models/curve.c names each one's source; cap fractions 0.4 to
 * 1.0 of max_w) from min_w up, normalized to 1 at max_w; below 0.4 the
 * first measured segment goes on, down to 0. Concave and non-decreasing.
 * Training and batch are compute-bound (0.70 at half the limit);
 * decode-heavy inference keeps 0.98 there. */
void pp_curve_class(enum pp_job_class c, double min_w, double max_w, struct pp_curve_table *out);

/* Samples c at n points (2..PP_CURVE_POINTS) evenly from min_w to max_w.
 * Chords of a concave curve make a concave, increasing table. */
void pp_curve_tabulate(const struct pp_curve_param *c, double min_w, double max_w, size_t n,
		       struct pp_curve_table *out);

/* Linear interpolation in t, flat past both ends. */
double pp_curve_table_eval(const struct pp_curve_table *t, double p_w);

/* Fits a, x0, s to n (power, throughput) samples (borrowed) with
 * gsl_multifit_nlinear (trust region, Levenberg-Marquardt), starting from the
 * training curve. out written on success; fails with a reason when there
 * are fewer than 4 samples or the fit does not converge. */
PP_WUR enum pp_err pp_curve_fit(const double *p_w, const double *thr, size_t n, double max_w,
				struct pp_curve_param *out, struct pp_errbuf *eb);

#endif
