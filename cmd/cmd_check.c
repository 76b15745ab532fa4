/* cmd_check.c - `powerpark check -c FILE`. */
#include <stdio.h>

#include "commands.h"
#include "powerpark/catalog.h"
#include "powerpark/config.h"
#include "powerpark/diag.h"

int pp_cmd_check(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Validates a site configuration and the device profiles it names.\n"
		"Prints every problem as FILE:LINE:COLUMN: message and exits 1, or\n"
		"a one-screen summary and exits 0.\n";
	const char *file = NULL;
	int quiet = 0;
	int keys = 0;
	const struct pp_opt opts[] = {
		PP_STR("-c", &file, "FILE", "the site configuration", .alias = "--config"),
		PP_FLAG("-q", &quiet, "print nothing on success"),
		PP_FLAG("--keys", &keys, "print the reference of every key (Markdown) and exit"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"check", about, opts};
	int rc = pp_opts_parse(argc, argv, &cmd);
	if (rc >= 0)
		return rc;
	if (keys) {
		pp_config_keys(stdout);
		return 0;
	}
	if (!file)
		return pp_opts_fail(&cmd, "-c is required (see powerpark check --help)");
	struct pp_diags d;
	pp_diag_init(&d);
	struct pp_config *cfg = NULL;
	enum pp_err e = pp_catalog_load_config(file, NULL, 0, NULL, &cfg, &d);
	size_t n = pp_cmd_diags(&d);
	if (e) {
		fprintf(stderr, "%zu problem%s found\n", n, n == 1 ? "" : "s");
		return 1;
	}
	if (!quiet)
		pp_config_summary(cfg, stdout);
	pp_config_destroy(cfg);
	return 0;
}
