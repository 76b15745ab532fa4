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

#endif
