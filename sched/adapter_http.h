/* adapter_http.h - the adapter's one exchange with powerpark, in C structs:
 * POST /v1/scheduler/sync with the cluster's view, and powerpark's verdict
 * on each held job. adapter_http.c turns them into JSON and the answer back;
 * the rest of sched never sees JSON. */
#ifndef PP_ADAPTER_HTTP_H
#define PP_ADAPTER_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "powerpark/buf.h"
#include "powerpark/httpc.h"
#include "powerpark/ctl.h"

/* The request is the controller's own struct pp_ctl_sync_req (ctl.h): the
 * API reads the same shape on its side, so the wire has one schema. Job ids
 * are the Slurm ids written in decimal. */

/* powerpark's word on one held job, as it came: each part may be missing. */
struct sync_verdict {
	uint32_t id;               /* 0 when the answer gives none */
	char *decision;            /* "start" or another word; NULL when none */
	char *reason;              /* why it waits; NULL when none */
};

/* The answer: the verdicts in the order powerpark gave them (owned;
 * adapter_sync_free). */
struct sync_ans {
	struct sync_verdict *v;
	size_t n;
};

/* Sends req (borrowed) to POST /v1/scheduler/sync of the optimizer's
 * replicas g (borrowed, updated: the leader they name, docs/ha.md) with
 * the bearer token (borrowed) over curl (borrowed), the reply's body into
 * resp (borrowed). Returns the HTTP status, or -1 without an answer. With
 * 200 and a body that is JSON, *ans holds its verdicts and *answered is 1;
 * else *ans is empty and *answered 0. */
long adapter_sync(CURL *curl, struct pp_httpc_group *g, const char *token,
		  const struct pp_ctl_sync_req *req, struct pp_buf *resp, struct sync_ans *ans,
		  int *answered);

/* Frees what adapter_sync put into ans; an empty ans is fine. */
void adapter_sync_free(struct sync_ans *ans);

#endif
