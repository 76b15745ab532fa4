/* req.c - what every handler uses of a request and a response: its query
 * arguments and headers, the error answer, the server's clock. The bottom
 * of optimizer/api/: it calls no other file of the room. */
#include <string.h>
#include <strings.h>

#include "api_int.h"
#include "powerpark/clock.h"

int64_t api_now(const struct pp_api *a)
{
	return a->clock ? a->clock(a->clock_ud) : pp_clock_wall_ns();
}

static const char *lookup(const struct api_kv *kv, size_t n, const char *k)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(kv[i].k, k))
			return kv[i].v;
	return NULL;
}

const char *api_query(const struct api_req *rq, const char *k)
{
	return rq->lookup ? rq->lookup(rq->lookup_ctx, API_QUERY, k)
			  : lookup(rq->query, rq->nquery, k);
}

const char *api_header(const struct api_req *rq, const char *k)
{
	return rq->lookup ? rq->lookup(rq->lookup_ctx, API_HEADER, k)
			  : lookup(rq->headers, rq->nheaders, k);
}

int api_body_take(struct pp_api *a, size_t n)
{
	size_t cur = atomic_load(&a->guard.body_bytes);
	do {
		if (n > a->guard.body_budget || cur > a->guard.body_budget - n)
			return 0;
	} while (!atomic_compare_exchange_weak(&a->guard.body_bytes, &cur, cur + n));
	return 1;
}

void api_body_give(struct pp_api *a, size_t n)
{
	atomic_fetch_sub(&a->guard.body_bytes, n);
}

void api_resp_free(struct api_resp *rs)
{
	pp_buf_free(&rs->body);
}

void api_fail(struct api_resp *rs, unsigned status, const char *msg)
{
	pp_buf_reset(&rs->body);
	rs->fixed = NULL;
	rs->allow[0] = '\0';
	rs->location[0] = '\0';
	rs->status = status;
	rs->ctype = "application/json";
	if (api_json_error(&rs->body, msg)) {
		/* Out of memory for the message itself: a bare status. */
		pp_buf_free(&rs->body);
		rs->status = 500;
	}
}
