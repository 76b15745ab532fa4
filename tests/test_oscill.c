/* test_oscill.c - band power of a meter's samples (GSL FFT): a swing is
 * found at its frequency with its amplitude, slow changes stay out of the
 * band, and a power floor shrinks a training job's swing by the factor its
 * arithmetic gives, at the energy cost it gives. */
#include <math.h>
#include <stdlib.h>

#include "powerpark/osc.h"
#include "pp_test.h"

#define FS 10.0 /* Hz: a meter polled over Modbus every 100 ms */
#define N 600   /* one minute */

static unsigned rng = 12345;
static double noise(void) /* uniform in [-1, 1], deterministic */
{
	rng = rng * 1103515245u + 12345u;
	return (double)(rng >> 8) / (double)(1u << 23) - 1;
}

static void sine_found(void)
{
	const double hz[] = {0.5, 1.0, 1.37, 2.0, 2.9};
	double x[N];
	for (size_t t = 0; t < sizeof hz / sizeof *hz; t++) {
		for (int i = 0; i < N; i++)
			x[i] = 40000 + 3000 * sin(2 * M_PI * hz[t] * i / FS + 0.3) + 50 * noise();
		struct pp_osc o;
		struct pp_errbuf eb;
		PT_CHECK(pp_osc_analyze(x, N, FS, 0.1, 3.0, &o, &eb) == PP_OK, "%s", eb.msg);
		PT_CHECK(fabs(o.peak_hz - hz[t]) < 0.02, "%.2f Hz found at %.3f Hz", hz[t], o.peak_hz);
		PT_CHECK(fabs(o.band_amp - 3000) < 150, "%.2f Hz: amplitude %.0f kW, want 3000",
			 hz[t], o.band_amp);
		PT_CHECK(fabs(o.mean - 40000) < 20, "mean %.1f", o.mean);
	}
}

static void slow_change_out_of_band(void)
{
	double x[N];
	for (int i = 0; i < N; i++) /* a 5 MW sweep over the minute, as cooling follows weather */
		x[i] = 40000 + 5000 * sin(2 * M_PI * 0.01 * i / FS);
	struct pp_osc o;
	struct pp_errbuf eb;
	PT_CHECK(pp_osc_analyze(x, N, FS, 0.1, 3.0, &o, &eb) == PP_OK, "%s", eb.msg);
	PT_CHECK(o.band_amp < 0.05 * 5000, "slow change leaks %.0f kW into the band", o.band_amp);
	PT_CHECK(o.total_ms > 100 * o.band_ms, "most of it is outside the band");
}

static void job_trace(double *x, double hz, double floor_frac, double cap, double lo,
		      int gpus, double duty)
{
	struct pp_osc_job j = {gpus, hz, duty, cap, lo, floor_frac, 8000};
	pp_osc_job_trace(&j, FS, x, N);
	for (int i = 0; i < N; i++)
		x[i] += 5 * noise();
}

static void floor_damps_swing(void)
{
	const double cap = 700, lo = 250, duty = 0.7, hz = 0.8, fl = 0.8;
	const int gpus = 4000;
	double a[N], b[N];
	job_trace(a, hz, 0, cap, lo, gpus, duty);
	job_trace(b, hz, fl, cap, lo, gpus, duty);
	struct pp_osc oa, ob;
	struct pp_errbuf eb;
	PT_CHECK(pp_osc_analyze(a, N, FS, 0.1, 3.0, &oa, &eb) == PP_OK, "%s", eb.msg);
	PT_CHECK(pp_osc_analyze(b, N, FS, 0.1, 3.0, &ob, &eb) == PP_OK, "%s", eb.msg);
	PT_CHECK(fabs(oa.peak_hz - hz) < 0.02, "the job's swing found at %.3f Hz", oa.peak_hz);
	/* Every harmonic of the square wave scales with its height: the band
	 * falls by (cap - floor) / (cap - lo). */
	double want = (cap - fl * cap) / (cap - lo);
	double got = ob.band_amp / oa.band_amp;
	PT_CHECK(fabs(got - want) < 0.05 * want, "floor shrinks the swing to %.3f, want %.3f", got,
		 want);
	/* The energy cost: the low phase lifted from lo to the floor, in the
	 * share of samples that fall in it. */
	int low = 0;
	for (int i = 0; i < N; i++)
		low += fmod(hz * i / FS, 1.0) >= duty;
	double cost = ob.mean - oa.mean;
	double want_cost = (double)low / N * (fl * cap - lo) * gpus / 1000;
	PT_CHECK(fabs(cost - want_cost) < 0.03 * want_cost, "energy cost %.1f kW, want %.1f",
		 cost, want_cost);
	printf("# 4,000 GPUs at %.1f Hz: swing %.0f kW -> %.0f kW with a %.0f %% floor, "
	       "cost %.0f kW (%.1f %% of the job's mean)\n", hz, 2 * oa.band_amp, 2 * ob.band_amp,
	       fl * 100, cost, 100 * cost / (oa.mean - 8000));
}

static void bad_input(void)
{
	double x[N] = {0};
	struct pp_osc o;
	struct pp_errbuf eb;
	PT_CHECK(pp_osc_analyze(x, 8, FS, 0.1, 3, &o, &eb) == PP_ERR_ARG, "8 samples refused");
	PT_CHECK(pp_osc_analyze(x, N, 0, 0.1, 3, &o, &eb) == PP_ERR_ARG, "a rate of 0 refused");
	PT_CHECK(pp_osc_analyze(x, N, 4, 2.5, 3, &o, &eb) == PP_ERR_ARG,
		 "a band above Nyquist refused (%s)", eb.msg);
	PT_CHECK(pp_osc_analyze(x, N, FS, 3, 1, &o, &eb) == PP_ERR_ARG, "an empty band refused");
	PT_CHECK(pp_osc_analyze(x, N, FS, 0.1, 3, &o, &eb) == PP_OK && o.band_amp == 0,
		 "a flat signal has no swing");
}

int main(void)
{
	PT_RUN(sine_found);
	PT_RUN(slow_change_out_of_band);
	PT_RUN(floor_damps_swing);
	PT_RUN(bad_input);
	return PT_DONE("test_oscill");
}
