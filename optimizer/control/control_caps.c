/* control_caps.c - the solver's targets become issued caps: with their
 * damping (falls at once, rises held a period and bounded), the site's
 * ramp on the way up, and the binding limit noted for everyone who asks. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/gpu.h"

/* Caps fall at once. A rise waits until two cycles in a row asked for it
 * (so every agent has seen the falls that made room), goes to the lower of
 * the two, and by at most rise_w_per_s per second. Every issued cap is
 * within the GPU's range and at or under this cycle's target, so the set of
 * issued caps keeps every limit the solve kept. */
/* The site's ramp rate upwards: when the caps raised this cycle would add
 * more draw (at what the racks want) than the rate allows since the last
 * cycle, every rise is cut by one factor, so caps climb along the ramp
 * after a limit event ends or a large job starts. Cuts are never delayed
 * here: the planned limit glides down instead (limit_ahead), and a limit
 * in force wins over the ramp. Also sets the hold-down rate the leases
 * carry: each GPU's share of the ramp, so that every job ending at once
 * still falls no faster than the grid allows. */
static void ramp_up(struct pp_ctl *c, double cooling, int64_t now_ns)
{
	double ramp = c->cfg->site.ramp_kw_per_min / 60; /* grid kW per second */
	double dt = c->grid.ramp_ns ? (double)(now_ns - c->grid.ramp_ns) / 1e9 : 0;
	int first = !c->grid.ramp_ns;
	c->grid.ramp_ns = now_ns;
	c->grid.holddown_w_per_s = 0;
	if (!(ramp > 0))
		return;
	double gpus = 0, rise_kw = 0;
	for (size_t i = 0; i < c->nracks; i++) {
		const struct crack *r = &c->racks[i];
		gpus += r->cfg->gpus;
		double was = r->cap_hist[0], d = r->demand_w;
		if (r->cap_w > was)
			rise_kw += r->cfg->gpus * (fmin(r->cap_w, d) - fmin(was, d)) / 1000;
	}
	c->grid.holddown_w_per_s = gpus > 0 ? ramp * 1000 / (1 + cooling) / gpus : 0;
	/* 10 % of the ramp is kept for what the plan does not see: meter
	 * noise, cooling that follows the heat with its own steps. */
	double allow_kw = 0.9 * ramp * fmax(0, dt) / (1 + cooling);
	if (first || rise_kw <= allow_kw || rise_kw <= 0)
		return;
	double f = allow_kw / rise_kw;
	c->st.ramp_limited++;
	for (size_t i = 0; i < c->nracks; i++) {
		struct crack *r = &c->racks[i];
		double was = r->cap_hist[0], d = r->demand_w;
		if (r->cap_w <= was || was >= d)
			continue;
		r->cap_w = pp_gpu_clamp_cap(r->gpu, was + f * (fmin(r->cap_w, d) - was));
	}
}

/* The first cap of rack r for target t: t, or one rise step above the cap
 * its agent reports applied when it reports one and has not leased from
 * this controller yet (then the controller's books start from the agent's). */
static double first_cap(const struct pp_ctl *c, const struct crack *r, double t, int64_t now_ns)
{
	double lo, hi;
	if (r->lease_until_ns || !pp_ctl_reported_caps(c, r, now_ns, &lo, &hi))
		return t;
	return fmin(t, pp_gpu_clamp_cap(r->gpu, lo) + pp_ctl_rise_step_w(c));
}

/* Node k's name as the binding limit reads: "site:S", "hall:H", "row:R",
 * "rack:R". */
static void node_name(const struct pp_ctl *c, const struct pp_inst *in, size_t k, char *out,
		      size_t len)
{
	snprintf(out, len, "%s:%s",
		 k == 0 ? "site" : c->tree.nodes[k].rack >= 0 ? "rack"
			 : c->tree.nodes[c->tree.nodes[k].parent].parent < 0 ? "hall" : "row",
		 in->nodes[k].id);
}

/* Why rack r (index i) holds the cap it does after this solve: the binding
 * limit above it of the highest price (the grid, a node on its way up, a
 * plant cooling its hall), or what else keeps it where it is. */
static void rack_why(struct pp_ctl *c, const struct pp_inst *in, const struct pp_ans *a,
		     size_t i)
{
	struct crack *r = &c->racks[i];
	const double tol_w = 1;
	double t = a->jobs[i].action == PP_RUN ? pp_gpu_clamp_cap(r->gpu, a->jobs[i].cap_w) : 0;
	r->why_price = 0;
	r->why_demand_w = r->demand_w;
	if (a->jobs[i].action != PP_RUN) {
		snprintf(r->why, sizeof r->why, "paused");
		return;
	}
	if (r->cap_w < t - tol_w) {
		snprintf(r->why, sizeof r->why, "rising");
		return;
	}
	if (t >= r->gpu->cap_max_w - tol_w) {
		snprintf(r->why, sizeof r->why, "at its maximum");
		return;
	}
	if (t >= r->demand_w - tol_w) {
		snprintf(r->why, sizeof r->why, "wants less");
		return;
	}
	double best = 0;
	r->why[0] = 0;
	if (a->grid.binding && a->grid.price > best) {
		best = a->grid.price;
		snprintf(r->why, sizeof r->why, "grid");
	}
	for (int k = r->node; k >= 0; k = c->tree.nodes[k].parent)
		if (a->nodes[k].binding && a->nodes[k].price > best) {
			best = a->nodes[k].price;
			node_name(c, in, (size_t)k, r->why, sizeof r->why);
		}
	for (size_t p = 0, q = 0; p < c->cfg->nplants && q < in->nplants; p++) {
		if (strcmp(in->plants[q].id, c->cfg->plants[p].name))
			continue;
		uint64_t mask = c->plants[p].hall_mask;
		if ((!mask || mask >> r->hall & 1) && a->plants[q].binding && a->plants[q].price > best) {
			best = a->plants[q].price;
			snprintf(r->why, sizeof r->why, "plant:%s", in->plants[q].id);
		}
		q++;
	}
	r->why_price = best;
	if (!r->why[0])
		snprintf(r->why, sizeof r->why, "none");
}

void pp_ctl_update_caps(struct pp_ctl *c, const struct pp_inst *in, const struct pp_ans *a,
		 int64_t now_ns)
{
	double step = pp_ctl_rise_step_w(c);
	for (size_t i = 0; i < c->nracks; i++) {
		struct crack *r = &c->racks[i];
		memmove(r->cap_hist + 1, r->cap_hist, (PP_CTL_CAP_HIST - 1) * sizeof *r->cap_hist);
		memmove(r->cap_hist_ns + 1, r->cap_hist_ns,
			(PP_CTL_CAP_HIST - 1) * sizeof *r->cap_hist_ns);
		r->cap_hist[0] = r->cap_w;
		r->cap_hist_ns[0] = r->cap_ns;
		r->cap_ns = now_ns;
		double t = a->jobs[i].action == PP_RUN ? a->jobs[i].cap_w : r->gpu->cap_min_w;
		t = pp_gpu_clamp_cap(r->gpu, t);
		/* The first cap of a rack is issued as solved: until then its GPUs
		 * run at their default limit, above it, so it is a cut; starting
		 * from the floor would drop the site and climb back for minutes.
		 * (No issue time before this one is what cap_in_force reads as
		 * "the default limit" too.) Where the rack's agent reports the cap
		 * it applies (a restart of the optimizer: its safe cap, or the last
		 * one leased), that is where the rise starts: one step above the
		 * lowest reported, as any rise. */
		if (!r->cap_hist_ns[0])
			r->cap_w = first_cap(c, r, t, now_ns);
		else if (t < r->cap_w)
			r->cap_w = t;
		else if (t > r->cap_w && r->target_w > r->cap_w)
			r->cap_w = fmin(fmin(t, r->target_w), r->cap_w + step);
		r->cap_w = pp_gpu_clamp_cap(r->gpu, r->cap_w);
		r->target_w = t;
	}
	ramp_up(c, in->grid_cooling, now_ns);
	/* The binding limit: the grid, then the highest node, then a plant. */
	c->binding[0] = 0;
	if (a->grid.binding)
		snprintf(c->binding, sizeof c->binding, "grid");
	for (size_t k = 0; k < in->nnodes && !c->binding[0]; k++)
		if (a->nodes[k].binding)
			node_name(c, in, k, c->binding, sizeof c->binding);
	for (size_t p = 0; p < in->nplants && !c->binding[0]; p++)
		if (a->plants[p].binding)
			snprintf(c->binding, sizeof c->binding, "plant:%s", in->plants[p].id);
	for (size_t k = 0; k < in->nnodes; k++)
		c->tree.ans_kw[k] = a->nodes[k].power_kw;
	/* The instance holds the plants that cool something, in config order:
	 * each is matched to its own. A plant left out limits nothing (no
	 * chiller model to tell its capacity, or no hall to cool). */
	for (size_t p = 0, q = 0; p < c->cfg->nplants; p++) {
		c->plants[p].capacity_kw = INFINITY;
		c->plants[p].alloc_kw = 0;
		if (q < in->nplants && !strcmp(in->plants[q].id, c->cfg->plants[p].name)) {
			c->plants[p].capacity_kw = in->plants[q].capacity_kw;
			c->plants[p].alloc_kw = a->plants[q].power_kw;
			q++;
		}
	}
	for (size_t i = 0; i < c->nracks; i++)
		rack_why(c, in, a, i);
	c->grid.alloc_kw = a->grid.power_kw;
	c->grid.cooling_ratio = in->grid_cooling;
	c->st.solve_s = a->solve_us / 1e6;
	c->st.shedding = a->shedding;
}

double pp_ctl_holddown(struct pp_ctl *c)
{
	pthread_mutex_lock(&c->mu);
	double v = c->grid.holddown_w_per_s;
	pthread_mutex_unlock(&c->mu);
	return v;
}
