/* control.h - the control loop of `powerpark optimize`: the live state of a
 * park (fed by line protocol), the instance built from it every period, the
 * solve, and the caps it leases to agents.
 *
 * One controller per site. Every function is safe to call from any thread
 * (one mutex inside); pp_ctl_cycle may run while the API answers. */
#ifndef PP_CTL_H
#define PP_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "powerpark/buf.h"
#include "powerpark/config.h"
#include "powerpark/err.h"
#include "powerpark/metric.h"

struct pp_ctl; /* opaque */

struct pp_ctl_opts {
	int period_ms;        /* control period; 1000 by default */
	int lease_s;          /* how long a lease of caps holds; 10 by default */
	int stale_polls;      /* readings older than this many poll intervals are stale; 3 */
	double rise_w_per_s;  /* largest upward cap step per GPU per second; 50 by default */
};

/* Builds a controller for cfg (borrowed; must outlive it). Every GPU starts
 * at its model's minimum cap until the first solve. PP_ERR_CONFIG when a
 * rack's GPU model is unknown to the models. */
PP_WUR enum pp_err pp_ctl_create(const struct pp_config *cfg, const struct pp_ctl_opts *o,
				 struct pp_ctl **out, struct pp_errbuf *eb);

/* The grid import limit in force at now_ns under cfg (borrowed): the
 * contract, or the lowest scheduled event covering now. */
double pp_ctl_limit_now(const struct pp_config *cfg, int64_t now_ns);

/* Frees the controller; NULL is fine. */
void pp_ctl_destroy(struct pp_ctl *c);

/* Takes readings (borrowed) into the live state: rack power (any sample
 * tagged rack=R with power_w, except measurement gpu), per-GPU power
 * (measurement gpu, tags rack and gpu), the site meter (meter without a
 * rack, power_kw), weather (drybulb_c, wetbulb_c). Returns how many samples
 * were used; *breach is set when a reading puts a rack, row, hall or the
 * grid over its limit (the caller then solves at once). */
size_t pp_ctl_ingest(struct pp_ctl *c, const struct pp_sample *s, size_t n, int64_t now_ns,
		     int *breach);

/* One control cycle at wall time now_ns (urgent: started by a breach, not
 * by the period; counted apart in /metrics): builds the instance from the live
 * state (stale readings at their worst case, limits in force now), solves,
 * and updates the caps (decreases at once, increases rate-limited and held
 * one period). On a solver error every cap goes to its floor and the error
 * is returned (the caps are still safe). */
PP_WUR enum pp_err pp_ctl_cycle(struct pp_ctl *c, int64_t now_ns, int urgent,
				struct pp_errbuf *eb);

/* Appends the caps of a rack (node, borrowed) as JSON to out, and records
 * that its agent holds a lease until now + lease_s. PP_ERR_ARG for an
 * unknown node. */
PP_WUR enum pp_err pp_ctl_lease(struct pp_ctl *c, const char *node, int64_t now_ns,
				struct pp_buf *out, struct pp_errbuf *eb);

/* Appends the budget (limits, measured, allocated and headroom per level,
 * the binding limit) as of the last cycle as JSON to out; with halls_only,
 * without the rows and racks. */
PP_WUR enum pp_err pp_ctl_budget(struct pp_ctl *c, int64_t now_ns, int halls_only,
				 struct pp_buf *out);

/* Appends an hourly headroom forecast for the next hours (1..168) as JSON:
 * the grid limit in force each hour from the schedule, less other loads and
 * cooling at the current cooling ratio, less the non-GPU base load and the
 * GPUs' floors. */
PP_WUR enum pp_err pp_ctl_forecast(struct pp_ctl *c, int64_t now_ns, int hours,
				   struct pp_buf *out);

/* Answers a job request (JSON text, borrowed): {"gpus":N, "hall":"a"
 * (optional), "class":"training|inference|batch", "deferrable":bool}.
 * Appends {"decision":"admit|place|start_after|reject", "reason":..., ...}
 * to out. PP_ERR_PARSE with a message in eb when the request is malformed
 * (nothing is changed either way: admission is advice, not a reservation). */
PP_WUR enum pp_err pp_ctl_admit(struct pp_ctl *c, const char *json, size_t len, int64_t now_ns,
				struct pp_buf *out, struct pp_errbuf *eb);

/* Appends the controller's state in Prometheus text format to out. */
PP_WUR enum pp_err pp_ctl_metrics(struct pp_ctl *c, struct pp_buf *out);

/* The last cycle's decisions as samples, for the outputs: one `decision`,
 * one `site`, one `cap` per rack, one `headroom` per hall. *out (taken,
 * with everything it points to; free with pp_ctl_samples_free) gets *n. */
PP_WUR enum pp_err pp_ctl_decisions(struct pp_ctl *c, int64_t now_ns, struct pp_sample **out,
				    size_t *n);
void pp_ctl_samples_free(struct pp_sample *s, size_t n);

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
 * id updates it. Shown by /v1/jobs and the dashboard. PP_ERR_NOMEM only. */
PP_WUR enum pp_err pp_ctl_hold(struct pp_ctl *c, const char *id, int gpus, const char *reason,
			       int64_t now_ns);

/* Forgets a held job (started or cancelled); an unknown id is ignored. */
void pp_ctl_release(struct pp_ctl *c, const char *id);

/* Appends the racks' jobs with their caps, and the held jobs, as JSON. */
PP_WUR enum pp_err pp_ctl_jobs(struct pp_ctl *c, int64_t now_ns, struct pp_buf *out);

/* The cap (W per GPU) issued for rack (borrowed) now: what its agent
 * leases. NAN for an unknown rack. */
double pp_ctl_rack_cap(struct pp_ctl *c, const char *rack);

/* Each GPU's share of the site's ramp rate as of the last cycle, in W per
 * second: the hold-down leases carry (0 without a ramp rate). */
double pp_ctl_holddown(struct pp_ctl *c);

/* The limit that bound in the last cycle ("grid", "hall:a", "plant:p1", ""
 * when none), copied into out (len bytes, borrowed). */
void pp_ctl_binding(struct pp_ctl *c, char *out, size_t len);

/* The grid import limit in force at now_ns: the contract, or the lowest
 * configured or signalled event covering now. */
double pp_ctl_grid_limit(struct pp_ctl *c, int64_t now_ns);

/* Takes a grid signal (JSON text, borrowed): {"id": name, "limit_kw": kW,
 * "start": Unix s (now when left out), "end": Unix s}. A new id adds an
 * event; a known one is moved (an end of now ends it). Planned like a
 * scheduled event from the next cycle. Appends the event and the limit in
 * force to out. PP_ERR_PARSE with a reason when malformed; nothing changes
 * then. */
PP_WUR enum pp_err pp_ctl_grid_event(struct pp_ctl *c, const char *json, size_t len,
				     int64_t now_ns, struct pp_buf *out, struct pp_errbuf *eb);

/* Takes the scheduler's whole view (JSON text, borrowed):
 *   {"racks": [rack...],   the racks it runs jobs on: idle unless named below
 *    "running": [{"id", "class", "weight", "placement": [{"rack", "gpus"}]}],
 *    "pending": [{"id", "gpus"}]}  jobs it holds until powerpark says start,
 *                                  in its priority order.
 * Idle racks are held at their GPUs' floor; running jobs value their racks
 * (the highest weight where several share one). Each pending job gets
 * "start" when its GPUs fit at their floor after those started before it,
 * else "hold" with the limit that binds (recorded for /v1/jobs). Appends
 * {"binding", "grid_limit_kw", "pending": [{"id", "decision", "reason"}],
 * "running": [{"id", "cap_w"}], "ignored_racks": [...]} to out.
 * PP_ERR_PARSE with a reason when malformed; nothing changes then. */
PP_WUR enum pp_err pp_ctl_sync(struct pp_ctl *c, const char *json, size_t len, int64_t now_ns,
			       struct pp_buf *out, struct pp_errbuf *eb);

/* Appends the recent history (one point a minute at most, up to a day):
 * time, grid measured and limit, IT, cooling power, heat against cooling
 * capacity, held GPUs, and each hall's power against its limit, as JSON. */
PP_WUR enum pp_err pp_ctl_history(struct pp_ctl *c, struct pp_buf *out);


#endif
