/* test_solve.c - the optimizer on thousands of random instances: no limit
 * exceeded, no cap out of range, KKT for the continuous part, and the
 * objective against GLPK solving the exact MILP of the same instance (the
 * curves are piecewise linear, so that model is exact). Bad input is
 * rejected naming the element. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/inst.h"
#include "powerpark/solve.h"
#include "glpk_ref.h"
#include "pp_test.h"

static unsigned long long rs = 0x9E3779B97F4A7C15ULL;
static double U(void) /* uniform [0, 1) */
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (double)(rs >> 11) / 9007199254740992.0;
}

/* A builder's result in a generated instance: always PP_OK. */
static void built(enum pp_err e)
{
	PT_CHECK(e == PP_OK, "builder: %s", pp_err_str(e));
}

/* A random park: halls, rows, racks; plants over halls; jobs on 1-3 racks
 * (one with one_rack) with concave curves; limits from tight to loose. */
static void random_park(struct pp_inst *in, int big, int one_rack)
{
	pp_inst_init(in);
	int halls = 1 + (int)(U() * (big ? 4 : 3)), rows = 1 + (int)(U() * 3),
	    racks = 1 + (int)(U() * (big ? 6 : 4));
	size_t nn = 1 + (size_t)(halls * (1 + rows * (1 + racks)));
	in->margin = U() < 0.5 ? 0.02 : 0;
	char id[32];
	built(pp_inst_add_node(in, "site", -1, 0, U() * 20));
	int *leaf = calloc(nn, sizeof *leaf);
	size_t nleaf = 0;
	int *hall_ix = calloc((size_t)halls, sizeof *hall_ix);
	for (int h = 0; h < halls; h++) {
		snprintf(id, sizeof id, "h%d", h);
		hall_ix[h] = (int)in->nnodes;
		built(pp_inst_add_node(in, id, 0, 0, U() * 10));
		for (int r = 0; r < rows; r++) {
			snprintf(id, sizeof id, "h%d-r%d", h, r);
			int row = (int)in->nnodes;
			built(pp_inst_add_node(in, id, hall_ix[h], 0, 0));
			for (int k = 0; k < racks; k++) {
				snprintf(id, sizeof id, "h%d-r%d-k%d", h, r, k);
				leaf[nleaf++] = (int)in->nnodes;
				built(pp_inst_add_node(in, id, row, 0, U() < 0.5 ? U() * 5 : 0));
			}
		}
	}
	int njobs = 1 + (int)(U() * (big ? 60 : 25));
	for (int i = 0; i < njobs; i++) {
		struct pp_inst_place place[3];
		struct pp_inst_job job = {.place = place}, *j = &job;
		snprintf(id, sizeof id, "j%d", i);
		j->id = id;
		j->weight = 0.5 + U() * 4.5;
		j->p_min_w = 100 + U() * 200;
		j->p_max_w = j->p_min_w + 100 + U() * 800;
		double r = U();
		j->demand_w = r < 0.1 ? j->p_min_w * (0.5 + 0.5 * U())
			      : j->p_min_w + (j->p_max_w - j->p_min_w) * (0.3 + 0.9 * U());
		if (j->demand_w > j->p_max_w)
			j->demand_w = j->p_max_w;
		j->flexible = U() < 0.3;
		j->nplace = one_rack ? 1 : 1 + (size_t)(U() * 3);
		for (size_t p = 0; p < j->nplace; p++) {
			place[p].node = leaf[(size_t)(U() * (double)nleaf)];
			place[p].gpus = 1 + (int)(U() * 8);
		}
		/* Concave: slopes fall from point to point, or stay (a straight
		 * stretch through a point, as measured tables have: its two
		 * slopes may come out an ulp apart either way). */
		j->ncurve = 2 + (size_t)(U() * 4);
		double x = j->p_min_w, t = 0.3 + 0.3 * U(), s = (0.5 + U()) / j->p_max_w * 2;
		double step = (j->p_max_w - j->p_min_w) / (double)(j->ncurve - 1);
		for (size_t k = 0; k < j->ncurve; k++) {
			j->curve_p[k] = x;
			j->curve_t[k] = t;
			x += step;
			t += s * step;
			s *= U() < 0.25 ? 1.0 : 0.2 + 0.75 * U();
		}
		built(pp_inst_add_job(in, j));
	}
	/* Limits: GPU load at full demand times a factor, plus bases. */
	double *want = calloc(in->nnodes, sizeof *want), *base = calloc(in->nnodes, sizeof *base);
	for (size_t i = 0; i < in->njobs; i++)
		for (size_t p = 0; p < in->jobs[i].nplace; p++)
			for (int n = in->jobs[i].place[p].node; n >= 0; n = in->nodes[n].parent)
				want[n] += in->jobs[i].place[p].gpus * in->jobs[i].demand_w / 1000;
	for (size_t n = 0; n < in->nnodes; n++)
		for (int m = (int)n; m >= 0; m = in->nodes[m].parent)
			base[m] += in->nodes[n].base_kw;
	double tight = U();
	for (size_t n = 0; n < in->nnodes; n++) {
		double f = tight < 0.2 ? 0.4 + U() * 0.5 : tight < 0.8 ? 0.6 + U() * 0.6 : 1.5;
		in->nodes[n].limit_kw = (base[n] + want[n] * f + 0.1) / (1 - in->margin);
	}
	if (U() < 0.6) {
		size_t nplants = halls > 1 && U() < 0.5 ? 2 : 1;
		for (size_t q = 0; q < nplants; q++) {
			snprintf(id, sizeof id, "p%zu", q);
			int nodes[8];
			size_t n = 0;
			double w = 0, b = 0;
			for (int h = 0; h < halls; h++)
				if ((size_t)h % nplants == q) {
					nodes[n++] = hall_ix[h];
					w += want[hall_ix[h]];
					b += base[hall_ix[h]];
				}
			double cap = (b + w * (0.4 + U()) + 0.1) / (1 - in->margin);
			built(pp_inst_add_plant(in, id, cap, nodes, n));
		}
	}
	in->grid_other_kw = U() * 10;
	in->grid_cooling = U() * 0.4;
	in->grid_limit_kw = U() < 0.5 ? INFINITY
				      : ((base[0] + want[0] * (0.4 + U())) * (1 + in->grid_cooling) +
					 in->grid_other_kw + 0.1) /
					(1 - in->margin);
	free(want);
	free(base);
	free(leaf);
	free(hall_ix);
}

static void random_inst(struct pp_inst *in, int big)
{
	random_park(in, big, 0);
}

static int nacross, nacross_nosweep; /* t_random's parks with jobs across racks */
static int nfail_prop, nfail_kkt, nkkt, nfail_exact, nfail_defer, ncmp_exact, ncmp_defer, nshed;
static double worst_exact, worst_defer;

static void check_answer(const struct pp_inst *in, const struct pp_ans *a, int policy)
{
	size_t nc = in->nnodes + in->nplants + 1;
	double m1 = 1 - in->margin;
	for (size_t k = 0; k < nc; k++) {
		double load = 0;
		for (size_t i = 0; i < in->njobs; i++)
			if (a->jobs[i].action == PP_RUN)
				load += gpus_under(in, &in->jobs[i], k) * a->jobs[i].power_w;
		double b = bound(in, k);
		if (isfinite(b) && load > b + 1e-6 * fabs(b) + 1e-9) {
			nfail_prop++;
			PT_CHECK(0, "policy %d: limit %zu exceeded: %g > %g", policy, k, load, b);
		}
	}
	for (size_t n = 0; n < in->nnodes; n++)
		PT_CHECK(a->nodes[n].power_kw <= in->nodes[n].limit_kw * m1 * (1 + 1e-6) + 1e-9,
			 "node %s reported over its limit", in->nodes[n].id);
	for (size_t i = 0; i < in->njobs; i++) {
		const struct pp_inst_job *j = &in->jobs[i];
		const struct pp_ans_job *x = &a->jobs[i];
		if (x->action != PP_RUN) {
			PT_CHECK(x->action == PP_PAUSE || j->flexible, "non-flexible job %s deferred",
				 j->id);
			continue;
		}
		if (x->cap_w < j->p_min_w - 1e-9 || x->cap_w > j->p_max_w + 1e-9 ||
		    x->power_w > fmin(x->cap_w, j->demand_w) + 1e-6) {
			nfail_prop++;
			PT_CHECK(0, "job %s: cap %g outside [%g, %g] or power %g above min(cap, demand)",
				 j->id, x->cap_w, j->p_min_w, j->p_max_w, x->power_w);
		}
	}
}

/* KKT of the continuous part, from the answer's own prices: a job strictly
 * inside its range has its marginal value between its left and right
 * slopes' bracket of its price; at its floor the right slope is at most the
 * price, at its top the left slope at least. Slack limits have price 0. */
static void check_kkt(const struct pp_inst *in, const struct pp_ans *a)
{
	size_t nc = in->nnodes + in->nplants + 1;
	for (size_t k = 0; k < nc; k++) {
		const struct pp_ans_limit *l = k < in->nnodes		   ? &a->nodes[k]
					       : k < in->nnodes + in->nplants ? &a->plants[k - in->nnodes]
									      : &a->grid;
		if (l->price > 0 && !l->binding)
			nfail_kkt++;
	}
	for (size_t i = 0; i < in->njobs; i++) {
		const struct pp_inst_job *j = &in->jobs[i];
		if (a->jobs[i].action != PP_RUN)
			continue;
		double G = 0, pi = 0;
		for (size_t p = 0; p < j->nplace; p++)
			G += j->place[p].gpus;
		for (size_t k = 0; k < nc; k++) {
			const struct pp_ans_limit *l = k < in->nnodes ? &a->nodes[k]
						       : k < in->nnodes + in->nplants
							       ? &a->plants[k - in->nnodes]
							       : &a->grid;
			pi += l->price / 1000 * gpus_under(in, j, k);
		}
		double e = a->jobs[i].power_w, h = 1e-3;
		double lo = fmin(j->p_min_w, j->demand_w), hi = fmin(j->p_max_w, j->demand_w);
		double sl = e - h >= lo ? j->weight * G * (curve(j, e) - curve(j, e - h)) / h : INFINITY;
		double sr = e + h <= hi ? j->weight * G * (curve(j, e + h) - curve(j, e)) / h : 0;
		double scale = j->weight * G * (j->curve_t[1] - j->curve_t[0]) /
			       (j->curve_p[1] - j->curve_p[0]);
		double tol = 2e-3 * scale + 1e-9;
		if (pi < sr - tol || pi > sl + tol)
			nfail_kkt++;
	}
}

/* Honesty of the status (issue 22): an answer that says optimal is within
 * 1e-6 of GLPK's optimum, and the gap of one that says feasible holds. */
static int nproven[PP_POLICIES], nfeasible[PP_POLICIES], nfail_honest;

static void check_honest(int n, int pol, const struct pp_ans *a, double opt)
{
	if (!isfinite(opt) || !(opt > 0) || a->shedding)
		return;
	double short_by = (opt - a->objective) / opt;
	if (a->proven) {
		nproven[pol]++;
		nfail_honest += short_by > 1e-6;
		PT_CHECK(short_by <= 1e-6, "instance %d policy %d says optimal, %.3g short", n, pol,
			 short_by);
	} else {
		nfeasible[pol]++;
		int holds = opt <= a->objective * (1 + a->gap) * (1 + 1e-9) + 1e-9;
		nfail_honest += !holds;
		PT_CHECK(holds, "instance %d policy %d: the optimum %.9g is beyond the gap %.3g "
			 "of %.9g", n, pol, opt, a->gap, a->objective);
	}
}

static void check_optimal(int n, const struct pp_inst *in, const struct pp_ans *a, double opt)
{
	int deferred = 0;
	for (size_t i = 0; i < in->njobs; i++)
		deferred |= a->jobs[i].action != PP_RUN;
	nshed += a->shedding;
	if (!a->shedding && !deferred) {
		int before = nfail_kkt;
		nkkt++;
		check_kkt(in, a);
		nfail_kkt = before + (nfail_kkt > before);
	}
	if (!isfinite(opt) || !(opt > 0))
		return;
	double gap = (opt - a->objective) / opt;
	PT_CHECK(gap > -1e-6, "instance %d: better than GLPK's optimum? %.9g > %.9g", n,
		 a->objective, opt);
	/* "Nothing deferred": neither here nor in the optimum. */
	double all_run = deferred ? NAN : glpk_opt(in, 1, 0, NULL);
	if (!deferred && fabs(all_run - opt) <= 1e-9 * opt) {
		ncmp_exact++;
		worst_exact = fmax(worst_exact, gap);
		nfail_exact += gap > 1e-4;
		PT_CHECK(gap <= 1e-4, "instance %d: %.3g under GLPK's optimum with nothing deferred",
			 n, gap);
	} else {
		ncmp_defer++;
		worst_defer = fmax(worst_defer, gap);
		nfail_defer += gap > 0.01;
		PT_CHECK(gap <= 0.01, "instance %d: %.3g under GLPK's optimum with deferrals", n, gap);
	}
}

static void t_random(void)
{
	for (int n = 0; n < 3000; n++) {
		struct pp_inst in;
		random_inst(&in, n % 5 == 0);
		struct pp_errbuf eb;
		PT_CHECK(pp_inst_check(&in, &eb) == PP_OK, "generated instance invalid: %s", eb.msg);
		/* Every policy the solver plays (all but grid-proportional). */
		struct pp_ans a[PP_POLICIES];
		int ok[PP_POLICIES];
		for (int pol = 0; pol < PP_POLICY_GRID_PROPORTIONAL; pol++) {
			ok[pol] = pp_solve(&in, (enum pp_policy)pol, &a[pol], &eb) == PP_OK;
			PT_CHECK(ok[pol], "instance %d policy %d: %s", n, pol, eb.msg);
			if (ok[pol])
				check_answer(&in, &a[pol], pol);
		}
		int o = PP_POLICY_OPTIMAL;
		double opt = !ok[o] || a[o].shedding ? NAN : glpk_opt(&in, 0, 0, NULL);
		if (ok[o])
			check_optimal(n, &in, &a[o], opt);
		/* Jobs across racks: the greedy start and the sparse finish prove
		 * the answer with no dual sweep (iterations counts the sweeps). */
		int across = 0;
		for (size_t i = 0; i < in.njobs; i++)
			across |= in.jobs[i].nplace > 1;
		if (ok[o] && across) {
			nacross++;
			nacross_nosweep += a[o].proven && a[o].iterations == 0;
		}
		for (int pol = 0; pol < PP_POLICY_GRID_PROPORTIONAL; pol++)
			if (ok[pol]) {
				check_honest(n, pol, &a[pol], opt);
				pp_solve_free(&a[pol]);
			}
		pp_inst_free(&in);
	}
	printf("  optimality against GLPK: %d instances where nothing is deferred, %d beyond "
	       "1e-4 (worst %.2e); %d with deferrals, %d beyond 1 %% (worst %.2e); %d shedding\n"
	       "  KKT within tolerance: %d of %d; limits exceeded: %d\n"
	       "  status: optimizer %d optimal, %d feasible; proportional %d / %d; static %d / %d;"
	       " uniform %d / %d; priority %d / %d; dishonest %d\n",
	       ncmp_exact, nfail_exact, worst_exact, ncmp_defer, nfail_defer, worst_defer, nshed,
	       nkkt - nfail_kkt, nkkt, nfail_prop, nproven[PP_POLICY_OPTIMAL],
	       nfeasible[PP_POLICY_OPTIMAL], nproven[PP_POLICY_PROPORTIONAL],
	       nfeasible[PP_POLICY_PROPORTIONAL], nproven[PP_POLICY_STATIC],
	       nfeasible[PP_POLICY_STATIC], nproven[PP_POLICY_UNIFORM], nfeasible[PP_POLICY_UNIFORM],
	       nproven[PP_POLICY_PRIORITY], nfeasible[PP_POLICY_PRIORITY], nfail_honest);
	PT_CHECK(nfail_prop == 0, "a limit was exceeded or a cap left its range");
	PT_CHECK(ncmp_exact > 500 && ncmp_defer > 100, "too few comparisons");
	/* The goal (issue 5): every instance within 1e-4 / 1 % (checked one
	 * by one above), and KKT from the answer's own prices on every one. */
	PT_CHECK(nfail_kkt == 0, "KKT off in %d of %d", nfail_kkt, nkkt);
	PT_CHECK(nfail_honest == 0, "%d answers whose status or gap does not hold", nfail_honest);
	PT_CHECK(nfeasible[PP_POLICY_STATIC] + nfeasible[PP_POLICY_PROPORTIONAL] > 100,
		 "the baselines are seldom optimal: say so");
	printf("  jobs across racks: %d parks, %d proven with no dual sweep\n", nacross,
	       nacross_nosweep);
	PT_CHECK(nacross > 500 && nacross_nosweep * 10 >= nacross * 9,
		 "the greedy start proved %d of %d parks with jobs across racks", nacross_nosweep,
		 nacross);
}

/* Parks whose jobs each sit on one rack, under plants over whole halls:
 * laminar limits, solved by the greedy pass (no sweep). Its answers are
 * checked like every other (limits, ranges, KKT from their own prices,
 * GLPK's optimum, an honest status) and against the dual sweeps with the
 * exact finish on the same park. */
static void t_laminar(void)
{
	int greedy = 0, differ = 0, worse = 0, nvs = 0;
	const struct pp_solve_opts sweeps = {.sweeps_only = 1};
	int kkt0 = nkkt, exact0 = ncmp_exact, defer0 = ncmp_defer;
	for (int n = 0; n < 1500; n++) {
		struct pp_inst in;
		random_park(&in, n % 3 == 0, 1);
		struct pp_ans a, b;
		struct pp_errbuf eb;
		int ok = pp_solve(&in, PP_POLICY_OPTIMAL, &a, &eb) == PP_OK;
		PT_CHECK(ok, "laminar park %d: %s", n, eb.msg);
		if (!ok) {
			pp_inst_free(&in);
			continue;
		}
		greedy += a.iterations == 0;
		check_answer(&in, &a, PP_POLICY_OPTIMAL);
		double opt = a.shedding ? NAN : glpk_opt(&in, 0, 0, NULL);
		check_optimal(n, &in, &a, opt);
		check_honest(n, PP_POLICY_OPTIMAL, &a, opt);
		if (pp_solve_with(&in, PP_POLICY_OPTIMAL, &sweeps, &b, &eb) == PP_OK) {
			nvs++;
			double d = (b.objective - a.objective) / fmax(fabs(b.objective), 1e-9);
			differ += fabs(d) > 1e-9;
			worse += d > 1e-9;
			pp_solve_free(&b);
		}
		pp_solve_free(&a);
		pp_inst_free(&in);
	}
	printf("  laminar: %d of 1500 by the greedy pass; KKT on %d, against GLPK on %d with "
	       "nothing deferred and %d with deferrals (none beyond the goal: checked one by "
	       "one); against the sweeps on %d: %d differ by over 1e-9, %d of them worse\n",
	       greedy, nkkt - kkt0, ncmp_exact - exact0, ncmp_defer - defer0, nvs, differ, worse);
	PT_CHECK(greedy == 1500, "%d of 1500 one-rack parks not solved by the greedy pass", greedy);
	PT_CHECK(worse == 0, "the greedy pass below the sweeps on %d parks", worse);
	PT_CHECK(nfail_kkt == 0 && nfail_prop == 0 && nfail_honest == 0 && nfail_exact == 0,
		 "KKT %d, limits %d, honesty %d, optimality %d", nfail_kkt, nfail_prop, nfail_honest,
		 nfail_exact);
}

/* Warm starts (pp_solve_opts' warm), as the control loop solves: a park
 * solved again and again with one reading changed each time (a leaf's
 * base load, a job's demand, the grid limit), from the last solve's warm
 * state and cold beside it. The warm answer keeps every limit, its KKT
 * holds where nothing is off, it is as good as the cold one where it says
 * optimal and within its gap where not; on laminar parks it is the cold
 * answer exactly (the same greedy order). Another park with the same
 * state starts cold. */
static void t_warm(void)
{
	int steps = 0, starts = 0, lam_differ = 0, worse = 0, dishonest = 0, restart = 0;
	size_t mended = 0, vertices = 0;
	int kkt0 = nfail_kkt;
	for (int n = 0; n < 240; n++) {
		struct pp_solve_warm *w = pp_solve_warm_create();
		PT_CHECK(w != NULL, "out of memory");
		if (!w)
			return;
		int one_rack = n % 3 == 0;
		struct pp_inst in;
		random_park(&in, n % 4 == 0, one_rack);
		size_t before = 0;
		for (int step = 0; step < 6; step++) {
			double r = U();
			size_t k = (size_t)(U() * (double)in.nnodes);
			if (step && r < 0.6)
				in.nodes[k].base_kw = fmax(0, in.nodes[k].base_kw +
								  0.05 * (2 * U() - 1) * in.nodes[k].limit_kw);
			else if (step && r < 0.85 && in.njobs) {
				struct pp_inst_job *j = &in.jobs[(size_t)(U() * (double)in.njobs)];
				j->demand_w = j->p_min_w + (j->p_max_w - j->p_min_w) * U();
			} else if (step && isfinite(in.grid_limit_kw))
				in.grid_limit_kw *= 0.97 + 0.06 * U();
			const struct pp_solve_opts o = {.warm = w};
			struct pp_ans a, c;
			struct pp_errbuf eb, ec;
			int ea = pp_solve_with(&in, PP_POLICY_OPTIMAL, &o, &a, &eb);
			int ecold = pp_solve(&in, PP_POLICY_OPTIMAL, &c, &ec);
			PT_CHECK((ea == PP_OK) == (ecold == PP_OK), "park %d step %d: warm %s, cold %s",
				 n, step, ea ? eb.msg : "ok", ecold ? ec.msg : "ok");
			if (ea || ecold) {
				if (!ea)
					pp_solve_free(&a);
				if (!ecold)
					pp_solve_free(&c);
				continue;
			}
			steps++;
			size_t now = pp_solve_warm_starts(w);
			starts += now > before;
			before = now;
			check_answer(&in, &a, PP_POLICY_OPTIMAL);
			check_optimal(n, &in, &a, NAN); /* KKT where nothing is off */
			double short_by = (c.objective - a.objective) / fmax(fabs(c.objective), 1e-9);
			if (one_rack)
				lam_differ += fabs(short_by) > 1e-12;
			worse += a.proven && short_by > 1e-9;
			dishonest += !a.proven && c.objective > a.objective * (1 + a.gap) * (1 + 1e-9) + 1e-9;
			pp_solve_free(&a);
			pp_solve_free(&c);
		}
		/* Another park, the same state: no start from the old one. */
		struct pp_inst other;
		random_park(&other, 0, 0);
		struct pp_ans a;
		struct pp_errbuf eb;
		const struct pp_solve_opts o = {.warm = w};
		size_t was = pp_solve_warm_starts(w);
		if (pp_solve_with(&other, PP_POLICY_OPTIMAL, &o, &a, &eb) == PP_OK) {
			restart += pp_solve_warm_starts(w) != was;
			check_answer(&other, &a, PP_POLICY_OPTIMAL);
			pp_solve_free(&a);
		}
		pp_inst_free(&other);
		mended += pp_solve_warm_mended(w);
		vertices += pp_solve_warm_vertices(w);
		pp_solve_warm_destroy(w);
		pp_inst_free(&in);
	}
	printf("  warm: %d solves, %d started from the last one's prices (%zu proven from its "
	       "vertex), %zu greedy passes from its order; laminar answers not the cold ones: %d; "
	       "proven but below cold: %d; gap not holding: %d; another park started warm: %d\n",
	       steps, starts, vertices, mended, lam_differ, worse, dishonest, restart);
	PT_CHECK(steps > 1000 && starts > 300 && mended > 300 && vertices * 2 > (size_t)starts,
		 "too few warm solves (%d, %d from prices, %zu of them from the vertex, %zu from "
		 "the order)", steps, starts, vertices, mended);
	PT_CHECK(lam_differ == 0 && worse == 0 && dishonest == 0 && restart == 0,
		 "warm starts changed answers: %d %d %d %d", lam_differ, worse, dishonest, restart);
	PT_CHECK(nfail_kkt == kkt0 && nfail_prop == 0, "KKT off on %d warm answers, limits %d",
		 nfail_kkt - kkt0, nfail_prop);
}

/* Whether job x runs strictly inside its range: above its floor and
 * below both its demand and its maximum (capped by a limit). */
static int capped_inside(const struct pp_inst_job *j, const struct pp_ans_job *x)
{
	double lo = fmin(j->p_min_w, j->demand_w), top = fmin(j->p_max_w, j->demand_w);
	return x->action == PP_RUN && x->power_w > lo + 1e-6 && x->power_w < top - 1e-6;
}

/* The limit-keeping baselines by breaker (issue 24): on random parks
 * (jobs across racks and on one rack) they keep every limit and every
 * cap's range, never beat a proven optimum, and do what they say: under
 * uniform two jobs alone on the same rack, both capped inside their
 * range, have the same share of p_max; under priority a job capped
 * inside its range has every lower-weight job alone on its rack at its
 * floor. The optimum must beat them somewhere, or the comparison is
 * empty. */
static void t_baselines(void)
{
	int pairs[2] = {0, 0}, bad[2] = {0, 0}, above = 0, beaten[2] = {0, 0}, nprov = 0;
	for (int n = 0; n < 1000; n++) {
		struct pp_inst in;
		random_park(&in, n % 5 == 0, n % 3 == 0);
		struct pp_errbuf eb;
		struct pp_ans o, a[2];
		int ok_o = pp_solve(&in, PP_POLICY_OPTIMAL, &o, &eb) == PP_OK;
		PT_CHECK(ok_o, "instance %d optimal: %s", n, eb.msg);
		for (int b = 0; b < 2; b++) {
			enum pp_policy pol = b ? PP_POLICY_PRIORITY : PP_POLICY_UNIFORM;
			if (pp_solve(&in, pol, &a[b], &eb) != PP_OK) {
				PT_CHECK(0, "instance %d %s: %s", n, pp_config_policy_name(pol), eb.msg);
				continue;
			}
			check_answer(&in, &a[b], pol);
			if (ok_o && o.proven) {
				nprov += !b;
				above += a[b].objective > o.objective * (1 + 1e-9) + 1e-9;
				beaten[b] += o.objective > a[b].objective * (1 + 1e-6);
			}
			for (size_t x = 0; x < in.njobs; x++)
				for (size_t y = 0; y < in.njobs; y++) {
					const struct pp_inst_job *jx = &in.jobs[x], *jy = &in.jobs[y];
					if (x == y || jx->nplace != 1 || jy->nplace != 1 ||
					    jx->place[0].node != jy->place[0].node)
						continue;
					if (!b && x < y && capped_inside(jx, &a[b].jobs[x]) &&
					    capped_inside(jy, &a[b].jobs[y])) {
						pairs[b]++;
						double sx = a[b].jobs[x].power_w / jx->p_max_w;
						double sy = a[b].jobs[y].power_w / jy->p_max_w;
						bad[b] += fabs(sx - sy) > 1e-6 * fmax(sx, sy);
					}
					if (b && jx->weight < jy->weight && capped_inside(jy, &a[b].jobs[y]) &&
					    a[b].jobs[x].action == PP_RUN) {
						pairs[b]++;
						bad[b] += a[b].jobs[x].power_w >
							  fmin(jx->p_min_w, jx->demand_w) + 1e-6;
					}
				}
			pp_solve_free(&a[b]);
		}
		if (ok_o)
			pp_solve_free(&o);
		pp_inst_free(&in);
	}
	printf("  baselines: uniform %d pairs on one rack, %d with unequal shares; priority %d "
	       "pairs, %d with a lower weight above its floor; above a proven optimum %d; the "
	       "optimum ahead of uniform on %d and of priority on %d of %d\n",
	       pairs[0], bad[0], pairs[1], bad[1], above, beaten[0], beaten[1], nprov);
	PT_CHECK(nfail_prop == 0, "a baseline exceeded a limit or left a cap's range");
	PT_CHECK(bad[0] == 0 && bad[1] == 0, "a baseline did not cap as it says (%d, %d)", bad[0],
		 bad[1]);
	PT_CHECK(pairs[0] > 50 && pairs[1] > 50, "too few pairs to check (%d, %d)", pairs[0],
		 pairs[1]);
	PT_CHECK(above == 0, "%d baseline answers above a proven optimum", above);
	PT_CHECK(beaten[0] > nprov / 10 && beaten[1] > nprov / 10,
		 "the optimum seldom beats the baselines (%d, %d of %d): the comparison shows nothing",
		 beaten[0], beaten[1], nprov);
}

/* A solve cut short (no exact finish, or a branch and bound of one
 * relaxation) must not claim what it did not prove: it says feasible with
 * a gap that holds, or optimal and is. */
static void t_cut_short(void)
{
	int feasible = 0, optimal = 0, bad = 0, bb_feasible = 0;
	const struct pp_solve_opts cut = {.exact_cells = 1, .sweeps_only = 1};
	const struct pp_solve_opts bb1 = {.bb_nodes = 1};
	for (int n = 0; n < 800; n++) {
		struct pp_inst in;
		random_inst(&in, n % 5 == 0);
		struct pp_ans a;
		struct pp_errbuf eb;
		/* The second half: only the branch and bound cut short, its
		 * gap the bound of the nodes it left open. */
		if (pp_solve_with(&in, PP_POLICY_OPTIMAL, n < 400 ? &cut : &bb1, &a, &eb) != PP_OK) {
			PT_CHECK(0, "instance %d: %s", n, eb.msg);
			pp_inst_free(&in);
			continue;
		}
		double opt = a.shedding ? NAN : glpk_opt(&in, 0, 0, NULL);
		if (isfinite(opt) && opt > 0) {
			if (a.proven) {
				optimal++;
				bad += (opt - a.objective) / opt > 1e-6;
			} else {
				feasible++;
				bb_feasible += n >= 400;
				bad += opt > a.objective * (1 + a.gap) * (1 + 1e-9) + 1e-9;
				bad += !(a.gap > 0);
			}
		}
		pp_solve_free(&a);
		pp_inst_free(&in);
	}
	printf("  cut short: %d feasible (gap held; %d of them by the branch and bound's budget), %d "
	       "still proven by the dual bound, %d dishonest\n", feasible, bb_feasible, optimal, bad);
	PT_CHECK(bad == 0, "%d cut-short answers claim more than they proved", bad);
	PT_CHECK(feasible - bb_feasible > 20,
		 "cutting the finish short left too few unproven answers (%d)", feasible - bb_feasible);
	PT_CHECK(bb_feasible > 5, "a branch and bound of one relaxation left too few unproven "
		 "answers (%d)", bb_feasible);
}

static void expect_bad(const char *json, const char *want)
{
	struct pp_inst in;
	struct pp_errbuf eb;
	enum pp_err e = pp_inst_parse(json, strlen(json), &in, &eb);
	PT_CHECK(e != PP_OK && strstr(eb.msg, want), "want error with '%s', got: %s", want,
		 e ? eb.msg : "accepted");
	pp_inst_free(&in);
}

#define NODES "\"nodes\":[{\"id\":\"s\",\"parent\":null,\"limit_kw\":100},{\"id\":\"r\",\"parent\":\"s\",\"limit_kw\":50}]"
#define JOB(extra) "\"jobs\":[{\"id\":\"j\",\"p_min_w\":200,\"p_max_w\":700,\"placement\":[{\"node\":\"r\",\"gpus\":8}],\"curve\":[[200,0.5],[700,1]]" extra "}]"

static void t_bad_input(void)
{
	expect_bad("{" NODES ",\"jobs\":[]", "line 1");
	expect_bad("{\"nodes\":[{\"id\":\"s\",\"parent\":\"x\",\"limit_kw\":1}],\"jobs\":[]}",
		   "node 's': unknown parent 'x'");
	expect_bad("{\"nodes\":[{\"id\":\"a\",\"parent\":\"b\",\"limit_kw\":1},{\"id\":\"b\","
		   "\"parent\":\"a\",\"limit_kw\":1}],\"jobs\":[]}",
		   "cycle");
	expect_bad("{\"nodes\":[{\"id\":\"a\",\"parent\":null,\"limit_kw\":1},{\"id\":\"b\","
		   "\"parent\":null,\"limit_kw\":1}],\"jobs\":[]}",
		   "2 root nodes");
	expect_bad("{" NODES ",\"jobs\":[{\"id\":\"j\",\"p_min_w\":200,\"p_max_w\":700,"
		   "\"placement\":[{\"node\":\"s\",\"gpus\":8}],\"curve\":[[200,0.5],[700,1]]}]}",
		   "job 'j': node 's' is not a leaf");
	expect_bad("{" NODES ",\"jobs\":[{\"id\":\"j\",\"p_min_w\":800,\"p_max_w\":700,"
		   "\"placement\":[{\"node\":\"r\",\"gpus\":8}],\"curve\":[[200,0.5],[700,1]]}]}",
		   "job 'j': p_min_w 800 > p_max_w 700");
	expect_bad("{" NODES ",\"jobs\":[{\"id\":\"j\",\"p_min_w\":200,\"p_max_w\":700,"
		   "\"placement\":[{\"node\":\"r\",\"gpus\":8}],\"curve\":[[200,0.5],[400,0.6],"
		   "[700,1]]}]}",
		   "job 'j': curve is not concave");
	expect_bad("{" NODES ",\"jobs\":[{\"id\":\"j\",\"p_min_w\":200,\"p_max_w\":700,"
		   "\"placement\":[{\"node\":\"r\",\"gpus\":8}],\"curve\":[[200,0.5],[700,0.4]]}]}",
		   "job 'j': curve is not increasing");
	expect_bad("{" NODES ",\"plants\":[{\"id\":\"p\",\"nodes\":[\"zz\"],\"capacity_kw\":5}],"
		   JOB("") "}", "plant 'p': nodes[0] is not a known node id");
	expect_bad("{" NODES "," JOB(",\"flexible\":\"yes\"") "}", "job 'j': \"flexible\"");
	expect_bad("{\"nodes\":[{\"id\":\"s\",\"parent\":null,\"limit_kw\":\"big\"}],\"jobs\":[]}",
		   "node 's': \"limit_kw\" must be a number");
	/* Base load over a limit: no caps can help; said so, naming it. */
	const char *over = "{\"nodes\":[{\"id\":\"s\",\"parent\":null,\"limit_kw\":100},"
			   "{\"id\":\"r\",\"parent\":\"s\",\"limit_kw\":5,\"base_kw\":6}]," JOB("") "}";
	struct pp_inst in;
	struct pp_errbuf eb;
	PT_CHECK(pp_inst_parse(over, strlen(over), &in, &eb) == PP_OK, "parse: %s", eb.msg);
	struct pp_ans a;
	PT_CHECK(pp_solve(&in, PP_POLICY_OPTIMAL, &a, &eb) == PP_ERR_ARG && strstr(eb.msg, "'r'"),
		 "base over limit: %s", eb.msg);
	pp_inst_free(&in);
}

/* The builders copy what they take, refuse what is out of range, and
 * reuse their storage after a reset. */
static void t_builders(void)
{
	struct pp_inst in;
	pp_inst_init(&in);
	PT_CHECK(in.nnodes == 0 && !in.nodes && !in.pool && isinf(in.grid_limit_kw), "init");
	char id[32] = "site";
	PT_CHECK(pp_inst_add_node(&in, id, 0, 100, 0) == PP_ERR_ARG, "a parent not added yet");
	PT_CHECK(pp_inst_add_node(&in, NULL, -1, 100, 0) == PP_ERR_ARG, "a NULL id");
	PT_CHECK(in.nnodes == 0, "refused nodes are not added");
	PT_CHECK(pp_inst_add_node(&in, id, -1, 100, 0) == PP_OK, "root");
	strcpy(id, "rack");
	PT_CHECK(pp_inst_add_node(&in, id, 0, 50, 1) == PP_OK, "rack");
	strcpy(id, "changed");
	PT_CHECK(!strcmp(in.nodes[0].id, "site") && !strcmp(in.nodes[1].id, "rack") &&
		 in.nodes[1].parent == 0, "node ids are copies");
	int nodes[] = {1};
	PT_CHECK(pp_inst_add_plant(&in, "p", 10, (int[]){2}, 1) == PP_ERR_ARG, "plant node range");
	PT_CHECK(pp_inst_add_plant(&in, "p", 10, nodes, 1) == PP_OK, "plant");
	nodes[0] = 0;
	PT_CHECK(in.plants[0].nodes[0] == 1 && in.plants[0].nnodes == 1, "plant nodes are copies");
	struct pp_inst_place pl = {1, 8};
	struct pp_inst_job j = {.id = "j", .weight = 1, .p_min_w = 200, .p_max_w = 700,
				.demand_w = 700, .place = &pl, .nplace = 1, .ncurve = 2,
				.curve_p = {200, 700}, .curve_t = {0.5, 1}};
	PT_CHECK(pp_inst_add_job(&in, &j) == PP_OK, "job");
	pl.gpus = 99;
	PT_CHECK(in.jobs[0].place != &pl && in.jobs[0].place[0].gpus == 8, "placement copied");
	j.ncurve = PP_SOLVE_CURVE_MAX + 1;
	PT_CHECK(pp_inst_add_job(&in, &j) == PP_ERR_ARG, "too many curve points");
	j.ncurve = 2;
	pl.node = 5;
	PT_CHECK(pp_inst_add_job(&in, &j) == PP_ERR_ARG && in.njobs == 1, "placement range");
	struct pp_errbuf eb;
	PT_CHECK(pp_inst_check(&in, &eb) == PP_OK, "built instance: %s", eb.msg);
	/* Many more: the arrays move, what the elements point to does not. */
	const char *first = in.nodes[1].id;
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof id, "n%d", i);
		PT_CHECK(pp_inst_add_node(&in, id, 1, 1, 0) == PP_OK, "node %d", i);
	}
	PT_CHECK(in.nodes[1].id == first && !strcmp(first, "rack") &&
		 !strcmp(in.nodes[5001].id, "n4999"), "ids stay put while the instance grows");
	/* Reset: empty, the same storage; a second fill of the same size
	 * allocates nothing new. */
	for (int round = 0; round < 3; round++) {
		pp_inst_reset(&in);
		PT_CHECK(in.nnodes == 0 && in.njobs == 0 && in.nplants == 0 && in.margin == 0 &&
			 isinf(in.grid_limit_kw), "reset empties");
		const void *nodes_at = in.nodes, *pool_at = in.pool;
		for (int i = 0; i < 5002; i++) {
			snprintf(id, sizeof id, "n%d", i);
			PT_CHECK(pp_inst_add_node(&in, id, i ? 0 : -1, 1, 0) == PP_OK, "refill %d", i);
		}
		if (round)
			PT_CHECK(in.nodes == nodes_at && in.pool == pool_at, "round %d reallocated", round);
	}
	pp_inst_free(&in);
	PT_CHECK(!in.nodes && !in.pool && in.nnodes == 0, "free leaves it empty");
	pp_inst_free(&in);
}

/* A hand-made case: a rack limit binds; the job with the better curve gets
 * the watts, and a flexible job that cannot start is deferred. */
static void t_small_cases(void)
{
	const char *js =
		"{\"nodes\":[{\"id\":\"s\",\"parent\":null,\"limit_kw\":100},"
		"{\"id\":\"r\",\"parent\":\"s\",\"limit_kw\":3.5}],"
		"\"jobs\":[{\"id\":\"a\",\"weight\":1,\"p_min_w\":100,\"p_max_w\":500,"
		"\"placement\":[{\"node\":\"r\",\"gpus\":4}],\"curve\":[[100,0.2],[500,1]]},"
		"{\"id\":\"b\",\"weight\":1,\"p_min_w\":100,\"p_max_w\":500,"
		"\"placement\":[{\"node\":\"r\",\"gpus\":4}],\"curve\":[[100,0.2],[500,0.4]]},"
		"{\"id\":\"c\",\"weight\":0.1,\"p_min_w\":400,\"p_max_w\":500,\"flexible\":true,"
		"\"placement\":[{\"node\":\"r\",\"gpus\":4}],\"curve\":[[400,0.9],[500,1]]}]}";
	struct pp_inst in;
	struct pp_errbuf eb;
	PT_CHECK(pp_inst_parse(js, strlen(js), &in, &eb) == PP_OK, "parse: %s", eb.msg);
	struct pp_ans a;
	if (pp_solve(&in, PP_POLICY_OPTIMAL, &a, &eb) == PP_OK) {
		/* 3.5 kW for 8 GPUs (c deferred): a at 500 W (2 kW), b the rest. */
		PT_CHECK(a.jobs[2].action == PP_DEFER, "c not deferred");
		PT_CHECK(fabs(a.jobs[0].power_w - 500) < 1e-6 && fabs(a.jobs[1].power_w - 375) < 1e-6,
			 "a %g b %g", a.jobs[0].power_w, a.jobs[1].power_w);
		PT_CHECK(a.nodes[1].binding && !a.shedding, "rack binding");
		pp_solve_free(&a);
	}
	pp_inst_free(&in);
}

/* The answer is JSON whatever the ids hold: quotes, backslashes and
 * control characters are escaped (they were printed raw before). */
static void t_answer_json(void)
{
	const char *js = "{\"nodes\":[{\"id\":\"s\\\"x\",\"parent\":null,\"limit_kw\":100},"
			 "{\"id\":\"r\\\\\\n\",\"parent\":\"s\\\"x\",\"limit_kw\":50}],"
			 "\"jobs\":[{\"id\":\"j\\\"\",\"p_min_w\":200,\"p_max_w\":700,"
			 "\"placement\":[{\"node\":\"r\\\\\\n\",\"gpus\":8}],"
			 "\"curve\":[[200,0.5],[700,1]]}]}";
	struct pp_inst in;
	struct pp_errbuf eb;
	PT_CHECK(pp_inst_parse(js, strlen(js), &in, &eb) == PP_OK, "parse: %s", eb.msg);
	struct pp_ans a;
	if (pp_solve(&in, PP_POLICY_OPTIMAL, &a, &eb) == PP_OK) {
		char *out = pp_solve_json(&in, &a);
		json_error_t je;
		json_t *root = out ? json_loads(out, 0, &je) : NULL;
		PT_CHECK(root, "answer is not JSON: %s", out ? je.text : "NULL");
		const char *job = json_string_value(json_object_get(
			json_array_get(json_object_get(root, "jobs"), 0), "id"));
		const char *rack = json_string_value(json_object_get(
			json_array_get(json_object_get(root, "nodes"), 1), "id"));
		PT_CHECK(job && !strcmp(job, "j\"") && rack && !strcmp(rack, "r\\\n"),
			 "ids round-trip: %s / %s", job ? job : "-", rack ? rack : "-");
		json_decref(root);
		free(out);
		pp_solve_free(&a);
	}
	pp_inst_free(&in);
}

int main(void)
{
	PT_RUN(t_builders);
	PT_RUN(t_bad_input);
	PT_RUN(t_small_cases);
	PT_RUN(t_answer_json);
	PT_RUN(t_random);
	PT_RUN(t_laminar);
	PT_RUN(t_warm);
	PT_RUN(t_cut_short);
	PT_RUN(t_baselines);
	return PT_DONE("test_solve");
}
