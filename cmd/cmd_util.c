/* cmd_util.c - what several subcommands do the same way. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct pp_config *pp_cmd_load(const char *file, const char *text, const char *name)
{
	struct pp_diags d;
	pp_diags_init(&d);
	struct pp_config *cfg = NULL;
	enum pp_err e = text ? pp_config_load_text(name, text, strlen(text), ".", &cfg, &d)
			     : pp_config_load(file, &cfg, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.lines[i]);
	pp_diags_free(&d);
	return e ? NULL : cfg;
}

volatile sig_atomic_t pp_cmd_stop;

static void on_stop(int sig)
{
	(void)sig;
	pp_cmd_stop = 1;
}

void pp_cmd_catch_stop(void)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
