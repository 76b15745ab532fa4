/* chiller.h - the electric-EIR chiller model (EnergyPlus Chiller:Electric:EIR,
 * the DOE-2 model): capacity and EIR as biquadratics of leaving chilled-water
 * and entering condenser temperature, EIR as a quadratic of part load, with
 * cycling below the minimum part load and false loading below the minimum
 * unloading ratio. Reference sets from ../shared/data/reference/MODELS.md. */
#ifndef PP_CHILLER_H
#define PP_CHILLER_H

/* One named curve set. Static data: never freed. */
struct pp_chiller_model {
	const char *name;    /* e.g. "doe2-centrifugal" */
	const char *kind;    /* "water-cooled" or "air-cooled" */
	const char *source;  /* where the coefficients come from */
	double cop_ref;
	double x_ref, y_ref; /* leaving chilled water, entering condenser (C) */
	double capft[6], eirft[6], eirfplr[3];
	double x_min, x_max, y_min, y_max;
	double plr_min;      /* below this the compressor cycles */
	double plr_unload;   /* below this it false-loads (hot-gas bypass) */
	double plr_max;
};

/* One operating point. */
struct pp_chiller_out {
	double cap_kw;       /* available capacity Q_ref x CAPFT */
	double plr;          /* part-load ratio carried */
	double power_kw;     /* compressor electric power */
	double cond_kw;      /* heat to the condenser */
	double cop;          /* load / power (0 at no load) */
	double unmet_kw;     /* load above the available capacity */
};

/* The named model (borrowed static data), or NULL. Names: doe2-centrifugal,
 * york-yk-4396, ashrae901-aircooled. */
const struct pp_chiller_model *pp_chiller_find(const char *name);

/* All models, n_out set to their count (borrowed static array). */
const struct pp_chiller_model *pp_chiller_models(int *n_out);

/* Evaluates the biquadratic c at (x, y), each clamped to the model's range. */
double pp_chiller_curve(const struct pp_chiller_model *m, const double c[6], double x, double y);

/* One chiller of reference capacity q_ref_kw carrying load_kw with leaving
 * chilled water x_c and entering condenser y_c (outdoor dry-bulb for an
 * air-cooled one). m borrowed; o written. */
void pp_chiller_eval(const struct pp_chiller_model *m, double q_ref_kw, double load_kw,
		     double x_c, double y_c, struct pp_chiller_out *o);

#endif
