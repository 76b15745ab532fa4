/* config_plan.c - loads a planner's plan (plan.h; docs/plan.md) with the
 * same file:line:column problems as a site configuration. */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "powerpark/config.h"
#include "powerpark/plan.h"
#include "ywalk.h"

struct ploader {
	struct ywalk w;
	struct pp_plan *p;
	const char *dir;
};

/* A name from a fixed list; -1 and reported (with a suggestion) if not. */
static int pick(struct ywalk *w, struct fy_node *n, const char *what, const char *const *names,
		size_t count)
{
	const char *s = yscalar(w, n);
	for (size_t i = 0; s && i < count; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	char dym[96], list[160] = "";
	for (size_t i = 0; i < count; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	yproblem(w, n, "%s: expected one of %s, got '%s'%s", what, list, s ? s : "(not a scalar)",
		 s ? ydym(dym, sizeof dym, s, names, count) : "");
	return -1;
}

static int pick_key(struct ywalk *w, struct fy_node *map, const char *key,
		    const char *const *names, size_t count, int def)
{
	struct fy_node *n = yget(map, key);
	if (!n)
		return def;
	char what[64];
	snprintf(what, sizeof what, "'%s'", key);
	int v = pick(w, n, what, names, count);
	return v < 0 ? def : v;
}

/* Megawatts under key as kW: a number, or "unlimited" (INFINITY) when
 * allow_inf. */
static void mw_key(struct ywalk *w, struct fy_node *map, const char *key, int allow_inf,
		   double *kw)
{
	struct fy_node *n = yget(map, key);
	const char *s = n ? yscalar(w, n) : NULL;
	if (allow_inf && s && !strcmp(s, "unlimited")) {
		*kw = INFINITY;
		return;
	}
	double mw = *kw / 1000;
	if (!ynum(w, map, key, 0, 1e6, 1, &mw))
		*kw = mw * 1000;
}

static double clock_key(struct ywalk *w, struct fy_node *map, const char *key, double def)
{
	struct fy_node *n = yget(map, key);
	if (!n)
		return def;
	const char *s = yscalar(w, n);
	int h, m, k = 0;
	if (s && sscanf(s, "%d:%d%n", &h, &m, &k) == 2 && !s[k] && h >= 0 && h <= 24 && m >= 0 &&
	    m < 60 && h * 60 + m <= 24 * 60)
		return h + m / 60.0;
	yproblem(w, n, "'%s': expected a local time like \"14:00\", got '%s'", key,
		 s ? s : "(not a scalar)");
	return def;
}

static void load_head(struct ploader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_plan *p = L->p;
	struct fy_node *m = ymap(w, root, "plan");
	static const char *const k[] = {"name", "description", "hours", "step_s", "runs",
					"seed", "loss_budget", "margin", "policies", NULL};
	static const char *const req[] = {"name", NULL};
	if (!m || ykeys(w, m, "plan", k, req))
		return;
	ystr(w, m, "name", &p->name);
	ystr(w, m, "description", &p->description);
	ynum(w, m, "hours", 1, 8760, 0, &p->hours);
	ynum(w, m, "step_s", 60, 3600, 0, &p->step_s);
	if (fmod(3600, p->step_s) != 0)
		yproblem(w, yget(m, "step_s"), "'step_s': expected a divisor of 3600 (60, 300, "
			 "900, 3600...), got %g", p->step_s);
	long v = p->runs;
	if (!yint(w, m, "runs", 1, 1000, &v))
		p->runs = (int)v;
	v = (long)p->seed;
	if (!yint(w, m, "seed", 0, 1L << 31, &v))
		p->seed = (unsigned long)v;
	ynum(w, m, "loss_budget", 0, 0.5, 0, &p->loss_budget);
	ynum(w, m, "margin", 0, 0.3, 0, &p->margin);
	struct fy_node *pol = yseq(w, m, "policies");
	if (pol) {
		p->policies = 0;
		void *it = NULL;
		struct fy_node *n;
		while ((n = fy_node_sequence_iterate(pol, &it))) {
			const char *names[PP_PLAN_POLICIES];
			for (int q = 0; q < PP_PLAN_POLICIES; q++)
				names[q] = pp_config_policy_name(q);
			int i = pick(w, n, "policy", names, PP_PLAN_POLICIES);
			if (i >= 0)
				p->policies |= 1u << i;
		}
		if (!p->policies)
			yproblem(w, pol, "'policies': expected at least one of static, "
				 "proportional, optimizer");
	}
}

static void load_fleet(struct ploader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_plan *p = L->p;
	struct fy_node *m = ymap(w, root, "fleet");
	static const char *const k[] = {"gpu", "gpus", "host_w", "search_step", NULL};
	static const char *const req[] = {"gpu", "gpus", NULL};
	if (!m || ykeys(w, m, "fleet", k, req))
		return;
	const char *g = NULL;
	if (!ystr(w, m, "gpu", &g) && g && !(p->gpu = pp_gpu_find(g))) {
		size_t n;
		const struct pp_gpu_model *all = pp_gpu_models(&n);
		const char *names[16];
		for (size_t i = 0; i < n && i < 16; i++)
			names[i] = all[i].name;
		pick(w, yget(m, "gpu"), "'gpu'", names, n < 16 ? n : 16);
	}
	long v = p->gpus;
	if (!yint(w, m, "gpus", 8, 10000000, &v))
		p->gpus = (int)v;
	v = p->search_step;
	if (!yint(w, m, "search_step", 1, 100000, &v))
		p->search_step = (int)v;
	ynum(w, m, "host_w", 0, 5000, 0, &p->host_w);
}

static const char *const class_names[] = {"training", "inference", "batch"};
static const char *const pattern_names[] = {"flat", "diurnal", "weekday"};

static void load_jobs(struct ploader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_plan *p = L->p;
	struct fy_node *m = ymap(w, root, "jobs");
	static const char *const k[] = {"utilization", "classes", NULL};
	if (!m || ykeys(w, m, "jobs", k, k))
		return;
	ynum(w, m, "utilization", 0, 1, 1, &p->utilization);
	struct fy_node *cs = yseq(w, m, "classes");
	if (!cs)
		return;
	static const char *const ck[] = {"class", "share", "weight", "demand", "deferrable",
					 "max_delay_h", "run_h", "gpus", "pattern", NULL};
	static const char *const creq[] = {"class", "share", NULL};
	void *it = NULL;
	struct fy_node *c;
	double total = 0;
	while ((c = fy_node_sequence_iterate(cs, &it))) {
		if (p->nclasses == PP_PLAN_MAX_CLASSES) {
			yproblem(w, c, "jobs: at most %d classes", PP_PLAN_MAX_CLASSES);
			break;
		}
		if (ykeys(w, c, "job class", ck, creq))
			continue;
		struct pp_plan_class *j = &p->classes[p->nclasses++];
		j->pos = ypos(w, c, (struct pp_pos){w->file, 1, 1});
		j->cls = (enum pp_job_class)pick_key(w, c, "class", class_names, 3, 0);
		/* Defaults by class: what a 2026 AI park runs. */
		static const double dem[] = {0.92, 0.70, 0.85}, wt[] = {3, 5, 1},
				    run[] = {96, 4, 6}, dly[] = {0, 0, 24};
		static const int gp[] = {2048, 64, 256};
		j->demand = dem[j->cls];
		j->weight = wt[j->cls];
		j->run_h = run[j->cls];
		j->max_delay_h = dly[j->cls];
		j->gpus = gp[j->cls];
		j->pattern = j->cls == PP_JOB_INFERENCE ? PP_PATTERN_DIURNAL : PP_PATTERN_FLAT;
		ynum(w, c, "share", 0, 1, 0, &j->share);
		ynum(w, c, "weight", 0, 1000, 1, &j->weight);
		ynum(w, c, "demand", 0.1, 1, 0, &j->demand);
		ynum(w, c, "deferrable", 0, 1, 0, &j->deferrable);
		ynum(w, c, "max_delay_h", 0, 720, 0, &j->max_delay_h);
		ynum(w, c, "run_h", 0.05, 8760, 0, &j->run_h);
		long g = j->gpus;
		if (!yint(w, c, "gpus", 1, 1000000, &g))
			j->gpus = (int)g;
		j->pattern = (enum pp_plan_pattern)pick_key(w, c, "pattern", pattern_names, 3,
							    (int)j->pattern);
		total += j->share;
	}
	if (p->nclasses && fabs(total - 1) > 1e-6)
		yproblem(w, cs, "jobs.classes: the shares add up to %g; expected 1", total);
	if (!p->nclasses)
		yproblem(w, cs, "jobs.classes: expected at least one class");
}

static const char *const cooling_names[] = {"air-chillers", "water-towers", "liquid-dry"};

static void load_hall(struct ploader *L, struct fy_node *h, struct pp_plan_hall *o)
{
	struct ywalk *w = &L->w;
	static const char *const k[] = {"cooling", "share", "count", "chiller", "chiller_kw",
					"reserve", "supply_c", NULL};
	static const char *const req[] = {"cooling", "share", NULL};
	if (ykeys(w, h, "hall", k, req))
		return;
	o->cooling = (enum pp_plant_design)pick_key(w, h, "cooling", cooling_names, 3, 0);
	o->count = 1;
	o->reserve = 1;
	o->chiller_kw = 3500;
	o->supply_c = o->cooling == PP_PLANT_LIQUID_DRY ? 32 : 18;
	ynum(w, h, "share", 0, 1, 1, &o->share);
	long v = o->count;
	if (!yint(w, h, "count", 1, 64, &v))
		o->count = (int)v;
	v = o->reserve;
	if (!yint(w, h, "reserve", 0, 8, &v))
		o->reserve = (int)v;
	ynum(w, h, "chiller_kw", 100, 20000, 0, &o->chiller_kw);
	ynum(w, h, "supply_c", 5, 45, 0, &o->supply_c);
	if (!ystr(w, h, "chiller", &o->chiller) && o->chiller) {
		struct pp_plant_model pm;
		if (pp_plant_init(&pm, o->cooling, o->chiller, 1, 1000, 0, 18, 24)) {
			int n;
			const struct pp_chiller_model *all = pp_chiller_models(&n);
			const char *names[8];
			for (int i = 0; i < n && i < 8; i++)
				names[i] = all[i].name;
			pick(w, yget(h, "chiller"), "'chiller'", names, (size_t)(n < 8 ? n : 8));
		}
	}
}

/* The list under key with its length capped at max (reported beyond). */
static struct fy_node *bounded_seq(struct ywalk *w, struct fy_node *root, const char *key,
				   size_t max, size_t *n)
{
	struct fy_node *seq = yseq(w, root, key);
	*n = seq ? (size_t)fy_node_sequence_item_count(seq) : 0;
	if (*n > max) {
		yproblem(w, seq, "%s: at most %zu", key, max);
		*n = max;
	}
	return seq;
}

/* Reports name when one of the first count names is the same. */
static void unique_name(struct ywalk *w, struct fy_node *map, const char *what, const char *name,
			const char *const *names, size_t stride, size_t count)
{
	for (size_t i = 0; name && i < count; i++) {
		const char *o = *(const char *const *)((const char *)names + i * stride);
		if (o && !strcmp(o, name))
			yproblem(w, yget(map, "name"), "%s '%s' is defined twice", what, name);
	}
}

static void load_designs(struct ploader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_plan *p = L->p;
	size_t n;
	struct fy_node *ds = bounded_seq(w, root, "designs", PP_PLAN_MAX_DESIGNS, &n);
	if (!ds)
		return;
	p->designs = yalloc(w, (n + 1) * sizeof *p->designs);
	static const char *const k[] = {"name", "oversize", "halls", NULL};
	static const char *const req[] = {"name", "halls", NULL};
	void *it = NULL;
	struct fy_node *d;
	while ((d = fy_node_sequence_iterate(ds, &it)) && p->ndesigns < n) {
		struct pp_plan_design *o = &p->designs[p->ndesigns];
		if (ykeys(w, d, "design", k, req))
			continue;
		p->ndesigns++;
		o->pos = ypos(w, d, (struct pp_pos){w->file, 1, 1});
		o->oversize = 1.1;
		ystr(w, d, "name", &o->name);
		unique_name(w, d, "design", o->name, &p->designs[0].name, sizeof *p->designs,
			    p->ndesigns - 1);
		ynum(w, d, "oversize", 0.5, 5, 0, &o->oversize);
		struct fy_node *hs = yseq(w, d, "halls");
		if (!hs)
			continue;
		size_t nh = (size_t)fy_node_sequence_item_count(hs);
		o->halls = yalloc(w, (nh + 1) * sizeof *o->halls);
		void *hi = NULL;
		struct fy_node *h;
		double share = 0;
		while ((h = fy_node_sequence_iterate(hs, &hi))) {
			load_hall(L, h, &o->halls[o->nhalls]);
			share += o->halls[o->nhalls++].share;
		}
		if (!nh || fabs(share - 1) > 1e-6)
			yproblem(w, hs, "design '%s': the halls' shares add up to %g; expected 1",
				 o->name ? o->name : "?", share);
	}
}

static const char *const day_names[] = {"all", "weekdays", "weekends"};

static void load_events(struct ploader *L, struct fy_node *grid, struct pp_plan_site *s)
{
	struct ywalk *w = &L->w;
	struct fy_node *es = yseq(w, grid, "events");
	if (!es)
		return;
	size_t n = (size_t)fy_node_sequence_item_count(es);
	s->events = yalloc(w, (n + 1) * sizeof *s->events);
	static const char *const k[] = {"name", "months", "days", "from", "to", "limit_mw", NULL};
	static const char *const req[] = {"limit_mw", NULL};
	void *it = NULL;
	struct fy_node *e;
	while ((e = fy_node_sequence_iterate(es, &it))) {
		if (ykeys(w, e, "grid event", k, req))
			continue;
		struct pp_plan_event *o = &s->events[s->nevents++];
		o->months = 0xfff;
		o->to_h = 24;
		ystr(w, e, "name", &o->name);
		struct fy_node *ms = yseq(w, e, "months");
		if (ms) {
			o->months = 0;
			void *mi = NULL;
			struct fy_node *mn;
			while ((mn = fy_node_sequence_iterate(ms, &mi))) {
				const char *t = yscalar(w, mn);
				char *end = NULL;
				long mo = t ? strtol(t, &end, 10) : 0;
				if (!t || *end || mo < 1 || mo > 12)
					yproblem(w, mn, "months: expected 1-12, got '%s'",
						 t ? t : "(not a scalar)");
				else
					o->months |= 1u << (mo - 1);
			}
		}
		o->days = pick_key(w, e, "days", day_names, 3, 0);
		o->from_h = clock_key(w, e, "from", 0);
		o->to_h = clock_key(w, e, "to", 24);
		if (o->to_h <= o->from_h)
			yproblem(w, yget(e, "to") ? yget(e, "to") : e,
				 "grid event: 'to' must be after 'from'");
		mw_key(w, e, "limit_mw", 1, &o->limit_kw);
	}
}

static unsigned design_bit(struct ploader *L, struct fy_node *n)
{
	const char *s = yscalar(&L->w, n);
	const char *names[PP_PLAN_MAX_DESIGNS];
	for (size_t d = 0; d < L->p->ndesigns; d++) {
		names[d] = L->p->designs[d].name ? L->p->designs[d].name : "";
		if (s && !strcmp(s, names[d]))
			return 1u << d;
	}
	pick(&L->w, n, "site design", names, L->p->ndesigns);
	return 0;
}

static void load_sites(struct ploader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_plan *p = L->p;
	size_t n;
	struct fy_node *ss = bounded_seq(w, root, "sites", PP_PLAN_MAX_SITES, &n);
	if (!ss)
		return;
	p->sites = yalloc(w, (n + 1) * sizeof *p->sites);
	static const char *const k[] = {"name", "weather", "grid", "designs", NULL};
	static const char *const req[] = {"name", "weather", "grid", NULL};
	static const char *const gk[] = {"limit_mw", "other_mw", "losses", "events", NULL};
	static const char *const greq[] = {"limit_mw", NULL};
	void *it = NULL;
	struct fy_node *sn;
	while ((sn = fy_node_sequence_iterate(ss, &it)) && p->nsites < n) {
		if (ykeys(w, sn, "site", k, req))
			continue;
		struct pp_plan_site *s = &p->sites[p->nsites++];
		s->pos = ypos(w, sn, (struct pp_pos){w->file, 1, 1});
		s->loss_frac = 0.03;
		s->designs = (1u << p->ndesigns) - 1;
		ystr(w, sn, "name", &s->name);
		unique_name(w, sn, "site", s->name, &p->sites[0].name, sizeof *p->sites,
			    p->nsites - 1);
		const char *wx = NULL;
		if (!ystr(w, sn, "weather", &wx) && wx) {
			s->weather_pos = ypos(w, yget(sn, "weather"), s->pos);
			if (wx[0] == '/') {
				s->weather = wx;
			} else {
				size_t len = strlen(L->dir) + strlen(wx) + 2;
				char *full = yalloc(w, len);
				snprintf(full, len, "%s/%s", L->dir, wx);
				s->weather = full;
			}
			if (access(s->weather, R_OK))
				yproblem(w, yget(sn, "weather"), "weather '%s': cannot read %s (an EPW "
					 "file, relative to the plan's folder)", wx, s->weather);
		}
		struct fy_node *g = ymap(w, sn, "grid");
		if (g && !ykeys(w, g, "site grid", gk, greq)) {
			mw_key(w, g, "limit_mw", 1, &s->limit_kw);
			mw_key(w, g, "other_mw", 0, &s->other_kw);
			ynum(w, g, "losses", 0, 0.3, 0, &s->loss_frac);
			load_events(L, g, s);
		}
		struct fy_node *ds = yseq(w, sn, "designs");
		if (ds) {
			s->designs = 0;
			void *di = NULL;
			struct fy_node *dn;
			while ((dn = fy_node_sequence_iterate(ds, &di)))
				s->designs |= design_bit(L, dn);
		}
	}
	if (!p->nsites)
		yproblem(w, ss, "sites: expected at least one site");
}

enum pp_err pp_plan_load(const char *path, struct pp_plan **out, struct pp_diags *diags)
{
	*out = NULL;
	struct pp_plan *p = calloc(1, sizeof *p);
	struct ypool *pool = calloc(1, sizeof *pool);
	if (!p || !pool) {
		free(p);
		free(pool);
		return PP_ERR_NOMEM;
	}
	p->priv_ = pool;
	struct ploader L = {.p = p};
	L.w.pool = pool;
	L.w.diags = diags;
	L.w.file = ystrdup(&L.w, path, strlen(path));
	p->file = L.w.file;
	char *tmp = ystrdup(&L.w, path, strlen(path));
	L.dir = dirname(tmp);
	p->hours = 8760;
	p->step_s = 3600;
	p->runs = 3;
	p->seed = 1;
	p->loss_budget = 0.02;
	p->margin = 0.02;
	p->policies = (1u << PP_PLAN_POLICIES) - 1;
	p->host_w = 550;
	p->search_step = 256;
	p->utilization = 0.85;
	struct fy_document *doc = yparse(&L.w, path, NULL, 0);
	if (doc) {
		struct fy_node *root = fy_document_root(doc);
		static const char *const k[] = {"plan", "fleet", "jobs", "designs", "sites", NULL};
		if (!root)
			yproblem_at(&L.w, (struct pp_pos){L.w.file, 1, 1},
				    "the file is empty; expected plan, fleet, jobs, designs, sites");
		else if (!ykeys(&L.w, root, "top level", k, k)) {
			load_head(&L, root);
			load_fleet(&L, root);
			load_jobs(&L, root);
			load_designs(&L, root);
			load_sites(&L, root);
		}
		fy_document_destroy(doc);
	}
	if (L.w.nproblems || !doc) {
		pp_plan_destroy(p);
		return PP_ERR_CONFIG;
	}
	*out = p;
	return PP_OK;
}

void pp_plan_destroy(struct pp_plan *p)
{
	if (!p)
		return;
	if (p->priv_) {
		ypool_free(p->priv_);
		free(p->priv_);
	}
	free(p);
}
