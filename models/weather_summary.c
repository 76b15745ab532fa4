/* weather_summary.c - the yearly summary of a weather file (weather.h). */
#include <string.h>

#include "powerpark/heatrej.h"
#include "powerpark/weather.h"

void pp_weather_summarize(const struct pp_weather *w, double chw_supply, double chw_return,
			  double hx_approach, struct pp_weather_summary *s)
{
	memset(s, 0, sizeof *s);
	s->chw_supply = chw_supply;
	s->chw_return = chw_return;
	s->hx_approach = hx_approach;
	if (!w->n)
		return;
	s->db_min = s->db_max = w->h[0].db_c;
	s->wb_max = w->h[0].wb_c;
	double sum = 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct pp_weather_hour *h = &w->h[i];
		sum += h->db_c;
		if (h->db_c < s->db_min)
			s->db_min = h->db_c;
		if (h->db_c > s->db_max)
			s->db_max = h->db_c;
		if (h->wb_c > s->wb_max)
			s->wb_max = h->wb_c;
		s->wb_le10_h += h->wb_c <= 10;
		s->wb_le15_h += h->wb_c <= 15;
		s->wb_le20_h += h->wb_c <= 20;
		double cold = h->wb_c + pp_heatrej_tower_approach(h->wb_c, 5.6, 1.0);
		double f = pp_heatrej_economizer(cold, hx_approach, chw_supply, chw_return);
		s->free_full_h += f >= 1.0;
		s->free_partial_h += f > 0 && f < 1.0;
	}
	s->db_mean = sum / (double)w->n;
	s->wb_04 = pp_weather_wb_exceeded(w, 0.004);
}
