/* test_fleet.c - a regional cut split across parks (fleet/split.c): the
 * value split is the least loss (no feasible move of kW between two parks
 * lowers it, on 2,000 random regions; never above pro rata), a hand
 * example to the kW, shortfalls said, bad curves refused by park; the
 * pro-rata split follows the draw and spreads what a full park cannot take. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "powerpark/fleet.h"
#include "pp_test.h"

static uint64_t rng = 0x510e527fade682d1ULL;

static double unif(void)
{
	return (double)(pt_rand(&rng) >> 11) / 9007199254740992.0;
}

/* A random park: a convex curve of 1-8 segments, slopes 0.1-20 a kW. */
static void rand_park(struct pp_fleet_park *p, int i)
{
	static char names[8][8];
	snprintf(names[i], sizeof names[i], "p%d", i);
	memset(p, 0, sizeof *p);
	p->name = names[i];
	p->draw_kw = 1000 + 40000 * unif();
	size_t n = 1 + pt_rand(&rng) % 8;
	double x = 0, y = 0, s = 0.1 + 2 * unif();
	for (size_t k = 0; k < n; k++) {
		x += 100 + 3000 * unif();
		y += s * (x - (k ? p->loss[k - 1][0] : 0));
		p->loss[k][0] = x;
		p->loss[k][1] = y;
		s += 3 * unif(); /* rising: convex */
	}
	p->nloss = n;
	p->max_cut_kw = x * (0.3 + unif());
}

static double most(const struct pp_fleet_park *p)
{
	return fmin(p->max_cut_kw, p->loss[p->nloss - 1][0]);
}

static void t_least_loss(void)
{
	for (int k = 0; k < 2000; k++) {
		struct pp_fleet_park p[8];
		size_t n = 2 + pt_rand(&rng) % 7;
		double cap = 0;
		for (size_t i = 0; i < n; i++) {
			rand_park(&p[i], (int)i);
			cap += most(&p[i]);
		}
		double cut = cap * (0.05 + 1.1 * unif()), share[8], pr[8], price, lost, sh;
		struct pp_errbuf eb;
		PT_CHECK(pp_fleet_split_value(p, n, cut, share, &price, &lost, &sh, &eb) == PP_OK,
			 "%s", eb.msg);
		double sum = 0;
		int inside = 1;
		for (size_t i = 0; i < n; i++) {
			sum += share[i];
			inside &= share[i] >= -1e-9 && share[i] <= most(&p[i]) + 1e-6;
		}
		PT_CHECK(inside && fabs(sum + sh - cut) < 1e-6 * fmax(1, cut) &&
			 (sh == 0 || cut > cap - 1e-6), "region %d: shares %g + short %g of %g (%d)",
			 k, sum, sh, cut, inside);
		/* No move of kW from one park to another lowers the loss. */
		int worse = 0;
		for (int m = 0; m < 200; m++) {
			size_t a = pt_rand(&rng) % n, b = pt_rand(&rng) % n;
			double d = fmin(share[a], most(&p[b]) - share[b]) * unif();
			if (a == b || !(d > 0))
				continue;
			double after = lost - pp_fleet_loss(&p[a], share[a]) - pp_fleet_loss(&p[b], share[b]) +
				       pp_fleet_loss(&p[a], share[a] - d) + pp_fleet_loss(&p[b], share[b] + d);
			worse += after < lost - 1e-6 * fmax(1, lost);
		}
		pp_fleet_split_prorata(p, n, cut, pr);
		double lp = 0;
		for (size_t i = 0; i < n; i++)
			lp += pp_fleet_loss(&p[i], pr[i]);
		PT_CHECK(!worse && lost <= lp + 1e-6 * fmax(1, lp),
			 "region %d: %d moves lower the loss %g; pro rata %g", k, worse, lost, lp);
	}
}

static void t_hand_example(void)
{
	/* Inference at 10 a kW; batch at 1 a kW for 30 kW, then 5 a kW. */
	struct pp_fleet_park p[2] = {
		{.name = "seoul", .draw_kw = 100, .max_cut_kw = 50, .loss = {{50, 500}}, .nloss = 1},
		{.name = "busan", .draw_kw = 100, .max_cut_kw = 45, .loss = {{30, 30}, {60, 180}},
		 .nloss = 2}};
	double share[2], price, lost, sh, pr[2];
	struct pp_errbuf eb;
	PT_CHECK(pp_fleet_split_value(p, 2, 40, share, &price, &lost, &sh, &eb) == PP_OK &&
		 fabs(share[0]) < 1e-9 && fabs(share[1] - 40) < 1e-9 && price == 5 &&
		 fabs(lost - 80) < 1e-9 && sh == 0,
		 "40 kW: busan sheds all (30 at 1, 10 at 5: 80), seoul nothing (%g %g %g %g)",
		 share[0], share[1], lost, price);
	PT_CHECK(pp_fleet_split_value(p, 2, 70, share, &price, &lost, &sh, &eb) == PP_OK &&
		 fabs(share[1] - 45) < 1e-9 && fabs(share[0] - 25) < 1e-9 && price == 10,
		 "70 kW: busan to its most (45), seoul the rest at 10 a kW");
	PT_CHECK(pp_fleet_split_value(p, 2, 120, share, &price, &lost, &sh, &eb) == PP_OK &&
		 fabs(sh - 25) < 1e-9 && fabs(share[0] - 50) < 1e-9,
		 "120 kW: the region falls 25 kW short (%g)", sh);
	PT_CHECK(pp_fleet_split_prorata(p, 2, 40, pr) == 0 && fabs(pr[0] - 20) < 1e-9 &&
		 fabs(pr[1] - 20) < 1e-9, "pro rata by equal draws: 20 and 20");
	p[0].draw_kw = 300;
	PT_CHECK(pp_fleet_split_prorata(p, 2, 80, pr) == 0 && fabs(pr[0] - 50) < 1e-9 &&
		 fabs(pr[1] - 30) < 1e-9, "3:1 draws: seoul's 60 capped at 50, busan takes 30 (%g %g)",
		 pr[0], pr[1]);
	p[1].loss[1][1] = 40; /* the second kW cheaper than the first */
	PT_CHECK(pp_fleet_split_value(p, 2, 40, share, &price, &lost, &sh, &eb) == PP_ERR_ARG &&
		 strstr(eb.msg, "park busan") && strstr(eb.msg, "convex"), "%s", eb.msg);
}

int main(void)
{
	PT_RUN(t_least_loss);
	PT_RUN(t_hand_example);
	return PT_DONE("test_fleet");
}
