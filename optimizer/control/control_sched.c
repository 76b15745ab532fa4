/* control_sched.c - what a scheduler tells the controller: which job runs
 * on which rack (pp_ctl_assign, or its whole view at once in pp_ctl_sync),
 * which jobs it holds back on powerpark's word, and what it is told back. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/buf.h"
#include "powerpark/gpu.h"

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
	pp_ctl_set_class(r, none ? PP_JOB_TRAINING : cls);
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

struct chold *pp_ctl_held_get(struct ctl_held *hl, const char *id, int64_t since_ns)
{
	for (size_t i = 0; i < hl->n; i++)
		if (!strncmp(hl->v[i].id, id, PP_CTL_ID_MAX - 1))
			return &hl->v[i];
	if (pp_buf_array_grow(&hl->v, &hl->cap, hl->n + 1, sizeof *hl->v))
		return NULL;
	struct chold *h = &hl->v[hl->n++];
	memset(h, 0, sizeof *h);
	snprintf(h->id, sizeof h->id, "%s", id);
	h->since_ns = since_ns;
	return h;
}

enum pp_err pp_ctl_hold(struct pp_ctl *c, const char *id, int gpus, const char *reason,
			int64_t now_ns)
{
	pthread_mutex_lock(&c->mu);
	struct chold *h = pp_ctl_held_get(&c->held, id, now_ns);
	if (!h) {
		pthread_mutex_unlock(&c->mu);
		return PP_ERR_NOMEM;
	}
	h->gpus = gpus;
	snprintf(h->reason, sizeof h->reason, "%s", reason ? reason : "");
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

void pp_ctl_release(struct pp_ctl *c, const char *id)
{
	pthread_mutex_lock(&c->mu);
	struct ctl_held *hl = &c->held;
	for (size_t i = 0; i < hl->n; i++)
		if (!strncmp(hl->v[i].id, id, PP_CTL_ID_MAX - 1)) {
			hl->v[i] = hl->v[--hl->n];
			break;
		}
	pthread_mutex_unlock(&c->mu);
}

/* Checks what a sync request says before anything changes, so that a bad
 * one changes nothing. */
static enum pp_err sync_check(const struct pp_ctl_sync_req *q, struct pp_errbuf *eb)
{
	for (size_t i = 0; i < q->nracks; i++)
		if (!q->racks[i])
			return pp_err_set(eb, PP_ERR_ARG, "racks[%zu]: expected a rack name", i);
	for (size_t i = 0; i < q->nrunning; i++) {
		const struct pp_ctl_run_job *j = &q->running[i];
		if (!j->id || !*j->id)
			return pp_err_set(eb, PP_ERR_ARG, "running[%zu].id: expected a job id", i);
		if (j->cls < 0 || j->cls >= PP_JOB_CLASSES)
			return pp_err_set(eb, PP_ERR_ARG, "running[%zu].class: expected training, "
					  "inference or batch", i);
		if (!(j->weight > 0) || j->weight >= 1e6)
			return pp_err_set(eb, PP_ERR_ARG, "running[%zu].weight: expected a number "
					  "in (0, 1e6)", i);
		for (size_t k = 0; k < j->nplace; k++)
			if (!j->place[k].rack)
				return pp_err_set(eb, PP_ERR_ARG, "running[%zu].placement[%zu]: "
						  "expected {\"rack\": name, \"gpus\": integer}", i, k);
		const char *why = pp_ctl_curve_check(j->curve, j->ncurve);
		if (why)
			return pp_err_set(eb, PP_ERR_ARG, "running[%zu].curve: %s", i, why);
	}
	for (size_t i = 0; i < q->npending; i++) {
		const struct pp_ctl_pend_job *j = &q->pending[i];
		if (!j->id || !*j->id)
			return pp_err_set(eb, PP_ERR_ARG, "pending[%zu].id: expected a job id", i);
		if (j->gpus < 1 || j->gpus > PP_CTL_MAX_GPUS)
			return pp_err_set(eb, PP_ERR_ARG, "pending[%zu].gpus: expected an integer "
					  "from 1 to %d", i, PP_CTL_MAX_GPUS);
	}
	return PP_OK;
}

/* The rack a scheduler names: a rack, or one of its compute nodes (with
 * the site's `nodes`, Slurm's own node names need no map). */
static struct crack *sched_rack(struct pp_ctl *c, const char *name)
{
	int off, gpus, host;
	return pp_ctl_place(c, name, &off, &gpus, &host);
}

const char *pp_ctl_curve_check(const double (*pt)[2], size_t n)
{
	if (n == 0)
		return NULL;
	if (n < 2 || n > PP_CTL_CURVE_MAX)
		return "expected 2 to 7 [cap_fraction, throughput] points";
	for (size_t k = 0; k < n; k++) {
		double x = pt[k][0], y = pt[k][1];
		if (!(x > 0 && x <= 1) || !(y >= 0 && y <= 1e3))
			return "a point outside cap fractions (0, 1] and throughput [0, 1000]";
		if (k && !(x > pt[k - 1][0]))
			return "cap fractions must rise";
		if (k && y < pt[k - 1][1])
			return "throughput must not fall as the cap rises";
		/* Concave: slopes never rise (to rounding, 1e-9 relative). */
		if (k >= 2) {
			double s0 = (pt[k - 1][1] - pt[k - 2][1]) / (pt[k - 1][0] - pt[k - 2][0]);
			double s1 = (y - pt[k - 1][1]) / (x - pt[k - 1][0]);
			if (s1 > s0 + 1e-9 * fmax(1, fabs(s0)))
				return "not concave (a slope rises): the optimizer needs concave curves";
		}
	}
	if (!(pt[n - 1][1] > 0))
		return "throughput at the highest cap must be above 0";
	return NULL;
}

/* Rack r's curve from a job's own points: throughput relative to its
 * value at the GPU's maximum (flat past the last point), over the GPU's
 * range; below the first point its first segment goes on, down to 0 (as
 * the class curves do). */
static void job_curve(struct crack *r, const struct pp_ctl_run_job *j)
{
	double mn = r->gpu->cap_min_w, mx = r->gpu->cap_max_w;
	const double (*pt)[2] = j->curve;
	size_t n = j->ncurve;
	double top = pt[n - 1][1];
	struct pp_curve_table t = {0};
	double x0 = mn / mx;
	/* the throughput at the range's floor */
	double y0 = pt[0][1];
	if (x0 < pt[0][0]) {
		double s = (pt[1][1] - pt[0][1]) / (pt[1][0] - pt[0][0]);
		y0 = fmax(0, pt[0][1] - s * (pt[0][0] - x0));
	} else {
		for (size_t k = 1; k < n; k++)
			if (x0 <= pt[k][0]) {
				double f = (x0 - pt[k - 1][0]) / (pt[k][0] - pt[k - 1][0]);
				y0 = pt[k - 1][1] + f * (pt[k][1] - pt[k - 1][1]);
				break;
			} else {
				y0 = pt[k][1];
			}
	}
	t.p_w[t.n] = mn;
	t.thr[t.n++] = y0 / top;
	for (size_t k = 0; k < n; k++)
		if (pt[k][0] * mx > mn + 1e-9 && t.n < PP_CURVE_POINTS) {
			t.p_w[t.n] = pt[k][0] * mx;
			t.thr[t.n++] = pt[k][1] / top;
		}
	if (t.p_w[t.n - 1] < mx - 1e-9 && t.n < PP_CURVE_POINTS) {
		t.p_w[t.n] = mx;
		t.thr[t.n++] = 1;
	}
	r->curve = t;
	r->own_curve = 1;
}

/* Puts a running job on its racks; a rack with several jobs is valued as
 * its highest-priority one. Unknown racks are listed in ans->ignored. */
static void sync_running(struct pp_ctl *c, const struct pp_ctl_run_job *j,
			 struct pp_ctl_sync_ans *ans)
{
	for (size_t k = 0; k < j->nplace; k++) {
		const char *name = j->place[k].rack;
		struct crack *r = sched_rack(c, name);
		if (!r) {
			ans->ignored[ans->nignored++] = name;
			continue;
		}
		if (r->job[0] && !r->idle && r->weight >= j->weight)
			continue;
		snprintf(r->job, sizeof r->job, "%s", j->id);
		r->idle = 0;
		r->weight = j->weight;
		pp_ctl_set_class(r, j->cls);
		if (j->ncurve)
			job_curve(r, j);
		else
			pp_ctl_fit_apply(c, r);
	}
}

/* Decides for each pending job, in the order given (the scheduler's
 * priority order): start when its GPUs fit at their floor in some hall
 * after the jobs started before it in this sync, else hold with the limit
 * that leaves too little room. The held list becomes exactly this sync's
 * held jobs (held, taken), each keeping when it began to wait. */
static void sync_pending(struct pp_ctl *c, const struct pp_ctl_sync_req *q, int64_t now_ns,
			 struct pp_ctl_sync_ans *ans, struct chold *held)
{
	const struct pp_config *cfg = c->cfg;
	double taken_kw = 0; /* by jobs started in this sync: counted against every hall */
	size_t nheld = 0;
	for (size_t i = 0; i < q->npending; i++) {
		const struct pp_ctl_pend_job *j = &q->pending[i];
		double best = -INFINITY, need = 0;
		char why[128] = "", w[128];
		for (size_t h = 0; h < cfg->nhalls; h++) {
			const struct pp_gpu_model *gm = c->tree.hall_gpu[h];
			if (!gm)
				continue;
			double n = (double)j->gpus * gm->cap_min_w / 1000;
			double left = pp_ctl_hall_room(c, h, now_ns, w, sizeof w) - taken_kw - n;
			if (left > best) {
				best = left;
				need = n;
				memcpy(why, w, sizeof why);
			}
		}
		struct pp_ctl_pend_ans *a = &ans->pending[i];
		a->start = best >= 0;
		if (a->start) {
			taken_kw += need;
			snprintf(a->reason, sizeof a->reason, "powerpark: fits under every limit now");
			continue;
		}
		snprintf(a->reason, sizeof a->reason, "powerpark holds it: the %s binds "
			 "(%.1f kW short for %d GPUs at their floor)", why[0] ? why : "park", -best,
			 j->gpus);
		struct chold *h = &held[nheld++];
		snprintf(h->id, sizeof h->id, "%s", j->id);
		h->gpus = j->gpus;
		h->since_ns = now_ns;
		snprintf(h->reason, sizeof h->reason, "%s", a->reason);
		for (size_t k = 0; k < c->held.n; k++)
			if (!strcmp(c->held.v[k].id, h->id))
				h->since_ns = c->held.v[k].since_ns;
	}
	free(c->held.v);
	c->held.v = held;
	c->held.cap = q->npending + 1;
	c->held.n = nheld;
}

enum pp_err pp_ctl_sync(struct pp_ctl *c, const struct pp_ctl_sync_req *q, int64_t now_ns,
			struct pp_ctl_sync_ans *ans, struct pp_errbuf *eb)
{
	memset(ans, 0, sizeof *ans);
	enum pp_err e = sync_check(q, eb);
	if (e)
		return e;
	size_t places = q->nracks;
	for (size_t i = 0; i < q->nrunning; i++)
		places += q->running[i].nplace;
	ans->pending = calloc(q->npending + 1, sizeof *ans->pending);
	ans->running_cap_w = calloc(q->nrunning + 1, sizeof *ans->running_cap_w);
	ans->ignored = calloc(places + 1, sizeof *ans->ignored);
	struct chold *held = calloc(q->npending + 1, sizeof *held);
	if (!ans->pending || !ans->running_cap_w || !ans->ignored || !held) {
		free(held);
		pp_ctl_sync_ans_free(ans);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_lock(&c->mu);
	/* The scheduler's racks run nothing unless it says so. */
	for (size_t i = 0; i < q->nracks; i++) {
		struct crack *r = sched_rack(c, q->racks[i]);
		if (!r) {
			ans->ignored[ans->nignored++] = q->racks[i];
			continue;
		}
		r->job[0] = 0;
		r->idle = 1;
		r->weight = 1;
	}
	for (size_t i = 0; i < q->nrunning; i++)
		sync_running(c, &q->running[i], ans);
	snprintf(ans->binding, sizeof ans->binding, "%s", c->binding);
	ans->grid_limit_kw = pp_ctl_limit_at(c, now_ns);
	sync_pending(c, q, now_ns, ans, held);
	for (size_t i = 0; i < q->nrunning; i++) {
		/* A job's cap: the lowest of its racks' (each rack has one). */
		double cap = INFINITY;
		for (size_t k = 0; k < q->running[i].nplace; k++) {
			const struct crack *r = sched_rack(c, q->running[i].place[k].rack);
			if (r)
				cap = fmin(cap, r->cap_w);
		}
		ans->running_cap_w[i] = isfinite(cap) ? cap : NAN;
	}
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

void pp_ctl_sync_ans_free(struct pp_ctl_sync_ans *a)
{
	free(a->pending);
	free(a->running_cap_w);
	free(a->ignored);
	a->pending = NULL;
	a->running_cap_w = NULL;
	a->ignored = NULL;
	a->nignored = 0;
}

enum pp_err pp_ctl_jobs(struct pp_ctl *c, int64_t now_ns, struct pp_ctl_jobs *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&c->mu);
	out->running = calloc(c->nracks + 1, sizeof *out->running);
	out->held = calloc(c->held.n + 1, sizeof *out->held);
	if (!out->running || !out->held) {
		pthread_mutex_unlock(&c->mu);
		pp_ctl_jobs_free(out);
		return PP_ERR_NOMEM;
	}
	for (size_t i = 0; i < c->nracks; i++) {
		const struct crack *r = &c->racks[i];
		if (!r->job[0])
			continue;
		struct pp_ctl_running *x = &out->running[out->nrunning++];
		snprintf(x->job, sizeof x->job, "%s", r->job);
		x->rack = r->cfg->name;
		x->cls = r->cls;
		x->weight = r->weight;
		x->gpus = r->cfg->gpus;
		x->cap_w = r->cap_w;
		x->cap_max_w = r->gpu->cap_max_w;
		x->demand_w = r->why[0] ? r->why_demand_w : r->demand_w;
		snprintf(x->why, sizeof x->why, "%s", r->why[0] ? r->why : "not solved yet");
		x->price = r->why_price;
	}
	/* The grid limit event holding held jobs back, if one is in force. */
	double lim = pp_ctl_limit_at(c, now_ns);
	const struct cevent *in = NULL;
	for (size_t i = 0; i < c->grid.nev; i++) {
		const struct cevent *ev = &c->grid.ev[i];
		if (now_ns / PP_CTL_NS >= ev->start_s && now_ns / PP_CTL_NS < ev->end_s &&
		    ev->limit_kw == lim)
			in = ev;
	}
	for (size_t i = 0; i < c->held.n; i++) {
		const struct chold *h = &c->held.v[i];
		struct pp_ctl_held *x = &out->held[out->nheld++];
		snprintf(x->id, sizeof x->id, "%s", h->id);
		x->gpus = h->gpus;
		x->waiting_s = (now_ns - h->since_ns) / PP_CTL_NS;
		x->since_s = h->since_ns / PP_CTL_NS;
		if (in) {
			x->until_s = in->end_s;
			snprintf(x->until_id, sizeof x->until_id, "%s", in->id);
		}
		snprintf(x->reason, sizeof x->reason, "%s", h->reason);
	}
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

void pp_ctl_jobs_free(struct pp_ctl_jobs *j)
{
	free(j->running);
	free(j->held);
	memset(j, 0, sizeof *j);
}
