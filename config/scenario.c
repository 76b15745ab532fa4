/* config_scen.c - the `scenario` section: what `powerpark run` plays on the
 * park the rest of the file describes (docs/run.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "powerpark/config.h"
#include "powerpark/gpu.h"

/* "HH:MM" local time of the scenario's day, as hours; -1 if malformed. */
static double clock_h(const char *s)
{
	int h, m, n = 0;
	if (sscanf(s, "%d:%d%n", &h, &m, &n) != 2 || s[n] || h < 0 || h > 48 || m < 0 || m > 59)
		return -1;
	return h + m / 60.0;
}

/* A time key as hours: "HH:MM" text or a number of hours. -1 and reported
 * when malformed; def when absent. */
static double time_key(struct loader *L, struct fy_node *map, const char *key, double def)
{
	struct fy_node *n = yget(map, key);
	if (!n)
		return def;
	const char *t = yscalar(&L->w, n);
	double h = t ? clock_h(t) : -1;
	if (h < 0 && t) {
		char *end;
		h = strtod(t, &end);
		if (*end || end == t || h < 0 || h > 8784)
			h = -1;
	}
	if (h < 0)
		yproblem(&L->w, n, "'%s': expected a time of day like \"14:30\" or hours from the "
			 "start, got '%s'", key, t ? t : "(not a scalar)");
	return h;
}

static int hall_exists(const struct pp_config *cfg, const char *name)
{
	for (size_t h = 0; h < cfg->nhalls; h++)
		if (!strcmp(cfg->halls[h].name, name))
			return 1;
	return 0;
}

static int chiller_exists(const struct pp_config *cfg, const char *name)
{
	for (size_t p = 0; p < cfg->nplants; p++)
		for (size_t e = 0; e < cfg->plants[p].nequip; e++)
			if (cfg->plants[p].equip[e].kind == PP_EQ_CHILLER &&
			    !strcmp(cfg->plants[p].equip[e].name, name))
				return 1;
	return 0;
}

static void load_weather(struct loader *L, struct fy_node *sc, struct pp_scenario *s)
{
	struct ywalk *w = &L->w;
	struct fy_node *wx = ymap(w, sc, "weather");
	static const char *const k[] = {"source", "hourly", NULL};
	if (!wx || ykeys(w, wx, "scenario weather", k, k))
		return;
	ystr(w, wx, "source", &s->weather_source);
	struct fy_node *hr = yseq(w, wx, "hourly");
	if (!hr)
		return;
	s->nweather = (size_t)fy_node_sequence_item_count(hr);
	s->weather = yalloc(w, (s->nweather + 1) * sizeof *s->weather);
	static const double lo[] = {-60, -70, 50000}, hi[] = {60, 40, 110000};
	void *it = NULL;
	struct fy_node *row;
	size_t i = 0;
	while ((row = fy_node_sequence_iterate(hr, &it))) {
		if (!fy_node_is_sequence(row) || fy_node_sequence_item_count(row) != 3) {
			yproblem(w, row, "weather hour %zu: expected [dry bulb C, dew point C, "
				 "pressure Pa]", i + 1);
			i++;
			continue;
		}
		for (int c = 0; c < 3; c++) {
			struct fy_node *v = fy_node_sequence_get_by_index(row, c);
			const char *t = yscalar(w, v);
			char *end = NULL;
			double x = t ? strtod(t, &end) : 0;
			if (!t || *end || end == t || x < lo[c] || x > hi[c])
				yproblem(w, v, "weather hour %zu: expected a number from %g to %g", i + 1,
					 lo[c], hi[c]);
			s->weather[i][c] = x;
		}
		if (s->weather[i][1] > s->weather[i][0])
			yproblem(w, row, "weather hour %zu: the dew point is above the dry bulb", i + 1);
		i++;
	}
	if (s->nweather < 24)
		yproblem(w, hr, "weather: expected at least 24 hourly readings, got %zu", s->nweather);
}

/* One `jobs` entry; with count > 1 it stands for count jobs arriving every
 * every_h hours. Returns how many it expanded to (written to out when set). */
static size_t load_job(struct loader *L, struct fy_node *n, struct pp_scen_job *out)
{
	struct ywalk *w = &L->w;
	static const char *const k[] = {"name", "class", "weight", "hall", "racks", "demand",
					 "deferrable", "arrive", "run_h", "count", "every_h", NULL};
	static const char *const req[] = {"name", "class", "racks", NULL};
	if (ykeys(w, n, "scenario job", k, req))
		return 0;
	struct pp_scen_job j = {.weight = 1, .pos = P(L, n)};
	const char *cls = NULL;
	ystr(w, n, "name", &j.name);
	if (!ystr(w, n, "class", &cls) && cls && (j.cls = pp_config_job_class(cls)) < 0)
		yproblem(w, yget(n, "class"), "job class: expected training, inference or batch, "
			 "got '%s'", cls);
	ynum(w, n, "weight", 0, 1e6, 1, &j.weight);
	if (!ystr(w, n, "hall", &j.hall) && j.hall && !hall_exists(L->cfg, j.hall))
		yproblem(w, yget(n, "hall"), "job %s: no hall named '%s'", j.name ? j.name : "?",
			 j.hall);
	long racks = 1, count = 1;
	yint(w, n, "racks", 1, 100000, &racks);
	yint(w, n, "count", 1, 100000, &count);
	j.racks = (int)racks;
	ybool(w, n, "deferrable", &j.deferrable);
	j.arrive_h = time_key(L, n, "arrive", 0);
	ynum(w, n, "run_h", 0, 8784, 0, &j.run_h);
	double every = 1;
	ynum(w, n, "every_h", 0, 8784, 1, &every);
	/* Demand: the fraction of the GPU's maximum the work wants, one
	 * number (flat) or [night, peak] (inference follows people). */
	static const double def[][2] = {{0.96, 0.96}, {0.40, 0.92}, {0.90, 0.90}};
	j.demand_lo = def[j.cls >= 0 ? j.cls : 0][0];
	j.demand_hi = def[j.cls >= 0 ? j.cls : 0][1];
	struct fy_node *d = yget(n, "demand");
	if (d) {
		int ok = 1;
		if (fy_node_is_sequence(d) && fy_node_sequence_item_count(d) == 2) {
			const char *a = yscalar(w, fy_node_sequence_get_by_index(d, 0));
			const char *b = yscalar(w, fy_node_sequence_get_by_index(d, 1));
			j.demand_lo = a ? strtod(a, NULL) : -1;
			j.demand_hi = b ? strtod(b, NULL) : -1;
		} else if (fy_node_is_scalar(d)) {
			j.demand_lo = j.demand_hi = strtod(yscalar(w, d), NULL);
		} else {
			ok = 0;
		}
		if (!ok || !(j.demand_lo > 0 && j.demand_lo <= j.demand_hi && j.demand_hi <= 1))
			yproblem(w, d, "job %s: 'demand': expected a fraction in (0, 1] or [low, high] "
				 "with low <= high", j.name ? j.name : "?");
	}
	if (j.cls < 0)
		j.cls = 0;
	for (long i = 0; out && i < count; i++) {
		out[i] = j;
		out[i].arrive_h = j.arrive_h + (double)i * every;
		if (count > 1) {
			char buf[96];
			int len = snprintf(buf, sizeof buf, "%s-%ld", j.name ? j.name : "job", i + 1);
			out[i].name = ystrdup(w, buf, (size_t)len);
		}
	}
	return (size_t)count;
}

void config_load_scenario(struct loader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct fy_node *sc = yget(root, "scenario");
	if (!sc)
		return;
	static const char *const k[] = {"name", "description", "start", "utc_offset_h", "hours",
					 "step_s", "weather", "jobs", "faults", NULL};
	static const char *const req[] = {"name", "start", "weather", "jobs", NULL};
	if (ykeys(w, sc, "scenario", k, req))
		return;
	struct pp_scenario *s = yalloc(w, sizeof *s);
	L->cfg->scenario = s;
	s->pos = P(L, sc);
	s->hours = 24;
	s->step_s = 10;
	ystr(w, sc, "name", &s->name);
	ystr(w, sc, "description", &s->description);
	const char *t = NULL;
	if (!ystr(w, sc, "start", &t) && t && yparse_time(t, &s->start_s))
		yproblem(w, yget(sc, "start"), "'start': expected a UTC time like "
			 "2026-07-29T15:00:00Z, got '%s'", t);
	ynum(w, sc, "utc_offset_h", -14, 14, 0, &s->utc_offset_h);
	ynum(w, sc, "hours", 0, 8784, 1, &s->hours);
	long step = s->step_s;
	yint(w, sc, "step_s", 1, 3600, &step);
	s->step_s = (int)step;
	load_weather(L, sc, s);
	struct fy_node *jobs = yseq(w, sc, "jobs");
	if (jobs) {
		void *it = NULL;
		struct fy_node *n;
		size_t total = 0;
		while ((n = fy_node_sequence_iterate(jobs, &it)))
			total += load_job(L, n, NULL);
		s->jobs = yalloc(w, (total + 1) * sizeof *s->jobs);
		it = NULL;
		while ((n = fy_node_sequence_iterate(jobs, &it)))
			s->njobs += load_job(L, n, s->jobs + s->njobs);
	}
	struct fy_node *fl = yseq(w, sc, "faults");
	if (fl) {
		s->faults = yalloc(w, ((size_t)fy_node_sequence_item_count(fl) + 1) * sizeof *s->faults);
		void *it = NULL;
		struct fy_node *n;
		static const char *const fk[] = {"chiller", "at", "until", NULL};
		static const char *const fr[] = {"chiller", "at", NULL};
		while ((n = fy_node_sequence_iterate(fl, &it))) {
			if (ykeys(w, n, "scenario fault", fk, fr))
				continue;
			struct pp_scen_fault *f = &s->faults[s->nfaults++];
			f->pos = P(L, n);
			ystr(w, n, "chiller", &f->chiller);
			if (f->chiller && !chiller_exists(L->cfg, f->chiller))
				yproblem(w, yget(n, "chiller"), "fault: no chiller named '%s' in any plant",
					 f->chiller);
			f->at_h = time_key(L, n, "at", 0);
			f->until_h = time_key(L, n, "until", s->hours);
			if (f->at_h >= 0 && f->until_h >= 0 && f->until_h <= f->at_h)
				yproblem(w, yget(n, "until"), "fault: 'until' must be after 'at'");
		}
	}
}
