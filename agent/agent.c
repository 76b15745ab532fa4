/* agent.c - the node agent's loop (see agent.h). The cap it applies is
 * always inside the device's range (clamped and logged, never sent out of
 * range). When the optimizer cannot be reached it keeps the leased cap
 * until the lease ends, then applies the safe cap. A cap the device no
 * longer enforces (a driver reload) is applied again. */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "lease.h"
#include "powerpark/agent.h"
#include "powerpark/buf.h"
#include "powerpark/clock.h"
#include "powerpark/httpc.h"
#include "powerpark/log.h"

#define PP_MAX_NODE_GPUS 72 /* GPUs one agent drives (a rack of 72 at most) */

struct agent {
	const struct pp_agent_opts *o;
	const struct pp_backend *be;
	void *ctx;
	int n;
	double lo[PP_MAX_NODE_GPUS], hi[PP_MAX_NODE_GPUS], applied[PP_MAX_NODE_GPUS], dflt[PP_MAX_NODE_GPUS];
	int has_range[PP_MAX_NODE_GPUS], has_dflt[PP_MAX_NODE_GPUS];
	int64_t lease_until;   /* monotonic ns */
	int on_safe;
	CURL *curl;
	struct pp_buf resp;
	struct pp_log_backoff bo;
	unsigned long reapplied;
	double sm_floor, sm_ramp; /* power smoothing as last applied (NAN: never) */
	int sm_missing;           /* the backend cannot smooth: said once */
	struct pp_httpc_group opt; /* the optimizer's replicas (--url, comma-separated) */
	long long epoch;          /* the newest leader's term seen (fencing) */
	unsigned long fenced;     /* leases refused for an older epoch */
};

/* One exchange with the optimizer; the body lands in a->resp. */
static long http(struct agent *a, const char *url, const char *post, size_t len)
{
	return pp_httpc_call(a->curl, url, a->o->token ? a->o->token : "", post, len, 2000,
			    &a->resp);
}

static double clamp_gpu(struct agent *a, int g, double w)
{
	double c = w;
	if (a->has_range[g])
		c = w < a->lo[g] ? a->lo[g] : w > a->hi[g] ? a->hi[g] : w;
	if (c != w)
		pp_log(PP_LOG_WARN, "agent", "GPU %d: cap %.0f W outside %.0f..%.0f W, clamped to "
		       "%.0f W", g, w, a->lo[g], a->hi[g], c);
	return c;
}

static void apply_all(struct agent *a, double w, const char *why)
{
	for (int g = 0; g < a->n; g++) {
		double c = clamp_gpu(a, g, w);
		double now_w;
		struct pp_errbuf eb;
		/* Applied again when it differs from what we set, or from what the
		 * device enforces (a reset or reload loses it). */
		int drift = a->be->get_cap(a->ctx, g, &now_w, &eb) == PP_OK &&
			    fabs(now_w - c) > 0.5 && !isnan(a->applied[g]);
		if (!drift && fabs(a->applied[g] - c) <= 0.5)
			continue;
		if (drift) {
			a->reapplied++;
			pp_log(PP_LOG_WARN, "agent", "GPU %d enforces %.0f W, not %.0f W: applying "
			       "again", g, now_w, c);
		}
		if (a->be->set_cap(a->ctx, g, c, &eb)) {
			if (pp_log_backoff_hit(&a->bo, pp_clock_mono_ns()))
			pp_log(PP_LOG_ERROR, "agent", "GPU %d: %s", g, eb.msg);
			a->applied[g] = NAN;
			continue;
		}
		a->applied[g] = c;
		pp_log(PP_LOG_DEBUG, "agent", "GPU %d: cap %.0f W (%s)", g, c, why);
	}
}

/* Power smoothing as the lease asks: the floor of the job's class and the
 * hold-down rate, set again only when they change. A backend or driver
 * without the feature is said once; the caps still hold every limit, only
 * the swing and the fall at a job's end are not damped. */
static void apply_smooth(struct agent *a, double floor_w, double ramp)
{
	int asked = floor_w > 0 || ramp > 0;
	if ((floor_w == a->sm_floor && ramp == a->sm_ramp) || (!asked && isnan(a->sm_floor)))
		return;
	if (!a->be->smooth) {
		if (!a->sm_missing)
			pp_log(PP_LOG_WARN, "agent", "backend %s cannot smooth power: floor %.0f W "
			       "and hold-down %.2f W/s not applied", a->be->name, floor_w, ramp);
		a->sm_missing = 1;
		return;
	}
	int ok = 1;
	for (int g = 0; g < a->n; g++) {
		/* A floor is a draw, not a limit: below the cap range is fine. */
		double f = a->has_range[g] ? fmin(floor_w, a->hi[g]) : floor_w;
		struct pp_errbuf eb;
		if (a->be->smooth(a->ctx, g, f, ramp, &eb)) {
			ok = 0;
			if (!a->sm_missing)
				pp_log(PP_LOG_WARN, "agent", "GPU %d: power smoothing not applied (floor "
				       "%.0f W, hold-down %.2f W/s): %s", g, floor_w, ramp, eb.msg);
			a->sm_missing = 1;
			break;
		}
	}
	if (ok) {
		pp_log(PP_LOG_DEBUG, "agent", "power smoothing: floor %.0f W, hold-down %.2f W/s",
		       floor_w, ramp);
		a->sm_floor = floor_w;
		a->sm_ramp = ramp;
	}
}

static int renew(struct agent *a)
{
	char path[300];
	snprintf(path, sizeof path, "/v1/caps?node=%s", a->o->node);
	long code = pp_httpc_group_call(&a->opt, a->curl, path, a->o->token ? a->o->token : "", NULL,
					0, 2000, &a->resp);
	if (code != 200) {
		if (pp_log_backoff_hit(&a->bo, pp_clock_mono_ns()))
			pp_log(PP_LOG_WARN, "agent", "lease from %s: %s (last asked %s)", a->o->url,
			       code < 0 ? "unreachable" : "refused", pp_httpc_group_base(&a->opt));
		return -1;
	}
	struct lease l;
	if (lease_parse(a->resp.data, a->resp.len, &l)) {
		if (pp_log_backoff_hit(&a->bo, pp_clock_mono_ns()))
			pp_log(PP_LOG_WARN, "agent", "lease answer not understood");
		return -1;
	}
	/* Fencing: a lease from an older term than one already held is a
	 * deposed leader's (docs/ha.md); it sets nothing. */
	if (l.epoch < a->epoch) {
		a->fenced++;
		if (pp_log_backoff_hit(&a->bo, pp_clock_mono_ns()))
			pp_log(PP_LOG_WARN, "agent", "lease of epoch %lld from %s refused: epoch %lld "
			       "seen (%lu refused)", l.epoch, pp_httpc_group_base(&a->opt), a->epoch,
			       a->fenced);
		pp_httpc_group_next(&a->opt);
		return -1;
	}
	if (l.epoch > a->epoch && a->epoch)
		pp_log(PP_LOG_INFO, "agent", "leader of epoch %lld at %s", l.epoch,
		       pp_httpc_group_base(&a->opt));
	a->epoch = l.epoch;
	/* Without the device's own range, the optimizer's is used. */
	for (int g = 0; g < a->n; g++)
		if (!a->has_range[g] && l.has_range) {
			a->lo[g] = l.cap_min_w;
			a->hi[g] = l.cap_max_w;
			a->has_range[g] = 1;
		}
	a->lease_until = pp_clock_mono_ns() + l.ttl_s * 1000000000LL;
	if (a->on_safe)
		pp_log(PP_LOG_INFO, "agent", "lease renewed: leaving the safe cap");
	a->on_safe = 0;
	apply_all(a, l.cap_w, "lease");
	if (l.has_smooth)
		apply_smooth(a, l.floor_w, l.ramp_down_w_per_s);
	return 0;
}

/* Without persistence mode the driver may unload when no process holds a
 * GPU, and the limit set on it is lost: said once, at start. The cap is
 * still re-applied when it drifts. */
static void warn_persistence(struct agent *a)
{
	char list[256] = "";
	size_t len = 0;
	int off = 0;
	for (int g = 0; g < a->n && a->be->persistent; g++)
		if (a->be->persistent(a->ctx, g) == 0) {
			off++;
			if (len < sizeof list - 8)
				len += (size_t)snprintf(list + len, sizeof list - len, "%s%d",
							len ? "," : "", g);
		}
	if (off)
		pp_log(PP_LOG_WARN, "agent", "persistence mode is off on %d GPU(s) (%s): caps may "
		       "be lost when the driver unloads between jobs; the agent re-applies them "
		       "each lease, but enable it (nvidia-smi -pm 1)", off, list);
}

/* The cap GPU g holds: what the device enforces when the backend can tell
 * (a cap left by an agent before this one counts), else what this agent
 * applied; NAN when neither is known. */
static double held_cap(struct agent *a, int g)
{
	double w;
	struct pp_errbuf eb;
	if (a->be->get_cap(a->ctx, g, &w, &eb) == PP_OK && w > 0)
		return w;
	return a->applied[g];
}

/* One line per GPU: its power and the cap it holds (cap_w), either left
 * out when unknown. The optimizer starts its caps from the reported ones
 * after a restart (docs/control.md). Returns the HTTP status, -1 when the
 * optimizer could not be reached, 0 when there was nothing to send. */
static long report(struct agent *a)
{
	struct pp_buf b;
	pp_buf_init(&b);
	enum pp_err e = PP_OK;
	const char *site = a->o->site ? a->o->site : "site";
	for (int g = 0; g < a->n && !e; g++) {
		double w, cap = held_cap(a, g);
		struct pp_errbuf eb;
		int has_w = a->be->power(a->ctx, g, &w, &eb) == PP_OK;
		if (!has_w && isnan(cap))
			continue;
		e = pp_buf_appendf(&b, "gpu,site=%s,rack=%s,gpu=%d ", site, a->o->node, g);
		if (!e && has_w)
			e = pp_buf_appendf(&b, "power_w=%.1f%s", w, isnan(cap) ? "" : ",");
		if (!e && !isnan(cap))
			e = pp_buf_appendf(&b, "cap_w=%.1f", cap);
		if (!e)
			e = pp_buf_appendf(&b, " %lld\n", (long long)pp_clock_wall_ns());
	}
	long code = 0;
	if (!e && b.len) {
		/* Every replica ingests readings: the one leases come from. */
		char url[PP_HTTPC_URL_MAX + 16];
		snprintf(url, sizeof url, "%s/write", pp_httpc_group_base(&a->opt));
		code = http(a, url, b.data, b.len);
		if (code < 0)
			pp_httpc_group_next(&a->opt); /* the next round asks (and reports to) another */
		if (code != 204 && pp_log_backoff_hit(&a->bo, pp_clock_mono_ns()))
			pp_log(PP_LOG_WARN, "agent", "power report not accepted by %s (%s %ld)", url,
			       code < 0 ? "unreachable" : "HTTP", code);
	}
	pp_buf_free(&b);
	return code;
}

enum pp_err pp_agent_run(const struct pp_agent_opts *o, volatile sig_atomic_t *stop,
			 struct pp_errbuf *eb)
{
	const struct pp_backend *bes[] = {&pp_backend_nvml, &pp_backend_command, &pp_backend_sim,
					  &pp_backend_redfish};
	struct agent a;
	memset(&a, 0, sizeof a);
	a.o = o;
	for (size_t i = 0; i < sizeof bes / sizeof bes[0]; i++)
		if (o->backend && !strcmp(o->backend, bes[i]->name))
			a.be = bes[i];
	if (!a.be)
		return pp_err_set(eb, PP_ERR_ARG, "backend: expected nvml, command, sim or redfish");
	if (!o->url || !o->node)
		return pp_err_set(eb, PP_ERR_ARG, "--url and --node are required");
	if (pp_httpc_group_init(&a.opt, o->url))
		return pp_err_set(eb, PP_ERR_ARG, "--url: 1 to %d URLs, comma-separated, each under "
				  "%d characters", PP_HTTPC_URLS, PP_HTTPC_URL_MAX);
	if (!(o->safe_cap_w > 0))
		return pp_err_set(eb, PP_ERR_ARG, "--safe-cap W is required (the cap held when the "
					       "optimizer cannot be reached)");
	enum pp_err e = a.be->open(&a.ctx, o->arg, o->node, o->gpus, eb);
	if (e)
		return e;
	int n = a.be->count(a.ctx);
	a.n = n >= 0 ? n : o->gpus;
	if (a.n < 1 || a.n > PP_MAX_NODE_GPUS) {
		a.be->close(a.ctx);
		return pp_err_set(eb, PP_ERR_ARG, "%d GPUs: expected 1..%d (--gpus)", a.n, PP_MAX_NODE_GPUS);
	}
	for (int g = 0; g < a.n; g++) {
		struct pp_errbuf ge;
		a.applied[g] = NAN;
		a.has_range[g] = a.be->range(a.ctx, g, &a.lo[g], &a.hi[g], &ge) == PP_OK;
		a.has_dflt[g] = a.be->get_cap(a.ctx, g, &a.dflt[g], &ge) == PP_OK;
	}
	warn_persistence(&a);
	a.sm_floor = a.sm_ramp = NAN;
	a.curl = curl_easy_init();
	pp_buf_init(&a.resp);
	pp_log_backoff_reset(&a.bo);
	if (!a.curl) {
		a.be->close(a.ctx);
		return pp_err_set(eb, PP_ERR_NOMEM, "curl: cannot start");
	}
	int iv = o->interval_ms > 0 ? o->interval_ms : 1000;
	pp_log(PP_LOG_INFO, "agent", "node %s: %d GPUs through %s, lease from %s every %d ms",
	       o->node, a.n, a.be->name, o->url, iv);
	int leased = 0; /* the last renewal succeeded */
	while (!*stop) {
		/* Without a lease (at start, or the optimizer was away) the report
		 * goes first: an optimizer that restarted learns the caps the GPUs
		 * hold before it leases, and raises them from there. */
		/* (Not reached: no lease asked this round either, so the optimizer
		 * that comes back has the report before it leases.) */
		int reached = leased || report(&a) >= 0;
		int ok = reached && !renew(&a);
		if (!ok && pp_clock_mono_ns() >= a.lease_until) {
			if (!a.on_safe)
				pp_log(PP_LOG_WARN, "agent", "no lease: applying the safe cap %.0f W",
				       o->safe_cap_w);
			a.on_safe = 1;
			apply_all(&a, o->safe_cap_w, "safe");
		}
		if (leased)
			report(&a);
		leased = ok;
		if (o->once)
			break;
		for (int slept = 0; slept < iv && !*stop; slept += 50) {
			struct timespec ts = {0, 50000000L};
			nanosleep(&ts, NULL);
		}
	}
	/* An orderly stop gives each GPU back the limit it had, and turns off
	 * the smoothing it set. */
	if (!o->once && isfinite(a.sm_floor) && (a.sm_floor > 0 || a.sm_ramp > 0))
		apply_smooth(&a, 0, 0);
	for (int g = 0; g < a.n && !o->once; g++)
		if (a.has_dflt[g]) {
			struct pp_errbuf ge;
			if (a.be->set_cap(a.ctx, g, a.dflt[g], &ge))
				pp_log(PP_LOG_WARN, "agent", "GPU %d: default not restored: %s", g,
				       ge.msg);
		} else if (!isnan(a.applied[g])) {
			/* Nothing was held at start (a BMC without a limit): lifting
			 * the cap would be a guess at what the site allows, so the
			 * last one stays, and it is said. */
			pp_log(PP_LOG_WARN, "agent", "GPU %d: no limit was held at start to give back: "
			       "it keeps %.0f W, the last applied", g, a.applied[g]);
		}
	curl_easy_cleanup(a.curl);
	pp_buf_free(&a.resp);
	a.be->close(a.ctx);
	return PP_OK;
}
