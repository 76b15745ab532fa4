/* diag.c - see diag.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/diag.h"

void pp_diag_init(struct pp_diags *d)
{
	d->lines = NULL;
	d->n = d->cap = 0;
}

void pp_diag_free(struct pp_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	pp_diag_init(d);
}

void pp_diag_add(struct pp_diags *d, const char *line)
{
	if (!d)
		return;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		char **nl = realloc(d->lines, nc * sizeof *nl);
		if (!nl)
			return;
		d->lines = nl;
		d->cap = nc;
	}
	char *c = strdup(line);
	if (c)
		d->lines[d->n++] = c;
}

void pp_diag_vat(struct pp_diags *d, struct pp_pos pos, const char *fmt, va_list ap)
{
	/* room for the position in front of the longest message */
	char msg[PP_DIAG_MAX_MSG], line[PP_DIAG_MAX_MSG + 200];
	vsnprintf(msg, sizeof msg, fmt, ap);
	snprintf(line, sizeof line, "%s:%d:%d: %s", pos.file ? pos.file : "?", pos.line, pos.col,
		 msg);
	pp_diag_add(d, line);
}

void pp_diag_at(struct pp_diags *d, struct pp_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pp_diag_vat(d, pos, fmt, ap);
	va_end(ap);
}

/* Levenshtein distance; "far" for names too long to be a typo of a key. */
static size_t lev(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > PP_DIAG_MAX_NAME || lb > PP_DIAG_MAX_NAME)
		return 99;
	size_t d[PP_DIAG_MAX_NAME + 1], prev, tmp;
	for (size_t j = 0; j <= lb; j++)
		d[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = d[j];
			size_t c = prev + (a[i - 1] != b[j - 1]);
			if (d[j] + 1 < c)
				c = d[j] + 1;
			if (d[j - 1] + 1 < c)
				c = d[j - 1] + 1;
			d[j] = c;
			prev = tmp;
		}
	}
	return d[lb];
}

const char *pp_diag_suggest(const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bd = 99, sl = strlen(s);
	size_t lim = sl <= 4 ? 1 : sl <= 8 ? 2 : 3;
	for (size_t i = 0; i < n; i++) {
		if (!cands[i])
			continue;
		size_t d = lev(s, cands[i]);
		if (d < bd) {
			bd = d;
			best = cands[i];
		}
	}
	if (bd <= lim)
		return best;
	/* a key typed short ("rotate" for "rotate_mb") */
	for (size_t i = 0; sl >= 3 && i < n; i++)
		if (cands[i] && !strncmp(cands[i], s, sl))
			return cands[i];
	return NULL;
}

const char *pp_diag_dym(char *buf, size_t len, const char *s, const char *const *cands,
			size_t n)
{
	const char *b = pp_diag_suggest(s, cands, n);
	if (!b)
		return "";
	snprintf(buf, len, " (did you mean '%s'?)", b);
	return buf;
}

char *pp_diag_join(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && at + 1 < len; i++) {
		int w = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		at += (size_t)w < len - at ? (size_t)w : len - at - 1;
	}
	return buf;
}

void pp_diag_expected(struct pp_diags *d, struct pp_pos pos, const char *what, const char *s,
		      const char *const *names, size_t n)
{
	char dym[96], list[160];
	pp_diag_join(list, sizeof list, names, n);
	pp_diag_at(d, pos, "%s: expected one of %s, got '%s'%s", what, list,
		   s ? s : "(not a scalar)", s ? pp_diag_dym(dym, sizeof dym, s, names, n) : "");
}
