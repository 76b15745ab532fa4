/* units.h - numbers and durations as people write them, in command options
 * and in config files alike: "2.5", "1e3"; "500ms", "90s", "15min", "2h",
 * "7d", or a plain number in the unit the option or key is counted in. */
#ifndef PP_UNITS_H
#define PP_UNITS_H

#include "powerpark/err.h"

/* Reads all of s (borrowed) as a finite decimal number into *out (left
 * alone on failure). PP_ERR_PARSE when s is NULL or empty, has anything
 * after the number, or is not finite ("nan", "inf"). */
PP_WUR enum pp_err pp_units_number(const char *s, double *out);

/* Reads all of s (borrowed) as a duration: a number followed at once by
 * one of the units ms, s, min (or m), h, d, or a bare number, which is in
 * unit. *out receives the duration counted in unit (one of the same names,
 * borrowed): "90s" in "min" is 1.5, "2h" in "ms" is 7200000, "15" in "min"
 * is 15. PP_ERR_PARSE when the number or its unit cannot be read or the
 * duration is negative; PP_ERR_ARG when unit is not a unit. *out is left
 * alone on failure. */
PP_WUR enum pp_err pp_units_duration(const char *s, const char *unit, double *out);

/* A device's float32 as the number it meant: the double nearest the
 * shortest decimal that reads back as the same float32 (230.1f, which is
 * 230.10000610351562 as a double, gives 230.1). NaN and infinities pass. */
double pp_units_f32(float f);

/* raw * scale + offset at the resolution the scale and offset give a raw
 * integer (0.1 -> tenths: 599 * 0.1 is 59.9, not 59.900000000000006):
 * rounded to the fewest decimals (at most 9) that hold both exactly.
 * Where raw is not an integer, or scale or offset has no such decimals
 * (1/3), or the result is too large to round exactly, the plain result. */
double pp_units_scaled(double raw, double scale, double offset);

#endif
