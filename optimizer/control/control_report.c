/* control_report.c - what the controller shows of itself: the counters and
 * figures /metrics renders, the decisions written to the outputs as
 * samples, and the cap and binding limit of the last cycle. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"

uint64_t pp_ctl_budget_cycle(struct pp_ctl *c)
{
	pthread_mutex_lock(&c->mu);
	uint64_t n = c->budget_made ? c->budget.cycle : 0;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* The levels read fast enough to tell their swing, into m->swings. */
static void swings(const struct pp_ctl *c, struct pp_ctl_metrics *m)
{
	const struct ctl_osc *o = &c->osc;
	if (o->site_res.valid)
		m->swings[m->nswings++] = (struct pp_ctl_swing){
			"site", c->cfg->site.name, o->site_res.amp_kw, o->site_res.peak_hz,
			o->site_res.mean_kw, o->site_res.alert};
	for (size_t h = 0; h < c->cfg->nhalls; h++)
		if (o->hall_res[h].valid)
			m->swings[m->nswings++] = (struct pp_ctl_swing){
				"hall", c->cfg->halls[h].name, o->hall_res[h].amp_kw,
				o->hall_res[h].peak_hz, o->hall_res[h].mean_kw, o->hall_res[h].alert};
	for (size_t i = 0; i < c->nracks; i++)
		if (o->rack_res[i].valid)
			m->swings[m->nswings++] = (struct pp_ctl_swing){
				"rack", c->racks[i].cfg->name, o->rack_res[i].amp_kw,
				o->rack_res[i].peak_hz, o->rack_res[i].mean_kw, o->rack_res[i].alert};
}

/* How the site answered one signalled event, into x. */
static void signal_of(const struct cevent *ev, struct pp_ctl_signal *x)
{
	snprintf(x->id, sizeof x->id, "%s", ev->id);
	x->limit_kw = ev->limit_kw;
	x->response_s = ev->response_s;
	x->held_max_kw = ev->held_max_kw;
	x->deferred_gpu_s = ev->deferred_gpu_s;
}

enum pp_err pp_ctl_metrics(struct pp_ctl *c, struct pp_ctl_metrics *m)
{
	memset(m, 0, sizeof *m);
	pthread_mutex_lock(&c->mu);
	m->st = c->st;
	m->st.grid_measured_kw = c->grid.meas_ns ? c->grid.meas_kw : NAN;
	m->st.grid_limit_kw = c->grid.limit_kw;
	m->st.grid_allocated_kw = c->grid.alloc_kw;
	m->st.holddown_w_per_s = c->grid.holddown_w_per_s;
	m->signals = calloc(c->grid.nretired + c->grid.nev + 1, sizeof *m->signals);
	m->swings = calloc(1 + c->cfg->nhalls + c->nracks, sizeof *m->swings);
	m->caps = calloc(c->nracks + 1, sizeof *m->caps);
	if (!m->signals || !m->swings || !m->caps) {
		pthread_mutex_unlock(&c->mu);
		pp_ctl_metrics_free(m);
		return PP_ERR_NOMEM;
	}
	/* The ended signals kept (oldest first), then those in force or to come. */
	const struct ctl_grid *g = &c->grid;
	size_t first = (g->retired_at + PP_CTL_RETIRED - g->nretired) % PP_CTL_RETIRED;
	for (size_t i = 0; i < g->nretired; i++)
		signal_of(&g->retired[(first + i) % PP_CTL_RETIRED], &m->signals[m->nsignals++]);
	for (size_t i = 0; i < g->nev; i++)
		if (g->ev[i].signalled_ns)
			signal_of(&g->ev[i], &m->signals[m->nsignals++]);
	swings(c, m);
	for (size_t i = 0; i < c->nracks; i++)
		m->caps[m->ncaps++] = (struct pp_ctl_rack_cap){c->racks[i].cfg->name, c->racks[i].cap_w};
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

void pp_ctl_metrics_free(struct pp_ctl_metrics *m)
{
	free(m->signals);
	free(m->swings);
	free(m->caps);
	memset(m, 0, sizeof *m);
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
		double dv[] = {c->st.solve_s * 1e6, c->st.stale_racks, c->st.shedding, (double)c->st.cycles};
		bad |= dec(&s[k++], "decision", cfg->site.name, NULL, NULL, now_ns, 4, dk, dv,
			   "binding", c->binding[0] ? c->binding : "none");
		static const char *const sk[] = {"grid_kw", "limit_kw", "allocated_kw"};
		double sv[] = {c->grid.meas_kw, c->grid.limit_kw, c->grid.alloc_kw};
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
		int hn = c->tree.hall_node[h];
		double hv[] = {pp_ctl_hall_room(c, h, now_ns, NULL, 0), c->tree.ans_kw[hn],
			       c->tree.nodes[hn].limit_kw};
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

int pp_ctl_ready(struct pp_ctl *c, int64_t now_ns, char *why, size_t len)
{
	pthread_mutex_lock(&c->mu);
	size_t unread = 0, stale = 0;
	const char *first_unread = NULL, *first_stale = NULL;
	for (size_t i = 0; i < c->nracks; i++) {
		const struct crack *r = &c->racks[i];
		if (!r->meas_ns) {
			unread++;
			first_unread = first_unread ? first_unread : r->cfg->name;
		} else if (!pp_ctl_rack_fresh(c, r, now_ns)) {
			stale++;
			first_stale = first_stale ? first_stale : r->cfg->name;
		}
	}
	if (!c->st.cycles)
		snprintf(why, len, "no control cycle has run yet");
	else if (unread)
		snprintf(why, len, "%zu of %zu racks never read (first: %s)", unread, c->nracks,
			 first_unread);
	else if (stale)
		snprintf(why, len, "%zu of %zu racks stale (first: %s)", stale, c->nracks, first_stale);
	else if (c->solve_failed)
		snprintf(why, len, "the last solve failed: every GPU at its floor");
	else
		snprintf(why, len, "%s", "");
	int ready = !why[0];
	pthread_mutex_unlock(&c->mu);
	return ready;
}
