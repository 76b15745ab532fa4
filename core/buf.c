/* buf.c - growable byte buffer. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/buf.h"

void pp_buf_init(struct pp_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void pp_buf_free(struct pp_buf *b)
{
	free(b->data);
	pp_buf_init(b);
}

void pp_buf_reset(struct pp_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

enum pp_err pp_buf_reserve(struct pp_buf *b, size_t more)
{
	if (more > SIZE_MAX / 2 - b->len)
		return PP_ERR_NOMEM;
	size_t need = b->len + more + 1;
	if (need <= b->cap)
		return PP_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return PP_ERR_NOMEM;
	b->data = p;
	b->cap = cap;
	return PP_OK;
}

enum pp_err pp_buf_append(struct pp_buf *b, const void *p, size_t n)
{
	enum pp_err e = pp_buf_reserve(b, n);
	if (e)
		return e;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return PP_OK;
}

enum pp_err pp_buf_appendf(struct pp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PP_ERR_ARG;
	enum pp_err e = pp_buf_reserve(b, (size_t)n);
	if (e)
		return e;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PP_OK;
}

char *pp_buf_steal(struct pp_buf *b, size_t *len)
{
	char *p = b->data;
	if (len)
		*len = b->len;
	pp_buf_init(b);
	return p;
}

enum pp_err pp_buf_array_grow(void *arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return PP_OK;
	size_t nc = *cap ? *cap : 16;
	while (nc < need)
		nc *= 2;
	void **p = arr;
	void *n = realloc(*p, nc * size);
	if (!n)
		return PP_ERR_NOMEM;
	*p = n;
	*cap = nc;
	return PP_OK;
}
