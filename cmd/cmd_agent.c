/* cmd_agent.c - `powerpark agent`: options into pp_agent_run. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/agent.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: powerpark agent --url URL --node RACK --token TOKEN --safe-cap W\n"
		   "                       --backend nvml|command|sim [--arg ARG] [--gpus N]\n"
		   "                       [--site NAME] [--interval-ms N] [--once]\n\n"
		   "Leases the node's GPU caps from `powerpark optimize` every interval and\n"
		   "applies them; applies the safe cap when the lease runs out.\n"
		   "  nvml     ARG: the library (default libnvidia-ml.so.1)\n"
		   "  command  ARG: a command with {cap} and {gpu}, e.g. 'nvidia-smi -i {gpu} -pl {cap}'\n"
		   "  sim      ARG: the control HOST:PORT of `powerpark sim`\n"
		   "The token may also come from $POWERPARK_TOKEN (kept out of ps).\n");
	return f == stdout ? 0 : 2;
}

int pp_cmd_agent(int argc, char **argv)
{
	struct pp_agent_opts o = {0};
	const char *gpus = NULL, *safe = NULL, *interval = NULL;
	o.token = getenv("POWERPARK_TOKEN");
	const struct pp_cmd_opt opts[] = {
		{"--url", &o.url, NULL},         {"--node", &o.node, NULL},
		{"--token", &o.token, NULL},     {"--site", &o.site, NULL},
		{"--backend", &o.backend, NULL}, {"--arg", &o.arg, NULL},
		{"--gpus", &gpus, NULL},         {"--safe-cap", &safe, NULL},
		{"--interval-ms", &interval, NULL}, {"--once", NULL, &o.once},
		{NULL, NULL, NULL}};
	int rc = pp_cmd_options(argc, argv, opts, usage);
	if (rc >= 0)
		return rc;
	if (pp_cmd_int("agent", "--gpus", gpus, 1, 72, &o.gpus) ||
	    pp_cmd_int("agent", "--interval-ms", interval, 100, 600000, &o.interval_ms))
		return 2;
	o.safe_cap_w = safe ? atof(safe) : 0;
	pp_cmd_catch_stop();
	struct pp_errbuf eb;
	if (pp_agent_run(&o, &pp_cmd_stop, &eb)) {
		fprintf(stderr, "powerpark agent: %s\n", eb.msg);
		return 1;
	}
	return 0;
}
