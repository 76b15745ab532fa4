/* sim_park.c - the simulated park's state and physics, at the bottom of
 * the sim: the racks and devices built from the config, what each field of
 * a device reads now, and the event loop's watch list. The protocol
 * servers (sim_modbus.c, sim_snmp.c) and the sim's top (sim.c) use it; it
 * uses none of them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/chiller.h"
#include "powerpark/clock.h"
#include "powerpark/gpu.h"
#include "sim_int.h"

enum pp_err sim_park_init(struct pp_sim *s, struct pp_errbuf *eb)
{
	const struct pp_config *cfg = s->cfg;
	size_t nr = 0;
	for (size_t h = 0; h < cfg->nhalls; h++)
		for (size_t r = 0; r < cfg->halls[h].nrows; r++)
			nr += cfg->halls[h].rows[r].nracks;
	s->racks = calloc(nr ? nr : 1, sizeof *s->racks);
	s->devs = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *s->devs);
	s->hall_w = calloc(cfg->nhalls ? cfg->nhalls : 1, sizeof *s->hall_w);
	s->hall_pass = calloc(cfg->nhalls ? cfg->nhalls : 1, sizeof *s->hall_pass);
	s->pass = 1;
	if (!s->racks || !s->devs || !s->hall_w || !s->hall_pass)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (size_t h = 0; h < cfg->nhalls; h++)
		for (size_t r = 0; r < cfg->halls[h].nrows; r++)
			for (size_t k = 0; k < cfg->halls[h].rows[r].nracks; k++) {
				struct sim_rack *sr = &s->racks[s->nracks++];
				sr->r = &cfg->halls[h].rows[r].racks[k];
				sr->hall = h;
				/* The config checked the model name against models/;
				 * without one, a generic 700 W GPU idling at 12 %. */
				static const struct pp_gpu_model generic = {"generic", 200, 700, 84,
									    "assumed"};
				const struct pp_gpu_model *g = pp_gpu_find(sr->r->gpu_model);
				sr->gpu = g ? g : &generic;
				sr->tdp_w = sr->gpu->cap_max_w;
				sr->cap_w = sr->tdp_w;
				/* A steady mix: most racks busy, a few lighter. */
				sr->demand = 0.70 + 0.05 * (double)(s->nracks % 5);
			}
	s->ndevs = cfg->ndevices;
	for (size_t i = 0; i < s->ndevs; i++) {
		struct sdev *d = &s->devs[i];
		d->dev = &cfg->devices[i];
		for (size_t k = 0; k < s->nracks; k++)
			if (s->racks[k].r->device == d->dev)
				d->rack = &s->racks[k];
		for (size_t p = 0; p < cfg->nplants; p++)
			for (size_t q = 0; q < cfg->plants[p].nequip; q++)
				if (cfg->plants[p].equip[q].device == d->dev) {
					d->equip = &cfg->plants[p].equip[q];
					d->plant = &cfg->plants[p];
				}
	}
	return PP_OK;
}

double sim_elapsed(struct pp_sim *s)
{
	return s->opts.frozen ? 0 : (double)(pp_clock_mono_ns() - s->t0_mono) / 1e9;
}

double sim_noise(struct pp_sim *s, double rel)
{
	if (s->opts.frozen)
		return 1;
	s->rng = s->rng * 1103515245u + 12345u;
	double u = (double)((s->rng >> 8) & 0xffff) / 65535.0;
	return 1 + rel * (2 * u - 1);
}

/* A swinging job wants its demand for the compute part (60 %) of each
 * period and swing_lo of TDP for the rest, all GPUs in step; a floor set
 * through power smoothing lifts the low phase (never above the cap). */
double sim_rack_w(struct pp_sim *s, const struct sim_rack *r)
{
	double want = r->demand * r->tdp_w;
	if (r->swing_hz > 0 && fmod(sim_elapsed(s) * r->swing_hz, 1.0) >= 0.6)
		want = r->swing_lo * r->tdp_w;
	double g = pp_gpu_draw(r->gpu, want, r->cap_w, r->floor_w);
	return (r->r->base_kw * 1000 + r->r->gpus * g) * sim_noise(s, 0.005);
}

static double hall_it_w(struct pp_sim *s, const char *hall)
{
	size_t h = 0;
	while (h < s->cfg->nhalls && strcmp(s->cfg->halls[h].name, hall))
		h++;
	if (h == s->cfg->nhalls)
		return 0;
	if (s->hall_pass[h] != s->pass) {
		double w = s->cfg->halls[h].base_kw * 1000;
		for (size_t i = 0; i < s->nracks; i++)
			if (s->racks[i].hall == h)
				w += sim_rack_w(s, &s->racks[i]);
		s->hall_w[h] = w;
		s->hall_pass[h] = s->pass;
	}
	return s->hall_w[h];
}

static double plant_heat_w(struct pp_sim *s, const struct pp_plant *p)
{
	double w = 0;
	for (size_t i = 0; i < p->nserves; i++)
		w += hall_it_w(s, p->serves[i]);
	return w;
}

static double site_it_w(struct pp_sim *s)
{
	double w = 0;
	for (size_t h = 0; h < s->cfg->nhalls; h++)
		w += hall_it_w(s, s->cfg->halls[h].name);
	return w;
}

int sim_table_rows(const struct sdev *d, const struct pp_pfield *f)
{
	(void)d;
	const char *t = f->index_tag ? f->index_tag : "";
	if (!strcmp(t, "line") || !strcmp(t, "phase"))
		return 3;
	if (!strcmp(t, "outlet"))
		return 16;
	return 4;
}

void sim_label(const struct sdev *d, const struct pp_pfield *f, int row, char *out, size_t len)
{
	snprintf(out, len, "%s-%s%d", d->dev->name, f->index_tag ? f->index_tag : "row", row);
}

static int has(const char *name, const char *part)
{
	return strstr(name, part) != NULL;
}

/* The reading of one field, from the device's place in the park. Field names
 * carry their unit (power_w, load_kw, ...), which is what the physics keys on;
 * a field the sim has no physics for reads the middle of its valid range. */
static double raw_value(struct pp_sim *s, struct sdev *d, const struct pp_pfield *f, int row)
{
	const char *n = f->name;
	double t = sim_elapsed(s);
	int rows = f->table ? sim_table_rows(d, f) : 1;
	double it_w;
	if (d->rack)
		it_w = sim_rack_w(s, d->rack);
	else if (d->equip && d->plant)
		it_w = d->equip->kind == PP_EQ_CDU && d->equip->hall ? hall_it_w(s, d->equip->hall)
								      : plant_heat_w(s, d->plant);
	else
		it_w = site_it_w(s);
	if (d->equip && d->equip->kind == PP_EQ_CHILLER) {
		size_t nch = 0;
		for (size_t i = 0; i < d->plant->nequip; i++)
			nch += d->plant->equip[i].kind == PP_EQ_CHILLER;
		double load_kw = it_w / 1000 / (double)(nch ? nch : 1);
		double flow = d->equip->capacity_kw / (4.186 * 6.0);
		double sup = d->plant->chw_supply_c;
		if (has(n, "power")) {
			/* The models' chiller at the sim's fixed condenser water. */
			const struct pp_chiller_model *m = pp_chiller_find(d->equip->model);
			struct pp_chiller_out o;
			pp_chiller_eval(m ? m : pp_chiller_find("doe2-centrifugal"),
					d->equip->capacity_kw, load_kw, sup, 29.5, &o);
			return o.power_kw * sim_noise(s, 0.01);
		}
		if (has(n, "load"))
			return load_kw;
		if (has(n, "chw_supply"))
			return sup;
		if (has(n, "chw_return"))
			return sup + load_kw / (4.186 * flow);
		if (has(n, "cond_in"))
			return 29.5;
		if (has(n, "cond_out"))
			return 29.5 + load_kw * 1.17 / (4.186 * flow * 1.2);
		if (has(n, "flow"))
			return flow;
		if (has(n, "running"))
			return load_kw > 0;
		if (has(n, "alarm"))
			return 0;
	}
	if (d->equip && d->equip->kind == PP_EQ_CDU) {
		size_t ncdu = 0;
		for (size_t i = 0; i < d->plant->nequip; i++)
			ncdu += d->plant->equip[i].kind == PP_EQ_CDU && d->equip->hall &&
				d->plant->equip[i].hall && !strcmp(d->plant->equip[i].hall, d->equip->hall);
		double heat_kw = it_w / 1000 / (double)(ncdu ? ncdu : 1);
		double flow = d->equip->capacity_kw / (4.186 * 10.0);
		if (has(n, "heat"))
			return heat_kw;
		if (has(n, "supply"))
			return 32.0;
		if (has(n, "return"))
			return 32.0 + heat_kw / (4.186 * flow);
		if (has(n, "flow"))
			return flow;
		if (has(n, "pump"))
			return 0.012 * d->equip->capacity_kw;
	}
	double w = it_w;
	if (!d->rack && !d->equip && !strcmp(d->dev->profile->measurement, "meter"))
		w = (it_w + s->cfg->site.other_kw * 1000) * 1.25; /* cooling on top */
	w /= rows;
	double v_ll = d->rack ? 400 : 22900, v_ln = d->rack ? 230 : 22900 / sqrt(3);
	if (has(n, "energy_kwh"))
		return 1000 + w * t / 3.6e6;
	if (has(n, "power_kw"))
		return w / 1000;
	if (has(n, "power_w"))
		return w;
	if (has(n, "voltage_ll"))
		return v_ll;
	if (has(n, "voltage"))
		return v_ln;
	if (has(n, "current"))
		return w / (rows == 3 ? v_ln : v_ll * sqrt(3) * 0.98);
	if (has(n, "frequency"))
		return 60.0;
	if (has(n, "power_factor"))
		return 0.98;
	if (has(n, "load_pct"))
		return 55;
	if (has(n, "charge_pct"))
		return 100;
	if (has(n, "runtime_min"))
		return 15;
	if (has(n, "battery_status"))
		return 2; /* batteryNormal */
	(void)row;
	double lo = f->min > -1e299 ? f->min : 0, hi = f->max < 1e299 ? f->max : 2 * lo + 100;
	return (lo + hi) / 2;
}

double sim_value(struct pp_sim *s, struct sdev *d, const struct pp_pfield *f, int row)
{
	double v = raw_value(s, d, f, row);
	if (v < f->min)
		v = f->min;
	if (v > f->max)
		v = f->max;
	return v;
}

int sim_watch_add(struct pp_sim *s, struct sim_watch *w)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, w->fd, &ev);
}

void sim_watch_del(struct pp_sim *s, struct sim_watch *w)
{
	epoll_ctl(s->ep, EPOLL_CTL_DEL, w->fd, NULL);
}

