/* year_sum.c - a simulated year's totals from its hours (year_int.h), and
 * its loss in the measure a plan's budget is set in (year.h). */
#include <math.h>

#include "year_int.h"
#include "powerpark/year.h"

/* The year's totals are its hours' (before the hours' averages are taken). */
void pp_year_totals(struct pp_year_result *r)
{
	for (size_t i = 0; i < r->nhours; i++) {
		const struct pp_year_hour *o = &r->hours[i];
		r->grid_kwh += o->grid_kwh;
		r->it_kwh += o->it_kwh;
		r->cooling_kwh += o->cooling_kwh;
		r->other_kwh += o->other_kwh;
		r->water_l += o->water_l;
		r->peak_kw = fmax(r->peak_kw, o->grid_peak_kw);
		r->at_grid_h += o->at_grid_h;
		r->at_cooling_h += o->at_cooling_h;
		r->at_hall_h += o->at_hall_h;
		r->delivered_gpu_h += o->delivered_gpu_h;
		r->lost_gpu_h += o->lost_gpu_h;
		r->waiting_gpu_h += o->gpus_waiting;
		if (o->month) {
			r->month_grid_kwh[o->month - 1] += o->grid_kwh;
			r->month_it_kwh[o->month - 1] += o->it_kwh;
			r->month_water_l[o->month - 1] += o->water_l;
		}
	}
	r->pue = r->it_kwh > 0 ? r->grid_kwh / r->it_kwh : 0;
	r->wue = r->it_kwh > 0 ? r->water_l / r->it_kwh : 0;
	r->loss = r->delivered_gpu_h + r->lost_gpu_h > 0
			  ? r->lost_gpu_h / (r->delivered_gpu_h + r->lost_gpu_h)
			  : 0;
	r->value_loss = r->value_delivered + r->value_lost > 0
				? r->value_lost / (r->value_delivered + r->value_lost)
				: 0;
}

double pp_year_loss(const struct pp_year_result *r, int measure)
{
	return measure == PP_MEASURE_GPU_H ? r->loss : r->value_loss;
}
