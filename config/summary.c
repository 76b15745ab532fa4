/* config_summary.c - totals and the one-screen summary of `powerpark check`. */
#include <stdio.h>
#include <string.h>

#include "powerpark/config.h"

void pp_config_totals(const struct pp_config *c, struct pp_config_totals *t)
{
	memset(t, 0, sizeof *t);
	t->halls = c->nhalls;
	for (size_t h = 0; h < c->nhalls; h++) {
		const struct pp_hall *hall = &c->halls[h];
		t->hall_kw += hall->limit_kw;
		t->rows += hall->nrows;
		for (size_t r = 0; r < hall->nrows; r++) {
			const struct pp_row *row = &hall->rows[r];
			t->row_kw += row->limit_kw;
			t->racks += row->nracks;
			for (size_t k = 0; k < row->nracks; k++) {
				t->rack_kw += row->racks[k].limit_kw;
				t->gpus += (size_t)row->racks[k].gpus;
				t->hosts += row->racks[k].nhosts;
			}
		}
	}
	for (size_t i = 0; i < c->ndevices; i++)
		t->devices_by_proto[c->devices[i].proto]++;
	for (size_t p = 0; p < c->nplants; p++)
		for (size_t e = 0; e < c->plants[p].nequip; e++)
			if (c->plants[p].equip[e].kind == PP_EQ_CHILLER)
				t->chiller_kw += c->plants[p].equip[e].capacity_kw;
}

void pp_config_summary(const struct pp_config *c, FILE *f)
{
	struct pp_config_totals t;
	pp_config_totals(c, &t);
	const struct pp_site *s = &c->site;
	fprintf(f, "%s: ok%s\n", c->file,
		c->park ? "" : " (a collector's config: devices and outputs, no power tree)");
	fprintf(f, "site %s%s%s: grid import %.0f kW", s->name ? s->name : "?",
		s->region ? ", " : "", s->region ? s->region : "", s->import_limit_kw);
	if (s->ramp_kw_per_min > 0)
		fprintf(f, ", ramp %.0f kW/min", s->ramp_kw_per_min);
	fprintf(f, ", margin %.1f %%, %zu scheduled limit event%s\n", s->margin * 100,
		s->nevents, s->nevents == 1 ? "" : "s");
	fprintf(f, "power: site breaker %.0f kW; %zu halls, %zu rows, %zu racks, %zu GPUs",
		c->site_limit_kw, t.halls, t.rows, t.racks, t.gpus);
	if (t.hosts)
		fprintf(f, " (%zu compute nodes named)", t.hosts);
	fputc('\n', f);
	for (size_t h = 0; h < c->nhalls; h++) {
		const struct pp_hall *hall = &c->halls[h];
		size_t racks = 0, gpus = 0;
		double rmax = 0;
		for (size_t r = 0; r < hall->nrows; r++)
			for (size_t k = 0; k < hall->rows[r].nracks; k++) {
				racks++;
				gpus += (size_t)hall->rows[r].racks[k].gpus;
				if (hall->rows[r].racks[k].limit_kw > rmax)
					rmax = hall->rows[r].racks[k].limit_kw;
			}
		fprintf(f, "  hall %-8s limit %8.0f kW  %3zu rows %5zu racks (max %.0f kW) %6zu GPUs\n",
			hall->name, hall->limit_kw, hall->nrows, racks, rmax, gpus);
	}
	fprintf(f, "  sum of limits: halls %.0f kW, rows %.0f kW, racks %.0f kW\n", t.hall_kw,
		t.row_kw, t.rack_kw);
	fprintf(f, "cooling: %zu plant%s, chillers %.0f kW total\n", c->nplants,
		c->nplants == 1 ? "" : "s", t.chiller_kw);
	for (size_t p = 0; p < c->nplants; p++) {
		const struct pp_plant *pl = &c->plants[p];
		size_t n[4] = {0};
		for (size_t e = 0; e < pl->nequip; e++)
			n[pl->equip[e].kind]++;
		fprintf(f, "  plant %s: serves", pl->name);
		for (size_t k = 0; k < pl->nserves; k++)
			fprintf(f, " %s", pl->serves[k]);
		fprintf(f, "; %zu chillers (N+%d), %zu towers, %zu dry coolers, %zu CDUs\n", n[0],
			pl->reserve, n[1], n[2], n[3]);
	}
	fprintf(f, "devices: %zu (modbus-tcp %zu, modbus-rtu %zu, snmp %zu", c->ndevices,
		t.devices_by_proto[PP_PROTO_MODBUS_TCP], t.devices_by_proto[PP_PROTO_MODBUS_RTU],
		t.devices_by_proto[PP_PROTO_SNMP]);
	if (t.devices_by_proto[PP_PROTO_REDFISH])
		fprintf(f, ", redfish %zu", t.devices_by_proto[PP_PROTO_REDFISH]);
	fprintf(f, "), %zu profiles\n", c->nprofiles);
	fprintf(f, "outputs: %zu", c->noutputs);
	for (size_t i = 0; i < c->noutputs; i++) {
		static const char *tn[] = {"influxdb", "victoriametrics", "file"};
		fprintf(f, "%s%s (%s)", i ? ", " : " ", c->outputs[i].name, tn[c->outputs[i].type]);
	}
	fprintf(f, "\napi: %s, %zu token%s\n", c->api.listen, c->api.ntokens,
		c->api.ntokens == 1 ? "" : "s");
}
