/* test_jobs.c - jobs and nodes in the controller (issue 24): racks that
 * name their compute nodes lease per node and place jobs by node name; a
 * job's own curve (given by the scheduler, or fitted to its throughput
 * reports) values its rack. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_fixture.h"
#include "powerpark/ctl.h"
#include "powerpark/log.h"
#include "pp_test.h"

#define NS PT_NS
#define T0 PT_T0

/* Issue 24, item 2: a rack that names its compute nodes leases per node:
 * each node its own GPUs at the rack's cap, its agent's GPU numbers put at
 * its place in the rack; the rack's own name still leases, said deprecated. */
static void t_compute_nodes(void)
{
	static const char nodes_racks[] =
		"            - {name: r1, limit_kw: 6, base_kw: 2, nodes: \"n[1-2]\", gpus_per_node: 4, "
		"gpu_model: H100-SXM}\n"
		"            - {name: r2, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n";
	struct pp_config *cfg;
	struct pp_ctl *c = pt_ctl(nodes_racks, &cfg);
	struct pp_errbuf eb;
	if (!c) {
		PT_CHECK(0, "setup");
		return;
	}
	/* Node n2's agent reports its GPUs 0-3 (the rack's 4-7) at 250 W;
	 * its "GPU 4" is not its GPU. */
	report_caps(c, "n1", 4, 248, 250, T0);
	report_caps(c, "n2", 4, 248, 250, T0);
	struct pp_tag t[] = {{"site", "t"}, {"rack", "n2"}, {"gpu", "4"}};
	struct pp_field fl = {.key = "cap_w", .type = PP_F_FLOAT, .v.f = 100};
	struct pp_sample sm = {"gpu", t, 3, &fl, 1, T0, 1};
	int breach = 0;
	PT_CHECK(pp_ctl_ingest(c, &sm, 1, T0, &breach) == 0, "a node's GPU 4 of 4 is refused");
	read_rack(c, "r1", 4000, T0);
	read_rack(c, "r2", 4000, T0);
	PT_CHECK(cycle(c, T0, 0), "first cycle");
	PT_CHECK(pp_ctl_rack_cap(c, "r1") == 300, "r1 rises from what its nodes reported: %.1f W "
		 "(the refused 100 W line not among them)", pp_ctl_rack_cap(c, "r1"));
	struct pp_ctl_lease l;
	PT_CHECK(pp_ctl_lease(c, "n2", T0, &l, &eb) == PP_OK && l.host && l.gpus == 4 &&
		 !strcmp(l.rack, "r1") && l.cap_w == pp_ctl_rack_cap(c, "r1") &&
		 !l.per_rack_deprecated, "n2 leases its 4 GPUs of r1 at r1's cap");
	PT_CHECK(pp_ctl_lease(c, "r1", T0, &l, &eb) == PP_OK && !l.host && l.gpus == 8 &&
		 l.per_rack_deprecated, "r1's own name leases its 8 GPUs, deprecated");
	PT_CHECK(pp_ctl_lease(c, "r2", T0, &l, &eb) == PP_OK && !l.per_rack_deprecated,
		 "r2 names no nodes: its rack lease is not deprecated");
	PT_CHECK(pp_ctl_lease(c, "n3", T0, &l, &eb) == PP_ERR_ARG && strstr(eb.msg, "compute node"),
		 "an unknown node: %s", eb.msg);
	/* Slurm's own node names place a job, without a node-to-rack map. */
	const char *sr[] = {"n1", "n2", "r2"};
	struct pp_ctl_place pl[] = {{"n2", 4}};
	struct pp_ctl_run_job run[] = {{.id = "serve-1", .cls = PP_JOB_INFERENCE, .weight = 5, .place = pl, .nplace = 1}};
	struct pp_ctl_sync_req q = {sr, 3, run, 1, NULL, 0};
	struct pp_ctl_sync_ans a;
	PT_CHECK(pp_ctl_sync(c, &q, T0, &a, &eb) == PP_OK && a.nignored == 0 &&
		 a.running_cap_w[0] == pp_ctl_rack_cap(c, "r1"),
		 "a job on node n2 runs on r1, nothing ignored (%zu)", a.nignored);
	pp_ctl_sync_ans_free(&a);
	struct pp_ctl_jobs j;
	PT_CHECK(pp_ctl_jobs(c, T0, &j) == PP_OK && j.nrunning == 1 &&
		 !strcmp(j.running[0].job, "serve-1") && !strcmp(j.running[0].rack, "r1"),
		 "serve-1 runs on r1");
	pp_ctl_jobs_free(&j);
	pp_ctl_destroy(c);
	pp_config_destroy(cfg);
}

/* Two equal racks of 400 H100 under the fixture's 500 kW row, which binds:
 * "serve" on r1 (its own curve when pts, npts given), "train" on r2, both
 * training by class, weight 1, placed by a sync. Returns the controller
 * (taken: pp_ctl_destroy, then *cfg with pp_config_destroy), NULL on failure. */
static struct pp_ctl *two_racks(struct pp_config **cfg, const double (*pts)[2], size_t npts)
{
	static const char two[] =
		"            - {name: r1, limit_kw: 400, base_kw: 2, gpus: 400, gpu_model: H100-SXM}\n"
		"            - {name: r2, limit_kw: 400, base_kw: 2, gpus: 400, gpu_model: H100-SXM}\n";
	struct pp_errbuf eb;
	struct pp_ctl *c = pt_ctl(two, cfg);
	if (!c)
		return NULL;
	static const struct pp_ctl_place p1[] = {{"r1", 400}}, p2[] = {{"r2", 400}};
	struct pp_ctl_run_job run[] = {
		{.id = "serve", .cls = PP_JOB_TRAINING, .weight = 1, .place = p1, .nplace = 1},
		{.id = "train", .cls = PP_JOB_TRAINING, .weight = 1, .place = p2, .nplace = 1}};
	if (npts)
		memcpy(run[0].curve, pts, npts * sizeof *pts);
	run[0].ncurve = npts;
	const char *sr[] = {"r1", "r2"};
	struct pp_ctl_sync_req q = {sr, 2, run, 2, NULL, 0};
	struct pp_ctl_sync_ans a;
	enum pp_err e = pp_ctl_sync(c, &q, PT_T0, &a, &eb);
	pp_ctl_sync_ans_free(&a);
	if (e) {
		pp_ctl_destroy(c);
		pp_config_destroy(*cfg);
		*cfg = NULL;
		return NULL;
	}
	return c;
}

/* 30 one-second cycles, each rack read at its GPUs' cap (they want more). */
static int run_cycles(struct pp_ctl *c)
{
	for (int st = 0; st < 30; st++) {
		int64_t t = T0 + st * NS;
		read_rack(c, "r1", 2000 + 400 * pp_ctl_rack_cap(c, "r1"), t);
		read_rack(c, "r2", 2000 + 400 * pp_ctl_rack_cap(c, "r2"), t);
		if (!cycle(c, t, 0))
			return 0;
	}
	return 1;
}

/* Issue 24, item 5: a job may bring its own curve. Two equal racks under
 * a binding row: the one whose job loses little when capped (a decode-like
 * curve, given in the sync) is capped below the other (the training
 * class's curve); a curve that is not concave is refused with its place. */
static void t_job_curves(void)
{
	static const double flat[][2] = {{0.3, 0.95}, {1, 1}};
	struct pp_config *cfg;
	struct pp_ctl *c = two_racks(&cfg, flat, 2);
	PT_CHECK(c != NULL, "setup");
	if (!c)
		return;
	PT_CHECK(run_cycles(c), "cycles");
	double c1 = pp_ctl_rack_cap(c, "r1"), c2 = pp_ctl_rack_cap(c, "r2");
	PT_CHECK(c1 < c2 - 50, "the flat curve's job is capped first: %.1f W against %.1f W", c1, c2);
	/* 0.95 at 0.3, 0.96 at 0.5, 1.0 at 1: the slope rises */
	struct pp_ctl_place p1[] = {{"r1", 400}};
	struct pp_ctl_run_job bad[] = {{.id = "serve", .cls = PP_JOB_TRAINING, .weight = 1,
					 .place = p1, .nplace = 1,
					 .curve = {{0.3, 0.95}, {0.5, 0.96}, {1, 1}}, .ncurve = 3}};
	struct pp_ctl_sync_req q = {NULL, 0, bad, 1, NULL, 0};
	struct pp_ctl_sync_ans a;
	struct pp_errbuf eb;
	PT_CHECK(pp_ctl_sync(c, &q, T0, &a, &eb) == PP_ERR_ARG &&
		 strstr(eb.msg, "running[0].curve: not concave"), "%s", eb.msg);
	pp_ctl_sync_ans_free(&a);
	pp_ctl_destroy(c);
	pp_config_destroy(cfg);
}

/* One throughput report of job at per-GPU cap cap_w. */
static void report_thr(struct pp_ctl *c, const char *job, double cap_w, double thr, int64_t ts)
{
	struct pp_tag t[] = {{"site", "t"}, {"job", job}};
	struct pp_field f[] = {{.key = "throughput", .type = PP_F_FLOAT, .v.f = thr},
			       {.key = "cap_w", .type = PP_F_FLOAT, .v.f = cap_w}};
	struct pp_sample s = {"job", t, 2, f, 2, ts, 1};
	int breach = 0;
	pp_ctl_ingest(c, &s, 1, ts, &breach);
}

/* Issue 24, item 5: a job that reports its throughput gets its own curve
 * fitted (pp_curve_fit), used once the fit is good: reports of a job that
 * loses little when capped, at caps across the range, make its rack the
 * one capped first; the same reports all at one cap fit nothing, and the
 * caps are exactly those of a park without reports. */
static void t_fitted_curves(void)
{
	double none1 = 0, none2 = 0;
	for (int mode = 0; mode < 3; mode++) { /* no reports, at one cap, across the range */
		struct pp_config *cfg;
		struct pp_ctl *c = two_racks(&cfg, NULL, 0);
		PT_CHECK(c != NULL, "setup");
		if (!c)
			return;
		/* Decode-like: 1 - exp(-(x - 0.05) / 0.08) of 1,200 tokens/s at
		 * x = cap / 700 W, reported at 12 caps from 250 to 700 W (or all
		 * at 500 W), each within 1 %. */
		for (int k = 0; k < 12 && mode; k++) {
			double cap = mode == 2 ? 250 + k * 450.0 / 11 : 500;
			double x = cap / 700, thr = 1200 * (1 - exp(-(x - 0.05) / 0.08));
			report_thr(c, "serve", cap, thr * (1 + 0.01 * ((k % 3) - 1)), T0);
		}
		PT_CHECK(run_cycles(c), "cycles");
		double c1 = pp_ctl_rack_cap(c, "r1"), c2 = pp_ctl_rack_cap(c, "r2");
		if (mode == 0) {
			none1 = c1;
			none2 = c2;
		} else if (mode == 2) {
			PT_CHECK(c1 < c2 - 50, "reports across the range fit a flat curve: serve's rack "
				 "is capped first (%.1f W against %.1f W)", c1, c2);
		} else {
			PT_CHECK(c1 == none1 && c2 == none2, "reports at one cap fit nothing: the caps "
				 "of a park without reports (%.1f/%.1f W, %.1f/%.1f W)", c1, none1, c2,
				 none2);
		}
		pp_ctl_destroy(c);
		pp_config_destroy(cfg);
	}
}

/* Issue 28: what the park's kW is worth, from its own solver: the value
 * lost at lower grid draws rises with the cut and is convex (each kW dearer
 * than the last), is 0 for no cut, is answered again from the last result,
 * and a cut past the planned draw is refused. */
static void t_value_curve(void)
{
	struct pp_config *cfg;
	struct pp_ctl *c = two_racks(&cfg, NULL, 0);
	PT_CHECK(c != NULL, "setup");
	if (!c)
		return;
	struct pp_ctl_value v, w;
	struct pp_errbuf eb;
	const double cuts[] = {0, 40, 80, 160, 240};
	PT_CHECK(pp_ctl_value_curve(c, cuts, 5, &v, &eb) == PP_ERR_ARG && strstr(eb.msg, "no plan"),
		 "before a cycle: %s", eb.msg);
	PT_CHECK(run_cycles(c), "cycles");
	PT_CHECK(pp_ctl_value_curve(c, cuts, 5, &v, &eb) == PP_OK, "%s", eb.msg);
	int rising = v.pt[0].value_lost == 0, convex = 1;
	for (size_t i = 1; i < 5; i++) {
		rising &= v.pt[i].value_lost > v.pt[i - 1].value_lost;
		if (i >= 2) {
			double s0 = (v.pt[i - 1].value_lost - v.pt[i - 2].value_lost) / (cuts[i - 1] - cuts[i - 2]);
			double s1 = (v.pt[i].value_lost - v.pt[i - 1].value_lost) / (cuts[i] - cuts[i - 1]);
			convex &= s1 >= s0 - 1e-9 * fmax(1, s0);
		}
	}
	PT_CHECK(rising && convex && v.planned_kw > 400 && v.objective > 0,
		 "lost %.2f %.2f %.2f %.2f %.2f of %.1f at %.1f kW planned", v.pt[0].value_lost,
		 v.pt[1].value_lost, v.pt[2].value_lost, v.pt[3].value_lost, v.pt[4].value_lost,
		 v.objective, v.planned_kw);
	PT_CHECK(pp_ctl_value_curve(c, cuts, 5, &w, &eb) == PP_OK && !memcmp(&v, &w, sizeof v),
		 "the same cuts on the same plan: the same answer");
	const double past[] = {v.planned_kw + 1};
	PT_CHECK(pp_ctl_value_curve(c, past, 1, &w, &eb) == PP_ERR_ARG &&
		 strstr(eb.msg, "more than"), "%s", eb.msg);
	pp_ctl_destroy(c);
	pp_config_destroy(cfg);
}

int main(void)
{
	PT_RUN(t_compute_nodes);
	PT_RUN(t_job_curves);
	PT_RUN(t_fitted_curves);
	PT_RUN(t_value_curve);
	return PT_DONE("test_jobs");
}
