/* slurm_int.h - the adapter's view of Slurm (slurm_jobs.c, on libslurm),
 * kept apart from its loop (adapter.c). */
#ifndef PP_SLURM_INT_H
#define PP_SLURM_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "powerpark/err.h"

/* In a job's comment, the user's declaration comes before this, powerpark's
 * words after it (conf/slurm/job_submit.lua writes the first). */
#define PP_SLURM_SEP " | "
/* How powerpark's words begin once it has let a job go. */
#define PP_SLURM_STARTED "powerpark: started"
#define PP_SLURM_FAIL_OPEN "released (fail-open)"
#define PP_SLURM_ID_LEN 16 /* a Slurm job id (uint32) in decimal, with the NUL */

/* One Slurm job, pending or running, as the adapter needs it. */
struct slurm_job {
	uint32_t id;
	int running;           /* else pending */
	int pp_held;           /* pending, held by the job_submit plugin for powerpark and
				 * not let go by it since */
	time_t submit;
	char *comment;         /* owned; "" when none */
	char *partition;       /* owned; "" when none */
	int gpus;              /* pending: GPUs asked for in all; running: allocated */
	size_t nnodes;         /* running: its nodes, with their GPUs */
	char **node;           /* owned */
	int *node_gpus;
};

struct slurm_jobs {
	struct slurm_job *v;
	size_t n;
};

/* Loads the pending and running jobs. PP_ERR_IO with Slurm's reason. */
PP_WUR enum pp_err pp_sj_load(struct slurm_jobs *out, struct pp_errbuf *eb);
void pp_sj_free(struct slurm_jobs *j);

/* Loads the names of every node (taken: free each and the array). */
PP_WUR enum pp_err pp_sj_nodes(char ***names, size_t *n, struct pp_errbuf *eb);

/* Sets the job's comment (borrowed); with release, also lifts powerpark's
 * hold (the priority back to Slurm's). */
PP_WUR enum pp_err pp_sj_update(uint32_t id, const char *comment, int release,
				struct pp_errbuf *eb);

/* Expands a Slurm hostlist ("gpu[001-004],login") into names (taken). */
PP_WUR enum pp_err pp_sj_hostlist(const char *list, char ***names, size_t *n,
				  struct pp_errbuf *eb);

#endif
