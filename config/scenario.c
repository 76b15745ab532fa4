/* scenario.c - the tables of the `scenario` section: what `powerpark run`
 * plays on the park the rest of the file describes (docs/run.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* "HH:MM" local time of the scenario's day, as hours; -1 if malformed. */
static double clock_h(const char *s)
{
	int h, m, n = 0;
	if (sscanf(s, "%d:%d%n", &h, &m, &n) != 2 || s[n] || h < 0 || h > 48 || m < 0 || m > 59)
		return -1;
	return h + m / 60.0;
}

/* A time key as hours: "HH:MM" text or a number of hours, into the double
 * at k's field. -1 and reported when malformed; k->def when absent. */
static int scen_hours(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	double *out = YFIELD(c, k);
	if (!v) {
		*out = k->def;
		return 0;
	}
	const char *t = yscalar(c->w, v);
	double h = t ? clock_h(t) : -1;
	if (h < 0 && t) {
		char *end;
		h = strtod(t, &end);
		if (*end || end == t || h < 0 || h > 8784)
			h = -1;
	}
	*out = h;
	if (h >= 0)
		return 0;
	yproblem(c->w, v, "'%s': expected a time of day like \"14:30\" or hours from the start, "
		 "got '%s'", k->name, t ? t : "(not a scalar)");
	return -1;
}

/* `until` is the end of the scenario unless given. */
static int fault_until(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	int r = scen_hours(c, k, v);
	const struct pp_scenario *s = c->up->obj;
	if (!v)
		((struct pp_scen_fault *)c->obj)->until_h = s->hours;
	return r;
}

static int fault_chiller(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	const struct pp_config *cfg = LD(c)->cfg;
	const char *name = ((const struct pp_scen_fault *)c->obj)->chiller;
	for (size_t p = 0; p < cfg->nplants; p++)
		for (size_t e = 0; e < cfg->plants[p].nequip; e++)
			if (cfg->plants[p].equip[e].kind == PP_EQ_CHILLER &&
			    cfg->plants[p].equip[e].name && !strcmp(cfg->plants[p].equip[e].name, name))
				return 0;
	yproblem(c->w, v, "fault: no chiller named '%s' in any plant", name);
	return 0;
}

static int fault_order(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_scen_fault *f = c->obj;
	if (f->at_h >= 0 && f->until_h >= 0 && f->until_h <= f->at_h)
		yproblem(c->w, yget(c->map, "until"), "fault: 'until' must be after 'at'");
	return 0;
}

static const struct ykey fault_keys[] = {
	{"chiller", YT_STR, YF_REQ, YAT(struct pp_scen_fault, chiller), .set = fault_chiller,
	 .doc = "the chiller that trips (of any plant)"},
	{"at", YT_CUSTOM, YF_REQ | YF_ABSENT, YAT(struct pp_scen_fault, at_h), .set = scen_hours,
	 .tdoc = "\"HH:MM\" or hours", .doc = "when it trips"},
	{"until", YT_CUSTOM, YF_ABSENT, YAT(struct pp_scen_fault, until_h), .set = fault_until,
	 .tdoc = "\"HH:MM\" or hours", .ddoc = "the scenario's end", .doc = "when it is back"},
	{"", YT_CHECK, .set = fault_order},
};

static const struct yobj fault_obj = {
	.what = "scenario fault", .title = "scenario.faults[]",
	.doc = "An equipment fault: a chiller trips and comes back.", YKEYS(fault_keys),
	.size = sizeof(struct pp_scen_fault), YPOS(struct pp_scen_fault, pos),
};

/* `start` is when the signal arrives unless given (no warning). */
static int signal_start(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	if (!v) {
		*(double *)YFIELD(c, k) = -1;
		return 0;
	}
	return scen_hours(c, k, v);
}

static int signal_check(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	struct pp_scen_signal *g = c->obj;
	if (g->start_h < 0)
		g->start_h = g->at_h;
	if (g->at_h >= 0 && g->start_h < g->at_h)
		yproblem(c->w, yget(c->map, "start"), "signal: 'start' must not be before 'at' "
			 "(the window starts once the signal arrives or later)");
	if (g->end_h >= 0 && g->end_h <= g->start_h)
		yproblem(c->w, yget(c->map, "end"), "signal: 'end' must be after 'start'");
	int has_cut = g->cut > 0, has_limit = g->limit_kw > 0;
	if (has_cut == has_limit)
		yproblem(c->w, c->map, "signal: give exactly one of 'cut' (a share of the site's draw "
			 "when it arrives) and 'limit_kw'");
	return 0;
}

static const struct ykey signal_keys[] = {
	{"at", YT_CUSTOM, YF_REQ | YF_ABSENT, YAT(struct pp_scen_signal, at_h), .set = scen_hours,
	 .tdoc = "\"HH:MM\" or hours", .doc = "when the signal arrives"},
	{"start", YT_CUSTOM, YF_ABSENT, YAT(struct pp_scen_signal, start_h), .set = signal_start,
	 .tdoc = "\"HH:MM\" or hours", .ddoc = "at: no warning", .doc = "when its window starts"},
	{"end", YT_CUSTOM, YF_REQ | YF_ABSENT, YAT(struct pp_scen_signal, end_h), .set = scen_hours,
	 .tdoc = "\"HH:MM\" or hours", .doc = "when its window ends"},
	{"cut", YT_NUM, 0, YAT(struct pp_scen_signal, cut), .lo = 0, .hi = 0.9,
	 .doc = "the share of the site's draw when it arrives to shed (0.25: -25 %)"},
	{"limit_kw", YT_NUM, YF_OPEN, YAT(struct pp_scen_signal, limit_kw), .lo = 0, .hi = 1e7,
	 .doc = "or the grid limit in the window"},
	{"response_s", YT_NUM, YF_DEF, YAT(struct pp_scen_signal, response_s), .lo = 0, .hi = 3600,
	 .def = 30, .doc = "how long the site has from the start to get under it"},
	{"", YT_CHECK, .set = signal_check},
};

static const struct yobj signal_obj = {
	.what = "scenario signal", .title = "scenario.signals[]",
	.doc = "A grid signal (demand response) that arrives during the day.", YKEYS(signal_keys),
	.size = sizeof(struct pp_scen_signal), YPOS(struct pp_scen_signal, pos),
};

/* A `jobs` entry as read: with count > 1 it stands for count jobs arriving
 * every every_h hours. */
struct scen_job {
	struct pp_scen_job j;
	long count;
	double every_h;
};

static int job_class(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct pp_scen_job *j = c->obj;
	const char *cls = NULL;
	if (ystr(c->w, v, k->name, &cls))
		return -1;
	if ((j->cls = pp_config_job_class(cls)) < 0)
		yproblem(c->w, v, "job class: expected training, inference or batch, got '%s'", cls);
	return 0;
}

static int job_hall(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	const struct pp_config *cfg = LD(c)->cfg;
	const struct pp_scen_job *j = c->obj;
	for (size_t h = 0; h < cfg->nhalls; h++)
		if (cfg->halls[h].name && !strcmp(cfg->halls[h].name, j->hall))
			return 0;
	yproblem(c->w, v, "job %s: no hall named '%s'", j->name ? j->name : "?", j->hall);
	return 0;
}

/* Demand: the fraction of the GPU's maximum the work wants, one number
 * (flat) or [night, peak] (inference follows people); by class if absent. */
static int job_demand(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	static const double def[][2] = {{0.96, 0.96}, {0.40, 0.92}, {0.90, 0.90}};
	struct pp_scen_job *j = c->obj;
	j->demand_lo = def[j->cls >= 0 ? j->cls : 0][0];
	j->demand_hi = def[j->cls >= 0 ? j->cls : 0][1];
	if (!v)
		return 0;
	int ok = 1;
	if (fy_node_is_sequence(v) && fy_node_sequence_item_count(v) == 2) {
		const char *a = yscalar(c->w, fy_node_sequence_get_by_index(v, 0));
		const char *b = yscalar(c->w, fy_node_sequence_get_by_index(v, 1));
		j->demand_lo = a ? strtod(a, NULL) : -1;
		j->demand_hi = b ? strtod(b, NULL) : -1;
	} else if (fy_node_is_scalar(v)) {
		j->demand_lo = j->demand_hi = strtod(yscalar(c->w, v), NULL);
	} else {
		ok = 0;
	}
	if (ok && j->demand_lo > 0 && j->demand_lo <= j->demand_hi && j->demand_hi <= 1)
		return 0;
	yproblem(c->w, v, "job %s: 'demand': expected a fraction in (0, 1] or [low, high] with low "
		 "<= high", j->name ? j->name : "?");
	return -1;
}

static const struct ykey job_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct scen_job, j.name),
	 .doc = "the job's name (with `count`: NAME-1, NAME-2, ...)"},
	{"class", YT_CUSTOM, YF_REQ, .set = job_class, .tdoc = "`training`, `inference` or `batch`",
	 .doc = "its kind of work"},
	{"weight", YT_NUM, YF_OPEN | YF_DEF, YAT(struct scen_job, j.weight), .hi = 1e6, .def = 1,
	 .doc = "its priority in the optimizer's objective"},
	{"hall", YT_STR, 0, YAT(struct scen_job, j.hall), .set = job_hall,
	 .doc = "where it runs; absent: any hall with free racks"},
	{"racks", YT_INT, YF_REQ | YF_DEF, YAT(struct scen_job, j.racks), .lo = 1, .hi = 100000,
	 .def = 1, .doc = "whole racks it takes"},
	{"count", YT_INT, YF_DEF, YAT(struct scen_job, count), .lo = 1, .hi = 100000, .def = 1,
	 .doc = "jobs this entry stands for"},
	{"deferrable", YT_BOOL, 0, YAT(struct scen_job, j.deferrable),
	 .doc = "the scheduler may hold it until powerpark says it fits"},
	{"arrive", YT_CUSTOM, YF_ABSENT, YAT(struct scen_job, j.arrive_h), .set = scen_hours,
	 .tdoc = "\"HH:MM\" or hours", .ddoc = "0 (running at the start)",
	 .doc = "when it arrives, after the scenario's start"},
	{"run_h", YT_NUM, 0, YAT(struct scen_job, j.run_h), .hi = 8784,
	 .ddoc = "0 (all day)", .doc = "hours of work at full speed"},
	{"every_h", YT_NUM, YF_OPEN | YF_DEF, YAT(struct scen_job, every_h), .hi = 8784, .def = 1,
	 .doc = "with `count`: hours between arrivals"},
	{"demand", YT_CUSTOM, YF_ABSENT, .set = job_demand,
	 .tdoc = "fraction in (0, 1], or [low, high]",
	 .ddoc = "by class: training 0.96, inference [0.40, 0.92], batch 0.90",
	 .doc = "the fraction of the GPU's maximum it wants; a pair: night and peak"},
};

static const struct yobj job_obj = {
	.what = "scenario job", .title = "scenario.jobs[]", .doc = "A job of the scenario.",
	YKEYS(job_keys), .size = sizeof(struct scen_job), YPOS(struct scen_job, j.pos),
};

/* "NAME-k", pooled, for any length of NAME (a fixed buffer would cut it,
 * and copying snprintf's untruncated length read past it). */
static const char *job_name(struct ywalk *w, const char *name, long k)
{
	if (!name)
		name = "job";
	int len = snprintf(NULL, 0, "%s-%ld", name, k);
	if (len < 0)
		abort();
	char *s = yalloc(w, (size_t)len + 1);
	snprintf(s, (size_t)len + 1, "%s-%ld", name, k);
	return s;
}

/* The jobs, read once each and expanded: one entry per job. */
static int scen_jobs(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct ywalk *w = c->w;
	struct pp_scenario *s = c->obj;
	if (!yis(w, v, k->name, FYNT_SEQUENCE))
		return -1;
	size_t n = (size_t)fy_node_sequence_item_count(v), total = 0;
	struct scen_job *in = yalloc(w, (n + 1) * sizeof *in);
	n = yread_items(c, k, v, in, n);
	for (size_t i = 0; i < n; i++) {
		if (in[i].j.cls < 0)
			in[i].j.cls = 0;
		total += (size_t)in[i].count;
	}
	s->jobs = yalloc(w, (total + 1) * sizeof *s->jobs);
	for (size_t i = 0; i < n; i++)
		for (long r = 0; r < in[i].count; r++) {
			struct pp_scen_job *o = &s->jobs[s->njobs++];
			*o = in[i].j;
			o->arrive_h = in[i].j.arrive_h + (double)r * in[i].every_h;
			if (in[i].count > 1)
				o->name = job_name(w, in[i].j.name, r + 1);
		}
	return 0;
}

static const double weather_lo[] = {-60, -70, 50000}, weather_hi[] = {60, 40, 110000};

/* One hourly reading: [dry bulb C, dew point C, pressure Pa]. */
static void weather_hour(struct ywalk *w, struct fy_node *row, size_t i, double *x)
{
	if (!fy_node_is_sequence(row) || fy_node_sequence_item_count(row) != 3) {
		yproblem(w, row, "weather hour %zu: expected [dry bulb C, dew point C, pressure Pa]",
			 i + 1);
		return;
	}
	for (int k = 0; k < 3; k++) {
		struct fy_node *v = fy_node_sequence_get_by_index(row, k);
		const char *t = yscalar(w, v);
		char *end = NULL;
		x[k] = t ? strtod(t, &end) : 0;
		if (!t || *end || end == t || x[k] < weather_lo[k] || x[k] > weather_hi[k])
			yproblem(w, v, "weather hour %zu: expected a number from %g to %g", i + 1,
				 weather_lo[k], weather_hi[k]);
	}
	if (x[1] > x[0])
		yproblem(w, row, "weather hour %zu: the dew point is above the dry bulb", i + 1);
}

static int scen_hourly(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct pp_scenario *s = c->obj;
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	s->nweather = (size_t)fy_node_sequence_item_count(v);
	s->weather = yalloc(c->w, (s->nweather + 1) * sizeof *s->weather);
	void *it = NULL;
	struct fy_node *row;
	for (size_t i = 0; (row = fy_node_sequence_iterate(v, &it)); i++)
		weather_hour(c->w, row, i, s->weather[i]);
	if (s->nweather < 24)
		yproblem(c->w, v, "weather: expected at least 24 hourly readings, got %zu",
			 s->nweather);
	return 0;
}

static const struct ykey weather_keys[] = {
	{"source", YT_STR, YF_REQ, YAT(struct pp_scenario, weather_source),
	 .doc = "where the readings come from"},
	{"hourly", YT_CUSTOM, YF_REQ, .set = scen_hourly,
	 .tdoc = "list of [dry bulb C, dew point C, pressure Pa], 24 or more",
	 .doc = "the readings, hour-ending"},
};

static const struct yobj weather_obj = {
	.what = "scenario weather", .title = "scenario.weather",
	.doc = "The weather of the scenario, hour by hour.", YKEYS(weather_keys),
};

static const struct ykey scenario_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_scenario, name), .doc = "the scenario's name"},
	{"description", YT_STR, 0, YAT(struct pp_scenario, description), .doc = "what it shows"},
	{"start", YT_TIME, YF_REQ, YAT(struct pp_scenario, start_s), .eg = "2026-07-29T15:00:00Z",
	 .doc = "the UTC time of hour 0"},
	{"utc_offset_h", YT_NUM, 0, YAT(struct pp_scenario, utc_offset_h), .lo = -14, .hi = 14,
	 .doc = "local time = UTC + this, for the clock shown"},
	{"hours", YT_NUM, YF_OPEN | YF_DEF, YAT(struct pp_scenario, hours), .hi = 8784, .def = 24,
	 .doc = "the length of the day played"},
	{"step_s", YT_INT, YF_DEF, YAT(struct pp_scenario, step_s), .lo = 1, .hi = 3600, .def = 10,
	 .doc = "the control period, simulated seconds"},
	{"weather", YT_OBJ, YF_REQ, .off = 1, .sub = &weather_obj, .doc = "the weather"},
	{"jobs", YT_CUSTOM, YF_REQ | YF_SKIPBAD, .sub = &job_obj, .set = scen_jobs,
	 .tdoc = "list of `scenario.jobs[]`", .doc = "the jobs"},
	{"faults", YT_LIST, YF_SKIPBAD, YAT(struct pp_scenario, faults),
	 YCNT(struct pp_scenario, nfaults), .sub = &fault_obj, .doc = "equipment faults"},
	{"signals", YT_LIST, YF_SKIPBAD, YAT(struct pp_scenario, signals),
	 YCNT(struct pp_scenario, nsignals), .sub = &signal_obj,
	 .doc = "grid signals (demand response) that arrive during the day"},
};

const struct yobj config_scenario_obj = {
	.what = "scenario", .title = "scenario", .doc = "What `powerpark run` plays (docs/run.md).",
	YKEYS(scenario_keys), .size = sizeof(struct pp_scenario), YPOS(struct pp_scenario, pos),
};
