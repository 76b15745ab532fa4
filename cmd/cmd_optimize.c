/* cmd_optimize.c - `powerpark optimize`: the budget API plus the control
 * loop (one solve per period, at once after a breach), decisions to the
 * configured outputs. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "powerpark/api.h"
#include "powerpark/clock.h"
#include "powerpark/ctl.h"
#include "powerpark/log.h"
#include "powerpark/output.h"

struct waker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int breach;
};

static void on_breach(void *ud)
{
	struct waker *w = ud;
	pthread_mutex_lock(&w->mu);
	w->breach = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* The control period: its default and bounds (--period-ms); how long the
 * outputs may take to flush at the end. */
#define PP_CMD_PERIOD_MS 1000
#define PP_CMD_MIN_PERIOD_MS 10
#define PP_CMD_MAX_PERIOD_MS 3600000 /* an hour */
#define PP_CMD_FLUSH_MS 5000

int pp_cmd_optimize(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Serves the budget API (docs/api.md) and runs the control loop: every\n"
		"period (and at once when a reading breaks a limit) it solves for the\n"
		"caps that keep every limit and writes its decisions to the outputs.\n";
	const char *file = NULL, *listen = NULL;
	struct pp_ctl_opts o = {0};
	const struct pp_opt opts[] = {
		PP_STR("-c", &file, "FILE", "the site configuration", .flags = PP_OPT_REQUIRED),
		PP_STR("--listen", &listen, "HOST:PORT", "overrides api.listen (port 0 picks a free "
		       "one)"),
		PP_DURI("--period-ms", &o.period_ms, "ms", PP_CMD_MIN_PERIOD_MS,
			PP_CMD_MAX_PERIOD_MS, "N",
			"control period (default 1000; 2s, 1min also do)"),
		PP_DURI("--lease-s", &o.lease_s, "s", 1, PP_CMD_MAX_WAIT_S, "N",
			"how long agents keep a cap unrenewed (default 10)"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"optimize", about, opts};
	int prc = pp_opts_parse(argc, argv, &cmd);
	if (prc >= 0)
		return prc;
	struct pp_config *cfg = pp_cmd_load(file, NULL, NULL);
	if (!cfg)
		return 1;
	int rc = 1;
	struct pp_errbuf eb;
	struct pp_ctl *ctl = NULL;
	struct pp_api *api = NULL;
	struct pp_output *set = NULL;
	struct waker w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
	if (pp_ctl_create(cfg, &o, &ctl, &eb) ||
	    pp_output_create(cfg->outputs, cfg->noutputs, cfg->site.name, &set, &eb) ||
	    pp_api_start(ctl, &cfg->api, listen, on_breach, &w, &api, &eb)) {
		fprintf(stderr, "powerpark optimize: %s\n", eb.msg);
		goto out;
	}
	pp_cmd_catch_stop();
	int period = o.period_ms > 0 ? o.period_ms : PP_CMD_PERIOD_MS;
	printf("powerpark optimize: site %s, API on http%s://127.0.0.1:%d, period %d ms\n",
	       cfg->site.name, cfg->api.tls_cert ? "s" : "", pp_api_port(api), period);
	fflush(stdout);
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&w.cv);
	pthread_cond_init(&w.cv, &ca);
	int urgent = 0;
	while (!pp_cmd_stop) {
		struct pp_errbuf ce;
		if (pp_ctl_cycle(ctl, pp_clock_wall_ns(), urgent, &ce))
			pp_log(PP_LOG_ERROR, "optimize", "cycle: %s", ce.msg);
		struct pp_sample *s;
		size_t n;
		if (!pp_ctl_decisions(ctl, pp_clock_wall_ns(), &s, &n)) {
			if (pp_output_write(set, s, n))
				pp_log(PP_LOG_WARN, "optimize", "a decision sample was not encoded");
			pp_ctl_samples_free(s, n);
		}
		next.tv_nsec += (long)(period % 1000) * 1000000L;
		next.tv_sec += period / 1000 + next.tv_nsec / 1000000000L;
		next.tv_nsec %= 1000000000L;
		/* Sleep until the next period, or less: a breach solves now. The
		 * wait is bounded so a signal is seen within a tick. */
		pthread_mutex_lock(&w.mu);
		while (!w.breach && !pp_cmd_stop) {
			struct timespec now, until = next;
			clock_gettime(CLOCK_MONOTONIC, &now);
			struct timespec cap = now;
			cap.tv_nsec += PP_CMD_TICK_NS;
			cap.tv_sec += cap.tv_nsec / 1000000000L;
			cap.tv_nsec %= 1000000000L;
			if (cap.tv_sec < until.tv_sec ||
			    (cap.tv_sec == until.tv_sec && cap.tv_nsec < until.tv_nsec))
				until = cap;
			if (pthread_cond_timedwait(&w.cv, &w.mu, &until) == ETIMEDOUT &&
			    (until.tv_sec == next.tv_sec && until.tv_nsec == next.tv_nsec))
				break;
		}
		if (w.breach)
			clock_gettime(CLOCK_MONOTONIC, &next); /* the period restarts */
		urgent = w.breach;
		w.breach = 0;
		pthread_mutex_unlock(&w.mu);
	}
	pp_log(PP_LOG_INFO, "optimize", "stopping");
	rc = 0;
out:
	pp_api_stop(api);
	if (set)
		pp_output_destroy(set, PP_CMD_FLUSH_MS);
	pp_ctl_destroy(ctl);
	pp_config_destroy(cfg);
	return rc;
}
