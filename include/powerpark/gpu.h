/* gpu.h - GPU power-cap ranges and power->throughput curves per job class. */
#ifndef PP_GPU_H
#define PP_GPU_H

#include <stddef.h>

#include "powerpark/err.h"

/* One GPU model. Static data: never freed. */
struct pp_gpu_model {
	const char *name;   /* as in site configs: "H100-SXM" */
	double cap_min_w, cap_max_w, idle_w;
	const char *source;
};

/* The model called name (borrowed static data), or NULL. */
const struct pp_gpu_model *pp_gpu_find(const char *name);

/* All models; n_out set to their count. */
const struct pp_gpu_model *pp_gpu_models(size_t *n_out);

/* Clamps a requested cap into the model's settable range: a cap outside it
 * would be refused by the driver (or worse, accepted by a mock). */
double pp_gpu_clamp_cap(const struct pp_gpu_model *g, double cap_w);

/* A saturating concave curve of relative throughput against the fraction
 * x = power / cap_max: thr(x) = a (1 - exp(-(x - x0) / s)) for x > x0, else
 * 0. Normalized classes have thr(1) = 1. */
struct pp_curve_param {
	double a, x0, s;
};

enum pp_job_class { PP_JOB_TRAINING, PP_JOB_INFERENCE, PP_JOB_BATCH };

/* The class named name ("training", "inference", "batch"); -1 if unknown. */
int pp_job_class_find(const char *name);

/* The default curve of a class (written to out), normalized to thr(1) = 1. */
void pp_curve_class(enum pp_job_class c, struct pp_curve_param *out);

/* Relative throughput at power p_w on a GPU whose cap_max is max_w. */
double pp_curve_eval(const struct pp_curve_param *c, double p_w, double max_w);

#define PP_CURVE_POINTS 8

/* A piecewise-linear table (what the optimizer's instance carries). */
struct pp_curve_table {
	size_t n;
	double p_w[PP_CURVE_POINTS], thr[PP_CURVE_POINTS];
};

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
