/* bench_solve.c - the optimizer at park scale next to GLPK on the same
 * instances: parks of about 1,000, 10,000 and 100,000 GPUs (5 halls, racks of
 * 64 GPUs, jobs of 8 to 1,024 GPUs spanning racks, a grid limit and some
 * rack limits that bind). Prints, per size, the median solve time of
 * powerpark (5 runs), GLPK's time and objective on the exact model
 * (tests/glpk_ref.h, one run, 120 s limit), and both baselines' objective relative to powerpark's.
 * One core; run with taskset. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/buf.h"
#include "powerpark/inst.h"
#include "powerpark/log.h"
#include "powerpark/solve.h"
#include "../tests/glpk_ref.h"

#define PP_BENCH_ID 48    /* longest id, with its NUL */
#define PP_BENCH_PLACE 20 /* most racks a job spans */

static unsigned long long rs = 88172645463325252ULL;
static double U(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (double)(rs >> 11) / 9007199254740992.0;
}

/* The id fmt names, in a buffer of the caller's (returned). */
__attribute__((format(printf, 2, 3))) static const char *idf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, PP_BENCH_ID, fmt, ap);
	va_end(ap);
	return buf;
}

/* Exits on a builder's failure: the bench's parks are always valid. */
static void built(enum pp_err e)
{
	if (e) {
		fprintf(stderr, "bench_solve: building the park: %s\n", pp_err_str(e));
		exit(1);
	}
}

static void park(struct pp_inst *in, int gpus)
{
	pp_inst_init(in);
	int racks = gpus / 64, halls = 5, rows_per = (racks + 5 * 16 - 1) / (5 * 16);
	if (racks < halls)
		racks = halls;
	in->margin = 0.02;
	char id[PP_BENCH_ID];
	built(pp_inst_add_node(in, "site", -1, 0, 200));
	int *rack = calloc((size_t)racks, sizeof *rack), nr = 0;
	for (int h = 0; h < halls; h++) {
		int hi = (int)in->nnodes;
		built(pp_inst_add_node(in, idf(id, "h%d", h), 0, 0, 50));
		for (int r = 0; r < rows_per && nr < racks; r++) {
			int ri = (int)in->nnodes;
			built(pp_inst_add_node(in, idf(id, "h%d-r%d", h, r), hi, 0, 0));
			for (int k = 0; k < 16 && nr < racks && nr < (h + 1) * racks / halls; k++) {
				rack[nr++] = (int)in->nnodes;
				built(pp_inst_add_node(in, idf(id, "k%d-%d", h * 1000 + r, k), ri, 0, 3.5));
			}
		}
	}
	racks = nr;
	/* Jobs fill the racks: sizes 8..1,024 GPUs, placed on consecutive racks. */
	int *free_g = calloc((size_t)racks, sizeof *free_g);
	for (int k = 0; k < racks; k++)
		free_g[k] = 64;
	int cur = 0;
	while (cur < racks) {
		static const int sizes[] = {8, 8, 8, 8, 16, 16, 32, 32, 64, 128};
		int want = sizes[(int)(U() * 10)];
		struct pp_inst_place place[PP_BENCH_PLACE];
		struct pp_inst_job job = {.place = place}, *j = &job;
		while (want > 0 && cur < racks && j->nplace < PP_BENCH_PLACE) {
			int take = want < free_g[cur] ? want : free_g[cur];
			place[j->nplace++] = (struct pp_inst_place){rack[cur], take};
			free_g[cur] -= take;
			want -= take;
			if (!free_g[cur])
				cur++;
		}
		j->id = idf(id, "j%zu", in->njobs);
		double cls = U();
		j->weight = cls < 0.3 ? 3 : cls < 0.8 ? 1 : 0.5;
		j->flexible = cls >= 0.8;
		j->p_min_w = 200;
		j->p_max_w = 700;
		j->demand_w = 450 + U() * 250;
		double x0 = cls < 0.3 ? 0.05 : 0.1, s = cls < 0.3 ? 0.18 : 0.35;
		j->ncurve = 6;
		for (size_t k = 0; k < 6; k++) {
			double p = 200 + 100.0 * (double)k;
			j->curve_p[k] = p;
			j->curve_t[k] = 1 - exp(-(p / 700 - x0) / s);
		}
		built(pp_inst_add_job(in, j));
	}
	/* Limits: racks at 36 kW (some bind at full demand), halls and the grid
	 * at about 85 % of the full draw. */
	double site = 0;
	for (size_t i = 0; i < in->nnodes; i++)
		in->nodes[i].limit_kw = 1e9;
	double *draw = calloc(in->nnodes, sizeof *draw);
	for (size_t i = 0; i < in->njobs; i++)
		for (size_t p = 0; p < in->jobs[i].nplace; p++)
			for (int n = in->jobs[i].place[p].node; n >= 0; n = in->nodes[n].parent)
				draw[n] += in->jobs[i].place[p].gpus * in->jobs[i].demand_w / 1000;
	for (size_t n = 0; n < in->nnodes; n++) {
		int leaf = 1;
		for (size_t m = 0; m < in->nnodes; m++)
			leaf &= in->nodes[m].parent != (int)n;
		if (leaf)
			in->nodes[n].limit_kw = 40;
		else if (in->nodes[n].parent == 0)
			in->nodes[n].limit_kw = draw[n] * 0.9 + 60;
		else
			in->nodes[n].limit_kw = draw[n] * 1.2 + 10;
	}
	site = draw[0];
	in->nodes[0].limit_kw = site * 1.5 + 500;
	in->grid_cooling = 0.2;
	in->grid_other_kw = 300;
	in->grid_limit_kw = (site * 0.85 + 250) * 1.2 + 300;
	/* Two plants: even halls and odd halls (found by their names). */
	for (int q = 0; q < 2; q++) {
		int nodes[8];
		size_t n = 0;
		for (size_t k = 0; k < in->nnodes; k++)
			if (in->nodes[k].parent == 0 && (atoi(in->nodes[k].id + 1) % 2) == q)
				nodes[n++] = (int)k;
		double d = 0;
		for (size_t m = 0; m < n; m++)
			d += draw[nodes[m]];
		built(pp_inst_add_plant(in, idf(id, "plant%d", q), d * 0.95 + 100, nodes, n));
	}
	free(draw);
	free(rack);
	free(free_g);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Reads the instance file at path into in (written); 1 with a message on
 * error. */
static int read_inst(const char *path, struct pp_inst *in)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench_solve: cannot open %s\n", path);
		pp_inst_init(in);
		return 1;
	}
	struct pp_buf b;
	pp_buf_init(&b);
	char tmp[65536];
	size_t n;
	int bad = 0;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		bad |= pp_buf_append(&b, tmp, n) != PP_OK;
	fclose(f);
	struct pp_errbuf eb;
	if (bad || pp_inst_parse(b.data ? b.data : "", b.len, in, &eb)) {
		fprintf(stderr, "bench_solve: %s: %s\n", path, bad ? "out of memory" : eb.msg);
		pp_buf_free(&b);
		pp_inst_free(in);
		return 1;
	}
	pp_buf_free(&b);
	return 0;
}

/* GLPK on an instance file (`bench_solve --glpk FILE.json`): its time and
 * objective on the exact MILP, 120 s at most, as one line for
 * bench_highs.py. */
static int glpk_file(const char *path)
{
	struct pp_inst in;
	if (read_inst(path, &in))
		return 1;
	double gs;
	double gv = glpk_opt(&in, 0, 120000, &gs);
	printf("glpk_s %.6f glpk_obj %.9g\n", gs, gv);
	pp_inst_free(&in);
	return 0;
}

/* The optimizer on an instance file (`bench_solve --time FILE.json`), in
 * one process as the control loop solves: the first solve (cold) and the
 * median of the next 7 (warm allocator), as one line for bench_highs.py. */
static int time_file(const char *path)
{
	struct pp_inst in;
	if (read_inst(path, &in))
		return 1;
	double t[8], obj = 0;
	for (int r = 0; r < 8; r++) {
		struct pp_ans a;
		struct pp_errbuf eb;
		if (pp_solve(&in, PP_POLICY_OPTIMAL, &a, &eb)) {
			fprintf(stderr, "bench_solve: %s: %s\n", path, eb.msg);
			pp_inst_free(&in);
			return 1;
		}
		t[r] = a.solve_us / 1000;
		obj = a.objective;
		pp_solve_free(&a);
	}
	qsort(t + 1, 7, sizeof *t, cmp);
	printf("cold_ms %.3f warm_ms %.3f obj %.9g\n", t[0], t[4], obj);
	pp_inst_free(&in);
	return 0;
}

/* Warm starts (`bench_solve --warm FILE.json`), as the control loop
 * solves: after a first solve, 9 times one leaf node's base load (one
 * rack's reading) moves by up to 2 % of its limit, and the park is solved
 * from the last solve's warm state and again without it, in the same
 * process. Prints the medians, how far the warm objective falls short of
 * the cold one at most (relative; negative: it is above), and how many
 * warm answers are unproven where the cold one is proven. With
 * PP_BENCH_VERBOSE set, every pair of solves on stderr. */
static int warm_file(const char *path)
{
	struct pp_inst in;
	if (read_inst(path, &in))
		return 1;
	struct pp_solve_warm *w = pp_solve_warm_create();
	char *leaf = calloc(in.nnodes + 1, 1);
	if (!w || !leaf) {
		fprintf(stderr, "bench_solve: out of memory\n");
		goto fail;
	}
	for (size_t k = 0; k < in.nnodes; k++)
		leaf[k] = 1;
	for (size_t k = 0; k < in.nnodes; k++)
		if (in.nodes[k].parent >= 0)
			leaf[in.nodes[k].parent] = 0;
	enum { RUNS = 10 };
	double tw[RUNS], tc[RUNS], diff = -INFINITY;
	int unproven = 0;
	for (int r = 0; r < RUNS; r++) {
		size_t k = (size_t)(U() * (double)in.nnodes) % in.nnodes;
		while (!leaf[k])
			k = (k + 1) % in.nnodes;
		if (r > 0 && isfinite(in.nodes[k].limit_kw))
			in.nodes[k].base_kw = fmax(0, in.nodes[k].base_kw +
							  0.02 * (2 * U() - 1) * in.nodes[k].limit_kw);
		struct pp_solve_opts o = {.warm = w};
		struct pp_ans a, c;
		struct pp_errbuf eb;
		if (pp_solve_with(&in, PP_POLICY_OPTIMAL, &o, &a, &eb)) {
			fprintf(stderr, "bench_solve: %s: %s\n", path, eb.msg);
			goto fail;
		}
		if (pp_solve(&in, PP_POLICY_OPTIMAL, &c, &eb)) {
			fprintf(stderr, "bench_solve: %s: %s\n", path, eb.msg);
			pp_solve_free(&a);
			goto fail;
		}
		tw[r] = a.solve_us / 1000;
		tc[r] = c.solve_us / 1000;
		/* How far the warm answer falls short of the cold one (< 0: above). */
		if (r > 0)
			diff = fmax(diff, (c.objective - a.objective) / fmax(1e-300, fabs(c.objective)));
		unproven += !a.proven && c.proven;
		if (getenv("PP_BENCH_VERBOSE"))
			fprintf(stderr, "run %d warm %.3f ms obj %.9g proven %d gap %.2e | cold %.3f ms "
				"obj %.9g proven %d gap %.2e\n", r, a.solve_us / 1000, a.objective,
				a.proven, a.gap, c.solve_us / 1000, c.objective, c.proven, c.gap);
		pp_solve_free(&a);
		pp_solve_free(&c);
	}
	qsort(tw + 1, RUNS - 1, sizeof *tw, cmp);
	qsort(tc + 1, RUNS - 1, sizeof *tc, cmp);
	printf("warm_ms %.3f cold_ms %.3f first_ms %.3f warm_starts %zu warm_short %.2e "
	       "unproven_warm %d\n",
	       tw[RUNS / 2], tc[RUNS / 2], tw[0], pp_solve_warm_starts(w), diff, unproven);
	free(leaf);
	pp_solve_warm_destroy(w);
	pp_inst_free(&in);
	return 0;
fail:
	free(leaf);
	pp_solve_warm_destroy(w);
	pp_inst_free(&in);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--glpk"))
		return glpk_file(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--time"))
		return time_file(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--warm"))
		return warm_file(argv[2]);
	int sizes[] = {1000, 10000, 100000};
	int n = argc > 1 ? atoi(argv[1]) : 3;
	for (int s = 0; s < n && s < 3; s++) {
		struct pp_inst in;
		park(&in, sizes[s]);
		struct pp_errbuf eb;
		if (pp_inst_check(&in, &eb)) {
			fprintf(stderr, "bench_solve: %s\n", eb.msg);
			return 1;
		}
		size_t G = 0;
		for (size_t i = 0; i < in.njobs; i++)
			for (size_t p = 0; p < in.jobs[i].nplace; p++)
				G += (size_t)in.jobs[i].place[p].gpus;
		double t[5], obj = 0, base[2] = {0, 0};
		int shed = 0, deferred = 0;
		for (int r = 0; r < 5; r++) {
			struct pp_ans a;
			if (pp_solve(&in, PP_POLICY_OPTIMAL, &a, &eb)) {
				fprintf(stderr, "bench_solve: %s\n", eb.msg);
				return 1;
			}
			t[r] = a.solve_us / 1000.0;
			obj = a.objective;
			shed = a.shedding;
			deferred = 0;
			for (size_t i = 0; i < in.njobs; i++)
				deferred += a.jobs[i].action != PP_RUN;
			pp_solve_free(&a);
		}
		qsort(t, 5, sizeof t[0], cmp);
		for (int p = 0; p < 2; p++) {
			struct pp_ans a;
			if (!pp_solve(&in, p ? PP_POLICY_STATIC : PP_POLICY_PROPORTIONAL, &a, &eb)) {
				base[p] = a.objective;
				pp_solve_free(&a);
			}
		}
		double gs;
		double gv = glpk_opt(&in, 0, 120000, &gs);
		printf("solve_%d gpus %zu racks_nodes %zu jobs %zu pp_ms %.3f glpk_s %.6f pp_obj %.6f "
		       "glpk_obj %.6f gap %.2e prop_rel %.4f static_rel %.4f deferred %d shedding %d\n",
		       sizes[s], G, in.nnodes, in.njobs, t[2], gs, obj, gv, (gv - obj) / gv,
		       base[0] / obj, base[1] / obj, deferred, shed);
		fflush(stdout);
		pp_inst_free(&in);
	}
	return 0;
}
