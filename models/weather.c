/* weather.c - the EPW reader and time interpolation (see weather.h). EPW is
 * CSV with 8 header lines; only LOCATION and DATA PERIODS matter here, and
 * of each row the date, minute, dry-bulb, dew point, RH and pressure. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/psychro.h"
#include "powerpark/weather.h"

#define PP_EPW_MAX_FIELDS 40  /* fields of a line that are split (a row has 35) */
#define PP_EPW_HEADER_LINES 8 /* lines before the first hourly row */
#define PP_EPW_COLS 10        /* columns of a row that are read: date ... pressure */
#define PP_EPW_LOCATION 10    /* fields of the LOCATION line: its name, city ... elevation */
#define PP_EPW_DATE_COLS 5    /* year, month, day, hour, minute */
#define PP_EPW_MINUTE_MAX 60  /* the minute field: 0..60 (EnergyPlus' data dictionary) */

/* The ranges of EnergyPlus' data dictionary for what is read; a value
 * outside is no reading and is filled like a missing code (which all lie
 * outside: 99.9, 999, 999999). */
#define PP_EPW_T_MIN -70.0    /* dry-bulb and dew point, C */
#define PP_EPW_T_MAX 70.0
#define PP_EPW_RH_MAX 110.0   /* relative humidity, %, above 0 */
#define PP_EPW_PA_MIN 31000.0 /* station pressure, Pa */
#define PP_EPW_PA_MAX 120000.0
#define PP_EPW_TZ_MIN -12.0   /* the LOCATION line's time zone, hours */
#define PP_EPW_TZ_MAX 14.0
#define PP_EPW_ELEV_MIN -1000.0 /* and its elevation, m */
#define PP_EPW_ELEV_MAX 9999.9

/* Splits line in place at commas; returns the number of fields. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		f[n++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = 0;
		p = c + 1;
	}
	return n;
}

static int num(const char *s, double *v)
{
	char *end;
	errno = 0;
	while (*s == ' ')
		s++;
	*v = strtod(s, &end);
	while (*end == ' ')
		end++;
	return end != s && !*end && !errno && isfinite(*v);
}

/* Whether v is a whole number in [lo, hi], then written to *out: checked
 * on the double, so that the cast is defined. */
static int whole(double v, int lo, int hi, int *out)
{
	if (!(v >= lo && v <= hi) || v != floor(v))
		return 0;
	*out = (int)v;
	return 1;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* Fills runs of NAN in v[0..n) by linear interpolation between the nearest
 * good values around the year (the file is one cyclic typical year). */
static size_t fill(double *v, size_t n)
{
	size_t good = 0, filled = 0;
	for (size_t i = 0; i < n; i++)
		good += !isnan(v[i]);
	if (!good || good == n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!isnan(v[i]))
			continue;
		size_t a = i, b = i;
		size_t da = 0, db = 0;
		while (isnan(v[a]))
			a = (a + n - 1) % n, da++;
		while (isnan(v[b]))
			b = (b + 1) % n, db++;
		v[i] = v[a] + (v[b] - v[a]) * (double)da / (double)(da + db);
		filled++;
	}
	return filled;
}

static void derive(struct pp_weather_hour *h)
{
	h->wb_c = pp_psychro_wetbulb(h->db_c, h->dp_c, h->p_pa);
	h->w = pp_psychro_w_from_dewpoint(h->dp_c, h->p_pa);
	h->h_kj_kg = pp_psychro_enthalpy(h->db_c, h->w);
}

/* The columns as read, missing values NAN until fill_year, and the line
 * each row came from. */
struct raw {
	double *db, *dp, *rh, *pa;
	long *line;
};

/* v if it lies in [lo, hi], else NAN (missing). */
static double reading(double v, double lo, double hi)
{
	return v >= lo && v <= hi ? v : NAN;
}

/* One of the header lines: LOCATION and DATA PERIODS are read, the others
 * skipped; the last one checks that both came. */
static enum pp_err header_line(const char *path, long lineno, char **fl, int nf,
			       struct pp_weather *w, int *have_loc, int *have_period,
			       struct pp_errbuf *eb)
{
	if (!strcmp(fl[0], "LOCATION")) {
		if (nf < PP_EPW_LOCATION || !num(fl[6], &w->lat) || !num(fl[7], &w->lon) ||
		    !num(fl[8], &w->tz_h) || !num(fl[9], &w->elev_m))
			return pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: LOCATION needs city, region, "
				       "country, source, WMO, latitude, longitude, time zone and "
				       "elevation", path, lineno);
		if (fabs(w->lat) > 90 || fabs(w->lon) > 180 || w->tz_h < PP_EPW_TZ_MIN ||
		    w->tz_h > PP_EPW_TZ_MAX || w->elev_m < PP_EPW_ELEV_MIN ||
		    w->elev_m > PP_EPW_ELEV_MAX)
			return pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: LOCATION: latitude %g, longitude "
				       "%g, time zone %g, elevation %g m: expected -90..90, "
				       "-180..180, %g..%g and %g..%g", path, lineno, w->lat, w->lon,
				       w->tz_h, w->elev_m, PP_EPW_TZ_MIN, PP_EPW_TZ_MAX,
				       PP_EPW_ELEV_MIN, PP_EPW_ELEV_MAX);
		copy(w->city, sizeof w->city, fl[1]);
		copy(w->region, sizeof w->region, fl[2]);
		copy(w->country, sizeof w->country, fl[3]);
		copy(w->source, sizeof w->source, fl[4]);
		copy(w->wmo, sizeof w->wmo, fl[5]);
		*have_loc = 1;
	} else if (!strcmp(fl[0], "DATA PERIODS")) {
		double per, rec;
		if (nf < 3 || !num(fl[1], &per) || !num(fl[2], &rec) || per != 1 || rec != 1)
			return pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: DATA PERIODS: expected one "
				       "period of hourly records (1,1,...)", path, lineno);
		*have_period = 1;
	}
	if (lineno == PP_EPW_HEADER_LINES && (!*have_loc || !*have_period))
		return pp_err_set(eb, PP_ERR_PARSE, "%s: not an EPW file: the %d header lines lack "
			       "%s", path, PP_EPW_HEADER_LINES, *have_loc ? "DATA PERIODS" : "LOCATION");
	return PP_OK;
}

/* One hourly row: its date, and the raw dry-bulb, dew point, RH and
 * pressure (missing codes as NAN). */
static enum pp_err data_row(const char *path, long lineno, char **fl, int nf,
			    struct pp_weather *w, struct raw *r, struct pp_errbuf *eb)
{
	if (w->n >= PP_WEATHER_HOURS)
		return pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: more than %d hourly rows", path, lineno,
			       PP_WEATHER_HOURS);
	double v[PP_EPW_COLS];
	if (nf < PP_EPW_COLS)
		return pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: %d fields; an EPW row has 35 (date, "
			       "time, flags, dry-bulb, dew point, RH, pressure, ...)", path, lineno, nf);
	static const char *const what[PP_EPW_COLS] = {"year", "month", "day", "hour", "minute",
						      NULL, "dry-bulb", "dew point", "RH",
						      "station pressure"};
	for (int k = 0; k < PP_EPW_COLS; k++) {
		if (k == 5)
			continue; /* the data source and uncertainty flags */
		if (!num(fl[k], &v[k]))
			return pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: field %d (%s): expected a "
				       "number, got '%.20s'", path, lineno, k + 1, what[k], fl[k]);
	}
	/* Range-checked as doubles before any cast: (int)1e20 is undefined. */
	static const int lo[PP_EPW_DATE_COLS] = {0, 1, 1, 1, 0};
	static const int hi[PP_EPW_DATE_COLS] = {0, 12, 31, 24, PP_EPW_MINUTE_MAX};
	int d[PP_EPW_DATE_COLS] = {0};
	for (int k = 1; k < PP_EPW_DATE_COLS; k++)
		if (!whole(v[k], lo[k], hi[k], &d[k]))
			return pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: field %d (%s): expected a "
				       "whole number from %d to %d, got '%.20s'", path, lineno,
				       k + 1, what[k], lo[k], hi[k], fl[k]);
	if (d[2] > mdays[d[1] - 1])
		return pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: month %d, day %d: expected a date of "
			       "a 365-day year", path, lineno, d[1], d[2]);
	struct pp_weather_hour *h = &w->h[w->n];
	h->month = d[1];
	h->day = d[2];
	h->hour = d[3];
	if (!w->n)
		w->minute = d[4];
	r->db[w->n] = reading(v[6], PP_EPW_T_MIN, PP_EPW_T_MAX);
	r->dp[w->n] = reading(v[7], PP_EPW_T_MIN, PP_EPW_T_MAX);
	r->rh[w->n] = v[8] > 0 ? reading(v[8], 0, PP_EPW_RH_MAX) : NAN;
	r->pa[w->n] = reading(v[9], PP_EPW_PA_MIN, PP_EPW_PA_MAX);
	r->line[w->n] = lineno;
	w->n++;
	return PP_OK;
}

/* Fills the missing values and derives each hour: dry-bulb first, then a
 * dew point from RH where only that is missing, then whatever is left by
 * time; a pressure from the elevation. */
static enum pp_err fill_year(const char *path, struct pp_weather *w, struct raw *r,
			     struct pp_errbuf *eb)
{
	w->filled += fill(r->db, w->n);
	for (size_t i = 0; i < w->n; i++)
		if (isnan(r->dp[i]) && !isnan(r->rh[i]) && !isnan(r->db[i])) {
			double dp = pp_psychro_dewpoint_from_rh(r->db[i], r->rh[i]);
			r->dp[i] = reading(dp, PP_EPW_T_MIN, PP_EPW_T_MAX);
			w->filled += !isnan(r->dp[i]);
		}
	w->filled += fill(r->dp, w->n);
	if (isnan(r->db[0]) || isnan(r->dp[0]))
		return pp_err_set(eb, PP_ERR_PARSE, "%s: no valid %s in any row", path,
			       isnan(r->db[0]) ? "dry-bulb" : "dew point");
	double p0 = pp_psychro_pressure_at(w->elev_m);
	for (size_t i = 0; i < w->n; i++) {
		struct pp_weather_hour *h = &w->h[i];
		h->db_c = r->db[i];
		h->dp_c = r->dp[i] > r->db[i] ? r->db[i] : r->dp[i];
		h->p_pa = isnan(r->pa[i]) ? p0 : r->pa[i];
		w->filled += isnan(r->pa[i]);
		double pws = pp_psychro_pws(h->db_c);
		h->rh_pct = isnan(r->rh[i]) ? 100.0 * pp_psychro_pws(h->dp_c) / pws : r->rh[i];
		derive(h);
		if (!isfinite(h->rh_pct) || !isfinite(h->wb_c) || !isfinite(h->w) ||
		    !isfinite(h->h_kj_kg))
			return pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: dry-bulb %g C, dew point %g C "
				       "at %g Pa are no humid air (the vapour pressure reaches the "
				       "pressure)", path, r->line[i], h->db_c, h->dp_c, h->p_pa);
	}
	return PP_OK;
}

enum pp_err pp_weather_load(const char *path, struct pp_weather *w, struct pp_errbuf *eb)
{
	memset(w, 0, sizeof *w);
	FILE *f = fopen(path, "rb");
	if (!f)
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", path, strerror(errno));
	enum pp_err rc = PP_OK;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int have_loc = 0, have_period = 0;
	struct raw r;
	w->h = calloc(PP_WEATHER_HOURS, sizeof *w->h);
	r.db = malloc(PP_WEATHER_HOURS * sizeof *r.db);
	r.dp = malloc(PP_WEATHER_HOURS * sizeof *r.dp);
	r.rh = malloc(PP_WEATHER_HOURS * sizeof *r.rh);
	r.pa = malloc(PP_WEATHER_HOURS * sizeof *r.pa);
	r.line = malloc(PP_WEATHER_HOURS * sizeof *r.line);
	if (!w->h || !r.db || !r.dp || !r.rh || !r.pa || !r.line) {
		rc = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		char *fl[PP_EPW_MAX_FIELDS];
		int nf = split(line, fl, PP_EPW_MAX_FIELDS);
		if (lineno <= PP_EPW_HEADER_LINES)
			rc = header_line(path, lineno, fl, nf, w, &have_loc, &have_period, eb);
		else if (len)
			rc = data_row(path, lineno, fl, nf, w, &r, eb);
		if (rc)
			goto fail;
	}
	if (ferror(f)) {
		rc = pp_err_set(eb, PP_ERR_IO, "%s: read error", path);
		goto fail;
	}
	if (w->n != PP_WEATHER_HOURS) {
		rc = pp_err_set(eb, PP_ERR_PARSE, "%s:%ld: %zu hourly rows; an EPW year has %d",
			     path, lineno, w->n, PP_WEATHER_HOURS);
		goto fail;
	}
	if ((rc = fill_year(path, w, &r, eb)))
		goto fail;
	goto out;
fail:
	pp_weather_free(w);
out:
	free(line);
	free(r.db);
	free(r.dp);
	free(r.rh);
	free(r.pa);
	free(r.line);
	fclose(f);
	return rc;
}

void pp_weather_free(struct pp_weather *w)
{
	free(w->h);
	w->h = NULL;
	w->n = 0;
}

void pp_weather_at(const struct pp_weather *w, double t_h, struct pp_weather_hour *out)
{
	/* Row i stands for time i + 1 (end of hour) or i + 0.5 (minute 30). */
	double off = w->minute == 30 ? 0.5 : 1.0;
	double n = (double)w->n;
	double x = fmod(t_h - off, n);
	if (x < 0)
		x += n;
	if (!(x >= 0 && x < n))
		x = 0; /* t_h not finite: the first row, not an undefined cast */
	size_t i = (size_t)x;
	if (i >= w->n)
		i = w->n - 1;
	double fr = x - (double)i;
	const struct pp_weather_hour *a = &w->h[i], *b = &w->h[(i + 1) % w->n];
	*out = fr < 0.5 ? *a : *b;
	out->db_c = a->db_c + fr * (b->db_c - a->db_c);
	out->dp_c = a->dp_c + fr * (b->dp_c - a->dp_c);
	out->p_pa = a->p_pa + fr * (b->p_pa - a->p_pa);
	out->rh_pct = a->rh_pct + fr * (b->rh_pct - a->rh_pct);
	derive(out);
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x < y) - (x > y);
}

/* The value of a row's field (offset into the row) exceeded in fraction of
 * the hours. */
static double exceeded(const struct pp_weather *w, size_t field, double fraction)
{
	if (!w->n || !(fraction >= 0 && fraction <= 1))
		return NAN;
	double *v = malloc(w->n * sizeof *v);
	if (!v)
		return NAN;
	for (size_t i = 0; i < w->n; i++)
		v[i] = *(const double *)((const char *)&w->h[i] + field);
	qsort(v, w->n, sizeof *v, cmp_desc);
	size_t k = (size_t)floor(fraction * (double)w->n);
	if (k >= w->n)
		k = w->n - 1;
	double r = v[k];
	free(v);
	return r;
}

double pp_weather_wb_exceeded(const struct pp_weather *w, double fraction)
{
	return exceeded(w, offsetof(struct pp_weather_hour, wb_c), fraction);
}

double pp_weather_db_exceeded(const struct pp_weather *w, double fraction)
{
	return exceeded(w, offsetof(struct pp_weather_hour, db_c), fraction);
}
