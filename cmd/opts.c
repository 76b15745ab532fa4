/* opts.c - the one option parser of every command (opts.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "powerpark/units.h"

/* The width of --help's synopsis, and where the options' help starts at
 * the most. */
#define PP_OPTS_WIDTH 80
#define PP_OPTS_HELP_COLUMN 26
#define PP_OPTS_LINE 256 /* one message part, one synopsis item */

int pp_opts_fail(const struct pp_opts_cmd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "powerpark %s: ", c->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 2;
}

static int is_arg(const struct pp_opt *o)
{
	return o->name[0] != '-';
}

/* "from 1 to 1000 ms", ">= 0", "> 0 h", or "" without bounds. */
static void bounds(char *b, size_t n, const struct pp_opt *o, const char *unit)
{
	const char *sp = unit ? " " : "", *u = unit ? unit : "";
	if (isfinite(o->lo) && isfinite(o->hi))
		snprintf(b, n, " from %.15g to %.15g%s%s", o->lo, o->hi, sp, u);
	else if (isfinite(o->lo))
		snprintf(b, n, " %s %.15g%s%s", o->flags & PP_OPT_ABOVE ? ">" : ">=", o->lo, sp, u);
	else if (isfinite(o->hi))
		snprintf(b, n, " <= %.15g%s%s", o->hi, sp, u);
	else
		b[0] = 0;
}

static int in_bounds(const struct pp_opt *o, double v)
{
	return (o->flags & PP_OPT_ABOVE ? v > o->lo : v >= o->lo) && v <= o->hi;
}

/* The message for a value of o that cannot be used. */
static int bad(const struct pp_opts_cmd *c, const struct pp_opt *o, const char *v)
{
	char b[PP_OPTS_LINE], what[PP_OPTS_LINE];
	switch (o->kind) {
	case PP_OPT_INT:
	case PP_OPT_LONG:
		bounds(b, sizeof b, o, NULL);
		snprintf(what, sizeof what, "a whole number%s", b);
		break;
	case PP_OPT_NUM:
		bounds(b, sizeof b, o, NULL);
		snprintf(what, sizeof what, "a number%s", b);
		break;
	case PP_OPT_PCT:
		bounds(b, sizeof b, o, "%");
		snprintf(what, sizeof what, "a percentage%s (like 2%%)", b);
		break;
	case PP_OPT_DUR:
	case PP_OPT_DURI:
		bounds(b, sizeof b, o, NULL);
		snprintf(what, sizeof what, "a %snumber of %s%s (or a duration like 90s, 15min, 2h)",
			 o->kind == PP_OPT_DURI ? "whole " : "", o->unit, b);
		break;
	case PP_OPT_CHOICE: {
		size_t k = 0, at = 0;
		while (o->choices[k])
			k++;
		for (size_t i = 0; i < k && at < sizeof what; i++)
			at += (size_t)snprintf(what + at, sizeof what - at, "%s%s",
					       !i ? "" : i + 1 < k ? ", " : " or ", o->choices[i]);
		break;
	}
	default:
		snprintf(what, sizeof what, "%s", o->expect ? o->expect : "a value");
	}
	return pp_opts_fail(c, "%s: expected %s, not '%s'", o->name, what, v);
}

static int whole(const char *v, double lo, double hi, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* A duration of o in its unit; whole, for PP_OPT_DURI (to a part in 1e9:
 * "0.1s" is 100 ms). */
static int duration(const struct pp_opt *o, const char *v, double *out)
{
	double d;
	if (pp_units_duration(v, o->unit, &d))
		return -1;
	if (o->kind == PP_OPT_DURI) {
		double r = round(d);
		if (fabs(d - r) > 1e-9 * fmax(1, fabs(d)) || r > 2147483647.0)
			return -1;
		d = r;
	}
	if (!in_bounds(o, d))
		return -1;
	*out = d;
	return 0;
}

static int percent(const char *v, double *out)
{
	size_t n = strlen(v);
	char num[PP_OPTS_LINE];
	if (n && v[n - 1] == '%')
		n--;
	if (n >= sizeof num)
		return -1;
	memcpy(num, v, n);
	num[n] = 0;
	return pp_units_number(num, out) ? -1 : 0;
}

/* Stores v (borrowed) as o says; -1 when it cannot be used. */
static int store(const struct pp_opt *o, const char *v)
{
	long n;
	double d;
	switch (o->kind) {
	case PP_OPT_STR:
		*(const char **)o->dst = v;
		return 0;
	case PP_OPT_INT:
	case PP_OPT_LONG:
		if (whole(v, o->lo, o->hi, &n))
			return -1;
		if (o->kind == PP_OPT_INT)
			*(int *)o->dst = (int)n;
		else
			*(long *)o->dst = n;
		return 0;
	case PP_OPT_NUM:
	case PP_OPT_PCT:
		if ((o->kind == PP_OPT_NUM ? pp_units_number(v, &d) != PP_OK : percent(v, &d)) ||
		    !in_bounds(o, d))
			return -1;
		*(double *)o->dst = o->kind == PP_OPT_PCT ? d / 100 : d;
		return 0;
	case PP_OPT_DUR:
	case PP_OPT_DURI:
		if (duration(o, v, &d))
			return -1;
		if (o->kind == PP_OPT_DUR)
			*(double *)o->dst = d;
		else
			*(int *)o->dst = (int)d;
		return 0;
	case PP_OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++)
			if (!strcmp(o->choices[i], v)) {
				*(int *)o->dst = i;
				return 0;
			}
		return -1;
	case PP_OPT_CALL:
		return o->fn(o->dst, v);
	default:
		return -1;
	}
}

static const struct pp_opt *find(const struct pp_opt *t, const char *a)
{
	for (; t->name; t++)
		if (!is_arg(t) && (!strcmp(t->name, a) || (t->alias && !strcmp(t->alias, a))))
			return t;
	return NULL;
}

/* An argument that is not an option: the next argument entry not yet
 * filled, else the PP_OPT_ARGS entry (moving a to argv[1 + count]). */
static int argument(const struct pp_opts_cmd *c, char **argv, char *a, char *seen)
{
	for (size_t i = 0; c->opts[i].name; i++) {
		const struct pp_opt *o = &c->opts[i];
		if (!is_arg(o) || (seen[i] && o->kind != PP_OPT_ARGS))
			continue;
		seen[i] = 1;
		if (o->kind != PP_OPT_ARGS)
			return store(o, a) ? bad(c, o, a) : -1;
		int *k = o->dst;
		argv[1 + (*k)++] = a;
		return -1;
	}
	return pp_opts_fail(c, "unexpected argument '%s' (see powerpark %s --help)", a, c->name);
}

static int required(const struct pp_opts_cmd *c, const char *seen)
{
	for (size_t i = 0; c->opts[i].name; i++) {
		const struct pp_opt *o = &c->opts[i];
		if (!(o->flags & PP_OPT_REQUIRED) || seen[i] ||
		    (o->kind == PP_OPT_STR && *(const char **)o->dst))
			continue;
		return pp_opts_fail(c, "%s%s%s is required (see powerpark %s --help)", o->name,
				    o->arg ? " " : "", o->arg ? o->arg : "", c->name);
	}
	return -1;
}

int pp_opts_parse(int argc, char **argv, const struct pp_opts_cmd *c)
{
	char seen[PP_OPTS_MAX] = {0};
	size_t n = 0;
	while (c->opts[n].name)
		n++;
	if (n > PP_OPTS_MAX)
		return pp_opts_fail(c, "%zu options; the parser takes %d", n, PP_OPTS_MAX);
	for (size_t i = 0; i < n; i++)
		if (c->opts[i].kind == PP_OPT_ARGS)
			*(int *)c->opts[i].dst = 0;
	int only_args = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (!only_args && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			pp_opts_usage(stdout, c);
			return 0;
		}
		if (!only_args && !strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		int rc;
		if (only_args || a[0] != '-' || !a[1]) {
			if ((rc = argument(c, argv, a, seen)) >= 0)
				return rc;
			continue;
		}
		const struct pp_opt *o = find(c->opts, a);
		if (!o)
			return pp_opts_fail(c, "unknown option '%s' (see powerpark %s --help)", a,
					    c->name);
		seen[o - c->opts] = 1;
		if (o->kind == PP_OPT_FLAG) {
			*(int *)o->dst = 1;
			continue;
		}
		if (o->kind == PP_OPT_SET) {
			*(double *)o->dst = o->lo;
			continue;
		}
		if (i + 1 >= argc)
			return pp_opts_fail(c, "%s: a value is needed (%s)", a, o->arg ? o->arg : "");
		if (store(o, argv[++i]))
			return bad(c, o, argv[i]);
	}
	return required(c, seen);
}

/* ---- --help ---- */

/* How an entry stands in the synopsis: "--out DIR", "FILE.yaml". */
static void synopsis_item(char *b, size_t n, const struct pp_opt *o)
{
	int req = o->flags & PP_OPT_REQUIRED;
	const char *arg = o->arg && !is_arg(o) ? o->arg : NULL;
	snprintf(b, n, "%s%s%s%s%s%s", req ? "" : "[", o->name, arg ? " " : "", arg ? arg : "",
		 o->kind == PP_OPT_ARGS ? " ..." : "", req ? "" : "]");
}

/* "  -c, --config FILE": an entry's left column. */
static int left_column(char *b, size_t n, const struct pp_opt *o)
{
	const char *arg = o->arg && !is_arg(o) ? o->arg : NULL;
	return snprintf(b, n, "  %s%s%s%s%s", o->name, o->alias ? ", " : "",
			o->alias ? o->alias : "", arg ? " " : "", arg ? arg : "");
}

static void help_lines(FILE *f, const char *h, int col)
{
	for (const char *nl; (nl = strchr(h, '\n')); h = nl + 1)
		fprintf(f, "%.*s\n%*s", (int)(nl - h), h, col, "");
	fprintf(f, "%s\n", h);
}

void pp_opts_usage(FILE *f, const struct pp_opts_cmd *c)
{
	char item[PP_OPTS_LINE];
	int indent = fprintf(f, "usage: powerpark %s", c->name), col = indent;
	int width = 0;
	for (const struct pp_opt *o = c->opts; o->name; o++) {
		if (!o->help && !is_arg(o))
			continue; /* accepted, not shown */
		synopsis_item(item, sizeof item, o);
		int len = (int)strlen(item);
		if (col + 1 + len > PP_OPTS_WIDTH && col > indent)
			col = fprintf(f, "\n%*s", indent, "") - 1;
		col += fprintf(f, " %s", item);
		int l = left_column(item, sizeof item, o);
		if (o->help && l > width)
			width = l;
	}
	fprintf(f, "\n\n%s", c->about);
	int hc = (width < PP_OPTS_HELP_COLUMN - 2 ? width : PP_OPTS_HELP_COLUMN - 2) + 2, first = 1;
	for (const struct pp_opt *o = c->opts; o->name; o++) {
		if (!o->help)
			continue;
		int l = left_column(item, sizeof item, o);
		fprintf(f, "%s%s", first ? "\n" : "", item);
		first = 0;
		if (l >= hc)
			fprintf(f, "\n%*s", hc, "");
		else
			fprintf(f, "%*s", hc - l, "");
		help_lines(f, o->help, hc);
	}
}
