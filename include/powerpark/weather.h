/* weather.h - hourly weather from EnergyPlus EPW files, with the derived
 * psychrometric values every cooling model needs. */
#ifndef PP_WEATHER_H
#define PP_WEATHER_H

#include <stddef.h>

#include "powerpark/err.h"

#define PP_WEATHER_HOURS 8760

/* One hourly row, missing values already filled (see pp_weather_load). */
struct pp_weather_hour {
	int month, day, hour; /* hour 1..24, hour-ending as in the file */
	double db_c, dp_c, rh_pct, p_pa;
	double wb_c, w, h_kj_kg; /* derived: wet-bulb, humidity ratio, enthalpy */
};

/* A loaded year. Embedded value type: pp_weather_load fills it,
 * pp_weather_free releases it. */
struct pp_weather {
	char city[64], region[32], country[32], source[32], wmo[16];
	double lat, lon, tz_h, elev_m;
	int minute;           /* the minute field of the rows (0 or 30 in practice) */
	size_t n;             /* 8760 */
	size_t filled;        /* values that were missing and were interpolated */
	struct pp_weather_hour *h;
};

/* Reads an EPW file at path (borrowed): the LOCATION and DATA PERIODS
 * header lines, then 8,760 hourly rows (CRLF or LF, minute 0 or 30; each
 * row's month, day, hour and minute whole numbers in range). Missing
 * codes (99.9 for temperatures, 999 for RH, 999999 for pressure) are filled:
 * a dew point from RH where that is there, else by interpolating between
 * the nearest good hours; a pressure from the elevation. Wet-bulb, humidity
 * ratio and enthalpy are derived per row. Errors name path:line and what
 * was expected; on error w holds nothing to free. */
PP_WUR enum pp_err pp_weather_load(const char *path, struct pp_weather *w, struct pp_errbuf *eb);

/* Releases what pp_weather_load allocated; w may be zeroed or freed twice. */
void pp_weather_free(struct pp_weather *w);

/* The weather at t_h hours after 1 January 00:00 local standard time, for
 * any time step: linear between rows (a row stands for the end of its hour,
 * or its middle when the file's minute is 30), wrapping around the year.
 * Wet-bulb and the rest are recomputed from the interpolated dry-bulb, dew
 * point and pressure. A t_h that is not finite gives the first row. */
void pp_weather_at(const struct pp_weather *w, double t_h, struct pp_weather_hour *out);

/* The value of the wet-bulb exceeded in the given fraction of hours (0.004
 * for the 0.4 % design wet-bulb); NAN for a fraction outside [0, 1]. */
double pp_weather_wb_exceeded(const struct pp_weather *w, double fraction);

/* The same for the dry-bulb (the air-cooled design hour). */
double pp_weather_db_exceeded(const struct pp_weather *w, double fraction);

/* A year at a glance, as `powerpark weather` prints it. */
struct pp_weather_summary {
	double db_min, db_mean, db_max, wb_max;
	int wb_le10_h, wb_le15_h, wb_le20_h; /* hours with wet-bulb <= 10, 15, 20 C */
	double wb_04;                        /* 0.4 % wet-bulb */
	double chw_supply, chw_return, hx_approach;
	int free_full_h, free_partial_h;     /* water-side economizer hours */
};

/* Summarizes w (borrowed) into s (written). Free cooling: each hour, a tower
 * at full air flow and design range (5.6 K) gives water at wet-bulb +
 * approach; through a plate heat exchanger (hx_approach K) that is full
 * free cooling at or below chw_supply and partial below chw_return. */
void pp_weather_summarize(const struct pp_weather *w, double chw_supply, double chw_return,
			  double hx_approach, struct pp_weather_summary *s);

#endif
