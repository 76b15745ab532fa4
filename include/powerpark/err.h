/* err.h - the one error enum of powerpark and its message buffer. */
#ifndef PP_ERR_H
#define PP_ERR_H

#include <stddef.h>

#define PP_WUR __attribute__((warn_unused_result))
#define PP_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Every fallible function returns one of these; 0 is success. */
enum pp_err {
	PP_OK = 0,
	PP_ERR_NOMEM,   /* allocation failed */
	PP_ERR_ARG,     /* caller passed something that cannot be used */
	PP_ERR_IO,      /* file or socket I/O failed */
	PP_ERR_PARSE,   /* malformed input (config, line protocol, EPW) */
	PP_ERR_CONFIG,  /* configuration is invalid */
	PP_ERR_NET,     /* network peer unreachable or misbehaving */
	PP_ERR_FULL,    /* a bounded queue or spool is full */
	PP_ERR_REJECTED /* the peer refused the data for good (e.g. HTTP 400) */
};

/* Length of every error message buffer (message + NUL). */
#define PP_ERRLEN 512

/* A message buffer of known length, filled by the function that failed. */
struct pp_errbuf {
	char msg[PP_ERRLEN];
};

/* Returns a static, human-readable name for an error code (never NULL). */
const char *pp_err_str(enum pp_err e);

/* Formats a message into eb (borrowed; may be NULL, then nothing is written)
 * and returns code, so callers can write `return pp_err_set(eb, PP_ERR_IO, ...)`. */
enum pp_err pp_err_set(struct pp_errbuf *eb, enum pp_err code, const char *fmt, ...)
	PP_PRINTF(3, 4);

#endif
