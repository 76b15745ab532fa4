/* split.c - a regional cut split across parks (fleet.h): by value, the
 * kW of the cheapest segments of all the parks' loss curves first (for
 * convex piecewise-linear curves that is the optimum: it is a fractional
 * knapsack), or pro rata to the parks' draw. */
#include "powerpark/fleet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FLEET_EPS 1e-9 /* kW and value per kW: what rounding may leave */

struct seg {         /* one linear piece of a park's curve, within its max cut */
	size_t park;
	double kw, slope; /* its width and value lost per kW */
};

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	if (x->slope != y->slope)
		return x->slope < y->slope ? -1 : 1;
	return x->park < y->park ? -1 : x->park > y->park; /* a stable order */
}

/* Why park p's curve is not one the split takes, or NULL. */
static const char *bad_curve(const struct pp_fleet_park *p)
{
	if (!(p->draw_kw >= 0) || !(p->max_cut_kw >= 0) || !isfinite(p->max_cut_kw))
		return "a draw and a max cut of 0 or more kW";
	if (p->nloss > PP_FLEET_MAX_POINTS)
		return "at most 16 points";
	double x = 0, y = 0, last = -INFINITY;
	for (size_t k = 0; k < p->nloss; k++) {
		double cx = p->loss[k][0], cy = p->loss[k][1];
		if (!(cx > x) || !isfinite(cx) || !(cy >= y) || !isfinite(cy))
			return "cuts rising and value lost not falling, from (0, 0)";
		double s = (cy - y) / (cx - x);
		if (s < last - FLEET_EPS * fmax(1, fabs(last)))
			return "convex (each kW at least as dear as the last)";
		last = s;
		x = cx;
		y = cy;
	}
	return NULL;
}

double pp_fleet_loss(const struct pp_fleet_park *p, double x)
{
	double px = 0, py = 0;
	for (size_t k = 0; k < p->nloss; k++) {
		double cx = p->loss[k][0], cy = p->loss[k][1];
		if (x <= cx)
			return py + (x - px) * (cy - py) / (cx - px);
		px = cx;
		py = cy;
	}
	return py; /* past the last point: the curve ends (no more to shed) */
}

enum pp_err pp_fleet_split_value(const struct pp_fleet_park *p, size_t n, double cut_kw,
				 double *share_kw, double *price, double *lost, double *short_kw,
				 struct pp_errbuf *eb)
{
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		const char *why = bad_curve(&p[i]);
		if (why)
			return pp_err_set(eb, PP_ERR_ARG, "park %s: its loss curve must be %s",
					  p[i].name ? p[i].name : "?", why);
		ns += p[i].nloss;
	}
	struct seg *s = malloc((ns ? ns : 1) * sizeof *s);
	if (!s)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	ns = 0;
	for (size_t i = 0; i < n; i++) {
		double x = 0, y = 0;
		for (size_t k = 0; k < p[i].nloss && x < p[i].max_cut_kw; k++) {
			double cx = fmin(p[i].loss[k][0], p[i].max_cut_kw), cy = p[i].loss[k][1];
			double slope = (cy - y) / (p[i].loss[k][0] - x);
			s[ns++] = (struct seg){i, cx - x, slope};
			x = cx;
			y = cy;
		}
		share_kw[i] = 0;
	}
	qsort(s, ns, sizeof *s, seg_cmp);
	double left = cut_kw > 0 ? cut_kw : 0;
	*price = 0;
	for (size_t k = 0; k < ns && left > FLEET_EPS; k++) {
		double take = fmin(s[k].kw, left);
		share_kw[s[k].park] += take;
		left -= take;
		*price = s[k].slope;
	}
	free(s);
	*lost = 0;
	for (size_t i = 0; i < n; i++)
		*lost += pp_fleet_loss(&p[i], share_kw[i]);
	*short_kw = left > FLEET_EPS ? left : 0;
	return PP_OK;
}

double pp_fleet_split_prorata(const struct pp_fleet_park *p, size_t n, double cut_kw,
			      double *share_kw)
{
	double left = cut_kw > 0 ? cut_kw : 0;
	char *full = calloc(n ? n : 1, 1); /* parks at their most */
	for (size_t i = 0; i < n; i++)
		share_kw[i] = 0;
	/* Each round spreads what is left by draw over the parks not full; a
	 * park that fills leaves the next round. At most n rounds. */
	for (size_t round = 0; round <= n && left > FLEET_EPS; round++) {
		double draw = 0;
		for (size_t i = 0; i < n; i++)
			draw += full && full[i] ? 0 : p[i].draw_kw;
		if (!(draw > 0))
			break;
		double spread = left;
		for (size_t i = 0; i < n; i++) {
			if (full && full[i])
				continue;
			double most = fmin(p[i].max_cut_kw, p[i].nloss ? p[i].loss[p[i].nloss - 1][0] : 0);
			double want = spread * p[i].draw_kw / draw;
			double take = fmin(want, most - share_kw[i]);
			share_kw[i] += take;
			left -= take;
			if (take < want - FLEET_EPS && full)
				full[i] = 1;
		}
	}
	free(full);
	return left > FLEET_EPS ? left : 0;
}
