/* oscill.c - see oscill.h. GSL's mixed-radix real FFT takes any n, so a
 * window of 10 Hz samples need not be a power of two long. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_real.h>
#include <math.h>
#include <stdlib.h>

#include "powerpark/osc.h"

enum pp_err pp_osc_analyze(const double *x, size_t n, double fs_hz, double f_lo, double f_hi,
			   struct pp_osc *out, struct pp_errbuf *eb)
{
	if (n < 16 || !(fs_hz > 0))
		return pp_err_set(eb, PP_ERR_ARG, "oscillation: need 16 samples or more at a rate "
			       "above 0 (%zu at %g Hz)", n, fs_hz);
	if (!(f_lo >= 0 && f_hi > f_lo && f_lo < fs_hz / 2))
		return pp_err_set(eb, PP_ERR_ARG, "oscillation: band %g-%g Hz is empty or above the "
			       "Nyquist frequency %g Hz", f_lo, f_hi, fs_hz / 2);
	double *y = malloc(n * sizeof *y);
	gsl_fft_real_wavetable *wt = gsl_fft_real_wavetable_alloc(n);
	gsl_fft_real_workspace *ws = gsl_fft_real_workspace_alloc(n);
	enum pp_err e = PP_OK;
	if (!y || !wt || !ws) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	double mean = 0, ms = 0, w2 = 0;
	for (size_t i = 0; i < n; i++)
		mean += x[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = x[i] - mean, w = 0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)n);
		ms += d * d;
		w2 += w * w;
		y[i] = d * w;
	}
	out->mean = mean;
	out->total_ms = ms / (double)n;
	int st = gsl_fft_real_transform(y, 1, n, wt, ws);
	if (st) {
		e = pp_err_set(eb, PP_ERR_IO, "oscillation: FFT: %s", gsl_strerror(st));
		goto out;
	}
	/* Halfcomplex: y[0] = X0, then (Re, Im) of X1..; one-sided power of
	 * bin k is 2|Xk|² / (n Σw²), so that the bins of a sine sum to A²/2. */
	double band = 0, best = -1, scale = 2.0 / ((double)n * w2);
	size_t kbest = 0, half = (n - 1) / 2;
	double *p = malloc((half + 2) * sizeof *p);
	if (!p) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 1; k <= half; k++) {
		double re = y[2 * k - 1], im = y[2 * k];
		p[k] = (re * re + im * im) * scale;
		double f = (double)k * fs_hz / (double)n;
		if (f < f_lo || f > f_hi)
			continue;
		band += p[k];
		if (p[k] > best) {
			best = p[k];
			kbest = k;
		}
	}
	out->band_ms = band;
	out->band_amp = sqrt(2 * band);
	out->peak_hz = NAN;
	if (kbest) {
		/* A parabola through the log powers of the peak and its
		 * neighbours puts the peak between bins (exact for a Gaussian
		 * lobe, close for Hann). */
		double k = (double)kbest;
		if (kbest > 1 && kbest < half && p[kbest - 1] > 0 && p[kbest + 1] > 0) {
			double a = log(p[kbest - 1]), b = log(p[kbest]), c = log(p[kbest + 1]);
			double den = a - 2 * b + c;
			if (den < 0)
				k += 0.5 * (a - c) / den;
		}
		out->peak_hz = k * fs_hz / (double)n;
	}
	free(p);
out:
	free(y);
	if (wt)
		gsl_fft_real_wavetable_free(wt);
	if (ws)
		gsl_fft_real_workspace_free(ws);
	return e;
}

double pp_osc_floor(double w, double cap_w, double floor_frac)
{
	double f = floor_frac > 0 ? floor_frac * cap_w : 0;
	return w > f ? w : f;
}

void pp_osc_job_trace(const struct pp_osc_job *j, double fs_hz, double *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double ph = fmod(j->hz * (double)i / fs_hz, 1.0);
		double w = ph < j->duty ? j->cap_w : j->lo_w;
		x[i] = j->base_kw + j->gpus * pp_osc_floor(w, j->cap_w, j->floor_frac) / 1000;
	}
}
