/* err.c - error names and message formatting. */
#include <stdarg.h>
#include <stdio.h>

#include "powerpark/err.h"

const char *pp_err_str(enum pp_err e)
{
	switch (e) {
	case PP_OK: return "ok";
	case PP_ERR_NOMEM: return "out of memory";
	case PP_ERR_ARG: return "invalid argument";
	case PP_ERR_IO: return "I/O error";
	case PP_ERR_PARSE: return "parse error";
	case PP_ERR_CONFIG: return "configuration error";
	case PP_ERR_NET: return "network error";
	case PP_ERR_FULL: return "full";
	case PP_ERR_REJECTED: return "rejected";
	}
	return "unknown error";
}

enum pp_err pp_err_set(struct pp_errbuf *eb, enum pp_err code, const char *fmt, ...)
{
	if (eb) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}
