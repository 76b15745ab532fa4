/* json.h - the one JSON writer of powerpark: it appends to a pp_buf,
 * escapes every key and string (control characters, quotes, backslashes;
 * bytes that are not UTF-8 become U+FFFD), writes numbers that JSON can hold
 * (NaN and infinities become null) and puts the commas itself.
 *
 * Errors are sticky, like curl's dynbuf: after the first failure (out of
 * memory, nesting deeper than PP_JSON_DEPTH, a value where a key belongs)
 * every call does nothing, and pp_json_done says what went wrong. So a
 * writer is a straight list of calls with one check at the end:
 *
 *   struct pp_json j;
 *   pp_json_init(&j, &buf);
 *   pp_json_obj(&j);
 *   pp_json_kstr(&j, "node", name);
 *   pp_json_knum(&j, "cap_w", cap, 1);
 *   pp_json_end(&j);
 *   enum pp_err e = pp_json_done(&j);
 *
 * Reading JSON is not here: jansson does that at the edges that take JSON
 * (docs/architecture.md). */
#ifndef PP_JSON_H
#define PP_JSON_H

#include <stddef.h>

#include "powerpark/buf.h"
#include "powerpark/err.h"

#define PP_JSON_DEPTH 32

/* A writer. Small value type: pp_json_init, calls, pp_json_done; it owns
 * nothing (out is borrowed and must outlive it). */
struct pp_json {
	struct pp_buf *out;
	enum pp_err err;
	int depth;
	unsigned char open[PP_JSON_DEPTH];  /* '{' or '[' at each depth */
	unsigned char count[PP_JSON_DEPTH]; /* members written there (saturating) */
	int want_value;                     /* a key was written; its value comes next */
};

/* Starts writing into out (borrowed; appended to, not cleared). */
void pp_json_init(struct pp_json *j, struct pp_buf *out);

/* Opens an object or an array (as a value: after a key, in an array, or at
 * the top). */
void pp_json_obj(struct pp_json *j);
void pp_json_arr(struct pp_json *j);

/* Closes the innermost object or array. */
void pp_json_end(struct pp_json *j);

/* Writes the key k (borrowed) of the next member of the current object. */
void pp_json_key(struct pp_json *j, const char *k);

/* Values. A NULL string is written as null. pp_json_num writes v with the
 * given digits after the point ("%.*f"), pp_json_sig with that many
 * significant digits ("%.*g"); both write null for NaN and infinities. */
void pp_json_str(struct pp_json *j, const char *s);
void pp_json_strn(struct pp_json *j, const char *s, size_t n);
void pp_json_num(struct pp_json *j, double v, int decimals);
void pp_json_sig(struct pp_json *j, double v, int digits);
void pp_json_int(struct pp_json *j, long long v);
void pp_json_uint(struct pp_json *j, unsigned long long v);
void pp_json_bool(struct pp_json *j, int b);
void pp_json_null(struct pp_json *j);

/* A key and its value in one call. */
void pp_json_kstr(struct pp_json *j, const char *k, const char *s);
void pp_json_knum(struct pp_json *j, const char *k, double v, int decimals);
/* A cap or a planned power, which a reader may apply: v rounded *down* to
 * decimals, so that what is read back never exceeds v (to nearest, the
 * halves of thousands of GPUs add up over a limit). */
void pp_json_kcap(struct pp_json *j, const char *k, double v, int decimals);
void pp_json_ksig(struct pp_json *j, const char *k, double v, int digits);
void pp_json_kint(struct pp_json *j, const char *k, long long v);
void pp_json_kbool(struct pp_json *j, const char *k, int b);

/* The first error, or PP_ERR_ARG when an object or array is still open;
 * PP_OK when the text written is one complete JSON value (or more than one
 * at the top, each complete). */
PP_WUR enum pp_err pp_json_done(const struct pp_json *j);

/* Appends s (borrowed, n bytes) to out as a quoted JSON string with the
 * escaping above; the building block of the writer, for text formats that
 * quote the same way. */
PP_WUR enum pp_err pp_json_quote(struct pp_buf *out, const char *s, size_t n);

#endif
