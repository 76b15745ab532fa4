/* control_state.c - questions every part of the controller asks of the
 * live state: which rack has this name, which grid limit is in force, what
 * the plants carry at a weather, how much room a hall has. Called with the
 * controller's mutex held; nothing here calls another file of the room. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/gpu.h"

/* Racks by name: open addressing on FNV-1a, built once (ingest looks up
 * every line, so a linear search would make a batch quadratic). */
static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int pp_ctl_index_racks(struct pp_ctl *c)
{
	c->nslot = 16;
	while (c->nslot < 2 * c->nracks + 2)
		c->nslot *= 2;
	c->slot = malloc(c->nslot * sizeof *c->slot);
	if (!c->slot)
		return -1;
	for (size_t i = 0; i < c->nslot; i++)
		c->slot[i] = -1;
	for (size_t i = 0; i < c->nracks; i++) {
		size_t h = fnv(c->racks[i].cfg->name) & (c->nslot - 1);
		while (c->slot[h] >= 0)
			h = (h + 1) & (c->nslot - 1);
		c->slot[h] = (int)i;
	}
	return 0;
}

struct crack *pp_ctl_rack(struct pp_ctl *c, const char *name)
{
	for (size_t h = fnv(name) & (c->nslot - 1); c->slot[h] >= 0; h = (h + 1) & (c->nslot - 1))
		if (!strcmp(c->racks[c->slot[h]].cfg->name, name))
			return &c->racks[c->slot[h]];
	return NULL;
}

double pp_ctl_limit_at(const struct pp_ctl *c, int64_t now_ns)
{
	double lim = c->cfg->site.import_limit_kw;
	int64_t now_s = now_ns / PP_CTL_NS;
	for (size_t i = 0; i < c->grid.nev; i++) {
		const struct cevent *ev = &c->grid.ev[i];
		if (now_s >= ev->start_s && now_s < ev->end_s && ev->limit_kw < lim)
			lim = ev->limit_kw;
	}
	return lim;
}

double pp_ctl_plants_at(const struct pp_ctl *c, double db, double wb, double heat_kw,
			const double *hall_heat, double *cap_kw)
{
	double cool = 0, load = 0;
	for (size_t p = 0; p < c->cfg->nplants; p++) {
		const struct cplant *cp = &c->plants[p];
		if (!cp->chillers) {
			cap_kw[p] = INFINITY;
			continue;
		}
		double share = 0;
		for (size_t h = 0; h < c->cfg->nhalls; h++)
			if (cp->hall_mask & (1ull << h))
				share += hall_heat[h];
		struct pp_plant_out o;
		struct pp_plant_model m = cp->model;
		m.n_chillers -= __builtin_popcountll(cp->tripped);
		if (m.n_chillers < 0)
			m.n_chillers = 0;
		pp_plant_eval(&m, share > 0 ? share : heat_kw, db, wb, &o);
		cap_kw[p] = o.capacity_kw;
		cool += o.cooling_kw;
		load += share > 0 ? share : heat_kw;
	}
	return load > 0 ? cool / load : 0.25;
}

double pp_ctl_measured_kw(const struct pp_ctl *c, size_t k)
{
	const struct ctl_tree *t = &c->tree;
	return t->unread[k] ? NAN : t->meas_kw[k] + t->base_kw[k];
}

/* Power in use at a level for admission: what the last solve allocated,
 * but no more than the reading plus 2 % of the limit. Allocations count
 * GPUs near their cap at their maximum, which would hold new work back for
 * hours; the caps keep the limits whatever is admitted. */
static double in_use(double alloc_kw, double meas_kw, double limit_kw)
{
	return isfinite(meas_kw) ? fmin(alloc_kw, meas_kw + 0.02 * limit_kw) : alloc_kw;
}

/* The tightest level keeps its name and limit in why (when not NULL). */
static void tighter(double *room, double r, char *why, size_t len, const char *level,
		    double limit_kw)
{
	if (r >= *room)
		return;
	*room = r;
	if (why)
		snprintf(why, len, "%s limit %.1f kW", level, limit_kw);
}

double pp_ctl_hall_room(const struct pp_ctl *c, size_t h, char *why, size_t len)
{
	const struct ctl_tree *t = &c->tree;
	double m = 1 - c->cfg->site.margin;
	int hn = t->hall_node[h];
	double room = INFINITY;
	char name[PP_CTL_REASON_MAX];
	snprintf(name, sizeof name, "hall %s", t->nodes[hn].name);
	tighter(&room, t->nodes[hn].limit_kw * m -
		       in_use(t->ans_kw[hn], pp_ctl_measured_kw(c, (size_t)hn), t->nodes[hn].limit_kw),
		why, len, name, t->nodes[hn].limit_kw);
	tighter(&room, t->nodes[0].limit_kw * m -
		       in_use(t->ans_kw[0], pp_ctl_measured_kw(c, 0), t->nodes[0].limit_kw),
		why, len, "site breaker", t->nodes[0].limit_kw);
	const struct ctl_grid *g = &c->grid;
	double gmeas = g->meas_ns ? g->meas_kw : NAN;
	tighter(&room, (g->limit_kw * m - in_use(g->alloc_kw, gmeas, g->limit_kw)) /
		       (1 + g->cooling_ratio),
		why, len, "grid", g->limit_kw);
	for (size_t p = 0; p < c->cfg->nplants; p++)
		if (c->plants[p].hall_mask & (1ull << h)) {
			snprintf(name, sizeof name, "cooling plant %s", c->cfg->plants[p].name);
			tighter(&room, c->plants[p].capacity_kw * m - c->plants[p].alloc_kw, why, len,
				name, c->plants[p].capacity_kw);
		}
	return room;
}

void pp_ctl_set_class(struct crack *r, int cls)
{
	if (cls == r->cls)
		return;
	struct pp_curve_param cp;
	pp_curve_class((enum pp_job_class)cls, &cp);
	pp_curve_tabulate(&cp, r->gpu->cap_min_w, r->gpu->cap_max_w, PP_CURVE_POINTS, &r->curve);
	r->cls = cls;
}

int pp_ctl_held_gpus(const struct pp_ctl *c)
{
	int gpus = 0;
	for (size_t i = 0; i < c->held.n; i++)
		gpus += c->held.v[i].gpus;
	return gpus;
}
