/* plant.h - a cooling plant for a heat load at one hour of weather: chillers
 * sequenced with N+reserve, towers or dry coolers, the economizer, pumps and
 * air-side fans; and site accounting (PUE, WUE, energy). */
#ifndef PP_PLANT_H
#define PP_PLANT_H

#include "powerpark/chiller.h"
#include "powerpark/heatrej.h"

enum pp_plant_design {
	PP_PLANT_AIR_CHILLERS,   /* air-cooled chillers, CRAH air side */
	PP_PLANT_WATER_TOWERS,   /* water-cooled chillers, towers, water-side economizer */
	PP_PLANT_LIQUID_DRY,     /* warm-water liquid loop on dry coolers, air-cooled trim chillers */
};

/* A plant. Small value type: pp_plant_init fills it, fields may be changed
 * after; nothing to free. */
struct pp_plant_model {
	enum pp_plant_design design;
	const struct pp_chiller_model *chiller; /* borrowed static data */
	int n_chillers, reserve;
	double chiller_kw;            /* reference capacity of each */
	double supply_c, return_c;    /* chilled (or warm) water loop */
	double hx_approach;
	struct pp_tower tower;
	struct pp_drycooler dry;
	double pump_kw_per_kw;        /* all pumps, per kW of heat */
	double air_kw_per_kw;         /* CRAH / CDU fans, per kW of heat */
};

struct pp_plant_out {
	double cooling_kw;            /* all cooling electricity */
	double chiller_kw, fan_kw, pump_kw, air_kw;
	double capacity_kw;           /* heat it can carry now, keeping the reserve */
	double remaining_kw;          /* capacity minus load (negative: short) */
	double unmet_kw;              /* load no equipment could carry */
	double water_lph;
	double free_fraction;         /* share of the load carried without compressors */
	int chillers_on;
	double cond_c;                /* condenser entering (or dry-bulb) temperature */
};

/* Sets p (written) for a design with n chillers of chiller_kw each of the
 * named model (NULL: the design's default), reserve of them kept spare, and
 * the loop temperatures. Towers or dry coolers are sized for all chillers'
 * heat. Returns -1 when the model name is unknown. */
int pp_plant_init(struct pp_plant_model *p, enum pp_plant_design d, const char *model, int n,
		  double chiller_kw, int reserve, double supply_c, double return_c);

/* Evaluates p (borrowed) carrying load_kw at dry-bulb db_c and wet-bulb
 * wb_c; o written. Free cooling first, then chillers staged one by one
 * (the reserve ones only when the others cannot carry the load). */
struct pp_plant;
/* Builds the model of a configured plant (borrowed) into p: the design from
 * its equipment (towers: water-cooled; air-cooled chiller models: air), its
 * chillers (the largest rating for each) and reserve. Returns the number of
 * chillers (0: the model is left zeroed), or -1 for an unknown model. */
int pp_plant_of_config(const struct pp_plant *pc, struct pp_plant_model *p);

/* The place of chiller name (borrowed) among the chillers of pc, 0-based
 * in configuration order (the bit a trip mask uses); -1 when pc has no
 * chiller of that name. */
int pp_plant_chiller_index(const struct pp_plant *pc, const char *name);

void pp_plant_eval(const struct pp_plant_model *p, double load_kw, double db_c, double wb_c,
		   struct pp_plant_out *o);

/* Site energy and water over a run. Embedded value type: zero it with
 * pp_plant_acc_init, add steps, read the ratios. */
struct pp_plant_acc {
	double it_kwh, cooling_kwh, other_kwh, water_l, hours;
	double peak_kw;
};

void pp_plant_acc_init(struct pp_plant_acc *s);

/* Adds a step of dt_h hours at constant powers (kW) and water (L/h). */
void pp_plant_acc_add(struct pp_plant_acc *s, double it_kw, double cooling_kw, double other_kw,
		 double water_lph, double dt_h);

/* PUE = total / IT energy (0 with no IT energy). */
double pp_plant_acc_pue(const struct pp_plant_acc *s);

/* Site WUE = water (L) / IT energy (kWh). */
double pp_plant_acc_wue(const struct pp_plant_acc *s);

#endif
