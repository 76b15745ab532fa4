/* config.c - site configuration: entry points, the table of the whole file
 * and the cross-references between its parts.
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

/* A park needs both its power tree and its grid connection; a collector's
 * config has neither. */
static int root_park(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	struct fy_node *site = yget(c->map, "site"), *power = yget(c->map, "power");
	struct fy_node *grid = site ? yget(site, "grid") : NULL;
	if (power && !grid)
		yproblem(c->w, site ? site : c->map, "site: missing required key 'grid' (a park's "
			 "power tree needs its grid connection)");
	else if (grid && !power)
		yproblem(c->w, c->map, "top level: missing required key 'power' (a grid connection "
			 "needs the power tree it feeds; a collector's config has neither)");
	((struct pp_config *)c->obj)->park = power && grid;
	return 0;
}

static const struct ykey root_keys[] = {
	{"site", YT_OBJ, YF_REQ, YAT(struct pp_config, site), .sub = &config_site_obj,
	 .doc = "the site: its name, grid connection and weather"},
	{"power", YT_OBJ, 0, .off = 1, .sub = &config_power_obj,
	 .doc = "the electrical tree: site breaker, halls, rows, racks"},
	{"cooling", YT_OBJ, 0, .off = 1, .sub = &config_cooling_obj,
	 .doc = "the cooling plants"},
	{"profile_path", YT_CUSTOM, YF_ABSENT, .set = config_profile_path,
	 .tdoc = "list of folders",
	 .doc = "where device profiles (NAME.yaml) are looked for first, relative to this "
		"file; then `profiles/` beside it, `./conf/profiles` and "
		"`$(PREFIX)/share/powerpark/profiles`"},
	{"devices", YT_LIST, 0, YAT(struct pp_config, devices), YCNT(struct pp_config, ndevices),
	 .sub = &config_device_obj, .doc = "the devices `powerpark collect` reads"},
	{"outputs", YT_LIST, 0, YAT(struct pp_config, outputs), YCNT(struct pp_config, noutputs),
	 .sub = &config_output_obj, .doc = "where measurements are written"},
	{"api", YT_OBJ, 0, YAT(struct pp_config, api), .sub = &config_api_obj,
	 .doc = "the HTTP API of `powerpark optimize`"},
	{"ha", YT_OBJ, 0, YAT(struct pp_config, ha), .sub = &config_ha_obj,
	 .doc = "replicas of `powerpark optimize` electing a leader on etcd (docs/ha.md)"},
	{"scenario", YT_OBJ, YF_ALLOC, YAT(struct pp_config, scenario), .sub = &config_scenario_obj,
	 .doc = "what `powerpark run` plays on this park (docs/run.md)"},
	{"", YT_CHECK, .set = root_park},
};

const struct yobj config_root_obj = {
	.what = "top level",
	.doc = "The top level of a site configuration (`powerpark check -c FILE`).",
	YKEYS(root_keys),
};

/* A reference to a hall by name; reported at pos when dangling. */
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
		    pp_diag_dym(dym, sizeof dym, name, cands, c->nhalls));
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
		    pp_diag_dym(dym, sizeof dym, name, L->devices.names, L->devices.n));
	return NULL;
}

/* Racks and equipment to their devices, plants and CDUs to their halls:
 * names that must be defined somewhere in the file. */
static void resolve_refs(struct loader *L)
{
	struct pp_config *c = L->cfg;
	char what[160];
	for (size_t h = 0; h < c->nhalls; h++)
		for (size_t r = 0; r < c->halls[h].nrows; r++) {
			struct pp_row *row = &c->halls[h].rows[r];
			for (size_t k = 0; k < row->nracks; k++) {
				struct pp_rack *rk = &row->racks[k];
				if (!rk->device_name)
					continue;
				snprintf(what, sizeof what, "rack '%s'", rk->name ? rk->name : "?");
				rk->device = device_ref(L, rk->device_name, rk->device_pos, what);
			}
		}
	for (size_t i = 0; i < c->ndevices; i++)
		if (c->devices[i].hall && c->park) {
			snprintf(what, sizeof what, "device '%s'",
				 c->devices[i].name ? c->devices[i].name : "?");
			check_hall_ref(L, c->devices[i].hall, c->devices[i].hall_pos, what);
		}
	for (size_t i = 0; i < c->nplants; i++) {
		struct pp_plant *p = &c->plants[i];
		snprintf(what, sizeof what, "plant '%s'", p->name ? p->name : "?");
		for (size_t k = 0; k < p->nserves; k++)
			check_hall_ref(L, p->serves[k], p->serves_pos[k], what);
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

struct host_ref {
	const char *name, *rack;
	struct pp_pos pos;
	int power_node; /* a hall, row or rack's name, not a compute node */
};

static int host_cmp(const void *a, const void *b)
{
	const struct host_ref *x = a, *y = b;
	int d = strcmp(x->name, y->name);
	return d ? d : y->power_node - x->power_node; /* the power node first */
}

/* Compute nodes are leased by name (GET /v1/caps?node=NAME), so a name is
 * one rack's node only, and no hall's, row's or rack's: sorted together,
 * a repeat is next to its first (a linear search was quadratic at 12,500
 * nodes). */
static void check_hosts(struct loader *L)
{
	const struct pp_config *c = L->cfg;
	size_t n = L->nodes.n;
	for (size_t h = 0; h < c->nhalls; h++)
		for (size_t r = 0; r < c->halls[h].nrows; r++)
			for (size_t k = 0; k < c->halls[h].rows[r].nracks; k++)
				n += c->halls[h].rows[r].racks[k].nhosts;
	if (n == L->nodes.n)
		return;
	struct host_ref *v = malloc(n * sizeof *v);
	if (!v)
		abort();
	size_t m = 0;
	for (size_t i = 0; i < L->nodes.n; i++)
		v[m++] = (struct host_ref){L->nodes.names[i], NULL, L->nodes.pos[i], 1};
	for (size_t h = 0; h < c->nhalls; h++)
		for (size_t r = 0; r < c->halls[h].nrows; r++)
			for (size_t k = 0; k < c->halls[h].rows[r].nracks; k++) {
				const struct pp_rack *rk = &c->halls[h].rows[r].racks[k];
				for (size_t j = 0; j < rk->nhosts; j++)
					v[m++] = (struct host_ref){rk->hosts[j], rk->name, rk->nodes_pos, 0};
			}
	qsort(v, m, sizeof *v, host_cmp);
	for (size_t i = 1; i < m; i++) {
		const struct host_ref *a = &v[i - 1], *b = &v[i];
		if (strcmp(a->name, b->name) || b->power_node)
			continue;
		if (a->power_node)
			yproblem_at(&L->w, b->pos, "compute node '%s' of rack '%s' has the name of a "
				    "hall, row or rack (%s:%d:%d): leases by name would not know which",
				    b->name, b->rack, a->pos.file, a->pos.line, a->pos.col);
		else if (a->rack == b->rack)
			yproblem_at(&L->w, b->pos, "compute node '%s' is listed twice in rack '%s'",
				    b->name, b->rack);
		else
			yproblem_at(&L->w, b->pos, "compute node '%s' is in rack '%s' and in rack '%s' "
				    "(%s:%d:%d)", b->name, b->rack, a->rack, a->pos.file, a->pos.line,
				    a->pos.col);
	}
	free(v);
}

/* The folder relative paths of the file start from. */
static const char *base_of(struct loader *L, const char *name, const char *base_dir)
{
	if (base_dir)
		return ystrdup(&L->w, base_dir, strlen(base_dir));
	char *tmp = strdup(name);
	if (!tmp)
		abort();
	const char *d = dirname(tmp);
	const char *b = ystrdup(&L->w, d, strlen(d));
	free(tmp);
	return b;
}

enum pp_err pp_config_read(const char *name, const char *text, size_t len,
			   const char *base_dir, struct pp_config **out, struct pp_diags *diags)
{
	*out = NULL;
	if (text && !name)
		name = "<text>";
	if (text && !base_dir)
		base_dir = ".";
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
	L.w.dir = base_of(&L, name, base_dir);
	struct fy_document *doc = yparse(&L.w, name, text, len);
	if (doc) {
		struct fy_node *root = fy_document_root(doc);
		if (!root) {
			struct pp_pos p = {L.w.file, 1, 1};
			yproblem_at(&L.w, p, "the file is empty; expected 'site' and 'power'");
		} else if (!yread_top(&L.w, &L, &config_root_obj, root, cfg)) {
			resolve_refs(&L);
			check_hosts(&L);
		}
		fy_document_destroy(doc);
	}
	ynames_free(&L.nodes);
	ynames_free(&L.equip);
	ynames_free(&L.devices);
	ynames_free(&L.outputs);
	ynames_free(&L.tokens);
	free(L.ppath);
	*out = cfg;
	return L.w.nproblems || !doc ? PP_ERR_CONFIG : PP_OK;
}

enum pp_err pp_config_load(const char *path, struct pp_config **out, struct pp_diags *diags)
{
	return pp_config_load_text(path, NULL, 0, NULL, out, diags); /* no text: the file */
}

enum pp_err pp_config_load_text(const char *name, const char *text, size_t len,
				const char *base_dir, struct pp_config **out,
				struct pp_diags *diags)
{
	enum pp_err e = pp_config_read(name, text, len, base_dir, out, diags);
	if (e) {
		pp_config_destroy(*out);
		*out = NULL;
	}
	return e;
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
