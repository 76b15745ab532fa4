/* hostlist.c - Slurm host lists expanded by hand (hostlist.h): the config
 * is below the Slurm adapter, so libslurm's own expander is not at hand,
 * and the syntax is small. test_hostlist checks it against libslurm's. */
#include "powerpark/hostlist.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define HL_MAX_DIGITS 9 /* a range bound's digits */

struct hl {
	const char *s;
	size_t max;
	long count;
	int (*fn)(void *ud, const char *name);
	void *ud;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct hl *h, size_t at, const char *fmt,
						       ...)
{
	char what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(h->err, h->errlen, "host list, character %zu: %s", at + 1, what);
	return -1;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* A range bound at *p: its value and digits. */
static int bound(struct hl *h, size_t *p, uint64_t *v, int *digits)
{
	size_t a = *p;
	*v = 0;
	while (h->s[*p] >= '0' && h->s[*p] <= '9') {
		if (*p - a == HL_MAX_DIGITS)
			return fail(h, *p, "a number of more than %d digits", HL_MAX_DIGITS);
		*v = *v * 10 + (uint64_t)(h->s[*p] - '0');
		(*p)++;
	}
	*digits = (int)(*p - a);
	return *digits ? 0 : fail(h, *p, "expected a number");
}

static int expand(struct hl *h, size_t p, size_t end, char *name, size_t len);

/* The bracket at s[p] ('['), closed at q: each of its numbers, then the rest. */
static int bracket(struct hl *h, size_t p, size_t q, size_t end, char *name, size_t len)
{
	size_t r = p + 1;
	for (;;) {
		uint64_t lo, hi;
		int w, wh;
		size_t at = r;
		if (bound(h, &r, &lo, &w))
			return -1;
		hi = lo;
		if (h->s[r] == '-') {
			r++;
			if (bound(h, &r, &hi, &wh))
				return -1;
			if (hi < lo)
				return fail(h, at, "a range that runs downwards");
		}
		if (h->s[r] != ',' && r != q)
			return fail(h, r, "expected ',', '-' or ']' in a bracket");
		if (hi - lo >= h->max)
			return fail(h, at, "more than %zu names", h->max);
		int pad = h->s[at] == '0' ? w : 0; /* "[001-010]": 001 .. 010 */
		for (uint64_t v = lo; v <= hi; v++) {
			char num[HL_MAX_DIGITS + 2];
			int k = snprintf(num, sizeof num, "%0*llu", pad, (unsigned long long)v);
			if (len + (size_t)k >= PP_HOST_MAX)
				return fail(h, at, "a name over %d bytes", PP_HOST_MAX - 1);
			memcpy(name + len, num, (size_t)k);
			if (expand(h, q + 1, end, name, len + (size_t)k))
				return -1;
		}
		if (r == q)
			return 0;
		r++; /* past ',' */
	}
}

/* The item s[p, end), with name[0, len) built so far. */
static int expand(struct hl *h, size_t p, size_t end, char *name, size_t len)
{
	while (p < end && h->s[p] != '[') {
		if (h->s[p] == ']')
			return fail(h, p, "']' without '['");
		if (!name_char(h->s[p]))
			return fail(h, p, "'%c' in a host name (letters, digits, '-', '_', '.')",
				    h->s[p]);
		if (len + 1 >= PP_HOST_MAX)
			return fail(h, p, "a name over %d bytes", PP_HOST_MAX - 1);
		name[len++] = h->s[p++];
	}
	if (p == end) {
		name[len] = '\0';
		if (!len)
			return fail(h, p, "an empty name");
		if ((size_t)h->count >= h->max)
			return fail(h, p, "more than %zu names", h->max);
		h->count++;
		if (h->fn(h->ud, name)) {
			if (!h->err[0])
				snprintf(h->err, h->errlen, "stopped");
			return -1;
		}
		return 0;
	}
	size_t q = p + 1;
	while (q < end && h->s[q] != ']') {
		if (h->s[q] == '[')
			return fail(h, q, "a bracket inside a bracket");
		q++;
	}
	if (q == end)
		return fail(h, p, "'[' without ']'");
	return bracket(h, p, q, end, name, len);
}

long pp_hostlist_each(const char *s, size_t max, int (*fn)(void *ud, const char *name), void *ud,
		      char *err, size_t errlen)
{
	struct hl h = {s, max < PP_HOSTLIST_MAX ? max : PP_HOSTLIST_MAX, 0, fn, ud, err, errlen};
	char name[PP_HOST_MAX];
	err[0] = '\0';
	size_t n = strlen(s), a = 0;
	if (!n) {
		fail(&h, 0, "empty");
		return -1;
	}
	for (size_t i = 0, depth = 0; i <= n; i++) {
		if (i < n && s[i] == '[')
			depth++;
		else if (i < n && s[i] == ']' && depth)
			depth--;
		if (i < n && (s[i] != ',' || depth))
			continue;
		if (i == a) {
			fail(&h, i, "an empty name");
			return -1;
		}
		if (expand(&h, a, i, name, 0))
			return -1;
		a = i + 1;
	}
	return h.count;
}
