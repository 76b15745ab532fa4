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

/* Where some of a running job's GPUs are. */
struct sync_place {
	const char *rack;          /* borrowed */
	int gpus;
};

/* A running job. */
struct sync_running {
	uint32_t id;
	const char *cls;           /* its job class's name (borrowed) */
	double weight;
	const struct sync_place *place; /* borrowed, nplace of them */
	size_t nplace;
};

/* A job powerpark holds, waiting to start. */
struct sync_pending {
	uint32_t id;
	int gpus;
};

/* The whole view of one sync; every array borrowed. Held jobs in submit
 * order. */
struct sync_req {
	char *const *racks;        /* the racks Slurm runs jobs on */
	size_t nracks;
	const struct sync_running *running;
	size_t nrunning;
	const struct sync_pending *pending;
	size_t npending;
};

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

/* Sends req (borrowed) to url with the bearer token (both borrowed) over
 * curl (borrowed), the reply's body into resp (borrowed). Returns the
 * HTTP status, or -1 without an answer. With 200 and a body that is JSON,
 * *ans holds its verdicts and *answered is 1; else *ans is empty and
 * *answered 0. */
long adapter_sync(CURL *curl, const char *url, const char *token, const struct sync_req *req,
		  struct pp_buf *resp, struct sync_ans *ans, int *answered);

/* Frees what adapter_sync put into ans; an empty ans is fine. */
void adapter_sync_free(struct sync_ans *ans);

#endif
