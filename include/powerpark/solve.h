/* solve.h - the optimizer: a power cap and a run/defer/pause action for
 * every job so that every node, plant and grid limit holds and the
 * priority-weighted throughput is as high as it can be (ARCHITECTURE §6;
 * the exact problem is in docs/optimizer.md). */
#ifndef PP_SOLVE_H
#define PP_SOLVE_H

#include <stddef.h>

#include "powerpark/err.h"

#define PP_SOLVE_CURVE_MAX 16

/* One instance, as `powerpark solve` reads it. Built by pp_inst_parse or by
 * hand (then checked by pp_inst_check); freed with pp_inst_free. Strings and
 * arrays are owned by the instance. */
struct pp_inst_node {
	char *id;
	int parent;         /* index, -1 for the root */
	double limit_kw, base_kw;
};

struct pp_inst_place {
	int node;           /* index of a leaf */
	int gpus;
};

struct pp_inst_job {
	char *id;
	double weight, p_min_w, p_max_w, demand_w;
	struct pp_inst_place *place;
	size_t nplace;
	double curve_p[PP_SOLVE_CURVE_MAX], curve_t[PP_SOLVE_CURVE_MAX];
	size_t ncurve;
	int flexible;
};

struct pp_inst_plant {
	char *id;
	int *nodes;
	size_t nnodes;
	double capacity_kw;
};

struct pp_inst {
	double margin;
	double grid_limit_kw, grid_other_kw, grid_cooling;
	struct pp_inst_node *nodes;
	size_t nnodes;
	struct pp_inst_plant *plants;
	size_t nplants;
	struct pp_inst_job *jobs;
	size_t njobs;
};

/* Parses the JSON text (borrowed, len bytes) into inst (written; free it
 * with pp_inst_free even on error). Bad input - unknown parent, a cycle, two
 * roots, a curve that is not concave or not increasing, a job on a node that
 * is not a leaf, p_min > p_max, a missing or mistyped field - fails with a
 * message naming the element. */
PP_WUR enum pp_err pp_inst_parse(const char *text, size_t len, struct pp_inst *inst,
				 struct pp_errbuf *eb);

/* The semantic checks of pp_inst_parse on an instance built by hand. */
PP_WUR enum pp_err pp_inst_check(const struct pp_inst *inst, struct pp_errbuf *eb);

void pp_inst_free(struct pp_inst *inst);

enum pp_action { PP_RUN, PP_DEFER, PP_PAUSE };

struct pp_ans_job {
	enum pp_action action;
	double cap_w, power_w; /* per GPU; 0 when deferred or paused */
};

struct pp_ans_limit {      /* one node, plant or the grid */
	double power_kw, limit_kw;
	int binding;
	double price;          /* its multiplier: objective per kW of limit */
};

/* An answer. Embedded value type: pp_solve fills it, pp_ans_free frees it. */
struct pp_ans {
	int shedding;          /* limits could not hold without pausing jobs */
	double objective;
	struct pp_ans_job *jobs;      /* njobs, in instance order */
	struct pp_ans_limit *nodes;   /* nnodes */
	struct pp_ans_limit *plants;  /* nplants */
	struct pp_ans_limit grid;
	double solve_us;
	int iterations;        /* dual sweeps, for the curious */
};

/* The policy that chooses the caps: the optimizer, or a baseline for
 * comparison (both keep every limit too). */
enum pp_policy {
	PP_POLICY_OPTIMAL,
	PP_POLICY_PROPORTIONAL, /* every running GPU capped by one common factor */
	PP_POLICY_STATIC,       /* one uniform cap fraction sized for all at full demand */
};

/* Solves inst (borrowed, checked) with the policy into ans (written). Every
 * limit holds in the answer up to 1e-9 relative (checked after solving;
 * PP_ERR_ARG if the instance cannot be made feasible even by pausing every
 * job, i.e. base loads alone exceed a limit). */
PP_WUR enum pp_err pp_solve(const struct pp_inst *inst, enum pp_policy policy, struct pp_ans *ans,
			    struct pp_errbuf *eb);

void pp_ans_free(struct pp_ans *ans);

/* Throughput of job j at per-GPU power e (the curve, linear between points,
 * flat past the last, linear before the first, never below 0). */
double pp_inst_curve(const struct pp_inst_job *j, double e_w);

/* Writes the answer as the JSON of `powerpark solve` to a malloc'ed string
 * (returned, taken by the caller), or NULL when out of memory. */
char *pp_ans_json(const struct pp_inst *inst, const struct pp_ans *ans);

#endif
