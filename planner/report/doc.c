/* doc.c - the document both summaries are written from (report_int.h):
 * a list of blocks that md.c and html.c write out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

/* Blocks a document grows by first. */
#define PP_DOC_FIRST 32

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static struct pp_doc_block *add(struct pp_doc *d, enum pp_doc_kind k)
{
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : PP_DOC_FIRST;
		struct pp_doc_block *nb = realloc(d->b, nc * sizeof *nb);
		if (!nb) {
			d->oom = 1;
			return NULL;
		}
		d->b = nb;
		d->cap = nc;
	}
	struct pp_doc_block *b = &d->b[d->n++];
	memset(b, 0, sizeof *b);
	b->kind = k;
	return b;
}

void pp_doc_text(struct pp_doc *d, enum pp_doc_kind k, const char *fmt, ...)
{
	struct pp_doc_block *b = add(d, k);
	if (!b)
		return;
	va_list ap;
	va_start(ap, fmt);
	b->text = vfmt(fmt, ap);
	va_end(ap);
	d->oom |= !b->text;
}

void pp_doc_heading(struct pp_doc *d, int level, const char *s)
{
	pp_doc_text(d, PP_DOC_H, "%s", s);
	if (!d->oom)
		d->b[d->n - 1].level = level;
}

struct pp_doc_block *pp_doc_table(struct pp_doc *d, size_t ncols, const char *const *head)
{
	struct pp_doc_block *b = add(d, PP_DOC_TABLE);
	if (!b)
		return NULL;
	b->ncols = ncols;
	b->cells = calloc(ncols, sizeof *b->cells);
	if (!b->cells) {
		d->oom = 1;
		return NULL;
	}
	for (size_t c = 0; c < ncols; c++)
		b->cells[c] = strdup(head[c]);
	b->nrows = 1;
	return b;
}

void pp_doc_row(struct pp_doc *d, struct pp_doc_block *t, const char *fmt, ...)
{
	if (!t)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = vfmt(fmt, ap);
	va_end(ap);
	char **nc = s ? realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *nc) : NULL;
	if (!nc) {
		free(s);
		d->oom = 1;
		return;
	}
	t->cells = nc;
	char *p = s;
	for (size_t c = 0; c < t->ncols; c++) {
		char *bar = p ? strchr(p, '|') : NULL;
		if (bar)
			*bar = 0;
		t->cells[t->nrows * t->ncols + c] = strdup(p ? p : "");
		p = bar ? bar + 1 : NULL;
	}
	t->nrows++;
	free(s);
}

void pp_doc_free(struct pp_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->b[i].text);
		for (size_t c = 0; d->b[i].cells && c < d->b[i].ncols * d->b[i].nrows; c++)
			free(d->b[i].cells[c]);
		free(d->b[i].cells);
	}
	free(d->b);
}

void rep_cat(char *s, size_t n, size_t *o, const char *fmt, ...)
{
	if (*o >= n)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(s + *o, n - *o, fmt, ap);
	va_end(ap);
	*o = k < 0 ? n : *o + (size_t)k;
}
