/* control_osc.c - power oscillation seen live (issue 10): readings of the
 * site meter and of racks that come fast enough (meters polled at 5-10 Hz)
 * are kept in short rings; each cycle the last window is put on a uniform
 * grid and analysed with pp_osc_analyze for the 0.1-3 Hz band, per rack,
 * per hall (its fast racks summed) and for the site. Above the configured
 * amplitude an alert is raised, logged with back-off and shown in
 * /metrics (control_report.c). Slow readings never make a ring: a 1 Hz meter cannot see the
 * band. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/clock.h"
#include "powerpark/log.h"
#include "powerpark/osc.h"

#define OSC_WINDOW_S 20.0 /* two periods of the band's lowest frequency */
#define OSC_MIN_HZ 6.0    /* sampling below this cannot see 3 Hz */
#define OSC_MAX_N 512
#define OSC_LO_HZ 0.1
#define OSC_HI_HZ 3.0

struct osc_ring {
	double t[PP_CTL_OSC_RING], kw[PP_CTL_OSC_RING];
	size_t n, at;              /* how many held, where the next goes */
};

static void ring_put(struct osc_ring *g, double t, double kw)
{
	g->t[g->at] = t;
	g->kw[g->at] = kw;
	g->at = (g->at + 1) % PP_CTL_OSC_RING;
	if (g->n < PP_CTL_OSC_RING)
		g->n++;
}

/* The k-th oldest entry. */
static size_t ring_idx(const struct osc_ring *g, size_t k)
{
	return (g->at + PP_CTL_OSC_RING - g->n + k) % PP_CTL_OSC_RING;
}

/* The ring's value at time t by linear interpolation; NAN outside it. */
static double ring_at(const struct osc_ring *g, double t)
{
	if (g->n < 2 || t < g->t[ring_idx(g, 0)] || t > g->t[ring_idx(g, g->n - 1)])
		return NAN;
	size_t lo = 0, hi = g->n - 1;
	while (hi - lo > 1) {
		size_t m = (lo + hi) / 2;
		if (g->t[ring_idx(g, m)] <= t)
			lo = m;
		else
			hi = m;
	}
	size_t a = ring_idx(g, lo), b = ring_idx(g, hi);
	double dt = g->t[b] - g->t[a];
	return dt > 0 ? g->kw[a] + (g->kw[b] - g->kw[a]) * (t - g->t[a]) / dt : g->kw[a];
}

/* Samples per second over the window ending at now; 0 with too few. */
static double ring_rate(const struct osc_ring *g, double now)
{
	size_t k = 0;
	while (k < g->n && g->t[ring_idx(g, k)] < now - OSC_WINDOW_S)
		k++;
	if (g->n - k < 16)
		return 0;
	double span = g->t[ring_idx(g, g->n - 1)] - g->t[ring_idx(g, k)];
	return span > 0 ? (double)(g->n - k - 1) / span : 0;
}

void pp_ctl_osc_note(struct pp_ctl *c, int rack, int64_t ts_ns, double kw)
{
	struct osc_ring **slot = rack < 0 ? &c->osc.site : &c->osc.rack[rack];
	double t = (double)ts_ns / 1e9;
	double *last = rack < 0 ? &c->osc.site_last : &c->osc.rack_last[rack];
	/* A ring only for readings that come faster than twice a second. */
	if (!*slot) {
		double gap = t - *last;
		*last = t;
		if (!(gap > 0 && gap < 0.5))
			return;
		*slot = calloc(1, sizeof **slot);
		if (!*slot)
			return;
	}
	struct osc_ring *g = *slot;
	if (g->n && t <= g->t[ring_idx(g, g->n - 1)])
		return; /* out of order or repeated: the grid needs rising times */
	ring_put(g, t, kw);
}

/* Analyses the sum of rings (n of them; the array is reordered: the fast
 * ones first) over the window ending at now into *o; 0 when none is fast
 * enough. */
static int analyse(struct osc_ring **rings, size_t n, double now, struct pp_ctl_osc *o)
{
	double fs = 0, t0 = -INFINITY, t1 = INFINITY;
	size_t fast = 0;
	for (size_t i = 0; i < n; i++) {
		struct osc_ring *g = rings[i];
		double r = g ? ring_rate(g, now) : 0;
		if (r < OSC_MIN_HZ)
			continue;
		rings[fast++] = g;
		fs = fmax(fs, r);
		t0 = fmax(t0, fmax(g->t[ring_idx(g, 0)], now - OSC_WINDOW_S));
		t1 = fmin(t1, g->t[ring_idx(g, g->n - 1)]);
	}
	if (!fast || !(t1 > t0))
		return 0;
	size_t m = (size_t)((t1 - t0) * fs) + 1;
	if (m > OSC_MAX_N)
		m = OSC_MAX_N;
	if (m < 16)
		return 0;
	double x[OSC_MAX_N], dt = (t1 - t0) / (double)(m - 1);
	for (size_t k = 0; k < m; k++) {
		x[k] = 0;
		for (size_t i = 0; i < fast; i++)
			x[k] += ring_at(rings[i], t0 + (double)k * dt);
	}
	struct pp_osc a;
	struct pp_errbuf eb;
	double hi = fmin(OSC_HI_HZ, 0.45 / dt);
	if (pp_osc_analyze(x, m, 1 / dt, OSC_LO_HZ, hi, &a, &eb))
		return 0;
	o->amp_kw = a.band_amp;
	o->peak_hz = a.peak_hz;
	o->mean_kw = a.mean;
	return 1;
}

/* Keeps the result of one level and raises or clears its alert. */
static void judge(struct pp_ctl *c, struct pp_ctl_osc *o, int ok, const char *level,
		  const char *name)
{
	int was = o->alert;
	o->valid = ok;
	o->alert = ok && c->cfg->site.osc_alert_kw > 0 && o->amp_kw > c->cfg->site.osc_alert_kw;
	if (o->alert && !was) {
		c->st.osc_alerts++;
		if (pp_log_backoff_hit(&c->osc.bo, pp_clock_mono_ns()))
			pp_log(PP_LOG_WARN, "optimize", "%s %s swings %.1f kW at %.2f Hz (alert at "
			       "%.1f kW)", level, name, o->amp_kw, o->peak_hz,
			       c->cfg->site.osc_alert_kw);
	}
}

void pp_ctl_osc_cycle(struct pp_ctl *c, int64_t now_ns)
{
	double now = (double)now_ns / 1e9;
	/* The newest reading may be a little ahead of or behind our clock:
	 * the window ends at the latest reading seen. */
	double end = -INFINITY;
	for (size_t i = 0; i < c->nracks; i++)
		if (c->osc.rack[i] && c->osc.rack[i]->n)
			end = fmax(end, c->osc.rack[i]->t[ring_idx(c->osc.rack[i],
								   c->osc.rack[i]->n - 1)]);
	if (c->osc.site && c->osc.site->n)
		end = fmax(end, c->osc.site->t[ring_idx(c->osc.site, c->osc.site->n - 1)]);
	if (!isfinite(end) || end < now - OSC_WINDOW_S)
		end = now;
	struct osc_ring *one[1] = {c->osc.site};
	judge(c, &c->osc.site_res, analyse(one, 1, end, &c->osc.site_res), "site",
	      c->cfg->site.name);
	for (size_t i = 0; i < c->nracks; i++) {
		one[0] = c->osc.rack[i];
		judge(c, &c->osc.rack_res[i], analyse(one, 1, end, &c->osc.rack_res[i]), "rack",
		      c->racks[i].cfg->name);
	}
	struct osc_ring **hr = c->osc.scratch;
	for (size_t h = 0; h < c->cfg->nhalls; h++) {
		size_t n = 0;
		for (size_t i = 0; i < c->nracks; i++)
			if (c->racks[i].hall == (int)h)
				hr[n++] = c->osc.rack[i];
		judge(c, &c->osc.hall_res[h], analyse(hr, n, end, &c->osc.hall_res[h]), "hall",
		      c->cfg->halls[h].name);
	}
}

enum pp_err pp_ctl_osc_init(struct pp_ctl *c)
{
	c->osc.rack = calloc(c->nracks + 1, sizeof *c->osc.rack);
	c->osc.rack_last = calloc(c->nracks + 1, sizeof *c->osc.rack_last);
	c->osc.rack_res = calloc(c->nracks + 1, sizeof *c->osc.rack_res);
	c->osc.scratch = calloc(c->nracks + 1, sizeof *c->osc.scratch);
	pp_log_backoff_reset(&c->osc.bo);
	return c->osc.rack && c->osc.rack_last && c->osc.rack_res && c->osc.scratch
		       ? PP_OK : PP_ERR_NOMEM;
}

void pp_ctl_osc_free(struct pp_ctl *c)
{
	for (size_t i = 0; c->osc.rack && i < c->nracks; i++)
		free(c->osc.rack[i]);
	free(c->osc.rack);
	free(c->osc.rack_last);
	free(c->osc.rack_res);
	free(c->osc.scratch);
	free(c->osc.site);
}
