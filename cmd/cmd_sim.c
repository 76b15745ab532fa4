/* cmd_sim.c - `powerpark sim`: serve a simulated park for a config. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/config.h"
#include "powerpark/sim.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: powerpark sim -c FILE [--frozen] [--control HOST:PORT]\n"
		   "                     [--fault DEVICE=KIND[:ARG]]... [--seed N]\n\n"
		   "Serves every device of the config as the real one would: SNMP agents\n"
		   "(v1/v2c) for PDUs and UPSes, Modbus TCP gateways for meters, chillers\n"
		   "and CDUs. Prints the endpoints as one JSON line, then serves until\n"
		   "SIGTERM/SIGINT.\n"
		   "  --frozen          every value constant (for comparing readings)\n"
		   "  --control ADDR    text control socket (default 127.0.0.1, any port):\n"
		   "                    'cap RACK|* WATTS', 'demand RACK|* FRACTION', 'get RACK'\n"
		   "  --fault DEV=KIND  silent | delay:MS | exception:CODE | reset (Modbus)\n");
	return f == stdout ? 0 : 2;
}

struct fault {
	char dev[128];
	enum pp_sim_fault_kind k;
	int arg;
};

static int parse_fault(const char *s, struct fault *f)
{
	const char *eq = strchr(s, '=');
	if (!eq || eq == s || (size_t)(eq - s) >= sizeof f->dev)
		return -1;
	memcpy(f->dev, s, (size_t)(eq - s));
	f->dev[eq - s] = '\0';
	const char *k = eq + 1, *colon = strchr(k, ':');
	size_t kl = colon ? (size_t)(colon - k) : strlen(k);
	f->arg = colon ? atoi(colon + 1) : 0;
	if (kl == 6 && !strncmp(k, "silent", 6))
		f->k = PP_FAULT_SILENT;
	else if (kl == 5 && !strncmp(k, "delay", 5) && f->arg > 0)
		f->k = PP_FAULT_DELAY;
	else if (kl == 9 && !strncmp(k, "exception", 9) && f->arg > 0 && f->arg < 256)
		f->k = PP_FAULT_EXCEPTION;
	else if (kl == 5 && !strncmp(k, "reset", 5))
		f->k = PP_FAULT_RESET;
	else
		return -1;
	return 0;
}

int pp_cmd_sim(int argc, char **argv)
{
	const char *file = NULL;
	struct pp_sim_opts o = {0};
	struct fault faults[64];
	size_t nf = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout);
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			file = argv[++i];
		else if (!strcmp(argv[i], "--frozen"))
			o.frozen = 1;
		else if (!strcmp(argv[i], "--control") && i + 1 < argc)
			o.control = argv[++i];
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			o.seed = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--fault") && i + 1 < argc && nf < 64) {
			if (parse_fault(argv[++i], &faults[nf])) {
				fprintf(stderr, "powerpark sim: --fault '%s': expected DEVICE=silent, "
						"DEVICE=delay:MS, DEVICE=exception:CODE or "
						"DEVICE=reset\n", argv[i]);
				return 2;
			}
			nf++;
		} else {
			fprintf(stderr, "powerpark sim: unexpected argument '%s'\n", argv[i]);
			return usage(stderr);
		}
	}
	if (!file) {
		fprintf(stderr, "powerpark sim: -c FILE is required\n");
		return usage(stderr);
	}
	struct pp_config *cfg = pp_cmd_load(file, NULL, NULL);
	if (!cfg)
		return 1;
	struct pp_errbuf eb;
	struct pp_sim *s = NULL;
	int rc = 1;
	if (pp_sim_create(cfg, &o, &s, &eb)) {
		fprintf(stderr, "powerpark sim: %s\n", eb.msg);
		goto out;
	}
	for (size_t i = 0; i < nf; i++)
		if (pp_sim_fault(s, faults[i].dev, faults[i].k, faults[i].arg)) {
			fprintf(stderr, "powerpark sim: --fault: no device '%s'\n", faults[i].dev);
			goto out;
		}
	pp_cmd_catch_stop();
	pp_sim_describe(s, stdout);
	pp_sim_run(s, &pp_cmd_stop);
	rc = 0;
out:
	pp_sim_destroy(s);
	pp_config_destroy(cfg);
	return rc;
}
