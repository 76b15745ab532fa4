/* site.c - the tables of the site and its grid, the power tree (halls,
 * rows, racks) and the cooling plants with their equipment. */
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "powerpark/hostlist.h"

static int node_name(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	return yname_unique(c, k, v, &LD(c)->nodes, "power node");
}

static int equip_name(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	return yname_unique(c, k, v, &LD(c)->equip, "plant equipment");
}

/* A grid event ends after it starts (when both times were read). */
static int event_order(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_grid_event *g = c->obj;
	if (yok(c, "start") && yok(c, "end") && g->end_s <= g->start_s)
		yproblem(c->w, yget(c->map, "end"), "grid event: 'end' must be after 'start'");
	return 0;
}

static const struct ykey event_keys[] = {
	{"name", YT_STR, 0, YAT(struct pp_grid_event, name), .doc = "what the event is"},
	{"start", YT_TIME, YF_REQ, YAT(struct pp_grid_event, start_s),
	 .eg = "2026-07-01T14:00:00Z", .doc = "when the lower limit starts"},
	{"end", YT_TIME, YF_REQ, YAT(struct pp_grid_event, end_s), .eg = "2026-07-01T14:00:00Z",
	 .doc = "when it ends (after `start`)"},
	{"limit_kw", YT_NUM, YF_REQ, YAT(struct pp_grid_event, limit_kw), .hi = 1e7,
	 .doc = "the import limit meanwhile, kW"},
	{"", YT_CHECK, .set = event_order},
};

static const struct yobj event_obj = {
	.what = "grid event", .title = "site.grid.events[]",
	.doc = "A scheduled lower import limit (demand response, maintenance).",
	YKEYS(event_keys), .size = sizeof(struct pp_grid_event), YPOS(struct pp_grid_event, pos),
};

static const struct ykey floor_keys[] = {
	{"training", YT_NUM, 0, YAT(struct pp_site, osc_floor[PP_JOB_TRAINING]), .hi = 0.95,
	 .doc = "while a training job runs"},
	{"inference", YT_NUM, 0, YAT(struct pp_site, osc_floor[PP_JOB_INFERENCE]), .hi = 0.95,
	 .doc = "while an inference job runs"},
	{"batch", YT_NUM, 0, YAT(struct pp_site, osc_floor[PP_JOB_BATCH]), .hi = 0.95,
	 .doc = "while a batch job runs"},
};

static const struct yobj floor_obj = {
	.what = "floor", .title = "site.grid.oscillation.floor",
	.doc = "The power floor per job class, a fraction of the cap (smoothing firmware "
	       "stops at 90 %); 0: none.",
	YKEYS(floor_keys),
};

static const struct ykey osc_keys[] = {
	{"alert_kw", YT_NUM, YF_OPEN, YAT(struct pp_site, osc_alert_kw), .hi = 1e7,
	 .doc = "the 0.1-3 Hz swing amplitude that alerts, kW"},
	{"floor", YT_OBJ, 0, .off = 1, .sub = &floor_obj, .doc = "power floors by job class"},
};

static const struct yobj osc_obj = {
	.what = "oscillation", .title = "site.grid.oscillation",
	.doc = "Watching for power oscillations the grid operator minds.", YKEYS(osc_keys),
};

static const struct ykey grid_keys[] = {
	{"import_limit_kw", YT_NUM, YF_REQ | YF_OPEN, YAT(struct pp_site, import_limit_kw),
	 .hi = 1e7, .doc = "the contracted grid import limit, kW"},
	{"ramp_kw_per_min", YT_NUM, YF_OPEN, YAT(struct pp_site, ramp_kw_per_min), .hi = 1e7,
	 .doc = "the fastest the import may change, kW a minute; absent: no limit"},
	{"oscillation", YT_OBJ, 0, .off = 1, .sub = &osc_obj, .doc = "oscillation alerts"},
	{"events", YT_LIST, 0, YAT(struct pp_site, events), YCNT(struct pp_site, nevents),
	 .sub = &event_obj, .doc = "scheduled limit events"},
};

static const struct yobj grid_obj = {
	.what = "grid", .title = "site.grid", .doc = "The grid connection.", YKEYS(grid_keys),
};

static const struct ykey keep_keys[] = {
	{"training", YT_NUM, 0, YAT(struct pp_site, keep[PP_JOB_TRAINING]), .hi = 1,
	 .doc = "for training jobs"},
	{"inference", YT_NUM, 0, YAT(struct pp_site, keep[PP_JOB_INFERENCE]), .hi = 1,
	 .doc = "for inference jobs (0.99: a service kept within 1 % of its throughput)"},
	{"batch", YT_NUM, 0, YAT(struct pp_site, keep[PP_JOB_BATCH]), .hi = 1,
	 .doc = "for batch jobs"},
};

static const struct yobj keep_obj = {
	.what = "keep", .title = "site.keep",
	.doc = "Service floors per job class: the share of a job's throughput at its demand "
	       "that its cap keeps, while keeping it pauses no job (else the floors are "
	       "dropped for that cycle, logged); 0: none.",
	YKEYS(keep_keys),
};

static const struct ykey site_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_site, name), .doc = "the site's name"},
	{"region", YT_STR, 0, YAT(struct pp_site, region), .doc = "where it is"},
	{"margin", YT_NUM, YF_DEF, YAT(struct pp_site, margin), .hi = 0.5, .def = 0.02,
	 .doc = "the fraction of every limit held back"},
	{"other_kw", YT_NUM, 0, YAT(struct pp_site, other_kw), .hi = 1e7,
	 .doc = "loads that are neither IT nor cooling, kW"},
	{"weather", YT_PATH, 0, YAT(struct pp_site, weather_epw), YPOS(struct pp_site, weather_pos),
	 .doc = "an EPW year for the forecasts of `powerpark optimize`"},
	{"grid", YT_OBJ, 0, .off = 1, .sub = &grid_obj,
	 .doc = "the grid connection (with `power`; a collector's config has neither)"},
	{"keep", YT_OBJ, 0, .off = 1, .sub = &keep_obj, .doc = "service floors per job class"},
};

const struct yobj config_site_obj = {
	.what = "site", .title = "site", .doc = "The site.", YKEYS(site_keys),
};

struct hosts_fill {
	struct ywalk *w;
	const char **v;
	size_t n;
};

static int host_count(void *ud, const char *name)
{
	(void)name;
	(*(size_t *)ud)++;
	return 0;
}

static int host_keep(void *ud, const char *name)
{
	struct hosts_fill *f = ud;
	f->v[f->n++] = ystrdup(f->w, name, strlen(name));
	return 0;
}

/* `nodes`: the host list, expanded into the rack's hosts. */
static int rack_nodes(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	struct pp_rack *r = c->obj;
	char err[200];
	size_t n = 0;
	if (pp_hostlist_each(r->nodes, PP_RACK_MAX_HOSTS, host_count, &n, err, sizeof err) < 0) {
		yproblem(c->w, v, "rack nodes: %s", err);
		return -1;
	}
	struct hosts_fill f = {c->w, yalloc(c->w, n * sizeof *f.v), 0};
	if (pp_hostlist_each(r->nodes, n, host_keep, &f, err, sizeof err) < 0)
		return -1; /* not reached: the same list again */
	r->hosts = f.v;
	r->nhosts = f.n;
	return 0;
}

/* After a rack's keys: its GPUs from its nodes (`gpus` = nodes x
 * `gpus_per_node`, either may be left out when the other says it). */
static int rack_gpus(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	struct pp_rack *r = c->obj;
	int has_g = yget(c->map, "gpus") != NULL, has_n = yget(c->map, "nodes") != NULL;
	int has_p = yget(c->map, "gpus_per_node") != NULL;
	if (!has_n) {
		if (has_p)
			yproblem(c->w, yget(c->map, "gpus_per_node"),
				 "rack: 'gpus_per_node' without 'nodes'");
		else if (!has_g)
			yproblem_at(c->w, r->pos, "rack: missing 'gpus' (or 'nodes' with "
				    "'gpus_per_node')");
		return 0;
	}
	if (!yok(c, "nodes") || (has_g && !yok(c, "gpus")) || (has_p && !yok(c, "gpus_per_node")))
		return 0; /* said already */
	long n = (long)r->nhosts;
	if (has_g && has_p && r->gpus != n * r->gpus_per_host)
		yproblem(c->w, yget(c->map, "gpus"), "rack: 'gpus' is %d but %ld nodes of %d GPUs "
			 "hold %ld", r->gpus, n, r->gpus_per_host, n * r->gpus_per_host);
	else if (has_g && !has_p && r->gpus % n)
		yproblem(c->w, yget(c->map, "gpus"), "rack: %d GPUs do not split evenly over %ld "
			 "nodes (give 'gpus_per_node')", r->gpus, n);
	else if (!has_g && !has_p)
		yproblem(c->w, yget(c->map, "nodes"), "rack: 'nodes' needs 'gpus_per_node' or "
			 "'gpus'");
	else if (!has_g && n * r->gpus_per_host > PP_RACK_MAX_GPUS)
		yproblem(c->w, yget(c->map, "nodes"), "rack: %ld nodes of %d GPUs are over the "
			 "%d GPUs a rack may hold", n, r->gpus_per_host, PP_RACK_MAX_GPUS);
	else if (!has_g)
		r->gpus = (int)(n * r->gpus_per_host);
	else if (!has_p)
		r->gpus_per_host = (int)(r->gpus / n);
	return 0;
}

static const struct ykey rack_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_rack, name), .set = node_name,
	 .doc = "the rack's name (one namespace with halls and rows)"},
	{"limit_kw", YT_NUM, YF_REQ | YF_OPEN, YAT(struct pp_rack, limit_kw), .hi = 1e4,
	 .doc = "the rack's power limit, kW"},
	{"base_kw", YT_NUM, 0, YAT(struct pp_rack, base_kw), .hi = 1e4,
	 .doc = "its non-GPU power (CPUs, fans, network), kW"},
	{"gpus", YT_INT, 0, YAT(struct pp_rack, gpus), .hi = PP_RACK_MAX_GPUS,
	 .ddoc = "nodes x `gpus_per_node`", .doc = "GPUs in it"},
	{"gpu_model", YT_STR, YF_REQ, YAT(struct pp_rack, gpu_model),
	 YPOS(struct pp_rack, gpu_model_pos),
	 .doc = "a GPU model of models/ (docs/models.md; `powerpark check` lists them)"},
	{"device", YT_STR, 0, YAT(struct pp_rack, device_name), YPOS(struct pp_rack, device_pos),
	 .doc = "the device (PDU) that measures it"},
	{"nodes", YT_STR, 0, YAT(struct pp_rack, nodes), YPOS(struct pp_rack, nodes_pos),
	 .set = rack_nodes, .doc = "its compute nodes, a Slurm host list (`gpu[001-004]`): "
	 "agents lease per node"},
	{"gpus_per_node", YT_INT, 0, YAT(struct pp_rack, gpus_per_host), .lo = 1,
	 .hi = PP_RACK_MAX_GPUS, .ddoc = "`gpus` / nodes", .doc = "GPUs in each of its nodes"},
	{"", YT_CHECK, 0, .set = rack_gpus},
};

static const struct yobj rack_obj = {
	.what = "rack", .title = "power.halls[].rows[].racks[]", .doc = "A rack of GPUs.",
	YKEYS(rack_keys), .size = sizeof(struct pp_rack), YPOS(struct pp_rack, pos),
};

static const struct ykey row_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_row, name), .set = node_name,
	 .doc = "the row's name (one namespace with halls and racks)"},
	{"limit_kw", YT_NUM, YF_REQ | YF_OPEN, YAT(struct pp_row, limit_kw), .hi = 1e6,
	 .doc = "the row's power limit, kW"},
	{"racks", YT_LIST, YF_REQ, YAT(struct pp_row, racks), YCNT(struct pp_row, nracks),
	 .sub = &rack_obj, .doc = "its racks"},
};

static const struct yobj row_obj = {
	.what = "row", .title = "power.halls[].rows[]", .doc = "A row of racks on one feed.",
	YKEYS(row_keys), .size = sizeof(struct pp_row), YPOS(struct pp_row, pos),
};

static const struct ykey hall_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_hall, name), .set = node_name,
	 .doc = "the hall's name (one namespace with rows and racks)"},
	{"limit_kw", YT_NUM, YF_REQ | YF_OPEN, YAT(struct pp_hall, limit_kw), .hi = 1e7,
	 .doc = "the hall's power limit, kW"},
	{"base_kw", YT_NUM, 0, YAT(struct pp_hall, base_kw), .hi = 1e7,
	 .doc = "its load outside the racks, kW"},
	{"rows", YT_LIST, YF_REQ, YAT(struct pp_hall, rows), YCNT(struct pp_hall, nrows),
	 .sub = &row_obj, .doc = "its rows"},
};

static const struct yobj hall_obj = {
	.what = "hall", .title = "power.halls[]", .doc = "A data hall.", YKEYS(hall_keys),
	.size = sizeof(struct pp_hall), YPOS(struct pp_hall, pos),
};

static const struct ykey power_keys[] = {
	{"limit_kw", YT_NUM, YF_REQ | YF_OPEN, YAT(struct pp_config, site_limit_kw), .hi = 1e7,
	 .doc = "the site's main breaker, kW"},
	{"halls", YT_LIST, YF_REQ, YAT(struct pp_config, halls), YCNT(struct pp_config, nhalls),
	 .sub = &hall_obj, .doc = "the halls"},
};

const struct yobj config_power_obj = {
	.what = "power", .title = "power",
	.doc = "The electrical tree the optimizer keeps every limit of.", YKEYS(power_keys),
};

/* A tower's `type`: a cooling tower or a dry cooler. */
static int tower_type(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct pp_equip *e = c->obj;
	const char *t = NULL;
	if (ystr(c->w, v, k->name, &t))
		return -1;
	if (!strcmp(t, "drycooler"))
		e->kind = PP_EQ_DRYCOOLER;
	else if (strcmp(t, "tower"))
		yproblem(c->w, v, "'type': expected 'tower' or 'drycooler', got '%s'", t);
	return 0;
}

/* The rows every kind of plant equipment has: its name, capacity, device
 * (a chiller's model and a CDU's hall, required, come before the capacity:
 * missing keys are reported in that order). */
#define EQUIP_NAME                                                                          \
	{"name", YT_STR, YF_REQ, YAT(struct pp_equip, name), .set = equip_name,             \
	 .doc = "its name (one namespace with plants and their equipment)"}
#define EQUIP_TAIL                                                                          \
	{"capacity_kw", YT_NUM, YF_REQ | YF_OPEN, YAT(struct pp_equip, capacity_kw),       \
	 .hi = 1e6, .doc = "its rated capacity, kW of heat"},                               \
	{"device", YT_STR, 0, YAT(struct pp_equip, device_name),                          \
	 .doc = "the device that measures it"}

static const struct ykey chiller_keys[] = {
	EQUIP_NAME,
	{"model", YT_STR, YF_REQ, YAT(struct pp_equip, model), YPOS(struct pp_equip, model_pos),
	 .doc = "a chiller model of models/ (docs/models.md; `powerpark check` lists them)"},
	EQUIP_TAIL,
};

static const struct ykey tower_keys[] = {
	EQUIP_NAME,
	EQUIP_TAIL,
	{"type", YT_CUSTOM, 0, .set = tower_type, .tdoc = "`tower` or `drycooler`",
	 .ddoc = "tower", .doc = "a cooling tower or a dry cooler"},
};

static const struct ykey cdu_keys[] = {
	EQUIP_NAME,
	{"hall", YT_STR, YF_REQ, YAT(struct pp_equip, hall), .doc = "the hall whose loop it serves"},
	EQUIP_TAIL,
};

static const struct yobj chiller_obj = {
	.what = "chiller", .title = "cooling.plants[].chillers[]", .doc = "A chiller.",
	YKEYS(chiller_keys), .size = sizeof(struct pp_equip), YPOS(struct pp_equip, pos),
};
static const struct yobj tower_obj = {
	.what = "tower", .title = "cooling.plants[].towers[]",
	.doc = "A cooling tower or dry cooler.", YKEYS(tower_keys),
	.size = sizeof(struct pp_equip), YPOS(struct pp_equip, pos),
};
static const struct yobj cdu_obj = {
	.what = "cdu", .title = "cooling.plants[].cdus[]",
	.doc = "A coolant distribution unit of a liquid loop.", YKEYS(cdu_keys),
	.size = sizeof(struct pp_equip), YPOS(struct pp_equip, pos),
};

/* `serves`: hall names, each with its position for the check of references. */
static int plant_serves(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct pp_plant *p = c->obj;
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	size_t n = (size_t)fy_node_sequence_item_count(v);
	p->serves = yalloc(c->w, (n + 1) * sizeof *p->serves);
	p->serves_pos = yalloc(c->w, (n + 1) * sizeof *p->serves_pos);
	void *it = NULL;
	struct fy_node *sn;
	while ((sn = fy_node_sequence_iterate(v, &it))) {
		const char *hn = yscalar(c->w, sn);
		if (!hn || !*hn) {
			yproblem(c->w, sn, "'serves': expected hall names");
			continue;
		}
		p->serves_pos[p->nserves] = yposn(c->w, sn);
		p->serves[p->nserves++] = hn;
	}
	return 0;
}

/* Room for the chillers, towers and CDUs together (one array, in order). */
static int plant_equip(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	struct pp_plant *p = c->obj;
	size_t ne = 0;
	const char *eq[] = {"chillers", "towers", "cdus"};
	for (int i = 0; i < 3; i++) {
		struct fy_node *s = yget(c->map, eq[i]);
		if (s && fy_node_get_type(s) == FYNT_SEQUENCE)
			ne += (size_t)fy_node_sequence_item_count(s);
	}
	p->equip = yalloc(c->w, (ne + 1) * sizeof *p->equip);
	return 0;
}

/* One kind of equipment (k->lo), appended to the plant's equipment. */
static int plant_equip_list(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct pp_plant *p = c->obj;
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	void *it = NULL;
	struct fy_node *n;
	while ((n = fy_node_sequence_iterate(v, &it))) {
		struct pp_equip *e = &p->equip[p->nequip++];
		e->kind = (enum pp_equip_kind)k->lo;
		yread(c, k->sub, n, e);
	}
	return 0;
}

/* The reserve leaves at least one chiller to carry the load. */
static int plant_reserve(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_plant *p = c->obj;
	size_t nch = 0;
	for (size_t i = 0; i < p->nequip; i++)
		nch += p->equip[i].kind == PP_EQ_CHILLER;
	struct fy_node *r = yget(c->map, "reserve");
	if (nch && (size_t)p->reserve >= nch)
		yproblem(c->w, r ? r : c->map, "plant '%s': reserve %d leaves no chiller to carry "
			 "load (%zu chillers)", p->name ? p->name : "?", p->reserve, nch);
	return 0;
}

static const struct ykey plant_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_plant, name), .set = equip_name,
	 .doc = "the plant's name (one namespace with plants and their equipment)"},
	{"reserve", YT_INT, YF_DEF, YAT(struct pp_plant, reserve), .hi = 16, .def = 1,
	 .doc = "chillers held back for N+k redundancy"},
	{"chw_supply_c", YT_NUM, YF_DEF, YAT(struct pp_plant, chw_supply_c), .lo = 4, .hi = 50,
	 .def = 18, .doc = "the chilled (or loop) water supply set point, C"},
	{"serves", YT_CUSTOM, YF_REQ, .set = plant_serves, .tdoc = "list of hall names",
	 .doc = "the halls whose heat it carries"},
	{"", YT_CHECK, .set = plant_equip},
	{"chillers", YT_CUSTOM, 0, .lo = PP_EQ_CHILLER, .sub = &chiller_obj,
	 .set = plant_equip_list, .tdoc = "list of `cooling.plants[].chillers[]`",
	 .doc = "its chillers"},
	{"towers", YT_CUSTOM, 0, .lo = PP_EQ_TOWER, .sub = &tower_obj, .set = plant_equip_list,
	 .tdoc = "list of `cooling.plants[].towers[]`", .doc = "its towers or dry coolers"},
	{"cdus", YT_CUSTOM, 0, .lo = PP_EQ_CDU, .sub = &cdu_obj, .set = plant_equip_list,
	 .tdoc = "list of `cooling.plants[].cdus[]`", .doc = "its CDUs"},
	{"", YT_CHECK, .set = plant_reserve},
};

static const struct yobj plant_obj = {
	.what = "plant", .title = "cooling.plants[]", .doc = "A cooling plant.",
	YKEYS(plant_keys), .size = sizeof(struct pp_plant), YPOS(struct pp_plant, pos),
};

static const struct ykey cooling_keys[] = {
	{"plants", YT_LIST, YF_REQ, YAT(struct pp_config, plants), YCNT(struct pp_config, nplants),
	 .sub = &plant_obj, .doc = "the plants"},
};

const struct yobj config_cooling_obj = {
	.what = "cooling", .title = "cooling", .doc = "The cooling plants.", YKEYS(cooling_keys),
};
