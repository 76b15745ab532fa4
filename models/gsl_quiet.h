/* gsl_quiet.h - GSL's default error handler calls abort(); models/ checks
 * every status code instead. Private to models/. */
#ifndef PP_GSL_QUIET_H
#define PP_GSL_QUIET_H

/* Turns GSL's error handler off, once per process (thread-safe). */
void pp_gsl_quiet(void);

#endif
