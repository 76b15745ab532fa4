/* plan_int.h - private to the planner's report: the SVG charts. */
#ifndef PP_PLAN_INT_H
#define PP_PLAN_INT_H

#include <stddef.h>

#include "powerpark/year.h"

struct pp_series {
	char name[96];
	const char *color;
	double *x, *y;          /* n points, borrowed */
	size_t n;
	int dashed, markers;
};

struct pp_chart {
	const char *title, *xlabel, *ylabel;
	double x0, x1, y0, y1;
	struct pp_series *series;
	size_t nseries;
};

/* The i-th colour of a ten-colour palette. */
const char *pp_svg_color(size_t i);

/* Writes c (borrowed) as a line chart to path; -1 when it cannot. */
int pp_svg_lines(const char *path, const struct pp_chart *c);

/* Writes the day x hour heat map of r's headroom (hours borrowed) to path. */
int pp_svg_headroom(const char *path, const char *title, const struct pp_year_result *r);

#endif
