/* diag.h - where a value was written (file:line:column), the list of
 * problems a loader found, each one line "FILE:LINE:COL: message", and the
 * pieces those messages share: the did-you-mean suggestion and lists of
 * names. Every layer that reports into a file (config, the model catalog)
 * words its problems with these. */
#ifndef PP_DIAG_H
#define PP_DIAG_H

#include <stdarg.h>
#include <stddef.h>

/* Where a value was written, for messages that point back into the file. */
struct pp_pos {
	const char *file;
	int line, col; /* 1-based; line 0: nowhere (the value was not written) */
};

/* A list of problem lines ("FILE:LINE:COL: message"), owned by the list. */
struct pp_diags {
	char **lines;
	size_t n, cap;
};

/* The longest message pp_diag_at writes (longer ones are cut), and the
 * longest name the suggestion compares (longer ones are never suggested). */
#define PP_DIAG_MAX_MSG 600
#define PP_DIAG_MAX_NAME 63

/* Initialises an empty list (allocates nothing). */
void pp_diag_init(struct pp_diags *d);
/* Frees the lines and leaves d empty and reusable. */
void pp_diag_free(struct pp_diags *d);

/* Appends a copy of line (borrowed) to d (NULL: nothing); out of memory,
 * the line is lost (the count of problems is kept by the caller). */
void pp_diag_add(struct pp_diags *d, const char *line);

/* Appends "FILE:LINE:COL: message" to d (NULL: nothing), the message made
 * from fmt and its arguments (borrowed) and cut at PP_DIAG_MAX_MSG; a pos
 * without a file says "?". */
void pp_diag_at(struct pp_diags *d, struct pp_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* pp_diag_at with a va_list. */
void pp_diag_vat(struct pp_diags *d, struct pp_pos pos, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* The name among cands (n of them, borrowed; NULL entries skipped) that s
 * (borrowed) most likely means: the closest within a small edit distance
 * (1 for names of up to 4 characters, 2 up to 8, else 3; the first on a
 * tie), else the first that starts with s when s has 3 characters or more
 * ("rotate" for "rotate_mb"). NULL when none is close. */
const char *pp_diag_suggest(const char *s, const char *const *cands, size_t n);

/* " (did you mean 'x'?)" for pp_diag_suggest's answer, written into buf
 * (len bytes) and returned, or a static "" when there is none. */
const char *pp_diag_dym(char *buf, size_t len, const char *s, const char *const *cands,
			size_t n);

/* The n names (borrowed) joined by ", " into buf (len bytes, cut at len -
 * 1 characters); returns buf. */
char *pp_diag_join(char *buf, size_t len, const char *const *names, size_t n);

/* Appends "WHAT: expected one of a, b, c, got 'S' (did you mean 'x'?)" at
 * pos to d: the plan file's words for a name that is not one of the n names
 * (borrowed; their list cut at 159 characters). s NULL (the value was a
 * list or a mapping) says "got '(not a scalar)'". */
void pp_diag_expected(struct pp_diags *d, struct pp_pos pos, const char *what, const char *s,
		      const char *const *names, size_t n);

#endif
