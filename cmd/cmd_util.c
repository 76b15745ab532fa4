/* cmd_util.c - what several subcommands do the same way. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/catalog.h"
#include "powerpark/diag.h"

size_t pp_cmd_diags(struct pp_diags *d)
{
	size_t n = d->n;
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s\n", d->lines[i]);
	pp_diag_free(d);
	return n;
}

int pp_cmd_status(const char *cmd, enum pp_err e, const struct pp_errbuf *eb)
{
	if (!e)
		return 0;
	fprintf(stderr, "powerpark %s: %s\n", cmd, eb->msg);
	return 1;
}

struct pp_config *pp_cmd_load(const char *file, const char *text, const char *name)
{
	struct pp_diags d;
	pp_diag_init(&d);
	struct pp_config *cfg = NULL;
	enum pp_err e = text ? pp_catalog_load_config(name, text, strlen(text), ".", &cfg, &d)
			     : pp_catalog_load_config(file, NULL, 0, NULL, &cfg, &d);
	pp_cmd_diags(&d);
	return e ? NULL : cfg;
}

struct pp_config *pp_cmd_load_park(const char *file, const char *text, const char *name,
				   const char *cmd)
{
	struct pp_config *cfg = pp_cmd_load(file, text, name);
	if (cfg && !cfg->park) {
		fprintf(stderr, "powerpark %s: %s has no power tree ('power' and 'site.grid'): it "
			"configures a collector only; `powerpark %s` controls a park and needs both "
			"(docs/config.md)\n", cmd, cfg->file, cmd);
		pp_config_destroy(cfg);
		return NULL;
	}
	return cfg;
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
