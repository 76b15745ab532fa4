/* instance.c - the optimizer's instance: JSON in (jansson), checks, the
 * curve, and the answer as JSON out. */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/buf.h"
#include "powerpark/inst.h"
#include "powerpark/solve.h"

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

/* --- JSON reading: each getter names the element it failed on --------- */

struct rd {
	struct pp_errbuf *eb;
	char where[96];
	int bad;
};

static double num(struct rd *r, json_t *o, const char *key, int required, double def)
{
	json_t *v = json_object_get(o, key);
	if (!v) {
		if (required && !r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: missing \"%s\" (a number)", r->where, key);
		}
		return def;
	}
	if (!json_is_number(v)) {
		if (!r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"%s\" must be a number", r->where, key);
		}
		return def;
	}
	double d = json_number_value(v);
	if (!isfinite(d) && !r->bad) {
		r->bad = 1;
		pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"%s\" is not finite", r->where, key);
	}
	return d;
}

/* The string at key, borrowed from the JSON (lives as long as it). */
static const char *str(struct rd *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v)) {
		if (!r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"%s\" must be a string", r->where, key);
		}
		return NULL;
	}
	return json_string_value(v);
}

static json_t *arr(struct rd *r, json_t *o, const char *key, int required)
{
	json_t *v = json_object_get(o, key);
	if (!v && !required)
		return NULL;
	if (!json_is_array(v)) {
		if (!r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"%s\" must be an array", r->where, key);
		}
		return NULL;
	}
	return v;
}

static int node_index(const struct pp_inst *in, const char *id)
{
	for (size_t i = 0; id && i < in->nnodes; i++)
		if (!strcmp(in->nodes[i].id, id))
			return (int)i;
	return -1;
}

/* Adds what a builder refused for memory (the reader checks the rest
 * before it adds). */
static enum pp_err added(struct rd *r, enum pp_err e)
{
	if (e && !r->bad) {
		r->bad = 1;
		pp_err_set(r->eb, e, "%s", e == PP_ERR_NOMEM ? "out of memory" : "internal: bad element");
	}
	return e;
}

/* Nodes may name a parent listed after them: every node is added as a
 * root first, the parents are set once all ids are known. */
static enum pp_err parse_nodes(struct rd *r, json_t *root, struct pp_inst *in)
{
	snprintf(r->where, sizeof r->where, "instance");
	json_t *a = arr(r, root, "nodes", 1);
	if (!a)
		return PP_ERR_PARSE;
	const char **parents = calloc(json_array_size(a) + 1, sizeof *parents);
	if (!parents)
		return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		snprintf(r->where, sizeof r->where, "nodes[%zu]", i);
		if (!json_is_object(o)) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: expected an object", r->where);
			break;
		}
		const char *id = str(r, o, "id");
		if (id)
			snprintf(r->where, sizeof r->where, "node '%s'", id);
		json_t *p = json_object_get(o, "parent");
		if (json_is_string(p))
			parents[i] = json_string_value(p);
		else if (p && !json_is_null(p) && !r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"parent\" must be a node id or null", r->where);
		}
		double limit = num(r, o, "limit_kw", 1, 0), base = num(r, o, "base_kw", 0, 0);
		if (r->bad || added(r, pp_inst_add_node(in, id, -1, limit, base)))
			break;
	}
	for (i = 0; !r->bad && i < in->nnodes; i++) {
		for (size_t k = 0; k < i; k++)
			if (!strcmp(in->nodes[k].id, in->nodes[i].id)) {
				r->bad = 1;
				pp_err_set(r->eb, PP_ERR_PARSE, "node '%s': id used twice", in->nodes[i].id);
			}
		in->nodes[i].parent = parents[i] ? node_index(in, parents[i]) : -1;
		if (parents[i] && in->nodes[i].parent < 0 && !r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "node '%s': unknown parent '%s'", in->nodes[i].id,
				parents[i]);
		}
	}
	free(parents);
	return r->bad ? PP_ERR_PARSE : PP_OK;
}

static enum pp_err parse_plants(struct rd *r, json_t *root, struct pp_inst *in)
{
	snprintf(r->where, sizeof r->where, "instance");
	json_t *a = arr(r, root, "plants", 0);
	if (!a)
		return r->bad ? PP_ERR_PARSE : PP_OK;
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		snprintf(r->where, sizeof r->where, "plants[%zu]", i);
		const char *id = str(r, o, "id");
		if (id)
			snprintf(r->where, sizeof r->where, "plant '%s'", id);
		double capacity = num(r, o, "capacity_kw", 1, 0);
		json_t *ns = arr(r, o, "nodes", 1);
		if (r->bad)
			break;
		int *nodes = calloc(json_array_size(ns) + 1, sizeof *nodes);
		if (!nodes)
			return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
		size_t k, n = 0;
		json_t *v;
		json_array_foreach(ns, k, v)
		{
			int idx = json_is_string(v) ? node_index(in, json_string_value(v)) : -1;
			if (idx < 0) {
				r->bad = 1;
				pp_err_set(r->eb, PP_ERR_PARSE, "%s: nodes[%zu] is not a known node id",
					r->where, k);
				break;
			}
			nodes[n++] = idx;
		}
		if (!r->bad)
			added(r, pp_inst_add_plant(in, id, capacity, nodes, n));
		free(nodes);
		if (r->bad)
			break;
	}
	return r->bad ? PP_ERR_PARSE : PP_OK;
}

/* The placement pl (nodes named by id) into j->place, which has room for
 * all of its entries. */
static void parse_placement(struct rd *r, json_t *pl, const struct pp_inst *in,
			    struct pp_inst_job *j)
{
	size_t k;
	json_t *v;
	json_array_foreach(pl, k, v)
	{
		json_t *nd = json_object_get(v, "node");
		int idx = json_is_string(nd) ? node_index(in, json_string_value(nd)) : -1;
		json_t *g = json_object_get(v, "gpus");
		if (idx < 0 || !json_is_integer(g) || json_integer_value(g) <= 0) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: placement[%zu] needs a known \"node\" and "
				"\"gpus\" > 0", r->where, k);
			return;
		}
		j->place[j->nplace].node = idx;
		j->place[j->nplace++].gpus = (int)json_integer_value(g);
	}
}

static void parse_curve(struct rd *r, json_t *cv, struct pp_inst_job *j)
{
	if (json_array_size(cv) < 1 || json_array_size(cv) > PP_SOLVE_CURVE_MAX) {
		r->bad = 1;
		pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"curve\" needs 1 to %d [power_w, throughput] "
			"points", r->where, PP_SOLVE_CURVE_MAX);
		return;
	}
	size_t k;
	json_t *v;
	json_array_foreach(cv, k, v)
	{
		json_t *x = json_array_get(v, 0), *y = json_array_get(v, 1);
		if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(x) ||
		    !json_is_number(y)) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: curve[%zu] must be [power_w, throughput]",
				r->where, k);
			return;
		}
		j->curve_p[k] = json_number_value(x);
		j->curve_t[k] = json_number_value(y);
	}
	j->ncurve = json_array_size(cv);
}

static enum pp_err parse_jobs(struct rd *r, json_t *root, struct pp_inst *in)
{
	snprintf(r->where, sizeof r->where, "instance");
	json_t *a = arr(r, root, "jobs", 1);
	if (!a)
		return PP_ERR_PARSE;
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		snprintf(r->where, sizeof r->where, "jobs[%zu]", i);
		struct pp_inst_job j = {.id = str(r, o, "id")};
		if (j.id)
			snprintf(r->where, sizeof r->where, "job '%s'", j.id);
		j.weight = num(r, o, "weight", 0, 1);
		j.p_min_w = num(r, o, "p_min_w", 1, 0);
		j.p_max_w = num(r, o, "p_max_w", 1, 0);
		j.demand_w = num(r, o, "demand_w", 0, j.p_max_w);
		json_t *fl = json_object_get(o, "flexible");
		if (fl && !json_is_boolean(fl) && !r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"flexible\" must be true or false", r->where);
		}
		j.flexible = json_is_true(fl);
		json_t *pl = arr(r, o, "placement", 1), *cv = arr(r, o, "curve", 1);
		if (r->bad)
			break;
		j.place = calloc(json_array_size(pl) + 1, sizeof *j.place);
		if (!j.place)
			return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
		parse_placement(r, pl, in, &j);
		if (!r->bad)
			parse_curve(r, cv, &j);
		if (!r->bad)
			added(r, pp_inst_add_job(in, &j));
		free(j.place);
		if (r->bad)
			break;
	}
	return r->bad ? PP_ERR_PARSE : PP_OK;
}

enum pp_err pp_inst_parse(const char *text, size_t len, struct pp_inst *in, struct pp_errbuf *eb)
{
	pp_inst_init(in);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return pp_err_set(eb, PP_ERR_PARSE, "line %d, column %d: %s", je.line, je.column, je.text);
	struct rd r = {eb, "instance", 0};
	enum pp_err e = PP_OK;
	if (!json_is_object(root)) {
		e = pp_err_set(eb, PP_ERR_PARSE, "the instance must be a JSON object");
		goto out;
	}
	in->margin = num(&r, root, "margin", 0, 0);
	json_t *g = json_object_get(root, "grid");
	if (g) {
		snprintf(r.where, sizeof r.where, "grid");
		in->grid_limit_kw = num(&r, g, "limit_kw", 1, 0);
		in->grid_other_kw = num(&r, g, "other_kw", 0, 0);
		in->grid_cooling = num(&r, g, "cooling_kw_per_kw", 0, 0);
	}
	if (r.bad || (e = parse_nodes(&r, root, in)) || (e = parse_plants(&r, root, in)) ||
	    (e = parse_jobs(&r, root, in))) {
		e = e ? e : PP_ERR_PARSE;
		goto out;
	}
	e = pp_inst_check(in, eb);
out:
	json_decref(root);
	return e;
}

static enum pp_err check_job(const struct pp_inst *in, const struct pp_inst_job *j,
			     const int *below, struct pp_errbuf *eb);

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

/* --- the answer as JSON ------------------------------------------------ */

static int lim(struct pp_buf *b, const char *id, const struct pp_ans_limit *l, const char *cap)
{
	return pp_buf_appendf(b, "{\"id\":\"%s\",\"power_kw\":%.6f,\"%s\":%.6f,\"binding\":%s,"
			      "\"price\":%.9g}", id, l->power_kw, cap, l->limit_kw,
			      l->binding ? "true" : "false", l->price) != PP_OK;
}

char *pp_solve_json(const struct pp_inst *in, const struct pp_ans *a)
{
	static const char *const act[] = {"run", "defer", "pause"};
	struct pp_buf b;
	pp_buf_init(&b);
	int bad = pp_buf_appendf(&b, "{\"status\":\"%s\",\"objective\":%.9g,\"jobs\":[",
				 a->shedding ? "shedding" : "optimal", a->objective) != PP_OK;
	for (size_t i = 0; !bad && i < in->njobs; i++)
		bad = pp_buf_appendf(&b, "%s{\"id\":\"%s\",\"action\":\"%s\",\"cap_w\":%.3f,"
				     "\"power_w\":%.3f}", i ? "," : "", in->jobs[i].id,
				     act[a->jobs[i].action], a->jobs[i].cap_w,
				     a->jobs[i].power_w) != PP_OK;
	bad |= pp_buf_appendf(&b, "],\"nodes\":[") != PP_OK;
	for (size_t i = 0; !bad && i < in->nnodes; i++)
		bad = (i && pp_buf_appendf(&b, ",")) || lim(&b, in->nodes[i].id, &a->nodes[i], "limit_kw");
	bad |= pp_buf_appendf(&b, "],\"plants\":[") != PP_OK;
	for (size_t i = 0; !bad && i < in->nplants; i++)
		bad = (i && pp_buf_appendf(&b, ",")) ||
		      lim(&b, in->plants[i].id, &a->plants[i], "capacity_kw");
	bad |= pp_buf_appendf(&b, "],\"grid\":{\"power_kw\":%.6f,\"limit_kw\":%.6f,\"binding\":%s,"
			      "\"price\":%.9g},\"solve_us\":%.0f,\"iterations\":%d}\n",
			      a->grid.power_kw, a->grid.limit_kw, a->grid.binding ? "true" : "false",
			      a->grid.price, a->solve_us, a->iterations) != PP_OK;
	if (bad) {
		pp_buf_free(&b);
		return NULL;
	}
	return b.data; /* taken by the caller */
}
