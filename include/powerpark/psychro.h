/* psychro.h - moist-air properties by the ASHRAE Handbook Fundamentals
 * (ch. 1) method. Temperatures in deg C, pressures in Pa, humidity ratio in
 * kg water per kg dry air, enthalpy in kJ per kg dry air. */
#ifndef PP_PSYCHRO_H
#define PP_PSYCHRO_H

/* Saturation vapour pressure (Hyland-Wexler): over ice below 0 C, over
 * liquid water at and above. Valid -100..200 C. */
double pp_psychro_pws(double t_c);

/* Standard atmospheric pressure at an elevation in metres. */
double pp_psychro_pressure_at(double elevation_m);

/* Humidity ratio from the dew point and the station pressure. */
double pp_psychro_w_from_dewpoint(double dp_c, double p_pa);

/* Dew point from dry-bulb and relative humidity (0..100 %), by root finding. */
double pp_psychro_dewpoint_from_rh(double db_c, double rh_pct);

/* Wet-bulb temperature from dry-bulb, dew point and pressure: the t* that
 * solves the ASHRAE energy balance (ice form below 0 C), found with GSL's
 * Brent solver between the dew point and the dry-bulb. */
double pp_psychro_wetbulb(double db_c, double dp_c, double p_pa);

/* Moist-air enthalpy, kJ per kg dry air. */
double pp_psychro_enthalpy(double db_c, double w);

#endif
