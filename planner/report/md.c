/* md.c - the summary document as Markdown (report_int.h). */
#include <stdio.h>

#include "report_int.h"

/* Markdown: **bold** passes through; '|' in cells never occurs (pp_doc_row
 * splits on it). */
void pp_doc_md(FILE *f, const struct pp_doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct pp_doc_block *b = &d->b[i];
		switch (b->kind) {
		case PP_DOC_H:
			fprintf(f, "%.*s %s\n\n", b->level, "######", b->text);
			break;
		case PP_DOC_P:
			fprintf(f, "%s\n\n", b->text);
			break;
		case PP_DOC_LI:
			fprintf(f, "- %s\n%s", b->text,
				i + 1 < d->n && d->b[i + 1].kind == PP_DOC_LI ? "" : "\n");
			break;
		case PP_DOC_IMG:
			fprintf(f, "![%s](%s)\n\n", b->text, b->text);
			break;
		case PP_DOC_TABLE:
			for (size_t r = 0; r < b->nrows; r++) {
				for (size_t c = 0; c < b->ncols; c++)
					fprintf(f, "| %s ", b->cells[r * b->ncols + c]);
				fputs("|\n", f);
				if (!r) {
					for (size_t c = 0; c < b->ncols; c++)
						fputs(c ? "|---:" : "|---", f);
					fputs("|\n", f);
				}
			}
			fputs("\n", f);
			break;
		}
	}
}
