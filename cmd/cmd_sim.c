/* cmd_sim.c - `powerpark sim`: serve a simulated park for a config. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/config.h"
#include "powerpark/sim.h"

/* Faults one command line may set (--fault), the longest device name one
 * names, and the largest Modbus exception code (one byte). */
#define PP_CMD_MAX_FAULTS 64
#define PP_CMD_MAX_DEVICE 128
#define PP_CMD_MAX_EXCEPTION 255
#define PP_CMD_STR_(x) #x
#define PP_CMD_STR(x) PP_CMD_STR_(x)

struct fault {
	char dev[PP_CMD_MAX_DEVICE];
	enum pp_sim_fault_kind k;
	int arg;
};

struct faults {
	struct fault f[PP_CMD_MAX_FAULTS];
	size_t n;
};

/* "DEVICE=KIND[:ARG]" into the next fault of arg (a struct faults). */
static int parse_fault(void *arg, const char *s)
{
	struct faults *fs = arg;
	if (fs->n == PP_CMD_MAX_FAULTS)
		return -1;
	struct fault *f = &fs->f[fs->n];
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
	else if (kl == 9 && !strncmp(k, "exception", 9) && f->arg > 0 &&
		 f->arg <= PP_CMD_MAX_EXCEPTION)
		f->k = PP_FAULT_EXCEPTION;
	else if (kl == 5 && !strncmp(k, "reset", 5))
		f->k = PP_FAULT_RESET;
	else
		return -1;
	fs->n++;
	return 0;
}

int pp_cmd_sim(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Serves every device of the config as the real one would: SNMP agents\n"
		"(v1/v2c) for PDUs and UPSes, Modbus TCP gateways for meters, chillers\n"
		"and CDUs. Prints the endpoints as one JSON line, then serves until\n"
		"SIGTERM/SIGINT.\n";
	const char *file = NULL;
	struct pp_sim_opts o = {0};
	struct faults fs = {.n = 0};
	long seed = 0;
	const struct pp_opt opts[] = {
		PP_STR("-c", &file, "FILE", "the site configuration", .flags = PP_OPT_REQUIRED),
		PP_FLAG("--frozen", &o.frozen, "every value constant (for comparing readings)"),
		PP_STR("--control", &o.control, "HOST:PORT",
		       "text control socket (default 127.0.0.1, any port):\n"
		       "'cap RACK|* WATTS', 'demand RACK|* FRACTION', 'get RACK'"),
		PP_CALL("--fault", &fs, parse_fault, "DEVICE=silent, DEVICE=delay:MS, "
			"DEVICE=exception:CODE or DEVICE=reset (" PP_CMD_STR(PP_CMD_MAX_FAULTS)
			" at most)", "DEV=KIND[:ARG]",
			"silent | delay:MS | exception:CODE | reset (Modbus);\n"
			"one --fault a device"),
		PP_LONG("--seed", &seed, 0, UINT_MAX, "N", "of the simulated noise and drift"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"sim", about, opts};
	int prc = pp_opts_parse(argc, argv, &cmd);
	if (prc >= 0)
		return prc;
	o.seed = (unsigned)seed;
	struct pp_config *cfg = pp_cmd_load_park(file, NULL, NULL, "sim");
	if (!cfg)
		return 1;
	struct pp_errbuf eb;
	struct pp_sim *s = NULL;
	int rc = 1;
	if (pp_sim_create(cfg, &o, &s, &eb)) {
		fprintf(stderr, "powerpark sim: %s\n", eb.msg);
		goto out;
	}
	for (size_t i = 0; i < fs.n; i++)
		if (pp_sim_fault(s, fs.f[i].dev, fs.f[i].k, fs.f[i].arg)) {
			fprintf(stderr, "powerpark sim: --fault: no device '%s'\n", fs.f[i].dev);
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
