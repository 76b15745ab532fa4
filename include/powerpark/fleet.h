/* fleet.h - a regional grid request split across parks (issue 28): by what
 * each park's kW is worth (the value its own solver says it loses at a
 * lower grid limit), so that the marginal value lost is equal across the
 * parks that shed, or pro rata to their draw, the split a grid operator
 * would make by hand. Pure arithmetic: the coordinator that asks the parks
 * and sends them their shares is above this. */
#ifndef PP_FLEET_H
#define PP_FLEET_H

#include <stddef.h>

#include "powerpark/err.h"

#define PP_FLEET_MAX_POINTS 16 /* points of a park's loss curve */

/* One park as the split sees it: its draw now, the most it can shed in the
 * window within its own limits and ramp, and the value it loses for a cut:
 * nloss points (cut kW, value lost) after (0, 0), cuts rising, the curve
 * convex (each kW costs at least what the last did, as a solver's optimum
 * of a concave objective loses) and linear between the points. */
struct pp_fleet_park {
	const char *name;
	double draw_kw;
	double max_cut_kw;
	double loss[PP_FLEET_MAX_POINTS][2];
	size_t nloss;
};

/* Splits cut_kw over the n parks (borrowed) so that the value lost in all
 * is least (exact for these curves: kW go to the cheapest segments first).
 * share_kw[i] (n, written) is park i's cut, within [0, max_cut_kw and the
 * curve's last cut]; *price is the value lost per kW at the margin (the
 * last kW's), *lost the total, *short_kw what the region falls short when
 * the parks cannot shed cut_kw between them (then each sheds all it can).
 * PP_ERR_ARG naming the park when a curve is not as above. */
PP_WUR enum pp_err pp_fleet_split_value(const struct pp_fleet_park *p, size_t n, double cut_kw,
					double *share_kw, double *price, double *lost,
					double *short_kw, struct pp_errbuf *eb);

/* The pro-rata split: each park cut in proportion to its draw, a park that
 * cannot shed its share sheds what it can and the rest is spread over the
 * others by their draw again. Returns the kW the region falls short (0
 * when the cut is met); share_kw (n) written. */
double pp_fleet_split_prorata(const struct pp_fleet_park *p, size_t n, double cut_kw,
			      double *share_kw);

/* The value park p (borrowed) loses for a cut of x kW, on its curve. */
double pp_fleet_loss(const struct pp_fleet_park *p, double x);

#endif
