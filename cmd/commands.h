/* commands.h - the subcommands dispatched by powerpark.c. Each takes the
 * arguments after "powerpark" (argv[0] is the command name, borrowed) and
 * returns the process exit status. */
#ifndef PP_COMMANDS_H
#define PP_COMMANDS_H

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

#endif
