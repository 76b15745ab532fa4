/* control_signal.c - grid limit events signalled while the park runs
 * (pp_ctl_grid_event), and how the site answers them: the seconds to
 * under the limit, the level held after, the GPU-time deferred. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/buf.h"

/* Moves the signalled events that ended by now_s out of the list, order
 * kept, into the ring of retired ones (/metrics and the forecast's current
 * hour still read them; the oldest is dropped past PP_CTL_RETIRED).
 * Configured events stay: the config bounds them. Returns how many left. */
static size_t retire(struct pp_ctl *c, int64_t now_s)
{
	struct ctl_grid *g = &c->grid;
	size_t k = 0, gone = 0;
	if (!g->retired && !(g->retired = calloc(PP_CTL_RETIRED, sizeof *g->retired)))
		return 0; /* all kept where they are: the list is only fuller */
	for (size_t i = 0; i < g->nev; i++) {
		const struct cevent *ev = &g->ev[i];
		if (!ev->signalled_ns || now_s < ev->end_s) {
			if (k != i)
				g->ev[k] = *ev;
			k++;
			continue;
		}
		g->retired[g->retired_at] = *ev;
		g->retired_at = (g->retired_at + 1) % PP_CTL_RETIRED;
		if (g->nretired < PP_CTL_RETIRED)
			g->nretired++;
		gone++;
	}
	g->nev = k;
	return gone;
}

/* Forgets the retired events named id: a new event under it takes over
 * its series in /metrics (one series per id). */
static void unretire(struct ctl_grid *g, const char *id)
{
	size_t first = (g->retired_at + PP_CTL_RETIRED - g->nretired) % PP_CTL_RETIRED, k = 0;
	for (size_t i = 0; i < g->nretired; i++) {
		const struct cevent *ev = &g->retired[(first + i) % PP_CTL_RETIRED];
		if (strcmp(ev->id, id))
			g->retired[(first + k++) % PP_CTL_RETIRED] = *ev;
	}
	g->nretired = k;
	g->retired_at = (first + k) % PP_CTL_RETIRED;
}

struct cevent *pp_ctl_event_find(struct ctl_grid *g, const char *id)
{
	for (size_t i = 0; i < g->nev; i++)
		if (!strcmp(g->ev[i].id, id))
			return &g->ev[i];
	return NULL;
}

struct cevent *pp_ctl_event_add(struct ctl_grid *g, const char *id)
{
	if (g->nev >= PP_CTL_MAX_EVENTS ||
	    pp_buf_array_grow(&g->ev, &g->capev, g->nev + 1, sizeof *g->ev))
		return NULL;
	struct cevent *ev = &g->ev[g->nev++];
	memset(ev, 0, sizeof *ev);
	snprintf(ev->id, sizeof ev->id, "%s", id);
	ev->response_s = ev->held_max_kw = NAN;
	if (g->retired)
		unretire(g, ev->id);
	return ev;
}

enum pp_err pp_ctl_grid_event(struct pp_ctl *c, const struct pp_ctl_event_req *req,
			      int64_t now_ns, struct pp_ctl_event_ans *ans, struct pp_errbuf *eb)
{
	memset(ans, 0, sizeof *ans);
	int64_t now_s = now_ns / PP_CTL_NS;
	if (!req->id || !*req->id || strlen(req->id) >= PP_CTL_ID_MAX)
		return pp_err_set(eb, PP_ERR_ARG, "\"id\": expected a name of 1 to %d characters",
				  PP_CTL_ID_MAX - 1);
	if (!(req->limit_kw > 0) || !isfinite(req->limit_kw))
		return pp_err_set(eb, PP_ERR_ARG, "\"limit_kw\": expected a number above 0");
	int64_t start = req->has_start ? req->start_s : now_s, end = req->end_s;
	if (end <= start)
		return pp_err_set(eb, PP_ERR_ARG, "\"end\" (%lld) must come after \"start\" (%lld)",
				  (long long)end, (long long)start);
	pthread_mutex_lock(&c->mu);
	struct ctl_grid *g = &c->grid;
	struct cevent *ev = NULL;
	retire(c, now_s);
	ev = pp_ctl_event_find(g, req->id);
	/* An urgent signal is never refused for bookkeeping: ended ones made
	 * room above (only live events count against the bound). */
	if (!ev && !(ev = pp_ctl_event_add(g, req->id))) {
		pthread_mutex_unlock(&c->mu);
		return pp_err_set(eb, PP_ERR_ARG, "too many events in force or to come (at most %d)",
				  PP_CTL_MAX_EVENTS);
	}
	if (ev->signalled_ns == 0 || req->limit_kw != ev->limit_kw || start != ev->start_s) {
		/* A new or changed limit: its response is measured afresh. */
		ev->response_s = NAN;
		ev->held_max_kw = NAN;
		ev->deferred_gpu_s = 0;
		ev->deferred_ns = 0;
	}
	ev->start_s = start;
	ev->end_s = end;
	ev->limit_kw = req->limit_kw;
	ev->signalled_ns = now_ns;
	int in_force = now_s >= start && now_s < end;
	pp_log(PP_LOG_WARN, "optimize", "grid signal %s: limit %.1f kW from %lld to %lld%s",
	       ev->id, ev->limit_kw, (long long)start, (long long)end,
	       in_force ? " (in force now)" : "");
	char from[16], to[16];
	pp_ctl_local_hm(c, start, from, sizeof from);
	pp_ctl_local_hm(c, end, to, sizeof to);
	pp_ctl_note(c, now_ns, "signal", "warn", "signal %s: grid limit %.0f kW from %s to %s%s",
		    ev->id, ev->limit_kw, from, to, in_force ? " (in force now)" : "");
	snprintf(ans->id, sizeof ans->id, "%s", ev->id);
	ans->limit_kw = ev->limit_kw;
	ans->start_s = start;
	ans->end_s = end;
	ans->in_force = in_force;
	ans->limit_in_force_kw = pp_ctl_limit_at(c, now_ns);
	pthread_mutex_unlock(&c->mu);
	return PP_OK;
}

double pp_ctl_grid_limit(struct pp_ctl *c, int64_t now_ns)
{
	pthread_mutex_lock(&c->mu);
	double lim = pp_ctl_limit_at(c, now_ns);
	pthread_mutex_unlock(&c->mu);
	return lim;
}

double pp_ctl_limit_now(const struct pp_config *cfg, int64_t now_ns)
{
	double lim = cfg->site.import_limit_kw;
	int64_t now_s = now_ns / PP_CTL_NS;
	for (size_t i = 0; i < cfg->site.nevents; i++) {
		const struct pp_grid_event *ev = &cfg->site.events[i];
		if (now_s >= ev->start_s && now_s < ev->end_s && ev->limit_kw < lim)
			lim = ev->limit_kw;
	}
	return lim;
}

static int signal_on(const struct cevent *ev, int64_t now_ns)
{
	int64_t s = now_ns / PP_CTL_NS;
	return ev->signalled_ns && s >= ev->start_s && s < ev->end_s;
}

void pp_ctl_signal_reading(struct pp_ctl *c, double kw, int64_t now_ns)
{
	for (size_t i = 0; i < c->grid.nev; i++) {
		struct cevent *ev = &c->grid.ev[i];
		if (!signal_on(ev, now_ns))
			continue;
		if (isnan(ev->response_s)) {
			if (kw <= ev->limit_kw) {
				int64_t from = ev->start_s * PP_CTL_NS;
				from = from > ev->signalled_ns ? from : ev->signalled_ns;
				ev->response_s = fmax(0, (double)(now_ns - from) / 1e9);
				pp_log(PP_LOG_INFO, "optimize", "grid signal %s: site at %.1f kW, under "
				       "its %.1f kW limit %.1f s after it began", ev->id, kw,
				       ev->limit_kw, ev->response_s);
			}
		} else if (isnan(ev->held_max_kw) || kw > ev->held_max_kw) {
			ev->held_max_kw = kw;
		}
	}
}

void pp_ctl_signal_cycle(struct pp_ctl *c, int64_t now_ns)
{
	int gpus = pp_ctl_held_gpus(c);
	retire(c, now_ns / PP_CTL_NS);
	for (size_t i = 0; i < c->grid.nev; i++) {
		struct cevent *ev = &c->grid.ev[i];
		if (!signal_on(ev, now_ns))
			continue;
		if (ev->deferred_ns)
			ev->deferred_gpu_s += gpus * (double)(now_ns - ev->deferred_ns) / 1e9;
		ev->deferred_ns = now_ns;
	}
}
