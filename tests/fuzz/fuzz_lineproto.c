/* fuzz_lineproto.c - the line-protocol parser (pp_lineproto_parse) on any
 * bytes, at the precision the first byte picks; then every sample it gave is
 * encoded again (pp_lineproto_encode) and parsed back, and must come back
 * the same: the encoder is exact and the parser strict (lineproto.h), so a
 * difference is a bug of one of them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/lineproto.h"
#include "util.h"

#define FZ_DEFAULT_TS 1700000000000000000LL /* the time of a line without one */

static int same_field(const struct pp_field *a, const struct pp_field *b)
{
	if (strcmp(a->key, b->key) || a->type != b->type)
		return 0;
	switch (a->type) {
	case PP_F_FLOAT: return a->v.f == b->v.f || (isnan(a->v.f) && isnan(b->v.f));
	case PP_F_INT: return a->v.i == b->v.i;
	case PP_F_UINT: return a->v.u == b->v.u;
	case PP_F_BOOL: return !a->v.b == !b->v.b;
	case PP_F_STRING: return !strcmp(a->v.s, b->v.s);
	}
	return 0;
}

static int same_sample(const struct pp_sample *a, const struct pp_sample *b)
{
	if (strcmp(a->measurement, b->measurement) || a->ntags != b->ntags ||
	    a->nfields != b->nfields || a->ts_ns != b->ts_ns)
		return 0;
	for (size_t i = 0; i < a->ntags; i++)
		if (strcmp(a->tags[i].key, b->tags[i].key) || strcmp(a->tags[i].val, b->tags[i].val))
			return 0;
	for (size_t i = 0; i < a->nfields; i++)
		if (!same_field(&a->fields[i], &b->fields[i]))
			return 0;
	return 1;
}

/* Encodes s and parses it back: one sample, the same, or abort. */
static void round_trip(const struct pp_sample *s)
{
	struct pp_buf b;
	pp_buf_init(&b);
	struct pp_errbuf eb;
	if (pp_lineproto_encode(&b, s, 0, &eb) == PP_OK) {
		struct pp_lineproto_result r;
		pp_lineproto_result_init(&r);
		if (pp_lineproto_parse(b.data, b.len, PP_PREC_NS, 0, &r))
			abort();
		if (r.nsamples != 1 || r.nbad || !same_sample(s, &r.samples[0]))
			abort(); /* what the encoder wrote is not what was parsed */
		pp_lineproto_result_free(&r);
	}
	pp_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	enum pp_lineproto_precision prec = (enum pp_lineproto_precision)(data[0] & 3);
	struct pp_lineproto_result r;
	pp_lineproto_result_init(&r);
	if (pp_lineproto_parse((const char *)data + 1, size - 1, prec, FZ_DEFAULT_TS, &r))
		abort(); /* only out of memory fails */
	if (r.nerrors > PP_LP_MAX_ERRORS || r.nerrors > r.nbad)
		abort();
	for (size_t i = 0; i < r.nsamples; i++)
		round_trip(&r.samples[i]);
	pp_lineproto_result_free(&r);
	return 0;
}
