/* router.c - one request through the route table (routes.c): the route by
 * path and method (404 and 405 with Allow otherwise; HEAD is GET without
 * the body, which the server leaves out), the bearer token's scope (401
 * without a known token, 403 without the scope), the handler, the counts.
 * Every error is a JSON body {"error": "..."}. server.c runs the first two
 * on a request's headers, so a refused request's body is never read. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api_int.h"

/* The credentials after an auth scheme (RFC 9110 11.4: the scheme without
 * regard to case, then one or more spaces), or NULL when h has another. */
static const char *after_scheme(const char *h, const char *scheme)
{
	size_t n = strlen(scheme);
	if (strncasecmp(h, scheme, n) || h[n] != ' ')
		return NULL;
	for (h += n; *h == ' '; h++)
		;
	return h;
}

/* Tokens are compared in full, in time independent of where they differ. */
int api_scopes(const struct pp_api *a, const struct api_req *rq)
{
	const char *h = api_header(rq, "Authorization");
	if (!h)
		return -1;
	/* Bearer, or Token as InfluxDB clients send it. */
	const char *cred = after_scheme(h, "Bearer");
	if (!cred)
		cred = after_scheme(h, "Token");
	if (!cred)
		return -1;
	size_t hl = strlen(cred);
	int found = -1;
	for (size_t i = 0; i < a->conf->ntokens; i++) {
		const char *t = a->conf->tokens[i].token;
		size_t tl = strlen(t);
		unsigned diff = (unsigned)(tl ^ hl);
		for (size_t k = 0; k < tl; k++)
			diff |= (unsigned)(unsigned char)t[k] ^
				(unsigned)(unsigned char)(k < hl ? cred[k] : 0);
		if (!diff)
			found = (int)a->conf->tokens[i].scopes;
	}
	return found;
}

int api_denied(int s, unsigned need, struct api_resp *rs)
{
	if (!need)
		return 0;
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

/* Whether a route of method m serves a request of method rm. */
static int serves(const char *m, const char *rm)
{
	return !strcmp(m, rm) || (!strcmp(m, "GET") && !strcmp(rm, "HEAD"));
}

const struct api_route *api_route(const struct api_req *rq, struct api_resp *rs)
{
	char allow[API_ALLOW_MAX] = "";
	for (size_t i = 0; i < api_nroutes; i++) {
		if (strcmp(api_routes[i].path, rq->path))
			continue;
		if (serves(api_routes[i].method, rq->method))
			return &api_routes[i];
		const char *m = api_routes[i].method;
		size_t n = strlen(allow);
		snprintf(allow + n, sizeof allow - n, "%s%s%s", n ? ", " : "", m,
			 !strcmp(m, "GET") ? ", HEAD" : "");
	}
	if (!allow[0]) {
		api_fail(rs, 404, "no such endpoint");
	} else {
		api_fail(rs, 405, "method not allowed here");
		memcpy(rs->allow, allow, sizeof allow);
	}
	return NULL;
}

void api_count(struct pp_api *a, const struct api_resp *rs)
{
	atomic_fetch_add(&a->requests, 1);
	if (rs->status >= 400)
		atomic_fetch_add(&a->rejected, 1);
}

void api_dispatch(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	memset(rs, 0, sizeof *rs);
	pp_buf_init(&rs->body);
	const struct api_route *hit = api_route(rq, rs);
	if (hit && !api_denied(hit->scope ? api_scopes(a, rq) : -1, hit->scope, rs) &&
	    (!hit->leader || api_leader_check(a, rq, rs)))
		hit->fn(a, rq, rs);
	api_count(a, rs);
}
