/* control_sched.c - what a scheduler and the grid tell the controller at
 * run time: the scheduler's whole view in one sync (jobs running where,
 * jobs it holds for powerpark's word), and grid limit events signalled
 * while the park runs. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/config.h"
#include "powerpark/curve.h"
#include "powerpark/json.h"
#include "powerpark/log.h"

#define PP_CTL_MAX_EVENTS 1024

enum pp_err pp_ctl_json_load(const char *json, size_t len, json_t **root, struct pp_errbuf *eb)
{
	json_error_t je;
	*root = json_loadb(json, len, 0, &je);
	if (!*root)
		return pp_err_set(eb, PP_ERR_PARSE, "line %d column %d: %s", je.line, je.column,
			       je.text);
	if (!json_is_object(*root)) {
		json_decref(*root);
		*root = NULL;
		return pp_err_set(eb, PP_ERR_PARSE, "expected a JSON object");
	}
	return PP_OK;
}

/* --- grid signals ------------------------------------------------------ */

enum pp_err pp_ctl_grid_event(struct pp_ctl *c, const char *json, size_t len, int64_t now_ns,
			      struct pp_buf *out, struct pp_errbuf *eb)
{
	json_t *root = NULL;
	if (pp_ctl_json_load(json, len, &root, eb))
		return PP_ERR_PARSE;
	enum pp_err e = PP_OK;
	int64_t now_s = now_ns / 1000000000;
	json_t *id = json_object_get(root, "id"), *lim = json_object_get(root, "limit_kw");
	json_t *st = json_object_get(root, "start"), *en = json_object_get(root, "end");
	if (!json_is_string(id) || !*json_string_value(id) ||
		 strlen(json_string_value(id)) >= sizeof c->ev->id)
		e = pp_err_set(eb, PP_ERR_PARSE, "\"id\": expected a name of 1 to 63 characters");
	else if (!json_is_number(lim) || !(json_number_value(lim) > 0) ||
		 !isfinite(json_number_value(lim)))
		e = pp_err_set(eb, PP_ERR_PARSE, "\"limit_kw\": expected a number above 0");
	else if (st && !json_is_integer(st))
		e = pp_err_set(eb, PP_ERR_PARSE, "\"start\": expected Unix seconds (integer)");
	else if (!json_is_integer(en))
		e = pp_err_set(eb, PP_ERR_PARSE, "\"end\": expected Unix seconds (integer)");
	if (e)
		goto out;
	int64_t start = st ? json_integer_value(st) : now_s, end = json_integer_value(en);
	if (end <= start) {
		e = pp_err_set(eb, PP_ERR_PARSE, "\"end\" (%lld) must come after \"start\" (%lld)",
			    (long long)end, (long long)start);
		goto out;
	}
	pthread_mutex_lock(&c->mu);
	struct cevent *ev = NULL;
	for (size_t i = 0; i < c->nev && !ev; i++)
		if (!strcmp(c->ev[i].id, json_string_value(id)))
			ev = &c->ev[i];
	if (!ev) {
		if (c->nev >= PP_CTL_MAX_EVENTS ||
		    pp_buf_array_grow(&c->ev, &c->capev, c->nev + 1, sizeof *c->ev)) {
			pthread_mutex_unlock(&c->mu);
			e = pp_err_set(eb, PP_ERR_PARSE, "too many events (at most %d)",
				    PP_CTL_MAX_EVENTS);
			goto out;
		}
		ev = &c->ev[c->nev++];
		snprintf(ev->id, sizeof ev->id, "%s", json_string_value(id));
	}
	if (ev->signalled_ns == 0 || json_number_value(lim) != ev->limit_kw ||
	    start != ev->start_s) {
		/* A new or changed limit: its response is measured afresh. */
		ev->response_s = NAN;
		ev->held_max_kw = NAN;
		ev->deferred_gpu_s = 0;
		ev->deferred_ns = 0;
	}
	ev->start_s = start;
	ev->end_s = end;
	ev->limit_kw = json_number_value(lim);
	ev->signalled_ns = now_ns;
	int in_force = now_s >= start && now_s < end;
	pp_log(PP_LOG_WARN, "optimize", "grid signal %s: limit %.1f kW from %lld to %lld%s",
	       ev->id, ev->limit_kw, (long long)start, (long long)end,
	       in_force ? " (in force now)" : "");
	e = pp_buf_appendf(out, "{\"id\":");
	e = e ? e : pp_json_quote(out, ev->id, strlen(ev->id));
	e = e ? e : pp_buf_appendf(out, ",\"limit_kw\":%.3f,\"start\":%lld,\"end\":%lld,"
				   "\"in_force\":%s,\"limit_in_force_kw\":%.3f}\n", ev->limit_kw,
				   (long long)start, (long long)end, in_force ? "true" : "false",
				   pp_ctl_limit_at(c, now_ns));
	pthread_mutex_unlock(&c->mu);
out:
	json_decref(root);
	return e;
}

static int signal_on(const struct cevent *ev, int64_t now_ns)
{
	int64_t s = now_ns / 1000000000;
	return ev->signalled_ns && s >= ev->start_s && s < ev->end_s;
}

void pp_ctl_signal_reading(struct pp_ctl *c, double kw, int64_t now_ns)
{
	for (size_t i = 0; i < c->nev; i++) {
		struct cevent *ev = &c->ev[i];
		if (!signal_on(ev, now_ns))
			continue;
		if (isnan(ev->response_s)) {
			if (kw <= ev->limit_kw) {
				int64_t from = ev->start_s * 1000000000;
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
	int gpus = 0;
	for (size_t i = 0; i < c->nheld; i++)
		gpus += c->held[i].gpus;
	for (size_t i = 0; i < c->nev; i++) {
		struct cevent *ev = &c->ev[i];
		if (!signal_on(ev, now_ns))
			continue;
		if (ev->deferred_ns)
			ev->deferred_gpu_s += gpus * (double)(now_ns - ev->deferred_ns) / 1e9;
		ev->deferred_ns = now_ns;
	}
}

enum pp_err pp_ctl_signal_metrics(struct pp_ctl *c, struct pp_buf *out)
{
	static const struct {
		const char *name, *help;
	} m[] = {{"powerpark_grid_signal_limit_kw", "the limit a grid signal asked for"},
		 {"powerpark_grid_signal_response_seconds",
		  "from the signal's start to the site meter under its limit (NaN: not yet)"},
		 {"powerpark_grid_signal_held_max_kw",
		  "the highest site reading after the response, to the signal's end"},
		 {"powerpark_grid_signal_deferred_gpu_seconds",
		  "GPUs held back by powerpark, times seconds, while the signal was on"}};
	enum pp_err e = PP_OK;
	for (size_t k = 0; k < 4 && !e; k++) {
		e = pp_buf_appendf(out, "# HELP %s %s\n# TYPE %s gauge\n", m[k].name, m[k].help,
				   m[k].name);
		for (size_t i = 0; i < c->nev && !e; i++) {
			const struct cevent *ev = &c->ev[i];
			if (!ev->signalled_ns)
				continue;
			double v[] = {ev->limit_kw, ev->response_s, ev->held_max_kw,
				      ev->deferred_gpu_s};
			e = pp_buf_appendf(out, "%s{event=", m[k].name);
			e = e ? e : pp_json_quote(out, ev->id, strlen(ev->id));
			e = e ? e : isnan(v[k]) ? pp_buf_appendf(out, "} NaN\n")
						: pp_buf_appendf(out, "} %.3f\n", v[k]);
		}
	}
	return e;
}

/* --- the scheduler's view ---------------------------------------------- */

/* Checks the shape of a sync request before anything changes, so that a bad
 * one changes nothing. */
static enum pp_err sync_check(json_t *root, struct pp_errbuf *eb)
{
	json_t *racks = json_object_get(root, "racks"), *run = json_object_get(root, "running");
	json_t *pend = json_object_get(root, "pending"), *v;
	size_t i, k;
	if (racks && !json_is_array(racks))
		return pp_err_set(eb, PP_ERR_PARSE, "\"racks\": expected an array of rack names");
	json_array_foreach(racks, i, v)
		if (!json_is_string(v))
			return pp_err_set(eb, PP_ERR_PARSE, "racks[%zu]: expected a rack name", i);
	if (run && !json_is_array(run))
		return pp_err_set(eb, PP_ERR_PARSE, "\"running\": expected an array of jobs");
	json_array_foreach(run, i, v) {
		json_t *id = json_object_get(v, "id"), *cl = json_object_get(v, "class");
		json_t *w = json_object_get(v, "weight"), *pl = json_object_get(v, "placement"), *p;
		if (!json_is_string(id) || !*json_string_value(id))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].id: expected a job id", i);
		if (cl && (!json_is_string(cl) || pp_config_job_class(json_string_value(cl)) < 0))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].class: expected training, "
				       "inference or batch", i);
		if (w && (!json_is_number(w) || !(json_number_value(w) > 0) ||
			  json_number_value(w) >= 1e6))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].weight: expected a number "
				       "in (0, 1e6)", i);
		if (!json_is_array(pl))
			return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].placement: expected an array "
				       "of {\"rack\", \"gpus\"}", i);
		json_array_foreach(pl, k, p)
			if (!json_is_string(json_object_get(p, "rack")) ||
			    !json_is_integer(json_object_get(p, "gpus")))
				return pp_err_set(eb, PP_ERR_PARSE, "running[%zu].placement[%zu]: "
					       "expected {\"rack\": name, \"gpus\": integer}", i, k);
	}
	if (pend && !json_is_array(pend))
		return pp_err_set(eb, PP_ERR_PARSE, "\"pending\": expected an array of jobs");
	json_array_foreach(pend, i, v) {
		json_t *id = json_object_get(v, "id"), *g = json_object_get(v, "gpus");
		if (!json_is_string(id) || !*json_string_value(id))
			return pp_err_set(eb, PP_ERR_PARSE, "pending[%zu].id: expected a job id", i);
		if (!json_is_integer(g) || json_integer_value(g) < 1 ||
		    json_integer_value(g) > 1000000)
			return pp_err_set(eb, PP_ERR_PARSE, "pending[%zu].gpus: expected an integer "
				       "from 1 to 1000000", i);
	}
	return PP_OK;
}

/* Puts a running job on its racks; a rack with several jobs is valued as
 * its highest-priority one. Unknown racks are listed in *ignored. */
static enum pp_err sync_running(struct pp_ctl *c, json_t *job, struct pp_buf *ignored)
{
	const char *id = json_string_value(json_object_get(job, "id"));
	json_t *cl = json_object_get(job, "class"), *w = json_object_get(job, "weight"), *p;
	int cls = cl ? pp_config_job_class(json_string_value(cl)) : PP_JOB_TRAINING;
	double weight = w ? json_number_value(w) : 1;
	size_t k;
	enum pp_err e = PP_OK;
	json_array_foreach(json_object_get(job, "placement"), k, p) {
		const char *name = json_string_value(json_object_get(p, "rack"));
		struct crack *r = pp_ctl_rack(c, name);
		if (!r) {
			e = pp_buf_appendf(ignored, "%s", ignored->len ? "," : "");
			e = e ? e : pp_json_quote(ignored, name, strlen(name));
			if (e)
				return e;
			continue;
		}
		if (r->job[0] && !r->idle && r->weight >= weight)
			continue;
		snprintf(r->job, sizeof r->job, "%s", id);
		r->idle = 0;
		r->weight = weight;
		if (cls != r->cls) {
			struct pp_curve_param cp;
			pp_curve_class((enum pp_job_class)cls, &cp);
			pp_curve_tabulate(&cp, r->gpu->cap_min_w, r->gpu->cap_max_w,
					  PP_CURVE_POINTS, &r->curve);
			r->cls = cls;
		}
	}
	return e;
}

/* Decides for each pending job, in the order given (the scheduler's
 * priority order): start when its GPUs fit at their floor in some hall
 * after the jobs started before it in this sync, else hold with the limit
 * that leaves too little room. Held jobs are recorded for /v1/jobs. */
static enum pp_err sync_pending(struct pp_ctl *c, json_t *pend, int64_t now_ns,
				struct pp_buf *out)
{
	const struct pp_config *cfg = c->cfg;
	double taken_kw = 0; /* by jobs started in this sync: counted against every hall */
	size_t i, nheld = 0;
	json_t *v;
	/* The held list becomes exactly this sync's held jobs, each keeping
	 * when it began to wait. */
	struct chold *held = calloc(json_array_size(pend) + 1, sizeof *held);
	if (!held)
		return PP_ERR_NOMEM;
	enum pp_err e = PP_OK;
	json_array_foreach(pend, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		long long gpus = json_integer_value(json_object_get(v, "gpus"));
		double best = -INFINITY, need = 0;
		char why[128] = "", w[128];
		for (size_t h = 0; h < cfg->nhalls; h++) {
			const struct pp_gpu_model *gm = c->hall_gpu[h];
			if (!gm)
				continue;
			double n = (double)gpus * gm->cap_min_w / 1000;
			double left = pp_ctl_hall_room(c, h, w, sizeof w) - taken_kw - n;
			if (left > best) {
				best = left;
				need = n;
				memcpy(why, w, sizeof why);
			}
		}
		int start = best >= 0;
		char reason[160];
		if (start) {
			taken_kw += need;
			snprintf(reason, sizeof reason, "powerpark: fits under every limit now");
		} else {
			snprintf(reason, sizeof reason, "powerpark holds it: the %s binds "
				 "(%.1f kW short for %lld GPUs at their floor)", why[0] ? why : "park",
				 -best, gpus);
			struct chold *h = &held[nheld++];
			snprintf(h->id, sizeof h->id, "%s", id);
			h->gpus = (int)gpus;
			h->since_ns = now_ns;
			snprintf(h->reason, sizeof h->reason, "%s", reason);
			for (size_t k = 0; k < c->nheld; k++)
				if (!strcmp(c->held[k].id, h->id))
					h->since_ns = c->held[k].since_ns;
		}
		e = pp_buf_appendf(out, "%s{\"id\":", i ? "," : "");
		e = e ? e : pp_json_quote(out, id, strlen(id));
		e = e ? e : pp_buf_appendf(out, ",\"decision\":\"%s\",\"reason\":",
					   start ? "start" : "hold");
		e = e ? e : pp_json_quote(out, reason, strlen(reason));
		e = e ? e : pp_buf_append(out, "}", 1);
		if (e)
			break;
	}
	if (e) {
		free(held);
		return e;
	}
	free(c->held);
	c->held = held;
	c->capheld = json_array_size(pend) + 1;
	c->nheld = nheld;
	return PP_OK;
}

enum pp_err pp_ctl_sync(struct pp_ctl *c, const char *json, size_t len, int64_t now_ns,
			struct pp_buf *out, struct pp_errbuf *eb)
{
	json_t *root = NULL;
	if (pp_ctl_json_load(json, len, &root, eb))
		return PP_ERR_PARSE;
	enum pp_err e = sync_check(root, eb);
	if (e)
		goto out;
	struct pp_buf ignored;
	pp_buf_init(&ignored);
	json_t *v;
	size_t i;
	pthread_mutex_lock(&c->mu);
	/* The scheduler's racks run nothing unless it says so. */
	json_array_foreach(json_object_get(root, "racks"), i, v) {
		struct crack *r = pp_ctl_rack(c, json_string_value(v));
		if (!r) {
			e = pp_buf_appendf(&ignored, "%s", ignored.len ? "," : "");
			e = e ? e : pp_json_quote(&ignored, json_string_value(v), strlen(json_string_value(v)));
		} else {
			r->job[0] = 0;
			r->idle = 1;
			r->weight = 1;
		}
		if (e)
			break;
	}
	json_array_foreach(json_object_get(root, "running"), i, v)
		if (!e)
			e = sync_running(c, v, &ignored);
	e = e ? e : pp_buf_appendf(out, "{\"binding\":");
	e = e ? e : pp_json_quote(out, c->binding, strlen(c->binding));
	e = e ? e : pp_buf_appendf(out, ",\"grid_limit_kw\":%.3f,\"pending\":[",
				   pp_ctl_limit_at(c, now_ns));
	e = e ? e : sync_pending(c, json_object_get(root, "pending"), now_ns, out);
	e = e ? e : pp_buf_appendf(out, "],\"running\":[");
	json_array_foreach(json_object_get(root, "running"), i, v) {
		/* A job's cap: the lowest of its racks' (each rack has one). */
		double cap = INFINITY;
		size_t k;
		json_t *p;
		json_array_foreach(json_object_get(v, "placement"), k, p) {
			const struct crack *r = pp_ctl_rack(c, json_string_value(
							       json_object_get(p, "rack")));
			if (r)
				cap = fmin(cap, r->cap_w);
		}
		e = e ? e : pp_buf_appendf(out, "%s{\"id\":", i ? "," : "");
		const char *jid = json_string_value(json_object_get(v, "id"));
		e = e ? e : pp_json_quote(out, jid, strlen(jid));
		e = e ? e : isfinite(cap) ? pp_buf_appendf(out, ",\"cap_w\":%.1f}", cap)
					  : pp_buf_appendf(out, ",\"cap_w\":null}");
	}
	e = e ? e : pp_buf_appendf(out, "],\"ignored_racks\":[%.*s]}\n", (int)ignored.len,
				   ignored.data ? ignored.data : "");
	pthread_mutex_unlock(&c->mu);
	pp_buf_free(&ignored);
out:
	json_decref(root);
	return e;
}
