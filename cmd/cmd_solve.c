/* cmd_solve.c - `powerpark solve FILE.json|-`: one instance in, one answer out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/buf.h"
#include "powerpark/inst.h"
#include "powerpark/solve.h"

static int usage(FILE *f, int rc)
{
	fprintf(f, "usage: powerpark solve FILE.json|- [--policy optimal|proportional|static]\n\n"
		   "Reads one optimizer instance (docs/optimizer.md) and prints the answer: a\n"
		   "cap and run/defer/pause for every job, the power and price of every\n"
		   "node, plant and the grid. Exits 1 on bad input, naming the element.\n");
	return rc;
}

static int read_all(const char *path, struct pp_buf *b)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return -1;
	char chunk[65536];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (pp_buf_append(b, chunk, n)) {
			rc = -1;
			break;
		}
	if (ferror(f))
		rc = -1;
	if (f != stdin)
		fclose(f);
	return rc;
}

int pp_cmd_solve(int argc, char **argv)
{
	const char *file = NULL;
	enum pp_policy pol = PP_POLICY_OPTIMAL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage(stdout, 0);
		if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
			const char *p = argv[++i];
			int k = pp_config_policy(p);
			if (k >= 0 && k != PP_POLICY_GRID_PROPORTIONAL) {
				pol = (enum pp_policy)k;
			} else {
				fprintf(stderr, "powerpark solve: --policy: expected optimal, "
						"proportional or static, got '%s'\n", p);
				return 2;
			}
		} else if (!file) {
			file = argv[i];
		} else {
			return usage(stderr, 2);
		}
	}
	if (!file)
		return usage(stderr, 2);
	struct pp_buf b;
	pp_buf_init(&b);
	if (read_all(file, &b)) {
		fprintf(stderr, "powerpark solve: cannot read %s\n", file);
		pp_buf_free(&b);
		return 1;
	}
	struct pp_inst in;
	struct pp_errbuf eb;
	int rc = 1;
	if (pp_inst_parse(b.data ? b.data : "", b.len, &in, &eb)) {
		fprintf(stderr, "powerpark solve: %s: %s\n", file, eb.msg);
		goto out;
	}
	struct pp_ans a;
	if (pp_solve(&in, pol, &a, &eb)) {
		fprintf(stderr, "powerpark solve: %s: %s\n", file, eb.msg);
		goto out;
	}
	char *js = pp_solve_json(&in, &a);
	if (js) {
		fputs(js, stdout);
		rc = 0;
	}
	free(js);
	pp_solve_free(&a);
out:
	pp_inst_free(&in);
	pp_buf_free(&b);
	return rc;
}
