/* cmd_util.c - what several subcommands do the same way. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/catalog.h"
#include "powerpark/diag.h"

struct pp_config *pp_cmd_load(const char *file, const char *text, const char *name)
{
	struct pp_diags d;
	pp_diag_init(&d);
	struct pp_config *cfg = NULL;
	enum pp_err e = text ? pp_catalog_load_config(name, text, strlen(text), ".", &cfg, &d)
			     : pp_catalog_load_config(file, NULL, 0, NULL, &cfg, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.lines[i]);
	pp_diag_free(&d);
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

int pp_cmd_options(int argc, char **argv, const struct pp_cmd_opt *opts, int (*usage)(FILE *))
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return usage(stdout);
		const struct pp_cmd_opt *o = opts;
		if (a[0] != '-') { /* the one positional argument, when the table has "" */
			while (o->name && (*o->name || *o->val))
				o++;
			if (o->name) {
				*o->val = a;
				continue;
			}
		}
		while (o->name && strcmp(a, o->name))
			o++;
		if (o->name && o->flag) {
			*o->flag = 1;
			continue;
		}
		if (!o->name || i + 1 >= argc) {
			fprintf(stderr, "powerpark %s: %s '%s'\n", argv[0],
				o->name ? "a value is needed after" : "unexpected argument", a);
			return usage(stderr);
		}
		*o->val = argv[++i];
	}
	return -1;
}

int pp_cmd_int(const char *cmd, const char *opt, const char *v, long lo, long hi, int *out)
{
	char *end;
	long n = v ? strtol(v, &end, 10) : 0;
	if (!v)
		return 0;
	if (!*v || *end || n < lo || n > hi) {
		fprintf(stderr, "powerpark %s: %s: expected a whole number from %ld to %ld, not "
			"'%s'\n", cmd, opt, lo, hi, v);
		return -1;
	}
	*out = (int)n;
	return 0;
}
