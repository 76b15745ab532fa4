/* clock.h - the monotonic and wall clocks, in nanoseconds. */
#ifndef PP_CLOCK_H
#define PP_CLOCK_H

#include <stdint.h>

/* Monotonic time (CLOCK_MONOTONIC) in nanoseconds: for intervals and
 * timeouts, never for timestamps. */
int64_t pp_clock_mono_ns(void);

/* Wall time (CLOCK_REALTIME) in Unix nanoseconds: for timestamps. */
int64_t pp_clock_wall_ns(void);

#endif
