/* control_jobs.c - what the scheduler tells the controller (which job runs
 * on which rack, which jobs it holds back) and the history the dashboard
 * draws. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/config.h"
#include "powerpark/curve.h"
#include "powerpark/json.h"

enum pp_err pp_ctl_assign(struct pp_ctl *c, const char *rack, const char *job, int cls,
			  double weight, struct pp_errbuf *eb)
{
	if (cls < PP_JOB_TRAINING || cls > PP_JOB_BATCH)
		return pp_err_set(eb, PP_ERR_ARG, "job class %d unknown", cls);
	if (!(weight > 0 && weight < 1e6))
		return pp_err_set(eb, PP_ERR_ARG, "job weight must be in (0, 1e6), not %g", weight);
	pthread_mutex_lock(&c->mu);
	struct crack *r = pp_ctl_rack(c, rack);
	if (!r) {
		pthread_mutex_unlock(&c->mu);
		return pp_err_set(eb, PP_ERR_ARG, "no rack named '%s'", rack);
	}
	int none = !job || !*job;
	snprintf(r->job, sizeof r->job, "%s", none ? "" : job);
	r->weight = none ? 1 : weight;
	int k = none ? PP_JOB_TRAINING : cls;
	if (k != r->cls) {
		struct pp_curve_param cp;
		pp_curve_class((enum pp_job_class)k, &cp);
		pp_curve_tabulate(&cp, r->gpu->cap_min_w, r->gpu->cap_max_w, PP_CURVE_POINTS,
				  &r->curve);
		r->cls = k;
	}
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

enum pp_err pp_ctl_hold(struct pp_ctl *c, const char *id, int gpus, const char *reason,
			int64_t now_ns)
{
	pthread_mutex_lock(&c->mu);
	struct chold *h = NULL;
	for (size_t i = 0; i < c->nheld && !h; i++)
		if (!strncmp(c->held[i].id, id, sizeof h->id - 1))
			h = &c->held[i];
	if (!h) {
		if (pp_buf_array_grow(&c->held, &c->capheld, c->nheld + 1, sizeof *c->held)) {
			pthread_mutex_unlock(&c->mu);
			return PP_ERR_NOMEM;
		}
		h = &c->held[c->nheld++];
		snprintf(h->id, sizeof h->id, "%s", id);
		h->since_ns = now_ns;
	}
	h->gpus = gpus;
	snprintf(h->reason, sizeof h->reason, "%s", reason ? reason : "");
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

void pp_ctl_release(struct pp_ctl *c, const char *id)
{
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->nheld; i++)
		if (!strncmp(c->held[i].id, id, sizeof c->held[i].id - 1)) {
			c->held[i] = c->held[--c->nheld];
			break;
		}
	pthread_mutex_unlock(&c->mu);
}

void pp_ctl_jobs_free(struct pp_ctl *c)
{
	free(c->held);
	free(c->hist);
}

enum pp_err pp_ctl_jobs(struct pp_ctl *c, int64_t now_ns, struct pp_buf *out)
{
	static const char *const cls[] = {"training", "inference", "batch"};
	pthread_mutex_lock(&c->mu);
	enum pp_err e = pp_buf_appendf(out, "{\"running\":[");
	int first = 1;
	for (size_t i = 0; i < c->nracks && !e; i++) {
		const struct crack *r = &c->racks[i];
		if (!r->job[0])
			continue;
		e = pp_buf_appendf(out, "%s{\"job\":", first ? "" : ",");
		e = e ? e : pp_json_quote(out, r->job, strlen(r->job));
		e = e ? e : pp_buf_appendf(out, ",\"rack\":");
		e = e ? e : pp_json_quote(out, r->cfg->name, strlen(r->cfg->name));
		e = e ? e : pp_buf_appendf(out, ",\"class\":\"%s\",\"weight\":%g,\"gpus\":%d,"
					   "\"cap_w\":%.0f,\"cap_max_w\":%.0f}",
					   cls[r->cls], r->weight, r->cfg->gpus, r->cap_w,
					   r->gpu->cap_max_w);
		first = 0;
	}
	e = e ? e : pp_buf_appendf(out, "],\"held\":[");
	for (size_t i = 0; i < c->nheld && !e; i++) {
		const struct chold *h = &c->held[i];
		e = pp_buf_appendf(out, "%s{\"job\":", i ? "," : "");
		e = e ? e : pp_json_quote(out, h->id, strlen(h->id));
		e = e ? e : pp_buf_appendf(out, ",\"gpus\":%d,\"waiting_s\":%lld,\"reason\":", h->gpus,
					   (long long)((now_ns - h->since_ns) / 1000000000));
		e = e ? e : pp_json_quote(out, h->reason, strlen(h->reason));
		e = e ? e : pp_buf_append(out, "}", 1);
	}
	e = e ? e : pp_buf_appendf(out, "]}\n");
	pthread_mutex_unlock(&c->mu);
	return e;
}

void pp_ctl_hist_add(struct pp_ctl *c, int64_t now_ns)
{
	int64_t t = now_ns / 1000000000;
	if (c->hist_n && t - c->hist[(c->hist_at + PP_CTL_HIST - 1) % PP_CTL_HIST].t_s < 60)
		return;
	if (!c->hist && !(c->hist = calloc(PP_CTL_HIST, sizeof *c->hist)))
		return; /* the history is for display; the loop goes on without it */
	struct chist *h = &c->hist[c->hist_at];
	memset(h, 0, sizeof *h);
	h->t_s = t;
	h->grid_kw = c->grid_meas_ns ? (float)c->grid_meas_kw : NAN;
	h->limit_kw = (float)c->grid_limit_kw;
	h->it_kw = (float)c->it_meas_kw;
	h->cool_kw = (float)(c->it_meas_kw * c->cooling_ratio);
	double cap = 0;
	for (size_t p = 0; p < c->cfg->nplants; p++)
		cap += isfinite(c->plants[p].capacity_kw) ? c->plants[p].capacity_kw : 0;
	h->cool_cap_kw = (float)cap;
	int held = 0;
	for (size_t i = 0; i < c->nheld; i++)
		held += c->held[i].gpus;
	h->held_gpus = (float)held;
	for (size_t k = 0; k < c->cfg->nhalls && k < PP_CTL_HIST_HALLS; k++) {
		int hn = c->hall_node[k];
		h->hall_kw[k] = (float)(c->node_meas_kw[hn] + c->node_base_kw[hn]);
	}
	c->hist_at = (c->hist_at + 1) % PP_CTL_HIST;
	if (c->hist_n < PP_CTL_HIST)
		c->hist_n++;
}

/* One JSON array of a float member over the ring, oldest first. */
static enum pp_err series(const struct pp_ctl *c, struct pp_buf *out, const char *name,
			  size_t off)
{
	enum pp_err e = pp_buf_appendf(out, ",\"%s\":[", name);
	size_t start = (c->hist_at + PP_CTL_HIST - c->hist_n) % PP_CTL_HIST;
	for (size_t i = 0; i < c->hist_n && !e; i++) {
		const char *p = (const char *)&c->hist[(start + i) % PP_CTL_HIST] + off;
		float v;
		memcpy(&v, p, sizeof v);
		e = isfinite(v) ? pp_buf_appendf(out, "%s%.1f", i ? "," : "", (double)v)
				: pp_buf_appendf(out, "%snull", i ? "," : "");
	}
	return e ? e : pp_buf_append(out, "]", 1);
}

enum pp_err pp_ctl_history(struct pp_ctl *c, struct pp_buf *out)
{
	pthread_mutex_lock(&c->mu);
	const struct pp_config *cfg = c->cfg;
	enum pp_err e = pp_buf_appendf(out, "{\"utc_offset_s\":%.0f,\"t\":[",
				       cfg->scenario ? cfg->scenario->utc_offset_h * 3600 : 0.0);
	size_t start = (c->hist_at + PP_CTL_HIST - c->hist_n) % PP_CTL_HIST;
	for (size_t i = 0; i < c->hist_n && !e; i++)
		e = pp_buf_appendf(out, "%s%lld", i ? "," : "",
				   (long long)c->hist[(start + i) % PP_CTL_HIST].t_s);
	e = e ? e : pp_buf_append(out, "]", 1);
	static const struct {
		const char *name;
		size_t off;
	} cols[] = {{"grid_kw", offsetof(struct chist, grid_kw)},
		    {"limit_kw", offsetof(struct chist, limit_kw)},
		    {"it_kw", offsetof(struct chist, it_kw)},
		    {"cooling_kw", offsetof(struct chist, cool_kw)},
		    {"cooling_capacity_kw", offsetof(struct chist, cool_cap_kw)},
		    {"held_gpus", offsetof(struct chist, held_gpus)}};
	for (size_t k = 0; k < sizeof cols / sizeof *cols && !e; k++)
		e = series(c, out, cols[k].name, cols[k].off);
	e = e ? e : pp_buf_appendf(out, ",\"halls\":[");
	for (size_t h = 0; h < cfg->nhalls && h < PP_CTL_HIST_HALLS && !e; h++) {
		e = pp_buf_appendf(out, "%s{\"name\":", h ? "," : "");
		e = e ? e : pp_json_quote(out, cfg->halls[h].name, strlen(cfg->halls[h].name));
		e = e ? e : pp_buf_appendf(out, ",\"limit_kw\":%.1f", cfg->halls[h].limit_kw);
		e = e ? e : series(c, out, "kw", offsetof(struct chist, hall_kw) + h * sizeof(float));
		e = e ? e : pp_buf_append(out, "}", 1);
	}
	/* The floor plan (racks per row, per hall) and the plants' state, for
	 * the heat map and device health. */
	e = e ? e : pp_buf_appendf(out, "],\"layout\":[");
	for (size_t h = 0; h < cfg->nhalls && !e; h++) {
		e = pp_buf_appendf(out, "%s[", h ? "," : "");
		for (size_t r = 0; r < cfg->halls[h].nrows && !e; r++)
			e = pp_buf_appendf(out, "%s%zu", r ? "," : "", cfg->halls[h].rows[r].nracks);
		e = e ? e : pp_buf_append(out, "]", 1);
	}
	e = e ? e : pp_buf_appendf(out, "],\"plants\":[");
	for (size_t p = 0; p < cfg->nplants && !e; p++) {
		e = pp_buf_appendf(out, "%s{\"name\":", p ? "," : "");
		e = e ? e : pp_json_quote(out, cfg->plants[p].name, strlen(cfg->plants[p].name));
		e = e ? e : pp_buf_appendf(out, ",\"capacity_kw\":%.1f,\"tripped\":[",
					   isfinite(c->plants[p].capacity_kw) ? c->plants[p].capacity_kw : -1);
		int first = 1;
		for (size_t q = 0, k = 0; q < cfg->plants[p].nequip && !e && k < 64; q++) {
			if (cfg->plants[p].equip[q].kind != PP_EQ_CHILLER)
				continue;
			if (c->plants[p].tripped >> k & 1) {
				e = first ? PP_OK : pp_buf_append(out, ",", 1);
				e = e ? e : pp_json_quote(out, cfg->plants[p].equip[q].name, strlen(cfg->plants[p].equip[q].name));
				first = 0;
			}
			k++;
		}
		e = e ? e : pp_buf_append(out, "]}", 2);
	}
	e = e ? e : pp_buf_appendf(out, "]}\n");
	pthread_mutex_unlock(&c->mu);
	return e;
}

double pp_ctl_rack_cap(struct pp_ctl *c, const char *rack)
{
	pthread_mutex_lock(&c->mu);
	const struct crack *r = pp_ctl_rack(c, rack);
	double w = r ? r->cap_w : NAN;
	pthread_mutex_unlock(&c->mu);
	return w;
}

void pp_ctl_binding(struct pp_ctl *c, char *out, size_t len)
{
	pthread_mutex_lock(&c->mu);
	snprintf(out, len, "%s", c->binding);
	pthread_mutex_unlock(&c->mu);
}
