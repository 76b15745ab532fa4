/* inst_json.c - the JSON edge of the solver (`powerpark solve`): the
 * instance read with jansson into the builders, each error naming the
 * element, and the answer written with the one JSON writer (json.h). The
 * only file of optimizer/solver/ that speaks JSON. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/buf.h"
#include "powerpark/inst.h"
#include "powerpark/json.h"
#include "powerpark/log.h"
#include "powerpark/solve.h"

#define PP_INST_WHERE 96 /* the element named in an error: "job '<id>'", cut */

/* --- JSON reading: each getter names the element it failed on --------- */

/* The reader: where it is (for messages) and whether it failed. Only the
 * first error is kept: the rest follow from it. */
struct rd {
	struct pp_errbuf *eb;
	char where[PP_INST_WHERE];
	int bad;
	const struct pp_inst *in;
	int *byid;    /* the nodes' indices in the order of their ids */
};

PP_PRINTF(2, 3) static void fail(struct rd *r, const char *fmt, ...)
{
	if (r->bad)
		return;
	r->bad = 1;
	char msg[PP_ERRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pp_err_set(r->eb, PP_ERR_PARSE, "%s", msg);
}

static double num(struct rd *r, json_t *o, const char *key, int required, double def)
{
	json_t *v = json_object_get(o, key);
	if (!v) {
		if (required)
			fail(r, "%s: missing \"%s\" (a number)", r->where, key);
		return def;
	}
	if (!json_is_number(v)) {
		fail(r, "%s: \"%s\" must be a number", r->where, key);
		return def;
	}
	double d = json_number_value(v);
	if (!isfinite(d))
		fail(r, "%s: \"%s\" is not finite", r->where, key);
	return d;
}

/* The string at key, borrowed from the JSON (lives as long as it). */
static const char *str(struct rd *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		return json_string_value(v);
	fail(r, "%s: \"%s\" must be a string", r->where, key);
	return NULL;
}

static json_t *arr(struct rd *r, json_t *o, const char *key, int required)
{
	json_t *v = json_object_get(o, key);
	if (json_is_array(v) || (!v && !required))
		return v;
	fail(r, "%s: \"%s\" must be an array", r->where, key);
	return NULL;
}

static int cmp_byid(const void *a, const void *b, void *arg)
{
	const struct pp_inst *in = arg;
	return strcmp(in->nodes[*(const int *)a].id, in->nodes[*(const int *)b].id);
}

/* The index of the node named id, -1 for none: a binary search of r->byid
 * (a park of 260,000 GPUs names its 4,000 nodes some 20,000 times). */
static int node_index(const struct rd *r, const char *id)
{
	size_t lo = 0, hi = id && r->byid ? r->in->nnodes : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->in->nodes[r->byid[mid]].id, id);
		if (!c)
			return r->byid[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
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
			fail(r, "%s: expected an object", r->where);
			break;
		}
		const char *id = str(r, o, "id");
		if (id)
			snprintf(r->where, sizeof r->where, "node '%s'", id);
		json_t *p = json_object_get(o, "parent");
		if (json_is_string(p))
			parents[i] = json_string_value(p);
		else if (p && !json_is_null(p))
			fail(r, "%s: \"parent\" must be a node id or null", r->where);
		double limit = num(r, o, "limit_kw", 1, 0), base = num(r, o, "base_kw", 0, 0);
		if (r->bad || added(r, pp_inst_add_node(in, id, -1, limit, base)))
			break;
	}
	r->in = in;
	r->byid = r->bad ? NULL : malloc((in->nnodes + 1) * sizeof *r->byid);
	if (!r->bad && !r->byid) {
		free(parents);
		return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
	}
	for (i = 0; !r->bad && i < in->nnodes; i++)
		r->byid[i] = (int)i;
	if (!r->bad)
		qsort_r(r->byid, in->nnodes, sizeof *r->byid, cmp_byid, in);
	for (i = 1; !r->bad && i < in->nnodes; i++)
		if (!strcmp(in->nodes[r->byid[i]].id, in->nodes[r->byid[i - 1]].id))
			fail(r, "node '%s': id used twice", in->nodes[r->byid[i]].id);
	for (i = 0; !r->bad && i < in->nnodes; i++) {
		in->nodes[i].parent = parents[i] ? node_index(r, parents[i]) : -1;
		if (parents[i] && in->nodes[i].parent < 0)
			fail(r, "node '%s': unknown parent '%s'", in->nodes[i].id, parents[i]);
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
			int idx = json_is_string(v) ? node_index(r, json_string_value(v)) : -1;
			if (idx < 0) {
				fail(r, "%s: nodes[%zu] is not a known node id", r->where, k);
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
static void parse_placement(struct rd *r, json_t *pl, struct pp_inst_job *j)
{
	size_t k;
	json_t *v;
	json_array_foreach(pl, k, v)
	{
		json_t *nd = json_object_get(v, "node");
		int idx = json_is_string(nd) ? node_index(r, json_string_value(nd)) : -1;
		json_t *g = json_object_get(v, "gpus");
		if (idx < 0 || !json_is_integer(g) || json_integer_value(g) <= 0) {
			fail(r, "%s: placement[%zu] needs a known \"node\" and \"gpus\" > 0",
			     r->where, k);
			return;
		}
		j->place[j->nplace].node = idx;
		j->place[j->nplace++].gpus = (int)json_integer_value(g);
	}
}

/* The concave envelope of a curve whose slope rises by at most
 * PP_CURVE_NEAR relative (a fitted or rounded measurement): the points under
 * the upper hull are dropped, and a warning names the job. A curve that
 * rises more is left as it is, for pp_inst_check to refuse. */
#define PP_CURVE_NEAR 1e-6

static void near_concave(const char *id, struct pp_inst_job *j)
{
	double worst = 0;
	for (size_t k = 2; k < j->ncurve; k++) {
		double a = (j->curve_t[k - 1] - j->curve_t[k - 2]) / (j->curve_p[k - 1] - j->curve_p[k - 2]);
		double b = (j->curve_t[k] - j->curve_t[k - 1]) / (j->curve_p[k] - j->curve_p[k - 1]);
		if (!(a > 0) || !(b > 0) || !(j->curve_p[k] > j->curve_p[k - 1]))
			return; /* not increasing: pp_inst_check names it */
		if (b > a)
			worst = fmax(worst, (b - a) / a);
	}
	if (!(worst > 1e-9) || worst > PP_CURVE_NEAR)
		return;
	/* The upper hull, left to right (Andrew's monotone chain). */
	size_t n = 0;
	for (size_t k = 0; k < j->ncurve; k++) {
		while (n >= 2) {
			double x1 = j->curve_p[n - 2], y1 = j->curve_t[n - 2];
			double x2 = j->curve_p[n - 1], y2 = j->curve_t[n - 1];
			if ((x2 - x1) * (j->curve_t[k] - y1) - (y2 - y1) * (j->curve_p[k] - x1) < 0)
				break;
			n--;
		}
		j->curve_p[n] = j->curve_p[k];
		j->curve_t[n++] = j->curve_t[k];
	}
	pp_log(PP_LOG_WARN, "solve", "job '%s': the curve's slope rises by %.2g relative (at most "
	       "%g is taken for rounding): its concave envelope of %zu points is used", id, worst,
	       PP_CURVE_NEAR, n);
	j->ncurve = n;
}

static void parse_curve(struct rd *r, json_t *cv, struct pp_inst_job *j)
{
	if (json_array_size(cv) < 1 || json_array_size(cv) > PP_SOLVE_CURVE_MAX) {
		fail(r, "%s: \"curve\" needs 1 to %d [power_w, throughput] points", r->where,
		     PP_SOLVE_CURVE_MAX);
		return;
	}
	size_t k;
	json_t *v;
	json_array_foreach(cv, k, v)
	{
		json_t *x = json_array_get(v, 0), *y = json_array_get(v, 1);
		if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(x) ||
		    !json_is_number(y)) {
			fail(r, "%s: curve[%zu] must be [power_w, throughput]", r->where, k);
			return;
		}
		j->curve_p[k] = json_number_value(x);
		j->curve_t[k] = json_number_value(y);
	}
	j->ncurve = json_array_size(cv);
	near_concave(j->id ? j->id : r->where, j);
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
		if (fl && !json_is_boolean(fl))
			fail(r, "%s: \"flexible\" must be true or false", r->where);
		j.flexible = json_is_true(fl);
		json_t *pl = arr(r, o, "placement", 1), *cv = arr(r, o, "curve", 1);
		if (r->bad)
			break;
		j.place = calloc(json_array_size(pl) + 1, sizeof *j.place);
		if (!j.place)
			return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
		parse_placement(r, pl, &j);
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
	struct rd r = {eb, "instance", 0, in, NULL};
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
	free(r.byid);
	json_decref(root);
	return e;
}

/* --- the answer ---------------------------------------------------------- */

/* One node, plant or the grid: what it draws against its limit (named
 * key: limit_kw or capacity_kw), whether that binds, its price. */
static void limit_json(struct pp_json *j, const char *id, const struct pp_ans_limit *l,
		       const char *key)
{
	pp_json_obj(j);
	if (id)
		pp_json_kstr(j, "id", id);
	pp_json_knum(j, "power_kw", l->power_kw, 6);
	pp_json_knum(j, key, l->limit_kw, 6);
	pp_json_kbool(j, "binding", l->binding);
	pp_json_ksig(j, "price", l->price, 9);
	pp_json_end(j);
}

#define CAP_DECIMALS 3 /* of the caps and powers written */

char *pp_solve_json(const struct pp_inst *in, const struct pp_ans *a)
{
	static const char *const act[] = {"run", "defer", "pause"};
	struct pp_buf b;
	pp_buf_init(&b);
	struct pp_json j;
	pp_json_init(&j, &b);
	pp_json_obj(&j);
	pp_json_kstr(&j, "status", a->shedding ? "shedding" : a->proven ? "optimal" : "feasible");
	pp_json_ksig(&j, "objective", a->objective, 9);
	pp_json_ksig(&j, "gap", a->gap, 3);
	pp_json_key(&j, "jobs");
	pp_json_arr(&j);
	for (size_t i = 0; i < in->njobs; i++) {
		pp_json_obj(&j);
		pp_json_kstr(&j, "id", in->jobs[i].id);
		pp_json_kstr(&j, "action", act[a->jobs[i].action]);
		pp_json_kcap(&j, "cap_w", a->jobs[i].cap_w, CAP_DECIMALS);
		pp_json_kcap(&j, "power_w", a->jobs[i].power_w, CAP_DECIMALS);
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_key(&j, "nodes");
	pp_json_arr(&j);
	for (size_t i = 0; i < in->nnodes; i++)
		limit_json(&j, in->nodes[i].id, &a->nodes[i], "limit_kw");
	pp_json_end(&j);
	pp_json_key(&j, "plants");
	pp_json_arr(&j);
	for (size_t i = 0; i < in->nplants; i++)
		limit_json(&j, in->plants[i].id, &a->plants[i], "capacity_kw");
	pp_json_end(&j);
	pp_json_key(&j, "grid");
	limit_json(&j, NULL, &a->grid, "limit_kw");
	pp_json_knum(&j, "solve_us", a->solve_us, 0);
	pp_json_kint(&j, "iterations", a->iterations);
	pp_json_end(&j);
	if (pp_json_done(&j) || pp_buf_append(&b, "\n", 1)) {
		pp_buf_free(&b);
		return NULL;
	}
	return b.data; /* taken by the caller */
}
