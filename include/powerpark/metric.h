/* metric.h - one sample of the metric schema: measurement, tags, typed fields. */
#ifndef PP_METRIC_H
#define PP_METRIC_H

#include <stddef.h>
#include <stdint.h>

enum pp_ftype {
	PP_F_FLOAT,  /* 64-bit IEEE double; NaN and infinities are never written */
	PP_F_INT,    /* signed 64-bit, written with the `i` suffix */
	PP_F_UINT,   /* unsigned 64-bit, written with `u` (or `i` where unsupported) */
	PP_F_BOOL,   /* true/false */
	PP_F_STRING  /* NUL-terminated text, quoted */
};

/* A tag: both strings borrowed from the caller. */
struct pp_tag {
	const char *key;
	const char *val;
};

/* A typed field: key and string value borrowed from the caller. */
struct pp_field {
	const char *key;
	enum pp_ftype type;
	union {
		double f;
		int64_t i;
		uint64_t u;
		int b;
		const char *s;
	} v;
};

/* One point. Every pointer is borrowed; the sample owns nothing. ts_ns is the
 * time of the reading in Unix nanoseconds; has_ts = 0 leaves it to the store. */
struct pp_sample {
	const char *measurement;
	const struct pp_tag *tags;
	size_t ntags;
	const struct pp_field *fields;
	size_t nfields;
	int64_t ts_ns;
	int has_ts;
};

#endif
