/* curve.c - power->throughput curves: each job class's curve from
 * published measurements (../shared/data/reference/CURVES.md), a
 * saturating shape for curves fitted to a job's own samples, tables of
 * both for the optimizer (see curve.h). */
#include <math.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include "powerpark/config.h"
#include "powerpark/curve.h"
#include "roots.h"

/* The measured curves, as (cap fraction, throughput fraction): cap
 * fraction = power limit / the GPU's maximum, throughput at that limit /
 * throughput at the maximum (CURVES.md's normalisation). */
#define PP_CLASS_POINTS 7
static const double class_x[PP_CLASS_POINTS] = {0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
static const double class_y[PP_JOB_CLASSES][PP_CLASS_POINTS] = {
	/* Training, compute-bound: the median of CURVES.md's compute-bound
	 * series (Zeus, NSDI'23: A40 and V100, ResNet-50 and BERT-base),
	 * whose spread between sources is .36-.72 at 0.4, .60-.84 at 0.5,
	 * .80-.94 at 0.6, .90-.97 at 0.7, .94-.99 at 0.8, .98-.99 at 0.9.
	 * MLPerf Inference v4.0's GPT-J offline on 8x H100 at half the limit
	 * (0.746) agrees with it. */
	{0.50, 0.70, 0.86, 0.935, 0.965, 0.99, 1.0},
	/* Decode-heavy inference, memory-bound: "almost no latency impact"
	 * from 700 to 350 W on DGX-H100 (Splitwise, ISCA'24, III-F) and 1.0 at
	 * 0.7 in its simulator's H100 power-capped profile. Only "about 1.0"
	 * is published from 0.5 up: the slight rise kept here (0.98 at 0.5,
	 * 0.995 at 0.7) is an assumption, so that power is never withheld
	 * from inference for nothing; 0.93 at 0.4 is an assumption too (no
	 * data-centre measurement below 0.5 was found). */
	{0.93, 0.98, 0.988, 0.995, 0.997, 0.999, 1.0},
	/* Batch (sweeps, offline evaluation and serving) is compute-bound:
	 * CURVES.md says prefill, batched offline serving and training follow
	 * the same table, so batch takes training's. */
	{0.50, 0.70, 0.86, 0.935, 0.965, 0.99, 1.0},
};

void pp_curve_class(enum pp_job_class c, double min_w, double max_w, struct pp_curve_table *out)
{
	int k = c >= PP_JOB_TRAINING && c <= PP_JOB_BATCH ? (int)c : 0;
	const double *y = class_y[k];
	out->n = 0;
	if (!(max_w > 0))
		return;
	double lo = min_w > 0 ? min_w / max_w : 0; /* NaN and below 0 too: 0 */
	if (lo > 1)
		lo = 1;
	double lo_w = lo < 1 && min_w > 0 ? min_w : lo * max_w; /* the table's first power */
	/* Below the lowest measured point the first segment goes on (its
	 * slope is the steepest, so the table stays concave), down to where
	 * it reaches 0: the table starts there when the GPU's floor is lower
	 * (the solver extends a curve below its first point by the first
	 * slope, so concavity holds there too). */
	if (lo < class_x[0]) {
		double s = (y[1] - y[0]) / (class_x[1] - class_x[0]);
		double zero = class_x[0] - y[0] / s;
		if (lo < zero) {
			lo = zero;
			lo_w = lo * max_w;
		}
		out->p_w[out->n] = lo_w;
		out->thr[out->n++] = fmax(0, y[0] - s * (class_x[0] - lo));
	}
	for (int i = 0; i < PP_CLASS_POINTS && out->n < PP_CURVE_POINTS; i++) {
		if (class_x[i] < lo)
			continue;
		if (class_x[i] > lo && out->n == 0 && i > 0) {
			/* The GPU's floor between two measured points. */
			double f = (lo - class_x[i - 1]) / (class_x[i] - class_x[i - 1]);
			out->p_w[out->n] = lo_w;
			out->thr[out->n++] = y[i - 1] + f * (y[i] - y[i - 1]);
		}
		if (out->n && out->p_w[out->n - 1] >= class_x[i] * max_w)
			continue;
		out->p_w[out->n] = class_x[i] * max_w;
		out->thr[out->n++] = y[i];
	}
}

static double eval_x(double a, double x0, double s, double x)
{
	return x <= x0 ? 0.0 : a * (1.0 - exp(-(x - x0) / s));
}

double pp_curve_eval(const struct pp_curve_param *c, double p_w, double max_w)
{
	return eval_x(c->a, c->x0, c->s, max_w > 0 ? p_w / max_w : 0);
}

void pp_curve_tabulate(const struct pp_curve_param *c, double min_w, double max_w, size_t n,
		       struct pp_curve_table *out)
{
	if (n < 2)
		n = 2;
	if (n > PP_CURVE_POINTS)
		n = PP_CURVE_POINTS;
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		double p = min_w + (max_w - min_w) * (double)i / (double)(n - 1);
		out->p_w[i] = p;
		out->thr[i] = pp_curve_eval(c, p, max_w);
	}
}

double pp_curve_table_eval(const struct pp_curve_table *t, double p_w)
{
	if (!t->n)
		return 0;
	if (p_w <= t->p_w[0])
		return t->thr[0];
	for (size_t i = 1; i < t->n; i++)
		if (p_w <= t->p_w[i]) {
			double f = (p_w - t->p_w[i - 1]) / (t->p_w[i] - t->p_w[i - 1]);
			return t->thr[i - 1] + f * (t->thr[i] - t->thr[i - 1]);
		}
	return t->thr[t->n - 1];
}

struct fit_data {
	const double *x, *y;
	size_t n;
};

static int fit_f(const gsl_vector *p, void *d, gsl_vector *r)
{
	const struct fit_data *fd = d;
	double a = gsl_vector_get(p, 0), x0 = gsl_vector_get(p, 1), s = gsl_vector_get(p, 2);
	for (size_t i = 0; i < fd->n; i++) {
		/* Smooth below x0 too (no kink for the solver): the same formula. */
		double m = a * (1.0 - exp(-(fd->x[i] - x0) / s));
		gsl_vector_set(r, i, m - fd->y[i]);
	}
	return GSL_SUCCESS;
}

static int fit_df(const gsl_vector *p, void *d, gsl_matrix *J)
{
	const struct fit_data *fd = d;
	double a = gsl_vector_get(p, 0), x0 = gsl_vector_get(p, 1), s = gsl_vector_get(p, 2);
	for (size_t i = 0; i < fd->n; i++) {
		double e = exp(-(fd->x[i] - x0) / s);
		gsl_matrix_set(J, i, 0, 1.0 - e);
		gsl_matrix_set(J, i, 1, -a * e / s);
		gsl_matrix_set(J, i, 2, -a * e * (fd->x[i] - x0) / (s * s));
	}
	return GSL_SUCCESS;
}

enum pp_err pp_curve_fit(const double *p_w, const double *thr, size_t n, double max_w,
			 struct pp_curve_param *out, struct pp_errbuf *eb)
{
	if (n < 4 || max_w <= 0)
		return pp_err_set(eb, PP_ERR_ARG, "a curve fit needs at least 4 samples and a "
			       "maximum power (got %zu samples)", n);
	double x[256];
	if (n > 256)
		n = 256;
	for (size_t i = 0; i < n; i++)
		x[i] = p_w[i] / max_w;
	pp_gsl_quiet();
	struct fit_data fd = {x, thr, n};
	gsl_multifit_nlinear_fdf fdf = {fit_f, fit_df, NULL, n, 3, &fd, 0, 0, 0};
	gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
	gsl_multifit_nlinear_workspace *w =
		gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n, 3);
	if (!w)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	/* A start of the compute-bound kind, which fits the training table
	 * within its sources' spread where it is concave (x0 0.28, s 0.18). */
	double p0[3] = {1.0, 0.28, 0.18};
	gsl_vector_view v = gsl_vector_view_array(p0, 3);
	gsl_multifit_nlinear_init(&v.vector, &fdf, w);
	int info = 0;
	int st = gsl_multifit_nlinear_driver(200, 1e-10, 1e-10, 1e-10, NULL, NULL, &info, w);
	gsl_vector *r = gsl_multifit_nlinear_position(w);
	out->a = gsl_vector_get(r, 0);
	out->x0 = gsl_vector_get(r, 1);
	out->s = gsl_vector_get(r, 2);
	gsl_multifit_nlinear_free(w);
	if (st != GSL_SUCCESS || !(out->s > 0) || !(out->a > 0) || !isfinite(out->x0))
		return pp_err_set(eb, PP_ERR_PARSE, "the curve fit did not converge (%s)",
			       gsl_strerror(st));
	return PP_OK;
}
