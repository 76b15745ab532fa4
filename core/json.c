/* json.c - the JSON writer (see json.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "powerpark/json.h"

void pp_json_init(struct pp_json *j, struct pp_buf *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

static void put(struct pp_json *j, const char *s, size_t n)
{
	if (!j->err)
		j->err = pp_buf_append(j->out, s, n);
}

/* Before any value: the comma between members, and the check that an
 * object's member has its key. */
static int value_begins(struct pp_json *j)
{
	if (j->err)
		return 0;
	if (j->depth > 0 && j->open[j->depth - 1] == '{') {
		if (!j->want_value) {
			j->err = PP_ERR_ARG; /* a value where a key belongs */
			return 0;
		}
		j->want_value = 0;
		return 1;
	}
	if (j->depth > 0) {
		if (j->count[j->depth - 1])
			put(j, ",", 1);
		if (j->count[j->depth - 1] < 255)
			j->count[j->depth - 1]++;
	}
	return !j->err;
}

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 when it is
 * not one: overlong forms, surrogates and code points past U+10FFFF are not. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	unsigned cp = c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

enum pp_err pp_json_quote(struct pp_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	enum pp_err e = pp_buf_append(out, "\"", 1);
	size_t i = 0;
	while (!e && i < n) {
		/* The longest run that needs no escape goes in one append. */
		size_t run = 0, l;
		while (i + run < n && p[i + run] >= 0x20 && p[i + run] != '"' &&
		       p[i + run] != '\\' && (l = utf8_len(p + i + run, n - i - run)) > 0)
			run += l;
		if (run) {
			e = pp_buf_append(out, s + i, run);
			i += run;
			continue;
		}
		unsigned char c = p[i];
		char esc[8];
		if (c == '"' || c == '\\')
			e = pp_buf_append(out, c == '"' ? "\\\"" : "\\\\", 2);
		else if (c == '\n')
			e = pp_buf_append(out, "\\n", 2);
		else if (c == '\t')
			e = pp_buf_append(out, "\\t", 2);
		else if (c == '\r')
			e = pp_buf_append(out, "\\r", 2);
		else if (c < 0x20)
			e = pp_buf_append(out, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", c));
		else
			e = pp_buf_append(out, "\\ufffd", 6); /* not UTF-8 */
		i++;
	}
	return e ? e : pp_buf_append(out, "\"", 1);
}

static void open_(struct pp_json *j, char c)
{
	if (!value_begins(j))
		return;
	if (j->depth >= PP_JSON_DEPTH) {
		j->err = PP_ERR_ARG;
		return;
	}
	put(j, &c, 1);
	j->open[j->depth] = (unsigned char)c;
	j->count[j->depth] = 0;
	j->depth++;
}

void pp_json_obj(struct pp_json *j)
{
	open_(j, '{');
}

void pp_json_arr(struct pp_json *j)
{
	open_(j, '[');
}

void pp_json_end(struct pp_json *j)
{
	if (j->err)
		return;
	if (!j->depth || j->want_value) {
		j->err = PP_ERR_ARG;
		return;
	}
	j->depth--;
	put(j, j->open[j->depth] == '{' ? "}" : "]", 1);
}

void pp_json_key(struct pp_json *j, const char *k)
{
	if (j->err)
		return;
	if (!j->depth || j->open[j->depth - 1] != '{' || j->want_value || !k) {
		j->err = PP_ERR_ARG;
		return;
	}
	if (j->count[j->depth - 1])
		put(j, ",", 1);
	if (j->count[j->depth - 1] < 255)
		j->count[j->depth - 1]++;
	if (!j->err)
		j->err = pp_json_quote(j->out, k, strlen(k));
	put(j, ":", 1);
	j->want_value = 1;
}

void pp_json_strn(struct pp_json *j, const char *s, size_t n)
{
	if (!value_begins(j))
		return;
	if (!s)
		put(j, "null", 4);
	else
		j->err = pp_json_quote(j->out, s, n);
}

void pp_json_str(struct pp_json *j, const char *s)
{
	pp_json_strn(j, s, s ? strlen(s) : 0);
}

/* A number with prec digits after the point (fixed) or significant. */
static void number(struct pp_json *j, int fixed, int prec, double v)
{
	if (!value_begins(j))
		return;
	if (!isfinite(v)) {
		put(j, "null", 4);
		return;
	}
	char tmp[352]; /* %.*f of 1e308 with a few decimals */
	int n = fixed ? snprintf(tmp, sizeof tmp, "%.*f", prec, v)
		      : snprintf(tmp, sizeof tmp, "%.*g", prec, v);
	if (n < 0 || (size_t)n >= sizeof tmp)
		j->err = PP_ERR_ARG;
	else
		put(j, tmp, (size_t)n);
}

void pp_json_num(struct pp_json *j, double v, int decimals)
{
	number(j, 1, decimals < 0 ? 0 : decimals > 17 ? 17 : decimals, v);
}

void pp_json_sig(struct pp_json *j, double v, int digits)
{
	number(j, 0, digits < 1 ? 1 : digits > 17 ? 17 : digits, v);
}

void pp_json_int(struct pp_json *j, long long v)
{
	if (!value_begins(j))
		return;
	char tmp[24];
	put(j, tmp, (size_t)snprintf(tmp, sizeof tmp, "%lld", v));
}

void pp_json_uint(struct pp_json *j, unsigned long long v)
{
	if (!value_begins(j))
		return;
	char tmp[24];
	put(j, tmp, (size_t)snprintf(tmp, sizeof tmp, "%llu", v));
}

void pp_json_bool(struct pp_json *j, int b)
{
	if (value_begins(j))
		put(j, b ? "true" : "false", b ? 4 : 5);
}

void pp_json_null(struct pp_json *j)
{
	if (value_begins(j))
		put(j, "null", 4);
}

void pp_json_kstr(struct pp_json *j, const char *k, const char *s)
{
	pp_json_key(j, k);
	pp_json_str(j, s);
}

void pp_json_knum(struct pp_json *j, const char *k, double v, int decimals)
{
	pp_json_key(j, k);
	pp_json_num(j, v, decimals);
}

void pp_json_kcap(struct pp_json *j, const char *k, double v, int decimals)
{
	int d = decimals < 0 ? 0 : decimals > 9 ? 9 : decimals;
	double s = pow(10, d), r = floor(v * s) / s;
	/* floor of a product that rounded up, and the printing of r, must
	 * not land above v: one step lower then. */
	if (isfinite(r) && r > v)
		r = (floor(v * s) - 1) / s;
	pp_json_key(j, k);
	pp_json_num(j, r, d);
}

void pp_json_ksig(struct pp_json *j, const char *k, double v, int digits)
{
	pp_json_key(j, k);
	pp_json_sig(j, v, digits);
}

void pp_json_kint(struct pp_json *j, const char *k, long long v)
{
	pp_json_key(j, k);
	pp_json_int(j, v);
}

void pp_json_kbool(struct pp_json *j, const char *k, int b)
{
	pp_json_key(j, k);
	pp_json_bool(j, b);
}

enum pp_err pp_json_done(const struct pp_json *j)
{
	if (j->err)
		return j->err;
	return j->depth || j->want_value ? PP_ERR_ARG : PP_OK;
}
