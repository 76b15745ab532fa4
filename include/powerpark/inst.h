/* inst.h - one instance of the optimizer's problem: the power tree with its
 * limits and base loads, the cooling plants, the grid, and the jobs with
 * their placement and power->throughput curve (docs/optimizer.md). */
#ifndef PP_INST_H
#define PP_INST_H

#include <stddef.h>

#include "powerpark/err.h"

#define PP_SOLVE_CURVE_MAX 16

struct pp_inst_node {
	const char *id;     /* owned by the instance */
	int parent;         /* index, -1 for the root */
	double limit_kw, base_kw;
};

struct pp_inst_place {
	int node;           /* index of a leaf */
	int gpus;
};

struct pp_inst_job {
	const char *id;     /* owned by the instance (borrowed in pp_inst_add_job's argument) */
	double weight, p_min_w, p_max_w, demand_w;
	struct pp_inst_place *place; /* nplace; owned like id; the entries may be changed in place */
	size_t nplace;
	double curve_p[PP_SOLVE_CURVE_MAX], curve_t[PP_SOLVE_CURVE_MAX];
	size_t ncurve;
	int flexible;
};

struct pp_inst_plant {
	const char *id;     /* owned by the instance */
	int *nodes;         /* nnodes node indices; owned, may be changed in place */
	size_t nnodes;
	double capacity_kw;
};

/* Where the builders keep the strings and lists they copy (inst.c). */
struct pp_inst_pool;

/* One instance. Small value type: pp_inst_init, the builders (or
 * pp_inst_parse), pp_inst_free. The builders copy what they take, so the
 * instance owns every string and list its elements point to; the numbers
 * (limits, bases, capacities, the grid and the margin) are plain fields,
 * set directly, also after an element is added. */
struct pp_inst {
	double margin;
	double grid_limit_kw, grid_other_kw, grid_cooling;
	struct pp_inst_node *nodes;
	size_t nnodes;
	struct pp_inst_plant *plants;
	size_t nplants;
	struct pp_inst_job *jobs;
	size_t njobs;
	/* The builders' storage: room in the arrays, and the pool. */
	size_t cap_nodes, cap_plants, cap_jobs;
	struct pp_inst_pool *pool;
};

/* Makes in an empty instance: no elements, margin 0, no grid limit
 * (grid_limit_kw infinite, other_kw and cooling 0). Allocates nothing. */
void pp_inst_init(struct pp_inst *in);

/* Empties in as pp_inst_init does but keeps its storage, so a caller that
 * builds one instance per step (the control loop, the planner) stops
 * allocating once the storage has grown to its size. */
void pp_inst_reset(struct pp_inst *in);

/* Frees everything in owns and leaves it empty (as pp_inst_init); an empty
 * instance is fine. */
void pp_inst_free(struct pp_inst *in);

/* Adds a node: id (borrowed, copied), parent the index of a node added
 * before or -1 for the root, its limit and base load. The new node's index
 * is in->nnodes - 1. PP_ERR_ARG for a NULL id or a parent out of range,
 * PP_ERR_NOMEM; in is unchanged on error. */
PP_WUR enum pp_err pp_inst_add_node(struct pp_inst *in, const char *id, int parent,
				    double limit_kw, double base_kw);

/* Adds a cooling plant: id (borrowed, copied), its capacity and the
 * indices of the nodes it cools (nodes, nnodes: borrowed, copied).
 * PP_ERR_ARG for a NULL id or a node out of range, PP_ERR_NOMEM; in is
 * unchanged on error. */
PP_WUR enum pp_err pp_inst_add_plant(struct pp_inst *in, const char *id, double capacity_kw,
				     const int *nodes, size_t nnodes);

/* Adds a job: a copy of *j (borrowed), with its id and its placement
 * (j->place, j->nplace) copied too. PP_ERR_ARG for a NULL id, more than
 * PP_SOLVE_CURVE_MAX curve points or a placement on a node out of range,
 * PP_ERR_NOMEM; in is unchanged on error. */
PP_WUR enum pp_err pp_inst_add_job(struct pp_inst *in, const struct pp_inst_job *j);

/* Parses the JSON text (borrowed, len bytes) into inst (written; free it
 * with pp_inst_free even on error). Bad input - unknown parent, a cycle, two
 * roots, a curve that is not concave or not increasing, a job on a node that
 * is not a leaf, p_min > p_max, a missing or mistyped field - fails with a
 * message naming the element. */
PP_WUR enum pp_err pp_inst_parse(const char *text, size_t len, struct pp_inst *inst,
				 struct pp_errbuf *eb);

/* The semantic checks of pp_inst_parse on an instance built with the
 * builders (inst borrowed): the limits, the tree, the plants, the jobs'
 * ranges, placements and curves. */
PP_WUR enum pp_err pp_inst_check(const struct pp_inst *inst, struct pp_errbuf *eb);

/* Throughput of job j (borrowed) at per-GPU power e (the curve, linear
 * between points, flat past the last, linear before the first, never
 * below 0). */
double pp_inst_curve(const struct pp_inst_job *j, double e_w);

#endif
