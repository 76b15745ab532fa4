/* cmd_slurm.c - `powerpark slurm`: options into pp_slurm_run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/slurm.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: powerpark slurm --url URL --token TOKEN [--map FILE] [--interval-ms N]\n"
		   "                       [--dwell-s N] [--fail open|closed] [--fail-after-s N]\n"
		   "                       [--once]\n\n"
		   "Runs beside slurmctld (SLURM_CONF names the cluster). Jobs whose comment\n"
		   "says pp:defer are held at submission by conf/slurm/job_submit.lua; this\n"
		   "releases them once `powerpark optimize` says they fit for --dwell-s\n"
		   "(default 30), writes why the others wait into their comment, and tells\n"
		   "optimize which job runs on which rack. --map: lines \"NODES RACK\" (a Slurm\n"
		   "host list, e.g. gpu[001-004] a01-r01); without it a node is the rack of its\n"
		   "name. When optimize cannot be reached for --fail-after-s (default 30), held\n"
		   "jobs stay held (--fail closed, the default) or are released (--fail open).\n"
		   "The token may also come from $POWERPARK_TOKEN (kept out of ps).\n");
	return f == stdout ? 0 : 2;
}

int pp_cmd_slurm(int argc, char **argv)
{
	struct pp_slurm_opts o = {.interval_ms = 1000, .dwell_s = 30, .fail_after_s = 30};
	const char *interval = NULL, *dwell = NULL, *fail = NULL, *fail_after = NULL;
	o.token = getenv("POWERPARK_TOKEN");
	const struct pp_cmd_opt opts[] = {
		{"--url", &o.url, NULL},          {"--token", &o.token, NULL},
		{"--map", &o.map, NULL},          {"--interval-ms", &interval, NULL},
		{"--dwell-s", &dwell, NULL},      {"--fail", &fail, NULL},
		{"--fail-after-s", &fail_after, NULL}, {"--once", NULL, &o.once},
		{NULL, NULL, NULL}};
	int rc = pp_cmd_options(argc, argv, opts, usage);
	if (rc >= 0)
		return rc;
	if (pp_cmd_int("slurm", "--interval-ms", interval, 100, 600000, &o.interval_ms) ||
	    pp_cmd_int("slurm", "--dwell-s", dwell, 0, 86400, &o.dwell_s) ||
	    pp_cmd_int("slurm", "--fail-after-s", fail_after, 0, 86400, &o.fail_after_s))
		return 2;
	if (fail && strcmp(fail, "open") && strcmp(fail, "closed")) {
		fprintf(stderr, "powerpark slurm: --fail: expected open or closed, not '%s'\n", fail);
		return 2;
	}
	o.fail_open = fail && !strcmp(fail, "open");
	if (!o.url || !o.token) {
		fprintf(stderr, "powerpark slurm: --url and --token are required\n");
		return usage(stderr);
	}
	pp_cmd_catch_stop();
	struct pp_errbuf eb;
	if (pp_slurm_run(&o, &pp_cmd_stop, &eb)) {
		fprintf(stderr, "powerpark slurm: %s\n", eb.msg);
		return 1;
	}
	return 0;
}
