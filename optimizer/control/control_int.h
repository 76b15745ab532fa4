/* control_int.h - the controller's state, shared by control.c (state and
 * cycle) and control_out.c (what it answers and writes). */
#ifndef PP_CONTROL_INT_H
#define PP_CONTROL_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "powerpark/ctl.h"
#include "powerpark/curve.h"
#include "powerpark/gpu.h"
#include "powerpark/inst.h"
#include "powerpark/log.h"
#include "powerpark/plant.h"
#include "powerpark/solve.h"
#include "powerpark/weather.h"

#define PP_CTL_GPUS 72 /* GPUs per rack tracked one by one (NVL72) */
#define PP_CTL_CAP_HIST 3 /* cycles of issued caps a reading may lag behind */
#define PP_CTL_OSC_RING 512 /* fast readings kept per meter (51 s at 10 Hz) */

/* The oscillation of one level's power in the 0.1-3 Hz band, as of the
 * last cycle (control_osc.c). */
struct pp_ctl_osc {
	int valid;                 /* its readings came fast enough to tell */
	int alert;                 /* amp_kw above site.grid.oscillation.alert_kw */
	double amp_kw, peak_hz, mean_kw;
};
struct osc_ring;

/* Counters and the last cycle's figures (/metrics, decisions). */
struct ctl_stats {
	uint64_t cycles, breach_cycles, breaches, solve_errors, ingested, leases;
	uint64_t ramp_limited;     /* cycles whose cap rises the site ramp cut */
	uint64_t osc_alerts;       /* oscillation alerts raised */
	double solve_us;
	int stale_racks, shedding;
};

struct cnode {
	const char *name;
	int parent;
	double limit_kw, base_kw;
	int rack;                  /* index in racks[], -1 above racks */
};

struct crack {
	const struct pp_rack *cfg;
	const struct pp_gpu_model *gpu;
	int hall, node, interval_ms;
	double meas_w;             /* last rack reading */
	int64_t meas_ns;
	double max_rise_w;         /* largest rise between two readings */
	double extra_w;            /* reading beyond base + GPUs at cap, decaying */
	double gpu_w[PP_CTL_GPUS]; /* agents' per-GPU readings */
	int64_t gpu_ns[PP_CTL_GPUS];
	double demand_w;           /* per GPU, as estimated this cycle */
	double cap_w;              /* per GPU, issued */
	double cap_hist[PP_CTL_CAP_HIST]; /* issued in the cycles before */
	int64_t cap_ns, cap_hist_ns[PP_CTL_CAP_HIST]; /* when each was issued */
	double target_w;           /* the solver's, last cycle (read before this one's) */
	int stale;
	int64_t lease_until_ns;    /* what the agent was told */
	struct pp_inst_place place;
	struct pp_curve_table curve; /* the class curve over its GPU's range */
	char job[64];              /* the job running here ("" none: one job per rack) */
	int idle;                  /* the scheduler runs nothing here: held at the floor */
	int cls;                   /* its class (enum pp_job_class) */
	double weight;             /* its priority in the objective; 1 by default */
};

/* A job the scheduler holds back on powerpark's advice (pp_ctl_hold). */
struct chold {
	char id[64], reason[160];
	int gpus;
	int64_t since_ns;
};

/* A grid limit event: from the configuration, or signalled at run time
 * (pp_ctl_grid_event), which may move or end one by its id. */
struct cevent {
	char id[64];
	int64_t start_s, end_s;    /* Unix seconds, UTC */
	double limit_kw;
	int64_t signalled_ns;      /* when it was posted; 0 for configured ones */
	/* How the site answered a signalled event (/metrics): */
	double response_s;         /* from its start (or posting, if later) to the first
				    * meter reading under its limit; NAN until then */
	double held_max_kw;        /* the highest reading after that, to its end */
	double deferred_gpu_s;     /* GPUs held back by powerpark, times seconds, while on */
	int64_t deferred_ns;       /* when deferred_gpu_s was last counted */
};

/* One point of the history the dashboard draws (at most one a minute of
 * the caller's clock). */
#define PP_CTL_HIST 1440
#define PP_CTL_HIST_HALLS 8
struct chist {
	int64_t t_s;
	float grid_kw, limit_kw, it_kw, cool_kw, cool_cap_kw, held_gpus; /* heat = IT */
	float hall_kw[PP_CTL_HIST_HALLS];
};

struct cplant {
	struct pp_plant_model model;
	int chillers;
	uint64_t tripped;          /* chillers (by index) whose alarm is on */
	uint64_t hall_mask;
	int node_idx[64];
	double capacity_kw, alloc_kw;
};

struct pp_ctl {
	const struct pp_config *cfg;
	struct pp_ctl_opts opt;
	pthread_mutex_t mu;
	struct crack *racks;
	size_t nracks;
	struct cnode *nodes;
	size_t nnodes;
	int hall_node[64];
	const struct pp_gpu_model *hall_gpu[64]; /* its first rack's, for admission */
	double *ans_kw;            /* allocated power per node, last solve */
	double *node_meas_kw;      /* per node: the rack readings below it */
	double *node_base_kw;      /* per node: base power of the nodes above racks below it */
	int *node_unread;          /* per node: racks below it never read */
	int *slot;                 /* rack index by name hash, -1 empty */
	size_t nslot;
	struct pp_buf budget;      /* the budget as of the last cycle */
	struct pp_buf budget_halls; /* the same without rows and racks */
	struct cplant *plants;
	struct pp_curve_param curve_param;
	double grid_meas_kw, grid_limit_kw, grid_alloc_kw, cooling_ratio;
	int64_t grid_meas_ns;
	double grid_extra_kw;      /* metered grid power the model does not explain */
	double weather_db, weather_wb;
	struct pp_weather epw;      /* site.weather, for the forecast; epw.h NULL if none */
	int64_t weather_ns;
	double *hall_heat_kw;      /* during a cycle only */
	char binding[96];
	struct ctl_stats st;
	struct cevent *ev;         /* the grid limit events, configured then signalled */
	size_t nev, capev;
	struct chold *held;        /* jobs held back (pp_ctl_hold) */
	size_t nheld, capheld;
	struct chist *hist;        /* ring of PP_CTL_HIST points */
	size_t hist_n, hist_at;
	double it_meas_kw;         /* the racks' readings and hall bases, last cycle */
	int64_t ramp_ns;           /* the last cycle, for the site ramp */
	double holddown_w_per_s;   /* each GPU's share of the site ramp (leases) */
	struct osc_ring *osc_site, **osc_rack, **osc_scratch; /* fast readings (lazily) */
	double osc_site_last, *osc_rack_last; /* the last reading's time, until fast */
	struct pp_ctl_osc osc_site_res, osc_hall_res[64], *osc_rack_res;
	struct pp_log_backoff osc_bo;
};

/* The plants at dry bulb db and wet bulb wb carrying heat_kw: each
 * plant's capacity (cap_kw, one per plant) and the cooling electricity per
 * kW of heat (returned). */
double pp_ctl_plants_at(struct pp_ctl *c, double db, double wb, double heat_kw, double *cap_kw);

/* The grid limit in force at now_ns: the contract, or the lowest event
 * covering now; mutex held. */
double pp_ctl_limit_at(const struct pp_ctl *c, int64_t now_ns);

/* Room in kW of GPU power for new work in hall h (index): the least slack
 * over the hall and every level above it, from the last solve and the
 * readings. The tightest level is described in why (len bytes, borrowed;
 * NULL for none), e.g. "grid limit 32000.0 kW". Mutex held. */
double pp_ctl_hall_room(const struct pp_ctl *c, size_t h, char *why, size_t len);

/* Notes a site meter reading of kw at now_ns against the signalled events
 * in force (control_sched.c); mutex held. */
void pp_ctl_signal_reading(struct pp_ctl *c, double kw, int64_t now_ns);

/* Adds the held GPUs' time to the signalled events in force
 * (control_sched.c); mutex held. */
void pp_ctl_signal_cycle(struct pp_ctl *c, int64_t now_ns);

/* Appends the signalled events' response as Prometheus text
 * (control_sched.c); mutex held. */
PP_WUR enum pp_err pp_ctl_signal_metrics(struct pp_ctl *c, struct pp_buf *out);

/* Parses a request body (json, len bytes, borrowed) that must be a JSON
 * object into *root (taken: json_decref). PP_ERR_PARSE with the line and
 * column, or "expected a JSON object", in eb. */
PP_WUR enum pp_err pp_ctl_json_load(const char *json, size_t len, json_t **root,
				    struct pp_errbuf *eb);

/* The rack called name, or NULL. */
struct crack *pp_ctl_rack(struct pp_ctl *c, const char *name);

/* Oscillation (control_osc.c), mutex held: note a reading of kw at ts_ns
 * from rack (index; -1 for the site meter); analyse every level once a
 * cycle; append /metrics; allocate and free. */
void pp_ctl_osc_note(struct pp_ctl *c, int rack, int64_t ts_ns, double kw);
void pp_ctl_osc_cycle(struct pp_ctl *c, int64_t now_ns);
PP_WUR enum pp_err pp_ctl_osc_metrics(struct pp_ctl *c, struct pp_buf *out);
PP_WUR enum pp_err pp_ctl_osc_init(struct pp_ctl *c);
void pp_ctl_osc_free(struct pp_ctl *c);

/* Records the cycle at now_ns in the history ring (control_jobs.c); mutex held. */
void pp_ctl_hist_add(struct pp_ctl *c, int64_t now_ns);

/* Frees what control_jobs.c allocated. */
void pp_ctl_jobs_free(struct pp_ctl *c);

/* Rebuilds c->budget (control_out.c); mutex held. */
PP_WUR enum pp_err pp_ctl_budget_build(struct pp_ctl *c, int64_t now_ns);

/* Turns the solver's targets into issued caps (control_out.c). */
void pp_ctl_update_caps(struct pp_ctl *c, const struct pp_inst *in, const struct pp_ans *a,
		 int64_t now_ns);

#endif
