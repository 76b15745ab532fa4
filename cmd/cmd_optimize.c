/* cmd_optimize.c - `powerpark optimize`: its options, then the service of
 * optimizer/api/service.c (the budget API plus the control loop, one solve
 * per period and at once after a breach, decisions to the outputs). */
#include <stdio.h>

#include "commands.h"
#include "powerpark/api.h"
#include "powerpark/ctl.h"

static void ready(void *ud, int port, int period_ms)
{
	const struct pp_config *cfg = ud;
	printf("powerpark optimize: site %s, API on http%s://127.0.0.1:%d, period %d ms\n",
	       cfg->site.name, cfg->api.tls_cert ? "s" : "", port, period_ms);
	fflush(stdout);
}

/* The control period's bounds (--period-ms). */
#define PP_CMD_MIN_PERIOD_MS 10
#define PP_CMD_MAX_PERIOD_MS 3600000 /* an hour */

int pp_cmd_optimize(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Serves the budget API (docs/api.md) and runs the control loop: every\n"
		"period (and at once when a reading breaks a limit) it solves for the\n"
		"caps that keep every limit and writes its decisions to the outputs.\n";
	const char *file = NULL, *listen = NULL, *ha_name = NULL, *ha_url = NULL;
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
		PP_STR("--ha-name", &ha_name, "NAME", "this replica's name in the group, instead "
		       "of ha.name (docs/ha.md)"),
		PP_STR("--ha-url", &ha_url, "URL", "where clients reach this replica, instead of "
		       "ha.url"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"optimize", about, opts};
	int prc = pp_opts_parse(argc, argv, &cmd);
	if (prc >= 0)
		return prc;
	struct pp_config *cfg = pp_cmd_load_park(file, NULL, NULL, "optimize");
	if (!cfg)
		return 1;
	pp_cmd_catch_stop();
	struct pp_api_run_opts ro = {o, listen, ready, cfg, ha_name, ha_url};
	struct pp_errbuf eb;
	int rc = pp_cmd_status("optimize", pp_api_run(cfg, &ro, &pp_cmd_stop, &eb), &eb);
	pp_config_destroy(cfg);
	return rc;
}
