/* cmd_agent.c - `powerpark agent`: options into pp_agent_run. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "powerpark/agent.h"

/* GPUs of one node at most (agent.c holds as many). */
#define PP_CMD_MAX_NODE_GPUS 72

int pp_cmd_agent(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Leases the node's GPU caps from `powerpark optimize` every interval and\n"
		"applies them; applies the safe cap when the lease runs out.\n"
		"  nvml     ARG: the library (default libnvidia-ml.so.1)\n"
		"  command  ARG: a command with {cap} and {gpu}, e.g. 'nvidia-smi -i {gpu} -pl {cap}'\n"
		"  sim      ARG: the control HOST:PORT of `powerpark sim`\n"
		"  redfish  ARG: url=https://BMC:443,user=U,password_file=F[,ca_file=PEM,\n"
		"           auth=session|basic,chassis=ID,base_w=W]: the node's limit through\n"
		"           its BMC, (cap x --gpus + base_w); docs/agent.md\n";
	struct pp_agent_opts o = {0};
	o.token = getenv("POWERPARK_TOKEN");
	const struct pp_opt opts[] = {
		PP_STR("--url", &o.url, "URL", "the optimizer, http://HOST:PORT (replicas: comma-separated)",
		       .flags = PP_OPT_REQUIRED),
		PP_STR("--node", &o.node, "RACK", "the rack whose caps it leases",
		       .flags = PP_OPT_REQUIRED),
		PP_STR("--token", &o.token, "TOKEN", "a token with the lease scope (or "
		       "$POWERPARK_TOKEN,\nkept out of ps)", .flags = PP_OPT_REQUIRED),
		PP_NUM("--safe-cap", &o.safe_cap_w, 0, INFINITY, "W",
		       "the cap held when the lease runs out", .flags = PP_OPT_REQUIRED | PP_OPT_ABOVE),
		PP_STR("--backend", &o.backend, "nvml|command|sim|redfish", "how caps are applied (see above)",
		       .flags = PP_OPT_REQUIRED),
		PP_STR("--arg", &o.arg, "ARG", "the backend's argument"),
		PP_INT("--gpus", &o.gpus, 1, PP_CMD_MAX_NODE_GPUS, "N",
		       "GPUs of the node, when the backend cannot count them"),
		PP_STR("--site", &o.site, "NAME", "the site tag of its readings"),
		PP_DURI("--interval-ms", &o.interval_ms, "ms", PP_CMD_MIN_INTERVAL_MS,
			PP_CMD_MAX_INTERVAL_MS, "N", "between renewals (default 1000; 2s also does)"),
		PP_FLAG("--once", &o.once, "one renewal, then exit"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"agent", about, opts};
	int rc = pp_opts_parse(argc, argv, &cmd);
	if (rc >= 0)
		return rc;
	pp_cmd_catch_stop();
	struct pp_errbuf eb;
	return pp_cmd_status("agent", pp_agent_run(&o, &pp_cmd_stop, &eb), &eb);
}
