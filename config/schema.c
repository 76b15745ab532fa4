/* schema.c - reads YAML objects with the tables of schema.h, gives their
 * defaults and prints their reference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

/* Rows of one object with its base: one bit each in yctx.ok. */
#define MAX_ROWS 64

static size_t nrows(const struct yobj *o)
{
	return o->nkeys + (o->base ? o->base->nkeys : 0);
}

static const struct ykey *row_at(const struct yobj *o, size_t i)
{
	size_t nb = o->base ? o->base->nkeys : 0;
	return i < nb ? &o->base->keys[i] : &o->keys[i - nb];
}

static void put_int(void *f, size_t size, long long v)
{
	if (size == sizeof(int)) {
		int i = (int)v;
		memcpy(f, &i, sizeof i);
	} else {
		int64_t i = v;
		memcpy(f, &i, sizeof i);
	}
}

static double mult(const struct ykey *k)
{
	return k->mult ? k->mult : 1;
}

static void give_default(const struct ykey *k, void *obj)
{
	if (!(k->flags & YF_DEF) || !k->off)
		return;
	void *f = (char *)obj + k->off - 1;
	switch (k->type) {
	case YT_STR:
	case YT_PATH:
	case YT_NAME:
		*(const char **)f = k->sdef;
		break;
	case YT_NUM:
		*(double *)f = k->def * mult(k);
		break;
	case YT_ENUM:
		if (k->flags & YF_NAMEOF)
			*(const char **)f = k->vals[(size_t)(k->def - k->lo)];
		else
			put_int(f, k->size, (long long)k->def);
		break;
	case YT_INT:
		put_int(f, k->size, (long long)k->def * (long long)mult(k));
		break;
	case YT_BOOL:
	case YT_PICK:
		put_int(f, k->size, (long long)k->def);
		break;
	default:
		break; /* objects, lists and setters give their own */
	}
}

void ydefaults(const struct yobj *o, void *obj)
{
	if (o->like)
		ydefaults(o->like, obj);
	for (size_t i = 0; i < nrows(o); i++) {
		const struct ykey *k = row_at(o, i);
		if (!(k->when && (k->flags & YF_WHENDEF)))
			give_default(k, obj);
	}
}

int yok(const struct yctx *c, const char *name)
{
	for (size_t i = 0; i < nrows(c->o) && i < MAX_ROWS; i++)
		if (!strcmp(row_at(c->o, i)->name, name))
			return (c->ok >> i) & 1;
	return 0;
}

static size_t vals_count(const char *const *vals)
{
	size_t n = 0;
	while (vals[n])
		n++;
	return n;
}

void ypick_problem(struct ywalk *w, struct fy_node *v, const char *what,
		   const char *const *names, size_t n)
{
	pp_diag_expected(w->diags, yposn(w, v), what, yscalar(w, v), names, n);
	w->nproblems++;
}

/* One of the names of k: its index, or -1 and reported. */
static int read_enum(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct ywalk *w = c->w;
	size_t n = vals_count(k->vals);
	const char *s = NULL;
	if (k->type == YT_PICK)
		s = yscalar(w, v); /* the plan's words take any scalar */
	else if (ystr(w, v, k->name, &s))
		return -1;
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, k->vals[i]))
			return (int)i;
	if (k->type == YT_PICK) {
		char what[64];
		snprintf(what, sizeof what, "'%s'", k->name);
		ypick_problem(w, v, what, k->vals, n);
		return -1;
	}
	char dym[128], list[256];
	yproblem(w, v, "'%s': unknown value '%s'%s (expected one of: %s)", k->name, s,
		 pp_diag_dym(dym, sizeof dym, s, k->vals, n),
		 pp_diag_join(list, sizeof list, k->vals, n));
	return -1;
}

static int read_obj(struct yctx *c, const struct ykey *k, struct fy_node *v, void *f)
{
	struct ywalk *w = c->w;
	if (!(k->flags & YF_ALLOC)) {
		if (v && !yis(w, v, k->name, FYNT_MAPPING)) {
			ydefaults(k->sub, f);
			return -1;
		}
		return yread(c, k->sub, v, f);
	}
	if (!v)
		return 0;
	if (fy_node_get_type(v) != FYNT_MAPPING) {
		yproblem(w, v, "%s: expected a mapping (key: value), got %s", k->sub->what,
			 ytname(v));
		return -1;
	}
	void *obj = yalloc(w, k->sub->size);
	*(void **)f = obj;
	return yread(c, k->sub, v, obj);
}

static int read_list(struct yctx *c, const struct ykey *k, struct fy_node *v, void *f)
{
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	size_t n = (size_t)fy_node_sequence_item_count(v), max = (size_t)k->hi;
	if (max && n > max) {
		if (!(k->flags & YF_MAXEACH))
			yproblem(c->w, v, "%s: at most %zu", k->name, max);
		n = max;
	}
	void *items = f;
	if (!(k->flags & YF_INLINE)) {
		items = yalloc(c->w, (n + 1) * k->sub->size);
		*(void **)f = items;
	}
	*(size_t *)((char *)c->obj + k->cnt - 1) = yread_items(c, k, v, items, n);
	return 0;
}

size_t yread_items(struct yctx *c, const struct ykey *k, struct fy_node *v, void *items,
		   size_t n)
{
	size_t got = 0;
	void *it = NULL;
	struct fy_node *item;
	while ((item = fy_node_sequence_iterate(v, &it))) {
		if (got == n) {
			if (k->flags & YF_MAXEACH)
				yproblem(c->w, item, "%s: at most %zu %s", c->o->what, n, k->name);
			break;
		}
		int r = yread(c, k->sub, item, (char *)items + got * k->sub->size);
		if (r == 0 || !(k->flags & YF_SKIPBAD))
			got++;
	}
	return got;
}

/* A path as written, or joined to the folder of the file it is in. */
static const char *path_of(struct ywalk *w, const char *s)
{
	if (s[0] == '/')
		return s;
	size_t len = strlen(w->dir) + strlen(s) + 2;
	char *full = yalloc(w, len);
	snprintf(full, len, "%s/%s", w->dir, s);
	return full;
}

/* Reads v as k's type into the field f; 0, or -1 and reported. */
static int read_typed(struct yctx *c, const struct ykey *k, struct fy_node *v, void *f)
{
	struct ywalk *w = c->w;
	const char *s = NULL;
	double d;
	long l;
	int b;
	switch (k->type) {
	case YT_STR:
	case YT_PATH:
		if (ystr(w, v, k->name, &s))
			return -1;
		*(const char **)f = k->type == YT_PATH ? path_of(w, s) : s;
		return 0;
	case YT_NAME:
		*(const char **)f = yscalar(w, v);
		return 0;
	case YT_NUM:
		s = yscalar(w, v);
		if ((k->flags & YF_INF) && s && !strcmp(s, "unlimited")) {
			*(double *)f = INFINITY;
			return 0;
		}
		if (ynum(w, v, k->name, k->lo, k->hi, (k->flags & YF_OPEN) != 0, &d))
			return -1;
		*(double *)f = d * mult(k);
		return 0;
	case YT_INT:
		if (yint(w, v, k->name, (long)k->lo, (long)k->hi, &l))
			return -1;
		put_int(f, k->size, (long long)l * (long long)mult(k));
		return 0;
	case YT_BOOL:
		if (ybool(w, v, k->name, &b))
			return -1;
		put_int(f, k->size, b);
		return 0;
	case YT_ENUM:
	case YT_PICK:
		if ((b = read_enum(c, k, v)) < 0)
			return -1;
		if (k->flags & YF_NAMEOF)
			*(const char **)f = k->vals[b];
		else
			put_int(f, k->size, (long long)(k->lo + b));
		return 0;
	case YT_TIME:
		if (ystr(w, v, k->name, &s))
			return -1;
		if (yparse_time(s, (int64_t *)f)) {
			yproblem(w, v, "'%s': expected a UTC time like %s, got '%s'", k->name, k->eg,
				 s);
			return -1;
		}
		return 0;
	case YT_OBJ:
		return read_obj(c, k, v, f);
	case YT_LIST:
		return read_list(c, k, v, f);
	default:
		return -1;
	}
}

static int runs_set(const struct ykey *k, struct fy_node *v, int ok)
{
	if (!k->set)
		return 0;
	if (k->flags & YF_ANYWAY)
		return 1;
	return v ? ok : (k->flags & YF_ABSENT) != 0;
}

static void read_row(struct yctx *c, const struct ykey *k, size_t i)
{
	if (k->type == YT_CHECK) {
		if (k->set(c, k, NULL) == YSTOP)
			c->stop = 1;
		return;
	}
	struct fy_node *v = yget(c->map, k->name);
	if (k->when) {
		const char *why = k->when(c);
		if (why) {
			if (v && *why)
				yproblem(c->w, v, "'%s' %s", k->name, why);
			return;
		}
		if (k->flags & YF_WHENDEF)
			give_default(k, c->obj);
	}
	uint64_t bit = i < MAX_ROWS ? (uint64_t)1 << i : 0;
	int r = 0;
	if (k->type == YT_CUSTOM) {
		if (v || (k->flags & YF_ABSENT))
			r = k->set(c, k, v);
		if (v && !r)
			c->ok |= bit;
	} else {
		if (v || k->type == YT_OBJ)
			r = read_typed(c, k, v, k->off ? YFIELD(c, k) : NULL);
		if (v && !r)
			c->ok |= bit; /* before set, which may ask yok() */
		if (v && k->pos)
			*(struct pp_pos *)((char *)c->obj + k->pos - 1) = yposn(c->w, v);
		if (runs_set(k, v, v && !r)) {
			r = k->set(c, k, v);
			if (r == -1)
				c->ok &= ~bit;
		}
	}
	if (r == YSTOP || (!(c->ok & bit) && (k->flags & YF_STOP)))
		c->stop = 1;
}

/* Checks the keys of c's mapping against its rows: unknown keys (with a
 * suggestion and the allowed list), then missing required ones. -1 when it
 * is not a mapping. */
static int check_keys(struct yctx *c)
{
	struct ywalk *w = c->w;
	const struct yobj *o = c->o;
	if (fy_node_get_type(c->map) != FYNT_MAPPING) {
		yproblem(w, c->map, "%s: expected a mapping (key: value), got %s", o->what,
			 ytname(c->map));
		return -1;
	}
	const char *names[MAX_ROWS];
	size_t n = 0;
	for (size_t i = 0; i < nrows(o) && n < MAX_ROWS; i++)
		if (row_at(o, i)->type != YT_CHECK)
			names[n++] = row_at(o, i)->name;
	void *it = NULL;
	struct fy_node_pair *pr;
	while ((pr = fy_node_mapping_iterate(c->map, &it))) {
		struct fy_node *kn = fy_node_pair_key(pr);
		const char *ks = yscalar(w, kn);
		if (!ks) {
			yproblem(w, kn, "%s: keys must be plain names", o->what);
			continue;
		}
		size_t i = 0;
		while (i < n && strcmp(ks, names[i]))
			i++;
		if (i == n) {
			char dym[128], list[PP_DIAG_MAX_MSG];
			yproblem(w, kn, "%s: unknown key '%s'%s; allowed: %s", o->what, ks,
				 pp_diag_dym(dym, sizeof dym, ks, names, n),
				 pp_diag_join(list, sizeof list, names, n));
		}
	}
	for (size_t i = 0; i < nrows(o); i++) {
		const struct ykey *k = row_at(o, i);
		if ((k->flags & YF_REQ) && !yget(c->map, k->name))
			yproblem(w, c->map, "%s: missing required key '%s'", o->what, k->name);
	}
	return 0;
}

int yread(struct yctx *up, const struct yobj *o, struct fy_node *map, void *obj)
{
	struct yctx c = {.w = up->w, .L = up->L, .o = o, .map = map, .obj = obj, .up = up};
	ydefaults(o, obj);
	if (o->pos)
		*(struct pp_pos *)((char *)obj + o->pos - 1) = yposn(c.w, map);
	if (!map)
		return 0;
	if (check_keys(&c)) {
		if (o->bad)
			o->bad(&c);
		return -1;
	}
	for (size_t i = 0; i < nrows(o) && !c.stop; i++)
		read_row(&c, row_at(o, i), i);
	return 0;
}

int yread_top(struct ywalk *w, void *L, const struct yobj *o, struct fy_node *map, void *obj)
{
	struct yctx top = {.w = w, .L = L};
	return yread(&top, o, map, obj);
}
