/* slurm_jobs.c - what the adapter reads from and writes to slurmctld,
 * through libslurm (Debian's libslurm-dev). Every call goes to the
 * controller named by slurm.conf ($SLURM_CONF). */
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/buf.h"
#include "powerpark/slurm.h"
#include "slurm_int.h"

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

void pp_sj_free(struct slurm_jobs *j)
{
	for (size_t i = 0; i < j->n; i++) {
		struct slurm_job *s = &j->v[i];
		free(s->comment);
		free(s->partition);
		for (size_t k = 0; k < s->nnodes; k++)
			free(s->node[k]);
		free(s->node);
		free(s->node_gpus);
	}
	free(j->v);
	j->v = NULL;
	j->n = 0;
}

enum pp_err pp_sj_hostlist(const char *list, char ***names, size_t *n, struct pp_errbuf *eb)
{
	*names = NULL;
	*n = 0;
	hostlist_t hl = slurm_hostlist_create(list);
	if (!hl)
		return pp_err_set(eb, PP_ERR_ARG, "'%s' is not a Slurm host list", list);
	size_t cap = 0;
	char *h;
	enum pp_err e = PP_OK;
	while ((h = slurm_hostlist_shift(hl))) {
		if (pp_buf_array_grow(names, &cap, *n + 1, sizeof **names) ||
		    !((*names)[*n] = strdup(h))) {
			free(h);
			e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
			break;
		}
		(*n)++;
		free(h);
	}
	slurm_hostlist_destroy(hl);
	return e;
}

/* GPUs a job asks for, per node: its per-node request, else its whole-job
 * request (or what it was allocated) shared over its nodes. Slurm's
 * per-node GRES details would need SHOW_DETAIL, whose reply libslurm 22.05
 * does not wholly free (24 bytes a call, measured with ASan), too much for
 * a daemon that asks every second. */
static int gpus_per_node(const slurm_job_info_t *ji, uint32_t nodes)
{
	int g = pp_slurm_gpus(ji->tres_per_node);
	if (g > 0)
		return g;
	g = pp_slurm_gpus(ji->tres_per_job);
	if (g <= 0 && ji->tres_alloc_str) {
		const char *t = strstr(ji->tres_alloc_str, "gres/gpu=");
		g = t ? atoi(t + 9) : 0;
	}
	return nodes ? (g + (int)nodes - 1) / (int)nodes : g;
}

/* A running job's nodes, each with its share of the GPUs. */
static enum pp_err running_nodes(const slurm_job_info_t *ji, struct slurm_job *s,
				 struct pp_errbuf *eb)
{
	enum pp_err e = pp_sj_hostlist(ji->nodes ? ji->nodes : "", &s->node, &s->nnodes, eb);
	if (e)
		return e;
	s->node_gpus = calloc(s->nnodes + 1, sizeof *s->node_gpus);
	if (!s->node_gpus)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	int per = gpus_per_node(ji, (uint32_t)s->nnodes);
	for (size_t k = 0; k < s->nnodes; k++) {
		s->node_gpus[k] = per;
		s->gpus += per;
	}
	return PP_OK;
}

enum pp_err pp_sj_load(struct slurm_jobs *out, struct pp_errbuf *eb)
{
	job_info_msg_t *m = NULL;
	out->v = NULL;
	out->n = 0;
	if (slurm_load_jobs(0, &m, SHOW_ALL))
		return pp_err_set(eb, PP_ERR_IO, "slurm_load_jobs: %s",
			       slurm_strerror(slurm_get_errno()));
	enum pp_err e = PP_OK;
	out->v = calloc(m->record_count + 1, sizeof *out->v);
	if (!out->v) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < m->record_count && !e; i++) {
		const slurm_job_info_t *ji = &m->job_array[i];
		uint32_t st = ji->job_state & JOB_STATE_BASE;
		if (st != JOB_PENDING && st != JOB_RUNNING)
			continue;
		struct slurm_job *s = &out->v[out->n++];
		s->id = ji->job_id;
		s->running = st == JOB_RUNNING;
		s->submit = ji->submit_time;
		s->comment = dup0(ji->comment);
		s->partition = dup0(ji->partition);
		if (!s->comment || !s->partition) {
			e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
			break;
		}
		if (s->running) {
			e = running_nodes(ji, s, eb);
		} else {
			uint32_t nodes = ji->num_nodes ? ji->num_nodes : 1;
			s->gpus = gpus_per_node(ji, nodes) * (int)nodes;
			const char *pp = strstr(s->comment, PP_SLURM_SEP "powerpark");
			s->pp_held = ji->priority == 0 && pp && !strstr(pp, PP_SLURM_STARTED) &&
				     !strstr(pp, PP_SLURM_FAIL_OPEN);
		}
	}
done:
	slurm_free_job_info_msg(m);
	if (e)
		pp_sj_free(out);
	return e;
}

enum pp_err pp_sj_nodes(char ***names, size_t *n, struct pp_errbuf *eb)
{
	node_info_msg_t *m = NULL;
	*names = NULL;
	*n = 0;
	if (slurm_load_node(0, &m, SHOW_ALL))
		return pp_err_set(eb, PP_ERR_IO, "slurm_load_node: %s",
			       slurm_strerror(slurm_get_errno()));
	enum pp_err e = PP_OK;
	*names = calloc(m->record_count + 1, sizeof **names);
	if (!*names)
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (uint32_t i = 0; i < m->record_count && !e; i++) {
		if (!m->node_array[i].name)
			continue;
		if (!((*names)[*n] = strdup(m->node_array[i].name)))
			e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		else
			(*n)++;
	}
	slurm_free_node_info_msg(m);
	return e;
}

enum pp_err pp_sj_update(uint32_t id, const char *comment, int release, struct pp_errbuf *eb)
{
	job_desc_msg_t d;
	slurm_init_job_desc_msg(&d);
	d.job_id = id;
	d.comment = (char *)comment;
	if (release) {
		/* What `scontrol release` sends: the priority back to Slurm's. */
		d.priority = INFINITE;
	}
	if (slurm_update_job(&d))
		return pp_err_set(eb, PP_ERR_IO, "job %u: %s", id, slurm_strerror(slurm_get_errno()));
	return PP_OK;
}
