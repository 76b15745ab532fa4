/* service.c - `powerpark optimize` as a service: the controller, its API
 * and the outputs for its decisions, run on the wall clock. A cycle every
 * period, and at once when a reading written to /write breaks a limit (the
 * API wakes the loop); each cycle's decisions go to the outputs. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "powerpark/clock.h"
#include "powerpark/ha.h"
#include "powerpark/log.h"
#include "powerpark/output.h"

#define SERVICE_PERIOD_MS 1000    /* the control period when none is set */
#define SERVICE_TICK_NS 200000000L /* a stop is seen within this */
#define SERVICE_FLUSH_MS 5000     /* what the outputs may take at the end */

struct waker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int breach;
};

static void on_breach(void *ud)
{
	struct waker *w = ud;
	pthread_mutex_lock(&w->mu);
	w->breach = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns % 1000000000L;
	t->tv_sec += ns / 1000000000L + t->tv_nsec / 1000000000L;
	t->tv_nsec %= 1000000000L;
}

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Sleeps until next (monotonic), or less: a breach or a stop ends the
 * wait. Returns whether a breach did (and restarts the period then). */
static int wait_period(struct waker *w, struct timespec *next, volatile sig_atomic_t *stop)
{
	pthread_mutex_lock(&w->mu);
	while (!w->breach && !*stop) {
		struct timespec now, until = *next;
		clock_gettime(CLOCK_MONOTONIC, &now);
		add_ns(&now, SERVICE_TICK_NS);
		if (before(&now, &until))
			until = now;
		if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT &&
		    until.tv_sec == next->tv_sec && until.tv_nsec == next->tv_nsec)
			break;
	}
	int urgent = w->breach;
	if (urgent)
		clock_gettime(CLOCK_MONOTONIC, next);
	w->breach = 0;
	pthread_mutex_unlock(&w->mu);
	return urgent;
}

/* A leader's state for the next one (docs/ha.md), after its cycle. */
static void publish(struct pp_ctl *ctl, struct pp_ha *ha, struct pp_buf *st)
{
	long long epoch;
	if (!ha || !pp_ha_may_lead(ha, &epoch))
		return;
	int64_t t0 = pp_clock_mono_ns();
	enum pp_err e = pp_ctl_state_export(ctl, st);
	double ms = (double)(pp_clock_mono_ns() - t0) / 1e6;
	if (e || pp_ha_publish(ha, st->data, st->len, ms))
		pp_log(PP_LOG_WARN, "optimize", "the state for the next leader was not made "
		       "(%zu bytes): a takeover would start from the agents' reports", st->len);
}

/* A replica that wins a term takes over the last leader's state before it
 * issues anything (the election holds its authority back until then). */
static void on_lead(void *ud, const char *state, size_t len, long long epoch)
{
	struct pp_ctl *ctl = ud;
	size_t bad = 0;
	struct pp_errbuf eb;
	if (pp_ctl_state_import(ctl, state, len, &bad, &eb))
		pp_log(PP_LOG_ERROR, "optimize", "epoch %lld: the last leader's state is not "
		       "taken over: %s", epoch, eb.msg);
	else
		pp_log(PP_LOG_INFO, "optimize", "epoch %lld: took over the last leader's state "
		       "(%zu bytes%s%zu records skipped)", epoch, len, bad ? ", " : "; ", bad);
}

/* One cycle at the wall clock, and its decisions to the outputs. */
static void cycle(struct pp_ctl *ctl, struct pp_output *set, int urgent, struct pp_ha *ha,
		  struct pp_buf *st)
{
	struct pp_errbuf ce;
	if (pp_ctl_cycle(ctl, pp_clock_wall_ns(), urgent, &ce))
		pp_log(PP_LOG_ERROR, "optimize", "cycle: %s", ce.msg);
	publish(ctl, ha, st);
	struct pp_sample *s;
	size_t n;
	if (!pp_ctl_decisions(ctl, pp_clock_wall_ns(), &s, &n)) {
		if (pp_output_write(set, s, n))
			pp_log(PP_LOG_WARN, "optimize", "a decision sample was not encoded");
		pp_ctl_samples_free(s, n);
	}
}

/* The election of a replica with an `ha` section (*out NULL without one):
 * its name and URL from the options or the config; a URL made from the
 * listen address needs a port of its own (port 0 is known only later, and
 * the election starts before the first request). */
static enum pp_err start_ha(const struct pp_config *cfg, const struct pp_api_run_opts *o,
			    struct pp_ctl *ctl, struct pp_ha **out, struct pp_errbuf *eb)
{
	*out = NULL;
	const struct pp_ha_conf *h = &cfg->ha;
	if (!h->netcd)
		return PP_OK;
	char url[PP_HA_URL_MAX];
	const char *u = o->ha_url ? o->ha_url : h->url;
	if (!u) {
		const char *hp = o->listen ? o->listen : cfg->api.listen;
		const char *port = hp ? strrchr(hp, ':') : NULL;
		if (!port || !strcmp(port, ":0"))
			return pp_err_set(eb, PP_ERR_CONFIG, "ha: give ha.url (or --ha-url), or a "
					  "listen address with a port of its own");
		snprintf(url, sizeof url, "http%s://%s", cfg->api.tls_cert ? "s" : "", hp);
		u = url;
	}
	const struct pp_ha_opts ho = {.etcd = h->etcd, .netcd = h->netcd,
				      .name = o->ha_name ? o->ha_name : h->name, .url = u,
				      .prefix = h->prefix, .lease_s = h->lease_s,
				      .on_lead = on_lead, .ud = ctl};
	return pp_ha_create(&ho, out, eb);
}

enum pp_err pp_api_run(const struct pp_config *cfg, const struct pp_api_run_opts *o,
		       volatile sig_atomic_t *stop, struct pp_errbuf *eb)
{
	struct pp_ctl *ctl = NULL;
	struct pp_api *api = NULL;
	struct pp_ha *ha = NULL;
	struct pp_output *set = NULL;
	struct waker w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&w.cv);
	pthread_cond_init(&w.cv, &ca);
	pthread_condattr_destroy(&ca);
	enum pp_err e;
	if ((e = pp_ctl_create(cfg, &o->ctl, &ctl, eb)) ||
	    (e = pp_output_create(cfg->outputs, cfg->noutputs, cfg->site.name, &set, eb)) ||
	    (e = start_ha(cfg, o, ctl, &ha, eb)) ||
	    (e = api_start_ha(ctl, &cfg->api, o->listen, ha, on_breach, &w, &api, eb)))
		goto out;
	int period = o->ctl.period_ms > 0 ? o->ctl.period_ms : SERVICE_PERIOD_MS;
	if (o->ready)
		o->ready(o->ud, pp_api_port(api), period);
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	int urgent = 0;
	struct pp_buf st;
	pp_buf_init(&st);
	while (!*stop) {
		cycle(ctl, set, urgent, ha, &st);
		add_ns(&next, (long)period * 1000000L);
		urgent = wait_period(&w, &next, stop);
	}
	pp_buf_free(&st);
	pp_log(PP_LOG_INFO, "optimize", "stopping");
out:
	pp_api_stop(api);
	pp_ha_destroy(ha); /* after the API: it revokes the lease, a follower leads at once */
	if (set)
		pp_output_destroy(set, SERVICE_FLUSH_MS);
	pp_ctl_destroy(ctl);
	pthread_cond_destroy(&w.cv);
	return e;
}
