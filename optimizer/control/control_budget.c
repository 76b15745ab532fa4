/* control_budget.c - what the controller answers about room: the leases
 * of caps, the budget per level (made once a cycle), the hourly forecast
 * and admission advice for a new job. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control_int.h"
#include "powerpark/gpu.h"

enum pp_err pp_ctl_lease(struct pp_ctl *c, const char *node, int64_t now_ns,
			 struct pp_ctl_lease *out, struct pp_errbuf *eb)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&c->mu);
	int off, gpus, host;
	struct crack *r = pp_ctl_place(c, node, &off, &gpus, &host);
	if (!r) {
		pthread_mutex_unlock(&c->mu);
		return pp_err_set(eb, PP_ERR_ARG, "unknown node '%s': caps are leased per compute "
				  "node (a rack's `nodes`) or per rack name", node);
	}
	r->lease_until_ns = now_ns + (int64_t)c->opt.lease_s * PP_CTL_NS;
	c->st.leases++;
	out->expires_s = r->lease_until_ns / PP_CTL_NS;
	out->ttl_s = c->opt.lease_s;
	out->gpus = gpus;
	out->host = host;
	out->per_rack_deprecated = !host && r->cfg->nhosts > 0;
	out->gpu_model = r->gpu->name;
	out->cap_min_w = r->gpu->cap_min_w;
	out->cap_max_w = r->gpu->cap_max_w;
	snprintf(out->job, sizeof out->job, "%s", r->job);
	out->rack = r->cfg->name;
	out->cap_w = r->cap_w;
	out->idle = r->idle;
	/* The power floor of the job's class damps a synchronous job's swing;
	 * the hold-down rate keeps its end from dropping the site faster than
	 * its ramp. Agents apply both through GPU power smoothing. */
	out->floor_w = r->idle ? 0 : c->cfg->site.osc_floor[r->cls] * r->cap_w;
	out->ramp_down_w_per_s = c->grid.holddown_w_per_s;
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

/* One level of the budget: the headroom is what is left under the usable
 * limit after the larger of the measured (stale racks at their worst) and
 * the allocated power; while a rack below was never read, after the larger
 * of the allocation and worst_kw (every such rack at its worst; NAN when
 * there is none to count). */
static struct pp_ctl_level level(const char *name, double limit_kw, double meas_kw,
				 double alloc_kw, double margin, double worst_kw)
{
	double usable = limit_kw * (1 - margin);
	double used = isfinite(meas_kw) ? fmax(meas_kw, alloc_kw)
		      : isfinite(worst_kw) ? fmax(alloc_kw, worst_kw) : alloc_kw;
	return (struct pp_ctl_level){name, limit_kw, usable, meas_kw, alloc_kw, usable - used};
}

/* The budget's status, the first that holds (docs/api.md):
 *   breach    a level's readings (racks at their last, the site meter)
 *             are over its limit;
 *   shedding  the last cycle kept the limits only by pausing work or
 *             with every GPU at its floor (a failed solve);
 *   starting  no cycle has run yet;
 *   no-data   no rack, GPU or site meter reading has ever arrived;
 *   stale     a rack's readings, or the site meter's, are stale (they
 *             count at their worst);
 *   ok        none of these. */
static const char *status_of(const struct pp_ctl *c, int64_t now_ns)
{
	const struct ctl_tree *t = &c->tree;
	int breach = c->grid.meas_ns && c->grid.meas_kw > pp_ctl_limit_at(c, now_ns);
	/* Racks never read add nothing: what the others read is over already. */
	for (size_t k = 0; k < t->n && !breach; k++)
		breach = t->meas_kw[k] + t->base_kw[k] > t->nodes[k].limit_kw;
	if (breach)
		return "breach";
	if (c->st.shedding)
		return "shedding";
	if (!c->st.cycles)
		return "starting";
	if (!c->have_power)
		return "no-data";
	if (c->st.stale_racks || (c->grid.meas_ns && pp_ctl_meter_stale(c, now_ns)))
		return "stale";
	return "ok";
}

/* Sizes c->budget's arrays for the park, once. */
static enum pp_err budget_alloc(struct pp_ctl *c)
{
	struct pp_ctl_budget *b = &c->budget;
	if (b->halls)
		return PP_OK;
	size_t rows = c->tree.n - 1 - c->cfg->nhalls - c->nracks;
	b->halls = calloc(c->cfg->nhalls + 1, sizeof *b->halls);
	b->rows = calloc(rows + 1, sizeof *b->rows);
	b->plants = calloc(c->cfg->nplants + 1, sizeof *b->plants);
	b->racks = calloc(c->nracks + 1, sizeof *b->racks);
	if (b->halls && b->rows && b->plants && b->racks)
		return PP_OK;
	pp_ctl_budget_free(b);
	return PP_ERR_NOMEM;
}

/* The budget is made once a cycle and served from there: schedulers may
 * ask thousands of times a second. */
enum pp_err pp_ctl_budget_build(struct pp_ctl *c, int64_t now_ns)
{
	if (budget_alloc(c))
		return PP_ERR_NOMEM;
	struct pp_ctl_budget *b = &c->budget;
	const struct pp_config *cfg = c->cfg;
	const struct ctl_tree *t = &c->tree;
	double m = cfg->site.margin;
	b->site = cfg->site.name;
	b->time_s = now_ns / PP_CTL_NS;
	b->status = status_of(c, now_ns);
	snprintf(b->binding, sizeof b->binding, "%s", c->binding);
	b->stale_racks = c->st.stale_racks;
	b->cycle = c->st.cycles;
	b->grid = level("grid", pp_ctl_limit_at(c, now_ns), c->grid.meas_ns ? c->grid.meas_kw : NAN,
			c->grid.alloc_kw, m, NAN);
	b->nhalls = b->nrows = b->nracks = 0;
	for (size_t k = 1; k < t->n; k++) {
		const struct cnode *n = &t->nodes[k];
		struct pp_ctl_level l = level(n->name, n->limit_kw, pp_ctl_measured_kw(c, k),
					      t->ans_kw[k], m,
					      t->nstale[k] ? pp_ctl_worst_kw(c, k) : NAN);
		if (n->rack >= 0) {
			const struct crack *r = &c->racks[n->rack];
			b->racks[b->nracks++] = (struct pp_ctl_rack_level){
				l, r->cap_w, r->demand_w, r->extra_w / 1000, r->stale};
		} else if (t->nodes[n->parent].parent < 0) {
			b->halls[b->nhalls++] = l;
		} else {
			b->rows[b->nrows++] = l;
		}
	}
	b->nplants = cfg->nplants;
	for (size_t p = 0; p < cfg->nplants; p++)
		b->plants[p] = level(cfg->plants[p].name, c->plants[p].capacity_kw, NAN,
				     c->plants[p].alloc_kw, m, NAN);
	c->budget_made = 1;
	return PP_OK;
}

/* A copy of n elements of size sz at src into *dst; 0, or -1 out of memory. */
static int dup_array(void *dst, const void *src, size_t n, size_t sz)
{
	void *p = malloc(n * sz + 1);
	if (!p)
		return -1;
	if (n)
		memcpy(p, src, n * sz);
	memcpy(dst, &p, sizeof p);
	return 0;
}

enum pp_err pp_ctl_budget(struct pp_ctl *c, int64_t now_ns, struct pp_ctl_budget *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&c->mu);
	enum pp_err e = c->budget_made ? PP_OK : pp_ctl_budget_build(c, now_ns);
	const struct pp_ctl_budget *b = &c->budget;
	if (!e) {
		*out = *b;
		out->halls = out->rows = out->plants = NULL;
		out->racks = NULL;
		if (dup_array(&out->halls, b->halls, b->nhalls, sizeof *b->halls) ||
		    dup_array(&out->rows, b->rows, b->nrows, sizeof *b->rows) ||
		    dup_array(&out->plants, b->plants, b->nplants, sizeof *b->plants) ||
		    dup_array(&out->racks, b->racks, b->nracks, sizeof *b->racks))
			e = PP_ERR_NOMEM;
	}
	pthread_mutex_unlock(&c->mu);
	if (e)
		pp_ctl_budget_free(out);
	return e;
}

void pp_ctl_budget_free(struct pp_ctl_budget *b)
{
	free(b->halls);
	free(b->rows);
	free(b->plants);
	free(b->racks);
	b->halls = b->rows = b->plants = NULL;
	b->racks = NULL;
	b->nhalls = b->nrows = b->nplants = b->nracks = 0;
}

/* The weather of hour t0 (Unix ns) for the forecast: the site's EPW year
 * (local standard time) when configured, else the last reading, else a
 * hot design day. */
static void forecast_weather(const struct pp_ctl *c, int64_t t0, double *db, double *wb)
{
	*db = isfinite(c->wx.db) ? c->wx.db : 35;
	*wb = isfinite(c->wx.db) ? c->wx.wb : 28;
	if (!c->wx.epw.h)
		return;
	time_t lt = (time_t)(t0 / PP_CTL_NS) + (time_t)(c->wx.epw.tz_h * 3600);
	struct tm tm;
	gmtime_r(&lt, &tm);
	struct pp_weather_hour wh;
	pp_weather_at(&c->wx.epw, tm.tm_yday * 24.0 + tm.tm_hour + 0.5, &wh);
	*db = wh.db_c;
	*wb = wh.wb_c;
}

/* The lowest limit of the n events ev that cover part of the hour from t0
 * (INFINITY for none). */
static double lowest_in(const struct cevent *ev, size_t n, int64_t t0, int64_t hour_ns)
{
	double lim = INFINITY;
	for (size_t i = 0; i < n; i++)
		if (ev[i].start_s * PP_CTL_NS < t0 + hour_ns && ev[i].end_s * PP_CTL_NS > t0 &&
		    ev[i].limit_kw < lim)
			lim = ev[i].limit_kw;
	return lim;
}

/* Hourly headroom: the lowest grid limit in force in each hour, cooling
 * from the plant models at that hour's weather, and the racks' current
 * demand as the known jobs. */
enum pp_err pp_ctl_forecast(struct pp_ctl *c, int64_t now_ns, int hours,
			    struct pp_ctl_forecast *out, struct pp_errbuf *eb)
{
	if (hours < 1 || hours > PP_CTL_FORECAST_HOURS)
		return pp_err_set(eb, PP_ERR_ARG, "hours: expected an integer 1..%d",
				  PP_CTL_FORECAST_HOURS);
	const int64_t hour_ns = 3600 * PP_CTL_NS;
	pthread_mutex_lock(&c->mu);
	const struct pp_config *cfg = c->cfg;
	double m = 1 - cfg->site.margin;
	double floor_kw = 0, base_kw = 0, demand_kw = 0, hall_heat[PP_CTL_MAX_HALLS] = {0};
	for (size_t k = 0; k < c->tree.n; k++)
		base_kw += c->tree.nodes[k].base_kw;
	for (size_t i = 0; i < c->nracks; i++) {
		const struct crack *r = &c->racks[i];
		/* A stale rack's base at its worst, as the caps plan it (its
		 * demand is the GPUs' maximum already). */
		double up_kw = r->stale ? pp_ctl_stale_base_w(c, r) / 1000 - r->cfg->base_kw : 0;
		floor_kw += r->cfg->gpus * r->gpu->cap_min_w / 1000;
		demand_kw += r->cfg->gpus * r->demand_w / 1000;
		base_kw += up_kw;
		hall_heat[r->hall] += r->cfg->base_kw + up_kw + r->cfg->gpus * r->demand_w / 1000;
	}
	double heat = 0;
	for (size_t h = 0; h < cfg->nhalls; h++)
		heat += hall_heat[h] + cfg->halls[h].base_kw;
	int64_t h0 = now_ns / hour_ns * hour_ns;
	out->hours = hours;
	out->weather = c->wx.epw.h ? "epw" : isfinite(c->wx.db) ? "reading" : "design-day";
	for (int h = 0; h < hours; h++) {
		int64_t t0 = h0 + (int64_t)h * hour_ns;
		double lim = fmin(pp_ctl_limit_at(c, t0),
				  fmin(lowest_in(c->grid.ev, c->grid.nev, t0, hour_ns),
				       lowest_in(c->grid.retired, c->grid.nretired, t0, hour_ns)));
		double db, wb, pcap[PP_CTL_MAX_PLANTS], cool_cap = 0;
		forecast_weather(c, t0, &db, &wb);
		double ratio = pp_ctl_plants_at(c, db, wb, heat, hall_heat, pcap);
		int served = cfg->nplants > 0;
		for (size_t p = 0; p < cfg->nplants; p++) {
			served &= isfinite(pcap[p]);
			cool_cap += isfinite(pcap[p]) ? pcap[p] : 0;
		}
		double it_room = (lim * m - cfg->site.other_kw) / (1 + ratio);
		if (served)
			it_room = fmin(it_room, cool_cap * m);
		out->b[h] = (struct pp_ctl_bucket){t0 / PP_CTL_NS, lim, db, wb, ratio,
						   served ? cool_cap : NAN, it_room,
						   it_room - base_kw - floor_kw,
						   it_room - base_kw - demand_kw};
	}
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

const char *pp_ctl_decision_name(enum pp_ctl_decision d)
{
	static const char *const n[] = {"admit", "place", "start_after", "reject"};
	return d >= PP_CTL_ADMIT && d <= PP_CTL_REJECT ? n[d] : "?";
}

/* The GPUs hall h has (its racks'). */
static int hall_gpus(const struct pp_ctl *c, size_t h)
{
	int n = 0;
	for (size_t i = 0; i < c->nracks; i++)
		if (c->racks[i].hall == (int)h)
			n += c->racks[i].cfg->gpus;
	return n;
}

/* Whether hall h could ever take a job of gpus GPUs: it has a GPU model
 * and at least that many GPUs. */
static int hall_fits(const struct pp_ctl *c, size_t h, int gpus)
{
	return c->tree.hall_gpu[h] && hall_gpus(c, h) >= gpus;
}

/* The hall a new job of gpus GPUs goes to (want: the hall asked for, -1
 * any) and the cap it would get there (the tightest limit in why); -1
 * when none that is large enough has room for them at their floor. */
static long admit_hall(const struct pp_ctl *c, int gpus, long want, int64_t now_ns,
		       double *cap_out, char *why, size_t len)
{
	long best = -1;
	double best_cap = 0;
	char w[PP_CTL_REASON_MAX];
	for (size_t h = 0; h < c->cfg->nhalls; h++) {
		const struct pp_gpu_model *gm = c->tree.hall_gpu[h];
		if (!hall_fits(c, h, gpus))
			continue;
		double cap = fmin(gm->cap_max_w, pp_ctl_hall_room(c, h, now_ns, w, sizeof w) * 1000 /
						     gpus);
		if (cap >= gm->cap_min_w && (best < 0 || (long)h == want || cap > best_cap)) {
			if (best >= 0 && best == want)
				continue;
			best = (long)h;
			best_cap = cap;
			snprintf(why, len, "%s", w);
		}
	}
	*cap_out = best_cap;
	return best;
}

/* Where a job that does not fit now stands: per hall large enough, the
 * room now and under the fixed limits (kW), and what the job needs there
 * (kW at its floor); the hall with the most room now, -1 for none. */
struct no_room {
	int nh;
	double room[PP_CTL_MAX_HALLS], fixed[PP_CTL_MAX_HALLS], need[PP_CTL_MAX_HALLS];
	long best;
	char why[PP_CTL_REASON_MAX], fixed_why[PP_CTL_REASON_MAX];
	int max_gpus; /* the GPUs of the largest hall */
};

static void no_room_now(const struct pp_ctl *c, int gpus, int64_t now_ns, struct no_room *nr)
{
	char w[PP_CTL_REASON_MAX], fw[PP_CTL_REASON_MAX];
	nr->nh = (int)c->cfg->nhalls;
	nr->best = -1;
	nr->max_gpus = 0;
	for (size_t h = 0; h < c->cfg->nhalls; h++) {
		nr->need[h] = NAN;
		if (c->tree.hall_gpu[h] && hall_gpus(c, h) > nr->max_gpus)
			nr->max_gpus = hall_gpus(c, h);
		if (!hall_fits(c, h, gpus))
			continue;
		nr->need[h] = gpus * c->tree.hall_gpu[h]->cap_min_w / 1000;
		nr->room[h] = pp_ctl_hall_room(c, h, now_ns, w, sizeof w);
		nr->fixed[h] = pp_ctl_hall_room_fixed(c, h, fw, sizeof fw);
		if (nr->best < 0 || nr->room[h] - nr->need[h] >
					    nr->room[nr->best] - nr->need[nr->best]) {
			nr->best = (long)h;
			memcpy(nr->why, w, sizeof w);
			memcpy(nr->fixed_why, fw, sizeof fw);
		}
	}
}

/* A Unix time as the reasons print it (UTC). */
static void utc(int64_t s, char *out, size_t len)
{
	time_t t = (time_t)s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm);
}

/* The forecast's answer for a deferrable job that has no room now (nr):
 * the start of the first hour in which some hall's room, grown by what the
 * forecast's free room grows from this hour, takes its GPUs at their floor
 * and the fixed limits do too; 0 when the forecast shows none. */
static int64_t forecast_room(struct pp_ctl *c, const struct no_room *nr, int64_t now_ns,
			     int *fixed_only)
{
	*fixed_only = 1;
	for (int h = 0; h < nr->nh; h++)
		if (isfinite(nr->need[h]) && nr->fixed[h] >= nr->need[h])
			*fixed_only = 0;
	if (*fixed_only)
		return 0;
	struct pp_ctl_forecast *f = malloc(sizeof *f);
	struct pp_errbuf eb;
	if (!f || pp_ctl_forecast(c, now_ns, PP_CTL_FORECAST_HOURS, f, &eb)) {
		free(f);
		return 0;
	}
	int64_t at = 0;
	for (int k = 1; k < f->hours && !at; k++)
		for (int h = 0; h < nr->nh && !at; h++)
			if (isfinite(nr->need[h]) && nr->fixed[h] >= nr->need[h] &&
			    nr->room[h] + (f->b[k].free_kw - f->b[0].free_kw) >= nr->need[h])
				at = f->b[k].start_s;
	free(f);
	return at;
}

/* The answer for a job no hall has room for now. */
static void admit_later(struct pp_ctl *c, const struct pp_ctl_admit_req *req,
			const struct no_room *nr, int64_t now_ns, struct pp_ctl_admit_ans *ans)
{
	ans->decision = PP_CTL_REJECT;
	if (nr->best < 0) {
		snprintf(ans->reason, sizeof ans->reason,
			 "%d GPUs is larger than any hall (max %d GPUs): it can never fit",
			 req->gpus, nr->max_gpus);
		return;
	}
	char now_why[PP_CTL_REASON_MAX * 2];
	snprintf(now_why, sizeof now_why,
		 "no room now for %d GPUs at their floor (binding: %s; %.1f of %.1f kW free in "
		 "hall %s)", req->gpus, nr->why, fmax(nr->room[nr->best], 0), nr->need[nr->best],
		 c->cfg->halls[nr->best].name);
	if (!req->deferrable) {
		snprintf(ans->reason, sizeof ans->reason, "%s", now_why);
		return;
	}
	int fixed_only;
	int64_t at = forecast_room(c, nr, now_ns, &fixed_only);
	if (at) {
		char when[32];
		utc(at, when, sizeof when);
		ans->decision = PP_CTL_START_AFTER;
		ans->start_after_s = at;
		snprintf(ans->reason, sizeof ans->reason, "start after %s, when the forecast shows "
			 "room; %s", when, now_why);
	} else if (fixed_only) {
		snprintf(ans->reason, sizeof ans->reason, "the forecast cannot tell when: the %s "
			 "changes only as work ends; %s", nr->fixed_why, now_why);
	} else {
		snprintf(ans->reason, sizeof ans->reason,
			 "the forecast shows no room within its %d hours; %s", PP_CTL_FORECAST_HOURS,
			 now_why);
	}
}

enum pp_err pp_ctl_admit(struct pp_ctl *c, const struct pp_ctl_admit_req *req, int64_t now_ns,
			 struct pp_ctl_admit_ans *ans, struct pp_errbuf *eb)
{
	memset(ans, 0, sizeof *ans);
	if (req->gpus < 1 || req->gpus > PP_CTL_MAX_GPUS)
		return pp_err_set(eb, PP_ERR_ARG, "\"gpus\": expected an integer from 1 to %d",
				  PP_CTL_MAX_GPUS);
	if (req->cls != -1 && (req->cls < 0 || req->cls >= PP_JOB_CLASSES))
		return pp_err_set(eb, PP_ERR_ARG, "\"class\": expected training, inference or batch");
	const struct pp_config *cfg = c->cfg;
	long want = -1;
	for (size_t h = 0; req->hall && h < cfg->nhalls; h++)
		if (!strcmp(cfg->halls[h].name, req->hall))
			want = (long)h;
	if (req->hall && want < 0)
		return pp_err_set(eb, PP_ERR_ARG, "\"hall\": no hall named '%s'", req->hall);
	pthread_mutex_lock(&c->mu);
	/* A new job's GPUs need at least their floor; its cap is what the room
	 * allows per GPU, up to the GPU's maximum (the ranges of the hall's
	 * first rack). */
	double cap;
	char why[PP_CTL_REASON_MAX];
	long best = admit_hall(c, req->gpus, want, now_ns, &cap, why, sizeof why);
	if (best >= 0) {
		const struct pp_gpu_model *gm = c->tree.hall_gpu[best];
		ans->decision = want < 0 || best == want ? PP_CTL_ADMIT : PP_CTL_PLACE;
		ans->hall = cfg->halls[best].name;
		ans->cap_w = cap;
		char fit[PP_CTL_REASON_MAX * 2];
		if (cap < gm->cap_max_w)
			snprintf(fit, sizeof fit, "fits now at %.0f W a GPU, below their %.0f W "
				 "maximum (binding: %s)", floor(cap), gm->cap_max_w, why);
		else
			snprintf(fit, sizeof fit, "fits under every limit now at the GPUs' maximum "
				 "(tightest: %s)", why);
		if (ans->decision == PP_CTL_ADMIT)
			snprintf(ans->reason, sizeof ans->reason, "%s", fit);
		else if (!hall_fits(c, (size_t)want, req->gpus))
			snprintf(ans->reason, sizeof ans->reason, "hall %s has %d GPUs, fewer than %d; "
				 "hall %s %s", cfg->halls[want].name, hall_gpus(c, (size_t)want),
				 req->gpus, ans->hall, fit);
		else
			snprintf(ans->reason, sizeof ans->reason,
				 "hall %s has no room for %d GPUs at their floor; hall %s %s",
				 cfg->halls[want].name, req->gpus, ans->hall, fit);
		pthread_mutex_unlock(&c->mu);
		return PP_OK;
	}
	struct no_room nr;
	no_room_now(c, req->gpus, now_ns, &nr);
	pthread_mutex_unlock(&c->mu);
	admit_later(c, req, &nr, now_ns, ans);
	return PP_OK;
}
