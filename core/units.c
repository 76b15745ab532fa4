/* units.c - numbers and durations as people write them (units.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/units.h"

/* Each unit in milliseconds: whole numbers, so "0.1s" in ms is exactly
 * 100 and "60000ms" in s exactly 60. */
static const struct {
	const char *name;
	double ms;
} units[] = {
	{"ms", 1}, {"s", 1e3}, {"min", 6e4}, {"m", 6e4}, {"h", 3.6e6}, {"d", 8.64e7},
};
#define NUNITS (sizeof units / sizeof units[0])

static double unit_ms(const char *name)
{
	for (size_t i = 0; name && i < NUNITS; i++)
		if (!strcmp(units[i].name, name))
			return units[i].ms;
	return 0;
}

/* The number at the start of s into *v; where it ends, or NULL. */
static const char *number(const char *s, double *v)
{
	char *end;
	if (!s || !*s)
		return NULL;
	*v = strtod(s, &end);
	if (end == s || !isfinite(*v))
		return NULL;
	return end;
}

enum pp_err pp_units_number(const char *s, double *out)
{
	double v;
	const char *end = number(s, &v);
	if (!end || *end)
		return PP_ERR_PARSE;
	*out = v;
	return PP_OK;
}

enum pp_err pp_units_duration(const char *s, const char *unit, double *out)
{
	double to = unit_ms(unit), v;
	if (!to)
		return PP_ERR_ARG;
	const char *end = number(s, &v);
	if (!end)
		return PP_ERR_PARSE;
	double from = *end ? unit_ms(end) : to;
	if (!from || v < 0)
		return PP_ERR_PARSE;
	*out = from == to ? v : v * from / to;
	return PP_OK;
}

double pp_units_f32(float f)
{
	if (!isfinite(f))
		return f;
	char b[32];
	/* 9 significant digits always read back as the same float32. */
	for (int p = 1; p <= 9; p++) {
		snprintf(b, sizeof b, "%.*g", p, (double)f);
		if (strtof(b, NULL) == f)
			return strtod(b, NULL);
	}
	return f;
}

/* The fewest decimals d (0..9) with x * 10^d an integer, or -1. */
static int decimals(double x)
{
	double m = 1;
	for (int d = 0; d <= 9; d++, m *= 10) {
		double y = x * m;
		if (fabs(y - nearbyint(y)) <= 1e-6)
			return d;
	}
	return -1;
}

double pp_units_scaled(double raw, double scale, double offset)
{
	double v = raw * scale + offset;
	int ds = decimals(scale), dof = decimals(offset);
	if (!isfinite(v) || raw != nearbyint(raw) || ds < 0 || dof < 0)
		return v;
	int d = ds > dof ? ds : dof;
	double m = 1;
	for (int k = 0; k < d; k++)
		m *= 10;
	/* raw * (scale 10^d) + offset 10^d is an integer; divided by 10^d once,
	 * it is the double nearest the decimal (IEEE division rounds right). */
	double n = raw * nearbyint(scale * m) + nearbyint(offset * m);
	if (!(fabs(n) < 9007199254740992.0))
		return v;
	return n / m;
}
