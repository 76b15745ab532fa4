/* cmd_solve.c - `powerpark solve FILE.json|-`: one instance in, one answer out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "powerpark/buf.h"
#include "powerpark/inst.h"
#include "powerpark/solve.h"

/* Bytes read at a time. */
#define PP_CMD_READ_CHUNK 65536

/* The policies an instance is solved under ("optimizer" or "optimal"). */
static int policy(void *dst, const char *v)
{
	int k = pp_config_policy(v);
	if (k < 0 || k == PP_POLICY_GRID_PROPORTIONAL)
		return -1;
	*(enum pp_policy *)dst = (enum pp_policy)k;
	return 0;
}

static int read_all(const char *path, struct pp_buf *b)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return -1;
	char chunk[PP_CMD_READ_CHUNK];
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
	static const char about[] = /* --help, after the synopsis */
		"Reads one optimizer instance (docs/optimizer.md) and prints the answer: a\n"
		"cap and run/defer/pause for every job, the power and price of every\n"
		"node, plant and the grid. Exits 1 on bad input, naming the element.\n";
	const char *file = NULL;
	enum pp_policy pol = PP_POLICY_OPTIMAL;
	const struct pp_opt opts[] = {
		PP_STR("FILE.json|-", &file, NULL, "the instance (docs/optimizer.md); - is stdin",
		       .flags = PP_OPT_REQUIRED),
		PP_CALL("--policy", &pol, policy, "optimal, proportional, static, uniform or priority",
			"optimal|proportional|static|uniform|priority",
			"how caps are chosen (default optimal)"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"solve", about, opts};
	int prc = pp_opts_parse(argc, argv, &cmd);
	if (prc >= 0)
		return prc;
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
