/* control_fit.c - curves fitted to what running jobs report (issue 24, item
 * 5): a job that writes its throughput (`job,job=ID throughput=T[,cap_w=W]`
 * on /write) gets its own curve once enough samples at enough different
 * caps fit the saturating shape of pp_curve_fit well; until then, and for
 * a curve the scheduler gives (sync), the fit is not used. Mutex held. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/curve.h"
#include "powerpark/log.h"

#define FIT_MIN 8            /* samples before a fit is tried */
#define FIT_SPAN 0.2         /* caps must span this share of the GPU's range */
#define FIT_RMS 0.05         /* a good fit: residuals' RMS under this share of the top */
#define FIT_EVERY_NS (10 * PP_CTL_NS) /* a job's fit is tried at most this often */
#define FIT_TABLE 6          /* points of the table a fit becomes */

static struct cfit *fit_of(struct pp_ctl *c, const char *job, int make)
{
	struct ctl_fits *f = &c->fits;
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].id, job))
			return &f->v[i];
	if (!make)
		return NULL;
	size_t k = f->n;
	if (f->n == PP_CTL_FIT_JOBS) { /* full: the job heard from longest ago goes */
		k = 0;
		for (size_t i = 1; i < f->n; i++)
			if (f->v[i].seen_ns < f->v[k].seen_ns)
				k = i;
	} else {
		f->n++;
	}
	memset(&f->v[k], 0, sizeof f->v[k]);
	snprintf(f->v[k].id, sizeof f->v[k].id, "%s", job);
	return &f->v[k];
}

/* The rack job runs on, or NULL. */
static struct crack *rack_of_job(struct pp_ctl *c, const char *job)
{
	for (size_t i = 0; i < c->nracks; i++)
		if (!strcmp(c->racks[i].job, job) && !c->racks[i].idle)
			return &c->racks[i];
	return NULL;
}

int pp_ctl_fit_sample(struct pp_ctl *c, const char *job, double cap_w, double thr, int64_t ts)
{
	if (!job || !*job || strlen(job) >= PP_CTL_ID_MAX || !(thr >= 0) || !isfinite(thr))
		return 0;
	if (!(cap_w > 0)) { /* not said: the cap its rack holds now */
		const struct crack *r = rack_of_job(c, job);
		if (!r)
			return 0;
		cap_w = r->cap_w;
	}
	struct cfit *f = fit_of(c, job, 1);
	f->cap[f->head] = cap_w;
	f->thr[f->head] = thr;
	f->head = (f->head + 1) % PP_CTL_FIT_SAMPLES;
	if (f->n < PP_CTL_FIT_SAMPLES)
		f->n++;
	f->seen_ns = ts;
	f->fresh++;
	return 1;
}

/* Fits f for GPUs of g; 1 when good (f->par, f->top set), else 0 with why. */
static int fit(struct cfit *f, const struct pp_gpu_model *g)
{
	double lo = INFINITY, hi = 0, top = 0;
	for (size_t i = 0; i < f->n; i++) {
		lo = fmin(lo, f->cap[i]);
		hi = fmax(hi, f->cap[i]);
		top = fmax(top, f->thr[i]);
	}
	if (hi - lo < FIT_SPAN * (g->cap_max_w - g->cap_min_w) || !(top > 0)) {
		snprintf(f->why, sizeof f->why, "caps %.0f-%.0f W: too narrow a span to fit", lo, hi);
		return 0;
	}
	double y[PP_CTL_FIT_SAMPLES];
	for (size_t i = 0; i < f->n; i++)
		y[i] = f->thr[i] / top; /* the fit starts near 1 */
	struct pp_errbuf eb;
	struct pp_curve_param p;
	if (pp_curve_fit(f->cap, y, f->n, g->cap_max_w, &p, &eb)) {
		snprintf(f->why, sizeof f->why, "%s", eb.msg);
		return 0;
	}
	double ss = 0;
	for (size_t i = 0; i < f->n; i++) {
		double e = pp_curve_eval(&p, f->cap[i], g->cap_max_w) - y[i];
		ss += e * e;
	}
	double rms = sqrt(ss / (double)f->n);
	if (rms > FIT_RMS || !(pp_curve_eval(&p, g->cap_max_w, g->cap_max_w) > 0)) {
		snprintf(f->why, sizeof f->why, "residuals %.3f of the top: not a saturating curve",
			 rms);
		return 0;
	}
	f->par = p;
	f->rms = rms;
	return 1;
}

void pp_ctl_fit_apply(struct pp_ctl *c, struct crack *r)
{
	const struct cfit *f = r->job[0] ? fit_of(c, r->job, 0) : NULL;
	if (!f || !f->good || r->own_curve == 1)
		return;
	struct pp_curve_table t;
	pp_curve_tabulate(&f->par, r->gpu->cap_min_w, r->gpu->cap_max_w, FIT_TABLE, &t);
	double top = t.thr[t.n - 1];
	for (size_t k = 0; k < t.n && top > 0; k++)
		t.thr[k] /= top;
	r->curve = t;
	r->own_curve = 2;
}

void pp_ctl_fit_cycle(struct pp_ctl *c, int64_t now_ns)
{
	struct ctl_fits *fs = &c->fits;
	for (size_t i = 0; i < fs->n; i++) {
		struct cfit *f = &fs->v[i];
		if (f->n < FIT_MIN || !f->fresh || now_ns - f->fit_ns < FIT_EVERY_NS)
			continue;
		struct crack *r = rack_of_job(c, f->id);
		if (!r)
			continue;
		f->fit_ns = now_ns;
		f->fresh = 0;
		int was = f->good;
		f->good = fit(f, r->gpu);
		if (f->good && !was)
			pp_log(PP_LOG_INFO, "optimize", "job %s: its own curve, fitted to %zu samples "
			       "(residuals %.3f of the top), values it from now", f->id, f->n, f->rms);
		else if (!f->good && was)
			pp_log(PP_LOG_INFO, "optimize", "job %s: its fitted curve no longer holds (%s): "
			       "its class's again", f->id, f->why);
		for (size_t k = 0; k < c->nracks; k++) {
			struct crack *q = &c->racks[k];
			if (strcmp(q->job, f->id) || q->own_curve == 1)
				continue;
			if (f->good)
				pp_ctl_fit_apply(c, q);
			else if (was)
				pp_ctl_set_class(q, q->cls);
		}
	}
}
