/* httpc.c - see httpc.h. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "powerpark/httpc.h"

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
	return pp_buf_append(ud, p, sz * n) ? 0 : sz * n;
}

long pp_httpc_call(void *curl, const char *url, const char *token, const char *body, size_t len,
		  long timeout_ms, struct pp_buf *resp)
{
	char auth[300];
	struct curl_slist *h = NULL;
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h = curl_slist_append(NULL, auth);
	}
	resp->len = 0;
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	long code = -1;
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	return code;
}

int pp_httpc_group_init(struct pp_httpc_group *g, const char *list)
{
	memset(g, 0, sizeof *g);
	for (const char *p = list ? list : ""; *p;) {
		size_t n = strcspn(p, ",");
		if (n && (g->n == PP_HTTPC_URLS || n >= PP_HTTPC_URL_MAX))
			return -1;
		if (n) {
			memcpy(g->url[g->n], p, n);
			g->url[g->n][n] = 0;
			while (n > 1 && g->url[g->n][n - 1] == '/') /* it would double in paths */
				g->url[g->n][--n] = 0;
			g->n++;
		}
		p += n + (p[n] == ',');
	}
	return g->n ? 0 : -1;
}

const char *pp_httpc_group_base(const struct pp_httpc_group *g)
{
	return g->leader[0] ? g->leader : g->url[g->cur];
}

void pp_httpc_group_next(struct pp_httpc_group *g)
{
	if (g->leader[0])
		g->leader[0] = 0;
	else if (g->n)
		g->cur = (g->cur + 1) % g->n;
}

/* The origin (scheme://host:port) of url into out; -1 when it has none. */
static int origin(const char *url, char *out)
{
	const char *s = url ? strstr(url, "://") : NULL;
	if (!s)
		return -1;
	size_t n = (size_t)(s + 3 - url) + strcspn(s + 3, "/?#");
	if (n >= PP_HTTPC_URL_MAX)
		return -1;
	memcpy(out, url, n);
	out[n] = 0;
	return 0;
}

long pp_httpc_group_call(struct pp_httpc_group *g, void *curl, const char *path, const char *token,
			 const char *body, size_t len, long timeout_ms, struct pp_buf *resp)
{
	long code = -1;
	for (int t = 0; t <= g->n; t++) {
		char url[PP_HTTPC_URL_MAX + 1024];
		snprintf(url, sizeof url, "%s%s", pp_httpc_group_base(g), path);
		code = pp_httpc_call(curl, url, token, body, len, timeout_ms, resp);
		if (code >= 200 && code < 300)
			break;
		char *to = NULL, lead[PP_HTTPC_URL_MAX];
		if (code == 307 && curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &to) == CURLE_OK &&
		    !origin(to, lead) && strcmp(lead, pp_httpc_group_base(g))) {
			memcpy(g->leader, lead, strlen(lead) + 1); /* a follower named the leader */
			continue;
		}
		if (code >= 0 && code != 307 && code != 503)
			break; /* an answer of its own (401, 404, ...): not a replica's matter */
		pp_httpc_group_next(g);
	}
	/* A leader named in a round that failed is no hint for the next. */
	if (!(code >= 200 && code < 300))
		g->leader[0] = 0;
	return code;
}
