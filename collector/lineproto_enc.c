/* lineproto_enc.c - InfluxDB line-protocol encoder.
 *
 * Speed matters (millions of lines/s): each element is escaped through a
 * lookup table straight into reserved buffer space, and doubles take a fast
 * path that prints the shortest decimal that reads back to the same value
 * whenever one with at most 9 fractional digits exists. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "powerpark/lineproto.h"

/* Element classes: which bytes must be escaped. */
enum { CL_MEAS = 1, CL_KEY = 2, CL_STR = 4, CL_BS = 8, CL_END = 16, CL_NL = 32 };
/* Constant, so that encoders on several threads never see it half built. */
static const unsigned char special[256] = {
	[0] = CL_END,
	['\n'] = CL_NL,
	['\r'] = CL_NL,
	[','] = CL_MEAS | CL_KEY,
	[' '] = CL_MEAS | CL_KEY,
	['='] = CL_KEY,
	['"'] = CL_STR,
	['\\'] = CL_STR | CL_BS,
};

/* Length of s up to its end or its first byte of a class in mask. A plain
 * loop: strcspn's setup costs more than these short names take. */
static size_t span(const char *s, unsigned mask)
{
	const unsigned char *p = (const unsigned char *)s;
	while (!(special[*p] & (mask | CL_END)))
		p++;
	return (size_t)(p - (const unsigned char *)s);
}

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Writes v in decimal at p; returns the number of bytes. */
static size_t fmt_u64(char *p, uint64_t v)
{
	char tmp[24];
	char *t = tmp + sizeof tmp;
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		*--t = digit_pairs[d + 1];
		*--t = digit_pairs[d];
	}
	if (v >= 10) {
		unsigned d = (unsigned)v * 2;
		*--t = digit_pairs[d + 1];
		*--t = digit_pairs[d];
	} else {
		*--t = (char)('0' + v);
	}
	size_t n = (size_t)(tmp + sizeof tmp - t);
	memcpy(p, t, n);
	return n;
}

static size_t fmt_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p = '-';
		return 1 + fmt_u64(p + 1, (uint64_t)0 - (uint64_t)v);
	}
	return fmt_u64(p, (uint64_t)v);
}

static const double pow10tab[10] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

size_t pp_lineproto_fmt_double(char *out, double v)
{
	/* Fast path: v == m / 10^k exactly as doubles, with m an integer below
	 * 2^53. Since 10^k and m are exact and IEEE division rounds correctly,
	 * strtod of the decimal "m/10^k" yields v again: the output round-trips. */
	double a = fabs(v);
	if (a < 9e15 && (a >= 1e-5 || a == 0.0)) {
		for (int k = 0; k < 10; k++) {
			double m = nearbyint(a * pow10tab[k]);
			if (m >= 9007199254740992.0)
				break;
			if (m / pow10tab[k] == a) {
				char *p = out;
				if (signbit(v) && a != 0.0)
					*p++ = '-';
				char digs[24];
				size_t n = fmt_u64(digs, (uint64_t)m);
				if (k == 0) {
					memcpy(p, digs, n);
					return (size_t)(p - out) + n;
				}
				if (n <= (size_t)k) { /* 0.000ddd */
					*p++ = '0';
					*p++ = '.';
					for (size_t z = n; z < (size_t)k; z++)
						*p++ = '0';
					memcpy(p, digs, n);
					p += n;
				} else {
					memcpy(p, digs, n - (size_t)k);
					p += n - (size_t)k;
					*p++ = '.';
					memcpy(p, digs + n - (size_t)k, (size_t)k);
					p += k;
				}
				return (size_t)(p - out);
			}
		}
	}
	int n = snprintf(out, 32, "%.17g", v);
	return n > 0 ? (size_t)n : 0;
}

/* Checks a name element: non-empty, no newline. Returns its length or -1. */
static long check_name(const char *s)
{
	size_t n = span(s, CL_NL);
	if (n == 0 || s[n])
		return -1;
	return (long)n;
}

/* Escapes the NUL-terminated s of class cl at p; returns bytes written
 * (<= 2 strlen(s), which the caller reserved). A backslash is doubled only
 * where a reader would otherwise take it as an escape: before another
 * special byte, before a backslash, or at the end. */
static size_t esc(char *p, const char *s, unsigned cl)
{
	/* Most names need nothing: one SIMD scan and a copy (the byte loop was
	 * a twentieth of the collector's time at 10,000 polls a second). */
	size_t n = span(s, cl | CL_BS);
	if (!s[n]) {
		memcpy(p, s, n);
		return n;
	}
	char *o = p;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (special[c] & cl) {
			*o++ = '\\';
		} else if (c == '\\' && cl != CL_STR) {
			unsigned char nx = (unsigned char)s[1];
			if (!nx || (special[nx] & cl) || nx == '\\')
				*o++ = '\\';
		}
		*o++ = (char)c;
	}
	return (size_t)(o - p);
}

enum pp_err pp_lineproto_encode(struct pp_buf *out, const struct pp_sample *s, unsigned flags,
				struct pp_errbuf *eb)
{
	if (!s->measurement || check_name(s->measurement) < 0)
		return pp_err_set(eb, PP_ERR_ARG, "measurement is empty or holds a newline");
	if (s->measurement[0] == '#')
		return pp_err_set(eb, PP_ERR_ARG, "measurement '%s' starts with '#' (a comment line)",
			       s->measurement);

	/* Worst case: every byte escaped, numbers at most 32 bytes, separators. */
	size_t need = 2 * strlen(s->measurement) + 32;
	for (size_t i = 0; i < s->ntags; i++) {
		long kn = check_name(s->tags[i].key);
		if (kn < 0)
			return pp_err_set(eb, PP_ERR_ARG, "tag %zu: key is empty or holds a newline", i);
		const char *v = s->tags[i].val ? s->tags[i].val : "";
		size_t vn = span(v, CL_NL);
		if (v[vn])
			return pp_err_set(eb, PP_ERR_ARG, "tag '%s': value holds a newline",
				       s->tags[i].key);
		need += 2 * ((size_t)kn + vn) + 2;
	}
	for (size_t i = 0; i < s->nfields; i++) {
		long kn = check_name(s->fields[i].key);
		if (kn < 0)
			return pp_err_set(eb, PP_ERR_ARG, "field %zu: key is empty or holds a newline", i);
		need += 2 * (size_t)kn + 36;
		if (s->fields[i].type == PP_F_STRING)
			need += 2 * strlen(s->fields[i].v.s ? s->fields[i].v.s : "");
	}
	enum pp_err e = pp_buf_reserve(out, need);
	if (e)
		return pp_err_set(eb, e, "out of memory encoding a line");

	char *start = out->data + out->len;
	char *p = start;
	p += esc(p, s->measurement, CL_MEAS);
	for (size_t i = 0; i < s->ntags; i++) {
		const char *v = s->tags[i].val;
		if (!v || !*v)
			continue; /* InfluxDB cannot store an empty tag value */
		*p++ = ',';
		p += esc(p, s->tags[i].key, CL_KEY);
		*p++ = '=';
		p += esc(p, v, CL_KEY);
	}
	char sep = ' ';
	for (size_t i = 0; i < s->nfields; i++) {
		const struct pp_field *f = &s->fields[i];
		if (f->type == PP_F_FLOAT && !isfinite(f->v.f))
			continue;
		*p++ = sep;
		sep = ',';
		p += esc(p, f->key, CL_KEY);
		*p++ = '=';
		switch (f->type) {
		case PP_F_FLOAT:
			p += pp_lineproto_fmt_double(p, f->v.f);
			break;
		case PP_F_INT:
			p += fmt_i64(p, f->v.i);
			*p++ = 'i';
			break;
		case PP_F_UINT:
			if (!(flags & PP_LP_NO_UINT)) {
				p += fmt_u64(p, f->v.u);
				*p++ = 'u';
			} else if (f->v.u <= (uint64_t)INT64_MAX) {
				p += fmt_u64(p, f->v.u);
				*p++ = 'i';
			} else { /* beyond int64: a float keeps the magnitude */
				p += pp_lineproto_fmt_double(p, (double)f->v.u);
			}
			break;
		case PP_F_BOOL:
			if (f->v.b) {
				memcpy(p, "true", 4);
				p += 4;
			} else {
				memcpy(p, "false", 5);
				p += 5;
			}
			break;
		case PP_F_STRING: {
			const char *sv = f->v.s ? f->v.s : "";
			*p++ = '"';
			p += esc(p, sv, CL_STR);
			*p++ = '"';
			break;
		}
		}
	}
	if (sep == ' ') {
		out->data[out->len] = '\0';
		return pp_err_set(eb, PP_ERR_ARG, "measurement '%s': no field with a writable value",
			       s->measurement);
	}
	if (s->has_ts) {
		*p++ = ' ';
		p += fmt_i64(p, s->ts_ns);
	}
	*p++ = '\n';
	out->len += (size_t)(p - start);
	out->data[out->len] = '\0';
	return PP_OK;
}
