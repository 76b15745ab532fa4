/* diag.h - where a value was written (file:line:column) and the list of
 * problems a loader found, each one line "FILE:LINE:COL: message". */
#ifndef PP_DIAG_H
#define PP_DIAG_H

#include <stddef.h>

/* Where a value was written, for messages that point back into the file. */
struct pp_pos {
	const char *file;
	int line, col; /* 1-based */
};

/* A list of problem lines ("FILE:LINE:COL: message"), owned by the list. */
struct pp_diags {
	char **lines;
	size_t n, cap;
};

/* Initialises an empty list (allocates nothing). */
void pp_diag_init(struct pp_diags *d);
/* Frees the lines and leaves d empty and reusable. */
void pp_diag_free(struct pp_diags *d);

/* Appends a copy of line (borrowed) to d (NULL: nothing); out of memory,
 * the line is lost (the count of problems is kept by the caller). */
void pp_diag_add(struct pp_diags *d, const char *line);

#endif
