/* diag.c - see diag.h. */
#include <stdlib.h>
#include <string.h>

#include "powerpark/diag.h"

void pp_diag_init(struct pp_diags *d)
{
	d->lines = NULL;
	d->n = d->cap = 0;
}

void pp_diag_free(struct pp_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	pp_diag_init(d);
}

void pp_diag_add(struct pp_diags *d, const char *line)
{
	if (!d)
		return;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		char **nl = realloc(d->lines, nc * sizeof *nl);
		if (!nl)
			return;
		d->lines = nl;
		d->cap = nc;
	}
	char *c = strdup(line);
	if (c)
		d->lines[d->n++] = c;
}
