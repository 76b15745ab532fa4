/* httpc.c - see httpc.h. */
#include <curl/curl.h>
#include <stdio.h>

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
