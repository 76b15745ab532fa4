/* fuzz_inst.c - the solver's JSON instance (`powerpark solve`): any bytes
 * through pp_inst_parse, then pp_inst_check on what parsed; a small instance
 * that passes is solved under each policy: every running job's cap must be
 * a number within its GPUs' range (the solver checks the limits itself). */
#include <math.h>
#include <stdlib.h>

#include "powerpark/inst.h"
#include "powerpark/solve.h"
#include "util.h"

/* Instances solved: up to this many nodes and jobs (bigger ones are parsed
 * and checked only, so that each run stays fast). */
#define FZ_SOLVE_MAX 32

static void solve(const struct pp_inst *in, enum pp_policy pol)
{
	struct pp_ans a;
	struct pp_errbuf eb;
	if (pp_solve(in, pol, &a, &eb) == PP_OK) {
		for (size_t i = 0; i < in->njobs; i++) {
			const struct pp_inst_job *j = &in->jobs[i];
			double cap = a.jobs[i].cap_w, slack = 1e-6 * j->p_max_w;
			if (!isfinite(cap))
				abort(); /* a cap that is no number */
			if (a.jobs[i].action == PP_RUN &&
			    (cap < j->p_min_w - slack || cap > j->p_max_w + slack))
				abort(); /* a cap outside the GPU's range */
		}
		char *json = pp_solve_json(in, &a);
		free(json);
		pp_solve_free(&a);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_inst in;
	struct pp_errbuf eb;
	if (pp_inst_parse((const char *)data, size, &in, &eb) == PP_OK) {
		if (pp_inst_check(&in, &eb) != PP_OK)
			abort(); /* parse checks what check checks */
		if (in.nnodes <= FZ_SOLVE_MAX && in.njobs <= FZ_SOLVE_MAX) {
			solve(&in, PP_POLICY_OPTIMAL);
			solve(&in, PP_POLICY_PROPORTIONAL);
			solve(&in, PP_POLICY_STATIC);
		}
	}
	pp_inst_free(&in);
	return 0;
}
