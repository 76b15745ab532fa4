/* commands.h - the subcommands dispatched by powerpark.c. Each takes the
 * arguments after "powerpark" (argv[0] is the command name, borrowed) and
 * returns the process exit status. */
#ifndef PP_COMMANDS_H
#define PP_COMMANDS_H

#include <signal.h>
#include <stdio.h>

#include "powerpark/config.h"

struct pp_command {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
};

int pp_cmd_check(int argc, char **argv);
int pp_cmd_send(int argc, char **argv);
int pp_cmd_run(int argc, char **argv);
int pp_cmd_collect(int argc, char **argv);
int pp_cmd_sim(int argc, char **argv);
int pp_cmd_weather(int argc, char **argv);
int pp_cmd_solve(int argc, char **argv);
int pp_cmd_optimize(int argc, char **argv);
int pp_cmd_agent(int argc, char **argv);
int pp_cmd_slurm(int argc, char **argv);
int pp_cmd_plan(int argc, char **argv);

/* Set by SIGTERM or SIGINT once pp_cmd_catch_stop has run; the long-running
 * commands poll it. */
extern volatile sig_atomic_t pp_cmd_stop;

/* Installs the SIGTERM/SIGINT handlers that set pp_cmd_stop, and ignores
 * SIGPIPE (a peer closing a socket must not kill the process). */
void pp_cmd_catch_stop(void);

/* Loads the config at file, or (text non-NULL) the YAML text called name
 * (all borrowed), printing every problem to stderr as FILE:LINE:COL.
 * Returns the config (taken; pp_config_destroy) or NULL. */
struct pp_config *pp_cmd_load(const char *file, const char *text, const char *name);

/* One option of a command: "--name VALUE" sets *val (borrowed from argv),
 * or, with flag, a bare "--name" sets *flag to 1. An entry named "" takes
 * the one argument that is not an option (a second is unexpected). The
 * table ends with a NULL name. */
struct pp_cmd_opt {
	const char *name;
	const char **val;
	int *flag;
};

/* Reads argv (argv[0] the command's name) against opts. Returns -1 when
 * every argument was understood; otherwise the exit status to return, after
 * usage (stdout for --help, stderr for an unknown option or a missing
 * value) has run. */
int pp_cmd_options(int argc, char **argv, const struct pp_cmd_opt *opts, int (*usage)(FILE *));

/* Sets *out from v (borrowed; NULL leaves it) when v is a whole number in
 * [lo, hi]; otherwise prints "powerpark CMD: OPT: expected ..." and
 * returns -1. */
int pp_cmd_int(const char *cmd, const char *opt, const char *v, long lo, long hi, int *out);

#endif
