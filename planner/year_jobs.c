/* year_jobs.c - job arrivals of a planned year (year_int.h): Poisson
 * processes per class, thinned by the class's pattern, run times from a
 * gamma distribution (GSL's generators, seeded). */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "year_int.h"

double pp_year_pattern(enum pp_plan_pattern p, double t_h)
{
	double hod = fmod(fmod(t_h, 24) + 24, 24);
	switch (p) {
	case PP_PATTERN_DIURNAL:
		/* Busiest at 15:00, quietest at 03:00: 1.5 to 0.5. */
		return 1 + 0.5 * cos(2 * M_PI * (hod - 15) / 24);
	case PP_PATTERN_WEEKDAY: {
		/* 08:00-20:00 Monday to Friday twice the mean; the other 108 of a
		 * week's 168 hours carry the rest. */
		int wday = (int)fmod(floor(fmod(t_h, 168) + 168) / 24, 7); /* 0 Monday */
		int office = wday < 5 && hod >= 8 && hod < 20;
		return office ? 2.0 : 48.0 / 108.0;
	}
	case PP_PATTERN_FLAT:
	default:
		return 1;
	}
}

static int cmp_arrival(const void *a, const void *b)
{
	const struct yarrival *x = a, *y = b;
	if (x->t_h != y->t_h)
		return x->t_h < y->t_h ? -1 : 1;
	return x->cls - y->cls;
}

size_t pp_year_arrivals(const struct pp_plan *plan, int gpus, int max_gpus, unsigned long seed,
			double warm_h, double hours, struct yarrival **out)
{
	*out = NULL;
	size_t n = 0, cap = 1024;
	struct yarrival *a = malloc(cap * sizeof *a);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!a || !r)
		goto fail;
	for (size_t c = 0; c < plan->nclasses; c++) {
		const struct pp_plan_class *k = &plan->classes[c];
		/* Each class its own stream, so one class's change leaves the others. */
		gsl_rng_set(r, seed * 7919 + c * 104729 + 1);
		int size = k->gpus < max_gpus ? k->gpus : max_gpus;
		double rate = plan->utilization * k->share * gpus / (size * k->run_h);
		double peak = k->pattern == PP_PATTERN_DIURNAL ? 1.5
			      : k->pattern == PP_PATTERN_WEEKDAY ? 2.0 : 1.0;
		if (!(rate > 0))
			continue;
		for (double t = -warm_h;;) {
			t += gsl_ran_exponential(r, 1 / (rate * peak));
			double u = gsl_rng_uniform(r), run = gsl_ran_gamma(r, 2, k->run_h / 2),
			       f = gsl_rng_uniform(r);
			if (t >= hours)
				break;
			/* The week starts on Monday; t may be negative in the warm-up. */
			if (u * peak > pp_year_pattern(k->pattern, t + 168 * 53))
				continue;
			if (n == cap) {
				cap *= 2;
				struct yarrival *na = realloc(a, cap * sizeof *a);
				if (!na)
					goto fail;
				a = na;
			}
			a[n++] = (struct yarrival){t, fmax(run, 0.05), (int)c, size, f < k->deferrable};
		}
	}
	gsl_rng_free(r);
	qsort(a, n, sizeof *a, cmp_arrival);
	*out = a;
	return n;
fail:
	free(a);
	if (r)
		gsl_rng_free(r);
	return (size_t)-1;
}
