/* control_ingest.c - readings into the live state (pp_ctl_ingest): rack
 * and GPU power, the site meter, chiller alarms, weather. A reading that
 * breaks a limit is flagged at once, so the caller can solve now. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/gpu.h"

static const char *tag(const struct pp_sample *s, const char *k)
{
	for (size_t i = 0; i < s->ntags; i++)
		if (!strcmp(s->tags[i].key, k))
			return s->tags[i].val;
	return NULL;
}

static int field(const struct pp_sample *s, const char *k, double *v)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct pp_field *f = &s->fields[i];
		if (strcmp(f->key, k))
			continue;
		if (f->type == PP_F_FLOAT)
			*v = f->v.f;
		else if (f->type == PP_F_INT)
			*v = (double)f->v.i;
		else if (f->type == PP_F_UINT)
			*v = (double)f->v.u;
		else
			return 0;
		return isfinite(*v);
	}
	return 0;
}

/* Moves the rack's reading to w: every node above it keeps the sum of
 * the readings below it, so a breach check costs the depth of the tree. */
static void set_reading(struct pp_ctl *c, struct crack *r, double w)
{
	double d = (w - r->meas_w) / 1000;
	for (int n = r->node; n >= 0; n = c->tree.nodes[n].parent) {
		c->tree.meas_kw[n] += d;
		c->tree.unread[n] -= !r->meas_ns;
	}
	r->meas_w = w;
}

/* Whether the reading puts the rack, or a node above it (with the others
 * at their last readings), over its limit. */
static int over_limit(const struct pp_ctl *c, const struct crack *r)
{
	double m = 1 - c->cfg->site.margin;
	for (int n = r->node; n > 0; n = c->tree.nodes[n].parent)
		if (c->tree.meas_kw[n] + c->tree.base_kw[n] > c->tree.nodes[n].limit_kw * m)
			return 1;
	return 0;
}

/* The highest cap issued for the rack during the control period before
 * time t (an agent applies a cap up to one period late), so a reading is
 * set against the caps that could have shaped it, and no older ones. */
static double cap_in_force(const struct pp_ctl *c, const struct crack *r, int64_t t)
{
	int64_t t0 = t - (int64_t)c->opt.period_ms * 1000000;
	double cap = r->cap_w;
	int64_t until = r->cap_ns;
	for (int q = 0; q < PP_CTL_CAP_HIST && until > t0; q++) {
		/* Before the first cap the GPUs ran at their default limit, or at
		 * the cap their agent reports. */
		if (!r->cap_hist_ns[q])
			return fmax(cap, pp_ctl_start_cap_w(c, r, t));
		cap = fmax(cap, r->cap_hist[q]);
		until = r->cap_hist_ns[q];
	}
	return r->cap_ns ? cap : pp_ctl_start_cap_w(c, r, t);
}

/* A reading above what the rack's base and its GPUs at the caps that
 * could have shaped it explain (a breach, a base load the config
 * underrates) is noted as it arrives, so a later reading cannot hide it
 * from the next solve. */
static void note_extra(const struct pp_ctl *c, struct crack *r)
{
	double cap = cap_in_force(c, r, r->meas_ns);
	double extra = r->meas_w - (r->cfg->base_kw * 1000 + r->cfg->gpus * cap);
	r->extra_w = fmax(r->extra_w, extra);
}

/* A chiller's alarm (its trip bit): a tripped chiller is out of the plant
 * until its alarm clears. The plant keeps its reserve all the same (the
 * conservative reading: after a trip the park runs as if another could
 * follow), so a trip lowers the capacity the optimizer plans with. */
static int note_chiller(struct pp_ctl *c, const char *plant, const char *name, int alarm)
{
	if (!plant || !name)
		return 0;
	for (size_t p = 0; p < c->cfg->nplants; p++) {
		int k = strcmp(c->cfg->plants[p].name, plant)
				? -1 : pp_plant_chiller_index(&c->cfg->plants[p], name);
		if (k < 0 || k >= PP_CTL_MAX_CHILLERS)
			continue;
		uint64_t bit = 1ull << k, was = c->plants[p].tripped & bit;
		if (alarm && !was)
			pp_log(PP_LOG_WARN, "optimize", "chiller %s of plant %s tripped: planning "
			       "without it", name, plant);
		else if (!alarm && was)
			pp_log(PP_LOG_INFO, "optimize", "chiller %s of plant %s is back", name, plant);
		c->plants[p].tripped = alarm ? c->plants[p].tripped | bit
					     : c->plants[p].tripped & ~bit;
		return 1;
	}
	return 0;
}

/* An agent's line for one GPU of rack r (NULL: unknown) at ts: its power
 * (power_w) and the cap it applies there (cap_w; 0 is none). A reported
 * cap that arrives before this controller's first lease to the rack is
 * where its caps rise from: a cap issued already is cut to one rise step
 * above it (an optimizer that restarts must not make the park jump from
 * the agents' safe cap to a fresh plan). Returns 1 when the line was
 * used. */
static int gpu_line(struct pp_ctl *c, const char *place, const struct pp_sample *x, int64_t ts,
		    int64_t now_ns)
{
	const char *g = tag(x, "gpu");
	int gi = g ? atoi(g) : 0, off, ngpus, host;
	/* A compute node's agent numbers its own GPUs: they sit at its
	 * offset in the rack (one past its last: not its GPU). */
	struct crack *r = pp_ctl_place(c, place, &off, &ngpus, &host);
	if (r && (gi < 0 || gi >= ngpus))
		return 0;
	gi += r ? off : 0;
	double v;
	int used = 0;
	if (!r || gi < 0 || gi >= PP_CTL_GPUS)
		return 0;
	if (field(x, "power_w", &v) && v >= 0) {
		/* One value per GPU index; the rack's GPU power is their sum. */
		r->gpu_w[gi] = v;
		r->gpu_ns[gi] = ts;
		c->have_power = 1;
		used = 1;
	}
	if (field(x, "cap_w", &v) && v > 0) {
		r->rep_w[gi] = v;
		r->rep_ns[gi] = ts;
		used = 1;
		if (!r->lease_until_ns && r->cap_ns && now_ns - ts <= pp_ctl_gpu_max_age_ns(c))
			r->cap_w = fmin(r->cap_w, pp_gpu_clamp_cap(r->gpu, pp_gpu_clamp_cap(r->gpu, v) +
								      pp_ctl_rise_step_w(c)));
	}
	return used;
}

size_t pp_ctl_ingest(struct pp_ctl *c, const struct pp_sample *s, size_t n, int64_t now_ns,
		     int *breach)
{
	size_t used = 0;
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < n; i++) {
		const struct pp_sample *x = &s[i];
		int64_t ts = x->has_ts ? x->ts_ns : now_ns;
		if (ts > now_ns + 5 * PP_CTL_NS)
			ts = now_ns; /* a clock ahead of ours must not keep a reading fresh */
		const char *rk = tag(x, "rack");
		double v;
		if (rk && !strcmp(x->measurement, "gpu")) {
			used += gpu_line(c, rk, x, ts, now_ns);
		} else if (rk && field(x, "power_w", &v) && v >= 0) {
			struct crack *r = pp_ctl_rack(c, rk);
			if (!r || ts < r->meas_ns)
				continue;
			if (r->meas_ns && v > r->meas_w)
				r->max_rise_w = fmax(r->max_rise_w, v - r->meas_w);
			set_reading(c, r, v);
			r->meas_ns = ts;
			c->have_power = 1;
			/* A stale rack read again counts at its reading from now on
			 * (still at its worst while that reading is old). */
			if (r->at_worst)
				pp_ctl_set_worst(c, r, !pp_ctl_rack_fresh(c, r, now_ns), now_ns);
			pp_ctl_osc_note(c, (int)(r - c->racks), ts, v / 1000);
			note_extra(c, r);
			used++;
			if (over_limit(c, r)) {
				*breach = 1;
				c->st.breaches++;
			}
		} else if (!rk && !strcmp(x->measurement, "job") && tag(x, "job") &&
			   field(x, "throughput", &v)) {
			double cw = 0;
			field(x, "cap_w", &cw);
			used += pp_ctl_fit_sample(c, tag(x, "job"), cw, v, ts);
		} else if (!rk && !strcmp(x->measurement, "meter") && field(x, "power_kw", &v)) {
			c->have_power = 1;
			c->grid.meas_kw = v;
			c->grid.meas_ns = ts;
			pp_ctl_signal_reading(c, v, ts);
			pp_ctl_osc_note(c, -1, ts, v);
			used++;
			/* Over the limit in force, not the one a ramp plans for. */
			double lim = pp_ctl_limit_at(c, ts);
			if (v > lim * (1 - c->cfg->site.margin) && lim > 0) {
				*breach = 1;
				c->st.breaches++;
			}
		} else if (!strcmp(x->measurement, "chiller") && field(x, "alarm", &v)) {
			used += note_chiller(c, tag(x, "plant"), tag(x, "chiller"), v != 0);
		} else if (!strcmp(x->measurement, "weather")) {
			if (field(x, "drybulb_c", &v)) {
				c->wx.db = v;
				c->wx.ns = ts;
				c->wx.wb = field(x, "wetbulb_c", &v) ? v : c->wx.db - 4;
				used++;
			}
		}
	}
	c->st.ingested += used;
	pthread_mutex_unlock(&c->mu);
	return used;
}
