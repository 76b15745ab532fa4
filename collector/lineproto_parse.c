/* lineproto_parse.c - strict InfluxDB line-protocol parser.
 *
 * Used by the optimizer's /write endpoint, so it must take any bytes: every
 * read is bounds-checked against the end of the input, nothing assumes a NUL,
 * and a bad line is skipped with its number and reason. Strings are
 * unescaped into an arena; samples refer to it by offset while parsing (the
 * arena moves as it grows) and are turned into pointers at the end. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/lineproto.h"

/* While parsing, string pointers hold arena offsets + 1 cast to pointers. */
#define OFF2PTR(o) ((const char *)(uintptr_t)((o) + 1))
#define PTR2OFF(p) ((size_t)(uintptr_t)(p) - 1)

#define PP_LP_MAX_NUMBER 400 /* characters of a float value (strtod gets a copy) */

void pp_lineproto_result_init(struct pp_lineproto_result *r)
{
	memset(r, 0, sizeof *r);
	pp_buf_init(&r->arena_);
}

void pp_lineproto_result_free(struct pp_lineproto_result *r)
{
	free(r->samples);
	free(r->tags_);
	free(r->fields_);
	pp_buf_free(&r->arena_);
	pp_lineproto_result_init(r);
}

struct cur {
	const char *p, *end;
	size_t line;
};

static void bad(struct pp_lineproto_result *r, size_t line, const char *fmt, ...) PP_PRINTF(3, 4);
static void bad(struct pp_lineproto_result *r, size_t line, const char *fmt, ...)
{
	r->nbad++;
	if (r->nerrors >= PP_LP_MAX_ERRORS)
		return;
	struct pp_lineproto_error *e = &r->errors[r->nerrors++];
	e->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof e->reason, fmt, ap);
	va_end(ap);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 64;
	while (nc < need)
		nc *= 2;
	void *p = realloc(*arr, nc * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = nc;
	return 0;
}

enum { K_MEAS, K_KEY }; /* identifier classes */

static int is_special(int cls, char c)
{
	if (c == ',' || c == ' ')
		return 1;
	return cls == K_KEY && c == '=';
}

/* Reads an identifier up to an unescaped terminator of its class, unescaping
 * into the arena. Stops at end of line too. Returns arena offset or -1. */
static long read_ident(struct cur *c, int cls, struct pp_buf *arena, size_t *outlen)
{
	size_t off = arena->len;
	const char *p = c->p;
	while (p < c->end && *p != '\n') {
		char ch = *p;
		if (ch == '\\' && p + 1 < c->end) {
			char nx = p[1];
			if (is_special(cls, nx) || nx == '\\') {
				if (pp_buf_append(arena, &nx, 1))
					return -2;
				p += 2;
				continue;
			}
		} else if (is_special(cls, ch)) {
			break;
		}
		if (ch == '\0' || ch == '\r') {
			if (ch == '\r' && p + 1 < c->end && p[1] == '\n')
				break;
			c->p = p;
			return -1;
		}
		if (pp_buf_append(arena, &ch, 1))
			return -2;
		p++;
	}
	*outlen = arena->len - off;
	if (pp_buf_append(arena, "", 1)) /* NUL terminator */
		return -2;
	c->p = p;
	return (long)off;
}

static int at_eol(const struct cur *c)
{
	return c->p >= c->end || *c->p == '\n' ||
	       (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n') ||
	       (*c->p == '\r' && c->p + 1 == c->end);
}

/* Parses the decimal digits of [s, e) (no sign); returns 0 on success. */
static int parse_u64(const char *s, const char *e, uint64_t *out)
{
	if (s == e)
		return -1;
	uint64_t v = 0;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Parses a decimal integer of [s, e), signed; returns 0 on success. */
static int parse_i64(const char *s, const char *e, int64_t *out)
{
	int neg = 0;
	if (s < e && (*s == '-' || *s == '+')) {
		neg = *s == '-';
		s++;
	}
	uint64_t v;
	if (parse_u64(s, e, &v))
		return -1;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -1;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)v;
	}
	return 0;
}

/* Strict float grammar: [-+]?(digits[.digits*]|.digits)([eE][-+]?digits)? */
static int parse_float(const char *s, const char *e, double *out)
{
	const char *p = s;
	if (p < e && (*p == '-' || *p == '+'))
		p++;
	size_t nd = 0;
	while (p < e && *p >= '0' && *p <= '9')
		p++, nd++;
	if (p < e && *p == '.') {
		p++;
		while (p < e && *p >= '0' && *p <= '9')
			p++, nd++;
	}
	if (nd == 0)
		return -1;
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '-' || *p == '+'))
			p++;
		size_t ne = 0;
		while (p < e && *p >= '0' && *p <= '9')
			p++, ne++;
		if (ne == 0)
			return -1;
	}
	if (p != e || e - s > PP_LP_MAX_NUMBER)
		return -1;
	char tmp[PP_LP_MAX_NUMBER + 1];
	memcpy(tmp, s, (size_t)(e - s));
	tmp[e - s] = '\0';
	errno = 0;
	double v = strtod(tmp, NULL);
	if (!isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, size_t n, int *out)
{
	static const char *t[] = {"t", "T", "true", "True", "TRUE"};
	static const char *f[] = {"f", "F", "false", "False", "FALSE"};
	for (size_t i = 0; i < 5; i++) {
		if (strlen(t[i]) == n && !memcmp(s, t[i], n))
			return *out = 1, 0;
		if (strlen(f[i]) == n && !memcmp(s, f[i], n))
			return *out = 0, 0;
	}
	return -1;
}

static void skip_line(struct cur *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
}

/* Steps of one line. Each returns 0 when its part was read, 1 for a bad
 * line (recorded with bad(): the caller rejects the line), -1 for out of
 * memory. */

/* A tag or field key (what) and its '='; *ko is the key's arena offset. */
static int read_key(struct cur *c, struct pp_lineproto_result *r, size_t line, const char *what,
		    size_t nth, long *ko)
{
	size_t kn;
	*ko = read_ident(c, K_KEY, &r->arena_, &kn);
	if (*ko == -2)
		return -1;
	if (*ko < 0 || kn == 0) {
		bad(r, line, "%s %zu: missing or bad %s key", what, nth, what);
		return 1;
	}
	if (c->p >= c->end || *c->p != '=') {
		bad(r, line, "%s key '%.40s': expected '='", what, r->arena_.data + *ko);
		return 1;
	}
	c->p++;
	return 0;
}

/* ",k=v" pairs after the measurement, into r's tags (s counts them). */
static int parse_tags(struct cur *c, struct pp_lineproto_result *r, size_t line,
		      struct pp_sample *s)
{
	struct pp_buf *a = &r->arena_;
	size_t tags_mark = r->ntags_;
	while (c->p < c->end && *c->p == ',') {
		c->p++;
		size_t vn;
		long ko, vo;
		int k = read_key(c, r, line, "tag", s->ntags + 1, &ko);
		if (k)
			return k;
		vo = read_ident(c, K_KEY, a, &vn);
		if (vo == -2)
			return -1;
		if (vo < 0 || vn == 0) {
			bad(r, line, "tag '%.40s': missing or bad tag value", a->data + ko);
			return 1;
		}
		for (size_t i = tags_mark; i < r->ntags_; i++) {
			if (!strcmp(a->data + PTR2OFF(r->tags_[i].key), a->data + ko)) {
				bad(r, line, "duplicate tag key '%.40s'", a->data + ko);
				return 1;
			}
		}
		if (grow((void **)&r->tags_, &r->cap_tags_, r->ntags_ + 1, sizeof *r->tags_))
			return -1;
		r->tags_[r->ntags_].key = OFF2PTR((size_t)ko);
		r->tags_[r->ntags_].val = OFF2PTR((size_t)vo);
		r->ntags_++;
		s->ntags++;
	}
	return 0;
}

/* A quoted string value (c->p at its opening quote), unescaped into the
 * arena; ko names the field in messages. */
static int parse_string(struct cur *c, struct pp_lineproto_result *r, size_t line, long ko,
			struct pp_field *f)
{
	struct pp_buf *a = &r->arena_;
	c->p++;
	size_t so = a->len;
	int closed = 0;
	while (c->p < c->end) {
		char ch = *c->p;
		if (ch == '\\' && c->p + 1 < c->end && (c->p[1] == '"' || c->p[1] == '\\')) {
			ch = c->p[1];
			c->p += 2;
		} else if (ch == '"') {
			c->p++;
			closed = 1;
			break;
		} else {
			if (ch == '\n')
				c->line++;
			c->p++;
		}
		if (ch == '\0') {
			bad(r, line, "NUL byte in string field '%.40s'", a->data + ko);
			return 1;
		}
		if (pp_buf_append(a, &ch, 1))
			return -1;
	}
	if (!closed) {
		bad(r, line, "string field '%.40s': missing closing quote", a->data + ko);
		return 1;
	}
	if (pp_buf_append(a, "", 1))
		return -1;
	f->type = PP_F_STRING;
	f->v.s = OFF2PTR(so);
	return 0;
}

/* An unquoted value: integer (i), unsigned (u), boolean or float. */
static int parse_value(struct cur *c, struct pp_lineproto_result *r, size_t line, long ko,
		       struct pp_field *f)
{
	const char *key = r->arena_.data + ko;
	const char *vs = c->p;
	while (c->p < c->end && *c->p != ',' && *c->p != ' ' && *c->p != '\n' && *c->p != '\r')
		c->p++;
	const char *ve = c->p;
	size_t vn = (size_t)(ve - vs);
	if (vn == 0) {
		bad(r, line, "field '%.40s': missing value", key);
		return 1;
	}
	if (ve[-1] == 'i') {
		f->type = PP_F_INT;
		if (parse_i64(vs, ve - 1, &f->v.i)) {
			bad(r, line, "field '%.40s': bad or out-of-range integer", key);
			return 1;
		}
	} else if (ve[-1] == 'u') {
		f->type = PP_F_UINT;
		if (parse_u64(vs, ve - 1, &f->v.u)) {
			bad(r, line, "field '%.40s': bad or out-of-range unsigned", key);
			return 1;
		}
	} else if (!parse_bool(vs, vn, &f->v.b)) {
		f->type = PP_F_BOOL;
	} else {
		f->type = PP_F_FLOAT;
		if (parse_float(vs, ve, &f->v.f)) {
			bad(r, line, "field '%.40s': bad value '%.*s'", key, (int)(vn > 40 ? 40 : vn),
			    vs);
			return 1;
		}
	}
	return 0;
}

/* "k=v[,k=v...]" after the space, into r's fields (s counts them). */
static int parse_fields(struct cur *c, struct pp_lineproto_result *r, size_t line,
			struct pp_sample *s)
{
	for (;;) {
		long ko;
		int k = read_key(c, r, line, "field", s->nfields + 1, &ko);
		if (k)
			return k;
		struct pp_field f = {.key = OFF2PTR((size_t)ko)};
		k = c->p < c->end && *c->p == '"' ? parse_string(c, r, line, ko, &f)
						  : parse_value(c, r, line, ko, &f);
		if (k)
			return k;
		if (grow((void **)&r->fields_, &r->cap_fields_, r->nfields_ + 1,
			 sizeof *r->fields_))
			return -1;
		r->fields_[r->nfields_++] = f;
		s->nfields++;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		return 0;
	}
}

/* The optional timestamp, in units of mult nanoseconds, into s->ts_ns. */
static int parse_ts(struct cur *c, struct pp_lineproto_result *r, size_t line, int64_t mult,
		    struct pp_sample *s)
{
	if (c->p >= c->end || *c->p != ' ')
		return 0;
	while (c->p < c->end && *c->p == ' ')
		c->p++;
	if (at_eol(c))
		return 0;
	const char *ts = c->p;
	while (c->p < c->end && *c->p != '\n' && *c->p != ' ' && *c->p != '\r')
		c->p++;
	int64_t v;
	if (parse_i64(ts, c->p, &v)) {
		bad(r, line, "bad timestamp '%.*s'", (int)((c->p - ts) > 40 ? 40 : (c->p - ts)), ts);
		return 1;
	}
	if ((v > 0 && v > INT64_MAX / mult) || (v < 0 && v < INT64_MIN / mult)) {
		bad(r, line, "timestamp out of range for its precision");
		return 1;
	}
	s->ts_ns = v * mult;
	while (c->p < c->end && *c->p == ' ')
		c->p++;
	return 0;
}

/* Parses one line starting at c->p (not blank, not a comment). Returns 0 and
 * appends a sample, 1 for a bad line (recorded), -1 for out of memory. */
static int parse_line(struct cur *c, struct pp_lineproto_result *r, int64_t mult, int64_t dflt_ts)
{
	size_t line = c->line;
	struct pp_buf *a = &r->arena_;
	size_t arena_mark = a->len, tags_mark = r->ntags_, fields_mark = r->nfields_;
	size_t n;
	int k;
	long off = read_ident(c, K_MEAS, a, &n);
	if (off == -2)
		return -1;
	if (off < 0) {
		bad(r, line, "control character in measurement");
		goto reject;
	}
	if (n == 0) {
		bad(r, line, "missing measurement");
		goto reject;
	}
	struct pp_sample s = {.measurement = OFF2PTR((size_t)off)};
	s.tags = (void *)(uintptr_t)r->ntags_;
	if ((k = parse_tags(c, r, line, &s)))
		goto step_failed;
	if (c->p >= c->end || *c->p != ' ') {
		bad(r, line, at_eol(c) ? "missing fields" : "expected a space before the fields");
		goto reject;
	}
	while (c->p < c->end && *c->p == ' ')
		c->p++;
	if (at_eol(c)) {
		bad(r, line, "missing fields");
		goto reject;
	}
	s.fields = (void *)(uintptr_t)r->nfields_;
	if ((k = parse_fields(c, r, line, &s)))
		goto step_failed;
	s.ts_ns = dflt_ts;
	s.has_ts = 1;
	if ((k = parse_ts(c, r, line, mult, &s)))
		goto step_failed;
	if (!at_eol(c)) {
		bad(r, line, "unexpected text after %s", s.ts_ns == dflt_ts ? "fields" : "timestamp");
		goto reject;
	}
	if (grow((void **)&r->samples, &r->cap_samples_, r->nsamples + 1, sizeof *r->samples))
		return -1;
	r->samples[r->nsamples++] = s;
	skip_line(c);
	return 0;
step_failed:
	if (k < 0)
		return -1;
reject:
	a->len = arena_mark;
	r->ntags_ = tags_mark;
	r->nfields_ = fields_mark;
	skip_line(c);
	return 1;
}

enum pp_err pp_lineproto_parse(const char *buf, size_t len, enum pp_lineproto_precision prec,
			       int64_t default_ts_ns, struct pp_lineproto_result *r)
{
	static const int64_t mults[] = {1, 1000, 1000000, 1000000000};
	pp_lineproto_result_free(r);
	struct cur c = {.p = buf, .end = buf + len, .line = 1};
	int64_t mult = mults[prec];
	while (c.p < c.end) {
		while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
			c.p++;
		if (c.p < c.end && *c.p == '#')
			skip_line(&c);
		else if (!at_eol(&c) && parse_line(&c, r, mult, default_ts_ns) < 0)
			return PP_ERR_NOMEM;
		if (c.p < c.end && *c.p == '\r')
			c.p++;
		if (c.p < c.end && *c.p == '\n') {
			c.p++;
			c.line++;
		}
	}
	/* Offsets become pointers now that the arena no longer moves. */
	const char *base = r->arena_.data;
	for (size_t i = 0; i < r->ntags_; i++) {
		r->tags_[i].key = base + PTR2OFF(r->tags_[i].key);
		r->tags_[i].val = base + PTR2OFF(r->tags_[i].val);
	}
	for (size_t i = 0; i < r->nfields_; i++) {
		r->fields_[i].key = base + PTR2OFF(r->fields_[i].key);
		if (r->fields_[i].type == PP_F_STRING)
			r->fields_[i].v.s = base + PTR2OFF(r->fields_[i].v.s);
	}
	for (size_t i = 0; i < r->nsamples; i++) {
		struct pp_sample *s = &r->samples[i];
		s->measurement = base + PTR2OFF(s->measurement);
		s->tags = s->ntags ? r->tags_ + (size_t)(uintptr_t)s->tags : NULL;
		s->fields = r->fields_ + (size_t)(uintptr_t)s->fields;
	}
	return PP_OK;
}
