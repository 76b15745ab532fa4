/* plan.h - the regional planner's input: candidate sites (weather, grid
 * connection and its limit events), cooling designs, the GPU fleet, the job
 * mix and the policies to compare (docs/plan.md). `powerpark plan` reads
 * it; year.h simulates one site x design x policy over it.
 *
 * The config layer reads the file's syntax, types, ranges and the names it
 * defines itself (designs); the GPU model, the plant designs and the chiller
 * models are names it keeps with their positions, which the models layer
 * resolves: pp_catalog_load_plan (catalog.h) loads a plan and resolves them,
 * with every problem at its file:line:column. */
#ifndef PP_PLAN_H
#define PP_PLAN_H

#include <stddef.h>

#include "powerpark/config.h"
#include "powerpark/diag.h"
#include "powerpark/err.h"

/* The policies a plan compares: the first PP_PLAN_POLICIES of enum
 * pp_policy (static, proportional, uniform, priority, optimizer). */
#define PP_PLAN_POLICIES (PP_POLICY_OPTIMAL + 1)

enum pp_plan_pattern {
	PP_PATTERN_FLAT,      /* the same arrival rate all year */
	PP_PATTERN_DIURNAL,   /* busiest mid-afternoon, quietest before dawn (mean 1) */
	PP_PATTERN_WEEKDAY    /* office hours on weekdays (mean 1) */
};

/* One class of the job mix. Its share is of the fleet's offered GPU-hours. */
struct pp_plan_class {
	enum pp_job_class cls;
	double share, weight;
	double demand;        /* a GPU's draw at full speed, fraction of its maximum cap */
	double deferrable;    /* fraction of its jobs that may wait for power */
	double max_delay_h;   /* how long such a job may wait before it must run */
	double run_h;         /* mean run time at full speed */
	int gpus;             /* GPUs per job */
	enum pp_plan_pattern pattern;
	struct pp_pos pos;
};

/* One hall type of a cooling design; count identical halls share it. */
struct pp_plan_hall {
	const char *cooling_name; /* the plant design as written (NULL: a list or mapping) */
	int cooling;          /* enum pp_plant_design (plant.h): set by the catalog */
	const char *chiller;  /* model name; NULL: the design's default */
	double share;         /* of the fleet's GPUs, over all count halls */
	int count, reserve;
	double chiller_kw;
	double supply_c;      /* loop supply set point; 0 until the catalog gives the design's */
	struct pp_pos cooling_pos, chiller_pos; /* line 0: not written */
};

struct pp_plan_design {
	const char *name;
	struct pp_plan_hall *halls;
	size_t nhalls;
	double oversize;      /* plant capacity over the hall's nameplate heat at the design hour */
	double capex_per_mw;  /* the design's CAPEX per MW of IT nameplate (money) */
	struct pp_pos pos;
};

/* A utility limit event, every year: the months it applies (bit m-1), the
 * days (0 all, 1 weekdays, 2 weekends) and local hours [from_h, to_h). */
struct pp_plan_event {
	const char *name;
	unsigned months;
	int days;
	double from_h, to_h, limit_kw;
};

/* A time-of-use period of a site's tariff, every year: months (bit m-1),
 * days (0 all, 1 weekdays, 2 weekends), local hours [from_h, to_h), and
 * its energy price. The first period that holds an hour prices it. */
struct pp_plan_period {
	const char *name;
	unsigned months;
	int days;
	double from_h, to_h, price_kwh;
};

struct pp_plan_site {
	const char *name;
	const char *weather;  /* EPW path, resolved against the plan's folder */
	struct pp_pos weather_pos;
	double limit_kw;      /* grid import limit; INFINITY for "unlimited" */
	double other_kw;      /* offices, lighting, security: constant */
	double loss_frac;     /* transformer and UPS losses, per kW of IT */
	struct pp_plan_event *events;
	size_t nevents;
	unsigned designs;     /* bit d: design d is built here */
	/* Money (all 0 without a tariff): energy price outside the periods, per
	 * kWh; demand charge per kW of a month's highest draw; CAPEX of the
	 * grid connection per MW of its limit. */
	double price_kwh, demand_kw_month, connection_per_mw;
	struct pp_plan_period *periods;
	size_t nperiods;
	struct pp_pos pos;
};

/* What the loss budget measures (`loss_measure`, docs/plan.md): the
 * priority-weighted work lost (the solver's objective, the default) or
 * plain GPU-hours lost, each of what was wanted (delivered + lost). */
enum pp_plan_measure { PP_MEASURE_VALUE, PP_MEASURE_GPU_H };

#define PP_PLAN_MAX_CLASSES 8
#define PP_PLAN_MAX_DESIGNS 16
#define PP_PLAN_MAX_SITES 64

/* A loaded plan. Everything it points to is owned by it. */
struct pp_plan {
	const char *file, *name, *description;
	double step_s, hours, loss_budget, margin;
	int loss_measure;     /* enum pp_plan_measure: what loss_budget is of */
	int runs;
	unsigned long seed;
	unsigned policies;    /* bit p: enum pp_policy p is compared */
	const char *gpu_name; /* the fleet's GPU model (gpu.h), checked by the catalog */
	struct pp_pos gpu_pos;
	int gpus, search_step;   /* fleet size; granularity of the GPU-count search */
	double host_w;        /* per GPU: CPUs, memory, network, fans of its server */
	double utilization;   /* offered GPU-hours / fleet GPU-hours */
	struct pp_plan_class classes[PP_PLAN_MAX_CLASSES];
	size_t nclasses;
	struct pp_plan_design *designs;
	size_t ndesigns;
	struct pp_plan_site *sites;
	size_t nsites;
	/* Money (`costs`; has_costs 0: none in the report): the currency's
	 * name, the years CAPEX is spread over (straight line), water per m3. */
	int has_costs;
	const char *currency;
	double capex_years, water_per_m3;
	void *priv_;
};

/* Reads the plan at path (borrowed). On success *out receives it (taken;
 * pp_plan_destroy). Otherwise every problem is appended to diags as
 * FILE:LINE:COL: what was expected, and PP_ERR_CONFIG returned. Weather
 * files are checked to exist, not read. The model names are not resolved
 * (cooling 0, supply_c 0 where not given): a plan to run
 * comes from pp_catalog_load_plan, or this followed by
 * pp_catalog_resolve_plan. */
PP_WUR enum pp_err pp_plan_load(const char *path, struct pp_plan **out, struct pp_diags *diags);

/* Like pp_plan_load, but *out receives what was read (taken) also when
 * PP_ERR_CONFIG is returned, so that the names the config layer does not
 * know can still be checked; NULL only with PP_ERR_NOMEM. */
PP_WUR enum pp_err pp_plan_read(const char *path, struct pp_plan **out, struct pp_diags *diags);

/* Frees a plan; NULL is fine. */
void pp_plan_destroy(struct pp_plan *p);

#endif
