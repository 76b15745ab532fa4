/* ctl_fixture.h - the small park of the controller's and the API's unit
 * tests: one hall of 500 kW with one row; the caller gives the racks (and
 * whatever follows them in the file, e.g. api tokens). */
#ifndef PT_CTL_FIXTURE_H
#define PT_CTL_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/config.h"
#include "powerpark/ctl.h"
#include "powerpark/lineproto.h"

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

/* One rack reading of w watts at ts; returns the breach flag. */
static inline int read_rack(struct pp_ctl *c, const char *rack, double w, int64_t ts)
{
	struct pp_tag t[] = {{"site", "t"}, {"rack", rack}};
	struct pp_field f = {.key = "power_w", .type = PP_F_FLOAT, .v.f = w};
	struct pp_sample s = {"rack", t, 2, &f, 1, ts, 1};
	int breach = 0;
	pp_ctl_ingest(c, &s, 1, ts, &breach);
	return breach;
}

static inline int cycle(struct pp_ctl *c, int64_t ts, int urgent)
{
	struct pp_errbuf eb;
	return pp_ctl_cycle(c, ts, urgent, &eb) == PP_OK;
}

/* An agent's report for every GPU of rack: its power and the cap it holds. */
static inline void report_caps(struct pp_ctl *c, const char *rack, int gpus, double power_w,
			double cap_w, int64_t ts)
{
	for (int g = 0; g < gpus; g++) {
		char gi[8];
		snprintf(gi, sizeof gi, "%d", g);
		struct pp_tag t[] = {{"site", "t"}, {"rack", rack}, {"gpu", gi}};
		struct pp_field f[] = {{.key = "power_w", .type = PP_F_FLOAT, .v.f = power_w},
				       {.key = "cap_w", .type = PP_F_FLOAT, .v.f = cap_w}};
		struct pp_sample s = {"gpu", t, 3, f, 2, ts, 1};
		int breach = 0;
		pp_ctl_ingest(c, &s, 1, ts, &breach);
	}
}

/* A controller on the park with racks (borrowed, as pt_park takes them):
 * returned, with its config in *cfg (both taken: pp_ctl_destroy, then
 * pp_config_destroy); NULL with the problem on stderr. */
static inline struct pp_ctl *pt_ctl(const char *racks, struct pp_config **cfg)
{
	struct pp_ctl *c = NULL;
	struct pp_errbuf eb;
	*cfg = pt_park(racks);
	if (*cfg && pp_ctl_create(*cfg, NULL, &c, &eb)) {
		fprintf(stderr, "  %s\n", eb.msg);
		c = NULL;
	}
	if (!c) {
		pp_config_destroy(*cfg);
		*cfg = NULL;
	}
	return c;
}

#endif
