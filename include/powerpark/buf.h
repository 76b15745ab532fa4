/* buf.h - a growable byte buffer, embedded by value (like curl's dynbuf). */
#ifndef PP_BUF_H
#define PP_BUF_H

#include <stddef.h>
#include "powerpark/err.h"

struct pp_buf {
	char *data; /* owned; NUL-terminated whenever len > 0 */
	size_t len;
	size_t cap;
};

/* Initialises an empty buffer; allocates nothing. */
void pp_buf_init(struct pp_buf *b);

/* Frees the storage and leaves b empty and reusable. */
void pp_buf_free(struct pp_buf *b);

/* Empties b but keeps its storage for reuse. */
void pp_buf_reset(struct pp_buf *b);

/* Ensures room for `more` further bytes plus a NUL. */
PP_WUR enum pp_err pp_buf_reserve(struct pp_buf *b, size_t more);

/* Appends n bytes copied from p (borrowed). */
PP_WUR enum pp_err pp_buf_append(struct pp_buf *b, const void *p, size_t n);

/* Appends printf-formatted text. */
PP_WUR enum pp_err pp_buf_appendf(struct pp_buf *b, const char *fmt, ...) PP_PRINTF(2, 3);

/* Hands the storage to the caller (taken; free() it) and leaves b empty. */
char *pp_buf_steal(struct pp_buf *b, size_t *len);

/* Grows the array *arr (taken and replaced; elements of size bytes, *cap of
 * them) so that it holds at least need elements, doubling from 16. Returns
 * PP_ERR_NOMEM, with *arr and *cap unchanged, when it cannot. */
PP_WUR enum pp_err pp_buf_array_grow(void *arr, size_t *cap, size_t need, size_t size);

#endif
