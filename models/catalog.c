/* catalog.c - the model names of site configurations and plans (see
 * catalog.h). */
#include <stdio.h>
#include <string.h>

#include "powerpark/catalog.h"
#include "powerpark/chiller.h"
#include "powerpark/gpu.h"
#include "powerpark/plant.h"

/* Model names a message lists at most. */
#define MAX_MODELS 32
/* ... and those of the plan's messages (their lists are shorter). */
#define PLAN_GPUS 16
#define PLAN_CHILLERS 8

/* The names of the GPU or chiller models; returns how many (<= max). */
static size_t model_names(int chillers, const char **out, size_t max)
{
	size_t n;
	if (chillers) {
		int k;
		const struct pp_chiller_model *m = pp_chiller_models(&k);
		n = (size_t)k;
		for (size_t i = 0; i < n && i < max; i++)
			out[i] = m[i].name;
	} else {
		const struct pp_gpu_model *g = pp_gpu_models(&n);
		for (size_t i = 0; i < n && i < max; i++)
			out[i] = g[i].name;
	}
	return n < max ? n : max;
}

/* "unknown KIND 'name' (did you mean 'x'?) (known: a, b, c)" at pos. */
static size_t unknown_model(struct pp_diags *d, int chillers, const char *name,
			    struct pp_pos pos)
{
	const char *names[MAX_MODELS];
	char dym[128], list[400];
	size_t n = model_names(chillers, names, MAX_MODELS);
	pp_diag_at(d, pos, "unknown %s '%s'%s (known: %s)", chillers ? "chiller model" : "gpu_model",
		   name, pp_diag_dym(dym, sizeof dym, name, names, n),
		   pp_diag_join(list, sizeof list, names, n));
	return 1;
}

static size_t check_racks(const struct pp_hall *hall, struct pp_diags *d)
{
	size_t bad = 0;
	for (size_t r = 0; r < hall->nrows; r++)
		for (size_t k = 0; k < hall->rows[r].nracks; k++) {
			const struct pp_rack *rk = &hall->rows[r].racks[k];
			if (rk->gpu_model && !pp_gpu_find(rk->gpu_model))
				bad += unknown_model(d, 0, rk->gpu_model, rk->gpu_model_pos);
		}
	return bad;
}

size_t pp_catalog_check_config(const struct pp_config *cfg, struct pp_diags *diags)
{
	size_t bad = 0;
	for (size_t h = 0; h < cfg->nhalls; h++)
		bad += check_racks(&cfg->halls[h], diags);
	for (size_t p = 0; p < cfg->nplants; p++)
		for (size_t e = 0; e < cfg->plants[p].nequip; e++) {
			const struct pp_equip *q = &cfg->plants[p].equip[e];
			if (q->kind == PP_EQ_CHILLER && q->model && !pp_chiller_find(q->model))
				bad += unknown_model(diags, 1, q->model, q->model_pos);
		}
	return bad;
}

enum pp_err pp_catalog_load_config(const char *name, const char *text, size_t len,
				   const char *base_dir, struct pp_config **out,
				   struct pp_diags *diags)
{
	enum pp_err e = pp_config_read(name, text, len, base_dir, out, diags);
	if (*out && pp_catalog_check_config(*out, diags) && !e)
		e = PP_ERR_CONFIG;
	if (e) {
		pp_config_destroy(*out);
		*out = NULL;
	}
	return e;
}

/* The plant designs a plan's hall may name, in enum pp_plant_design order. */
static const char *const designs[] = {"air-chillers", "water-towers", "liquid-dry"};
#define NDESIGNS (sizeof designs / sizeof designs[0])

static size_t resolve_hall(struct pp_plan_hall *h, struct pp_diags *d)
{
	size_t bad = 0;
	h->cooling = PP_PLANT_AIR_CHILLERS;
	if (h->cooling_pos.line) {
		size_t i = 0;
		while (i < NDESIGNS && !(h->cooling_name && !strcmp(h->cooling_name, designs[i])))
			i++;
		if (i < NDESIGNS) {
			h->cooling = (int)i;
		} else {
			pp_diag_expected(d, h->cooling_pos, "'cooling'", h->cooling_name, designs,
					 NDESIGNS);
			bad++;
		}
	}
	if (!h->supply_c)
		h->supply_c = h->cooling == PP_PLANT_LIQUID_DRY ? 32 : 18;
	if (h->chiller && !pp_chiller_find(h->chiller)) {
		const char *names[PLAN_CHILLERS];
		size_t n = model_names(1, names, PLAN_CHILLERS);
		pp_diag_expected(d, h->chiller_pos, "'chiller'", h->chiller, names, n);
		bad++;
	}
	return bad;
}

size_t pp_catalog_resolve_plan(struct pp_plan *p, struct pp_diags *diags)
{
	size_t bad = 0;
	if (p->gpu_name && !pp_gpu_find(p->gpu_name)) {
		const char *names[PLAN_GPUS];
		size_t n = model_names(0, names, PLAN_GPUS);
		pp_diag_expected(diags, p->gpu_pos, "'gpu'", p->gpu_name, names, n);
		bad++;
	}
	for (size_t d = 0; d < p->ndesigns; d++)
		for (size_t h = 0; h < p->designs[d].nhalls; h++)
			bad += resolve_hall(&p->designs[d].halls[h], diags);
	return bad;
}

enum pp_err pp_catalog_load_plan(const char *path, struct pp_plan **out, struct pp_diags *diags)
{
	enum pp_err e = pp_plan_read(path, out, diags);
	if (*out && pp_catalog_resolve_plan(*out, diags) && !e)
		e = PP_ERR_CONFIG;
	if (e) {
		pp_plan_destroy(*out);
		*out = NULL;
	}
	return e;
}
