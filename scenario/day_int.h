/* day_int.h - what the scenario day's files share (day.c physics and
 * policies, day_jobs.c the scheduler, day_out.c results and metrics). */
#ifndef PP_DAY_INT_H
#define PP_DAY_INT_H

#include "powerpark/curve.h"
#include "powerpark/day.h"
#include "powerpark/metric.h"
#include "powerpark/gpu.h"
#include "powerpark/plant.h"

struct drack {
	const struct pp_rack *r;
	const struct pp_gpu_model *gpu;
	int hall, row;
	int job;              /* index in jobs[], -1 when idle */
	double cap_w;         /* per GPU, applied */
	double next_cap_w;    /* leased this step, applied the next */
	double hold_w;        /* per GPU: the draw smoothing keeps this step (hold-down) */
	double kw;
};

enum { DJ_WAIT, DJ_QUEUED, DJ_HELD, DJ_RUNNING, DJ_DONE };

struct djob {
	const struct pp_scen_job *j;
	int st;
	int hall, gpus;
	double want_w;        /* per GPU, this step */
	double work_h;        /* hours of work done at full speed */
	double held_h;        /* hours spent held */
	double start_h, ready_s; /* when it started; how long admission said yes */
};

struct pp_day {
	const struct pp_config *cfg;
	const struct pp_scenario *sc;
	enum pp_policy policy;
	struct pp_ctl *ctl;
	int dt;
	long step, steps;
	double t_h;
	int64_t now_ns;
	struct drack *racks;
	size_t nracks;
	const struct pp_row **rows;
	size_t nrows;
	double *row_kw;
	struct djob *jobs;
	size_t njobs;
	int hall_first[PP_DAY_MAX_HALLS]; /* index of each hall's first rack */
	int hall_free[PP_DAY_MAX_HALLS];  /* its racks without a job */
	struct pp_sample *reads;   /* one `rack` reading per rack, refilled each step */
	struct pp_tag *read_tags;
	struct pp_field *read_fields;
	struct pp_plant_model plants[PP_DAY_MAX_PLANTS];
	uint64_t tripped[PP_DAY_MAX_PLANTS];
	struct pp_curve_table curve[PP_JOB_CLASSES]; /* per class, in fractions of a GPU's maximum */
	double db, wb;
	double hall_kw[PP_DAY_MAX_HALLS];
	double plant_heat_kw[PP_DAY_MAX_PLANTS], plant_cap_kw[PP_DAY_MAX_PLANTS];
	double plant_phys_kw[PP_DAY_MAX_PLANTS]; /* every available chiller, the reserve too */
	double plant_cool_kw[PP_DAY_MAX_PLANTS], plant_water_lph[PP_DAY_MAX_PLANTS];
	double plant_free[PP_DAY_MAX_PLANTS], plant_chiller_kw[PP_DAY_MAX_PLANTS];
	int plant_on[PP_DAY_MAX_PLANTS];
	double it_kw, cooling_kw, grid_kw, limit_kw, water_lph, unmet_kw, cool_ratio;
	double alpha;         /* the proportional baseline's factor */
	double holddown_w_per_s; /* the rate agents set (the controller's), 0 = none */
	double prev_grid_kw;     /* last step's, for the ramp */
	int breach;
	/* The scenario's grid signals: each one's limit once it arrived (NAN
	 * before), and the seconds from its start until the meter was under
	 * it (-1 not yet). */
	double sig_limit_kw[PP_DAY_MAX_SIGNALS], sig_met_s[PP_DAY_MAX_SIGNALS];
	int in_grace;            /* a signal's response time runs ... */
	double judge_kw;         /* ... so the grid is judged against the limit without it */
	double inf_event[2];     /* inference work delivered and wanted in event windows */
	struct pp_day_result res;
};

/* day_jobs.c */
PP_WUR enum pp_err pp_day_jobs_init(struct pp_day *d, struct pp_errbuf *eb);
void pp_day_jobs_free(struct pp_day *d);
void pp_day_jobs_tick(struct pp_day *d);
void day_trip(struct pp_day *d, const char *chiller);

/* day_out.c */
void result_init(struct pp_day *d);
void result_add(struct pp_day *d);

#endif
