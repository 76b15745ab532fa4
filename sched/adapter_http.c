/* adapter_http.c - the Slurm adapter's HTTP client of powerpark's API
 * (see adapter_http.h): the sync request written with jansson's encoder,
 * the answer read with jansson into plain structs. The one file of sched
 * that speaks JSON. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter_http.h"
#include "powerpark/httpc.h"

#define PP_SYNC_TIMEOUT_MS 2000 /* one sync: powerpark answers from memory */

/* The request body: the racks, the running jobs with their placement, the
 * held jobs; job ids as strings (the API's ids are names). */
static char *sync_body(const struct pp_ctl_sync_req *req)
{
	json_t *root = json_object(), *racks = json_array(), *run = json_array();
	json_t *pend = json_array();
	json_object_set_new(root, "racks", racks);
	json_object_set_new(root, "running", run);
	json_object_set_new(root, "pending", pend);
	for (size_t i = 0; i < req->nracks; i++)
		json_array_append_new(racks, json_string(req->racks[i]));
	for (size_t i = 0; i < req->nrunning; i++) {
		const struct pp_ctl_run_job *r = &req->running[i];
		json_t *pl = json_array();
		for (size_t k = 0; k < r->nplace; k++)
			json_array_append_new(pl, json_pack("{s:s, s:i}", "rack", r->place[k].rack,
							    "gpus", r->place[k].gpus));
		json_t *job = json_pack("{s:s, s:s, s:f, s:o}", "id", r->id, "class",
					pp_config_job_class_name(r->cls), "weight", r->weight,
					"placement", pl);
		if (r->ncurve) {
			json_t *cv = json_array();
			for (size_t k = 0; k < r->ncurve; k++)
				json_array_append_new(cv, json_pack("[f, f]", r->curve[k][0],
								    r->curve[k][1]));
			json_object_set_new(job, "curve", cv);
		}
		json_array_append_new(run, job);
	}
	for (size_t i = 0; i < req->npending; i++) {
		json_array_append_new(pend, json_pack("{s:s, s:i}", "id", req->pending[i].id, "gpus",
						      req->pending[i].gpus));
	}
	char *txt = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return txt;
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

/* The verdicts of the answer's "pending" array, in its order. */
static int read_answer(json_t *root, struct sync_ans *ans)
{
	json_t *pend = json_object_get(root, "pending"), *v;
	size_t n = json_array_size(pend), i;
	if (!n)
		return 0;
	ans->v = calloc(n, sizeof *ans->v);
	if (!ans->v)
		return -1;
	json_array_foreach(pend, i, v) {
		struct sync_verdict *d = &ans->v[ans->n++];
		const char *sid = json_string_value(json_object_get(v, "id"));
		d->id = sid ? (uint32_t)strtoul(sid, NULL, 10) : 0;
		d->decision = dup_str(v, "decision");
		d->reason = dup_str(v, "reason");
	}
	return 0;
}

long adapter_sync(CURL *curl, struct pp_httpc_group *g, const char *token,
		  const struct pp_ctl_sync_req *req, struct pp_buf *resp, struct sync_ans *ans,
		  int *answered)
{
	memset(ans, 0, sizeof *ans);
	*answered = 0;
	char *body = sync_body(req);
	long code = body ? pp_httpc_group_call(g, curl, "/v1/scheduler/sync", token, body,
					       strlen(body), PP_SYNC_TIMEOUT_MS, resp)
			 : -1;
	free(body);
	if (code != 200)
		return code;
	json_t *root = json_loadb(resp->data ? resp->data : "", resp->len, 0, NULL);
	if (!root)
		return code;
	if (read_answer(root, ans))
		adapter_sync_free(ans);
	else
		*answered = 1;
	json_decref(root);
	return code;
}

void adapter_sync_free(struct sync_ans *ans)
{
	for (size_t i = 0; i < ans->n; i++) {
		free(ans->v[i].decision);
		free(ans->v[i].reason);
	}
	free(ans->v);
	ans->v = NULL;
	ans->n = 0;
}
