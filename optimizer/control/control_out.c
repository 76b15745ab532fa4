/* control_out.c - what the controller hands out: caps (with their damping),
 * leases, the budget, the forecast, admission advice, Prometheus metrics and
 * decision samples. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control_int.h"
#include "powerpark/config.h"
#include "powerpark/inst.h"
#include "powerpark/json.h"
#include "powerpark/log.h"

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
	double dt = c->ramp_ns ? (double)(now_ns - c->ramp_ns) / 1e9 : 0;
	int first = !c->ramp_ns;
	c->ramp_ns = now_ns;
	c->holddown_w_per_s = 0;
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
	c->holddown_w_per_s = gpus > 0 ? ramp * 1000 / (1 + cooling) / gpus : 0;
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

void pp_ctl_update_caps(struct pp_ctl *c, const struct pp_inst *in, const struct pp_ans *a,
		 int64_t now_ns)
{
	double step = c->opt.rise_w_per_s * c->opt.period_ms / 1000.0;
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
		 * "the default limit" too.) */
		if (!r->cap_hist_ns[0])
			r->cap_w = t;
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
			snprintf(c->binding, sizeof c->binding, "%s:%s",
				 k == 0 ? "site" : c->nodes[k].rack >= 0 ? "rack"
					 : c->nodes[c->nodes[k].parent].parent < 0 ? "hall" : "row",
				 in->nodes[k].id);
	for (size_t p = 0; p < in->nplants && !c->binding[0]; p++)
		if (a->plants[p].binding)
			snprintf(c->binding, sizeof c->binding, "plant:%s", in->plants[p].id);
	for (size_t k = 0; k < in->nnodes; k++)
		c->ans_kw[k] = a->nodes[k].power_kw;
	for (size_t p = 0; p < in->nplants; p++) {
		c->plants[p].capacity_kw = in->plants[p].capacity_kw;
		c->plants[p].alloc_kw = a->plants[p].power_kw;
	}
	c->grid_alloc_kw = a->grid.power_kw;
	c->cooling_ratio = in->grid_cooling;
	c->st.solve_us = a->solve_us;
	c->st.shedding = a->shedding;
}

double pp_ctl_holddown(struct pp_ctl *c)
{
	pthread_mutex_lock(&c->mu);
	double v = c->holddown_w_per_s;
	pthread_mutex_unlock(&c->mu);
	return v;
}

/* --- JSON helpers ------------------------------------------------------ */

/* JSON has no NaN: unknown measurements are null. */
static enum pp_err jnum(struct pp_buf *b, double v)
{
	return isfinite(v) ? pp_buf_appendf(b, "%.3f", v) : pp_buf_append(b, "null", 4);
}

/* The measured power of node k: its base plus the readings of its racks
 * (NaN while a rack below it has never been read). */
static double measured_kw(const struct pp_ctl *c, size_t k)
{
	return c->node_unread[k] ? NAN : c->node_meas_kw[k] + c->node_base_kw[k];
}

enum pp_err pp_ctl_lease(struct pp_ctl *c, const char *node, int64_t now_ns, struct pp_buf *out,
			 struct pp_errbuf *eb)
{
	pthread_mutex_lock(&c->mu);
	struct crack *r = pp_ctl_rack(c, node);
	if (!r) {
		pthread_mutex_unlock(&c->mu);
		return pp_err_set(eb, PP_ERR_ARG, "unknown node '%s': caps are leased per rack name",
			       node);
	}
	r->lease_until_ns = now_ns + (int64_t)c->opt.lease_s * 1000000000;
	c->st.leases++;
	enum pp_err e = pp_buf_appendf(out, "{\"node\":");
	e = e ? e : pp_json_quote(out, node, strlen(node));
	e = e ? e : pp_buf_appendf(out,
				   ",\"lease_expires\":%lld,\"ttl_s\":%d,\"gpus\":%d,\"gpu_model\":",
				   (long long)(r->lease_until_ns / 1000000000), c->opt.lease_s,
				   r->cfg->gpus);
	e = e ? e : pp_json_quote(out, r->gpu->name, strlen(r->gpu->name));
	e = e ? e : pp_buf_appendf(out, ",\"cap_min_w\":%.0f,\"cap_max_w\":%.0f,\"caps\":[{\"job\":",
				   r->gpu->cap_min_w, r->gpu->cap_max_w);
	e = e ? e : pp_json_quote(out, r->job[0] ? r->job : r->cfg->name, strlen(r->job[0] ? r->job : r->cfg->name));
	/* The power floor of the job's class damps a synchronous job's swing;
	 * the hold-down rate keeps its end from dropping the site faster than
	 * its ramp. Agents apply both through GPU power smoothing. */
	double floor_w = r->idle ? 0 : c->cfg->site.osc_floor[r->cls] * r->cap_w;
	e = e ? e : pp_buf_appendf(out, ",\"gpus\":%d,\"cap_w\":%.1f,\"action\":\"%s\","
				   "\"floor_w\":%.1f,\"ramp_down_w_per_s\":%.3f}]}\n",
				   r->cfg->gpus, r->cap_w, r->idle ? "idle" : "run", floor_w,
				   c->holddown_w_per_s);
	pthread_mutex_unlock(&c->mu);
	return e;
}

static enum pp_err level(struct pp_buf *b, const char *name, double limit_kw, double meas_kw,
			 double alloc_kw, double margin, int comma)
{
	double usable = limit_kw * (1 - margin);
	enum pp_err e = pp_buf_appendf(b, "%s{\"name\":", comma ? "," : "");
	e = e ? e : pp_json_quote(b, name, strlen(name));
	e = e ? e : pp_buf_appendf(b, ",\"limit_kw\":");
	e = e ? e : jnum(b, limit_kw);
	e = e ? e : pp_buf_appendf(b, ",\"usable_kw\":");
	e = e ? e : jnum(b, usable);
	e = e ? e : pp_buf_appendf(b, ",\"measured_kw\":");
	e = e ? e : jnum(b, meas_kw);
	e = e ? e : pp_buf_appendf(b, ",\"allocated_kw\":");
	e = e ? e : jnum(b, alloc_kw);
	e = e ? e : pp_buf_appendf(b, ",\"headroom_kw\":");
	e = e ? e : jnum(b, usable - (isfinite(meas_kw) ? fmax(meas_kw, alloc_kw) : alloc_kw));
	return e ? e : pp_buf_append(b, "}", 1);
}

/* The budget is built once a cycle and served from there: schedulers may
 * ask thousands of times a second, and on a park of 1,500 racks the text
 * is 300 kB. */
enum pp_err pp_ctl_budget(struct pp_ctl *c, int64_t now_ns, int halls_only, struct pp_buf *out)
{
	pthread_mutex_lock(&c->mu);
	enum pp_err e = c->budget.len ? PP_OK : pp_ctl_budget_build(c, now_ns);
	const struct pp_buf *b = halls_only ? &c->budget_halls : &c->budget;
	e = e ? e : pp_buf_append(out, b->data, b->len);
	pthread_mutex_unlock(&c->mu);
	return e;
}

enum pp_err pp_ctl_budget_build(struct pp_ctl *c, int64_t now_ns)
{
	struct pp_buf *out = &c->budget;
	out->len = 0;
	const struct pp_config *cfg = c->cfg;
	double m = cfg->site.margin;
	double grid_meas = c->grid_meas_ns ? c->grid_meas_kw : NAN;
	double lim = pp_ctl_limit_at(c, now_ns);
	enum pp_err e = pp_buf_appendf(out, "{\"site\":");
	e = e ? e : pp_json_quote(out, cfg->site.name, strlen(cfg->site.name));
	e = e ? e : pp_buf_appendf(out, ",\"time\":%lld,\"status\":\"%s\",\"binding\":",
				   (long long)(now_ns / 1000000000),
				   c->st.shedding ? "shedding" : c->st.cycles ? "ok" : "starting");
	e = e ? e : pp_json_quote(out, c->binding, strlen(c->binding));
	e = e ? e : pp_buf_appendf(out, ",\"stale_racks\":%d,\"grid\":", c->st.stale_racks);
	e = e ? e : level(out, "grid", lim, grid_meas, c->grid_alloc_kw, m, 0);
	const char *kinds[] = {"halls", "rows", "racks"};
	size_t at_rows = 0;
	for (int kind = 0; kind < 3 && !e; kind++) {
		if (kind == 1)
			at_rows = out->len;
		e = pp_buf_appendf(out, ",\"%s\":[", kinds[kind]);
		int first = 1;
		for (size_t k = 1; k < c->nnodes && !e; k++) {
			const struct cnode *n = &c->nodes[k];
			int is = n->rack >= 0 ? 2 : c->nodes[n->parent].parent < 0 ? 0 : 1;
			if (is != kind)
				continue;
			e = level(out, n->name, n->limit_kw, measured_kw(c, k), c->ans_kw[k], m, !first);
			if (!e && kind == 2) {
				const struct crack *r = &c->racks[n->rack];
				out->len--; /* reopen the object for the rack's own fields */
				e = pp_buf_appendf(out, ",\"cap_w\":%.1f,\"demand_w\":%.1f,"
						   "\"unexplained_kw\":%.3f,\"stale\":%s}",
						   r->cap_w, r->demand_w, r->extra_w / 1000,
						   r->stale ? "true" : "false");
			}
			first = 0;
		}
		e = e ? e : pp_buf_append(out, "]", 1);
	}
	e = e ? e : pp_buf_appendf(out, ",\"plants\":[");
	for (size_t p = 0; p < cfg->nplants && !e; p++)
		e = level(out, cfg->plants[p].name, c->plants[p].capacity_kw, NAN,
			  c->plants[p].alloc_kw, m, p > 0);
	e = e ? e : pp_buf_appendf(out, "]}\n");
	/* The same without rows and racks, for schedulers that ask often. */
	struct pp_buf *hb = &c->budget_halls;
	hb->len = 0;
	const char *plants = out->data ? strstr(out->data + at_rows, ",\"plants\":[") : NULL;
	e = e ? e : pp_buf_append(hb, out->data, at_rows);
	e = e ? e : plants ? pp_buf_append(hb, plants, out->len - (size_t)(plants - out->data))
			   : PP_ERR_NOMEM;
	return e;
}

/* Hourly headroom: the lowest grid limit in force in each hour, cooling
 * from the plant models at that hour's weather (the site's EPW year when
 * configured, else the last reading, else a hot design day), and the
 * racks' current demand as the known jobs. */
enum pp_err pp_ctl_forecast(struct pp_ctl *c, int64_t now_ns, int hours, struct pp_buf *out)
{
	pthread_mutex_lock(&c->mu);
	const struct pp_config *cfg = c->cfg;
	double m = 1 - cfg->site.margin;
	double floor_kw = 0, base_kw = 0, demand_kw = 0, hall_heat[64] = {0};
	for (size_t k = 0; k < c->nnodes; k++)
		base_kw += c->nodes[k].base_kw;
	for (size_t i = 0; i < c->nracks; i++) {
		const struct crack *r = &c->racks[i];
		floor_kw += r->cfg->gpus * r->gpu->cap_min_w / 1000;
		demand_kw += r->cfg->gpus * r->demand_w / 1000;
		if (r->hall < 64)
			hall_heat[r->hall] += r->cfg->base_kw + r->cfg->gpus * r->demand_w / 1000;
	}
	double heat = 0;
	for (size_t h = 0; h < cfg->nhalls && h < 64; h++)
		heat += hall_heat[h] + cfg->halls[h].base_kw;
	c->hall_heat_kw = hall_heat;
	int64_t h0 = now_ns / 3600000000000LL * 3600000000000LL;
	enum pp_err e = pp_buf_appendf(out, "{\"hours\":%d,\"weather\":\"%s\",\"buckets\":[",
				       hours, c->epw.h ? "epw" : isfinite(c->weather_db) ? "reading"
										    : "design-day");
	for (int h = 0; h < hours && !e; h++) {
		int64_t t0 = h0 + (int64_t)h * 3600000000000LL;
		double lim = pp_ctl_limit_at(c, t0);
		for (size_t i = 0; i < c->nev; i++) {
			const struct cevent *ev = &c->ev[i];
			if (ev->start_s * 1000000000LL < t0 + 3600000000000LL &&
			    ev->end_s * 1000000000LL > t0 && ev->limit_kw < lim)
				lim = ev->limit_kw;
		}
		double db = isfinite(c->weather_db) ? c->weather_db : 35;
		double wb = isfinite(c->weather_db) ? c->weather_wb : 28;
		if (c->epw.h) {
			/* The EPW year is in local standard time. */
			time_t lt = (time_t)(t0 / 1000000000) + (time_t)(c->epw.tz_h * 3600);
			struct tm tm;
			gmtime_r(&lt, &tm);
			struct pp_weather_hour wh;
			pp_weather_at(&c->epw, tm.tm_yday * 24.0 + tm.tm_hour + 0.5, &wh);
			db = wh.db_c;
			wb = wh.wb_c;
		}
		double pcap[64], cool_cap = 0;
		double ratio = pp_ctl_plants_at(c, db, wb, heat, pcap);
		int served = cfg->nplants > 0;
		for (size_t p = 0; p < cfg->nplants && p < 64; p++)
			served &= isfinite(pcap[p]);
		for (size_t p = 0; p < cfg->nplants && p < 64; p++)
			cool_cap += isfinite(pcap[p]) ? pcap[p] : 0;
		double it_room = (lim * m - cfg->site.other_kw) / (1 + ratio);
		if (served)
			it_room = fmin(it_room, cool_cap * m);
		e = pp_buf_appendf(out,
				   "%s{\"start\":%lld,\"grid_limit_kw\":%.1f,\"drybulb_c\":%.1f,"
				   "\"wetbulb_c\":%.1f,\"cooling_kw_per_kw\":%.4f,"
				   "\"cooling_capacity_kw\":",
				   h ? "," : "", (long long)(t0 / 1000000000), lim, db, wb, ratio);
		e = e ? e : jnum(out, served ? cool_cap : NAN);
		e = e ? e : pp_buf_appendf(out, ",\"it_kw\":%.1f,\"headroom_kw\":%.1f,"
					   "\"free_kw\":%.1f}", it_room, it_room - base_kw - floor_kw,
					   it_room - base_kw - demand_kw);
	}
	c->hall_heat_kw = NULL;
	e = e ? e : pp_buf_appendf(out, "]}\n");
	pthread_mutex_unlock(&c->mu);
	return e;
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
	double m = 1 - c->cfg->site.margin;
	int hn = c->hall_node[h];
	double room = INFINITY;
	char name[96];
	snprintf(name, sizeof name, "hall %s", c->nodes[hn].name);
	tighter(&room, c->nodes[hn].limit_kw * m -
		       in_use(c->ans_kw[hn], measured_kw(c, (size_t)hn), c->nodes[hn].limit_kw),
		why, len, name, c->nodes[hn].limit_kw);
	tighter(&room, c->nodes[0].limit_kw * m -
		       in_use(c->ans_kw[0], measured_kw(c, 0), c->nodes[0].limit_kw),
		why, len, "site breaker", c->nodes[0].limit_kw);
	double gmeas = c->grid_meas_ns ? c->grid_meas_kw : NAN;
	tighter(&room, (c->grid_limit_kw * m - in_use(c->grid_alloc_kw, gmeas, c->grid_limit_kw)) /
		       (1 + c->cooling_ratio),
		why, len, "grid", c->grid_limit_kw);
	for (size_t p = 0; p < c->cfg->nplants; p++)
		if (c->plants[p].hall_mask & (1ull << h)) {
			snprintf(name, sizeof name, "cooling plant %s", c->cfg->plants[p].name);
			tighter(&room, c->plants[p].capacity_kw * m - c->plants[p].alloc_kw, why, len,
				name, c->plants[p].capacity_kw);
		}
	return room;
}

enum pp_err pp_ctl_admit(struct pp_ctl *c, const char *json, size_t len, int64_t now_ns,
			 struct pp_buf *out, struct pp_errbuf *eb)
{
	json_t *root = NULL;
	if (pp_ctl_json_load(json, len, &root, eb))
		return PP_ERR_PARSE;
	enum pp_err e = PP_OK;
	json_t *g = json_object_get(root, "gpus"), *hl = json_object_get(root, "hall");
	json_t *df = json_object_get(root, "deferrable"), *cl = json_object_get(root, "class");
	if (!json_is_integer(g) || json_integer_value(g) < 1 || json_integer_value(g) > 1000000)
		e = pp_err_set(eb, PP_ERR_PARSE, "\"gpus\": expected an integer from 1 to 1000000");
	else if (hl && !json_is_string(hl))
		e = pp_err_set(eb, PP_ERR_PARSE, "\"hall\": expected a string");
	else if (df && !json_is_boolean(df))
		e = pp_err_set(eb, PP_ERR_PARSE, "\"deferrable\": expected true or false");
	else if (cl && (!json_is_string(cl) || pp_config_job_class(json_string_value(cl)) < 0))
		e = pp_err_set(eb, PP_ERR_PARSE, "\"class\": expected training, inference or batch");
	if (e)
		goto out;
	pthread_mutex_lock(&c->mu);
	const struct pp_config *cfg = c->cfg;
	long long gpus = json_integer_value(g);
	long want = -1;
	if (hl) {
		for (size_t h = 0; h < cfg->nhalls; h++)
			if (!strcmp(cfg->halls[h].name, json_string_value(hl)))
				want = (long)h;
		if (want < 0) {
			pthread_mutex_unlock(&c->mu);
			e = pp_err_set(eb, PP_ERR_PARSE, "\"hall\": no hall named '%s'",
				    json_string_value(hl));
			goto out;
		}
	}
	/* A new job's GPUs need at least their floor; its cap is what the room
	 * allows per GPU, up to the GPU's maximum (H100-class ranges assumed
	 * from the first rack of the hall). */
	long best = -1;
	double best_cap = 0;
	for (size_t h = 0; h < cfg->nhalls; h++) {
		const struct pp_gpu_model *gm = c->hall_gpu[h];
		if (!gm)
			continue;
		double cap = fmin(gm->cap_max_w, pp_ctl_hall_room(c, h, NULL, 0) * 1000 / (double)gpus);
		if (cap >= gm->cap_min_w && (best < 0 || (long)h == want || cap > best_cap)) {
			if (best >= 0 && best == want)
				continue;
			best = (long)h;
			best_cap = cap;
		}
	}
	if (best >= 0 && (want < 0 || best == want)) {
		e = pp_buf_appendf(out, "{\"decision\":\"admit\",\"hall\":");
		e = e ? e : pp_json_quote(out, cfg->halls[best].name, strlen(cfg->halls[best].name));
		e = e ? e : pp_buf_appendf(out, ",\"cap_w\":%.0f,\"reason\":\"fits under every limit "
					   "now (binding: %s)\"}\n", best_cap,
					   c->binding[0] ? c->binding : "none");
	} else if (best >= 0) {
		e = pp_buf_appendf(out, "{\"decision\":\"place\",\"hall\":");
		e = e ? e : pp_json_quote(out, cfg->halls[best].name, strlen(cfg->halls[best].name));
		e = e ? e : pp_buf_appendf(out, ",\"cap_w\":%.0f,\"reason\":\"hall %s has no room "
					   "for %lld GPUs at their floor\"}\n", best_cap,
					   cfg->halls[want].name, gpus);
	} else {
		/* The earliest end of a limit event in force, if any. */
		int64_t after = 0, now_s = now_ns / 1000000000;
		for (size_t i = 0; i < c->nev; i++) {
			const struct cevent *ev = &c->ev[i];
			if (now_s >= ev->start_s && now_s < ev->end_s && (!after || ev->end_s < after))
				after = ev->end_s;
		}
		if (after && df && json_is_true(df))
			e = pp_buf_appendf(out, "{\"decision\":\"start_after\",\"start_after\":%lld,"
					   "\"reason\":\"grid limit event in force until then; "
					   "binding: %s\"}\n", (long long)after,
					   c->binding[0] ? c->binding : "grid");
		else
			e = pp_buf_appendf(out, "{\"decision\":\"reject\",\"reason\":\"no hall has "
					   "room for %lld GPUs at their floor (binding: %s)\"}\n",
					   gpus, c->binding[0] ? c->binding : "none");
	}
	pthread_mutex_unlock(&c->mu);
out:
	json_decref(root);
	return e;
}

enum pp_err pp_ctl_metrics(struct pp_ctl *c, struct pp_buf *out)
{
	pthread_mutex_lock(&c->mu);
	const struct ctl_stats *s = &c->st;
	enum pp_err e = pp_buf_appendf(
		out,
		"# TYPE powerpark_cycles_total counter\npowerpark_cycles_total %llu\n"
		"# TYPE powerpark_breach_cycles_total counter\npowerpark_breach_cycles_total %llu\n"
		"# TYPE powerpark_breaches_total counter\npowerpark_breaches_total %llu\n"
		"# TYPE powerpark_solve_errors_total counter\npowerpark_solve_errors_total %llu\n"
		"# TYPE powerpark_ingested_total counter\npowerpark_ingested_total %llu\n"
		"# TYPE powerpark_leases_total counter\npowerpark_leases_total %llu\n"
		"# TYPE powerpark_solve_seconds gauge\npowerpark_solve_seconds %.6f\n"
		"# TYPE powerpark_stale_racks gauge\npowerpark_stale_racks %d\n"
		"# TYPE powerpark_shedding gauge\npowerpark_shedding %d\n"
		"# TYPE powerpark_grid_measured_kw gauge\npowerpark_grid_measured_kw %.3f\n"
		"# TYPE powerpark_grid_limit_kw gauge\npowerpark_grid_limit_kw %.3f\n"
		"# TYPE powerpark_grid_allocated_kw gauge\npowerpark_grid_allocated_kw %.3f\n",
		(unsigned long long)s->cycles, (unsigned long long)s->breach_cycles,
		(unsigned long long)s->breaches,
		(unsigned long long)s->solve_errors, (unsigned long long)s->ingested,
		(unsigned long long)s->leases, s->solve_us / 1e6, c->st.stale_racks, s->shedding,
		c->grid_meas_ns ? c->grid_meas_kw : NAN, c->grid_limit_kw, c->grid_alloc_kw);
	e = e ? e : pp_ctl_signal_metrics(c, out);
	e = e ? e : pp_ctl_osc_metrics(c, out);
	e = e ? e : pp_buf_appendf(out, "# TYPE powerpark_ramp_limited_cycles_total counter\n"
				   "powerpark_ramp_limited_cycles_total %llu\n"
				   "# TYPE powerpark_holddown_watts_per_second gauge\n"
				   "powerpark_holddown_watts_per_second %.3f\n",
				   (unsigned long long)s->ramp_limited, c->holddown_w_per_s);
	e = e ? e : pp_buf_appendf(out, "# TYPE powerpark_cap_watts gauge\n");
	for (size_t i = 0; i < c->nracks && !e; i++)
		e = pp_buf_appendf(out, "powerpark_cap_watts{rack=\"%s\"} %.1f\n",
				   c->racks[i].cfg->name, c->racks[i].cap_w);
	pthread_mutex_unlock(&c->mu);
	return e;
}

void pp_ctl_samples_free(struct pp_sample *s, size_t n)
{
	if (!s)
		return;
	/* One block per sample: tags, fields and strings follow it (see dec()). */
	for (size_t i = 0; i < n; i++)
		free((void *)s[i].tags);
	free(s);
}

/* One sample whose tags and fields live in one malloc'ed block. */
static int dec(struct pp_sample *s, const char *meas, const char *site, const char *tk,
	       const char *tv, int64_t ts, size_t nf, const char *const *keys, const double *vals,
	       const char *str_key, const char *str_val)
{
	size_t nt = tk ? 2 : 1, tot = nf + (str_key ? 1 : 0);
	size_t sz = nt * sizeof(struct pp_tag) + tot * sizeof(struct pp_field);
	char *blk = malloc(sz);
	if (!blk)
		return -1;
	struct pp_tag *t = (struct pp_tag *)blk;
	struct pp_field *f = (struct pp_field *)(blk + nt * sizeof *t);
	t[0] = (struct pp_tag){"site", site};
	if (tk)
		t[1] = (struct pp_tag){tk, tv};
	for (size_t i = 0; i < nf; i++) {
		f[i].key = keys[i];
		f[i].type = PP_F_FLOAT;
		f[i].v.f = isfinite(vals[i]) ? vals[i] : 0;
	}
	if (str_key) {
		f[nf].key = str_key;
		f[nf].type = PP_F_STRING;
		f[nf].v.s = str_val;
	}
	*s = (struct pp_sample){meas, t, nt, f, tot, ts, 1};
	return 0;
}

enum pp_err pp_ctl_decisions(struct pp_ctl *c, int64_t now_ns, struct pp_sample **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&c->mu);
	const struct pp_config *cfg = c->cfg;
	struct pp_sample *s = calloc(2 + c->nracks + cfg->nhalls, sizeof *s);
	size_t k = 0;
	int bad = !s;
	if (!bad) {
		static const char *const dk[] = {"solve_us", "stale_racks", "shedding", "cycles"};
		double dv[] = {c->st.solve_us, c->st.stale_racks, c->st.shedding, (double)c->st.cycles};
		bad |= dec(&s[k++], "decision", cfg->site.name, NULL, NULL, now_ns, 4, dk, dv,
			   "binding", c->binding[0] ? c->binding : "none");
		static const char *const sk[] = {"grid_kw", "limit_kw", "allocated_kw"};
		double sv[] = {c->grid_meas_kw, c->grid_limit_kw, c->grid_alloc_kw};
		bad |= dec(&s[k++], "site", cfg->site.name, NULL, NULL, now_ns, 3, sk, sv, NULL,
			   NULL);
	}
	for (size_t i = 0; !bad && i < c->nracks; i++) {
		static const char *const ck[] = {"cap_w", "target_w", "demand_w"};
		double cv[] = {c->racks[i].cap_w, c->racks[i].target_w, c->racks[i].demand_w};
		bad |= dec(&s[k++], "cap", cfg->site.name, "rack", c->racks[i].cfg->name, now_ns, 3,
			   ck, cv, NULL, NULL);
	}
	for (size_t h = 0; !bad && h < cfg->nhalls; h++) {
		static const char *const hk[] = {"headroom_kw", "allocated_kw", "limit_kw"};
		int hn = c->hall_node[h];
		double hv[] = {pp_ctl_hall_room(c, h, NULL, 0), c->ans_kw[hn], c->nodes[hn].limit_kw};
		bad |= dec(&s[k++], "headroom", cfg->site.name, "hall", cfg->halls[h].name, now_ns,
			   3, hk, hv, NULL, NULL);
	}
	pthread_mutex_unlock(&c->mu);
	if (bad) {
		pp_ctl_samples_free(s, k);
		return PP_ERR_NOMEM;
	}
	*out = s;
	*n = k;
	return PP_OK;
}
