/* cmd_slurm.c - `powerpark slurm`: options into pp_slurm_run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "powerpark/slurm.h"

int pp_cmd_slurm(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Runs beside slurmctld (SLURM_CONF names the cluster). Jobs whose comment\n"
		"says pp:defer are held at submission by conf/slurm/job_submit.lua; this\n"
		"releases them once `powerpark optimize` says they fit for --dwell-s,\n"
		"writes why the others wait into their comment, and tells optimize which\n"
		"job runs on which rack. --map: lines \"NODES RACK\" (a Slurm host list,\n"
		"e.g. gpu[001-004] a01-r01); without it a node is the rack of its name.\n"
		"When optimize cannot be reached for --fail-after-s, held jobs stay held\n"
		"(--fail closed) or are released (--fail open).\n";
	static const char *const fail[] = {"closed", "open", NULL};
	struct pp_slurm_opts o = {.interval_ms = 1000, .dwell_s = 30, .fail_after_s = 30};
	o.token = getenv("POWERPARK_TOKEN");
	const struct pp_opt opts[] = {
		PP_STR("--url", &o.url, "URL", "the optimizer, http://HOST:PORT (replicas: comma-separated)",
		       .flags = PP_OPT_REQUIRED),
		PP_STR("--token", &o.token, "TOKEN", "a token with the write scope (or "
		       "$POWERPARK_TOKEN,\nkept out of ps)", .flags = PP_OPT_REQUIRED),
		PP_STR("--map", &o.map, "FILE", "lines \"NODES RACK\" (see above)"),
		PP_DURI("--interval-ms", &o.interval_ms, "ms", PP_CMD_MIN_INTERVAL_MS,
			PP_CMD_MAX_INTERVAL_MS, "N", "between two looks at Slurm (default 1000)"),
		PP_DURI("--dwell-s", &o.dwell_s, "s", 0, PP_CMD_MAX_WAIT_S, "N",
			"how long a job must fit to be released (default 30)"),
		PP_CHOICE("--fail", &o.fail_open, fail, "open|closed",
			  "held jobs when optimize is down (default closed)"),
		PP_DURI("--fail-after-s", &o.fail_after_s, "s", 0, PP_CMD_MAX_WAIT_S, "N",
			"how long \"down\" must last first (default 30)"),
		PP_FLAG("--once", &o.once, "one look, then exit"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"slurm", about, opts};
	int rc = pp_opts_parse(argc, argv, &cmd);
	if (rc >= 0)
		return rc;
	pp_cmd_catch_stop();
	struct pp_errbuf eb;
	return pp_cmd_status("slurm", pp_slurm_run(&o, &pp_cmd_stop, &eb), &eb);
}
