/* instance.c - the optimizer's instance: JSON in (jansson), checks, the
 * curve, and the answer as JSON out. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/buf.h"
#include "powerpark/inst.h"
#include "powerpark/solve.h"

void pp_inst_free(struct pp_inst *in)
{
	for (size_t i = 0; i < in->nnodes; i++)
		free(in->nodes[i].id);
	for (size_t i = 0; i < in->nplants; i++) {
		free(in->plants[i].id);
		free(in->plants[i].nodes);
	}
	for (size_t i = 0; i < in->njobs; i++) {
		free(in->jobs[i].id);
		free(in->jobs[i].place);
	}
	free(in->nodes);
	free(in->plants);
	free(in->jobs);
	memset(in, 0, sizeof *in);
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

static char *str(struct rd *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v)) {
		if (!r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"%s\" must be a string", r->where, key);
		}
		return NULL;
	}
	return strdup(json_string_value(v));
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

static enum pp_err parse_nodes(struct rd *r, json_t *root, struct pp_inst *in)
{
	snprintf(r->where, sizeof r->where, "instance");
	json_t *a = arr(r, root, "nodes", 1);
	if (!a)
		return PP_ERR_PARSE;
	in->nodes = calloc(json_array_size(a) + 1, sizeof *in->nodes);
	if (!in->nodes)
		return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
	char **parents = calloc(json_array_size(a) + 1, sizeof *parents);
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
		struct pp_inst_node *n = &in->nodes[in->nnodes++];
		n->id = str(r, o, "id");
		if (n->id)
			snprintf(r->where, sizeof r->where, "node '%s'", n->id);
		json_t *p = json_object_get(o, "parent");
		if (json_is_string(p))
			parents[i] = strdup(json_string_value(p));
		else if (p && !json_is_null(p) && !r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"parent\" must be a node id or null", r->where);
		}
		n->limit_kw = num(r, o, "limit_kw", 1, 0);
		n->base_kw = num(r, o, "base_kw", 0, 0);
		if (r->bad)
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
	for (i = 0; i < json_array_size(a); i++)
		free(parents[i]);
	free(parents);
	return r->bad ? PP_ERR_PARSE : PP_OK;
}

static enum pp_err parse_plants(struct rd *r, json_t *root, struct pp_inst *in)
{
	snprintf(r->where, sizeof r->where, "instance");
	json_t *a = arr(r, root, "plants", 0);
	if (!a)
		return r->bad ? PP_ERR_PARSE : PP_OK;
	in->plants = calloc(json_array_size(a) + 1, sizeof *in->plants);
	if (!in->plants)
		return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		snprintf(r->where, sizeof r->where, "plants[%zu]", i);
		struct pp_inst_plant *p = &in->plants[in->nplants++];
		p->id = str(r, o, "id");
		if (p->id)
			snprintf(r->where, sizeof r->where, "plant '%s'", p->id);
		p->capacity_kw = num(r, o, "capacity_kw", 1, 0);
		json_t *ns = arr(r, o, "nodes", 1);
		if (r->bad)
			break;
		p->nodes = calloc(json_array_size(ns) + 1, sizeof *p->nodes);
		if (!p->nodes)
			return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
		size_t k;
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
			p->nodes[p->nnodes++] = idx;
		}
		if (r->bad)
			break;
	}
	return r->bad ? PP_ERR_PARSE : PP_OK;
}

static enum pp_err parse_jobs(struct rd *r, json_t *root, struct pp_inst *in)
{
	snprintf(r->where, sizeof r->where, "instance");
	json_t *a = arr(r, root, "jobs", 1);
	if (!a)
		return PP_ERR_PARSE;
	in->jobs = calloc(json_array_size(a) + 1, sizeof *in->jobs);
	if (!in->jobs)
		return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
	size_t i;
	json_t *o;
	json_array_foreach(a, i, o)
	{
		snprintf(r->where, sizeof r->where, "jobs[%zu]", i);
		struct pp_inst_job *j = &in->jobs[in->njobs++];
		j->id = str(r, o, "id");
		if (j->id)
			snprintf(r->where, sizeof r->where, "job '%s'", j->id);
		j->weight = num(r, o, "weight", 0, 1);
		j->p_min_w = num(r, o, "p_min_w", 1, 0);
		j->p_max_w = num(r, o, "p_max_w", 1, 0);
		j->demand_w = num(r, o, "demand_w", 0, j->p_max_w);
		json_t *fl = json_object_get(o, "flexible");
		if (fl && !json_is_boolean(fl) && !r->bad) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"flexible\" must be true or false", r->where);
		}
		j->flexible = json_is_true(fl);
		json_t *pl = arr(r, o, "placement", 1), *cv = arr(r, o, "curve", 1);
		if (r->bad)
			break;
		j->place = calloc(json_array_size(pl) + 1, sizeof *j->place);
		if (!j->place)
			return pp_err_set(r->eb, PP_ERR_NOMEM, "out of memory");
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
				break;
			}
			j->place[j->nplace].node = idx;
			j->place[j->nplace++].gpus = (int)json_integer_value(g);
		}
		if (r->bad)
			break;
		if (json_array_size(cv) < 1 || json_array_size(cv) > PP_SOLVE_CURVE_MAX) {
			r->bad = 1;
			pp_err_set(r->eb, PP_ERR_PARSE, "%s: \"curve\" needs 1 to %d [power_w, throughput] "
				"points", r->where, PP_SOLVE_CURVE_MAX);
			break;
		}
		json_array_foreach(cv, k, v)
		{
			json_t *x = json_array_get(v, 0), *y = json_array_get(v, 1);
			if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(x) ||
			    !json_is_number(y)) {
				r->bad = 1;
				pp_err_set(r->eb, PP_ERR_PARSE, "%s: curve[%zu] must be [power_w, throughput]",
					r->where, k);
				break;
			}
			j->curve_p[k] = json_number_value(x);
			j->curve_t[k] = json_number_value(y);
		}
		j->ncurve = json_array_size(cv);
		if (r->bad)
			break;
	}
	return r->bad ? PP_ERR_PARSE : PP_OK;
}

enum pp_err pp_inst_parse(const char *text, size_t len, struct pp_inst *in, struct pp_errbuf *eb)
{
	memset(in, 0, sizeof *in);
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
	} else {
		in->grid_limit_kw = INFINITY;
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
