/* httpc.h - one blocking HTTP exchange with powerpark's API (libcurl), as
 * the node agent and the scheduler adapter make them. */
#ifndef PP_HTTPC_H
#define PP_HTTPC_H

#include <stddef.h>

#include "powerpark/buf.h"

/* GET url (borrowed), or POST body (borrowed, len bytes) when body is not
 * NULL, on the easy handle curl (a CURL *, borrowed; reset first), with
 * "Authorization: Bearer token" when token is not NULL, within timeout_ms.
 * The response body replaces resp's content (borrowed). Returns the HTTP
 * status, or -1 when no answer came (refused, timed out). */
long pp_httpc_call(void *curl, const char *url, const char *token, const char *body, size_t len,
		  long timeout_ms, struct pp_buf *resp);

/* The replicas of one service, of which one serves (docs/ha.md): the URLs
 * given, the one asked first, and the leader a replica redirected to.
 * Small value type: pp_httpc_group_init fills it, nothing to free. */
#define PP_HTTPC_URLS 8
#define PP_HTTPC_URL_MAX 256
struct pp_httpc_group {
	char url[PP_HTTPC_URLS][PP_HTTPC_URL_MAX];
	int n, cur;
	char leader[PP_HTTPC_URL_MAX]; /* "" none */
};

/* Reads list (borrowed): 1 to PP_HTTPC_URLS base URLs, comma-separated
 * ("http://a:8080,http://b:8080"; a trailing slash is dropped). 0, or -1
 * when there is none, too many or one too long. */
int pp_httpc_group_init(struct pp_httpc_group *g, const char *list);

/* The base URL asked now (borrowed from g): a leader named by a redirect,
 * else the list's current one. */
const char *pp_httpc_group_base(const struct pp_httpc_group *g);

/* Gives up on the base: the list's current one after a leader, else the
 * list's next. */
void pp_httpc_group_next(struct pp_httpc_group *g);

/* pp_httpc_call of path (borrowed: "/v1/caps?node=r1") on the group: at the
 * base; a 307 names the leader (the origin of its Location), asked at once;
 * no answer, or a 503 or 307 that leads nowhere new, moves to the next; at
 * most one round of the list. Returns the last status (-1: none answered);
 * g then holds where the answer came from (or where to start next time). */
long pp_httpc_group_call(struct pp_httpc_group *g, void *curl, const char *path, const char *token,
			 const char *body, size_t len, long timeout_ms, struct pp_buf *resp);

#endif
