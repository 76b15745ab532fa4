/* day_jobs.c - the scenario's scheduler: jobs arrive, wait for racks and
 * (under powerpark, when deferrable) for the controller's admission, run
 * until their work is done, and free their racks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "day_int.h"
#include "powerpark/gpu.h"
#include "powerpark/log.h"

#define DWELL_S 300      /* admission must say yes this long before a held job starts */
#define ADMIT_FRAC 0.85  /* ... at a cap of at least this share of the GPU's maximum */

void day_trip(struct pp_day *d, const char *chiller)
{
	for (size_t p = 0; p < d->cfg->nplants && p < PP_DAY_MAX_PLANTS; p++) {
		int k = pp_plant_chiller_index(&d->cfg->plants[p], chiller);
		if (k >= 0 && k < PP_CTL_MAX_CHILLERS)
			d->tripped[p] |= 1ull << k;
	}
}

/* The job's hall: its own, else the one with the most free racks. -1 when
 * no hall has room now. */
static int pick_hall(const struct pp_day *d, const struct djob *jb)
{
	int best = -1, most = 0;
	for (size_t h = 0; h < d->cfg->nhalls; h++) {
		if (jb->j->hall && strcmp(jb->j->hall, d->cfg->halls[h].name))
			continue;
		int n = d->hall_free[h];
		if (n >= jb->j->racks && n > most) {
			most = n;
			best = (int)h;
		}
	}
	return best;
}

/* A hall's first rack: its GPU model and GPUs per rack stand for the hall's. */
static const struct drack *hall_rack(const struct pp_day *d, int hall)
{
	return &d->racks[d->hall_first[hall]];
}

static void start(struct pp_day *d, size_t idx, int hall)
{
	struct djob *jb = &d->jobs[idx];
	int need = jb->j->racks;
	jb->gpus = 0;
	for (size_t i = 0; i < d->nracks && need > 0; i++) {
		struct drack *x = &d->racks[i];
		if (x->hall != hall || x->job >= 0)
			continue;
		x->job = (int)idx;
		d->hall_free[hall]--;
		jb->gpus += x->r->gpus;
		need--;
		if (d->ctl) {
			struct pp_errbuf eb;
			if (pp_ctl_assign(d->ctl, x->r->name, jb->j->name, jb->j->cls, jb->j->weight,
					  &eb))
				pp_log(PP_LOG_WARN, "run", "job %s on rack %s: %s", jb->j->name,
				       x->r->name, eb.msg);
		}
	}
	if (d->ctl && d->policy == PP_POLICY_OPTIMAL && jb->st == DJ_HELD)
		pp_ctl_release(d->ctl, jb->j->name);
	jb->hall = hall;
	jb->st = DJ_RUNNING;
	jb->start_h = d->t_h;
	if (jb->held_h > 0) {
		d->res.jobs_deferred++;
		d->res.last_start_h = fmax(d->res.last_start_h, d->t_h);
		d->res.max_wait_h = fmax(d->res.max_wait_h, jb->held_h);
	}
}

static void finish(struct pp_day *d, size_t idx)
{
	for (size_t i = 0; i < d->nracks; i++) {
		struct drack *x = &d->racks[i];
		if (x->job != (int)idx)
			continue;
		x->job = -1;
		d->hall_free[x->hall]++;
		struct pp_errbuf eb;
		if (d->ctl && pp_ctl_assign(d->ctl, x->r->name, NULL, 0, 1, &eb))
			pp_log(PP_LOG_WARN, "run", "rack %s: %s", x->r->name, eb.msg);
	}
	d->jobs[idx].st = DJ_DONE;
	d->res.jobs_done++;
}

static void hold(struct pp_day *d, struct djob *jb, int gpus, const char *reason)
{
	if (jb->st != DJ_HELD && d->res.first_held_h < 0)
		d->res.first_held_h = d->t_h;
	jb->st = DJ_HELD;
	if (d->ctl && d->policy == PP_POLICY_OPTIMAL &&
	    pp_ctl_hold(d->ctl, jb->j->name, gpus, reason, d->now_ns))
		pp_log(PP_LOG_WARN, "run", "job %s: out of memory noting the hold", jb->j->name);
}

/* Asks the controller as a scheduler would ask /v1/admit. 1 when the job
 * fits at ADMIT_FRAC of its GPUs' maximum; else 0 with the reason. */
static int admitted(struct pp_day *d, int hall, int gpus, char *why, size_t len)
{
	struct pp_ctl_admit_req q = {gpus, d->cfg->halls[hall].name, PP_JOB_BATCH, 1};
	struct pp_ctl_admit_ans a;
	struct pp_errbuf eb;
	if (pp_ctl_admit(d->ctl, &q, d->now_ns, &a, &eb)) {
		snprintf(why, len, "powerpark: %s", eb.msg);
		return 0;
	}
	/* The cap as a scheduler reads it from /v1/admit: in whole watts. */
	double max_w = hall_rack(d, hall)->gpu->cap_max_w, cap = round(a.cap_w);
	if (a.decision == PP_CTL_ADMIT && cap >= ADMIT_FRAC * max_w)
		return 1;
	if (a.decision == PP_CTL_ADMIT) {
		char b[PP_CTL_BINDING_MAX];
		pp_ctl_binding(d->ctl, b, sizeof b);
		snprintf(why, len, "powerpark: it would run at %.0f W a GPU now (binding: %s)",
			 a.cap_w, b[0] ? b : "none");
	} else {
		snprintf(why, len, "powerpark: %s", a.reason);
	}
	return 0;
}

static void try_start(struct pp_day *d, size_t idx)
{
	struct djob *jb = &d->jobs[idx];
	int hall = pick_hall(d, jb);
	if (hall < 0) {
		char why[160];
		snprintf(why, sizeof why, "waiting for %d free racks", jb->j->racks);
		hold(d, jb, jb->gpus, why);
		return;
	}
	int gpus = jb->j->racks * hall_rack(d, hall)->r->gpus;
	jb->gpus = gpus;
	/* Only powerpark holds deferrable work for room: a site capping by
	 * breaker starts a job when its racks are free. */
	if (d->ctl && d->policy == PP_POLICY_OPTIMAL && jb->j->deferrable) {
		char why[160];
		if (!admitted(d, hall, gpus, why, sizeof why)) {
			jb->ready_s = 0;
			hold(d, jb, gpus, why);
			return;
		}
		/* A minimum dwell: the room must last before a held job starts,
		 * so a passing dip does not start and stop work. */
		jb->ready_s += d->dt;
		if (jb->st == DJ_HELD && jb->ready_s < DWELL_S) {
			snprintf(why, sizeof why, "powerpark: fits now, starts after %d s more of room",
				 (int)(DWELL_S - jb->ready_s));
			hold(d, jb, gpus, why);
			return;
		}
	}
	start(d, idx, hall);
}

/* The fraction of the GPUs' maximum the job wants at t_h: inference
 * follows people (lowest at 04:30, highest at 16:30 local). */
static double want_frac(const struct pp_scen_job *j, double t_h)
{
	double s = 0.5 - 0.5 * cos(2 * M_PI * (t_h - 4.5) / 24);
	return j->demand_lo + (j->demand_hi - j->demand_lo) * s;
}

enum pp_err pp_day_jobs_init(struct pp_day *d, struct pp_errbuf *eb)
{
	const struct pp_scenario *sc = d->sc;
	d->jobs = calloc(sc->njobs + 1, sizeof *d->jobs);
	if (!d->jobs)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	d->njobs = sc->njobs;
	d->res.first_held_h = -1;
	for (size_t i = 0; i < sc->njobs; i++) {
		struct djob *jb = &d->jobs[i];
		jb->j = &sc->jobs[i];
		jb->hall = -1;
		if (jb->j->arrive_h > 0 || jb->j->deferrable)
			continue;
		/* Work running when the day starts must fit at once. */
		int hall = pick_hall(d, jb);
		if (hall < 0)
			return pp_err_set(eb, PP_ERR_CONFIG, "%s:%d:%d: job %s: no hall has %d free racks "
				       "for it at the start", jb->j->pos.file, jb->j->pos.line,
				       jb->j->pos.col, jb->j->name, jb->j->racks);
		jb->want_w = want_frac(jb->j, 0) * hall_rack(d, hall)->gpu->cap_max_w;
		start(d, i, hall);
	}
	return PP_OK;
}

void pp_day_jobs_free(struct pp_day *d)
{
	free(d->jobs);
}

void pp_day_jobs_tick(struct pp_day *d)
{
	double dh = d->dt / 3600.0;
	for (size_t i = 0; i < d->njobs; i++) {
		struct djob *jb = &d->jobs[i];
		if (jb->st == DJ_WAIT && d->t_h >= jb->j->arrive_h)
			jb->st = DJ_QUEUED;
		if (jb->st == DJ_RUNNING && jb->j->run_h > 0 && jb->work_h >= jb->j->run_h)
			finish(d, i);
	}
	/* First come, first served: the queue in arrival order. */
	for (size_t i = 0; i < d->njobs; i++) {
		struct djob *jb = &d->jobs[i];
		if (jb->st == DJ_HELD)
			jb->held_h += dh;
		if (jb->st == DJ_QUEUED || jb->st == DJ_HELD)
			try_start(d, i);
		if (jb->st == DJ_RUNNING) {
			const struct drack *x = hall_rack(d, jb->hall);
			jb->want_w = want_frac(jb->j, fmod(d->t_h, 24)) * x->gpu->cap_max_w;
		}
	}
}
