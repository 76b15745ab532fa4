/* inst.c - the optimizer's instance in C: the builders (they copy what
 * they take into storage the instance owns), the semantic checks and the
 * curve. Reading it from JSON and writing the answer are inst_json.c's. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/inst.h"

/* --- the builders ---------------------------------------------------- */

#define PP_INST_POOL_MIN 4096 /* bytes of the pool's first block */
#define PP_INST_ROOM_MIN 16   /* elements of an array's first room */

/* A block of the pool. Blocks never move, so what the builders copied
 * stays where the elements point while the instance grows; they are
 * chained newest first, each twice the one before. */
struct pp_inst_pool {
	struct pp_inst_pool *older;
	size_t used, cap;
	max_align_t data[];
};

void pp_inst_init(struct pp_inst *in)
{
	memset(in, 0, sizeof *in);
	in->grid_limit_kw = INFINITY;
}

static void pool_free(struct pp_inst_pool *p)
{
	while (p) {
		struct pp_inst_pool *o = p->older;
		free(p);
		p = o;
	}
}

void pp_inst_reset(struct pp_inst *in)
{
	struct pp_inst keep = *in;
	/* The newest block is the largest: it alone is kept, rewound. */
	if (keep.pool) {
		pool_free(keep.pool->older);
		keep.pool->older = NULL;
		keep.pool->used = 0;
	}
	pp_inst_init(in);
	in->nodes = keep.nodes;
	in->plants = keep.plants;
	in->jobs = keep.jobs;
	in->cap_nodes = keep.cap_nodes;
	in->cap_plants = keep.cap_plants;
	in->cap_jobs = keep.cap_jobs;
	in->pool = keep.pool;
}

void pp_inst_free(struct pp_inst *in)
{
	free(in->nodes);
	free(in->plants);
	free(in->jobs);
	pool_free(in->pool);
	pp_inst_init(in);
}

/* n bytes from the pool, aligned for any type; NULL when out of memory. */
static void *pool_take(struct pp_inst *in, size_t n)
{
	const size_t al = _Alignof(max_align_t);
	n = (n + al - 1) / al * al;
	struct pp_inst_pool *p = in->pool;
	if (!p || p->cap - p->used < n) {
		size_t cap = p ? 2 * p->cap : PP_INST_POOL_MIN;
		cap = cap > n ? cap : n;
		struct pp_inst_pool *b = malloc(sizeof *b + cap);
		if (!b)
			return NULL;
		*b = (struct pp_inst_pool){p, 0, cap};
		in->pool = p = b;
	}
	void *r = (char *)p->data + p->used;
	p->used += n;
	return r;
}

static void *pool_copy(struct pp_inst *in, const void *src, size_t n)
{
	void *d = n ? pool_take(in, n) : NULL;
	if (d)
		memcpy(d, src, n);
	return d;
}

/* arr (cap elements of size bytes) with room for one more than n: arr
 * itself, a larger copy (*cap updated), or NULL (arr untouched). */
static void *room(void *arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return arr;
	size_t c = *cap ? 2 * *cap : PP_INST_ROOM_MIN;
	if (c > SIZE_MAX / size)
		return NULL;
	void *a = realloc(arr, c * size);
	if (a)
		*cap = c;
	return a;
}

enum pp_err pp_inst_add_node(struct pp_inst *in, const char *id, int parent, double limit_kw,
			     double base_kw)
{
	if (!id || parent < -1 || parent >= (int)in->nnodes)
		return PP_ERR_ARG;
	struct pp_inst_node *a = room(in->nodes, &in->cap_nodes, in->nnodes, sizeof *a);
	if (!a)
		return PP_ERR_NOMEM;
	in->nodes = a;
	const char *s = pool_copy(in, id, strlen(id) + 1);
	if (!s)
		return PP_ERR_NOMEM;
	a[in->nnodes++] = (struct pp_inst_node){s, parent, limit_kw, base_kw};
	return PP_OK;
}

enum pp_err pp_inst_add_plant(struct pp_inst *in, const char *id, double capacity_kw,
			      const int *nodes, size_t nnodes)
{
	if (!id || (nnodes && !nodes))
		return PP_ERR_ARG;
	for (size_t k = 0; k < nnodes; k++)
		if (nodes[k] < 0 || (size_t)nodes[k] >= in->nnodes)
			return PP_ERR_ARG;
	struct pp_inst_plant *a = room(in->plants, &in->cap_plants, in->nplants, sizeof *a);
	if (!a)
		return PP_ERR_NOMEM;
	in->plants = a;
	const char *s = pool_copy(in, id, strlen(id) + 1);
	int *ns = pool_copy(in, nodes, nnodes * sizeof *nodes);
	if (!s || (nnodes && !ns))
		return PP_ERR_NOMEM;
	a[in->nplants++] = (struct pp_inst_plant){s, ns, nnodes, capacity_kw};
	return PP_OK;
}

enum pp_err pp_inst_add_job(struct pp_inst *in, const struct pp_inst_job *j)
{
	if (!j->id || j->ncurve > PP_SOLVE_CURVE_MAX || (j->nplace && !j->place))
		return PP_ERR_ARG;
	for (size_t k = 0; k < j->nplace; k++)
		if (j->place[k].node < 0 || (size_t)j->place[k].node >= in->nnodes)
			return PP_ERR_ARG;
	struct pp_inst_job *a = room(in->jobs, &in->cap_jobs, in->njobs, sizeof *a);
	if (!a)
		return PP_ERR_NOMEM;
	in->jobs = a;
	const char *s = pool_copy(in, j->id, strlen(j->id) + 1);
	struct pp_inst_place *pl = pool_copy(in, j->place, j->nplace * sizeof *j->place);
	if (!s || (j->nplace && !pl))
		return PP_ERR_NOMEM;
	struct pp_inst_job *d = &a[in->njobs++];
	*d = *j;
	d->id = s;
	d->place = pl;
	return PP_OK;
}

double pp_inst_curve(const struct pp_inst_job *j, double e)
{
	const double *p = j->curve_p, *t = j->curve_t;
	size_t n = j->ncurve;
	if (!n)
		return 0;
	if (n == 1 || e >= p[n - 1])
		return t[n - 1];
	size_t i = 1;
	while (i < n - 1 && e > p[i])
		i++;
	double v = t[i - 1] + (t[i] - t[i - 1]) * (e - p[i - 1]) / (p[i] - p[i - 1]);
	return v > 0 ? v : 0;
}

static enum pp_err check_job(const struct pp_inst *in, const struct pp_inst_job *j,
			     const int *below, struct pp_errbuf *eb);
static enum pp_err unique_ids(const struct pp_inst *in, struct pp_errbuf *eb);

enum pp_err pp_inst_check(const struct pp_inst *in, struct pp_errbuf *eb)
{
	if (!(in->margin >= 0 && in->margin < 1))
		return pp_err_set(eb, PP_ERR_PARSE, "margin %g: expected 0 <= margin < 1", in->margin);
	if (!(in->grid_limit_kw > 0) || in->grid_other_kw < 0 || in->grid_cooling < 0)
		return pp_err_set(eb, PP_ERR_PARSE, "grid: limit_kw must be > 0, other_kw and "
			       "cooling_kw_per_kw >= 0");
	if (!in->nnodes)
		return pp_err_set(eb, PP_ERR_PARSE, "instance: no nodes");
	int roots = 0;
	for (size_t i = 0; i < in->nnodes; i++) {
		const struct pp_inst_node *n = &in->nodes[i];
		roots += n->parent < 0;
		if (!(n->limit_kw > 0) || n->base_kw < 0)
			return pp_err_set(eb, PP_ERR_PARSE, "node '%s': limit_kw must be > 0 and base_kw "
				       ">= 0", n->id);
		/* A walk up longer than the tree is a cycle. */
		int p = n->parent;
		for (size_t steps = 0; p >= 0; steps++) {
			if (steps > in->nnodes || p == (int)i)
				return pp_err_set(eb, PP_ERR_PARSE, "node '%s': its parents form a cycle",
					       n->id);
			p = in->nodes[p].parent;
		}
	}
	if (roots != 1)
		return pp_err_set(eb, PP_ERR_PARSE, "instance: %d root nodes (parent null); expected "
			       "exactly one", roots);
	enum pp_err de = unique_ids(in, eb);
	if (de)
		return de;
	for (size_t i = 0; i < in->nplants; i++)
		if (!(in->plants[i].capacity_kw > 0) || !in->plants[i].nnodes)
			return pp_err_set(eb, PP_ERR_PARSE, "plant '%s': needs capacity_kw > 0 and nodes",
				       in->plants[i].id);
	/* below[n]: a node that lies below n (so n is not a leaf), or -1. */
	int *below = malloc(in->nnodes * sizeof *below);
	if (!below)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < in->nnodes; i++)
		below[i] = -1;
	for (size_t i = 0; i < in->nnodes; i++)
		if (in->nodes[i].parent >= 0)
			below[in->nodes[i].parent] = (int)i;
	enum pp_err e = PP_OK;
	for (size_t i = 0; !e && i < in->njobs; i++)
		e = check_job(in, &in->jobs[i], below, eb);
	free(below);
	return e;
}

/* An id and where it stands, for finding one used twice. */
struct idpos {
	const char *id;
	size_t at;
};

static int by_id(const void *a, const void *b)
{
	const struct idpos *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : x->at < y->at ? -1 : x->at > y->at;
}

/* The first id of kind used twice among n (get(i) gives the i-th), named
 * with both places; PP_OK when every id is unique. */
static enum pp_err unique(const char *kind, size_t n, const char *(*get)(const struct pp_inst *,
									  size_t),
			  const struct pp_inst *in, struct pp_errbuf *eb)
{
	struct idpos *v = malloc((n + 1) * sizeof *v);
	if (!v)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		v[i] = (struct idpos){get(in, i), i};
	qsort(v, n, sizeof *v, by_id);
	enum pp_err e = PP_OK;
	for (size_t i = 1; i < n && !e; i++)
		if (!strcmp(v[i].id, v[i - 1].id))
			e = pp_err_set(eb, PP_ERR_PARSE, "%s '%s': the id is used twice (%ss[%zu] and "
				       "%ss[%zu]); each must be unique", kind, v[i].id, kind,
				       v[i - 1].at, kind, v[i].at);
	free(v);
	return e;
}

static const char *node_id(const struct pp_inst *in, size_t i)
{
	return in->nodes[i].id;
}

static const char *plant_id(const struct pp_inst *in, size_t i)
{
	return in->plants[i].id;
}

static const char *job_id(const struct pp_inst *in, size_t i)
{
	return in->jobs[i].id;
}

static enum pp_err unique_ids(const struct pp_inst *in, struct pp_errbuf *eb)
{
	enum pp_err e = unique("node", in->nnodes, node_id, in, eb);
	e = e ? e : unique("plant", in->nplants, plant_id, in, eb);
	return e ? e : unique("job", in->njobs, job_id, in, eb);
}

static enum pp_err check_job(const struct pp_inst *in, const struct pp_inst_job *j,
			     const int *below, struct pp_errbuf *eb)
{
	{
		if (!(j->p_min_w > 0) || j->p_min_w > j->p_max_w)
			return pp_err_set(eb, PP_ERR_PARSE, "job '%s': p_min_w %g > p_max_w %g (or not "
				       "positive)", j->id, j->p_min_w, j->p_max_w);
		if (!(j->weight >= 0) || j->demand_w < 0)
			return pp_err_set(eb, PP_ERR_PARSE, "job '%s': weight and demand_w must be >= 0",
				       j->id);
		if (!j->nplace)
			return pp_err_set(eb, PP_ERR_PARSE, "job '%s': empty placement", j->id);
		for (size_t k = 0; k < j->nplace; k++)
			if (below[j->place[k].node] >= 0)
				return pp_err_set(eb, PP_ERR_PARSE, "job '%s': node '%s' is not a leaf "
					       "(node '%s' is below it)", j->id,
					       in->nodes[j->place[k].node].id,
					       in->nodes[below[j->place[k].node]].id);
		double prev_slope = INFINITY;
		for (size_t k = 0; k < j->ncurve; k++) {
			if (j->curve_t[k] < 0)
				return pp_err_set(eb, PP_ERR_PARSE, "job '%s': curve[%zu] throughput < 0",
					       j->id, k);
			if (!k)
				continue;
			double dp = j->curve_p[k] - j->curve_p[k - 1];
			double dt = j->curve_t[k] - j->curve_t[k - 1];
			if (dp <= 0)
				return pp_err_set(eb, PP_ERR_PARSE, "job '%s': curve[%zu] power does not "
					       "increase", j->id, k);
			if (dt <= 0)
				return pp_err_set(eb, PP_ERR_PARSE, "job '%s': curve is not increasing at "
					       "point %zu", j->id, k);
			double s = dt / dp;
			if (s > prev_slope * (1 + 1e-9))
				return pp_err_set(eb, PP_ERR_PARSE, "job '%s': curve is not concave at point "
					       "%zu (slope rises from %g to %g)", j->id, k, prev_slope, s);
			prev_slope = s;
		}
	}
	return PP_OK;
}
