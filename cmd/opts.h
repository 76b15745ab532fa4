/* opts.h - the one option parser of every command. A command describes
 * its options and arguments in a table (name, kind, where the value goes,
 * bounds, help); parsing, the messages for bad input and --help all come
 * from it. Numbers and durations are read by units.h, so `--period-ms 2s`,
 * `--step 15min` and `--duration 90min` mean what they say. */
#ifndef PP_OPTS_H
#define PP_OPTS_H

#include <stdio.h>

/* Options and arguments one command may have. */
#define PP_OPTS_MAX 32

enum pp_opt_kind {
	PP_OPT_FLAG,   /* bare: *(int *)dst = 1 */
	PP_OPT_SET,    /* bare: *(double *)dst = lo (`--live` is `--speed 1`) */
	PP_OPT_STR,    /* *(const char **)dst = the value (borrowed from argv) */
	PP_OPT_INT,    /* *(int *)dst = a whole number in [lo, hi] */
	PP_OPT_LONG,   /* *(long *)dst = the same, wider */
	PP_OPT_NUM,    /* *(double *)dst = a decimal number in [lo, hi] */
	PP_OPT_PCT,    /* *(double *)dst = a percentage ("2%" or "2") in [lo, hi], / 100 */
	PP_OPT_DUR,    /* *(double *)dst = a duration counted in unit, in [lo, hi] */
	PP_OPT_DURI,   /* *(int *)dst = the same, a whole number of unit */
	PP_OPT_CHOICE, /* *(int *)dst = the index of the value in choices */
	PP_OPT_CALL,   /* fn(dst, value) reads it: 0, or -1 when it is not what expect says */
	PP_OPT_ARGS    /* every further argument: moved, in order, to argv[1..], the count
			* into *(int *)dst */
};

/* Flags of an option. */
#define PP_OPT_REQUIRED 1u /* must be given (a STR that has a value beforehand counts) */
#define PP_OPT_ABOVE 2u    /* lo itself is out of bounds: "> 0" */

/* One option, or (a name without a leading '-') one argument, named so in
 * --help. Strings are borrowed and static. Write entries with the macros
 * below: they check dst's type against the kind. */
struct pp_opt {
	const char *name;            /* "--step", "-c", "FILE.yaml"; NULL ends the table */
	const char *alias;           /* another name ("--config"), or NULL */
	enum pp_opt_kind kind;
	void *dst;                   /* where the value goes (see the kind) */
	const char *arg;             /* the value in --help: "N", "1h|15min|60s" */
	const char *help;            /* its lines in --help; NULL: not listed (an option
				      * is then accepted but not shown at all) */
	double lo, hi;               /* numbers and durations: the bounds, in their unit */
	const char *unit;            /* durations: the unit of a bare number ("ms", "s", "h") */
	const char *const *choices;  /* CHOICE: the values, NULL-terminated */
	int (*fn)(void *dst, const char *v); /* CALL */
	const char *expect;          /* CALL: what a value looks like, for the message */
	unsigned flags;              /* PP_OPT_REQUIRED, PP_OPT_ABOVE */
};

/* A command: its name ("plan": messages start "powerpark plan: "), what
 * --help says after the synopsis, and its table. */
struct pp_opts_cmd {
	const char *name;
	const char *about;
	const struct pp_opt *opts;
};

/* The entries, one a kind: name, where the value goes (its type checked
 * against the kind), then what the kind needs, the value's name and the
 * help line; further designators (.flags = PP_OPT_REQUIRED, .alias = ...)
 * may follow. */
#define PP_OPT_PTR(T, p) ((void *)(1 ? (p) : (T *)0))
#define PP_FLAG(n, p, h, ...) \
	{.name = n, .kind = PP_OPT_FLAG, .dst = PP_OPT_PTR(int, p), .help = h, __VA_ARGS__}
#define PP_SET(n, p, v, h, ...) {.name = n, .kind = PP_OPT_SET, .dst = PP_OPT_PTR(double, p), \
				 .lo = v, .help = h, __VA_ARGS__}
#define PP_STR(n, p, a, h, ...) {.name = n, .kind = PP_OPT_STR, \
				 .dst = PP_OPT_PTR(const char *, p), .arg = a, .help = h, __VA_ARGS__}
#define PP_INT(n, p, l, u, a, h, ...) {.name = n, .kind = PP_OPT_INT, \
				       .dst = PP_OPT_PTR(int, p), .lo = l, .hi = u, .arg = a, \
				       .help = h, __VA_ARGS__}
#define PP_LONG(n, p, l, u, a, h, ...) {.name = n, .kind = PP_OPT_LONG, \
					.dst = PP_OPT_PTR(long, p), .lo = l, .hi = u, .arg = a, \
					.help = h, __VA_ARGS__}
#define PP_NUM(n, p, l, u, a, h, ...) {.name = n, .kind = PP_OPT_NUM, \
				       .dst = PP_OPT_PTR(double, p), .lo = l, .hi = u, .arg = a, \
				       .help = h, __VA_ARGS__}
#define PP_PCT(n, p, l, u, a, h, ...) {.name = n, .kind = PP_OPT_PCT, \
				       .dst = PP_OPT_PTR(double, p), .lo = l, .hi = u, .arg = a, \
				       .help = h, __VA_ARGS__}
#define PP_DUR(n, p, un, l, u, a, h, ...) {.name = n, .kind = PP_OPT_DUR, \
					   .dst = PP_OPT_PTR(double, p), .unit = un, .lo = l, \
					   .hi = u, .arg = a, .help = h, __VA_ARGS__}
#define PP_DURI(n, p, un, l, u, a, h, ...) {.name = n, .kind = PP_OPT_DURI, \
					    .dst = PP_OPT_PTR(int, p), .unit = un, .lo = l, \
					    .hi = u, .arg = a, .help = h, __VA_ARGS__}
#define PP_CHOICE(n, p, c, a, h, ...) {.name = n, .kind = PP_OPT_CHOICE, \
				       .dst = PP_OPT_PTR(int, p), .choices = c, .arg = a, \
				       .help = h, __VA_ARGS__}
#define PP_CALL(n, p, f, e, a, h, ...) {.name = n, .kind = PP_OPT_CALL, .dst = p, .fn = f, \
					.expect = e, .arg = a, .help = h, __VA_ARGS__}
#define PP_ARGS(n, p, h, ...) \
	{.name = n, .kind = PP_OPT_ARGS, .dst = PP_OPT_PTR(int, p), .help = h, __VA_ARGS__}
#define PP_OPT_END {.name = NULL}

/* Reads argv (argv[0] the command's name; argv's slots, not its strings,
 * are rewritten for a PP_OPT_ARGS entry) against c's table: each option
 * once or more (the last value counts), "--" ends the options, "-" alone
 * is an argument. Returns -1 when everything was understood; otherwise the
 * exit status: 0 after --help or -h printed the usage to stdout, 2 after
 * one line to stderr naming the option and what it takes. */
int pp_opts_parse(int argc, char **argv, const struct pp_opts_cmd *c);

/* Prints c's --help to f: the synopsis, c->about, every listed option. */
void pp_opts_usage(FILE *f, const struct pp_opts_cmd *c);

/* Prints "powerpark NAME: " and the message to stderr; returns 2, the exit
 * status of bad options, for checks that need more than one option. */
int pp_opts_fail(const struct pp_opts_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
