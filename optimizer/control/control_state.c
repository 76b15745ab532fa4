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

static void put(struct pp_ctl *c, const char *name, int v)
{
	size_t h = fnv(name) & (c->nslot - 1);
	while (c->slot[h] >= 0)
		h = (h + 1) & (c->nslot - 1);
	c->slot[h] = v;
}

int pp_ctl_index_racks(struct pp_ctl *c)
{
	c->nhosts = 0;
	for (size_t i = 0; i < c->nracks; i++)
		c->nhosts += c->racks[i].cfg->nhosts;
	c->nslot = 16;
	while (c->nslot < 2 * (c->nracks + c->nhosts) + 2)
		c->nslot *= 2;
	c->slot = malloc(c->nslot * sizeof *c->slot);
	c->hosts = c->nhosts ? malloc(c->nhosts * sizeof *c->hosts) : NULL;
	if (!c->slot || (c->nhosts && !c->hosts))
		return -1;
	for (size_t i = 0; i < c->nslot; i++)
		c->slot[i] = -1;
	size_t k = 0;
	for (size_t i = 0; i < c->nracks; i++) {
		const struct pp_rack *rk = c->racks[i].cfg;
		put(c, rk->name, (int)i);
		for (size_t j = 0; j < rk->nhosts; j++, k++) {
			c->hosts[k] = (struct chost){rk->hosts[j], (int)i, (int)j * rk->gpus_per_host,
						    rk->gpus_per_host};
			put(c, rk->hosts[j], (int)(c->nracks + k));
		}
	}
	return 0;
}

static const char *slot_name(const struct pp_ctl *c, int v)
{
	return (size_t)v < c->nracks ? c->racks[v].cfg->name : c->hosts[(size_t)v - c->nracks].name;
}

struct crack *pp_ctl_rack(struct pp_ctl *c, const char *name)
{
	for (size_t h = fnv(name) & (c->nslot - 1); c->slot[h] >= 0; h = (h + 1) & (c->nslot - 1))
		if ((size_t)c->slot[h] < c->nracks && !strcmp(c->racks[c->slot[h]].cfg->name, name))
			return &c->racks[c->slot[h]];
	return NULL;
}

struct crack *pp_ctl_place(struct pp_ctl *c, const char *name, int *off, int *gpus, int *host)
{
	for (size_t h = fnv(name) & (c->nslot - 1); c->slot[h] >= 0; h = (h + 1) & (c->nslot - 1)) {
		int v = c->slot[h];
		if (strcmp(slot_name(c, v), name))
			continue;
		if ((size_t)v < c->nracks) {
			*off = 0;
			*gpus = c->racks[v].cfg->gpus;
			*host = 0;
			return &c->racks[v];
		}
		const struct chost *ho = &c->hosts[(size_t)v - c->nracks];
		*off = ho->off;
		*gpus = ho->gpus;
		*host = 1;
		return &c->racks[ho->rack];
	}
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

int pp_ctl_rack_fresh(const struct pp_ctl *c, const struct crack *r, int64_t now_ns)
{
	/* Racks read by agents or other writers, not by a configured device,
	 * are expected every control period. */
	int iv = r->interval_ms ? r->interval_ms : c->opt.period_ms;
	if (!r->meas_ns)
		return 0;
	return now_ns - r->meas_ns <= (int64_t)c->opt.stale_polls * iv * 1000000LL;
}

double pp_ctl_rise_step_w(const struct pp_ctl *c)
{
	return c->opt.rise_w_per_s * c->opt.period_ms / 1000.0;
}

int64_t pp_ctl_gpu_max_age_ns(const struct pp_ctl *c)
{
	return (int64_t)c->opt.stale_polls * c->opt.period_ms * 1000000LL * 2;
}

int pp_ctl_reported_caps(const struct pp_ctl *c, const struct crack *r, int64_t now_ns,
			 double *lo, double *hi)
{
	int n = 0;
	*lo = INFINITY;
	*hi = 0;
	int64_t max_age = pp_ctl_gpu_max_age_ns(c);
	for (int g = 0; g < r->cfg->gpus && g < PP_CTL_GPUS; g++)
		if (r->rep_ns[g] && now_ns - r->rep_ns[g] <= max_age) {
			*lo = fmin(*lo, r->rep_w[g]);
			*hi = fmax(*hi, r->rep_w[g]);
			n++;
		}
	return n;
}

double pp_ctl_stale_base_w(const struct pp_ctl *c, const struct crack *r)
{
	(void)c;
	double unknown = fmax(r->max_rise_w, PP_CTL_STALE_BASE * r->cfg->limit_kw * 1000);
	return r->cfg->base_kw * 1000 + fmax(unknown, r->extra_w);
}

double pp_ctl_start_cap_w(const struct pp_ctl *c, const struct crack *r, int64_t now_ns)
{
	double lo, hi;
	if (pp_ctl_reported_caps(c, r, now_ns, &lo, &hi))
		return pp_gpu_clamp_cap(r->gpu, hi);
	return r->gpu->cap_max_w;
}

double pp_ctl_rack_worst_w(const struct pp_ctl *c, const struct crack *r, int64_t now_ns)
{
	/* The caps of the last cycles (readings lag them); an entry issued
	 * before the first cap stands for the cap the GPUs started at. */
	double start = pp_ctl_start_cap_w(c, r, now_ns);
	double cap = r->cap_ns ? r->cap_w : start;
	for (int q = 0; q < PP_CTL_CAP_HIST; q++)
		cap = fmax(cap, r->cap_hist_ns[q] ? r->cap_hist[q] : start);
	double w = pp_ctl_stale_base_w(c, r) + r->cfg->gpus * cap;
	return r->meas_ns ? fmax(r->meas_w, w) : w;
}

void pp_ctl_set_worst(struct pp_ctl *c, struct crack *r, int stale, int64_t now_ns)
{
	struct ctl_tree *t = &c->tree;
	double up = 0;
	if (stale)
		up = pp_ctl_rack_worst_w(c, r, now_ns) - (r->meas_ns ? r->meas_w : 0);
	double d = (up - r->up_w) / 1000;
	int dn = (stale != 0) - r->at_worst;
	for (int n = r->node; n >= 0; n = t->nodes[n].parent) {
		t->nstale[n] += dn;
		/* Exactly 0 with nothing stale below: fresh levels read as before. */
		t->up_kw[n] = t->nstale[n] ? t->up_kw[n] + d : 0;
	}
	r->up_w = up;
	r->at_worst = stale != 0;
}

double pp_ctl_measured_kw(const struct pp_ctl *c, size_t k)
{
	const struct ctl_tree *t = &c->tree;
	return t->unread[k] ? NAN : t->meas_kw[k] + t->base_kw[k] + t->up_kw[k];
}

double pp_ctl_worst_kw(const struct pp_ctl *c, size_t k)
{
	const struct ctl_tree *t = &c->tree;
	return t->meas_kw[k] + t->base_kw[k] + t->up_kw[k];
}

int pp_ctl_meter_stale(const struct pp_ctl *c, int64_t now_ns)
{
	return !c->grid.meas_ns || now_ns - c->grid.meas_ns > PP_CTL_METER_FRESH_NS;
}

/* Power in use at a level for admission: what the last solve allocated,
 * but no more than the reading plus 2 % of the limit. Allocations count
 * GPUs near their cap at their maximum, which would hold new work back for
 * hours; the caps keep the limits whatever is admitted. With stale
 * readings below (worst: the level's power with them at their worst, NAN
 * for none) it is never less than that worst: caps nobody confirms
 * applied keep nothing. */
static double in_use(double alloc_kw, double meas_kw, double limit_kw, double worst_kw)
{
	double u = isfinite(meas_kw) ? fmin(alloc_kw, meas_kw + PP_CTL_IN_USE_SLACK * limit_kw)
				     : alloc_kw;
	return isfinite(worst_kw) ? fmax(u, worst_kw) : u;
}

/* A node's power in use (see in_use). */
static double node_in_use(const struct pp_ctl *c, int k)
{
	const struct ctl_tree *t = &c->tree;
	double worst = t->nstale[k] ? pp_ctl_worst_kw(c, (size_t)k) : NAN;
	return in_use(t->ans_kw[k], pp_ctl_measured_kw(c, (size_t)k), t->nodes[k].limit_kw, worst);
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

double pp_ctl_hall_room_fixed(const struct pp_ctl *c, size_t h, char *why, size_t len)
{
	const struct ctl_tree *t = &c->tree;
	double m = 1 - c->cfg->site.margin;
	int hn = t->hall_node[h];
	double room = INFINITY;
	char name[PP_CTL_REASON_MAX];
	snprintf(name, sizeof name, "hall %s", t->nodes[hn].name);
	tighter(&room, t->nodes[hn].limit_kw * m - node_in_use(c, hn), why, len, name,
		t->nodes[hn].limit_kw);
	tighter(&room, t->nodes[0].limit_kw * m - node_in_use(c, 0), why, len, "site breaker",
		t->nodes[0].limit_kw);
	return room;
}

double pp_ctl_hall_room(const struct pp_ctl *c, size_t h, int64_t now_ns, char *why, size_t len)
{
	double m = 1 - c->cfg->site.margin;
	double room = pp_ctl_hall_room_fixed(c, h, why, len);
	char name[PP_CTL_REASON_MAX];
	const struct ctl_grid *g = &c->grid;
	double gmeas = g->meas_ns ? g->meas_kw : NAN;
	/* A meter that stopped answering: its last reading, or the plan when
	 * more, at the least. */
	double gworst = g->meas_ns && pp_ctl_meter_stale(c, now_ns) ? fmax(gmeas, g->alloc_kw) : NAN;
	tighter(&room, (g->limit_kw * m - in_use(g->alloc_kw, gmeas, g->limit_kw, gworst)) /
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
	if (cls == r->cls && !r->own_curve)
		return;
	pp_curve_class((enum pp_job_class)cls, r->gpu->cap_min_w, r->gpu->cap_max_w, &r->curve);
	r->cls = cls;
	r->own_curve = 0;
}

int pp_ctl_held_gpus(const struct pp_ctl *c)
{
	int gpus = 0;
	for (size_t i = 0; i < c->held.n; i++)
		gpus += c->held.v[i].gpus;
	return gpus;
}
