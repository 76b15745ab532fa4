/* control_hist.c - the history the dashboard draws: one point a minute at
 * most, up to a day, of the grid, IT, cooling, held GPUs and each hall; and
 * the park's plants as they stand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"

void pp_ctl_hist_add(struct pp_ctl *c, int64_t now_ns)
{
	struct ctl_hist *hs = &c->hist;
	int64_t t = now_ns / PP_CTL_NS;
	if (hs->n && t - hs->v[(hs->at + PP_CTL_HIST - 1) % PP_CTL_HIST].t_s < 60)
		return;
	if (!hs->v && !(hs->v = calloc(PP_CTL_HIST, sizeof *hs->v)))
		return; /* the history is for display; the loop goes on without it */
	struct chist *h = &hs->v[hs->at];
	memset(h, 0, sizeof *h);
	h->t_s = t;
	h->grid_kw = c->grid.meas_ns ? (float)c->grid.meas_kw : NAN;
	h->limit_kw = (float)c->grid.limit_kw;
	h->it_kw = (float)c->it_meas_kw;
	h->cool_kw = (float)(c->it_meas_kw * c->grid.cooling_ratio);
	double cap = 0;
	for (size_t p = 0; p < c->cfg->nplants; p++)
		cap += isfinite(c->plants[p].capacity_kw) ? c->plants[p].capacity_kw : 0;
	h->cool_cap_kw = (float)cap;
	h->held_gpus = (float)pp_ctl_held_gpus(c);
	h->wetbulb_c = isfinite(c->wx.db) ? (float)c->wx.wb : NAN;
	double hall_kw[PP_CTL_MAX_HALLS];
	for (size_t k = 0; k < c->cfg->nhalls; k++) {
		int hn = c->tree.hall_node[k];
		hall_kw[k] = c->tree.meas_kw[hn] + c->tree.base_kw[hn];
		if (k < PP_CTL_HIST_HALLS)
			h->hall_kw[k] = (float)hall_kw[k];
	}
	for (size_t p = 0; p < c->cfg->nplants && p < PP_CTL_HIST_PLANTS; p++) {
		const struct cplant *cp = &c->plants[p];
		double heat = 0;
		for (size_t k = 0; k < c->cfg->nhalls; k++)
			if (cp->hall_mask >> k & 1)
				heat += hall_kw[k];
		h->plant_heat_kw[p] = (float)(cp->hall_mask ? heat : c->it_meas_kw);
		h->plant_cap_kw[p] = isfinite(cp->capacity_kw) ? (float)cp->capacity_kw : NAN;
	}
	hs->at = (hs->at + 1) % PP_CTL_HIST;
	if (hs->n < PP_CTL_HIST)
		hs->n++;
}

void pp_ctl_history_free(struct pp_ctl_history *h)
{
	free(h->t_s);
	free(h->grid_kw); /* one block for every float series */
	free(h->halls);
	free(h->plants);
	memset(h, 0, sizeof *h);
}

/* The chillers of plant p whose alarm is on, by name, into x. */
static void tripped(const struct pp_ctl *c, size_t p, struct pp_ctl_hist_plant *x)
{
	const struct pp_plant *pc = &c->cfg->plants[p];
	for (size_t q = 0, k = 0; q < pc->nequip && k < PP_CTL_MAX_CHILLERS; q++) {
		if (pc->equip[q].kind != PP_EQ_CHILLER)
			continue;
		if (c->plants[p].tripped >> k & 1)
			x->tripped[x->ntripped++] = pc->equip[q].name;
		k++;
	}
}

enum pp_err pp_ctl_history(struct pp_ctl *c, struct pp_ctl_history *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&c->mu);
	const struct pp_config *cfg = c->cfg;
	const struct ctl_hist *hs = &c->hist;
	size_t n = hs->n, nh = cfg->nhalls < PP_CTL_HIST_HALLS ? cfg->nhalls : PP_CTL_HIST_HALLS;
	size_t np = cfg->nplants < PP_CTL_HIST_PLANTS ? cfg->nplants : PP_CTL_HIST_PLANTS;
	const size_t series = 7;
	out->utc_offset_s = cfg->scenario ? cfg->scenario->utc_offset_h * 3600 : 0.0;
	out->cfg = cfg;
	out->n = n;
	out->t_s = calloc(n + 1, sizeof *out->t_s);
	float *blk = calloc((series + nh + 2 * np) * n + 1, sizeof *blk);
	out->halls = calloc(nh + 1, sizeof *out->halls);
	out->plants = calloc(cfg->nplants + 1, sizeof *out->plants);
	out->grid_kw = blk;
	if (!out->t_s || !blk || !out->halls || !out->plants) {
		pthread_mutex_unlock(&c->mu);
		pp_ctl_history_free(out);
		return PP_ERR_NOMEM;
	}
	float **cols[] = {&out->grid_kw, &out->limit_kw, &out->it_kw, &out->cooling_kw,
			  &out->cooling_capacity_kw, &out->held_gpus, &out->wetbulb_c};
	for (size_t k = 0; k < series; k++)
		*cols[k] = blk + k * n;
	out->nhalls = nh;
	for (size_t h = 0; h < nh; h++)
		out->halls[h] = (struct pp_ctl_hist_hall){cfg->halls[h].name, cfg->halls[h].limit_kw,
							  blk + (series + h) * n};
	size_t start = (hs->at + PP_CTL_HIST - n) % PP_CTL_HIST;
	for (size_t i = 0; i < n; i++) {
		const struct chist *p = &hs->v[(start + i) % PP_CTL_HIST];
		out->t_s[i] = p->t_s;
		out->grid_kw[i] = p->grid_kw;
		out->limit_kw[i] = p->limit_kw;
		out->it_kw[i] = p->it_kw;
		out->cooling_kw[i] = p->cool_kw;
		out->cooling_capacity_kw[i] = p->cool_cap_kw;
		out->held_gpus[i] = p->held_gpus;
		out->wetbulb_c[i] = p->wetbulb_c;
		for (size_t h = 0; h < nh; h++)
			out->halls[h].kw[i] = p->hall_kw[h];
	}
	out->nplants = cfg->nplants;
	float *pblk = blk + (series + nh) * n;
	for (size_t p = 0; p < cfg->nplants; p++) {
		struct pp_ctl_hist_plant *x = &out->plants[p];
		x->name = cfg->plants[p].name;
		x->capacity_kw = c->plants[p].capacity_kw;
		x->reserve = cfg->plants[p].reserve;
		x->chw_supply_c = cfg->plants[p].chw_supply_c;
		tripped(c, p, x);
		if (p >= np)
			continue;
		x->cap_kw = pblk + 2 * p * n;
		x->heat_kw = pblk + (2 * p + 1) * n;
		for (size_t i = 0; i < n; i++) {
			const struct chist *q = &hs->v[(start + i) % PP_CTL_HIST];
			x->cap_kw[i] = q->plant_cap_kw[p];
			x->heat_kw[i] = q->plant_heat_kw[p];
		}
	}
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}
