/* config_int.h - state shared by the site configuration loader's files,
 * and the tables each of them holds. */
#ifndef PP_CONFIG_INT_H
#define PP_CONFIG_INT_H

#include "schema.h"

/* One namespace of unique names (power nodes, devices, ...). */
struct ynames {
	const char **names;
	struct pp_pos *pos;
	size_t n, cap;
};

struct loader {
	struct ywalk w;
	struct pp_config *cfg;
	const char **ppath;       /* profile search path */
	size_t nppath;
	struct ynames nodes, equip, devices, outputs, tokens;
};

/* Adds name to ns; reports a duplicate (with the first place) and returns -1. */
int yname_add(struct loader *L, struct ynames *ns, const char *kind, const char *name,
	      struct pp_pos pos);
/* Index of name in ns or -1. */
long yname_find(const struct ynames *ns, const char *name);
/* Frees the namespace's arrays (the names are the pool's). */
void ynames_free(struct ynames *ns);
/* A setter's work for a name key: adds the name just read (row k of c) to
 * ns as a kind ("power node"), at its value v. */
int yname_unique(struct yctx *c, const struct ykey *k, struct fy_node *v, struct ynames *ns,
		 const char *kind);

/* The loader of a setter's object. */
static inline struct loader *LD(const struct yctx *c)
{
	return c->L;
}

/* The tables (site.c, devices.c, profiles.c, outputs.c, scenario.c). */
extern const struct yobj config_site_obj, config_power_obj, config_cooling_obj,
	config_device_obj, config_profile_obj, config_output_obj, config_api_obj, config_ha_obj,
	config_scenario_obj;
/* The fields of a profile (profiles.c), NULL-ended: the common keys, those
 * of a Modbus field and those of an SNMP field. */
extern const struct yobj *const config_field_objs[];
/* The whole file (config.c), the whole plan file (plan.c). */
extern const struct yobj config_root_obj, plan_root_obj;

/* The `profile_path` row's setter: the folders given, then the default ones. */
int config_profile_path(struct yctx *c, const struct ykey *k, struct fy_node *v);
/* Loads (once) the profile called name; NULL (reported at pos) if missing. */
struct pp_profile *config_profile(struct loader *L, const char *name, struct pp_pos pos,
				  int want_snmp);

#endif
