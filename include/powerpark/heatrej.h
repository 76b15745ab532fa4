/* heatrej.h - heat rejection: variable-speed cooling towers (EnergyPlus
 * CoolingTower:VariableSpeed, YorkCalc), dry coolers, their fan power and
 * water use, and the water-side economizer. Temperatures in C, heat in kW,
 * water in litres per hour. */
#ifndef PP_HEATREJ_H
#define PP_HEATREJ_H

/* Tower approach (leaving water minus wet-bulb, K) by the 27-term YorkCalc
 * polynomial in wet-bulb twb, range tr (K) and water/air flow ratio lg, each
 * clamped to the model's valid region (twb -34.4..26.7, tr 1.1..22.2,
 * lg 0.75..8 per unit of design air flow) and the result to 1.1..40 K. */
double pp_heatrej_tower_approach(double twb, double tr, double lg);

/* A tower cell bank at a design point, and what it does at one hour. */
struct pp_tower {
	double design_kw;     /* heat rejected at design */
	double design_range;  /* K, at design water flow */
	double fan_kw;        /* fan power at full air flow */
	double cycles;        /* cycles of concentration (3..5) */
	double drift_frac;    /* drift as a fraction of circulating flow */
	double min_air;       /* lowest air-flow ratio the fans run at */
};

struct pp_tower_out {
	double leave_c;       /* leaving (cold) water */
	double air_ratio;     /* fan speed as a fraction of full air flow */
	double fan_kw;
	double evap_lph, drift_lph, blowdown_lph, water_lph;
};

/* Sets t (written) to defaults for a bank rejecting design_kw: 5.6 K range,
 * fan power 0.8 % of design heat, 4 cycles, 0.002 % drift, 20 % min air. */
void pp_heatrej_tower_init(struct pp_tower *t, double design_kw);

/* Rejects q_kw at wet-bulb twb, aiming the leaving water at setpoint_c:
 * the fans slow down (air ratio solved with GSL) while the approach allows,
 * run flat out when the setpoint cannot be met (leaving water floats up).
 * Water: evaporation 0.153 % of flow per K of range, drift, blowdown
 * = evaporation / (cycles - 1) - drift. */
void pp_heatrej_tower_eval(const struct pp_tower *t, double q_kw, double twb, double setpoint_c,
		   struct pp_tower_out *o);

/* A dry cooler (no water): leaving fluid = dry-bulb + approach, the approach
 * scaling with load / air-ratio^0.8 from its design value. */
struct pp_drycooler {
	double design_kw, design_approach, fan_kw, min_air;
};

void pp_heatrej_dry_init(struct pp_drycooler *d, double design_kw);

/* Same contract as pp_heatrej_tower_eval with the dry-bulb; water fields are 0. */
void pp_heatrej_dry_eval(const struct pp_drycooler *d, double q_kw, double tdb, double setpoint_c,
		       struct pp_tower_out *o);

/* Water-side economizer: the fraction (0..1) of the chilled-water load a
 * plate heat exchanger carries when the cold water it gets is
 * cold_c (tower or dry cooler leaving water) plus hx_approach: 1 when that is at
 * or below the supply set point, a linear share when below the return
 * temperature, 0 otherwise. */
double pp_heatrej_economizer(double cold_c, double hx_approach, double supply_c,
			      double return_c);

#endif
