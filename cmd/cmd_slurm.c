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

/* A whole number in [lo, hi], or -1 with a message. */
static long whole(const char *opt, const char *v, long lo, long hi)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < lo || n > hi) {
		fprintf(stderr, "powerpark slurm: %s: expected a whole number from %ld to %ld, "
			"not '%s'\n", opt, lo, hi, v);
		return -1;
	}
	return n;
}

int pp_cmd_slurm(int argc, char **argv)
{
	struct pp_slurm_opts o = {.interval_ms = 1000, .dwell_s = 30, .fail_after_s = 30};
	o.token = getenv("POWERPARK_TOKEN");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(stdout);
		if (!strcmp(a, "--once")) {
			o.once = 1;
			continue;
		}
		static const char *const opt[] = {"--url",  "--token", "--map", "--interval-ms",
						  "--dwell-s", "--fail", "--fail-after-s", NULL};
		int k = 0;
		while (opt[k] && strcmp(a, opt[k]))
			k++;
		if (!opt[k] || i + 1 >= argc) {
			fprintf(stderr, "powerpark slurm: %s '%s'\n",
				opt[k] ? "a value is needed after" : "unexpected argument", a);
			return usage(stderr);
		}
		const char *v = argv[++i];
		long n = 0;
		switch (k) {
		case 0: o.url = v; break;
		case 1: o.token = v; break;
		case 2: o.map = v; break;
		case 3: n = o.interval_ms = (int)whole(a, v, 100, 600000); break;
		case 4: n = o.dwell_s = (int)whole(a, v, 0, 86400); break;
		case 5:
			if (strcmp(v, "open") && strcmp(v, "closed")) {
				fprintf(stderr, "powerpark slurm: --fail: expected open or closed, "
					"not '%s'\n", v);
				return 2;
			}
			o.fail_open = !strcmp(v, "open");
			break;
		default: n = o.fail_after_s = (int)whole(a, v, 0, 86400); break;
		}
		if (n < 0)
			return 2;
	}
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
