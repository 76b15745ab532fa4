/* slurm.h - `powerpark slurm`: the adapter that makes a Slurm cluster run
 * what fits under powerpark's limits (docs/slurm.md). Slurm's job_submit
 * plugin (conf/slurm/job_submit.lua) holds jobs that declare themselves
 * deferrable; the adapter tells powerpark which jobs run where, releases
 * held jobs when powerpark says they fit, and writes why the others wait
 * into their comment, where squeue shows it. */
#ifndef PP_SLURM_H
#define PP_SLURM_H

#include <signal.h>

#include "powerpark/ctl.h"
#include "powerpark/err.h"

struct pp_slurm_opts {
	const char *url;       /* the optimizer, http://HOST:PORT; a group's replicas
				* comma-separated (docs/ha.md) */
	const char *token;     /* bearer token with the write scope */
	const char *map;       /* file of "NODES RACK" lines (NODES a Slurm hostlist);
				* NULL: each node is the rack of its name */
	int interval_ms;       /* between two looks at Slurm; 1000 by default */
	int dwell_s;           /* a held job starts once powerpark has said start for
				* this long; 30 by default, 0 at once */
	int fail_open;         /* powerpark unreachable for fail_after_s: release the
				* held jobs (1) or keep holding them (0, the default) */
	int fail_after_s;      /* 30 by default */
	int once;              /* one look, then exit */
};

#define PP_SLURM_MAX_TOKEN 128 /* a declaration's word, as read and as named back */

/* What a job declares in its comment, before any " | " (what powerpark
 * writes after it): "pp:defer" (may wait for power), "pp:class=C"
 * (training, inference or batch), "pp:weight=W" (priority, > 0). */
struct pp_slurm_decl {
	int deferrable;
	int cls;               /* enum pp_job_class */
	double weight;
	char bad[PP_SLURM_MAX_TOKEN]; /* the first token not understood, "" when none */
	/* pp:curve=X:Y,X:Y...: the job's own curve (pp_ctl_run_job's) */
	double curve[PP_CTL_CURVE_MAX][2];
	size_t ncurve;
};

/* Reads the declaration of comment (borrowed; NULL is none). Without a
 * class, a partition (borrowed; may be NULL) named like a class gives it,
 * else training; the weight is 1 by default. */
void pp_slurm_decl_parse(const char *comment, const char *partition, struct pp_slurm_decl *d);

/* GPUs per node in a Slurm GRES string (borrowed): "gpu:4(IDX:0-3)",
 * "gpu(IDX:0,2-3)", "gres:gpu:4", "gres/gpu:h100:4", "gres:gpu:a100:2,gres:nic:1";
 * 0 when it names no GPU. */
int pp_slurm_gpus(const char *gres);

/* Runs the adapter until *stop is set (or once). Returns PP_OK, or the
 * error that kept it from starting (bad options, an unreadable map, no
 * Slurm controller). */
PP_WUR enum pp_err pp_slurm_run(const struct pp_slurm_opts *o, volatile sig_atomic_t *stop,
				struct pp_errbuf *eb);

#endif
