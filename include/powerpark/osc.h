/* oscill.h - power oscillation in a meter's samples: how much of the
 * signal lies in a frequency band (0.1-3 Hz for synchronous training, whose
 * compute and communication phases swing the draw), found with GSL's FFT;
 * and the power floor that damps it (issue 10). */
#ifndef PP_OSC_H
#define PP_OSC_H

#include <stddef.h>

#include "powerpark/err.h"

struct pp_osc {
	double band_ms;    /* mean square of the signal's part in the band (unit²) */
	double band_amp;   /* amplitude of the sine with that mean square: sqrt(2 band_ms) */
	double peak_hz;    /* the strongest frequency in the band (quadratic peak fit) */
	double total_ms;   /* mean square of the whole signal less its mean */
	double mean;
};

/* Analyses n samples x (borrowed) taken at fs_hz: the mean is removed, a
 * Hann window applied, and the one-sided power spectrum summed over
 * [f_lo, f_hi] (scaled so that a sine of amplitude A in the band gives
 * A²/2). PP_ERR_ARG when n < 16, fs_hz <= 0, or the band is empty or above
 * the Nyquist frequency. */
PP_WUR enum pp_err pp_osc_analyze(const double *x, size_t n, double fs_hz, double f_lo,
				  double f_hi, struct pp_osc *out, struct pp_errbuf *eb);

/* The draw of a GPU that would draw w under cap cap_w with a power floor
 * (a fraction of the cap, 0 for none): at least floor × cap, as GPU
 * power-smoothing firmware keeps it by burning the difference. */
double pp_osc_floor(double w, double cap_w, double floor_frac);

/* A synchronous training job as a site meter sees it: every GPU at its cap
 * while computing (duty of each period), at lo_w while communicating, all
 * in step, on top of base_kw; with floor_frac > 0 the low phase is lifted
 * to the floor. */
struct pp_osc_job {
	int gpus;
	double hz, duty, cap_w, lo_w, floor_frac, base_kw;
};

/* Fills x (n samples at fs_hz, borrowed) with the job's site draw in kW. */
void pp_osc_job_trace(const struct pp_osc_job *j, double fs_hz, double *x, size_t n);

#endif
