/* test_opts.c - numbers and durations as people write them (units.h), and
 * the one option parser of every command (cmd/opts.h): each kind, positional
 * arguments, "--" and "-", the messages and exit status of bad input, the
 * --help text. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cmd/opts.h"
#include "powerpark/lineproto.h"
#include "powerpark/units.h"
#include "pp_test.h"

#define NARGS(a) ((int)(sizeof a / sizeof a[0]))

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1, fabs(b));
}

static void t_number(void)
{
	double v = -1;
	PT_CHECK(!pp_units_number("2.5", &v) && v == 2.5, "2.5: %g", v);
	PT_CHECK(!pp_units_number("-3", &v) && v == -3, "-3: %g", v);
	PT_CHECK(!pp_units_number("1e3", &v) && v == 1000, "1e3: %g", v);
	v = 7;
	const char *bad[] = {"", "abc", "1x", "2.5 ", "nan", "inf", "1,5"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		PT_CHECK(pp_units_number(bad[i], &v) == PP_ERR_PARSE && v == 7, "'%s' refused",
			 bad[i]);
	PT_CHECK(pp_units_number(NULL, &v) == PP_ERR_PARSE, "NULL refused");
}

static void t_duration(void)
{
	static const struct {
		const char *s, *unit;
		double want;
	} ok[] = {
		{"500ms", "s", 0.5},   {"90s", "s", 90},     {"90s", "min", 1.5},
		{"15min", "s", 900},   {"15m", "s", 900},    {"2h", "s", 7200},
		{"2h", "ms", 7200000}, {"1d", "h", 24},      {"1.5h", "min", 90},
		{"0.1s", "ms", 100},   {"60000ms", "s", 60}, {"15", "min", 15},
		{"2.5", "h", 2.5},     {"0", "ms", 0},       {"1e3", "ms", 1000},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		double v = -1;
		enum pp_err e = pp_units_duration(ok[i].s, ok[i].unit, &v);
		PT_CHECK(!e && near(v, ok[i].want), "'%s' in %s: %g (want %g, err %d)", ok[i].s,
			 ok[i].unit, v, ok[i].want, e);
	}
	PT_CHECK(pp_units_duration("0.1s", "ms", &(double){0}) == PP_OK, "0.1s in ms");
	double v = 7;
	const char *bad[] = {"", "s", "5x", "5 s", "5S", "-5s", "-1", "2hh", "nanh", "h2"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		PT_CHECK(pp_units_duration(bad[i], "s", &v) == PP_ERR_PARSE && v == 7,
			 "'%s' refused", bad[i]);
	PT_CHECK(pp_units_duration("5", "weeks", &v) == PP_ERR_ARG && v == 7,
		 "an unknown default unit is the caller's error");
}

/* Runs fn with stderr (and stdout) into files; returns the exit status and
 * the text written (static, overwritten by the next call). */
static char err_text[4096], out_text[4096];

static int captured(int argc, char **argv, const struct pp_opts_cmd *c)
{
	fflush(stdout);
	fflush(stderr);
	FILE *te = tmpfile(), *to = tmpfile();
	int se = dup(2), so = dup(1);
	dup2(fileno(te), 2);
	dup2(fileno(to), 1);
	int rc = pp_opts_parse(argc, argv, c);
	fflush(stdout);
	fflush(stderr);
	dup2(se, 2);
	dup2(so, 1);
	close(se);
	close(so);
	FILE *fs[] = {te, to};
	char *ts[] = {err_text, out_text};
	for (int k = 0; k < 2; k++) {
		rewind(fs[k]);
		size_t n = fread(ts[k], 1, sizeof err_text - 1, fs[k]);
		ts[k][n] = 0;
		fclose(fs[k]);
	}
	return rc;
}

/* Every kind in one table, as a command has it. */
struct vals {
	int flag, runs, period_ms, choice, nrest;
	long seed;
	double speed, loss, step_s, hours;
	const char *file, *out;
	char called[32];
};

static int call(void *dst, const char *v)
{
	if (strncmp(v, "ok:", 3))
		return -1;
	snprintf(dst, 32, "%s", v + 3);
	return 0;
}

static const char *const colours[] = {"red", "green", NULL};

#define TABLE(x)                                                                          \
	const struct pp_opt opts[] = {                                                    \
		PP_STR("FILE", &(x).file, NULL, "the input", .flags = PP_OPT_REQUIRED),   \
		PP_STR("--out", &(x).out, "DIR", "where"),                                \
		PP_FLAG("--flag", &(x).flag, "a flag"),                                   \
		PP_INT("--runs", &(x).runs, 1, 1000, "N", "whole"),                       \
		PP_LONG("--seed", &(x).seed, 0, 4294967295.0, "N", "wide"),               \
		PP_NUM("--speed", &(x).speed, 0, INFINITY, "X", "decimal"),               \
		PP_SET("--fast", &(x).speed, 0, "--speed 0"),                             \
		PP_PCT("--loss", &(x).loss, 0, 50, "2%", "percent"),                      \
		PP_DUR("--step", &(x).step_s, "s", 60, 3600, "D", "seconds"),             \
		PP_DUR("--hours", &(x).hours, "h", 0, INFINITY, "H", "hours",             \
		       .flags = PP_OPT_ABOVE),                                            \
		PP_DURI("--period-ms", &(x).period_ms, "ms", 10, 3600000, "N", "ms"),     \
		PP_CHOICE("--colour", &(x).choice, colours, "red|green", "choice"),       \
		PP_CALL("--call", (x).called, call, "ok:TEXT", "ok:TEXT", "callback"),    \
		PP_STR("--hidden", &(x).out, "DIR", NULL),                                \
		PP_ARGS("MORE", &(x).nrest, "the rest"),                                  \
		PP_OPT_END};                                                              \
	const struct pp_opts_cmd cmd = {"test", "About the test.\n", opts}

static void t_parse_every_kind(void)
{
	struct vals v = {.speed = -1, .loss = -1};
	TABLE(v);
	char *argv[] = {"test", "--runs", "12", "in.yaml", "--seed", "4294967295", "--speed",
			"2.5", "--loss", "2%", "--step", "15min", "--hours", "90min", "--period-ms",
			"2s", "--colour", "green", "--call", "ok:hi", "--flag", "--out", "o"};
	int rc = captured(NARGS(argv), argv, &cmd);
	PT_CHECK(rc == -1, "parsed (rc %d: %s)", rc, err_text);
	PT_CHECK(v.file && !strcmp(v.file, "in.yaml"), "the positional argument");
	PT_CHECK(v.runs == 12 && v.seed == 4294967295L && v.speed == 2.5, "int, long, number");
	PT_CHECK(near(v.loss, 0.02), "2%% is 0.02: %g", v.loss);
	PT_CHECK(v.step_s == 900 && near(v.hours, 1.5) && v.period_ms == 2000,
		 "durations: %g s, %g h, %d ms", v.step_s, v.hours, v.period_ms);
	PT_CHECK(v.choice == 1 && !strcmp(v.called, "hi") && v.flag, "choice, call, flag");
	PT_CHECK(!strcmp(v.out, "o") && v.nrest == 0, "string; no further arguments");
	char *argv2[] = {"test", "--loss", "3", "--step", "600", "--hours", "2", "--period-ms",
			 "250", "in", "--fast", "--hidden", "h"};
	rc = captured(NARGS(argv2), argv2, &cmd);
	PT_CHECK(rc == -1 && near(v.loss, 0.03) && v.step_s == 600 && v.hours == 2 &&
		 v.period_ms == 250 && v.speed == 0 && !strcmp(v.out, "h"),
		 "bare numbers are in the option's unit; SET; a hidden option (rc %d)", rc);
}

static void t_positional(void)
{
	struct vals v = {0};
	TABLE(v);
	char *argv[] = {"test", "a", "b", "--flag", "-", "--", "--not-an-option", "c"};
	int rc = captured(NARGS(argv), argv, &cmd);
	PT_CHECK(rc == -1, "parsed (rc %d: %s)", rc, err_text);
	PT_CHECK(!strcmp(v.file, "a") && v.flag, "the first argument, then the option");
	PT_CHECK(v.nrest == 4 && !strcmp(argv[1], "b") && !strcmp(argv[2], "-") &&
		 !strcmp(argv[3], "--not-an-option") && !strcmp(argv[4], "c"),
		 "the rest moved to argv[1..%d] in order; '-' and what follows '--' are arguments",
		 v.nrest);
}

/* One bad command line: exit 2 and a message with want in it. */
static void refused(char **argv, int argc, const char *want)
{
	struct vals v = {0};
	TABLE(v);
	int rc = captured(argc, argv, &cmd), lines = 0;
	for (const char *p = err_text; *p; p++)
		lines += *p == '\n';
	PT_CHECK(rc == 2 && strstr(err_text, want) && lines == 1,
		 "%s %s: rc %d, one line with \"%s\": %s", argv[1], argc > 2 ? argv[2] : "", rc,
		 want, err_text);
	PT_CHECK(!strncmp(err_text, "powerpark test: ", 16), "the command named: %s", err_text);
}

#define REFUSED(want, ...)                                      \
	do {                                                    \
		char *a_[] = {"test", __VA_ARGS__};             \
		refused(a_, NARGS(a_), want);                   \
	} while (0)

static void t_bad_input(void)
{
	REFUSED("unknown option '--nope'", "f", "--nope");
	REFUSED("--runs: a value is needed", "f", "--runs");
	REFUSED("--runs: expected a whole number from 1 to 1000, not 'x'", "f", "--runs", "x");
	REFUSED("--runs: expected a whole number from 1 to 1000, not '0'", "f", "--runs", "0");
	REFUSED("--runs: expected a whole number", "f", "--runs", "1.5");
	REFUSED("--seed: expected a whole number from 0 to 4294967295", "f", "--seed", "-1");
	REFUSED("--speed: expected a number >= 0, not 'fast'", "f", "--speed", "fast");
	REFUSED("--speed: expected a number >= 0, not '-1'", "f", "--speed", "-1");
	REFUSED("--loss: expected a percentage from 0 to 50 %", "f", "--loss", "60%");
	REFUSED("--loss: expected a percentage", "f", "--loss", "2%%");
	REFUSED("--step: expected a number of s from 60 to 3600", "f", "--step", "30s");
	REFUSED("--step: expected a number of s", "f", "--step", "2x");
	REFUSED("--hours: expected a number of h > 0", "f", "--hours", "0");
	REFUSED("--period-ms: expected a whole number of ms from 10 to 3600000", "f",
		"--period-ms", "abc");
	REFUSED("--period-ms: expected a whole number of ms", "f", "--period-ms", "0.5");
	REFUSED("--period-ms: expected a whole number of ms", "f", "--period-ms", "2h");
	REFUSED("--colour: expected red or green, not 'blue'", "f", "--colour", "blue");
	REFUSED("--call: expected ok:TEXT, not 'no'", "f", "--call", "no");
	REFUSED("FILE is required", "--flag");
	struct vals v = {0};
	const struct pp_opt one[] = {PP_STR("FILE", &v.file, NULL, NULL), PP_OPT_END};
	const struct pp_opts_cmd c1 = {"test", "", one};
	char *argv[] = {"test", "a", "b"};
	int rc = captured(NARGS(argv), argv, &c1);
	PT_CHECK(rc == 2 && strstr(err_text, "unexpected argument 'b'"),
		 "a second argument where one is taken: %s", err_text);
}

static void t_help(void)
{
	struct vals v = {0};
	TABLE(v);
	char *argv[] = {"test", "--runs", "x", "--help"};
	int rc = captured(2, (char *[]){"test", "--help"}, &cmd);
	PT_CHECK(rc == 0 && !err_text[0], "--help: exit 0, nothing on stderr (rc %d)", rc);
	PT_CHECK(!strncmp(out_text, "usage: powerpark test FILE [--out DIR] [--flag]", 47),
		 "the synopsis from the table: %.60s", out_text);
	PT_CHECK(strstr(out_text, "\nAbout the test.\n") && strstr(out_text, "  --runs N") &&
		 strstr(out_text, "[MORE ...]") && !strstr(out_text, "--hidden"),
		 "about, the options, the rest; hidden options are not shown:\n%s", out_text);
	rc = captured(NARGS(argv), argv, &cmd);
	PT_CHECK(rc == 2, "a bad value before --help is still refused");
	rc = captured(2, (char *[]){"test", "-h"}, &cmd);
	PT_CHECK(rc == 0 && strstr(out_text, "usage:"), "-h is --help");
}

/* What a device's number meant (issue 26, 2): a float32 as its shortest
 * decimal, a scaled integer at its scale's resolution, and the line
 * protocol then writes them as people do. */
static void t_device_numbers(void)
{
	char b[40];
	size_t n = pp_lineproto_fmt_double(b, pp_units_f32(230.1f));
	b[n] = 0;
	PT_CHECK(!strcmp(b, "230.1"), "float32 230.1 written %s", b);
	n = pp_lineproto_fmt_double(b, pp_units_scaled(599, 0.1, 0));
	b[n] = 0;
	PT_CHECK(!strcmp(b, "59.9"), "599 x 0.1 written %s", b);
	PT_CHECK(pp_units_scaled(12345, 0.01, 0) == 123.45 && pp_units_scaled(101, 0.5, -40) == 10.5 &&
			 pp_units_scaled(-7, 0.001, 0) == -0.007,
		 "scaled integers");
	PT_CHECK(pp_units_scaled(7, 1.0 / 3, 0) == 7 * (1.0 / 3) && pp_units_scaled(2.5, 0.1, 0) ==
			 2.5 * 0.1, "no decimals, or a raw that is no integer: the plain product");
	PT_CHECK(isnan(pp_units_f32(NAN)) && isinf(pp_units_f32(INFINITY)), "NaN and infinity pass");
	/* Every float32 of a sweep reads back as itself, in at most 9 digits. */
	unsigned s = 12345;
	int bad = 0;
	for (int i = 0; i < 200000; i++) {
		s = s * 1103515245u + 12345u;
		uint32_t x = s;
		float f;
		memcpy(&f, &x, sizeof f);
		if (!isfinite(f))
			continue;
		double d = pp_units_f32(f);
		bad += (float)d != f;
	}
	PT_CHECK(bad == 0, "%d float32 values did not read back as themselves", bad);
}

int main(void)
{
	PT_RUN(t_device_numbers);
	PT_RUN(t_number);
	PT_RUN(t_duration);
	PT_RUN(t_parse_every_kind);
	PT_RUN(t_positional);
	PT_RUN(t_bad_input);
	PT_RUN(t_help);
	return PT_DONE("test_opts");
}
