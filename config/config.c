/* config.c - site configuration: entry points, site and grid, power tree,
 * cooling plants and the cross-references between them.
 *
 * libfyaml was chosen over libcyaml because it keeps the whole document with
 * a position for every scalar, so the loader can walk it once, keep going
 * after a problem and report all of them with file:line:column (libcyaml maps
 * straight into structs from a schema and stops at the first error). */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "powerpark/chiller.h"
#include "powerpark/gpu.h"

#define MAX_MODELS 32

/* The names of the GPU or chiller models in models/ (the one set of models
 * the optimizer, the sim and the planner share), and them as one list for
 * messages. Returns how many. */
static size_t model_names(int chillers, const char **out, char *list, size_t listlen)
{
	size_t n;
	list[0] = 0;
	if (chillers) {
		int k;
		const struct pp_chiller_model *m = pp_chiller_models(&k);
		n = (size_t)k;
		for (size_t i = 0; i < n && i < MAX_MODELS; i++)
			out[i] = m[i].name;
	} else {
		const struct pp_gpu_model *g = pp_gpu_models(&n);
		for (size_t i = 0; i < n && i < MAX_MODELS; i++)
			out[i] = g[i].name;
	}
	if (n > MAX_MODELS)
		n = MAX_MODELS;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list);
		snprintf(list + l, listlen - l, "%s%s", i ? ", " : "", out[i]);
	}
	return n;
}

static void load_site(struct loader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_site *s = &L->cfg->site;
	struct fy_node *site = ymap(w, root, "site");
	static const char *const keys[] = {"name", "region", "margin", "grid", "other_kw",
					   "weather", NULL};
	static const char *const req[] = {"name", "grid", NULL};
	s->margin = 0.02;
	if (!site || ykeys(w, site, "site", keys, req))
		return;
	ystr(w, site, "name", &s->name);
	ystr(w, site, "region", &s->region);
	ynum(w, site, "margin", 0, 0.5, 0, &s->margin);
	ynum(w, site, "other_kw", 0, 1e7, 0, &s->other_kw);
	/* An EPW year for the forecast; relative to the config's folder. */
	const char *epw = NULL;
	if (!ystr(w, site, "weather", &epw) && epw) {
		if (epw[0] == '/') {
			s->weather_epw = epw;
		} else {
			char buf[4096];
			int n = snprintf(buf, sizeof buf, "%s/%s", L->base_dir, epw);
			s->weather_epw = ystrdup(w, buf, (size_t)n);
		}
		s->weather_pos = P(L, yget(site, "weather"));
	}
	struct fy_node *grid = ymap(w, site, "grid");
	static const char *const gk[] = {"import_limit_kw", "ramp_kw_per_min", "events",
					 "oscillation", NULL};
	static const char *const gr[] = {"import_limit_kw", NULL};
	if (!grid || ykeys(w, grid, "grid", gk, gr))
		return;
	ynum(w, grid, "import_limit_kw", 0, 1e7, 1, &s->import_limit_kw);
	ynum(w, grid, "ramp_kw_per_min", 0, 1e7, 1, &s->ramp_kw_per_min);
	struct fy_node *osc = ymap(w, grid, "oscillation");
	static const char *const ok[] = {"alert_kw", "floor", NULL};
	if (osc && !ykeys(w, osc, "oscillation", ok, NULL)) {
		ynum(w, osc, "alert_kw", 0, 1e7, 1, &s->osc_alert_kw);
		struct fy_node *fl = ymap(w, osc, "floor");
		static const char *const fk[] = {"training", "inference", "batch", NULL};
		if (fl && !ykeys(w, fl, "floor", fk, NULL))
			for (int k = 0; fk[k]; k++)
				ynum(w, fl, fk[k], 0, 0.95, 0, &s->osc_floor[k]);
	}
	struct fy_node *ev = yseq(w, grid, "events");
	if (!ev)
		return;
	s->nevents = (size_t)fy_node_sequence_item_count(ev);
	s->events = yalloc(w, s->nevents * sizeof *s->events);
	static const char *const ek[] = {"name", "start", "end", "limit_kw", NULL};
	static const char *const er[] = {"start", "end", "limit_kw", NULL};
	void *it = NULL;
	struct fy_node *e;
	size_t i = 0;
	while ((e = fy_node_sequence_iterate(ev, &it))) {
		struct pp_grid_event *g = &s->events[i++];
		g->pos = P(L, e);
		if (ykeys(w, e, "grid event", ek, er))
			continue;
		ystr(w, e, "name", &g->name);
		ynum(w, e, "limit_kw", 0, 1e7, 0, &g->limit_kw);
		const char *t;
		int okt = 1;
		const char *names[] = {"start", "end"};
		int64_t *dst[] = {&g->start_s, &g->end_s};
		for (int k = 0; k < 2; k++) {
			if (ystr(w, e, names[k], &t) == 0 && yget(e, names[k])) {
				if (yparse_time(t, dst[k])) {
					yproblem(w, yget(e, names[k]),
						 "'%s': expected a UTC time like "
						 "2026-07-01T14:00:00Z, got '%s'", names[k], t);
					okt = 0;
				}
			} else {
				okt = 0;
			}
		}
		if (okt && g->end_s <= g->start_s)
			yproblem(w, yget(e, "end"), "grid event: 'end' must be after 'start'");
	}
}

static void load_rack(struct loader *L, struct fy_node *n, struct pp_rack *r)
{
	struct ywalk *w = &L->w;
	static const char *const k[] = {"name", "limit_kw", "base_kw", "gpus", "gpu_model",
					 "device", NULL};
	static const char *const req[] = {"name", "limit_kw", "gpus", "gpu_model", NULL};
	r->pos = P(L, n);
	if (ykeys(w, n, "rack", k, req))
		return;
	if (!ystr(w, n, "name", &r->name) && r->name)
		yname_add(L, &L->nodes, "power node", r->name, P(L, yget(n, "name")));
	ynum(w, n, "limit_kw", 0, 1e4, 1, &r->limit_kw);
	ynum(w, n, "base_kw", 0, 1e4, 0, &r->base_kw);
	long g = 0;
	if (!yint(w, n, "gpus", 0, 4096, &g))
		r->gpus = (int)g;
	if (!ystr(w, n, "gpu_model", &r->gpu_model) && r->gpu_model) {
		if (!pp_gpu_find(r->gpu_model)) {
			const char *names[MAX_MODELS];
			char dym[128], list[400];
			size_t nn = model_names(0, names, list, sizeof list);
			yproblem(w, yget(n, "gpu_model"), "unknown gpu_model '%s'%s (known: %s)",
				 r->gpu_model, ydym(dym, sizeof dym, r->gpu_model, names, nn), list);
		}
	}
	ystr(w, n, "device", &r->device_name);
}

static void load_power(struct loader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_config *c = L->cfg;
	struct fy_node *pw = ymap(w, root, "power");
	static const char *const pk[] = {"limit_kw", "halls", NULL};
	if (!pw || ykeys(w, pw, "power", pk, pk))
		return;
	ynum(w, pw, "limit_kw", 0, 1e7, 1, &c->site_limit_kw);
	struct fy_node *halls = yseq(w, pw, "halls");
	if (!halls)
		return;
	c->nhalls = (size_t)fy_node_sequence_item_count(halls);
	c->halls = yalloc(w, c->nhalls * sizeof *c->halls);
	static const char *const hk[] = {"name", "limit_kw", "base_kw", "rows", NULL};
	static const char *const hr[] = {"name", "limit_kw", "rows", NULL};
	static const char *const rk[] = {"name", "limit_kw", "racks", NULL};
	void *hi = NULL;
	struct fy_node *hn;
	size_t h = 0;
	while ((hn = fy_node_sequence_iterate(halls, &hi))) {
		struct pp_hall *hall = &c->halls[h++];
		hall->pos = P(L, hn);
		if (ykeys(w, hn, "hall", hk, hr))
			continue;
		if (!ystr(w, hn, "name", &hall->name) && hall->name)
			yname_add(L, &L->nodes, "power node", hall->name, P(L, yget(hn, "name")));
		ynum(w, hn, "limit_kw", 0, 1e7, 1, &hall->limit_kw);
		ynum(w, hn, "base_kw", 0, 1e7, 0, &hall->base_kw);
		struct fy_node *rows = yseq(w, hn, "rows");
		if (!rows)
			continue;
		hall->nrows = (size_t)fy_node_sequence_item_count(rows);
		hall->rows = yalloc(w, hall->nrows * sizeof *hall->rows);
		void *ri = NULL;
		struct fy_node *rn;
		size_t r = 0;
		while ((rn = fy_node_sequence_iterate(rows, &ri))) {
			struct pp_row *row = &hall->rows[r++];
			row->pos = P(L, rn);
			if (ykeys(w, rn, "row", rk, rk))
				continue;
			if (!ystr(w, rn, "name", &row->name) && row->name)
				yname_add(L, &L->nodes, "power node", row->name,
					  P(L, yget(rn, "name")));
			ynum(w, rn, "limit_kw", 0, 1e6, 1, &row->limit_kw);
			struct fy_node *racks = yseq(w, rn, "racks");
			if (!racks)
				continue;
			row->nracks = (size_t)fy_node_sequence_item_count(racks);
			row->racks = yalloc(w, row->nracks * sizeof *row->racks);
			void *ki = NULL;
			struct fy_node *kn;
			size_t k = 0;
			while ((kn = fy_node_sequence_iterate(racks, &ki)))
				load_rack(L, kn, &row->racks[k++]);
		}
	}
}

static void load_equip(struct loader *L, struct fy_node *plant, const char *key,
		       enum pp_equip_kind kind, struct pp_plant *p)
{
	struct ywalk *w = &L->w;
	struct fy_node *seq = yseq(w, plant, key);
	if (!seq)
		return;
	static const char *const ck[] = {"name", "model", "capacity_kw", "device", NULL};
	static const char *const cr[] = {"name", "model", "capacity_kw", NULL};
	static const char *const tk[] = {"name", "type", "capacity_kw", "device", NULL};
	static const char *const tr[] = {"name", "capacity_kw", NULL};
	static const char *const dk[] = {"name", "hall", "capacity_kw", "device", NULL};
	static const char *const dr[] = {"name", "hall", "capacity_kw", NULL};
	void *it = NULL;
	struct fy_node *n;
	while ((n = fy_node_sequence_iterate(seq, &it))) {
		struct pp_equip *e = &p->equip[p->nequip++];
		e->kind = kind;
		e->pos = P(L, n);
		const char *what = kind == PP_EQ_CHILLER ? "chiller" : kind == PP_EQ_CDU ? "cdu"
											: "tower";
		int bad = kind == PP_EQ_CHILLER ? ykeys(w, n, what, ck, cr)
			  : kind == PP_EQ_CDU   ? ykeys(w, n, what, dk, dr)
						: ykeys(w, n, what, tk, tr);
		if (bad)
			continue;
		if (!ystr(w, n, "name", &e->name) && e->name)
			yname_add(L, &L->equip, "plant equipment", e->name, P(L, yget(n, "name")));
		ynum(w, n, "capacity_kw", 0, 1e6, 1, &e->capacity_kw);
		ystr(w, n, "device", &e->device_name);
		if (kind == PP_EQ_CHILLER && !ystr(w, n, "model", &e->model) && e->model) {
			if (!pp_chiller_find(e->model)) {
				const char *names[MAX_MODELS];
				char dym[128], list[400];
				size_t nn = model_names(1, names, list, sizeof list);
				yproblem(w, yget(n, "model"), "unknown chiller model '%s'%s (known: %s)",
					 e->model, ydym(dym, sizeof dym, e->model, names, nn), list);
			}
		}
		if (kind == PP_EQ_TOWER) {
			const char *t = NULL;
			if (!ystr(w, n, "type", &t) && t) {
				if (!strcmp(t, "drycooler"))
					e->kind = PP_EQ_DRYCOOLER;
				else if (strcmp(t, "tower"))
					yproblem(w, yget(n, "type"),
						 "'type': expected 'tower' or 'drycooler', got '%s'", t);
			}
		}
		if (kind == PP_EQ_CDU)
			ystr(w, n, "hall", &e->hall);
	}
}

static void load_cooling(struct loader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_config *c = L->cfg;
	struct fy_node *cool = ymap(w, root, "cooling");
	static const char *const ck[] = {"plants", NULL};
	if (!cool || ykeys(w, cool, "cooling", ck, ck))
		return;
	struct fy_node *plants = yseq(w, cool, "plants");
	if (!plants)
		return;
	c->nplants = (size_t)fy_node_sequence_item_count(plants);
	c->plants = yalloc(w, c->nplants * sizeof *c->plants);
	static const char *const pk[] = {"name", "serves", "reserve", "chw_supply_c", "chillers",
					 "towers", "cdus", NULL};
	static const char *const pr[] = {"name", "serves", NULL};
	void *it = NULL;
	struct fy_node *pn;
	size_t i = 0;
	while ((pn = fy_node_sequence_iterate(plants, &it))) {
		struct pp_plant *p = &c->plants[i++];
		p->pos = P(L, pn);
		p->chw_supply_c = 18;
		if (ykeys(w, pn, "plant", pk, pr))
			continue;
		if (!ystr(w, pn, "name", &p->name) && p->name)
			yname_add(L, &L->equip, "plant equipment", p->name, P(L, yget(pn, "name")));
		long res = 1;
		yint(w, pn, "reserve", 0, 16, &res);
		p->reserve = (int)res;
		ynum(w, pn, "chw_supply_c", 4, 50, 0, &p->chw_supply_c);
		struct fy_node *sv = yseq(w, pn, "serves");
		if (sv) {
			p->nserves = (size_t)fy_node_sequence_item_count(sv);
			p->serves = yalloc(w, (p->nserves + 1) * sizeof *p->serves);
			void *si = NULL;
			struct fy_node *sn;
			size_t k = 0;
			while ((sn = fy_node_sequence_iterate(sv, &si))) {
				const char *hn = yscalar(w, sn);
				if (!hn || !*hn) {
					yproblem(w, sn, "'serves': expected hall names");
					continue;
				}
				p->serves[k++] = hn;
			}
			p->nserves = k;
		}
		size_t ne = 0;
		const char *eq[] = {"chillers", "towers", "cdus"};
		for (int k = 0; k < 3; k++) {
			struct fy_node *s = yget(pn, eq[k]);
			if (s && fy_node_get_type(s) == FYNT_SEQUENCE)
				ne += (size_t)fy_node_sequence_item_count(s);
		}
		p->equip = yalloc(w, ne * sizeof *p->equip);
		load_equip(L, pn, "chillers", PP_EQ_CHILLER, p);
		load_equip(L, pn, "towers", PP_EQ_TOWER, p);
		load_equip(L, pn, "cdus", PP_EQ_CDU, p);
		size_t nch = 0;
		for (size_t k = 0; k < p->nequip; k++)
			nch += p->equip[k].kind == PP_EQ_CHILLER;
		if (nch && (size_t)p->reserve >= nch)
			yproblem(w, yget(pn, "reserve") ? yget(pn, "reserve") : pn,
				 "plant '%s': reserve %d leaves no chiller to carry load (%zu "
				 "chillers)", p->name ? p->name : "?", p->reserve, nch);
	}
}

/* A reference to a hall by name; reported at node pos when dangling. */
static void check_hall_ref(struct loader *L, const char *name, struct pp_pos pos,
			   const char *what)
{
	struct pp_config *c = L->cfg;
	for (size_t i = 0; i < c->nhalls; i++)
		if (c->halls[i].name && !strcmp(c->halls[i].name, name))
			return;
	const char **cands = malloc((c->nhalls + 1) * sizeof *cands);
	if (!cands)
		abort();
	for (size_t i = 0; i < c->nhalls; i++)
		cands[i] = c->halls[i].name;
	char dym[128];
	yproblem_at(&L->w, pos, "%s refers to unknown hall '%s'%s", what, name,
		    ydym(dym, sizeof dym, name, cands, c->nhalls));
	free(cands);
}

static struct pp_device *device_ref(struct loader *L, const char *name, struct pp_pos pos,
				    const char *what)
{
	long i = yname_find(&L->devices, name);
	if (i >= 0)
		return &L->cfg->devices[i];
	char dym[128];
	yproblem_at(&L->w, pos, "%s refers to unknown device '%s'%s", what, name,
		    ydym(dym, sizeof dym, name, L->devices.names, L->devices.n));
	return NULL;
}

/* Finds the position of a key's value given the object's node position. */
static void resolve_refs(struct loader *L, struct fy_node *root)
{
	struct pp_config *c = L->cfg;
	/* racks -> devices: walk the YAML again for exact positions */
	struct fy_node *halls = yget(yget(root, "power"), "halls");
	for (size_t h = 0; h < c->nhalls; h++) {
		struct fy_node *hn = halls ? fy_node_sequence_get_by_index(halls, (int)h) : NULL;
		struct fy_node *rows = yget(hn, "rows");
		for (size_t r = 0; r < c->halls[h].nrows; r++) {
			struct fy_node *rn = rows ? fy_node_sequence_get_by_index(rows, (int)r) : NULL;
			struct fy_node *racks = yget(rn, "racks");
			struct pp_row *row = &c->halls[h].rows[r];
			for (size_t k = 0; k < row->nracks; k++) {
				struct pp_rack *rk = &row->racks[k];
				if (!rk->device_name)
					continue;
				struct fy_node *kn =
					racks ? fy_node_sequence_get_by_index(racks, (int)k) : NULL;
				char what[160];
				snprintf(what, sizeof what, "rack '%s'", rk->name ? rk->name : "?");
				rk->device = device_ref(L, rk->device_name, P(L, yget(kn, "device")),
							what);
			}
		}
	}
	struct fy_node *plants = yget(yget(root, "cooling"), "plants");
	for (size_t i = 0; i < c->nplants; i++) {
		struct pp_plant *p = &c->plants[i];
		struct fy_node *pn = plants ? fy_node_sequence_get_by_index(plants, (int)i) : NULL;
		struct fy_node *sv = yget(pn, "serves");
		char what[160];
		snprintf(what, sizeof what, "plant '%s'", p->name ? p->name : "?");
		for (size_t k = 0; k < p->nserves; k++)
			check_hall_ref(L, p->serves[k],
				       P(L, sv ? fy_node_sequence_get_by_index(sv, (int)k) : NULL),
				       what);
		for (size_t k = 0; k < p->nequip; k++) {
			struct pp_equip *e = &p->equip[k];
			snprintf(what, sizeof what, "'%s'", e->name ? e->name : "?");
			if (e->device_name)
				e->device = device_ref(L, e->device_name, e->pos, what);
			if (e->hall)
				check_hall_ref(L, e->hall, e->pos, what);
		}
	}
}

static const char *const top_keys[] = {"site",    "power",  "cooling", "devices",
				       "profile_path", "outputs", "api", "scenario", NULL};
static const char *const top_req[] = {"site", "power", NULL};

static enum pp_err load_common(const char *name, const char *text, size_t len,
			       const char *base_dir, struct pp_config **out,
			       struct pp_diags *diags)
{
	*out = NULL;
	struct pp_config *cfg = calloc(1, sizeof *cfg);
	struct ypool *pool = calloc(1, sizeof *pool);
	if (!cfg || !pool) {
		free(cfg);
		free(pool);
		return PP_ERR_NOMEM;
	}
	cfg->priv_ = pool;
	struct loader L = {.cfg = cfg};
	L.w.pool = pool;
	L.w.diags = diags;
	L.w.file = ystrdup(&L.w, name, strlen(name));
	cfg->file = L.w.file;
	if (base_dir) {
		L.base_dir = ystrdup(&L.w, base_dir, strlen(base_dir));
	} else {
		char *tmp = strdup(name);
		if (!tmp)
			abort();
		const char *d = dirname(tmp);
		L.base_dir = ystrdup(&L.w, d, strlen(d));
		free(tmp);
	}
	struct fy_document *doc = yparse(&L.w, name, text, len);
	if (doc) {
		struct fy_node *root = fy_document_root(doc);
		if (!root) {
			struct pp_pos p = {L.w.file, 1, 1};
			yproblem_at(&L.w, p, "the file is empty; expected 'site' and 'power'");
		} else if (!ykeys(&L.w, root, "top level", top_keys, top_req)) {
			load_site(&L, root);
			load_power(&L, root);
			load_cooling(&L, root);
			config_load_devices(&L, root);
			config_load_outputs(&L, root);
			config_load_api(&L, root);
			config_load_scenario(&L, root);
			resolve_refs(&L, root);
		}
		fy_document_destroy(doc);
	}
	ynames_free(&L.nodes);
	ynames_free(&L.equip);
	ynames_free(&L.devices);
	ynames_free(&L.outputs);
	ynames_free(&L.tokens);
	free(L.ppath);
	if (L.w.nproblems || !doc) {
		pp_config_destroy(cfg);
		return PP_ERR_CONFIG;
	}
	*out = cfg;
	return PP_OK;
}

enum pp_err pp_config_load(const char *path, struct pp_config **out, struct pp_diags *diags)
{
	return load_common(path, NULL, 0, NULL, out, diags);
}

enum pp_err pp_config_load_text(const char *name, const char *text, size_t len,
				const char *base_dir, struct pp_config **out,
				struct pp_diags *diags)
{
	return load_common(name ? name : "<text>", text, len, base_dir ? base_dir : ".", out,
			   diags);
}

void pp_config_destroy(struct pp_config *cfg)
{
	if (!cfg)
		return;
	struct ypool *p = cfg->priv_;
	if (p) {
		ypool_free(p);
		free(p);
	}
	free(cfg);
}
