/* powerpark.c - subcommand dispatch only; each command lives in cmd/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct pp_command commands[] = {
	{"check", "validate a site configuration and print a summary", pp_cmd_check},
	{"send", "send line protocol from stdin/files through the configured outputs",
	 pp_cmd_send},
	{"run", "run the embedded demo: a simulated park end to end", pp_cmd_run},
	{"collect", "poll every Modbus and SNMP device and send its metrics", pp_cmd_collect},
	{"sim", "serve a simulated park (SNMP agents, Modbus gateways) for a config",
	 pp_cmd_sim},
	{"plan", "simulate candidate sites over a year of weather; rank them in a report",
	 pp_cmd_plan},
	{"weather", "summarize an EPW weather file: wet-bulb hours, free cooling", pp_cmd_weather},
	{"solve", "optimize one instance: caps and run/defer/pause per job (JSON)", pp_cmd_solve},
	{"optimize", "the control loop and budget API of a site (caps, leases, admission)", pp_cmd_optimize},
	{"agent", "lease a node's GPU caps from optimize and apply them (NVML, command, sim)", pp_cmd_agent},
	{"slurm", "make Slurm hold deferrable jobs until they fit and tell optimize what runs where",
	 pp_cmd_slurm},
	{"help", "show help for powerpark or a command", NULL},
};
#define NCMD (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: powerpark [--version] [--help] <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < NCMD; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'powerpark <command> --help' shows a command's options.\n");
}

static const struct pp_command *find(const char *name)
{
	for (size_t i = 0; i < NCMD; i++)
		if (!strcmp(commands[i].name, name) && commands[i].fn)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("powerpark %s\n", PP_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		if (argc > 2 && find(argv[2])) {
			char *a[] = {argv[2], "--help", NULL};
			return find(argv[2])->fn(2, a);
		}
		usage(stdout);
		return 0;
	}
	const struct pp_command *c = find(cmd);
	if (!c) {
		fprintf(stderr, "powerpark: '%s' is not a command\n\n", cmd);
		usage(stderr);
		return 2;
	}
	return c->fn(argc - 1, argv + 1);
}
