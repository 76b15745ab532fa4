/* day.h - a scenario played on a simulated park in simulated time: the
 * physics of racks, halls and cooling plants, the scenario's jobs, weather
 * and faults, and a policy in the loop. `powerpark run` plays the same day
 * under powerpark's controller and under the baselines (uniform and
 * priority capping by breaker, in the same controller; grid-proportional
 * capping, which watches the grid meter alone), and prints them side by
 * side (docs/run.md).
 *
 * Under PP_POLICY_OPTIMAL the controller is the one `powerpark optimize`
 * runs (control.h): every step the park's readings (rack power, the site
 * meter, weather, chiller alarms) are ingested as a collector would send
 * them, a cycle runs, and each rack applies the cap its agent leased, one
 * step late. Deferrable jobs wait until /v1/admit's logic says they fit. */
#ifndef PP_DAY_H
#define PP_DAY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "powerpark/buf.h"
#include "powerpark/config.h"
#include "powerpark/ctl.h"
#include "powerpark/err.h"
#include "powerpark/output.h"

struct pp_day; /* opaque */

/* A level's worst moment over the day. */
struct pp_day_level {
	char name[48];
	double peak_kw, limit_kw;  /* highest draw and the limit in force then */
	double worst_ratio;        /* highest draw / limit in force */
	double over_kwh;           /* energy above the limit */
	int over_steps;
};

#define PP_DAY_MAX_HALLS 16
#define PP_DAY_MAX_SIGNALS 16 /* a scenario's grid signals played at most */
#define PP_DAY_MAX_PLANTS 16

struct pp_day_result {
	struct pp_day_level grid, site, halls[PP_DAY_MAX_HALLS];
	struct pp_day_level plants[PP_DAY_MAX_PLANTS]; /* heat against the available chillers */
	struct pp_day_level row, rack; /* the worst row and the worst rack */
	size_t nhalls, nplants;
	double work_gpu_h;          /* GPU-hours of throughput delivered */
	double want_gpu_h;          /* what the same running GPUs would give uncapped */
	double by_class[3][2];      /* delivered, wanted, per job class */
	double value, value_want;   /* the same weighted by job priority (the objective) */
	double reserve_h[PP_DAY_MAX_PLANTS]; /* hours a plant ran into its N+1 reserve */
	double deferred_gpu_h;      /* GPUs x hours that jobs waited */
	int jobs, jobs_deferred, jobs_done, jobs_unfinished;
	double first_held_h, last_start_h, max_wait_h;
	double it_kwh, cooling_kwh, other_kwh, water_l, unmet_heat_kwh;
	double pue;
	long steps;
	/* The site's draw from one step to the next (every sample), in kW per
	 * minute, against the configured ramp rate. */
	double ramp_limit;                   /* site.grid.ramp_kw_per_min (0 = none) */
	double ramp_up_max, ramp_down_max;  /* the largest rise and fall */
	double ramp_up_at_h, ramp_down_at_h; /* when */
	int ramp_over_steps;                 /* steps that changed faster than the ramp */
	double holddown_kwh;                 /* drawn by GPUs held down after their work stopped */
	/* The event windows (any step whose grid limit is below the contract):
	 * priority-weighted work delivered and wanted there, inference's share
	 * kept there (percent; 100 without windows), and the slowest response
	 * to a scenario signal (seconds from its start until the meter was
	 * under its limit; -1 without signals, the scenario's length when one
	 * was never met). */
	double event_value, event_value_want, inference_event_pct, signal_response_s;
};

/* What a progress line shows. */
struct pp_day_now {
	double t_h;                 /* simulated hours since the start */
	int64_t sim_ns;             /* simulated wall time */
	double grid_kw, limit_kw, it_kw, cooling_kw;
	double cap_frac;            /* mean cap / maximum over running GPUs */
	int held_jobs, held_gpus, running_jobs, tripped;
	char binding[96];
};

/* Builds the day for cfg (borrowed; must hold a scenario and outlive the
 * day) under policy; hours > 0 shortens or lengthens the scenario's own.
 * PP_ERR_CONFIG with a reason when the scenario cannot be placed (a hall
 * without room for its fixed jobs). */
PP_WUR enum pp_err pp_day_create(const struct pp_config *cfg, enum pp_policy policy,
				 double hours, struct pp_day **out, struct pp_errbuf *eb);

/* Frees the day; NULL is fine. */
void pp_day_destroy(struct pp_day *d);

/* The controller (borrowed; NULL under the baseline), for an API to serve. */
struct pp_ctl *pp_day_ctl(struct pp_day *d);

/* Plays one step. Returns 1 while there are more, 0 at the end; a
 * controller error is returned through eb (the caps are then at their
 * floors and the day goes on) as -1. */
int pp_day_step(struct pp_day *d, struct pp_errbuf *eb);

/* Writes this step's metrics (site, halls, plants, weather, jobs each
 * simulated minute; racks and the controller's decisions every five) to
 * set (borrowed). Returns the number of samples written. */
size_t pp_day_write(struct pp_day *d, struct pp_output *set);

/* The simulated time of the step played last (Unix ns): cheap, unlike
 * pp_day_now, which sums the park. */
int64_t pp_day_clock_ns(const struct pp_day *d);

void pp_day_now(struct pp_day *d, struct pp_day_now *now);
void pp_day_result(const struct pp_day *d, struct pp_day_result *r);

/* How a day is played for a person (pp_day_play). */
struct pp_day_play_opts {
	double hours;          /* > 0: instead of the scenario's own length */
	double speed;          /* simulated seconds a second; 0: full speed; < 0: the
				* day in about two minutes */
	const char *listen;    /* the dashboard's host:port; NULL: api.listen, else
				* 127.0.0.1:8080 (another free port when taken) */
	int quiet;             /* no progress line */
};

/* Plays cfg's scenario (cfg borrowed, with a scenario) under pol, writing
 * its metrics to set (borrowed; NULL: none) until the day ends or *stop is
 * set. Under PP_POLICY_OPTIMAL the controller's API and dashboard are
 * served on the simulated clock, the day is paced to o->speed (borrowed)
 * and a progress line is printed; any other policy plays at full speed.
 * *res gets the day's result. Returns 0, 130 when stopped, 1 with the
 * reason on stderr. One day plays at a time in a process. */
int pp_day_play(const struct pp_config *cfg, const struct pp_day_play_opts *o, enum pp_policy pol,
		struct pp_output *set, volatile sig_atomic_t *stop, struct pp_day_result *res);

/* The simulated time of the step pp_day_play played last (Unix ns). */
int64_t pp_day_play_clock(void);

/* How many levels (grid, site, each hall, the worst row and rack, each
 * plant) of r (borrowed) went over their limit at some step. */
int pp_day_crossed(const struct pp_day_result *r);

/* One policy's day for the summary: its column's title, its key in the
 * JSON ("powerpark", "uniform", "priority", "grid_proportional") and its
 * result, all borrowed. */
struct pp_day_side {
	const char *name, *key;
	const struct pp_day_result *r;
};
#define PP_DAY_SIDES 4 /* sides a summary prints at most */

/* Prints the day of scenario sc under n policies (s, borrowed; s[0] is
 * powerpark's, the rest baselines, at most PP_DAY_SIDES) side by side to
 * f: each level's peak against its limit, throughput, deferral, energy,
 * PUE, water and ramp, then how each baseline compares. */
void pp_day_summary(FILE *f, const struct pp_scenario *sc, const struct pp_day_side *s, size_t n);

/* The same as JSON (one object per side under its key), appended to out
 * with a closing newline. PP_ERR_NOMEM only. */
PP_WUR enum pp_err pp_day_summary_json(struct pp_buf *out, const struct pp_day_side *s,
				       size_t n);

#endif
