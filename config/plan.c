/* plan.c - the tables of a planner's plan (plan.h; docs/plan.md), read
 * with the same file:line:column problems as a site configuration. The
 * GPU model, plant designs and chiller models stay names here, with their
 * positions: the model catalog (catalog.h) resolves them. */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "powerpark/config.h"
#include "powerpark/plan.h"

/* A time of day "HH:MM" (up to "24:00") as hours, into the double at k's
 * field; k->def when absent or malformed (reported). */
static int plan_clock(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	double *out = YFIELD(c, k);
	*out = k->def;
	if (!v)
		return 0;
	const char *s = yscalar(c->w, v);
	int h, m, n = 0;
	if (s && sscanf(s, "%d:%d%n", &h, &m, &n) == 2 && !s[n] && h >= 0 && h <= 24 && m >= 0 &&
	    m < 60 && h * 60 + m <= 24 * 60) {
		*out = h + m / 60.0;
		return 0;
	}
	yproblem(c->w, v, "'%s': expected a local time like \"14:00\", got '%s'", k->name,
		 s ? s : "(not a scalar)");
	return -1;
}

/* The name under "name" is not one of the first count of its list. */
static void unique_name(struct yctx *c, const char *what, const char *name, const void *first,
			size_t stride, size_t count)
{
	for (size_t i = 0; name && i < count; i++) {
		const char *o = *(const char *const *)((const char *)first + i * stride);
		if (o && !strcmp(o, name))
			yproblem(c->w, yget(c->map, "name"), "%s '%s' is defined twice", what, name);
	}
}

static int design_name(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_plan *p = c->up->obj;
	const struct pp_plan_design *d = c->obj;
	unique_name(c, "design", d->name, &p->designs[0].name, sizeof *d,
		    (size_t)(d - p->designs));
	return 0;
}

static int site_name(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_plan *p = c->up->obj;
	const struct pp_plan_site *s = c->obj;
	unique_name(c, "site", s->name, &p->sites[0].name, sizeof *s, (size_t)(s - p->sites));
	return 0;
}

static int step_divides(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	const struct pp_plan *p = c->obj;
	if (fmod(3600, p->step_s) != 0)
		yproblem(c->w, v, "'step_s': expected a divisor of 3600 (60, 300, 900, 3600...), got "
			 "%g", p->step_s);
	return 0;
}

static int plan_policies(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct pp_plan *p = c->obj;
	p->policies = (1u << PP_PLAN_POLICIES) - 1;
	if (!v)
		return 0;
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	const char *names[PP_PLAN_POLICIES];
	for (int q = 0; q < PP_PLAN_POLICIES; q++)
		names[q] = pp_config_policy_name(q);
	p->policies = 0;
	void *it = NULL;
	struct fy_node *n;
	while ((n = fy_node_sequence_iterate(v, &it))) {
		const char *s = yscalar(c->w, n);
		int i = 0;
		while (i < PP_PLAN_POLICIES && !(s && !strcmp(s, names[i])))
			i++;
		if (i < PP_PLAN_POLICIES)
			p->policies |= 1u << i;
		else
			ypick_problem(c->w, n, "policy", names, PP_PLAN_POLICIES);
	}
	if (!p->policies)
		yproblem(c->w, v, "'policies': expected at least one of static, proportional, "
			 "optimizer");
	return 0;
}

/* loss_measure's names, in the order of enum pp_plan_measure. */
static const char *const measure_names[] = {"value", "gpu_hours", NULL};

static const struct ykey head_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_plan, name), .doc = "the plan's name"},
	{"description", YT_STR, 0, YAT(struct pp_plan, description), .doc = "what it asks"},
	{"hours", YT_NUM, YF_DEF, YAT(struct pp_plan, hours), .lo = 1, .hi = 8760, .def = 8760,
	 .doc = "hours of the year simulated (`plan --hours` overrides it)"},
	{"step_s", YT_NUM, YF_DEF, YAT(struct pp_plan, step_s), .lo = 60, .hi = 3600, .def = 3600,
	 .set = step_divides, .doc = "the simulation step, s: a divisor of 3600 (`plan --step`)"},
	{"runs", YT_INT, YF_DEF, YAT(struct pp_plan, runs), .lo = 1, .hi = 1000, .def = 3,
	 .doc = "job-arrival seeds per site x design x policy (`plan --runs`)"},
	{"seed", YT_INT, YF_DEF, YAT(struct pp_plan, seed), .hi = 2147483648.0, .def = 1,
	 .doc = "the first seed (`plan --seed`)"},
	{"loss_budget", YT_NUM, YF_DEF, YAT(struct pp_plan, loss_budget), .hi = 0.5, .def = 0.02,
	 .doc = "the share of wanted work a fleet may lose to power and cooling limits "
		 "(`plan --loss`)"},
	{"loss_measure", YT_ENUM, YF_DEF, YAT(struct pp_plan, loss_measure), .def = 0,
	 .vals = measure_names,
	 .doc = "what loss is counted in: `value` (priority-weighted) or `gpu_hours`"},
	{"margin", YT_NUM, YF_DEF, YAT(struct pp_plan, margin), .hi = 0.3, .def = 0.02,
	 .doc = "the fraction of every limit held back"},
	{"policies", YT_CUSTOM, YF_ABSENT, .set = plan_policies,
	 .tdoc = "list of `static`, `proportional`, `optimizer`", .ddoc = "all three",
	 .doc = "the policies compared"},
};

static const struct yobj head_obj = {
	.what = "plan", .title = "plan", .doc = "What the plan is and how it is run.",
	YKEYS(head_keys),
};

static const struct ykey fleet_keys[] = {
	{"gpu", YT_STR, YF_REQ, YAT(struct pp_plan, gpu_name), YPOS(struct pp_plan, gpu_pos),
	 .doc = "the GPU model, one of models/ (docs/models.md)"},
	{"gpus", YT_INT, YF_REQ, YAT(struct pp_plan, gpus), .lo = 8, .hi = 10000000,
	 .doc = "the fleet's size"},
	{"search_step", YT_INT, YF_DEF, YAT(struct pp_plan, search_step), .lo = 1, .hi = 100000,
	 .def = 256, .doc = "the granularity of the search for the largest fleet"},
	{"host_w", YT_NUM, YF_DEF, YAT(struct pp_plan, host_w), .hi = 5000, .def = 550,
	 .doc = "per GPU: the CPUs, memory, network and fans of its server, W"},
};

static const struct yobj fleet_obj = {
	.what = "fleet", .title = "fleet", .doc = "The GPU fleet.", YKEYS(fleet_keys),
};

static const char *const class_names[] = {"training", "inference", "batch", NULL};
static const char *const pattern_names[] = {"flat", "diurnal", "weekday", NULL};

/* What a 2026 AI park runs: the defaults of a class's other keys. */
static int class_defaults(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	static const double dem[] = {0.92, 0.70, 0.85}, wt[] = {3, 5, 1}, run[] = {96, 4, 6},
			    dly[] = {0, 0, 24};
	static const int gp[] = {2048, 64, 256};
	struct pp_plan_class *j = c->obj;
	j->demand = dem[j->cls];
	j->weight = wt[j->cls];
	j->run_h = run[j->cls];
	j->max_delay_h = dly[j->cls];
	j->gpus = gp[j->cls];
	j->pattern = j->cls == PP_JOB_INFERENCE ? PP_PATTERN_DIURNAL : PP_PATTERN_FLAT;
	return 0;
}

static const struct ykey class_keys[] = {
	{"class", YT_PICK, YF_REQ | YF_DEF | YF_ANYWAY, YAT(struct pp_plan_class, cls),
	 .vals = class_names, .set = class_defaults, .doc = "the kind of work"},
	{"share", YT_NUM, YF_REQ, YAT(struct pp_plan_class, share), .hi = 1,
	 .doc = "its share of the offered GPU-hours (the shares add up to 1)"},
	{"weight", YT_NUM, YF_OPEN, YAT(struct pp_plan_class, weight), .hi = 1000,
	 .ddoc = "training 3, inference 5, batch 1", .doc = "its priority"},
	{"demand", YT_NUM, 0, YAT(struct pp_plan_class, demand), .lo = 0.1, .hi = 1,
	 .ddoc = "training 0.92, inference 0.70, batch 0.85",
	 .doc = "a GPU's draw at full speed, a fraction of its maximum cap"},
	{"deferrable", YT_NUM, 0, YAT(struct pp_plan_class, deferrable), .hi = 1,
	 .doc = "the fraction of its jobs that may wait for power"},
	{"max_delay_h", YT_NUM, 0, YAT(struct pp_plan_class, max_delay_h), .hi = 720,
	 .ddoc = "training 0, inference 0, batch 24", .doc = "how long such a job may wait"},
	{"run_h", YT_NUM, 0, YAT(struct pp_plan_class, run_h), .lo = 0.05, .hi = 8760,
	 .ddoc = "training 96, inference 4, batch 6", .doc = "its mean run time at full speed"},
	{"gpus", YT_INT, 0, YAT(struct pp_plan_class, gpus), .lo = 1, .hi = 1000000,
	 .ddoc = "training 2048, inference 64, batch 256", .doc = "GPUs per job"},
	{"pattern", YT_PICK, 0, YAT(struct pp_plan_class, pattern), .vals = pattern_names,
	 .ddoc = "diurnal for inference, else flat", .doc = "how arrivals vary over the week"},
};

static const struct yobj class_obj = {
	.what = "job class", .title = "jobs.classes[]", .doc = "A class of the job mix.",
	YKEYS(class_keys), .size = sizeof(struct pp_plan_class), YPOS(struct pp_plan_class, pos),
};

/* The sum of n shares, the first at first and stride bytes apart, of the
 * list under key in c (*seq); -1 when that is not a list (reported). */
static double share_sum(struct yctx *c, const char *key, const double *first, size_t n,
			size_t stride, struct fy_node **seq)
{
	*seq = yget(c->map, key);
	if (!*seq || fy_node_get_type(*seq) != FYNT_SEQUENCE)
		return -1;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += *(const double *)((const char *)first + i * stride);
	return sum;
}

static int class_shares(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_plan *p = c->obj;
	struct fy_node *cs;
	double total = share_sum(c, "classes", &p->classes[0].share, p->nclasses,
				 sizeof p->classes[0], &cs);
	if (total >= 0 && p->nclasses && fabs(total - 1) > 1e-6)
		yproblem(c->w, cs, "jobs.classes: the shares add up to %g; expected 1", total);
	if (total >= 0 && !p->nclasses)
		yproblem(c->w, cs, "jobs.classes: expected at least one class");
	return 0;
}

static const struct ykey jobs_keys[] = {
	{"utilization", YT_NUM, YF_REQ | YF_OPEN | YF_DEF, YAT(struct pp_plan, utilization),
	 .hi = 1, .def = 0.85, .doc = "offered GPU-hours over the fleet's GPU-hours"},
	{"classes", YT_LIST, YF_REQ | YF_SKIPBAD | YF_INLINE | YF_MAXEACH,
	 YAT(struct pp_plan, classes), YCNT(struct pp_plan, nclasses), .hi = PP_PLAN_MAX_CLASSES,
	 .sub = &class_obj, .doc = "the job mix"},
	{"", YT_CHECK, .set = class_shares},
};

static const struct yobj jobs_obj = {
	.what = "jobs", .title = "jobs", .doc = "The work the fleet is offered.", YKEYS(jobs_keys),
};

static const struct ykey hall_keys[] = {
	{"cooling", YT_NAME, YF_REQ, YAT(struct pp_plan_hall, cooling_name),
	 YPOS(struct pp_plan_hall, cooling_pos),
	 .doc = "the plant design: `air-chillers`, `water-towers` or `liquid-dry`"},
	{"share", YT_NUM, YF_REQ | YF_OPEN, YAT(struct pp_plan_hall, share), .hi = 1,
	 .doc = "its share of the fleet's GPUs, over all `count` halls (the shares add up to 1)"},
	{"count", YT_INT, YF_DEF, YAT(struct pp_plan_hall, count), .lo = 1, .hi = 64, .def = 1,
	 .doc = "identical halls of this type"},
	{"reserve", YT_INT, YF_DEF, YAT(struct pp_plan_hall, reserve), .hi = 8, .def = 1,
	 .doc = "chillers held back for N+k redundancy"},
	{"chiller", YT_STR, 0, YAT(struct pp_plan_hall, chiller),
	 YPOS(struct pp_plan_hall, chiller_pos), .ddoc = "the design's",
	 .doc = "the chiller model, one of models/ (docs/models.md)"},
	{"chiller_kw", YT_NUM, YF_DEF, YAT(struct pp_plan_hall, chiller_kw), .lo = 100,
	 .hi = 20000, .def = 3500, .doc = "the rating of each chiller, kW"},
	{"supply_c", YT_NUM, 0, YAT(struct pp_plan_hall, supply_c), .lo = 5, .hi = 45,
	 .ddoc = "32 for liquid-dry, else 18", .doc = "the loop supply set point, C"},
};

static const struct yobj plan_hall_obj = {
	.what = "hall", .title = "designs[].halls[]", .doc = "A hall type of a design.",
	YKEYS(hall_keys), .size = sizeof(struct pp_plan_hall),
};

static int design_shares(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_plan_design *d = c->obj;
	struct fy_node *hs;
	double share = share_sum(c, "halls", d->halls ? &d->halls[0].share : NULL, d->nhalls,
				 sizeof d->halls[0], &hs);
	if (share >= 0 && (!d->nhalls || fabs(share - 1) > 1e-6))
		yproblem(c->w, hs, "design '%s': the halls' shares add up to %g; expected 1",
			 d->name ? d->name : "?", share);
	return 0;
}

static const struct ykey design_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_plan_design, name), .set = design_name,
	 .doc = "the design's name (sites name it in `designs`)"},
	{"oversize", YT_NUM, YF_DEF, YAT(struct pp_plan_design, oversize), .lo = 0.5, .hi = 5,
	 .def = 1.1, .doc = "plant capacity over the hall's nameplate heat at the design hour"},
	{"capex_per_mw", YT_NUM, YF_DEF, YAT(struct pp_plan_design, capex_per_mw), .hi = 1e10,
	 .doc = "the design's CAPEX per MW of IT nameplate (money, with `costs`)"},
	{"halls", YT_LIST, YF_REQ, YAT(struct pp_plan_design, halls),
	 YCNT(struct pp_plan_design, nhalls), .sub = &plan_hall_obj, .doc = "its hall types"},
	{"", YT_CHECK, .set = design_shares},
};

static const struct yobj design_obj = {
	.what = "design", .title = "designs[]", .doc = "A cooling design to compare.",
	YKEYS(design_keys), .size = sizeof(struct pp_plan_design), YPOS(struct pp_plan_design, pos),
};

/* months of an event or a tariff period: the field at k's offset. */
static int event_months(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	unsigned *months = (unsigned *)((char *)c->obj + k->off - 1);
	*months = (unsigned)k->def;
	if (!v)
		return 0;
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	*months = 0;
	void *it = NULL;
	struct fy_node *mn;
	while ((mn = fy_node_sequence_iterate(v, &it))) {
		const char *t = yscalar(c->w, mn);
		char *end = NULL;
		long mo = t ? strtol(t, &end, 10) : 0;
		if (!t || *end || mo < 1 || mo > 12)
			yproblem(c->w, mn, "months: expected 1-12, got '%s'",
				 t ? t : "(not a scalar)");
		else
			*months |= 1u << (mo - 1);
	}
	return 0;
}

static int event_hours(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_plan_event *o = c->obj;
	struct fy_node *to = yget(c->map, "to");
	if (o->to_h <= o->from_h)
		yproblem(c->w, to ? to : c->map, "grid event: 'to' must be after 'from'");
	return 0;
}

static const char *const day_names[] = {"all", "weekdays", "weekends", NULL};

static const struct ykey event_keys[] = {
	{"name", YT_STR, 0, YAT(struct pp_plan_event, name), .doc = "what the event is"},
	{"months", YT_CUSTOM, YF_ABSENT, YAT(struct pp_plan_event, months), .def = 0xfff,
	 .set = event_months, .tdoc = "list of months 1-12", .ddoc = "all",
	 .doc = "the months it applies"},
	{"days", YT_PICK, YF_DEF, YAT(struct pp_plan_event, days), .vals = day_names,
	 .doc = "the days it applies"},
	{"from", YT_CUSTOM, YF_ABSENT, YAT(struct pp_plan_event, from_h), .set = plan_clock,
	 .tdoc = "local time \"HH:MM\"", .ddoc = "00:00", .doc = "the local hour it starts"},
	{"to", YT_CUSTOM, YF_ABSENT, YAT(struct pp_plan_event, to_h), .def = 24,
	 .set = plan_clock, .tdoc = "local time \"HH:MM\"", .ddoc = "24:00",
	 .doc = "the local hour it ends (after `from`)"},
	{"", YT_CHECK, .set = event_hours},
	{"limit_mw", YT_NUM, YF_REQ | YF_OPEN | YF_INF, YAT(struct pp_plan_event, limit_kw),
	 .hi = 1e6, .mult = 1000, .doc = "the import limit meanwhile, MW"},
};

static const struct yobj event_obj = {
	.what = "grid event", .title = "sites[].grid.events[]",
	.doc = "A utility limit event that comes back every year.", YKEYS(event_keys),
	.size = sizeof(struct pp_plan_event),
};

static int period_hours(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_plan_period *o = c->obj;
	struct fy_node *to = yget(c->map, "to");
	if (o->to_h <= o->from_h)
		yproblem(c->w, to ? to : c->map, "tariff period: 'to' must be after 'from'");
	return 0;
}

static const struct ykey period_keys[] = {
	{"name", YT_STR, 0, YAT(struct pp_plan_period, name), .doc = "what the period is"},
	{"months", YT_CUSTOM, YF_ABSENT, YAT(struct pp_plan_period, months), .def = 0xfff,
	 .set = event_months, .tdoc = "list of months 1-12", .ddoc = "all",
	 .doc = "the months it applies"},
	{"days", YT_PICK, YF_DEF, YAT(struct pp_plan_period, days), .vals = day_names,
	 .doc = "the days it applies"},
	{"from", YT_CUSTOM, YF_ABSENT, YAT(struct pp_plan_period, from_h), .set = plan_clock,
	 .tdoc = "local time \"HH:MM\"", .ddoc = "00:00", .doc = "the local hour it starts"},
	{"to", YT_CUSTOM, YF_ABSENT, YAT(struct pp_plan_period, to_h), .def = 24,
	 .set = plan_clock, .tdoc = "local time \"HH:MM\"", .ddoc = "24:00",
	 .doc = "the local hour it ends (after `from`)"},
	{"", YT_CHECK, .set = period_hours},
	{"price_kwh", YT_NUM, YF_REQ, YAT(struct pp_plan_period, price_kwh), .hi = 100,
	 .doc = "the energy price meanwhile, per kWh"},
};

static const struct yobj period_obj = {
	.what = "tariff period", .title = "sites[].tariff.periods[]",
	.doc = "A time-of-use period of the tariff; the first that holds an hour prices it.",
	YKEYS(period_keys), .size = sizeof(struct pp_plan_period),
};

static const struct ykey tariff_keys[] = {
	{"price_kwh", YT_NUM, YF_REQ, YAT(struct pp_plan_site, price_kwh), .hi = 100,
	 .doc = "the energy price outside every period, per kWh"},
	{"demand_kw_month", YT_NUM, YF_DEF, YAT(struct pp_plan_site, demand_kw_month),
	 .hi = 1000, .doc = "the demand charge per kW of each month's highest draw"},
	{"connection_per_mw", YT_NUM, YF_DEF, YAT(struct pp_plan_site, connection_per_mw),
	 .hi = 1e9, .doc = "CAPEX of the grid connection per MW of its limit"},
	{"periods", YT_LIST, YF_SKIPBAD, YAT(struct pp_plan_site, periods),
	 YCNT(struct pp_plan_site, nperiods), .sub = &period_obj,
	 .doc = "time-of-use periods"},
};

static const struct yobj tariff_obj = {
	.what = "tariff", .title = "sites[].tariff",
	.doc = "A site's electricity tariff and connection cost (with `costs`).",
	YKEYS(tariff_keys),
};

static const struct ykey grid_keys[] = {
	{"limit_mw", YT_NUM, YF_REQ | YF_OPEN | YF_INF, YAT(struct pp_plan_site, limit_kw),
	 .hi = 1e6, .mult = 1000, .doc = "the grid import limit, MW"},
	{"other_mw", YT_NUM, YF_OPEN, YAT(struct pp_plan_site, other_kw), .hi = 1e6, .mult = 1000,
	 .doc = "offices, lighting, security: a constant load, MW"},
	{"losses", YT_NUM, YF_DEF, YAT(struct pp_plan_site, loss_frac), .hi = 0.3, .def = 0.03,
	 .doc = "transformer and UPS losses per kW of IT"},
	{"events", YT_LIST, YF_SKIPBAD, YAT(struct pp_plan_site, events),
	 YCNT(struct pp_plan_site, nevents), .sub = &event_obj, .doc = "limit events"},
};

static const struct yobj grid_obj = {
	.what = "site grid", .title = "sites[].grid", .doc = "A site's grid connection.",
	YKEYS(grid_keys),
};

static int site_weather(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	const struct pp_plan_site *s = c->obj;
	if (access(s->weather, R_OK))
		yproblem(c->w, v, "weather '%s': cannot read %s (an EPW file, relative to the plan's "
			 "folder)", yscalar(c->w, v), s->weather);
	return 0;
}

/* The designs a site builds, by name; absent: all of them. */
static int site_designs(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	const struct pp_plan *p = c->up->obj;
	struct pp_plan_site *s = c->obj;
	s->designs = (1u << p->ndesigns) - 1;
	if (!v)
		return 0;
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	const char *names[PP_PLAN_MAX_DESIGNS];
	for (size_t d = 0; d < p->ndesigns; d++)
		names[d] = p->designs[d].name ? p->designs[d].name : "";
	s->designs = 0;
	void *it = NULL;
	struct fy_node *dn;
	while ((dn = fy_node_sequence_iterate(v, &it))) {
		const char *n = yscalar(c->w, dn);
		size_t d = 0;
		while (d < p->ndesigns && !(n && !strcmp(n, names[d])))
			d++;
		if (d < p->ndesigns)
			s->designs |= 1u << d;
		else
			ypick_problem(c->w, dn, "site design", names, p->ndesigns);
	}
	return 0;
}

static const struct ykey site_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_plan_site, name), .set = site_name,
	 .doc = "the site's name"},
	{"weather", YT_PATH, YF_REQ, YAT(struct pp_plan_site, weather),
	 YPOS(struct pp_plan_site, weather_pos), .set = site_weather,
	 .doc = "its EPW weather year, relative to the plan's folder"},
	{"grid", YT_OBJ, YF_REQ, .off = 1, .sub = &grid_obj, .doc = "its grid connection"},
	{"tariff", YT_OBJ, 0, .off = 1, .sub = &tariff_obj, .doc = "its tariff (money)"},
	{"designs", YT_CUSTOM, YF_ABSENT, .set = site_designs, .tdoc = "list of design names",
	 .ddoc = "all", .doc = "the designs that could be built there"},
};

static const struct yobj site_obj = {
	.what = "site", .title = "sites[]", .doc = "A candidate site.", YKEYS(site_keys),
	.size = sizeof(struct pp_plan_site), YPOS(struct pp_plan_site, pos),
};

static int plan_sites(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_plan *p = c->obj;
	struct fy_node *ss = yget(c->map, "sites");
	if (ss && fy_node_get_type(ss) == FYNT_SEQUENCE && !p->nsites)
		yproblem(c->w, ss, "sites: expected at least one site");
	return 0;
}

static int costs_seen(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	((struct pp_plan *)c->obj)->has_costs = 1;
	return 0;
}

static const struct ykey costs_keys[] = {
	{"currency", YT_STR, YF_DEF, YAT(struct pp_plan, currency), .sdef = "USD",
	 .doc = "the currency's name, as the report writes it"},
	{"capex_years", YT_NUM, YF_DEF | YF_OPEN, YAT(struct pp_plan, capex_years), .hi = 100,
	 .def = 10, .doc = "years CAPEX is spread over (straight line, no interest)"},
	{"water_per_m3", YT_NUM, YF_DEF, YAT(struct pp_plan, water_per_m3), .hi = 1000,
	 .doc = "the price of water, per m3"},
	{"", YT_CHECK, .set = costs_seen},
};

static const struct yobj costs_obj = {
	.what = "costs", .title = "costs",
	.doc = "Money: with it the report gives each candidate's cost per delivered GPU-hour.",
	YKEYS(costs_keys),
};

static const struct ykey root_keys[] = {
	{"plan", YT_OBJ, YF_REQ, .off = 1, .sub = &head_obj, .doc = "what the plan is"},
	{"fleet", YT_OBJ, YF_REQ, .off = 1, .sub = &fleet_obj, .doc = "the GPU fleet"},
	{"jobs", YT_OBJ, YF_REQ, .off = 1, .sub = &jobs_obj, .doc = "the job mix"},
	{"costs", YT_OBJ, 0, .off = 1, .sub = &costs_obj, .doc = "money (optional)"},
	{"designs", YT_LIST, YF_REQ | YF_SKIPBAD, YAT(struct pp_plan, designs),
	 YCNT(struct pp_plan, ndesigns), .hi = PP_PLAN_MAX_DESIGNS, .sub = &design_obj,
	 .doc = "the cooling designs"},
	{"sites", YT_LIST, YF_REQ | YF_SKIPBAD, YAT(struct pp_plan, sites),
	 YCNT(struct pp_plan, nsites), .hi = PP_PLAN_MAX_SITES, .sub = &site_obj,
	 .doc = "the candidate sites"},
	{"", YT_CHECK, .set = plan_sites},
};

const struct yobj plan_root_obj = {
	.what = "top level",
	.doc = "The top level of a plan (`powerpark plan FILE`; docs/plan.md).", YKEYS(root_keys),
};

enum pp_err pp_plan_read(const char *path, struct pp_plan **out, struct pp_diags *diags)
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
	struct ywalk w = {.pool = pool, .diags = diags};
	w.file = ystrdup(&w, path, strlen(path));
	p->file = w.file;
	w.dir = dirname(ystrdup(&w, path, strlen(path)));
	struct fy_document *doc = yparse(&w, path, NULL, 0);
	if (doc) {
		struct fy_node *root = fy_document_root(doc);
		if (!root)
			yproblem_at(&w, (struct pp_pos){w.file, 1, 1},
				    "the file is empty; expected plan, fleet, jobs, designs, sites");
		else
			yread_top(&w, NULL, &plan_root_obj, root, p);
		fy_document_destroy(doc);
	}
	*out = p;
	return w.nproblems || !doc ? PP_ERR_CONFIG : PP_OK;
}

enum pp_err pp_plan_load(const char *path, struct pp_plan **out, struct pp_diags *diags)
{
	enum pp_err e = pp_plan_read(path, out, diags);
	if (e) {
		pp_plan_destroy(*out);
		*out = NULL;
	}
	return e;
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
