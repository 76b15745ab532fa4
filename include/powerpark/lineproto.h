/* lineproto.h - InfluxDB line protocol: an exact encoder and a strict parser. */
#ifndef PP_LINEPROTO_H
#define PP_LINEPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "powerpark/buf.h"
#include "powerpark/err.h"
#include "powerpark/metric.h"

/* Encoder flags. */
#define PP_LP_NO_UINT 0x1u /* write unsigned fields as `i` (InfluxDB 1.x has no `u`) */

/* Appends one line (with its trailing '\n') for sample s (borrowed) to out
 * (borrowed, appended to). Escapes every element by the InfluxDB rules:
 * measurement `,` and space; tag keys, tag values and field keys `,` `=` and
 * space; string values `"` and `\`; a literal backslash is doubled only where it
 * would otherwise read as an escape. Tags with an empty value and float fields
 * that are NaN or infinite are left out (the store cannot hold them); if no
 * field is left, or a name is empty, holds a newline, or a measurement starts
 * with '#', nothing is appended and PP_ERR_ARG is returned with eb filled. */
PP_WUR enum pp_err pp_lineproto_encode(struct pp_buf *out, const struct pp_sample *s,
				       unsigned flags, struct pp_errbuf *eb);

/* Timestamp precision of the input, as in the /write?precision= parameter. */
enum pp_lineproto_precision { PP_PREC_NS, PP_PREC_US, PP_PREC_MS, PP_PREC_S };

#define PP_LP_MAX_REASON 160 /* a rejected line's reason, with its NUL */

/* One rejected line: its 1-based number and why. */
struct pp_lineproto_error {
	size_t line;
	char reason[PP_LP_MAX_REASON];
};

#define PP_LP_MAX_ERRORS 100 /* reasons kept per parse; all are counted */

/* Parse result. samples[] point into storage owned by the result. */
struct pp_lineproto_result {
	struct pp_sample *samples;
	size_t nsamples;
	struct pp_lineproto_error errors[PP_LP_MAX_ERRORS];
	size_t nerrors;       /* reasons kept, <= PP_LP_MAX_ERRORS */
	size_t nbad;          /* every rejected line */
	/* private storage */
	struct pp_tag *tags_;
	struct pp_field *fields_;
	char *strs_;
	size_t cap_samples_, cap_tags_, cap_fields_;
	size_t ntags_, nfields_;
	struct pp_buf arena_;
};

/* Initialises an empty result (no allocation). */
void pp_lineproto_result_init(struct pp_lineproto_result *r);

/* Frees everything the result owns. */
void pp_lineproto_result_free(struct pp_lineproto_result *r);

/* Parses len bytes at buf (borrowed; need not be NUL-terminated; any bytes are
 * safe) into r (borrowed; previous content is freed). Good lines become
 * samples, bad lines are skipped and recorded with their number and reason;
 * blank lines and '#' comments are ignored. A line without a timestamp gets
 * default_ts_ns. Returns PP_OK whatever the lines held, or PP_ERR_NOMEM. */
PP_WUR enum pp_err pp_lineproto_parse(const char *buf, size_t len, enum pp_lineproto_precision prec,
				      int64_t default_ts_ns, struct pp_lineproto_result *r);

/* Formats a double the way the encoder does (shortest exact decimal for most
 * telemetry values, %.17g otherwise) into out (borrowed, >= 32 bytes);
 * returns the length. */
size_t pp_lineproto_fmt_double(char *out, double v);

#endif
