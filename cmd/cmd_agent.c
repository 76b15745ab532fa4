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
	o.token = getenv("POWERPARK_TOKEN");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(stdout);
		if (!strcmp(a, "--once")) {
			o.once = 1;
			continue;
		}
		static const char *const opt[] = {"--url",  "--node", "--token",    "--site",
						  "--backend", "--arg", "--gpus", "--safe-cap",
						  "--interval-ms", NULL};
		int k = 0;
		while (opt[k] && strcmp(a, opt[k]))
			k++;
		if (!opt[k] || i + 1 >= argc) {
			fprintf(stderr, "powerpark agent: %s '%s'\n",
				opt[k] ? "a value is needed after" : "unexpected argument", a);
			return usage(stderr);
		}
		const char *v = argv[++i];
		switch (k) {
		case 0: o.url = v; break;
		case 1: o.node = v; break;
		case 2: o.token = v; break;
		case 3: o.site = v; break;
		case 4: o.backend = v; break;
		case 5: o.arg = v; break;
		case 6: o.gpus = atoi(v); break;
		case 7: o.safe_cap_w = atof(v); break;
		default: o.interval_ms = atoi(v); break;
		}
	}
	pp_cmd_catch_stop();
	struct pp_errbuf eb;
	if (pp_agent_run(&o, &pp_cmd_stop, &eb)) {
		fprintf(stderr, "powerpark agent: %s\n", eb.msg);
		return 1;
	}
	return 0;
}
