/* catalog.h - which models exist, for the files the config layer reads.
 *
 * The config layer checks syntax, types, ranges and the references inside
 * a file; the names it keeps of things in models/ (a rack's gpu_model, a
 * chiller's model; a plan's GPU, plant designs and chiller models) are
 * checked here, against the one set of models the optimizer, the sim and
 * the planner share, and reported at the file:line:column the loader
 * recorded, with a did-you-mean and the list of known names. Commands load
 * site configurations and plans through this module. */
#ifndef PP_CATALOG_H
#define PP_CATALOG_H

#include <stddef.h>

#include "powerpark/config.h"
#include "powerpark/diag.h"
#include "powerpark/err.h"
#include "powerpark/plan.h"

/* Checks the GPU and chiller model names of cfg (borrowed; a config read
 * with problems is fine), appending "unknown gpu_model ..." and "unknown
 * chiller model ..." problems to diags (borrowed). Returns how many. */
size_t pp_catalog_check_config(const struct pp_config *cfg, struct pp_diags *diags);

/* Loads a site configuration as pp_config_read does (text NULL: the file at
 * name; all pointers borrowed), then checks its model names. On success
 * *out receives the config (taken; pp_config_destroy) and PP_OK is
 * returned; otherwise every problem is in diags, *out is NULL and
 * PP_ERR_CONFIG (or PP_ERR_NOMEM) returned. */
PP_WUR enum pp_err pp_catalog_load_config(const char *name, const char *text, size_t len,
					  const char *base_dir, struct pp_config **out,
					  struct pp_diags *diags);

/* Resolves the names of plan p (borrowed; one read with problems is fine):
 * checks p->gpu_name against the GPU models, sets each hall's cooling
 * (enum pp_plant_design) from its cooling_name and, where not given, its
 * supply_c from the design; checks each hall's chiller model. Problems go to diags (borrowed);
 * returns how many. */
size_t pp_catalog_resolve_plan(struct pp_plan *p, struct pp_diags *diags);

/* Loads the plan at path (borrowed) with pp_plan_read and resolves it: on
 * success *out receives it (taken; pp_plan_destroy), ready for year.h;
 * otherwise every problem is in diags, *out is NULL and PP_ERR_CONFIG (or
 * PP_ERR_NOMEM) returned. */
PP_WUR enum pp_err pp_catalog_load_plan(const char *path, struct pp_plan **out,
					struct pp_diags *diags);

#endif
