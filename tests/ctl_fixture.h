/* ctl_fixture.h - the small park of the controller's and the API's unit
 * tests: one hall of 500 kW with one row; the caller gives the racks (and
 * whatever follows them in the file, e.g. api tokens). */
#ifndef PT_CTL_FIXTURE_H
#define PT_CTL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/config.h"

#define PT_NS 1000000000LL
#define PT_T0 (1795000000LL * PT_NS) /* a Unix time with nothing scheduled */

static const char pt_park_head[] =
	"site:\n"
	"  name: t\n"
	"  margin: 0.02\n"
	"  grid: {import_limit_kw: 1000}\n"
	"power:\n"
	"  limit_kw: 1000\n"
	"  halls:\n"
	"    - name: a\n"
	"      limit_kw: 500\n"
	"      rows:\n"
	"        - name: a01\n"
	"          limit_kw: 500\n"
	"          racks:\n";

/* The park with racks (borrowed: YAML lines under `racks:`, and the rest
 * of the file after them), or NULL with the problems on stderr. */
static struct pp_config *pt_park(const char *racks)
{
	size_t n = strlen(pt_park_head) + strlen(racks);
	char *text = malloc(n + 1);
	if (!text)
		return NULL;
	snprintf(text, n + 1, "%s%s", pt_park_head, racks);
	struct pp_diags d;
	pp_diag_init(&d);
	struct pp_config *cfg = NULL;
	if (pp_config_load_text("park.yaml", text, n, ".", &cfg, &d))
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  %s\n", d.lines[i]);
	pp_diag_free(&d);
	free(text);
	return cfg;
}

#endif
