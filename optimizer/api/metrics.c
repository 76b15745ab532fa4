/* metrics.c - GET /metrics: the controller's counters and figures and the
 * API's own, in Prometheus' text format (version 0.0.4). Label values are
 * escaped as that format says (backslash, double quote, newline), so a
 * rack or event named by a user cannot break a line. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h"

/* Appends a label value, quoted and escaped. */
static enum pp_err label(struct pp_buf *out, const char *v)
{
	enum pp_err e = pp_buf_append(out, "\"", 1);
	for (; !e && *v; v++)
		e = *v == '\\' ? pp_buf_append(out, "\\\\", 2)
		    : *v == '"' ? pp_buf_append(out, "\\\"", 2)
		    : *v == '\n' ? pp_buf_append(out, "\\n", 2) : pp_buf_append(out, v, 1);
	return e ? e : pp_buf_append(out, "\"", 1);
}

/* "name{key="value"} " before a sample's value. */
static enum pp_err series(struct pp_buf *out, const char *name, const char *k1, const char *v1,
			  const char *k2, const char *v2)
{
	enum pp_err e = pp_buf_appendf(out, "%s{%s=", name, k1);
	e = e ? e : label(out, v1);
	if (k2) {
		e = e ? e : pp_buf_appendf(out, ",%s=", k2);
		e = e ? e : label(out, v2);
	}
	return e ? e : pp_buf_append(out, "} ", 2);
}

/* A value with 3 decimals, NaN as Prometheus writes it. */
static enum pp_err value3(struct pp_buf *out, double v)
{
	return isnan(v) ? pp_buf_appendf(out, "NaN\n") : pp_buf_appendf(out, "%.3f\n", v);
}

static enum pp_err counters(struct pp_buf *out, const struct pp_ctl_stats *s)
{
	const struct {
		const char *name;
		unsigned long long v;
	} c[] = {{"powerpark_cycles_total", s->cycles},
		 {"powerpark_breach_cycles_total", s->breach_cycles},
		 {"powerpark_breaches_total", s->breaches},
		 {"powerpark_solve_errors_total", s->solve_errors},
		 {"powerpark_ingested_total", s->ingested},
		 {"powerpark_leases_total", s->leases}};
	enum pp_err e = PP_OK;
	for (size_t i = 0; i < sizeof c / sizeof c[0] && !e; i++)
		e = pp_buf_appendf(out, "# TYPE %s counter\n%s %llu\n", c[i].name, c[i].name, c[i].v);
	e = e ? e : pp_buf_appendf(out, "# TYPE powerpark_solve_seconds gauge\n"
				   "powerpark_solve_seconds %.6f\n"
				   "# TYPE powerpark_stale_racks gauge\npowerpark_stale_racks %d\n"
				   "# TYPE powerpark_shedding gauge\npowerpark_shedding %d\n",
				   s->solve_s, s->stale_racks, s->shedding);
	const struct {
		const char *name;
		double v;
	} g[] = {{"powerpark_grid_measured_kw", s->grid_measured_kw},
		 {"powerpark_grid_limit_kw", s->grid_limit_kw},
		 {"powerpark_grid_allocated_kw", s->grid_allocated_kw}};
	for (size_t i = 0; i < sizeof g / sizeof g[0] && !e; i++) {
		e = pp_buf_appendf(out, "# TYPE %s gauge\n%s ", g[i].name, g[i].name);
		e = e ? e : value3(out, g[i].v);
	}
	return e;
}

static enum pp_err signals(struct pp_buf *out, const struct pp_ctl_metrics *m)
{
	static const struct {
		const char *name, *help;
	} k[] = {{"powerpark_grid_signal_limit_kw", "the limit a grid signal asked for"},
		 {"powerpark_grid_signal_response_seconds",
		  "from the signal's start to the site meter under its limit (NaN: not yet)"},
		 {"powerpark_grid_signal_held_max_kw",
		  "the highest site reading after the response, to the signal's end"},
		 {"powerpark_grid_signal_deferred_gpu_seconds",
		  "GPUs held back by powerpark, times seconds, while the signal was on"}};
	enum pp_err e = PP_OK;
	for (size_t q = 0; q < sizeof k / sizeof k[0] && !e; q++) {
		e = pp_buf_appendf(out, "# HELP %s %s\n# TYPE %s gauge\n", k[q].name, k[q].help,
				   k[q].name);
		for (size_t i = 0; i < m->nsignals && !e; i++) {
			const struct pp_ctl_signal *s = &m->signals[i];
			double v[] = {s->limit_kw, s->response_s, s->held_max_kw, s->deferred_gpu_s};
			e = series(out, k[q].name, "event", s->id, NULL, NULL);
			e = e ? e : value3(out, v[q]);
		}
	}
	return e;
}

static enum pp_err swings(struct pp_buf *out, const struct pp_ctl_metrics *m)
{
	enum pp_err e = pp_buf_appendf(
		out, "# TYPE powerpark_oscillation_kw gauge\n"
		     "# TYPE powerpark_oscillation_peak_hz gauge\n"
		     "# TYPE powerpark_oscillation_mean_kw gauge\n"
		     "# TYPE powerpark_oscillation_alert gauge\n"
		     "# TYPE powerpark_oscillation_alerts_total counter\n"
		     "powerpark_oscillation_alerts_total %llu\n",
		(unsigned long long)m->st.osc_alerts);
	for (size_t i = 0; i < m->nswings && !e; i++) {
		const struct pp_ctl_swing *s = &m->swings[i];
		const char *names[] = {"powerpark_oscillation_kw", "powerpark_oscillation_peak_hz",
				       "powerpark_oscillation_mean_kw"};
		double v[] = {s->amp_kw, s->peak_hz, s->mean_kw};
		for (size_t q = 0; q < 3 && !e; q++) {
			e = series(out, names[q], "level", s->level, "name", s->name);
			e = e ? e : value3(out, v[q]);
		}
		e = e ? e : series(out, "powerpark_oscillation_alert", "level", s->level, "name",
				   s->name);
		e = e ? e : pp_buf_appendf(out, "%d\n", s->alert);
	}
	return e;
}

enum pp_err api_prometheus(struct pp_buf *out, const struct pp_ctl_metrics *m,
			   unsigned long long requests, unsigned long long rejected,
			   unsigned long long bad_lines)
{
	enum pp_err e = counters(out, &m->st);
	e = e ? e : signals(out, m);
	e = e ? e : swings(out, m);
	e = e ? e : pp_buf_appendf(out, "# TYPE powerpark_ramp_limited_cycles_total counter\n"
				   "powerpark_ramp_limited_cycles_total %llu\n"
				   "# TYPE powerpark_holddown_watts_per_second gauge\n"
				   "powerpark_holddown_watts_per_second %.3f\n",
				   (unsigned long long)m->st.ramp_limited, m->st.holddown_w_per_s);
	e = e ? e : pp_buf_appendf(out, "# TYPE powerpark_cap_watts gauge\n");
	for (size_t i = 0; i < m->ncaps && !e; i++) {
		e = series(out, "powerpark_cap_watts", "rack", m->caps[i].rack, NULL, NULL);
		e = e ? e : pp_buf_appendf(out, "%.1f\n", m->caps[i].cap_w);
	}
	/* What the API itself counted: bad input is rejected with a reason and
	 * counted where it shows. */
	e = e ? e : pp_buf_appendf(out, "# TYPE powerpark_api_requests_total counter\n"
				   "powerpark_api_requests_total %llu\n"
				   "# TYPE powerpark_api_rejected_total counter\n"
				   "powerpark_api_rejected_total %llu\n"
				   "# TYPE powerpark_write_bad_lines_total counter\n"
				   "powerpark_write_bad_lines_total %llu\n",
				   requests, rejected, bad_lines);
	return e;
}

enum pp_err api_prometheus_guard(struct pp_buf *out, const struct pp_api *a)
{
	const struct api_guard *g = &a->guard;
	return pp_buf_appendf(
		out,
		"# TYPE powerpark_api_connections gauge\n"
		"powerpark_api_connections %u\n"
		"# TYPE powerpark_api_connections_limit gauge\n"
		"powerpark_api_connections_limit %u\n"
		"# TYPE powerpark_api_connections_refused_total counter\n"
		"powerpark_api_connections_refused_total %llu\n"
		"# TYPE powerpark_api_refused_on_headers_total counter\n"
		"powerpark_api_refused_on_headers_total %llu\n"
		"# TYPE powerpark_api_body_bytes gauge\n"
		"powerpark_api_body_bytes %zu\n"
		"# TYPE powerpark_api_body_budget_bytes gauge\n"
		"powerpark_api_body_budget_bytes %zu\n"
		"# TYPE powerpark_api_body_refused_total counter\n"
		"powerpark_api_body_refused_total %llu\n",
		atomic_load(&g->open), g->limit, atomic_load(&g->conn_refused),
		atomic_load(&g->early), atomic_load(&g->body_bytes), g->body_budget,
		atomic_load(&g->body_refused));
}
