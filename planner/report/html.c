/* html.c - the summary document as one page of HTML (report_int.h). */
#include <stdio.h>

#include "report_int.h"

/* HTML text: escaped, with **x** as <b>x</b>. */
static void html_text(FILE *f, const char *s)
{
	int bold = 0;
	for (; *s; s++) {
		if (s[0] == '*' && s[1] == '*') {
			fputs(bold ? "</b>" : "<b>", f);
			bold = !bold;
			s++;
		} else if (*s == '<') {
			fputs("&lt;", f);
		} else if (*s == '>') {
			fputs("&gt;", f);
		} else if (*s == '&') {
			fputs("&amp;", f);
		} else {
			fputc(*s, f);
		}
	}
	if (bold)
		fputs("</b>", f);
}

void pp_doc_html(FILE *f, const struct pp_doc *d, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
	html_text(f, title);
	fputs("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;"
	      "color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid "
	      "#ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:"
	      "left}th{background:#f3f3f3}img{max-width:100%;display:block;margin:1em 0}"
	      "</style></head><body>\n", f);
	int in_list = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct pp_doc_block *b = &d->b[i];
		if (in_list && b->kind != PP_DOC_LI) {
			fputs("</ul>\n", f);
			in_list = 0;
		}
		switch (b->kind) {
		case PP_DOC_H:
			fprintf(f, "<h%d>", b->level);
			html_text(f, b->text);
			fprintf(f, "</h%d>\n", b->level);
			break;
		case PP_DOC_P:
			fputs("<p>", f);
			html_text(f, b->text);
			fputs("</p>\n", f);
			break;
		case PP_DOC_LI:
			if (!in_list)
				fputs("<ul>\n", f);
			in_list = 1;
			fputs("<li>", f);
			html_text(f, b->text);
			fputs("</li>\n", f);
			break;
		case PP_DOC_IMG:
			fprintf(f, "<img src=\"%s\" alt=\"%s\">\n", b->text, b->text);
			break;
		case PP_DOC_TABLE:
			fputs("<table>\n", f);
			for (size_t r = 0; r < b->nrows; r++) {
				fputs("<tr>", f);
				for (size_t c = 0; c < b->ncols; c++) {
					fputs(r ? "<td>" : "<th>", f);
					html_text(f, b->cells[r * b->ncols + c]);
					fputs(r ? "</td>" : "</th>", f);
				}
				fputs("</tr>\n", f);
			}
			fputs("</table>\n", f);
			break;
		}
	}
	if (in_list)
		fputs("</ul>\n", f);
	fputs("</body></html>\n", f);
}
