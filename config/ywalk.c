/* ywalk.c - YAML walking helpers with file:line:column problems (ywalk.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ywalk.h"
#include "powerpark/diag.h"

void *yalloc(struct ywalk *w, size_t n)
{
	struct ypool *p = w->pool;
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 64;
		void **np = realloc(p->ptrs, nc * sizeof *np);
		if (!np)
			abort(); /* a config that does not fit in memory is not recoverable */
		p->ptrs = np;
		p->cap = nc;
	}
	void *m = calloc(1, n ? n : 1);
	if (!m)
		abort();
	p->ptrs[p->n++] = m;
	return m;
}

char *ystrdup(struct ywalk *w, const char *s, size_t n)
{
	char *d = yalloc(w, n + 1);
	memcpy(d, s, n);
	return d;
}

void ypool_free(struct ypool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->ptrs[i]);
	free(p->ptrs);
	p->ptrs = NULL;
	p->n = p->cap = 0;
}

struct pp_pos ypos(struct ywalk *w, struct fy_node *n, struct pp_pos fallback)
{
	(void)w;
	while (n) {
		enum fy_node_type t = fy_node_get_type(n);
		if (t == FYNT_SCALAR) {
			struct fy_token *tok = fy_node_get_scalar_token(n);
			const struct fy_mark *m = tok ? fy_token_start_mark(tok) : NULL;
			if (!m)
				return fallback;
			struct pp_pos p = {fallback.file, m->line + 1, m->column + 1};
			return p;
		}
		void *it = NULL;
		if (t == FYNT_MAPPING) {
			struct fy_node_pair *pr = fy_node_mapping_iterate(n, &it);
			n = pr ? fy_node_pair_key(pr) : NULL;
		} else {
			n = fy_node_sequence_iterate(n, &it);
		}
	}
	return fallback;
}

struct pp_pos yposn(struct ywalk *w, struct fy_node *n)
{
	struct pp_pos fb = {w->file, 1, 1};
	return ypos(w, n, fb);
}

static void vproblem(struct ywalk *w, struct pp_pos pos, const char *fmt, va_list ap)
{
	if (!pos.file)
		pos.file = w->file;
	pp_diag_vat(w->diags, pos, fmt, ap);
	w->nproblems++;
}

void yproblem_at(struct ywalk *w, struct pp_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(w, pos, fmt, ap);
	va_end(ap);
}

void yproblem(struct ywalk *w, struct fy_node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(w, yposn(w, n), fmt, ap);
	va_end(ap);
}

/* The length of the valid UTF-8 sequence at s[0..n) (1 to 4 bytes), or 0
 * when it is not one: a stray continuation byte, a lead byte that is cut
 * short, an overlong form, a surrogate or a code point over U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	size_t k = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
		 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	if (!k || n < k)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return k;
}

/* Whether the character of the k-byte UTF-8 sequence at s is one YAML 1.2
 * allows in a stream (c-printable: tab, line breaks, and no other control
 * character, surrogate or non-character U+FFFE, U+FFFF). */
static int yaml_printable(const unsigned char *s, size_t k, unsigned long *cp)
{
	unsigned long c = k == 1 ? s[0] : s[0] & (0x7f >> k);
	for (size_t i = 1; i < k; i++)
		c = c << 6 | (s[i] & 0x3f);
	*cp = c;
	return c == 0x09 || c == 0x0a || c == 0x0d || (c >= 0x20 && c <= 0x7e) || c == 0x85 ||
	       (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	       (c >= 0x10000 && c <= 0x10ffff);
}

/* Whether text[0..len) is all UTF-8 of characters YAML allows; if not, the
 * first bad byte or character is reported at its line and column (in
 * characters, as libfyaml counts them). libfyaml 0.7.12 loops forever on a
 * directive line holding bytes that are not UTF-8 (`%\xff`), and crashes
 * cleaning up after a NUL in some documents (found by fuzz_plan;
 * docs/libfyaml-upstream.md), so such text is never handed to it. */
static int utf8_ok(struct ywalk *w, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	int line = 1, col = 1;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(s + i, len - i);
		if (!k) {
			struct pp_pos p = {w->file, line, col};
			yproblem_at(w, p, "not valid UTF-8 (byte 0x%02x); a YAML file must be "
				    "UTF-8", s[i]);
			return 0;
		}
		unsigned long cp;
		if (!yaml_printable(s + i, k, &cp)) {
			struct pp_pos p = {w->file, line, col};
			yproblem_at(w, p, "character U+%04lX is not allowed in YAML (only tab, "
				    "line breaks and printable characters)", cp);
			return 0;
		}
		if (s[i] == '\n')
			line++, col = 1;
		else
			col++;
		i += k;
	}
	return 1;
}

/* The whole file at path, pooled (the document points into it), its length
 * at *len; NULL and reported when it cannot be read or is over
 * PP_YAML_MAX_BYTES bytes. */
static char *slurp(struct ywalk *w, const char *path, size_t *len)
{
	struct pp_pos p = {w->file, 1, 1};
	FILE *f = fopen(path, "rb");
	if (!f) {
		yproblem_at(w, p, "cannot open: %s", strerror(errno));
		return NULL;
	}
	size_t n = 0, cap = 0;
	char *buf = NULL;
	for (;;) {
		if (n == cap) {
			if (cap >= PP_YAML_MAX_BYTES)
				break;
			cap = cap ? cap * 2 : 4096;
			char *nb = realloc(buf, cap + 1);
			if (!nb)
				abort(); /* as yalloc: a config that does not fit is not recoverable */
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int err = ferror(f), big = n >= PP_YAML_MAX_BYTES && !feof(f);
	fclose(f);
	char *out = NULL;
	if (err)
		yproblem_at(w, p, "cannot read: %s", strerror(errno));
	else if (big)
		yproblem_at(w, p, "the file holds %u MiB or more; a YAML file must be smaller",
			    PP_YAML_MAX_BYTES >> 20);
	else
		out = ystrdup(w, buf ? buf : "", n);
	free(buf);
	*len = n;
	return out;
}

/* Whether every single-quoted scalar under n (in text) is one libfyaml
 * 0.7.12 reads right; the first that is not is reported. Its iterator turns
 * two escaped quotes in a row ('''' inside the quotes) into three, the text
 * no longer fits the length it measured, and fy_node_get_scalar returns
 * NULL and leaks the iterator's chunks (libfyaml#233, fixed upstream after
 * 0.7.12: docs/libfyaml-upstream.md). Reads positions only, never a
 * scalar's text; the depth is libfyaml's (64 at most). */
static int quotes_ok(struct ywalk *w, struct fy_node *n, const char *text, size_t len)
{
	void *it = NULL;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: {
		struct fy_token *tok = fy_node_get_scalar_token(n);
		const struct fy_mark *a = tok ? fy_token_start_mark(tok) : NULL;
		const struct fy_mark *b = tok ? fy_token_end_mark(tok) : NULL;
		if (fy_node_get_style(n) != FYNS_SINGLE_QUOTED || !a || !b ||
		    a->input_pos >= b->input_pos || b->input_pos > len ||
		    !memmem(text + a->input_pos, b->input_pos - a->input_pos, "''''", 4))
			return 1;
		struct pp_pos p = {w->file, a->line + 1, a->column + 1};
		yproblem_at(w, p, "a single-quoted string with two '' in a row, which libfyaml "
			    "0.7.12 misreads; write it in double quotes");
		return 0;
	}
	case FYNT_SEQUENCE: {
		struct fy_node *item;
		while ((item = fy_node_sequence_iterate(n, &it)))
			if (!quotes_ok(w, item, text, len))
				return 0;
		return 1;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *pr;
		while ((pr = fy_node_mapping_iterate(n, &it))) {
			struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
			if ((k && !quotes_ok(w, k, text, len)) || (v && !quotes_ok(w, v, text, len)))
				return 0;
		}
		return 1;
	}
	}
	return 1;
}

struct fy_document *yparse(struct ywalk *w, const char *path, const char *text, size_t len)
{
	if (!text && !(text = slurp(w, path, &len)))
		return NULL;
	if (!utf8_ok(w, text, len))
		return NULL;
	struct fy_diag_cfg dc;
	fy_diag_cfg_default(&dc);
	dc.fp = NULL;
	dc.output_fn = NULL;
	struct fy_diag *diag = fy_diag_create(&dc);
	if (!diag)
		return NULL;
	fy_diag_set_collect_errors(diag, true);
	struct fy_parse_cfg pc = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG, .diag = diag};
	struct fy_document *doc = fy_document_build_from_string(&pc, text, len);
	void *it = NULL;
	struct fy_diag_error *e;
	int n = 0;
	while ((e = fy_diag_errors_iterate(diag, &it))) {
		struct pp_pos p = {w->file, e->line > 0 ? e->line : 1, e->column > 0 ? e->column : 1};
		yproblem_at(w, p, "YAML syntax error: %s", e->msg);
		n++;
	}
	if (!doc && !n) {
		struct pp_pos p = {w->file, 1, 1};
		yproblem_at(w, p, "YAML syntax error");
	}
	fy_diag_destroy(diag);
	struct fy_node *root = doc ? fy_document_root(doc) : NULL;
	if (root && !quotes_ok(w, root, text, len)) {
		fy_document_destroy(doc);
		return NULL;
	}
	return doc;
}

const char *yscalar(struct ywalk *w, struct fy_node *n)
{
	if (!n || fy_node_get_type(n) != FYNT_SCALAR)
		return NULL;
	size_t len;
	const char *s = fy_node_get_scalar(n, &len);
	return s ? ystrdup(w, s, len) : NULL;
}

struct fy_node *yget(struct fy_node *map, const char *key)
{
	if (!map || fy_node_get_type(map) != FYNT_MAPPING)
		return NULL;
	return fy_node_mapping_lookup_by_string(map, key, FY_NT);
}

const char *ytname(struct fy_node *n)
{
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR: return "a scalar";
	case FYNT_SEQUENCE: return "a list";
	case FYNT_MAPPING: return "a mapping";
	}
	return "something else";
}

int yis(struct ywalk *w, struct fy_node *v, const char *key, enum fy_node_type t)
{
	if (fy_node_get_type(v) == t)
		return 1;
	yproblem(w, v, "'%s': expected %s, got %s", key,
		 t == FYNT_SEQUENCE ? "a list" : "a mapping (key: value)", ytname(v));
	return 0;
}

/* The text of v if it is a plain (unquoted) scalar; else reported. */
static const char *plain(struct ywalk *w, struct fy_node *v, const char *key,
			 const char *expect)
{
	if (fy_node_get_type(v) != FYNT_SCALAR) {
		yproblem(w, v, "'%s': expected %s, got %s", key, expect, ytname(v));
		return NULL;
	}
	enum fy_node_style st = fy_node_get_style(v);
	if (st != FYNS_PLAIN && st != FYNS_ANY) {
		yproblem(w, v, "'%s': expected %s, got a quoted string", key, expect);
		return NULL;
	}
	return yscalar(w, v);
}

int ystr(struct ywalk *w, struct fy_node *v, const char *key, const char **out)
{
	const char *s = yscalar(w, v);
	if (!s) {
		yproblem(w, v, "'%s': expected a string, got %s", key, ytname(v));
		return -1;
	}
	if (!*s) {
		yproblem(w, v, "'%s': must not be empty", key);
		return -1;
	}
	*out = s;
	return 0;
}

int ynum(struct ywalk *w, struct fy_node *v, const char *key, double lo, double hi,
	 int lo_open, double *out)
{
	const char *s = plain(w, v, key, "a number");
	if (!s)
		return -1;
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(d)) {
		yproblem(w, v, "'%s': expected a number, got '%s'", key, s);
		return -1;
	}
	if (lo_open ? !(d > lo) : !(d >= lo)) {
		yproblem(w, v, "'%s': must be %s %g, got %s", key, lo_open ? ">" : ">=", lo, s);
		return -1;
	}
	if (d > hi) {
		yproblem(w, v, "'%s': must be <= %g, got %s", key, hi, s);
		return -1;
	}
	*out = d;
	return 0;
}

int yint(struct ywalk *w, struct fy_node *v, const char *key, long lo, long hi, long *out)
{
	const char *s = plain(w, v, key, "an integer");
	if (!s)
		return -1;
	char *end;
	errno = 0;
	/* 0x0156 as vendors print register maps (YAML 1.2's hex); a leading
	 * zero is still decimal, not octal. */
	int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	long d = strtol(hex ? s + 2 : s, &end, hex ? 16 : 10);
	/* strtol would also take a sign or blanks after the 0x: not hex. */
	if (end == (hex ? s + 2 : s) || *end || errno || (hex && !isxdigit((unsigned char)s[2]))) {
		yproblem(w, v, "'%s': expected an integer (decimal, or hex as 0x1f), got '%s'", key,
			 s);
		return -1;
	}
	if (d < lo || d > hi) {
		yproblem(w, v, "'%s': must be %ld-%ld, got %ld", key, lo, hi, d);
		return -1;
	}
	*out = d;
	return 0;
}

int ybool(struct ywalk *w, struct fy_node *v, const char *key, int *out)
{
	const char *s = plain(w, v, key, "true or false");
	if (!s)
		return -1;
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
		*out = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
		*out = 0;
	else {
		yproblem(w, v, "'%s': expected true or false, got '%s'", key, s);
		return -1;
	}
	return 0;
}

int yparse_time(const char *s, int64_t *out)
{
	int Y, M, D, h, m, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6)
		return -1;
	const char *z = s + n;
	long off = 0;
	if (!strcmp(z, "Z")) {
		off = 0;
	} else if ((z[0] == '+' || z[0] == '-') && strlen(z) == 6 && z[3] == ':') {
		int oh, om;
		if (sscanf(z + 1, "%2d:%2d", &oh, &om) != 2)
			return -1;
		off = (oh * 3600L + om * 60L) * (z[0] == '+' ? 1 : -1);
	} else {
		return -1;
	}
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -1;
	struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D,
			.tm_hour = h, .tm_min = m, .tm_sec = sec};
	*out = (int64_t)timegm(&tm) - off;
	return 0;
}
