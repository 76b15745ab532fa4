/* study.c - `powerpark plan`'s whole study (planner.h): the weather of
 * every site, every site x design x policy x seed over a year, the fleet
 * searches, and the report. Above the year engine and the report, so it
 * is the one that calls both. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "powerpark/planner.h"
#include "powerpark/report.h"

/* The report takes its ranges over every seed a study runs. */
_Static_assert(PP_PLANNER_MAX_RUNS <= PP_REPORT_MAX_SEEDS, "the report would drop seeds");

/* The longest text of a progress line's "what". */
#define PP_PLANNER_MAX_WHAT 160

struct study {
	const struct pp_plan *p;
	const struct pp_planner_opts *o;
	double step, hours, loss;
	int runs;
	unsigned long seed;
	struct pp_weather *wx;         /* one per site */
	struct pp_report_run *rs;      /* the years run */
	size_t nr;
	struct pp_search_result *ss;   /* the searches done */
	size_t ns;
	pp_planner_progress_fn fn;
	void *arg;
	struct pp_planner_progress pg;
	char what[PP_PLANNER_MAX_WHAT];
};

static void tell(struct study *st, enum pp_planner_stage stage)
{
	st->pg.stage = stage;
	if (st->fn)
		st->fn(st->arg, &st->pg);
}

static void on_year(void *arg, double t_h)
{
	struct study *st = arg;
	st->pg.done_h = t_h;
	tell(st, PP_PLANNER_YEAR);
}

/* Whether site s builds design d and the plan compares policy q. */
static int compared(const struct pp_plan *p, size_t s, size_t d, int q)
{
	return (p->sites[s].designs >> d & 1) && (p->policies >> q & 1);
}

static enum pp_err load_weather(struct study *st, struct pp_errbuf *eb)
{
	const struct pp_plan *p = st->p;
	struct pp_errbuf we;
	for (size_t s = 0; s < p->nsites; s++) {
		enum pp_err e = pp_weather_load(p->sites[s].weather, &st->wx[s], &we);
		if (e)
			return pp_err_set(eb, e, "%s:%d:%d: site '%s': %s",
					  p->sites[s].weather_pos.file, p->sites[s].weather_pos.line,
					  p->sites[s].weather_pos.col, p->sites[s].name, we.msg);
	}
	return PP_OK;
}

static enum pp_err mkdirs(const char *dir, struct pp_errbuf *eb)
{
	char sub[PP_REPORT_MAX_PATH];
	snprintf(sub, sizeof sub, "%s/runs", dir);
	if ((mkdir(dir, 0777) && errno != EEXIST) || (mkdir(sub, 0777) && errno != EEXIST))
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", sub, strerror(errno));
	return PP_OK;
}

/* Seed k of site s x design d x policy q: its year, its CSV; the hours
 * are kept for the first seed only (the charts need one). */
static enum pp_err run_one(struct study *st, size_t s, size_t d, int q, int k,
			   struct pp_errbuf *eb)
{
	const struct pp_plan *p = st->p;
	struct pp_report_run *u = &st->rs[st->nr];
	u->site = s;
	u->design = d;
	u->policy = (enum pp_policy)q;
	u->seed = st->seed + (unsigned long)k;
	snprintf(st->what, sizeof st->what, "[%zu/%zu] %s / %s / %s / seed %lu", ++st->pg.done,
		 st->pg.total, p->sites[s].name, p->designs[d].name,
		 pp_config_policy_name(u->policy), u->seed);
	struct pp_year_spec sp = {p, &p->sites[s], &p->designs[d], &st->wx[s], u->policy,
				  p->gpus, u->seed, st->step, st->hours, 1, on_year, st};
	struct pp_errbuf ye;
	enum pp_err e = pp_year_run(&sp, &u->r, &ye);
	if (e) {
		pp_year_result_free(&u->r);
		return pp_err_set(eb, e, "%s: %s", st->what, ye.msg);
	}
	st->nr++;
	char a[PP_REPORT_MAX_NAME], b[PP_REPORT_MAX_NAME];
	char path[PP_REPORT_MAX_PATH + PP_REPORT_MAX_CSV];
	pp_report_slug(p->sites[s].name, a, sizeof a);
	pp_report_slug(p->designs[d].name, b, sizeof b);
	snprintf(u->csv, sizeof u->csv, "runs/%s-%s-%s-s%lu.csv", a, b,
		 pp_config_policy_name(u->policy), u->seed);
	snprintf(path, sizeof path, "%s/%s", st->o->out, u->csv);
	if ((e = pp_report_csv(path, &u->r, eb)))
		return e;
	st->pg.run = &u->r;
	tell(st, PP_PLANNER_RUN);
	st->pg.run = NULL;
	if (k)
		pp_year_result_free(&u->r);
	return PP_OK;
}

static enum pp_err run_years(struct study *st, struct pp_errbuf *eb)
{
	const struct pp_plan *p = st->p;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t d = 0; d < p->ndesigns; d++)
			for (int q = 0; q < PP_PLAN_POLICIES; q++)
				for (int k = 0; k < st->runs && compared(p, s, d, q); k++) {
					enum pp_err e = run_one(st, s, d, q, k, eb);
					if (e)
						return e;
				}
	return PP_OK;
}

static void on_try(void *arg, const struct pp_search_point *pt)
{
	struct study *st = arg;
	st->pg.point = pt;
	tell(st, PP_PLANNER_TRY);
	st->pg.point = NULL;
}

static enum pp_err search_all(struct study *st, struct pp_errbuf *eb)
{
	const struct pp_plan *p = st->p;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t d = 0; d < p->ndesigns; d++)
			for (int q = 0; q < PP_PLAN_POLICIES; q++)
				st->pg.searches += compared(p, s, d, q);
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t d = 0; d < p->ndesigns; d++)
			for (int q = 0, hint = 0; q < PP_PLAN_POLICIES; q++) {
				if (!compared(p, s, d, q))
					continue;
				snprintf(st->what, sizeof st->what, "search %s / %s / %s",
					 p->sites[s].name, p->designs[d].name,
					 pp_config_policy_name((enum pp_policy)q));
				struct pp_year_spec sp = {p, &p->sites[s], &p->designs[d], &st->wx[s],
							  (enum pp_policy)q, hint ? hint : p->gpus, st->seed,
							  st->step, st->hours, 0, NULL, NULL};
				struct pp_search_result *x = &st->ss[st->ns];
				struct pp_errbuf se;
				enum pp_err e = pp_search_fleet(&sp, st->loss, hint > 0, x, on_try, st,
								&se);
				if (e)
					return pp_err_set(eb, e, "%s: %s", st->what, se.msg);
				x->site = s;
				x->design = d;
				/* The next policy's search starts from the largest answer
				 * so far (static provisioning's is far below the others';
				 * the optimizer's is the largest). */
				if (q != PP_POLICY_STATIC && x->best > hint && !x->unbounded)
					hint = x->best;
				st->ns++;
				st->pg.searches_done++;
				st->pg.search = x;
				tell(st, PP_PLANNER_SEARCH);
				st->pg.search = NULL;
			}
	return PP_OK;
}

static const char *const vary_keys[] = {"grid_mw", "utilization", "gpus"};

int pp_planner_vary_known(const char *key)
{
	for (size_t i = 0; key && i < sizeof vary_keys / sizeof *vary_keys; i++)
		if (!strcmp(key, vary_keys[i]))
			return 1;
	return 0;
}

/* The policy the study leads with: the last compared (the optimizer). */
static enum pp_policy lead_policy(const struct pp_plan *p)
{
	for (int q = PP_PLAN_POLICIES - 1; q > 0; q--)
		if (p->policies >> q & 1)
			return (enum pp_policy)q;
	return (enum pp_policy)0;
}

/* A sensitivity study's results, owned by the study. */
struct vary {
	struct pp_report_vary rv;
	double *vals, *loss;
	int *gpus;
};

/* Candidate c (site s, design d) at value i of the study into v: a year of
 * plan q (with sites qs) at its fleet, and its search unless there is none. */
static enum pp_err vary_one(struct study *st, const struct pp_plan *q, size_t s, size_t d,
			    size_t i, struct vary *v, struct pp_errbuf *eb)
{
	size_t c = s * q->ndesigns + d, at = i * q->nsites * q->ndesigns + c;
	enum pp_policy lead = lead_policy(q);
	struct pp_year_spec sp = {q, &q->sites[s], &q->designs[d], &st->wx[s], lead, q->gpus,
				  st->seed, st->step, st->hours, 0, NULL, NULL};
	struct pp_year_result r;
	struct pp_errbuf ye;
	enum pp_err e = pp_year_run(&sp, &r, &ye);
	pp_year_result_free(&r);
	if (e)
		return pp_err_set(eb, e, "%s: %s", st->what, ye.msg);
	v->loss[at] = pp_year_loss(&r, q->loss_measure);
	v->gpus[at] = -1;
	if (!st->o->no_search) {
		struct pp_search_result *x = malloc(sizeof *x);
		if (!x)
			return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		e = pp_search_fleet(&sp, st->loss, 0, x, NULL, NULL, &ye);
		v->gpus[at] = x->best;
		free(x);
		if (e)
			return pp_err_set(eb, e, "%s: %s", st->what, ye.msg);
	}
	return PP_OK;
}

/* The sensitivity study: every value of the key, every site x design. */
static enum pp_err vary_all(struct study *st, struct vary *v, struct pp_errbuf *eb)
{
	const struct pp_planner_opts *o = st->o;
	const struct pp_plan *p = st->p;
	size_t n = (size_t)floor((o->vary_to - o->vary_from) / o->vary_step + 1e-9) + 1;
	if (o->vary_step <= 0 || o->vary_to < o->vary_from || n > PP_PLANNER_MAX_VARY)
		return pp_err_set(eb, PP_ERR_ARG, "--vary %s: expected FROM <= TO and a step > 0 "
				  "giving at most %d values", o->vary_key, PP_PLANNER_MAX_VARY);
	size_t ncand = p->nsites * p->ndesigns;
	v->vals = calloc(n, sizeof *v->vals);
	v->loss = calloc(n * ncand, sizeof *v->loss);
	v->gpus = calloc(n * ncand, sizeof *v->gpus);
	struct pp_plan_site *sites = calloc(p->nsites, sizeof *sites);
	enum pp_err e = PP_OK;
	if (!v->vals || !v->loss || !v->gpus || !sites) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && !e; i++) {
		double x = o->vary_from + (double)i * o->vary_step;
		struct pp_plan q = *p;
		memcpy(sites, p->sites, p->nsites * sizeof *sites);
		q.sites = sites;
		for (size_t s = 0; s < p->nsites && !strcmp(o->vary_key, "grid_mw"); s++)
			sites[s].limit_kw = x * 1000;
		if (!strcmp(o->vary_key, "utilization"))
			q.utilization = x;
		if (!strcmp(o->vary_key, "gpus"))
			q.gpus = (int)llround(x);
		v->vals[i] = x;
		for (size_t s = 0; s < p->nsites && !e; s++)
			for (size_t d = 0; d < p->ndesigns && !e; d++) {
				if (!(p->sites[s].designs >> d & 1))
					continue;
				snprintf(st->what, sizeof st->what, "vary %s=%g: %s / %s / %s",
					 o->vary_key, x, p->sites[s].name, p->designs[d].name,
					 pp_config_policy_name(lead_policy(p)));
				e = vary_one(st, &q, s, d, i, v, eb);
				if (!e)
					tell(st, PP_PLANNER_VARY);
			}
	}
	v->rv = (struct pp_report_vary){o->vary_key, n, v->vals, v->gpus, v->loss};
out:
	free(sites);
	return e;
}

/* The plan's values where o leaves them, and the number of years to run. */
static void settle(struct study *st)
{
	const struct pp_plan *p = st->p;
	const struct pp_planner_opts *o = st->o;
	st->step = o->step_s ? o->step_s : p->step_s;
	st->hours = o->hours ? o->hours : p->hours;
	st->loss = o->loss >= 0 ? o->loss : p->loss_budget;
	st->runs = o->runs ? o->runs : p->runs;
	st->seed = o->seed >= 0 ? (unsigned long)o->seed : p->seed;
	size_t total = 0;
	for (size_t s = 0; s < p->nsites; s++)
		for (size_t d = 0; d < p->ndesigns; d++)
			for (int q = 0; q < PP_PLAN_POLICIES; q++)
				total += compared(p, s, d, q) ? (size_t)st->runs : 0;
	st->pg = (struct pp_planner_progress){.what = st->what, .total = total,
					      .step_s = st->step, .hours = st->hours,
					      .loss = st->loss};
}

enum pp_err pp_planner_run(const struct pp_plan *plan, const struct pp_planner_opts *o,
			   pp_planner_progress_fn progress, void *arg, struct pp_errbuf *eb)
{
	struct study st = {.p = plan, .o = o, .fn = progress, .arg = arg};
	struct vary vary = {0};
	settle(&st);
	size_t ncand = plan->nsites * plan->ndesigns * PP_PLAN_POLICIES;
	st.wx = calloc(plan->nsites, sizeof *st.wx);
	st.rs = calloc(ncand * (size_t)st.runs + 1, sizeof *st.rs);
	st.ss = calloc(ncand + 1, sizeof *st.ss);
	enum pp_err e = PP_OK;
	if (!st.wx || !st.rs || !st.ss) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((e = load_weather(&st, eb)) || (e = mkdirs(o->out, eb)))
		goto out;
	tell(&st, PP_PLANNER_START);
	if ((e = run_years(&st, eb)) || (!o->no_search && (e = search_all(&st, eb))))
		goto out;
	if (o->vary_key && (e = vary_all(&st, &vary, eb)))
		goto out;
	struct pp_report rep = {plan, st.rs, st.nr, st.ss, st.ns, st.step, st.hours, st.loss,
				st.runs, o->vary_key ? &vary.rv : NULL};
	e = pp_report_write(o->out, &rep, eb);
out:
	free(vary.vals);
	free(vary.loss);
	free(vary.gpus);
	for (size_t i = 0; st.rs && i < st.nr; i++)
		pp_year_result_free(&st.rs[i].r);
	for (size_t s = 0; st.wx && s < plan->nsites; s++)
		pp_weather_free(&st.wx[s]);
	free(st.wx);
	free(st.rs);
	free(st.ss);
	return e;
}
