/* inst.h - one instance of the optimizer's problem: the power tree with its
 * limits and base loads, the cooling plants, the grid, and the jobs with
 * their placement and power->throughput curve (docs/optimizer.md). */
#ifndef PP_INST_H
#define PP_INST_H

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

/* Frees everything inst owns and leaves it empty; an empty instance is fine. */
void pp_inst_free(struct pp_inst *inst);

/* Throughput of job j at per-GPU power e (the curve, linear between points,
 * flat past the last, linear before the first, never below 0). */
double pp_inst_curve(const struct pp_inst_job *j, double e_w);

#endif
