/* config_int.h - state shared by the config loader's files. */
#ifndef PP_CONFIG_INT_H
#define PP_CONFIG_INT_H

#include "ywalk.h"

/* One namespace of unique names (power nodes, devices, ...). */
struct ynames {
	const char **names;
	struct pp_pos *pos;
	size_t n, cap;
};

struct loader {
	struct ywalk w;
	struct pp_config *cfg;
	const char *base_dir;     /* folder of the config file */
	const char **ppath;       /* profile search path */
	size_t nppath;
	struct ynames nodes, equip, devices, outputs, tokens;
	/* references resolved after the whole file is read */
	struct fy_document *doc;
};

/* Adds name to ns; reports a duplicate (with the first place) and returns -1. */
int yname_add(struct loader *L, struct ynames *ns, const char *kind, const char *name,
	      struct pp_pos pos);
/* Index of name in ns or -1. */
long yname_find(const struct ynames *ns, const char *name);
/* Frees the namespace's arrays (the names are the pool's). */
void ynames_free(struct ynames *ns);

/* Position of node n in the file being loaded (1:1 when unknown). */
static inline struct pp_pos P(struct loader *L, struct fy_node *n)
{
	struct pp_pos fb = {L->w.file, 1, 1};
	return ypos(&L->w, n, fb);
}

void config_load_devices(struct loader *L, struct fy_node *root);
void config_load_outputs(struct loader *L, struct fy_node *root);
void config_load_api(struct loader *L, struct fy_node *root);
void config_load_scenario(struct loader *L, struct fy_node *root);
/* Loads (once) the profile called name; NULL (reported at pos) if missing. */
struct pp_profile *config_profile(struct loader *L, const char *name, struct pp_pos pos,
				  int want_snmp);

#endif
