/* router.c - one request through the route table (routes.c): the route by
 * path and method (404 and 405 otherwise), the bearer token's scope (401
 * without a known token, 403 without the scope), the handler, the counts.
 * Every error is a JSON body {"error": "..."}. */
#include <string.h>

#include "api_int.h"

/* The token's scopes, or -1 when there is none or it is unknown. Tokens
 * are compared in full, in time independent of where they differ. */
static int scopes_of(const struct pp_api *a, const struct api_req *rq)
{
	const char *h = api_header(rq, "Authorization");
	/* Bearer, or Token as InfluxDB clients send it. */
	if (!h || (strncmp(h, "Bearer ", 7) && strncmp(h, "Token ", 6)))
		return -1;
	h += h[0] == 'T' ? 6 : 7;
	size_t hl = strlen(h);
	int found = -1;
	for (size_t i = 0; i < a->conf->ntokens; i++) {
		const char *t = a->conf->tokens[i].token;
		size_t tl = strlen(t);
		unsigned diff = (unsigned)(tl ^ hl);
		for (size_t k = 0; k < tl; k++)
			diff |= (unsigned)(unsigned char)t[k] ^ (unsigned)(unsigned char)(k < hl ? h[k] : 0);
		if (!diff)
			found = (int)a->conf->tokens[i].scopes;
	}
	return found;
}

/* 0 when the request may go on; else rs holds the refusal. */
static int denied(const struct pp_api *a, const struct api_req *rq, unsigned need,
		  struct api_resp *rs)
{
	if (!need)
		return 0;
	int s = scopes_of(a, rq);
	if (s < 0) {
		api_fail(rs, 401, "a bearer token is required (Authorization: Bearer TOKEN)");
		return 1;
	}
	if (!((unsigned)s & (need | PP_SCOPE_ADMIN))) {
		api_fail(rs, 403, "the token lacks the scope for this request");
		return 1;
	}
	return 0;
}

void api_dispatch(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	memset(rs, 0, sizeof *rs);
	pp_buf_init(&rs->body);
	const struct api_route *hit = NULL;
	int path_known = 0;
	for (size_t i = 0; i < api_nroutes && !hit; i++) {
		if (strcmp(api_routes[i].path, rq->path))
			continue;
		path_known = 1;
		if (!strcmp(api_routes[i].method, rq->method))
			hit = &api_routes[i];
	}
	if (!hit)
		api_fail(rs, path_known ? 405 : 404,
			 path_known ? "method not allowed here" : "no such endpoint");
	else if (!denied(a, rq, hit->scope, rs))
		hit->fn(a, rq, rs);
	atomic_fetch_add(&a->requests, 1);
	if (rs->status >= 400)
		atomic_fetch_add(&a->rejected, 1);
}
