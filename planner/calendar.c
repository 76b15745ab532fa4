/* calendar.c - the planner's year: its calendar and the grid limit a
 * site's recurring events set at each hour of it (see year.h). */
#include <math.h>

#include "powerpark/plan.h"
#include "powerpark/year.h"

void pp_year_calendar(double t_h, int *month, int *day, int *hod, int *weekend)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	double days = floor(t_h / 24);
	int d = (int)fmod(days, 365), m = 0;
	while (m < 11 && d >= mdays[m])
		d -= mdays[m++];
	*month = m + 1;
	*day = d + 1;
	*hod = (int)floor(t_h - days * 24);
	*weekend = fmod(days, 7) >= 5; /* day 0 is a Monday */
}

double pp_year_limit_at(const struct pp_plan_site *s, double t_h)
{
	double lim = s->limit_kw, hod = t_h - floor(t_h / 24) * 24;
	int month, day, h, weekend;
	pp_year_calendar(t_h, &month, &day, &h, &weekend);
	for (size_t i = 0; i < s->nevents; i++) {
		const struct pp_plan_event *e = &s->events[i];
		if (!(e->months & (1u << (month - 1))) || (e->days == 1 && weekend) ||
		    (e->days == 2 && !weekend) || hod < e->from_h || hod >= e->to_h)
			continue;
		if (e->limit_kw < lim)
			lim = e->limit_kw;
	}
	return lim;
}
