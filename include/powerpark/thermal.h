/* thermal.h - thermal ride-through of a hall's air or a liquid loop after
 * cooling is lost: C dT/dt = P_it - Q_cool - UA (T - T_amb), integrated with
 * GSL's odeiv2 (RKF45). */
#ifndef PP_THERMAL_H
#define PP_THERMAL_H

/* A lumped thermal mass. Small value type; fill it directly or with the
 * helpers below. */
struct pp_thermal {
	double c_kj_k;   /* heat capacity, kJ/K */
	double ua_kw_k;  /* loss to the surroundings, kW/K (0: none) */
	double t_amb_c;  /* temperature of the surroundings */
	double t0_c;     /* temperature when the event starts */
};

/* A hall's air plus the thermal mass of the equipment and slab that follows
 * it within minutes (both in m3 of air and kg of steel-equivalent). */
void pp_thermal_init_air(struct pp_thermal *m, double air_m3, double steel_kg, double t0_c);

/* A liquid loop of volume_m3 of water (CDU secondary side and pipework). */
void pp_thermal_init_loop(struct pp_thermal *m, double volume_m3, double t0_c);

/* The temperature after t_s seconds with constant IT heat p_kw and cooling
 * q_kw, by the ODE solver; exact to its tolerance (1e-8 relative). */
double pp_thermal_temp_at(const struct pp_thermal *m, double p_kw, double q_kw, double t_s);

/* The same in closed form (valid for constant p and q): the check of the
 * solver and a fast path. */
double pp_thermal_temp_exact(const struct pp_thermal *m, double p_kw, double q_kw, double t_s);

/* Seconds until the temperature first reaches limit_c within horizon_s,
 * stepping the ODE; INFINITY if it never does. */
double pp_thermal_time_to_limit(const struct pp_thermal *m, double p_kw, double q_kw,
				double limit_c, double horizon_s);

/* The largest IT heat (kW) that never crosses limit_c with cooling q_kw:
 * the steady state sits at the limit (with no loss term, q_kw itself).
 * The power to shed is p_kw minus this, when positive. */
double pp_thermal_max_power(const struct pp_thermal *m, double q_kw, double limit_c);

#endif
