/* control_int.h - the controller's state, shared by the files of
 * optimizer/control/. They depend on each other one way:
 *   control_state.c  the live state's queries (racks by name, limits in
 *                    force, plants at a weather, room per hall)
 *   control_notes.c  the event log: a bounded ring, and what each cycle
 *                    changed
 *   control_osc.c, control_signal.c, control_caps.c, control_hist.c,
 *   control_sched.c, control_budget.c, control_ingest.c  use the state
 *   control.c        create, destroy and the cycle, on top of them all. */
#ifndef PP_CONTROL_INT_H
#define PP_CONTROL_INT_H

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

#define PP_CTL_GPUS 72      /* GPUs per rack tracked one by one (NVL72) */
#define PP_CTL_CAP_HIST 3   /* cycles of issued caps a reading may lag behind */
#define PP_CTL_OSC_RING 512 /* fast readings kept per meter (51 s at 10 Hz) */
#define PP_CTL_HIST 1440    /* history points: a day at one a minute */
#define PP_CTL_NS 1000000000LL
#define PP_CTL_STALE_BASE 0.05    /* a stale rack's unknown base: at least this of its limit */
#define PP_CTL_IN_USE_SLACK 0.02  /* admission: in use is at most the reading + this of the limit */
#define PP_CTL_METER_FRESH_NS (10 * PP_CTL_NS) /* an older site meter reading is stale */
#define PP_CTL_RETIRED 128        /* ended grid signals kept for /metrics */

/* The oscillation of one level's power in the 0.1-3 Hz band, as of the
 * last cycle (control_osc.c). */
struct pp_ctl_osc {
	int valid;                 /* its readings came fast enough to tell */
	int alert;                 /* amp_kw above site.grid.oscillation.alert_kw */
	double amp_kw, peak_hz, mean_kw;
};
struct osc_ring;

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
	double rep_w[PP_CTL_GPUS]; /* the cap each GPU's agent reports applied (0: none) */
	int64_t rep_ns[PP_CTL_GPUS];
	double up_w;               /* a stale rack's worst less its reading, in the tree's sums */
	int at_worst;              /* counted at its worst in the tree's sums (stale) */
	double demand_w;           /* per GPU, as estimated this cycle */
	double cap_w;              /* per GPU, issued */
	double cap_hist[PP_CTL_CAP_HIST]; /* issued in the cycles before */
	int64_t cap_ns, cap_hist_ns[PP_CTL_CAP_HIST]; /* when each was issued */
	double target_w;           /* the solver's, last cycle (read before this one's) */
	int stale;
	int64_t lease_until_ns;    /* what the agent was told */
	struct pp_curve_table curve; /* its job's curve over its GPU's range */
	int own_curve;             /* ... the job's own (sync), not its class's */
	char job[PP_CTL_ID_MAX];   /* the job running here ("" none: one job per rack) */
	int idle;                  /* the scheduler runs nothing here: held at the floor */
	int cls;                   /* its class (enum pp_job_class) */
	double weight;             /* its priority in the objective; 1 by default */
	int noted_stale;           /* the event log said it went stale (and not back yet) */
	char why[PP_CTL_BINDING_MAX]; /* what holds its cap, last solve (control_caps.c) */
	double why_price;          /* that limit's price (objective per kW); 0 none */
	double why_demand_w;       /* the demand that solve planned with */
};

/* The power tree as the instance keeps it (site, halls, rows, racks), and
 * the readings below each node: a breach check costs the tree's depth. */
struct ctl_tree {
	struct cnode *nodes;
	size_t n;
	double *ans_kw;            /* allocated power per node, last solve */
	double *meas_kw;           /* the rack readings below it */
	double *base_kw;           /* base power of the nodes above racks below it */
	int *unread;               /* racks below it never read */
	double *up_kw;             /* the stale racks below it: their worst less their readings */
	int *nstale;               /* stale racks below it (counted at their worst) */
	int hall_node[PP_CTL_MAX_HALLS];
	const struct pp_gpu_model *hall_gpu[PP_CTL_MAX_HALLS]; /* its first rack's */
};

/* A job the scheduler holds back on powerpark's advice (pp_ctl_hold). */
struct chold {
	char id[PP_CTL_ID_MAX], reason[PP_CTL_REASON_MAX];
	int gpus;
	int64_t since_ns;
};

struct ctl_held {
	struct chold *v;
	size_t n, cap;
};

#define PP_CTL_FIT_JOBS 256     /* jobs whose throughput reports are kept */
#define PP_CTL_FIT_SAMPLES 64   /* (cap, throughput) samples kept per job */

/* A job's throughput reports and the curve fitted to them (control_fit.c). */
struct cfit {
	char id[PP_CTL_ID_MAX];
	double cap[PP_CTL_FIT_SAMPLES], thr[PP_CTL_FIT_SAMPLES]; /* a ring */
	size_t n, head, fresh;     /* kept; next slot; new since the last fit */
	int64_t seen_ns, fit_ns;
	int good;                  /* par fits well: the job is valued by it */
	struct pp_curve_param par;
	double rms;
	char why[96];              /* why the last fit was not good */
};

struct ctl_fits {
	struct cfit v[PP_CTL_FIT_JOBS];
	size_t n;
};

/* A grid limit event: from the configuration, or signalled at run time
 * (pp_ctl_grid_event), which may move or end one by its id. */
struct cevent {
	char id[PP_CTL_ID_MAX];
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

/* The grid: its meter, the limits in force and planned, the ramp. */
struct ctl_grid {
	double meas_kw;
	int64_t meas_ns;
	double limit_kw;           /* planned for in the last cycle (limit_ahead) */
	double alloc_kw;           /* by the last solve */
	double extra_kw;           /* metered power the model does not explain */
	double cooling_ratio;      /* cooling kW per kW of IT, last cycle */
	struct cevent *ev;         /* the limit events, configured then signalled */
	size_t nev, capev;
	struct cevent *retired;    /* ended signals for /metrics: a ring of PP_CTL_RETIRED */
	size_t nretired, retired_at;
	int64_t ramp_ns;           /* the last cycle, for the site ramp */
	double holddown_w_per_s;   /* each GPU's share of the site ramp (leases) */
};

struct ctl_weather {
	double db, wb;             /* the last reading; db NAN before one */
	int64_t ns;
	struct pp_weather epw;     /* site.weather, for the forecast; epw.h NULL if none */
};

/* One point of the history the dashboard draws. */
struct chist {
	int64_t t_s;
	float grid_kw, limit_kw, it_kw, cool_kw, cool_cap_kw, held_gpus; /* heat = IT */
	float wetbulb_c;
	float hall_kw[PP_CTL_HIST_HALLS];
	float plant_cap_kw[PP_CTL_HIST_PLANTS], plant_heat_kw[PP_CTL_HIST_PLANTS];
};

struct ctl_hist {
	struct chist *v;           /* ring of PP_CTL_HIST points, allocated at the first */
	size_t n, at;
};

/* The event log (control_notes.c) and what the last cycle saw, so that a
 * cycle notes only changes. */
struct ctl_notes {
	struct pp_ctl_note *v;     /* ring of PP_CTL_NOTES, allocated at the first */
	size_t n, at;
	uint64_t seq;
	int shedding, failed, meter_stale, breach;
	uint64_t breaches;
	double limit_kw;           /* 0 before the first cycle */
	char limit_id[PP_CTL_ID_MAX];
	uint64_t tripped[PP_CTL_MAX_PLANTS];
	double cap_kw[PP_CTL_MAX_PLANTS]; /* as last noted; 0 none yet */
};

struct cplant {
	struct pp_plant_model model;
	int chillers;
	uint64_t tripped;          /* chillers (by index) whose alarm is on */
	uint64_t hall_mask;
	double capacity_kw, alloc_kw;
};

/* Fast readings and what the last cycle made of them (control_osc.c). */
struct ctl_osc {
	struct osc_ring *site, **rack, **scratch; /* rings, made lazily */
	double site_last, *rack_last;  /* the last reading's time, until fast */
	struct pp_ctl_osc site_res, hall_res[PP_CTL_MAX_HALLS], *rack_res;
	struct pp_log_backoff bo;
};

struct pp_ctl {
	const struct pp_config *cfg;
	struct pp_ctl_opts opt;
	pthread_mutex_t mu;
	struct crack *racks;
	size_t nracks;
	/* Racks and compute nodes by name hash: a rack's index, or nracks + a
	 * host's index; -1 empty (the config keeps the two kinds of name apart). */
	int *slot;
	size_t nslot;
	struct chost { const char *name; int rack, off, gpus; } *hosts;
	size_t nhosts;
	struct ctl_tree tree;
	struct cplant *plants;
	struct ctl_grid grid;
	struct ctl_weather wx;
	struct ctl_held held;
	struct ctl_fits fits;
	struct ctl_hist hist;
	struct ctl_notes notes;
	struct ctl_osc osc;
	struct pp_ctl_budget budget; /* the last cycle's */
	int budget_made;
	int have_power;            /* a rack, GPU or site meter reading has arrived */
	/* The last solve's start for the next (pp_solve_opts' warm); busy
	 * while a cycle's solve holds it, so two cycles never share it. */
	struct pp_solve_warm *warm;
	int warm_busy;
	/* The last cycle's instance, for what-if solves (pp_ctl_value_curve):
	 * swapped in by each cycle (trylock: mu is held then); inst_mu guards it. */
	pthread_mutex_t inst_mu;
	struct pp_inst last_inst;
	int have_inst;
	unsigned long inst_gen;
	struct pp_ctl_value value;  /* the last what-if, for inst_gen value_gen */
	unsigned long value_gen;
	/* Bumped by pp_ctl_state_import: a cycle whose solve ran across a
	 * takeover of another leader's state drops its answer (it was made
	 * without that state's signals and caps). */
	unsigned long state_gen;
	int solve_failed;          /* the last cycle's solve failed: every GPU at its floor */
	double it_meas_kw;         /* the racks' readings and hall bases, last cycle */
	char binding[PP_CTL_BINDING_MAX];
	struct pp_ctl_stats st;    /* counters and the last cycle's figures; the grid
				    * ones are filled in when copied out */
};

/* --- control_fit.c (mutex held for all) -------------------------------- */

/* A throughput report thr of job (borrowed) at per-GPU cap cap_w (not
 * positive: the cap its rack holds now) at ts; 1 when kept. */
int pp_ctl_fit_sample(struct pp_ctl *c, const char *job, double cap_w, double thr, int64_t ts);
/* Tries the fits that have new samples (each job at most every 10 s) and
 * values the racks of a job whose fit is good by it (or by their class
 * again when it stopped being good). */
void pp_ctl_fit_cycle(struct pp_ctl *c, int64_t now_ns);
/* Rack r by its job's fitted curve when there is a good one and the
 * scheduler gave none. */
void pp_ctl_fit_apply(struct pp_ctl *c, struct crack *r);

/* --- control_state.c (mutex held for all) ------------------------------ */

/* Builds the index of racks by name; -1 out of memory. */
int pp_ctl_index_racks(struct pp_ctl *c);

/* The rack called name, or NULL. */
struct crack *pp_ctl_rack(struct pp_ctl *c, const char *name);

/* The rack of name, a rack or one of its compute nodes (config `nodes`),
 * or NULL; *off and *gpus the GPUs name holds there (a rack: 0 and all of
 * them), *host whether name is a compute node. */
struct crack *pp_ctl_place(struct pp_ctl *c, const char *name, int *off, int *gpus, int *host);

/* The grid limit in force at now_ns: the contract, or the lowest event
 * covering now. */
double pp_ctl_limit_at(const struct pp_ctl *c, int64_t now_ns);

/* The plants at dry bulb db and wet bulb wb, each carrying the heat of the
 * halls it serves (hall_heat, one per hall, borrowed; heat_kw when they
 * have none): each plant's capacity (cap_kw, one per plant, written) and
 * the cooling electricity per kW of heat (returned). */
double pp_ctl_plants_at(const struct pp_ctl *c, double db, double wb, double heat_kw,
			const double *hall_heat, double *cap_kw);

/* Whether rack r's (borrowed) last reading is recent enough at now_ns: not
 * older than stale_polls times its device's poll interval (the control
 * period for a rack without a device). Never read is not fresh. */
int pp_ctl_rack_fresh(const struct pp_ctl *c, const struct crack *r, int64_t now_ns);

/* The largest cap rise a GPU gets in one control period (W). */
double pp_ctl_rise_step_w(const struct pp_ctl *c);

/* How old an agent's per-GPU reading may be and still count. */
int64_t pp_ctl_gpu_max_age_ns(const struct pp_ctl *c);

/* The caps the agent of r (borrowed) reports applied on its GPUs, read in
 * the last pp_ctl_gpu_max_age_ns before now_ns: the lowest in *lo and the
 * highest in *hi (both written). Returns how many GPUs reported one. */
int pp_ctl_reported_caps(const struct pp_ctl *c, const struct crack *r, int64_t now_ns,
			 double *lo, double *hi);

/* --- the worst case: one definition for caps, admission, the budget,
 * the status and the forecast ------------------------------------------ */

/* The base load (W) a stale rack (borrowed) is planned with: its configured
 * base plus the largest of the biggest rise seen between two of its
 * readings, PP_CTL_STALE_BASE of its limit, and the unexplained power it
 * carried when last fresh (so going stale never lowers its base). */
double pp_ctl_stale_base_w(const struct pp_ctl *c, const struct crack *r);

/* The cap the GPUs of r (borrowed) held before this controller issued one:
 * the highest its agent reports applied, else the GPU's maximum (its
 * default limit). */
double pp_ctl_start_cap_w(const struct pp_ctl *c, const struct crack *r, int64_t now_ns);

/* What a stale rack (borrowed) may draw now (W): the larger of its last
 * reading and its stale base plus its GPUs at the highest cap they may hold
 * (the caps issued in the last PP_CTL_CAP_HIST cycles; before the first, the
 * start cap). */
double pp_ctl_rack_worst_w(const struct pp_ctl *c, const struct crack *r, int64_t now_ns);

/* Counts rack r in the tree's sums at its worst (stale set) or at its
 * reading: every level above it then measures it so (pp_ctl_measured_kw). */
void pp_ctl_set_worst(struct pp_ctl *c, struct crack *r, int stale, int64_t now_ns);

/* The measured power of node k: its base plus the readings of its racks,
 * each stale one at its worst (NAN while a rack below has never been read). */
double pp_ctl_measured_kw(const struct pp_ctl *c, size_t k);

/* The power of node k at its worst: as pp_ctl_measured_kw, with racks never
 * read at their worst too (never NAN). */
double pp_ctl_worst_kw(const struct pp_ctl *c, size_t k);

/* Whether the site meter's last reading is too old to tell the grid's draw
 * (or there is none). */
int pp_ctl_meter_stale(const struct pp_ctl *c, int64_t now_ns);

/* Room in kW of GPU power for new work in hall h (index): the least slack
 * over the hall and every level above it, from the last solve and the
 * readings, stale ones at their worst. The tightest level is described in
 * why (len bytes, borrowed; NULL for none), e.g. "grid limit 32000.0 kW". */
double pp_ctl_hall_room(const struct pp_ctl *c, size_t h, int64_t now_ns, char *why,
			size_t len);

/* The part of pp_ctl_hall_room under the limits that do not change with
 * time or weather, only with the load: the hall's and the site breaker's
 * (why as there). The grid's and the plants' change as the forecast says. */
double pp_ctl_hall_room_fixed(const struct pp_ctl *c, size_t h, char *why, size_t len);

/* Values the rack's GPUs by class cls's curve (its table redone only when
 * the class changes). */
void pp_ctl_set_class(struct crack *r, int cls);

/* The held GPUs, summed. */
int pp_ctl_held_gpus(const struct pp_ctl *c);

/* --- the parts (mutex held) -------------------------------------------- */

/* control_notes.c: adds an entry to the event log at now_ns (kind and sev
 * static strings, see struct pp_ctl_note); notes what changed since the last
 * cycle (trips, plant capacity, shedding, the limit in force, breaches,
 * stale racks and meter, a failed solve); writes t_s as the scenario's local
 * HH:MM into buf (len bytes). */
void pp_ctl_note(struct pp_ctl *c, int64_t now_ns, const char *kind, const char *sev,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void pp_ctl_notes_cycle(struct pp_ctl *c, int64_t now_ns);
void pp_ctl_local_hm(const struct pp_ctl *c, int64_t t_s, char *buf, size_t len);

/* control_signal.c: a site meter reading of kw at now_ns against the
 * signalled events in force; the held GPUs' time added to them each cycle. */
void pp_ctl_signal_reading(struct pp_ctl *c, double kw, int64_t now_ns);
void pp_ctl_signal_cycle(struct pp_ctl *c, int64_t now_ns);
/* The event named id (borrowed), or NULL; a new one under id, zeroed with
 * no response measured yet and any retired one of that name forgotten, or
 * NULL when PP_CTL_MAX_EVENTS are kept or memory runs out. The pointers
 * are borrowed, good until the next event is added or retired. */
struct cevent *pp_ctl_event_find(struct ctl_grid *g, const char *id);
struct cevent *pp_ctl_event_add(struct ctl_grid *g, const char *id);

/* control_sched.c: the held job named id (borrowed), added with since_ns
 * when new; NULL out of memory. Borrowed, good until the next is added. */
struct chold *pp_ctl_held_get(struct ctl_held *hl, const char *id, int64_t since_ns);

/* control_osc.c: note a reading of kw at ts_ns from rack (index; -1 for
 * the site meter); analyse every level once a cycle; allocate and free. */
void pp_ctl_osc_note(struct pp_ctl *c, int rack, int64_t ts_ns, double kw);
void pp_ctl_osc_cycle(struct pp_ctl *c, int64_t now_ns);
PP_WUR enum pp_err pp_ctl_osc_init(struct pp_ctl *c);
void pp_ctl_osc_free(struct pp_ctl *c);

/* control_hist.c: records the cycle at now_ns in the history ring. */
void pp_ctl_hist_add(struct pp_ctl *c, int64_t now_ns);

/* control_caps.c: turns the solver's targets into issued caps and notes
 * the binding limit and the allocations. */
void pp_ctl_update_caps(struct pp_ctl *c, const struct pp_inst *in, const struct pp_ans *a,
			int64_t now_ns);

/* control_budget.c: rebuilds c->budget as of now_ns; allocates it. */
PP_WUR enum pp_err pp_ctl_budget_build(struct pp_ctl *c, int64_t now_ns);

#endif
