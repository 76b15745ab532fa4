/* csv.c - the planner's tables as CSV (report.h, report_int.h): a run's
 * hours, summary.csv (a row per run) and search.csv (a row per fleet size
 * a search tried); and the file-name-safe names they are written under. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report_int.h"
#include "powerpark/report.h"

void pp_report_slug(const char *s, char *out, size_t len)
{
	size_t o = 0;
	for (; s && *s && o + 1 < len; s++)
		out[o++] = isalnum((unsigned char)*s) || *s == '-' || *s == '_' ? *s : '-';
	out[o] = 0;
}

enum pp_err pp_report_csv(const char *path, const struct pp_year_result *r,
			      struct pp_errbuf *eb)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", path, strerror(errno));
	fputs("hour,month,day,hod,db_c,wb_c,limit_kw,grid_kwh,it_kwh,cooling_kwh,other_kwh,"
	      "water_l,grid_peak_kw,headroom_kw,free_frac,at_grid_h,at_cooling_h,at_hall_h,"
	      "gpus_running,gpus_waiting,gpus_paused,delivered_gpu_h,lost_gpu_h,cap_w\n", f);
	for (size_t i = 0; i < r->nhours; i++) {
		const struct pp_year_hour *o = &r->hours[i];
		fprintf(f, "%zu,%d,%d,%d,%.2f,%.2f,%.1f,%.3f,%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%.4f,"
			   "%.4f,%.4f,%.4f,%.1f,%.1f,%.1f,%.3f,%.3f,%.1f\n",
			i, o->month, o->day, o->hod, o->db_c, o->wb_c, o->limit_kw, o->grid_kwh,
			o->it_kwh, o->cooling_kwh, o->other_kwh, o->water_l, o->grid_peak_kw,
			o->headroom_kw, o->free_frac, o->at_grid_h, o->at_cooling_h, o->at_hall_h,
			o->gpus_running, o->gpus_waiting, o->gpus_paused, o->delivered_gpu_h,
			o->lost_gpu_h, o->cap_w);
	}
	if (fclose(f))
		return pp_err_set(eb, PP_ERR_IO, "%s: %s", path, strerror(errno));
	return PP_OK;
}

void pp_csv_summary(FILE *f, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	fputs("site,design,policy,seed,gpus,grid_mwh,peak_mw,it_mwh,cooling_mwh,other_mwh,pue,"
	      "water_m3,wue_l_per_kwh,hours_at_grid,hours_at_cooling,hours_at_hall,"
	      "delivered_gpu_h,lost_gpu_h,loss_pct,jobs,jobs_done,jobs_deferred,delay_mean_h,"
	      "delay_max_h,jobs_unfinished,static_cap_w,over_steps,balance_max_kw,"
	      "unmet_heat_kwh,value_delivered,value_lost_pct,energy_cost,demand_cost,water_cost,"
	      "capex_cost,total_cost,cost_per_gpu_h,wall_s,csv\n", f);
	for (size_t i = 0; i < rep->nruns; i++) {
		const struct pp_report_run *u = &rep->runs[i];
		const struct pp_year_result *r = &u->r;
		fprintf(f, "%s,%s,%s,%lu,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.4f,%.3f,%.4f,%.2f,%.2f,%.2f,"
			   "%.1f,%.1f,%.4f,%ld,%ld,%ld,%.2f,%.2f,%ld,%.1f,%ld,%.6f,%.3f,%.1f,%.4f,%.2f,%.2f,%.2f,%.2f,%.2f,%.6f,%.3f,%s\n",
			p->sites[u->site].name, p->designs[u->design].name,
			pp_config_policy_name(u->policy), u->seed, p->gpus, r->grid_kwh / 1e3,
			r->peak_kw / 1e3, r->it_kwh / 1e3, r->cooling_kwh / 1e3, r->other_kwh / 1e3,
			r->pue, r->water_l / 1e3, r->wue, r->at_grid_h, r->at_cooling_h, r->at_hall_h,
			r->delivered_gpu_h, r->lost_gpu_h, 100 * r->loss, r->jobs, r->jobs_done,
			r->jobs_deferred, r->delay_mean_h, r->delay_max_h, r->jobs_unfinished,
			r->static_cap_w, r->over_steps, r->balance_max_kw, r->unmet_heat_kwh,
			r->value_delivered,
			r->value_delivered + r->value_lost > 0
				? 100 * r->value_lost / (r->value_delivered + r->value_lost)
				: 0,
			r->energy_cost, r->demand_cost, r->water_cost, r->capex_cost, r->total_cost,
			r->cost_per_gpu_h, r->wall_s, u->csv);
	}
}

void pp_csv_vary(FILE *f, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	const struct pp_report_vary *v = rep->vary;
	fprintf(f, "%s,site,design,gpus_within_budget,loss_pct\n", v->key);
	for (size_t i = 0; i < v->nvals; i++)
		for (size_t s = 0; s < p->nsites; s++)
			for (size_t d = 0; d < p->ndesigns; d++) {
				size_t at = (i * p->nsites + s) * p->ndesigns + d;
				if (p->sites[s].designs >> d & 1)
					fprintf(f, "%g,%s,%s,%d,%.4f\n", v->vals[i], p->sites[s].name,
						p->designs[d].name, v->gpus[at], 100 * v->loss[at]);
			}
}

void pp_csv_search(FILE *f, const struct pp_report *rep)
{
	const struct pp_plan *p = rep->plan;
	fputs("site,design,policy,gpus,loss_pct,within_budget,best,unbounded\n", f);
	for (size_t i = 0; i < rep->nsearch; i++) {
		const struct pp_search_result *q = &rep->search[i];
		for (size_t k = 0; k < q->npts; k++)
			fprintf(f, "%s,%s,%s,%d,%.4f,%d,%d,%d\n", p->sites[q->site].name,
				p->designs[q->design].name, pp_config_policy_name(q->policy),
				q->pts[k].gpus, 100 * q->pts[k].loss, q->pts[k].loss <= rep->loss_budget,
				q->best, q->unbounded);
	}
}
