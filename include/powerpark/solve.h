/* solve.h - the optimizer: a power cap and a run/defer/pause action for
 * every job so that every node, plant and grid limit holds and the
 * priority-weighted throughput is as high as it can be (ARCHITECTURE §6;
 * the exact problem is in docs/optimizer.md). */
#ifndef PP_SOLVE_H
#define PP_SOLVE_H

#include <stddef.h>

#include "powerpark/config.h"
#include "powerpark/err.h"
#include "powerpark/inst.h"

enum pp_action { PP_RUN, PP_DEFER, PP_PAUSE };

/* The relative gap to the dual's bound under which an answer counts as
 * proven optimal even without the exact finish's KKT proof. */
#define PP_SOLVE_GAP 1e-9

struct pp_ans_job {
	enum pp_action action;
	double cap_w, power_w; /* per GPU; 0 when deferred or paused */
};

struct pp_ans_limit {      /* one node, plant or the grid */
	double power_kw, limit_kw;
	int binding;
	double price;          /* its multiplier: objective per kW of limit */
};

/* An answer. Embedded value type: pp_solve fills it, pp_solve_free frees it. */
struct pp_ans {
	int shedding;          /* limits could not hold without pausing jobs */
	int proven;            /* the objective is proven optimal (to PP_SOLVE_GAP) */
	double objective;
	double gap;            /* (bound - objective) / objective, the bound from the
				* dual (weak duality): 0 when proven, an upper bound
				* on how far from the optimum the answer can be else */
	struct pp_ans_job *jobs;      /* njobs, in instance order */
	struct pp_ans_limit *nodes;   /* nnodes */
	struct pp_ans_limit *plants;  /* nplants */
	struct pp_ans_limit grid;
	double solve_us;
	int iterations;        /* dual sweeps, for the curious */
};

/* Solves inst (borrowed, checked) with the policy into ans (written). Every
 * limit holds in the answer up to 1e-9 relative (checked after solving;
 * PP_ERR_ARG if the instance cannot be made feasible even by pausing every
 * job, i.e. base loads alone exceed a limit). The solver plays five
 * policies of enum pp_policy, each keeping every limit (nodes, plants and
 * the grid): PP_POLICY_OPTIMAL (the optimum), PP_POLICY_PROPORTIONAL (one
 * factor of p_max for every GPU, the largest that keeps every limit at the
 * jobs' demand: the one meaning of "proportional"), PP_POLICY_STATIC
 * (the same factor, sized as if every job drew p_max), and the baselines
 * by breaker, PP_POLICY_UNIFORM (one factor per limit for every GPU below
 * it) and PP_POLICY_PRIORITY (the lowest weight under a limit capped
 * first; docs/optimizer.md, "Baselines"). The scenario day's
 * baseline that watches only the grid meter, PP_POLICY_GRID_PROPORTIONAL,
 * is not the solver's: PP_ERR_ARG for it. */
PP_WUR enum pp_err pp_solve(const struct pp_inst *inst, enum pp_policy policy, struct pp_ans *ans,
			    struct pp_errbuf *eb);

/* What one solve hands the next on the same park (optimizer/solver/
 * warm.c): the multipliers it ended with and the greedy pass's order.
 * Opaque; one per caller that solves again and again (the control loop,
 * the planner's year), never shared by two solves at once. A start from it
 * changes how long a solve takes, never its answer's guarantee: a park of
 * other jobs or limits than the last one starts cold. */
struct pp_solve_warm;

/* A new, empty warm state (returned, taken by the caller: destroy it), or
 * NULL when out of memory (then solve without one). */
struct pp_solve_warm *pp_solve_warm_create(void);
/* Frees w (taken; NULL is fine). */
void pp_solve_warm_destroy(struct pp_solve_warm *w);
/* How many solves with w (borrowed; NULL: 0) started from its multipliers;
 * how many greedy passes from its order, mended; how many of the first
 * (parks with jobs across racks) whose exact finish then proved the answer
 * from the last vertex and its basis. */
size_t pp_solve_warm_starts(const struct pp_solve_warm *w);
size_t pp_solve_warm_mended(const struct pp_solve_warm *w);
size_t pp_solve_warm_vertices(const struct pp_solve_warm *w);

/* Bounds on one solve's work, for callers that must answer within a time
 * and for tests of the status's honesty. A zero field takes the default. */
struct pp_solve_opts {
	size_t exact_cells;    /* the largest small problem the exact finish may
				* build, rows plus entries (1,000,000 by
				* default; 1 skips it) */
	double shed_work;      /* while shedding, the work the choice of what to
				* pause may take, in entry visits: a sweep
				* visits every entry, a pivot of the exact
				* finish its small problem's rows and entries
				* (0: unbounded; the control loop passes
				* PP_SOLVE_SHED_WORK) */
	int bb_nodes;          /* relaxations the deferral search's branch and
				* bound may solve (PP_SOLVE_BB_NODES by
				* default); past them the answer says feasible
				* with the gap its open nodes leave */
	int sweeps_only;       /* 1: the dual sweeps and the exact finish even
				* where the limits are laminar (tests and
				* benchmarks compare the two methods) */
	struct pp_solve_warm *warm; /* borrowed, read and updated: the last
				* solve's start for this one (NULL: cold) */
};

/* The branch and bound's default budget of relaxations. */
#define PP_SOLVE_BB_NODES 256

/* The control loop's bound on the shedding search: about 0.5 s on one
 * core at 100,000 GPUs, where caps must fall promptly (docs/optimizer.md). */
#define PP_SOLVE_SHED_WORK 3e6

/* pp_solve with the bounds of o (borrowed; NULL: the defaults). An answer
 * cut short by them says so: proven 0, and the gap the dual leaves. */
PP_WUR enum pp_err pp_solve_with(const struct pp_inst *inst, enum pp_policy policy,
				 const struct pp_solve_opts *o, struct pp_ans *ans,
				 struct pp_errbuf *eb);

void pp_solve_free(struct pp_ans *ans);

/* Writes the answer a (borrowed) to inst (borrowed) as the JSON of
 * `powerpark solve`, one line, to a malloc'ed string (returned, taken by the
 * caller), or NULL when out of memory. Written by the one JSON writer
 * (json.h): ids escaped, a limit that is not finite (no grid) null. */
char *pp_solve_json(const struct pp_inst *inst, const struct pp_ans *ans);

#endif
