/* test_slurm.c - what the Slurm adapter reads from jobs: GPU counts in
 * Slurm's GRES strings and the pp: declaration in a comment. */
#include <math.h>
#include <string.h>

#include "powerpark/config.h"
#include "powerpark/gpu.h"
#include "powerpark/slurm.h"
#include "pp_test.h"

static void gres_counts(void)
{
	static const struct {
		const char *s;
		int n;
	} c[] = {{"gres:gpu:4", 4},
		 {"gres/gpu:8", 8},
		 {"gres/gpu=2", 2},
		 {"gres:gpu:h100:2", 2},
		 {"gres:gpu:a100:2,gres:nic:1", 2},
		 {"gres:nic:1,gres:gpu:3", 3},
		 {"gpu:4(IDX:0-3)", 4},
		 {"gpu(IDX:0,2-3)", 3},
		 {"gpu:h100(IDX:1,5)", 2},
		 {"gres:gpu", 1},
		 {"gres:gpu:h100", 1},
		 {"gres:mps:100", 0},
		 {"gres:gpuX:4", 0},
		 {"gres:nic:2", 0},
		 {"", 0}};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++)
		PT_CHECK(pp_slurm_gpus(c[i].s) == c[i].n, "%s: %d GPUs, want %d", c[i].s,
			 pp_slurm_gpus(c[i].s), c[i].n);
	PT_CHECK(pp_slurm_gpus(NULL) == 0, "NULL: no GPUs");
}

static void declarations(void)
{
	struct pp_slurm_decl d;
	pp_slurm_decl_parse("pp:defer pp:class=batch pp:weight=2.5", NULL, &d);
	PT_CHECK(d.deferrable && d.cls == PP_JOB_BATCH && fabs(d.weight - 2.5) < 1e-12 && !d.bad[0],
		 "all three tokens read (defer %d class %d weight %g bad '%s')", d.deferrable,
		 d.cls, d.weight, d.bad);
	pp_slurm_decl_parse("nightly eval pp:defer | powerpark holds it: pp:class=inference",
			    "inference", &d);
	PT_CHECK(d.deferrable && d.cls == PP_JOB_INFERENCE,
		 "the user's words are skipped; the partition gives the class");
	pp_slurm_decl_parse("x | pp:defer pp:class=batch", NULL, &d);
	PT_CHECK(!d.deferrable && d.cls == PP_JOB_TRAINING && d.weight == 1,
		 "powerpark's part after ' | ' declares nothing");
	pp_slurm_decl_parse(NULL, NULL, &d);
	PT_CHECK(!d.deferrable && d.cls == PP_JOB_TRAINING && d.weight == 1, "no comment: defaults");
	pp_slurm_decl_parse("pp:weight=2x pp:class=gaming", "batch", &d);
	PT_CHECK(d.weight == 1 && d.cls == PP_JOB_BATCH && !strcmp(d.bad, "pp:weight=2x"),
		 "bad tokens keep the defaults and the first is named ('%s')", d.bad);
	pp_slurm_decl_parse("pp:weight=0", NULL, &d);
	PT_CHECK(d.weight == 1 && !strcmp(d.bad, "pp:weight=0"), "a weight of 0 is refused");
	pp_slurm_decl_parse("pp:deferred", NULL, &d);
	PT_CHECK(!d.deferrable && !strcmp(d.bad, "pp:deferred"), "only pp:defer defers");
	/* A job's own curve (issue 24, item 5). */
	pp_slurm_decl_parse("pp:class=inference pp:curve=0.3:0.9,0.6:0.98,1:1", NULL, &d);
	PT_CHECK(d.ncurve == 3 && d.curve[0][0] == 0.3 && d.curve[1][1] == 0.98 &&
		 d.curve[2][0] == 1 && !d.bad[0], "three points read (%zu, bad '%s')", d.ncurve,
		 d.bad);
	pp_slurm_decl_parse("pp:curve=0.3:0.5,0.6:0.6,1:1", NULL, &d);
	PT_CHECK(d.ncurve == 0 && strstr(d.bad, "not concave"), "a rising slope: '%s'", d.bad);
	pp_slurm_decl_parse("pp:curve=0.5:1,0.4:1", NULL, &d);
	PT_CHECK(d.ncurve == 0 && strstr(d.bad, "must rise"), "fractions falling: '%s'", d.bad);
	pp_slurm_decl_parse("pp:curve=0.5,1", NULL, &d);
	PT_CHECK(d.ncurve == 0 && strstr(d.bad, "X:Y pairs"), "not pairs: '%s'", d.bad);
}

int main(void)
{
	PT_RUN(gres_counts);
	PT_RUN(declarations);
	return PT_DONE("test_slurm");
}
