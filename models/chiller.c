/* chiller.c - the DOE-2 electric-EIR chiller (see chiller.h). */
#include <math.h>
#include <string.h>

#include "powerpark/chiller.h"

/* Coefficients as MODELS.md gives them. The air-cooled set's reference COP
 * is not in the table ("design"): 2.96 is the ASHRAE 90.1-2019 full-load
 * minimum for air-cooled chillers (10.1 EER). Part-load limits are the
 * EnergyPlus defaults (min 0.1, unloading 0.2, max 1.0). */
static const struct pp_chiller_model models[] = {
	{"doe2-centrifugal", "water-cooled",
	 "DOE-2 generic centrifugal (EnergyPlus Engineering Reference)", 5.5, 6.67, 29.4,
	 {0.257896, 0.0389016, -0.00021708, 0.0468684, -0.00094284, -0.00034344},
	 {0.933884, -0.058212, 0.00450036, 0.00243, 0.000486, -0.001215},
	 {0.222903, 0.313387, 0.463710}, 5, 10, 24, 35, 0.1, 0.2, 1.0},
	{"york-yk-4396", "water-cooled", "York YK 4,396 kW (EnergyPlus Chillers.idf)", 6.63,
	 6.67, 26.67,
	 {0.3693621, -0.07284715, -0.00487193, 0.1223355, -0.005368259, 0.01035036},
	 {0.5913358, -0.05974145, 0.0008176561, 0.03987353, -0.0008176694, 0.001457994},
	 {0.302107, 0.03103971, 0.6669726}, 4.44, 7.78, 12.78, 26.67, 0.1, 0.2, 1.0},
	{"ashrae901-aircooled", "air-cooled",
	 "ASHRAE 90.1 air-cooled (openstudio-standards curves); COP 2.96 = 90.1-2019 minimum",
	 2.96, 6.67, 35,
	 {1.0433825, 0.0407073, 0.0004506, -0.0041514, -0.0000886, -0.0003467},
	 {0.5961915, -0.0099496, 0.0007888, 0.0004506, 0.0004875, -0.0007623},
	 {0.141, 0.655, 0.203}, 5, 10, 12.7, 51.67, 0.1, 0.2, 1.0},
};

const struct pp_chiller_model *pp_chiller_models(int *n_out)
{
	*n_out = (int)(sizeof models / sizeof models[0]);
	return models;
}

const struct pp_chiller_model *pp_chiller_find(const char *name)
{
	int n;
	const struct pp_chiller_model *m = pp_chiller_models(&n);
	for (int i = 0; name && i < n; i++)
		if (!strcmp(m[i].name, name))
			return &m[i];
	return NULL;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double pp_chiller_curve(const struct pp_chiller_model *m, const double c[6], double x, double y)
{
	x = clamp(x, m->x_min, m->x_max);
	y = clamp(y, m->y_min, m->y_max);
	return c[0] + c[1] * x + c[2] * x * x + c[3] * y + c[4] * y * y + c[5] * x * y;
}

/* A colder condenser means less lift: it never lowers capacity or raises
 * EIR. Some published fits do below their vertex in y (the York YK CAPFT
 * peaks near 17.8 C inside its 12.8..26.7 C range), so below the vertex the
 * curve is held at its vertex value. */
static double y_monotone(const struct pp_chiller_model *m, const double c[6], double x, double y,
			 int peak)
{
	x = clamp(x, m->x_min, m->x_max);
	if (c[4] == 0 || (peak ? c[4] > 0 : c[4] < 0))
		return y;
	double v = -(c[3] + c[5] * x) / (2 * c[4]);
	return y < v ? v : y;
}

void pp_chiller_eval(const struct pp_chiller_model *m, double q_ref_kw, double load_kw,
		     double x_c, double y_c, struct pp_chiller_out *o)
{
	memset(o, 0, sizeof *o);
	double capft = pp_chiller_curve(m, m->capft, x_c, y_monotone(m, m->capft, x_c, y_c, 1));
	o->cap_kw = q_ref_kw * (capft > 0 ? capft : 0);
	if (load_kw <= 0 || o->cap_kw <= 0) {
		o->unmet_kw = load_kw > 0 ? load_kw : 0;
		return;
	}
	double plr = fmin(load_kw / o->cap_kw, m->plr_max);
	double cr = fmin(plr / m->plr_min, 1.0);
	double plr_eff = fmax(plr, m->plr_unload);
	double eirft = pp_chiller_curve(m, m->eirft, x_c, y_monotone(m, m->eirft, x_c, y_c, 0));
	double f = m->eirfplr[0] + m->eirfplr[1] * plr_eff + m->eirfplr[2] * plr_eff * plr_eff;
	o->plr = plr;
	o->power_kw = fmax(0.0, o->cap_kw / m->cop_ref * eirft * f * cr);
	double carried = plr * o->cap_kw;
	o->unmet_kw = fmax(0.0, load_kw - carried);
	o->cond_kw = o->power_kw + carried; /* hermetic: motor heat to the condenser */
	o->cop = o->power_kw > 0 ? carried / o->power_kw : 0;
}
