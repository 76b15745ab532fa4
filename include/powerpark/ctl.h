/* ctl.h - the control loop of `powerpark optimize`: the live state of a
 * park (fed by readings), the instance built from it every period, the
 * solve, and the caps it leases to agents. Everything goes in and out as C
 * structs; the HTTP API (api.h) turns JSON into them and back.
 *
 * One controller per site. Every function is safe to call from any thread
 * (one mutex inside); pp_ctl_cycle may run while the API answers. Strings
 * in answers are copied into them, or borrowed from the config the
 * controller was built on (then said so), which outlives the controller. */
#ifndef PP_CTL_H
#define PP_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "powerpark/buf.h"
#include "powerpark/config.h"
#include "powerpark/err.h"
#include "powerpark/metric.h"

#define PP_CTL_ID_MAX 64       /* job and event ids, with the NUL */
#define PP_CTL_REASON_MAX 160  /* a reason shown to schedulers and operators */
#define PP_CTL_BINDING_MAX 96  /* "hall:NAME" and the like */
#define PP_CTL_MAX_HALLS 64
#define PP_CTL_MAX_PLANTS 64
#define PP_CTL_MAX_CHILLERS 64 /* per plant: a trip is one bit of a mask */
#define PP_CTL_MAX_EVENTS 1024 /* grid limit events in force or to come, configured and
				* signalled (ended signals are retired, see /metrics) */
#define PP_CTL_FORECAST_HOURS 168
#define PP_CTL_MAX_GPUS 1000000 /* in one request */
#define PP_CTL_HIST_HALLS 8     /* halls the history keeps a series of */
#define PP_CTL_HIST_PLANTS 8    /* plants the history keeps a series of */
#define PP_CTL_NOTES 256        /* entries the event log keeps (the oldest go first) */

struct pp_ctl; /* opaque */

struct pp_ctl_opts {
	int period_ms;        /* control period; 1000 by default */
	int lease_s;          /* how long a lease of caps holds; 10 by default */
	int stale_polls;      /* readings older than this many poll intervals are stale; 3 */
	double rise_w_per_s;  /* largest upward cap step per GPU per second; 50 by default */
	/* 0: the optimizer plans the caps. PP_POLICY_UNIFORM or
	 * PP_POLICY_PRIORITY: that baseline by breaker does, with everything
	 * else the same (readings, stale worst cases, margins, rise rate, ramp,
	 * leases): how `powerpark run` compares them. */
	int baseline;
};

/* Builds a controller for cfg (borrowed; must outlive it). Every GPU starts
 * at its model's minimum cap until the first solve, and every rack counts
 * at its worst (stale) until it is read. PP_ERR_CONFIG when a
 * rack's GPU model is unknown to the models, or the park has more halls or
 * plants than PP_CTL_MAX_HALLS / PP_CTL_MAX_PLANTS. */
PP_WUR enum pp_err pp_ctl_create(const struct pp_config *cfg, const struct pp_ctl_opts *o,
				 struct pp_ctl **out, struct pp_errbuf *eb);

/* Frees the controller; NULL is fine. */
void pp_ctl_destroy(struct pp_ctl *c);

/* The grid import limit in force at now_ns under cfg (borrowed) alone: the
 * contract, or the lowest scheduled event covering now (for a park played
 * without a controller). */
double pp_ctl_limit_now(const struct pp_config *cfg, int64_t now_ns);

/* Takes readings (borrowed) into the live state: rack power (any sample
 * tagged rack=R with power_w, except measurement gpu), per-GPU power and
 * the cap the GPU holds (measurement gpu, tags rack and gpu, fields power_w
 * and cap_w, either may be missing; a cap reported before this controller
 * first leases the rack is where its caps rise from), the site meter (meter
 * without a rack, power_kw), chiller alarms, weather (drybulb_c,
 * wetbulb_c). Returns how many samples were used; *breach is set when a
 * reading puts a rack, row, hall or the grid over its limit (the caller
 * then solves at once). */
size_t pp_ctl_ingest(struct pp_ctl *c, const struct pp_sample *s, size_t n, int64_t now_ns,
		     int *breach);

/* One control cycle at wall time now_ns (urgent: started by a breach, not
 * by the period; counted apart): builds the instance from the live state
 * (stale readings at their worst case, limits in force now), solves, and
 * updates the caps (decreases at once, increases rate-limited and held one
 * period). On a solver error every cap goes to its floor and the error is
 * returned (the caps are still safe). */
PP_WUR enum pp_err pp_ctl_cycle(struct pp_ctl *c, int64_t now_ns, int urgent,
				struct pp_errbuf *eb);

/* The cycle the budget describes (pp_ctl_budget's cycle): it changes only
 * when a cycle solved and made the budget again, so callers that cache what
 * they make of the budget key it by this. 0 before the first cycle. */
uint64_t pp_ctl_budget_cycle(struct pp_ctl *c);

/* --- leases ------------------------------------------------------------ */

/* The caps of one rack, as its agent applies them until expires_s. */
struct pp_ctl_lease {
	int64_t expires_s;          /* Unix seconds */
	int ttl_s;
	int gpus;
	const char *gpu_model;      /* static */
	double cap_min_w, cap_max_w;
	char job[PP_CTL_ID_MAX];    /* the job running there, "" for none */
	const char *rack;           /* the rack (borrowed from the config) */
	double cap_w;               /* per GPU */
	int idle;                   /* nothing runs there: held at the floor */
	double floor_w;             /* the job class's power floor (damps swings) */
	double ramp_down_w_per_s;   /* the hold-down rate: each GPU's share of the ramp */
	int host;                   /* leased by a compute node's name (gpus: its own) */
	int per_rack_deprecated;    /* leased by the name of a rack that names its nodes */
};

/* Leases the caps of node (borrowed: a compute node of the config's
 * `nodes`, or a rack) to its agent into *out, and records that the agent
 * holds them until now + lease_s. A compute node's lease is its own GPUs
 * (gpus_per_node) at its rack's cap. PP_ERR_ARG with a reason for an
 * unknown name. */
PP_WUR enum pp_err pp_ctl_lease(struct pp_ctl *c, const char *node, int64_t now_ns,
				struct pp_ctl_lease *out, struct pp_errbuf *eb);

/* --- what a kW is worth (a fleet coordinator's question, issue 28) ---- */

#define PP_CTL_VALUE_MAX 8 /* lower grid draws asked at once */

/* The value (priority-weighted throughput, the solver's objective) the park
 * loses if its grid draw must fall by each of n cuts from what the last
 * cycle planned: each solved on that cycle's instance with the grid limit
 * set so its usable part is the planned draw less the cut. */
struct pp_ctl_value {
	double planned_kw;      /* the grid draw the last cycle planned */
	double limit_kw;        /* the grid limit in force then */
	double objective;       /* its value at that plan */
	double price;           /* the grid limit's multiplier: value per kW there */
	size_t n;
	struct {
		double cut_kw, value_lost;
		int proven;         /* the lower plan is proven optimal */
		int shedding;       /* it pauses jobs */
	} pt[PP_CTL_VALUE_MAX];
};

/* Solves for cut_kw (borrowed, n of them, each in [0, planned]) into *out.
 * PP_ERR_ARG with a reason for more than PP_CTL_VALUE_MAX cuts, a bad cut,
 * or before a cycle has planned; the same cuts on the same cycle's plan
 * are answered from the last result (a client asking again costs no
 * solve). Takes its own lock, not the cycle's: readings and leases go on
 * meanwhile. */
PP_WUR enum pp_err pp_ctl_value_curve(struct pp_ctl *c, const double *cut_kw, size_t n,
				      struct pp_ctl_value *out, struct pp_errbuf *eb);

/* --- the budget -------------------------------------------------------- */

/* One limit: a node of the power tree, a plant or the grid. */
struct pp_ctl_level {
	const char *name;           /* borrowed from the config ("grid" static) */
	double limit_kw, usable_kw; /* usable: the limit less the safety margin */
	double measured_kw;         /* NAN while unknown (a rack below never read) */
	double allocated_kw;        /* by the last solve */
	double headroom_kw;         /* usable less the larger of measured and allocated */
};

struct pp_ctl_rack_level {
	struct pp_ctl_level l;
	double cap_w, demand_w, unexplained_kw;
	int stale;
};

/* The budget as of the last cycle. Embedded value type: pp_ctl_budget fills
 * it, pp_ctl_budget_free frees its arrays. */
struct pp_ctl_budget {
	const char *site;           /* borrowed from the config */
	int64_t time_s;             /* of the cycle it describes */
	const char *status;         /* "breach", "shedding", "starting", "no-data", "stale"
				     * or "ok", the first that holds (docs/api.md; static) */
	char binding[PP_CTL_BINDING_MAX];
	int stale_racks;
	uint64_t cycle;             /* the cycles run when it was made */
	struct pp_ctl_level grid;
	struct pp_ctl_level *halls, *rows, *plants;
	size_t nhalls, nrows, nplants;
	struct pp_ctl_rack_level *racks;
	size_t nracks;
};

/* Copies the last cycle's budget into *out (written; pp_ctl_budget_free
 * even on error); before the first cycle, one made from the readings at
 * now_ns. PP_ERR_NOMEM only. */
PP_WUR enum pp_err pp_ctl_budget(struct pp_ctl *c, int64_t now_ns, struct pp_ctl_budget *out);
void pp_ctl_budget_free(struct pp_ctl_budget *b);

/* --- the forecast ------------------------------------------------------ */

struct pp_ctl_bucket {
	int64_t start_s;
	double grid_limit_kw, drybulb_c, wetbulb_c, cooling_kw_per_kw;
	double cooling_capacity_kw; /* NAN when a plant has no chiller model to tell */
	double it_kw;               /* IT power the grid and cooling allow */
	double headroom_kw;         /* left for GPUs above base loads at their floors */
	double free_kw;             /* left above base loads and the racks' demand */
};

struct pp_ctl_forecast {
	int hours;
	const char *weather;        /* "epw", "reading" or "design-day" (static) */
	struct pp_ctl_bucket b[PP_CTL_FORECAST_HOURS];
};

/* An hourly headroom forecast for the next hours (1..PP_CTL_FORECAST_HOURS)
 * into *out: the grid limit in force each hour from the schedule, less
 * other loads and cooling at that hour's weather, less the non-GPU base
 * load and the GPUs' floors. PP_ERR_ARG for hours out of range. */
PP_WUR enum pp_err pp_ctl_forecast(struct pp_ctl *c, int64_t now_ns, int hours,
				   struct pp_ctl_forecast *out, struct pp_errbuf *eb);

/* --- admission --------------------------------------------------------- */

struct pp_ctl_admit_req {
	int gpus;                   /* 1..PP_CTL_MAX_GPUS */
	const char *hall;           /* borrowed; NULL: any hall */
	int cls;                    /* enum pp_job_class, -1 when not given */
	int deferrable;
};

enum pp_ctl_decision { PP_CTL_ADMIT, PP_CTL_PLACE, PP_CTL_START_AFTER, PP_CTL_REJECT };

struct pp_ctl_admit_ans {
	enum pp_ctl_decision decision;
	const char *hall;           /* admit and place: borrowed from the config */
	double cap_w;               /* admit and place: per GPU, now */
	int64_t start_after_s;      /* start_after: Unix seconds */
	char reason[PP_CTL_REASON_MAX + 96];
};

/* "admit", "place", "start_after", "reject". */
const char *pp_ctl_decision_name(enum pp_ctl_decision d);

/* Answers a job request (borrowed) into *ans. PP_ERR_ARG with a reason for
 * GPUs out of range, an unknown hall or class; nothing changes either way
 * (admission is advice, not a reservation). */
PP_WUR enum pp_err pp_ctl_admit(struct pp_ctl *c, const struct pp_ctl_admit_req *req,
				int64_t now_ns, struct pp_ctl_admit_ans *ans, struct pp_errbuf *eb);

/* --- grid signals ------------------------------------------------------ */

struct pp_ctl_event_req {
	const char *id;             /* borrowed; 1 to PP_CTL_ID_MAX - 1 characters */
	double limit_kw;            /* > 0 */
	int has_start;              /* else it starts now */
	int64_t start_s, end_s;     /* Unix seconds */
};

struct pp_ctl_event_ans {
	char id[PP_CTL_ID_MAX];
	double limit_kw;
	int64_t start_s, end_s;
	int in_force;
	double limit_in_force_kw;
};

/* Takes a grid signal (borrowed): a new id adds an event, a known one is
 * moved (an end of now ends it). Planned like a scheduled event from the
 * next cycle. *ans gets the event and the limit in force. PP_ERR_ARG with a
 * reason when the request cannot be taken; nothing changes then. */
PP_WUR enum pp_err pp_ctl_grid_event(struct pp_ctl *c, const struct pp_ctl_event_req *req,
				     int64_t now_ns, struct pp_ctl_event_ans *ans,
				     struct pp_errbuf *eb);

/* The grid import limit in force at now_ns: the contract, or the lowest
 * configured or signalled event covering now. */
double pp_ctl_grid_limit(struct pp_ctl *c, int64_t now_ns);

/* --- the scheduler's view ---------------------------------------------- */

struct pp_ctl_place {
	const char *rack;           /* borrowed */
	int gpus;
};

#define PP_CTL_CURVE_MAX 7 /* points of a job's own curve */

struct pp_ctl_run_job {
	const char *id;             /* borrowed, not empty */
	int cls;                    /* enum pp_job_class */
	double weight;              /* (0, 1e6) */
	const struct pp_ctl_place *place;
	size_t nplace;
	/* Its own curve (ncurve 0: its class's): [fraction of the GPU's
	 * maximum cap, relative throughput], 2 to PP_CTL_CURVE_MAX points,
	 * fractions rising in (0, 1], throughput rising and concave. */
	double curve[PP_CTL_CURVE_MAX][2];
	size_t ncurve;
};

/* Why the n points pt (borrowed) are not a job's curve as pp_ctl_run_job
 * says (a static message), or NULL when they are (n 0: none, which is
 * fine). */
const char *pp_ctl_curve_check(const double (*pt)[2], size_t n);

struct pp_ctl_pend_job {
	const char *id;             /* borrowed, not empty */
	int gpus;                   /* 1..PP_CTL_MAX_GPUS */
};

/* The scheduler's whole view, everything borrowed: the racks it runs jobs
 * on (idle unless named below), the jobs running, and the jobs it holds
 * until powerpark says start, in its priority order. */
struct pp_ctl_sync_req {
	const char *const *racks;
	size_t nracks;
	const struct pp_ctl_run_job *running;
	size_t nrunning;
	const struct pp_ctl_pend_job *pending;
	size_t npending;
};

struct pp_ctl_pend_ans {
	int start;                  /* 1: start; 0: hold */
	char reason[PP_CTL_REASON_MAX];
};

/* Embedded value type: pp_ctl_sync fills it, pp_ctl_sync_ans_free frees it. */
struct pp_ctl_sync_ans {
	char binding[PP_CTL_BINDING_MAX];
	double grid_limit_kw;
	struct pp_ctl_pend_ans *pending; /* one per pending job, in request order */
	double *running_cap_w;      /* one per running job: its lowest rack cap; NAN none */
	const char **ignored;       /* racks not in the config (borrowed from the request) */
	size_t nignored;
};

/* Takes the scheduler's view (borrowed) into *ans (written; free it with
 * pp_ctl_sync_ans_free even on error). Idle racks are held at their GPUs'
 * floor; running jobs value their racks (the highest weight where several
 * share one). Each pending job gets "start" when its GPUs fit at their floor
 * after those started before it, else "hold" with the limit that binds
 * (recorded for pp_ctl_jobs). PP_ERR_ARG with a reason for a request out of
 * range; nothing changes then. */
PP_WUR enum pp_err pp_ctl_sync(struct pp_ctl *c, const struct pp_ctl_sync_req *req,
			       int64_t now_ns, struct pp_ctl_sync_ans *ans, struct pp_errbuf *eb);
void pp_ctl_sync_ans_free(struct pp_ctl_sync_ans *a);

/* Puts job (copied; NULL or "" for none) of class cls (enum pp_job_class)
 * and priority weight (> 0) on rack (borrowed): from the next cycle the
 * rack's GPUs are valued by that class's curve times weight, so racks of
 * one job share its cap and a high-priority job is capped last. Without a
 * job a rack counts as training work of weight 1. PP_ERR_ARG with a reason
 * for an unknown rack, class or weight. */
PP_WUR enum pp_err pp_ctl_assign(struct pp_ctl *c, const char *rack, const char *job, int cls,
				 double weight, struct pp_errbuf *eb);

/* Records that the scheduler holds job id (copied) of gpus GPUs back on
 * powerpark's advice, with the reason (copied) it shows; again for the same
 * id updates it. PP_ERR_NOMEM only. */
PP_WUR enum pp_err pp_ctl_hold(struct pp_ctl *c, const char *id, int gpus, const char *reason,
			       int64_t now_ns);

/* Forgets a held job (started or cancelled); an unknown id is ignored. */
void pp_ctl_release(struct pp_ctl *c, const char *id);

struct pp_ctl_running {
	char job[PP_CTL_ID_MAX];
	const char *rack;           /* borrowed from the config */
	int cls;
	double weight;
	int gpus;
	double cap_w, cap_max_w;
	double demand_w;            /* per GPU, as the last solve planned with */
	/* What holds its cap: a limit ("grid", "hall:a", "plant:p1", ...) with
	 * its price (objective per kW, > 0), or "wants less" (the cap is its
	 * demand), "at its maximum", "rising" (the rise rate), "paused". */
	char why[PP_CTL_BINDING_MAX];
	double price;
};

struct pp_ctl_held {
	char id[PP_CTL_ID_MAX];
	int gpus;
	int64_t waiting_s;
	int64_t since_s;            /* Unix seconds */
	int64_t until_s;            /* the end of the grid limit event in force; 0 none */
	char until_id[PP_CTL_ID_MAX]; /* that event */
	char reason[PP_CTL_REASON_MAX];
};

/* Embedded value type: pp_ctl_jobs fills it, pp_ctl_jobs_free frees it. */
struct pp_ctl_jobs {
	struct pp_ctl_running *running; /* racks that run a named job */
	size_t nrunning;
	struct pp_ctl_held *held;
	size_t nheld;
};

/* The racks' jobs with their caps, and the held jobs, into *out (written;
 * pp_ctl_jobs_free even on error). PP_ERR_NOMEM only. */
PP_WUR enum pp_err pp_ctl_jobs(struct pp_ctl *c, int64_t now_ns, struct pp_ctl_jobs *out);
void pp_ctl_jobs_free(struct pp_ctl_jobs *j);

/* --- what operators see ------------------------------------------------ */

struct pp_ctl_hist_hall {
	const char *name;           /* borrowed from the config */
	double limit_kw;
	float *kw;                  /* n points */
};

struct pp_ctl_hist_plant {
	const char *name;           /* borrowed from the config */
	double capacity_kw;         /* INFINITY: no chiller model to tell */
	int reserve;                /* chillers held back (N+k) */
	double chw_supply_c;        /* the chilled-water supply set point (config) */
	float *cap_kw, *heat_kw;    /* n points each (the first PP_CTL_HIST_PLANTS plants;
				     * NULL beyond): capacity keeping the reserve (NAN:
				     * no model), heat of the halls it serves */
	const char *tripped[PP_CTL_MAX_CHILLERS]; /* names borrowed from the config */
	size_t ntripped;
};

/* The recent history (at most one point a minute of the caller's clock, up
 * to a day), oldest first, and the park's layout for the dashboard.
 * Embedded value type: pp_ctl_history fills it, pp_ctl_history_free frees. */
struct pp_ctl_history {
	double utc_offset_s;        /* of the scenario played, else 0 */
	size_t n;
	int64_t *t_s;
	float *grid_kw, *limit_kw, *it_kw, *cooling_kw, *cooling_capacity_kw, *held_gpus;
	float *wetbulb_c;           /* the weather reading planned with; NAN: none */
	struct pp_ctl_hist_hall *halls; /* the first PP_CTL_HIST_HALLS halls */
	size_t nhalls;
	const struct pp_config *cfg;    /* borrowed: the floor plan (racks per row) */
	struct pp_ctl_hist_plant *plants;
	size_t nplants;
};

/* The history (written; pp_ctl_history_free even on error). PP_ERR_NOMEM
 * only. */
PP_WUR enum pp_err pp_ctl_history(struct pp_ctl *c, struct pp_ctl_history *out);
void pp_ctl_history_free(struct pp_ctl_history *h);

/* One entry of the event log (GET /v1/events): something an operator must
 * see, noted by the cycle that saw it change. */
struct pp_ctl_note {
	uint64_t seq;               /* every entry ever noted counts, from 1 */
	int64_t t_s;                /* Unix seconds */
	const char *kind;           /* static: trip, trip-cleared, capacity, shedding,
				     * shedding-ended, limit, limit-ended, signal, breach,
				     * breach-ended, stale, fresh, meter-stale, meter-fresh,
				     * solve-failed, solve-ok */
	const char *severity;       /* static: fault, shed, warn or info */
	char text[PP_CTL_REASON_MAX];
};

/* A grid limit event in force or to come, configured or signalled. */
struct pp_ctl_ahead {
	char id[PP_CTL_ID_MAX];
	int64_t start_s, end_s;     /* Unix seconds */
	double limit_kw;
	int signalled;              /* posted at run time (else configured) */
};

/* Embedded value type: pp_ctl_notes fills it, pp_ctl_notes_free frees it. */
struct pp_ctl_notes {
	struct pp_ctl_note *v;      /* newest first, at most PP_CTL_NOTES */
	size_t n;
	uint64_t total;             /* noted since the controller began (older ones dropped) */
	struct pp_ctl_ahead *ahead; /* by start, those ending after now */
	size_t nahead;
};

/* The event log and the limit events not yet ended at now_ns into *out
 * (written; pp_ctl_notes_free even on error). PP_ERR_NOMEM only. */
PP_WUR enum pp_err pp_ctl_notes(struct pp_ctl *c, int64_t now_ns, struct pp_ctl_notes *out);
void pp_ctl_notes_free(struct pp_ctl_notes *n);

/* Counters and the last cycle's figures. */
struct pp_ctl_stats {
	uint64_t cycles, breach_cycles, breaches, solve_errors, ingested, leases;
	uint64_t ramp_limited;      /* cycles whose cap rises the site ramp cut */
	uint64_t osc_alerts;        /* oscillation alerts raised */
	double solve_s;
	int stale_racks, shedding;
	double grid_measured_kw;    /* NAN before the first meter reading */
	double grid_limit_kw, grid_allocated_kw;
	double holddown_w_per_s;
};

/* How the site answered one signalled grid event. */
struct pp_ctl_signal {
	char id[PP_CTL_ID_MAX];
	double limit_kw;
	double response_s;          /* to the meter under the limit; NAN not yet */
	double held_max_kw;         /* the highest reading after that; NAN none */
	double deferred_gpu_s;      /* GPUs held back, times seconds, while it was on */
};

/* The 0.1-3 Hz oscillation of one level (only levels read fast enough). */
struct pp_ctl_swing {
	const char *level;          /* "site", "hall" or "rack" (static) */
	const char *name;           /* borrowed from the config */
	double amp_kw, peak_hz, mean_kw;
	int alert;
};

struct pp_ctl_rack_cap {
	const char *rack;           /* borrowed from the config */
	double cap_w;
};

/* Everything /metrics shows of the controller. Embedded value type:
 * pp_ctl_metrics fills it, pp_ctl_metrics_free frees it. */
struct pp_ctl_metrics {
	struct pp_ctl_stats st;
	struct pp_ctl_signal *signals;
	size_t nsignals;
	struct pp_ctl_swing *swings;
	size_t nswings;
	struct pp_ctl_rack_cap *caps;
	size_t ncaps;
};

/* Everything /metrics shows, as of now (written; pp_ctl_metrics_free even
 * on error). PP_ERR_NOMEM only. */
PP_WUR enum pp_err pp_ctl_metrics(struct pp_ctl *c, struct pp_ctl_metrics *out);
void pp_ctl_metrics_free(struct pp_ctl_metrics *m);

/* The last cycle's decisions as samples, for the outputs: one `decision`,
 * one `site`, one `cap` per rack, one `headroom` per hall. *out (taken,
 * with everything it points to; free with pp_ctl_samples_free) gets *n. */
PP_WUR enum pp_err pp_ctl_decisions(struct pp_ctl *c, int64_t now_ns, struct pp_sample **out,
				    size_t *n);
void pp_ctl_samples_free(struct pp_sample *s, size_t n);

/* The cap (W per GPU) issued for rack (borrowed) now: what its agent
 * leases. NAN for an unknown rack. */
double pp_ctl_rack_cap(struct pp_ctl *c, const char *rack);

/* Each GPU's share of the site's ramp rate as of the last cycle, in W per
 * second: the hold-down leases carry (0 without a ramp rate). */
double pp_ctl_holddown(struct pp_ctl *c);

/* Whether the state is complete enough to plan at now_ns (readiness, as
 * GET /readyz tells it): a cycle has run and its solve did not fail, every
 * rack has been read at least once, and none is stale now. When not, why
 * (len bytes, at least 1; borrowed) says what is missing, e.g. "2 of 4
 * racks never read (first: r3)"; "" when ready. */
int pp_ctl_ready(struct pp_ctl *c, int64_t now_ns, char *why, size_t len);

/* The limit that bound in the last cycle ("grid", "hall:a", "plant:p1", ""
 * when none), copied into out (len bytes, borrowed). */
void pp_ctl_binding(struct pp_ctl *c, char *out, size_t len);

/* --- high availability (docs/ha.md) ----------------------------------- */

/* The state a next leader needs, as text into out (replacing what it held;
 * borrowed): the caps issued per rack with their leases, the job on each
 * rack, the held jobs and since when, the signalled grid events, the
 * learned base loads (optimizer/control/control_repl.c has the format).
 * PP_ERR_NOMEM only. */
PP_WUR enum pp_err pp_ctl_state_export(struct pp_ctl *c, struct pp_buf *out);

/* Takes over the state text (len bytes, borrowed) a leader exported: its
 * caps become this controller's issued caps (so the next cycle's rises
 * start from them), its held jobs keep their waiting times, its signalled
 * events are in force here (the one signalled later wins). A record that
 * does not read, or names a rack this configuration lacks, is skipped and
 * counted in *bad. PP_ERR_PARSE for a text that is not a state at all (eb
 * says why), PP_ERR_NOMEM; len 0 changes nothing. */
PP_WUR enum pp_err pp_ctl_state_import(struct pp_ctl *c, const char *text, size_t len,
				       size_t *bad, struct pp_errbuf *eb);

#endif
