/* curve.c - power->throughput curves per job class: the saturating shape,
 * its table for the optimizer, and a fit to measurements (see curve.h). */
#include <math.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>

#include "powerpark/config.h"
#include "powerpark/curve.h"
#include "roots.h"

/* Shapes: training is compute-bound and loses throughput nearly in step with
 * power below ~70 % of TDP; inference is memory-bound and keeps ~90 % of its
 * throughput at 60 % of TDP; batch sits between. Published measurements
 * (e.g. power-capping studies of A100/H100 training and LLM serving) show
 * these qualitative shapes; fit real ones with pp_curve_fit. */
void pp_curve_class(enum pp_job_class c, struct pp_curve_param *out)
{
	static const double x0s[] = {0.10, 0.05, 0.08}, ss[] = {0.35, 0.18, 0.25};
	int k = c >= PP_JOB_TRAINING && c <= PP_JOB_BATCH ? (int)c : 0;
	out->x0 = x0s[k];
	out->s = ss[k];
	out->a = 1.0 / (1.0 - exp(-(1.0 - out->x0) / out->s));
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
	struct pp_curve_param start;
	pp_curve_class(PP_JOB_TRAINING, &start);
	double p0[3] = {start.a, start.x0, start.s};
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
