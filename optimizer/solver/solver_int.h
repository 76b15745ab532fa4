/* solver_int.h - the solver's state and what its files ask of each other.
 * Private to optimizer/solver/. The files depend on each other one way, in
 * the order of the sections below (each uses only the sections above it):
 *
 *   state.c       the state built from an instance; loads, prices, values
 *   warm.c        what one solve hands the next (pp_solve_warm)
 *   dual.c        the dual sweeps on the smoothed problem
 *   exact.c       the exact finish (lpsparse.c's simplex) and its proof
 *   laminar.c     the continuous part in one greedy pass on laminar limits
 *   continuous.c  the continuous part: sweeps, repair, finish, fill
 *   baseline.c    the baselines by breaker: uniform and priority
 *   defer.c       which flexible jobs run: a local search, branch and bound
 *   solver.c      pp_solve: floors (phase A), the baselines, the answer
 */
#ifndef PP_SOLVER_INT_H
#define PP_SOLVER_INT_H

#include <math.h>
#include <stddef.h>

#include "powerpark/err.h"
#include "powerpark/inst.h"
#include "powerpark/solve.h"

#define PP_SV_SEG_MAX (PP_SOLVE_CURVE_MAX + 1) /* segments of a job's value */
#define PP_STAGES 5 /* smoothing stages of the dual sweeps */
#define PP_OVER_REL 1e-9 /* a load over its bound by more than this (relative) ... */
#define PP_OVER_W 1e-9   /* ... and these watts exceeds it (pp_solver_over) */
#ifndef PP_EXACT_CELLS
#define PP_EXACT_CELLS 1000000 /* largest small problem of the exact finish: rows plus entries */
#endif

struct seg {
	double a, b, s; /* [a, b] per-GPU watts, value per watt per GPU-job (w G f') */
	double pa, pb;  /* prices at which the answer reaches a and b (dual.c's set_mu) */
};

/* One job as the solver sees it (the Slurm adapter has its own jobs). */
struct sv_job {
	double lo, hi, G, mu;
	double img;       /* 1 / (mu G) */
	struct seg seg[PP_SV_SEG_MAX];
	int nseg;
	size_t ce, nce;   /* its entries in the transposed list (constraint, g) */
	double pi;        /* current price per watt of its power */
	double e;         /* current power per GPU */
	int run;          /* 1 running, 0 deferred or paused */
	enum pp_action act;
	/* What turning the job off is: PP_DEFER for a flexible job, PP_PAUSE
	 * for one shedding may pause (under a limit its floors cannot keep
	 * with every flexible job deferred), PP_RUN for one that must run.
	 * The deferral search chooses among every job that may be off. */
	enum pp_action off;
	/* The branch and bound (defer.c) relaxes a flexible job: its floor 0
	 * and its value the concave envelope of {0} and its curve, which
	 * meets the curve from pstar on. Its own lo and segments wait here. */
	int relaxed;
	double pstar, tlo;
	struct seg tseg[PP_SV_SEG_MAX];
	int tnseg;
};

struct ent {
	int i;            /* job (row lists) or constraint (job lists) */
	double g;         /* GPUs of the job under the constraint */
};

/* A segment in the greedy order (laminar.c): value per watt, job, segment. */
struct lam_seg {
	double key;
	size_t i;
	int k;
};

struct con {
	double b;         /* watts of GPU power allowed */
	double lam;
	size_t start, n;  /* entries in ent[] */
};

struct solver {
	const struct pp_inst *in;
	struct sv_job *j;
	size_t nj;
	struct con *c;    /* nodes, then plants, then the grid */
	size_t nc;
	struct ent *ent, *jent;
	double *bases;    /* per constraint: base kW under it */
	int sweeps;
	/* Work so far, in entry visits: a sweep visits every entry (ents of
	 * them), a pivot of the exact finish its small problem's rows and
	 * entries. The shedding search's budget counts it. */
	size_t ents;
	double work;
	size_t max_cells; /* largest small problem (rows plus entries) the exact finish may build */
	/* While shedding, the work the deferral search may reach (defer.c):
	 * caps must come promptly then. INFINITY otherwise. */
	double search_work;
	int bb_nodes; /* relaxations the branch and bound may solve */
	/* An upper bound on every answer's objective that the deferral
	 * search's branch and bound left (INFINITY where it did not run). */
	double search_bound;
	/* Laminar limits (laminar.c): then the greedy pass solves the
	 * continuous part exactly and the sweeps never run. */
	int laminar;
	long *lpar;             /* each limit's parent, -2 for none */
	size_t *lorder;         /* the limits, parents first */
	double *lroom;          /* the pass's room and closing values */
	long *lby;              /* per limit: the job whose segment set its multiplier, or -1 */
	size_t *lclosed;        /* the limits with one, in the order they closed */
	int lgreedy;            /* lby is the last pass's, for the next exact finish */
	/* Per job, the limit its basic segment held when the last exact
	 * finish proved its answer (-1 none); hint_ok when the powers S holds
	 * are that vertex's (a warm start), for the next finish to start
	 * from its basis. NULL out of memory: no hints then. */
	long *jhint;
	int hint_ok;
	/* The powers S holds are the vertex the last finish proved, and
	 * jhint its basis: the deferral search's re-solves start there. */
	int at_vertex;
	struct lam_seg *lseg;   /* its segments, lnseg of them in the last pass's order */
	size_t lnseg;
	struct lam_seg *lseg2;  /* room for as many (warm.c mends the order there) */
	size_t *lfirst;         /* per job: its first entry in lseg, and the end */
	char *lfull;            /* its jobs whose limits are full */
	/* What the caller keeps between solves (warm.c), borrowed; warm_ok
	 * when it was kept on this structure. */
	struct pp_solve_warm *warm;
	int warm_ok;
	/* Set by pp_solver_continuous_from where no job may be off: its
	 * finish proved the answer and set the vertex's prices (the deferral
	 * search then has nothing to do). */
	int vertex;
};

/* The power maximizing F(e) - pi e - mu G e^2 / 2 on [lo, hi]: the first
 * segment whose stationary point falls before its end. Inline: it is the
 * inner loop of every root search. Thresholds instead of a division per
 * segment, for the same reason. */
static inline double pp_sv_job_respond(const struct sv_job *j, double pi)
{
	for (int k = 0; k < j->nseg; k++) {
		const struct seg *s = &j->seg[k];
		if (pi >= s->pa)
			return s->a;
		if (pi >= s->pb)
			return (s->s - pi) * j->img;
	}
	return j->hi;
}

/* Right-hand slope of the job's value at e (0 at the top). */
static inline double pp_sv_job_slope_right(const struct sv_job *j, double e)
{
	for (int k = 0; k < j->nseg; k++)
		if (e < j->seg[k].b - 1e-12 * (1 + fabs(j->seg[k].b)))
			return j->seg[k].s;
	return 0;
}

/* Left-hand slope of the job's value at e (infinite at the floor: a job
 * cannot go lower). */
static inline double pp_sv_job_slope_left(const struct sv_job *j, double e)
{
	for (int k = j->nseg - 1; k >= 0; k--)
		if (e > j->seg[k].a + 1e-12 * (1 + fabs(j->seg[k].a)))
			return j->seg[k].s;
	return INFINITY;
}

/* Whether a load exceeds a bound beyond rounding (1e-9 relative). Inline:
 * the baselines' bisection asks it for every limit at every step. */
static inline int pp_solver_over(double load, double b)
{
	return load > b + PP_OVER_REL * fabs(b) + PP_OVER_W;
}

/* --- state.c ------------------------------------------------------------ */

/* Builds S (written) for in (borrowed: S points into it, so it must
 * outlive S): every job running at the first smoothing, no price yet.
 * PP_ERR_ARG, naming the limit, when a base load alone exceeds its limit
 * less the margin; PP_ERR_NOMEM. S holds nothing on error; free it with
 * pp_solver_free otherwise. */
PP_WUR enum pp_err pp_solver_build(struct solver *S, const struct pp_inst *in,
				   struct pp_errbuf *eb);
void pp_solver_free(struct solver *S);
/* GPU watts under constraint k: at the running jobs' powers, or with
 * at_lo at their floors. */
double pp_solver_load(const struct solver *S, size_t k, int at_lo);
/* Job i's price per watt: its GPUs under each limit times the limit's
 * multiplier. */
double pp_solver_price(const struct solver *S, size_t i);
/* The multipliers times the limits' bounds (the dual's first term). */
double pp_solver_limits_value(const struct solver *S);
/* Sets every job's price from the multipliers and its power from that. */
void pp_solver_reprice(struct solver *S);
/* The objective of the running jobs on their true curves. */
double pp_solver_objective(const struct solver *S);
/* Job i's value (weight x GPUs x curve) at per-GPU power e. */
double pp_solver_value(const struct solver *S, size_t i, double e);
/* qsort order of (key, index) pairs: key descending. */
int pp_solver_cmp_key(const void *a, const void *b);

/* --- warm.c ------------------------------------------------------------- */

/* Lets S use and update w (borrowed; NULL: none), and sets S->warm_ok
 * when w was kept on the structure S has (else w forgets what it held). */
void pp_warm_attach(struct solver *S, struct pp_solve_warm *w);
/* Sets the multipliers to those the last solve ended with, when kept on
 * this structure: returns 1 then, 0 (S unchanged) otherwise. */
int pp_warm_prices(struct solver *S);
/* Keeps S's multipliers for the next solve when vertex says they are the
 * exact finish's (the sweeps' alone are no start worth trying: from them
 * the finish fails again, and the sweeps start over cold); out of memory,
 * or not vertex, the next solve starts cold. */
void pp_warm_keep_prices(struct solver *S, int vertex);
/* Sets the powers to the last solve's vertex and S->jhint to its basis,
 * when both were kept on this structure (after pp_warm_prices): returns 1
 * then (S->hint_ok set), 0 (S unchanged) otherwise. The powers may break
 * a limit whose reading rose: the caller repairs them. */
int pp_warm_vertex(struct solver *S);
/* Counts a finish that proved the answer from that vertex. */
void pp_warm_vertex_proved(struct solver *S);
/* The greedy order (key descending, then job, then segment). */
int pp_warm_seg_cmp(const struct lam_seg *a, const struct lam_seg *b);
/* Puts g (n entries, job by job) in the greedy order from the order the
 * last solve kept, mending what changed, with tmp (room for n) and first
 * (room for nj + 1) as scratch. Returns 1 when g is sorted, 0 when there
 * was no order to start from or too much changed (g then permuted, for
 * the caller to sort). */
int pp_warm_order(struct solver *S, struct lam_seg *g, size_t n, struct lam_seg *tmp,
		  size_t *first);
/* Keeps the order g (n entries, borrowed) for the next solve (once per
 * solve, the last pass's: the deferral search makes many passes). */
void pp_warm_keep_order(struct solver *S, const struct lam_seg *g, size_t n);

/* --- dual.c ------------------------------------------------------------- */

/* The dual sweeps over the smoothing stages [first, last) (of PP_STAGES)
 * for the running jobs, from the multipliers S holds: each stage ends when
 * every limit is met to PP_TOL relative. Leaves the multipliers, prices and
 * powers where they ended; a limit may still be over by rounding. */
void pp_dual_sweeps(struct solver *S, size_t first, size_t last);
/* Sets the smoothing of stage (of PP_STAGES) and every job's price and
 * power from the multipliers S holds, as the sweeps start a stage. */
void pp_dual_prime(struct solver *S, size_t stage);

/* --- exact.c ------------------------------------------------------------ */

/* Finishes the continuous part exactly: on the limits that bind and the
 * jobs whose prices sit near a slope (and every limit over those), a
 * sparse simplex finds the vertex from the point S holds (the greedy
 * pass's, the last vertex's or the sweeps'), starting from the basis the
 * greedy pass or S->jhint names; the result is kept only when its multipliers prove
 * every running job and every limit optimal (KKT). Returns 1 when it did
 * (powers replaced, and with set_prices the multipliers and prices too), 0
 * when it left S as it was (the problem over max_cells rows plus entries,
 * or no proof). On success S->jhint holds the basis. The vertex's multipliers are an extreme point of
 * the optimal ones; the deferral search ranks jobs better by the sweeps'
 * smoothed ones, so only the last call sets them. */
int pp_exact_finish(struct solver *S, size_t max_cells, int set_prices);

/* --- laminar.c ---------------------------------------------------------- */

/* Sets S->laminar when every job lies wholly inside each limit it touches
 * and the limits' sets of jobs are nested or disjoint, and then makes what
 * pp_laminar_solve needs (freed by pp_solver_free). PP_ERR_NOMEM; S->laminar
 * 0 otherwise is no error (the sweeps solve it). */
PP_WUR enum pp_err pp_laminar_build(struct solver *S);
/* The continuous part for the running jobs, exactly: powers from their
 * floors up by the greedy order, the multipliers and prices that prove
 * them. Only when S->laminar. */
void pp_laminar_solve(struct solver *S);
/* The greedy pass on any limits (jobs across racks too), as the start of
 * the exact finish: powers that keep every limit, and the multipliers its
 * closings imply, clipped at 0 (on laminar limits, the proven ones). Only
 * after pp_laminar_build. */
void pp_laminar_start(struct solver *S);

/* --- continuous.c ------------------------------------------------------- */

/* Lowers powers under any constraint that is still (by rounding) over its
 * bound, cheapest value per watt of it first. */
void pp_solver_repair(struct solver *S);
/* The continuous part for the running jobs: the dual sweeps (from the
 * finest smoothing stages with warm, the prices already near), repair,
 * fill and the exact finish. Returns 1 when the finish proved the answer
 * optimal, 0 when it is the sweeps' (near, not proven). */
int pp_solver_continuous(struct solver *S, int warm);
/* The continuous part from the multipliers of a solve of nearly the same
 * problem (the last control cycle's, pp_solve_opts' warm): the exact
 * finish is tried at them first, and only if it cannot prove them do the
 * sweeps run, from the finest stages. Returns as pp_solver_continuous. */
int pp_solver_continuous_from(struct solver *S);

/* --- baseline.c --------------------------------------------------------- */

/* The limit-keeping baselines by breaker: the limits walked from the racks
 * up, each given the largest factor that keeps it, applied to every GPU
 * below it (uniform, by_priority 0) or to the lowest weight under it first
 * (priority, by_priority 1). Sets each running job's power; every limit
 * holds where phase A's floors did. Returns 0, or -1 out of memory (S
 * then unchanged). */
int pp_baseline_tree(struct solver *S, int by_priority);

/* --- defer.c ------------------------------------------------------------ */

/* The deferral search: which flexible (or, shedding, pausable) jobs run. Leaves S at the best set
 * found, its continuous part solved, and returns 1 when the exact finish
 * (max_cells) proved that part and set the vertex's prices. *proven is set
 * when the whole answer is proven optimal: that part, and the set (no
 * choice to make, the root's prices prove it, or a branch and bound that
 * explored every node it did not cut). While shedding it stops at
 * S->search_work (pp_defer_budget), its answer then not proven. */
int pp_defer_search(struct solver *S, size_t max_cells, int *proven);
/* Where it cuts its branch and bound short it still sets S->search_bound:
 * the best of the incumbent and of the bounds of the nodes left open. */

/* Sets S->search_work: unbounded unless work > 0 and a job may be
 * paused; then the work so far plus work's worth of entry visits, at
 * least PP_SHED_SWEEPS_MIN sweeps' worth. */
void pp_defer_budget(struct solver *S, double work);

/* An upper bound on the objective of every answer (weak duality): the
 * dual value of the problem with every job that may be off relaxed, at the
 * multipliers S holds. INFINITY out of memory. S is left as it was. */
double pp_defer_bound(struct solver *S);

#endif
