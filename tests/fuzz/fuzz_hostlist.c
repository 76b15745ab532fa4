/* fuzz_hostlist.c - the site config's host-list expander (core/hostlist.c)
 * on any text: a refused list says why and where (a character inside the
 * text); every name taken is 1 to PP_HOST_MAX - 1 bytes of letters, digits,
 * '-', '_' and '.', and the names joined by commas expand to themselves. */
#include <stdlib.h>
#include <string.h>

#include "powerpark/hostlist.h"
#include "util.h"

#define FZ_MAX 4096

struct out {
	char *s;
	size_t len, cap, n;
};

static int join(void *ud, const char *name)
{
	struct out *o = ud;
	size_t k = strlen(name);
	if (!k || k >= PP_HOST_MAX || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						  "0123456789-_.") != k)
		abort();
	if (o->len + k + 2 > o->cap) {
		o->cap = 2 * (o->len + k + 2);
		o->s = realloc(o->s, o->cap);
	}
	if (o->len)
		o->s[o->len++] = ',';
	memcpy(o->s + o->len, name, k + 1);
	o->len += k;
	o->n++;
	return 0;
}

struct cmp {
	const struct out *first;
	size_t at;
};

static int again(void *ud, const char *name)
{
	struct cmp *c = ud;
	size_t k = strlen(name);
	if (strncmp(c->first->s + c->at, name, k) || (c->first->s[c->at + k] != ',' &&
						      c->first->s[c->at + k] != '\0'))
		abort(); /* joined names expanded to something else */
	c->at += k + 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	struct out o = {0};
	char err[256];
	long n = pp_hostlist_each(s, FZ_MAX, join, &o, err, sizeof err);
	if (n < 0) {
		const char *c = strstr(err, "character ");
		if (!c || (size_t)atol(c + 10) > strlen(s) + 1 || (size_t)atol(c + 10) < 1)
			abort(); /* no reason, or a place outside the text */
	} else {
		if ((size_t)n != o.n || n > FZ_MAX)
			abort();
		struct cmp cm = {&o, 0};
		char err2[256];
		if (n && pp_hostlist_each(o.s, FZ_MAX, again, &cm, err2, sizeof err2) != n)
			abort();
	}
	free(o.s);
	free(s);
	return 0;
}
