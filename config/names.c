/* names.c - the names a config may use: one namespace of unique names per
 * kind (power nodes, plant equipment, devices, outputs, tokens), and the
 * fixed vocabularies: job classes and policies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "powerpark/config.h"

static const char *const job_classes[PP_JOB_CLASSES] = {"training", "inference", "batch"};

static const char *const policies[PP_POLICIES] = {"static",	"proportional",
						   "uniform",	"priority",
						   "optimizer", "grid-proportional"};

/* The index of name in the n words of tab, or -1 (name NULL too). */
static int word_index(const char *const *tab, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (!strcmp(tab[i], name))
			return i;
	return -1;
}

int pp_config_policy(const char *name)
{
	if (name && !strcmp(name, "optimal"))
		return PP_POLICY_OPTIMAL; /* what `powerpark solve --policy` has always taken */
	return word_index(policies, PP_POLICIES, name);
}

const char *pp_config_policy_name(int p)
{
	return p >= 0 && p < PP_POLICIES ? policies[p] : "?";
}

int pp_config_job_class(const char *name)
{
	return word_index(job_classes, PP_JOB_CLASSES, name);
}

const char *pp_config_job_class_name(int c)
{
	return c >= 0 && c < PP_JOB_CLASSES ? job_classes[c] : "?";
}

int yname_add(struct loader *L, struct ynames *ns, const char *kind, const char *name,
	      struct pp_pos pos)
{
	long i = yname_find(ns, name);
	if (i >= 0) {
		yproblem_at(&L->w, pos, "duplicate %s name '%s' (first defined at %s:%d:%d)", kind,
			    name, ns->pos[i].file, ns->pos[i].line, ns->pos[i].col);
		return -1;
	}
	if (ns->n == ns->cap) {
		size_t nc = ns->cap ? ns->cap * 2 : 64;
		const char **nn = realloc(ns->names, nc * sizeof *nn);
		struct pp_pos *np = nn ? realloc(ns->pos, nc * sizeof *np) : NULL;
		if (!nn || !np)
			abort();
		ns->names = nn;
		ns->pos = np;
		ns->cap = nc;
	}
	ns->names[ns->n] = name;
	ns->pos[ns->n++] = pos;
	return 0;
}

int yname_unique(struct yctx *c, const struct ykey *k, struct fy_node *v, struct ynames *ns,
		 const char *kind)
{
	const char *name = *(const char **)YFIELD(c, k);
	return yname_add(LD(c), ns, kind, name, yposn(c->w, v));
}

long yname_find(const struct ynames *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->names[i], name))
			return (long)i;
	return -1;
}

void ynames_free(struct ynames *ns)
{
	free(ns->names);
	free(ns->pos);
}
