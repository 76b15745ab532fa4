/* svg.c - the planner's charts as plain SVG (report_int.h): line charts
 * with axes and a legend, and a day x hour heat map. No library: a chart
 * is a few hundred lines of text any browser draws. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
				      "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

const char *pp_svg_color(size_t i)
{
	return palette[i % (sizeof palette / sizeof palette[0])];
}

/* A "nice" tick step for a span: 1, 2 or 5 times a power of ten. */
static double tick_step(double span, int want)
{
	double raw = span / want, p = pow(10, floor(log10(raw))), f = raw / p;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

static void esc(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
}

/* A line chart's frame: its height, the margins left, top and bottom, the
 * plot's width; the legend's right margin grows with its longest name. */
enum { H = 460, L = 80, T = 40, B = 56, PW = 520, R_MIN = 220 };
/* The legend: where its text starts right of the plot, and the widest a
 * character of its 12 px sans-serif is (0.6 em, 'M' and 'W' aside). */
#define PP_SVG_LEGEND_X 42
#define PP_SVG_CHAR_W 7.2

static double px(const struct pp_chart *c, double x)
{
	return L + (x - c->x0) / (c->x1 - c->x0) * PW;
}

static double py(const struct pp_chart *c, double y)
{
	return H - B - (y - c->y0) / (c->y1 - c->y0) * (H - T - B);
}

/* A point of series se inside the plot: y clamped to the axes; *off set
 * when it was clamped (drawn hollow at the edge). */
static double ypos(const struct pp_chart *c, double y, int *off)
{
	*off = y > c->y1 || y < c->y0;
	return py(c, fmin(fmax(y, c->y0), c->y1));
}

/* The series' polyline and markers (hollow where off the scale). */
static void series(FILE *f, const struct pp_chart *c, const struct pp_series *se)
{
	int off;
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"",
		se->color, se->dashed ? "1.5" : "2", se->dashed ? " stroke-dasharray=\"6 4\"" : "");
	for (size_t i = 0; i < se->n; i++)
		fprintf(f, "%.1f,%.1f ", px(c, fmin(fmax(se->x[i], c->x0), c->x1)),
			ypos(c, se->y[i], &off));
	fputs("\"/>\n", f);
	for (size_t i = 0; se->markers && i < se->n; i++) {
		double y = ypos(c, se->y[i], &off);
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" stroke=\"%s\"/>\n",
			px(c, fmin(fmax(se->x[i], c->x0), c->x1)), y, off ? "white" : se->color,
			se->color);
	}
}

int pp_svg_lines(const char *path, const struct pp_chart *c)
{
	size_t longest = 0;
	for (size_t s = 0; s < c->nseries; s++)
		if (strlen(c->series[s].name) > longest)
			longest = strlen(c->series[s].name);
	const int R = (int)fmax(R_MIN, PP_SVG_LEGEND_X + PP_SVG_CHAR_W * (double)longest + 12);
	const int W = L + PW + R;
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<title>",
		W, H, W, H);
	esc(f, c->title);
	fprintf(f, "</title>\n<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">", L);
	esc(f, c->title);
	fputs("</text>\n", f);
	/* Grid lines and ticks. */
	double sx = tick_step(c->x1 - c->x0, 8), sy = tick_step(c->y1 - c->y0, 6);
	for (double x = ceil(c->x0 / sx) * sx; x <= c->x1 + 1e-9; x += sx)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
			   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
			px(c, x), T, px(c, x), H - B, px(c, x), H - B + 16, x);
	for (double y = ceil(c->y0 / sy) * sy; y <= c->y1 + 1e-9; y += sy)
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			L, py(c, y), W - R, py(c, y), L - 6, py(c, y) + 4, y);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		   "stroke=\"#333\"/>\n", L, T, W - L - R, H - T - B);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (L + W - R) / 2, H - 14);
	esc(f, c->xlabel);
	fprintf(f, "</text>\n<text transform=\"translate(18 %d) rotate(-90)\" "
		   "text-anchor=\"middle\">", (T + H - B) / 2);
	esc(f, c->ylabel);
	fputs("</text>\n", f);
	for (size_t s = 0; s < c->nseries; s++) {
		const struct pp_series *se = &c->series[s];
		series(f, c, se);
		double ly = T + 14 + 18.0 * (double)s;
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
			   "stroke-width=\"2\"%s/><text x=\"%d\" y=\"%.1f\">", W - R + 12, ly,
			W - R + 36, ly, se->color, se->dashed ? " stroke-dasharray=\"6 4\"" : "",
			W - R + PP_SVG_LEGEND_X, ly + 4);
		esc(f, se->name);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
	return fclose(f) ? -1 : 0;
}

/* Red at no headroom, through amber, to green at 30 % or more. */
static void heat_color(double frac, char *out, size_t len)
{
	double v = fmin(fmax(frac / 0.3, 0), 1);
	int r = v < 0.5 ? 215 : (int)(215 - (v - 0.5) * 2 * 170);
	int g = v < 0.5 ? (int)(48 + v * 2 * 150) : (int)(198 - (v - 0.5) * 2 * 38);
	snprintf(out, len, "#%02x%02x%02x", r, g, v < 0.5 ? 39 : 60);
}

int pp_svg_headroom(const char *path, const char *title, const struct pp_year_result *r)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	size_t days = (r->nhours + 23) / 24;
	int cw = 2, ch = 12, x0 = 50, y0 = 40, w = x0 + (int)days * cw + 150, h = y0 + 24 * ch + 50;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\" "
		   "shape-rendering=\"crispEdges\">\n<rect width=\"100%%\" height=\"100%%\" "
		   "fill=\"white\"/>\n<title>", w, h, w, h);
	esc(f, title);
	fprintf(f, "</title>\n<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">", x0);
	esc(f, title);
	fputs("</text>\n", f);
	for (size_t i = 0; i < r->nhours; i++) {
		const struct pp_year_hour *o = &r->hours[i];
		double eff = o->grid_kwh + o->headroom_kw;
		double frac = isfinite(o->headroom_kw) && eff > 0 ? o->headroom_kw / eff : 1;
		char col[8];
		heat_color(frac, col, sizeof col);
		fprintf(f, "<rect x=\"%zu\" y=\"%zu\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
			x0 + (i / 24) * (size_t)cw, y0 + (i % 24) * (size_t)ch, cw, ch, col);
	}
	for (int hod = 0; hod < 24; hod += 6)
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%02d:00</text>\n", x0 - 4,
			y0 + hod * ch + 10, hod);
	static const char *const mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	static const int md[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	for (int m = 0; m < 12 && (size_t)md[m] < days; m++)
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", x0 + md[m] * cw, y0 + 24 * ch + 16,
			mn[m]);
	int lx = x0 + (int)days * cw + 20;
	fprintf(f, "<text x=\"%d\" y=\"%d\">headroom</text>\n", lx, y0 + 8);
	for (int k = 0; k <= 6; k++) {
		char col[8];
		heat_color(k * 0.05, col, sizeof col);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
			   "<text x=\"%d\" y=\"%d\">%s%d %%</text>\n", lx, y0 + 18 + k * 18, col,
			lx + 20, y0 + 29 + k * 18, k == 6 ? ">= " : "", k * 5);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\">day of year (x), hour of day (y)</text>\n</svg>\n", x0,
		h - 8);
	return fclose(f) ? -1 : 0;
}
