/* cmd_check.c - `powerpark check -c FILE`. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "powerpark/catalog.h"
#include "powerpark/config.h"
#include "powerpark/diag.h"

int pp_cmd_check(int argc, char **argv)
{
	const char *file = NULL;
	int quiet = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: powerpark check -c FILE [-q]\n"
			       "       powerpark check --keys\n\n"
			       "Validates a site configuration and the device profiles it names.\n"
			       "Prints every problem as FILE:LINE:COLUMN: message and exits 1, or\n"
			       "a one-screen summary and exits 0. -q prints nothing on success.\n"
			       "--keys prints the reference of every key (Markdown).\n");
			return 0;
		} else if (!strcmp(argv[i], "--keys")) {
			pp_config_keys(stdout);
			return 0;
		} else if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
			file = argv[++i];
		} else if (!strcmp(argv[i], "-q")) {
			quiet = 1;
		} else {
			fprintf(stderr, "powerpark check: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: powerpark check -c FILE\n");
		return 2;
	}
	struct pp_diags d;
	pp_diag_init(&d);
	struct pp_config *cfg = NULL;
	enum pp_err e = pp_catalog_load_config(file, NULL, 0, NULL, &cfg, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.lines[i]);
	if (e) {
		fprintf(stderr, "%zu problem%s found\n", d.n, d.n == 1 ? "" : "s");
		pp_diag_free(&d);
		return 1;
	}
	if (!quiet)
		pp_config_summary(cfg, stdout);
	pp_config_destroy(cfg);
	pp_diag_free(&d);
	return 0;
}
