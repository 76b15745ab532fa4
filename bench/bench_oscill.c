/* bench_oscill.c - the swing of a 4,000-GPU synchronous training job at the
 * site meter (10 Hz, one minute), with and without a power floor, and its
 * energy cost; and the time to analyse one minute of one meter (GSL FFT).
 * Prints "osc HZ FLOOR SWING_KW SWING_FLOOR_KW COST_KW COST_PCT" lines and
 * "osc_fft_us US". */
#include <stdio.h>
#include <time.h>

#include "powerpark/osc.h"

#define FS 10.0
#define N 600

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(void)
{
	const double hz[] = {0.5, 1.0, 2.0}, floors[] = {0.6, 0.8};
	double a[N], b[N];
	struct pp_osc oa, ob;
	struct pp_errbuf eb;
	for (size_t h = 0; h < 3; h++)
		for (size_t f = 0; f < 2; f++) {
			struct pp_osc_job j = {4000, hz[h], 0.7, 700, 250, 0, 8000};
			pp_osc_job_trace(&j, FS, a, N);
			j.floor_frac = floors[f];
			pp_osc_job_trace(&j, FS, b, N);
			if (pp_osc_analyze(a, N, FS, 0.1, 3.0, &oa, &eb) ||
			    pp_osc_analyze(b, N, FS, 0.1, 3.0, &ob, &eb)) {
				fprintf(stderr, "bench_oscill: %s\n", eb.msg);
				return 1;
			}
			printf("osc %.1f %.1f %.1f %.1f %.1f %.2f\n", hz[h], floors[f], 2 * oa.band_amp,
			       2 * ob.band_amp, ob.mean - oa.mean,
			       100 * (ob.mean - oa.mean) / (oa.mean - 8000));
		}
	double t[15];
	for (int r = 0; r < 15; r++) {
		double t0 = now_us();
		for (int k = 0; k < 100; k++)
			if (pp_osc_analyze(a, N, FS, 0.1, 3.0, &oa, &eb))
				return 1;
		t[r] = (now_us() - t0) / 100;
	}
	for (int i = 1; i < 15; i++) /* insertion sort for the median */
		for (int k = i; k > 0 && t[k] < t[k - 1]; k--) {
			double x = t[k];
			t[k] = t[k - 1];
			t[k - 1] = x;
		}
	printf("osc_fft_us %.2f\n", t[7]);
	return 0;
}
