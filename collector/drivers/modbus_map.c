/* modbus_map.c - request planning and value decoding for Modbus maps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/modbus.h"
#include "powerpark/units.h"

struct span {
	enum pp_mb_func func;
	int every;
	int start, end; /* [start, end) */
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->every != y->every)
		return x->every - y->every;
	if (x->func != y->func)
		return (int)x->func - (int)y->func;
	return x->start - y->start;
}

enum pp_err pp_modbus_plan(const struct pp_profile *p, int max_regs, int max_gap,
			   struct pp_mb_req **reqs, size_t *n)
{
	*reqs = NULL;
	*n = 0;
	if (!p->nfields)
		return PP_OK;
	struct span *s = malloc(p->nfields * sizeof *s);
	struct pp_mb_req *r = malloc(p->nfields * sizeof *r);
	if (!s || !r) {
		free(s);
		free(r);
		return PP_ERR_NOMEM;
	}
	for (size_t i = 0; i < p->nfields; i++) {
		const struct pp_pfield *f = &p->fields[i];
		s[i].func = f->func;
		s[i].every = f->every > 1 ? f->every : 1;
		s[i].start = f->reg;
		s[i].end = f->reg + (f->func <= PP_MB_DISCRETE ? 1 : pp_config_vtype_regs(f->vtype));
	}
	qsort(s, p->nfields, sizeof *s, span_cmp);
	size_t k = 0;
	for (size_t i = 0; i < p->nfields; i++) {
		int lim = s[i].func <= PP_MB_DISCRETE ? PP_MB_MAX_BITS : max_regs;
		struct pp_mb_req *last = k ? &r[k - 1] : NULL;
		if (last && last->func == s[i].func && last->every == s[i].every &&
		    s[i].start - (last->start + last->count) <= max_gap) {
			int end = s[i].end > last->start + last->count ? s[i].end
								      : last->start + last->count;
			if (end - last->start <= lim) {
				last->count = end - last->start;
				continue;
			}
		}
		r[k].func = s[i].func;
		r[k].start = s[i].start;
		r[k].count = s[i].end - s[i].start;
		r[k].every = s[i].every;
		k++;
	}
	free(s);
	*reqs = r;
	*n = k;
	return PP_OK;
}

int pp_modbus_req_due(const struct pp_mb_req *r, uint64_t cycle)
{
	return r->every <= 1 || cycle % (uint64_t)r->every == 0;
}

int64_t pp_modbus_line_wait(int gap_ms, int turn_ms, int64_t last_end_ns, int last_unit,
			    int unit, int64_t now_ns)
{
	if (!last_end_ns)
		return 0;
	int ms = gap_ms;
	if (unit != last_unit && turn_ms > ms)
		ms = turn_ms;
	int64_t w = last_end_ns + (int64_t)ms * 1000000 - now_ns;
	return w > 0 ? w : 0;
}

int pp_modbus_req_holds(const struct pp_mb_req *r, const struct pp_pfield *f)
{
	int w = f->func <= PP_MB_DISCRETE ? 1 : pp_config_vtype_regs(f->vtype);
	int every = f->every > 1 ? f->every : 1;
	return f->func == r->func && every == r->every && f->reg >= r->start &&
	       f->reg + w <= r->start + r->count;
}

/* Bytes in transmission order (register i: high byte, then low byte), put
 * into big-endian (ABCD...) order for the given layout. */
static void to_be(const uint16_t *regs, int nregs, enum pp_order o, uint8_t *b)
{
	int swap_bytes = o == PP_ORD_BADC || o == PP_ORD_DCBA;
	int rev_words = o == PP_ORD_CDAB || o == PP_ORD_DCBA;
	for (int i = 0; i < nregs; i++) {
		uint16_t w = regs[rev_words ? nregs - 1 - i : i];
		uint8_t hi = (uint8_t)(w >> 8), lo = (uint8_t)w;
		b[2 * i] = swap_bytes ? lo : hi;
		b[2 * i + 1] = swap_bytes ? hi : lo;
	}
}

static void from_be(const uint8_t *b, int nregs, enum pp_order o, uint16_t *regs)
{
	int swap_bytes = o == PP_ORD_BADC || o == PP_ORD_DCBA;
	int rev_words = o == PP_ORD_CDAB || o == PP_ORD_DCBA;
	for (int i = 0; i < nregs; i++) {
		uint8_t hi = swap_bytes ? b[2 * i + 1] : b[2 * i];
		uint8_t lo = swap_bytes ? b[2 * i] : b[2 * i + 1];
		regs[rev_words ? nregs - 1 - i : i] = (uint16_t)(hi << 8 | lo);
	}
}

double pp_modbus_decode(const uint16_t *regs, enum pp_vtype t, enum pp_order o, int bit)
{
	if (t == PP_VT_BIT)
		return bit < 0 ? (regs[0] != 0) : (regs[0] >> bit) & 1;
	int nr = pp_config_vtype_regs(t);
	uint8_t b[8];
	to_be(regs, nr, o, b);
	uint64_t u = 0;
	for (int i = 0; i < 2 * nr; i++)
		u = u << 8 | b[i];
	switch (t) {
	case PP_VT_INT16: return (int16_t)u;
	case PP_VT_UINT16: return (uint16_t)u;
	case PP_VT_INT32: return (int32_t)(uint32_t)u;
	case PP_VT_UINT32: return (uint32_t)u;
	case PP_VT_INT64: return (double)(int64_t)u;
	case PP_VT_UINT64: return (double)u;
	case PP_VT_FLOAT32: {
		uint32_t x = (uint32_t)u;
		float f;
		memcpy(&f, &x, sizeof f);
		return pp_units_f32(f); /* 230.1, not 230.10000610351562 */
	}
	case PP_VT_FLOAT64: {
		double d;
		memcpy(&d, &u, sizeof d);
		return d;
	}
	default: return NAN;
	}
}

void pp_modbus_encode(uint16_t *regs, enum pp_vtype t, enum pp_order o, int bit, double v)
{
	if (t == PP_VT_BIT) {
		int b = bit < 0 ? 0 : bit;
		if (v != 0)
			regs[0] |= (uint16_t)(1u << b);
		else
			regs[0] &= (uint16_t)~(1u << b);
		return;
	}
	int nr = pp_config_vtype_regs(t);
	uint64_t u = 0;
	double r = nearbyint(v);
	switch (t) {
	case PP_VT_INT16: u = (uint16_t)(int16_t)fmax(-32768, fmin(32767, r)); break;
	case PP_VT_UINT16: u = (uint16_t)fmax(0, fmin(65535, r)); break;
	case PP_VT_INT32: u = (uint32_t)(int32_t)fmax(-2147483648.0, fmin(2147483647.0, r)); break;
	case PP_VT_UINT32: u = (uint32_t)fmax(0, fmin(4294967295.0, r)); break;
	case PP_VT_INT64: u = (uint64_t)(int64_t)fmax(-9.2e18, fmin(9.2e18, r)); break;
	case PP_VT_UINT64: u = (uint64_t)fmax(0, fmin(1.8e19, r)); break;
	case PP_VT_FLOAT32: {
		float f = (float)v;
		uint32_t x;
		memcpy(&x, &f, sizeof x);
		u = x;
		break;
	}
	case PP_VT_FLOAT64: memcpy(&u, &v, sizeof u); break;
	default: break;
	}
	uint8_t b[8];
	for (int i = 2 * nr - 1; i >= 0; i--, u >>= 8)
		b[i] = (uint8_t)u;
	from_be(b, nr, o, regs);
}
