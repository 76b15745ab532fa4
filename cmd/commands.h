/* commands.h - the subcommands dispatched by powerpark.c. Each takes the
 * arguments after "powerpark" (argv[0] is the command name, borrowed) and
 * returns the process exit status. */
#ifndef PP_COMMANDS_H
#define PP_COMMANDS_H

#include <signal.h>
#include <stdio.h>

#include "opts.h"
#include "powerpark/config.h"
#include "powerpark/diag.h"

/* Bounds of the options that take a time: the agent's and the Slurm
 * adapter's interval, and the waits of a day at most. */
#define PP_CMD_MIN_INTERVAL_MS 100
#define PP_CMD_MAX_INTERVAL_MS 600000 /* ten minutes */
#define PP_CMD_MAX_WAIT_S 86400

/* The exit status of a command that wrote to outputs and ended with points
 * dropped (lost for good: spool or queue full, the disk full, unencodable). */
#define PP_CMD_EXIT_LOST 4

/* How often a long-running command looks at pp_cmd_stop, at the most. */
#define PP_CMD_TICK_NS 200000000L

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

/* Prints every line of d (its lines freed, d left empty) to stderr;
 * returns how many there were. */
size_t pp_cmd_diags(struct pp_diags *d);

/* The exit status of a command whose module returned e: 0, or 1 after
 * "powerpark CMD: " and eb's message (borrowed) on stderr. */
int pp_cmd_status(const char *cmd, enum pp_err e, const struct pp_errbuf *eb);

/* Loads the config at file, or (text non-NULL) the YAML text called name
 * (all borrowed), printing every problem to stderr as FILE:LINE:COL.
 * Returns the config (taken; pp_config_destroy) or NULL. */
struct pp_config *pp_cmd_load(const char *file, const char *text, const char *name);

/* pp_cmd_load for a command that controls a park (cmd, borrowed: its
 * name): NULL, with the reason on stderr, also for a collector's config
 * (no power tree). */
struct pp_config *pp_cmd_load_park(const char *file, const char *text, const char *name,
				   const char *cmd);

#endif
